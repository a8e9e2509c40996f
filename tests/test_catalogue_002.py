"""Catalogue 002 (Quảng Ngãi, Kết luận Hội nghị Tỉnh ủy lần thứ 14 khóa XX) and its 2023 results example.

Expected values are copied by hand from the source document; the test never reads the document itself.
"""

import csv
import json
import re
import shutil
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, NamedTuple

import httpx
import pytest
from ruamel.yaml import YAML

from indicators.judgement import evaluate
from indicators.model import (
    CatalogueFile,
    Direction,
    Indicator,
    Measure,
    PathKind,
    RegionLevel,
    Target,
    TargetBasis,
    TargetKind,
)
from indicators.numbers import NumberFormat, parse_number
from indicators.periods import Frequency, Period
from indicators.status import Evaluation, Observation, Status
from ingest.catalogue_store import load_catalogue_into
from ingest.database import connect
from tests.ingest_helpers import make_key, post_json

REPO = Path(__file__).parents[1]
CATALOGUE_PATH = REPO / "indicators" / "catalogue" / "002_qngai-2024.yaml"
EXAMPLE_CSV = REPO / "examples" / "qngai-2023-results.csv"
EXAMPLE_JSON = REPO / "examples" / "qngai-2023-results.json"
PROGRAMME = "qngai-2024"


@pytest.fixture(scope="module")
def catalogue() -> CatalogueFile:
    with CATALOGUE_PATH.open(encoding="utf-8") as file:
        return CatalogueFile.model_validate(YAML(typ="safe").load(file))


@pytest.fixture(scope="module")
def by_code(catalogue: CatalogueFile) -> dict[str, Indicator]:
    return {indicator.code: indicator for indicator in catalogue.indicators}


def target(indicator: Indicator, year: int) -> Target:
    matching = [t for t in indicator.targets if t.period.first_year == year and t.period.last_year == year]
    assert len(matching) == 1, f"{indicator.code} should have exactly one target for {year}"
    return matching[0]


def read_example_csv() -> list[dict[str, str]]:
    with EXAMPLE_CSV.open(encoding="utf-8", newline="") as file:
        return list(csv.DictReader(file, delimiter=";"))


def read_example_json() -> list[dict[str, Any]]:
    with EXAMPLE_JSON.open(encoding="utf-8") as file:
        observations: list[dict[str, Any]] = json.load(file)["observations"]
    return observations


# ------------------------------------------------------------------------------------------------ structure


def test_programme(catalogue: CatalogueFile) -> None:
    assert catalogue.source == "002"
    assert catalogue.programme.id == PROGRAMME
    assert catalogue.programme.province == "quang_ngai"
    assert (catalogue.programme.start_year, catalogue.programme.end_year) == (2023, 2024)
    assert all(indicator.programme == PROGRAMME for indicator in catalogue.indicators)


def test_all_27_numbered_indicators_and_their_sub_indicators(catalogue: CatalogueFile) -> None:
    numbered = [i for i in catalogue.indicators if i.parent is None and i.number is not None]
    assert sorted(int(i.number) for i in numbered if i.number is not None) == list(range(1, 28))

    sub_numbers = sorted(i.number or "" for i in catalogue.indicators if i.parent is not None)
    assert sub_numbers == ["12a", "12b", "12c", "12d", "12e", "17a", "17b", "19a", "24a", "26a", "3a"]

    unnumbered = [i.code for i in catalogue.indicators if i.number is None]
    assert unnumbered == [
        "qngai-2024.city_communes_to_wards",
        "qngai-2024.par_index_rank",
        "qngai-2024.papi_rank",
        "qngai-2024.pci_rank",
        "qngai-2024.new_party_members",
    ]
    assert len(catalogue.indicators) == 27 + 11 + 5


