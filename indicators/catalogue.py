"""Reading and validating the catalogue: one YAML file per source document, checked one by one and together.

Errors name the file, the line and the field, so an official editing a YAML file can find the mistake.
"""

import hashlib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError

from indicators.draft.provenance import strip_provenance
from indicators.errors import ChitieuError
from indicators.model import Agency, CatalogueFile, Indicator, Programme, Region, TargetKind, Task
from indicators.numbers import format_vi
from indicators.rollup import rollup_issues

DEFAULT_DIR = Path(__file__).parent / "catalogue"


@dataclass(frozen=True)
class CatalogueIssue:
    file: Path
    line: int | None
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else str(self.file)
        return f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"


class CatalogueError(ChitieuError):
    def __init__(self, issues: list[CatalogueIssue]) -> None:
        super().__init__("\n".join(str(issue) for issue in issues))
        self.issues = issues


@dataclass
class Catalogue:
    programmes: dict[str, Programme] = field(default_factory=dict)
    regions: dict[str, Region] = field(default_factory=dict)
    agencies: dict[str, Agency] = field(default_factory=dict)
    indicators: dict[str, Indicator] = field(default_factory=dict)
    tasks: dict[str, Task] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)  # programme id -> source document number
    digest: str = ""

    def province_of(self, indicator: Indicator) -> str:
        return self.programmes[indicator.programme].province

    def regions_of(self, indicator: Indicator) -> list[str]:
        return indicator.regions or [self.province_of(indicator)]

    def region_chain(self, code: str) -> list[str]:
        """The region and the regions it lies in, nearest first (an unknown code: itself alone)."""
        chain = [code]
        parent = self.regions[code].parent if code in self.regions else None
        while parent and parent not in chain:
            chain.append(parent)
            parent = self.regions[parent].parent if parent in self.regions else None
        return chain


def catalogue_files(path: Path) -> list[Path]:
    return sorted(path.glob("*.yaml")) if path.is_dir() else [path]


def load_catalogue(path: Path = DEFAULT_DIR) -> Catalogue:
    """Read and validate every file; raise CatalogueError listing every problem found."""
    catalogue, issues = _read(path)
    if issues:
        raise CatalogueError(issues)
    return catalogue


def validate(path: Path = DEFAULT_DIR, draft: bool = False) -> list[CatalogueIssue]:
    """Every problem in the files; `draft` accepts the drafter's `review:` notes and requires `quote` and `line`."""
    return _read(path, draft)[1]


def _read(path: Path, draft: bool = False) -> tuple[Catalogue, list[CatalogueIssue]]:
    files = catalogue_files(path)
    if not files:
        return Catalogue(), [CatalogueIssue(path, None, "", "no catalogue files (*.yaml) found")]
    issues: list[CatalogueIssue] = []
    parsed: list[tuple[Path, CommentedMap, CatalogueFile]] = []
    digest = hashlib.sha256()
    for file in files:
        text = file.read_bytes()
        digest.update(file.name.encode() + b"\0" + text)
        try:
            raw = YAML(typ="rt").load(text)
        except YAMLError as error:
            mark = getattr(error, "problem_mark", None)
            issues.append(CatalogueIssue(file, mark.line + 1 if mark else None, "", f"not valid YAML: {error}"))
            continue
        if not isinstance(raw, CommentedMap):
            issues.append(CatalogueIssue(file, 1, "", "the file must be a mapping with programme, indicators..."))
            continue
        for location, message in strip_provenance(raw, draft):  # drafts' quote/line/review (indicators/draft)
            issues.append(CatalogueIssue(file, line_of(raw, location), _field_name(raw, location), message))
        try:
            parsed.append((file, raw, CatalogueFile.model_validate(raw)))
        except ValidationError as error:
            for item in error.errors():
                location = item["loc"]
                issues.append(CatalogueIssue(file, line_of(raw, location), _field_name(raw, location), item["msg"]))
    catalogue = Catalogue(digest=digest.hexdigest())
    for file, raw, content in parsed:
        issues.extend(_merge(catalogue, file, raw, content))
    issues.extend(_check_references(catalogue, {content.programme.id: (file, raw) for file, raw, content in parsed}))
    return catalogue, issues


