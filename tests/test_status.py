"""The status engine on the worked examples of issue 4 (values copied from seed documents 002, 003, 004) and edges.

Indicators are built here with the model classes, not read from the catalogue YAML.
"""

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from indicators.judgement import evaluate, evaluate_board, expected_series
from indicators.model import (
    BandKind,
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
    WithinYear,
)
from indicators.periods import Frequency, Period
from indicators.status import Evaluation, Observation, PreviousOutcome, Status


def target(period: str, kind: TargetKind, quote_text: str = "trích dẫn từ văn bản", **values: Any) -> Target:
    return Target(period=period, kind=kind, quote=quote_text, **values)


def indicator(code: str, targets: list[Target], **fields: Any) -> Indicator:
    defaults: dict[str, Any] = {
        "programme": "test",
        "name_vi": "Chỉ tiêu thử",
        "name_en": "Test indicator",
        "group": Group.economy,
        "unit": "percent",
        "direction": Direction.higher,
        "measure": Measure.level,
        "frequency": Frequency.year,
    }
    return Indicator(code=code, targets=targets, **(defaults | fields))


def obs(period: str, value: float, recorded: date | None = None) -> Observation:
    parsed = Period.parse(period)
    day = recorded or parsed.end + timedelta(days=5)
    return Observation(parsed, value, datetime(day.year, day.month, day.day, 9, tzinfo=UTC))


def judge(item: Indicator, series: list[Observation], as_of: date, **kwargs: Any) -> Evaluation:
    return evaluate(item, "province", series, as_of, **kwargs)


# 003 (Kế hoạch 2023): "(1) Tốc độ tăng trưởng GRDP tăng 7,5% so với năm 2022."
GRDP_GROWTH_003 = indicator(
    "grdp_growth_2023",
    [target("2023", TargetKind.at_least, value=7.5)],
    unit="percent_change",
    measure=Measure.growth_rate,
    frequency=Frequency.half_year,
)
# 003: "(3) Thu ngân sách trên địa bàn đạt 7.555 tỷ đồng."
BUDGET_003 = indicator(
    "budget_revenue_2023",
    [target("2023", TargetKind.at_least, value=7555)],
    unit="billion_vnd",
    measure=Measure.flow,
    frequency=Frequency.month,
)


@pytest.mark.parametrize(
    ("value", "status"),
    [
        (7.6, Status.on_track),
        (7.5, Status.on_track),
        (7.3, Status.at_risk),
        (7.13, Status.at_risk),
        (7.12, Status.off_track),
        (6.9, Status.off_track),
    ],
)
def test_003_grdp_growth_half_year_against_a_constant_target(value: float, status: Status) -> None:
    result = judge(GRDP_GROWTH_003, [obs("2023-H1", value)], date(2023, 7, 31))
    assert result.status is status  # at risk down to 7,5 - 5% x 7,5 = 7,125
    assert (result.period, result.actual, result.expected, result.low, result.high) == ("2023-H1", value, 7.5, 7.5, 7.5)
    assert result.target == 7.5
    assert result.progress_ratio is None
    assert result.projection == value  # a growth rate projects as the latest value
    assert result.projection_meets_target is (value >= 7.5)
    assert result.reason is None


def test_003_grdp_growth_for_the_whole_year_is_achieved_or_missed() -> None:
    assert (
        judge(GRDP_GROWTH_003, [obs("2023-H1", 7.3), obs("2023-H2", 7.6)], date(2024, 2, 1)).status is Status.achieved
    )
    assert judge(GRDP_GROWTH_003, [obs("2023-H2", 7.4)], date(2024, 2, 1)).status is Status.missed


def test_tolerance_is_overridable_per_indicator() -> None:
    loose = GRDP_GROWTH_003.model_copy(update={"tolerance": 0.1})
    assert judge(loose, [obs("2023-H1", 6.9)], date(2023, 7, 31)).status is Status.at_risk


@pytest.mark.parametrize(
    ("value", "status"), [(3900, Status.on_track), (3700, Status.at_risk), (3500, Status.off_track)]
)
def test_003_budget_revenue_year_to_date_at_the_end_of_june(value: float, status: Status) -> None:
    result = judge(BUDGET_003, [obs("2023-05", 3000), obs("2023-06", value)], date(2023, 7, 10))
    assert result.status is status
    assert result.expected == pytest.approx(3777.5)  # 7.555 x 6/12
    assert result.progress_ratio == pytest.approx(value / 3777.5)
    assert result.projection == pytest.approx(value * 2)  # the year-end total at this pace
    assert result.projection_meets_target is (value * 2 >= 7555)


