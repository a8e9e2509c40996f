"""Task blocks: "Cơ quan chủ trì: ... / Cơ quan phối hợp: ... / Thời gian thực hiện: ...", "Giao X chủ trì ...", and
the rows of a danh mục table (content, lead, co-agencies, time frame, supervision)."""

import calendar
import re
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import date

from indicators.draft.agencies import is_generic, split_agencies
from indicators.draft.segment import Paragraph, table_cells

_LEAD = re.compile(r"^(?:cơ quan|đơn vị)\s+chủ trì(?:\s+(?:tham mưu|thực hiện))?\s*:\s*(?P<v>.+)$", re.IGNORECASE)
_COOP = re.compile(r"^(?:cơ quan|đơn vị)\s+phối hợp(?:\s+thực hiện)?\s*:\s*(?P<v>.+)$", re.IGNORECASE)
_TIME = re.compile(r"^(?:thời gian|thời hạn|tiến độ)(?:\s+(?:thực hiện|hoàn thành))?\s*:\s*(?P<v>.+)$", re.IGNORECASE)
_GIAO = re.compile(
    r"(?:^|[.;:]\s+|-\s+)Giao\s+(?P<lead>.+?)\s+(?=(?-i:chủ trì|tham mưu(?!,)|chỉ đạo|chủ động|phối hợp|thực hiện|"
    r"triển khai|tập trung|lãnh đạo|theo dõi|nghiên cứu|xây dựng|tổ chức|hướng dẫn|rà soát|ban hành)(?!\w))(?P<rest>.*)$",
    re.IGNORECASE,
)
# A task item written as one paragraph: "1. Xây dựng Đề án ... Giao X chủ trì ... Thời gian hoàn thành: Quý II/2026."
_INLINE_PART = re.compile(
    r"(?<=[.;])\s+(?=(?:Cơ quan|Đơn vị)\s+(?:chủ trì|phối hợp)|Thời gian|Thời hạn|Tiến độ|Giao\s)"
)
# A heading that only labels a list of tasks ("2.2. Các nhiệm vụ, giải pháp cụ thể cần tập trung chỉ đạo"): a task
# covering that list is named by the heading above it.
_LIST_LABEL = re.compile(r"^(?:các\s+)?(?:nhóm\s+)?(?:nhiệm vụ|giải pháp)\b", re.IGNORECASE)
_ROMAN_QUARTER = {"I": 1, "II": 2, "III": 3, "IV": 4, "1": 1, "2": 2, "3": 3, "4": 4}


@dataclass
class DraftTask:
    section: str
    title: str
    lead: list[str]
    cooperating_text: str | None
    time_frame: str
    due: date | None
    review_every: str | None
    until_event: str | None
    quote: str
    line: int
    kind: str = "task"
    supervisor_text: str | None = None
    reviews: list[str] = field(default_factory=list)


