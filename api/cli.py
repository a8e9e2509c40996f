"""The `chitieu` command: serve the API, manage the database, the catalogue, keys, rules and dashboards."""

import argparse
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time
from pathlib import Path

from api import draft_cli, push_cli, template_cli
from api.cli_errors import OneLineArgumentParser, one_line
from api.report import cli as report_cli
from api.settings import Settings, get_settings
from dashboards import cli as dashboards_cli
from indicators.catalogue import CatalogueError
from indicators.clock import vietnam_today
from indicators.errors import ChitieuError, ConfigurationError
from ingest import service_state
from ingest.database import DatabaseServer


@contextmanager
def database(settings: Settings, *, may_create: bool = False) -> Iterator[DatabaseServer]:
    """The service's database, migrated: CHITIEU_DATABASE_URL, or the running serve's (its state file), or the
    embedded cluster in the data directory, started for this command and stopped after. Only `may_create` commands
    (db migrate) create a cluster; the others say where they looked instead of quietly making a second one."""
    server = DatabaseServer.for_command(
        settings.database_url,
        settings.data_dir,
        settings.embedded_port,
        settings.embedded_database,
        may_create=may_create,
        wait_s=settings.serve_wait_s,
    )
    try:
        prepare(server, settings)
        yield server
    finally:
        server.close()


def prepare(server: DatabaseServer, settings: Settings) -> None:
    """Migrate; on first use, load the bundled catalogue."""
    from ingest.catalogue_store import catalogue_loaded, load_catalogue_into
    from ingest.database import connect
    from ingest.migrate import migrate

    with connect(server.url) as conn:
        migrate(conn)
        if not catalogue_loaded(conn):
            load_catalogue_into(conn, settings.catalogue_dir)


def cmd_serve(args: argparse.Namespace, settings: Settings) -> None:
    import signal

    ensure_port_free(settings.host, settings.port)  # before the database starts and before "serving on"
    # uvicorn re-raises the signal that stopped it; make SIGTERM unwind like Ctrl-C so the embedded cluster stops.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    if settings.database_url:
        external = DatabaseServer.open(settings.database_url, settings.data_dir, settings.embedded_port, "")
        try:
            _serve(external, settings)
        finally:
            external.close()
        return
    # The embedded cluster: announce this serve in the data directory, so other commands use its database (and wait
    # while it starts); own the cluster, so it stops on exit even when a serve killed with -9 left it running.
    data_dir = settings.data_dir.resolve()
    api_url = f"http://{settings.host}:{settings.port}"
    running = service_state.read_state(data_dir)
    if running is not None:
        raise ConfigurationError(
            f"chitieu serve (pid {running.pid}, {running.api_url}) already runs on {data_dir}: stop it, or give "
            "this one its own CHITIEU_DATA_DIR"
        )
    service_state.write_state(data_dir, service_state.ServeState(os.getpid(), False, None, api_url))
    server = None
    try:
        server = DatabaseServer.open(None, data_dir, settings.embedded_port, settings.embedded_database, owner=True)
        url = server.url
        _serve(server, settings, on_ready=lambda: service_state.write_state(
            data_dir, service_state.ServeState(os.getpid(), True, url, api_url)))  # fmt: skip
    finally:
        service_state.remove_state(data_dir)  # first: no command picks the database up while it stops
        if server is not None:
            server.close()


def _serve(server: DatabaseServer, settings: Settings, on_ready: Callable[[], None] | None = None) -> None:
    import uvicorn

    from ingest.catalogue_store import load_catalogue_into
    from ingest.database import connect

    prepare(server, settings)
    if settings.load_catalogue_on_start:
        with connect(server.url) as conn:
            report = load_catalogue_into(conn, settings.catalogue_dir)
        print(f"catalogue: {report.summary()}")
    if on_ready:
        on_ready()
    # Workers connect to the server started here instead of starting their own.
    served = settings.model_copy(update={"database_url": server.url})
    base = f"http://{settings.host}:{settings.port}"
    print(f"chitieu serving on {base}  (API docs {base}/docs, readiness {base}/readyz, metrics {base}/metrics)")
    print(f"database: {'embedded cluster in ' + str(settings.data_dir) if server.embedded else 'external'}")
    if settings.workers > 1:
        import tempfile

        from api.metrics import prepare_multiprocess_dir

        os.environ["CHITIEU_DATABASE_URL"] = server.url
        # This serve's own directory: another serve on the machine must not add its counters to these (nor wipe them).
        with tempfile.TemporaryDirectory(prefix="chitieu-metrics-") as metrics_dir:
            prepare_multiprocess_dir(Path(metrics_dir))
            uvicorn.run("api.app:create_app", factory=True, host=settings.host, port=settings.port,
                        workers=settings.workers, log_level=settings.log_level)  # fmt: skip
    else:
        from api.app import create_app

        uvicorn.run(create_app(served), host=settings.host, port=settings.port, log_level=settings.log_level)