def test_003_budget_revenue_by_quarter_and_for_the_whole_year() -> None:
    quarterly = BUDGET_003.model_copy(update={"frequency": Frequency.quarter})
    assert judge(quarterly, [obs("2023-Q2", 3900)], date(2023, 7, 10)).expected == pytest.approx(3777.5)
    year_end = judge(quarterly, [obs("2023-Q4", 7600)], date(2024, 1, 20))
    assert (year_end.status, year_end.expected, year_end.projection) == (Status.achieved, 7555, 7600)
    assert judge(quarterly, [obs("2023-Q4", 7500)], date(2024, 1, 20)).status is Status.missed


# 002 (Kết luận, results of 2023): "năm 2023 kết nạp 1.967/1.910 đảng viên mới"; "có 06 xã đạt chuẩn, Kế hoạch đề ra
# là 07 xã nông thôn mới"; "GRDP ... tăng 3,03%" against the 2023 plan of -3,5% to -3%.
def test_002_new_party_members_achieved() -> None:
    members = indicator(
        "new_party_members_2023",
        [target("2023", TargetKind.at_least, value=1910)],
        unit="party_members",
        group=Group.party_building,
        measure=Measure.flow,
    )
    result = judge(members, [obs("2023", 1967)], date(2024, 2, 1))
    assert (result.status, result.actual, result.expected, result.target) == (Status.achieved, 1967, 1910, 1910)
    assert result.progress_ratio == pytest.approx(1967 / 1910)
    assert result.projection_meets_target is True


def test_002_new_rural_communes_missed() -> None:
    communes = indicator(
        "new_rural_communes_2023",
        [target("2023", TargetKind.at_least, value=7)],
        unit="communes",
        measure=Measure.flow,
    )
    result = judge(communes, [obs("2023", 6)], date(2024, 2, 1))
    assert (result.status, result.actual, result.expected) == (Status.missed, 6, 7)
    assert result.projection_meets_target is False


def test_002_grdp_growth_above_the_range_is_achieved() -> None:
    growth = indicator(
        "grdp_growth_2023",
        [target("2023", TargetKind.range, low=-3.5, high=-3)],
        unit="percent_change",
        measure=Measure.growth_rate,
    )
    result = judge(growth, [obs("2023", 3.03)], date(2024, 2, 1))
    assert (result.status, result.expected, result.low, result.high) == (Status.achieved, -3.5, -3.5, -3)
    assert result.reason is None


def test_002_agricultural_labour_share_about_a_value_reads_as_at_most() -> None:
    # 002: "(9) Tỷ lệ lao động nông nghiệp trong tổng lao động xã hội còn khoảng 32,1%" (2024)
    labour = indicator(
        "agri_labour_share_2024",
        [target("2024", TargetKind.approx, value=32.1)],
        direction=Direction.lower,
        measure=Measure.share,
    )
    assert judge(labour, [obs("2024", 32.0)], date(2025, 2, 1)).status is Status.achieved
    # "khoảng": within the tolerance (32,1 x 1,05 = 33,705) is achieved, approximately (issue 14, decision 6)
    close = judge(labour, [obs("2024", 32.5)], date(2025, 2, 1))
    assert (close.status, close.approximately) == (Status.achieved, True)
    assert judge(labour, [obs("2024", 32.0)], date(2025, 2, 1)).approximately is False
    assert judge(labour, [obs("2024", 33.8)], date(2025, 2, 1)).status is Status.missed


# 004 (Chương trình hành động, to 2030): "Đến năm 2030, GRDP (giá hiện hành) tăng khoảng 2,5-3 lần so với năm 2020".
# The 2020 baseline is not printed: it is pushed as an observation. Levels in tỷ đồng are illustrative.
GRDP_MULTIPLE_004 = indicator(
    "grdp_multiple_2030",
    [target("2030", TargetKind.range, low=2.5, high=3, basis=TargetBasis.multiple_of_baseline)],
    unit="billion_vnd",
    baseline=Baseline(period="2020"),
)


