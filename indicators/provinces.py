"""Vietnam's provinces and centrally-run cities (provinces.yaml: the 34 since July 2025 and the 63 before), their
codes generated from the names, and the province a document is about, read from its headers and text
("TỈNH ỦY BÌNH ĐỊNH", "UBND THÀNH PHỐ ĐÀ NẴNG", "HĐND tỉnh Gia Lai", "Đảng bộ tỉnh Cao Bằng")."""

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

BUNDLED = Path(__file__).with_name("provinces.yaml")
_HEAD_LINES = 15  # a document names its issuer in the header: a mention there counts more than one in the body
_HEAD_WEIGHT = 5


def fold(text: str) -> str:
    """ASCII, lower case: "Bình Định" -> "binh dinh"."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def code_of(name: str) -> str:
    """The ASCII code of a name: "Bà Rịa - Vũng Tàu" -> "ba_ria_vung_tau"."""
    return "_".join(re.findall(r"[a-z0-9]+", fold(name)))


@dataclass(frozen=True)
class Province:
    name: str
    code: str
    city: bool  # a centrally-run city
    current: bool  # one of the 34 since July 2025
    spellings: tuple[str, ...]

    @property
    def name_en(self) -> str:
        ascii_name = " ".join(word.capitalize() for word in self.code.split("_"))
        return f"{ascii_name} city" if self.city else f"{ascii_name} province"


@cache
def provinces() -> tuple[Province, ...]:
    data: Any = YAML(typ="safe").load(BUNDLED.read_text(encoding="utf-8"))
    found: dict[str, Province] = {}
    for current, items in ((True, data["current"]), (False, data["former"])):
        for item in items:
            name = str(item["name"])
            code = code_of(name)
            if code in found:
                continue
            spellings = (name, *(str(alias) for alias in item.get("aliases") or []))
            found[code] = Province(name, code, bool(item.get("city")), current, spellings)
    return tuple(found.values())


@cache
def _patterns() -> tuple[dict[str, Province], re.Pattern[str], re.Pattern[str]]:
    by_spelling: dict[str, Province] = {}
    for province in provinces():
        for spelling in province.spellings:
            by_spelling[" ".join(re.findall(r"[a-z0-9]+", fold(spelling)))] = province
    names = "|".join(re.escape(s).replace(r"\ ", r"[\s\-–.]+") for s in sorted(by_spelling, key=len, reverse=True))
    anchored = re.compile(rf"\b(?:tinh|thanh pho|tp\.?)(?:\s+uy)?\s+({names})\b(?!\s*\(cu\))")
    bare = re.compile(rf"(?<![\w])({names})\b(?!\s*\(cu\))")
    return by_spelling, anchored, bare


def find_province(text: str) -> Province | None:
    """The province or city the text is about: the one most named after "tỉnh", "thành phố", "Tỉnh ủy", "Thành ủy"
    (a mention in the first lines counts five times), else the one named plainly in the first lines."""
    by_spelling, anchored, bare = _patterns()
    lines = [fold(line) for line in text.split("\n") if line.strip()]
    head, body = "\n".join(lines[:_HEAD_LINES]), "\n".join(lines[_HEAD_LINES:])
    for pattern, texts in ((anchored, (head, body)), (bare, (head,))):
        counts: Counter[str] = Counter()
        first_seen: dict[str, int] = {}
        for weight, part in zip((_HEAD_WEIGHT, 1), texts, strict=False):
            for match in pattern.finditer(part):
                key = " ".join(re.findall(r"[a-z0-9]+", match.group(1)))
                code = by_spelling[key].code
                counts[code] += weight
                first_seen.setdefault(code, len(first_seen))
        if counts:
            best = max(counts, key=lambda code: (counts[code], -first_seen[code]))
            return next(province for province in provinces() if province.code == best)
    return None
