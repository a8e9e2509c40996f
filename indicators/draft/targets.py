"""Targets out of paragraphs: clauses, their values, the indicator each value measures, kinds, units and periods."""

import re
from dataclasses import dataclass, field

from indicators.draft.phrases import (
    RESULT_WORDS,
    ParsedTarget,
    Value,
    classify,
    find_values,
    rank_or_assigned,
    word_number_target,
)
from indicators.draft.segment import Paragraph
from indicators.draft.vocabulary import Entry, Vocabulary


@dataclass
class DraftTarget:
    name: str
    quote: str
    line: int
    number: str | None
    parsed: ParsedTarget
    unit: str
    period: str
    entry: Entry | None
    group: str | None
    parent_index: int | None = None  # index of the parent DraftTarget in the same list
    derived_value: float | None = None
    reviews: list[str] = field(default_factory=list)
    composite: bool = False


_CLAUSE_SPLIT = re.compile(r";\s*|\.\s+(?=[A-ZÀ-Ỹ\d])|\.$")
_SUB = re.compile(r"(?:^|[,;]\s*|\s)trong đó(?:\s*,)?\s*", re.IGNORECASE)
_NAME_TRAIL = [
    "đạt", "chiếm", "là", "tăng", "giảm", "còn", "có", "khoảng", "trên", "dưới", "từ", "ít nhất", "tối thiểu",
    "tối đa", "không quá", "không dưới", "duy trì", "gấp", "bình quân", "ở mức", "bảo đảm", "đảm bảo", "phấn đấu",
    "xuống", "thêm", "vượt", "hơn", "cao hơn", "tương đương", "xấp xỉ", "ổn định", "nâng cấp", "mức", "được", "lên",
    "tổng số", "cho", "thu hút", "nâng", "kết nạp", "mới",
]  # fmt: skip
_NAME_TRAIL_RE = re.compile(
    r"(?:(?<=[\s,])|^)(?:" + "|".join(re.escape(w) for w in sorted(_NAME_TRAIL, key=len, reverse=True)) + r")$",
    re.IGNORECASE,
)
_NAME_LEAD = re.compile(
    r"^(?:(?:có|phấn đấu|phân đầu|phần đầu|đạt|duy trì|bảo đảm|đảm bảo|và|trong đó|nâng|hằng năm|hàng năm|mỗi năm)\b"
    r"[\s,:]*|"
    r"(?:giai đoạn|đến năm|năm|trong năm|đến hết năm|tới năm)\s+[\d\s\-–]+[,:]?\s*)+",
    re.IGNORECASE,
)
# Verbs that state a target in prose, next to the value: "đạt 8%", "cung cấp 100% dịch vụ công", "xử lý 100% ...",
# "đón 9 triệu lượt khách", "thành lập mới 2.000 doanh nghiệp", "trồng mới 12.000 ha rừng".
TARGET_VERBS = [
    "đạt", "phấn đấu", "phân đầu", "phần đầu", "bảo đảm", "đảm bảo", "có thêm", "có ít nhất", "thu hút", "giải quyết",
    "tạo", "nâng", "kết nạp", "giảm", "tăng", "duy trì", "khoảng", "trên", "ít nhất", "tối thiểu", "dự kiến",
    "xử lý", "cung cấp", "đón", "thành lập", "phủ sóng", "hoàn thành", "xây dựng", "cấp", "trồng", "đào tạo", "hỗ trợ",
    "xóa", "xoá", "thu gom", "tiếp nhận", "số hóa", "số hoá", "kết nối", "triển khai", "công nhận", "chiếm", "đưa",
    "thu", "mở rộng", "cải tạo", "nâng cấp", "bê tông hóa", "cứng hóa", "kiên cố hóa", "sắp xếp", "giải ngân",
]  # fmt: skip
_PROSE_VERBS = re.compile(
    r"(?<![\wÀ-ỹ])(?:" + "|".join(re.escape(v) for v in sorted(TARGET_VERBS, key=len, reverse=True)) + r")(?![\wÀ-ỹ])",
    re.IGNORECASE,
)
_RESULT = RESULT_WORDS
# "NAME: [comparator] VALUE UNIT", a bullet of a plan: the colon states the target as a verb would
_COLON_FORM = re.compile(r"^[^:]{3,}:\s*(?:[^\W\d]+\s+){0,3}$")
# A period from one year to another: "giai đoạn 2021-2030", "thời kỳ từ năm 2026 đến năm 2030", "từ năm 2025 đến hết
# năm 2030", "các năm 2026 - 2030", "5 năm (2026-2030)".
_Y = r"((?:19|20)\d{2})"
_TO = r"\s*(?:[-–]|đến(?:\s+hết)?|tới)\s*(?:năm\s+)?"
_SPAN = re.compile(
    rf"(?:giai đoạn|thời kỳ|nhiệm kỳ)\s*(?:từ\s+)?(?:năm\s+)?{_Y}{_TO}{_Y}|từ\s+năm\s+{_Y}{_TO}{_Y}|"
    rf"(?:các\s+)?năm\s+{_Y}\s*[-–]\s*{_Y}|\b\d{{1,2}}\s+năm\s*\(?\s*{_Y}\s*[-–]\s*{_Y}",
    re.IGNORECASE,
)
_YEAR = re.compile(r"(?<!so với )(?<!so )(?:đến|tới|vào|trong|hết|cuối)?\s*năm\s+((?:19|20)\d{2})(?!\s*[-–]\s*\d)",
                   re.IGNORECASE)  # fmt: skip


