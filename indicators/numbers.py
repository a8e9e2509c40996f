"""Numbers as Vietnamese documents and offices write them.

Vietnamese writes "1.967" for 1967 and "7,5" for 7.5; English writes the opposite. A string such as "1.967"
means different numbers in the two conventions, so callers always say which one applies and ambiguous input
is rejected rather than guessed.
"""

import math
import re
from enum import StrEnum


class NumberFormat(StrEnum):
    vietnamese = "comma"  # decimal comma, dot thousands: 1.967,5
    english = "dot"  # decimal dot, comma thousands: 1,967.5


class NumberFormatError(ValueError):
    pass


_VI = re.compile(r"^[+-]?(\d{1,3}(\.\d{3})+|\d+)(,\d+)?$")
_EN = re.compile(r"^[+-]?(\d{1,3}(,\d{3})+|\d+)(\.\d+)?$")


def parse_number(text: str, number_format: NumberFormat) -> float:
    """Parse one number written in the given convention; raise NumberFormatError when it is not one."""
    cleaned = text.strip().replace("\u00a0", "").replace(" ", "").replace("\u2212", "-")
    if cleaned in ("", "+", "-"):
        raise NumberFormatError("empty number")
    if number_format is NumberFormat.vietnamese:
        if not _VI.match(cleaned):
            raise NumberFormatError(f"{text!r} is not a number in Vietnamese format (e.g. 1.967 or 7,5)")
        value = float(cleaned.replace(".", "").replace(",", "."))
    else:
        if not _EN.match(cleaned):
            raise NumberFormatError(f"{text!r} is not a number in English format (e.g. 1,967 or 7.5)")
        value = float(cleaned.replace(",", ""))
    if not math.isfinite(value):
        raise NumberFormatError(f"{text!r} is not a finite number")
    return value


def is_ambiguous(text: str) -> bool:
    """True when the text reads as a valid but different number in the two conventions ("1.967", "1,967")."""
    try:
        vi = parse_number(text, NumberFormat.vietnamese)
        en = parse_number(text, NumberFormat.english)
    except NumberFormatError:
        return False
    return vi != en


def parse_vi(text: str | float | int) -> float:
    """A catalogue number: YAML numbers pass through, strings are read in Vietnamese format."""
    if isinstance(text, bool):
        raise NumberFormatError("a boolean is not a number")
    if isinstance(text, int | float):
        if not math.isfinite(text):
            raise NumberFormatError("not a finite number")
        return float(text)
    return parse_number(text, NumberFormat.vietnamese)


def format_vi(value: float, decimals: int | None = None) -> str:
    """Format the Vietnamese way: 7555 -> "7.555", 7.5 -> "7,5", 3777.5 -> "3.777,5"."""
    text = f"{value:.6f}".rstrip("0").rstrip(".") if decimals is None else f"{value:.{decimals}f}"
    sign = "-" if text.startswith("-") else ""
    integer, _, fraction = text.lstrip("-").partition(".")
    groups: list[str] = []
    while len(integer) > 3:
        groups.insert(0, integer[-3:])
        integer = integer[:-3]
    groups.insert(0, integer)
    return sign + ".".join(groups) + ("," + fraction if fraction else "")