@pytest.mark.parametrize(
    ("level_2023", "status"),
    [(120_000, Status.on_track), (101_600, Status.at_risk), (96_000, Status.off_track)],
)
def test_004_grdp_multiple_on_a_compound_path(level_2023: float, status: Status) -> None:
    series = [obs("2020", 80_000), obs("2021", 88_000), obs("2022", 97_000), obs("2023", level_2023)]
    result = judge(GRDP_MULTIPLE_004, series, date(2024, 3, 1))
    expected = 2.5**0.3  # 3 of 10 years from the end of 2020: 1,3164
    assert result.status is status
    assert result.actual == pytest.approx(level_2023 / 80_000)
    assert (result.expected, result.low, result.high) == pytest.approx((expected, expected, 3**0.3))
    assert result.target == 2.5
    assert result.progress_ratio == pytest.approx((level_2023 / 80_000 - 1) / (expected - 1))
    assert result.projection is not None


def test_004_grdp_multiple_projection_follows_the_weighted_trend() -> None:
    series = [obs("2020", 80_000), obs("2021", 90_000), obs("2022", 100_000), obs("2023", 110_000)]
    result = judge(GRDP_MULTIPLE_004, series, date(2024, 3, 1))
    # a straight line of +10.000 a year reaches 180.000 at the end of 2030: 2,25 times 2020, short of 2,5
    assert result.projection == pytest.approx(2.25)
    assert result.projection_meets_target is False


def test_004_grdp_multiple_without_the_2020_observation_is_not_computable() -> None:
    result = judge(GRDP_MULTIPLE_004, [obs("2022", 97_000), obs("2023", 120_000)], date(2024, 3, 1))
    assert result.status is Status.not_computable
    assert result.reason == "chưa có giá trị năm gốc 2020 (no baseline value)"
    assert (result.period, result.actual, result.expected) == ("2023", None, None)


def test_a_zero_baseline_has_no_multiple() -> None:
    result = judge(GRDP_MULTIPLE_004, [obs("2020", 0), obs("2023", 120_000)], date(2024, 3, 1))
    assert result.status is Status.not_computable
    assert result.reason == "giá trị gốc bằng 0, không tính được số lần (baseline value is zero)"


def test_004_average_growth_above_9_percent_a_year() -> None:
    # 004: "Giai đoạn 2021-2030, tốc độ tăng trưởng GRDP bình quân đạt trên 9%/năm."
    growth = indicator(
        "grdp_growth_average",
        [target("2021-2030", TargetKind.at_least, value=9, strict=True, basis=TargetBasis.average_growth)],
        unit="percent_change",
        measure=Measure.growth_rate,
    )
    result = judge(growth, [obs("2021", 8), obs("2022", 10), obs("2023", 9.5)], date(2024, 3, 1))
    assert result.status is Status.on_track  # not achieved: the span runs to 2030
    assert result.actual == pytest.approx(9.1633, abs=1e-4)  # compound average of 8, 10 and 9,5
    assert result.expected == 9
    assert result.progress_ratio is None
    # the years to come at the latest 9,5%: the 2021-2030 average stays above 9
    assert result.projection == pytest.approx((1.08 * 1.10 * 1.095**8) ** 0.1 * 100 - 100)
    assert result.projection_meets_target is True
    exactly = judge(growth, [obs("2021", 9), obs("2022", 9), obs("2023", 9)], date(2024, 3, 1))
    assert exactly.status is Status.on_track  # "trên 9%" is for 2030: on the way, exactly on the path is on track
    final = [obs(str(year), 9) for year in range(2021, 2031)]
    assert judge(growth, final, date(2031, 3, 1)).status is Status.missed  # in 2030, exactly 9 is not enough
    gap = judge(growth, [obs("2021", 8), obs("2023", 9.5)], date(2024, 3, 1))
    assert gap.status is Status.not_computable
    assert gap.reason is not None
    assert gap.reason.startswith("thiếu giá trị năm 2022")


