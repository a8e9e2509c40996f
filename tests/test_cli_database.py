"""The commands find the running service's database, wait for a serve that is starting, never create a second
cluster quietly, and a serve restarted after `kill -9` stops the postgres it found when it exits."""

import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from api.settings import Settings
from ingest.embedded import EmbeddedPostgres
from tests.conftest import REPO, free_port

CHITIEU = str(Path(sys.executable).parent / "chitieu")


@pytest.fixture
def data_dir() -> Iterator[Path]:
    """A scratch data directory the postgres user can enter (pytest's tmp_path is private to root)."""
    path = REPO / ".var" / "tmp" / uuid.uuid4().hex
    path.parent.mkdir(parents=True, exist_ok=True)
    yield path
    cluster = EmbeddedPostgres(path, 1)
    if cluster.initialised() and cluster.running():
        cluster.stop(only_if_started_here=False)
    shutil.rmtree(path, ignore_errors=True)


def environment(data_dir: Path, **extra: str) -> dict[str, str]:
    base = {key: value for key, value in os.environ.items() if key != "CHITIEU_DATABASE_URL"}
    return {**base, "CHITIEU_DATA_DIR": str(data_dir), "CHITIEU_EMBEDDED_PORT": str(free_port()), **extra}


def chitieu(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([CHITIEU, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=240)


def start_serve(env: dict[str, str], cwd: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [CHITIEU, "serve"], cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        start_new_session=True,
    )  # fmt: skip


def wait_ready(serve: subprocess.Popen[str], port: int) -> None:
    deadline = time.monotonic() + 180
    while True:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        assert serve.poll() is None, serve.communicate()
        assert time.monotonic() < deadline, "chitieu serve did not become ready"
        time.sleep(0.2)


def stop(serve: subprocess.Popen[str]) -> tuple[str, str]:
    serve.send_signal(signal.SIGTERM)
    return serve.communicate(timeout=60)


def test_the_default_data_dir_does_not_depend_on_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CHITIEU_DATA_DIR", raising=False)
    monkeypatch.chdir(tmp_path)
    assert Settings().data_dir == REPO / ".var" / "pg"


def test_a_command_never_creates_a_cluster_quietly(tmp_path: Path, data_dir: Path) -> None:
    result = chitieu("keys", "list", env=environment(data_dir, CHITIEU_SERVE_WAIT_S="1"), cwd=tmp_path)
    assert result.returncode == 1 and result.stderr.count("\n") == 1, result.stderr
    assert "CHITIEU_DATA_DIR" in result.stderr and str(data_dir) in result.stderr
    assert not EmbeddedPostgres(data_dir, 1).initialised(), "a cluster was created"
    assert not (tmp_path / ".var").exists()


def test_a_key_created_while_serve_starts_is_the_servers(tmp_path: Path, data_dir: Path) -> None:
    """The README's first session: `make run &` then `keys create` at once, from another directory."""
    port = free_port()
    env = environment(data_dir, CHITIEU_PORT=str(port))
    serve = start_serve(env, REPO)
    try:
        created = chitieu("keys", "create", "--office", "Cục Thống kê tỉnh Đồng Tháp", "--regions", "dong_thap",
                          "--programmes", "dthap-2023", env=env, cwd=tmp_path)  # fmt: skip
        assert created.returncode == 0, created.stderr
        token = next(line.split()[-1] for line in created.stdout.splitlines() if line.startswith("token:"))
        wait_ready(serve, port)
        answer = httpx.post(
            f"http://127.0.0.1:{port}/v1/observations",
            json={"observations": [{"indicator": "dthap-2023.budget_revenue", "region": "dong_thap",
                                    "period": "2023-Q1", "value": 100, "status": "official"}]},
            headers={"Authorization": f"Bearer {token}"}, timeout=30,
        )  # fmt: skip
        assert answer.status_code == 200, answer.text
        listed = chitieu("keys", "list", env=env, cwd=tmp_path)
        assert listed.returncode == 0 and "Đồng Tháp" in listed.stdout, listed.stderr
        assert EmbeddedPostgres(data_dir, 1).running(), "the command stopped the service's database"
        assert not (tmp_path / ".var").exists()
    finally:
        _, errors = stop(serve)
    assert "Traceback" not in errors, errors
    assert not EmbeddedPostgres(data_dir, 1).running()


def test_serve_restarted_after_kill_9_stops_the_postgres_it_found(data_dir: Path) -> None:
    port = free_port()
    env = environment(data_dir, CHITIEU_PORT=str(port))
    first = start_serve(env, REPO)
    wait_ready(first, port)
    second_port = free_port()
    twin = chitieu("serve", env={**env, "CHITIEU_PORT": str(second_port)}, cwd=REPO)
    assert twin.returncode == 1 and twin.stderr.count("\n") == 1 and "already runs" in twin.stderr, twin.stderr
    first.kill()
    first.communicate(timeout=30)
    assert EmbeddedPostgres(data_dir, 1).running(), "kill -9 leaves postgres running"

    again = start_serve(env, REPO)
    try:
        wait_ready(again, port)
    finally:
        _, errors = stop(again)
    assert "Traceback" not in errors, errors
    assert not EmbeddedPostgres(data_dir, 1).running(), "the restarted serve left postgres running"
    assert not (data_dir / "serve.json").exists()
