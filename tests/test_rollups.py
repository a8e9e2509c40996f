"""Issue 16, "Correctness at scale": roll-ups of an indicator's values from the regions below a region into it (sums
for counts and flows, a weighted mean where the catalogue names a weight, else none, said plainly), their coverage,
and who may read them."""

import hashlib
import random
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest

from indicators.catalogue import Catalogue, load_catalogue, validate
from indicators.clock import period_bounds
from indicators.model import (
    Direction,
    Group,
    Indicator,
    Measure,
    Programme,
    ProgrammeKind,
    Region,
    RegionLevel,
    Rollup,
    RollupMethod,
    Target,
    TargetKind,
)
from indicators.periods import Frequency, Period, Span
from indicators.rollup import (
    GROWTH_RATE_REASON,
    NOT_SUMMED_REASONS,
    SHARE_REASON,
    SUMMED_UNITS,
    children_map,
    contributing_regions,
    coverage_text,
    followed_in,
    rollup_rule,
)
from indicators.units import UNITS
from ingest.catalogue_store import load_catalogue_into, read_catalogue
from ingest.rollups import REGION_TESTS, compute_rollups, region_test_of
from tests.conftest import REPO, ServerThread, settings_for
from tests.ingest_helpers import make_key
from tests.test_openapi_read_schemas import open_objects, read_operations

PROGRAMME = "rollup-test"
YEAR = Period(2024, Frequency.year)


def indicator(code: str, unit: str, measure: Measure, **fields: Any) -> Indicator:
    return Indicator(
        code=f"{PROGRAMME}.{code}", programme=PROGRAMME, name_vi=f"Chỉ tiêu {code}", name_en=f"Indicator {code}",
        group=Group.society, unit=unit, direction=Direction.higher, measure=measure, frequency=Frequency.year,
        targets=[Target(period=Span(2025, 2025), kind=TargetKind.at_least, value=1, quote="đạt 1 (test)")],
        **fields,
    )  # fmt: skip


# ------------------------------------------------------------------------------------------------ the rule, pure


def test_the_rule_follows_the_measure_and_the_unit() -> None:
    assert rollup_rule(indicator("a", "people", Measure.level)).method is RollupMethod.sum
    assert rollup_rule(indicator("b", "billion_vnd", Measure.flow)).method is RollupMethod.sum
    assert rollup_rule(indicator("c", "households", Measure.flow)).method is RollupMethod.sum
    growth = rollup_rule(indicator("d", "percent_change", Measure.growth_rate))
    assert (growth.method, growth.reason) == (RollupMethod.none, GROWTH_RATE_REASON)
    assert growth.reason is not None and growth.reason.startswith("Tỷ lệ tăng trưởng không cộng được giữa các xã")
    share = rollup_rule(indicator("e", "percent", Measure.share))
    assert (share.method, share.reason) == (RollupMethod.none, SHARE_REASON)
    # A level whose unit does not add up: per head, per 10,000 people, a rank, a percentage.
    for unit in ("million_vnd", "usd", "beds_per_10000", "rank", "percent", "times"):
        rule = rollup_rule(indicator("f", unit, Measure.level))
        assert rule.method is RollupMethod.none and rule.reason == NOT_SUMMED_REASONS[unit], unit
    # A flow in a percent (a rate of admissions) does not add up either.
    assert rollup_rule(indicator("g", "percent", Measure.flow)).method is RollupMethod.none


def test_every_unit_is_summed_or_says_why_not() -> None:
    assert SUMMED_UNITS.isdisjoint(NOT_SUMMED_REASONS)
    assert SUMMED_UNITS | set(NOT_SUMMED_REASONS) == set(UNITS)
    assert all("(" in reason and reason.endswith(")") for reason in NOT_SUMMED_REASONS.values())  # vi (en)