def test_004_average_growth_of_a_level_from_the_baseline() -> None:
    # 004: "tốc độ tăng thu ngân sách đạt 14-15%/năm"; the 2020 revenue is illustrative.
    revenue = indicator(
        "budget_revenue_growth",
        [target("2021-2030", TargetKind.range, low=14, high=15, basis=TargetBasis.average_growth)],
        unit="billion_vnd",
        measure=Measure.flow,
        baseline=Baseline(period="2020", value=10_000),
    )
    series = [obs("2021", 11_500), obs("2022", 13_100), obs("2023", 15_000)]
    result = judge(revenue, series, date(2024, 3, 1))
    assert result.actual == pytest.approx((1.5 ** (1 / 3) - 1) * 100)  # 14,47% a year over three years
    assert (result.status, result.expected, result.low, result.high) == (Status.on_track, 14, 14, 15)
    assert judge(revenue, [obs("2023", 14_000)], date(2024, 3, 1)).status is Status.off_track  # 11,9% a year
    # weighted trend (weights 1, 2, 3): +1.780 a year, 27.430 at the end of 2030: 10,6% a year from 2020
    assert result.projection == pytest.approx((27_430 / 10_000) ** 0.1 * 100 - 100)
    assert result.projection_meets_target is False
    zero = revenue.model_copy(update={"baseline": Baseline(period="2020", value=0)})
    no_rate = judge(zero, series, date(2024, 3, 1))
    assert no_rate.status is Status.not_computable
    assert no_rate.reason is not None
    assert no_rate.reason.startswith("không tính được tăng trưởng bình quân")


# 004: "nông, lâm nghiệp và thủy sản chiếm khoảng 7,9%" of GRDP in 2030: a lower-is-better share on a linear path.
# The 2020 baseline value is illustrative.
AGRI_SHARE_004 = indicator(
    "agri_share_grdp_2030",
    [target("2021-2030", TargetKind.approx, value=7.9)],
    direction=Direction.lower,
    measure=Measure.share,
    baseline=Baseline(period="2020", value=12.9),
)


@pytest.mark.parametrize(
    ("value", "status"), [(10.2, Status.on_track), (10.8, Status.at_risk), (11.0, Status.off_track)]
)
def test_004_lower_is_better_share_on_a_linear_path(value: float, status: Status) -> None:
    result = judge(AGRI_SHARE_004, [obs("2024", 11.0), obs("2025", value)], date(2026, 3, 1))
    assert result.status is status  # E(2025) = 12,9 - (12,9 - 7,9) x 5/10 = 10,4; at risk up to 10,92
    assert result.expected == pytest.approx(10.4)
    assert result.progress_ratio == pytest.approx((value - 12.9) / (10.4 - 12.9))


def test_004_lower_is_better_share_at_the_final_period() -> None:
    assert judge(AGRI_SHARE_004, [obs("2030", 7.8)], date(2031, 3, 1)).status is Status.achieved
    # "khoảng 7,9%": 8,1 is within 5% of 7,9 (up to 8,295): achieved approximately
    close = judge(AGRI_SHARE_004, [obs("2030", 8.1)], date(2031, 3, 1))
    assert (close.status, close.approximately, close.expected, close.projection) == (Status.achieved, True, 7.9, 8.1)
    missed = judge(AGRI_SHARE_004, [obs("2030", 8.3)], date(2031, 3, 1))
    assert (missed.status, missed.approximately) == (Status.missed, False)


def test_004_lower_is_better_projection() -> None:
    falling = [obs("2021", 12.4), obs("2022", 11.9), obs("2023", 11.4), obs("2024", 10.9), obs("2025", 10.4)]
    result = judge(AGRI_SHARE_004, falling, date(2026, 3, 1))
    assert result.projection == pytest.approx(7.9)  # -0,5 a year to 2030
    assert result.projection_meets_target is True
    slow = [obs("2023", 11.0), obs("2024", 10.9), obs("2025", 10.8)]
    assert judge(AGRI_SHARE_004, slow, date(2026, 3, 1)).projection_meets_target is False


# 004: "Tỷ lệ hộ nghèo giảm 0,6-1%/năm": judged on the change from the previous year.
POVERTY_004 = indicator(
    "poverty_rate_fall",
    [target("2021-2030", TargetKind.range, low=0.6, high=1.0, basis=TargetBasis.change_per_period)],
    group=Group.society,
    direction=Direction.lower,
    measure=Measure.share,
)


