"""Access control: keys (missing, revoked, expired, tampered), scopes, secrets kept out of logs, responses and the
database, the dashboards' read-only role, and hostile text in every field: rejected or stored verbatim, never run."""

import csv
import hashlib
import hmac
import io
import json
import logging
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

import httpx
import psycopg
import pytest

from ingest.database import connect
from ingest.keys import authenticate, create_key, revoke_key
from tests.conftest import REPO, TEST_DATA_DIR, ServerThread, settings_for
from tests.ingest_helpers import make_key, post_csv, post_json

GRDP = "dthap-2023.grdp_growth"
TASK = "qtri-dh1.b.i.1"  # programme qtri-dh1, province quang_tri
READS = [
    "/v1/programmes",
    "/v1/regions",
    "/v1/indicators",
    f"/v1/indicators/{GRDP}",
    f"/v1/indicators/{GRDP}/series",
    "/v1/status",
    "/v1/tasks",
    f"/v1/tasks/{TASK}/reports",
    "/v1/alerts",
]


def row(period: str = "2023-Q2", value: float = 7.3, **fields: Any) -> dict[str, Any]:
    return {"indicator": GRDP, "region": "dong_thap", "period": period, "value": value, **fields}


def report(client: httpx.Client, token: str | None, **fields: Any) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    body = {"reported_on": "2025-03-01", "state": "in_progress", **fields}
    return client.post(f"/v1/tasks/{TASK}/reports", json=body, headers=headers)


def count(conn: psycopg.Connection[Any], table: str) -> int:
    result = conn.execute(f"SELECT count(*) FROM {table}").fetchone()
    assert result is not None
    return int(result[0])


@pytest.fixture
def keyed_reads(db_url: str) -> Iterator[httpx.Client]:
    with ServerThread(settings_for(db_url, reads="keyed")) as server, httpx.Client(base_url=server.url) as http:
        yield http


# ------------------------------------------------------------------------------------------------ keys and scope


def test_without_a_key_every_write_and_keyed_read_is_401(keyed_reads: httpx.Client, db_url: str) -> None:
    token = make_key(db_url)
    for response in (
        keyed_reads.post("/v1/observations", json={"observations": [row()]}),
        report(keyed_reads, None),
        *(keyed_reads.get(path) for path in READS),
        *(keyed_reads.get(path, headers={"Authorization": "Basic dXNlcjpwYXNz"}) for path in READS),
    ):
        assert response.status_code == 401, response.request.url
        assert response.headers["www-authenticate"] == 'Bearer realm="chitieu"'
        assert response.headers["content-type"] == "application/problem+json"
    assert all(keyed_reads.get(path, headers={"Authorization": f"Bearer {token}"}).status_code == 200 for path in READS)


