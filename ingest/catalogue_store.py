"""Loading the catalogue into the database, versioned, and reading it back.

A load is one transaction. An unchanged catalogue is a no-op; a changed one creates a catalogue version and records
each added, changed, archived or restored indicator in indicator_history. Observations are never touched: an
indicator that has observations is archived, never deleted, and only when asked (`archive=True`).
"""

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql
from psycopg.rows import dict_row

from indicators.catalogue import Catalogue, load_catalogue
from indicators.errors import CatalogueLoadRefused
from indicators.model import Agency, Indicator, Programme, Region, Task
from indicators.paths import judgement


@dataclass
class LoadReport:
    version: int | None = None
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    archived: list[str] = field(default_factory=list)
    restored: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    tasks: int = 0

    def summary(self) -> str:
        if self.version is None:
            return "unchanged"
        parts = [f"version {self.version}"]
        for name in ("added", "changed", "archived", "restored", "deleted"):
            codes = getattr(self, name)
            if codes:
                parts.append(f"{len(codes)} {name}")
        parts.append(f"{self.tasks} tasks")
        return ", ".join(parts)


def _dump(model: Indicator | Task) -> dict[str, Any]:
    return model.model_dump(mode="json", exclude_none=True)


def catalogue_loaded(conn: psycopg.Connection[Any]) -> bool:
    """Whether a catalogue version was ever loaded into the database."""
    return conn.execute("SELECT EXISTS (SELECT FROM catalogue_versions)").fetchone() == (True,)


def load_catalogue_into(
    conn: psycopg.Connection[Any], path: Path, *, archive: bool = False, catalogue: Catalogue | None = None
) -> LoadReport:
    catalogue = catalogue or load_catalogue(path)
    with conn.transaction():
        conn.execute("LOCK TABLE catalogue_versions IN EXCLUSIVE MODE")
        latest = conn.execute("SELECT digest FROM catalogue_versions ORDER BY version DESC LIMIT 1").fetchone()
        if latest and latest[0] == catalogue.digest:
            return LoadReport()
        return _load(conn, catalogue, archive)


def _load(conn: psycopg.Connection[Any], catalogue: Catalogue, archive: bool) -> LoadReport:
    report = LoadReport()
    row = conn.execute(
        "INSERT INTO catalogue_versions (digest) VALUES (%s) RETURNING version", [catalogue.digest]
    ).fetchone()
    assert row is not None
    version = report.version = int(row[0])

    for region in _parents_first(catalogue.regions):
        _upsert_region(conn, region)
    for agency in catalogue.agencies.values():
        _upsert_agency(conn, agency)
    for programme in catalogue.programmes.values():
        _upsert_programme(conn, programme, catalogue.sources[programme.id], version)

    existing = {
        r["code"]: r
        for r in conn.cursor(row_factory=dict_row).execute("SELECT code, definition, archived_at FROM indicators")
    }
    removed = [code for code, r in existing.items() if code not in catalogue.indicators and r["archived_at"] is None]
    with_data = {
        r[0] for r in conn.execute("SELECT DISTINCT indicator FROM observations WHERE indicator = ANY(%s)", [removed])
    }
    if with_data and not archive:
        raise CatalogueLoadRefused(
            "these indicators were removed from the catalogue but have observations: "
            f"{', '.join(sorted(with_data))}; load with --archive to archive them (their data are kept)"
        )

    for code, indicator in catalogue.indicators.items():
        definition = _dump(indicator)
        before = existing.get(code)
        if before is None:
            change = "added"
        elif before["archived_at"] is not None:
            change = "restored"
        elif before["definition"] != definition:
            change = "changed"
        else:
            continue
        getattr(report, change).append(code)
        _upsert_indicator(conn, catalogue, indicator, definition, version)
        conn.execute(
            "INSERT INTO indicator_history (code, version, change, definition) VALUES (%s, %s, %s, %s)",
            [code, version, change, json.dumps(definition)],
        )

    for code in removed:
        if code in with_data:
            conn.execute("UPDATE indicators SET archived_at = now(), version = %s WHERE code = %s", [version, code])
            conn.execute(
                "INSERT INTO indicator_history (code, version, change, definition) VALUES (%s, %s, 'archived', %s)",
                [code, version, json.dumps(existing[code]["definition"])],
            )
            report.archived.append(code)
        else:
            conn.execute("UPDATE indicators SET parent = NULL WHERE parent = %s", [code])
            # The snapshot's tables have no foreign keys (a full refresh writes 332,222 rows): their rows go here.
            for table in ("targets", "indicator_regions", "indicator_status", "status_counts"):
                conn.execute(sql.SQL("DELETE FROM {} WHERE indicator = %s").format(sql.Identifier(table)), [code])
            conn.execute("DELETE FROM indicators WHERE code = %s", [code])
            report.deleted.append(code)

    _write_judgements(conn, catalogue)
    _load_tasks(conn, catalogue, version)
    report.tasks = len(catalogue.tasks)
    conn.execute(
        "UPDATE catalogue_versions SET summary = %s WHERE version = %s",
        [json.dumps({k: v for k, v in report.__dict__.items() if k != "version"}), version],
    )
    return report