def test_codes_are_unique_and_parents_exist(catalogue: CatalogueFile, by_code: dict[str, Indicator]) -> None:
    assert len(by_code) == len(catalogue.indicators)
    for indicator in catalogue.indicators:
        assert indicator.code.startswith(f"{PROGRAMME}.")
        if indicator.parent is not None:
            assert indicator.parent in by_code
            assert indicator.code.startswith(f"{indicator.parent}.")
            assert indicator.number is not None
            assert indicator.number.startswith(by_code[indicator.parent].number or "?")


def test_regions_are_declared(catalogue: CatalogueFile) -> None:
    regions = {region.code: region for region in catalogue.regions}
    assert regions["quang_ngai"].level is RegionLevel.province
    for area in ("quang_ngai.mien_nui", "quang_ngai.dong_bang"):
        assert regions[area].level is RegionLevel.area
        assert regions[area].parent == "quang_ngai"
    for indicator in catalogue.indicators:
        assert set(indicator.regions) <= set(regions)


def test_target_periods_lie_in_the_programme(catalogue: CatalogueFile) -> None:
    span = catalogue.programme.span
    for indicator in catalogue.indicators:
        for t in indicator.targets:
            assert span.first_year <= t.period.first_year <= t.period.last_year <= span.last_year


# A number as printed: "-3,5", "1.910", "07"; a "-" right after a digit is a range dash, not a sign.
PRINTED_NUMBER = re.compile(r"(?<![\d.,])-?\d+(?:\.\d{3})*(?:,\d+)?")


def numbers_in(quote: str) -> set[float]:
    return {parse_number(token, NumberFormat.vietnamese) for token in PRINTED_NUMBER.findall(quote)}


def test_numbers_in_quotes_are_read_the_vietnamese_way() -> None:
    assert numbers_in("Kế hoạch đề ra là từ -3,5% đến -3%") == {-3.5, -3}
    assert numbers_in("kết nạp 1.967/1.910 đảng viên mới") == {1967, 1910}
    assert numbers_in("Có 03 xã; 7,91 bác sĩ; 70 - 71%") == {3, 7.91, 70, 71}


def test_every_value_is_printed_in_its_quote(catalogue: CatalogueFile) -> None:
    for indicator in catalogue.indicators:
        for t in indicator.targets:
            if t.derived:  # only (7): 1,05 times the assigned figure, from "trên 5%"
                assert indicator.code == f"{PROGRAMME}.budget_revenue"
                assert 5 in numbers_in(t.quote)
                continue
            printed = numbers_in(t.quote)
            for value in (t.value, t.low, t.high):
                if value is not None:
                    assert value in printed, f"{indicator.code}: {value} not in {t.quote!r}"


# ---------------------------------------------------------------------------------- values from the document


class Expected(NamedTuple):
    slug: str
    year: int
    kind: TargetKind
    bounds: tuple[float, float]  # (value, value) for single-value kinds
    direction: Direction = Direction.higher
    basis: TargetBasis = TargetBasis.value
    strict: bool = False


AT_LEAST, APPROX, RANGE = TargetKind.at_least, TargetKind.approx, TargetKind.range
LOWER, CHANGE, MULTIPLE = Direction.lower, TargetBasis.change_per_period, TargetBasis.multiple_of_baseline

