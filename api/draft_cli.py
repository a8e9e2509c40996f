"""`chitieu catalogue draft` and `chitieu catalogue diff`: a reviewable catalogue draft from a document, and what
changed between two catalogue files. Registered by api/cli.py; the drafting itself is in indicators/draft/."""

import argparse
import csv
import io
import os
import tempfile
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from indicators.draft.build import draft_document
from indicators.draft.diff import diff_catalogues
from indicators.draft.text import DraftInputError, read_document
from indicators.draft.vocabulary import VocabularyError, load_vocabulary
from indicators.errors import InvalidInput


class DraftCommandError(InvalidInput):
    pass


def cmd_catalogue_draft(args: argparse.Namespace, settings: object) -> None:
    try:
        vocabulary = load_vocabulary(Path(args.vocabulary) if args.vocabulary else None)
        text = read_document(Path(args.file))
    except (DraftInputError, VocabularyError) as error:
        raise DraftCommandError(str(error)) from None
    draft = draft_document(text, programme=args.programme, region=args.region, year=args.year, vocabulary=vocabulary)
    catalogue = draft.catalogue
    if args.out:
        _write_atomically(Path(args.out), draft.yaml())
    else:
        print(draft.yaml(), end="")
    if args.results:
        _write_atomically(Path(args.results), results_csv(draft.results))
    summary = (f"draft: {len(catalogue['indicators'])} indicator(s), {len(catalogue['tasks'])} task(s), "
               f"{len(draft.results)} result(s), {len(catalogue['review'])} review note(s)")  # fmt: skip
    print(summary, file=__import__("sys").stderr)


def results_csv(rows: list[dict[str, str]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=["indicator", "region", "period", "value", "status", "note"],
                            delimiter=";", lineterminator="\n")  # fmt: skip
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def _write_atomically(path: Path, text: str) -> None:
    """Nothing half-written: a temporary file beside the target, renamed over it."""
    directory = path.resolve().parent
    if not directory.is_dir():
        raise DraftCommandError(f"thư mục không tồn tại (no such directory): {directory}")
    fd, temporary = tempfile.mkstemp(dir=directory, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        Path(temporary).replace(path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _load(path: Path) -> dict[str, Any]:
    try:
        data: Any = YAML(typ="safe").load(path.read_text(encoding="utf-8"))
    except (OSError, YAMLError, UnicodeDecodeError) as error:
        raise DraftCommandError(f"không đọc được (cannot read) {path}: {str(error).splitlines()[0]}") from None
    if not isinstance(data, dict):
        raise DraftCommandError(f"{path}: not a catalogue file (expected a mapping)")
    return data


def cmd_catalogue_diff(args: argparse.Namespace, settings: object) -> None:
    lines = diff_catalogues(_load(Path(args.old)), _load(Path(args.new)))
    for line in lines:
        print(line)
    if not lines:
        print("no differences (không có khác biệt)")


def register(catalogue: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    draft = catalogue.add_parser("draft", help="Draft a catalogue file from a document (text, .docx, .pdf).",
                                 description="Draft a catalogue file from a document (text, .docx, .pdf).")  # fmt: skip
    draft.set_defaults(handler=cmd_catalogue_draft)
    draft.add_argument("file", help="The document: UTF-8/UTF-16/Windows-1258 text, .docx, or .pdf with a text layer")
    draft.add_argument("--programme", help="Programme id (default: from the province and the year)")
    draft.add_argument("--region", help="Province region code (default: from the text)")
    draft.add_argument("--year", type=int, help="The target year (default: from the heading)")
    draft.add_argument("--out", help="Write the draft YAML here (default: standard output)")
    draft.add_argument("--results", help="Write reported results here as push-format CSV")
    draft.add_argument("--vocabulary", help="A YAML file of extra indicator names (format of the bundled one)")
    diff = catalogue.add_parser("diff", help="What changed between two catalogue files.",
                                description="Indicators, targets and tasks added, removed or changed.")  # fmt: skip
    diff.set_defaults(handler=cmd_catalogue_diff)
    diff.add_argument("old")
    diff.add_argument("new")