def _parents_first(regions: dict[str, Region]) -> list[Region]:
    ordered: list[Region] = []
    placed: set[str] = set()

    def place(region: Region) -> None:
        if region.code in placed:
            return
        if region.parent and region.parent in regions:
            place(regions[region.parent])
        placed.add(region.code)
        ordered.append(region)

    for region in regions.values():
        place(region)
    return ordered


def _upsert_region(conn: psycopg.Connection[Any], region: Region) -> None:
    conn.execute(
        "INSERT INTO regions (code, name_vi, name_en, level, parent) VALUES (%s, %s, %s, %s, %s)"
        " ON CONFLICT (code) DO UPDATE SET name_vi = excluded.name_vi, name_en = excluded.name_en,"
        " level = excluded.level, parent = excluded.parent",
        [region.code, region.name_vi, region.name_en, region.level.value, region.parent],
    )


def _upsert_agency(conn: psycopg.Connection[Any], agency: Agency) -> None:
    conn.execute(
        "INSERT INTO agencies (code, name_vi, name_en) VALUES (%s, %s, %s)"
        " ON CONFLICT (code) DO UPDATE SET name_vi = excluded.name_vi, name_en = excluded.name_en",
        [agency.code, agency.name_vi, agency.name_en],
    )


def _upsert_programme(conn: psycopg.Connection[Any], programme: Programme, source: str, version: int) -> None:
    conn.execute(
        "INSERT INTO programmes (id, title_vi, title_en, issuer_vi, province, document_number, document_date,"
        " start_year, end_year, kind, source, version)"
        " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
        " ON CONFLICT (id) DO UPDATE SET title_vi = excluded.title_vi, title_en = excluded.title_en,"
        " issuer_vi = excluded.issuer_vi, province = excluded.province,"
        " document_number = excluded.document_number, document_date = excluded.document_date,"
        " start_year = excluded.start_year, end_year = excluded.end_year, kind = excluded.kind,"
        " source = excluded.source, version = excluded.version, archived_at = NULL",
        [
            programme.id, programme.title_vi, programme.title_en, programme.issuer_vi, programme.province,
            programme.document_number, programme.document_date, programme.start_year, programme.end_year,
            programme.kind.value, source, version,
        ],
    )  # fmt: skip


def _upsert_indicator(
    conn: psycopg.Connection[Any],
    catalogue: Catalogue,
    indicator: Indicator,
    definition: dict[str, Any],
    version: int,
) -> None:
    conn.execute(
        "INSERT INTO indicators (code, programme, number, name_vi, name_en, \"group\", unit, direction, measure,"
        " frequency, owner, parent, path_kind, definition, version)"
        " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
        " ON CONFLICT (code) DO UPDATE SET programme = excluded.programme, number = excluded.number,"
        " name_vi = excluded.name_vi, name_en = excluded.name_en, \"group\" = excluded.\"group\","
        " unit = excluded.unit, direction = excluded.direction, measure = excluded.measure,"
        " frequency = excluded.frequency, owner = excluded.owner, parent = excluded.parent,"
        " path_kind = excluded.path_kind, definition = excluded.definition, version = excluded.version,"
        " archived_at = NULL",
        [
            indicator.code, indicator.programme, indicator.number, indicator.name_vi, indicator.name_en,
            indicator.group.value, indicator.unit, indicator.direction.value, indicator.measure.value,
            indicator.frequency.value, indicator.owner, indicator.parent, indicator.path_kind.value,
            json.dumps(definition), version,
        ],
    )  # fmt: skip
    conn.execute("DELETE FROM indicator_regions WHERE indicator = %s", [indicator.code])
    # One statement for all the indicator's regions: one each took minutes for a national catalogue (332,100 pairs).
    conn.execute(
        "INSERT INTO indicator_regions (indicator, region) SELECT %s, unnest(%s::text[])",
        [indicator.code, catalogue.regions_of(indicator)],
    )
    conn.execute("DELETE FROM targets WHERE indicator = %s", [indicator.code])
    for ordinal, target in enumerate(indicator.targets):
        conn.execute(
            "INSERT INTO targets (indicator, ordinal, first_year, last_year, kind, basis, value, low, high, strict,"
            " quote, reason) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            [
                indicator.code, ordinal, target.period.first_year, target.period.last_year, target.kind.value,
                target.basis.value, target.value, target.low, target.high, target.strict, target.quote, target.reason,
            ],
        )  # fmt: skip


