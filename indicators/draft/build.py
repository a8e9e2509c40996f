"""A catalogue draft from a document's text: the programme header, indicators with typed targets, tasks, and the
review notes, in the schema of indicators/catalogue/*.yaml plus `quote` and `line` on every item."""

import io
import re
from dataclasses import dataclass, field
from typing import Any

from ruamel.yaml import YAML

from indicators.draft.agencies import is_generic, is_short_name, split_agencies
from indicators.draft.header import issuer_of, kind_of, province_of, title_of, years_of
from indicators.draft.phrases import fold
from indicators.draft.results import Result, find_results
from indicators.draft.segment import Paragraph, segment
from indicators.draft.targets import Context, DraftTarget, targets_of
from indicators.draft.tasks import DraftTask, document_cadence, find_tasks, table_tasks
from indicators.draft.vocabulary import Vocabulary, load_vocabulary
from indicators.numbers import format_vi
from indicators.provinces import find_province
from indicators.units import UNITS


@dataclass
class Draft:
    catalogue: dict[str, Any]
    results: list[dict[str, str]] = field(default_factory=list)

    @property
    def review(self) -> list[dict[str, Any]]:
        review: list[dict[str, Any]] = self.catalogue["review"]
        return review

    def yaml(self) -> str:
        return dump_yaml(self.catalogue)


def slugify(text: str, words: int = 6) -> str:
    folded = re.sub(r"[^a-z0-9]+", " ", fold(text)).split()
    return "_".join(folded[:words]) or "item"


def draft_document(text: str, *, programme: str | None = None, region: str | None = None, year: int | None = None,
                   vocabulary: Vocabulary | None = None) -> Draft:  # fmt: skip
    vocabulary = vocabulary or load_vocabulary()
    paragraphs = segment(text)
    review: list[dict[str, Any]] = []
    province = find_province(text)
    province_name = province.name if province else province_of(text)
    region_code = region or (province.code if province else slugify(province_name, 4) if province_name else "tinh")
    target_year, span = years_of(text, year)
    term = re.search(r"nhiệm kỳ\s*((?:19|20)\d{2})\s*[-–]\s*((?:19|20)\d{2})", "\n".join(text.split("\n")[:40]), re.I)
    if span and term and span == f"{term.group(1)}-{term.group(2)}" and int(term.group(2)) - int(term.group(1)) == 5:
        span = f"{int(term.group(1)) + 1}-{term.group(2)}"  # a congress's term: the five years after the congress
        review.append({"line": 1, "note": f"yearly and average targets of the term {term.group(0)} read over "
                                          f"{span}, the five years after the congress"})  # fmt: skip
    programme_id = programme or f"{region_code.replace('_', '-')}-{target_year}"
    context = Context(vocabulary, str(target_year), span)
    drafted: list[tuple[Paragraph, list[DraftTarget]]] = []
    title, title_lines = title_of(paragraphs)
    for paragraph in paragraphs:
        if paragraph.line in title_lines and not paragraph.in_list:
            continue  # a headline restates the targets that the text states
        if paragraph.table or paragraph.reporting or (paragraph.heading and not paragraph.in_list):
            continue
        if paragraph.heading and paragraph.in_list and not re.search(r"\d", paragraph.text):
            continue
        found = targets_of(paragraph, context, prose=not paragraph.in_list)
        if found:
            drafted.append((paragraph, found))
    if span:
        for _, found in drafted:
            for target in found:
                if target.parsed.maintain and "-" not in target.period:
                    target.period = span
    report = re.search(r"báo cáo|kết quả thực hiện", text[:600], re.IGNORECASE) is not None
    default_results_year = str(target_year if report else target_year - 1)
    half = re.search(r"(?:6|sáu) tháng đầu năm\s+((?:19|20)\d{2})", text[:600], re.IGNORECASE)
    if half:
        default_results_year = f"{half.group(1)}-H1"
    results = find_results(paragraphs, vocabulary, default_results_year)
    indicators = _indicators(programme_id, drafted, results, review)
    cadence = document_cadence(text)
    tasks = find_tasks(paragraphs, cadence) + table_tasks(paragraphs, cadence)
    agencies, task_items = _tasks(programme_id, region_code, tasks, review)
    years = [int(p) for i in indicators for t in i["targets"] for p in str(t["period"]).split("-")]
    years += [int(str(t["due"])[:4]) for t in task_items if t.get("due")]
    start = min([target_year, *years]) if years else target_year
    end = max([target_year, *years]) if years else target_year
    if span:
        start, end = min(start, int(span[:4])), max(end, int(span[-4:]))
    if not indicators and not task_items:
        review.append({"line": 1, "note": "no targets or tasks found in the text: the draft is empty"})
    if region is None and province is None and province_name is None:
        review.append({"line": 1, "note": "province not found in the text: region code 'tinh' (give --region)"})
    catalogue: dict[str, Any] = {
        "source": "draft",
        "programme": {
            "id": programme_id,
            "title_vi": title,
            "title_en": f"(to translate) {title}"[:300],
            "issuer_vi": issuer_of(text, province_name),
            "province": region_code,
            "start_year": start,
            "end_year": end,
            "kind": kind_of(title),
        },
        "regions": [
            {
                "code": region_code,
                "name_vi": province_name or region_code,
                "name_en": province.name_en if province else f"{province_name or region_code} province",
                "level": "province",
            }
        ],
        "agencies": agencies,
        "indicators": indicators,
        "tasks": task_items,
        "review": review,
    }
    review.append({"line": 1, "note": "programme title_en is a placeholder: translate the title"})
    codes = {item["code"]: item for item in indicators}
    rows = [_result_row(result, programme_id, region_code, codes) for result in results]
    return Draft(catalogue, [row for row in rows if row])