def parse_time_frame(text: str, cadence: str) -> tuple[date | None, str | None, str | None]:
    """(due, review_every, until_event) of a time frame as printed."""
    lowered = text.lower()
    event = re.search(r"(?:cho đến|đến khi|đến)\s+(?:kết thúc\s+|khi kết thúc\s+)?(đại hội[^,;.]*?)(?=,|;|\.|\s+nhiệm kỳ|$)",
                      text, re.IGNORECASE)  # fmt: skip
    recurring = bool(re.search(r"thường xuyên|hằng năm|hàng năm|hằng quý|hàng quý|hằng tháng|hàng tháng|các năm tiếp theo|"
                               r"liên tục|định kỳ", lowered))  # fmt: skip
    if re.search(r"(?:hằng|hàng|định kỳ)\s+quý", lowered):
        cadence = "quarter"
    elif re.search(r"(?:hằng|hàng)\s+tháng", lowered):
        cadence = "month"
    elif re.search(r"(?:định kỳ\s+)?(?:6|sáu) tháng(?: một lần|/lần)", lowered):
        cadence = "half_year"
    until = event.group(1).strip() if event else None
    if until:
        until = until[0].upper() + until[1:]
        return None, cadence if recurring else None, until
    if recurring:
        return None, cadence, None
    dates: list[date] = []
    for match in re.finditer(r"ngày\s+(\d{1,2})/(\d{1,2})/(\d{4})", text):
        day, month, year = int(match.group(1)), int(match.group(2)), int(match.group(3))
        if 1 <= month <= 12 and 1 <= day <= calendar.monthrange(year, month)[1]:
            dates.append(date(year, month, day))
    for match in re.finditer(r"(trước\s+)?tháng\s+(\d{1,2})\s*/\s*(\d{4})", text, re.IGNORECASE):
        month, year = int(match.group(2)), int(match.group(3))
        if not 1 <= month <= 12:
            continue
        if match.group(1):
            month, year = (month - 1, year) if month > 1 else (12, year - 1)
        dates.append(date(year, month, calendar.monthrange(year, month)[1]))
    for match in re.finditer(r"quý\s+([IV]+|[1-4])\s*/\s*(\d{4})", text, re.IGNORECASE):
        quarter = _ROMAN_QUARTER.get(match.group(1).upper())
        if quarter:
            year = int(match.group(2))
            month = quarter * 3
            dates.append(date(year, month, calendar.monthrange(year, month)[1]))
    for match in re.finditer(r"(\d{4})\s*[-–]\s*(\d{4})", text):
        if int(match.group(2)) >= int(match.group(1)):
            dates.append(date(int(match.group(2)), 12, 31))
    for match in re.finditer(r"(6 tháng đầu |đầu |cuối )?năm\s+(\d{4})(?!\s*[-–]\s*\d)", text, re.IGNORECASE):
        year = int(match.group(2))
        when = (match.group(1) or "").strip().lower()
        dates.append(date(year, 6, 30) if when == "6 tháng đầu" else date(year, 3, 31) if when == "đầu" else
                     date(year, 12, 31))  # fmt: skip
    if re.fullmatch(r"\s*(\d{4})\s*", text):
        dates.append(date(int(text.strip()), 12, 31))
    return (max(dates) if dates else None), None, None


def time_phrase(text: str) -> str | None:
    """The part of a "Giao ..." paragraph that states when: "phấn đấu hoàn thành trong năm 2025", "thường xuyên"."""
    patterns = [
        r"(?:xác định đây là )?nhiệm vụ thường xuyên[^.;]*",
        r"(?:định kỳ\s+)?(?:hằng|hàng)\s+(?:năm|quý|tháng)",
        r"(?:thực hiện |triển khai thực hiện )?thường xuyên(?:,\s*trong đó)?[^.;]*?(?:các năm tiếp theo|(?=[.;])|$)",
        r"(?:tập trung cao điểm )?từ nay cho?\s*đến[^.;]*",
        r"(?:phấn đấu )?hoàn thành (?:trong|trước)[^.;,]*",
        r"trước ngày\s+\d{1,2}/\d{1,2}/\d{4}",
        r"(?:trong|vào đầu|vào cuối|đầu|cuối)\s+năm\s+\d{4}",
        r"(?:trong |trước )?quý\s+[IV1-4]+\s*/\s*\d{4}",
        r"(?:trước |trong )tháng\s+\d{1,2}\s*/\s*\d{4}",
    ]
    for pattern in patterns:
        match = re.search(pattern, text, re.IGNORECASE)
        if match:
            phrase = match.group(0).strip(" ,.;")
            return re.sub(r"^xác định đây là\s+", "", phrase, flags=re.IGNORECASE)
    return None


def document_cadence(text: str) -> str:
    lowered = text.lower()
    if re.search(r"6 tháng/lần|6 tháng một lần|định kỳ 6 tháng|sáu tháng", lowered):
        return "half_year"
    if re.search(r"hằng quý|hàng quý|định kỳ quý", lowered):
        return "quarter"
    return "year"


