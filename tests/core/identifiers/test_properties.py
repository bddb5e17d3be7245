"""Property tests: generated identifiers validate, single substitutions are caught,
masking never leaks the input unchanged and never raises."""

from __future__ import annotations

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from smartcity.core.identifiers import (
    REGISTRATION_AUTHORITIES,
    IdentifierError,
    MaskKind,
    credit_check_character,
    division_codes,
    id_check_character,
    is_valid_credit_code,
    is_valid_id_number,
    make_credit_code,
    make_id_number,
    mask,
    parse_credit_code,
    parse_id_number,
    upgrade_15_to_18,
    validate_credit_code,
    validate_id_number,
)
from smartcity.core.identifiers.credit_code import CREDIT_CHARSET

# Shandong codes, current and abolished; Jining's listed first so shrinking lands there.
SHANDONG = sorted(c for c in division_codes() if c.startswith("37"))
JINING = [c for c in SHANDONG if c.startswith("3708")]
REGIONS = st.sampled_from(JINING) | st.sampled_from(SHANDONG)
BIRTHS = st.dates(min_value=date(1900, 1, 1), max_value=date.today())
SEQUENCES = st.integers(min_value=0, max_value=999)
ID_CHARS = "0123456789X"


@st.composite
def id_numbers(draw: st.DrawFn) -> tuple[str, str, date, int]:
    region, birth, sequence = draw(REGIONS), draw(BIRTHS), draw(SEQUENCES)
    return make_id_number(region, birth, sequence), region, birth, sequence


@st.composite
def credit_codes(draw: st.DrawFn) -> str:
    authority = draw(st.sampled_from(sorted(REGISTRATION_AUTHORITIES)))
    entity = draw(st.sampled_from(sorted(REGISTRATION_AUTHORITIES[authority].entity_types)))
    region = draw(REGIONS)
    body = draw(st.text(alphabet=CREDIT_CHARSET, min_size=8, max_size=8))
    return make_credit_code(authority, entity, region, body)


@given(id_numbers())
def test_generated_id_numbers_validate_and_parse_back(
    generated: tuple[str, str, date, int],
) -> None:
    number, region, birth, sequence = generated
    assert validate_id_number(number) == number
    assert validate_id_number(number.lower()) == number
    info = parse_id_number(number)
    assert info.region_code == region
    assert info.birth_date == birth
    assert info.sequence == f"{sequence:03d}"
    assert info.gender == ("male" if sequence % 2 else "female")
    assert info.region_name


@given(id_numbers(), st.integers(min_value=0, max_value=17), st.sampled_from(ID_CHARS))
def test_any_single_substitution_in_an_id_number_is_detected(
    generated: tuple[str, str, date, int], index: int, replacement: str
) -> None:
    number = generated[0]
    if number[index] == replacement:
        replacement = ID_CHARS[(ID_CHARS.index(replacement) + 1) % len(ID_CHARS)]
    changed = number[:index] + replacement + number[index + 1 :]
    assert not is_valid_id_number(changed)
    if index < 17 and replacement != "X":
        # MOD 11-2 on its own detects every single substitution
        assert id_check_character(changed[:17]) != number[17]


@given(id_numbers())
def test_every_substitution_exhaustively(generated: tuple[str, str, date, int]) -> None:
    number = generated[0]
    for index in range(18):
        for replacement in ID_CHARS:
            if replacement != number[index]:
                changed = number[:index] + replacement + number[index + 1 :]
                assert not is_valid_id_number(changed), (index, replacement)


@given(credit_codes())
def test_generated_credit_codes_validate_and_parse_back(code: str) -> None:
    assert validate_credit_code(code) == code
    assert validate_credit_code(code.lower()) == code
    info = parse_credit_code(code)
    assert info.code == code
    assert info.organization_code == code[8:17]
    assert info.region_code == code[2:8]


@given(credit_codes())
def test_any_single_substitution_in_a_credit_code_is_detected(code: str) -> None:
    for index in range(18):
        for replacement in CREDIT_CHARSET:
            if replacement == code[index]:
                continue
            changed = code[:index] + replacement + code[index + 1 :]
            # MOD 31 alone detects it (even in non-strict mode) …
            if index < 17:
                assert credit_check_character(changed[:17]) != code[17]
            assert not is_valid_credit_code(changed, strict=False)
            # … and so does the strict validator
            assert not is_valid_credit_code(changed, strict=True)


@given(REGIONS, st.dates(min_value=date(1900, 1, 1), max_value=date(1999, 12, 31)), SEQUENCES)
def test_upgrade_15_to_18_round_trips_with_make_id_number(
    region: str, birth: date, sequence: int
) -> None:
    legacy = f"{region}{birth:%y%m%d}{sequence:03d}"
    assert upgrade_15_to_18(legacy) == make_id_number(region, birth, sequence)


@given(st.text())
def test_validators_only_raise_identifier_errors(text: str) -> None:
    errors: list[IdentifierError] = []
    for validate in (validate_id_number, validate_credit_code, upgrade_15_to_18):
        try:
            validate(text)
        except IdentifierError as error:
            errors.append(error)
    for failure in errors:
        assert failure.message
        assert failure.position is None or failure.position >= 1


@given(st.text(alphabet=st.characters(blacklist_characters="*"), min_size=4))
def test_masking_never_returns_the_input_unchanged(text: str) -> None:
    for kind in MaskKind:
        assert mask(text, kind) != text, kind


@given(st.text(), st.sampled_from(list(MaskKind)))
def test_masking_never_raises(text: str, kind: MaskKind) -> None:
    assert isinstance(mask(text, kind), str)


@given(st.text(min_size=1).filter(lambda t: t.strip() != ""), st.sampled_from(list(MaskKind)))
def test_masking_always_masks_something(text: str, kind: MaskKind) -> None:
    assert "*" in mask(text, kind)