def clauses(text: str) -> list[tuple[int, str]]:
    """(offset, clause) pieces split at ";" and sentence ends; decimal commas and dots are left alone."""
    pieces: list[tuple[int, str]] = []
    start = 0
    for match in _CLAUSE_SPLIT.finditer(text):
        if match.start() > start:
            pieces.append((start, text[start : match.start()]))
        start = match.end()
    if start < len(text):
        pieces.append((start, text[start:]))
    return [(offset, piece) for offset, piece in pieces if piece.strip()]


def footnote_head(text: str) -> str:
    """What of a footnote may state a target: up to the colon after its first figure. A footnote explains a figure
    of the body; its first statement may restate or break it down ("Khoảng 123 MW điện sinh khối"), but after a
    colon that follows that figure come its parts by project or place ("dự kiến cho các dự án: nhà máy điện sinh
    khối 20MW Cam Lộ ...; nhà máy ... 60MW ..."), details of the figure and not targets of their own. A footnote
    whose colon comes before any figure ("Tỷ lệ hộ nghèo: dưới 1%") is kept whole."""
    colon = text.find(":")
    if colon < 0 or not find_values(text[:colon]):
        return text
    head = text[:colon]
    comma = head.rfind(",")
    if comma > 0 and not find_values(head[comma:]):
        head = head[:comma]  # ", dự kiến cho các dự án": the words that introduce the list
    return head


def clause_period(text: str, default: str, span: str | None) -> tuple[str, bool]:
    """The period a clause names ("đến năm 2030", "giai đoạn 2021-2030"), else the default; True when named."""
    text = re.sub(r"so với (?:năm\s+)?(?:19|20)\d{2}", "", text, flags=re.IGNORECASE)
    match = _SPAN.search(text)
    standard = match and re.search(r"chuẩn nghèo|theo chuẩn", text[max(0, match.start() - 30) : match.start()], re.I)
    first, last = [year for year in match.groups() if year] if match else ("", "")
    if match and int(last) > int(first) and not standard:
        return f"{first}-{last}", True
    years = [m.group(1) for m in _YEAR.finditer(text)]
    if years:
        return years[-1], True
    return default, False


