"""How final a reported value is: the one vocabulary of observation statuses.

Ordered from the least to the most final: an official figure is not replaced by an estimate or a preliminary one
unless forced (ingest.observations). Migration 0001's CHECK on observations.status lists the same codes
(tests/test_domain_rules.py compares them, since a migration cannot import Python).
"""

from enum import StrEnum


class ObservationStatus(StrEnum):
    estimate = "estimate"
    preliminary = "preliminary"
    official = "official"

    @property
    def label_vi(self) -> str:
        return {"estimate": "ước tính", "preliminary": "sơ bộ", "official": "chính thức"}[self.value]


STATUS_RANKS = [status.value for status in ObservationStatus]  # least final first
