"""Every Grafana dashboard of the catalogue: one leaders' overview per programme, then one dashboard each for an
indicator's detail, the comparison of regions, the task tracker, data timeliness and the alert history. Each kind is a
module of this package holding its SQL and its builder; the `GeneratedDashboard` keeps the queries it uses so the tests
can run each of them."""

from dashboards.grafana.alerts import alert_history
from dashboards.grafana.indicator import indicator_detail
from dashboards.grafana.overview import overview
from dashboards.grafana.panels import DEFAULT_PUBLIC_URL, GeneratedDashboard
from dashboards.grafana.regions import region_comparison
from dashboards.grafana.tasks import task_tracker
from dashboards.grafana.timeliness import data_timeliness
from indicators.catalogue import Catalogue
from indicators.model import Programme


def build_dashboards(catalogue: Catalogue, api_url: str = DEFAULT_PUBLIC_URL) -> list[GeneratedDashboard]:
    """`api_url`: where the overviews' report links go (CHITIEU_PUBLIC_URL)."""
    programmes = sorted(catalogue.programmes.values(), key=_by_id)
    overviews = [overview(programme, catalogue, api_url) for programme in programmes]
    return [*overviews, indicator_detail(), region_comparison(), task_tracker(), data_timeliness(), alert_history()]


def _by_id(programme: Programme) -> str:
    return programme.id
