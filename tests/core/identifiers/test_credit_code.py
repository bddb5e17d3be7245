"""GB 32100-2015 credit codes: the vectors of cn-standards.md §2.5 and the API."""

from __future__ import annotations

import pickle
from types import MappingProxyType

import pytest

from smartcity.core.identifiers import (
    REGISTRATION_AUTHORITIES,
    CreditCodeCheckError,
    CreditCodeInfo,
    IdentifierError,
    RegistrationAuthority,
    credit_check_character,
    is_valid_credit_code,
    make_credit_code,
    organization_code_check_character,
    parse_credit_code,
    validate_credit_code,
)
from smartcity.core.identifiers.credit_code import (
    CREDIT_CHARSET,
    CREDIT_WEIGHTS,
    ORGANIZATION_WEIGHTS,
)

# code, authority, entity type, entity type name, region, region name, organisation code
VALID = [
    ("91370800MA3C4K8Q3A", "9", "1", "企业", "370800", "济宁市", "MA3C4K8Q3"),
    ("91370811MA7FNRT23Y", "9", "1", "企业", "370811", "任城区", "MA7FNRT23"),
    ("92370881MA94XW1L2M", "9", "2", "个体工商户", "370881", "曲阜市", "MA94XW1L2"),
    ("93370832MA3PDU0H73", "9", "3", "农民专业合作社", "370832", "梁山县", "MA3PDU0H7"),
    ("11370800004328177J", "1", "1", "机关", "370800", "济宁市", "004328177"),
    ("12370812495583024D", "1", "2", "事业单位", "370812", "兖州区", "495583024"),
    ("51370883503819261N", "5", "1", "社会团体", "370883", "邹城市", "503819261"),
    ("52370829MJE71047XU", "5", "2", "民办非企业单位", "370829", "嘉祥县", "MJE71047X"),
]

# code, error code, failing position, is a check-character failure
INVALID = [
    ("91370800MA3C4K8Q3B", "credit-code.check-character", 18, True),
    ("91370800MAIC4K8Q3A", "credit-code.charset", 11, False),
    ("91370800MA3O4K8Q3A", "credit-code.charset", 12, False),
    ("91370800MA3CZK8Q3A", "credit-code.charset", 13, False),
    ("91370800MS3C4K8Q3A", "credit-code.charset", 10, False),
    ("91370800MA3C4K8Q3", "credit-code.length", 18, False),
    ("913708A0MA3C4K8Q35", "credit-code.region-format", 7, False),
    ("91370800MA3C4K8Q01", "credit-code.organization-check", 17, True),
]


@pytest.mark.parametrize(
    ("code", "authority", "entity", "entity_name", "region", "region_name", "org"), VALID
)
def test_valid_vectors(
    code: str,
    authority: str,
    entity: str,
    entity_name: str,
    region: str,
    region_name: str,
    org: str,
) -> None:
    assert validate_credit_code(code) == code
    assert validate_credit_code(code, strict=False) == code
    assert is_valid_credit_code(code)
    assert credit_check_character(code[:17]) == code[17]
    assert organization_code_check_character(code[8:16]) == code[16]
    assert make_credit_code(authority, entity, region, org[:8]) == code
    assert parse_credit_code(code) == CreditCodeInfo(
        code=code,
        authority_code=authority,
        authority_name=REGISTRATION_AUTHORITIES[authority].name,
        entity_type_code=entity,
        entity_type_name=entity_name,
        region_code=region,
        region_name=region_name,
        organization_code=org,
    )


@pytest.mark.parametrize(("code", "error_code", "position", "is_check"), INVALID)
def test_invalid_vectors(code: str, error_code: str, position: int, is_check: bool) -> None:
    with pytest.raises(IdentifierError) as caught:
        validate_credit_code(code)
    assert caught.value.code == error_code
    assert caught.value.position == position
    assert isinstance(caught.value, CreditCodeCheckError) is is_check
    assert str(caught.value) == caught.value.message
    assert not is_valid_credit_code(code)


def test_letter_in_region_passes_the_check_character() -> None:
    # only the structure check rejects it (reference §2.5)
    assert credit_check_character("913708A0MA3C4K8Q3") == "5"


def test_organisation_check_only_in_strict_mode() -> None:
    code = "91370800MA3C4K8Q01"
    assert credit_check_character(code[:17]) == code[17]
    assert validate_credit_code(code, strict=False) == code
    assert is_valid_credit_code(code, strict=False)
    assert not is_valid_credit_code(code, strict=True)


def test_real_issued_code_failing_the_check_is_a_check_error() -> None:
    # reference §0.8: issued, accepted in the wild, computed check is 9 not B
    code = "91350203M0001QAY9B"
    assert credit_check_character(code[:17]) == "9"
    assert organization_code_check_character(code[8:16]) == code[16]
    with pytest.raises(CreditCodeCheckError) as caught:
        validate_credit_code(code)
    assert (caught.value.code, caught.value.position) == ("credit-code.check-character", 18)


@pytest.mark.parametrize("code", ["91350200MA2YJ1XR9G", "91110000600037341L"])
def test_public_examples(code: str) -> None:
    assert validate_credit_code(code) == code