def _name_before(clause: str, end: int) -> str:
    name = re.sub(
        r"[:,]?\s*điều chỉnh\b.*$", "", clause[:end], flags=re.IGNORECASE | re.DOTALL
    )  # "NAME: điều chỉnh từ"
    name = name.strip(" ,:;-–()")
    while name:
        trail = _NAME_TRAIL_RE.search(name)
        if trail is None:
            break
        name = name[: trail.start()].rstrip(" ,:;-–")
    return _NAME_LEAD.sub("", name).strip(" ,:;-–")


def _sub_name(words: str) -> str:
    """A part's name is the whole phrase after "trong đó", a leading "có" included: "có bằng cấp, chứng chỉ"."""
    name = words.strip(" ,:;-–()")
    while name:
        trail = _NAME_TRAIL_RE.search(name)
        if trail is None:
            break
        name = name[: trail.start()].rstrip(" ,:;-–")
    return name


def _name_after(clause: str, start: int) -> str:
    rest = clause[start:]
    stop = re.search(r"[,;(]|\s(?:và|trong đó)\s|$", rest)
    name = rest[: stop.start() if stop else len(rest)].strip(" ,:;.-–")
    return re.sub(r"^(?:trở lên|trở xuống)\s+", "", name)


def _piece_start(clause: str, previous_end: int, value_start: int) -> int:
    """Where the piece of the next value starts: after the last separator between the two values."""
    gap = clause[previous_end:value_start]
    sub = list(re.finditer(r"\btrong đó\b,?\s*", gap, re.IGNORECASE))
    if sub:  # "trong đó có bằng cấp, chứng chỉ đạt 35%": the whole phrase after "trong đó" names the part
        return previous_end + sub[-1].end()
    best = 0
    for match in re.finditer(r",\s*|;\s*|\s+và\s+|\s+trong đó,?\s*", gap):
        best = match.end()
    return previous_end + best


@dataclass
class Context:
    vocabulary: Vocabulary
    default_period: str
    span: str | None  # the document's span, for "/năm" targets