def ensure_port_free(host: str, port: int) -> None:
    """One clear line when the API cannot listen on host:port (bound the way uvicorn binds, then released)."""
    import errno
    import socket

    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    except socket.gaierror as error:
        raise ConfigurationError(f"CHITIEU_HOST={host}: {error.strerror}") from None
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as error:
            if error.errno == errno.EADDRINUSE:
                raise ConfigurationError(
                    f"cổng {port} đã bị chiếm (port {port} on {host} is already in use): "
                    "đặt (set) CHITIEU_PORT to a free port"
                ) from None
            raise ConfigurationError(
                f"cannot listen on {host}:{port}: {error.strerror} (CHITIEU_HOST, CHITIEU_PORT)"
            ) from None


def cmd_db_migrate(args: argparse.Namespace, settings: Settings) -> None:
    from ingest.database import connect
    from ingest.migrate import current_version, latest_version

    with database(settings, may_create=True) as server, connect(server.url) as conn:
        print(f"database at migration {current_version(conn)} (latest {latest_version()})")


def cmd_db_backup(args: argparse.Namespace, settings: Settings) -> None:
    from ingest.backup import backup

    with database(settings) as server:
        size = backup(server.url, Path(args.file))
    print(f"backup written to {args.file} ({size} bytes)")


def cmd_db_restore(args: argparse.Namespace, settings: Settings) -> None:
    from ingest.backup import restore

    # Not `database(settings)`: that would migrate and load the catalogue, and the target must stay empty.
    server = DatabaseServer.open(
        settings.database_url, settings.data_dir, settings.embedded_port, settings.embedded_database
    )
    try:
        revisions = restore(server.url, Path(args.file))
    finally:
        server.close()
    print(f"restored {args.file}: {revisions} observation revision(s)")


def cmd_catalogue_validate(args: argparse.Namespace, settings: Settings) -> None:
    from indicators.catalogue import catalogue_files, validate

    path = Path(args.path) if args.path else settings.catalogue_dir
    issues = validate(path, draft=args.draft)
    for issue in issues:
        print(issue)
    if issues:
        print(f"{len(issues)} problem(s) in {path}", file=sys.stderr)
        raise SystemExit(1)
    print(f"catalogue OK: {len(catalogue_files(path))} file(s) in {path}")


def cmd_catalogue_load(args: argparse.Namespace, settings: Settings) -> None:
    from ingest.catalogue_store import load_catalogue_into
    from ingest.database import connect

    path = Path(args.path) if args.path else settings.catalogue_dir
    with database(settings) as server, connect(server.url) as conn:
        report = load_catalogue_into(conn, path, archive=args.archive)
    print(report.summary())


def cmd_keys_create(args: argparse.Namespace, settings: Settings) -> None:
    from ingest.database import connect
    from ingest.keys import create_key

    expires = datetime.combine(parse_date(args.expires), time.min, tzinfo=UTC) if args.expires else None
    with database(settings) as server, connect(server.url) as conn:
        key_id, token = create_key(
            conn,
            office=args.office,
            regions=_split(args.regions),
            programmes=_split(args.programmes),
            expires_at=expires,
        )
    print(f"key id:  {key_id}")
    print(f"token:   {token}")
    print("Lưu lại khóa này ngay: nó chỉ hiện một lần (store it now: it is shown only once).")


def cmd_keys_revoke(args: argparse.Namespace, settings: Settings) -> None:
    from ingest.database import connect
    from ingest.keys import revoke_key

    with database(settings) as server, connect(server.url) as conn:
        if not revoke_key(conn, args.key_id):
            raise ChitieuError(f"no active key {args.key_id!r}")
    print(f"revoked {args.key_id}")


def cmd_keys_list(args: argparse.Namespace, settings: Settings) -> None:
    from ingest.database import connect
    from ingest.keys import list_keys

    with database(settings) as server, connect(server.url) as conn:
        for key in list_keys(conn):
            state = key.state()
            print(
                f"{key.id}  {state:7}  {key.office}  regions={','.join(key.regions)}  programmes={','.join(key.programmes)}"
            )


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def cmd_status(args: argparse.Namespace, settings: Settings) -> None:
    from api.status_table import print_board
    from ingest.board import compute_board
    from ingest.catalogue_store import read_catalogue
    from ingest.database import connect

    as_of = parse_date(args.as_of) if args.as_of else vietnam_today()
    known_at = parse_date(args.known_at) if args.known_at else None
    with database(settings) as server, connect(server.url) as conn:
        catalogue = read_catalogue(conn)
        board = compute_board(
            conn,
            catalogue,
            as_of,
            programme=args.programme,
            region=args.region,
            grace_days=settings.report_grace_days,
            known_at=known_at,
        )
    if args.xlsx:
        from api.xlsx_export import status_workbook

        Path(args.xlsx).write_bytes(status_workbook(catalogue, board, as_of))
        print(f"{args.xlsx}: {len(board)} series")
        return
    print_board(catalogue, board, as_of, known_at=known_at)


