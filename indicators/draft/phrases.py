"""The grammar of Vietnamese target phrasing: numbers, units, comparators, ranges, bases and periods in one clause.

`parse_clause` reads one clause ("Tỷ lệ hộ nghèo giảm 0,6-1%/năm") into the values it states; it never raises on
odd input and returns an empty list when the clause states no target. Offsets index the clause itself, so a quote is
always a verbatim slice of the text.
"""

import re
import unicodedata
from dataclasses import dataclass, field

from indicators.numbers import NumberFormat, NumberFormatError, parse_number

NUMBER = r"\d{1,3}(?:\.\d{3})+(?:,\d+)?|\d+(?:,\d+)?"
_NUMBER = re.compile(rf"(?<![\d.,/\w])(?:{NUMBER})(?![\d]|[.,]\d|/\d)")
_RANGE_SEP = re.compile(r"^\s*(?:-|–|—|đến|tới|~)\s*$")
SMALL_NUMBERS = {"một": 1, "hai": 2, "ba": 3, "bốn": 4, "năm": 5, "sáu": 6, "bảy": 7, "tám": 8, "chín": 9, "mười": 10}


def fold(text: str) -> str:
    """ASCII, lower case: "Tỷ lệ hộ nghèo" -> "ty le ho ngheo"."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def read_number(token: str) -> float | None:
    try:
        return parse_number(token, NumberFormat.vietnamese)
    except NumberFormatError:
        return None


# ---------------------------------------------------------------------------------------------------- masking
# Numbers that are not target values: dates, document numbers, years, quarters, roman-numbered congresses.
_NOISE = [
    r"\d{1,2}/\d{1,2}/\d{4}",  # 30/6/2025
    r"(?:số\s+)?\d+[/-][\w/.-]*[A-ZĐ][\w/.-]*",  # 07/2021/NĐ-CP, 26-NQ/TW, 184-KH/TU
    r"\b(?:quý|Quý|QUÝ)\s+[IV1-4]+\s*/\s*\d{4}",  # Quý II/2025
    r"\b(?:tháng|Tháng)\s+\d{1,2}\s*/\s*\d{4}",  # tháng 9/2025
    r"\b(?:năm|Năm|NĂM)\s+\d{4}(?:\s*[-–]\s*\d{4})?",  # năm 2025, năm 2021-2030
    r"\b(?:giai đoạn|Giai đoạn|GIAI ĐOẠN|thời kỳ|nhiệm kỳ|khóa|khoá)\s*\d{4}\s*[-–]\s*\d{4}",
    r"(?<![\d.,])(?:19|20)\d{2}\s*[-–]\s*(?:19|20)\d{2}(?![\d%])",  # 2021-2030
    r"(?<![\d.,])(?:19|20)\d{2}(?![\d.,%]|\s*(?:%|tỷ|triệu|ha|km|MW|tấn|người|lao động|doanh nghiệp|xã|hộ))",
    r"\blần thứ\s+\S+",
    r"\b(?:Điều|Khoản|Mục|Phụ lục|Biểu)\s+\d+\b",
    r"\b\d{1,2}\s+(?:năm|tháng)\b(?!\s*/)",  # durations: "bình quân 5 năm", "6 tháng đầu năm"
    r"\b\d+\s*con số",  # handled as a word target, not a value
    r"\b(?:Nghị quyết|Quyết định|Chỉ thị|Kết luận|Thông báo|Kế hoạch|Chương trình|Nghị định|Công văn)\s+(?:số\s+)?\S+",
    r"\(\s*\d+\s*\)",  # (12): the item number
    r"\b\d+\s+(?:nhà|chỉ tiêu)\b",  # "mô hình liên kết 4 nhà", "24 chỉ tiêu"
    r"\b(?:5G|4G|4\.0|covid-19|Covid-19|COVID-19)\b",
    r"\b\d+\s*(?:sao)\b",  # OCOP 3 sao
]
_NOISE_RE = re.compile("|".join(f"(?:{pattern})" for pattern in _NOISE))


def mask(text: str) -> str:
    """The text with noise numbers replaced by spaces (same length, so offsets stay valid)."""
    masked = _NOISE_RE.sub(lambda m: " " * len(m.group(0)), text)
    return masked.translate(_SUPERSCRIPTS)


_SUPERSCRIPTS = str.maketrans("¹²³⁴⁵⁶⁷⁸⁹⁰", "          ")


# ---------------------------------------------------------------------------------------------------- units
@dataclass(frozen=True)
class UnitWord:
    pattern: str
    unit: str
    scale: float = 1.0
    count_noun: bool = False


UNIT_WORDS = [
    UnitWord(r"điểm\s*%|điểm phần trăm", "percentage_points"),
    UnitWord(r"%", "percent"),
    UnitWord(r"(?:nghìn|ngàn) tỷ đồng", "billion_vnd", 1000),
    UnitWord(r"tỷ đồng|tỉ đồng", "billion_vnd"),
    UnitWord(r"triệu đồng", "million_vnd"),
    UnitWord(r"(?:nghìn|ngàn) đồng", "million_vnd", 0.001),
    UnitWord(r"tỷ (?:USD|đô la)", "million_usd", 1000),
    UnitWord(r"triệu (?:USD|đô la)", "million_usd"),
    UnitWord(r"USD|đô la", "usd"),
    UnitWord(r"triệu lượt(?: khách| người)?", "million_visitors"),
    UnitWord(r"(?:nghìn|ngàn) lượt(?: khách| người)?", "million_visitors", 0.001),
    UnitWord(r"giường(?: bệnh)?", "beds_per_10000"),
    UnitWord(r"bác sĩ", "doctors_per_10000"),
    UnitWord(r"lần", "times"),
    UnitWord(r"GW", "megawatts", 1000),
    UnitWord(r"MW", "megawatts"),
    UnitWord(r"ha|héc ta|hecta", "hectares"),
    UnitWord(r"km", "kilometres"),
    UnitWord(r"triệu tấn", "tonnes", 1_000_000),
    UnitWord(r"(?:nghìn|ngàn) tấn", "tonnes", 1000),
    UnitWord(r"tấn", "tonnes"),
    UnitWord(r"hợp tác xã", "cooperatives", count_noun=True),
    UnitWord(r"xã", "communes", count_noun=True),
    UnitWord(r"huyện", "districts", count_noun=True),
    UnitWord(r"đảng viên", "party_members", count_noun=True),
    UnitWord(r"doanh nghiệp", "enterprises", count_noun=True),
    UnitWord(r"lao động|người", "people", count_noun=True),
    UnitWord(r"hộ", "households", count_noun=True),
    UnitWord(r"trường", "schools", count_noun=True),
    UnitWord(r"dự án", "projects", count_noun=True),
    UnitWord(r"sản phẩm", "products", count_noun=True),
]
_UNIT_RE = [(re.compile(rf"^\s*(?:{u.pattern})(?![\wÀ-ỹ])"), u) for u in UNIT_WORDS]
_GENERIC_NOUN = re.compile(r"^\s*([a-zà-ỹđ]+(?: [a-zà-ỹđ]+)?)", re.IGNORECASE)
_COUNT_NOUNS = {"thôn", "tuyến", "cơ sở", "khu", "cụm", "chợ", "công trình", "làng", "điểm", "bản", "tổ", "sân", "nhà"}


# ---------------------------------------------------------------------------------------------------- comparators
AT_LEAST = ["ít nhất", "tối thiểu", "không dưới", "không thấp hơn", "không ít hơn", "từ"]
AT_LEAST_STRICT = ["trên", "hơn", "vượt", "cao hơn", "lớn hơn"]
AT_MOST = ["tối đa", "không quá", "không vượt quá", "không cao hơn", "không lớn hơn"]
AT_MOST_STRICT = ["dưới", "thấp hơn"]
APPROX = ["khoảng", "tương đương", "xấp xỉ", "gần", "chừng", "trên dưới"]
_WORD = r"(?<![\wÀ-ỹ])(?:{})(?![\wÀ-ỹ])"


_NOT_COMPARATOR = re.compile(r"^trên\s+(?:địa bàn|cơ sở|toàn|phạm vi|môi trường|nền tảng)", re.IGNORECASE)


def _last_word(window: str, words: list[str]) -> tuple[int, int]:
    """Position of the last of `words` in the window that stands at most two words before the value ("trên 5%",
    "đạt trên 9%" but not "trên địa bàn đạt 7.555" nor "trên địa bàn: 7.555"), -1 when none. A longer phrase
    ending at the same place wins over its tail ("không dưới" over "dưới"): (start, end), (-1, -1) when none."""
    regex = _WORD_LISTS.get(id(words))
    if regex is None:
        alternatives = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
        regex = _WORD_LISTS[id(words)] = re.compile(_WORD.format(alternatives), re.IGNORECASE)
    best = (-1, -1)
    tail_start = max(0, len(window) - 60)  # two words and a comparator fit well within 60 characters
    for match in regex.finditer(window, tail_start):
        if len(window[match.end() :].split()) <= 2 and not _NOT_COMPARATOR.match(window[match.start() :]):
            best = max(best, (match.start(), match.end()))
    return best


_WORD_LISTS: dict[int, re.Pattern[str]] = {}


@dataclass
class Value:
    """One value group: "2,5 - 3%", "khoảng 4.460 USD", "từ 80% trở lên"."""

    start: int
    end: int
    low_text: str
    high_text: str | None
    unit: str | None
    unit_text: str
    scale: float = 1.0
    per_year: bool = False
    count_noun: str | None = None

    @property
    def low(self) -> float:
        return (read_number(self.low_text) or 0.0) * self.scale

    @property
    def high(self) -> float | None:
        return None if self.high_text is None else (read_number(self.high_text) or 0.0) * self.scale


def find_values(clause: str) -> list[Value]:
    """Every value group in the clause, in order."""
    masked = mask(clause)
    tokens = [m for m in _NUMBER.finditer(masked) if read_number(m.group(0)) is not None]
    values: list[Value] = []
    i = 0
    while i < len(tokens):
        token = tokens[i]
        start, end = token.start(), token.end()
        low_text, high_text = token.group(0), None
        if start > 0 and masked[start - 1] == "-" and (start < 2 or masked[start - 2] in " (\t"):
            prev = masked[: start - 1].rstrip()
            if not prev or not prev[-1].isdigit():
                start -= 1
                low_text = "-" + low_text
        after_low = masked[end:]
        unit_low = _unit_at(after_low)
        gap_start = end + (unit_low[1] if unit_low and unit_low[0].unit in ("percent",) else 0)
        if i + 1 < len(tokens):
            nxt = tokens[i + 1]
            gap = masked[gap_start : nxt.start()]
            negative = nxt.start() > 0 and masked[nxt.start() - 1] == "-" and gap.endswith("-") and "đến" in gap
            if _RANGE_SEP.match(gap) or (negative and _RANGE_SEP.match(gap[:-1])):
                high_text = ("-" if negative else "") + nxt.group(0)
                end = nxt.end()
                i += 1
        unit = _unit_at(masked[end:])
        unit_word, unit_len = unit if unit else (None, 0)
        value = Value(start, end + unit_len, low_text, high_text, unit_word.unit if unit_word else None,
                      clause[end:end + unit_len].strip(), unit_word.scale if unit_word else 1.0)  # fmt: skip
        if unit_word is None:
            noun = _GENERIC_NOUN.match(masked[end:])
            words = noun.group(1).split() if noun else []
            for size in (2, 1):
                candidate = " ".join(words[:size])
                if len(words) >= size and candidate.lower() in _COUNT_NOUNS:
                    value.count_noun = value.unit_text = candidate
                    value.unit = "items"
                    value.end = end + masked[end:].find(candidate) + len(candidate)
                    break
        elif unit_word.count_noun:
            value.count_noun = value.unit_text
        rest = masked[value.end :]
        per_year = re.match(r"^\s*(?:/\s*(?:người\s*/\s*)?năm|mỗi năm|mỗi năm|hằng năm|hàng năm)", rest)
        per_head = re.match(r"^\s*/\s*(?:người|vạn dân|dân)(?:\s*/\s*năm)?", rest)
        if per_head:
            value.unit_text += per_head.group(0)
            if "năm" in per_head.group(0):
                value.end += per_head.end()
                per_year = None  # "triệu đồng/người/năm" is an income level, not a yearly rate
            else:
                value.end += per_head.end()
        if per_year:
            value.per_year = True
            value.end += per_year.end()
        values.append(value)
        i += 1
    return values


def unit_of(text: str) -> str | None:
    """The unit code of a unit as written ("đảng viên" -> party_members), None when unknown."""
    found = _unit_at(text)
    return found[0].unit if found else None


def _unit_at(text: str) -> tuple[UnitWord, int] | None:
    for regex, unit in _UNIT_RE:
        match = regex.match(text)
        if match:
            return unit, match.end()
    return None


# Words that make a clause a reported result rather than a target: estimates, cumulative figures, comparisons with
# the same period last year or with the plan ("bằng 138% dự toán", "đạt 104% kế hoạch").
RESULT_WORDS = re.compile(r"\b(?:ước|đã đạt|đã có|đã kết nạp|kết quả|thực hiện được|so với cùng kỳ|vượt chỉ tiêu|lũy kế|luỹ kế|"
                          r"vượt kế hoạch|vượt dự toán)\b|\b(?:bằng|đạt)\s+[\d,.]+\s*%\s*(?:so với\s+)?(?:kế hoạch|dự toán)",
                          re.IGNORECASE)  # fmt: skip


# ---------------------------------------------------------------------------------------------------- one target
@dataclass
class ParsedTarget:
    kind: str  # at_least, at_most, range, approx, exact, qualitative
    value: Value | None
    strict: bool = False
    basis: str = "value"
    reduction: bool = False  # "giảm X": the decrease is the target
    growth: bool = False  # "tăng X%": a growth rate
    maintain: bool = False
    baseline_year: int | None = None
    reason: str | None = None
    comparator_known: bool = True  # False: the kind follows from the direction ("đạt X")
    notes: list[str] = field(default_factory=list)


_RANK = re.compile(
    r"\b(?:top|tốp)\s*\d+|nhóm\s+(?:\d+|các)\s+(?:tỉnh|địa phương)|xếp (?:thứ|hạng)|đứng thứ|dẫn đầu|nằm trong nhóm|"
    r"thuộc nhóm|tăng (?:\d+ )?bậc|tăng hạng",
    re.IGNORECASE,
)
_ASSIGNED = re.compile(r"vượt\s+(?:mức\s+)?(?:chỉ tiêu|dự toán|kế hoạch)?.{0,30}\bgiao\b", re.IGNORECASE)
_REDUCTION_TO = re.compile(r"giảm\s+(?:xuống\s+)?(?:còn|dưới|xuống)|còn\s+(?:khoảng|dưới|không quá|tối đa)?\s*$",
                           re.IGNORECASE)  # fmt: skip


def classify(clause: str, value: Value, window_start: int) -> ParsedTarget:
    """The kind, strictness and basis of one value, from the words between `window_start` and the value."""
    window = clause[window_start : value.start]
    after = clause[value.end : value.end + 40].lower()
    lower_window = window.lower()
    target = ParsedTarget(kind="at_least", value=value)
    if value.high_text is not None:
        target.kind = "range"
    else:
        spans = {
            "approx": _last_word(window, APPROX),
            "at_least_strict": _last_word(window, AT_LEAST_STRICT),
            "at_least": _last_word(window, AT_LEAST),
            "at_most": _last_word(window, AT_MOST),
            "at_most_strict": _last_word(window, AT_MOST_STRICT),
        }
        positions = {key: start for key, (start, _) in spans.items()}
        if (
            positions["at_least"] >= 0
            and window[positions["at_least"] :].lower().startswith("từ")
            and not re.match(r"^\s*trở lên", after)
        ):
            positions["at_least"] = -1  # a bare "từ" means at least only with "trở lên"
        for key, (start, end) in spans.items():  # "không dưới 95%": "không dưới" covers "dưới", at least wins
            if any(
                o != key and o_start < start and o_end >= end for o, (o_start, o_end) in spans.items() if o_start >= 0
            ):
                positions[key] = -1
        best = max(positions, key=lambda key: positions[key])
        if positions[best] < 0:
            target.comparator_known = False
        elif best == "approx":
            target.kind = "approx"
        elif best == "at_least_strict":
            target.strict = True
        elif best == "at_most":
            target.kind = "at_most"
        elif best == "at_most_strict":
            target.kind, target.strict = "at_most", True
        if re.match(r"^\s*trở lên", after):
            target.kind, target.strict, target.comparator_known = "at_least", False, True
        elif re.match(r"^\s*trở xuống", after):
            target.kind, target.strict, target.comparator_known = "at_most", False, True
    tail = lower_window[-45:]
    if _REDUCTION_TO.search(tail):
        if target.kind == "at_least" and not target.comparator_known:
            target.kind, target.comparator_known = "at_most", True
        target.notes.append("giảm còn: the level to reach")
    elif re.search(r"\bgiảm\b", tail) or re.match(r"\s*giảm\b", lower_window):  # "Giảm tỷ lệ hộ nghèo ... 0,5%"
        target.reduction = True
        target.basis = "change_per_period"
    elif re.search(r"\btăng(?!\s+thêm)(?:\s+trưởng)?\b[^,;]*$", tail) and value.unit == "percent":
        target.growth = True
    multiple = re.search(r"\b(?:gấp|tăng)\b", tail) and value.unit == "times"
    if multiple:
        baseline = re.match(r"^\s*(?:so với|so)\s+(?:năm\s+)?((?:19|20)\d{2})", clause[value.end : value.end + 30])
        if baseline:
            target.basis = "multiple_of_baseline"
            target.baseline_year = int(baseline.group(1))
    averaged = re.search(r"\bbình quân\b", lower_window) and re.search(r"tăng|tốc độ", lower_window)
    if averaged and value.unit == "percent" and not target.reduction:
        target.basis = "average_growth"
        target.growth = True
    if re.search(r"\b(?:duy trì|giữ vững|giữ ổn định)\b", lower_window):
        target.maintain = True
    return target


def rank_or_assigned(clause: str) -> str | None:
    """The reason a clause is a qualitative target, when it states a rank or a figure relative to an assignment."""
    if _ASSIGNED.search(clause):
        return "relative to the figure assigned by a higher level, which the document does not print"
    if _RANK.search(clause):
        return "a rank among provinces depends on the other provinces' results"
    return None


def word_number_target(clause: str) -> tuple[float, str] | None:
    """ "tăng trưởng 2 con số" / "hai con số": at least 10%, derived from words."""
    match = re.search(r"(\d|hai|ba)\s+con số", clause, re.IGNORECASE)
    if not match:
        return None
    digits = int(match.group(1)) if match.group(1).isdigit() else SMALL_NUMBERS[match.group(1).lower()]
    return float(10 ** (digits - 1)), match.group(0)
