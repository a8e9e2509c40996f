"""The document's header: its title and kind, issuer, target year and span; the province's name when it is not in
indicators/provinces.yaml."""

import re
from collections import Counter

from indicators.draft.segment import Paragraph

_PROVINCE = re.compile(r"\b[Tt]ỉnh[ ]+((?:[A-ZĐ][a-zà-ỹđ]+)(?:[ ]+[A-ZĐ][a-zà-ỹđ]+){0,2})")
_NOT_PROVINCE = {"Ủy", "Uỷ", "Đoàn", "Đồng", "Bắc", "Nam"}


def years_of(text: str, year: int | None) -> tuple[int, str | None]:
    head = "\n".join(line for line in text.split("\n")[:40] if line.strip())[:3000]
    span_match = re.search(r"(?:giai đoạn|nhiệm kỳ|thời kỳ)\s*((?:19|20)\d{2})\s*[-–]\s*((?:19|20)\d{2})", head,
                           re.IGNORECASE)  # fmt: skip
    until = re.findall(r"(?:đến|tới)\s+năm\s+((?:19|20)\d{2})", head, re.IGNORECASE)
    years = [int(y) for y in re.findall(r"năm\s+((?:19|20)\d{2})", head, re.IGNORECASE)]
    if year is None:
        if until:
            year = int(until[0])
        elif span_match:
            year = int(span_match.group(2))
        elif years:
            year = max(years)
        else:
            all_years = Counter(re.findall(r"năm\s+((?:19|20)\d{2})", text))
            year = int(all_years.most_common(1)[0][0]) if all_years else 2025
    span = f"{span_match.group(1)}-{span_match.group(2)}" if span_match else None
    if span is None:
        body_span = re.search(r"(?:giai đoạn|thời kỳ)\s*((?:19|20)\d{2})\s*[-–]\s*(" + str(year) + ")", text,
                              re.IGNORECASE)  # fmt: skip
        span = f"{body_span.group(1)}-{body_span.group(2)}" if body_span else None
    return year, span


def province_of(text: str) -> str | None:
    names = Counter(m.group(1).strip() for m in _PROVINCE.finditer(text) if m.group(1).split()[0] not in _NOT_PROVINCE)
    return names.most_common(1)[0][0] if names else None


def issuer_of(text: str, province: str | None) -> str:
    for issuer in ("Ban Thường vụ Tỉnh ủy", "Ban Chấp hành Đảng bộ tỉnh", "Tỉnh ủy", "Hội đồng nhân dân tỉnh",
                   "Ủy ban nhân dân tỉnh"):  # fmt: skip
        if issuer.lower() in text[:5000].lower():
            return f"{issuer} {province}" if province else issuer
    return "(to review) issuer not found"


_DOC_KIND = re.compile(r"^(?:NGHỊ QUYẾT|KẾ HOẠCH|CHƯƠNG TRÌNH|BÁO CÁO|KẾT LUẬN|QUYẾT ĐỊNH|THÔNG BÁO|ĐỀ ÁN|CHỈ THỊ|TỜ TRÌNH|"
                       r"DANH MỤC)(?![\wÀ-ỹ])", re.IGNORECASE)  # fmt: skip
_SUBTITLE = re.compile(r"^(?:về|thực hiện|của|giai đoạn|nhiệm kỳ)(?![\wÀ-ỹ])", re.IGNORECASE)


def title_of(paragraphs: list[Paragraph]) -> tuple[str, set[int]]:
    """The document's name: from the line naming its kind ("NGHỊ QUYẾT", "KẾ HOẠCH", ...) or the first line, with
    the lines that continue it, up to the first numbered heading or body paragraph."""
    head = paragraphs[:15]
    start = 0
    for index, paragraph in enumerate(head):
        text = _clean(paragraph.raw)
        kind = _DOC_KIND.match(text)
        if paragraph.number is None and kind and (kind.group(0).isupper() or index < 3):
            start = index
            break
    lines: list[str] = []
    previous: Paragraph | None = None
    for paragraph in paragraphs[start : start + 8]:
        text = _clean(paragraph.raw)
        bullet = re.match(r"^\s*[-+•]\s", paragraph.raw)
        if paragraph.number is not None or paragraph.table or bullet or len(text) > 300:
            break
        after_gap = previous is not None and paragraph.line > previous.line + 1
        continues = text[:1].islower() or paragraph.raw.lstrip().startswith("**") or _SUBTITLE.match(text)
        if after_gap and not (continues and len(text) < 200):
            break
        lines.append(text)
        previous = paragraph
        if len(" ".join(lines)) > 250:
            break
    title = re.sub(r"\s+", " ", " ".join(lines)).strip()[:300] or "(to review) untitled document"
    return title, {p.line for p in paragraphs[start : start + len(lines)]}


def _clean(raw: str) -> str:
    return raw.replace("**", " ").strip(" *#_")


def kind_of(title: str) -> str:
    lowered = title.lower()
    if lowered.startswith(("kế hoạch", "nghị quyết")):
        return "plan"
    if "chương trình" in lowered:
        return "action_programme"
    if "kết luận" in lowered or "báo cáo" in lowered:
        return "annual_conclusion"
    return "plan"
