"""A project-managed local PostgreSQL cluster with TimescaleDB, for `make run` and the tests.

The cluster lives in a data directory of its own (default .var/pg) with its own port and unix socket, so it never
touches the machine's main cluster. PostgreSQL refuses to run as root, so under root the server runs as the
`postgres` system user.

Only the service gets in. The unix socket lies in a directory only the server's user can enter (0700; root, under
which the service may run, enters anyway), and trusts whoever reaches it; TCP on 127.0.0.1 asks for a SCRAM-SHA-256
password. The passwords of the superuser `chitieu` and of the read-only role `chitieu_grafana` are generated at the
first start and kept in <data dir>/secrets/<role>.password (0600, the service's user's own). A cluster made by an
older chitieu (trust for every local user) is secured the same way at its next start.
"""

import os
import pwd
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import psycopg

from indicators.errors import ConfigurationError
from ingest.roles import READ_ONLY_LOGIN, has_scram_password, read_only_roles_statement, set_password
from ingest.secret_files import read_or_create_secret, read_secret

SUPERUSER = "chitieu"
PRIVATE = 0o700

PG_HBA = """\
# chitieu embedded cluster: written by ingest/embedded.py at every start (edits here are overwritten).
# The unix socket's directory is private to the server's user (0700), so "local" reaches only the service.
# TCP asks for a password: the generated ones are in the data directory's secrets/ (0600).
local   all   all                  trust
host    all   all   127.0.0.1/32   scram-sha-256
host    all   all   ::1/128        scram-sha-256
"""


def _bin_dir() -> Path:
    pg_config = shutil.which("pg_config")
    if pg_config is None:
        raise ConfigurationError("pg_config not found: run `make run` (or scripts/bootstrap.sh) to install PostgreSQL")
    out = subprocess.run([pg_config, "--bindir"], check=True, capture_output=True, text=True).stdout
    return Path(out.strip())


