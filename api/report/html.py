"""The report as one HTML page (print CSS: A4 portrait, landscape appendix) and as PDF from it with WeasyPrint."""

import base64
from collections.abc import Callable
from html import escape

from api.report.model import ROMAN, IndicatorPage, Report, Row

FONT_STACK = '"Liberation Serif", "Times New Roman", serif'
TABLE_COLUMNS = ("STT", "Chỉ tiêu", "Đơn vị tính", "Kế hoạch", "Thực hiện", "So sánh", "Đánh giá", "Kỳ số liệu")

CSS = f"""
@page {{ size: A4 portrait; margin: 20mm 15mm 20mm 30mm;
        @bottom-center {{ content: counter(page); font-family: {FONT_STACK}; font-size: 12pt; }} }}
@page appendix {{ size: A4 landscape; margin: 20mm 15mm 15mm 20mm; }}
body {{ font-family: {FONT_STACK}; font-size: 14pt; line-height: 1.3; color: #000; }}
p {{ margin: 0 0 6pt 0; text-align: justify; }}
.indent {{ text-indent: 1cm; }}
table.header {{ width: 100%; border-collapse: collapse; margin-bottom: 12pt; }}
table.header td {{ vertical-align: top; text-align: center; font-size: 13pt; padding: 0; }}
.issuer {{ font-weight: bold; }}
.motto {{ font-weight: bold; text-decoration: underline; }}
.motto2 {{ font-weight: bold; }}
.place {{ font-style: italic; text-align: right; margin-top: 8pt; }}
h1 {{ font-size: 14pt; text-align: center; margin: 12pt 0 0 0; }}
.subject {{ text-align: center; font-weight: bold; margin: 0; }}
.document {{ text-align: center; font-style: italic; font-size: 13pt; margin: 0 0 12pt 0; }}
h2 {{ font-size: 14pt; margin: 12pt 0 6pt 0; }}
h3 {{ font-size: 13pt; margin: 8pt 0 4pt 0; }}
table.grid {{ width: 100%; border-collapse: collapse; font-size: 12pt; }}
table.grid th, table.grid td {{ border: 0.5pt solid #000; padding: 2pt 4pt; vertical-align: top; }}
table.grid th {{ font-weight: bold; text-align: center; }}
table.grid thead {{ display: table-header-group; }}
table.grid tr {{ page-break-inside: avoid; }}
td.num {{ text-align: right; white-space: nowrap; }}
td.centre {{ text-align: center; }}
.status-missed, .status-off_track {{ font-weight: bold; }}
section.indicator-page {{ page-break-before: always; }}
section.indicator-page img {{ width: 16cm; display: block; margin: 6pt auto; }}
.quote {{ font-style: italic; }}
section.appendix {{ page: appendix; page-break-before: always; }}
section.appendix h2 {{ text-align: center; }}
"""


def report_html(report: Report, chart: Callable[[IndicatorPage], bytes]) -> str:
    """The whole report; `chart` draws an indicator page's PNG."""
    h = report.header
    motto = f'<div class="motto">{escape(h.motto[0])}</div>' + "".join(
        f'<div class="motto2">{escape(line)}</div>' for line in h.motto[1:]
    )
    parts = [
        "<!DOCTYPE html>",
        '<html lang="vi"><head><meta charset="utf-8">',
        f"<title>{escape(report.file_stem)}</title><style>{CSS}</style></head><body>",
        '<table class="header"><tr>',
        f'<td style="width:45%"><div>{escape(h.issuer_above)}</div><div class="issuer">{escape(h.issuer)}</div>'
        f"<div>*</div><div>{escape(h.number_line)}</div></td>",
        f'<td style="width:55%">{motto}<div class="place">{escape(h.place_date)}</div></td>',
        "</tr></table>",
        f"<h1>{escape(report.title)}</h1>",
        f'<p class="subject">{escape(report.subject)}</p>',
        f'<p class="document">({escape(report.document)})</p>',
        f'<p class="indent">{escape(report.introduction)}</p>',
        f"<h2>{ROMAN[0]}. KẾT QUẢ THỰC HIỆN CÁC CHỈ TIÊU, NHIỆM VỤ</h2>",
        *(f'<p class="indent">{escape(sentence)}</p>' for sentence in report.summary),
        '<p class="indent">Chi tiết tại Phụ lục: Biểu kết quả thực hiện các chỉ tiêu.</p>',
        f"<h2>{ROMAN[1]}. BÁO CÁO SỐ LIỆU VÀ NHIỆM VỤ QUÁ HẠN</h2>",
        _overdue_html(report),
    ]
    if report.pages:
        parts.append(f"<h2>{ROMAN[2]}. CÁC CHỈ TIÊU CHẬM TIẾN ĐỘ, KHÔNG ĐẠT</h2>")
        parts.append(
            f'<p class="indent">Có {len(report.pages)} chỉ tiêu chậm tiến độ hoặc không đạt, trình bày dưới đây.</p>'
        )
        parts.extend(_page_html(page, chart(page)) for page in report.pages)
    parts.append('<section class="appendix"><h2>PHỤ LỤC<br>BIỂU KẾT QUẢ THỰC HIỆN CÁC CHỈ TIÊU</h2>')
    parts.append(f'<p class="document">(Số liệu đến ngày {report.as_of:%d/%m/%Y})</p>')
    several = len(report.tables) > 1
    for table in report.tables:
        if several:
            parts.append(f"<h3>Địa bàn: {escape(table.name)}</h3>")
        parts.append(_table_html(table.rows))
    parts.append("</section></body></html>")
    return "\n".join(parts)


