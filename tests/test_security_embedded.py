"""The embedded cluster lets in only the service: another OS account reaches neither its unix socket nor, without the
generated password, its TCP port; the generated passwords are the service user's alone (0600)."""

import os
import stat
import subprocess
from pathlib import Path

import psycopg
import pytest

from ingest.embedded import SUPERUSER, EmbeddedPostgres, _bin_dir
from ingest.roles import READ_ONLY_LOGIN

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="runuser needs root")

OLD_TRUST_HBA = """\
local   all             all                                     trust
host    all             all             127.0.0.1/32            trust
host    all             all             ::1/128                 trust
"""


def as_nobody(pg: EmbeddedPostgres, host: str, user: str) -> subprocess.CompletedProcess[str]:
    psql = str(_bin_dir() / "psql")
    command = ["runuser", "-u", "nobody", "--", psql, "-w", "-h", host, "-p", str(pg.port), "-U", user]
    return subprocess.run(
        [*command, "-d", "postgres", "-c", "SELECT 1"],
        capture_output=True,
        text=True,
        cwd="/",
        env={"PATH": os.environ["PATH"], "LC_ALL": "C"},
    )


def assert_locked_out(pg: EmbeddedPostgres) -> None:
    for user in (SUPERUSER, READ_ONLY_LOGIN):
        by_tcp = as_nobody(pg, "127.0.0.1", user)
        assert by_tcp.returncode != 0, by_tcp.stdout
        assert "password" in by_tcp.stderr, by_tcp.stderr
        by_socket = as_nobody(pg, str(pg.socket_dir), user)
        assert by_socket.returncode != 0, by_socket.stdout
        assert "Permission denied" in by_socket.stderr, by_socket.stderr


def tcp_login(pg: EmbeddedPostgres, user: str, password: str) -> str:
    with psycopg.connect(
        host="127.0.0.1", port=pg.port, user=user, password=password, dbname="postgres", connect_timeout=5
    ) as conn:
        row = conn.execute("SELECT current_user").fetchone()
    assert row is not None
    return str(row[0])


def test_another_os_user_can_log_in_neither_by_tcp_nor_by_socket(pg: EmbeddedPostgres) -> None:
    assert_locked_out(pg)


def test_the_service_logs_in_by_socket_and_with_the_generated_passwords_by_tcp(pg: EmbeddedPostgres) -> None:
    with psycopg.connect(pg.url("postgres")) as conn:
        assert conn.execute("SELECT current_user").fetchone() == (SUPERUSER,)
    for role in (SUPERUSER, READ_ONLY_LOGIN):
        assert tcp_login(pg, role, pg.password(role)) == role
        with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
            tcp_login(pg, role, pg.password(role) + "x")


def test_the_generated_passwords_and_the_socket_are_private(pg: EmbeddedPostgres) -> None:
    for role in (SUPERUSER, READ_ONLY_LOGIN):
        path = pg.password_file(role)
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert path.stat().st_uid == os.geteuid()
        assert len(path.read_text().strip()) >= 32
    assert stat.S_IMODE(pg.password_file(SUPERUSER).parent.stat().st_mode) == 0o700
    for directory in (pg.data_dir, pg.socket_dir):
        assert stat.S_IMODE(directory.stat().st_mode) == 0o700, directory


def test_a_cluster_made_with_trust_is_secured_at_its_next_start(pg: EmbeddedPostgres) -> None:
    """What clusters created before looked like: trust for every local user, no passwords, open directories."""
    hba = pg.cluster_dir / "pg_hba.conf"
    secured = hba.read_text()
    hba.write_text(OLD_TRUST_HBA)
    for directory in (pg.data_dir, pg.socket_dir):
        directory.chmod(0o755)
    with psycopg.connect(pg.url("postgres"), autocommit=True) as conn:
        conn.execute("SELECT pg_reload_conf()")
        for role in (SUPERUSER, READ_ONLY_LOGIN):
            conn.execute(f"ALTER ROLE {role} PASSWORD NULL")
    for path in pg.password_file(SUPERUSER).parent.iterdir():
        path.unlink()
    assert as_nobody(pg, "127.0.0.1", SUPERUSER).returncode == 0  # the hole, as it was

    EmbeddedPostgres(pg.data_dir, pg.port).start()  # already running: secured in place

    assert hba.read_text() == secured
    assert_locked_out(pg)
    assert tcp_login(pg, READ_ONLY_LOGIN, pg.password(READ_ONLY_LOGIN)) == READ_ONLY_LOGIN


def test_the_service_can_read_its_password_files_and_nobody_else(pg: EmbeddedPostgres) -> None:
    path: Path = pg.password_file(SUPERUSER)
    denied = subprocess.run(["runuser", "-u", "nobody", "--", "cat", str(path)], capture_output=True, text=True)
    assert denied.returncode != 0
    assert "Permission denied" in denied.stderr
