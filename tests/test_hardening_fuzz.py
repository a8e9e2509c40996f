"""Fuzzing the real HTTP service with schemathesis, from its own OpenAPI schema: with a key and without one.

Every operation gets explicit examples, schemathesis' coverage cases (boundaries, wrong types, missing and unknown
parameters) and `FUZZ_EXAMPLES` generated cases, valid and schema-violating. Each answer must be no 5xx, a documented
status code and content type, and match the documented schema and headers. Generation is derandomized so that CI is
repeatable; CHITIEU_FUZZ_EXAMPLES=500 makes a deeper run.

Requests are sent with httpx rather than `case.call()`: schemathesis' requests transport fails on the urllib3-future
package that grafana-client brings in.
"""

import collections
import os
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from api.app import create_app
from api.settings import Settings
from ingest.database import connect
from ingest.embedded import EmbeddedPostgres
from tests.conftest import ServerThread, new_database, settings_for
from tests.ingest_helpers import make_key

FUZZ_EXAMPLES = int(os.environ.get("CHITIEU_FUZZ_EXAMPLES", "30"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]
# The fuzzer's writes would soon meet the rate limit; lifted here so that they reach validation and the database.
OPEN_READS = {"rate_limit_per_minute": 0}
KEYED_READS = {"reads": "keyed"}


def served_schema(**overrides: Any) -> dict[str, Any]:
    """The schema the app serves at /openapi.json (generated without a database)."""
    return create_app(Settings(database_url="postgresql://unused@/unused", **overrides)).openapi()


open_schema = schemathesis.openapi.from_dict(served_schema(**OPEN_READS))
keyed_schema = schemathesis.openapi.from_dict(served_schema(**KEYED_READS))
fuzz_settings = settings(
    max_examples=FUZZ_EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)


class Fuzzing:
    """A served app, a key for it, and the count of cases sent per operation."""

    def __init__(self, server: ServerThread, token: str) -> None:
        self.server = server
        self.token = token
        self.http = httpx.Client(base_url=server.url, timeout=60)
        self.cases: collections.Counter[str] = collections.Counter()
        # JSON bodies that reached row validation: imported (200) or refused row by row (422 invalid-rows).
        self.json_rows_validated = 0

    def send(self, case: schemathesis.Case[Any], headers: dict[str, str]) -> httpx.Response:
        self.cases[case.operation.label] += 1
        request = case.as_transport_kwargs(base_url=self.server.url, headers=headers)
        unknown = set(request) - {"method", "url", "headers", "params", "cookies", "json", "data"}
        assert not unknown, f"schemathesis asks for {unknown}: teach send() to pass them on"
        body = request.get("data")
        # HTTP trims the whitespace around a header value; httpx refuses to send it untrimmed.
        headers = {name: value.strip() for name, value in request["headers"].items()}
        response = self.http.request(
            request["method"],
            request["url"],
            headers=headers,
            params=request.get("params"),
            cookies=request.get("cookies") or None,
            json=request.get("json"),
            content=body if isinstance(body, bytes | str) else None,
            data=body if isinstance(body, dict) else None,
        )
        if case.operation.label == "POST /v1/observations" and isinstance(request.get("json"), dict):
            validated = response.status_code == 200 or (
                response.status_code == 422 and response.json().get("type") == "/problems/invalid-rows"
            )
            self.json_rows_validated += validated
        return response


@pytest.fixture(scope="module")
def fuzz_database(pg: EmbeddedPostgres, template_db: str) -> Iterator[str]:
    name = new_database(pg, template_db)
    yield pg.url(name)
    with connect(pg.url("postgres")) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def _serve(request: pytest.FixtureRequest, database: str, overrides: dict[str, Any], name: str) -> Iterator[Fuzzing]:
    with ServerThread(settings_for(database, **overrides)) as server:
        fuzzing = Fuzzing(server, make_key(database))
        yield fuzzing
        fuzzing.http.close()
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    if reporter is not None and capture is not None and fuzzing.cases:
        with capture.global_and_fixture_disabled():
            reporter.write_line(
                f"\nfuzz ({name}): {sum(fuzzing.cases.values())} cases over {len(fuzzing.cases)} operations, "
                f"{fuzzing.json_rows_validated} JSON batches reached row validation"
            )


@pytest.fixture(scope="module")
def open_service(request: pytest.FixtureRequest, fuzz_database: str) -> Iterator[Fuzzing]:
    yield from _serve(request, fuzz_database, OPEN_READS, "with a key, open reads")


@pytest.fixture(scope="module")
def keyed_service(request: pytest.FixtureRequest, fuzz_database: str) -> Iterator[Fuzzing]:
    yield from _serve(request, fuzz_database, KEYED_READS, "without a key, keyed reads")


def test_the_fuzzed_schema_is_the_one_served(open_service: Fuzzing) -> None:
    served = open_service.http.get("/openapi.json").json()
    assert served == served_schema(**OPEN_READS)
    assert "Problem" in served["components"]["schemas"]
    assert "HTTPValidationError" not in served["components"]["schemas"]


@open_schema.parametrize()
@fuzz_settings
def test_fuzz_with_a_key(case: schemathesis.Case[Any], open_service: Fuzzing) -> None:
    response = open_service.send(case, {"Authorization": f"Bearer {open_service.token}"})
    case.validate_response(response, checks=CHECKS)


def test_the_fuzzer_reached_row_validation_with_json_bodies(open_service: Fuzzing) -> None:
    """The JSON body's schema is served (it was a dangling $ref, and schemathesis sent only strings): generated
    batches reach the row validator, answered 200 or 422 invalid-rows."""
    assert open_service.cases["POST /v1/observations"] > 0, "runs after test_fuzz_with_a_key"
    assert open_service.json_rows_validated >= 5, open_service.json_rows_validated


@keyed_schema.parametrize()
@fuzz_settings
def test_fuzz_without_a_key(case: schemathesis.Case[Any], keyed_service: Fuzzing) -> None:
    response = keyed_service.send(case, {})
    case.validate_response(response, checks=CHECKS)
    if case.operation.definition.raw.get("security") and response.status_code < 400:
        raise AssertionError(f"{case.operation.label} answered {response.status_code} without a key")
