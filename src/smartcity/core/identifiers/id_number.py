"""Citizen identity numbers, GB 11643-1999 公民身份号码.

Structure (18 characters): positions 1–6 address code (GB/T 2260), 7–14 birth
date ``YYYYMMDD``, 15–17 sequence code (odd = male, even = female), 18 check
character (ISO 7064 MOD 11-2, ``0``–``9`` or ``X``).

Validation is layered (reference cn-standards.md §1.3):

1. form: 18 characters, positions 1–17 digits, position 18 a digit or ``X``;
2. the birth date is a real calendar date, not before 1800 and not in the future;
3. the address code is in the GB/T 2260 table, **abolished codes included**.
   The address code is *never* tied to the birth year: it records where the
   number was assigned, which can be long after birth (``37082619720101009X``
   is valid although 370826 dates from 1983);
4. the check character matches.

Every failure raises :class:`IdentifierError` with the 1-based position that
fails. Normalisation: surrounding and inner whitespace is removed, full-width
characters are folded (NFKC) and a lowercase ``x`` check character becomes ``X``.

Check-character arithmetic: with weights Wᵢ = 2^(18−i) mod 11 the check value is
``(1 − Σ aᵢWᵢ) mod 11``. Because 13 ≡ 2 (mod 11), Σ aᵢ·2^(17−i) ≡ ``int(body, 13)``,
so the sum is one C-level ``int(body, 13)`` call; :data:`ID_WEIGHTS` documents the
weights and the tests check both forms agree.
"""

from __future__ import annotations

import calendar
import unicodedata
from dataclasses import dataclass
from datetime import date
from typing import Final, Literal

from smartcity.core.identifiers.divisions import division_codes, division_name
from smartcity.core.identifiers.errors import IdentifierError

__all__ = [
    "ID_WEIGHTS",
    "MIN_BIRTH_YEAR",
    "IdNumberInfo",
    "id_check_character",
    "is_valid_id_number",
    "make_id_number",
    "parse_id_number",
    "upgrade_15_to_18",
    "validate_id_number",
]

#: GB 11643 weights for positions 1..17: 2^(18−i) mod 11.
ID_WEIGHTS: Final[tuple[int, ...]] = tuple(pow(2, 17 - i, 11) for i in range(17))
#: Check value (0..10) to character.
_CHECK_CHARS: Final = "0123456789X"
#: Birth years before this are rejected as implausible (GB 11643 Annex A uses 1880).
MIN_BIRTH_YEAR: Final = 1800

_DIGITS: Final = frozenset("0123456789")
_CHECK_SET: Final = frozenset("0123456789X")

Gender = Literal["male", "female"]


@dataclass(frozen=True, slots=True)
class IdNumberInfo:
    """The parts of a valid identity number."""

    number: str
    region_code: str
    region_name: str
    birth_date: date
    sequence: str
    gender: Gender


def _check(body17: str) -> str:
    """Check character of 17 ASCII digits (no validation)."""
    return _CHECK_CHARS[(1 - 2 * int(body17, 13)) % 11]


def id_check_character(body17: str) -> str:
    """The GB 11643 check character (``0``–``9`` or ``X``) of a 17-digit body."""
    if len(body17) != 17 or not (body17.isascii() and body17.isdigit()):
        raise IdentifierError("id-number.body", "身份号码本体码应为17位数字")
    return _check(body17)


def _normalise(value: str) -> str:
    if not isinstance(value, str):
        raise IdentifierError("id-number.type", "身份号码应为文本")
    number = value.strip()
    if not number.isascii():
        number = unicodedata.normalize("NFKC", number)
    if len(number) != 18 or not number.isalnum():
        number = "".join(number.split())
    if number[-1:] == "x":
        number = number[:-1] + "X"
    return number


def _length_error(length: int, expected: int, code: str, label: str) -> IdentifierError:
    if length == 0:
        return IdentifierError(f"{code}.empty", f"{label}为空", None)
    position = expected + 1 if length > expected else length + 1
    return IdentifierError(f"{code}.length", f"{label}应为{expected}位，实为{length}位", position)


def _form_error(number: str) -> IdentifierError | None:
    """The first character-level error of an 18-character candidate, if any."""
    for index, char in enumerate(number[:17], start=1):
        if char not in _DIGITS:
            if char in "Xx":
                return IdentifierError(
                    "id-number.x-in-body", f"身份号码第{index}位不能为X，X只能出现在第18位", index
                )
            return IdentifierError("id-number.non-digit", f"身份号码第{index}位应为数字", index)
    if number[17] not in _CHECK_SET:
        return IdentifierError("id-number.check-character-invalid", "身份号码第18位应为数字或X", 18)
    return None


