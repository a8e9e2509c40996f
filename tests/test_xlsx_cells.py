"""Cells to values, property-based: periods, statuses and codes as typed in a spreadsheet, and numbers through a real
workbook (written by XlsxWriter, read by the reader) against the CSV path's own rules."""

import io
from datetime import date, datetime, time
from typing import Any

import pytest
import xlsxwriter
from hypothesis import given, settings
from hypothesis import strategies as st

from indicators.cells import STATUS_LABELS_VI, code_text, period_text, status_code
from indicators.numbers import NumberFormat, NumberFormatError, format_vi
from indicators.periods import Frequency, Period
from ingest.formats import read_csv
from ingest.value_parsing import string_value_parser
from ingest.xlsx_reader import column_letter, read_workbook

frequencies = st.sampled_from(list(Frequency))
periods = st.builds(
    lambda year, frequency, index: Period(year, frequency, index % frequency.periods_per_year + 1),
    st.integers(1990, 2100),
    frequencies,
    st.integers(0, 11),
)
days = st.dates(min_value=date(1990, 1, 1), max_value=date(2100, 12, 31))


@given(periods)
def test_a_period_as_written_or_as_a_form_labels_it_reads_back(period: Period) -> None:
    assert period_text(str(period), None) == str(period)
    assert period_text(str(period).lower(), None) == str(period)
    assert period_text(period.label_vi, None) == str(period)
    assert period_text(f"  {period.label_vi.upper()} ", None) == str(period)


@given(days, frequencies, st.times())
def test_a_date_is_the_period_of_the_indicators_frequency_that_contains_it(
    day: date, frequency: Frequency, moment: time
) -> None:
    expected = str(Period.containing(day, frequency))
    assert period_text(day, frequency) == expected
    assert period_text(datetime.combine(day, moment), frequency) == expected
    assert period_text(f"{day.day}/{day.month}/{day.year}", frequency) == expected
    assert period_text(day, None) == f"{day.year}-{day.month:02d}"  # frequency unknown: the month


@given(st.integers(1900, 2100))
def test_a_year_typed_as_a_number_is_that_year(year: int) -> None:
    assert period_text(float(year), Frequency.quarter) == str(year)
    assert period_text(year, None) == str(year)


@given(st.text(max_size=20))
def test_text_that_is_no_period_is_passed_on_for_the_validator_to_refuse(text: str) -> None:
    result = period_text(text, Frequency.quarter)
    if result != text.strip():
        Period.parse(str(result))  # whatever was rewritten is a valid period


@given(st.sampled_from(sorted(STATUS_LABELS_VI.items())), st.sampled_from([str.upper, str.title, str.lower]))
def test_status_labels_and_codes_read_as_codes(item: tuple[str, str], case: Any) -> None:
    code, label = item
    assert status_code(case(label)) == code
    assert status_code(f" {case(code)} ") in (code, case(code).strip())
    assert status_code("") is None


@given(st.integers(0, 10**12))
def test_a_code_typed_as_a_number_is_its_digits(number: int) -> None:
    assert code_text(float(number)) == str(number)
    assert code_text(f" x{number} ") == f"x{number}"


def workbook(cells: list[Any]) -> bytes:
    """A one-sheet workbook with the CSV header and one row per value cell (numbers as numbers, text as text)."""
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_numbers": False, "strings_to_formulas": False})
    sheet = book.add_worksheet("Số liệu")
    sheet.write_row(0, 0, ["indicator", "region", "period", "value"])
    for row, cell in enumerate(cells, start=1):
        sheet.write_row(row, 0, ["dthap-2023.grdp_growth", "dong_thap", "2023-Q2"])
        if isinstance(cell, str):
            sheet.write_string(row, 3, cell)
        else:
            sheet.write_number(row, 3, cell)
    book.close()
    return out.getvalue()


finite = st.floats(allow_nan=False, allow_infinity=False, min_value=-1e15, max_value=1e15)


@settings(max_examples=60, deadline=None)
@given(st.lists(finite, min_size=1, max_size=20))
def test_a_numeric_cell_is_the_number_whatever_the_locale(values: list[float]) -> None:
    rows = list(read_workbook(workbook(values), lambda code: Frequency.quarter))
    read = [row["value"] for _, row in rows]
    assert all(isinstance(value, float) for value in read)
    # The file holds 16 significant digits, as Excel writes them (XlsxWriter's "%.16G").
    assert read == pytest.approx(values, rel=1e-15, abs=1e-300)
    assert [number for number, _ in rows] == list(range(2, len(values) + 2))


vietnamese_numbers = st.builds(
    lambda value, decimals: format_vi(value, decimals), st.floats(0, 1e9, allow_nan=False), st.sampled_from([0, 1, 2])
)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(vietnamese_numbers | st.text(max_size=12), min_size=1, max_size=10), st.sampled_from([None, *NumberFormat])
)
def test_a_text_cell_follows_the_csv_number_rules(texts: list[str], number_format: NumberFormat | None) -> None:
    """The same text as a text cell and as a CSV cell gives the same number, or the same refusal."""
    texts = [text for text in texts if text.strip() and "\x00" not in text]
    if not texts:
        return
    parse = string_value_parser(number_format)

    def outcome(raw: object) -> object:
        try:
            return parse(str(raw))
        except NumberFormatError as error:
            return str(error)

    from_sheet = [outcome(row["value"]) for _, row in read_workbook(workbook(texts), lambda code: None)]
    csv_body = "indicator,region,period,value\n" + "".join(
        f'dthap-2023.grdp_growth,dong_thap,2023-Q2,"{text.replace(chr(34), chr(34) * 2)}"\n' for text in texts
    )
    from_csv = [outcome(row["value"]) for _, row in read_csv(csv_body.encode()) if "value" in row]
    assert from_sheet == from_csv


def test_ambiguous_text_is_refused_unless_a_format_is_given() -> None:
    (_, row), *_ = read_workbook(workbook(["1.967"]), lambda code: None)
    with pytest.raises(NumberFormatError, match="không rõ định dạng"):
        string_value_parser(None)(str(row["value"]))
    assert string_value_parser(NumberFormat.vietnamese)(str(row["value"])) == 1967
    assert string_value_parser(NumberFormat.english)(str(row["value"])) == pytest.approx(1.967)


@given(st.integers(0, 18277))
def test_column_letters(column: int) -> None:
    letters = column_letter(column)
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - 64
    assert number - 1 == column
