"""The catalogue drafter on a 50-page document: a resolution's worth of target lists, prose and task blocks.

The document is assembled from the drafter's test texts (tests/fixtures/draft/), repeated with the numbers varied,
to about 3.000 characters a page; the goal is under 2 s for 50 pages (issue 17).
"""

import statistics
import time
from pathlib import Path
from typing import Any

from indicators.draft.build import draft_document
from indicators.draft.text import extract_text
from indicators.draft.vocabulary import load_vocabulary
from ingest.embedded import EmbeddedPostgres

FIXTURES = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "draft"
PAGE_CHARS = 3000
FULL = {"pages": 50, "runs": 5}
QUICK = {"pages": 50, "runs": 2}


def document(pages: int) -> str:
    parts = [path.read_text(encoding="utf-8") for path in sorted(FIXTURES.glob("*.txt"))]
    text, copy = "", 0
    while len(text) < pages * PAGE_CHARS:
        copy += 1
        text += f"\n\nPHẦN {copy}\n\n" + "\n\n".join(parts).replace("2026", str(2026 + copy % 4))
    return text


def run(pg: EmbeddedPostgres, config: dict[str, int]) -> dict[str, Any]:
    text = document(config["pages"])
    data = text.encode("utf-8")
    vocabulary = load_vocabulary()
    times: list[float] = []
    draft = None
    for _ in range(config["runs"]):
        started = time.perf_counter()
        draft = draft_document(extract_text(data, "document.txt"), vocabulary=vocabulary)
        times.append(time.perf_counter() - started)
    assert draft is not None
    result = {
        "pages": config["pages"],
        "characters": len(text),
        "lines": text.count("\n") + 1,
        "indicators": len(draft.catalogue["indicators"]),
        "tasks": len(draft.catalogue["tasks"]),
        "median_s": round(statistics.median(times), 3),
        "max_s": round(max(times), 3),
        "goal_s": 2.0,
    }
    print(f"  draft of {config['pages']} pages: median {result['median_s']} s, max {result['max_s']} s")
    return result
