"""`chitieu push`: send a CSV file to a chitieu server; `--list` and `--drop` manage the spool.

The key comes from CHITIEU_KEY or --key-file (a file only its owner can read); --key still works but shows the key
to every user of the machine in `ps`, so it warns.
"""

import argparse
import os
import stat
import sys
from collections.abc import Callable
from pathlib import Path

from api.push_client import Pusher, PushFailed, PushReport
from api.spool import Spool
from indicators.errors import ChitieuError

KEY_VARIABLE = "CHITIEU_KEY"
DEFAULT_SPOOL_DIR = Path.home() / ".local" / "share" / "chitieu" / "spool"


def cmd_push(args: argparse.Namespace, settings: object) -> None:
    spool = Spool(Path(args.spool_dir))
    if args.list:
        list_spool(spool)
        return
    if args.drop:
        count = spool.drop(args.drop)
        print(f"đã bỏ (dropped) {count} batch(es) {args.drop} from {spool.directory}")
        return
    if not args.file and not args.resume:
        raise ChitieuError("cần một tệp (give a FILE to push), or --resume to send what is left in the spool")
    if not args.server or not args.server.startswith(("http://", "https://")) or args.server.endswith("://"):
        raise ChitieuError(
            f"cần --server http(s)://HOST:PORT (the server to send to), e.g. http://127.0.0.1:8000, not {args.server!r}"
        )
    pusher = Pusher(args.server, read_key(args), spool.directory, decimal=args.decimal, partial=args.partial)
    if args.file:
        batches = pusher.spool(Path(args.file), args.batch_rows)
        print(f"{args.file}: {batches} batch(es) queued in {args.spool_dir}")
    try:
        report = send(pusher)
    except PushFailed as error:
        print_refusals(error.report)
        raise
    print(
        f"imported {report.imported}, updated {report.updated}, ignored {report.ignored}, rejected {report.rejected}"
        f" ({report.batches_sent} batch(es))"
    )
    for row_error in report.errors[:50]:
        print(f"  row {row_error['row']}: {row_error['field']}: {row_error['message']}")
    print_refusals(report)
    if report.rejected or report.refused:
        raise SystemExit(2)


def send(pusher: Pusher) -> PushReport:
    from rich.progress import Progress

    total = sum(batch.rows() for batch in pusher.store.pending())
    with Progress(transient=True) as progress:
        task = progress.add_task("đang gửi (sending)", total=total)
        return pusher.send_spool(lambda rows: progress.advance(task, rows))


def print_refusals(report: PushReport) -> None:
    for refused in report.refused:
        print(f"chitieu: {refused.line()}", file=sys.stderr)


def list_spool(spool: Spool) -> None:
    entries = spool.entries()
    if not entries:
        print(f"hàng đợi trống (the spool is empty): {spool.directory}")
        return
    for entry in entries:
        line = f"{entry.batch_id:>9}  {entry.state:8}  {entry.rows:>7} row(s)  {entry.source}"
        print(f"{line}  {entry.problem}" if entry.problem else line)


def read_key(args: argparse.Namespace) -> str:
    if args.key_file:
        return read_key_file(Path(args.key_file))
    if args.key:
        print(
            "chitieu: cảnh báo: --key hiện trong `ps` với mọi người dùng máy này (warning: --key is visible to every "
            f"user in ps); dùng (use) {KEY_VARIABLE} or --key-file",
            file=sys.stderr,
        )
        return str(args.key)
    key = os.environ.get(KEY_VARIABLE, "").strip()
    if not key:
        raise ChitieuError(
            f"cần khoá API (an API key is needed): set {KEY_VARIABLE} or give --key-file FILE (chmod 600)"
        )
    return key


def read_key_file(path: Path) -> str:
    """The key on the file's first line; refused when the group or others may read the file."""
    mode = path.stat().st_mode
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise ChitieuError(
            f"{path}: người khác đọc được khoá (the key file is open to group/others, mode {stat.filemode(mode)}): "
            f"chmod 600 {path}"
        )
    lines = [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    if not lines:
        raise ChitieuError(f"{path}: tệp khoá trống (the key file is empty)")
    return lines[0]


def register(
    commands: "argparse._SubParsersAction[argparse.ArgumentParser]", positive_int: Callable[[str], int]
) -> None:
    push = commands.add_parser(
        "push", help="Send a CSV file of observations to a chitieu server.",
        description="Send a CSV file of observations to a chitieu server, in batches, through a spool on disk. "
        f"The key: {KEY_VARIABLE}, or --key-file (mode 600).",
    )  # fmt: skip
    push.set_defaults(handler=cmd_push)
    push.add_argument(
        "file", nargs="?", help="CSV with columns indicator, region, period, value[, status, note], or a workbook "
        "(.xlsx: a filled `chitieu template`, or a sheet with those columns; .xls, .ods)",
    )  # fmt: skip
    push.add_argument("--server", help="e.g. http://127.0.0.1:8000")
    push.add_argument("--key-file", help="A file holding the office's API key (mode 600)")
    push.add_argument("--key", help=f"The office's API key (visible in ps: prefer {KEY_VARIABLE} or --key-file)")
    push.add_argument("--decimal", choices=["comma", "dot"], help="Number format of the file")
    push.add_argument("--partial", action="store_true", help="Write valid rows even if others are invalid")
    push.add_argument("--resume", action="store_true", help="Send what an earlier run left in the spool")
    push.add_argument("--list", action="store_true", help="List the spool: pending and rejected batches")
    push.add_argument("--drop", metavar="ID", help="Remove a batch (7.1) or a file's batches (7) from the spool")
    push.add_argument("--batch-rows", type=positive_int, default=50_000)
    push.add_argument("--spool-dir", default=str(DEFAULT_SPOOL_DIR))