def cmd_status_refresh(args: argparse.Namespace, settings: Settings) -> None:
    from ingest.board import refresh_snapshot
    from ingest.catalogue_store import read_catalogue
    from ingest.database import connect

    as_of = parse_date(args.as_of) if args.as_of else vietnam_today()
    with database(settings) as server, connect(server.url) as conn:
        count = refresh_snapshot(conn, read_catalogue(conn), as_of, settings.report_grace_days)
    print(f"status snapshot: {count} series as of {as_of}")


def build_parser() -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = OneLineArgumentParser(
        prog="chitieu", description="Theo dõi chỉ tiêu — target monitor."
    )
    commands = parser.add_subparsers(dest="command", required=True)

    def add(parent: "argparse._SubParsersAction[argparse.ArgumentParser]", name: str, handler: Callable[..., None],
            help_text: str) -> argparse.ArgumentParser:  # fmt: skip
        sub = parent.add_parser(name, help=help_text, description=help_text)
        sub.set_defaults(handler=handler)
        return sub

    add(
        commands,
        "serve",
        cmd_serve,
        "Run the API (starts the embedded database when no CHITIEU_DATABASE_URL).",
    )

    db = commands.add_parser("db", help="Database: migrate, backup, restore.").add_subparsers(dest="db", required=True)
    add(db, "migrate", cmd_db_migrate, "Apply pending migrations.")
    backup = add(db, "backup", cmd_db_backup, "Write the whole database to FILE (pg_dump custom format).")
    backup.add_argument("file", help="e.g. chitieu-2025-06-30.dump")
    restore = add(db, "restore", cmd_db_restore, "Restore a backup into an empty database (TimescaleDB's procedure).")
    restore.add_argument("file", help="A file written by `chitieu db backup`")

    catalogue = commands.add_parser("catalogue", help="The indicator catalogue (YAML).").add_subparsers(
        dest="catalogue", required=True
    )
    validate = add(catalogue, "validate", cmd_catalogue_validate, "Validate catalogue files; exit 1 on any error.")
    validate.add_argument("path", nargs="?", help="A file or directory (default: the bundled catalogue).")
    validate.add_argument("--draft", action="store_true", help="A draft: accept review notes, require quote and line.")
    load = add(catalogue, "load", cmd_catalogue_load, "Load the catalogue into the database (idempotent).")
    load.add_argument("path", nargs="?", help="A file or directory (default: the bundled catalogue).")
    load.add_argument("--archive", action="store_true", help="Archive removed indicators that have observations.")
    draft_cli.register(catalogue)

    keys = commands.add_parser("keys", help="API keys of statistics offices.").add_subparsers(
        dest="keys", required=True
    )
    create = add(keys, "create", cmd_keys_create, "Issue a key; the token is printed once.")
    create.add_argument("--office", required=True, help="Office name, e.g. 'Cục Thống kê tỉnh Đồng Tháp'.")
    create.add_argument("--regions", required=True, help="Comma-separated region codes, or '*'.")
    create.add_argument("--programmes", required=True, help="Comma-separated programme ids, or '*'.")
    create.add_argument("--expires", help="Expiry date (YYYY-MM-DD).")
    revoke = add(keys, "revoke", cmd_keys_revoke, "Revoke a key at once.")
    revoke.add_argument("key_id")
    add(keys, "list", cmd_keys_list, "List keys (never their secrets).")

    status = add(commands, "status", cmd_status, "The status board: is each indicator on track?")
    status.add_argument("--programme")
    status.add_argument("--region")
    status.add_argument("--as-of", help="YYYY-MM-DD: periods ended by then, latest revisions (default today)")
    status.add_argument("--known-at", help="YYYY-MM-DD: only revisions recorded by the end of that day (Vietnam)")
    status.add_argument("--xlsx", metavar="PATH", help="Write the board to a workbook instead of printing it")
    status_commands = status.add_subparsers(dest="status_command")
    refresh = add(status_commands, "refresh", cmd_status_refresh, "Rewrite the status snapshot that Grafana reads.")
    refresh.add_argument("--as-of", help="YYYY-MM-DD (default today)")

    push_cli.register(commands, positive_int)
    template_cli.register(commands)
    dashboards_cli.register(commands)
    report_cli.register(commands)
    return parser


def positive_int(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"cần một số nguyên dương (a positive whole number), not {text!r}")
    return int(text)


def parse_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ChitieuError(f"ngày không hợp lệ (invalid date) {text!r}: dùng (use) YYYY-MM-DD") from None


def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    try:
        args.handler(args, get_settings())
    except CatalogueError as error:  # one line per problem found, like a compiler
        print(error, file=sys.stderr)
        raise SystemExit(1) from None
    except KeyboardInterrupt:
        raise SystemExit(130) from None
    except Exception as error:
        if os.environ.get("CHITIEU_DEBUG") == "1":
            raise
        print(f"chitieu: {one_line(error)}", file=sys.stderr)
        raise SystemExit(1) from None


if __name__ == "__main__":
    main()
