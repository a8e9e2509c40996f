"""The catalogue of seed document 003 (Đồng Tháp, 2023 action programme) against values copied from the text."""

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
from indicators.periods import Frequency, Span

CATALOGUE_PATH = Path(__file__).parents[1] / "indicators" / "catalogue" / "003_dthap-2023.yaml"

# The numbered targets of "I.2. Các chỉ tiêu chủ yếu": (1) to (16).
NUMBERED = [str(number) for number in range(1, 17)]


@pytest.fixture(scope="module")
def catalogue() -> CatalogueFile:
    with CATALOGUE_PATH.open(encoding="utf-8") as stream:
        return CatalogueFile.model_validate(YAML(typ="safe").load(stream))


@pytest.fixture(scope="module")
def by_code(catalogue: CatalogueFile) -> dict[str, Indicator]:
    return {indicator.code: indicator for indicator in catalogue.indicators}


def test_programme(catalogue: CatalogueFile) -> None:
    programme = catalogue.programme
    assert catalogue.source == "003"
    assert programme.id == "dthap-2023"
    assert programme.province == "dong_thap"
    assert (programme.start_year, programme.end_year) == (2023, 2023)
    assert programme.kind is ProgrammeKind.action_programme
    assert [region.code for region in catalogue.regions] == ["dong_thap"]


def test_codes_are_unique_and_parents_exist(catalogue: CatalogueFile, by_code: dict[str, Indicator]) -> None:
    assert len(by_code) == len(catalogue.indicators)
    for indicator in catalogue.indicators:
        assert indicator.code.startswith("dthap-2023.")
        assert indicator.programme == "dthap-2023"
        if indicator.parent is not None:
            assert indicator.parent in by_code
            assert indicator.code.startswith(indicator.parent + ".")


def test_all_sixteen_numbered_targets(catalogue: CatalogueFile) -> None:
    top_level_numbers = [
        indicator.number for indicator in catalogue.indicators if indicator.parent is None and indicator.number
    ]
    assert top_level_numbers == NUMBERED


def test_every_target_is_for_2023(catalogue: CatalogueFile) -> None:
    for indicator in catalogue.indicators:
        for target in indicator.targets:
            assert target.period == Span(2023, 2023), indicator.code


def test_grdp_growth(by_code: dict[str, Indicator]) -> None:
    indicator = by_code["dthap-2023.grdp_growth"]
    target = indicator.final_target
    assert indicator.number == "1"
    assert indicator.measure is Measure.growth_rate
    assert indicator.unit == "percent_change"
    assert indicator.frequency in (Frequency.quarter, Frequency.half_year)
    assert indicator.path_kind is PathKind.constant
    assert (target.kind, target.value, target.strict) == (TargetKind.at_least, 7.5, False)
    assert "7,5%" in target.quote


def test_budget_revenue_is_a_flow_judged_within_the_year(by_code: dict[str, Indicator]) -> None:
    indicator = by_code["dthap-2023.budget_revenue"]
    assert indicator.number == "3"
    assert indicator.measure is Measure.flow
    assert indicator.unit == "billion_vnd"
    assert indicator.frequency in (Frequency.month, Frequency.quarter)
    assert indicator.path_kind is PathKind.flow
    assert indicator.final_target.value == 7555


def test_poverty_rate_falls_by_a_stated_amount(by_code: dict[str, Indicator]) -> None:
    indicator = by_code["dthap-2023.poverty_rate"]
    target = indicator.final_target
    assert indicator.number == "8"
    assert indicator.direction is Direction.lower
    assert indicator.unit == "percent"
    assert target.basis is TargetBasis.change_per_period
    assert (target.kind, target.value) == (TargetKind.at_least, 0.4)
    assert indicator.path_kind is PathKind.change_per_period


def test_agricultural_labour_share_is_a_ceiling(by_code: dict[str, Indicator]) -> None:
    indicator = by_code["dthap-2023.agricultural_labour_share"]
    assert indicator.number == "6"
    assert indicator.direction is Direction.lower
    assert (indicator.final_target.kind, indicator.final_target.value) == (TargetKind.at_most, 44.5)


@pytest.mark.parametrize(
    ("code", "number", "unit", "value"),
    [
        ("dthap-2023.grdp_per_capita", "2", "million_vnd", 68.51),
        ("dthap-2023.investment_share_of_grdp", "4", "percent", 23.37),
        ("dthap-2023.urbanisation_rate", "5", "percent", 39.5),
        ("dthap-2023.trained_labour", "7", "percent", 75.4),
        ("dthap-2023.trained_labour.vocational", "7.1", "percent", 54.2),
        ("dthap-2023.health_insurance_coverage", "9", "percent", 93),
        ("dthap-2023.new_cooperatives", "11", "cooperatives", 7),
        ("dthap-2023.rural_clean_water", "12", "percent", 94),
        ("dthap-2023.hazardous_waste_treated", "13", "percent", 95),
        ("dthap-2023.party_organisations_good", "14", "percent", 90),
        ("dthap-2023.front_units_good", "16", "percent", 70),
    ],
)
def test_at_least_targets(by_code: dict[str, Indicator], code: str, number: str, unit: str, value: float) -> None:
    indicator = by_code[code]
    target = indicator.final_target
    assert indicator.number == number
    assert indicator.unit == unit
    assert indicator.direction is Direction.higher
    assert (target.kind, target.value, target.strict) == (TargetKind.at_least, value, False)


def test_trained_labour_has_its_vocational_part(by_code: dict[str, Indicator]) -> None:
    assert by_code["dthap-2023.trained_labour.vocational"].parent == "dthap-2023.trained_labour"


