"""`chitieu catalogue validate`: every rule gives a message naming the file, the line and the field."""

import subprocess
import sys
from pathlib import Path

import pytest

from indicators.catalogue import validate
from tests.conftest import REPO

GOOD = """\
source: "999"
programme:
  id: test-prog
  title_vi: Chương trình thử
  title_en: Test programme
  issuer_vi: Ban Thường vụ
  province: tinh_thu
  start_year: 2024
  end_year: 2025
  kind: plan
regions:
  - code: tinh_thu
    name_vi: Tỉnh Thử
    name_en: Test province
    level: province
indicators:
  - code: test-prog.growth
    number: "1"
    name_vi: Tốc độ tăng trưởng
    name_en: Growth
    group: economy
    unit: percent_change
    direction: higher
    measure: growth_rate
    frequency: quarter
    targets:
      - period: 2024
        kind: range
        low: "7,5"
        high: 8
        quote: tăng 7,5 - 8%
  - code: test-prog.share
    number: "2"
    name_vi: Tỷ lệ đô thị hoá
    name_en: Urbanisation
    group: society
    unit: percent
    direction: higher
    measure: share
    frequency: year
    baseline:
      period: 2023
    targets:
      - period: 2025
        kind: at_least
        value: 40
        quote: đạt 40%
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "999_test.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def messages(tmp_path: Path, text: str) -> list[str]:
    return [str(issue) for issue in validate(write(tmp_path, text))]


def test_the_good_file_is_valid(tmp_path: Path) -> None:
    assert messages(tmp_path, GOOD) == []


BROKEN = [
    ("duplicate code", GOOD.replace("code: test-prog.share", "code: test-prog.growth"), 32, "duplicate code"),
    ("unknown unit", GOOD.replace("unit: percent\n", "unit: phần trăm\n"), 37, "unknown unit"),
    ("range low above high", GOOD.replace('low: "7,5"', "low: 9"), 27, "range low 9.0 is above high 8.0"),
    ("target outside programme", GOOD.replace("- period: 2025", "- period: 2027"), 44, "outside the programme period"),
    ("missing parent", GOOD.replace('number: "2"', 'number: "2"\n    parent: test-prog.none'), 34, "is missing"),
    (
        "baseline after target",
        GOOD.replace("period: 2023", "period: 2026"),
        42,
        "baseline 2026 is after the target period",
    ),
    ("value not in quote", GOOD.replace("value: 40", "value: 45"), 46, "does not appear in the quote"),
    ("unknown region", GOOD.replace("province: tinh_thu", "province: nowhere"), 7, "unknown region"),
    (
        "misspelt field",
        GOOD.replace("direction: higher\n    measure: share", "direktion: higher\n    measure: share"),
        32,
        "",
    ),
]


@pytest.mark.parametrize(("text", "line", "message"), [b[1:] for b in BROKEN], ids=[b[0] for b in BROKEN])
def test_each_rule_names_file_line_and_field(tmp_path: Path, text: str, line: int, message: str) -> None:
    found = messages(tmp_path, text)
    assert found, "the broken file passed validation"
    assert any(f"999_test.yaml:{line}:" in m and message in m for m in found), found


def test_the_command_exits_1_with_the_messages(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD.replace('low: "7,5"', "low: 9"))
    result = subprocess.run(
        [sys.executable, "-m", "api.cli", "catalogue", "validate", str(path)],
        cwd=REPO, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 1
    assert (
        f"{path}:27: indicators[test-prog.growth].targets[0]: Value error, range low 9.0 is above high 8.0"
        in result.stdout
    )


def test_the_bundled_catalogue_is_valid() -> None:
    assert validate(REPO / "indicators" / "catalogue") == []
