"""The commune level (issue 16): which regions are watched one by one and which are counted by province.

A national programme judges an indicator in every commune (3,321 of them): one series each would blow the metrics'
cardinality budget and the alert rules, so communes and districts are reported as counts by status per indicator and
the province they lie in (api/metrics.py), and alerted on as shares of the province's communes
(dashboards/prometheus/commune_rules.py). Provinces and areas, and a commune that lies in no province of the
catalogue, stay series of their own.
"""

from collections.abc import Mapping

from indicators.catalogue import Catalogue
from indicators.model import Indicator, RegionLevel

AGGREGATED_LEVELS = frozenset({RegionLevel.commune, RegionLevel.district})


def province_above(catalogue: Catalogue, region: str) -> str | None:
    """The province a commune or district lies in; None for a region reported on its own (a province, an area)."""
    known = catalogue.regions.get(region)
    if known is None or known.level not in AGGREGATED_LEVELS:
        return None
    for code in catalogue.region_chain(region)[1:]:
        if catalogue.regions[code].level is RegionLevel.province:
            return code
    return None


def aggregated_regions(catalogue: Catalogue) -> dict[str, str]:
    """Every commune and district of the catalogue -> the province it lies in (those exported as counts)."""
    return {code: province for code in catalogue.regions if (province := province_above(catalogue, code)) is not None}


# `counted` below is aggregated_regions(catalogue), computed once for all the indicators (a national catalogue has
# 100 indicators of 3,321 communes each).


def regions_on_their_own(catalogue: Catalogue, indicator: Indicator, counted: Mapping[str, str]) -> list[str]:
    """The indicator's regions watched one series each, in catalogue order."""
    return [region for region in catalogue.regions_of(indicator) if region not in counted]


def provinces_counted(catalogue: Catalogue, indicator: Indicator, counted: Mapping[str, str]) -> list[str]:
    """The provinces whose communes (or districts) the indicator is judged in, in order of first appearance."""
    return list(dict.fromkeys(counted[region] for region in catalogue.regions_of(indicator) if region in counted))
