"""The catalogue's typed model: programmes, regions, agencies, indicators with targets and paths, tasks.

The YAML files under indicators/catalogue/ are read into these classes (see catalogue.py); every rule that can be
checked on one object is checked here, rules that span objects (codes, parents, periods) in catalogue.py.
"""

import itertools
from datetime import date
from enum import StrEnum
from typing import Annotated, Any, Self

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer, field_validator, model_validator

from indicators.numbers import parse_vi
from indicators.periods import Frequency, Period, Span
from indicators.units import UNITS

Code = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_.-]*$", max_length=80)]
Number = Annotated[float, BeforeValidator(parse_vi)]
"""A YAML number (7.5, 1967) or a string in Vietnamese format ("7,5", "1.967")."""
SpanField = Annotated[
    Span, BeforeValidator(lambda v: v if isinstance(v, Span) else Span.parse(v)), PlainSerializer(str, return_type=str)
]
"""A year or a span of years: 2025, "2021-2030"."""
PeriodField = Annotated[
    Period,
    BeforeValidator(lambda v: v if isinstance(v, Period) else Period.parse(str(v))),
    PlainSerializer(str, return_type=str),
]
"""A reporting period: 2020, "2024-H1", "2024-Q2", "2024-06"."""


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, use_enum_values=False)


class ProgrammeKind(StrEnum):
    annual_conclusion = "annual_conclusion"  # kết luận hội nghị: results of a year and targets of the next
    action_programme = "action_programme"  # chương trình hành động
    plan = "plan"  # kế hoạch


class Programme(Model):
    id: Code
    title_vi: str
    title_en: str
    issuer_vi: str
    province: Code
    document_number: str | None = None
    document_date: date | None = None
    start_year: int
    end_year: int
    kind: ProgrammeKind

    @model_validator(mode="after")
    def _period_is_ordered(self) -> Self:
        if self.end_year < self.start_year:
            raise ValueError(f"end_year {self.end_year} is before start_year {self.start_year}")
        return self

    @property
    def span(self) -> Span:
        return Span(self.start_year, self.end_year)


class RegionLevel(StrEnum):
    province = "province"
    area = "area"  # a part of a province named by the documents, e.g. "miền núi", "đồng bằng"
    district = "district"
    commune = "commune"


class Region(Model):
    code: Code
    name_vi: str
    name_en: str
    level: RegionLevel
    parent: Code | None = None


class Agency(Model):
    code: Code
    name_vi: str
    name_en: str | None = None


class Group(StrEnum):
    economy = "economy"
    society = "society"
    environment = "environment"
    defence_security = "defence_security"
    party_building = "party_building"


class Direction(StrEnum):
    higher = "higher"  # higher is better
    lower = "lower"  # type: ignore[assignment]  # (shadows str.lower) lower is better (for "giảm" targets the stated decrease is judged, see TargetBasis)


class Measure(StrEnum):
    level = "level"  # a stock or rate at the end of the period: GRDP per capita, forest cover
    growth_rate = "growth_rate"  # % change on the same period of the previous year: GRDP growth
    flow = "flow"  # accumulated within the year, reset each year: budget revenue, new party members
    share = "share"  # a part of a whole, in %: urbanisation, trained labour


class TargetKind(StrEnum):
    at_least = "at_least"
    at_most = "at_most"
    range = "range"
    approx = "approx"  # "khoảng": judged as at least (or at most) the value in the indicator's direction
    exact = "exact"
    qualitative = "qualitative"  # kept for the record, not computable (rank targets, "vượt mức Trung ương giao")


class TargetBasis(StrEnum):
    value = "value"  # the reported value itself
    average_growth = "average_growth"  # compound average of the yearly rates over the span ("bình quân 9%/năm")
    multiple_of_baseline = "multiple_of_baseline"  # value / baseline value ("gấp 2,5-3 lần năm 2020")
    change_per_period = (
        "change_per_period"  # improvement on the previous year, in the good direction ("giảm 0,6-1%/năm")
    )


