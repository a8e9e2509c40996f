"""Score a catalogue draft against a reference catalogue file.

    python -m indicators.draft.evaluate DRAFT.yaml REFERENCE.yaml [--json]

Target leaves: every computable target (not qualitative, not derived) of the reference. A draft target matches a
reference target when their values are equal and their quotes overlap; matched pairs are then compared on kind,
comparator (kind and strictness), direction, period, unit and basis. Invented targets: computable draft targets that
match no reference target at all. Tasks match by section, else by title; a task is right when its lead agencies
(by name) and its schedule (due date, review cadence, event) equal the reference's.
"""

import argparse
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

from indicators.draft.phrases import fold
from indicators.numbers import parse_vi


@dataclass
class Leaf:
    code: str
    kind: str
    values: tuple[float, ...]
    strict: bool
    basis: str
    period: str
    unit: str
    direction: str
    quote: str
    computable: bool


def _load(path: Path) -> dict[str, Any]:
    data: Any = YAML(typ="safe").load(path.read_text(encoding="utf-8"))
    return data if isinstance(data, dict) else {}


def _number(value: Any) -> float | None:
    if value is None:
        return None
    try:
        return parse_vi(value if isinstance(value, int | float) else str(value))
    except ValueError:
        return None


def leaves(catalogue: dict[str, Any]) -> list[Leaf]:
    found: list[Leaf] = []
    for indicator in catalogue.get("indicators") or []:
        for target in indicator.get("targets") or []:
            values = tuple(v for v in (_number(target.get(k)) for k in ("value", "low", "high")) if v is not None)
            kind = str(target.get("kind"))
            found.append(Leaf(str(indicator.get("code")), kind, values, bool(target.get("strict")),
                              str(target.get("basis", "value")), str(target.get("period")), str(indicator.get("unit")),
                              str(indicator.get("direction")), str(target.get("quote", "")),
                              kind != "qualitative" and not target.get("derived")))  # fmt: skip
    return found


def _words(text: str) -> set[str]:
    return set(re.findall(r"[a-z0-9]+", fold(text)))


def _overlap(a: str, b: str) -> float:
    wa, wb = _words(a), _words(b)
    return len(wa & wb) / min(len(wa), len(wb)) if wa and wb else 0.0


def match_leaves(reference: list[Leaf], draft: list[Leaf]) -> list[tuple[Leaf, Leaf]]:
    pairs: list[tuple[Leaf, Leaf]] = []
    used: set[int] = set()
    for ref in reference:
        best, best_score = None, 0.0
        for index, candidate in enumerate(draft):
            if index in used or not candidate.values or candidate.values != ref.values:
                continue
            score = _overlap(ref.quote, candidate.quote)
            if score > best_score:
                best, best_score = index, score
        if best is not None and best_score >= 0.5:
            used.add(best)
            pairs.append((ref, draft[best]))
    return pairs


def _agency_names(catalogue: dict[str, Any]) -> dict[str, str]:
    return {str(a.get("code")): str(a.get("name_vi", a.get("code"))) for a in catalogue.get("agencies") or []}


_ABBREVIATIONS = {"ubnd": "uy ban nhan dan", "bcs": "ban can su", "bcd": "ban chi dao", "hdnd": "hoi dong nhan dan",
                  "mttq": "mat tran to quoc", "tu": "tinh uy"}  # fmt: skip


def _norm_agency(name: str) -> str:
    words = re.findall(r"[a-z0-9]+", fold(name))
    return " ".join(_ABBREVIATIONS.get(word, word) for word in words)


def evaluate(draft: dict[str, Any], reference: dict[str, Any]) -> dict[str, Any]:
    ref_leaves, draft_leaves = leaves(reference), leaves(draft)
    formal = [leaf for leaf in ref_leaves if leaf.computable]
    draft_computable = [leaf for leaf in draft_leaves if leaf.computable or leaf.values]
    pairs = match_leaves(formal, draft_computable)
    all_pairs = match_leaves([leaf for leaf in ref_leaves if leaf.values], draft_computable)
    matched_draft = {id(d) for _, d in all_pairs}
    invented = [leaf for leaf in draft_computable if id(leaf) not in matched_draft]

    def accuracy(field: str) -> float | None:
        if not pairs:
            return None
        return float(sum(getattr(r, field) == getattr(d, field) for r, d in pairs) / len(pairs))

    comparator = sum((r.kind, r.strict) == (d.kind, d.strict) for r, d in pairs) / len(pairs) if pairs else None
    tasks = _evaluate_tasks(draft, reference)
    return {
        "targets": {
            "reference_leaves": len(formal),
            "drafted_computable": len(draft_computable),
            "exact": len(pairs),
            "recall": round(len(pairs) / len(formal), 3) if formal else None,
            "precision": round(1 - len(invented) / len(draft_computable), 3) if draft_computable else None,
            "invented": [f"{leaf.code}: {leaf.quote[:80]}" for leaf in invented],
            "mismatched": [
                f"{r.code}: {field} {getattr(d, field)} vs {getattr(r, field)}"
                for r, d in pairs
                for field in ("kind", "strict", "direction", "period", "unit", "basis")
                if getattr(r, field) != getattr(d, field)
            ],
            "missed": [f"{leaf.code}: {leaf.quote[:80]}" for leaf in formal if all(leaf is not r for r, _ in pairs)],
            "accuracy": {
                name: None if value is None else round(value, 3)
                for name, value in {
                    "kind": accuracy("kind"),
                    "comparator": comparator,
                    "direction": accuracy("direction"),
                    "period": accuracy("period"),
                    "unit": accuracy("unit"),
                    "basis": accuracy("basis"),
                }.items()
            },
        },
        "tasks": tasks,
    }


