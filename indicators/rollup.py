"""Roll-ups: how an indicator's values in the regions below a region combine into it (docs/regions.md).

The rule, in this order:
1. the catalogue's `rollup:` when it gives one (where the default below is wrong);
2. a growth rate never rolls up: rates do not add up, the parent's growth comes from its own values;
3. a share (a percentage of a whole) does not add up: no roll-up unless the catalogue names a weight;
4. a level or a flow in a unit that adds up (counts: people, households, products, projects, communes...; and
   extensive quantities: billion VND, hectares, MW, tonnes...) is summed;
5. any other unit (per capita, per 10,000 people, ranks, multiples, percentages...) has no roll-up, with its reason.

Which regions a parent's roll-up reads: the regions the indicator is followed in below the parent, taking the
nearest level only (a district that reports is read, not its communes as well), so nothing is counted twice.
"""

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass

from indicators.model import Indicator, Measure, Region, RollupMethod
from indicators.numbers import format_vi

SUMMED_UNITS = frozenset(
    {
        # counts
        "communes", "districts", "party_members", "cooperatives", "enterprises", "people", "households", "schools",
        "projects", "products", "items",
        # extensive quantities: the whole is the total of its parts
        "billion_vnd", "million_usd", "megawatts", "hectares", "kilometres", "square_kilometres", "tonnes",
        "million_visitors",
    }
)  # fmt: skip
"""Units whose values in the regions below add up to the region's value."""

_PER_HEAD = (
    "Chỉ số bình quân theo dân số không cộng được; cần quyền số (dân số) khai báo trong danh mục "
    "(a per-population figure does not add up; it needs a weight, the population, named in the catalogue)"
)
NOT_SUMMED_REASONS: dict[str, str] = {
    "percent": (
        "Tỷ lệ phần trăm không cộng được giữa các địa bàn; chỉ tính bình quân gia quyền khi danh mục khai báo quyền số "
        "(a percentage does not add up across regions; a weighted mean needs a weight named in the catalogue)"
    ),
    "percent_change": ("Tỷ lệ tăng trưởng không cộng được giữa các xã (a growth rate does not add up across communes)"),
    "percentage_points": "Điểm phần trăm không cộng được (percentage points do not add up)",
    "million_vnd": (
        "Giá trị bình quân (như thu nhập, GRDP bình quân đầu người) không cộng được; cần quyền số, hoặc khai báo "
        "rollup: sum nếu là một tổng (an average such as income or GRDP per head does not add up; name a weight, "
        "or set rollup: sum if it is a total)"
    ),
    "usd": (
        "Giá trị bình quân đầu người không cộng được; cần quyền số (dân số) "
        "(a value per head does not add up; it needs a weight, the population)"
    ),
    "per_10000_people": _PER_HEAD,
    "doctors_per_10000": _PER_HEAD,
    "beds_per_10000": _PER_HEAD,
    "times": "Bội số so với một giá trị gốc không cộng được (a multiple of a base value does not add up)",
    "rank": "Thứ hạng giữa các tỉnh không cộng được (a rank among the provinces does not add up)",
    "lanes": "Số làn xe của một tuyến không cộng được giữa các xã (a road's lanes do not add up across communes)",
    "roads": (
        "Một tuyến đường qua nhiều xã sẽ bị đếm nhiều lần (a road through several communes would be counted more "
        "than once)"
    ),
    "kilovolts": "Cấp điện áp không cộng được (a voltage does not add up)",
}
"""Every other unit, with why its values do not add up (a test checks each unit is in one of the two)."""

GROWTH_RATE_REASON = (
    "Tỷ lệ tăng trưởng không cộng được giữa các xã; tăng trưởng của địa bàn cấp trên tính từ giá trị của nó "
    "(a growth rate does not add up across communes; the parent's growth comes from its own values)"
)
SHARE_REASON = NOT_SUMMED_REASONS["percent"]
NEVER_SUMMED = frozenset({"percent", "percent_change", "percentage_points", "rank"})
"""Units no `rollup: sum` may override."""
NO_REASON_GIVEN = "Danh mục khai báo không tổng hợp (the catalogue says this indicator does not roll up)"


@dataclass(frozen=True, slots=True)
class RollupRule:
    method: RollupMethod
    weight: str | None = None  # the weight's indicator code, for a weighted mean
    reason: str | None = None  # why there is no roll-up, Vietnamese first


def rollup_rule(indicator: Indicator) -> RollupRule:
    """How the indicator's values in the regions below a region combine into it (the module's rule)."""
    if indicator.rollup is not None:
        chosen = indicator.rollup
        if chosen.method is RollupMethod.none:
            return RollupRule(RollupMethod.none, reason=chosen.reason or NO_REASON_GIVEN)
        return RollupRule(chosen.method, weight=chosen.weight)
    if indicator.measure is Measure.growth_rate:
        return RollupRule(RollupMethod.none, reason=GROWTH_RATE_REASON)
    if indicator.measure is Measure.share:
        return RollupRule(RollupMethod.none, reason=SHARE_REASON)
    if indicator.unit in SUMMED_UNITS:
        return RollupRule(RollupMethod.sum)
    return RollupRule(RollupMethod.none, reason=NOT_SUMMED_REASONS[indicator.unit])


