"""Target paths: E(t) and the band for each path kind, built from catalogue model objects."""

from datetime import date
from typing import Any

import pytest

from indicators.model import (
    Baseline,
    Direction,
    Group,
    Indicator,
    Measure,
    Milestone,
    Path,
    PathKind,
    Target,
    TargetBasis,
    TargetKind,
)
from indicators.paths import (
    EXACT,
    HIGHER,
    LOWER,
    Band,
    JudgedTarget,
    compile_plan,
    compound_annual_rate,
    compound_average,
    interpolate_compound,
    judge_target,
    period_facts,
    plan_for,
)
from indicators.periods import Frequency, Period


def target(period: str, kind: TargetKind, **values: Any) -> Target:
    return Target(period=period, kind=kind, quote="trích dẫn từ văn bản", **values)


def indicator(targets: list[Target], **fields: Any) -> Indicator:
    defaults: dict[str, Any] = {
        "code": "test",
        "programme": "test",
        "name_vi": "Chỉ tiêu thử",
        "name_en": "Test indicator",
        "group": Group.economy,
        "unit": "percent",
        "direction": Direction.higher,
        "measure": Measure.level,
        "frequency": Frequency.year,
    }
    return Indicator(targets=targets, **(defaults | fields))


def band(plan_indicator: Indicator, period: str, baseline_value: float | None = None) -> Band:
    result = compile_plan(plan_indicator).band(Period.parse(period), baseline_value)
    assert isinstance(result, Band), result
    return result


def test_period_facts_give_position_end_and_year_end() -> None:
    half = period_facts(Period.parse("2024-H1"))
    assert (half.position, half.end, half.year_end, half.uniform_share) == (2024.5, date(2024, 6, 30), False, 0.5)
    year = period_facts(Period.parse("2023"))
    assert (year.position, year.end, year.year_end) == (2024.0, date(2023, 12, 31), True)
    assert period_facts(Period.parse("2023-Q4")).year_end
    assert not period_facts(Period.parse("2023-11")).year_end


@pytest.mark.parametrize(
    ("kind", "values", "direction", "sense", "least"),
    [
        (TargetKind.at_least, {"value": 7.5}, Direction.lower, HIGHER, 7.5),
        (TargetKind.at_most, {"value": 3.0}, Direction.higher, LOWER, 3.0),
        (TargetKind.approx, {"value": 32.1}, Direction.lower, LOWER, 32.1),
        (TargetKind.approx, {"value": 4460}, Direction.higher, HIGHER, 4460),
        (TargetKind.range, {"low": 70, "high": 71}, Direction.higher, HIGHER, 70),
        (TargetKind.range, {"low": 0.6, "high": 1.0}, Direction.lower, LOWER, 1.0),
        (TargetKind.exact, {"value": 100}, Direction.higher, EXACT, 100),
    ],
)
def test_target_kinds_read_in_the_direction(
    kind: TargetKind, values: dict[str, float], direction: Direction, sense: int, least: float
) -> None:
    judged = judge_target(target("2025", kind, **values), direction)
    assert judged.sense == sense
    assert judged.least_demanding == least


def test_qualitative_targets_cannot_be_judged() -> None:
    with pytest.raises(ValueError, match="qualitative"):
        judge_target(target("2025", TargetKind.qualitative, reason="xếp hạng"), Direction.higher)


def test_compound_helpers() -> None:
    assert interpolate_compound(0.5, 1.0, 4.0) == pytest.approx(2.0)
    assert interpolate_compound(0.5, 0.0, 4.0) is None
    assert compound_average([10, 10, 10]) == pytest.approx(10)
    # (1.08 * 1.10 * 1.095)^(1/3) - 1
    assert compound_average([8, 10, 9.5]) == pytest.approx(9.1633, abs=1e-4)
    assert compound_annual_rate(100, 200, 10) == pytest.approx(7.1773, abs=1e-4)
    assert compound_annual_rate(0, 200, 10) is None
    assert compound_average([-100, 5]) == -100


def test_constant_path_is_the_target_every_period() -> None:
    growth = indicator([target("2023", TargetKind.at_least, value=7.5)], measure=Measure.growth_rate)
    assert compile_plan(growth).shape is PathKind.constant
    h1 = band(growth, "2023-H1")
    assert (h1.expected, h1.low, h1.high, h1.decisive) == (7.5, 7.5, 7.5, False)
    assert band(growth, "2023").decisive