def _inline_parts(paragraphs: list[Paragraph]) -> list[Paragraph]:
    """A paragraph holding a task's sentence and its labelled parts becomes one paragraph per part, the first
    (the task's own sentence) naming the others."""
    parts: list[Paragraph] = []
    for paragraph in paragraphs:
        pieces = _INLINE_PART.split(paragraph.text) if not paragraph.table else [paragraph.text]
        if len(pieces) == 1:
            parts.append(paragraph)
            continue
        title = pieces[0].strip(" .;")
        parts.append(
            replace(paragraph, text=pieces[0], heading_text=title if paragraph.heading else paragraph.heading_text)
        )
        for piece in pieces[1:]:
            parts.append(replace(paragraph, text=piece, heading=False, number=None, heading_text=title,
                                 raw=paragraph.raw))  # fmt: skip
    return parts


def find_tasks(paragraphs: list[Paragraph], cadence: str) -> list[DraftTask]:
    paragraphs = _inline_parts(paragraphs)
    giao_per_section = _giao_per_section(paragraphs)
    tasks: list[DraftTask] = []
    block: dict[str, tuple[str, Paragraph]] = {}
    last_giao: DraftTask | None = None
    last_giao_untimed: tuple[Paragraph, str, str, str | None] | None = None
    previous_bullet: Paragraph | None = None
    last_item: Paragraph | None = None
    headings = _Headings()
    for paragraph in paragraphs:
        text = paragraph.text.strip()
        if paragraph.table:
            continue
        if paragraph.heading:
            headings.add(paragraph)
            block = {}
            last_giao_untimed = None
            previous_bullet = None
            last_item = None
        elif paragraph.number and not _LEAD.match(text):
            last_item = paragraph
        for key, regex in (("lead", _LEAD), ("coop", _COOP), ("time", _TIME)):
            match = regex.match(text)
            if match:
                if key == "time" and last_giao_untimed is not None and "lead" not in block:
                    source, lead, title, coop = last_giao_untimed
                    tasks.append(_task(source, title, lead, coop, match.group("v").strip(" ."), cadence, paragraph))
                    last_giao_untimed = None
                    break
                block[key] = (match.group("v").strip().rstrip("."), paragraph)
                if key == "time" and "lead" in block:
                    lead_text, lead_paragraph = block["lead"]
                    coop = block.get("coop", (None, paragraph))[0]
                    item = last_item if last_item is not None and last_item.section == lead_paragraph.section else None
                    block_title = item.text.strip(" .") if item else paragraph.heading_text
                    task = _task(lead_paragraph, block_title, lead_text, coop, block["time"][0], cadence, paragraph)
                    if item is not None and item.number and not item.heading:
                        task.section = f"{task.section}.{item.number}" if task.section else item.number
                    elif (covered := headings.covered_by_block(lead_paragraph.section)) is not None:
                        task.section, task.title = covered
                    tasks.append(task)
                    last_item = None
                    block = {}
                break
        else:
            giao = _GIAO.search(text)
            if giao:
                lead = giao.group("lead").strip(" ,")
                phrase = time_phrase(giao.group("rest"))
                title = paragraph.heading_text
                label = re.match(r"^([^:.;]{3,80}):\s+Giao\s", text)  # "Tổ chức thực hiện: Giao ..."
                if label:
                    title = label.group(1)
                several = giao_per_section[paragraph.section] > 1
                if previous_bullet is not None and several:
                    title = previous_bullet.text.strip(" .;")
                elif several and _is_item(paragraph) and text.startswith("Giao"):  # "- Giao X chủ trì <the task>"
                    title = text[: text.find(phrase)] if phrase else text
                    title = title.strip(" .;,")
                if phrase is None:
                    last_giao_untimed = (paragraph, lead, title, _coop_of(giao.group("rest")))
                else:
                    last_giao = _task(paragraph, title, lead, _coop_of(giao.group("rest")), phrase, cadence, paragraph)
                    tasks.append(last_giao)
                    last_giao_untimed = None
                previous_bullet = None
            elif paragraph.raw.lstrip().startswith(("-", "+", "•")):
                if previous_bullet is None or last_giao_untimed is not None or last_giao is not None:
                    previous_bullet = paragraph
                last_giao = None
    return tasks