def test_revoked_and_expired_keys_are_401_everywhere(keyed_reads: httpx.Client, db_url: str) -> None:
    revoked, expired = make_key(db_url), make_key(db_url, expires_at=datetime.now(UTC) - timedelta(seconds=1))
    valid = make_key(db_url, expires_at=datetime.now(UTC) + timedelta(days=1))
    with connect(db_url) as conn:
        assert revoke_key(conn, revoked.split("_")[1])
    for token in (revoked, expired):
        assert post_json(keyed_reads, token, [row()]).status_code == 401
        assert report(keyed_reads, token).status_code == 401
        assert keyed_reads.get("/v1/status", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    assert post_json(keyed_reads, valid, [row()]).status_code == 200


def test_out_of_scope_region_or_programme_is_403_and_nothing_is_written(
    client: httpx.Client, db_url: str, conn: psycopg.Connection[Any]
) -> None:
    other_region = make_key(db_url, regions=["ha_tinh"], programmes=["*"])
    other_programme = make_key(db_url, regions=["*"], programmes=["htinh-nq26"])
    sub_region = make_key(db_url, regions=["quang_ngai.mien_nui"], programmes=["qngai-2024"])
    province = make_key(db_url, regions=["quang_ngai"], programmes=["qngai-2024"])
    for token in (other_region, other_programme):
        refused = post_json(client, token, [row("2023-Q1"), row("2023-Q2")])
        assert refused.status_code == 403 and refused.json()["type"] == "/problems/out-of-scope"
        assert [e["row"] for e in refused.json()["errors"]] == [1, 2]
        assert report(client, token).status_code == 403
    mountain = {"indicator": "qngai-2024.poverty_rate.mountain", "period": "2024", "value": 30.5}
    assert post_json(client, sub_region, [{**mountain, "region": "quang_ngai"}]).status_code == 422  # not tracked
    assert post_json(client, province, [{**mountain, "region": "quang_ngai.mien_nui"}]).status_code == 200
    assert (
        post_json(client, sub_region, [{**mountain, "region": "quang_ngai.mien_nui", "value": 29}]).status_code == 200
    )
    members = {"indicator": "qngai-2024.new_party_members", "region": "quang_ngai", "period": "2023", "value": 1967}
    assert post_json(client, sub_region, [members]).status_code == 403, "a sub-region's key may not write the province"
    assert post_json(client, province, [members]).status_code == 200
    assert count(conn, "observations") == 3 and count(conn, "task_reports") == 0


def test_tampered_tokens_never_authenticate(conn: psycopg.Connection[Any]) -> None:
    key_id, token = create_key(conn, office="Cục Thống kê", regions=["*"], programmes=["*"])
    _, other = create_key(conn, office="Sở Tài chính", regions=["*"], programmes=["*"])
    secret = token.split("_", 2)[2]
    flipped = chr(ord(secret[-1]) ^ 1)
    tampered = [
        f"ctk_{key_id}_{secret[:-1]}{flipped}",  # last character changed
        f"ctk_{key_id}_{flipped}{secret[1:]}",  # first character changed
        f"ctk_{key_id}_{secret[:-1]}",  # shorter
        f"ctk_{key_id}_{secret}x",  # longer
        f"ctk_{key_id}_",
        f"ctk_{key_id}_{other.split('_', 2)[2]}",  # another key's secret
        f"ctk_{other.split('_')[1]}_{secret}",  # this secret under another id
        f"ctk_000000000000_{secret}",  # an unknown id
        f"CTK_{key_id}_{secret}",
        f"{key_id}_{secret}",
        f"ctk_{key_id}_{secret}\x00",
        f"ctk_{key_id}'--_{secret}",
    ]
    assert authenticate(conn, token) is not None
    assert [authenticate(conn, candidate) for candidate in tampered] == [None] * len(tampered)


def test_secrets_are_compared_as_fixed_length_digests_in_constant_time(
    conn: psycopg.Connection[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Timing is not measured; what makes it constant is: hmac.compare_digest on two 32-byte SHA-256 digests, called
    once whether the id is unknown, the secret wrong or right."""
    key_id, token = create_key(conn, office="Cục Thống kê", regions=["*"], programmes=["*"])
    compared: list[tuple[bytes, bytes]] = []
    compare_digest = hmac.compare_digest

    def spy(a: bytes, b: bytes) -> bool:
        compared.append((a, b))
        return compare_digest(a, b)

    monkeypatch.setattr("ingest.keys.hmac.compare_digest", spy)
    outcomes = []
    for candidate in (token, f"ctk_{key_id}_wrong", "ctk_ffffffffffff_wrong", f"ctk_{key_id}_{'x' * 500}"):
        compared.clear()
        outcomes.append(authenticate(conn, candidate) is not None)
        assert len(compared) == 1, candidate
        assert [len(a) for a in compared[0]] == [32, 32], "digests, not the secrets themselves"
    assert outcomes == [True, False, False, False]
    stored = conn.execute("SELECT secret_hash FROM api_keys WHERE id = %s", [key_id]).fetchone()
    assert stored is not None and bytes(stored[0]) == hashlib.sha256(token.split("_", 2)[2].encode()).digest()


# ------------------------------------------------------------------------------------------------ secrets


def _cli(*args: str, db_url: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CHITIEU_DATABASE_URL": db_url, "CHITIEU_LOAD_CATALOGUE_ON_START": "false"}
    return subprocess.run(
        [sys.executable, "-m", "api.cli", *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=60
    )


def test_a_key_secret_appears_only_once_when_created_never_in_logs_responses_or_the_database(
    db_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    created = _cli("keys", "create", "--office", "Cục Thống kê", "--regions", "*", "--programmes", "*", db_url=db_url)
    assert created.returncode == 0, created.stderr
    token = next(line.split()[-1] for line in created.stdout.splitlines() if line.startswith("token:"))
    key_id, secret = token.split("_", 2)[1:]
    forged = f"ctk_{key_id}_{secret[::-1]}"
    caplog.set_level(logging.DEBUG)
    responses: list[httpx.Response] = []
    with (
        ServerThread(settings_for(db_url, reads="keyed", log_level="debug")) as server,
        httpx.Client(base_url=server.url) as http,
    ):
        auth = {"Authorization": f"Bearer {token}"}
        responses += [post_json(http, token, [row()]), post_json(http, token, [row(indicator="nope")])]
        responses += [post_json(http, forged, [row()]), post_json(http, token, [row(region="ha_tinh")])]
        responses += [report(http, token), report(http, forged)]
        responses += [http.get(path, headers=auth) for path in READS]
        responses += [http.get(path, headers={"Authorization": f"Bearer {forged}"}) for path in READS]
        responses += [http.get("/metrics"), http.get("/openapi.json")]
    assert [r.status_code for r in responses[:6]] == [200, 422, 401, 422, 201, 401]
    listed = _cli("keys", "list", db_url=db_url)
    assert listed.returncode == 0 and key_id in listed.stdout
    outputs = {
        "logs": "\n".join(f"{r.getMessage()} {r.exc_text or ''}" for r in caplog.records),
        "responses": "\n".join(f"{r.headers} {r.text}" for r in responses),
        "keys list": listed.stdout + listed.stderr,
        "postgres log": (TEST_DATA_DIR / "postgres.log").read_text(errors="replace"),
    }
    assert len(caplog.records) > 0, "the server's logs were captured"
    for name, text in outputs.items():
        assert secret not in text and secret[::-1] not in text, f"the secret appears in the {name}"
    for table, found in _search_database(db_url, [secret, secret.encode().hex(), secret[::-1]]).items():
        assert found == 0, f"the secret appears in {table}"


def _search_database(db_url: str, needles: list[str]) -> dict[str, int]:
    """How many rows of each table (hypertable chunks included) hold any needle, every column read as text."""
    with connect(db_url) as conn:
        tables = conn.execute(
            "SELECT format('%I.%I', n.nspname, c.relname) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema')"
            " AND n.nspname NOT LIKE 'pg_toast%'"
        ).fetchall()
        assert len(tables) > 15
        found: dict[str, int] = {}
        for (table,) in tables:
            result = conn.execute(
                f"SELECT count(*) FROM {table} t WHERE EXISTS (SELECT FROM unnest(%s::text[]) n"
                " WHERE strpos(t::text, n) > 0)",
                [needles],
            ).fetchone()
            assert result is not None and isinstance(result[0], int)
            found[str(table)] = result[0]
    return found


# ------------------------------------------------------------------------------------------------ dashboards' role


def test_the_dashboards_role_cannot_write_anything(db_url: str, conn: psycopg.Connection[Any]) -> None:
    conn.execute("INSERT INTO observations (indicator, region, period_start, period, revision, value, status, key_id)"
                 " VALUES (%s, 'dong_thap', '2023-03-31 17:00+00', '2023-Q2', 1, 7.3, 'official', 'test')", [GRDP])  # fmt: skip
    relations = conn.execute(
        "SELECT c.oid::regclass::text, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
        " WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S') AND n.nspname NOT IN ('pg_catalog', 'information_schema')"
        " AND n.nspname NOT LIKE 'pg_toast%'"
    ).fetchall()
    writable = [
        (relation, privilege)
        for (relation, kind) in relations
        for privilege in (("UPDATE", "USAGE") if kind == "S" else ("INSERT", "UPDATE", "DELETE", "TRUNCATE", "TRIGGER"))
        if conn.execute(
            "SELECT has_sequence_privilege('chitieu_grafana', %s, %s)"
            if kind == "S"
            else "SELECT has_table_privilege('chitieu_grafana', %s, %s)",
            [relation, privilege],
        ).fetchone()
        == (True,)
    ]
    assert len(relations) > 20 and writable == []
    role = conn.execute(
        "SELECT rolsuper, rolcreaterole, rolcreatedb, rolbypassrls, has_schema_privilege(rolname, 'public', 'CREATE')"
        " FROM pg_roles WHERE rolname = 'chitieu_grafana'"
    ).fetchone()
    assert role == (False, False, False, False, False)
    grafana_url = db_url.replace("chitieu@", "chitieu_grafana@")
    with psycopg.connect(grafana_url, autocommit=True) as reader:
        reader.execute("SET default_transaction_read_only = off")  # lift the first guard: privileges still hold
        attempts: list[str] = [
            f"INSERT INTO observations (indicator, region, period_start, period, revision, value, status, key_id)"
            f" VALUES ('{GRDP}', 'dong_thap', now(), '2023-Q3', 1, 1, 'official', 'grafana')",
            "UPDATE observations SET value = 0",
            "DELETE FROM task_reports",
            "TRUNCATE indicator_status",
            "CREATE TABLE public.grafana_was_here (x int)",
            "SELECT drop_chunks('observations', older_than => now())",
            "UPDATE api_keys SET revoked_at = NULL",
            "SELECT secret_hash FROM api_keys",
            "SET ROLE chitieu",
        ]
        for statement in attempts:
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                reader.execute(statement.encode())
        chunk = conn.execute("SELECT format('%I.%I', chunk_schema, chunk_name) FROM timescaledb_information.chunks")
        for (name,) in chunk.fetchall():
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                reader.execute(f"DELETE FROM {name}".encode())
    assert conn.execute("SELECT value FROM observations").fetchall() == [(7.3,)]


# ------------------------------------------------------------------------------------------------ hostile text

HOSTILE = [
    "'; DROP TABLE observations; --",
    "1' OR '1'='1",
    '"); DELETE FROM api_keys; --',
    "$$; TRUNCATE task_reports; $$",
    "\\'; COPY api_keys TO '/tmp/keys'; --",
    "%s %(key_id)s {0} {key_id}",
    "x" * 10_000,
    "NUL\x00byte",
    "bell\x07 escape\x1b[31m red",
    "line\r\nX-Injected: header",
    "tab\tnew\nline",
    "\u202egnp.exe",  # right-to-left override
    "مرحبا שלום Xin chào Đồng Tháp",  # mixed scripts, RTL
    "zero\u200bwidth\u200djoiner\ufeffbom",
    "😀👍🏽🇻🇳",
    "e\u0301\u0323\u0302 combining",
    "<script>alert(1)</script>",
    "../../etc/passwd",
    "lone \ud800 surrogate",
    "  padded  ",
    "",
]


@pytest.fixture
def hostile_client(client: httpx.Client, db_url: str) -> Iterator[tuple[httpx.Client, str, list[int]]]:
    """A client, a key, and the status codes of every hostile request (checked after the test: none is 5xx)."""
    statuses: list[int] = []
    yield client, make_key(db_url), statuses
    assert statuses and all(status < 500 for status in statuses)


def _send_json(
    client: httpx.Client, token: str, body: dict[str, Any], path: str = "/v1/observations"
) -> httpx.Response:
    return client.post(
        path,
        content=json.dumps(body, ensure_ascii=True),  # \ud800 travels as a JSON escape
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )


def test_hostile_text_in_every_field_is_rejected_or_stored_verbatim_never_run(
    hostile_client: tuple[httpx.Client, str, list[int]], conn: psycopg.Connection[Any]
) -> None:
    client, token, statuses = hostile_client
    tables = {name for (name,) in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}
    stored_notes: dict[float, str | None] = {}
    for number, value in enumerate(HOSTILE):
        for field in ("indicator", "region", "period", "status"):
            other_series = {**row("2022-Q1"), "indicator": "dthap-2023.budget_revenue"}
            response = _send_json(client, token, {"observations": [{**other_series, field: value}]})
            statuses.append(response.status_code)
            if field == "status" and not value.strip():
                assert response.status_code == 200, "an empty status means official"
            else:
                assert response.status_code in (400, 422), (field, value[:40], response.text[:200])
        observed = 10.0 + number  # a new value each time: a new revision carrying this note
        response = _send_json(client, token, {"observations": [row("2023-Q1", observed, note=value)]})
        statuses.append(response.status_code)
        assert response.status_code in (200, 422), (value[:40], response.text[:200])
        if response.status_code == 200:
            stored_notes[observed] = value.strip() or None
        else:
            assert response.json()["errors"][0]["field"] == "note"
            assert len(value) > 1000 or any(
                (ord(c) < 32 and c not in "\t\r\n") or 0xD800 <= ord(c) <= 0xDFFF for c in value
            )
        response = _send_json(
            client,
            token,
            {"reported_on": "2025-03-01", "state": "done", "note": value},
            path=f"/v1/tasks/{TASK}/reports",
        )
        statuses.append(response.status_code)
        assert response.status_code in (201, 422), (value[:40], response.text[:200])
        if response.status_code == 201:
            assert response.json()["note"] == value
            saved = conn.execute("SELECT note FROM task_reports WHERE id = %s", [response.json()["id"]]).fetchone()
            assert saved == (value,), "stored verbatim"
    response = client.get(f"/v1/indicators/{GRDP}/series", params={"region": "dong_thap"})
    assert response.status_code == 200, response.text
    series = response.json()
    [first_quarter] = [point for point in series["points"] if point["period"] == "2023-Q1"]
    notes = {revision["value"]: revision["note"] for revision in first_quarter["revisions"]}
    assert notes == stored_notes, "every note accepted reads back as sent (surrounding spaces trimmed)"
    assert len(stored_notes) >= 12
    _assert_schema_intact(conn, tables)


def test_hostile_text_in_csv_cells_is_rejected_or_stored_verbatim(
    hostile_client: tuple[httpx.Client, str, list[int]], conn: psycopg.Connection[Any]
) -> None:
    client, token, statuses = hostile_client
    tables = {name for (name,) in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}
    columns = ["indicator", "region", "period", "value", "status", "note"]
    notes_written = 0
    for number, value in enumerate(v for v in HOSTILE if "\ud800" not in v):  # a CSV file is UTF-8 bytes
        for column in columns:
            cells = {"indicator": GRDP, "region": "dong_thap", "period": "2023-Q1", "value": f"{number}{len(column)},5",
                     "status": "official", "note": ""}  # fmt: skip
            cells[column] = value
            out = io.StringIO()
            csv.writer(out, delimiter=";").writerows([columns, [cells[c] for c in columns]])
            response = post_csv(client, token, out.getvalue().encode(), decimal="comma")
            statuses.append(response.status_code)
            if response.status_code == 200:
                assert column == "note" or (column == "status" and not value.strip()), (column, value[:40])
                assert response.json()["updated"] + response.json()["imported"] == 1
                stored = conn.execute(
                    "SELECT note FROM observations WHERE period = '2023-Q1' ORDER BY revision DESC LIMIT 1"
                ).fetchone()
                assert stored == ((value.strip() or None) if column == "note" else None,)
                notes_written += column == "note"
            else:
                assert response.status_code in (400, 422), (column, value[:40], response.text[:200])
    assert notes_written >= 12
    _assert_schema_intact(conn, tables)


def test_hostile_text_in_paths_and_filters_is_never_a_server_error(
    hostile_client: tuple[httpx.Client, str, list[int]], conn: psycopg.Connection[Any]
) -> None:
    client, _, statuses = hostile_client
    tables = {name for (name,) in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}
    requests: list[Callable[[str], httpx.Response]] = [
        lambda v: client.get(f"/v1/indicators/{quote(v, safe='')}"),
        lambda v: client.get(f"/v1/indicators/{quote(v, safe='')}/series"),
        lambda v: client.get(f"/v1/indicators/{GRDP}/series", params={"region": v}),
        lambda v: client.get(f"/v1/tasks/{quote(v, safe='')}/reports"),
        lambda v: client.get("/v1/status", params={"programme": v}),
        lambda v: client.get("/v1/status", params={"region": v}),
        lambda v: client.get("/v1/indicators", params={"programme": v, "region": v}),
        lambda v: client.get("/v1/tasks", params={"programme": v, "lead": v}),
        lambda v: client.get("/v1/alerts", params={"indicator": v, "owner": v, "receiver": v}),
    ]
    for value in (v for v in HOSTILE if v and "\ud800" not in v):  # a URL is UTF-8
        for send in requests:
            response = send(value)
            statuses.append(response.status_code)
            assert response.status_code < 500, (response.request.url, response.text[:200])
            if response.status_code >= 400:
                assert response.headers["content-type"] == "application/problem+json"
    _assert_schema_intact(conn, tables)


def _assert_schema_intact(conn: psycopg.Connection[Any], tables: set[str]) -> None:
    now = {name for (name,) in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}
    assert now == tables, "no table was dropped or created"
    assert count(conn, "api_keys") == 1 and count(conn, "indicators") > 100
    assert conn.execute("SELECT count(*) FROM api_keys WHERE revoked_at IS NOT NULL").fetchone() == (0,)
