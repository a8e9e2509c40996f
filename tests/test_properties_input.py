"""Property-based tests (hypothesis) of everything that reads what offices send: the CSV and JSON readers, the row
validator, period parsing and number parsing. Whatever the input, each answers with a value or its own error, never
another exception (which the API would turn into a 500); and what is written by the rules reads back as written."""

import contextlib
import csv
import io
import json
import re
from functools import cache
from typing import Any

import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from indicators.catalogue import Catalogue, load_catalogue
from indicators.numbers import NumberFormat, NumberFormatError, format_vi, format_vi_exact, parse_number
from indicators.periods import FIRST_YEAR, LAST_YEAR, Frequency, Period, PeriodError, Span
from ingest.formats import CSV_COLUMNS, InputError, read_csv, read_json
from ingest.validated_rows import RowError, ValidRow
from ingest.validation import RowValidator
from ingest.value_parsing import string_value_parser

EXAMPLES = int(__import__("os").environ.get("CHITIEU_PROPERTY_EXAMPLES", "300"))
deep = settings(max_examples=EXAMPLES, deadline=None)


@cache
def catalogue() -> Catalogue:
    return load_catalogue()


# ------------------------------------------------------------------------------------------------ periods

periods = st.builds(
    lambda year, frequency, index: Period(year, frequency, min(index, frequency.periods_per_year)),
    st.integers(FIRST_YEAR, LAST_YEAR),
    st.sampled_from(list(Frequency)),
    st.integers(1, 12),
)


@deep
@given(st.text(max_size=30))
@example("0000")
@example("9999")
@example("0000-Q1")
@example("٢٠٢٤")
@example("2024\n")
def test_any_text_is_a_period_within_the_window_or_a_period_error(text: str) -> None:
    try:
        period = Period.parse(text)
    except PeriodError as error:
        assert str(error)
        return
    assert FIRST_YEAR <= period.year <= LAST_YEAR
    assert period.start <= period.end  # both real dates
    assert Period.parse(str(period)) == period


@deep
@given(periods)
def test_a_period_reads_back_as_written_and_its_neighbours_are_dates(period: Period) -> None:
    assert Period.parse(str(period)) == period
    assert period.previous() < period < period.next()
    assert period.previous().end < period.start and period.end < period.next().start


@deep
@given(st.one_of(st.text(max_size=20), st.integers(-(10**6), 10**6)))
def test_any_span_text_is_a_span_or_a_period_error(text: str | int) -> None:
    try:
        span = Span.parse(text)
    except PeriodError:
        return
    assert FIRST_YEAR <= span.first_year <= span.last_year <= LAST_YEAR
    assert Span.parse(str(span)) == span


# ------------------------------------------------------------------------------------------------ numbers

finite = st.floats(allow_nan=False, allow_infinity=False, min_value=-1e15, max_value=1e15)


@deep
@given(st.text(max_size=40), st.sampled_from(list(NumberFormat)))
@example("1" * 400, NumberFormat.vietnamese)
@example("١٢٣", NumberFormat.english)
def test_any_text_is_a_finite_number_or_a_number_error(text: str, number_format: NumberFormat) -> None:
    try:
        value = parse_number(text, number_format)
    except NumberFormatError as error:
        assert "(" in str(error), "Vietnamese first, English in brackets"
        return
    assert value == value and abs(value) != float("inf")
    assert all(c.isascii() for c in text.strip().replace("\u00a0", "").replace("\u2212", "-"))


@deep
@given(finite)
def test_a_number_written_the_vietnamese_way_reads_back(value: float) -> None:
    exact = format_vi_exact(value)
    if "e" not in exact:
        assert parse_number(exact, NumberFormat.vietnamese) == value
    rounded = format_vi(value, 2)
    assert parse_number(rounded, NumberFormat.vietnamese) == pytest.approx(round(value, 2), abs=1e-9)
    english = f"{value:,.2f}"
    assert parse_number(english, NumberFormat.english) == parse_number(rounded, NumberFormat.vietnamese)


@deep
@given(st.text(max_size=20))
def test_the_csv_value_parser_without_a_format_never_guesses(text: str) -> None:
    parse = string_value_parser(None)
    try:
        value = parse(text)
    except NumberFormatError:
        return
    readings = set()
    for number_format in NumberFormat:
        with contextlib.suppress(NumberFormatError):
            readings.add(parse_number(text, number_format))
    assert readings == {value}, "accepted only when every format that reads it agrees"


# ------------------------------------------------------------------------------------------------ CSV

cell_text = st.text(alphabet=st.characters(exclude_categories=["Cs"], exclude_characters="\x00"), max_size=12)


def _written(records: list[list[str]], delimiter: str) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter)
    writer.writerow(CSV_COLUMNS)
    writer.writerows(records)
    return out.getvalue().encode()