def test_004_poverty_rate_falling_enough_on_last_year() -> None:
    result = judge(POVERTY_004, [obs("2022", 4.8), obs("2023", 4.1)], date(2024, 3, 1))
    assert result.status is Status.achieved  # a yearly change target: the year's value settles that year
    assert result.actual == pytest.approx(0.7)
    assert (result.expected, result.low, result.high, result.target) == (0.6, 0.6, 1.0, 0.6)
    assert result.progress_ratio is None
    short = judge(POVERTY_004, [obs("2022", 4.8), obs("2023", 4.3)], date(2024, 3, 1))
    assert short.status is Status.missed
    assert short.actual == pytest.approx(0.5)
    rising = judge(POVERTY_004, [obs("2022", 4.8), obs("2023", 5.0)], date(2024, 3, 1))
    assert rising.status is Status.missed
    assert rising.actual == pytest.approx(-0.2)


def test_004_poverty_rate_by_half_year_against_the_same_half_last_year() -> None:
    halves = POVERTY_004.model_copy(update={"frequency": Frequency.half_year})
    series = [obs("2022-H1", 5.0), obs("2022-H2", 4.8), obs("2023-H1", 4.42)]
    result = judge(halves, series, date(2023, 8, 1))
    assert result.actual == pytest.approx(0.58)
    assert result.status is Status.at_risk  # within 5% of 0,6


def test_004_poverty_rate_first_year_needs_the_previous_value() -> None:
    result = judge(POVERTY_004, [obs("2021", 6.0)], date(2022, 3, 1))
    assert result.status is Status.not_computable
    assert result.reason is not None
    assert result.reason.startswith("chưa có giá trị kỳ trước")
    with_baseline = POVERTY_004.model_copy(update={"baseline": Baseline(period="2020", value=6.8)})
    assert judge(with_baseline, [obs("2021", 6.0)], date(2022, 3, 1)).actual == pytest.approx(0.8)


def test_004_poverty_rate_projection_is_the_trend_change_per_year() -> None:
    series = [obs("2019", 8.0), obs("2020", 7.3), obs("2021", 6.6), obs("2022", 5.9), obs("2023", 5.2)]
    result = judge(POVERTY_004, series, date(2024, 3, 1))
    assert result.projection == pytest.approx(0.7)
    assert result.projection_meets_target is True


def test_an_annual_indicator_last_reported_14_months_ago_is_overdue() -> None:
    series = [obs("2022", 4.8), obs("2023", 4.1, recorded=date(2024, 1, 5))]
    # the 2024 value was due at the end of 2024 plus 30 days: 30 January 2025
    assert judge(POVERTY_004, series, date(2025, 3, 5)).report_overdue
    assert not judge(POVERTY_004, series, date(2025, 1, 30)).report_overdue
    assert judge(POVERTY_004, series, date(2025, 1, 31)).report_overdue
    assert not judge(POVERTY_004, series, date(2025, 1, 31), grace_days=60).report_overdue


def test_a_monthly_report_is_due_at_the_end_of_the_next_month_plus_grace() -> None:
    series = [obs("2023-05", 3000)]
    assert not judge(BUDGET_003, series, date(2023, 7, 30)).report_overdue
    assert judge(BUDGET_003, series, date(2023, 7, 31)).report_overdue


def test_no_report_is_due_after_the_final_target_year() -> None:
    members = indicator("members", [target("2023", TargetKind.at_least, value=1910)], measure=Measure.flow)
    assert not judge(members, [obs("2023", 1967)], date(2026, 1, 1)).report_overdue


def test_no_data_at_all() -> None:
    result = judge(BUDGET_003, [], date(2023, 3, 2))
    assert (result.status, result.reason, result.period, result.actual) == (
        Status.no_data,
        "chưa có số liệu (no data)",
        None,
        None,
    )
    assert result.target == 7555
    assert not result.report_overdue  # January's report is due on 2 March (31 January + 30 days)
    assert judge(BUDGET_003, [], date(2023, 3, 3)).report_overdue


def test_values_before_the_target_years_are_no_data() -> None:
    result = judge(AGRI_SHARE_004, [obs("2020", 12.9)], date(2021, 6, 1))
    assert result.status is Status.no_data
    assert result.reason == "chưa có số liệu cho các năm chỉ tiêu 2021-2030 (no value for the target years 2021-2030)"
    assert not result.report_overdue


def test_a_path_to_a_single_target_year_judges_the_years_on_the_way() -> None:
    share = AGRI_SHARE_004.model_copy(update={"targets": [target("2030", TargetKind.approx, value=7.9)]})
    assert judge(share, [obs("2025", 10.2)], date(2026, 3, 1)).status is Status.on_track