# Copied from the document; the quoted phrase is above each group.
EXPECTED_TARGETS = [
    # (1) "Tốc độ tăng trưởng tổng sản phẩm trên địa bàn (GRDP) 2,5 - 3%"
    Expected("grdp_growth", 2024, RANGE, (2.5, 3)),
    # footnote ²: "Kế hoạch đề ra là từ -3,5% đến -3%"
    Expected("grdp_growth", 2023, RANGE, (-3.5, -3)),
    # (2) "GRDP bình quân đầu người khoảng 4.460 USD"
    Expected("grdp_per_capita", 2024, APPROX, (4460, 4460)),
    # (3) "... chiếm khoảng 70 - 71%; trong đó, công nghiệp - xây dựng chiếm khoảng 43 - 44%"
    Expected("industry_services_share", 2024, RANGE, (70, 71)),
    Expected("industry_services_share.industry_construction", 2024, RANGE, (43, 44)),
    # (4) "Năng suất lao động xã hội tăng 2 - 3%"
    Expected("labour_productivity_growth", 2024, RANGE, (2, 3)),
    # (5) "Vốn đầu tư thực hiện trên địa bàn đạt khoảng 38.000 - 39.000 tỷ đồng"
    Expected("investment", 2024, RANGE, (38000, 39000)),
    # (6) "Tỷ lệ đô thị hóa đạt 38,5%"
    Expected("urbanisation_rate", 2024, AT_LEAST, (38.5, 38.5)),
    # (7) "Phần đầu thu ngân sách vượt mức chỉ tiêu Trung ương giao trên 5%": more than 1,05 times the assigned figure
    Expected("budget_revenue", 2024, AT_LEAST, (1.05, 1.05), basis=MULTIPLE, strict=True),
    # (8) "Có 03 xã đạt chuẩn quốc gia về nông thôn mới"; footnote ¹: "Kế hoạch đề ra là 07 xã nông thôn mới"
    Expected("new_rural_communes", 2024, AT_LEAST, (3, 3)),
    Expected("new_rural_communes", 2023, AT_LEAST, (7, 7)),
    # (9) "... còn khoảng 32,1%"; (10) "... khoảng 64,4%"; (11) "... ở khu vực thành thị khoảng 1,5%"
    Expected("agri_labour_share", 2024, APPROX, (32.1, 32.1), LOWER),
    Expected("trained_labour_share", 2024, APPROX, (64.4, 64.4)),
    Expected("urban_unemployment_rate", 2024, APPROX, (1.5, 1.5), LOWER),
    # (12) "Có ít nhất 57,97% trường mầm non; 87,42% trường tiểu học; 89,92% trường trung học cơ sở;
    # 36,54% trường tiểu học - trung học cơ sở; 69,23% trường trung học phổ thông đạt chuẩn quốc gia"
    Expected("school_standard.preschool", 2024, AT_LEAST, (57.97, 57.97)),
    Expected("school_standard.primary", 2024, AT_LEAST, (87.42, 87.42)),
    Expected("school_standard.lower_secondary", 2024, AT_LEAST, (89.92, 89.92)),
    Expected("school_standard.primary_lower_secondary", 2024, AT_LEAST, (36.54, 36.54)),
    Expected("school_standard.upper_secondary", 2024, AT_LEAST, (69.23, 69.23)),
    # (13) "... đạt 7,91 bác sĩ"; (14) "... đạt 31,8 giường"; (15) "... đạt 95,2% dân số";
    # (16) "... là 24 - 25%"
    Expected("doctors_per_10000", 2024, AT_LEAST, (7.91, 7.91)),
    Expected("hospital_beds_per_10000", 2024, AT_LEAST, (31.8, 31.8)),
    Expected("health_insurance_coverage", 2024, AT_LEAST, (95.2, 95.2)),
    Expected("social_insurance_coverage", 2024, RANGE, (24, 25)),
    # (17) "Tỷ lệ hộ nghèo toàn tỉnh giảm 1,58 - 1,6%; trong đó, miền núi giảm từ 6 - 7%,
    # đồng bằng giảm 0,4 - 0,6%"
    Expected("poverty_rate", 2024, RANGE, (1.58, 1.6), LOWER, CHANGE),
    Expected("poverty_rate.mountain", 2024, RANGE, (6, 7), LOWER, CHANGE),
    Expected("poverty_rate.lowland", 2024, RANGE, (0.4, 0.6), LOWER, CHANGE),
    # (18) "... đạt 89,9%"; (19) "... đạt 99%, trong đó, sử dụng nước sạch đạt 70%"
    Expected("urban_clean_water", 2024, AT_LEAST, (89.9, 89.9)),
    Expected("rural_hygienic_water", 2024, AT_LEAST, (99, 99)),
    Expected("rural_hygienic_water.clean_water", 2024, AT_LEAST, (70, 70)),
    # (20) "... đạt 64%"; (21) "... đạt 95%"; (22) "... đạt 90%"; (23) "Tỷ lệ che phủ rừng đạt 52%"
    Expected("hazardous_waste_treated", 2024, AT_LEAST, (64, 64)),
    Expected("medical_waste_treated", 2024, AT_LEAST, (95, 95)),
    Expected("urban_solid_waste_treated", 2024, AT_LEAST, (90, 90)),
    Expected("forest_cover", 2024, AT_LEAST, (52, 52)),
    # (24) "Có khoảng 95% ..., trong đó vững mạnh toàn diện đạt khoảng 65%"; (25) "Ít nhất 80% ..."
    Expected("defence_strong_communes", 2024, APPROX, (95, 95)),
    Expected("defence_strong_communes.comprehensive", 2024, APPROX, (65, 65)),
    Expected("security_safe_units", 2024, AT_LEAST, (80, 80)),
    # (26) "Duy trì ... từ 80% trở lên, trong đó có khoảng 20% ... hoàn thành xuất sắc nhiệm vụ"
    Expected("party_org_good", 2024, AT_LEAST, (80, 80)),
    Expected("party_org_good.excellent", 2024, APPROX, (20, 20)),
    # (27) "Kết nạp đảng viên mới đạt 3,5% ..."; part A: "năm 2023 kết nạp 1.967/1.910 đảng viên mới"
    Expected("new_party_member_rate", 2024, AT_LEAST, (3.5, 3.5)),
    Expected("new_party_members", 2023, AT_LEAST, (1910, 1910)),
    # B.III.2.1: "nâng cấp 05 xã lên phường trước năm 2025" (Quảng Ngãi city)
    Expected("city_communes_to_wards", 2024, AT_LEAST, (5, 5)),
]