def test_the_catalogue_overrides_the_default() -> None:
    weighted = indicator("h", "percent", Measure.share, rollup={"method": "weighted_mean", "weight": f"{PROGRAMME}.a"})
    assert rollup_rule(weighted).method is RollupMethod.weighted_mean
    assert rollup_rule(weighted).weight == f"{PROGRAMME}.a"
    total = indicator("i", "million_vnd", Measure.level, rollup="sum")  # a total in million VND, not per head
    assert rollup_rule(total).method is RollupMethod.sum
    said = indicator("j", "megawatts", Measure.level, rollup={"method": "none", "reason": "Của cả tỉnh (province)"})
    assert rollup_rule(said).reason == "Của cả tỉnh (province)"
    with pytest.raises(ValueError, match="names its weight"):
        Rollup(method=RollupMethod.weighted_mean)
    with pytest.raises(ValueError, match="names its weight"):
        Rollup(method=RollupMethod.sum, weight="x")
    with pytest.raises(ValueError, match="reason is for rollup: none"):
        Rollup(method=RollupMethod.sum, reason="why")


def test_the_bundled_catalogue_says_where_its_default_is_wrong() -> None:
    catalogue = load_catalogue()
    pci = rollup_rule(catalogue.indicators["qtri-dh1.pci"])
    assert pci.method is RollupMethod.none and pci.reason is not None and "VCCI" in pci.reason
    assert rollup_rule(catalogue.indicators["qtri-kh184.laos_power_import"]).method is RollupMethod.none
    assert rollup_rule(catalogue.indicators["qtri-kh184.pdp8_added_capacity"]).method is RollupMethod.sum
    assert rollup_rule(catalogue.indicators["dthap-2023.new_enterprises"]).method is RollupMethod.sum
    assert rollup_rule(catalogue.indicators["dthap-2023.party_admission_rate"]).method is RollupMethod.none


def test_the_nearest_followed_level_is_read_so_nothing_counts_twice() -> None:
    regions = {
        "p": Region(code="p", name_vi="P", name_en="P", level=RegionLevel.province),
        "d": Region(code="d", name_vi="D", name_en="D", level=RegionLevel.district, parent="p"),
        "d.x1": Region(code="d.x1", name_vi="X1", name_en="X1", level=RegionLevel.commune, parent="d"),
        "d.x2": Region(code="d.x2", name_vi="X2", name_en="X2", level=RegionLevel.commune, parent="d"),
        "x3": Region(code="x3", name_vi="X3", name_en="X3", level=RegionLevel.commune, parent="p"),
    }
    children = children_map(regions)
    communes = {"d.x1": ["i"], "d.x2": ["i"], "x3": ["i"]}
    assert contributing_regions(children, communes, "p") == {"i": ["d.x1", "d.x2", "x3"]}  # through the district
    assert contributing_regions(children, communes, "d") == {"i": ["d.x1", "d.x2"]}
    both = {**communes, "d": ["i"], "x3": ["i", "j"]}
    # The district, not its communes too; each indicator at its own nearest level.
    assert contributing_regions(children, both, "p") == {"i": ["d", "x3"], "j": ["x3"]}
    assert contributing_regions(children, communes, "x3") == {}


def test_the_coverage_is_said_plainly() -> None:
    summed = rollup_rule(indicator("a", "people", Measure.level))
    assert coverage_text(summed, 2, 3, "commune").startswith("Tổng của 2/3 xã đã báo cáo, chưa đủ (partial")
    assert coverage_text(summed, 3, 3, "commune").startswith("Tổng của cả 3 xã (complete")
    assert coverage_text(summed, 0, 3, "commune").startswith("Chưa xã nào báo cáo")
    assert coverage_text(summed, 3320, 3321, "commune") == (
        "Tổng của 3.320/3.321 xã đã báo cáo, chưa đủ (partial: the total of the 3,320 of 3,321 communes that reported)"
    )
    growth = rollup_rule(indicator("d", "percent_change", Measure.growth_rate))
    assert coverage_text(growth, 3, 3, "commune") == f"Không tổng hợp: {GROWTH_RATE_REASON} (no roll-up)"


# ------------------------------------------------------------------------------------------------ catalogue checks

CATALOGUE_FILE = """
source: "t"
programme: {{id: t, title_vi: T, title_en: T, issuer_vi: T, province: tinh, start_year: 2024, end_year: 2025,
  kind: plan}}
regions:
  - {{code: tinh, name_vi: Tỉnh, name_en: Province, level: province}}
  - {{code: tinh.x1, name_vi: Xã 1, name_en: Commune 1, level: commune, parent: tinh}}
  - {{code: tinh.x2, name_vi: Xã 2, name_en: Commune 2, level: commune, parent: tinh}}
indicators:
{indicators}
"""