def _merge(catalogue: Catalogue, file: Path, raw: CommentedMap, content: CatalogueFile) -> Iterator[CatalogueIssue]:
    programme = content.programme
    if programme.id in catalogue.programmes:
        yield CatalogueIssue(
            file,
            line_of(raw, ("programme", "id")),
            "programme.id",
            f"duplicate programme id {programme.id!r}",
        )
    catalogue.programmes[programme.id] = programme
    catalogue.sources[programme.id] = content.source
    shared: list[tuple[str, list[Any], dict[str, Any]]] = [
        ("regions", list(content.regions), catalogue.regions),
        ("agencies", list(content.agencies), catalogue.agencies),
    ]
    for key, items, seen in shared:
        for index, item in enumerate(items):
            if item.code in seen and seen[item.code] != item:
                yield CatalogueIssue(
                    file, line_of(raw, (key, index)), f"{key}[{index}]",
                    f"{item.code!r} is declared elsewhere with different content",
                )  # fmt: skip
            seen[item.code] = item
    owned: list[tuple[str, list[Any], dict[str, Any]]] = [
        ("indicators", list(content.indicators), catalogue.indicators),
        ("tasks", list(content.tasks), catalogue.tasks),
    ]
    for key, items, seen in owned:
        for index, item in enumerate(items):
            if item.code in seen:
                yield CatalogueIssue(
                    file,
                    line_of(raw, (key, index, "code")),
                    f"{key}[{index}].code",
                    f"duplicate code {item.code!r}",
                )
            seen[item.code] = item


def _check_references(catalogue: Catalogue, raws: dict[str, tuple[Path, CommentedMap]]) -> Iterator[CatalogueIssue]:
    def issue(programme: str, location: tuple[Any, ...], message: str) -> CatalogueIssue:
        file, raw = raws[programme]
        return CatalogueIssue(file, line_of(raw, location), _field_name(raw, location), message)

    for programme in catalogue.programmes.values():
        if programme.province not in catalogue.regions:
            yield issue(programme.id, ("programme", "province"), f"unknown region {programme.province!r}")
    for region in catalogue.regions.values():
        if region.parent and region.parent not in catalogue.regions:
            yield CatalogueIssue(Path("regions"), None, region.code, f"unknown parent region {region.parent!r}")

    positions = _positions(raws, "indicators")
    for code, indicator in catalogue.indicators.items():
        programme = catalogue.programmes[indicator.programme]
        index = positions[code]
        for region_code in indicator.regions:
            if region_code not in catalogue.regions:
                yield issue(programme.id, ("indicators", index, "regions"), f"unknown region {region_code!r}")
        if indicator.owner and indicator.owner not in catalogue.agencies:
            yield issue(programme.id, ("indicators", index, "owner"), f"unknown agency {indicator.owner!r}")
        if indicator.parent:
            parent = catalogue.indicators.get(indicator.parent)
            if parent is None:
                yield issue(programme.id, ("indicators", index, "parent"), f"parent {indicator.parent!r} is missing")
            elif parent.programme != indicator.programme:
                yield issue(programme.id, ("indicators", index, "parent"), "the parent belongs to another programme")
            elif _has_cycle(catalogue, code):
                yield issue(programme.id, ("indicators", index, "parent"), "parents form a cycle")
        for name, message in rollup_issues(indicator, catalogue.indicators, catalogue.regions_of):
            yield issue(programme.id, ("indicators", index, "rollup", name), message)
        if indicator.baseline is not None:
            latest_end = max(target.period.last_year for target in indicator.targets)
            if indicator.baseline.period.year > latest_end:
                yield issue(
                    programme.id, ("indicators", index, "baseline", "period"),
                    f"baseline {indicator.baseline.period} is after the target period ending {latest_end}",
                )  # fmt: skip
        for t, target in enumerate(indicator.targets):
            where = ("indicators", index, "targets", t)
            if not (programme.start_year <= target.period.first_year and target.period.last_year <= programme.end_year):
                yield issue(
                    programme.id, (*where, "period"),
                    f"target period {target.period} is outside the programme period "
                    f"{programme.start_year}-{programme.end_year}",
                )  # fmt: skip
            if target.kind is not TargetKind.qualitative and not target.derived:
                for name, value in (("value", target.value), ("low", target.low), ("high", target.high)):
                    if value is not None and not quote_contains(target.quote, value):
                        yield issue(
                            programme.id, (*where, name),
                            f"{format_vi(value)} does not appear in the quote; fix the value or set derived: true",
                        )  # fmt: skip

    task_positions = _positions(raws, "tasks")
    for code, task in catalogue.tasks.items():
        programme = catalogue.programmes[task.programme]
        index = task_positions[code]
        for key in ("lead", "cooperating"):
            for agency in getattr(task, key):
                if agency not in catalogue.agencies:
                    yield issue(programme.id, ("tasks", index, key), f"unknown agency {agency!r}")
        if task.due and not (programme.start_year - 1 <= task.due.year <= programme.end_year):
            yield issue(programme.id, ("tasks", index, "due"), f"due {task.due} is outside the programme period")
        for a, attribute in enumerate(task.attributes):
            if not quote_contains(attribute.quote, attribute.value):
                yield issue(
                    programme.id, ("tasks", index, "attributes", a, "value"),
                    f"{format_vi(attribute.value)} does not appear in the quote",
                )  # fmt: skip


