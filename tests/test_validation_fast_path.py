"""The validator's fast path for the common row (RowValidator._validate_common) answers exactly as the full path
(_validate_any) does, row for row and in everything it records for the batch (warnings, periods stored as others,
touched series, key hashes, the period range, scope errors); and the plain-number shortcut of the CSV value parser
reads a number as the full rules do."""

import math
from datetime import UTC, datetime
from functools import cache
from typing import Any

from hypothesis import example, given, settings
from hypothesis import strategies as st

from indicators.catalogue import Catalogue, load_catalogue
from indicators.numbers import NumberFormat, NumberFormatError, is_ambiguous, parse_number
from ingest.keys import ApiKey
from ingest.validated_rows import ValidRow
from ingest.validation import RowValidator
from ingest.value_parsing import string_value_parser

EXAMPLES = int(__import__("os").environ.get("CHITIEU_PROPERTY_EXAMPLES", "300"))
deep = settings(max_examples=EXAMPLES, deadline=None)


@cache
def catalogue() -> Catalogue:
    return load_catalogue()


QUANG_NGAI_KEY = ApiKey("k1", "office", ["quang_ngai"], [], datetime(2025, 1, 1, tzinfo=UTC), None, None)

numbers = st.one_of(
    st.floats(),
    st.integers(-(10**6), 10**6),
    st.integers(-(10**400), 10**400),
    # at and about the scale rule's bounds against the targets of SERIES (10; 23,37 and its fraction rule; 38.500)
    st.sampled_from([0, 0.0, -0.0, 0.5, 1, 1.0, 1.1, 1.17, 99.5, 100, 100.0001, 5e-3, 7e12, 1e308]),
    st.sampled_from([3000, 3000.0, 2999.999, 3000.001, 10 / 300, 0.0333, 0.0334, 11_550_000, 11_549_999.9, 7.0]),
)
number_texts = st.one_of(
    numbers.map(str),
    st.from_regex(r"\A[ +-]?[0-9]{0,5}([.,][0-9]{0,5}){0,2} ?\Z"),
    st.sampled_from(["1.967", "1,967", "41.37", "41,37", "1.967,5", "", " 7 ", "9" * 400, "-0", "1e3", "nan"]),
)
SERIES = [
    ("qtri-dh1.grdp_growth", "quang_tri"),  # percent change, quarterly
    ("dthap-2023.investment_share_of_grdp", "dong_thap"),  # percent, quarterly
    ("qngai-2024.new_rural_communes", "quang_ngai"),  # a count, yearly
    ("qngai-2024.investment", "quang_ngai.mien_nui"),  # billion VND, quarterly, in a part of the province
    ("dthap-2023.party_admission_rate", "dong_thap"),  # percent, half-yearly
    (" qngai-2024.investment", "quang_ngai "),
    ("qngai-2024.investment", "dong_thap"),  # not tracked there
    ("nope", "x"),
]
rows = st.tuples(
    st.sampled_from(SERIES),
    st.sampled_from(["2023", "2024", "2024-Q2", "2023-Q1", "2024-06", "2024-H1", "2023-H2", "2031", "", " 2023"]),
    st.one_of(numbers, number_texts, st.none(), st.booleans()),
    st.fixed_dictionaries(
        {},
        optional={
            "status": st.sampled_from(["official", "estimate", "preliminary", "", " official", "final", None, 1]),
            "note": st.one_of(st.none(), st.sampled_from(["", " ", "ghi chú", "=1+1"])),
            "other": st.just(1),
        },
    ),
).map(
    lambda parts: {"indicator": parts[0][0], "region": parts[0][1], "period": parts[1], "value": parts[2], **parts[3]}
)


def recorded(validator: RowValidator) -> dict[str, Any]:
    return {
        "warnings": validator.warnings,
        "stored_as": validator.stored_as,
        "without_target_reference": validator.without_target_reference,
        "scope_errors": validator.scope_errors,
        "shape": validator.shape,
    }


@deep
@given(
    st.lists(rows, max_size=12),
    st.sampled_from([None, *NumberFormat]),
    st.booleans(),
    st.booleans(),
)
@example(
    [{"indicator": "qngai-2024.investment", "region": "quang_ngai", "period": "2024-Q2", "value": 1e9}],
    None,
    False,
    False,
)
@example(
    [{"indicator": "qtri-dh1.grdp_growth", "region": "quang_tri", "period": "2024-Q2", "value": 3000}],
    None,
    True,
    False,
)
@example(
    [{"indicator": "qtri-dh1.grdp_growth", "region": "quang_tri", "period": "2024", "value": 2999.0}],
    None,
    False,
    False,
)
@example(
    [{"indicator": "dthap-2023.investment_share_of_grdp", "region": "dong_thap", "period": "2023-Q1", "value": 0.5}],
    None,
    False,
    False,
)
@example(
    [{"indicator": "qngai-2024.new_rural_communes", "region": "quang_ngai", "period": "2024", "value": 2.5}],
    None,
    False,
    False,
)
@example(
    [{"indicator": "qngai-2024.investment", "region": "quang_ngai.mien_nui", "period": "2024-Q2", "value": 50}],
    None,
    False,
    False,
)
def test_the_fast_path_answers_as_the_full_path(
    batch: list[dict[str, Any]], number_format: NumberFormat | None, strict: bool, keyed: bool
) -> None:
    key = QUANG_NGAI_KEY if keyed else None
    fast = RowValidator(catalogue(), key, string_value_parser(number_format), strict=strict)
    full = RowValidator(catalogue(), key, string_value_parser(number_format), strict=strict)
    for number, row in enumerate(batch, start=1):
        assert fast.validate(number, row) == full._validate_any(number, row)
    assert recorded(fast) == recorded(full)


def test_the_fast_path_takes_the_common_row() -> None:
    validator = RowValidator(catalogue(), None)
    row = {"indicator": "qngai-2024.investment", "region": "quang_ngai", "period": "2024-Q2", "value": 1200.5}
    result = validator._validate_common(1, row)
    assert isinstance(result, ValidRow) and result.value == 1200.5 and result.status == "official"
    assert validator._validate_common(2, {**row, "note": "ghi chú"}) is None  # notes take the full path


@deep
@given(number_texts)
@example("41.37")
@example("1.967")
@example("-12")
def test_the_plain_number_shortcut_reads_as_the_full_rules(text: str) -> None:
    """Without a stated format a number is read only when unambiguous, in whichever convention reads it."""
    try:
        expected: float | None = None
        if not is_ambiguous(text):
            for candidate in (NumberFormat.vietnamese, NumberFormat.english):
                try:
                    expected = parse_number(text, candidate)
                    break
                except NumberFormatError:
                    continue
    except NumberFormatError:
        expected = None
    for number_format, reference in ((None, expected), (NumberFormat.english, _english(text))):
        try:
            value: float | None = string_value_parser(number_format)(text)
        except NumberFormatError:
            value = None
        assert value == reference or (
            value is not None and reference is not None and math.isnan(value) and math.isnan(reference)
        )


def _english(text: str) -> float | None:
    try:
        return parse_number(text, NumberFormat.english)
    except NumberFormatError:
        return None
