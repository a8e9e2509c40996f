"""Text that leaves chitieu for a spreadsheet: a cell that starts like a formula is neutralised.

A note such as `=cmd|' /C calc'!A0` is stored as sent, but Excel, LibreOffice or Google Sheets would run it as a
formula when it reaches them in a CSV or XLSX export. Every export writes text through `neutralise_formula`, which
puts a `'` in front of text starting with = + - @ (or a tab or carriage return, which some spreadsheets skip before
reading such a sign), as OWASP's "CSV injection" advice says. SQL that an export reads (Grafana's tables) uses
`neutralise_formula_sql`, the same rule written for PostgreSQL.
"""

import re

# Characters a note may not hold: C0 controls but tab, line feed and carriage return, DEL, and lone surrogates (text a
# JSON "\ud800" escape can bring, which PostgreSQL cannot store).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
CONTROL_CHARACTERS_MESSAGE = "ghi chú có ký tự điều khiển (note contains control characters or invalid Unicode)"


def has_control_characters(text: str) -> bool:
    """True when a free text (a note) holds a character it may not: the one rule for every note."""
    return _CONTROL.search(text) is not None


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
NEUTRALISING_PREFIX = "'"


def looks_like_formula(text: str) -> bool:
    """True when a spreadsheet could read the text as a formula."""
    return text.startswith(FORMULA_STARTS)


def neutralise_formula(text: str) -> str:
    """The text as a spreadsheet cell shows it literally: "=1+1" -> "'=1+1"; other text unchanged."""
    return NEUTRALISING_PREFIX + text if looks_like_formula(text) else text


def neutralise_formula_sql(expression: str) -> str:
    """`neutralise_formula` as a PostgreSQL expression over a text `expression` (NULL stays NULL)."""
    starts = ", ".join(f"E'{_sql_escape(start)}'" for start in FORMULA_STARTS)
    return (
        f"CASE WHEN left({expression}, 1) IN ({starts}) THEN '{NEUTRALISING_PREFIX * 2}' || {expression} "
        f"ELSE {expression} END"
    )


def _sql_escape(character: str) -> str:
    return {"'": "\\'", "\\": "\\\\", "\t": "\\t", "\r": "\\r"}.get(character, character)


FORMULA_NOTE_WARNING = (
    "ghi chú bắt đầu bằng = + - @: bảng tính có thể chạy nó như công thức; khi xuất ra sẽ thêm dấu ' phía trước "
    "(the note starts like a spreadsheet formula; exports prefix it with ')"
)
