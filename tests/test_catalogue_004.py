"""The catalogue of seed document 004 (Hà Tĩnh, action programme for Nghị quyết 26-NQ/TW) against the text."""

from pathlib import Path

import pytest
from ruamel.yaml import YAML

from indicators.model import (
    CatalogueFile,
    Direction,
    Indicator,
    Measure,
    PathKind,
    ProgrammeKind,
    TargetBasis,
    TargetKind,
)
from indicators.numbers import format_vi
from indicators.periods import Frequency, Period, Span

CATALOGUE_PATH = Path(__file__).parents[1] / "indicators" / "catalogue" / "004_htinh-nq26.yaml"

# One indicator per target of "II.2. Một số chỉ tiêu cụ thể đến năm 2030", in the order of the text.
TARGETS_TO_2030 = [
    "htinh-nq26.grdp_growth",
    "htinh-nq26.grdp",
    "htinh-nq26.grdp.agriculture_share",
    "htinh-nq26.grdp.industry_construction_share",
    "htinh-nq26.grdp.services_share",
    "htinh-nq26.grdp.product_taxes_share",
    "htinh-nq26.manufacturing_share",
    "htinh-nq26.digital_economy_share",
    "htinh-nq26.grdp_per_capita",
    "htinh-nq26.budget_revenue",
    "htinh-nq26.budget_revenue_growth",
    "htinh-nq26.urbanisation_rate",
    "htinh-nq26.new_rural_communes",
    "htinh-nq26.advanced_new_rural_communes",
    "htinh-nq26.model_new_rural_communes",
    "htinh-nq26.new_rural_districts",
    "htinh-nq26.advanced_new_rural_districts",
    "htinh-nq26.model_new_rural_districts",
    "htinh-nq26.income_per_capita_vs_national",
    "htinh-nq26.trained_labour",
    "htinh-nq26.trained_labour.certified",
    "htinh-nq26.poverty_rate",
    "htinh-nq26.poverty_rate.ethnic_minority",
    "htinh-nq26.hospital_beds",
    "htinh-nq26.doctors",
    "htinh-nq26.health_insurance_coverage",
    "htinh-nq26.forest_cover",
    "htinh-nq26.urban_clean_water",
    "htinh-nq26.rural_clean_water",
    "htinh-nq26.urban_solid_waste_treated",
    "htinh-nq26.industrial_zone_wastewater",
    "htinh-nq26.serious_polluters_treated",
]
# From the objectives paragraph (II.1) and the tasks (III.5).
OTHER_INDICATORS = [
    "htinh-nq26.province_new_rural",
    "htinh-nq26.income_per_capita_vs_north_central",
    "htinh-nq26.pesticide_sites_treated",
]


@pytest.fixture(scope="module")
def catalogue() -> CatalogueFile:
    with CATALOGUE_PATH.open(encoding="utf-8") as stream:
        return CatalogueFile.model_validate(YAML(typ="safe").load(stream))


@pytest.fixture(scope="module")
def by_code(catalogue: CatalogueFile) -> dict[str, Indicator]:
    return {indicator.code: indicator for indicator in catalogue.indicators}


def test_programme(catalogue: CatalogueFile) -> None:
    programme = catalogue.programme
    assert catalogue.source == "004"
    assert programme.id == "htinh-nq26"
    assert programme.province == "ha_tinh"
    assert (programme.start_year, programme.end_year) == (2021, 2030)
    assert programme.kind is ProgrammeKind.action_programme
    assert [region.code for region in catalogue.regions] == ["ha_tinh"]


def test_every_target_of_the_2030_list_and_nothing_else(catalogue: CatalogueFile) -> None:
    codes = [indicator.code for indicator in catalogue.indicators]
    assert len(TARGETS_TO_2030) == 32
    assert codes == TARGETS_TO_2030 + OTHER_INDICATORS
    assert all(indicator.number is None for indicator in catalogue.indicators)


def test_list_targets_end_in_2030(by_code: dict[str, Indicator]) -> None:
    for code in TARGETS_TO_2030:
        assert by_code[code].final_target.period.last_year == 2030, code