def targets_of(paragraph: Paragraph, context: Context, prose: bool) -> list[DraftTarget]:
    """The targets one paragraph states; `prose` asks for plain statements only (outside a target list)."""
    found: list[DraftTarget] = []
    text = footnote_head(paragraph.text) if paragraph.footnote else paragraph.text
    period_default, _ = clause_period(" ".join(paragraph.context_years), context.default_period, context.span)
    if paragraph.cited_in:  # a footnote's figures have the period of the clause that cites it, unless they name one
        period_default, _ = clause_period(paragraph.cited_in, period_default, context.span)
    item_first_window = ""
    for clause_offset, clause in clauses(text):
        if prose and _RESULT.search(clause):
            continue
        values = [v for v in find_values(clause) if not _in_equivalent(clause, v) and not _former(clause, v)]
        clause_period_text, named = clause_period(clause, period_default, context.span)
        if not values or (not prose and rank_or_assigned(clause)):
            qualitative = _qualitative(paragraph, clause, clause_offset, clause_period_text, context, prose)
            if qualitative:
                found.append(qualitative)
            continue
        parent_index: int | None = None
        sub_at = _SUB.search(clause)
        previous_end = 0
        parent_name = ""
        for k, value in enumerate(values):
            start = 0 if k == 0 else _piece_start(clause, previous_end, value.start)
            window_start = start
            piece_end = _piece_end(clause, value, values[k + 1] if k + 1 < len(values) else None)
            name = _name_before(clause[start:], value.start - start)
            if k > 0 and re.search(r"\btrong đó\b,?\s*$", clause[:start], re.IGNORECASE):
                name = _sub_name(clause[start : value.start]) or name
            if len(name.split()) < 2:
                after = _name_after(clause, value.end)
                prefix = "Tỷ lệ " if value.unit == "percent" else "Số "
                name = (prefix + after) if len(after.split()) >= 1 and not after[:1].isdigit() else name
            if len(name.split()) < 2 and parent_name:
                name = f"{parent_name} - {name}".strip(" -")
            parsed = classify(clause, value, window_start)
            if k == 0:
                item_first_window = clause[: value.start]
            elif not parsed.comparator_known and item_first_window:
                inherited = classify(item_first_window + clause[value.start:value.end], _shift(value, clause,
                                     item_first_window), 0)  # fmt: skip
                if inherited.comparator_known and not inherited.strict and inherited.kind in ("at_least", "at_most"):
                    parsed.kind, parsed.strict, parsed.comparator_known = inherited.kind, inherited.strict, True
            entry_match = _lookup(context.vocabulary, name, clause[start:piece_end], value.unit, parsed.growth)
            entry = entry_match[0] if entry_match else None
            if (
                entry
                and value.unit == "percent"
                and not parsed.growth
                and entry.unit not in ("percent", "percent_change")
            ):
                entry = None  # "có bác sĩ làm việc đạt 90%" is a share, not doctors per 10.000 people
            stated = _PROSE_VERBS.search(clause[start : value.end]) or _COLON_FORM.search(clause[start : value.start])
            if prose and (entry is None or value.unit is None or not stated):
                previous_end = value.end
                continue
            is_child = sub_at is not None and value.start >= sub_at.start() and parent_index is not None
            quote = clause[start:piece_end].strip(" ,;:.")
            if k == 0:
                quote = clause[:piece_end].strip(" ,;:.")
            if k == 0 and len(values) > 1 and sub_at is not None:
                quote = clause.strip(" ,;:.")  # a parent's quote is the whole item, its parts included
            target = DraftTarget(
                name=_tidy_name(name) or _tidy_name(paragraph.heading_text),
                quote=quote,
                line=paragraph.line,
                number=paragraph.number,
                parsed=parsed,
                unit=value.unit or (entry.unit if entry else "items"),
                period=_period_for(clause_period_text, named, parsed, value, context, clause),
                entry=entry,
                group=paragraph.group,
                parent_index=parent_index if is_child else None,
            )
            if value.unit is None:
                target.reviews.append("unit not printed: taken from the vocabulary" if entry else "unit unknown")
            if value.scale != 1.0:
                target.derived_value = value.scale
                target.reviews.append(f"value converted from {value.unit_text!r} to {target.unit}")
            found.append(target)
            if k == 0:
                parent_index = len(found) - 1
                parent_name = target.name
            previous_end = value.end
    if not prose and len(found) > 1 and all(t.parent_index is None for t in found) and _composite(found):
        found = _as_composite(found, paragraph)
    return found


def _lookup(vocabulary: Vocabulary, name: str, piece: str, unit: str | None, growth: bool) -> tuple[Entry, str] | None:
    """The entry for a value's name (else its piece of the clause); a growth rate ("tăng bình quân 3,5%/năm") looks
    for a growth indicator first."""
    if growth and unit == "percent":
        for text in (name, piece):
            found = vocabulary.lookup(text, "percent_change")
            if found and found[0].unit == "percent_change":
                return found
    return vocabulary.lookup(name, unit) or vocabulary.lookup(piece, unit)


def _piece_end(clause: str, value: Value, following: Value | None) -> int:
    limit = following.start if following else len(clause)
    rest = clause[value.end : limit]
    stop = re.search(r",\s*(?=\S)|;|\s+và\s+(?=\d)|\s+trong đó", rest)
    if following is None:
        stop = re.search(r";|\s+trong đó|,\s+(?:trong đó|đồng thời)", rest)
    return value.end + (stop.start() if stop else len(rest))


def _former(clause: str, value: Value) -> bool:
    """The figure replaced by a mid-term adjustment: "điều chỉnh từ 8,5% xuống 6,8%" (the target is 6,8%)."""
    before, after = clause[: value.start].lower(), clause[value.end :].lower()
    return bool(re.search(r"\btừ\s*$", before) and re.match(r"^\s*(?:/\s*năm\s*)?(?:xuống|lên|thành)\s", after))