def _indicators(programme: str, drafted: list[tuple[Paragraph, list[DraftTarget]]], results: list[Result],
                review: list[dict[str, Any]]) -> list[dict[str, Any]]:  # fmt: skip
    items: list[dict[str, Any]] = []
    by_code: dict[str, dict[str, Any]] = {}
    by_slug: dict[str, dict[str, Any]] = {}
    for _, found in drafted:
        codes: list[str] = []
        letter = 0
        for target in found:
            parent = codes[target.parent_index] if target.parent_index is not None else None
            slug = target.entry.slug if target.entry else slugify(target.name)
            if target.parsed.growth and target.entry and target.entry.unit != "percent_change":
                slug += "_growth"
            base = f"{parent}.{slug}" if parent else f"{programme}.{slug}"
            code = _unique(base, by_code, str(target.period))
            if code in by_code:  # a further target of an indicator already drafted
                by_code[code]["targets"].append(_target(target))
                codes.append(code)
                continue
            number = target.number
            if parent:
                letter += 1
                number = f"{target.number}{chr(96 + letter)}" if target.number else None
            item = _indicator(code, number, target, by_code.get(parent) if parent else None, review)
            by_code[code] = item
            by_slug.setdefault(slug, item)
            items.append(item)
            codes.append(code)
    for result in results:
        if result.plan_text is None:
            continue
        plan_slug = result.slug
        planned = by_slug.get(plan_slug) if plan_slug else None
        quote = result.plan_quote or result.quote
        plan: dict[str, Any] = {"period": result.period, "kind": "at_least", "value": result.plan_text}
        if result.plan_high is not None:
            plan = {"period": result.period, "kind": "range", "low": result.plan_text, "high": result.plan_high}
        plan.update({"quote": quote, "note": "plan figure printed beside the result", "line": result.line})
        if planned is None:
            if result.entry is None:
                continue
            entry = result.entry
            code = _unique(f"{programme}.{entry.slug}", by_code, result.period)
            unit = entry.unit
            planned = {"code": code, "number": None, "name_vi": result.name or entry.name_en, "name_en": entry.name_en,
                    "group": entry.group.value, "unit": unit, "direction": entry.direction.value,
                    "measure": entry.measure.value, "frequency": "year", "targets": [], "quote": quote,
                    "line": result.line}  # fmt: skip
            by_code[code] = planned
            items.append(planned)
        if any(str(t["period"]) == result.period for t in planned["targets"]):
            continue
        planned["targets"].append(plan)
        review.append({"item": planned["code"], "line": result.line,
                       "note": f"plan figure {result.plan_text} for {result.period} taken from a reported result"})  # fmt: skip
    return items