def test_strict_targets_need_strictly_better() -> None:
    # "duy trì ... trên 52%": maintained above 52% each year
    share = indicator(
        "share_above_52",
        [target("2021-2025", TargetKind.at_least, value=52, strict=True)],
        frequency=Frequency.half_year,
    )
    assert judge(share, [obs("2023-H2", 52.0)], date(2024, 2, 1)).status is Status.missed
    assert judge(share, [obs("2023-H2", 52.1)], date(2024, 2, 1)).status is Status.achieved
    assert judge(share, [obs("2023-H1", 52.0)], date(2023, 8, 1)).status is Status.on_track  # the path is not strict
    assert judge(share, [obs("2023-H1", 51.9)], date(2023, 8, 1)).status is Status.at_risk
    assert judge(share, [obs("2023-H1", 52.01)], date(2023, 8, 1)).status is Status.on_track
    lower = indicator("below_3", [target("2023", TargetKind.at_most, value=3, strict=True)], direction=Direction.lower)
    assert judge(lower, [obs("2023", 3.0)], date(2024, 2, 1)).status is Status.missed
    assert judge(lower, [obs("2023", 2.9)], date(2024, 2, 1)).status is Status.achieved


@pytest.mark.parametrize(
    ("period", "value", "status"),
    [
        ("2023-Q2", 96, Status.on_track),
        ("2023-Q2", 104.9, Status.on_track),
        ("2023-Q2", 94, Status.off_track),
        ("2023-Q4", 105.5, Status.missed),
        ("2023-Q4", 95, Status.achieved),
    ],
)
def test_exact_targets_are_met_within_the_tolerance_either_side(period: str, value: float, status: Status) -> None:
    exact = indicator("exact_100", [target("2023", TargetKind.exact, value=100)], frequency=Frequency.quarter)
    assert judge(exact, [obs(period, value)], date(2024, 2, 1)).status is status


def test_missing_baseline_on_a_linear_path_keeps_the_value() -> None:
    share = AGRI_SHARE_004.model_copy(update={"baseline": Baseline(period="2020")})
    result = judge(share, [obs("2025", 10.2)], date(2026, 3, 1))
    assert (result.status, result.actual, result.expected) == (Status.not_computable, 10.2, None)
    assert result.reason == "chưa có giá trị năm gốc 2020 (no baseline value)"
    assert judge(share, [obs("2020", 12.9), obs("2025", 10.2)], date(2026, 3, 1)).expected == pytest.approx(10.4)


def test_a_quarterly_series_takes_the_baseline_from_the_year_end_quarter() -> None:
    quarterly = GRDP_MULTIPLE_004.model_copy(update={"frequency": Frequency.quarter, "measure": Measure.level})
    result = judge(quarterly, [obs("2020-Q4", 80_000), obs("2023-Q4", 120_000)], date(2024, 3, 1))
    assert result.actual == pytest.approx(1.5)


def test_qualitative_targets_are_not_computable() -> None:
    ranking = indicator(
        "province_rank",
        [target("2030", TargetKind.qualitative, reason="xếp hạng trong nhóm 20 tỉnh, không có giá trị đo")],
    )
    result = judge(ranking, [obs("2030", 18)], date(2031, 2, 1))
    assert result.status is Status.not_computable
    assert result.reason == (
        "chỉ tiêu định tính: xếp hạng trong nhóm 20 tỉnh, không có giá trị đo (qualitative target, not computable)"
    )
    assert (result.actual, result.expected, result.target) == (18, None, None)
    assert judge(ranking, [], date(2031, 2, 1)).status is Status.not_computable


def test_a_qualitative_final_target_leaves_the_final_year_to_its_own_target() -> None:
    share = indicator(
        "share_2025",
        [
            target("2021-2025", TargetKind.qualitative, reason="phấn đấu vượt mức Trung ương giao"),
            target("2025", TargetKind.at_least, value=50),
        ],
    )
    result = judge(share, [obs("2025", 55)], date(2026, 2, 1))
    assert (result.status, result.expected, result.target, result.projection_meets_target) == (
        Status.achieved,
        50,
        None,
        None,
    )
    assert judge(share, [obs("2024", 55)], date(2025, 2, 1)).status is Status.not_computable


