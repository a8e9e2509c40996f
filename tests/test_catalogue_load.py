"""`chitieu catalogue load`: idempotent, versioned, and never losing observations."""

import shutil
from pathlib import Path
from typing import Any

import psycopg
import pytest

from ingest.catalogue_store import CatalogueLoadRefused, load_catalogue_into, read_catalogue
from tests.conftest import REPO

GRDP = "dthap-2023.grdp_growth"


@pytest.fixture
def catalogue_dir(tmp_path: Path) -> Path:
    target = tmp_path / "catalogue"
    shutil.copytree(REPO / "indicators" / "catalogue", target)
    return target


def edit(catalogue_dir: Path, old: str, new: str) -> None:
    path = catalogue_dir / "003_dthap-2023.yaml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def versions(conn: psycopg.Connection[Any]) -> int:
    row = conn.execute("SELECT count(*) FROM catalogue_versions").fetchone()
    assert row is not None
    return int(row[0])


def observe(conn: psycopg.Connection[Any], indicator: str) -> None:
    conn.execute(
        "INSERT INTO observations (indicator, region, period_start, period, revision, value, status, key_id)"
        " VALUES (%s, 'dong_thap', '2023-04-01 00:00+07', '2023-Q2', 1, 7.1, 'official', 'test')",
        [indicator],
    )


def test_loading_the_same_catalogue_again_changes_nothing(conn: psycopg.Connection[Any], catalogue_dir: Path) -> None:
    before = versions(conn)  # the template loaded the bundled catalogue once
    assert load_catalogue_into(conn, catalogue_dir).summary() == "unchanged"
    assert versions(conn) == before == 1


def test_a_changed_target_makes_a_new_version_and_keeps_history(
    conn: psycopg.Connection[Any], catalogue_dir: Path
) -> None:
    observe(conn, GRDP)
    edit(
        catalogue_dir,
        'value: "7,5"\n        quote: Tốc độ tăng trưởng GRDP tăng 7,5%',
        'value: "7,8"\n        quote: Tốc độ tăng trưởng GRDP tăng 7,8%',
    )
    report = load_catalogue_into(conn, catalogue_dir)
    assert report.changed == [GRDP] and report.version == 2
    history = conn.execute(
        "SELECT version, change, definition->'targets'->0->>'value' FROM indicator_history WHERE code = %s"
        " ORDER BY version",
        [GRDP],
    ).fetchall()
    assert history == [(1, "added", "7.5"), (2, "changed", "7.8")]
    assert read_catalogue(conn).indicators[GRDP].targets[0].value == 7.8
    assert conn.execute("SELECT count(*) FROM observations WHERE indicator = %s", [GRDP]).fetchone() == (1,)


def _remove_indicator(catalogue_dir: Path, code: str) -> None:
    path = catalogue_dir / "003_dthap-2023.yaml"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    start = next(i for i, line in enumerate(lines) if line.strip() == f"- code: {code}")
    end = next(
        (i for i in range(start + 1, len(lines)) if lines[i].startswith("  - code:") or not lines[i].startswith(" ")),
        len(lines),
    )
    path.write_text("".join(lines[:start] + lines[end:]), encoding="utf-8")


def test_removing_an_indicator_with_observations_needs_archive(
    conn: psycopg.Connection[Any], catalogue_dir: Path
) -> None:
    code = "dthap-2023.urbanisation_rate"
    observe(conn, code)
    _remove_indicator(catalogue_dir, code)
    with pytest.raises(CatalogueLoadRefused, match="--archive"):
        load_catalogue_into(conn, catalogue_dir)
    assert versions(conn) == 1, "a refused load leaves no version behind"
    report = load_catalogue_into(conn, catalogue_dir, archive=True)
    assert report.archived == [code]
    assert conn.execute("SELECT archived_at IS NOT NULL FROM indicators WHERE code = %s", [code]).fetchone() == (True,)
    assert conn.execute("SELECT count(*) FROM observations WHERE indicator = %s", [code]).fetchone() == (1,)
    assert code not in read_catalogue(conn).indicators


def test_removing_an_indicator_without_observations_deletes_it(
    conn: psycopg.Connection[Any], catalogue_dir: Path
) -> None:
    code = "dthap-2023.urbanisation_rate"
    _remove_indicator(catalogue_dir, code)
    assert load_catalogue_into(conn, catalogue_dir).deleted == [code]
    assert conn.execute("SELECT count(*) FROM indicators WHERE code = %s", [code]).fetchone() == (0,)
    assert conn.execute("SELECT change FROM indicator_history WHERE code = %s", [code]).fetchall() == [("added",)]