@pytest.mark.parametrize("expected", EXPECTED_TARGETS, ids=lambda e: f"{e.slug}-{e.year}")
def test_target_matches_the_document(by_code: dict[str, Indicator], expected: Expected) -> None:
    indicator = by_code[f"{PROGRAMME}.{expected.slug}"]
    t = target(indicator, expected.year)
    assert t.kind is expected.kind
    assert t.bounds == pytest.approx(expected.bounds)
    assert t.strict is expected.strict
    assert t.basis is expected.basis
    assert indicator.direction is expected.direction


def test_every_computable_target_is_checked_above(catalogue: CatalogueFile) -> None:
    computable = {
        (indicator.code, t.period.first_year)
        for indicator in catalogue.indicators
        for t in indicator.targets
        if t.computable
    }
    assert computable == {(f"{PROGRAMME}.{e.slug}", e.year) for e in EXPECTED_TARGETS}


def test_budget_revenue_is_judged_against_the_assigned_figure(by_code: dict[str, Indicator]) -> None:
    # "(7) Phần đầu thu ngân sách vượt mức chỉ tiêu Trung ương giao trên 5%": the assigned figure is not printed, so
    # it is the baseline value, entered by the office, never read from the observations.
    budget = by_code[f"{PROGRAMME}.budget_revenue"]
    t = target(budget, 2024)
    assert t.computable and t.derived
    assert "Trung ương giao trên 5%" in t.quote
    assert budget.baseline is not None
    assert budget.baseline.assigned
    assert budget.baseline.value is None
    assert budget.baseline.period == Period(2024, Frequency.year)
    assert budget.path_kind is PathKind.flow
    assert budget.measure is Measure.flow


def test_rank_wishes_are_kept_as_qualitative(by_code: dict[str, Indicator]) -> None:
    # B.III.2.5: "nâng cao thứ hạng các chỉ số cải cách hành chính, hiệu quả quản trị và hành chính công, năng lực
    # cạnh tranh cấp tỉnh giai đoạn 2021 - 2025": no rank printed.
    for slug in ("par_index_rank", "papi_rank", "pci_rank"):
        indicator = by_code[f"{PROGRAMME}.{slug}"]
        t = target(indicator, 2024)
        assert t.kind is TargetKind.qualitative
        assert t.reason and "rank" in t.reason
        assert t.quote.startswith("nâng cao thứ hạng các chỉ số cải cách hành chính")
        assert indicator.unit == "rank"
        assert indicator.direction is Direction.lower


