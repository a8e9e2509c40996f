"""The served OpenAPI describes the read answers: typed schemas (no `additionalProperties: true`, which would let a
schema check check nothing) and every list as the one envelope `{"items": [...], "next": ...}`."""

from collections.abc import Iterator
from typing import Any

import httpx

TYPED_READS = {
    "getProgrammes",
    "getRegions",
    "getIndicators",
    "getIndicator",
    "getTasks",
    "getAlerts",
    "getTaskReports",
}
LISTS = {"getProgrammes", "getRegions", "getIndicators", "getTasks", "getAlerts", "getTaskReports"}


def read_operations(schema: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """(operationId, the JSON schema of its 200 answer) of every GET answering JSON."""
    for path in schema["paths"].values():
        operation = path.get("get")
        content = operation and operation["responses"].get("200", {}).get("content", {})
        if content and "application/json" in content:
            yield operation["operationId"], content["application/json"].get("schema", {})


def resolved(schema: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[1]]
    return node


def open_objects(schema: dict[str, Any], node: Any, seen: set[str]) -> Iterator[str]:
    """The places under `node` (references followed once) that allow any extra property."""
    if isinstance(node, dict):
        if node.get("additionalProperties") is True or node == {} or node == {"type": "object"}:
            yield str(node)
        for key, value in node.items():
            if key == "$ref":
                if value not in seen:
                    seen.add(value)
                    yield from open_objects(schema, resolved(schema, node), seen)
            elif key not in ("examples", "default"):
                yield from open_objects(schema, value, seen)
    elif isinstance(node, list):
        for item in node:
            yield from open_objects(schema, item, seen)


def test_typed_reads_have_closed_schemas(client: httpx.Client) -> None:
    schema = client.get("/openapi.json").json()
    operations = dict(read_operations(schema))
    assert set(operations) >= TYPED_READS
    for operation_id in TYPED_READS:
        found = list(open_objects(schema, operations[operation_id], set()))
        assert not found, f"{operation_id} answers an untyped object: {found[:3]}"


def test_every_list_is_the_paged_envelope(client: httpx.Client) -> None:
    schema = client.get("/openapi.json").json()
    for operation_id, answer in read_operations(schema):
        top = resolved(schema, answer)
        assert top.get("type") != "array", f"{operation_id} answers a bare list, not {{items, next}}"
        if operation_id in LISTS:
            assert set(top["properties"]) == {"items", "next"}, operation_id
            assert top["properties"]["items"]["type"] == "array", operation_id
            parameters = {p["name"] for p in schema["paths"][_path_of(schema, operation_id)]["get"]["parameters"]}
            assert {"limit", "cursor"} <= parameters, operation_id


def _path_of(schema: dict[str, Any], operation_id: str) -> str:
    return next(
        path for path, item in schema["paths"].items() if item.get("get", {}).get("operationId") == operation_id
    )


def test_catalogue_lists_page_with_limit_and_cursor(client: httpx.Client) -> None:
    everything = client.get("/v1/indicators").json()
    assert everything["next"] is None and len(everything["items"]) > 3
    codes, cursor = [], None
    while True:
        page = client.get("/v1/indicators", params={"limit": 2, **({"cursor": cursor} if cursor else {})}).json()
        assert len(page["items"]) <= 2
        codes += [item["code"] for item in page["items"]]
        cursor = page["next"]
        if cursor is None:
            break
    assert codes == [item["code"] for item in everything["items"]]
    refused = client.get("/v1/regions", params={"cursor": "not-ours"})
    assert refused.status_code == 400 and refused.headers["content-type"] == "application/problem+json"