def _evaluate_tasks(draft: dict[str, Any], reference: dict[str, Any]) -> dict[str, Any]:
    ref_tasks, draft_tasks = reference.get("tasks") or [], draft.get("tasks") or []
    ref_names, draft_names = _agency_names(reference), _agency_names(draft)
    scored: list[tuple[float, int, int]] = []
    for r, task in enumerate(ref_tasks):
        for d, candidate in enumerate(draft_tasks):
            score = _overlap(str(task.get("title_vi", "")), str(candidate.get("title_vi", "")))
            if str(candidate.get("section")) == str(task.get("section")):
                score += 0.5
            if score >= 0.5:
                scored.append((score, r, d))
    pairing: dict[int, int] = {}
    used: set[int] = set()
    for _, r, d in sorted(scored, key=lambda item: -item[0]):
        if r not in pairing and d not in used:
            pairing[r] = d
            used.add(d)
    right_lead = right_schedule = right_both = matched = 0
    wrong: list[str] = []
    for r, task in enumerate(ref_tasks):
        best = pairing.get(r)
        if best is None:
            wrong.append(f"{task.get('code')}: not drafted")
            continue
        matched += 1
        candidate = draft_tasks[best]
        ref_lead = {_norm_agency(ref_names.get(code, code)) for code in task.get("lead") or []}
        got_lead = {_norm_agency(draft_names.get(code, code)) for code in candidate.get("lead") or []}
        lead_ok = ref_lead == got_lead
        schedule_ok = all(str(task.get(k) or "") == str(candidate.get(k) or "") for k in ("due", "review_every")) and (
            bool(task.get("until_event")) == bool(candidate.get("until_event")))  # fmt: skip
        right_lead += lead_ok
        right_schedule += schedule_ok
        right_both += lead_ok and schedule_ok
        if not (lead_ok and schedule_ok):
            wrong.append(f"{task.get('code')}: lead {sorted(got_lead)} vs {sorted(ref_lead)}; "
                         f"due {candidate.get('due')}/{candidate.get('review_every')} vs "
                         f"{task.get('due')}/{task.get('review_every')}")  # fmt: skip
    total = len(ref_tasks)
    return {
        "reference": total,
        "drafted": len(draft_tasks),
        "matched": matched,
        "lead_and_deadline_right": right_both,
        "share_right": round(right_both / total, 3) if total else None,
        "lead_right": right_lead,
        "deadline_right": right_schedule,
        "wrong": wrong,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m indicators.draft.evaluate", description=__doc__.split("\n")[0])
    parser.add_argument("draft", type=Path)
    parser.add_argument("reference", type=Path)
    parser.add_argument("--json", action="store_true", help="print the full report as JSON")
    args = parser.parse_args(argv)
    try:
        report = evaluate(_load(args.draft), _load(args.reference))
    except (OSError, ValueError) as error:
        print(f"evaluate: {error}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
        return 0
    t, k = report["targets"], report["tasks"]
    print(f"targets: {t['exact']}/{t['reference_leaves']} reference leaves exact (recall {t['recall']}), "
          f"precision {t['precision']} ({len(t['invented'])} invented of {t['drafted_computable']})")  # fmt: skip
    print("  accuracy of matched: " + ", ".join(f"{name} {value}" for name, value in t["accuracy"].items()))
    for line in t["missed"]:
        print(f"  missed: {line}")
    for line in t["mismatched"]:
        print(f"  differs: {line}")
    for line in t["invented"]:
        print(f"  invented: {line}")
    print(f"tasks: {k['lead_and_deadline_right']}/{k['reference']} with lead and deadline right "
          f"(lead {k['lead_right']}, deadline {k['deadline_right']}, drafted {k['drafted']})")  # fmt: skip
    for line in k["wrong"]:
        print(f"  {line}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
