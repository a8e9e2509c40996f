"""GET /metrics: the Prometheus exposition of the service metrics and the status board (api/metrics.py)."""

from fastapi import APIRouter, Request, Response
from prometheus_client.exposition import choose_encoder

from api.deps import PoolDep, SettingsDep
from api.metrics import scrape_registry
from api.scope import ReadScopeDep

router = APIRouter(tags=["metrics"])


@router.get(
    "/metrics",
    summary="Chỉ số cho Prometheus (Prometheus metrics: service and status board)",
    response_class=Response,
    responses={200: {"content": {"text/plain": {}}, "description": "Prometheus text or OpenMetrics exposition"}},
)
def metrics(request: Request, pool: PoolDep, settings: SettingsDep, scope: ReadScopeDep) -> Response:
    """With CHITIEU_READS=keyed, Prometheus sends a key for every programme and region (`authorization:
    {credentials_file: ...}` in its scrape config): the exposition holds the whole board."""
    scope.require_everything("/metrics")
    # The app's cached catalogue: a national catalogue (332,100 series) takes seconds to read and validate.
    registry = scrape_registry(
        pool.connection, grace_days=settings.report_grace_days, catalogue=request.app.state.catalogues.current
    )
    encode, content_type = choose_encoder(request.headers.get("accept", ""))
    return Response(encode(registry), media_type=content_type)
