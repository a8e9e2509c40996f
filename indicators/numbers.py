"""Numbers as Vietnamese documents and offices write them.

Vietnamese writes "1.967" for 1967 and "7,5" for 7.5; English writes the opposite. A string such as "1.967"
means different numbers in the two conventions, so callers always say which one applies and ambiguous input
is rejected rather than guessed.
"""

import math
import re
from decimal import Decimal
from enum import StrEnum

from indicators.errors import InvalidInput


class NumberFormat(StrEnum):
    vietnamese = "comma"  # decimal comma, dot thousands: 1.967,5
    english = "dot"  # decimal dot, comma thousands: 1,967.5


class NumberFormatError(InvalidInput, ValueError):
    pass


# ASCII digits only: Python's float() also reads "١٢٣" and "１２３", which no office means to send.
_VI = re.compile(r"[+-]?([0-9]{1,3}(\.[0-9]{3})+|[0-9]+)(,[0-9]+)?")
_EN = re.compile(r"[+-]?([0-9]{1,3}(,[0-9]{3})+|[0-9]+)(\.[0-9]+)?")


def parse_number(text: str, number_format: NumberFormat) -> float:
    """Parse one number written in the given convention; raise NumberFormatError when it is not one."""
    cleaned = text.strip().replace("\u00a0", "").replace(" ", "").replace("\u2212", "-")
    if cleaned in ("", "+", "-"):
        raise NumberFormatError("thiếu số (empty number)")
    if number_format is NumberFormat.vietnamese:
        if not _VI.fullmatch(cleaned):
            raise NumberFormatError(
                f"{text[:40]!r} không phải số viết kiểu Việt Nam, ví dụ 1.967 hoặc 7,5 "
                "(not a number in Vietnamese format, e.g. 1.967 or 7,5)"
            )
        value = float(cleaned.replace(".", "").replace(",", "."))
    else:
        if not _EN.fullmatch(cleaned):
            raise NumberFormatError(
                f"{text[:40]!r} không phải số viết kiểu tiếng Anh, ví dụ 1,967 hoặc 7.5 "
                "(not a number in English format, e.g. 1,967 or 7.5)"
            )
        value = float(cleaned.replace(",", ""))
    if not math.isfinite(value):
        raise NumberFormatError(f"{text[:40]!r} quá lớn, không phải số hữu hạn (not a finite number)")
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
        raise NumberFormatError("giá trị đúng/sai không phải số (a boolean is not a number)")
    if isinstance(text, int | float):
        if not math.isfinite(text):
            raise NumberFormatError("không phải số hữu hạn (not a finite number)")
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


def format_vi_exact(value: float) -> str:
    """A number as it was sent, written the Vietnamese way, never rounded: 100.0001 -> "100,0001", 1.5 -> "1,5",
    1967.0 -> "1.967". Numbers too large or too small for plain digits keep an exponent: 1e+300 -> "1e+300"."""
    if not math.isfinite(value):
        return str(value)
    if value.is_integer() and abs(value) < 1e21:
        return format_vi(value, 0)
    text = repr(value)  # the shortest text that reads back as this float
    if "e" in text:
        mantissa, _, exponent = text.partition("e")
        if -7 < int(exponent) < 21:
            text = f"{Decimal(text):f}"
        else:
            return mantissa.replace(".", ",") + "e" + exponent
    integer, _, fraction = text.partition(".")
    return _group(integer) + ("," + fraction if fraction else "")


def _group(integer: str) -> str:
    sign = "-" if integer.startswith("-") else ""
    digits = integer.lstrip("-")
    groups = [digits[max(0, end - 3) : end] for end in range(len(digits), 0, -3)]
    return sign + ".".join(reversed(groups))
