"""Display masking (GB/T 35273-2020 §7.2): default patterns and policy."""

from __future__ import annotations

import pytest

from smartcity.core.identifiers import (
    MaskKind,
    MaskPolicy,
    mask,
    mask_address,
    mask_all,
    mask_credit_code,
    mask_email,
    mask_id_number,
    mask_name,
    mask_phone,
)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("370811198503121019", "370811********1019"),
        ("37082619720101009X", "370826********009X"),
        ("370811850312101", "370811*****2101"),
        ("1234", "1**4"),
        ("12", "**"),
    ],
)
def test_mask_id_number(value: str, expected: str) -> None:
    assert mask_id_number(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("13812345678", "138****5678"),
        ("138 1234 5678", "138****5678"),
        ("138-1234-5678", "138****5678"),
        ("+8613812345678", "+86 138****5678"),
        ("+86 138 1234 5678", "+86 138****5678"),
        ("008613812345678", "0086 138****5678"),
        ("8613812345678", "+86 138****5678"),
        ("0537-2345678", "0537-****678"),
        ("(0537) 2345678", "0537-****678"),
        ("05372345678", "0537-****678"),
        ("010-12345678", "010-*****678"),
        ("0537-2345678转123", "0537-****678-***"),
        ("2345678", "****678"),
        ("12345", "1***5"),
    ],
)
def test_mask_phone(value: str, expected: str) -> None:
    assert mask_phone(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("张三", "张*"),
        ("张三丰", "张**"),
        ("欧阳娜娜", "欧阳**"),
        ("诸葛亮", "诸葛*"),
        ("司马相如", "司马**"),
        ("令狐冲", "令狐*"),
        ("欧阳", "欧*"),
        ("张", "*"),
        ("John Smith", "J*********"),
        ("Li", "L*"),
    ],
)
def test_mask_name(value: str, expected: str) -> None:
    assert mask_name(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("山东省济宁市任城区古槐路12号", "山东省济宁市任城区****"),
        ("山东济宁任城区李营街道", "山东济宁任城区****"),
        ("济宁市邹城市钢山街道", "济宁市邹城市****"),
        ("任城区古槐路12号3单元", "任城区****"),
        ("北京市朝阳区建国路88号", "北京市朝阳区****"),
        ("内蒙古鄂尔多斯市伊金霍洛旗阿勒腾席热镇", "内蒙古鄂尔多斯市伊金霍洛旗****"),
        ("山东省济宁市兖州市建设路", "山东省济宁市兖州市****"),  # historical name
        ("济宁市太白湖新区", "济宁市****"),  # not a GB/T 2260 unit: masked
        ("古槐路88号院3号楼", "古槐路88****"),
        ("古槐路8号", "古槐****"),
    ],
)
def test_mask_address(value: str, expected: str) -> None:
    assert mask_address(value) == expected


def test_mask_address_does_not_leak_length() -> None:
    short = mask_address("山东省济宁市任城区古槐路1号")
    long = mask_address("山东省济宁市任城区古槐路188号金城花园12号楼3单元501室")
    assert short == long


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("zhangsan@example.com", "z***@example.com"),
        ("a@example.com", "***@example.com"),
        ("not-an-email", "not******ail"),
        ("@example.com", "@ex******com"),
    ],
)
def test_mask_email(value: str, expected: str) -> None:
    assert mask_email(value) == expected


def test_mask_credit_code() -> None:
    assert mask_credit_code("91370800MA3C4K8Q3A") == "91370800********3A"


@pytest.mark.parametrize("kind", list(MaskKind))
def test_none_and_blank_are_safe(kind: MaskKind) -> None:
    assert mask(None, kind) == ""
    assert mask("", kind) == ""
    assert mask("   ", kind) == ""


def test_dispatcher() -> None:
    assert mask("370811198503121019", MaskKind.ID_NUMBER) == "370811********1019"
    assert mask("13812345678", "phone") == "138****5678"
    assert mask("张三", MaskKind.NAME) == "张*"
    assert mask("91370800MA3C4K8Q3A", MaskKind.CREDIT_CODE) == "91370800********3A"
    assert mask("secret", "no-such-kind") == "******"
    assert mask(" secret ", ["unhashable"]) == "******"  # type: ignore[arg-type]
    assert str(MaskKind.EMAIL) == "email"


def test_mask_all_masks_every_character_as_an_unknown_kind_does() -> None:
    for value in ("已婚", " 大学本科 ", "", None, 42):
        assert mask_all(value) == mask(None if value is None else str(value), "no-such-kind")
    assert mask_all("已婚") == "**"
    assert mask_all(None) == ""
    assert mask_all("教师", policy=MaskPolicy(mask_char="#")) == "##"


def test_individual_functions_accept_none() -> None:
    for func in (
        mask_id_number,
        mask_phone,
        mask_name,
        mask_address,
        mask_email,
        mask_credit_code,
    ):
        assert func(None) == ""


def test_non_string_values_do_not_raise() -> None:
    assert mask(13812345678, MaskKind.PHONE) == "138****5678"  # type: ignore[arg-type]


def test_policy_is_configurable() -> None:
    policy = MaskPolicy(mask_char="#", id_keep_start=0, id_keep_end=4, address_mask="……")
    assert mask_id_number("370811198503121019", policy=policy) == "#" * 14 + "1019"
    assert mask_address("山东省济宁市任城区古槐路", policy=policy) == "山东省济宁市任城区……"
    assert mask("张三", MaskKind.NAME, policy=policy) == "张#"
    extended = MaskPolicy(compound_surnames=frozenset({"独孤"}))
    assert mask_name("独孤求败", policy=extended) == "独孤**"
    assert mask_name("欧阳娜娜", policy=extended) == "欧***"


@pytest.mark.parametrize(
    "kwargs",
    [
        {"mask_char": ""},
        {"mask_char": "**"},
        {"mask_char": " "},
        {"address_mask": ""},
        {"email_mask": "  "},
        {"id_keep_end": -1},
    ],
)
def test_policy_rejects_leaky_settings(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError, match="must"):
        MaskPolicy(**kwargs)  # type: ignore[arg-type]