def test_periods_ending_after_the_date_are_ignored_and_back_filled_values_count() -> None:
    series = [obs("2023-05", 3000), obs("2023-06", 3900, recorded=date(2024, 2, 1)), obs("2023-07", 4500)]
    result = judge(BUDGET_003, series, date(2023, 7, 10))
    # July had not ended; June's value, stored months later, is the figure for June.
    assert (result.period, result.last_recorded_at) == ("2023-06", datetime(2024, 2, 1, 9, tzinfo=UTC))


def test_values_after_the_final_target_do_not_change_its_outcome() -> None:
    members = indicator("members", [target("2023", TargetKind.at_least, value=1910)], measure=Measure.flow)
    result = judge(members, [obs("2023", 1967), obs("2024", 1500)], date(2025, 3, 1))
    assert (result.period, result.status) == ("2023", Status.achieved)


def test_trend_projection_needs_two_points() -> None:
    result = judge(AGRI_SHARE_004, [obs("2025", 10.2)], date(2026, 3, 1))
    assert (result.projection, result.projection_meets_target) == (None, None)


def test_status_labels_and_severity() -> None:
    assert [s.label_vi for s in Status] == [
        "đạt",
        "không đạt",
        "đúng tiến độ",
        "có nguy cơ",
        "chậm tiến độ",
        "chưa có số liệu",
        "không tính được",
    ]
    ordered = sorted(Status, key=lambda s: -s.severity)
    assert ordered[:3] == [Status.missed, Status.off_track, Status.at_risk]
    assert ordered[-1] is Status.achieved


def test_board_matches_single_evaluations_in_order() -> None:
    items = [
        (GRDP_GROWTH_003, "province", [obs("2023-H1", 7.3)]),
        (BUDGET_003, "province", [obs("2023-06", 3900)]),
        (GRDP_GROWTH_003, "district-a", [obs("2023-H1", 6.9)]),
        (BUDGET_003, "district-a", []),
    ]
    as_of = date(2023, 7, 31)
    board = evaluate_board(items, as_of)
    assert board == [evaluate(item, region, series, as_of) for item, region, series in items]
    assert [(e.region, e.status) for e in board] == [
        ("province", Status.at_risk),
        ("province", Status.on_track),
        ("district-a", Status.off_track),
        ("district-a", Status.no_data),
    ]


def test_expected_series_for_charts() -> None:
    months = [Period.parse(f"2023-{month:02d}") for month in (3, 6, 12)]
    rows = expected_series(BUDGET_003, "province", [], months)
    assert [row[1] for row in rows] == pytest.approx([1888.75, 3777.5, 7555])
    assert [row[0] for row in rows] == months
    years = [Period.parse(str(year)) for year in (2019, 2025, 2030)]
    without_baseline = expected_series(GRDP_MULTIPLE_004, "province", [], years)
    assert without_baseline[0] == (years[0], None, None, None)  # before the path starts
    assert without_baseline[1][1:] == pytest.approx((2.5**0.5, 2.5**0.5, 3**0.5))  # multiples need no level
    assert without_baseline[2][1:] == (2.5, 2.5, 3)
    share = AGRI_SHARE_004.model_copy(update={"baseline": Baseline(period="2020")})
    assert expected_series(share, "province", [], years[1:2]) == [(years[1], None, None, None)]
    assert expected_series(share, "province", [obs("2020", 12.9)], years[1:2])[0][1] == pytest.approx(10.4)


def test_milestones_path_progress_ratio_uses_the_baseline() -> None:
    beds = indicator(
        "hospital_beds",
        [target("2030", TargetKind.at_least, value=32)],
        unit="beds_per_10000",
        baseline=Baseline(period="2020", value=24),
        path=Path(
            kind=PathKind.milestones,
            milestones=[Milestone(period="2020", value=24), Milestone(period="2025", value=28)],
        ),
    )
    result = judge(beds, [obs("2025", 27)], date(2026, 3, 1))
    assert (result.status, result.expected) == (Status.at_risk, 28)  # 27 >= 28 - 1,4
    assert result.progress_ratio == pytest.approx(3 / 4)


