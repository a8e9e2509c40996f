"""Which period a reported value is stored as, and which values look like the wrong scale (indicators/)."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from indicators.model import Measure, TargetBasis, TargetKind, WithinYear
from indicators.periods import Frequency, Period
from indicators.plausibility import scale_warning, target_reference
from indicators.reporting import stored_period
from tests.test_status import indicator, target

GROWTH = indicator(
    "growth", [target("2024", TargetKind.at_least, value=7.5)], unit="percent_change", frequency=Frequency.quarter
)


@pytest.mark.parametrize(
    ("sent", "stored"),
    [("2024-H1", "2024-Q2"), ("2024-06", "2024-Q2"), ("2024-09", "2024-Q3"), ("2024-Q3", "2024-Q3"), ("2024", "2024")],
)
def test_cumulative_figures_are_stored_as_the_quarter_they_end(sent: str, stored: str) -> None:
    assert stored_period(GROWTH, Period.parse(sent)) == Period.parse(stored)


@pytest.mark.parametrize("sent", ["2024-H2", "2024-05"])
def test_periods_that_are_no_quarter_to_date_are_refused(sent: str) -> None:
    assert isinstance(stored_period(GROWTH, Period.parse(sent)), str)


def test_per_quarter_values_refuse_a_half_year() -> None:
    per_quarter = GROWTH.model_copy(update={"within_year": WithinYear.per_period})
    refusal = stored_period(per_quarter, Period.parse("2024-H1"))
    assert isinstance(refusal, str) and "per quarter" in refusal and "không cộng dồn" in refusal
    assert isinstance(stored_period(per_quarter, Period.parse("2024-06")), str)
    assert stored_period(per_quarter, Period.parse("2024")) == Period.parse("2024")


@given(st.integers(2000, 2050), st.sampled_from(list(Frequency)), st.integers(1, 12))
def test_a_stored_period_is_in_the_indicator_frequency_and_ends_with_the_sent_one(
    year: int, frequency: Frequency, index: int
) -> None:
    sent = Period(year, frequency, (index - 1) % frequency.periods_per_year + 1)
    stored = stored_period(GROWTH, sent)
    if not isinstance(stored, str):
        assert stored.frequency in (Frequency.quarter, Frequency.year)
        assert stored.end == sent.end


COVERAGE = indicator("coverage", [target("2030", TargetKind.at_least, value=95, strict=True)])


def test_a_fraction_for_a_percentage_is_suspicious() -> None:
    reference = target_reference(COVERAGE, Period.parse("2024"))
    assert reference == 95
    assert scale_warning(COVERAGE, 0.94, reference, "chỉ tiêu") is not None
    assert scale_warning(COVERAGE, 94, reference, "chỉ tiêu") is None
    assert scale_warning(COVERAGE, 0, reference, "chỉ tiêu") is None
    growth = GROWTH  # a growth of 0,8% against 7,5% happens: not a fraction
    assert scale_warning(growth, 0.8, 7.5, "chỉ tiêu") is None
    assert scale_warning(growth, 0.075, 7.5, "chỉ tiêu") is not None


def test_a_thousand_times_off_is_suspicious_and_flows_compare_with_the_share_due() -> None:
    budget = indicator(
        "budget",
        [target("2024", TargetKind.at_least, value=7555)],
        unit="billion_vnd",
        measure=Measure.flow,
        frequency=Frequency.quarter,
    )
    q1 = target_reference(budget, Period.parse("2024-Q1"))
    assert q1 == pytest.approx(7555 / 4)
    assert scale_warning(budget, 1_800_000, q1, "chỉ tiêu") is not None
    assert scale_warning(budget, 1_800, q1, "chỉ tiêu") is None
    assert scale_warning(budget, 1.8, q1, "chỉ tiêu") is not None
    multiple = indicator(
        "multiple", [target("2030", TargetKind.range, low=2.5, high=3, basis=TargetBasis.multiple_of_baseline)]
    )
    assert target_reference(multiple, Period.parse("2024")) is None  # 2,5 times is not a level