def _birth_date(digits: str, offset: int, code: str, label: str, today: date | None) -> date:
    """Check ``YYYYMMDD`` at ``digits[offset:offset + 8]``; positions are 1-based."""
    year = int(digits[offset : offset + 4])
    month = int(digits[offset + 4 : offset + 6])
    day = int(digits[offset + 6 : offset + 8])
    if year < MIN_BIRTH_YEAR:
        raise IdentifierError(
            f"{code}.birth-date", f"{label}出生年份不合理（早于{MIN_BIRTH_YEAR}年）", offset + 1
        )
    if not 1 <= month <= 12:
        raise IdentifierError(
            f"{code}.birth-date", f"{label}出生月份无效（应为01至12）", offset + 5
        )
    if not 1 <= day <= calendar.monthrange(year, month)[1]:
        raise IdentifierError(
            f"{code}.birth-date",
            f"{label}出生日期在日历上不存在",
            offset + 7,
        )
    birth = date(year, month, day)
    if birth > (today if today is not None else date.today()):
        raise IdentifierError(f"{code}.birth-date-future", f"{label}出生日期晚于今天", offset + 1)
    return birth


def validate_id_number(value: str, *, today: date | None = None) -> str:
    """Return the normalised 18-character number or raise :class:`IdentifierError`.

    ``today`` (default: the system date) bounds the birth date. Error codes and
    positions: ``id-number.empty``; ``id-number.length`` (position = first
    missing or first extra position); ``id-number.non-digit`` /
    ``id-number.x-in-body`` (the position); ``id-number.check-character-invalid``
    (18); ``id-number.birth-date`` (7 year, 11 month, 13 day);
    ``id-number.birth-date-future`` (7); ``id-number.region`` (1);
    ``id-number.check-character`` (18).
    """
    number = _normalise(value)
    if len(number) != 18:
        raise _length_error(len(number), 18, "id-number", "身份号码")
    body = number[:17]
    if not (number.isascii() and body.isdigit() and number[17] in _CHECK_SET):
        error = _form_error(number)
        if error is not None:
            raise error
    _birth_date(number, 6, "id-number", "身份号码", today)
    if number[:6] not in division_codes():
        raise IdentifierError(
            "id-number.region", "身份号码前6位地址码不是 GB/T 2260 行政区划代码", 1
        )
    if _check(body) != number[17]:
        raise IdentifierError("id-number.check-character", "身份号码第18位校验码不正确", 18)
    return number


def is_valid_id_number(value: str, *, today: date | None = None) -> bool:
    """True when :func:`validate_id_number` accepts ``value``."""
    try:
        validate_id_number(value, today=today)
    except IdentifierError:
        return False
    return True


def parse_id_number(value: str, *, today: date | None = None) -> IdNumberInfo:
    """Validate ``value`` and split it into its parts."""
    number = validate_id_number(value, today=today)
    region = number[:6]
    return IdNumberInfo(
        number=number,
        region_code=region,
        region_name=division_name(region) or "",
        birth_date=date(int(number[6:10]), int(number[10:12]), int(number[12:14])),
        sequence=number[14:17],
        gender="male" if int(number[16]) % 2 else "female",
    )


def upgrade_15_to_18(value15: str) -> str:
    """Convert a legacy 15-digit number (GB 11643-1989) to 18 characters.

    Inserts ``19`` before the ``YYMMDD`` birth date and appends the check
    character. The 15-digit form is validated first (digits, real date,
    GB/T 2260 address code); positions in errors refer to the 15-digit form
    (``id-number-15.birth-date``: 7 year, 9 month, 11 day). The ``19`` rule is
    wrong for people born before 1900; such numbers need manual handling.
    """
    if not isinstance(value15, str):
        raise IdentifierError("id-number-15.type", "15位身份号码应为文本")
    number = value15.strip()
    if not number.isascii():
        number = unicodedata.normalize("NFKC", number)
    number = "".join(number.split())
    if len(number) != 15:
        raise _length_error(len(number), 15, "id-number-15", "15位身份号码")
    for index, char in enumerate(number, start=1):
        if char not in _DIGITS:
            raise IdentifierError(
                "id-number-15.non-digit", f"15位身份号码第{index}位应为数字", index
            )
    try:
        _birth_date("19" + number[6:12], 0, "id-number-15", "15位身份号码", None)
    except IdentifierError as error:
        # "19YYMMDD" positions 1/5/7 map to 7/9/11 in the 15-digit form.
        position = {1: 7, 5: 9, 7: 11}.get(error.position or 1, 7)
        raise IdentifierError(error.code, error.message, position) from None
    if number[:6] not in division_codes():
        raise IdentifierError(
            "id-number-15.region", "15位身份号码前6位地址码不是 GB/T 2260 行政区划代码", 1
        )
    body = number[:6] + "19" + number[6:]
    return body + _check(body)


def make_id_number(region: str, birth: date, sequence: int) -> str:
    """Build a number with a correct check character (for demo and test data).

    ``region`` must be six digits but need not be a known code (tests build
    deliberately invalid numbers with it); ``sequence`` is 0..999, odd for men.
    """
    if len(region) != 6 or not (region.isascii() and region.isdigit()):
        raise IdentifierError("id-number.region", "地址码应为6位数字", 1)
    if not 0 <= sequence <= 999:
        raise IdentifierError("id-number.sequence", "顺序码应在000至999之间", 15)
    if not 1000 <= birth.year <= 9999:
        raise IdentifierError("id-number.birth-date", "出生年份应为4位数", 7)
    body = f"{region}{birth:%Y%m%d}{sequence:03d}"
    return body + _check(body)