def test_flow_path_is_the_year_share_of_the_annual_target() -> None:
    budget = indicator(
        [target("2023", TargetKind.at_least, value=7555)],
        unit="billion_vnd",
        measure=Measure.flow,
        frequency=Frequency.month,
    )
    assert band(budget, "2023-06").expected == pytest.approx(3777.5)
    assert band(budget, "2023-03").expected == pytest.approx(7555 / 4)
    december = band(budget, "2023-12")
    assert (december.expected, december.decisive) == (7555, True)


def test_flow_path_follows_the_seasonal_profile_at_the_end_month() -> None:
    profile = [0.05, 0.1, 0.2, 0.25, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0]
    budget = indicator(
        [target("2023", TargetKind.range, low=1000, high=1200)],
        unit="billion_vnd",
        measure=Measure.flow,
        frequency=Frequency.quarter,
        path=Path(kind=PathKind.flow, seasonal_profile=profile),
    )
    q2 = band(budget, "2023-Q2")  # ends in June: profile[5] = 0.4
    assert (q2.expected, q2.low, q2.high) == pytest.approx((400, 400, 480))


def test_linear_path_for_a_lower_is_better_share() -> None:
    # 004: agriculture's share of GRDP "chiếm khoảng 7,9%" by 2030; the 2020 baseline here is illustrative.
    share = indicator(
        [target("2021-2030", TargetKind.approx, value=7.9)],
        direction=Direction.lower,
        measure=Measure.share,
        baseline=Baseline(period="2020", value=12.9),
    )
    assert compile_plan(share).shape is PathKind.linear
    mid = band(share, "2025")  # t = 2026.0, halfway from 2021.0 to 2031.0
    assert mid.expected == pytest.approx(10.4)
    assert mid.target.sense == LOWER
    assert not mid.decisive
    assert band(share, "2030").expected == pytest.approx(7.9)
    assert band(share, "2030").decisive


def test_linear_path_passes_through_an_intermediate_target() -> None:
    coverage = indicator(
        [
            target("2021-2025", TargetKind.at_least, value=90),
            target("2021-2030", TargetKind.at_least, value=95),
        ],
        baseline=Baseline(period="2020", value=80),
    )
    assert band(coverage, "2022").expected == pytest.approx(84)  # 80 -> 90 over 2021.0..2026.0
    assert band(coverage, "2025").expected == pytest.approx(90)
    assert band(coverage, "2028").expected == pytest.approx(93)  # 90 -> 95 over 2026.0..2031.0


def test_linear_path_with_a_range_gives_a_band_and_gap_years_lead_to_the_next_target() -> None:
    share = indicator(
        [target("2023", TargetKind.range, low=40, high=44), target("2025", TargetKind.range, low=44, high=48)],
        baseline=Baseline(period="2022", value=40),
        path=Path(kind=PathKind.linear),
    )
    gap = band(share, "2024")  # no target for 2024: halfway from the 2023 target to the 2025 one
    assert (gap.expected, gap.low, gap.high) == pytest.approx((42, 42, 46))
    h1 = band(share, "2023-H1")
    assert (h1.low, h1.high) == pytest.approx((40, 42))


def test_linear_path_needs_the_baseline_value() -> None:
    share = indicator([target("2030", TargetKind.at_least, value=50)], baseline=Baseline(period="2020"))
    plan = compile_plan(share)
    assert plan.band(Period.parse("2025"), None) == "chưa có giá trị năm gốc 2020 (no baseline value)"
    assert band(share, "2025", baseline_value=40).expected == pytest.approx(45)


def test_a_path_needs_a_start() -> None:
    share = indicator([target("2025", TargetKind.at_least, value=50)], path=Path(kind=PathKind.linear))
    assert compile_plan(share).band(Period.parse("2025"), None) == (
        "chỉ tiêu chưa khai báo năm gốc (the indicator has no baseline)"
    )