# Issue 14: the semantics decided (docs/status.md §10); the same decisions are tested through the API in
# tests/test_status_semantics_api.py.
def test_a_full_year_figure_stands_for_the_year_in_changes_and_averages() -> None:
    quarterly_poverty = POVERTY_004.model_copy(update={"frequency": Frequency.quarter})
    for previous in ("2022", "2022-Q4"):
        result = judge(quarterly_poverty, [obs(previous, 4.8), obs("2023", 4.1)], date(2024, 3, 1))
        assert (result.status, result.actual) == (Status.achieved, pytest.approx(0.7))
    per_quarter = quarterly_poverty.model_copy(update={"within_year": WithinYear.per_period})
    result = judge(per_quarter, [obs("2022-Q4", 4.8), obs("2023", 4.1)], date(2024, 3, 1))
    assert result.status is Status.not_computable  # a quarter alone is not the year


def test_a_maintain_target_defaults_to_a_constant_path_judged_each_year() -> None:
    forest = indicator(
        "forest",
        [target("2021-2030", TargetKind.at_least, value=52, strict=True, maintain=True)],
        baseline=Baseline(period="2020", value=50),  # a baseline would otherwise draw a linear path
    )
    assert forest.path_kind is PathKind.constant
    result = judge(forest, [obs("2023", 51)], date(2024, 3, 1))
    assert (result.status, result.expected, result.period) == (Status.missed, 52, "2023")
    with pytest.raises(ValueError, match="maintain"):
        target("2030", TargetKind.at_least, value=52, quote_text="Duy trì trên 52%")


def test_two_sided_bands_on_the_path_and_at_the_end() -> None:
    share = indicator(
        "structure",
        [target("2025", TargetKind.range, low=70, high=71, band=BandKind.two_sided)],
        frequency=Frequency.half_year,
        measure=Measure.share,
    )
    assert judge(share, [obs("2025-H1", 71.5)], date(2025, 7, 31)).status is Status.at_risk  # within 5% of 71
    assert judge(share, [obs("2025-H1", 80)], date(2025, 7, 31)).status is Status.off_track
    assert judge(share, [obs("2025-H2", 70.0)], date(2026, 2, 1)).status is Status.achieved
    assert judge(share, [obs("2025-H2", 71.2)], date(2026, 2, 1)).status is Status.missed
    with pytest.raises(ValueError, match="two_sided"):
        target("2025", TargetKind.at_least, value=70, band=BandKind.two_sided)


def test_a_per_period_flow_is_summed_to_date() -> None:
    per_quarter = BUDGET_003.model_copy(update={"frequency": Frequency.quarter, "within_year": WithinYear.per_period})
    result = judge(per_quarter, [obs("2023-Q1", 1800), obs("2023-Q2", 2100)], date(2023, 7, 10))
    assert (result.actual, result.status) == (3900, Status.on_track)
    gap = judge(per_quarter, [obs("2023-Q2", 2100)], date(2023, 7, 10))
    assert gap.status is Status.not_computable and gap.reason is not None and "2023-Q1" in gap.reason


def test_the_board_judges_the_current_target_period_of_a_path() -> None:
    share = indicator(
        "share_path",
        [target("2025", TargetKind.at_least, value=30), target("2030", TargetKind.at_least, value=40)],
        baseline=Baseline(period="2020", value=20),
    )
    series = [obs("2024", 27), obs("2025", 31)]
    settled = judge(share, series, date(2025, 12, 31))
    assert (settled.status, settled.previous) == (Status.achieved, None)  # 2025 settles the 2025 target
    later = judge(share, series, date(2026, 5, 1))
    assert (later.status, later.period, later.target) == (Status.no_data, None, 40)
    assert later.previous == PreviousOutcome("2025", Status.achieved, 31, 30)
    on_the_way = judge(share, [*series, obs("2026", 33)], date(2027, 2, 1))
    assert (on_the_way.status, on_the_way.expected) == (Status.on_track, pytest.approx(32))
    assert on_the_way.previous == PreviousOutcome("2025", Status.achieved, 31, 30)


def test_overdue_follows_the_reporting_frequency() -> None:
    quarterly = GRDP_GROWTH_003.model_copy(
        update={"frequency": Frequency.quarter, "targets": [target("2023-2024", TargetKind.at_least, value=7.5)]}
    )
    series = [obs("2023", 7.6)]
    assert not judge(quarterly, series, date(2024, 4, 30)).report_overdue
    assert judge(quarterly, series, date(2024, 5, 1)).report_overdue  # 2024-Q1 + 30 days, not 2024 + 30 days