def _shift(value: Value, clause: str, prefix: str) -> Value:
    shifted = Value(**{**value.__dict__})
    shifted.start, shifted.end = len(prefix), len(prefix) + (value.end - value.start)
    return shifted


def _in_equivalent(clause: str, value: Value) -> bool:
    """A value inside "(tương đương ...)" or a bare count in parentheses ("50% (8 xã)") restates another."""
    before = clause[: value.start]
    open_at = before.rfind("(")
    if open_at < 0 or before.rfind(")") > open_at:
        return False
    inside = before[open_at + 1 :].strip(" *_").lower()
    return inside == "" or bool(re.match(r"^(?:ương đương|tương đương|tức|bằng|khoảng)\b", inside))


def _period_for(period: str, named: bool, parsed: ParsedTarget, value: Value, context: Context, clause: str) -> str:
    yearly = value.per_year or re.search(r"(?:mỗi|hằng|hàng)\s+năm", clause[: value.start], re.IGNORECASE)
    if (yearly or parsed.basis == "average_growth") and "-" not in period and context.span:
        return context.span
    return period


def _tidy_name(name: str) -> str:
    name = re.sub(r"\s+(?:trở lên|trở xuống)\b", "", re.sub(r"\s+", " ", name)).strip(" ,;:.-–*")
    return name[:1].upper() + name[1:] if name else name


def _qualitative(paragraph: Paragraph, clause: str, offset: int, period: str, context: Context,
                 prose: bool) -> DraftTarget | None:  # fmt: skip
    words = word_number_target(clause)
    reason = rank_or_assigned(clause)
    if words is None and reason is None:
        return None
    if prose and not re.search(r"phấn đấu|phân đầu|phần đầu|mục tiêu|nằm trong|đạt", clause, re.IGNORECASE):
        return None
    entry_match = context.vocabulary.lookup(clause)
    entry = entry_match[0] if entry_match else None
    if prose and entry is None and words is None:
        return None
    quote = clause.strip(" ,;:.")
    name = entry.name_en if entry and not words else _tidy_name(_name_before(clause, len(clause)))[:120]
    if entry_match:
        name = _tidy_name(clause[clause.lower().find(entry_match[1]) :][:80].split(",")[0])
    if words is not None:
        value, text = words
        parsed = ParsedTarget(kind="at_least", value=None)
        target = DraftTarget(name or "Tốc độ tăng trưởng", quote, paragraph.line, paragraph.number, parsed,
                             "percent_change", context.span or period, entry, paragraph.group,
                             derived_value=value)  # fmt: skip
        target.reviews.append(f'"{text}" read as at least {value:g}% (derived from words)')
        return target
    parsed = ParsedTarget(kind="qualitative", value=None, reason=reason)
    unit = entry.unit if entry else "percent"
    return DraftTarget(name, quote, paragraph.line, paragraph.number, parsed, unit, period, entry, paragraph.group)


def _composite(found: list[DraftTarget]) -> bool:
    """Several values in one numbered item with the same unit and names built from the item: (12) of a list."""
    return len({t.unit for t in found}) == 1 and found[0].number is not None and len(found) >= 3


def _as_composite(found: list[DraftTarget], paragraph: Paragraph) -> list[DraftTarget]:
    parent = DraftTarget(
        name=_tidy_name(found[0].name),
        quote=paragraph.text.strip(" ;.,"),
        line=paragraph.line,
        number=paragraph.number,
        parsed=ParsedTarget(kind="qualitative", value=None, reason="composite: judged by its sub-indicators"),
        unit=found[0].unit,
        period=found[0].period,
        entry=None,
        group=paragraph.group,
        composite=True,
    )
    for child in found:
        child.parent_index = 0
    return [parent, *found]
