"""Checking one reported value against the catalogue and the office's scope.

Messages are in Vietnamese with the English in brackets: they are read by the statistics office that sent the row.
"""

import math
import re
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import NamedTuple

from indicators.catalogue import Catalogue
from indicators.clock import period_bounds
from indicators.model import Indicator
from indicators.numbers import NumberFormat, NumberFormatError, format_vi_exact, is_ambiguous, parse_number
from indicators.observation_status import ObservationStatus as ObservationStatus
from indicators.periods import Frequency, Period, PeriodError
from indicators.plausibility import SCALE_FACTOR, scale_warning, target_reference
from indicators.reporting import stored_as_message, stored_period
from indicators.text import CONTROL_CHARACTERS_MESSAGE, FORMULA_NOTE_WARNING, has_control_characters, looks_like_formula
from indicators.units import UNITS
from ingest.keys import ApiKey

MAX_NOTE_LENGTH = 1000
FIELDS = ("indicator", "region", "period", "value", "status", "note")
_KNOWN_FIELDS = frozenset(FIELDS)


@dataclass(frozen=True, slots=True)
class RowError:
    row: int
    field: str
    message: str


class ParsedPeriod(NamedTuple):
    period: Period
    text: str  # as stored: "2024-06"
    start: datetime  # midnight in Vietnam on its first day
    reported: Period | None = None  # the period as sent, when it is stored as another one ("2024-H1" as "2024-Q2")


@dataclass(frozen=True, slots=True)
class StoredAs:
    """A row whose period is stored as another: the import answer says so."""

    row: int
    sent: str
    period: str
    message: str


class ValidRow(NamedTuple):
    """A row ready for the staging table, its fields in the table's column order."""

    row: int
    indicator: str
    region: str
    period_start: datetime
    period: str
    value: float
    status: str
    note: str | None


ValueParser = Callable[[str], float]
# A number both conventions read alike or only English reads (no thousands separator, not 3 decimals: "41.37", "-7"),
# so the English and the unstated format read it as float() does.
_PLAIN_DOT_NUMBER = re.compile(r"-?[0-9]+(\.[0-9]{1,2}|\.[0-9]{4,})?")
_LARGEST = sys.float_info.max
_new_tuple = tuple.__new__  # ValidRow(...) without its generated __new__: half the cost, the same tuple
_OFFICIAL = ObservationStatus.official.value
_STATUSES = {status: status for status in ObservationStatus.__members__} | {"": _OFFICIAL}


@dataclass(slots=True)
class _CommonSeries:
    """What the fast path needs of an (indicator, region) pair that is known, tracked and in the key's scope."""

    indicator: Indicator
    region: str
    lowest: float  # the values the unit allows (finite: NaN and infinity fall outside)
    highest: float
    whole: bool  # a count


@dataclass(slots=True)
class _CommonPeriod:
    """A period text, for one indicator, that is stored as sent; `band` is set by its first valid row."""

    parsed: ParsedPeriod
    used: bool = False
    band: tuple[float, float] | None = None  # sizes of value no scale warning can concern; None: no target to judge


def string_value_parser(number_format: NumberFormat | None) -> ValueParser:
    """How a CSV cell becomes a number: in the stated format, or, when none is stated, only if unambiguous."""

    def parse(text: str) -> float:
        if number_format is not NumberFormat.vietnamese and _PLAIN_DOT_NUMBER.fullmatch(text):
            value = float(text)  # what parse_number gives for it; only its refusal of infinity is left to say
            if math.isfinite(value):
                return value
        if number_format is not None:
            return parse_number(text, number_format)
        if is_ambiguous(text):
            raise NumberFormatError(
                f"số {text!r} không rõ định dạng (ambiguous number: Vietnamese and English formats read it "
                "differently; send ?decimal=comma or ?decimal=dot)"
            )
        for candidate in (NumberFormat.vietnamese, NumberFormat.english):
            try:
                return parse_number(text, candidate)
            except NumberFormatError:
                continue
        raise NumberFormatError(f"{text!r} không phải là số (not a number)")

    return parse


