"""The status board as a terminal table: Vietnamese names, coloured by status, numbers written the Vietnamese way."""

from datetime import date

from rich.console import Console
from rich.table import Table

from indicators.catalogue import Catalogue
from indicators.numbers import format_vi
from indicators.status import Evaluation, Status
from indicators.units import UNITS

COLOURS = {
    Status.achieved: "bold green",
    Status.on_track: "green",
    Status.at_risk: "yellow",
    Status.off_track: "bold red",
    Status.missed: "bold red",
    Status.no_data: "dim",
    Status.not_computable: "dim",
}


def _number(value: float | None) -> str:
    return "" if value is None else format_vi(round(value, 2))


def print_board(
    catalogue: Catalogue,
    board: list[Evaluation],
    as_of: date,
    console: Console | None = None,
    known_at: date | None = None,
) -> None:
    console = console or Console()
    title = f"Tình hình thực hiện chỉ tiêu đến ngày {as_of:%d/%m/%Y} (status as of {as_of})"
    if known_at is not None:
        title += f", số liệu ghi nhận đến hết ngày {known_at:%d/%m/%Y} (as known at {known_at})"
    table = Table(title=title)
    for column in ("Chỉ tiêu", "Địa bàn", "Kỳ", "Thực hiện", "Kế hoạch kỳ", "Mục tiêu", "Đơn vị", "Tình trạng"):
        table.add_column(column)
    for e in sorted(board, key=lambda e: (-e.status.severity, e.indicator, e.region)):
        indicator = catalogue.indicators[e.indicator]
        name = f"({indicator.number}) {indicator.name_vi}" if indicator.number else indicator.name_vi
        status = e.status.label_vi + (" (xấp xỉ)" if e.approximately else "")
        status += " · quá hạn báo cáo" if e.report_overdue else ""
        if e.previous is not None:
            status += f" · kỳ trước {e.previous.period}: {e.previous.status.label_vi}"
        table.add_row(
            name,
            catalogue.regions[e.region].name_vi if e.region in catalogue.regions else e.region,
            e.period or "",
            _number(e.actual),
            _number(e.expected),
            _number(e.target),
            UNITS[indicator.unit].symbol_vi,
            f"[{COLOURS[e.status]}]{status}[/]",
        )
    console.print(table)
    counts = {s: sum(1 for e in board if e.status is s) for s in Status}
    console.print(", ".join(f"{s.label_vi}: {n}" for s, n in counts.items() if n))
