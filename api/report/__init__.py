"""The periodic results report (báo cáo kết quả thực hiện chỉ tiêu): content from the status board (model.py, read by
load.py), rendered as DOCX (docx.py), HTML and PDF (html.py, WeasyPrint) and XLSX (xlsx.py), charts by chart.py."""

from dataclasses import dataclass
from enum import StrEnum

from api.report.model import Report


class ReportFormat(StrEnum):
    docx = "docx"
    pdf = "pdf"
    xlsx = "xlsx"
    html = "html"


MEDIA_TYPES = {
    ReportFormat.docx: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ReportFormat.pdf: "application/pdf",
    ReportFormat.xlsx: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ReportFormat.html: "text/html; charset=utf-8",
}


@dataclass(frozen=True)
class RenderedReport:
    content: bytes
    media_type: str
    filename: str


def render(report: Report, report_format: ReportFormat) -> RenderedReport:
    from api.report.chart import chart_png

    match report_format:
        case ReportFormat.docx:
            from api.report.docx import report_docx

            content = report_docx(report, chart_png)
        case ReportFormat.xlsx:
            from api.report.xlsx import report_xlsx

            content = report_xlsx(report)
        case ReportFormat.html:
            from api.report.html import report_html

            content = report_html(report, chart_png).encode()
        case ReportFormat.pdf:
            from api.report.html import report_html, report_pdf

            content = report_pdf(report_html(report, chart_png))
    return RenderedReport(content, MEDIA_TYPES[report_format], f"{report.file_stem}.{report_format.value}")
