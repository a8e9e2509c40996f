"""`chitieu dashboards push` against a fake Grafana.

Grafana cannot run on these machines, so the test serves, on loopback, a small HTTP server that imitates the Grafana
API endpoints the push calls (folders, data sources, dashboards, alerting provisioning: contact points, rule groups,
notification policies), stores what it receives as Grafana would (adding ids, versions and provenance, hiding the
data source password), and records every request. The test checks the requests sent and that a second push writes
nothing.
"""

import json
import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from dashboards.grafana import alerting as grafana_alerts
from dashboards.grafana.build import build_dashboards
from dashboards.grafana.panels import FOLDER_TITLE, FOLDER_UID
from dashboards.push import DatasourceTarget, connect, contains, push
from indicators.catalogue import load_catalogue
from tests.test_dashboards import CATALOGUE_DIR, run_cli

TOKEN = "glsa_test_token"
OTHER_ROUTE = {"receiver": "ops-email", "object_matchers": [["team", "=", "ops"]]}

Json = Any
Handler = Callable[["FakeGrafana", dict[str, str], Json, dict[str, list[str]]], tuple[int, Json]]


@dataclass
class FakeGrafana:
    """Grafana's state, as far as the push touches it."""

    folders: dict[str, Json] = field(default_factory=dict)
    datasources: dict[str, Json] = field(default_factory=dict)
    dashboards: dict[str, Json] = field(default_factory=dict)
    contact_points: list[Json] = field(default_factory=list)
    rule_groups: dict[tuple[str, str], Json] = field(default_factory=dict)
    policies: Json = field(
        default_factory=lambda: {
            "receiver": "grafana-default-email",
            "group_by": ["grafana_folder"],
            "routes": [OTHER_ROUTE],
        }
    )
    requests: list[tuple[str, str, Json]] = field(default_factory=list)
    next_id: int = 0

    def new_id(self) -> int:
        self.next_id += 1
        return self.next_id

    def writes(self) -> list[tuple[str, str, Json]]:
        return [request for request in self.requests if request[0] != "GET"]

    # --- endpoints ---

    def get_folder(self, params: dict[str, str], body: Json, query: dict[str, list[str]]) -> tuple[int, Json]:
        folder = self.folders.get(params["uid"])
        return (200, folder) if folder else (404, {"message": "folder not found"})

    def create_folder(self, params: dict[str, str], body: Json, query: dict[str, list[str]]) -> tuple[int, Json]:
        folder = {"id": self.new_id(), "uid": body["uid"], "title": body["title"], "version": 1}
        self.folders[body["uid"]] = folder
        return 200, folder

    def update_folder(self, params: dict[str, str], body: Json, query: dict[str, list[str]]) -> tuple[int, Json]:
        folder = self.folders[params["uid"]]
        folder.update(title=body["title"], version=folder["version"] + 1)
        return 200, folder

    def get_datasource(self, params: dict[str, str], body: Json, query: dict[str, list[str]]) -> tuple[int, Json]:
        source = self.datasources.get(params["uid"])
        return (200, source) if source else (404, {"message": "Data source not found"})

    def store_datasource(self, body: Json, previous: Json | None) -> Json:
        stored = {key: value for key, value in body.items() if key != "secureJsonData"}
        has_password = "password" in body.get("secureJsonData", {}) or bool(
            previous and previous["secureJsonFields"].get("password")
        )
        stored |= {
            "id": previous["id"] if previous else self.new_id(),
            "orgId": 1,
            "readOnly": False,
            "basicAuth": False,
            "version": previous["version"] + 1 if previous else 1,
            "secureJsonFields": {"password": True} if has_password else {},
        }
        self.datasources[stored["uid"]] = stored
        return stored

    def create_datasource(self, params: dict[str, str], body: Json, query: dict[str, list[str]]) -> tuple[int, Json]:
        if body["uid"] in self.datasources:
            return 409, {"message": "data source with the same uid already exists"}
        stored = self.store_datasource(body, None)
        return 200, {"datasource": stored, "id": stored["id"], "message": "Datasource added"}

    def update_datasource(self, params: dict[str, str], body: Json, query: dict[str, list[str]]) -> tuple[int, Json]:
        stored = self.store_datasource(body, self.datasources[params["uid"]])
        return 200, {"datasource": stored, "id": stored["id"], "message": "Datasource updated"}

    def get_dashboard(self, params: dict[str, str], body: Json, query: dict[str, list[str]]) -> tuple[int, Json]:
        stored = self.dashboards.get(params["uid"])
        return (200, json.loads(json.dumps(stored))) if stored else (404, {"message": "Dashboard not found"})

    def save_dashboard(self, params: dict[str, str], body: Json, query: dict[str, list[str]]) -> tuple[int, Json]:
        dashboard = body["dashboard"]
        previous = self.dashboards.get(dashboard["uid"])
        if previous and not body.get("overwrite"):
            return 412, {"message": "The dashboard has been changed by someone else", "status": "version-mismatch"}
        version = previous["dashboard"]["version"] + 1 if previous else 1
        identifier = previous["dashboard"]["id"] if previous else self.new_id()
        self.dashboards[dashboard["uid"]] = {
            "dashboard": {**dashboard, "id": identifier, "version": version},
            "meta": {"folderUid": body.get("folderUid", ""), "provisioned": False, "version": version},
        }
        return 200, {"id": identifier, "uid": dashboard["uid"], "status": "success", "version": version}

    def get_contact_points(self, params: dict[str, str], body: Json, query: dict[str, list[str]]) -> tuple[int, Json]:
        names = query.get("name")
        return 200, [point for point in self.contact_points if not names or point["name"] in names]

    def create_contact_point(self, params: dict[str, str], body: Json, query: dict[str, list[str]]) -> tuple[int, Json]:
        self.contact_points.append({**body, "provenance": "api"})
        return 202, self.contact_points[-1]

    def update_contact_point(self, params: dict[str, str], body: Json, query: dict[str, list[str]]) -> tuple[int, Json]:
        index = next(i for i, point in enumerate(self.contact_points) if point["uid"] == params["uid"])
        self.contact_points[index] = {**body, "provenance": "api"}
        return 202, {"message": "contactpoint updated"}

    def get_rule_group(self, params: dict[str, str], body: Json, query: dict[str, list[str]]) -> tuple[int, Json]:
        group = self.rule_groups.get((params["folder"], params["group"]))
        return (200, json.loads(json.dumps(group))) if group else (404, {"message": "rule group does not exist"})

    def put_rule_group(self, params: dict[str, str], body: Json, query: dict[str, list[str]]) -> tuple[int, Json]:
        rules = [
            {**rule, "id": self.new_id(), "updated": "2025-06-30T12:00:00Z", "provenance": "api"}
            for rule in body["rules"]
        ]
        self.rule_groups[(params["folder"], params["group"])] = {**body, "rules": rules}
        return 200, self.rule_groups[(params["folder"], params["group"])]

    def get_policies(self, params: dict[str, str], body: Json, query: dict[str, list[str]]) -> tuple[int, Json]:
        return 200, json.loads(json.dumps(self.policies))

    def put_policies(self, params: dict[str, str], body: Json, query: dict[str, list[str]]) -> tuple[int, Json]:
        self.policies = body
        return 202, {"message": "policies updated"}