def rollup_issues(
    indicator: Indicator, indicators: Mapping[str, Indicator], regions_of: Callable[[Indicator], list[str]]
) -> Iterator[tuple[str, str]]:
    """What is wrong with the indicator's `rollup:` given the whole catalogue: (field under rollup, message)."""
    chosen = indicator.rollup
    if chosen is None or chosen.method is RollupMethod.none:
        return
    if indicator.measure is Measure.growth_rate:
        yield "method", "a growth rate does not roll up (rollup: none): rates do not add up or average across regions"
        return
    if chosen.method is RollupMethod.sum and indicator.unit in NEVER_SUMMED:
        yield "method", f"values in {indicator.unit} do not add up; name a weight (method: weighted_mean) or none"
    if chosen.weight is None:
        return
    weight = indicators.get(chosen.weight)
    if weight is None:
        yield "weight", f"the weight {chosen.weight!r} is not an indicator of the catalogue"
        return
    if weight.code == indicator.code:
        yield "weight", "an indicator cannot be its own weight"
    elif rollup_rule(weight).method is not RollupMethod.sum:
        yield "weight", f"the weight {weight.code!r} must be a count that adds up (its own roll-up a sum)"
    if weight.frequency is not indicator.frequency:
        yield (
            "weight",
            f"the weight {weight.code!r} is reported each {weight.frequency}, not each {indicator.frequency}",
        )
    missing = set(regions_of(indicator)) - set(regions_of(weight))
    if missing:
        yield "weight", f"the weight {weight.code!r} is not followed in {', '.join(sorted(missing)[:5])}"


def children_map(regions: Mapping[str, Region]) -> dict[str, list[str]]:
    """Each region's direct sub-regions, in catalogue order."""
    children: dict[str, list[str]] = {}
    for code, region in regions.items():
        if region.parent is not None:
            children.setdefault(region.parent, []).append(code)
    return children


def followed_in(indicators: Iterable[Indicator], regions_of: Callable[[Indicator], list[str]]) -> dict[str, list[str]]:
    """Each region's indicators: the codes of those followed there."""
    found: dict[str, list[str]] = {}
    for indicator in indicators:
        for region in regions_of(indicator):
            found.setdefault(region, []).append(indicator.code)
    return found


def contributing_regions(
    children: Mapping[str, list[str]], followed: Mapping[str, list[str]], parent: str
) -> dict[str, list[str]]:
    """For each indicator followed below `parent`, the regions whose values roll up into it: those it is followed in
    (`followed`: region -> indicator codes), the nearest level only (below a district that reports it, its communes
    are not read as well), in catalogue order."""
    found: dict[str, list[str]] = {}
    stack: list[tuple[str, frozenset[str]]] = [(child, frozenset()) for child in reversed(children.get(parent, []))]
    seen = {parent}
    while stack:
        code, claimed = stack.pop()
        if code in seen:  # a cycle in a malformed hierarchy
            continue
        seen.add(code)
        here = [indicator for indicator in followed.get(code, ()) if indicator not in claimed]
        for indicator in here:
            found.setdefault(indicator, []).append(code)
        below = claimed | frozenset(here) if here else claimed
        stack.extend((child, below) for child in reversed(children.get(code, [])))
    return found


LEVEL_WORDS = {"commune": "xã", "district": "huyện", "area": "vùng", "province": "tỉnh"}
LEVEL_WORDS_EN = {"commune": "communes", "district": "districts", "area": "areas", "province": "provinces"}


def coverage_text(rule: RollupRule, reported: int, expected: int, level: str | None, weight_name: str = "") -> str:
    """The roll-up read out plainly, Vietnamese first: what it is, and how many regions below it covers."""
    if rule.method is RollupMethod.none:
        return f"Không tổng hợp: {rule.reason} (no roll-up)"
    word = LEVEL_WORDS.get(level or "", "địa bàn")
    word_en = LEVEL_WORDS_EN.get(level or "", "regions")
    what = "Tổng" if rule.method is RollupMethod.sum else f"Bình quân gia quyền theo {weight_name}"
    what_en = "the total" if rule.method is RollupMethod.sum else "the weighted mean"
    if reported == 0:
        return f"Chưa {word} nào báo cáo kỳ này (no {word_en[:-1]} has reported for this period)"
    got, of = format_vi(reported), format_vi(expected)
    if reported < expected:
        return (
            f"{what} của {got}/{of} {word} đã báo cáo, chưa đủ "
            f"(partial: {what_en} of the {reported:,} of {expected:,} {word_en} that reported)"
        )
    return f"{what} của cả {of} {word} (complete: {what_en} of all {expected:,} {word_en})"