def _write_judgements(conn: psycopg.Connection[Any], catalogue: Catalogue) -> None:
    """How the engine judges each indicator (indicators.paths.judgement), for the dashboards' SQL: rewritten on every
    load, since it follows from the code's rules as well as from the definition."""
    rows = []
    for indicator in catalogue.indicators.values():
        judged = judgement(indicator)
        rows.append(
            (indicator.code, judged.basis.value, judged.unit_vi, judged.unit_en, judged.symbol_vi, judged.decimals,
             judged.final_year)
        )  # fmt: skip
    conn.cursor().executemany(
        "INSERT INTO indicator_judgements (indicator, basis, unit_vi, unit_en, symbol_vi, decimals, final_year)"
        " VALUES (%s, %s, %s, %s, %s, %s, %s) ON CONFLICT (indicator) DO UPDATE SET basis = excluded.basis,"
        " unit_vi = excluded.unit_vi, unit_en = excluded.unit_en, symbol_vi = excluded.symbol_vi,"
        " decimals = excluded.decimals, final_year = excluded.final_year",
        rows,
    )


def _load_tasks(conn: psycopg.Connection[Any], catalogue: Catalogue, version: int) -> None:
    for task in catalogue.tasks.values():
        conn.execute(
            "INSERT INTO tasks (code, programme, section, title_vi, lead, cooperating, cooperating_text, time_frame,"
            " due, review_every, until_event, kind, supervisor_text, definition, version)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
            " ON CONFLICT (code) DO UPDATE SET programme = excluded.programme, section = excluded.section,"
            " title_vi = excluded.title_vi, lead = excluded.lead, cooperating = excluded.cooperating,"
            " cooperating_text = excluded.cooperating_text, time_frame = excluded.time_frame, due = excluded.due,"
            " review_every = excluded.review_every, until_event = excluded.until_event, kind = excluded.kind,"
            " supervisor_text = excluded.supervisor_text, definition = excluded.definition,"
            " version = excluded.version, archived_at = NULL"
            " WHERE tasks.definition IS DISTINCT FROM excluded.definition OR tasks.archived_at IS NOT NULL",
            [
                task.code, task.programme, task.section, task.title_vi, task.lead, task.cooperating,
                task.cooperating_text, task.time_frame, task.due, task.review_every.value if task.review_every else None,
                task.until_event, task.kind, task.supervisor_text, json.dumps(_dump(task)), version,
            ],
        )  # fmt: skip
        _load_task_attributes(conn, task)
    conn.execute(
        "UPDATE tasks SET archived_at = now() WHERE archived_at IS NULL AND NOT (code = ANY(%s))",
        [list(catalogue.tasks)],
    )


def _load_task_attributes(conn: psycopg.Connection[Any], task: Task) -> None:
    conn.execute("DELETE FROM task_attributes WHERE task = %s", [task.code])
    with conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO task_attributes (task, ordinal, name_vi, name_en, value, unit, approximate, quote, note)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
            [
                (task.code, ordinal, a.name_vi, a.name_en, a.value, a.unit, a.approximate, a.quote, a.note)
                for ordinal, a in enumerate(task.attributes)
            ],
        )


def read_catalogue(conn: psycopg.Connection[Any]) -> Catalogue:
    """The catalogue as the database holds it now (active indicators and tasks), for validation and status."""
    catalogue = Catalogue()
    cur = conn.cursor(row_factory=dict_row)
    for r in cur.execute("SELECT code, name_vi, name_en, level, parent FROM regions"):
        catalogue.regions[r["code"]] = Region.model_validate(r)
    for r in cur.execute("SELECT code, name_vi, name_en FROM agencies"):
        catalogue.agencies[r["code"]] = Agency.model_validate(r)
    for r in cur.execute(
        "SELECT id, title_vi, title_en, issuer_vi, province, document_number, document_date, start_year, end_year,"
        " kind, source FROM programmes WHERE archived_at IS NULL"
    ):
        catalogue.sources[r["id"]] = r.pop("source")
        catalogue.programmes[r["id"]] = Programme.model_validate(r)
    for r in cur.execute("SELECT definition FROM indicators WHERE archived_at IS NULL ORDER BY code"):
        indicator = Indicator.model_validate(r["definition"])
        catalogue.indicators[indicator.code] = indicator
    for r in cur.execute("SELECT definition FROM tasks WHERE archived_at IS NULL ORDER BY code"):
        task = Task.model_validate(r["definition"])
        catalogue.tasks[task.code] = task
    row = conn.execute("SELECT digest FROM catalogue_versions ORDER BY version DESC LIMIT 1").fetchone()
    catalogue.digest = str(row[0]) if row else ""
    return catalogue


class CatalogueCache:
    """The catalogue as loaded in the database, read again only when `chitieu catalogue load` made a new version."""

    def __init__(self) -> None:
        self._cached: tuple[int, Catalogue] | None = None

    def current(self, conn: psycopg.Connection[Any]) -> Catalogue:
        row = conn.execute("SELECT coalesce(max(version), 0) FROM catalogue_versions").fetchone()
        version = int(row[0]) if row else 0
        if self._cached is None or self._cached[0] != version:
            self._cached = (version, read_catalogue(conn))
        return self._cached[1]
