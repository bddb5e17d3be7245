"""Reading departments' files: strict encoding detection, CSV and XLSX."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from smartcity.core.errors import BadRequestError, UnsupportedMediaTypeError
from smartcity.core.tabular import detect_encoding, read_table, write_csv

CHINESE = st.text(
    alphabet=st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5), min_size=1, max_size=20
)


@given(CHINESE)
def test_gb18030_text_is_detected_as_gb18030(text: str) -> None:
    assert detect_encoding(text.encode("gb18030")) == "gb18030"


TABLE_TEXT = st.text(
    alphabet=st.one_of(
        st.characters(min_codepoint=0x20, max_codepoint=0x7E),
        st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5),
    ),
    min_size=1,
    max_size=40,
)


@given(TABLE_TEXT)
def test_utf8_table_text_is_utf8(text: str) -> None:
    """Text a Chinese table holds is never mistaken for GB18030 when it is UTF-8."""
    assert detect_encoding(text.encode("utf-8")) == "utf-8"


def test_a_bom_says_utf8() -> None:
    assert detect_encoding("\ufeff名称".encode()) == "utf-8-sig"


def test_semicolon_and_tab_separated_files_are_read() -> None:
    table = read_table("编码;名称\nA;济宁\n".encode(), "x.csv")
    assert table.records() == [{"编码": "A", "名称": "济宁"}]


def test_write_then_read_round_trips() -> None:
    table = read_table(write_csv(["编码", "名称"], [["A", "任城区"], ["B", ""]]), "x.csv")
    assert table.rows == [["A", "任城区"], ["B", ""]]


@pytest.mark.parametrize(
    ("content", "name", "error"),
    [
        (b"", "x.csv", BadRequestError),
        (b"PK\x03\x04garbage", "x.xlsx", BadRequestError),
        (b"a,b\n1,2\n", "x.xlsx", BadRequestError),
        (b"a,b\n1,2\n", "x.pdf", UnsupportedMediaTypeError),
    ],
)
def test_bad_files_get_clear_errors(content: bytes, name: str, error: type[Exception]) -> None:
    with pytest.raises(error):
        read_table(content, name)
