"""The report as a Word document (python-docx): A4 portrait body, landscape appendix, Liberation Serif 14 pt."""

import io
from collections.abc import Callable, Sequence
from typing import Any

from docx import Document
from docx.document import Document as DocumentObject
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Mm, Pt
from docx.table import Table
from docx.text.paragraph import Paragraph

from api.report.html import TABLE_COLUMNS
from api.report.model import ROMAN, IndicatorPage, Report, Row

FONT = "Liberation Serif"
BODY_PT = 14
TABLE_PT = 12
APPENDIX_WIDTHS_CM = (1.2, 7.4, 2.0, 3.4, 2.6, 2.8, 3.2, 2.8)


def report_docx(report: Report, chart: Callable[[IndicatorPage], bytes]) -> bytes:
    document = Document()
    _set_fonts(document)
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.orientation = WD_ORIENT.PORTRAIT
    section.top_margin, section.bottom_margin = Mm(20), Mm(20)
    section.left_margin, section.right_margin = Mm(30), Mm(15)

    _header_block(document, report)
    _paragraph(document, report.title, bold=True, centre=True, space_before=12)
    _paragraph(document, report.subject, bold=True, centre=True)
    _paragraph(document, f"({report.document})", italic=True, centre=True, size=13, space_after=12)
    _paragraph(document, report.introduction, indent=True)
    _paragraph(document, f"{ROMAN[0]}. KẾT QUẢ THỰC HIỆN CÁC CHỈ TIÊU, NHIỆM VỤ", bold=True, space_before=6)
    for sentence in report.summary:
        _paragraph(document, sentence, indent=True)
    _paragraph(document, "Chi tiết tại Phụ lục: Biểu kết quả thực hiện các chỉ tiêu.", indent=True)
    _paragraph(document, f"{ROMAN[1]}. BÁO CÁO SỐ LIỆU VÀ NHIỆM VỤ QUÁ HẠN", bold=True, space_before=6)
    _overdue(document, report)
    if report.pages:
        _paragraph(document, f"{ROMAN[2]}. CÁC CHỈ TIÊU CHẬM TIẾN ĐỘ, KHÔNG ĐẠT", bold=True, space_before=6)
        _paragraph(
            document, f"Có {len(report.pages)} chỉ tiêu chậm tiến độ hoặc không đạt, trình bày dưới đây.", indent=True
        )
        for page in report.pages:
            _indicator_page(document, page, chart(page))

    appendix = document.add_section(WD_SECTION.NEW_PAGE)
    appendix.orientation = WD_ORIENT.LANDSCAPE
    appendix.page_width, appendix.page_height = Mm(297), Mm(210)
    appendix.top_margin, appendix.bottom_margin = Mm(20), Mm(15)
    appendix.left_margin, appendix.right_margin = Mm(20), Mm(15)
    _paragraph(document, "PHỤ LỤC", bold=True, centre=True)
    _paragraph(document, "BIỂU KẾT QUẢ THỰC HIỆN CÁC CHỈ TIÊU", bold=True, centre=True)
    _paragraph(document, f"(Số liệu đến ngày {report.as_of:%d/%m/%Y})", italic=True, centre=True, size=13)
    several = len(report.tables) > 1
    for region_table in report.tables:
        if several:
            _paragraph(document, f"Địa bàn: {region_table.name}", bold=True, space_before=6)
        _appendix_table(document, region_table.rows)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _set_fonts(document: DocumentObject) -> None:
    for name in ("Normal", "Table Grid"):
        style: Any = document.styles[name]
        style.font.name = FONT
        style.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), FONT)
    normal: Any = document.styles["Normal"]
    normal.font.size = Pt(BODY_PT)
    normal.paragraph_format.space_after = Pt(6)
    normal.paragraph_format.line_spacing = 1.15


def _paragraph(
    container: Any,
    text: str,
    *,
    bold: bool = False,
    italic: bool = False,
    centre: bool = False,
    underline: bool = False,
    indent: bool = False,
    size: float | None = None,
    space_before: float | None = None,
    space_after: float | None = None,
    align: WD_ALIGN_PARAGRAPH | None = None,
) -> Paragraph:
    paragraph: Paragraph = container.add_paragraph()
    run = paragraph.add_run(text)
    run.bold, run.italic, run.underline = bold, italic, underline
    if size is not None:
        run.font.size = Pt(size)
    fmt = paragraph.paragraph_format
    if centre:
        fmt.alignment = WD_ALIGN_PARAGRAPH.CENTER
    elif align is not None:
        fmt.alignment = align
    else:
        fmt.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    if indent:
        fmt.first_line_indent = Cm(1)
    if space_before is not None:
        fmt.space_before = Pt(space_before)
    if space_after is not None:
        fmt.space_after = Pt(space_after)
    return paragraph


def _header_block(document: DocumentObject, report: Report) -> None:
    h = report.header
    table = document.add_table(rows=1, cols=2)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    left, right = table.rows[0].cells
    left.width, right.width = Cm(7), Cm(9)
    _cell_lines(left, [(h.issuer_above, False, False), (h.issuer, True, False), ("*", False, False)])
    _cell_lines(left, [(h.number_line, False, False)])
    lines = [(h.motto[0], True, True), *((line, True, False) for line in h.motto[1:])]
    _cell_lines(right, lines)
    _paragraph(right, h.place_date, italic=True, size=13, align=WD_ALIGN_PARAGRAPH.RIGHT, space_before=6)
    for cell in (left, right):
        first = cell.paragraphs[0]
        if not first.text:
            first._element.getparent().remove(first._element)


