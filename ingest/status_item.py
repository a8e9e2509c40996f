"""A judged series as the item GET /v1/status serves: built from its Evaluation for a live board, and encoded once by
the refresh into indicator_status.item, which today's board is served from byte for byte (no Python object per value
on a read: a province's 9.800 items were a dict each, then orjson, on every request)."""

from typing import Any

import orjson

from indicators.status import Evaluation, PreviousOutcome


def evaluation_out(e: Evaluation) -> dict[str, Any]:
    return {
        "indicator": e.indicator,
        "region": e.region,
        "period": e.period,
        "actual": e.actual,
        "expected": e.expected,
        "low": e.low,
        "high": e.high,
        "target": e.target,
        "status": e.status.value,
        "status_vi": e.status.label_vi,
        "report_overdue": e.report_overdue,
        "progress_ratio": e.progress_ratio,
        "projection": e.projection,
        "projection_meets_target": e.projection_meets_target,
        "reason": e.reason,
        "last_recorded_at": e.last_recorded_at,
        "approximately": e.approximately,
        "previous": previous_out(e.previous),
    }


def previous_out(previous: PreviousOutcome | None) -> dict[str, Any] | None:
    if previous is None:
        return None
    return {
        "period": previous.period,
        "status": previous.status.value,
        "status_vi": previous.status.label_vi,
        "actual": previous.actual,
        "target": previous.target,
        "approximately": previous.approximately,
    }


_NUMBERS = ("actual", "expected", "low", "high", "target", "progress_ratio", "projection")


def encoded_item(e: Evaluation) -> bytes:
    """The item as the API's JSON writer (orjson) encodes it: what indicator_status.item holds. Its numbers as the
    table's float8 columns hold them (a target of 100 in the catalogue is 100.0), as items read back from those
    columns were served."""
    item = evaluation_out(e)
    for name in _NUMBERS:
        if item[name] is not None:
            item[name] = float(item[name])
    previous = item["previous"]
    if previous is not None:
        for name in ("actual", "target"):
            if previous[name] is not None:
                previous[name] = float(previous[name])
    return orjson.dumps(item)
