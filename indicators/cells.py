"""Spreadsheet cells as chitieu values: periods written the Vietnamese way or typed as dates, status labels, codes.

A workbook reader hands each cell over as it was typed (a number, a date, a text); these functions turn the cells of
the period, status and code columns into the texts the CSV path receives, so that one validator judges both. A cell
they do not recognise is passed on unchanged as text, for the validator to refuse with its own message. Value cells
are not converted here: a numeric cell is a number already, and a text cell goes through the CSV number rules.
"""

import re
import unicodedata
from datetime import date, datetime

from indicators.observation_status import ObservationStatus
from indicators.periods import Frequency, Period

STATUS_LABELS_VI = {status.value: status.label_vi for status in reversed(ObservationStatus)}
"""The three statuses as a template's drop-down list shows them."""

_STATUS_WORDS = {
    **{code: code for code in STATUS_LABELS_VI},
    **{label: code for code, label in STATUS_LABELS_VI.items()},
    "ước": "estimate",
    "ước thực hiện": "estimate",
    "chính thức": "official",
}
_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4}
_QUARTER = re.compile(r"(?:quý|q)\s*(i{1,3}|iv|[1-4])\s*(?:/|-|năm)\s*([0-9]{4})")
_MONTH = re.compile(r"(?:tháng\s*)?(0?[1-9]|1[0-2])\s*(?:/|-|năm)\s*([0-9]{4})")
_HALF = re.compile(r"6\s*tháng\s*(đầu|cuối)\s*(?:năm)?\s*([0-9]{4})")
_YEAR = re.compile(r"(?:năm\s*)?([0-9]{4})")
_CANONICAL_PART = re.compile(r"[0-9]{4}-(?:h[12]|q[1-4])")
_DAY = re.compile(r"([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})")


def _words(text: str) -> str:
    """Lower case, NFC (a decomposed "ý" typed on some keyboards equals the composed one), single spaces."""
    return " ".join(unicodedata.normalize("NFC", text).lower().split())


def status_code(cell: object) -> object:
    """The labels "chính thức" / "sơ bộ" / "ước tính" (or the codes) -> official / preliminary / estimate; empty -> None."""
    if cell is None or cell == "":
        return None
    if not isinstance(cell, str):
        return cell
    return _STATUS_WORDS.get(_words(cell), cell.strip())


def code_text(cell: object) -> object:
    """An indicator or region code: text as written; a whole number typed into the cell as its digits."""
    if type(cell) is str:
        return cell.strip()
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    if isinstance(cell, bool):
        return cell
    if isinstance(cell, int):
        return str(cell)
    return cell.strip() if isinstance(cell, str) else cell


def period_text(cell: object, frequency: Frequency | None) -> object:
    """A period cell as the canonical text ("2025", "2025-Q3", "2025-H1", "2025-09").

    A year typed as a number (2025) is that year. A date (a date cell, or "30/09/2025") is the period of the
    indicator's frequency that contains it, a month when the frequency is unknown. Vietnamese forms are read:
    "Năm 2025", "Quý III/2025", "Q3/2025", "Tháng 9/2025", "09/2025", "6 tháng đầu năm 2025".
    """
    if isinstance(cell, bool):
        return cell
    if isinstance(cell, float) and cell.is_integer():
        cell = int(cell)
    if isinstance(cell, int):
        return str(cell)
    if isinstance(cell, datetime):
        return _period_of(cell.date(), frequency)
    if isinstance(cell, date):
        return _period_of(cell, frequency)
    if not isinstance(cell, str):
        return cell
    text = _words(cell)
    if match := _DAY.fullmatch(text):
        try:
            day = date(int(match.group(3)), int(match.group(2)), int(match.group(1)))
        except ValueError:
            return cell.strip()
        return _period_of(day, frequency)
    if match := _QUARTER.fullmatch(text):
        quarter = match.group(1)
        return f"{match.group(2)}-Q{_ROMAN.get(quarter) or int(quarter)}"
    if match := _HALF.fullmatch(text):
        return f"{match.group(2)}-H{1 if match.group(1) == 'đầu' else 2}"
    if match := _MONTH.fullmatch(text):
        return f"{match.group(2)}-{int(match.group(1)):02d}"
    if match := _YEAR.fullmatch(text):
        return match.group(1)
    if _CANONICAL_PART.fullmatch(text):
        return text.upper()
    return cell.strip()


def _period_of(day: date, frequency: Frequency | None) -> str:
    return str(Period.containing(day, frequency or Frequency.month))