def _cell_lines(cell: Any, lines: Sequence[tuple[str, bool, bool]]) -> None:
    for text, bold, underline in lines:
        _paragraph(cell, text, bold=bold, underline=underline, centre=True, size=13, space_after=0)


def _overdue(document: DocumentObject, report: Report) -> None:
    _paragraph(document, "1. Báo cáo số liệu quá hạn", bold=True, italic=True)
    if report.overdue_reports:
        rows = [
            (o.number, o.name, o.region_name, o.period_vi, f"{o.overdue_since:%d/%m/%Y}", o.office)
            for o in report.overdue_reports
        ]
        _grid(
            document,
            ("STT", "Chỉ tiêu", "Địa bàn", "Kỳ số liệu", "Quá hạn từ", "Đơn vị"),
            rows,
            (1, 5, 2.4, 2.4, 2.2, 3),
        )
    else:
        _paragraph(document, "Không có báo cáo số liệu quá hạn.", indent=True)
    _paragraph(document, "2. Nhiệm vụ quá hạn", bold=True, italic=True, space_before=6)
    if report.overdue_tasks:
        tasks = [
            (t.section, t.title, t.leads, t.time_frame, f"{t.due:%d/%m/%Y}" if t.due else "")
            for t in report.overdue_tasks
        ]
        _grid(document, ("Mục", "Nhiệm vụ", "Cơ quan chủ trì", "Thời hạn", "Hạn"), tasks, (1.4, 6.6, 3.6, 2.6, 2.2))
    else:
        _paragraph(document, "Không có nhiệm vụ quá hạn.", indent=True)


def _indicator_page(document: DocumentObject, page: IndicatorPage, png: bytes) -> None:
    row = page.row
    heading = _paragraph(document, "", bold=True)
    heading.runs[0].add_break(WD_BREAK.PAGE)
    number = f"({row.number}) " if row.number else ""
    heading.add_run(f"{number}{row.name} — {page.region_name}").bold = True
    _paragraph(
        document,
        f"Kế hoạch: {row.plan} ({row.unit}); thực hiện: {row.actual_text or 'chưa có'} ({row.period_vi}); "
        f"so sánh: {row.comparison_text or '—'}; đánh giá: {row.assessment}.",
    )
    if page.projection_text:
        _paragraph(document, page.projection_text + ".")
    if page.reason:
        _paragraph(document, f"Ghi chú: {page.reason}.")
    document.add_picture(io.BytesIO(png), width=Cm(16))
    document.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER
    _paragraph(document, "Chỉ tiêu theo văn bản:")
    for quote in page.quotes:
        _paragraph(document, quote, italic=True, indent=True)


def _appendix_table(document: DocumentObject, rows: Sequence[Row]) -> None:
    values = [
        (
            r.number,
            r.name,
            r.unit,
            r.plan,
            r.actual_text,
            r.comparison_text,
            r.assessment,
            r.period_vi,
        )
        for r in rows
    ]
    table = _grid(document, TABLE_COLUMNS, values, APPENDIX_WIDTHS_CM)
    for index, row in enumerate(rows, start=1):
        if row.status.severity >= 5:
            for run in table.rows[index].cells[6].paragraphs[0].runs:
                run.bold = True


def _grid(
    document: DocumentObject, header: Sequence[str], rows: Sequence[Sequence[str]], widths_cm: Sequence[float]
) -> Table:
    table: Table = document.add_table(rows=1 + len(rows), cols=len(header))
    table.style = document.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    _repeat_header(table)
    widths = [Cm(width) for width in widths_cm]
    table.autofit = False
    for column, width in zip(table.columns, widths, strict=True):
        column.width = width  # the grid (LibreOffice reads it); Word reads the cells' widths set below
    for line, values in enumerate([header, *rows]):
        # Cells row by row: python-docx's table.cell() and column.cells walk the whole table on every call.
        for column, (cell, value) in enumerate(zip(table.rows[line].cells, values, strict=True)):
            cell.width = widths[column]
            if line == 0:
                _cell_text(cell, value, bold=True, centre=True)
            else:
                _cell_text(cell, value, centre=column != 1, right=column in (4, 5) and len(header) == 8)
    return table


def _cell_text(cell: Any, text: str, *, bold: bool = False, centre: bool = False, right: bool = False) -> None:
    paragraph: Paragraph = cell.paragraphs[0]
    run = paragraph.add_run(text)
    run.bold = bold
    run.font.size = Pt(TABLE_PT)
    paragraph.paragraph_format.space_after = Pt(0)
    paragraph.paragraph_format.line_spacing = 1.0
    if right:
        paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    elif centre:
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    else:
        paragraph.alignment = WD_ALIGN_PARAGRAPH.LEFT


def _repeat_header(table: Table) -> None:
    """The header row repeats on every page of a long table."""
    properties = table.rows[0]._tr.get_or_add_trPr()
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    properties.append(header)