class BandKind(StrEnum):
    one_sided = "one_sided"  # a range read in the direction: beyond its demanding end still meets
    two_sided = "two_sided"  # a structural share ("tỷ trọng ... 70-71%"): outside the band either way does not meet


class WithinYear(StrEnum):
    """What a sub-annual value covers (docs/status.md, "Giá trị của một kỳ trong năm")."""

    year_to_date = "year_to_date"  # from 1 January to the period's end: budget revenue, GRDP growth "6 tháng"
    end_of_period = "end_of_period"  # a level at the period's end: the same figure whatever the period's length
    per_period = "per_period"  # the period alone: a quarter's own figure, not cumulative


class RollupMethod(StrEnum):
    """How an indicator's values in the regions below a region combine into it (the rule: indicators/rollup.py)."""

    sum = "sum"  # counts and flows: the parent's value is the children's total
    weighted_mean = "weighted_mean"  # sum(value x weight) / sum(weight), the weight another indicator (a count)
    none = "none"  # no roll-up, and the reason why


class Rollup(Model):
    """The catalogue's `rollup:` where the default for the measure and unit is wrong: `rollup: sum`, `rollup: none`
    (with `reason`, Vietnamese first), or `rollup: {method: weighted_mean, weight: <indicator code>}`."""

    method: RollupMethod
    weight: Code | None = None
    reason: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, data: Any) -> Any:
        return {"method": data} if isinstance(data, str) else data

    @model_validator(mode="after")
    def _weight_fits_method(self) -> Self:
        if (self.method is RollupMethod.weighted_mean) != (self.weight is not None):
            raise ValueError("a weighted_mean roll-up names its weight (an indicator code), and only it does")
        if self.reason is not None and self.method is not RollupMethod.none:
            raise ValueError("a reason is for rollup: none (why the values do not combine)")
        return self


class PathKind(StrEnum):
    constant = "constant"
    linear = "linear"
    compound = "compound"
    flow = "flow"  # year-to-date share of the annual target
    change_per_period = "change_per_period"
    milestones = "milestones"


class Target(Model):
    period: SpanField
    kind: TargetKind
    value: Number | None = None
    low: Number | None = None
    high: Number | None = None
    strict: bool = False  # "trên": strictly better than the value (at the target's final period)
    maintain: bool = False  # "duy trì": the level is held in every year of the period, each year end judged
    band: BandKind = BandKind.one_sided  # for ranges: two_sided when above the high end is not better
    basis: TargetBasis = TargetBasis.value
    quote: str = Field(min_length=3)
    reason: str | None = None  # why a target is qualitative
    derived: bool = False  # values computed from the quote rather than printed in it (say how in `note`)
    note: str | None = None

    @model_validator(mode="after")
    def _values_fit_kind(self) -> Self:
        match self.kind:
            case TargetKind.range:
                if self.low is None or self.high is None or self.value is not None:
                    raise ValueError("a range target has low and high and no value")
                if self.low > self.high:
                    raise ValueError(f"range low {self.low} is above high {self.high}")
            case TargetKind.qualitative:
                if not self.reason:
                    raise ValueError("a qualitative target needs a reason why it cannot be computed")
                if self.value is not None or self.low is not None or self.high is not None:
                    raise ValueError("a qualitative target has no values")
            case _:
                if self.value is None or self.low is not None or self.high is not None:
                    raise ValueError(f"an {self.kind.value} target has a value and no low/high")
        if self.band is BandKind.two_sided and self.kind is not TargetKind.range:
            raise ValueError("band: two_sided is for a range target (low-high)")
        if self.maintain and (self.kind is TargetKind.qualitative or self.basis is not TargetBasis.value):
            raise ValueError("a maintain target holds a level: a computable kind with basis value")
        maintained = "duy trì" in self.quote.lower() and self.computable and self.basis is TargetBasis.value
        if maintained and not self.maintain:
            raise ValueError(
                '"duy trì" (maintain): the level is held every year of the period; set maintain: true and give the '
                "period as the years it is held (e.g. 2021-2030)"
            )
        return self

    @property
    def computable(self) -> bool:
        return self.kind is not TargetKind.qualitative

    @property
    def bounds(self) -> tuple[float, float]:
        """(low, high) of the target; equal for single-value kinds."""
        if self.kind is TargetKind.range:
            assert self.low is not None and self.high is not None
            return self.low, self.high
        assert self.value is not None
        return self.value, self.value