@deep
@given(st.lists(st.lists(cell_text, min_size=6, max_size=6), max_size=8), st.sampled_from([",", ";"]))
def test_csv_written_by_the_rules_reads_back_record_by_record(records: list[list[str]], delimiter: str) -> None:
    for record in records:
        for cell in record:
            for line in re.split(r"\r\n|\r|\n", cell)[1:]:
                assume(line.count(delimiter) < len(CSV_COLUMNS) - 1)  # else flagged as a swallowed record
    read = list(read_csv(_written(records, delimiter)))
    expected = [
        (number, dict(zip(CSV_COLUMNS, record, strict=True)))
        for number, record in enumerate(records, start=2)
        if any(cell.strip() for cell in record)
    ]
    assert read == expected


@deep
@given(st.binary(max_size=300))
@example(b'indicator;region;period;value\n"a;b;c;d\nx;y;z;w\n')
@example(b'\xef\xbb\xbfindicator,region,period,value\r\n\x00,\xff,"""\r\n')
def test_any_bytes_are_records_row_errors_or_an_unreadable_body(body: bytes) -> None:
    _read_csv_whole(b"indicator;region;period;value;status;note\n" + body)
    _read_csv_whole(body)


def _read_csv_whole(body: bytes) -> None:
    try:
        rows = list(read_csv(body))
    except InputError as error:
        assert str(error)
        return
    numbers = [number for number, _ in rows]
    assert numbers == sorted(set(numbers)) and all(number >= 2 for number in numbers)
    for _, row in rows:
        assert set(row) <= {*CSV_COLUMNS, "__malformed__"}


@deep
@given(st.lists(cell_text, min_size=1, max_size=6), st.integers(0, 5), st.integers(0, 5))
def test_a_quote_left_open_never_swallows_the_records_after_it(cells: list[str], at: int, after: int) -> None:
    good = [["i", "r", "2024", "1", "official", f"note {n}"] for n in range(after + 1)]
    broken = ["i", "r", "2024", "1", "official", '"' + "".join(c.replace('"', "") for c in cells)]
    body = _written(good[:at], ";") + (";".join(broken) + "\n").encode() + _written(good, ";").split(b"\n", 1)[1]
    rows = list(read_csv(body))
    read_notes = [row.get("note") for _, row in rows]
    for record in good:
        assert record[5] in read_notes, "every record after the stray quote is read"
    assert any("__malformed__" in row for _, row in rows)


# ------------------------------------------------------------------------------------------------ JSON, validator

json_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=20), st.integers(-(10**400), 10**400)
)
json_values = st.recursive(json_scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3), max_leaves=10)  # fmt: skip


@deep
@given(st.binary(max_size=200) | st.text(max_size=200).map(str.encode))
@example(b"[" * 5000)
@example(b'{"observations": ' + b"[" * 3000 + b"]" * 3000 + b"}")
def test_any_bytes_are_a_json_batch_or_an_unreadable_body(body: bytes) -> None:
    try:
        batch = read_json(body)
    except InputError:
        return
    assert all(isinstance(number, int) for number, _ in batch)


@deep
@given(st.lists(st.dictionaries(st.sampled_from([*CSV_COLUMNS, "other"]), json_values, max_size=7), max_size=5))
def test_json_batches_read_back_and_every_row_validates_or_is_refused(rows: list[dict[str, Any]]) -> None:
    body = json.dumps({"observations": rows, "dry_run": True}).encode()
    batch = read_json(body)
    assert batch.dry_run is True and [row for _, row in batch] == json.loads(body)["observations"]
    validator = RowValidator(catalogue(), None)
    for number, row in batch:
        result = validator.validate(number, row)
        assert isinstance(result, ValidRow) or all(isinstance(error, RowError) for error in result)


valid_row = st.fixed_dictionaries(
    {
        "indicator": st.sampled_from(["dthap-2023.grdp_growth", "dthap-2023.urbanisation_rate", "nope"]),
        "region": st.sampled_from(["dong_thap", "quang_ngai", "x"]),
        "period": st.sampled_from(["2023", "2023-Q2", "2023-06", "2023-H1", "0000", "9999-Q1", "2023-Q5"]),
        "value": json_scalars,
        "status": st.sampled_from(["official", "estimate", "", "final"]),
        "note": st.one_of(st.none(), st.text(max_size=30), st.sampled_from(["=1+1", "@SUM(A1)", "-x"])),
    }
)


@deep
@given(st.lists(valid_row, max_size=6), st.sampled_from([None, *NumberFormat]))
def test_the_validator_answers_every_plausible_row(
    rows: list[dict[str, Any]], number_format: NumberFormat | None
) -> None:
    validator = RowValidator(catalogue(), None, string_value_parser(number_format))
    for number, row in enumerate(rows, start=1):
        result = validator.validate(number, row)
        if isinstance(result, ValidRow):
            assert FIRST_YEAR <= result.period_start.year <= LAST_YEAR
        else:
            assert all(error.row == number and error.message for error in result)
