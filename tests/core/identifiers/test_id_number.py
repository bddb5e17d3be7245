"""GB 11643-1999 identity numbers: the vectors of cn-standards.md §1.4 and the API."""

from __future__ import annotations

import pickle
from datetime import date
from typing import Literal

import pytest

from smartcity.core.identifiers import (
    IdentifierError,
    IdNumberInfo,
    id_check_character,
    is_valid_id_number,
    make_id_number,
    parse_id_number,
    upgrade_15_to_18,
    validate_id_number,
)
from smartcity.core.identifiers.id_number import ID_WEIGHTS

# number, region code, region name, birth date, sequence, gender, check character
VALID = [
    ("370811198503121019", "370811", "任城区", date(1985, 3, 12), "101", "male", "9"),
    ("370812201506070246", "370812", "兖州区", date(2015, 6, 7), "024", "female", "6"),
    ("37082619720101009X", "370826", "微山县", date(1972, 1, 1), "009", "male", "X"),
    ("370827199602290585", "370827", "鱼台县", date(1996, 2, 29), "058", "female", "5"),
    ("370828200012313371", "370828", "金乡县", date(2000, 12, 31), "337", "male", "1"),
    ("370829198808154122", "370829", "嘉祥县", date(1988, 8, 15), "412", "female", "2"),
    ("370830201010100061", "370830", "汶上县", date(2010, 10, 10), "006", "female", "1"),
    ("37088119910520009X", "370881", "曲阜市", date(1991, 5, 20), "009", "male", "X"),
    ("37088320230131004X", "370883", "邹城市", date(2023, 1, 31), "004", "female", "X"),
    ("370882199507042238", "370882", "兖州市", date(1995, 7, 4), "223", "male", "8"),
]

# number, error code, failing position
INVALID = [
    ("370811198503121010", "id-number.check-character", 18),
    ("370811198502301018", "id-number.birth-date", 13),
    ("370812190002290113", "id-number.birth-date", 13),
    ("370826198513011010", "id-number.birth-date", 11),
    ("370827209912311018", "id-number.birth-date-future", 7),
    ("370899198503121011", "id-number.region", 1),
    ("37081119850312101", "id-number.length", 18),
    ("3708111985031210191", "id-number.length", 19),
    ("37081119850312X010", "id-number.x-in-body", 15),
    ("37088119910520001Y", "id-number.check-character-invalid", 18),
]

TODAY = date(2026, 6, 1)


@pytest.mark.parametrize(("number", "region", "name", "birth", "seq", "gender", "check"), VALID)
def test_valid_vectors(
    number: str,
    region: str,
    name: str,
    birth: date,
    seq: str,
    gender: Literal["male", "female"],
    check: str,
) -> None:
    assert validate_id_number(number, today=TODAY) == number
    assert is_valid_id_number(number, today=TODAY)
    assert id_check_character(number[:17]) == check
    assert parse_id_number(number, today=TODAY) == IdNumberInfo(
        number=number,
        region_code=region,
        region_name=name,
        birth_date=birth,
        sequence=seq,
        gender=gender,
    )


@pytest.mark.parametrize(("number", "code", "position"), INVALID)
def test_invalid_vectors(number: str, code: str, position: int) -> None:
    with pytest.raises(IdentifierError) as caught:
        validate_id_number(number, today=TODAY)
    assert caught.value.code == code
    assert caught.value.position == position
    assert str(caught.value) == caught.value.message
    assert caught.value.message  # a Chinese message for people
    assert not is_valid_id_number(number, today=TODAY)


@pytest.mark.parametrize(
    ("number", "checksum_ok"),
    [
        ("370811198503121010", False),
        ("370811198502301018", True),
        ("370812190002290113", True),
        ("370826198513011010", True),
        ("370827209912311018", True),
        ("370899198503121011", True),
    ],
)
def test_reference_checksum_column(number: str, checksum_ok: bool) -> None:
    assert (id_check_character(number[:17]) == number[17]) is checksum_ok


def test_region_is_never_tied_to_birth_year() -> None:
    # 370826 dates from 1983; the number was assigned after birth (reference §0.7).
    assert is_valid_id_number("37082619720101009X")
    # an abolished code stays valid for numbers issued while it was in use, and after
    assert is_valid_id_number(make_id_number("370882", date(1950, 1, 1), 11))
    assert is_valid_id_number(make_id_number("370802", date(2020, 1, 1), 11))


def test_standard_annex_examples() -> None:
    assert is_valid_id_number("11010519491231002X")
    assert is_valid_id_number("440524188001010014")