def catalogue_indicator(
    code: str, unit: str, measure: str, regions: str, extra: str = "", frequency: str = "year"
) -> str:
    return (
        f"  - {{code: t.{code}, name_vi: {code}, name_en: {code}, group: society, unit: {unit}, direction: higher,\n"
        f"     measure: {measure}, frequency: {frequency}, regions: [{regions}], {extra}\n"
        f"     targets: [{{period: 2025, kind: at_least, value: 1, quote: đạt 1}}]}}"
    )


def issues_of(tmp_path: Path, *indicators: str) -> list[str]:
    (tmp_path / "t.yaml").write_text(CATALOGUE_FILE.format(indicators="\n".join(indicators)), encoding="utf-8")
    return [f"{issue.field}: {issue.message}" for issue in validate(tmp_path)]


def test_a_weight_is_a_count_with_the_same_regions_and_frequency(tmp_path: Path) -> None:
    both = "tinh.x1, tinh.x2"
    people = catalogue_indicator("dan_so", "people", "level", both)
    assert issues_of(tmp_path, people, catalogue_indicator(
        "ngheo", "percent", "share", both, "rollup: {method: weighted_mean, weight: t.dan_so},"
    )) == []  # fmt: skip

    def weighted(weight: str) -> str:
        return catalogue_indicator(
            "ngheo", "percent", "share", both, f"rollup: {{method: weighted_mean, weight: {weight}}},"
        )

    assert issues_of(tmp_path, people, weighted("t.nobody")) == [
        "indicators[t.ngheo].rollup.weight: the weight 't.nobody' is not an indicator of the catalogue"
    ]
    share = catalogue_indicator("ty_le", "percent", "share", both)
    assert issues_of(tmp_path, share, weighted("t.ty_le")) == [
        "indicators[t.ngheo].rollup.weight: the weight 't.ty_le' must be a count that adds up (its own roll-up a sum)"
    ]
    monthly = catalogue_indicator("dan_so", "people", "level", both, frequency="month")
    assert issues_of(tmp_path, monthly, weighted("t.dan_so")) == [
        "indicators[t.ngheo].rollup.weight: the weight 't.dan_so' is reported each month, not each year"
    ]
    one_commune = catalogue_indicator("dan_so", "people", "level", "tinh.x1")
    assert issues_of(tmp_path, one_commune, weighted("t.dan_so")) == [
        "indicators[t.ngheo].rollup.weight: the weight 't.dan_so' is not followed in tinh.x2"
    ]
    assert issues_of(tmp_path, weighted("t.ngheo")) == [
        "indicators[t.ngheo].rollup.weight: an indicator cannot be its own weight"
    ]
    growth = catalogue_indicator("tang", "percent_change", "growth_rate", both, "rollup: sum,")
    assert issues_of(tmp_path, growth) == [
        "indicators[t.tang].rollup.method: a growth rate does not roll up (rollup: none): rates do not add up or "
        "average across regions"
    ]
    percent = catalogue_indicator("phan_tram", "percent", "level", both, "rollup: sum,")
    assert issues_of(tmp_path, percent) == [
        "indicators[t.phan_tram].rollup.method: values in percent do not add up; name a weight (method: "
        "weighted_mean) or none"
    ]
    unknown = catalogue_indicator("x", "people", "level", both, "rollup: average,")
    assert any("rollup.method" in issue for issue in issues_of(tmp_path, unknown))


# ------------------------------------------------------------------------------------------------ read side

COMMUNES = ["tinh.h1.x1", "tinh.h1.x2", "tinh.x3", "khac.x1"]