def test_relative_and_composite_targets_are_qualitative(by_code: dict[str, Indicator]) -> None:
    schools = target(by_code[f"{PROGRAMME}.school_standard"], 2024)
    assert schools.kind is TargetKind.qualitative
    assert schools.reason == "composite: judged by its sub-indicators"


def test_measures_units_and_regions(by_code: dict[str, Indicator]) -> None:
    assert by_code[f"{PROGRAMME}.grdp_growth"].measure is Measure.growth_rate
    assert by_code[f"{PROGRAMME}.grdp_growth"].unit == "percent_change"
    assert by_code[f"{PROGRAMME}.new_rural_communes"].measure is Measure.flow
    assert by_code[f"{PROGRAMME}.new_rural_communes"].unit == "communes"
    assert by_code[f"{PROGRAMME}.new_party_members"].measure is Measure.flow
    assert by_code[f"{PROGRAMME}.new_party_members"].unit == "party_members"
    assert by_code[f"{PROGRAMME}.new_party_member_rate"].unit == "percent"
    assert by_code[f"{PROGRAMME}.poverty_rate"].regions == []
    assert by_code[f"{PROGRAMME}.poverty_rate.mountain"].regions == ["quang_ngai.mien_nui"]
    assert by_code[f"{PROGRAMME}.poverty_rate.lowland"].regions == ["quang_ngai.dong_bang"]


# ---------------------------------------------------------------------------------- the 2023 results example

# (indicator slug, value, status), copied from part A: "kết nạp 1.967/1.910 đảng viên mới";
# footnote ¹: "Ước đến hết năm 2023, có 06 xã đạt chuẩn"; "GRDP) ước đạt 59.169 tỷ đồng, tăng 3,03%".
EXPECTED_RESULTS = [
    ("new_party_members", 1967.0, "official"),
    ("new_rural_communes", 6.0, "estimate"),
    ("grdp_growth", 3.03, "estimate"),
]


def test_example_csv_columns_and_values() -> None:
    with EXAMPLE_CSV.open(encoding="utf-8", newline="") as file:
        header = file.readline().strip()
    assert header == "indicator;region;period;value;status;note"
    rows = read_example_csv()
    read_back = [(row["indicator"], parse_number(row["value"], NumberFormat.vietnamese), row["status"]) for row in rows]
    assert read_back == [(f"{PROGRAMME}.{slug}", value, status) for slug, value, status in EXPECTED_RESULTS]


def test_example_rows_fit_the_catalogue(catalogue: CatalogueFile, by_code: dict[str, Indicator]) -> None:
    for row in read_example_csv():
        indicator = by_code[row["indicator"]]
        allowed_regions = indicator.regions or [catalogue.programme.province]
        assert row["region"] in allowed_regions
        period = Period.parse(row["period"])
        assert period == Period(2023, Frequency.year)
        assert period.frequency in (indicator.frequency, Frequency.year)  # a full-year figure fits any frequency
        assert indicator.target_for(period.year) is not None
        assert row["status"] in ("official", "estimate")
        assert row["note"]


def test_example_json_has_the_same_rows_as_the_csv() -> None:
    csv_rows = read_example_csv()
    json_rows = read_example_json()
    assert len(json_rows) == len(csv_rows)
    for csv_row, json_row in zip(csv_rows, json_rows, strict=True):
        assert set(json_row) == {"indicator", "region", "period", "value", "status", "note"}
        assert isinstance(json_row["value"], int | float)
        assert json_row["value"] == parse_number(csv_row["value"], NumberFormat.vietnamese)
        for key in ("indicator", "region", "period", "status", "note"):
            assert json_row[key] == csv_row[key]