class _Headings:
    """The headings seen so far, to tell a task block that covers a whole list of sub-headings from one that covers
    the last of them. Some documents give each sub-heading its block (1.2.1 ... block, 1.2.2 ... block); others
    print one block after the last sub-heading for all of them (2.2.1 ... 2.2.6, then one block). A block after the
    last of at least three sub-headings, none of the earlier ones with a block of its own, covers their parent."""

    def __init__(self) -> None:
        self.by_section: dict[str, Paragraph] = {}
        self.under: dict[str, list[str]] = {}  # parent section -> its sub-headings' sections, in order
        self.with_block: set[str] = set()

    def add(self, heading: Paragraph) -> None:
        self.by_section[heading.section] = heading
        self.under.setdefault(_parent(heading), []).append(heading.section)

    def covered_by_block(self, section: str) -> tuple[str, str] | None:
        """(section, title) of the list a block printed under `section` covers, or None: it covers `section`."""
        self.with_block.add(section)
        heading = self.by_section.get(section)
        if heading is None:
            return None
        parent = _parent(heading)
        siblings = self.under.get(parent, [])
        earlier = siblings[:-1]
        if not siblings or siblings[-1] != section or len(earlier) < 2 or self.with_block.intersection(earlier):
            return None
        title_from = self.by_section.get(parent)
        while title_from is not None and _LIST_LABEL.match(title_from.heading_text):
            title_from = self.by_section.get(_parent(title_from))
        if parent not in self.by_section or title_from is None:
            return None
        return parent, title_from.heading_text


def _parent(heading: Paragraph) -> str:
    """The section of a heading's parent: "B.2.2.2.2.2.6" (B, 2, 2.2, 2.2.6) -> "B.2.2.2"."""
    number = heading.number or ""
    if number and heading.section.endswith(number):
        return heading.section[: -len(number)].rstrip(".")
    return heading.section.rsplit(".", 1)[0] if "." in heading.section else ""


def _is_item(paragraph: Paragraph) -> bool:
    return paragraph.raw.lstrip().startswith(("-", "+", "•", "*")) or (paragraph.number is not None
                                                                      and not paragraph.heading)  # fmt: skip


def _giao_per_section(paragraphs: list[Paragraph]) -> Counter[str]:
    return Counter(p.section for p in paragraphs if "Giao" in p.text and _GIAO.search(p.text.strip()))


def _coop_of(rest: str) -> str | None:
    match = re.search(r"phối hợp(?: với)?\s+(.+?)(?:\s+(?:triển khai|để|thực hiện|xây dựng|nghiên cứu)|[.;]|$)", rest)
    if match:
        return match.group(1).strip(" ,")
    match = re.search(r"chỉ đạo\s+(các .+?)\s+(?:triển khai|thực hiện)", rest)
    return match.group(1).strip(" ,") if match else None


def _task(source: Paragraph, title: str, lead: str, coop: str | None, time_frame: str, cadence: str,
          last: Paragraph) -> DraftTask:  # fmt: skip
    due, review, until = parse_time_frame(time_frame, cadence)
    task = DraftTask(
        section=source.section or str(source.line),
        title=(title or source.text)[:300].strip(" .:;"),
        lead=[name for name in split_agencies(lead) if not is_generic(name)] or [lead.strip(" .")],
        cooperating_text=coop,
        time_frame=time_frame,
        due=due,
        review_every=review,
        until_event=until,
        quote=source.text.strip()[:400],
        line=source.line,
    )
    if due is None and review is None and until is None:
        task.review_every = cadence
        task.reviews.append(f"time frame {time_frame!r} not understood: reviewed every {cadence} until decided")
    return task


