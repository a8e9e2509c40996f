"""What a user of the API sees of it: a served OpenAPI schema whose every $ref resolves and whose operations have
names, documentation pages that work without the internet, and a page for every problem type an answer links to."""

import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import httpx
from fastapi.routing import APIRoute
from fastapi.utils import generate_unique_id

from api.app import create_app
from api.problem_types import PROBLEM_OF_ERROR, PROBLEM_TYPES
from api.settings import Settings
from tests.ingest_helpers import make_key

REPO = Path(__file__).resolve().parents[1]


def refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield value
            else:
                yield from refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from refs(item)


def resolve(schema: dict[str, Any], ref: str) -> Any:
    assert ref.startswith("#/"), f"only local references are served: {ref}"
    node: Any = schema
    for part in ref[2:].split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        assert isinstance(node, dict) and part in node, f"{ref} does not resolve (no {part!r})"
        node = node[part]
    return node


def test_every_ref_in_the_served_schema_resolves(client: httpx.Client) -> None:
    schema = client.get("/openapi.json").json()
    found = set(refs(schema))
    for ref in found:
        resolve(schema, ref)
    assert "#/components/schemas/ObservationBatch" in found
    body = schema["paths"]["/v1/observations"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    batch = resolve(schema, body["$ref"])
    assert batch["properties"]["observations"]["type"] == "array", "Swagger shows the JSON body, not a string"


def test_every_operation_is_named_not_left_to_fastapi_defaults() -> None:
    app = create_app(Settings(database_url="postgresql://unused@/unused"))
    schema = app.openapi()
    defaults = {generate_unique_id(route) for route in app.routes if isinstance(route, APIRoute)}
    ids = [operation["operationId"] for methods in schema["paths"].values() for operation in methods.values()]
    assert len(ids) == len(set(ids)) >= 16
    for operation_id in ids:
        assert operation_id not in defaults, operation_id
        assert re.fullmatch(r"[a-z]+(?:[A-Z][a-z0-9]*)+|[a-z]+", operation_id), f"{operation_id} is not camelCase"
    assert schema["paths"]["/v1/observations"]["post"]["operationId"] == "submitObservations"
    assert schema["paths"]["/v1/status"]["get"]["operationId"] == "getStatus"


class _Urls(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.urls += [value for name, value in attrs if name in ("src", "href") and value]


def page_urls(html: str) -> list[str]:
    parser = _Urls()
    parser.feed(html)
    # Swagger UI's page names the schema and assets in its inline script too.
    return parser.urls + re.findall(r"""(?:url|src|href)\s*[:=]\s*['"]([^'"]+)['"]""", html)


def test_the_documentation_pages_need_no_internet(client: httpx.Client) -> None:
    expected_types = {".js": "javascript", ".css": "text/css", ".png": "image/png"}
    for page in ("/docs", "/redoc"):
        answer = client.get(page)
        assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/html")
        urls = page_urls(answer.text)
        assert any(url.endswith(".js") for url in urls), urls
        for url in urls:
            assert url.startswith("/"), f"{page} loads {url} from elsewhere"
            asset = client.get(url)
            assert asset.status_code == 200, url
            suffix = Path(url).suffix
            if suffix in expected_types:
                assert expected_types[suffix] in asset.headers["content-type"], (url, asset.headers["content-type"])
                assert len(asset.content) > 1000, url
        assert "cdn" not in answer.text.lower() and "googleapis" not in answer.text
    assert "SwaggerUIBundle" in client.get("/docs/assets/swagger-ui-bundle.js").text


def emitted_slugs() -> set[str]:
    """Every problem type the code names: slug="..." in the API and its limits, and those the errors of the tree are
    answered with."""
    slugs: set[str] = set(PROBLEM_OF_ERROR.values())
    for path in [*(REPO / "api").rglob("*.py"), *(REPO / "ingest").rglob("*.py")]:
        slugs |= set(re.findall(r'slug="([a-z0-9-]+)"', path.read_text(encoding="utf-8")))
    return slugs


def test_every_problem_type_the_api_can_emit_has_a_page(client: httpx.Client) -> None:
    emitted = emitted_slugs()
    assert len(emitted) >= 15
    assert emitted <= set(PROBLEM_TYPES), f"not in the registry of api/problem_types.py: {emitted - set(PROBLEM_TYPES)}"
    for slug, problem_type in PROBLEM_TYPES.items():
        page = client.get(f"/problems/{slug}")
        assert page.status_code == 200, slug
        assert page.headers["content-type"].startswith("text/html")
        assert problem_type.title_vi in page.text and problem_type.title_en in page.text
    missing = client.get("/problems/no-such-type")
    assert missing.status_code == 404 and missing.json()["type"] == "/problems/not-found"


def test_no_answer_is_typed_about_blank(client: httpx.Client, db_url: str) -> None:
    outsider = make_key(db_url, regions=["dong_thap"], programmes=["dthap-2023"])
    report = {"reported_on": "2025-03-01", "state": "in_progress", "percent_done": 40}
    answers = [
        client.get("/v1/status", params={"programme": "nope"}),
        client.post("/v1/tasks/qtri-dh1.b.i.1/reports", json=report, headers={"Authorization": f"Bearer {outsider}"}),
        client.get("/no/such/path"),
        client.delete("/v1/status"),
        client.post("/v1/observations", content=b"{", headers={"Authorization": f"Bearer {outsider}"}),
    ]
    for answer in answers:
        problem = answer.json()
        assert problem["type"] != "about:blank" and problem["type"].startswith("/problems/"), problem
        assert client.get(problem["type"]).status_code == 200, problem["type"]
    assert [a.json()["type"] for a in answers[:2]] == ["/problems/not-found", "/problems/out-of-scope"]


def test_limits_in_the_vietnamese_descriptions_use_decimal_commas() -> None:
    schema = create_app(Settings(database_url="postgresql://unused@/unused", request_timeout_s=2.5)).openapi()
    description = schema["paths"]["/v1/status"]["get"]["description"]
    assert "yêu cầu quá 2,5 s" in description and "longer than 2.5 s" in description