@dataclass
class EmbeddedPostgres:
    data_dir: Path
    port: int
    server_options: str = ""  # extra `postgres` command-line options, e.g. "-c shared_preload_libraries="

    def __post_init__(self) -> None:
        self.data_dir = self.data_dir.resolve()
        self.socket_dir = self.data_dir / "run"
        self.cluster_dir = self.data_dir / "data"
        self.secrets_dir = self.data_dir / "secrets"
        self.log_file = self.data_dir / "postgres.log"
        self._bin = _bin_dir()
        self._run_as = "postgres" if os.geteuid() == 0 else None
        self._started_here = False

    def url(self, database: str) -> str:
        return f"postgresql://{SUPERUSER}@/{database}?host={self.socket_dir}&port={self.port}"

    def password_file(self, role: str) -> Path:
        return self.secrets_dir / f"{role}.password"

    def password(self, role: str) -> str:
        """The generated password of `role` (chitieu or chitieu_grafana), for TCP logins such as Grafana's."""
        return read_secret(self.password_file(role))

    def _cmd(self, *args: str) -> list[str]:
        command = [str(self._bin / args[0]), *args[1:]]
        return ["runuser", "-u", self._run_as, "--", *command] if self._run_as else command

    def _own(self, path: Path) -> None:
        if self._run_as:
            user = pwd.getpwnam(self._run_as)
            os.chown(path, user.pw_uid, user.pw_gid)

    def initialised(self) -> bool:
        return (self.cluster_dir / "PG_VERSION").exists()

    def running(self) -> bool:
        result = subprocess.run(self._cmd("pg_ctl", "status", "-D", str(self.cluster_dir)), capture_output=True)
        return result.returncode == 0

    def _running_port(self) -> int | None:
        """The port of the postmaster running on this data directory (line 4 of postmaster.pid)."""
        try:
            lines = (self.cluster_dir / "postmaster.pid").read_text().splitlines()
        except OSError:
            return None
        return int(lines[3]) if len(lines) > 3 and lines[3].strip().isdigit() else None

    def init(self) -> None:
        if self.initialised():
            return
        for path in (self.data_dir, self.socket_dir):
            path.mkdir(mode=PRIVATE, parents=True, exist_ok=True)
            self._own(path)
        result = subprocess.run(
            self._cmd("initdb", "-D", str(self.cluster_dir), "-U", SUPERUSER, "--auth-local=trust",
                      "--auth-host=scram-sha-256", "-E", "UTF8", "--locale=C.UTF-8"),
            capture_output=True, text=True,
        )  # fmt: skip
        if result.returncode != 0:
            last = (result.stderr.strip().splitlines() or ["no output"])[-1]
            raise ConfigurationError(f"initdb failed in {self.cluster_dir}: {last}")
        with (self.cluster_dir / "postgresql.conf").open("a") as conf:
            conf.write(
                "\n# chitieu embedded cluster\n"
                "shared_preload_libraries = 'timescaledb'\n"
                "timescaledb.telemetry_level = off\n"
                "listen_addresses = '127.0.0.1'\n"
                f"unix_socket_directories = '{self.socket_dir}'\n"
                "unix_socket_permissions = 0700\n"
                "password_encryption = scram-sha-256\n"
                "max_connections = 200\n"
                "shared_buffers = 512MB\n"
                "max_wal_size = 4GB\n"
                "synchronous_commit = on\n"
                "timezone = 'UTC'\n"
            )

    def start(self) -> None:
        """Start the cluster unless it already runs; remember whether we started it, so stop() leaves others' alone."""
        self.init()
        hba_rewritten = self._lock_down()
        if self.running():
            self.port = self._running_port() or self.port
            if hba_rewritten:
                self._reload()
            self._set_passwords()
            return
        if _port_taken(self.port):
            raise ConfigurationError(
                f"port {self.port} is already in use: set CHITIEU_EMBEDDED_PORT to a free port "
                "or CHITIEU_DATABASE_URL to an existing server"
            )
        self.log_file.touch()
        self._own(self.log_file)
        result = subprocess.run(
            self._cmd("pg_ctl", "start", "-w", "-t", "60", "-D", str(self.cluster_dir), "-l", str(self.log_file),
                      "-o", f"-p {self.port} {self.server_options}"),
            capture_output=True, text=True,
        )  # fmt: skip
        if result.returncode != 0:
            tail = self.log_file.read_text(errors="replace").splitlines()[-3:]
            raise ConfigurationError(f"the embedded PostgreSQL did not start: {' | '.join(tail)}")
        self._started_here = True
        self._wait_for_socket()
        self._set_passwords()

    def _lock_down(self) -> bool:
        """Make the directories private and pg_hba.conf ours (a cluster from before was open to every local user);
        return whether pg_hba.conf was rewritten."""
        try:
            for path in (self.data_dir, self.socket_dir):
                path.mkdir(mode=PRIVATE, exist_ok=True)
                path.chmod(PRIVATE)
            self.secrets_dir.mkdir(mode=PRIVATE, exist_ok=True)
            self.secrets_dir.chmod(PRIVATE)
            hba = self.cluster_dir / "pg_hba.conf"
            if hba.read_text() == PG_HBA:
                return False
            hba.write_text(PG_HBA)
        except OSError as error:
            raise ConfigurationError(f"cannot secure the embedded cluster in {self.data_dir}: {error}") from error
        return True

    def _reload(self) -> None:
        subprocess.run(self._cmd("pg_ctl", "reload", "-s", "-D", str(self.cluster_dir)), capture_output=True)

    def _set_passwords(self) -> None:
        """Give chitieu and chitieu_grafana their generated passwords unless they already have them."""
        with psycopg.connect(self.url("postgres"), autocommit=True, connect_timeout=10) as conn, conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(hashtext('chitieu roles'))")  # one starter at a time
            conn.execute(read_only_roles_statement())
            for role in (SUPERUSER, READ_ONLY_LOGIN):
                password, made = read_or_create_secret(self.password_file(role))
                if made or not has_scram_password(conn, role):
                    set_password(conn, role, password)

    def _wait_for_socket(self) -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            ready = subprocess.run(
                [str(self._bin / "pg_isready"), "-q", "-h", str(self.socket_dir), "-p", str(self.port)]
            )
            if ready.returncode == 0:
                return
            time.sleep(0.1)
        raise ConfigurationError("the embedded PostgreSQL started but does not accept connections")

    def stop(self, *, only_if_started_here: bool = True) -> None:
        if only_if_started_here and not self._started_here:
            return
        if self.running():
            subprocess.run(
                self._cmd("pg_ctl", "stop", "-w", "-m", "fast", "-D", str(self.cluster_dir)),
                capture_output=True,
            )
        self._started_here = False


def _port_taken(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0
