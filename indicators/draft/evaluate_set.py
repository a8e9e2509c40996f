"""Score the drafter on a set of texts, each beside its expected facts.

    python -m indicators.draft.evaluate_set DIR [--json] [--verbose]

DIR holds `NAME.txt` documents and `NAME.expected.yaml` files: the region code and name, the programme id, optionally
the title, the indicators and tasks in the catalogue schema (scored by `indicators.draft.evaluate`), and the reported
results the `--results` CSV must hold (indicator slug, period, value, status). The figures are summed over the set:
recall and precision of target leaves, field accuracy of the matched ones, tasks with lead and deadline right, the
header facts, and recall and precision of result rows.
"""

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

from indicators.draft.build import draft_document
from indicators.draft.evaluate import evaluate
from indicators.numbers import parse_vi

_FIELDS = ("kind", "strict", "direction", "period", "unit", "basis")


def _number(text: Any) -> float | None:
    try:
        return parse_vi(str(text))
    except ValueError:
        return None


def score_results(rows: list[dict[str, str]], expected: list[dict[str, Any]]) -> dict[str, Any]:
    """Expected result rows found in the draft's rows (same value and period), and whether indicator and status match."""
    used: set[int] = set()
    found, right, missed = 0, 0, []
    wrong: list[str] = []
    for want in expected:
        value, period = _number(want["value"]), str(want["period"])
        match = next((i for i, row in enumerate(rows) if i not in used and _number(row["value"]) == value
                      and row["period"] == period), None)  # fmt: skip
        if match is None:
            missed.append(f"{want['indicator']} {period} {want['value']}")
            continue
        used.add(match)
        found += 1
        row = rows[match]
        slug_ok = row["indicator"].rsplit(".", 1)[-1].startswith(str(want["indicator"]))
        if slug_ok and row["status"] == want["status"]:
            right += 1
        else:
            wrong.append(f"{want['indicator']} {period}: got {row['indicator']} {row['status']}")
    extra = [f"{row['indicator']} {row['period']} {row['value']}" for i, row in enumerate(rows) if i not in used]
    return {"expected": len(expected), "drafted": len(rows), "found": found, "right": right, "missed": missed,
            "wrong": wrong, "extra": extra}  # fmt: skip


def score_document(text: str, expected: dict[str, Any]) -> dict[str, Any]:
    draft = draft_document(text)
    catalogue = draft.catalogue
    reference = {"indicators": expected.get("indicators") or [], "tasks": expected.get("tasks") or []}
    report = evaluate(catalogue, reference)
    region = catalogue["regions"][0]
    header = {
        "region": (region["code"], expected.get("region")),
        "region_name": (region["name_vi"], expected.get("region_name")),
        "programme": (catalogue["programme"]["id"], expected.get("programme")),
    }
    if "title" in expected:
        header["title"] = (catalogue["programme"]["title_vi"], expected["title"])
    report["header"] = {key: {"got": got, "want": want, "ok": got == want} for key, (got, want) in header.items()}
    report["results"] = score_results(draft.results, expected.get("results") or [])
    return report


def score_set(directory: Path) -> dict[str, Any]:
    documents: dict[str, Any] = {}
    for path in sorted(directory.glob("*.txt")):
        expected_path = path.with_name(path.stem + ".expected.yaml")
        if not expected_path.exists():
            continue
        expected = YAML(typ="safe").load(expected_path.read_text(encoding="utf-8"))
        documents[path.stem] = score_document(path.read_text(encoding="utf-8"), expected)
    return {"documents": documents, "totals": totals(documents)}


def totals(documents: dict[str, Any]) -> dict[str, Any]:
    t = {"reference_leaves": 0, "exact": 0, "drafted_computable": 0, "invented": 0, "field_errors": 0,
         "tasks": 0, "tasks_right": 0, "header": 0, "header_right": 0, "results_expected": 0, "results_found": 0,
         "results_right": 0, "results_drafted": 0}  # fmt: skip
    for report in documents.values():
        targets, tasks, results = report["targets"], report["tasks"], report["results"]
        t["reference_leaves"] += targets["reference_leaves"]
        t["exact"] += targets["exact"]
        t["drafted_computable"] += targets["drafted_computable"]
        t["invented"] += len(targets["invented"])
        t["field_errors"] += len(targets["mismatched"])
        t["tasks"] += tasks["reference"]
        t["tasks_right"] += tasks["lead_and_deadline_right"]
        t["header"] += len(report["header"])
        t["header_right"] += sum(item["ok"] for item in report["header"].values())
        t["results_expected"] += results["expected"]
        t["results_found"] += results["found"]
        t["results_right"] += results["right"]
        t["results_drafted"] += results["drafted"]
    return t


def _share(part: int, whole: int) -> str:
    return f"{part}/{whole} ({100 * part / whole:.1f} %)" if whole else f"{part}/0"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m indicators.draft.evaluate_set", description=__doc__.split("\n")[0])
    parser.add_argument("directory", type=Path)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--verbose", "-v", action="store_true")
    args = parser.parse_args(argv)
    report = score_set(args.directory)
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
        return 0
    for name, doc in report["documents"].items():
        t, k, r = doc["targets"], doc["tasks"], doc["results"]
        bad_header = [f"{key} {item['got']!r} (want {item['want']!r})" for key, item in doc["header"].items()
                      if not item["ok"]]  # fmt: skip
        print(f"{name}: targets {t['exact']}/{t['reference_leaves']}, invented {len(t['invented'])}, "
              f"field errors {len(t['mismatched'])}; tasks {k['lead_and_deadline_right']}/{k['reference']}; "
              f"results {r['right']}/{r['expected']} (+{len(r['extra'])} extra)")  # fmt: skip
        if args.verbose:
            lines = [f"header {line}" for line in bad_header] + [f"missed {line}" for line in t["missed"]]
            lines += [f"invented {line}" for line in t["invented"]] + [f"differs {line}" for line in t["mismatched"]]
            lines += [f"task {line}" for line in k["wrong"]] + [f"result missed {line}" for line in r["missed"]]
            lines += [f"result wrong {line}" for line in r["wrong"]] + [f"result extra {line}" for line in r["extra"]]
            for line in lines:
                print(f"    {line}")
    t = report["totals"]
    precision = t["drafted_computable"] - t["invented"]
    print(f"target leaves exact: {_share(t['exact'], t['reference_leaves'])}; precision "
          f"{_share(precision, t['drafted_computable'])}; field errors in matched leaves: {t['field_errors']}")  # fmt: skip
    print(f"tasks with lead and deadline right: {_share(t['tasks_right'], t['tasks'])}")
    print(f"header facts right (region, name, programme, title): {_share(t['header_right'], t['header'])}")
    print(f"result rows: found {_share(t['results_found'], t['results_expected'])}, right "
          f"{_share(t['results_right'], t['results_expected'])}, drafted {t['results_drafted']}")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