def _unique(base: str, seen: dict[str, dict[str, Any]], period: str) -> str:
    code = base[:80]
    suffix = 2
    while code in seen:
        if all(str(t["period"]) != period for t in seen[code]["targets"]) and seen[code].get("_merge", True):
            return code
        code = f"{base[:76]}_{suffix}"
        suffix += 1
    return code


def _indicator(code: str, number: str | None, target: DraftTarget, parent_item: dict[str, Any] | None,
               review: list[dict[str, Any]]) -> dict[str, Any]:  # fmt: skip
    """One drafted indicator; a part ("trong đó ...") not in the vocabulary takes its parent's direction and group."""
    entry = target.entry
    parent = parent_item["code"] if parent_item else None
    notes = list(target.reviews)
    unit = target.unit
    if target.parsed.basis == "multiple_of_baseline" and entry is not None:
        unit = entry.unit
    if unit == "percent" and (target.parsed.growth or (entry and entry.unit == "percent_change")):
        unit = "percent_change"
    if unit not in UNITS:
        notes.append(f"unit {unit!r} unknown: set to items")
        unit = "items"
    if entry:
        direction = entry.direction.value
    elif parent_item is not None and not target.parsed.reduction:
        direction = parent_item["direction"]
        notes.append(f"direction taken from the parent indicator ({direction})")
    else:
        direction = "lower" if target.parsed.reduction else "higher"
        notes.append(f"direction guessed ({direction}): the name is not in the vocabulary")
    if unit == "percent_change":
        measure = "growth_rate"
    elif entry and entry.unit == unit:
        measure = entry.measure.value
    elif unit == "percent":
        measure = "share"
    elif UNITS[unit].counts and re.search(r"\b(?:mới|thêm|trong năm|kết nạp)\b", target.quote, re.IGNORECASE):
        measure = "flow"
    else:
        measure = "level"
    if not entry:
        notes.append(f"measure guessed ({measure})")
    group = (entry.group.value if entry else None) or (parent_item["group"] if parent_item else None) or target.group
    if group is None:
        group = "economy"
        notes.append("group guessed (economy)")
    if entry and target.parsed.growth and entry.unit != "percent_change":
        name_en = f"{entry.name_en}, growth rate"
    else:
        name_en = entry.name_en if entry else f"(to translate) {fold(target.name)[:100]}"
    if name_en.startswith("(to translate)"):
        notes.append("name_en is a placeholder: translate the Vietnamese name")
    item: dict[str, Any] = {
        "code": code,
        "number": number,
        "name_vi": target.name or code,
        "name_en": name_en,
        "group": group,
        "unit": unit,
        "direction": direction,
        "measure": measure,
        "frequency": entry.frequency if entry and entry.unit == unit else "year",
    }
    if parent:
        item["parent"] = parent
    if target.parsed.basis == "multiple_of_baseline" and target.parsed.baseline_year:
        item["baseline"] = {"period": target.parsed.baseline_year, "value": None,
                            "quote": f"so với năm {target.parsed.baseline_year}"}  # fmt: skip
    item["targets"] = [_target(target)]
    item["quote"] = target.quote
    item["line"] = target.line
    parsed = target.parsed
    if parsed.kind == "at_least" and not parsed.comparator_known and direction == "lower" and parsed.basis == "value":
        item["targets"][0]["kind"] = "at_most"
        notes.append("no comparator printed: at most, because lower is better")
    for note in notes:
        review.append({"item": code, "line": target.line, "note": note})
    return item