def test_weights_and_fast_check_agree() -> None:
    assert ID_WEIGHTS == (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    table = "10X98765432"
    for body in (
        "37081119850312101",
        "00000000000000000",
        "99999999999999999",
        "11010519491231002",
    ):
        total = sum(int(c) * w for c, w in zip(body, ID_WEIGHTS, strict=True))
        assert id_check_character(body) == table[total % 11]


def test_worked_example() -> None:
    assert id_check_character("37081119850312101") == "9"


@pytest.mark.parametrize(
    "body", ["3708111985031210", "370811198503121019", "3708111985031210X", ""]
)
def test_check_character_needs_17_digits(body: str) -> None:
    with pytest.raises(IdentifierError) as caught:
        id_check_character(body)
    assert caught.value.code == "id-number.body"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("37082619720101009x", "37082619720101009X"),
        ("  370811198503121019 ", "370811198503121019"),
        ("370811 19850312 1019", "370811198503121019"),
        ("３７０８１１１９８５０３１２１０１９", "370811198503121019"),
    ],
)
def test_normalisation(raw: str, expected: str) -> None:
    assert validate_id_number(raw) == expected


@pytest.mark.parametrize(
    ("number", "code", "position"),
    [
        ("", "id-number.empty", None),
        ("   ", "id-number.empty", None),
        ("37081A198503121019", "id-number.non-digit", 6),
        ("x70811198503121019", "id-number.x-in-body", 1),
        ("370811000003121019", "id-number.birth-date", 7),
        ("370811179903121019", "id-number.birth-date", 7),
        ("370811198500121019", "id-number.birth-date", 11),
        ("370811198503001019", "id-number.birth-date", 13),
        ("370811198504311019", "id-number.birth-date", 13),
    ],
)
def test_more_failures(number: str, code: str, position: int | None) -> None:
    with pytest.raises(IdentifierError) as caught:
        validate_id_number(number)
    assert (caught.value.code, caught.value.position) == (code, position)


def test_future_depends_on_today() -> None:
    number = "370827209912311018"
    assert validate_id_number(number, today=date(2100, 1, 1)) == number
    born_today = make_id_number("370811", TODAY, 101)
    assert validate_id_number(born_today, today=TODAY) == born_today


def test_leap_days() -> None:
    assert is_valid_id_number(make_id_number("370811", date(2000, 2, 29), 1))
    assert not is_valid_id_number("370812190002290113")


def test_non_string_input_is_an_identifier_error() -> None:
    with pytest.raises(IdentifierError):
        validate_id_number(370811198503121019)  # type: ignore[arg-type]
    assert not is_valid_id_number(None)  # type: ignore[arg-type]


def test_upgrade_15_to_18() -> None:
    assert upgrade_15_to_18("370811850312101") == "370811198503121019"
    assert upgrade_15_to_18(" 370882950704223 ") == "370882199507042238"


@pytest.mark.parametrize(
    ("value", "code", "position"),
    [
        ("37081185031210", "id-number-15.length", 15),
        ("3708118503121011", "id-number-15.length", 16),
        ("", "id-number-15.empty", None),
        ("3708118503121X1", "id-number-15.non-digit", 14),
        ("370811851312101", "id-number-15.birth-date", 9),
        ("370811850230101", "id-number-15.birth-date", 11),
        ("370899850312101", "id-number-15.region", 1),
    ],
)
def test_upgrade_15_to_18_rejects(value: str, code: str, position: int | None) -> None:
    with pytest.raises(IdentifierError) as caught:
        upgrade_15_to_18(value)
    assert (caught.value.code, caught.value.position) == (code, position)


def test_make_id_number() -> None:
    assert make_id_number("370811", date(1985, 3, 12), 101) == "370811198503121019"
    assert make_id_number("370883", date(2023, 1, 31), 4) == "37088320230131004X"
    # unknown regions are allowed: test data builds invalid numbers with them
    assert make_id_number("370899", date(1985, 3, 12), 101) == "370899198503121011"


@pytest.mark.parametrize(
    ("region", "birth", "sequence", "code"),
    [
        ("37081", date(1985, 3, 12), 1, "id-number.region"),
        ("37081A", date(1985, 3, 12), 1, "id-number.region"),
        ("370811", date(1985, 3, 12), 1000, "id-number.sequence"),
        ("370811", date(1985, 3, 12), -1, "id-number.sequence"),
        ("370811", date(999, 3, 12), 1, "id-number.birth-date"),
    ],
)
def test_make_id_number_rejects(region: str, birth: date, sequence: int, code: str) -> None:
    with pytest.raises(IdentifierError) as caught:
        make_id_number(region, birth, sequence)
    assert caught.value.code == code


def test_error_is_a_value_error_and_pickles() -> None:
    with pytest.raises(ValueError, match="校验码") as caught:
        validate_id_number("370811198503121010")
    error = caught.value
    assert isinstance(error, IdentifierError)
    copy = pickle.loads(pickle.dumps(error))
    assert (copy.code, copy.message, copy.position) == (error.code, error.message, 18)
    # messages never repeat the personal number
    assert "370811" not in error.message
