"""Display masking of personal information (GB/T 35273-2020 §7.2 展示限制).

GB/T 35273 requires personal information shown on screens or paper to be
de-identified or masked, but it does **not** prescribe the patterns: they are
platform policy. Every pattern here is therefore a field of :class:`MaskPolicy`
(defaults below); build one policy from the platform settings and pass it on.

Default patterns:

============== ====================================== ============================
kind           rule                                   example
============== ====================================== ============================
ID number      keep first 6 and last 4                ``370811********1019``
mobile         keep first 3 and last 4 (+86 kept)     ``138****5678``
landline       keep area code and last 3              ``0537-****678``
name (Chinese) keep the surname (compound: 2 chars)   ``张*``, ``欧阳**``
name (other)   keep the first character               ``J*********``
address        keep up to the county level, then a    ``山东省济宁市任城区****``
               fixed ``****`` (length is not leaked)
e-mail         first character of the local part      ``z***@example.com``
credit code    keep first 8 (authority, type, region) ``91370800********3A``
               and last 2 (the two check characters)
============== ====================================== ============================

The functions never raise and accept ``None`` (→ ``""``). Input they cannot
interpret is masked by a generic rule (keep at most a quarter at each end) or
entirely: when in doubt they mask more, never less. Whenever the input has a
visible character, at least one character is masked.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import lru_cache
from typing import Final

from smartcity.core.identifiers.divisions import (
    LEVEL_COUNTY,
    LEVEL_PREFECTURE,
    LEVEL_PROVINCE,
    division_codes,
    lookup_division,
)

__all__ = [
    "COMPOUND_SURNAMES",
    "DEFAULT_MASK_POLICY",
    "MaskKind",
    "MaskPolicy",
    "mask",
    "mask_address",
    "mask_all",
    "mask_credit_code",
    "mask_email",
    "mask_id_number",
    "mask_name",
    "mask_phone",
]

#: Two-character surnames kept whole by :func:`mask_name`.
COMPOUND_SURNAMES: Final = frozenset(
    {
        "欧阳",
        "司马",
        "诸葛",
        "上官",
        "东方",
        "皇甫",
        "尉迟",
        "公孙",
        "慕容",
        "长孙",
        "宇文",
        "司徒",
        "夏侯",
        "轩辕",
        "令狐",
        "端木",
    }
)


class MaskKind(StrEnum):
    """What a value is, for :func:`mask`."""

    ID_NUMBER = "id_number"
    PHONE = "phone"
    NAME = "name"
    ADDRESS = "address"
    EMAIL = "email"
    CREDIT_CODE = "credit_code"


@dataclass(frozen=True, slots=True)
class MaskPolicy:
    """The masking patterns of the platform (all lengths in characters)."""

    mask_char: str = "*"
    id_keep_start: int = 6
    id_keep_end: int = 4
    mobile_keep_start: int = 3
    mobile_keep_end: int = 4
    landline_keep_end: int = 3
    compound_surnames: frozenset[str] = field(default=COMPOUND_SURNAMES)
    address_fallback_keep: int = 6
    address_mask: str = "****"
    email_keep_local: int = 1
    email_mask: str = "***"
    credit_keep_start: int = 8
    credit_keep_end: int = 2

    def __post_init__(self) -> None:
        if len(self.mask_char) != 1 or self.mask_char.isspace():
            raise ValueError("mask_char must be one visible character")
        if not self.address_mask.strip() or not self.email_mask.strip():
            raise ValueError("address_mask and email_mask must not be blank")
        for name in (
            "id_keep_start",
            "id_keep_end",
            "mobile_keep_start",
            "mobile_keep_end",
            "landline_keep_end",
            "address_fallback_keep",
            "email_keep_local",
            "credit_keep_start",
            "credit_keep_end",
        ):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must not be negative")


DEFAULT_MASK_POLICY: Final = MaskPolicy()

_SEPARATORS: Final = re.compile(r"[\s\-()（）]")
_EXTENSION: Final = re.compile(r"(?:转|#|ext\.?|分机)\s*(\d{1,6})$", re.IGNORECASE)
_MOBILE: Final = re.compile(r"(\+86|0086|86)?(1\d{10})")
#: Mainland area codes: 010 and 02x have three digits, all others four.
_LANDLINE: Final = re.compile(r"(0(?:[12]\d|[3-9]\d\d))(\d{7,8})")
_LOCAL: Final = re.compile(r"\d{7,8}")


def _mask_middle(text: str, keep_start: int, keep_end: int, char: str) -> str:
    """Keep the ends, mask the middle; short text keeps at most a quarter per end."""
    length = len(text)
    if keep_start + keep_end >= length:
        keep_start = min(keep_start, length // 4)
        keep_end = min(keep_end, length // 4)
    return text[:keep_start] + char * (length - keep_start - keep_end) + text[length - keep_end :]


def _generic(text: str, policy: MaskPolicy) -> str:
    quarter = len(text) // 4
    return _mask_middle(text, quarter, quarter, policy.mask_char)


def _mask_all(value: object, policy: MaskPolicy) -> str:
    try:
        text = "" if value is None else str(value).strip()
        return policy.mask_char * len(text)
    except Exception:
        return "****"


def mask_all(value: object, *, policy: MaskPolicy = DEFAULT_MASK_POLICY) -> str:
    """Every character masked (what ``mask`` does for a kind it does not know): for a
    value of no known kind, such as an occupation or a marital status."""
    return _mask_all(value, policy)


def _safe(func: Callable[[str, MaskPolicy], str], value: object, policy: MaskPolicy) -> str:
    try:
        if value is None:
            return ""
        text = str(value).strip()
        if not text:
            return ""
        return func(text, policy)
    except Exception:
        return _mask_all(value, policy)


# --- ID numbers and credit codes ------------------------------------------------------------


def _id_number(text: str, policy: MaskPolicy) -> str:
    return _mask_middle(text, policy.id_keep_start, policy.id_keep_end, policy.mask_char)


def _credit_code(text: str, policy: MaskPolicy) -> str:
    return _mask_middle(text, policy.credit_keep_start, policy.credit_keep_end, policy.mask_char)


def mask_id_number(value: str | None, *, policy: MaskPolicy = DEFAULT_MASK_POLICY) -> str:
    """``370811198503121019`` → ``370811********1019`` (first 6, last 4 by default)."""
    return _safe(_id_number, value, policy)


def mask_credit_code(value: str | None, *, policy: MaskPolicy = DEFAULT_MASK_POLICY) -> str:
    """``91370800MA3C4K8Q3A`` → ``91370800********3A``.

    Keeps authority, entity type and region (public, not identifying) and the two
    check characters; masks the 8-character organisation-code body.
    """
    return _safe(_credit_code, value, policy)


# --- phone numbers ----------------------------------------------------------------------------


def _phone(text: str, policy: MaskPolicy) -> str:
    char = policy.mask_char
    main, extension = text, ""
    ext_match = _EXTENSION.search(text)
    if ext_match is not None:
        main = text[: ext_match.start()].rstrip(" -")
        extension = "-" + char * len(ext_match.group(1))
    compact = _SEPARATORS.sub("", main)
    mobile = _MOBILE.fullmatch(compact)
    if mobile is not None and not extension:
        prefix = mobile.group(1)
        if prefix == "86":
            prefix = "+86"
        masked = _mask_middle(
            mobile.group(2), policy.mobile_keep_start, policy.mobile_keep_end, char
        )
        return f"{prefix} {masked}" if prefix else masked
    landline = _LANDLINE.fullmatch(compact)
    if landline is not None:
        local = _mask_middle(landline.group(2), 0, policy.landline_keep_end, char)
        return f"{landline.group(1)}-{local}{extension}"
    if _LOCAL.fullmatch(compact):
        return _mask_middle(compact, 0, policy.landline_keep_end, char) + extension
    return _mask_middle(text, policy.mobile_keep_start, policy.mobile_keep_end, char)


def mask_phone(value: str | None, *, policy: MaskPolicy = DEFAULT_MASK_POLICY) -> str:
    """Mobile ``13812345678`` → ``138****5678`` (``+86`` kept as ``+86 138****5678``);
    landline ``0537-2345678`` → ``0537-****678``; an extension is masked entirely."""
    return _safe(_phone, value, policy)


# --- names ------------------------------------------------------------------------------------


def _is_han(char: str) -> bool:
    point = ord(char)
    return 0x3400 <= point <= 0x9FFF or 0xF900 <= point <= 0xFAFF or 0x20000 <= point <= 0x3FFFF


def _name(text: str, policy: MaskPolicy) -> str:
    char = policy.mask_char
    if len(text) == 1:
        return char
    keep = 1
    if _is_han(text[0]) and len(text) > 2 and text[:2] in policy.compound_surnames:
        keep = 2
    return text[:keep] + char * (len(text) - keep)


def mask_name(value: str | None, *, policy: MaskPolicy = DEFAULT_MASK_POLICY) -> str:
    """``张三`` → ``张*``, ``欧阳娜娜`` → ``欧阳**``, ``John Smith`` → ``J*********``.

    Chinese names keep the surname (two characters for the compound surnames in
    ``policy.compound_surnames``); other names keep their first character. A
    one-character value is masked entirely.
    """
    return _safe(_name, value, policy)


# --- addresses --------------------------------------------------------------------------------

_LEVEL_RANK: Final[Mapping[str, int]] = {LEVEL_PROVINCE: 0, LEVEL_PREFECTURE: 1, LEVEL_COUNTY: 2}
_PLACEHOLDERS: Final = frozenset({"市辖区", "县", "郊县"})


@dataclass(frozen=True, slots=True)
class _NameIndex:
    by_head: dict[str, tuple[tuple[str, frozenset[int]], ...]]
    """Division names (and short forms) by their first two characters, longest first,
    with the ranks they can stand for: a position in an address is tried against
    the few names that start there, not every length up to the longest name."""


def _short_forms(name: str, rank: int) -> list[str]:
    forms: list[str] = []
    if rank == 0:
        if name.endswith(("省", "市")) and len(name) >= 3:
            forms.append(name[:-1])
        elif name.endswith(("自治区", "特别行政区")):
            forms.append(name[:3] if name.startswith("内蒙古") else name[:2])
    elif rank == 1 and name.endswith("市") and len(name) >= 3:
        forms.append(name[:-1])
    return forms


@lru_cache(maxsize=1)
def _name_index() -> _NameIndex:
    ranks: dict[str, set[int]] = {}
    for code in division_codes():
        for division in lookup_division(code):
            rank = _LEVEL_RANK.get(division.level)
            name = division.name
            if rank is None or name in _PLACEHOLDERS or "直辖" in name or len(name) < 2:
                continue
            for form in (name, *_short_forms(name, rank)):
                ranks.setdefault(form, set()).add(rank)
    heads: dict[str, list[tuple[str, frozenset[int]]]] = {}
    for name, found in ranks.items():
        heads.setdefault(name[:2], []).append((name, frozenset(found)))
    return _NameIndex(
        by_head={
            head: tuple(sorted(names, key=lambda item: -len(item[0])))
            for head, names in heads.items()
        }
    )


def _division_prefix(text: str) -> int:
    """Length of the leading province/prefecture/county names, up to the county: at
    each position the longest name that starts there and stands for a lower level
    than the one before."""
    index = _name_index()
    position, last_rank = 0, -1
    while position < len(text) and last_rank < 2:
        for name, ranks in index.by_head.get(text[position : position + 2], ()):
            if text.startswith(name, position):
                later = [r for r in ranks if r > last_rank]
                if later:
                    position += len(name)
                    last_rank = min(later)
                    break
        else:
            break
    return position


def _address(text: str, policy: MaskPolicy) -> str:
    kept = _division_prefix(text)
    if kept == 0:
        kept = min(policy.address_fallback_keep, len(text) // 2)
    return text[:kept] + policy.address_mask


def mask_address(value: str | None, *, policy: MaskPolicy = DEFAULT_MASK_POLICY) -> str:
    """``山东省济宁市任城区古槐路12号`` → ``山东省济宁市任城区****``.

    Keeps the leading province, prefecture and county names found in the GB/T
    2260 table (current and historical names, plus short forms such as 山东);
    without any, keeps the first ``address_fallback_keep`` characters (at most
    half). The rest becomes the fixed ``address_mask``, which does not reveal
    the length.
    """
    return _safe(_address, value, policy)


# --- e-mail -----------------------------------------------------------------------------------


def _email(text: str, policy: MaskPolicy) -> str:
    local, at, domain = text.rpartition("@")
    if not at or not local or not domain:
        return _generic(text, policy)
    keep = policy.email_keep_local
    kept = local[:keep] if len(local) > keep else ""
    return f"{kept}{policy.email_mask}@{domain}"


def mask_email(value: str | None, *, policy: MaskPolicy = DEFAULT_MASK_POLICY) -> str:
    """``zhangsan@example.com`` → ``z***@example.com`` (fixed mask, domain kept)."""
    return _safe(_email, value, policy)


# --- dispatcher -------------------------------------------------------------------------------

_MASKERS: Final[Mapping[str, Callable[[str, MaskPolicy], str]]] = {  # MaskKind is a str
    MaskKind.ID_NUMBER: _id_number,
    MaskKind.PHONE: _phone,
    MaskKind.NAME: _name,
    MaskKind.ADDRESS: _address,
    MaskKind.EMAIL: _email,
    MaskKind.CREDIT_CODE: _credit_code,
}


def mask(
    value: str | None, kind: MaskKind | str, *, policy: MaskPolicy = DEFAULT_MASK_POLICY
) -> str:
    """Mask ``value`` as ``kind``; an unknown kind masks everything."""
    try:
        masker = _MASKERS.get(kind)  # a kind's text finds its MaskKind
    except TypeError:  # unhashable kind
        masker = None
    if masker is None:
        return _mask_all(value, policy)
    return _safe(masker, value, policy)
