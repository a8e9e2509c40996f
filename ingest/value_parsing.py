"""A row's value: how a text cell becomes a number, and whether the number fits the indicator's unit.

Messages are in Vietnamese with the English in brackets: they are read by the statistics office that sent the row.
"""

import math
import re
from collections.abc import Callable

from indicators.model import Indicator
from indicators.numbers import NumberFormat, NumberFormatError, format_vi_exact, is_ambiguous, parse_number
from indicators.units import UNITS

ValueParser = Callable[[str], float]
# A number both conventions read alike or only English reads (no thousands separator, not 3 decimals: "41.37", "-7"),
# so the English and the unstated format read it as float() does.
_PLAIN_DOT_NUMBER = re.compile(r"-?[0-9]+(\.[0-9]{1,2}|\.[0-9]{4,})?")


def string_value_parser(number_format: NumberFormat | None) -> ValueParser:
    """How a CSV cell becomes a number: in the stated format, or, when none is stated, only if unambiguous."""

    def parse(text: str) -> float:
        if number_format is not NumberFormat.vietnamese and _PLAIN_DOT_NUMBER.fullmatch(text):
            value = float(text)  # what parse_number gives for it; only its refusal of infinity is left to say
            if math.isfinite(value):
                return value
        if number_format is not None:
            return parse_number(text, number_format)
        if is_ambiguous(text):
            raise NumberFormatError(
                f"số {text!r} không rõ định dạng (ambiguous number: Vietnamese and English formats read it "
                "differently; send ?decimal=comma or ?decimal=dot)"
            )
        for candidate in (NumberFormat.vietnamese, NumberFormat.english):
            try:
                return parse_number(text, candidate)
            except NumberFormatError:
                continue
        raise NumberFormatError(f"{text!r} không phải là số (not a number)")

    return parse


def read_value(raw: object, indicator: Indicator | None, parse_string: ValueParser | None) -> float | str:
    """The value as a finite number its unit allows (any finite number when the indicator is unknown), or the problem.

    Text is read by `parse_string`; None: only JSON numbers are values."""
    if isinstance(raw, bool) or raw is None or raw == "":
        return "thiếu giá trị số (value must be a number)"
    if isinstance(raw, str):
        if parse_string is None:
            return "giá trị phải là số JSON, không phải chuỗi (value must be a JSON number)"
        try:
            value = parse_string(raw)
        except NumberFormatError as error:
            return str(error)
    elif isinstance(raw, int | float):
        try:
            value = float(raw)
        except OverflowError:  # a JSON integer of hundreds of digits
            return f"số quá lớn ({len(str(raw))} chữ số) (number too large)"
    else:
        return "giá trị phải là số (value must be a number)"
    if not math.isfinite(value):
        return "giá trị phải là số hữu hạn (value must be finite, not NaN or infinity)"
    if indicator is None:
        return value
    unit = UNITS[indicator.unit]
    if unit.bounded and not 0 <= value <= 100:
        return f"tỷ lệ {_as_sent(raw, value)}% nằm ngoài 0-100 (percentage outside 0-100)"
    if unit.counts and (value < 0 or not value.is_integer()):
        return f"số đếm phải là số nguyên không âm, nhận {_as_sent(raw, value)} (counts are whole and not negative)"
    if value < 0 and not unit.may_be_negative:
        return f"giá trị âm {_as_sent(raw, value)} không hợp lệ với đơn vị {unit.symbol_vi} (negative value)"
    return value


def _as_sent(raw: object, value: float) -> str:
    """The value as the office wrote it: a CSV cell as is, a JSON number the Vietnamese way (100.0001 -> 100,0001)."""
    return raw.strip()[:40] if isinstance(raw, str) else format_vi_exact(value)
