"""A real high-availability database tier on loopback ports, from the files in deploy/ha/: one etcd, two Patroni
nodes running TimescaleDB, and HAProxy routing a write port to the leader and a read port to the replica.

Used by tests/test_ha.py. Every process is started here and stopped at the end; PostgreSQL refuses to run as root,
so under root Patroni runs as the `postgres` system user (as the embedded cluster does).
"""

import contextlib
import json
import os
import pwd
import secrets
import shutil
import signal
import subprocess
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

from tests.conftest import REPO, free_port

HA_DIR = REPO / "deploy" / "ha"
PG_BIN = Path("/usr/lib/postgresql/15/bin")
APP_USER = "chitieu"
APP_DATABASE = "chitieu"


def _as_postgres() -> list[str]:
    return ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []


def _chown_postgres(path: Path) -> None:
    if os.geteuid() == 0:
        user = pwd.getpwnam("postgres")
        os.chown(path, user.pw_uid, user.pw_gid)


@dataclass
class Node:
    name: str
    pg_port: int
    api_port: int
    directory: Path
    process: subprocess.Popen[bytes] | None = None

    @property
    def data_dir(self) -> Path:
        return self.directory / "data"

    def state(self) -> dict[str, object]:
        """Patroni's own view of this node (GET /patroni), or {} when its REST API does not answer."""
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.api_port}/patroni", timeout=2) as answer:
                return dict(json.load(answer))
        except (OSError, ValueError):
            return {}

    def role(self) -> str | None:
        state = self.state()
        return str(state.get("role")) if state.get("state") == "running" else None

    def postmaster_pid(self) -> int | None:
        try:
            return int((self.data_dir / "postmaster.pid").read_text().splitlines()[0])
        except (OSError, ValueError, IndexError):
            return None