def table_tasks(paragraphs: list[Paragraph], cadence: str) -> list[DraftTask]:
    """Rows of a danh mục table whose header names the lead ("chủ trì") and the time ("thời gian", "tiến độ")."""
    tasks: list[DraftTask] = []
    columns: dict[str, int] | None = None
    group = ""
    current: list[str] | None = None
    current_paragraph: Paragraph | None = None

    def flush() -> None:
        if current is None or current_paragraph is None or columns is None:
            return
        cells = [re.sub(r"<[^>]+>", " ", cell) for cell in current]
        cells = [re.sub(r"\s+", " ", cell).strip() for cell in cells]
        content = cells[columns["content"]] if columns["content"] < len(cells) else ""
        if "number" in columns:
            number = re.match(r"^(\d+)\s*[.)]?\s*$", cells[columns["number"]])
            content_start = 0
        else:
            number = re.match(r"^(\d+)\s*[.)]\s*", content)
            content_start = number.end() if number else 0
        if not number or not content:
            return
        lead = cells[columns["lead"]] if columns["lead"] < len(cells) else ""
        time_frame = cells[columns["time"]] if columns["time"] < len(cells) else ""
        if not lead or not time_frame:
            return
        coop = cells[columns["coop"]] if "coop" in columns and columns["coop"] < len(cells) else None
        task = _task(current_paragraph, content[content_start:], lead, coop, time_frame, cadence, current_paragraph)
        task.section = f"DM.{group}.{number.group(1)}" if group else f"DM.{number.group(1)}"
        task.kind = "project"
        task.quote = content[content_start:][:400] if "number" in columns else content[:400]
        if "supervisor" in columns and columns["supervisor"] < len(cells):
            task.supervisor_text = cells[columns["supervisor"]] or None
        tasks.append(task)

    for paragraph in paragraphs:
        if not paragraph.table:
            group_row = re.match(r"^([IVX]+)\s*[.)]\s", paragraph.raw.strip())
            if columns is not None and group_row:  # a group row whose empty cells were trimmed off
                flush()
                current, current_paragraph = None, None
                group = group_row.group(1)
            continue
        cells = table_cells(paragraph.raw)
        if all(re.fullmatch(r"\s*:?-{3,}:?\s*", cell) for cell in cells if cell.strip()):
            continue  # the "|---|---|" line under a header
        lowered = [cell.lower().strip() for cell in cells]
        if columns is None:
            if any("chủ trì" in cell for cell in lowered) and any(re.search(r"thời gian|tiến độ|thời hạn", c)
                                                                 for c in lowered):  # fmt: skip
                columns = {"lead": next(i for i, c in enumerate(lowered) if "chủ trì" in c),
                           "time": next(i for i, c in enumerate(lowered) if re.search(r"thời gian|tiến độ|thời hạn", c))}  # fmt: skip
                coop = [i for i, c in enumerate(lowered) if "phối hợp" in c]
                supervisor = [i for i, c in enumerate(lowered) if "chỉ đạo" in c and "chủ trì" not in c]
                if coop:
                    columns["coop"] = coop[0]
                numbered = [i for i, c in enumerate(lowered) if re.fullmatch(r"s?tt|số tt|số thứ tự", c)]
                columns["number"] = numbered[0] if numbered else -1
                if columns["number"] < 0:
                    del columns["number"]
                if supervisor:
                    columns["supervisor"] = supervisor[0]
                others = [i for i, c in enumerate(lowered) if i not in columns.values()]
                named = [i for i in others if re.search(r"nội dung|nhiệm vụ|tên|công việc|đề án", lowered[i])]
                columns["content"] = (named or others or [0])[0]
            continue
        first = re.sub(r"<[^>]+>", "", cells[0]).strip()
        if "number" in columns:
            first = " ".join(
                re.sub(r"<[^>]+>", "", cell).strip() for cell in cells[columns["number"] : columns["number"] + 2]
            )
        roman = re.match(r"^([IVX]+)\s*[.)]\s" if "number" not in columns else r"^([IVX]+)\s*[.)]?\s", first)
        if roman:
            flush()
            current, current_paragraph = None, None
            group = roman.group(1)
        elif re.match(r"^\d+\s*[.)]\s" if "number" not in columns else r"^\d+\s*[.)]?\s", first):
            flush()
            current, current_paragraph = list(cells), paragraph
        elif current is not None:
            for index, cell in enumerate(cells):
                if index < len(current):
                    current[index] = (current[index] + " " + cell).strip()
                else:
                    current.append(cell)
    flush()
    return tasks