def test_new_rural_is_a_composite_of_four_counts(catalogue: CatalogueFile, by_code: dict[str, Indicator]) -> None:
    parent = by_code["dthap-2023.new_rural"]
    assert parent.number == "10"
    assert parent.final_target.kind is TargetKind.qualitative
    assert parent.final_target.reason == "composite: judged by its sub-indicators"
    children = {
        indicator.code: (indicator.unit, indicator.final_target.value)
        for indicator in catalogue.indicators
        if indicator.parent == parent.code
    }
    assert children == {
        "dthap-2023.new_rural.communes": ("communes", 6),
        "dthap-2023.new_rural.advanced_communes": ("communes", 15),
        "dthap-2023.new_rural.model_communes": ("communes", 1),
        "dthap-2023.new_rural.districts": ("districts", 3),
    }
    for code in children:
        assert by_code[code].measure is Measure.flow


def test_party_admission_rate_and_count(by_code: dict[str, Indicator]) -> None:
    rate = by_code["dthap-2023.party_admission_rate"]
    assert rate.number == "15"
    assert rate.final_target.kind is TargetKind.range
    assert rate.final_target.bounds == (3, 4)
    count = by_code["dthap-2023.party_admission_rate.new_members"]
    assert count.parent == rate.code
    assert count.unit == "party_members"
    assert count.measure is Measure.flow
    assert (count.final_target.kind, count.final_target.value) == (TargetKind.at_least, 1850)


def test_prose_targets_are_unnumbered(by_code: dict[str, Indicator]) -> None:
    expected = {
        "dthap-2023.agriculture_growth": (TargetKind.at_least, 3.5, False),
        "dthap-2023.new_ocop_products": (TargetKind.at_least, 50, False),
        "dthap-2023.tourist_arrivals": (TargetKind.at_least, 3.6, False),
        "dthap-2023.tourism_revenue": (TargetKind.approx, 1200, False),
        "dthap-2023.new_enterprises": (TargetKind.at_least, 650, False),
        "dthap-2023.active_enterprises": (TargetKind.approx, 5000, False),
        "dthap-2023.jobs_created": (TargetKind.at_least, 30000, False),
        "dthap-2023.jobs_created.overseas_contract_workers": (TargetKind.at_least, 1500, True),
        "dthap-2023.social_protection_allowance": (TargetKind.at_least, 100, False),
        "dthap-2023.level4_online_services": (TargetKind.at_least, 100, False),
    }
    for code, (kind, value, strict) in expected.items():
        indicator = by_code[code]
        target = indicator.final_target
        assert indicator.number is None, code
        assert (target.kind, target.value, target.strict) == (kind, value, strict), code
    assert by_code["dthap-2023.tourist_arrivals"].unit == "million_visitors"
    assert by_code["dthap-2023.agriculture_growth"].measure is Measure.growth_rate


def test_ocop_products_are_counted_in_products(by_code: dict[str, Indicator]) -> None:
    # "có thêm ít nhất 50 sản phẩm được đánh giá, xét công nhận sản phẩm OCOP đạt từ 3 đến 4 sao"
    ocop = by_code["dthap-2023.new_ocop_products"]
    assert ocop.unit == "products"
    assert ocop.measure is Measure.flow
    assert ocop.note is None  # the old note said there was no products unit
    assert "ít nhất 50 sản phẩm" in ocop.final_target.quote


# The numberless and rank targets of the prose, each kept as qualitative with its reason.
RANK_INDICES = {
    "dthap-2023.par_index_rank": "PAR - Index",
    "dthap-2023.papi_rank": "PAPI",
    "dthap-2023.ict_index_rank": "ICT",
    "dthap-2023.dti_rank": "DTI",
    "dthap-2023.sipas_rank": "Chỉ số hài lòng về sự phục vụ hành chính",
}


def test_rank_wishes_are_kept_as_qualitative(by_code: dict[str, Indicator]) -> None:
    # II.11: "... xếp trong nhóm các tỉnh, thành phố đạt điểm số cao của cả nước"
    for code, printed_name in RANK_INDICES.items():
        indicator = by_code[code]
        (target,) = indicator.targets
        assert target.kind is TargetKind.qualitative, code
        assert target.period == Span(2023, 2023)
        assert target.reason and "rank" in target.reason
        assert printed_name in target.quote
        assert target.quote.endswith("xếp trong nhóm các tỉnh, thành phố đạt điểm số cao của cả nước")
        assert indicator.unit == "rank" and indicator.direction is Direction.lower
        assert indicator.number is None


def test_the_five_star_ocop_wish_is_kept_as_qualitative(by_code: dict[str, Indicator]) -> None:
    # II.3: "phấn đấu có sản phẩm OCOP 5 sao" (no count printed)
    five_star = by_code["dthap-2023.ocop_5_star_products"]
    (target,) = five_star.targets
    assert target.kind is TargetKind.qualitative
    assert target.quote == "phấn đấu có sản phẩm OCOP 5 sao"
    assert target.reason and "no count" in target.reason
    assert five_star.unit == "products"


def test_counts(catalogue: CatalogueFile) -> None:
    numbered = [i for i in catalogue.indicators if i.number is not None]
    qualitative = [i.code for i in catalogue.indicators if not any(t.computable for t in i.targets)]
    assert len(catalogue.indicators) == len(numbered) + 10 + 6  # 10 numeric prose targets, 6 qualitative
    assert sorted(qualitative) == sorted(["dthap-2023.new_rural", "dthap-2023.ocop_5_star_products", *RANK_INDICES])


def test_every_computable_value_is_printed_in_its_quote(catalogue: CatalogueFile) -> None:
    for indicator in catalogue.indicators:
        for target in indicator.targets:
            if not target.computable:
                continue
            for value in set(target.bounds):
                assert format_vi(value) in target.quote, (indicator.code, value)
