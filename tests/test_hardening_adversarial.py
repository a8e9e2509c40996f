"""The adversarial corpus (tests/adversarial/, described in its README.md) sent to the real server over one keep-alive
connection: every answer is a 2xx, or a 4xx problem+json whose type has a page; a refused batch writes nothing and an
accepted one writes what it reports; the connection carries the next request; nothing is ever a 5xx.

Files named ok-* must be accepted; every other file must be refused."""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest

from api.problem_types import PROBLEM_TYPES
from tests.conftest import ServerThread, settings_for
from tests.ingest_helpers import make_key

CORPUS = Path(__file__).resolve().parent / "adversarial"
TASK = "qtri-dh1.b.i.1"
CONTENT_TYPES = {".csv": "text/csv", ".json": "application/json"}


def corpus(folder: str) -> list[Path]:
    return sorted(path for path in (CORPUS / folder).iterdir() if path.suffix in CONTENT_TYPES)


WEBHOOK_TOKEN = "adversarial-webhook-token"


@pytest.fixture
def http(db_url: str) -> Iterator[httpx.Client]:
    with (
        ServerThread(settings_for(db_url, alerts_webhook_token=WEBHOOK_TOKEN)) as server,
        httpx.Client(base_url=server.url, timeout=60, limits=httpx.Limits(max_connections=1)) as client,
    ):
        yield client


def local_port(response: httpx.Response) -> int:
    return int(response.extensions["network_stream"].get_extra_info("client_addr")[1])


def stored(conn: psycopg.Connection[Any], table: str) -> int:
    result = conn.execute(f"SELECT count(*) FROM {table}").fetchone()
    assert result is not None
    return int(result[0])


class Judge:
    """Checks each answer and that the connection it came on carries the next request; collects what is wrong so
    that one run names every file at fault."""

    def __init__(self, http: httpx.Client) -> None:
        self.http = http
        self.port = local_port(http.get("/healthz"))
        self.answers: dict[int, int] = {}
        self.faults: list[str] = []

    def check(self, name: str, answer: httpx.Response, *, refusal_expected: bool = True) -> None:
        status = answer.status_code
        self.answers[status] = self.answers.get(status, 0) + 1
        if status >= 500:
            self.faults.append(f"{name}: {status} {answer.text[:200]}")
        elif status >= 400:
            slug = answer.json()["type"].removeprefix("/problems/") if _is_problem(answer) else None
            if slug not in PROBLEM_TYPES:
                self.faults.append(f"{name}: {status} is not a problem of a known type: {answer.text[:200]}")
        if name.startswith("ok-") and not 200 <= status < 300:
            self.faults.append(f"{name}: refused ({status}) {answer.text[:200]}")
        if not name.startswith("ok-") and refusal_expected and not 400 <= status < 500:
            self.faults.append(f"{name}: accepted ({status}) {answer.text[:200]}")
        follow = self.http.get("/healthz")
        if local_port(answer) != self.port or follow.status_code != 200 or local_port(follow) != self.port:
            self.faults.append(f"{name}: the connection was not kept for the next request")
            self.port = local_port(follow)

    def fault(self, message: str) -> None:
        self.faults.append(message)


def _is_problem(answer: httpx.Response) -> bool:
    return answer.headers.get("content-type") == "application/problem+json"


@pytest.mark.parametrize("partial", [False, True], ids=["atomic", "partial"])
def test_hostile_observation_bodies(
    http: httpx.Client, db_url: str, conn: psycopg.Connection[Any], partial: bool
) -> None:
    auth = {"Authorization": f"Bearer {make_key(db_url)}"}
    judge = Judge(http)
    files = corpus("observations")
    assert len(files) >= 90
    for path in files:
        before = stored(conn, "observations")
        answer = http.post(
            "/v1/observations",
            content=path.read_bytes(),
            params={"partial": str(partial).lower(), **({"decimal": "comma"} if path.suffix == ".csv" else {})},
            headers={**auth, "Content-Type": CONTENT_TYPES[path.suffix]},
        )
        # With partial=true a file of bad rows may be a 200 that reports them rejected.
        judge.check(path.name, answer, refusal_expected=not partial)
        if partial and answer.status_code == 200 and not path.name.startswith("ok-") and not answer.json()["rejected"]:
            judge.fault(f"{path.name}: accepted whole with partial=true")
        written = stored(conn, "observations") - before
        summary = answer.json() if answer.status_code == 200 else {"imported": 0, "updated": 0}
        if written != summary["imported"] + summary["updated"]:
            judge.fault(f"{path.name}: {answer.status_code}, reported {summary}, wrote {written} rows")
    assert sum(judge.answers.values()) == len(files)
    assert not judge.faults, "\n".join(judge.faults)


def test_hostile_task_reports(http: httpx.Client, db_url: str, conn: psycopg.Connection[Any]) -> None:
    token = make_key(db_url, regions=["quang_tri"], programmes=["qtri-dh1"])
    judge = Judge(http)
    for path in corpus("task_reports"):
        before = stored(conn, "task_reports")
        answer = http.post(
            f"/v1/tasks/{TASK}/reports",
            content=path.read_bytes(),
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        )
        judge.check(path.name, answer)
        if stored(conn, "task_reports") - before != (1 if answer.status_code == 201 else 0):
            judge.fault(f"{path.name}: {answer.status_code} but {stored(conn, 'task_reports') - before} reports stored")
    assert not judge.faults, "\n".join(judge.faults)


def test_hostile_webhook_bodies(http: httpx.Client, conn: psycopg.Connection[Any]) -> None:
    judge = Judge(http)
    for path in corpus("webhook"):
        before = stored(conn, "alert_events")
        answer = http.post(
            "/v1/alerts/webhook",
            content=path.read_bytes(),
            headers={"Authorization": f"Bearer {WEBHOOK_TOKEN}", "Content-Type": "application/json"},
        )
        judge.check(path.name, answer)
        if answer.status_code >= 400 and stored(conn, "alert_events") != before:
            judge.fault(f"{path.name}: refused but stored")
    assert not judge.faults, "\n".join(judge.faults)


def test_hostile_queries_and_paths(http: httpx.Client) -> None:
    judge = Judge(http)
    lines = [line for line in (CORPUS / "queries.txt").read_text(encoding="utf-8").splitlines() if line]
    assert len(lines) >= 15
    for line in lines:
        expected_ok, _, path = line.rpartition(" ")  # "ok /path" must be answered 2xx
        judge.check(f"{expected_ok}-{path[:80]}" if expected_ok else path[:80], http.get(path))
    assert not judge.faults, "\n".join(judge.faults)
