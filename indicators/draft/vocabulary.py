"""The vocabulary of indicator names: which way is better, the unit, the measure and the group of a named indicator.

The bundled file (vocabulary.yaml, seeded from the hand-written catalogues) can be extended by a user file in the same
format; a user entry with an existing slug replaces the bundled one.
"""

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from indicators.model import Direction, Group, Measure
from indicators.units import UNITS

BUNDLED = Path(__file__).with_name("vocabulary.yaml")


class VocabularyError(ValueError):
    pass


@dataclass(frozen=True)
class Entry:
    match: tuple[str, ...]
    slug: str
    name_en: str
    group: Group
    unit: str
    direction: Direction
    measure: Measure
    frequency: str = "year"


@dataclass(frozen=True)
class Vocabulary:
    entries: tuple[Entry, ...]

    def lookup(self, name: str, unit: str | None = None) -> tuple[Entry, str] | None:
        """The entry whose phrase is the longest found in the name, with that phrase; entries of the given unit
        first ("kết nạp 1.967 đảng viên" is the count, "kết nạp 3,5%" the rate)."""
        lowered = name.lower()
        found = [(entry, phrase) for entry in self.entries for phrase in entry.match if phrase in lowered]
        if not found:  # "thành lập mới 980 doanh nghiệp" names "thành lập mới doanh nghiệp"
            bare = re.sub(r"\s+", " ", re.sub(r"(?<![\w/])[\d.,]+(?![\w/])", " ", lowered))
            found = [(entry, phrase) for entry in self.entries for phrase in entry.match if phrase in bare]
        if not found:
            return None
        same_unit = [(entry, phrase) for entry, phrase in found if entry.unit == unit]
        return max(same_unit or found, key=lambda pair: len(pair[1]))


_KEYS = {"match", "slug", "name_en", "group", "unit", "direction", "measure", "frequency"}


def load_vocabulary(extra: Path | None = None) -> Vocabulary:
    entries = {entry.slug: entry for entry in _read(BUNDLED)}
    if extra is not None:
        for entry in _read(extra):
            entries[entry.slug] = entry
    return Vocabulary(tuple(entries.values()))


def _read(path: Path) -> list[Entry]:
    try:
        data: Any = YAML(typ="safe").load(path.read_text(encoding="utf-8"))
    except (OSError, YAMLError, UnicodeDecodeError) as error:
        raise VocabularyError(f"{path}: không đọc được từ vựng (cannot read the vocabulary): {error}") from None
    if not isinstance(data, dict) or not isinstance(data.get("entries"), list):
        raise VocabularyError(f"{path}: expected a mapping with a list `entries`")
    entries: list[Entry] = []
    for index, item in enumerate(data["entries"]):
        where = f"{path}: entries[{index}]"
        unknown = set(item) - _KEYS if isinstance(item, dict) else set()
        if unknown:  # "name_en: Doctors per 10,000 people" unquoted in a flow mapping splits at the comma
            raise VocabularyError(f"{where}: unknown key(s) {sorted(map(str, unknown))} (quote a value with a comma)")
        try:
            unit = str(item["unit"])
            if unit not in UNITS:
                raise VocabularyError(f"{where}: unknown unit {unit!r}")
            entries.append(
                Entry(
                    match=tuple(str(phrase).lower() for phrase in item["match"]),
                    slug=str(item["slug"]),
                    name_en=str(item.get("name_en", item["slug"])),
                    group=Group(item["group"]),
                    unit=unit,
                    direction=Direction(item["direction"]),
                    measure=Measure(item["measure"]),
                    frequency=str(item.get("frequency", "year")),
                )
            )
        except (KeyError, TypeError, ValueError) as error:
            if isinstance(error, VocabularyError):
                raise
            raise VocabularyError(f"{where}: {error}") from None
    return entries