def test_parents_exist(catalogue: CatalogueFile, by_code: dict[str, Indicator]) -> None:
    for indicator in catalogue.indicators:
        assert indicator.programme == "htinh-nq26"
        if indicator.parent is not None:
            assert indicator.parent in by_code
            assert indicator.code.startswith(indicator.parent + ".")


def test_every_target_fits_the_programme_period(catalogue: CatalogueFile) -> None:
    span = catalogue.programme.span
    for indicator in catalogue.indicators:
        for target in indicator.targets:
            assert span.first_year <= target.period.first_year, indicator.code
            assert target.period.last_year <= span.last_year, indicator.code


def test_grdp_average_growth(by_code: dict[str, Indicator]) -> None:
    indicator = by_code["htinh-nq26.grdp_growth"]
    target = indicator.final_target
    assert indicator.measure is Measure.growth_rate
    assert indicator.unit == "percent_change"
    assert indicator.frequency is Frequency.quarter
    assert target.period == Span(2021, 2030)
    assert target.basis is TargetBasis.average_growth
    assert (target.kind, target.value, target.strict) == (TargetKind.at_least, 9, True)
    assert indicator.path_kind is PathKind.compound


def test_grdp_multiple_of_2020_and_national_rank(by_code: dict[str, Indicator]) -> None:
    indicator = by_code["htinh-nq26.grdp"]
    multiple, rank = indicator.targets
    assert multiple.basis is TargetBasis.multiple_of_baseline
    assert multiple.kind is TargetKind.range
    assert multiple.bounds == (2.5, 3)
    assert indicator.baseline is not None
    assert indicator.baseline.period == Period.parse("2020")
    assert indicator.baseline.value is None
    assert indicator.final_target is multiple
    assert indicator.target_for(2030) is multiple
    assert rank.kind is TargetKind.qualitative
    assert "nhóm 20 tỉnh" in rank.quote


def test_grdp_structure_shares(catalogue: CatalogueFile) -> None:
    shares = {
        indicator.code: (indicator.direction, indicator.final_target.kind, indicator.final_target.value)
        for indicator in catalogue.indicators
        if indicator.parent == "htinh-nq26.grdp"
    }
    assert shares == {
        "htinh-nq26.grdp.agriculture_share": (Direction.lower, TargetKind.approx, 7.9),
        "htinh-nq26.grdp.industry_construction_share": (Direction.higher, TargetKind.approx, 60.3),
        "htinh-nq26.grdp.services_share": (Direction.higher, TargetKind.approx, 26.6),
        "htinh-nq26.grdp.product_taxes_share": (Direction.higher, TargetKind.approx, 5.14),
    }


@pytest.mark.parametrize(
    ("code", "low", "high"),
    [("htinh-nq26.poverty_rate", 0.6, 1), ("htinh-nq26.poverty_rate.ethnic_minority", 1.5, 2)],
)
def test_poverty_rate_falls_each_year(by_code: dict[str, Indicator], code: str, low: float, high: float) -> None:
    indicator = by_code[code]
    target = indicator.final_target
    assert indicator.direction is Direction.lower
    assert indicator.unit == "percent"
    assert target.basis is TargetBasis.change_per_period
    assert target.kind is TargetKind.range
    assert target.bounds == (low, high)
    assert target.period == Span(2021, 2030)
    assert indicator.path_kind is PathKind.change_per_period