def quote_contains(quote: str, value: float) -> bool:
    """Whether the number is written in the quote the Vietnamese way (7.5 -> "7,5", 1910 -> "1.910", 7 -> "07")."""
    written = format_vi(abs(value))
    return (
        re.search(rf"(?<![\d,.]){re.escape(written)}(?![\d]|[,.]\d)", re.sub(r"(?<![\d.,])0+(?=\d)", "", quote))
        is not None
    )


def _positions(raws: dict[str, tuple[Path, CommentedMap]], key: str) -> dict[str, int]:
    positions: dict[str, int] = {}
    for _, raw in raws.values():
        for index, item in enumerate(raw.get(key) or []):
            if isinstance(item, dict) and isinstance(item.get("code"), str):
                positions.setdefault(item["code"], index)
    return positions


def _has_cycle(catalogue: Catalogue, code: str) -> bool:
    seen = {code}
    parent = catalogue.indicators[code].parent
    while parent:
        if parent in seen:
            return True
        seen.add(parent)
        parent_indicator = catalogue.indicators.get(parent)
        parent = parent_indicator.parent if parent_indicator else None
    return False


def line_of(raw: Any, location: Iterable[Any]) -> int | None:
    """The 1-based line of the deepest node of `location` that exists in the YAML tree."""
    node, line = raw, getattr(getattr(raw, "lc", None), "line", None)
    for part in location:
        if isinstance(node, CommentedMap) and part in node:
            line = node.lc.key(part)[0]
            node = node[part]
        elif isinstance(node, CommentedSeq) and isinstance(part, int) and 0 <= part < len(node):
            line = node.lc.item(part)[0]
            node = node[part]
        else:
            break
    return None if line is None else line + 1


def _field_name(raw: Any, location: Iterable[Any]) -> str:
    """Location as a readable path, naming list items by their code: indicators[qngai-2024.grdp].targets[0].low."""
    parts: list[str] = []
    node = raw
    for part in location:
        if isinstance(part, int):
            code = None
            if isinstance(node, list) and 0 <= part < len(node) and isinstance(node[part], dict):
                code = node[part].get("code")
            parts[-1:] = [f"{parts[-1] if parts else ''}[{code or part}]"]
            node = node[part] if isinstance(node, list) and 0 <= part < len(node) else None
        else:
            parts.append(str(part))
            node = node.get(part) if isinstance(node, dict) else None
    return ".".join(parts)