ROUTES: list[tuple[str, str, Handler]] = [
    ("GET", r"/api/folders/(?P<uid>[^/]+)", FakeGrafana.get_folder),
    ("POST", r"/api/folders", FakeGrafana.create_folder),
    ("PUT", r"/api/folders/(?P<uid>[^/]+)", FakeGrafana.update_folder),
    ("GET", r"/api/datasources/uid/(?P<uid>[^/]+)", FakeGrafana.get_datasource),
    ("POST", r"/api/datasources", FakeGrafana.create_datasource),
    ("PUT", r"/api/datasources/uid/(?P<uid>[^/]+)", FakeGrafana.update_datasource),
    ("GET", r"/api/dashboards/uid/(?P<uid>[^/]+)", FakeGrafana.get_dashboard),
    ("POST", r"/api/dashboards/db", FakeGrafana.save_dashboard),
    ("GET", r"/api/v1/provisioning/contact-points", FakeGrafana.get_contact_points),
    ("POST", r"/api/v1/provisioning/contact-points", FakeGrafana.create_contact_point),
    ("PUT", r"/api/v1/provisioning/contact-points/(?P<uid>[^/]+)", FakeGrafana.update_contact_point),
    ("GET", r"/api/v1/provisioning/folder/(?P<folder>[^/]+)/rule-groups/(?P<group>[^/]+)", FakeGrafana.get_rule_group),
    ("PUT", r"/api/v1/provisioning/folder/(?P<folder>[^/]+)/rule-groups/(?P<group>[^/]+)", FakeGrafana.put_rule_group),
    ("GET", r"/api/v1/provisioning/policies", FakeGrafana.get_policies),
    ("PUT", r"/api/v1/provisioning/policies", FakeGrafana.put_policies),
]