def _target(target: DraftTarget) -> dict[str, Any]:
    parsed = target.parsed
    out: dict[str, Any] = {"period": target.period, "kind": parsed.kind}
    value = parsed.value
    if parsed.kind == "qualitative":
        out["reason"] = parsed.reason or "not computable"
    elif value is None:
        out["value"] = format_vi(target.derived_value or 0)
        out["derived"] = True
        out["note"] = "derived from words in the quote"
    elif target.derived_value is not None:
        key = "low" if value.high_text is not None else "value"
        out[key] = format_vi(value.low)
        if value.high_text is not None:
            out["high"] = format_vi(value.high or 0)
        out["derived"] = True
        out["note"] = f"converted from {value.unit_text!r}"
    elif value.high_text is not None:
        out["low"], out["high"] = value.low_text, value.high_text
    else:
        out["value"] = value.low_text
    if parsed.strict:
        out["strict"] = True
    if parsed.maintain and parsed.kind != "qualitative" and parsed.basis == "value":
        out["maintain"] = True
    if parsed.basis != "value":
        out["basis"] = parsed.basis
    out["quote"] = target.quote
    out["line"] = target.line
    return out


def _tasks(programme: str, region: str, tasks: list[DraftTask],
           review: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:  # fmt: skip
    agencies: dict[str, dict[str, Any]] = {}
    items: list[dict[str, Any]] = []
    seen: set[str] = set()
    for task in tasks:
        lead_codes = []
        for name in task.lead:
            code = f"{region}.{slugify(name, 8)}"[:80]
            agencies.setdefault(code, {"code": code, "name_vi": name})
            lead_codes.append(code)
        cooperating = []
        for name in split_agencies(task.cooperating_text or ""):
            if not is_generic(name) and is_short_name(name):
                code = f"{region}.{slugify(name, 8)}"[:80]
                agencies.setdefault(code, {"code": code, "name_vi": name})
                cooperating.append(code)
        base = f"{programme}.{task.section.lower()}"
        code = base
        suffix = 2
        while code in seen:
            code, suffix = f"{base}_{suffix}", suffix + 1
        seen.add(code)
        item: dict[str, Any] = {"code": code, "section": task.section, "title_vi": task.title, "lead": lead_codes}
        if cooperating:
            item["cooperating"] = cooperating
        if task.cooperating_text:
            item["cooperating_text"] = task.cooperating_text
        item["time_frame"] = task.time_frame
        if task.due:
            item["due"] = task.due.isoformat()
        if task.review_every:
            item["review_every"] = task.review_every
        if task.until_event:
            item["until_event"] = task.until_event
        if task.kind != "task":
            item["kind"] = task.kind
        if task.supervisor_text:
            item["supervisor_text"] = task.supervisor_text
        item["quote"] = task.quote
        item["line"] = task.line
        items.append(item)
        for note in task.reviews:
            review.append({"item": code, "line": task.line, "note": note})
    return list(agencies.values()), items


def _result_row(result: Result, programme: str, region: str, codes: dict[str, dict[str, Any]]) -> dict[str, str]:
    slug = result.slug or slugify(result.name)
    code = f"{programme}.{slug}"
    code = next((c for c in codes if c == code or c.startswith(code + "_")), code)
    note = result.quote if result.plan_text is None else f"kế hoạch {result.plan_text}; {result.quote}"
    return {"indicator": code, "region": region, "period": result.period, "value": result.value_text,
            "status": result.status, "note": note[:500]}  # fmt: skip


def dump_yaml(data: dict[str, Any]) -> str:
    yaml = YAML()
    yaml.width = 120
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.allow_unicode = True
    stream = io.StringIO()
    stream.write(
        "# Catalogue draft written by `chitieu catalogue draft`: check every item against its quote and line,\n"
    )
    stream.write("# resolve the notes under `review:` and delete them, then `chitieu catalogue validate` and `load`.\n")
    yaml.dump(data, stream)
    return stream.getvalue()
