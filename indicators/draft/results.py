"""Reported results in the text ("kết nạp 1.967/1.910 đảng viên", "ước đạt 27.000 tỷ đồng") as push-format rows, and
the plan figures printed beside them ("1.910", "Kế hoạch đề ra là 07 xã") as targets of the year reported."""

import re
from dataclasses import dataclass

from indicators.draft.phrases import NUMBER, RESULT_WORDS, find_values, mask, read_number, unit_of
from indicators.draft.segment import Paragraph
from indicators.draft.vocabulary import Entry, Vocabulary

_PAIR = re.compile(rf"(?<![\d.,/])(?P<a>{NUMBER})\s*/\s*(?P<b>{NUMBER})(?![\d/])")
_ESTIMATE = re.compile(r"\bước(?:\s+(?:đạt|tính|thực hiện|cả năm))?\s+", re.IGNORECASE)
_PLAN = re.compile(
    r"kế hoạch\s+(?:(?:đề ra|giao|năm \d{4})\s+)?(?:là|:)\s*|kế hoạch (?:đề ra|giao)\s+|"
    r"\(\s*(?:kế hoạch|KH|chỉ tiêu|mục tiêu)(?:\s+(?:đề ra|giao|năm \d{4}))?\s*(?:là|:)?\s*(?=[-\d])",
    re.IGNORECASE,
)
_HALF = re.compile(r"\b(?:6|sáu) tháng(?: đầu năm)?\b(?!\s*cuối)", re.IGNORECASE)
# a figure relative to the plan or to last year, beside the result itself: "bằng 138% dự toán", "đạt 104% kế hoạch"
_RELATIVE = re.compile(r"^\s*(?:so với\s+)?(?:kế hoạch|dự toán|KH\b)", re.IGNORECASE)
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


def find_results(paragraphs: list[Paragraph], vocabulary: Vocabulary, default_period: str) -> list[Result]:
    """Results reported in the text: in a section of results ("I. KẾT QUẢ THỰC HIỆN NĂM 2024"), or anywhere in a
    clause that says so ("ước đạt", "đạt ... bằng X% dự toán", "tăng X% so với cùng kỳ", "lũy kế", "1.967/1.910")."""
    results: list[Result] = []
    footnotes = {p.text[0]: p for p in paragraphs if p.footnote and _PLAN.match(p.text[1:].strip())}
    for paragraph in paragraphs:
        if paragraph.table or paragraph.in_list or (paragraph.footnote and paragraph.text[0] in footnotes):
            continue
        default = _section_period(paragraph, default_period)
        for clause in re.split(r";\s*|\.\s+(?=[A-ZÀ-Ỹ])", paragraph.text):
            marks = [footnotes[c] for c in clause if c in footnotes and not clause.startswith(c)]
            plan = marks[0] if marks else None
            results.extend(_clause_results(clause, paragraph, vocabulary, default, plan))
    return results


def _section_period(paragraph: Paragraph, default: str) -> str:
    """The period results are reported for: the paragraph's year ("Năm 2024, ..."), else its headings' year
    ("KẾT QUẢ THỰC HIỆN NĂM 2024"), else the document's; "6 tháng đầu năm" is the first half."""
    for text in (paragraph.text, *reversed(paragraph.context_years)):
        years = _YEAR.findall(text)
        if years:
            return _half(text, years[0]) or years[0]
        if _HALF.search(text):
            return f"{default[:4]}-H1"
    return default


def _half(text: str, year: str) -> str | None:
    return f"{year}-H1" if _HALF.search(text) else None


def _clause_results(clause: str, paragraph: Paragraph, vocabulary: Vocabulary, default: str,
                    footnote: Paragraph | None = None) -> list[Result]:  # fmt: skip
    found: list[Result] = []
    masked = mask(clause)
    years = _YEAR.findall(clause)
    period = (_half(clause, years[0]) or years[0]) if years else default
    if not years and _HALF.search(clause):
        period = f"{default[:4]}-H1"
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
    if not (estimate_at or paragraph.reporting or RESULT_WORDS.search(clause)):
        return found
    plan_text, plan_quote = clause, None
    if footnote is not None:
        plan_text = plan_quote = footnote.text[1:].strip(" .")
    plans = list(_PLAN.finditer(plan_text))
    plan_values = [v for v in find_values(plan_text) if plans and v.start >= plans[-1].end()]
    values = [v for v in find_values(clause) if v.unit is not None and not _RELATIVE.match(clause[v.end :])]
    if estimate_at and not paragraph.reporting:
        values = [v for v in values if v.start >= estimate_at.start()]
    values = [v for v in values if not plans or footnote is not None or v.end <= plans[-1].start()]
    if plan_values and footnote is not None:
        values = [v for v in values if v.unit == plan_values[0].unit] or values
        values = values[-1:]
    previous_end = 0
    for index, value in enumerate(values):
        piece = clause[previous_end : value.end]
        previous_end = value.end
        match = vocabulary.lookup(piece, value.unit) or (vocabulary.lookup(clause, value.unit) if index == 0 else None)
        if match is None:
            continue
        plan = plan_values[0] if plan_values and index == len(values) - 1 else None
        growth = bool(re.search(r"tăng\s*$", clause[: value.start])) and value.unit == "percent"
        name_end = estimate_at.start() if estimate_at and estimate_at.start() < value.start else value.start
        found.append(Result(clause[:name_end].strip(" ,:")[-80:], match[0], period, value.low_text,
                            "estimate" if _ESTIMATE.search(piece) or (index == 0 and estimate) else "official",
                            plan.low_text if plan else None, plan.high_text if plan else None, value.unit_text,
                            clause.strip(" ,;."), paragraph.line, plan_quote, growth))  # fmt: skip
    return found
