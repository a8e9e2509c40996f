"""The fields a draft adds to the catalogue schema: `quote` and `line` on every indicator, target and task, and a
top-level `review:` list. The loader strips them before the model sees the file; in a draft they are required."""

from typing import Any

DRAFT_ONLY = "review"


def strip_provenance(raw: Any, draft: bool) -> list[tuple[tuple[Any, ...], str]]:
    """Remove the provenance fields from a loaded YAML mapping in place; return (location, message) problems:
    in a draft, an item without its quote or line; outside one, review notes still present."""
    problems: list[tuple[tuple[Any, ...], str]] = []
    if not isinstance(raw, dict):
        return problems
    review = raw.get(DRAFT_ONLY)
    if review and not draft:
        problems.append(((DRAFT_ONLY,), f"{len(review)} review note(s) left: resolve them and delete `review:`"))
    if review is not None and draft and not isinstance(review, list):
        problems.append(((DRAFT_ONLY,), "review must be a list of notes"))
    raw.pop(DRAFT_ONLY, None)
    for key in ("indicators", "tasks"):
        for index, item in enumerate(raw.get(key) or []):
            if not isinstance(item, dict):
                continue
            _take(item, (key, index), draft, problems, keep_quote=False)
            for t, target in enumerate(item.get("targets") or [] if key == "indicators" else []):
                if isinstance(target, dict):
                    _take(target, (key, index, "targets", t), draft, problems, keep_quote=True)
    return problems


def _take(item: dict[str, Any], where: tuple[Any, ...], draft: bool, problems: list[tuple[tuple[Any, ...], str]],
          keep_quote: bool) -> None:  # fmt: skip
    line = item.pop("line", None)
    quote = item.get("quote") if keep_quote else item.pop("quote", None)
    if not draft:
        return
    if not isinstance(line, int) or isinstance(line, bool) or line < 1:
        problems.append((where, "a drafted item needs `line`: its 1-based line in the source text"))
    if not isinstance(quote, str) or len(quote.strip()) < 3:
        problems.append((where, "a drafted item needs `quote`: its words, verbatim from the source text"))
