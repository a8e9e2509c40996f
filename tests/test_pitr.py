"""Point-in-time recovery with pgBackRest, for real: WAL archived continuously from a TimescaleDB cluster, a base
backup, a good batch, the moment noted, a bad batch (wrong figures for a whole programme); then a restore to the noted
moment into a fresh cluster gives back the board as it was before the bad batch.

pgBackRest runs as the cluster's own system user, as it would on a server (`runuser -u postgres` under root).
"""

import os
import pwd
import shutil
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from ingest.catalogue_store import load_catalogue_into
from ingest.database import connect, create_database
from ingest.embedded import EmbeddedPostgres
from ingest.migrate import migrate
from tests.conftest import REPO, ServerThread, free_port, settings_for
from tests.ingest_helpers import make_key, post_json

pytestmark = pytest.mark.timeout(300)

STANZA = "chitieu"
DATABASE = "chitieu"


def as_postgres(*command: str) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else list(command)


def owned_by_postgres(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        user = pwd.getpwnam("postgres")
        os.chown(path, user.pw_uid, user.pw_gid)
    return path


@pytest.fixture
def workdir() -> Iterator[Path]:
    path = REPO / ".var" / "tmp" / f"pitr-{uuid.uuid4().hex[:8]}"
    path.mkdir(parents=True)
    path.chmod(0o755)
    yield path
    shutil.rmtree(path, ignore_errors=True)


def write_config(workdir: Path, cluster: EmbeddedPostgres) -> Path:
    repo = owned_by_postgres(workdir / "repo")
    logs = owned_by_postgres(workdir / "log")
    locks = owned_by_postgres(workdir / "lock")
    config = workdir / "pgbackrest.conf"
    config.write_text(
        f"[global]\nrepo1-path={repo}\nlog-path={logs}\nlock-path={locks}\nstart-fast=y\n"
        "log-level-console=warn\narchive-timeout=60\n\n"
        f"[{STANZA}]\npg1-path={cluster.cluster_dir}\npg1-port={cluster.port}\npg1-socket-path={cluster.socket_dir}\n"
        "pg1-user=chitieu\n"
    )
    config.chmod(0o644)
    return config


def pgbackrest(config: Path, *args: str) -> None:
    result = subprocess.run(
        as_postgres("pgbackrest", f"--config={config}", f"--stanza={STANZA}", *args), capture_output=True, text=True
    )
    assert result.returncode == 0, f"pgbackrest {' '.join(args)}: {result.stdout}{result.stderr}"


def board(db_url: str) -> list[dict[str, Any]]:
    with ServerThread(settings_for(db_url)) as server, httpx.Client(base_url=server.url, timeout=60) as http:
        answer = http.get("/v1/status", params={"programme": "qngai-2024", "as_of": "2024-01-31"})
    assert answer.status_code == 200, answer.text
    items: list[dict[str, Any]] = answer.json()["items"]
    return items


def push(db_url: str, rows: list[dict[str, Any]]) -> None:
    token = make_key(db_url)
    with ServerThread(settings_for(db_url)) as server, httpx.Client(base_url=server.url, timeout=60) as http:
        answer = post_json(http, token, rows)
    assert answer.status_code == 200, answer.text


def wait_until_promoted(url: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with connect(url) as conn:
            row = conn.execute("SELECT pg_is_in_recovery()").fetchone()
        if row == (False,):
            return
        time.sleep(0.2)
    raise AssertionError("the restored cluster did not finish recovery")


QNGAI_2023 = [
    {"indicator": "qngai-2024.new_party_members", "region": "quang_ngai", "period": "2023", "value": 1967},
    {"indicator": "qngai-2024.new_rural_communes", "region": "quang_ngai", "period": "2023", "value": 6},
]


def test_restore_to_the_moment_before_a_bad_batch(workdir: Path) -> None:
    cluster = EmbeddedPostgres(owned_by_postgres(workdir / "source"), free_port())
    cluster.start()
    restored: EmbeddedPostgres | None = None
    try:
        config = write_config(workdir, cluster)
        with connect(cluster.url("postgres")) as conn:
            conn.execute("ALTER SYSTEM SET wal_level = replica")
            conn.execute("ALTER SYSTEM SET archive_mode = on")
            conn.execute(
                f"ALTER SYSTEM SET archive_command = 'pgbackrest --config={config} --stanza={STANZA} archive-push %p'"
            )
        cluster.stop(only_if_started_here=False)
        cluster.start()
        create_database(cluster.url("postgres"), DATABASE)
        db_url = cluster.url(DATABASE)
        with connect(db_url) as conn:
            conn.execute("CREATE EXTENSION IF NOT EXISTS timescaledb")
            migrate(conn)
            load_catalogue_into(conn, REPO / "indicators" / "catalogue")

        pgbackrest(config, "stanza-create")
        pgbackrest(config, "check")
        pgbackrest(config, "--type=full", "backup")

        push(db_url, QNGAI_2023)  # the good batch, after the backup: only the archived WAL has it
        good_board = board(db_url)
        with connect(db_url) as conn:
            row = conn.execute("SELECT now()").fetchone()
        assert row is not None
        moment = row[0]
        time.sleep(1.1)
        push(db_url, [{**r, "value": r["value"] * 1000} for r in QNGAI_2023])  # the bad batch
        assert board(db_url) != good_board
        with connect(db_url) as conn:
            conn.execute("SELECT pg_switch_wal()")
        pgbackrest(config, "check")  # waits until the WAL holding the bad batch is archived

        target = workdir / "restored"
        owned_by_postgres(target)
        data = owned_by_postgres(target / "data")
        data.chmod(0o700)
        owned_by_postgres(target / "run").chmod(0o700)
        shutil.copytree(cluster.data_dir / "secrets", target / "secrets")  # the roles' passwords come back too
        pgbackrest(
            config, f"--pg1-path={data}", "--type=time", f"--target={moment.isoformat(sep=' ')}",
            "--target-action=promote", "restore",
        )  # fmt: skip
        restored = EmbeddedPostgres(target, free_port())
        # The restored configuration is the source's: its own socket, and no archiving into the source's repository.
        restored.server_options = f"-c unix_socket_directories={restored.socket_dir} -c archive_mode=off"
        restored.start()
        wait_until_promoted(restored.url("postgres"))
        assert board(restored.url(DATABASE)) == good_board
    finally:
        if restored is not None:
            restored.stop(only_if_started_here=False)
        cluster.stop(only_if_started_here=False)
