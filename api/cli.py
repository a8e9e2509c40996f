"""The `chitieu` command: serve the API, manage the database, the catalogue, keys, rules and dashboards."""

import argparse
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

from api.settings import Settings, get_settings
from indicators.catalogue import CatalogueError
from ingest.database import DatabaseServer
from ingest.errors import ChitieuError


@contextmanager
def database(settings: Settings) -> Iterator[DatabaseServer]:
    """The configured database, migrated; an embedded cluster started here is stopped on the way out."""
    from ingest.database import connect
    from ingest.migrate import migrate

    server = DatabaseServer.open(
        settings.database_url,
        settings.data_dir,
        settings.embedded_port,
        settings.embedded_database,
    )
    try:
        with connect(server.url) as conn:
            migrate(conn)
        yield server
    finally:
        server.close()


def cmd_serve(args: argparse.Namespace, settings: Settings) -> None:
    import uvicorn

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

            os.environ["CHITIEU_DATABASE_URL"] = server.url
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


def cmd_catalogue_validate(args: argparse.Namespace, settings: Settings) -> None:
    from indicators.catalogue import catalogue_files, validate

    path = Path(args.path) if args.path else settings.catalogue_dir
    issues = validate(path)
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

    catalogue = commands.add_parser("catalogue", help="The indicator catalogue (YAML).").add_subparsers(
        dest="catalogue", required=True
    )
    validate = add(catalogue, "validate", cmd_catalogue_validate, "Validate catalogue files; exit 1 on any error.")
    validate.add_argument("path", nargs="?", help="A file or directory (default: the bundled catalogue).")
    load = add(catalogue, "load", cmd_catalogue_load, "Load the catalogue into the database (idempotent).")
    load.add_argument("path", nargs="?", help="A file or directory (default: the bundled catalogue).")
    load.add_argument("--archive", action="store_true", help="Archive removed indicators that have observations.")
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
