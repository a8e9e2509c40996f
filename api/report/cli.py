"""`chitieu report`: the periodic results report as a file, registered into the `chitieu` command by api/cli.py."""

import argparse
import os
import tempfile
from datetime import date
from pathlib import Path
from typing import Any

from api.report import ReportFormat


def cmd_report(args: argparse.Namespace, settings: Any) -> None:
    from api.cli import database, parse_date
    from api.report import render
    from api.report.load import load_report
    from indicators.clock import vietnam_today
    from ingest.catalogue_store import read_catalogue
    from ingest.database import connect

    as_of: date = parse_date(args.as_of) if args.as_of else vietnam_today()
    known_at = parse_date(args.known_at) if args.known_at else None
    with database(settings) as server, connect(server.url) as conn:
        catalogue = read_catalogue(conn)
        report = load_report(
            conn,
            catalogue,
            args.programme,
            as_of,
            region=args.region,
            known_at=known_at,
            grace_days=settings.report_grace_days,
        )
    rendered = render(report, ReportFormat(args.format))
    out = Path(args.out) if args.out else Path(rendered.filename)
    write_whole(out, rendered.content)
    print(f"{out} ({len(rendered.content):,} bytes, {len(report.rows)} chỉ tiêu, {len(report.pages)} biểu đồ)")


def write_whole(path: Path, content: bytes) -> None:
    """Write through a temporary file in the same directory and rename: never a half-written report."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=".report-", suffix=path.suffix)
    try:
        with os.fdopen(descriptor, "wb") as file:
            file.write(content)
        Path(temporary).replace(path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def register(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    help_text = "Báo cáo kết quả thực hiện chỉ tiêu (the periodic results report): DOCX, PDF, XLSX or HTML."
    report = commands.add_parser("report", help=help_text, description=help_text)
    report.set_defaults(handler=cmd_report)
    report.add_argument("--programme", required=True, help="Programme id, e.g. qngai-2024")
    report.add_argument("--region", help="Only this region (default: every region of the programme)")
    report.add_argument("--as-of", help="YYYY-MM-DD: periods ended by then (default today, Vietnam)")
    report.add_argument("--known-at", help="YYYY-MM-DD: only revisions recorded by the end of that day")
    report.add_argument("--format", required=True, choices=[f.value for f in ReportFormat])
    report.add_argument("--out", help="Output file (default: the report's Vietnamese file name, here)")