def rollup_catalogue(base: Catalogue) -> Catalogue:
    """A province with a district between it and two of its communes, a commune right under it, and another
    province; five yearly indicators followed in every commune."""
    catalogue = replace(
        base, programmes=dict(base.programmes), regions=dict(base.regions), indicators=dict(base.indicators),
        sources=dict(base.sources),
    )  # fmt: skip
    for code, level, parent in [
        ("tinh", RegionLevel.province, None),
        ("khac", RegionLevel.province, None),
        ("tinh.h1", RegionLevel.district, "tinh"),
        ("tinh.h1.x1", RegionLevel.commune, "tinh.h1"),
        ("tinh.h1.x2", RegionLevel.commune, "tinh.h1"),
        ("tinh.x3", RegionLevel.commune, "tinh"),
        ("khac.x1", RegionLevel.commune, "khac"),
    ]:
        catalogue.regions[code] = Region(code=code, name_vi=code, name_en=code, level=level, parent=parent)
    catalogue.programmes[PROGRAMME] = Programme(
        id=PROGRAMME, title_vi="Thử tổng hợp", title_en="Roll-up test", issuer_vi="test", province="tinh",
        start_year=2024, end_year=2025, kind=ProgrammeKind.plan,
    )  # fmt: skip
    catalogue.sources[PROGRAMME] = "test"
    weight = {"method": "weighted_mean", "weight": f"{PROGRAMME}.dan_so"}
    for item in [
        indicator("dan_so", "people", Measure.level, regions=COMMUNES),
        indicator("thu", "billion_vnd", Measure.flow, regions=COMMUNES),
        indicator("ngheo", "percent", Measure.share, regions=COMMUNES, rollup=weight),
        indicator("tang", "percent_change", Measure.growth_rate, regions=COMMUNES),
        indicator("bac_si", "doctors_per_10000", Measure.level, regions=COMMUNES),
    ]:
        catalogue.indicators[item.code] = item
    catalogue.digest = hashlib.sha256(f"{base.digest}:rollups".encode()).hexdigest()
    return catalogue


VALUES = {  # (indicator, commune): [revisions]; tinh.x3 reported no revenue
    "dan_so": {"tinh.h1.x1": [1000], "tinh.h1.x2": [3000], "tinh.x3": [2000], "khac.x1": [500]},
    "thu": {"tinh.h1.x1": [10, 12], "tinh.h1.x2": [20], "khac.x1": [99]},
    "ngheo": {"tinh.h1.x1": [10], "tinh.h1.x2": [5], "tinh.x3": [20], "khac.x1": [50]},
    "tang": {"tinh.h1.x1": [7], "tinh.h1.x2": [8], "tinh.x3": [9]},
    "bac_si": {"tinh.h1.x1": [7]},
}


@pytest.fixture
def loaded(conn: psycopg.Connection[Any]) -> Catalogue:
    catalogue = rollup_catalogue(read_catalogue(conn))
    load_catalogue_into(conn, REPO / "indicators" / "catalogue", catalogue=catalogue)
    start = period_bounds(YEAR)[0]
    for code, regions in VALUES.items():
        for region, revisions in regions.items():
            for revision, value in enumerate(revisions, start=1):
                conn.execute(
                    "INSERT INTO observations (indicator, region, period_start, period, revision, value, status, key_id)"
                    " VALUES (%s, %s, %s, %s, %s, %s, 'official', 't')",
                    [f"{PROGRAMME}.{code}", region, start, str(YEAR), revision, value],
                )
    # Another period, which the roll-up of 2024 must not read.
    conn.execute(
        "INSERT INTO observations (indicator, region, period_start, period, revision, value, status, key_id)"
        " VALUES (%s, 'tinh.x3', %s, '2025', 1, 1000, 'official', 't')",
        [f"{PROGRAMME}.thu", period_bounds(Period(2025, Frequency.year))[0]],
    )
    conn.commit()
    return read_catalogue(conn)