def test_compound_path_of_a_multiple_of_the_baseline() -> None:
    # 004: "GRDP (giá hiện hành) tăng khoảng 2,5-3 lần so với năm 2020" by 2030
    grdp = indicator(
        [target("2030", TargetKind.range, low=2.5, high=3, basis=TargetBasis.multiple_of_baseline)],
        unit="billion_vnd",
        baseline=Baseline(period="2020"),
    )
    assert compile_plan(grdp).shape is PathKind.compound
    mid = band(grdp, "2025")  # fraction 0.5 of the way in multiples
    assert (mid.low, mid.high) == pytest.approx((2.5**0.5, 3**0.5))
    assert mid.expected == pytest.approx(2.5**0.5)


def test_compound_path_of_levels_needs_positive_values() -> None:
    level = indicator(
        [target("2030", TargetKind.at_least, value=200)],
        baseline=Baseline(period="2020", value=100),
        path=Path(kind=PathKind.compound),
    )
    assert band(level, "2025").expected == pytest.approx(100 * 2**0.5)
    negative = indicator(
        [target("2030", TargetKind.at_least, value=200)],
        baseline=Baseline(period="2020", value=-5),
        path=Path(kind=PathKind.compound),
    )
    assert "dương" in str(compile_plan(negative).band(Period.parse("2025"), None))


def test_milestones_are_joined_by_straight_lines() -> None:
    beds = indicator(
        [target("2027-2030", TargetKind.at_least, value=32)],
        baseline=Baseline(period="2020", value=25),
        path=Path(
            kind=PathKind.milestones,
            milestones=[Milestone(period="2022", value=26), Milestone(period="2026", value=30)],
        ),
    )
    assert band(beds, "2021").expected == 26  # flat before the first milestone (the baseline is not one)
    assert band(beds, "2024").expected == pytest.approx(28)
    assert band(beds, "2028").expected == 30  # flat after the last
    assert band(beds, "2030").expected == 32  # the final period is judged against the final target


def test_change_per_period_is_judged_as_higher_is_better_in_change_terms() -> None:
    poverty = indicator(
        [target("2021-2030", TargetKind.range, low=0.6, high=1.0, basis=TargetBasis.change_per_period)],
        direction=Direction.lower,
    )
    plan = compile_plan(poverty)
    assert (plan.shape, plan.basis, plan.better) == (PathKind.constant, TargetBasis.change_per_period, Direction.higher)
    yearly = band(poverty, "2024")
    assert (yearly.expected, yearly.low, yearly.high, yearly.target.sense) == (0.6, 0.6, 1.0, HIGHER)


def test_years_without_a_judgeable_target_give_a_reason() -> None:
    growth = indicator(
        [
            target("2023", TargetKind.at_least, value=7),
            target("2025", TargetKind.at_least, value=8),
            target("2024", TargetKind.qualitative, reason="theo chỉ tiêu Trung ương giao"),
        ],
        measure=Measure.growth_rate,
    )
    plan = compile_plan(growth)
    assert plan.band(Period.parse("2024"), None) == (
        "chỉ tiêu định tính: theo chỉ tiêu Trung ương giao (qualitative target, not computable)"
    )
    assert plan.band(Period.parse("2026"), None) == "không có chỉ tiêu cho năm 2026 (no target for 2026)"
    gap = indicator([target("2023", TargetKind.at_least, value=7), target("2025", TargetKind.at_least, value=8)])
    assert compile_plan(gap).band(Period.parse("2024"), None) == "không có chỉ tiêu cho năm 2024 (no target for 2024)"


def test_a_yearly_target_on_another_basis_is_not_mixed_into_the_path() -> None:
    grdp = indicator(
        [
            target("2025", TargetKind.at_least, value=1.6, basis=TargetBasis.multiple_of_baseline),
            target("2021-2030", TargetKind.at_least, value=100_000),
        ],
        unit="billion_vnd",
        baseline=Baseline(period="2020", value=50_000),
    )
    assert "cơ sở khác" in str(compile_plan(grdp).band(Period.parse("2025"), None))


def test_plans_are_cached_per_indicator_object() -> None:
    first = indicator([target("2023", TargetKind.at_least, value=7.5)])
    other = indicator([target("2023", TargetKind.at_least, value=8.5)])
    assert plan_for(first) is plan_for(first)
    assert plan_for(other).final == JudgedTarget(HIGHER, 8.5, 8.5, strict=False)
    assert plan_for(first).final == JudgedTarget(HIGHER, 7.5, 7.5, strict=False)
