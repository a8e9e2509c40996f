"""What changed between two catalogue files: indicators, targets and tasks added, removed or changed.

Items are paired by code without the programme prefix (a draft and the published file usually differ in programme
id), then by quote; a reviewer reads the lines top to bottom.
"""

from typing import Any

from indicators.draft.evaluate import _overlap

_IGNORED = {"quote", "line", "targets", "code", "programme"}


def _suffix(code: Any) -> str:
    return str(code).split(".", 1)[-1]


def _pair(old: list[dict[str, Any]], new: list[dict[str, Any]]) -> tuple[list[tuple[dict[str, Any], dict[str, Any]]],
                                                                           list[dict[str, Any]], list[dict[str, Any]]]:  # fmt: skip
    pairs: list[tuple[dict[str, Any], dict[str, Any]]] = []
    left = list(new)
    removed: list[dict[str, Any]] = []
    for item in old:
        match = next((n for n in left if _suffix(n.get("code")) == _suffix(item.get("code"))), None)
        if match is None:
            quote = _quote(item)
            scored = [(_overlap(quote, _quote(n)), i) for i, n in enumerate(left)]
            best = max(scored, default=(0.0, -1))
            match = left[best[1]] if best[0] >= 0.8 else None
        if match is None:
            removed.append(item)
        else:
            left.remove(match)
            pairs.append((item, match))
    return pairs, removed, left


def _quote(item: dict[str, Any]) -> str:
    targets = item.get("targets") or []
    return " ".join(str(t.get("quote", "")) for t in targets) or str(item.get("quote") or item.get("title_vi") or "")


def _target_text(target: dict[str, Any]) -> str:
    values = "-".join(str(target[k]) for k in ("value", "low", "high") if target.get(k) is not None)
    strict = " strict" if target.get("strict") else ""
    basis = f" {target['basis']}" if target.get("basis", "value") != "value" else ""
    return f"{target.get('period')} {target.get('kind')} {values}{strict}{basis}".strip()


def diff_catalogues(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    lines: list[str] = []
    for key, label in (("indicators", "indicator"), ("tasks", "task")):
        pairs, removed, added = _pair(old.get(key) or [], new.get(key) or [])
        for item in removed:
            lines.append(f"- {label} {item.get('code')}: {item.get('name_vi') or item.get('title_vi')}")
        for item in added:
            lines.append(f"+ {label} {item.get('code')}: {item.get('name_vi') or item.get('title_vi')}")
        for before, after in pairs:
            name = after.get("code")
            for field in sorted((set(before) | set(after)) - _IGNORED):
                if before.get(field) != after.get(field):
                    lines.append(f"~ {label} {name}: {field} {before.get(field)!r} -> {after.get(field)!r}")
            old_targets = {_target_text(t) for t in before.get("targets") or []}
            new_targets = {_target_text(t) for t in after.get("targets") or []}
            for text in sorted(old_targets - new_targets):
                lines.append(f"- target {name}: {text}")
            for text in sorted(new_targets - old_targets):
                lines.append(f"+ target {name}: {text}")
    return lines