def test_sums_and_weighted_means_from_the_latest_revisions(conn: psycopg.Connection[Any], loaded: Catalogue) -> None:
    ours = [i for i in loaded.indicators.values() if i.programme == PROGRAMME]
    province = {r.indicator.split(".")[-1]: r for r in compute_rollups(conn, loaded, "tinh", YEAR, ours)}
    assert (province["dan_so"].value, province["dan_so"].reported, province["dan_so"].expected) == (6000, 3, 3)
    assert province["dan_so"].complete and province["dan_so"].level == "commune"
    # 12 (the second revision) + 20; tinh.x3 did not report: a partial sum, and it says so.
    assert (province["thu"].value, province["thu"].reported, province["thu"].expected) == (32, 2, 3)
    assert not province["thu"].complete
    # (10 x 1000 + 5 x 3000 + 20 x 2000) / 6000; the other province's commune is not read.
    assert province["ngheo"].value == pytest.approx(65000 / 6000)
    assert province["ngheo"].reported == 3
    for code in ("tang", "bac_si"):
        assert province[code].value is None and province[code].rule.reason
    assert (province["tang"].reported, province["tang"].expected, province["tang"].complete) == (None, 3, None)

    district = {r.indicator.split(".")[-1]: r for r in compute_rollups(conn, loaded, "tinh.h1", YEAR, ours)}
    assert (district["thu"].value, district["thu"].reported, district["thu"].expected) == (32, 2, 2)
    assert district["ngheo"].value == pytest.approx(25000 / 4000)
    other = {r.indicator.split(".")[-1]: r for r in compute_rollups(conn, loaded, "khac", YEAR, ours)}
    assert (other["thu"].value, other["dan_so"].value, other["ngheo"].value) == (99, 500, 50)
    # A weighted mean counts the communes with both the value and its weight.
    conn.execute("DELETE FROM observations WHERE indicator = %s AND region = 'tinh.x3'", [f"{PROGRAMME}.dan_so"])
    province = {r.indicator.split(".")[-1]: r for r in compute_rollups(conn, loaded, "tinh", YEAR, ours)}
    assert province["ngheo"].value == pytest.approx(25000 / 4000)
    assert (province["ngheo"].reported, province["ngheo"].expected) == (2, 3)
    # A commune has nothing below it; another frequency's period lists nothing.
    assert compute_rollups(conn, loaded, "tinh.x3", YEAR, ours) == []
    assert compute_rollups(conn, loaded, "tinh", Period(2024, Frequency.month, 1), ours) == []


def reference_rollups(
    conn: psycopg.Connection[Any], catalogue: Catalogue, region: str, period: Period, indicators: list[Indicator]
) -> dict[str, tuple[float | None, int | None, int]]:
    """The roll-ups as the rule states them, from every latest value of the period read into Python: the oracle the
    SQL read is held to (indicator -> value, reported, expected)."""
    latest = {
        (code, where): value
        for code, where, value in conn.execute(
            "SELECT indicator, region, value FROM observations_current WHERE period = %s", [str(period)]
        ).fetchall()
    }
    below = contributing_regions(
        children_map(catalogue.regions), followed_in(catalogue.indicators.values(), catalogue.regions_of), region
    )
    found: dict[str, tuple[float | None, int | None, int]] = {}
    for item in indicators:
        regions = below.get(item.code)
        if not regions or item.frequency is not period.frequency:
            continue
        rule = rollup_rule(item)
        values = {where: latest[(item.code, where)] for where in regions if (item.code, where) in latest}
        if rule.method is RollupMethod.none:
            found[item.code] = (None, None, len(regions))
        elif rule.method is RollupMethod.sum:
            found[item.code] = (sum(values.values()) if values else None, len(values), len(regions))
        else:
            pairs = [(v, latest[(rule.weight, where)]) for where, v in values.items() if (rule.weight, where) in latest]
            weights = sum(w for _, w in pairs)
            found[item.code] = (sum(v * w for v, w in pairs) / weights if weights else None, len(pairs), len(regions))
    return found


MONTHLY = {"frequency": Frequency.month}