def test_weights_and_worked_examples() -> None:
    assert CREDIT_WEIGHTS == (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
    assert ORGANIZATION_WEIGHTS == (3, 7, 9, 10, 5, 8, 4, 2)
    assert len(CREDIT_CHARSET) == 31
    assert not set("IOSVZ") & set(CREDIT_CHARSET)
    assert credit_check_character("91370800MA3C4K8Q3") == "A"
    assert organization_code_check_character("MA3C4K8Q") == "3"
    assert organization_code_check_character("MJE71047") == "X"


def test_organisation_check_maps_eleven_to_zero() -> None:
    # sum ≡ 0 (mod 11) gives 11 − 0 = 11, written 0
    assert organization_code_check_character("00000000") == "0"


@pytest.mark.parametrize("body", ["MA3C4K8", "MA3C4K8Q1", "ma3c4k8q", "MA3C4K8-"])
def test_organisation_check_rejects_bad_body(body: str) -> None:
    with pytest.raises(IdentifierError) as caught:
        organization_code_check_character(body)
    assert caught.value.code == "organization-code.body"


@pytest.mark.parametrize("body", ["91370800MA3C4K8Q", "91370800MA3C4K8QI", "91370800MA3C4K8Q3A"])
def test_credit_check_rejects_bad_body(body: str) -> None:
    with pytest.raises(IdentifierError) as caught:
        credit_check_character(body)
    assert caught.value.code == "credit-code.body"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("91370800ma3c4k8q3a", "91370800MA3C4K8Q3A"),
        (" 9137 0800 MA3C 4K8Q 3A ", "91370800MA3C4K8Q3A"),
        ("９１３７０８００ＭＡ３Ｃ４Ｋ８Ｑ３Ａ", "91370800MA3C4K8Q3A"),
    ],
)
def test_normalisation(raw: str, expected: str) -> None:
    assert validate_credit_code(raw) == expected


@pytest.mark.parametrize(
    ("code", "error_code", "position"),
    [
        ("", "credit-code.empty", None),
        ("91370800MA3C4K8Q3AA", "credit-code.length", 19),
        ("91370800MA3C4K8Q3-", "credit-code.charset", 18),
        ("B1370800MA3C4K8Q3A", "credit-code.authority", 1),
        ("94370800MA3C4K8Q3A", "credit-code.entity-type", 2),
        ("Y2370800MA3C4K8Q3A", "credit-code.entity-type", 2),
        ("91370899MA3C4K8Q3A", "credit-code.region", 3),
        ("91370871MA3C4K8Q3A", "credit-code.region", 3),
    ],
)
def test_more_failures(code: str, error_code: str, position: int | None) -> None:
    with pytest.raises(IdentifierError) as caught:
        validate_credit_code(code)
    assert (caught.value.code, caught.value.position) == (error_code, position)


def test_historical_region_allowed() -> None:
    # 370882 兖州市 was abolished in 2013; codes registered there keep it
    code = make_credit_code("9", "1", "370882", "MA3C4K8Q")
    assert parse_credit_code(code).region_name == "兖州市"


def test_national_region_code() -> None:
    code = make_credit_code("1", "1", "100000", "00001312")
    info = parse_credit_code(code)
    assert (info.region_code, info.region_name) == ("100000", "全国")


def test_other_authorities() -> None:
    for authority, entity in [("A", "1"), ("N", "3"), ("Y", "1"), ("3", "5")]:
        code = make_credit_code(authority, entity, "370811", "12345678")
        assert is_valid_credit_code(code)


def test_authorities_table_is_replaceable() -> None:
    code = make_credit_code("9", "1", "370811", "12345678")
    only_civil_affairs = MappingProxyType(
        {"5": RegistrationAuthority("5", "民政", MappingProxyType({"1": "社会团体"}))}
    )
    with pytest.raises(IdentifierError) as caught:
        validate_credit_code(code, authorities=only_civil_affairs)
    assert caught.value.code == "credit-code.authority"


@pytest.mark.parametrize(
    ("authority", "entity", "region", "org"),
    [
        ("9", "1", "370811", "MA3C4K8"),
        ("9", "1", "370811", "MAIC4K8Q"),
        ("9", "1", "37081", "MA3C4K8Q"),
        ("9", "4", "370811", "MA3C4K8Q"),
        ("9", "1", "370899", "MA3C4K8Q"),
    ],
)
def test_make_credit_code_rejects(authority: str, entity: str, region: str, org: str) -> None:
    with pytest.raises(IdentifierError):
        make_credit_code(authority, entity, region, org)


def test_non_string_input() -> None:
    assert not is_valid_credit_code(None)  # type: ignore[arg-type]


def test_check_error_pickles_as_its_class() -> None:
    with pytest.raises(CreditCodeCheckError) as caught:
        validate_credit_code("91370800MA3C4K8Q3B")
    copy = pickle.loads(pickle.dumps(caught.value))
    assert type(copy) is CreditCodeCheckError
    assert (copy.code, copy.position) == ("credit-code.check-character", 18)