class RowValidator:
    """Validates rows against one catalogue snapshot; `scope_errors` collects rows outside the key's scope."""

    def __init__(
        self,
        catalogue: Catalogue,
        key: ApiKey | None,
        parse_string: ValueParser | None = None,
        *,
        strict: bool = False,
    ) -> None:
        self.catalogue = catalogue
        self.key = key
        self.parse_string = parse_string
        self.strict = strict  # plausibility warnings are row errors
        self.warnings: list[RowError] = []  # values that look like the wrong scale (indicators/plausibility.py)
        self.stored_as: list[StoredAs] = []  # rows whose period was stored as another one (indicators/reporting.py)
        self._target_references: dict[tuple[str, int, Frequency, int], float | None] = {}
        self.without_target_reference: set[str] = set()  # indicators judged against their recent values instead
        self.scope_errors: list[RowError] = []
        self.touched: set[tuple[str, str]] = set()  # (indicator, region) of the valid rows
        self.key_hashes: set[int] = set()  # hashes of (indicator, region, period) of the valid rows
        self.may_repeat_keys = False  # two valid rows share a key hash: there may be duplicate keys
        self.first_start: datetime | None = None  # earliest and latest period_start of the valid rows
        self.last_start: datetime | None = None
        # Worked out for the indicators and regions a batch names, once each: a one-row push names one of each.
        self._stored_periods: dict[tuple[str, str], ParsedPeriod | str] = {}
        self._ancestors: dict[str, list[str]] = {}
        self._tracked: dict[str, set[str]] = {}
        self._series_seen: dict[
            tuple[str | None, str | None], tuple[Indicator | None, tuple[tuple[str, str], ...]]
        ] = {}
        self._scope_seen: dict[tuple[str, str], bool] = {}
        # The fast path's lookups, keyed by the texts as sent; False: such rows take the full path.
        self._common_series: dict[tuple[str, str], _CommonSeries | bool] = {}
        self._common_periods: dict[tuple[str, str], _CommonPeriod | bool] = {}

    def _chain(self, code: str) -> list[str]:
        """The region and its ancestors, nearest first."""
        if code in self._ancestors:
            return self._ancestors[code]
        chain = self._ancestors[code] = [code]
        parent = self.catalogue.regions[code].parent
        while parent and parent not in chain:
            chain.append(parent)
            region = self.catalogue.regions.get(parent)
            parent = region.parent if region else None
        return chain

    def _tracked_in(self, indicator: Indicator) -> set[str]:
        if indicator.code not in self._tracked:
            self._tracked[indicator.code] = set(self.catalogue.regions_of(indicator))
        return self._tracked[indicator.code]

    def _allowed_years(self, indicator: Indicator) -> tuple[int, int]:
        """From the year before the programme (the reference for yearly changes) or the baseline, to its end."""
        programme = self.catalogue.programmes[indicator.programme]
        first = programme.start_year - 1
        if indicator.baseline is not None:
            first = min(first, indicator.baseline.period.year)
        return first, programme.end_year

    def validate(self, row: int, raw: Mapping[str, object]) -> ValidRow | list[RowError]:
        common = self._validate_common(row, raw)
        if common is not None:
            return common
        return self._validate_any(row, raw)

    def _validate_common(self, row: int, raw: Mapping[str, object]) -> ValidRow | None:
        """The common row, judged by lookups worked out once per pair and per period: known fields, text codes and
        period, a plain number, a status or none, no note, nothing to warn about. None: any other row, which
        _validate_any judges in full (and words its problems); both give the same answer for a row both accept."""
        if type(raw) is not dict or not raw.keys() <= _KNOWN_FIELDS:
            return None
        indicator_text, region_text, period_text = raw.get("indicator"), raw.get("region"), raw.get("period")
        if type(indicator_text) is not str or type(region_text) is not str or type(period_text) is not str:
            return None
        pair = (indicator_text, region_text)
        series = self._common_series.get(pair)
        if series is None:
            series = self._common_series[pair] = self._judge_common_series(indicator_text, region_text)
        if series is False or series is True:
            return None
        indicator = series.indicator
        period_key = (indicator.code, period_text)
        period = self._common_periods.get(period_key)
        if period is None:
            period = self._common_periods[period_key] = self._judge_common_period(indicator, period_text)
        if period is False or period is True:
            return None
        value = raw.get("value")
        kind = type(value)
        if kind is float or kind is int:
            try:
                value = float(value)  # type: ignore[arg-type]
            except OverflowError:
                return None
        elif kind is str and self.parse_string is not None:
            try:
                value = self.parse_string(value)  # type: ignore[arg-type]
            except NumberFormatError:
                return None
        else:
            return None
        if not series.lowest <= value <= series.highest or (series.whole and not value.is_integer()):
            return None
        status = raw.get("status")
        status = _OFFICIAL if status is None else _STATUSES.get(status)
        note = raw.get("note")
        if status is None or (note is not None and note != ""):
            return None
        parsed = period.parsed
        if not period.used:
            period.used = True
            period.band = self._scale_band(indicator, parsed.period)
            if self.first_start is None or parsed.start < self.first_start:
                self.first_start = parsed.start
            if self.last_start is None or parsed.start > self.last_start:
                self.last_start = parsed.start
        band = period.band
        if band is not None and value and not band[0] < abs(value) < band[1]:
            return None  # perhaps a scale warning: the full path words it
        region = series.region
        self.touched.add((indicator.code, region))
        key_hash = hash((indicator.code, region, parsed.text))
        if key_hash in self.key_hashes:
            self.may_repeat_keys = True
        self.key_hashes.add(key_hash)
        return _new_tuple(ValidRow, (row, indicator.code, region, parsed.start, parsed.text, value, status, None))

    def _judge_common_series(self, indicator_text: str, region_text: str) -> _CommonSeries | bool:
        indicator, problems = self._series(indicator_text.strip(), region_text.strip())
        region = region_text.strip()
        if indicator is None or problems or (self.key is not None and not self._may_write(indicator.programme, region)):
            return False
        unit = UNITS[indicator.unit]
        if unit.bounded:
            return _CommonSeries(indicator, region, 0.0, 100.0, False)
        lowest = -_LARGEST if unit.may_be_negative and not unit.counts else 0.0
        return _CommonSeries(indicator, region, lowest, _LARGEST, unit.counts)

    def _judge_common_period(self, indicator: Indicator, period_text: str) -> _CommonPeriod | bool:
        text = period_text.strip()
        parsed = _parse_period(text) if text else "missing"
        if isinstance(parsed, str):
            return False
        stored = self._stored_period(indicator, parsed)
        if isinstance(stored, str) or stored.reported is not None:
            return False
        return _CommonPeriod(stored)

    def _scale_band(self, indicator: Indicator, period: Period) -> tuple[float, float] | None:
        """Sizes of value strictly inside which scale_warning says nothing against this period's target reference
        (a hair narrower than its own tests, so that rounding never decides); outside, it is asked."""
        reference = self._target_reference(indicator, period)
        if reference is None or reference == 0:
            return None
        size = abs(reference)
        lowest = size / SCALE_FACTOR * (1 + 1e-9)
        if UNITS[indicator.unit].symbol_vi == "%" and size > 1:
            lowest = max(lowest, 1.0)  # below 1, the fraction rule may speak
        return lowest, size * SCALE_FACTOR * (1 - 1e-9)

    def _validate_any(self, row: int, raw: Mapping[str, object]) -> ValidRow | list[RowError]:
        errors: list[RowError] = []

        def fail(field: str, message: str) -> None:
            errors.append(RowError(row, field, message))

        if "__not_an_object__" in raw:
            return [RowError(row, "", "mỗi dòng phải là một đối tượng JSON (each observation must be an object)")]
        if "__malformed__" in raw:  # a CSV record with the wrong number of cells or broken quoting
            return [RowError(row, "", str(raw["__malformed__"]))]
        if not _KNOWN_FIELDS.issuperset(raw):
            for name in raw:
                if name not in _KNOWN_FIELDS:
                    fail(str(name)[:40], "trường không xác định (unknown field)")

        nested = [name for name in FIELDS if isinstance(raw.get(name), _CONTAINERS)] if _has_container(raw) else None
        if nested:
            return [
                *errors,
                *(
                    RowError(row, name, "phải là chuỗi hoặc số (must be text or a number, not an object)")
                    for name in nested
                ),
            ]

        indicator_code = _text(raw.get("indicator"))
        region_code = _text(raw.get("region"))
        indicator, key_problems = self._series(indicator_code, region_code)
        for field, message in key_problems:
            fail(field, message)

        parsed = self._period(raw.get("period"), indicator, fail)
        value = self._value(raw.get("value"), indicator, fail)
        status = _text(raw.get("status")) or ObservationStatus.official.value
        if status not in ObservationStatus.__members__:
            fail(
                "status", f"trạng thái {status[:40]!r} không hợp lệ (status must be estimate, preliminary or official)"
            )
        note = raw.get("note")
        if note is not None and not isinstance(note, str):
            fail("note", "ghi chú phải là chuỗi (note must be text)")
            note = None
        if isinstance(note, str):
            note = note.strip() or None
            if note and len(note) > MAX_NOTE_LENGTH:
                fail("note", f"ghi chú dài quá {MAX_NOTE_LENGTH} ký tự (note too long)")
            elif note and has_control_characters(note):
                fail("note", CONTROL_CHARACTERS_MESSAGE)

        if errors or indicator is None or parsed is None or value is None or region_code is None:
            return errors
        if self.key is not None and not self._may_write(indicator.programme, region_code):
            self.scope_errors.append(
                RowError(
                    row,
                    "region",
                    f"khóa {self.key.id} không được ghi {indicator.programme}/{region_code} (out of scope)",
                )
            )
            return []
        if note is not None and looks_like_formula(note):  # stored as sent; exports neutralise it
            if self.strict:
                return [RowError(row, "note", FORMULA_NOTE_WARNING)]
            self.warnings.append(RowError(row, "note", FORMULA_NOTE_WARNING))
        self.touched.add((indicator.code, region_code))
        key_hash = hash((indicator.code, region_code, parsed.text))
        if key_hash in self.key_hashes:
            self.may_repeat_keys = True
        self.key_hashes.add(key_hash)
        if self.first_start is None or parsed.start < self.first_start:
            self.first_start = parsed.start
        if self.last_start is None or parsed.start > self.last_start:
            self.last_start = parsed.start
        if parsed.reported is not None:
            sent = str(parsed.reported)
            self.stored_as.append(StoredAs(row, sent, parsed.text, stored_as_message(sent, parsed.period, indicator)))
        warning = self._scale_warning(indicator, parsed.period, value)
        if warning is not None:
            if self.strict:
                return [RowError(row, "value", warning)]
            self.warnings.append(RowError(row, "value", warning))
        return ValidRow(row, indicator.code, region_code, parsed.start, parsed.text, value, status, note)

    def _scale_warning(self, indicator: Indicator, period: Period, value: float) -> str | None:
        reference = self._target_reference(indicator, period)
        if reference is None:
            return None
        return scale_warning(indicator, value, reference, "chỉ tiêu")

    def _target_reference(self, indicator: Indicator, period: Period) -> float | None:
        key = (indicator.code, period.year, period.frequency, period.index)
        if key in self._target_references:
            return self._target_references[key]
        reference = self._target_references[key] = target_reference(indicator, period)
        if reference is None:
            self.without_target_reference.add(indicator.code)
        return reference

    def _series(
        self, indicator_code: str | None, region_code: str | None
    ) -> tuple[Indicator | None, tuple[tuple[str, str], ...]]:
        """The indicator and the problems of an (indicator, region) pair, worked out once per pair in a batch."""
        pair = (indicator_code, region_code)
        known = self._series_seen.get(pair)
        if known is None:
            known = self._series_seen[pair] = self._judge_series(indicator_code, region_code)
        return known

    def _judge_series(
        self, indicator_code: str | None, region_code: str | None
    ) -> tuple[Indicator | None, tuple[tuple[str, str], ...]]:
        problems: list[tuple[str, str]] = []
        indicator = self.catalogue.indicators.get(indicator_code) if indicator_code else None
        if not indicator_code:
            problems.append(("indicator", "thiếu mã chỉ tiêu (indicator is required)"))
        elif indicator is None:
            problems.append(
                ("indicator", f"không có chỉ tiêu {indicator_code[:80]!r} trong danh mục (unknown indicator)")
            )
        if not region_code:
            problems.append(("region", "thiếu mã địa bàn (region is required)"))
        elif region_code not in self.catalogue.regions:
            problems.append(("region", f"không có địa bàn {region_code[:80]!r} (unknown region)"))
        elif indicator is not None and self._tracked_in(indicator).isdisjoint(self._chain(region_code)):
            problems.append(
                ("region", f"chỉ tiêu {indicator.code} không theo dõi tại {region_code} (indicator not tracked there)")
            )
        return indicator, tuple(problems)

    def _may_write(self, programme: str, region_code: str) -> bool:
        pair = (programme, region_code)
        allowed = self._scope_seen.get(pair)
        if allowed is None:
            assert self.key is not None
            allowed = self._scope_seen[pair] = self.key.may_write(programme, self._chain(region_code))
        return allowed

    def _period(
        self, raw: object, indicator: Indicator | None, fail: Callable[[str, str], None]
    ) -> ParsedPeriod | None:
        text = _text(raw)
        if not text:
            fail("period", "thiếu kỳ báo cáo (period is required: 2024, 2024-H1, 2024-Q2, 2024-06)")
            return None
        parsed = _parse_period(text)
        if isinstance(parsed, str):
            fail("period", parsed)
            return None
        if indicator is None:
            return parsed
        # A batch repeats the same few periods for the same indicators: judge each pair once.
        key = (indicator.code, text)
        stored = self._stored_periods.get(key)
        if stored is None:
            stored = self._stored_periods[key] = self._stored_period(indicator, parsed)
        if isinstance(stored, str):
            fail("period", stored)
            return None
        return stored

    def _stored_period(self, indicator: Indicator, parsed: ParsedPeriod) -> ParsedPeriod | str:
        """The period the value is stored as (a half-year figure of a quarterly indicator as its Q2), or the
        problem."""
        stored = stored_period(indicator, parsed.period)
        if isinstance(stored, str):
            return stored
        problem = self._period_problem(indicator, stored)
        if problem is not None:
            return problem
        if stored == parsed.period:
            return parsed
        return ParsedPeriod(stored, str(stored), period_bounds(stored)[0], reported=parsed.period)
        return parsed

    def _period_problem(self, indicator: Indicator, period: Period) -> str | None:
        if period.frequency not in (indicator.frequency, Frequency.year):
            return (
                f"chỉ tiêu {indicator.code} báo cáo theo {indicator.frequency.label_vi}, không theo "
                f"{period.frequency.label_vi} (period granularity {period.frequency.value} does not match "
                f"the indicator's frequency {indicator.frequency.value})"
            )
        first, last = self._allowed_years(indicator)
        if not first <= period.year <= last:
            return f"kỳ {period} nằm ngoài thời kỳ {first}-{last} của chương trình (outside the programme)"
        return None

    def _value(self, raw: object, indicator: Indicator | None, fail: Callable[[str, str], None]) -> float | None:
        if isinstance(raw, bool) or raw is None or raw == "":
            fail("value", "thiếu giá trị số (value must be a number)")
            return None
        if isinstance(raw, str):
            if self.parse_string is None:
                fail("value", "giá trị phải là số JSON, không phải chuỗi (value must be a JSON number)")
                return None
            try:
                value = self.parse_string(raw)
            except NumberFormatError as error:
                fail("value", str(error))
                return None
        elif isinstance(raw, int | float):
            try:
                value = float(raw)
            except OverflowError:  # a JSON integer of hundreds of digits
                fail("value", f"số quá lớn ({len(str(raw))} chữ số) (number too large)")
                return None
        else:
            fail("value", "giá trị phải là số (value must be a number)")
            return None
        if not math.isfinite(value):
            fail("value", "giá trị phải là số hữu hạn (value must be finite, not NaN or infinity)")
            return None
        if indicator is None:
            return value
        unit = UNITS[indicator.unit]
        if unit.bounded and not 0 <= value <= 100:
            fail("value", f"tỷ lệ {_as_sent(raw, value)}% nằm ngoài 0-100 (percentage outside 0-100)")
        elif unit.counts and (value < 0 or not value.is_integer()):
            fail(
                "value",
                f"số đếm phải là số nguyên không âm, nhận {_as_sent(raw, value)} (counts are whole and not negative)",
            )
        elif value < 0 and not unit.may_be_negative:
            fail(
                "value", f"giá trị âm {_as_sent(raw, value)} không hợp lệ với đơn vị {unit.symbol_vi} (negative value)"
            )
        else:
            return value
        return None


@lru_cache(maxsize=65536)
def _parse_period(text: str) -> ParsedPeriod | str:
    """Each period text of a batch parsed once (keyed by the text: rows repeat a few periods many times); the
    message when it is not a period."""
    if len(text) > 40:
        return "kỳ quá dài (period too long: it must look like 2024, 2024-H1, 2024-Q2 or 2024-06)"
    try:
        period = Period.parse(text)
    except PeriodError as error:
        return str(error)
    return ParsedPeriod(period, str(period), period_bounds(period)[0])


def _as_sent(raw: object, value: float) -> str:
    """The value as the office wrote it: a CSV cell as is, a JSON number the Vietnamese way (100.0001 -> 100,0001)."""
    return raw.strip()[:40] if isinstance(raw, str) else format_vi_exact(value)


_CONTAINERS = (dict, list)


def _has_container(raw: Mapping[str, object]) -> bool:
    return any(isinstance(value, _CONTAINERS) for value in raw.values())


def _text(value: object) -> str | None:
    if value is None:
        return None
    return str(value).strip()