@pytest.fixture
def random_country(conn: psycopg.Connection[Any]) -> Catalogue:
    """A country over the two provinces, districts between some communes and their province, an indicator followed
    in a district as well as its communes, yearly and monthly indicators; up to three revisions of each value, gaps,
    and values of other periods (2023; January 2024, which starts when 2024 does)."""
    catalogue = rollup_catalogue(read_catalogue(conn))
    catalogue.regions["vn"] = Region(code="vn", name_vi="Cả nước", name_en="Country", level=RegionLevel.province)
    for code in ("tinh", "khac"):
        catalogue.regions[code] = catalogue.regions[code].model_copy(update={"parent": "vn"})
    communes = list(COMMUNES)
    for number in range(1, 13):
        parent = ["tinh.h1", "tinh.h2", "tinh", "khac"][number % 4]
        code = f"{parent}.y{number}"
        catalogue.regions[code] = Region(
            code=code, name_vi=code, name_en=code, level=RegionLevel.commune, parent=parent
        )
        communes.append(code)
    catalogue.regions["tinh.h2"] = Region(
        code="tinh.h2", name_vi="tinh.h2", name_en="tinh.h2", level=RegionLevel.district, parent="tinh"
    )
    for item in [
        indicator("ho", "households", Measure.level, regions=[*communes, "tinh.h2"]),  # a district reports it too
        indicator("ho_ngheo", "percent", Measure.share, regions=[*communes, "tinh.h2"],
                  rollup={"method": "weighted_mean", "weight": f"{PROGRAMME}.ho"}),
        indicator("du_an", "projects", Measure.flow, regions=communes).model_copy(update=MONTHLY),
        indicator("du_an_tang", "percent_change", Measure.growth_rate, regions=communes).model_copy(update=MONTHLY),
    ]:  # fmt: skip
        catalogue.indicators[item.code] = item
    for code in ("dan_so", "thu", "ngheo", "tang", "bac_si"):
        item = catalogue.indicators[f"{PROGRAMME}.{code}"]
        catalogue.indicators[item.code] = item.model_copy(update={"regions": communes})
    catalogue.digest = hashlib.sha256(f"{catalogue.digest}:random".encode()).hexdigest()
    load_catalogue_into(conn, REPO / "indicators" / "catalogue", catalogue=catalogue)
    draw = random.Random(16)
    periods = {
        Frequency.year: [YEAR, Period(2023, Frequency.year)],
        Frequency.month: [Period(2024, Frequency.month, 1), Period(2024, Frequency.month, 2)],
    }
    with conn.cursor().copy(
        "COPY observations (indicator, region, period_start, period, revision, value, status, key_id) FROM STDIN"
    ) as copy:
        for item in catalogue.indicators.values():
            if item.programme != PROGRAMME:
                continue
            for period in periods[item.frequency]:
                for where in item.regions:
                    for revision in range(1, draw.choice([0, 1, 1, 2, 3]) + 1):
                        value = round(draw.uniform(0, 5000), draw.choice([0, 2]))
                        copy.write_row(
                            (item.code, where, period_bounds(period)[0], str(period), revision, value, "official", "t")
                        )
    conn.commit()
    return read_catalogue(conn)


def test_the_read_gives_the_rule_on_every_latest_value(
    conn: psycopg.Connection[Any], random_country: Catalogue
) -> None:
    ours = [i for i in random_country.indicators.values() if i.programme == PROGRAMME]
    tests_used = set()
    for region in ("vn", "tinh", "khac", "tinh.h1", "tinh.h2"):
        for period in (YEAR, Period(2024, Frequency.month, 1)):
            expected = reference_rollups(conn, random_country, region, period, ours)
            read = compute_rollups(conn, random_country, region, period, ours)
            assert [r.indicator for r in read] == list(expected), (region, period)
            for rollup in read:
                value, reported, regions = expected[rollup.indicator]
                assert (rollup.reported, rollup.expected) == (reported, regions), (region, period, rollup.indicator)
                assert rollup.value == (None if value is None else pytest.approx(value, rel=1e-12)), rollup
                below = contributing_regions(
                    children_map(random_country.regions),
                    followed_in(random_country.indicators.values(), random_country.regions_of),
                    region,
                )[rollup.indicator]
                tests_used.add(region_test_of(random_country, random_country.indicators[rollup.indicator], below))
    # The district reports households: the country and the province read it instead of its communes.
    country = {r.indicator.split(".")[-1]: r for r in compute_rollups(conn, random_country, "vn", YEAR, ours)}
    assert country["ho"].expected == country["dan_so"].expected - 3 + 1
    assert country["ho_ngheo"].reported is not None and 0 < country["ho_ngheo"].reported < country["ho"].expected
    assert tests_used == set(REGION_TESTS)  # both ways of finding the regions below were compared


