"""Lines into paragraphs with their list markers, section numbers and the kind of part they belong to.

A heading that mentions "chỉ tiêu" opens a target list ("CÁC CHỈ TIÊU CHỦ YẾU", "Một số chỉ tiêu cụ thể", "Nhóm chỉ
tiêu về kinh tế"); a heading about tasks or solutions ("NHIỆM VỤ, GIẢI PHÁP", "TỔ CHỨC THỰC HIỆN") closes it. Outside
a list, targets are read only from prose that states them plainly (see targets.py).
"""

import re
from dataclasses import dataclass, field

from indicators.draft.phrases import find_values

_ROMAN = r"(?:XC|XL|L?X{0,3})(?:IX|IV|V?I{0,3})"
_HEADING = re.compile(rf"^(?P<num>(?=[IVXL])(?:{_ROMAN})|[A-Z]|\d+(?:\.\d+)*)\s*[.)\-–]\s*(?P<text>\S.*)$")
_MARKER = re.compile(r"^(?:[-+*•–]\s+|\(?(?P<paren>\d+)\)\s*|(?P<letter>[a-zđ])\)\s+)")
_INNER_NUMBER = re.compile(r"^\((?P<num>\d+)\)\s*")
_FOOTNOTE = re.compile(r"^[¹²³⁴⁵⁶⁷⁸⁹⁰]+\s")
_SUPERSCRIPT = "¹²³⁴⁵⁶⁷⁸⁹⁰"
GROUPS = [
    ("party_building", r"xây dựng đảng|đảng, đoàn thể|hệ thống chính trị"),
    ("defence_security", r"quốc phòng|an ninh"),
    ("environment", r"môi trường|tài nguyên"),
    ("society", r"xã hội|văn hóa|văn hoá|y tế|giáo dục"),
    ("economy", r"kinh tế"),
]
_LIST_ON = re.compile(r"chỉ tiêu|mục tiêu cụ thể", re.IGNORECASE)
# A section reporting results ("I. KẾT QUẢ THỰC HIỆN NĂM 2024", "ĐÁNH GIÁ TÌNH HÌNH ...") until a section of plans
# ("II. KẾ HOẠCH NĂM 2025", "PHƯƠNG HƯỚNG, NHIỆM VỤ", "MỤC TIÊU, CHỈ TIÊU"): its figures are results, not targets.
_REPORTING = re.compile(r"kết quả|đánh giá|tình hình thực hiện|thực hiện (?:năm|nhiệm vụ|kế hoạch)|đã đạt được", re.I)
_PLANNING = re.compile(r"kế hoạch|mục tiêu|chỉ tiêu|nhiệm vụ|phương hướng|giải pháp|định hướng|tổ chức thực hiện", re.I)
_LIST_OFF = re.compile(
    r"nhiệm vụ|giải pháp|tổ chức thực hiện|mục đích|yêu cầu|tầm nhìn|mục tiêu tổng quát|nội dung thực hiện|kết quả|"
    r"tình hình thực hiện|đánh giá",
    re.IGNORECASE,
)


@dataclass
class Paragraph:
    line: int  # 1-based line in the extracted text
    raw: str  # the line as extracted
    text: str  # without list marker and emphasis
    offset: int  # where `text` starts within `raw`
    number: str | None  # "(12)" -> "12", "a)" -> "a", "1." -> "1"
    heading: bool
    section: str  # "II.3.1.4"
    heading_text: str  # the text of the innermost heading
    in_list: bool  # inside a target list
    group: str | None  # from the nearest group heading ("Về kinh tế")
    table: bool = False
    footnote: bool = False
    context_years: list[str] = field(default_factory=list)  # headings' periods, innermost last
    reporting: bool = False  # inside a section that reports results
    cited_in: str = ""  # of a footnote: the clause of the text that carries its mark


def _strip_emphasis(text: str) -> tuple[str, int]:
    stripped = text.lstrip("*_ #>")
    offset = len(text) - len(stripped)
    return stripped.rstrip("*_ "), offset


