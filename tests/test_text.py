"""Spreadsheet formula neutralisation."""

from hypothesis import given
from hypothesis import strategies as st

from indicators.text import neutralise_formula


def test_formula_starts_get_an_apostrophe() -> None:
    assert neutralise_formula("=cmd|' /C calc'!A0") == "'=cmd|' /C calc'!A0"
    assert neutralise_formula("+1") == "'+1"
    assert neutralise_formula("-3,5") == "'-3,5"
    assert neutralise_formula("@SUM(A1)") == "'@SUM(A1)"
    assert neutralise_formula("Đạt") == "Đạt"
    assert neutralise_formula("") == ""


@given(st.text())
def test_neutralised_text_never_starts_a_formula_and_keeps_the_text(text: str) -> None:
    result = neutralise_formula(text)
    assert not result.startswith(("=", "+", "-", "@"))
    assert result.removeprefix("'") == text or result == text
