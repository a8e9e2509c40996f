"""Checking one reported value against the catalogue and the office's scope.

Two paths give the same answer for a row both accept: the fast path judges the common row (known fields, a plain
number, nothing to warn about) by lookups worked out once per (indicator, region) and per (indicator, period) in a
batch; any other row takes the full path, which words every problem. Besides the row's answer, the validator collects
what the office is told of the batch (warnings, periods stored as others, rows out of the key's scope), the
indicators with no target to judge a value's scale against (the writer judges those against their recent values),
and, in `shape` (ingest/batch_shape.py), what the writer plans its SQL by.

Messages are in Vietnamese with the English in brackets: they are read by the statistics office that sent the row.
"""

import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from indicators.catalogue import Catalogue
from indicators.model import Indicator
from indicators.numbers import NumberFormatError
from indicators.observation_status import ObservationStatus as ObservationStatus
from indicators.periods import Frequency, Period
from indicators.plausibility import SCALE_FACTOR, scale_warning, target_reference
from indicators.reporting import stored_as_message
from indicators.text import CONTROL_CHARACTERS_MESSAGE, FORMULA_NOTE_WARNING, has_control_characters, looks_like_formula
from indicators.units import UNITS
from ingest.batch_shape import BatchShape
from ingest.catalogue_lookups import CatalogueLookups
from ingest.keys import ApiKey
from ingest.validated_rows import ParsedPeriod, parse_period
from ingest.validated_rows import RowError as RowError  # imported from here by ingest/observations.py
from ingest.validated_rows import StoredAs as StoredAs
from ingest.validated_rows import ValidRow as ValidRow
from ingest.value_parsing import ValueParser as ValueParser  # and by ingest/submit.py
from ingest.value_parsing import read_value
from ingest.value_parsing import string_value_parser as string_value_parser

MAX_NOTE_LENGTH = 1000
FIELDS = ("indicator", "region", "period", "value", "status", "note")
_KNOWN_FIELDS = frozenset(FIELDS)
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
        self.shape = BatchShape()  # for the writer's plan, not for the office
        self.lookups = CatalogueLookups(catalogue, key)
        # The fast path's lookups, keyed by the texts as sent; False: such rows take the full path.
        self._common_series: dict[tuple[str, str], _CommonSeries | bool] = {}
        self._common_periods: dict[tuple[str, str], _CommonPeriod | bool] = {}

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
            self.shape.add_period_start(parsed.start)
        band = period.band
        if band is not None and value and not band[0] < abs(value) < band[1]:
            return None  # perhaps a scale warning: the full path words it
        region = series.region
        self.shape.add_row(indicator.code, region, parsed.text)
        return _new_tuple(ValidRow, (row, indicator.code, region, parsed.start, parsed.text, value, status, None))

    def _judge_common_series(self, indicator_text: str, region_text: str) -> _CommonSeries | bool:
        indicator, problems = self.lookups.series(indicator_text.strip(), region_text.strip())
        region = region_text.strip()
        if (
            indicator is None
            or problems
            or (self.key is not None and not self.lookups.may_write(indicator.programme, region))
        ):
            return False
        unit = UNITS[indicator.unit]
        if unit.bounded:
            return _CommonSeries(indicator, region, 0.0, 100.0, False)
        lowest = -_LARGEST if unit.may_be_negative and not unit.counts else 0.0
        return _CommonSeries(indicator, region, lowest, _LARGEST, unit.counts)

    def _judge_common_period(self, indicator: Indicator, period_text: str) -> _CommonPeriod | bool:
        text = period_text.strip()
        parsed = parse_period(text) if text else "missing"
        if isinstance(parsed, str):
            return False
        stored = self.lookups.stored_period(indicator, parsed)
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
        indicator, key_problems = self.lookups.series(indicator_code, region_code)
        for field, message in key_problems:
            fail(field, message)

        parsed = self._period(raw.get("period"), indicator, fail)
        value: float | str | None = read_value(raw.get("value"), indicator, self.parse_string)
        if isinstance(value, str):
            fail("value", value)
            value = None
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
        if self.key is not None and not self.lookups.may_write(indicator.programme, region_code):
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
        self.shape.add_row(indicator.code, region_code, parsed.text)
        self.shape.add_period_start(parsed.start)
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

    def _period(
        self, raw: object, indicator: Indicator | None, fail: Callable[[str, str], None]
    ) -> ParsedPeriod | None:
        text = _text(raw)
        if not text:
            fail("period", "thiếu kỳ báo cáo (period is required: 2024, 2024-H1, 2024-Q2, 2024-06)")
            return None
        parsed = parse_period(text)
        if isinstance(parsed, str):
            fail("period", parsed)
            return None
        if indicator is None:
            return parsed
        stored = self.lookups.stored_period(indicator, parsed)
        if isinstance(stored, str):
            fail("period", stored)
            return None
        return stored


_CONTAINERS = (dict, list)


def _has_container(raw: Mapping[str, object]) -> bool:
    return any(isinstance(value, _CONTAINERS) for value in raw.values())


def _text(value: object) -> str | None:
    if value is None:
        return None
    return str(value).strip()