# ------------------------------------------------------------- (7) judged against the assigned figure, via the API

ASSIGNED_FIGURE = 20_000  # tỷ đồng: an example of the figure the finance office enters; the document prints none


def test_the_engine_judges_revenue_as_a_multiple_of_the_entered_figure(by_code: dict[str, Indicator]) -> None:
    budget = by_code[f"{PROGRAMME}.budget_revenue"]
    assert budget.baseline is not None
    entered = budget.model_copy(update={"baseline": budget.baseline.model_copy(update={"value": ASSIGNED_FIGURE})})

    def judge(indicator: Indicator, period: str, value: float) -> Evaluation:
        observation = Observation(Period.parse(period), value, datetime(2025, 1, 5, tzinfo=UTC))
        return evaluate(indicator, "quang_ngai", [observation], date(2025, 1, 31))

    # Not entered yet: nothing to compare with; the year's own revenue is never taken for the assigned figure.
    waiting = judge(budget, "2024", 21_100)
    assert waiting.status is Status.not_computable
    assert waiting.reason is not None and "2024" in waiting.reason
    # "trên 5%": strictly more than 21.000 tỷ đồng; exactly 1,05 times is not enough.
    assert judge(entered, "2024", 21_100).status is Status.achieved
    assert judge(entered, "2024", 21_000).status is Status.missed
    assert judge(entered, "2024", 20_000).actual == pytest.approx(1.0)
    # Year to date: by the end of June about half of 1,05 times the figure is due.
    half_year = judge(entered, "2024-Q2", 10_600)
    assert half_year.status is Status.on_track
    assert half_year.expected == pytest.approx(1.05 * 0.5, rel=0.02)


def test_revenue_against_the_entered_figure_through_the_api(client: httpx.Client, db_url: str, tmp_path: Path) -> None:
    # The office enters the assigned figure in the catalogue and loads it, then pushes the revenue.
    catalogue_dir = tmp_path / "catalogue"
    shutil.copytree(CATALOGUE_PATH.parent, catalogue_dir)
    edited = catalogue_dir / CATALOGUE_PATH.name
    text = edited.read_text(encoding="utf-8")
    entered = text.replace(
        "      value: null\n      assigned: true", f"      value: {ASSIGNED_FIGURE}\n      assigned: true"
    )
    assert entered != text
    edited.write_text(entered, encoding="utf-8")
    with connect(db_url) as conn:
        load_catalogue_into(conn, catalogue_dir)

    indicator = client.get(f"/v1/indicators/{PROGRAMME}.budget_revenue").json()
    assert indicator["baseline"] == {"period": "2024", "value": ASSIGNED_FIGURE, "quote": "chỉ tiêu Trung ương giao",
                                     "assigned": True}  # fmt: skip
    assert indicator["targets"][0]["basis"] == "multiple_of_baseline"
    token = make_key(db_url)
    rows = [
        {"indicator": f"{PROGRAMME}.budget_revenue", "region": "quang_ngai", "period": period, "value": value}
        for period, value in (("2024-Q2", 10_600), ("2024-Q4", 21_100))
    ]
    assert post_json(client, token, rows).status_code == 200
    points = client.get(f"/v1/indicators/{PROGRAMME}.budget_revenue/series", params={"as_of": "2025-01-31"}).json()
    by_period = {p["period"]: p for p in points["points"]}
    assert by_period["2024-Q2"]["status"] == "on_track"
    assert by_period["2024-Q4"]["status"] == "achieved"  # 21.100 > 1,05 x 20.000
    assert by_period["2024-Q4"]["actual"] == 21_100
    # A revision to exactly 1,05 times the figure is not "trên 5%".
    assert post_json(client, token, [{**rows[1], "value": 21_000}]).status_code == 200
    points = client.get(f"/v1/indicators/{PROGRAMME}.budget_revenue/series", params={"as_of": "2025-01-31"}).json()
    assert {p["period"]: p["status"] for p in points["points"]}["2024-Q4"] == "missed"