def serve(state: FakeGrafana) -> ThreadingHTTPServer:
    class RequestHandler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # keep the test output clean
            pass

        def handle_any(self) -> None:
            url = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length)) if length else None
            state.requests.append((self.command, url.path, body))
            if self.headers.get("Authorization") != f"Bearer {TOKEN}":
                self.reply(401, {"message": "Unauthorized"})
                return
            for method, pattern, handler in ROUTES:
                match = re.fullmatch(pattern, url.path)
                if method == self.command and match:
                    self.reply(*handler(state, match.groupdict(), body, parse_qs(url.query)))
                    return
            self.reply(404, {"message": "Not found"})

        def reply(self, status: int, payload: Json) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PUT = do_DELETE = handle_any  # noqa: N815

    server = ThreadingHTTPServer(("127.0.0.1", 0), RequestHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture
def fake_grafana() -> Iterator[tuple[FakeGrafana, str]]:
    state = FakeGrafana()
    server = serve(state)
    yield state, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


SETTINGS = SimpleNamespace(
    catalogue_dir=CATALOGUE_DIR,
    grafana_url="unused",
    public_url="http://chitieu.example:8000",
    alerts_webhook_token="webhook-s3cret",
    webhook_token_file=lambda: Path("/nonexistent"),
)
PUSH = ["dashboards", "push", "--token", TOKEN, "--db-host", "db.example:5432", "--db-password", "s3cret"]


def test_push_creates_everything_then_a_second_push_changes_nothing(
    fake_grafana: tuple[FakeGrafana, str], capsys: pytest.CaptureFixture[str]
) -> None:
    grafana, url = fake_grafana
    dashboards = build_dashboards(load_catalogue(CATALOGUE_DIR))

    run_cli([*PUSH, "--grafana-url", url], SETTINGS)
    assert f"{len(dashboards) + 5} created, 0 updated, 0 unchanged" in capsys.readouterr().out

    writes = grafana.writes()
    assert ("POST", "/api/folders", {"title": FOLDER_TITLE, "uid": FOLDER_UID}) in writes
    (datasource,) = [body for method, path, body in writes if path == "/api/datasources"]
    assert datasource["user"] == "chitieu_grafana"
    assert datasource["url"] == "db.example:5432"
    assert datasource["type"] == "grafana-postgresql-datasource"
    assert datasource["jsonData"] | {"database": "chitieu", "timescaledb": True} == datasource["jsonData"]
    assert datasource["secureJsonData"] == {"password": "s3cret"}
    assert datasource["isDefault"] is False  # the Grafana pushed to may serve other data sources

    saved = [body for method, path, body in writes if path == "/api/dashboards/db"]
    assert [body["dashboard"] for body in saved] == [d.model for d in dashboards]
    assert all(body["folderUid"] == FOLDER_UID and body["overwrite"] for body in saved)

    # The service's webhook requires its token: Grafana's contact point sends it (it was pushed without, and 401'd).
    (contact_point,) = [body for method, path, body in writes if path.endswith("/contact-points")]
    assert contact_point["settings"]["authorization_scheme"] == "Bearer"
    assert contact_point["settings"]["authorization_credentials"] == "webhook-s3cret"

    (rule_group,) = [body for method, path, body in writes if "/rule-groups/" in path]
    assert rule_group == grafana_alerts.rule_group()
    assert {rule["folderUID"] for rule in rule_group["rules"]} == {FOLDER_UID}
    (contact_point,) = [body for method, path, body in writes if path == "/api/v1/provisioning/contact-points"]
    assert contact_point["settings"]["url"] == "http://chitieu.example:8000/v1/alerts/webhook"
    assert grafana.policies["routes"] == [OTHER_ROUTE, grafana_alerts.notification_route()]  # the rest is kept
    assert grafana.policies["receiver"] == "grafana-default-email"

    # The second push reads everything and writes nothing.
    before = len(grafana.requests)
    run_cli([*PUSH, "--grafana-url", url], SETTINGS)
    assert f"0 created, 0 updated, {len(dashboards) + 5} unchanged" in capsys.readouterr().out
    assert [request for request in grafana.requests[before:] if request[0] != "GET"] == []


def test_push_updates_only_what_differs(fake_grafana: tuple[FakeGrafana, str]) -> None:
    grafana, url = fake_grafana
    dashboards = build_dashboards(load_catalogue(CATALOGUE_DIR))
    target = DatasourceTarget("db.example:5432", "chitieu", "s3cret")
    api = connect(url, TOKEN)
    push(api, dashboards, target, "http://chitieu:8000/v1/alerts/webhook")

    # Someone edits a dashboard and a rule in the Grafana UI, and the catalogue's webhook moves.
    edited = dashboards[0].uid
    grafana.dashboards[edited]["dashboard"]["title"] = "edited by hand"
    grafana.rule_groups[(FOLDER_UID, grafana_alerts.RULE_GROUP)]["rules"][0]["for"] = "1h"
    before = len(grafana.requests)
    report = push(api, dashboards, target, "http://chitieu-2:8000/v1/alerts/webhook")

    assert report.created == []
    assert report.updated == [
        f"dashboard {edited}",
        "contact point chitieu-webhook",
        f"rule group {FOLDER_UID}/{grafana_alerts.RULE_GROUP}",
    ]
    writes = [request for request in grafana.requests[before:] if request[0] != "GET"]
    assert [(method, path) for method, path, _ in writes] == [
        ("POST", "/api/dashboards/db"),
        ("PUT", "/api/v1/provisioning/contact-points/chitieu-webhook"),
        ("PUT", f"/api/v1/provisioning/folder/{FOLDER_UID}/rule-groups/{grafana_alerts.RULE_GROUP}"),
    ]
    assert grafana.dashboards[edited]["dashboard"]["title"] == dashboards[0].title


def test_push_sends_the_password_only_when_grafana_has_none(fake_grafana: tuple[FakeGrafana, str]) -> None:
    grafana, url = fake_grafana
    api = connect(url, TOKEN)
    no_password = DatasourceTarget("db.example:5432", "chitieu", None)
    push(api, [], no_password, "http://chitieu:8000/v1/alerts/webhook")
    assert grafana.datasources["chitieu-timescaledb"]["secureJsonFields"] == {}

    report = push(
        api, [], DatasourceTarget("db.example:5432", "chitieu", "s3cret"), "http://chitieu:8000/v1/alerts/webhook"
    )
    assert report.updated == ["datasource chitieu-timescaledb"]
    assert grafana.datasources["chitieu-timescaledb"]["secureJsonFields"] == {"password": True}
    report = push(
        api, [], DatasourceTarget("db.example:5432", "chitieu", "s3cret"), "http://chitieu:8000/v1/alerts/webhook"
    )
    assert "datasource chitieu-timescaledb" in report.unchanged


def test_push_stops_on_a_wrong_token(fake_grafana: tuple[FakeGrafana, str]) -> None:
    from grafana_client.client import GrafanaUnauthorizedError

    _, url = fake_grafana
    with pytest.raises(GrafanaUnauthorizedError):
        push(connect(url, "wrong"), [], DatasourceTarget("db:5432", "chitieu", None), "http://x/v1/alerts/webhook")


def test_contains_ignores_what_grafana_adds_but_not_what_differs() -> None:
    assert contains({"a": 1, "b": [{"c": 2}]}, {"a": 1, "b": [{"c": 2, "id": 7}], "version": 3})
    assert not contains({"a": 1}, {"a": 2})
    assert not contains({"b": [1, 2]}, {"b": [1, 2, 3]})
    assert not contains({"a": {"b": 1}}, {"a": None})
