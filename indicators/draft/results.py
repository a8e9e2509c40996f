"""Reported results in the text ("kết nạp 1.967/1.910 đảng viên", "ước đạt 27.000 tỷ đồng") as push-format rows, and
the plan figures printed beside them ("1.910", "Kế hoạch đề ra là 07 xã") as targets of the year reported."""

import re
from dataclasses import dataclass

from indicators.draft.phrases import NUMBER, find_values, mask, read_number, unit_of
from indicators.draft.segment import Paragraph
from indicators.draft.vocabulary import Entry, Vocabulary

_PAIR = re.compile(rf"(?<![\d.,/])(?P<a>{NUMBER})\s*/\s*(?P<b>{NUMBER})(?![\d/])")
_ESTIMATE = re.compile(r"\bước(?:\s+(?:đạt|tính|thực hiện|cả năm))?\s+", re.IGNORECASE)
_PLAN = re.compile(r"kế hoạch\s+(?:(?:đề ra|giao|năm \d{4})\s+)?(?:là|:)\s*|kế hoạch (?:đề ra|giao)\s+", re.IGNORECASE)
_SUPERSCRIPT = "¹²³⁴⁵⁶⁷⁸⁹⁰"
_YEAR = re.compile(r"(?<!so với )năm\s+((?:19|20)\d{2})", re.IGNORECASE)


@dataclass
class Result:
    name: str
    entry: Entry | None
    period: str
    value_text: str
    status: str  # official | estimate
    plan_text: str | None
    plan_high: str | None
    unit_text: str
    quote: str
    line: int
    plan_quote: str | None = None
    growth: bool = False

    @property
    def slug(self) -> str | None:
        if self.entry is None:
            return None
        if self.growth and self.entry.unit not in ("percent", "percent_change"):
            return self.entry.slug + "_growth"
        return self.entry.slug


def find_results(paragraphs: list[Paragraph], vocabulary: Vocabulary, default_year: str) -> list[Result]:
    results: list[Result] = []
    footnotes = {p.text[0]: p for p in paragraphs if p.footnote and _PLAN.match(p.text[1:].strip())}
    for paragraph in paragraphs:
        if paragraph.table or paragraph.in_list or (paragraph.footnote and paragraph.text[0] in footnotes):
            continue
        paragraph_years = _YEAR.findall(paragraph.text)
        year = paragraph_years[0] if paragraph_years else default_year
        for clause in re.split(r";\s*|\.\s+(?=[A-ZÀ-Ỹ])", paragraph.text):
            marks = [footnotes[c] for c in clause if c in footnotes and not clause.startswith(c)]
            plan = marks[0] if marks else None
            results.extend(_clause_results(clause, paragraph, vocabulary, year, plan))
    return results


def _clause_results(clause: str, paragraph: Paragraph, vocabulary: Vocabulary, default_year: str,
                    footnote: Paragraph | None = None) -> list[Result]:  # fmt: skip
    found: list[Result] = []
    masked = mask(clause)
    years = _YEAR.findall(clause)
    period = years[0] if years else default_year
    estimate = bool(_ESTIMATE.search(clause))
    for pair in _PAIR.finditer(masked):
        if read_number(pair.group("a")) is None or read_number(pair.group("b")) is None:
            continue
        unit = re.match(r"\s*([^\s,;.]+(?:\s[^\s,;.()]+)?)", clause[pair.end() :])
        unit_text = unit.group(1) if unit else ""
        if "chỉ tiêu" in unit_text:
            continue  # "24/25 chỉ tiêu đạt": a count of targets, not an indicator's value
        match = vocabulary.lookup(clause, unit_of(unit_text))
        name = clause[: pair.start()].strip(" ,:")[-80:]
        found.append(Result(name, match[0] if match else None, period, pair.group("a"),
                            "estimate" if estimate else "official", pair.group("b"), None, unit_text,
                            clause.strip(" ,;."), paragraph.line))  # fmt: skip
    if found:
        return found
    estimate_at = _ESTIMATE.search(clause)
    if estimate_at:
        plan_text, plan_quote = clause, None
        if footnote is not None:
            plan_text = plan_quote = footnote.text[1:].strip(" .")
        plans = list(_PLAN.finditer(plan_text))
        plan_values = [v for v in find_values(plan_text) if plans and v.start >= plans[-1].end()]
        values = [v for v in find_values(clause) if v.start >= estimate_at.start() and v.unit is not None]
        values = [v for v in values if not plans or footnote is not None or v.end <= plans[-1].start()]
        if plan_values and footnote is not None:
            values = [v for v in values if v.unit == plan_values[0].unit] or values
            values = values[-1:]
        if values:
            value = values[0]
            match = vocabulary.lookup(clause, value.unit)
            plan = plan_values[0] if plan_values else None
            growth = bool(re.search(r"tăng\s*$", clause[: value.start])) and value.unit == "percent"
            found.append(Result(clause[: estimate_at.start()].strip(" ,:")[-80:], match[0] if match else None, period,
                                value.low_text, "estimate", plan.low_text if plan else None,
                                plan.high_text if plan else None, value.unit_text, clause.strip(" ,;."),
                                paragraph.line, plan_quote, growth))  # fmt: skip
    return found