@dataclass
class HaCluster:
    root: Path
    superuser_password: str = field(default_factory=lambda: secrets.token_urlsafe(16))
    app_password: str = field(default_factory=lambda: secrets.token_urlsafe(16))
    etcd_port: int = field(default_factory=free_port)
    etcd_peer_port: int = field(default_factory=free_port)
    write_port: int = field(default_factory=free_port)
    read_port: int = field(default_factory=free_port)
    nodes: list[Node] = field(default_factory=list)
    _etcd: subprocess.Popen[bytes] | None = None
    _haproxy: subprocess.Popen[bytes] | None = None

    def __post_init__(self) -> None:
        if self.root.exists():
            shutil.rmtree(self.root)
        self.root.mkdir(parents=True)
        self.root.chmod(0o755)
        for name in ("node1", "node2"):
            directory = self.root / name
            directory.mkdir(mode=0o700)
            _chown_postgres(directory)
            self.nodes.append(Node(name, free_port(), free_port(), directory))

    # --- URLs chitieu is given -------------------------------------------------------------------------------------
    def url(self, port: int, database: str = APP_DATABASE, user: str = APP_USER) -> str:
        password = self.app_password if user == APP_USER else self.superuser_password
        return f"postgresql://{user}:{password}@127.0.0.1:{port}/{database}"

    @property
    def write_url(self) -> str:
        return self.url(self.write_port)

    @property
    def read_url(self) -> str:
        return self.url(self.read_port)

    # --- processes -------------------------------------------------------------------------------------------------
    def start(self) -> None:
        self._start_etcd()
        for node in self.nodes:
            self.start_node(node)
            if node is self.nodes[0]:
                self.wait_for_leader(timeout=90)
        self.wait_for_replica(timeout=90)
        self._start_haproxy()
        self._create_app_database()

    def _start_etcd(self) -> None:
        data = self.root / "etcd"
        peer = f"http://127.0.0.1:{self.etcd_peer_port}"
        client = f"http://127.0.0.1:{self.etcd_port}"
        self._etcd = subprocess.Popen(
            ["etcd", "--name", "etcd1", "--data-dir", str(data), "--listen-client-urls", client,
             "--advertise-client-urls", client, "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
             "--initial-cluster", f"etcd1={peer}", "--initial-cluster-state", "new", "--log-level", "warn"],
            stdout=(self.root / "etcd.log").open("wb"), stderr=subprocess.STDOUT,
        )  # fmt: skip
        _wait(lambda: _http_ok(f"{client}/health"), 30, "etcd did not start")

    def node_environment(self, node: Node) -> dict[str, str]:
        return {
            **os.environ,
            "PATRONI_NAME": node.name,
            "PATRONI_RESTAPI_LISTEN": f"127.0.0.1:{node.api_port}",
            "PATRONI_RESTAPI_CONNECT_ADDRESS": f"127.0.0.1:{node.api_port}",
            "PATRONI_POSTGRESQL_LISTEN": f"127.0.0.1:{node.pg_port}",
            "PATRONI_POSTGRESQL_CONNECT_ADDRESS": f"127.0.0.1:{node.pg_port}",
            "PATRONI_POSTGRESQL_DATA_DIR": str(node.data_dir),
            "PATRONI_POSTGRESQL_PGPASS": str(node.directory / "pgpass"),
            "PATRONI_POSTGRESQL_BIN_DIR": str(PG_BIN),
            "PATRONI_ETCD3_HOSTS": f"127.0.0.1:{self.etcd_port}",
            "PATRONI_SUPERUSER_PASSWORD": self.superuser_password,
            "PATRONI_REPLICATION_PASSWORD": self.superuser_password + "r",
            "PATRONI_REWIND_PASSWORD": self.superuser_password + "w",
            "PATRONI_LOG_LEVEL": "WARNING",
        }

    def start_node(self, node: Node) -> None:
        log = (node.directory / "patroni.log").open("ab")
        node.process = subprocess.Popen(
            [*_as_postgres(), "patroni", str(HA_DIR / "patroni.yml")],
            env=self.node_environment(node), stdout=log, stderr=subprocess.STDOUT, cwd=node.directory,
            start_new_session=True,
        )  # fmt: skip

    def kill_node(self, node: Node) -> None:
        """The loss of a machine: Patroni and its PostgreSQL die at once, nothing is shut down cleanly."""
        postmaster = node.postmaster_pid()
        if node.process is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(node.process.pid, signal.SIGKILL)
            node.process.wait(timeout=10)
            node.process = None
        if postmaster is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(postmaster, signal.SIGKILL)
        _wait(lambda: not _pid_alive(postmaster), 10, "the killed postmaster is still alive")
        # Its backends outlive a SIGKILLed postmaster only briefly; make sure none holds the port.
        subprocess.run(["pkill", "-9", "-f", f"{node.data_dir}"], check=False)

    def _start_haproxy(self) -> None:
        node1, node2 = self.nodes
        environment = {
            **os.environ,
            "CHITIEU_HA_WRITE_BIND": f"127.0.0.1:{self.write_port}",
            "CHITIEU_HA_READ_BIND": f"127.0.0.1:{self.read_port}",
            "CHITIEU_HA_NODE1_PG": f"127.0.0.1:{node1.pg_port}",
            "CHITIEU_HA_NODE1_HOST": "127.0.0.1",
            "CHITIEU_HA_NODE1_API_PORT": str(node1.api_port),
            "CHITIEU_HA_NODE2_PG": f"127.0.0.1:{node2.pg_port}",
            "CHITIEU_HA_NODE2_HOST": "127.0.0.1",
            "CHITIEU_HA_NODE2_API_PORT": str(node2.api_port),
        }
        self._haproxy = subprocess.Popen(
            ["haproxy", "-db", "-f", str(HA_DIR / "haproxy.cfg")],
            env=environment, stdout=(self.root / "haproxy.log").open("wb"), stderr=subprocess.STDOUT,
        )  # fmt: skip
        # HAProxy counts every server up until its checks say otherwise: wait until each port reaches the right role.
        _wait(lambda: self.in_recovery(self.write_port) is False, 30, "HAProxy does not route writes to the leader")
        _wait(lambda: self.in_recovery(self.read_port) is True, 30, "HAProxy does not route reads to the replica")

    def _create_app_database(self) -> None:
        """What a DBA does once: the application's role and database, TimescaleDB created by the superuser."""
        admin = self.url(self.write_port, "postgres", "postgres")
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f"CREATE ROLE {APP_USER} LOGIN CREATEROLE PASSWORD '{self.app_password}'")
            conn.execute(f"CREATE DATABASE {APP_DATABASE} OWNER {APP_USER}")
        with psycopg.connect(self.url(self.write_port, APP_DATABASE, "postgres"), autocommit=True) as conn:
            conn.execute("CREATE EXTENSION IF NOT EXISTS timescaledb")

    def in_recovery(self, port: int) -> bool | None:
        """Whether what answers on this port is a replica (None: nothing answers), asked three times in a row."""
        answers = set()
        for _ in range(3):
            try:
                with psycopg.connect(self.url(port, "postgres", "postgres"), connect_timeout=2) as conn:
                    row = conn.execute("SELECT pg_is_in_recovery()").fetchone()
                    answers.add(bool(row and row[0]))
            except psycopg.Error:
                return None
        return answers.pop() if len(answers) == 1 else None

    def leader(self) -> Node | None:
        leaders = [node for node in self.nodes if node.role() in ("master", "primary")]
        return leaders[0] if len(leaders) == 1 else None

    def replica(self) -> Node | None:
        replicas = [node for node in self.nodes if node.role() == "replica"]
        return replicas[0] if replicas else None

    def wait_for_leader(self, timeout: float, other_than: Node | None = None) -> Node:
        _wait(lambda: (leader := self.leader()) is not None and leader is not other_than, timeout, "no new leader")
        leader = self.leader()
        assert leader is not None
        return leader

    def wait_for_replica(self, timeout: float) -> Node:
        _wait(lambda: self.replica() is not None and self.replica_streaming(), timeout, "no streaming replica")
        replica = self.replica()
        assert replica is not None
        return replica

    def replica_streaming(self) -> bool:
        leader = self.leader()
        if leader is None:
            return False
        with contextlib.suppress(psycopg.Error):
            admin = f"postgresql://postgres:{self.superuser_password}@127.0.0.1:{leader.pg_port}/postgres"
            with psycopg.connect(admin, connect_timeout=2) as conn:
                # Streaming as the synchronous standby: only then is an acknowledged commit on two nodes, and only
                # then will Patroni promote it when the leader is lost (synchronous_mode).
                row = conn.execute(
                    "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming' AND sync_state = 'sync'"
                ).fetchone()
                if row is None or int(row[0]) == 0:
                    return False
        # Patroni promotes only the standby its /sync key names, which it writes a loop after PostgreSQL reports the
        # standby synchronous: a leader lost in between leaves no node allowed to lead (synchronous_mode).
        return self._patroni_sync_standby() is not None

    def _patroni_sync_standby(self) -> str | None:
        for node in self.nodes:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{node.api_port}/cluster", timeout=2) as answer:
                    members = json.load(answer).get("members", [])
            except (OSError, ValueError):
                continue
            for member in members:
                if member.get("role") == "sync_standby" and member.get("state") in ("running", "streaming"):
                    return str(member["name"])
        return None

    def stop(self) -> None:
        for node in self.nodes:
            if node.process is not None:
                node.process.terminate()
                try:
                    node.process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    self.kill_node(node)
        for process in (self._haproxy, self._etcd):
            if process is not None:
                process.terminate()
                with contextlib.suppress(subprocess.TimeoutExpired):
                    process.wait(timeout=10)
        for node in self.nodes:
            subprocess.run(["pkill", "-9", "-f", f"{node.data_dir}"], check=False)

    def logs(self) -> str:
        parts = []
        for path in sorted(self.root.glob("**/*.log")):
            parts.append(
                f"--- {path.relative_to(self.root)}\n" + "\n".join(path.read_text(errors="replace").splitlines()[-30:])
            )
        return "\n".join(parts)


def _http_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as answer:
            return bool(answer.status == 200)
    except OSError:
        return False


def _pid_alive(pid: int | None) -> bool:
    if pid is None:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _wait(condition: Callable[[], bool], timeout: float, message: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise TimeoutError(f"{message} within {timeout:.0f} s")