def _level(num: str) -> int:
    if re.fullmatch(r"[A-Z]", num) and num not in ("I", "V", "X"):
        return 0
    if re.fullmatch(_ROMAN, num):
        return 1
    return 1 + num.count(".") + 1


_BROKEN_WORD = re.compile(r"\w-$")  # "Chỉ thị số 35-" / "CT/TW, ...": a token broken at its hyphen by the extraction
_CLAUSE_END = re.compile(r"[;.](?=\s|$)")


def rejoin_broken_lines(lines: list[str]) -> list[str]:
    """Lines broken inside a hyphenated token ("35-" + "CT/TW") joined again. The continuation's line is left empty,
    so later lines keep their numbers. A heading takes the continuation only to its clause's end (";" or "."): a
    heading is one line, and what follows on the continued line is the section's text, kept as its own paragraph."""
    joined = list(lines)
    for index, line in enumerate(joined):
        if not _BROKEN_WORD.search(line.rstrip()):
            continue
        following = next((k for k in range(index + 1, min(index + 3, len(joined))) if joined[k].strip()), None)
        if following is None:
            continue
        continuation = joined[following].strip()
        if _MARKER.match(continuation) or _HEADING.match(continuation):
            continue
        body, _ = _strip_emphasis(line)
        end = _CLAUSE_END.search(continuation) if _HEADING.match(body.strip()) else None
        taken, rest = (continuation[: end.start()], continuation[end.end() :].strip()) if end else (continuation, "")
        joined[index] = line.rstrip() + taken
        joined[following] = rest
    return joined


def segment(text: str) -> list[Paragraph]:
    paragraphs: list[Paragraph] = []
    stack: list[tuple[int, str, str]] = []  # (level, number, text) of open headings
    state: list[tuple[int, bool | None]] = []  # (level, list on/off) decided by headings
    reporting: list[tuple[int, bool | None]] = []  # (level, results section on/off) decided by headings
    group: str | None = None
    for index, raw in enumerate(rejoin_broken_lines(text.split("\n")), start=1):
        if not raw.strip():
            continue
        if "\t" in raw or raw.count("|") >= 2:  # a table row: tab-separated (.docx) or "a | b | c"
            paragraphs.append(Paragraph(index, raw, raw, 0, None, False, _section(stack), _head(stack), False, group,
                                        table=True))  # fmt: skip
            continue
        body, offset = _strip_emphasis(raw)
        lead = len(raw) - len(raw.lstrip())
        offset += lead if offset == 0 else 0
        heading = _HEADING.match(body)
        number: str | None = None
        is_heading = False
        if heading and not body.startswith("(") and len(heading.group("text")) < 400:
            num = heading.group("num").rstrip(".")
            level = _level(num)
            is_heading = len(heading.group("text")) < 220 or level <= 1
            number = num
            head_text = heading.group("text").strip().rstrip("*").strip()
            while stack and stack[-1][0] >= level:
                stack.pop()
            while state and state[-1][0] >= level:
                state.pop()
            while reporting and reporting[-1][0] >= level:
                reporting.pop()
            statement = bool(find_values(head_text))  # "4. Hằng năm, có 85% ... hoàn thành tốt nhiệm vụ": an item
            reporting.append((level, None if statement else _reports(head_text)))
            stack.append((level, num, head_text))
            decided = True if _LIST_ON.search(head_text) else False if _LIST_OFF.search(head_text) else None
            decided = None if statement and decided is False else decided
            state.append((level, decided))
            group = _group_of(head_text) or (group if decided is None else None)
            offset += heading.start("text")
            body = heading.group("text")
        else:
            marker = _MARKER.match(body)
            if marker:
                number = marker.group("paren") or marker.group("letter")
                offset += marker.end()
                body = body[marker.end() :]
            inner = _INNER_NUMBER.match(body)
            if inner:
                number = inner.group("num")
                offset += inner.end()
                body = body[inner.end() :]
            bare = re.sub(r"\(\s*\d+\s*chỉ tiêu\s*\)", "", body).rstrip(" :")  # "Về kinh tế (06 chỉ tiêu):"
            short = len(bare) < 80 and not re.search(r"\d", bare)
            if not marker and len(body) < 100 and body.endswith(":") and _LIST_ON.search(body):
                is_heading = True  # "Mục tiêu cụ thể năm 2026:", "Nhóm chỉ tiêu về kinh tế:"
                group = _group_of(body) or group
                state.append((99, True))
            elif short and (bare.isupper() or re.match(r"^(?:Về|VỀ|Nhóm|NHÓM)\s", bare)):
                is_heading = True
                found = _group_of(body)
                group = found or group
                if _LIST_ON.search(body):
                    state.append((99, True))
        in_list = next((decided for _, decided in reversed(state) if decided is not None), False)
        in_report = next((decided for _, decided in reversed(reporting) if decided is not None), False)
        paragraphs.append(
            Paragraph(
                line=index,
                raw=raw,
                text=raw[offset:].rstrip().rstrip("*").rstrip(),
                offset=offset,
                number=number,
                heading=is_heading,
                section=_section(stack),
                heading_text=_head(stack),
                in_list=bool(in_list),
                group=group,
                footnote=bool(_FOOTNOTE.match(raw)),
                context_years=[t for _, _, t in stack],
                reporting=bool(in_report) and not in_list,
            )
        )
    _cite_footnotes(paragraphs)
    return paragraphs


