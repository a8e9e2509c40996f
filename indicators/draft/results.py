"""Reported results in the text ("kết nạp 1.967/1.910 đảng viên", "ước đạt 27.000 tỷ đồng") as push-format rows, and
the plan figures printed beside them ("1.910", "Kế hoạch đề ra là 07 xã") as targets of the year reported."""

import re
from dataclasses import dataclass

from indicators.draft.phrases import NUMBER, find_values, mask, read_number
from indicators.draft.segment import Paragraph
from indicators.draft.vocabulary import Entry, Vocabulary

_PAIR = re.compile(rf"(?<![\d.,/])(?P<a>{NUMBER})\s*/\s*(?P<b>{NUMBER})(?![\d/])")
_ESTIMATE = re.compile(r"\bước(?:\s+(?:đạt|tính|thực hiện|cả năm))?\s+", re.IGNORECASE)
_PLAN = re.compile(r"kế hoạch(?:\s+(?:đề ra|giao|năm \d{4}))?\s+(?:là\s+)?", re.IGNORECASE)
_YEAR = re.compile(r"năm\s+((?:19|20)\d{2})")


@dataclass
class Result:
    name: str
    entry: Entry | None
    period: str
    value_text: str
    status: str  # official | estimate
    plan_text: str | None
    unit_text: str
    quote: str
    line: int


def find_results(paragraphs: list[Paragraph], vocabulary: Vocabulary, default_year: str) -> list[Result]:
    results: list[Result] = []
    for paragraph in paragraphs:
        if paragraph.table or paragraph.in_list:
            continue
        for clause in re.split(r";\s*|\.\s+(?=[A-ZÀ-Ỹ])", paragraph.text):
            results.extend(_clause_results(clause, paragraph, vocabulary, default_year))
    return results


def _clause_results(clause: str, paragraph: Paragraph, vocabulary: Vocabulary, default_year: str) -> list[Result]:
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
        match = vocabulary.lookup(clause)
        name = clause[: pair.start()].strip(" ,:")[-80:]
        found.append(Result(name, match[0] if match else None, period, pair.group("a"),
                            "estimate" if estimate else "official", pair.group("b"), unit_text,
                            clause.strip(" ,;."), paragraph.line))  # fmt: skip
    if found:
        return found
    estimate_at = _ESTIMATE.search(clause)
    if estimate_at:
        values = [v for v in find_values(clause) if v.start >= estimate_at.start() and v.unit is not None]
        plan_at = _PLAN.search(clause)
        plan_values = [v for v in find_values(clause) if plan_at and v.start >= plan_at.end()]
        if values:
            value = values[0]
            match = vocabulary.lookup(clause)
            plan = plan_values[0].low_text if plan_values else None
            found.append(Result(clause[: estimate_at.start()].strip(" ,:")[-80:], match[0] if match else None, period,
                                value.low_text, "estimate", plan, value.unit_text, clause.strip(" ,;."),
                                paragraph.line))  # fmt: skip
    return found
