"""`chitieu template`: write an office's reporting template (.xlsx) from the database, as GET /v1/templates does."""

import argparse
from pathlib import Path

from api.settings import Settings
from indicators.errors import ChitieuError


def cmd_template(args: argparse.Namespace, settings: Settings) -> None:
    from api.cli import database
    from api.push_cli import read_key_file
    from api.xlsx_template import template_workbook
    from indicators.clock import vietnam_today
    from indicators.forms import period_range
    from indicators.periods import PeriodError
    from ingest.catalogue_store import read_catalogue
    from ingest.database import connect
    from ingest.keys import authenticate
    from ingest.templates import build_form, office_keys

    if bool(args.key_file) == bool(args.office):
        raise ChitieuError("cho --key-file FILE hoặc --office NAME (give either --key-file or --office)")
    try:
        first, last = period_range(args.period, args.first, args.last, vietnam_today())
    except PeriodError as error:
        raise ChitieuError(str(error)) from None
    with database(settings) as server, connect(server.url) as conn:
        catalogue = read_catalogue(conn)
        if args.programme and args.programme not in catalogue.programmes:
            raise ChitieuError(f"không có chương trình {args.programme!r} (no such programme)")
        if args.key_file:
            key = authenticate(conn, read_key_file(Path(args.key_file)))
            if key is None:
                raise ChitieuError(f"{args.key_file}: khóa không hợp lệ (the key is unknown, revoked or expired)")
            keys = [key]
        else:
            try:
                keys = office_keys(conn, args.office)
            except LookupError:
                raise ChitieuError(f"cơ quan {args.office!r} không có khóa còn hiệu lực (no active key)") from None
        form = build_form(conn, catalogue, keys, first, last, args.programme)
    Path(args.out).write_bytes(template_workbook(form, catalogue, settings.report_grace_days))
    print(f"{args.out}: {len(form.rows)} dòng cần báo cáo (rows due) for {form.office}, {first}..{last}")


def register(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    template = commands.add_parser(
        "template",
        help="Write an office's reporting template (.xlsx) to fill and send back with `chitieu push`.",
        description="One row per (indicator, region, period) due that the office may write, with its target and "
        "last value; the value, status and note cells are left to fill.",
    )
    template.set_defaults(handler=cmd_template)
    template.add_argument("--key-file", help="A file holding the office's API key (its scope is the template's)")
    template.add_argument("--office", help="The office's name, as in `chitieu keys create --office`")
    template.add_argument("--programme", help="Only this programme")
    template.add_argument("--period", help="2025, 2025-H1, 2025-Q3 or 2025-09 (default: this year)")
    template.add_argument("--from", dest="first", help="First period of a range")
    template.add_argument("--to", dest="last", help="Last period of a range")
    template.add_argument("--out", required=True, help="e.g. bieu-mau.xlsx")