class Baseline(Model):
    period: PeriodField
    value: Number | None = None  # None: taken from the observation for that period (unless `assigned`)
    quote: str | None = None
    # A figure set from outside the series, such as the revenue "chỉ tiêu Trung ương giao": the office enters it
    # in `value` once it is known. It is never read from the observations (the period's own value is the actual).
    assigned: bool = False


class Milestone(Model):
    period: PeriodField
    value: Number


class Path(Model):
    kind: PathKind
    milestones: list[Milestone] = []
    seasonal_profile: list[Number] | None = None  # cumulative share of the annual flow at the end of each month

    @model_validator(mode="after")
    def _milestones_fit_kind(self) -> Self:
        if self.kind is PathKind.milestones and len(self.milestones) < 2:
            raise ValueError("a milestones path needs at least two milestones")
        if self.kind is not PathKind.milestones and self.milestones:
            raise ValueError("only a milestones path takes milestones")
        if self.seasonal_profile is not None:
            profile = self.seasonal_profile
            if len(profile) != 12 or any(b < a for a, b in itertools.pairwise(profile)):
                raise ValueError("seasonal_profile is 12 rising cumulative shares, one per month")
            if abs(profile[-1] - 1) > 1e-9:
                raise ValueError("seasonal_profile must end at 1 (the whole year)")
        return self


class Indicator(Model):
    code: Code
    programme: Code
    number: str | None = None  # as printed, e.g. "15" or "12.3"; None when unnumbered
    name_vi: str
    name_en: str
    group: Group
    unit: str
    direction: Direction
    measure: Measure
    frequency: Frequency
    owner: Code | None = None  # agency code
    regions: list[Code] = []  # empty: the programme's province
    parent: Code | None = None
    baseline: Baseline | None = None
    targets: list[Target] = Field(min_length=1)
    path: Path | None = None  # None: the default for its measure and target (see default_path_kind)
    tolerance: float = Field(default=0.05, ge=0, le=1)
    within_year: WithinYear | None = None  # None: from the measure (see values_within_year)
    rollup: Rollup | None = None  # None: from the measure and unit (indicators/rollup.py)
    note: str | None = None

    @field_validator("unit")
    @classmethod
    def _unit_is_known(cls, unit: str) -> str:
        return _known_unit(unit)

    @property
    def values_within_year(self) -> WithinYear:
        """What a sub-annual value covers: levels are read at the period's end, flows, growth rates and shares
        from the start of the year, unless the catalogue says the values are per period."""
        if self.within_year is not None:
            return self.within_year
        return WithinYear.end_of_period if self.measure is Measure.level else WithinYear.year_to_date

    @property
    def path_kind(self) -> PathKind:
        return self.path.kind if self.path else default_path_kind(self)

    @property
    def final_target(self) -> Target:
        """The target with the latest end: what the indicator must reach in the end."""
        return max(self.targets, key=lambda t: (t.period.last_year, -t.period.first_year))

    def target_for(self, year: int) -> Target | None:
        """The narrowest computable target whose period covers the year (a yearly one before a span)."""
        covering = [t for t in self.targets if t.period.contains_year(year)]
        if not covering:
            return None
        return min(covering, key=lambda t: (t.period.last_year - t.period.first_year, not t.computable))


