"""What a batch's valid rows add up to, for the writer (ingest/observations.py), not for the office.

The validator fills it as it accepts rows; the writer plans its SQL by it: the period range bounds the lookup of the
rows already stored (and a range with none skips the revision lookup), a repeated key hash sends the batch to the
duplicate check, and the touched series are refreshed after the write.
"""

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(slots=True)
class BatchShape:
    touched: set[tuple[str, str]] = field(default_factory=set)  # (indicator, region) of the valid rows
    key_hashes: set[int] = field(default_factory=set)  # hashes of (indicator, region, period) of the valid rows
    may_repeat_keys: bool = False  # two valid rows share a key hash: there may be duplicate keys
    first_start: datetime | None = None  # earliest and latest period_start of the valid rows
    last_start: datetime | None = None

    def add_row(self, indicator: str, region: str, period: str) -> None:
        self.touched.add((indicator, region))
        key_hash = hash((indicator, region, period))
        if key_hash in self.key_hashes:
            self.may_repeat_keys = True
        self.key_hashes.add(key_hash)

    def add_period_start(self, start: datetime) -> None:
        if self.first_start is None or start < self.first_start:
            self.first_start = start
        if self.last_start is None or start > self.last_start:
            self.last_start = start