def _cite_footnotes(paragraphs: list[Paragraph]) -> None:
    """Each footnote's `cited_in`: the clause (between ";" or sentence ends) whose words carry its mark, in the
    nearest paragraph before it that does, else after it. A footnote details a figure of that clause, and what the
    clause says of time ("trong giai đoạn 2025 - 2030") holds for the footnote's figures too."""
    for index, note in enumerate(paragraphs):
        if not note.footnote:
            continue
        mark = re.match(f"[{_SUPERSCRIPT}]+", note.raw.lstrip())
        if mark is None:
            continue
        cited = re.compile(rf"(?<![{_SUPERSCRIPT}]){mark.group(0)}(?![{_SUPERSCRIPT}])")
        order = [*reversed(paragraphs[:index]), *paragraphs[index + 1 :]]
        for body in order:
            found = None if body.footnote else cited.search(body.text)
            if found:
                start = max(body.text.rfind(";", 0, found.start()), _last_sentence_end(body.text[: found.start()]))
                end = re.search(r";|\.(?:\s|$)", body.text[found.end() :])
                note.cited_in = body.text[start + 1 : found.end() + (end.start() if end else len(body.text))].strip()
                break


def _last_sentence_end(text: str) -> int:
    ends = [match.start() for match in re.finditer(r"\.\s", text)]
    return ends[-1] if ends else -1


def _reports(heading: str) -> bool | None:
    """True for a heading of results, False for one of plans, None for neither (the enclosing section decides)."""
    results, plans = _REPORTING.search(heading), _PLANNING.search(heading)
    if results and (plans is None or results.start() < plans.start()):
        return True
    return False if plans else None


def table_cells(raw: str) -> list[str]:
    """The cells of a table row: tab-separated, else separated by "|" (outer bars of "| a | b |" dropped)."""
    if "\t" in raw:
        return raw.split("\t")
    return [cell.strip() for cell in raw.strip().strip("|").split("|")]


def _section(stack: list[tuple[int, str, str]]) -> str:
    return ".".join(num for _, num, _ in stack)


def _head(stack: list[tuple[int, str, str]]) -> str:
    return stack[-1][2] if stack else ""


def _group_of(text: str) -> str | None:
    lowered = text.lower()
    if "chỉ tiêu" not in lowered and not lowered.startswith("về"):
        return None
    for name, pattern in GROUPS:
        if re.search(pattern, lowered):
            return name
    return None