def default_path_kind(indicator: Indicator) -> PathKind:
    target = indicator.final_target
    if target.maintain:
        return PathKind.constant
    if target.basis is TargetBasis.change_per_period:
        return PathKind.change_per_period
    if target.basis in (TargetBasis.multiple_of_baseline, TargetBasis.average_growth):
        return PathKind.compound
    if indicator.measure is Measure.flow:
        return PathKind.flow
    if indicator.measure is Measure.growth_rate:
        return PathKind.constant
    if indicator.baseline is not None and target.period.last_year > indicator.baseline.period.year:
        return PathKind.linear
    return PathKind.constant


class Attribute(Model):
    """A physical specification printed for a task or a project row: a road's length, its lanes, a plant's MW."""

    name_vi: str  # what is measured, naming the work: "Chiều dài Quốc lộ 15D đoạn cảng Mỹ Thủy - Quốc lộ 1"
    name_en: str
    value: Number
    unit: str
    quote: str = Field(min_length=3)  # the printed words; the value must appear in them
    approximate: bool = False  # "khoảng", "dự kiến"
    note: str | None = None

    @field_validator("unit")
    @classmethod
    def _unit_is_known(cls, unit: str) -> str:
        return _known_unit(unit)


def _known_unit(unit: str) -> str:
    if unit not in UNITS:
        raise ValueError(f"unknown unit {unit!r}; known units: {', '.join(sorted(UNITS))}")
    return unit


class TaskState(StrEnum):
    not_started = "not_started"
    in_progress = "in_progress"
    done = "done"
    cancelled = "cancelled"


CLOSED_TASK_STATES = (TaskState.done, TaskState.cancelled)


def task_open(state: str | None) -> bool:
    """A task is open until it is done or cancelled (`state`: its latest report; none means not started)."""
    return (state or TaskState.not_started) not in CLOSED_TASK_STATES


def task_overdue(due: date | None, state: str | None, today: date) -> bool:
    """The one rule for a late task: past its due date (in Vietnam) and still open by then (`state`: its latest report
    as of `today`). The dashboards read the flag the snapshot's refresh wrote (task_status), not this rule in SQL."""
    return due is not None and due < today and task_open(state)


class Task(Model):
    code: Code
    programme: Code
    section: str  # as numbered in the document, e.g. "B.I.1" or "DM.II.3"
    title_vi: str
    lead: list[Code] = Field(min_length=1)  # agency codes
    cooperating: list[Code] = []
    cooperating_text: str | None = None  # as written, when it names no agency ("Các sở, ban, ngành liên quan")
    time_frame: str  # verbatim: "Quý I/2025", "Thường xuyên", "Giai đoạn 2026-2030"
    due: date | None = None  # derived from time_frame; None for recurring or event-bound tasks
    review_every: Frequency | None = None  # for "Thường xuyên": how often progress is reviewed
    until_event: str | None = None  # "đến Đại hội Đảng bộ tỉnh lần thứ XVIII"
    kind: str = "task"  # "task" or "project" (a row of a danh mục)
    supervisor_text: str | None = None  # "Phân công chỉ đạo" column of a danh mục
    attributes: list[Attribute] = []  # physical specifications printed for it (project rows of a danh mục)
    note: str | None = None

    @model_validator(mode="after")
    def _has_a_schedule(self) -> Self:
        if self.due is None and self.review_every is None and self.until_event is None:
            raise ValueError("a task needs a due date, a review cadence (review_every) or an until_event")
        return self


class CatalogueFile(Model):
    """One YAML file: one source document."""

    programme: Programme
    source: str  # the seed document it transcribes, e.g. "002"
    regions: list[Region] = []
    agencies: list[Agency] = []
    indicators: list[Indicator] = []
    tasks: list[Task] = []

    @model_validator(mode="before")
    @classmethod
    def _items_belong_to_the_programme(cls, data: Any) -> Any:
        """Indicators and tasks name their programme implicitly: the file's."""
        if isinstance(data, dict) and isinstance(data.get("programme"), dict):
            programme_id = data["programme"].get("id")
            for key in ("indicators", "tasks"):
                for item in data.get(key) or []:
                    if isinstance(item, dict):
                        item.setdefault("programme", programme_id)
        return data