@pytest.mark.parametrize(
    ("code", "unit", "kind", "value", "strict"),
    [
        ("htinh-nq26.manufacturing_share", "percent", TargetKind.approx, 32.6, False),
        ("htinh-nq26.digital_economy_share", "percent", TargetKind.approx, 30, False),
        ("htinh-nq26.grdp_per_capita", "million_vnd", TargetKind.approx, 170, False),
        ("htinh-nq26.urbanisation_rate", "percent", TargetKind.at_least, 45, True),
        ("htinh-nq26.new_rural_communes", "percent", TargetKind.at_least, 100, False),
        ("htinh-nq26.advanced_new_rural_communes", "percent", TargetKind.at_least, 70, True),
        ("htinh-nq26.model_new_rural_communes", "percent", TargetKind.at_least, 30, False),
        ("htinh-nq26.new_rural_districts", "percent", TargetKind.at_least, 100, False),
        ("htinh-nq26.advanced_new_rural_districts", "percent", TargetKind.at_least, 50, True),
        ("htinh-nq26.model_new_rural_districts", "percent", TargetKind.at_least, 30, False),
        ("htinh-nq26.income_per_capita_vs_national", "times", TargetKind.approx, 1.1, False),
        ("htinh-nq26.trained_labour", "percent", TargetKind.approx, 85, False),
        ("htinh-nq26.trained_labour.certified", "percent", TargetKind.at_least, 50, False),
        ("htinh-nq26.hospital_beds", "beds_per_10000", TargetKind.at_least, 32, False),
        ("htinh-nq26.doctors", "doctors_per_10000", TargetKind.at_least, 12, False),
        ("htinh-nq26.health_insurance_coverage", "percent", TargetKind.at_least, 95, True),
        ("htinh-nq26.forest_cover", "percent", TargetKind.at_least, 52, True),
        ("htinh-nq26.urban_clean_water", "percent", TargetKind.at_least, 100, False),
        ("htinh-nq26.rural_clean_water", "percent", TargetKind.at_least, 80, False),
        ("htinh-nq26.urban_solid_waste_treated", "percent", TargetKind.at_least, 100, False),
        ("htinh-nq26.industrial_zone_wastewater", "percent", TargetKind.at_least, 100, False),
        ("htinh-nq26.serious_polluters_treated", "percent", TargetKind.at_least, 100, False),
    ],
)
def test_2030_values(
    by_code: dict[str, Indicator], code: str, unit: str, kind: TargetKind, value: float, strict: bool
) -> None:
    indicator = by_code[code]
    target = indicator.final_target
    assert indicator.unit == unit
    assert indicator.direction is Direction.higher
    # "Duy trì" (maintain) targets hold in every year of the programme (issue 14, decision 2).
    maintained = code in ("htinh-nq26.new_rural_communes", "htinh-nq26.forest_cover")
    assert target.period == (Span(2021, 2030) if maintained else Span(2030, 2030))
    assert target.maintain is maintained
    assert target.basis is TargetBasis.value
    assert (target.kind, target.value, target.strict) == (kind, value, strict)


def test_budget_revenue_growth_each_year(by_code: dict[str, Indicator]) -> None:
    indicator = by_code["htinh-nq26.budget_revenue_growth"]
    target = indicator.final_target
    assert indicator.measure is Measure.growth_rate
    assert target.period == Span(2021, 2030)
    assert target.bounds == (14, 15)
    assert indicator.path_kind is PathKind.constant


def test_levels_to_2030_start_from_an_observed_2020(by_code: dict[str, Indicator]) -> None:
    assert by_code["htinh-nq26.urbanisation_rate"].path_kind is PathKind.linear
    assert by_code["htinh-nq26.grdp.agriculture_share"].path_kind is PathKind.linear
    for code in ("htinh-nq26.urbanisation_rate", "htinh-nq26.hospital_beds"):
        baseline = by_code[code].baseline
        assert baseline is not None
        assert (baseline.period, baseline.value) == (Period.parse("2020"), None)
    # "Duy trì" targets are held, not approached.
    for code in ("htinh-nq26.forest_cover", "htinh-nq26.new_rural_communes"):
        assert by_code[code].baseline is None
        assert by_code[code].path_kind is PathKind.constant


@pytest.mark.parametrize(
    ("code", "year"),
    [
        ("htinh-nq26.budget_revenue", 2030),
        ("htinh-nq26.province_new_rural", 2025),
        ("htinh-nq26.income_per_capita_vs_north_central", 2025),
    ],
)
def test_rank_and_relative_targets_are_qualitative(by_code: dict[str, Indicator], code: str, year: int) -> None:
    target = by_code[code].final_target
    assert target.kind is TargetKind.qualitative
    assert target.reason
    assert target.period == Span(year, year)


def test_every_computable_value_is_printed_in_its_quote(catalogue: CatalogueFile) -> None:
    for indicator in catalogue.indicators:
        for target in indicator.targets:
            if not target.computable:
                continue
            for value in set(target.bounds):
                assert format_vi(value) in target.quote, (indicator.code, value)