def test_the_api_reads_roll_ups_and_says_none_plainly(loaded: Catalogue, client: httpx.Client) -> None:
    answer = client.get("/v1/rollups", params={"region": "tinh", "period": "2024", "programme": PROGRAMME})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["region"], body["period"], body["next"]) == ("tinh", "2024", None)
    items = {item["indicator"].split(".")[-1]: item for item in body["items"]}
    assert set(items) == {"dan_so", "thu", "ngheo", "tang", "bac_si"}
    thu = items["thu"]
    assert (thu["method"], thu["value"], thu["reported"], thu["expected"], thu["complete"]) == ("sum", 32, 2, 3, False)
    assert thu["value_vi"] == "32 tỷ đồng"
    assert thu["text_vi"].startswith("Tổng của 2/3 xã đã báo cáo, chưa đủ")
    assert items["dan_so"]["value_vi"] == "6.000 người"
    assert items["ngheo"]["value_vi"] == "10,83 %"
    assert items["ngheo"]["method"] == "weighted_mean" and items["ngheo"]["weight"] == f"{PROGRAMME}.dan_so"
    assert items["ngheo"]["text_vi"].startswith("Bình quân gia quyền theo Chỉ tiêu dan_so của cả 3 xã")
    tang = items["tang"]
    assert (tang["method"], tang["value"], tang["reason"]) == ("none", None, GROWTH_RATE_REASON)
    assert (tang["reported"], tang["expected"], tang["complete"], tang["value_vi"]) == (None, 3, None, None)
    assert tang["text_vi"].startswith("Không tổng hợp: Tỷ lệ tăng trưởng không cộng được giữa các xã")

    one = client.get("/v1/rollups", params={"region": "tinh.h1", "period": "2024", "indicator": f"{PROGRAMME}.thu"})
    assert [(i["value"], i["complete"]) for i in one.json()["items"]] == [(32, True)]
    paged = client.get("/v1/rollups", params={"region": "tinh", "period": "2024", "programme": PROGRAMME, "limit": 2})
    assert len(paged.json()["items"]) == 2 and paged.json()["next"]
    rest = client.get("/v1/rollups", params={"region": "tinh", "period": "2024", "programme": PROGRAMME,
                                             "cursor": paged.json()["next"]})  # fmt: skip
    assert [i["indicator"] for i in paged.json()["items"] + rest.json()["items"]] == [
        i["indicator"] for i in body["items"]
    ]

    for params, status in [
        ({"region": "nowhere", "period": "2024"}, 404),
        ({"region": "tinh", "period": "2024", "programme": "nothing"}, 404),
        ({"region": "tinh", "period": "2024", "indicator": "nothing"}, 404),
        ({"region": "tinh", "period": "2024-13"}, 422),
        ({"region": "tinh"}, 422),
        ({"region": "tinh", "period": "2024", "cursor": "not-ours"}, 400),
    ]:
        refused = client.get("/v1/rollups", params=params)
        assert refused.status_code == status, (params, refused.text)
        assert refused.headers["content-type"] == "application/problem+json"


@pytest.fixture
def keyed_reads(db_url: str) -> Iterator[httpx.Client]:
    with ServerThread(settings_for(db_url, reads="keyed")) as server, httpx.Client(base_url=server.url) as http:
        yield http


def test_a_key_of_one_province_reads_its_roll_ups_and_no_other(
    loaded: Catalogue, keyed_reads: httpx.Client, db_url: str
) -> None:
    token = make_key(db_url, regions=["tinh"])
    headers = {"Authorization": f"Bearer {token}"}
    for region in ("tinh", "tinh.h1"):
        mine = keyed_reads.get("/v1/rollups", params={"region": region, "period": "2024"}, headers=headers)
        assert mine.status_code == 200 and mine.json()["items"], region
    other = keyed_reads.get("/v1/rollups", params={"region": "khac", "period": "2024"}, headers=headers)
    assert other.status_code == 403 and other.json()["type"].endswith("/out-of-scope")
    assert keyed_reads.get("/v1/rollups", params={"region": "tinh", "period": "2024"}).status_code == 401
    elsewhere = make_key(db_url, programmes=["qngai-2024"])  # every region, another programme: nothing of ours
    listed = keyed_reads.get(
        "/v1/rollups", params={"region": "tinh", "period": "2024"}, headers={"Authorization": f"Bearer {elsewhere}"}
    )
    assert listed.status_code == 200 and listed.json()["items"] == []


def test_the_roll_up_answer_is_a_closed_schema(client: httpx.Client) -> None:
    schema = client.get("/openapi.json").json()
    answer = dict(read_operations(schema))["getRollups"]
    assert not list(open_objects(schema, answer, set()))
    responses = schema["paths"]["/v1/rollups"]["get"]["responses"]
    assert {"400", "404", "422"} <= set(responses)
