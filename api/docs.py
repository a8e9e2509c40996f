"""The API's own documentation: Swagger UI and ReDoc served from the installed package (provincial intranets are often
offline, and FastAPI's default pages load their scripts from a CDN), and operation ids that say what each operation
does instead of FastAPI's `post_observations_v1_observations_post`."""

from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi_offline import FastAPIOffline

DOCS_ASSETS = "/docs/assets"  # swagger-ui-bundle.js, swagger-ui.css, redoc.standalone.js, favicon.png

# Operations whose function name is not already "verb_object".
_OPERATION_IDS = {
    "post_observations": "submitObservations",
    "post_task_report": "submitTaskReport",
    "webhook": "receiveAlertmanagerWebhook",
    "healthz": "getLiveness",
    "readyz": "getReadiness",
    "metrics": "getMetrics",
    "runbook": "getAlertRunbook",
}


def operation_id(route: APIRoute) -> str:
    """camelCase of the route function's name: get_series -> getSeries; see _OPERATION_IDS for the others."""
    if route.name in _OPERATION_IDS:
        return _OPERATION_IDS[route.name]
    first, *rest = route.name.split("_")
    return first + "".join(word.capitalize() for word in rest)


def new_app(**kwargs: Any) -> FastAPI:
    """A FastAPI app whose /docs and /redoc use the assets shipped in the fastapi-offline package."""
    return FastAPIOffline(static_url=DOCS_ASSETS, generate_unique_id_function=operation_id, **kwargs)