def _table_html(rows: tuple[Row, ...]) -> str:
    head = "".join(f"<th>{escape(column)}</th>" for column in TABLE_COLUMNS)
    body = "".join(
        f'<tr class="status-{row.status.value}"><td class="centre">{escape(row.number)}</td><td>{escape(row.name)}</td>'
        f'<td class="centre">{escape(row.unit)}</td><td class="centre">{escape(row.plan)}</td>'
        f'<td class="num">{escape(row.actual_text)}</td><td class="num">{escape(row.comparison_text)}</td>'
        f'<td class="centre">{escape(row.assessment)}</td><td class="centre">{escape(row.period_vi)}</td></tr>'
        for row in rows
    )
    widths = (5, 29, 8, 13, 10, 11, 12, 12)
    colgroup = "".join(f'<col style="width:{width}%">' for width in widths)
    return f'<table class="grid"><colgroup>{colgroup}</colgroup><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def _page_html(page: IndicatorPage, png: bytes) -> str:
    row = page.row
    number = f"({row.number}) " if row.number else ""
    image = base64.b64encode(png).decode()
    lines = [
        f"Kế hoạch: {row.plan} ({row.unit}); thực hiện: {row.actual_text or 'chưa có'} ({row.period_vi}); "
        f"so sánh: {row.comparison_text or '—'}; đánh giá: {row.assessment}.",
    ]
    if page.projection_text:
        lines.append(page.projection_text + ".")
    if page.reason:
        lines.append(f"Ghi chú: {page.reason}.")
    quotes = "".join(f'<p class="quote">{escape(quote)}</p>' for quote in page.quotes)
    return (
        '<section class="indicator-page">'
        f"<h3>{escape(number + row.name)} — {escape(page.region_name)}</h3>"
        + "".join(f"<p>{escape(line)}</p>" for line in lines)
        + f'<img alt="Biểu đồ {escape(row.name)}" src="data:image/png;base64,{image}">'
        + f"<p>Chỉ tiêu theo văn bản:</p>{quotes}</section>"
    )


def _overdue_html(report: Report) -> str:
    parts = ["<h3>1. Báo cáo số liệu quá hạn</h3>"]
    if report.overdue_reports:
        head = "".join(f"<th>{c}</th>" for c in ("STT", "Chỉ tiêu", "Địa bàn", "Kỳ số liệu", "Quá hạn từ", "Đơn vị"))
        body = "".join(
            f'<tr><td class="centre">{escape(o.number)}</td><td>{escape(o.name)}</td><td>{escape(o.region_name)}</td>'
            f'<td class="centre">{escape(o.period_vi)}</td><td class="centre">{o.overdue_since:%d/%m/%Y}</td>'
            f"<td>{escape(o.office)}</td></tr>"
            for o in report.overdue_reports
        )
        parts.append(f'<table class="grid"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>')
    else:
        parts.append('<p class="indent">Không có báo cáo số liệu quá hạn.</p>')
    parts.append("<h3>2. Nhiệm vụ quá hạn</h3>")
    if report.overdue_tasks:
        head = "".join(f"<th>{c}</th>" for c in ("Mục", "Nhiệm vụ", "Cơ quan chủ trì", "Thời hạn", "Hạn"))
        body = "".join(
            f'<tr><td class="centre">{escape(t.section)}</td><td>{escape(t.title)}</td><td>{escape(t.leads)}</td>'
            f'<td>{escape(t.time_frame)}</td><td class="centre">{f"{t.due:%d/%m/%Y}" if t.due else ""}</td></tr>'
            for t in report.overdue_tasks
        )
        parts.append(f'<table class="grid"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>')
    else:
        parts.append('<p class="indent">Không có nhiệm vụ quá hạn.</p>')
    return "\n".join(parts)


def report_pdf(html_text: str) -> bytes:
    from weasyprint import HTML

    pdf: bytes = HTML(string=html_text).write_pdf()
    return pdf
