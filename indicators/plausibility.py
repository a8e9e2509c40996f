"""Does a reported value look like the wrong scale? (docs/status.md, "Cảnh báo đơn vị")

Two slips recur in statistics offices' files: a percentage sent as a fraction (0,94 for 94%), and a number read
with the wrong thousands separator or in another unit (1.967 read as 1,967; đồng for tỷ đồng), which puts it about
1000 times off. Such a value is accepted with a warning (refused under `strict=true`): it may be true.

The rules, each against a reference the value should be near:
- a fraction for a percentage: a % indicator whose target or recent value is above 1, and a value whose magnitude is
  below 1 and at least FRACTION_FACTOR times smaller than that reference;
- far off the scale: a value at least SCALE_FACTOR times larger or smaller than the indicator's target (when the
  target is in the same terms as the values; else its printed baseline value), or, for an indicator with neither,
  than the series' latest stored value (ingest/observations.py looks it up).

A workbook cell formatted as a percentage is not a slip to warn of but a known scale: it stores the fraction (7,5%
is 0,075) and shows the percentage, so `percent_cell_value` reads it as shown for a percent or percentage-point
indicator, and refuses it for any other unit (0,075 or 7,5 lần? the cell cannot say).
"""

from decimal import Decimal

from indicators.model import Indicator, Measure, Target, TargetBasis
from indicators.numbers import format_vi
from indicators.periods import Period
from indicators.units import UNITS

FRACTION_FACTOR = 20.0  # 0,94 against 95 is 100 times smaller; a growth of 0,8% against 7,5% only 9 times
PERCENT_CELL_UNITS = frozenset({"percent", "percent_change", "percentage_points"})
SCALE_FACTOR = 300.0  # a thousands-separator or unit slip is 1000 times off; a real change is rarely 300 times


def target_reference(indicator: Indicator, period: Period) -> float | None:
    """The indicator's target for the period's year (or the nearest) in the terms values are reported in, if it has
    one; for a flow, the share of the year's target due by the period's end."""
    year = period.year
    comparable = [t for t in indicator.targets if t.computable and _same_terms(indicator, t)]
    if comparable:
        covering = [t for t in comparable if t.period.contains_year(year)]
        chosen = min(covering or comparable, key=lambda t: (abs(t.period.last_year - year), t.period.first_year))
        low, high = chosen.bounds
        share = period.year_fraction if indicator.measure is Measure.flow else 1.0
        return (low + high) / 2 * share
    if indicator.baseline is not None and indicator.baseline.value is not None:
        return indicator.baseline.value  # a level the values are compared with ("gấp 2,5 lần năm 2020")
    return None


def _same_terms(indicator: Indicator, target: Target) -> bool:
    if target.basis is TargetBasis.value:
        return True
    # "bình quân 9%/năm" of reported yearly rates is a rate like the values.
    return target.basis is TargetBasis.average_growth and indicator.measure is Measure.growth_rate


def scale_warning(indicator: Indicator, value: float, reference: float | None, against: str) -> str | None:
    """The warning for `value` against one reference (`against`: "chỉ tiêu" or "số liệu gần nhất"), or None."""
    if reference is None or reference == 0 or value == 0:
        return None
    unit = UNITS[indicator.unit]
    size, reference_size = abs(value), abs(reference)
    against_en = "the target" if against == "chỉ tiêu" else "the latest stored value"
    if unit.symbol_vi == "%" and size < 1 < reference_size and reference_size / size >= FRACTION_FACTOR:
        return (
            f"giá trị {format_vi(value)} giống một phân số, không phải phần trăm ({against} {format_vi(reference)}%): "
            f"có phải {format_vi(value * 100)}%? "
            f"(looks like a fraction, not a percentage, against {against_en} {reference:,.10g}%)"
        )
    ratio = max(size / reference_size, reference_size / size)
    if ratio >= SCALE_FACTOR:
        direction, direction_en = ("lớn", "larger") if size > reference_size else ("nhỏ", "smaller")
        return (
            f"giá trị {format_vi(value)} {direction} gấp {format_vi(round(ratio))} lần {against} {format_vi(reference)}: "
            f"kiểm tra đơn vị và dấu phân cách hàng nghìn "
            f"(about {ratio:,.0f} times {direction_en} than {against_en} {reference:,.10g}: check the unit and the "
            "thousands separator)"
        )
    return None


def percent_cell_value(indicator: Indicator, fraction: float) -> float | str:
    """The value of a percentage-formatted cell in the indicator's unit, or why it cannot be read (Vietnamese first).
    Decimal keeps 0,075 x 100 at 7,5 (in binary floating point it is 7,500000000000001)."""
    if indicator.unit in PERCENT_CELL_UNITS:
        return float(Decimal(repr(fraction)) * 100)
    unit = UNITS[indicator.unit]
    shown = format_vi(float(Decimal(repr(fraction)) * 100))
    return (
        f"ô định dạng phần trăm ({shown}%) nhưng đơn vị của chỉ tiêu là {unit.symbol_vi}: hãy bỏ định dạng phần trăm "
        f"và nhập số theo đơn vị {unit.symbol_vi} (a cell formatted as a percentage, {shown}%, for an indicator "
        f"measured in {unit.name_en}: remove the percentage format and type the number in {unit.name_en})"
    )
