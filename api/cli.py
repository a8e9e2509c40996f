"""The `chitieu` command: serve the API, manage the database, the catalogue, keys, rules and dashboards."""

import argparse
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time
from pathlib import Path

from api import draft_cli
from api.settings import Settings, get_settings
from dashboards import cli as dashboards_cli
from dashboards import rules_cli
from indicators.catalogue import CatalogueError
from indicators.clock import vietnam_today
from ingest.database import DatabaseServer
from ingest.errors import ChitieuError


@contextmanager
def database(settings: Settings) -> Iterator[DatabaseServer]:
    """The configured database, migrated; an embedded cluster started here is stopped on the way out."""
    from api.app import open_database
    from ingest.catalogue_store import load_catalogue_into
    from ingest.database import connect
    from ingest.migrate import migrate

    server = open_database(settings)
    try:
        with connect(server.url) as conn:
            migrate(conn)
            if conn.execute("SELECT count(*) FROM catalogue_versions").fetchone() == (0,):
                load_catalogue_into(conn, settings.catalogue_dir)  # first use: the bundled catalogue
        yield server
    finally:
        server.close()


def cmd_serve(args: argparse.Namespace, settings: Settings) -> None:
    import signal

    import uvicorn

    # uvicorn re-raises the signal that stopped it; make SIGTERM unwind like Ctrl-C so the embedded cluster stops.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))

    with database(settings) as server:
        from ingest.catalogue_store import load_catalogue_into
        from ingest.database import connect

        if settings.load_catalogue_on_start:
            with connect(server.url) as conn:
                report = load_catalogue_into(conn, settings.catalogue_dir)
            print(f"catalogue: {report.summary()}")
        # Workers connect to the server started here instead of starting their own.
        served = settings.model_copy(update={"database_url": server.url})
        base = f"http://{settings.host}:{settings.port}"
        print(f"chitieu serving on {base}  (API docs {base}/docs, readiness {base}/readyz, metrics {base}/metrics)")
        print(f"database: {'embedded cluster in ' + str(settings.data_dir) if server.embedded else 'external'}")
        if settings.workers > 1:
            import os

            from api.metrics import prepare_multiprocess_dir

            os.environ["CHITIEU_DATABASE_URL"] = server.url
            prepare_multiprocess_dir(settings.data_dir.resolve().parent / "prometheus-multiproc")
            uvicorn.run("api.app:create_app", factory=True, host=settings.host, port=settings.port,
                        workers=settings.workers, log_level=settings.log_level)  # fmt: skip
        else:
            from api.app import create_app

            uvicorn.run(create_app(served), host=settings.host, port=settings.port, log_level=settings.log_level)


def cmd_db_migrate(args: argparse.Namespace, settings: Settings) -> None:
    from ingest.database import connect
    from ingest.migrate import latest_version

    with database(settings) as server, connect(server.url) as conn:
        row = conn.execute("SELECT max(version) FROM schema_migrations").fetchone()
        print(f"database at migration {row[0] if row else 0} (latest {latest_version()})")


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
            state = "revoked" if key.revoked_at else "active"
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
    with database(settings) as server, connect(server.url) as conn:
        catalogue = read_catalogue(conn)
        board = compute_board(
            conn, catalogue, as_of, programme=args.programme, region=args.region, grace_days=settings.report_grace_days
        )
    print_board(catalogue, board, as_of)


def cmd_status_refresh(args: argparse.Namespace, settings: Settings) -> None:
    from ingest.board import refresh_snapshot
    from ingest.catalogue_store import read_catalogue
    from ingest.database import connect

    as_of = parse_date(args.as_of) if args.as_of else vietnam_today()
    with database(settings) as server, connect(server.url) as conn:
        count = refresh_snapshot(conn, read_catalogue(conn), as_of, settings.report_grace_days)
    print(f"status snapshot: {count} series as of {as_of}")


def cmd_push(args: argparse.Namespace, settings: Settings) -> None:
    from rich.progress import Progress

    from api.push_client import Pusher, PushFailed

    pusher = Pusher(args.server, args.key, Path(args.spool_dir), decimal=args.decimal, partial=args.partial)
    if args.file:
        batches = pusher.spool(Path(args.file), args.batch_rows)
        print(f"{args.file}: {batches} batch(es) queued in {args.spool_dir}")
    elif not args.resume:
        raise ChitieuError("give a FILE to push, or --resume to send what is left in the spool")
    pending = pusher.pending()
    total = sum(path.read_bytes().count(b"\n") - 1 for path in pending)
    with Progress(transient=True) as progress:
        task = progress.add_task("đang gửi (sending)", total=total)
        try:
            report = pusher.send_spool(lambda rows: progress.advance(task, rows))
        except PushFailed as error:
            raise ChitieuError(str(error)) from None
    print(
        f"imported {report.imported}, updated {report.updated}, ignored {report.ignored}, rejected {report.rejected}"
        f" ({report.batches_sent} batch(es))"
    )
    for row_error in report.errors[:50]:
        print(f"  row {row_error['row']}: {row_error['field']}: {row_error['message']}")
    if report.rejected:
        raise SystemExit(2)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="chitieu", description="Theo dõi chỉ tiêu — target monitor.")
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
    status.add_argument("--as-of", help="YYYY-MM-DD (default today)")
    status_commands = status.add_subparsers(dest="status_command")
    refresh = add(status_commands, "refresh", cmd_status_refresh, "Rewrite the status snapshot that Grafana reads.")
    refresh.add_argument("--as-of", help="YYYY-MM-DD (default today)")

    push = add(commands, "push", cmd_push, "Send a CSV file of observations to a chitieu server.")
    push.add_argument("file", nargs="?", help="CSV with columns indicator, region, period, value[, status, note]")
    push.add_argument("--server", required=True, help="e.g. http://127.0.0.1:8000")
    push.add_argument("--key", required=True, help="The office's API key")
    push.add_argument("--decimal", choices=["comma", "dot"], help="Number format of the file")
    push.add_argument("--partial", action="store_true", help="Write valid rows even if others are invalid")
    push.add_argument("--resume", action="store_true", help="Send what an earlier run left in the spool")
    push.add_argument("--batch-rows", type=int, default=50_000)
    push.add_argument("--spool-dir", default=str(Path.home() / ".local" / "share" / "chitieu" / "spool"))

    rules_cli.register(commands)
    dashboards_cli.register(commands)
    return parser


def parse_date(text: str) -> date:
    return date.fromisoformat(text)


def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    try:
        args.handler(args, get_settings())
    except CatalogueError as error:
        print(error, file=sys.stderr)
        raise SystemExit(1) from None
    except ChitieuError as error:
        print(f"chitieu: {error}", file=sys.stderr)
        raise SystemExit(1) from None
    except KeyboardInterrupt:
        raise SystemExit(130) from None


if __name__ == "__main__":
    main()
