"""A PostgreSQL query for a Grafana panel or alert rule, as a custom query type of Grafana's foundation SDK.

The SDK ships builders for Prometheus, Loki and other data sources but none for PostgreSQL. Its documented extension
point for such a data source ("Defining a custom query type" in the SDK's How-To) is a `Dataquery` variant with a
builder, which the panel and alert rule builders accept like their own query types.
"""

from enum import StrEnum
from typing import Any, Self

from grafana_foundation_sdk.cog import builder as cogbuilder
from grafana_foundation_sdk.cog import variants as cogvariants
from grafana_foundation_sdk.models.dashboard import DataSourceRef

DATASOURCE_TYPE = "grafana-postgresql-datasource"
DATASOURCE_UID = "chitieu-timescaledb"


def datasource_ref() -> DataSourceRef:
    return DataSourceRef(type_val=DATASOURCE_TYPE, uid=DATASOURCE_UID)


class SqlFormat(StrEnum):
    """How Grafana turns the rows into frames: as they are, or as series (needs a "time" column, sorted)."""

    table = "table"
    time_series = "time_series"


class PostgresQuery(cogvariants.Dataquery):
    """The query model Grafana's PostgreSQL data source stores for a query written in code mode."""

    def __init__(self, raw_sql: str, format_val: SqlFormat, ref_id: str | None = None, hide: bool | None = None):
        self.raw_sql = raw_sql
        self.format_val = format_val
        self.ref_id = ref_id
        self.hide = hide

    def to_json(self) -> dict[str, object]:
        payload: dict[str, object] = {
            "datasource": {"type": DATASOURCE_TYPE, "uid": DATASOURCE_UID},
            "editorMode": "code",
            "format": self.format_val.value,
            "rawQuery": True,
            "rawSql": self.raw_sql,
        }
        if self.ref_id is not None:
            payload["refId"] = self.ref_id
        if self.hide is not None:
            payload["hide"] = self.hide
        return payload

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Self:
        return cls(data["rawSql"], SqlFormat(data.get("format", "table")), data.get("refId"), data.get("hide"))


class PostgresQueryBuilder(cogbuilder.Builder[cogvariants.Dataquery]):
    def __init__(self, raw_sql: str, format_val: SqlFormat) -> None:
        self._internal = PostgresQuery(raw_sql, format_val)

    def build(self) -> PostgresQuery:
        return self._internal

    def ref_id(self, ref_id: str) -> Self:
        self._internal.ref_id = ref_id
        return self

    def hide(self, hide: bool) -> Self:
        self._internal.hide = hide
        return self
