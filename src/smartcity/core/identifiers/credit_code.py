"""Unified social credit codes, GB 32100-2015 法人和其他组织统一社会信用代码.

Structure (18 characters from ``0123456789ABCDEFGHJKLMNPQRTUWXY``; the letters
I, O, S, V and Z are never used):

- position 1: registration-authority code (登记管理部门代码);
- position 2: entity-type code (机构类别代码), which depends on position 1;
- positions 3–8: GB/T 2260 division code of the registering authority;
- positions 9–17: subject identifier = GB 11714-1997 organisation code
  (8 body characters + its own check character at position 17);
- position 18: check character, ISO 7064 MOD 31-3 style: weights
  Wᵢ = 3^(i−1) mod 31, value ``(31 − Σ CᵢWᵢ mod 31) mod 31``.

Layers, each naming the 1-based position that fails: length, character set,
authority/entity-type pair (:data:`REGISTRATION_AUTHORITIES`, reference §2.4,
treated as an allow-list a caller may replace), division code (digits, and known
in GB/T 2260 including abolished codes, or :data:`NATIONAL_REGION_CODE`), then in
``strict`` mode the GB 11714 check at position 17 (A=10 … Z=35, weights
3 7 9 10 5 8 4 2, 10 → ``X``, 11 → ``0``), then the check character at 18.

Check-character failures raise :class:`CreditCodeCheckError`: real issued codes
are known to fail the check (e.g. ``91350203M0001QAY9B``), so a registry layer
may accept them from an allow-list while still rejecting structurally
impossible codes (plain :class:`IdentifierError`).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final

from smartcity.core.identifiers.divisions import division_codes, division_name
from smartcity.core.identifiers.errors import CreditCodeCheckError, IdentifierError

__all__ = [
    "CREDIT_CHARSET",
    "CREDIT_WEIGHTS",
    "NATIONAL_REGION_CODE",
    "ORGANIZATION_WEIGHTS",
    "REGISTRATION_AUTHORITIES",
    "CreditCodeInfo",
    "RegistrationAuthority",
    "credit_check_character",
    "is_valid_credit_code",
    "make_credit_code",
    "organization_code_check_character",
    "parse_credit_code",
    "validate_credit_code",
]

#: The 31 characters of GB 32100; a character's value is its index.
CREDIT_CHARSET: Final = "0123456789ABCDEFGHJKLMNPQRTUWXY"
#: GB 32100 weights for positions 1..17: 3^(i−1) mod 31.
CREDIT_WEIGHTS: Final[tuple[int, ...]] = tuple(pow(3, i, 31) for i in range(17))
#: GB 11714 weights for the 8 organisation-code body characters.
ORGANIZATION_WEIGHTS: Final[tuple[int, ...]] = (3, 7, 9, 10, 5, 8, 4, 2)
#: Division code used by authorities registering at national level (e.g. 11100000…);
#: it is not a GB/T 2260 code but appears in positions 3–8 of centrally issued codes.
NATIONAL_REGION_CODE: Final = "100000"

_VALUES: Final[Mapping[str, int]] = MappingProxyType(
    {char: index for index, char in enumerate(CREDIT_CHARSET)}
)
_EXCLUDED_LETTERS: Final = frozenset("IOSVZ")
_ORG_ALPHABET: Final = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ")


@dataclass(frozen=True, slots=True)
class RegistrationAuthority:
    """A registration authority (position 1) and its entity types (position 2)."""

    code: str
    name: str
    entity_types: Mapping[str, str]


def _authority(code: str, name: str, entity_types: dict[str, str]) -> RegistrationAuthority:
    return RegistrationAuthority(code, name, MappingProxyType(entity_types))


#: Reference cn-standards.md §2.4 (confirmed in several independent code tables,
#: not read in GB 32100 itself). Pass another mapping to ``validate_credit_code``
#: to extend or restrict it.
REGISTRATION_AUTHORITIES: Final[Mapping[str, RegistrationAuthority]] = MappingProxyType(
    {
        a.code: a
        for a in (
            _authority(
                "1",
                "机构编制",
                {"1": "机关", "2": "事业单位", "3": "中央编办直管机构编制的群众团体", "9": "其他"},
            ),
            _authority("2", "外交", {"1": "外国常驻新闻机构", "9": "其他"}),
            _authority(
                "3",
                "司法行政",
                {
                    "1": "律师执业机构",
                    "2": "公证处",
                    "3": "基层法律服务所",
                    "4": "司法鉴定机构",
                    "5": "仲裁委员会",
                    "9": "其他",
                },
            ),
            _authority("4", "文化", {"1": "外国在华文化中心", "9": "其他"}),
            _authority(
                "5", "民政", {"1": "社会团体", "2": "民办非企业单位", "3": "基金会", "9": "其他"}
            ),
            _authority(
                "6",
                "旅游",
                {
                    "1": "外国旅游部门常驻代表机构",
                    "2": "港澳台地区旅游部门常驻内地（大陆）代表机构",
                    "9": "其他",
                },
            ),
            _authority("7", "宗教", {"1": "宗教活动场所", "2": "宗教院校", "9": "其他"}),
            _authority("8", "工会", {"1": "基层工会", "9": "其他"}),
            _authority(
                "9",
                "工商（市场监督管理）",
                {"1": "企业", "2": "个体工商户", "3": "农民专业合作社"},
            ),
            _authority("A", "中央军委改革和编制办公室", {"1": "军队事业单位", "9": "其他"}),
            _authority(
                "N",
                "农业",
                {
                    "1": "组级集体经济组织",
                    "2": "村级集体经济组织",
                    "3": "乡镇级集体经济组织",
                    "9": "其他",
                },
            ),
            _authority("Y", "其他", {"1": "其他"}),
        )
    }
)


@dataclass(frozen=True, slots=True)
class CreditCodeInfo:
    """The parts of a valid credit code."""

    code: str
    authority_code: str
    authority_name: str
    entity_type_code: str
    entity_type_name: str
    region_code: str
    region_name: str
    organization_code: str


def _credit_check(body17: str) -> str:
    values = _VALUES
    total = sum(values[c] * w for c, w in zip(body17, CREDIT_WEIGHTS, strict=True))
    return CREDIT_CHARSET[(31 - total % 31) % 31]


def _organization_check(body8: str) -> str:
    total = sum(int(c, 36) * w for c, w in zip(body8, ORGANIZATION_WEIGHTS, strict=True))
    value = 11 - total % 11
    return "X" if value == 10 else "0" if value == 11 else str(value)


def credit_check_character(body17: str) -> str:
    """The GB 32100 check character (position 18) of the first 17 characters."""
    if len(body17) != 17 or any(c not in _VALUES for c in body17):
        raise IdentifierError(
            "credit-code.body", "统一社会信用代码前17位应由数字和规定的大写字母组成"
        )
    return _credit_check(body17)


def organization_code_check_character(body8: str) -> str:
    """The GB 11714 check character of an 8-character organisation-code body.

    Letters count A=10 … Z=35 (all 26 letters, unlike the GB 32100 values).
    """
    if len(body8) != 8 or any(c not in _ORG_ALPHABET for c in body8):
        raise IdentifierError("organization-code.body", "组织机构代码本体应为8位数字或大写字母")
    return _organization_check(body8)


def _normalise(value: str) -> str:
    if not isinstance(value, str):
        raise IdentifierError("credit-code.type", "统一社会信用代码应为文本")
    code = value.strip()
    if not code.isascii():
        code = unicodedata.normalize("NFKC", code)
    if len(code) != 18 or not code.isalnum():
        code = "".join(code.split())
    return code.upper()


def validate_credit_code(
    value: str,
    *,
    strict: bool = True,
    authorities: Mapping[str, RegistrationAuthority] | None = None,
) -> str:
    """Return the normalised code or raise :class:`IdentifierError`.

    Normalisation removes whitespace, folds full-width characters and upper-cases.
    Error codes (position): ``credit-code.empty``; ``credit-code.length`` (first
    missing or first extra position); ``credit-code.charset`` (the position);
    ``credit-code.authority`` (1); ``credit-code.entity-type`` (2);
    ``credit-code.region-format`` (the position in 3–8); ``credit-code.region`` (3);
    then as :class:`CreditCodeCheckError`: ``credit-code.organization-check`` (17,
    only when ``strict``) and ``credit-code.check-character`` (18).
    """
    code = _normalise(value)
    if len(code) != 18:
        if not code:
            raise IdentifierError("credit-code.empty", "统一社会信用代码为空")
        position = 19 if len(code) > 18 else len(code) + 1
        raise IdentifierError(
            "credit-code.length", f"统一社会信用代码应为18位，实为{len(code)}位", position
        )
    for index, char in enumerate(code, start=1):
        if char not in _VALUES:
            if char in _EXCLUDED_LETTERS:
                message = f"统一社会信用代码第{index}位不能使用字母I、O、S、V、Z"
            else:
                message = f"统一社会信用代码第{index}位含有不允许的字符"
            raise IdentifierError("credit-code.charset", message, index)
    table = REGISTRATION_AUTHORITIES if authorities is None else authorities
    authority = table.get(code[0])
    if authority is None:
        raise IdentifierError(
            "credit-code.authority", "统一社会信用代码第1位登记管理部门代码无效", 1
        )
    if code[1] not in authority.entity_types:
        raise IdentifierError(
            "credit-code.entity-type",
            f"统一社会信用代码第2位机构类别代码对登记管理部门“{authority.name}”无效",
            2,
        )
    region = code[2:8]
    if not region.isdigit():
        index = next(i for i, c in enumerate(region, start=3) if not c.isdigit())
        raise IdentifierError(
            "credit-code.region-format", f"统一社会信用代码第{index}位应为数字（行政区划码）", index
        )
    if region != NATIONAL_REGION_CODE and region not in division_codes():
        raise IdentifierError(
            "credit-code.region",
            "统一社会信用代码第3至8位不是 GB/T 2260 行政区划代码",
            3,
        )
    if strict and _organization_check(code[8:16]) != code[16]:
        raise CreditCodeCheckError(
            "credit-code.organization-check",
            "统一社会信用代码第17位（组织机构代码校验码）不正确",
            17,
        )
    if _credit_check(code[:17]) != code[17]:
        raise CreditCodeCheckError(
            "credit-code.check-character", "统一社会信用代码第18位校验码不正确", 18
        )
    return code


def is_valid_credit_code(value: str, *, strict: bool = True) -> bool:
    """True when :func:`validate_credit_code` accepts ``value``."""
    try:
        validate_credit_code(value, strict=strict)
    except IdentifierError:
        return False
    return True


def make_credit_code(authority: str, entity_type: str, region: str, org_body8: str) -> str:
    """Build a code with both check characters computed (for demo and test data).

    The result is validated strictly, so every part must be acceptable
    (e.g. ``org_body8`` may not contain I, O, S, V or Z).
    """
    if len(org_body8) != 8:
        raise IdentifierError("organization-code.body", "组织机构代码本体应为8位", 9)
    body = f"{authority}{entity_type}{region}{org_body8}".upper()
    if len(body) != 16 or any(c not in _VALUES for c in body):
        raise IdentifierError(
            "credit-code.body", "统一社会信用代码各部分应由数字和规定的大写字母组成"
        )
    body17 = body + _organization_check(body[8:])
    return validate_credit_code(body17 + _credit_check(body17), strict=True)


def parse_credit_code(value: str, *, strict: bool = True) -> CreditCodeInfo:
    """Validate ``value`` and split it into its parts."""
    code = validate_credit_code(value, strict=strict)
    authority = REGISTRATION_AUTHORITIES[code[0]]
    region = code[2:8]
    national = region == NATIONAL_REGION_CODE
    region_name = "全国" if national else division_name(region) or ""
    return CreditCodeInfo(
        code=code,
        authority_code=code[0],
        authority_name=authority.name,
        entity_type_code=code[1],
        entity_type_name=authority.entity_types[code[1]],
        region_code=region,
        region_name=region_name,
        organization_code=code[8:17],
    )
