"""Generated dashboards and provisioning: valid against Grafana's schema, committed up to date, and the stack around them.

The dashboard schema is the one of Grafana's foundation SDK (dashboards/schema, vendored: the Python package ships
none). The queries themselves run against TimescaleDB in tests/test_dashboards_queries.py.
"""

import argparse
import json
import re
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import jsonschema  # type: ignore[import-untyped]
import pytest
from ruamel.yaml import YAML

from dashboards.cli import register
from dashboards.grafana import provisioning
from dashboards.grafana.build import build_dashboards
from dashboards.grafana.panels import GeneratedDashboard, overview_uid, stable_uid
from dashboards.grafana.provisioning import DASHBOARDS_DIR, grafana_files
from indicators.catalogue import load_catalogue
from indicators.units import UNITS
from tests.grafana_macros import MacroError, Variable, expand, rfc3339nano

REPO = Path(__file__).resolve().parents[1]
DEPLOY = REPO / "deploy"
CATALOGUE_DIR = REPO / "indicators" / "catalogue"
SCHEMA = REPO / "dashboards" / "schema" / "dashboard.openapi.json"


def dashboard_validator() -> Any:
    """The SDK's OpenAPI 3.0 schema: draft-4 keywords (boolean exclusiveMinimum), plus `const`, which it also uses."""
    document = json.loads(SCHEMA.read_text(encoding="utf-8"))
    validator = jsonschema.validators.extend(
        jsonschema.Draft4Validator, {"const": jsonschema.Draft6Validator.VALIDATORS["const"]}
    )
    return validator({**document, "$ref": "#/components/schemas/Dashboard"})


@pytest.fixture(scope="module")
def dashboards() -> list[GeneratedDashboard]:
    return build_dashboards(load_catalogue(CATALOGUE_DIR))


def test_the_vendored_schema_is_grafana_11_6s_dashboard() -> None:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))["components"]["schemas"]
    assert schema["Dashboard"]["properties"]["schemaVersion"]["default"] == 41
    assert "preload" in schema["Dashboard"]["properties"]
    assert "allowCustomValue" in schema["VariableModel"]["properties"]


def test_every_dashboard_validates_against_the_sdk_schema(dashboards: list[GeneratedDashboard]) -> None:
    validator = dashboard_validator()
    for dashboard in dashboards:
        errors = [f"{list(e.absolute_path)}: {e.message[:200]}" for e in validator.iter_errors(dashboard.model)]
        assert errors == [], dashboard.uid


def test_the_validator_rejects_what_the_schema_forbids(dashboards: list[GeneratedDashboard]) -> None:
    validator = dashboard_validator()
    model = json.loads(dashboards[0].to_json())
    panel = next(p for p in model["panels"] if p["type"] == "table" and p["fieldConfig"]["overrides"])

    too_wide = json.loads(json.dumps(model))
    next(p for p in too_wide["panels"] if p["id"] == panel["id"])["gridPos"]["w"] = 25
    assert not validator.is_valid(too_wide)

    unknown_field = json.loads(json.dumps(model))
    next(p for p in unknown_field["panels"] if p["id"] == panel["id"])["colour"] = "red"
    assert not validator.is_valid(unknown_field)

    by_name = json.loads(json.dumps(model))
    overrides = next(p for p in by_name["panels"] if p["id"] == panel["id"])["fieldConfig"]["overrides"]
    overrides[0]["matcher"] = {"id": "byName", "options": "Trạng thái"}  # the schema types matcher options as objects
    assert not validator.is_valid(by_name)

    assert validator.is_valid(model)


def test_dashboards_are_one_overview_per_programme_then_the_shared_ones(dashboards: list[GeneratedDashboard]) -> None:
    catalogue = load_catalogue(CATALOGUE_DIR)
    uids = [d.uid for d in dashboards]
    assert uids[: len(catalogue.programmes)] == [overview_uid(p) for p in sorted(catalogue.programmes)]
    assert uids[len(catalogue.programmes) :] == [
        "chitieu-indicator",
        "chitieu-regions",
        "chitieu-tasks",
        "chitieu-timeliness",
        "chitieu-alerts",
    ]
    assert len(set(uids)) == len(uids)
    assert all(len(uid) <= 40 for uid in uids)
    for dashboard in dashboards:
        model = dashboard.model
        assert model["timezone"] == "Asia/Ho_Chi_Minh"
        assert "chitieu" in model["tags"]
        ids = [panel["id"] for panel in model["panels"]]
        assert len(set(ids)) == len(ids), dashboard.uid
        # Vietnamese titles; descriptions in Vietnamese with the English beside ("... — ...").
        assert all(not panel["title"].isascii() for panel in model["panels"]), dashboard.uid
        for panel in [model, *(panel for panel in model["panels"] if panel["type"] != "row")]:
            vietnamese, _, english = panel["description"].partition(" — ")
            assert not vietnamese.isascii() and english, (dashboard.uid, panel.get("title"), panel["description"])


def test_tables_show_numbers_the_readers_way_and_hide_the_codes(dashboards: list[GeneratedDashboard]) -> None:
    for dashboard in dashboards:
        for panel in dashboard.model["panels"]:
            if panel["type"] != "table":
                continue
            defaults = panel["fieldConfig"]["defaults"]
            # Grafana's "locale" unit: the reader's separators (1.967; 7,5 in Vietnamese); decimals come rounded from
            # the query (never a fixed 2 decimals with a dot).
            assert defaults["unit"] == "locale" and "decimals" not in defaults, (dashboard.uid, panel["title"])
            columns = next(q for q in dashboard.queries if q.sql == panel["targets"][0]["rawSql"]).columns
            codes = {column for column in columns if column.startswith("ma_")}
            organize = [t for t in panel.get("transformations", []) if t["id"] == "organize"]
            if codes:
                assert organize and set(organize[0]["options"]["excludeByName"]) == codes, panel["title"]
            links = panel["fieldConfig"]["defaults"].get("links", [])
            for link in links:
                assert "ma_" not in link["url"], link  # a link reads the visible "Chi tiết" column, not a hidden one
                assert '__data.fields["Chi tiết"]' in link["url"]


def test_every_overview_opens_on_what_needs_attention_and_links_its_report(
    dashboards: list[GeneratedDashboard],
) -> None:
    catalogue = load_catalogue(CATALOGUE_DIR)
    for programme in catalogue.programmes:
        model = next(d for d in dashboards if d.uid == overview_uid(programme)).model
        panels = sorted(
            (p for p in model["panels"] if p["type"] != "row"), key=lambda p: (p["gridPos"]["y"], p["gridPos"]["x"])
        )
        assert [p["title"] for p in panels[:2]] == ["Chỉ tiêu chậm tiến độ, không đạt", "Báo cáo số liệu quá hạn"]
        assert panels[0]["gridPos"]["y"] <= 1  # on the first screen, under the first row header
        urls = [link["url"] for link in model["links"] if link["type"] == "link"]
        for report_format in ("pdf", "docx", "xlsx"):
            assert (
                f"http://127.0.0.1:8000/v1/reports/{programme}?as_of=${{__to:date:YYYY-MM-DD}}&format={report_format}"
                in urls
            )


def test_indicator_units_are_grafana_units() -> None:
    for unit in UNITS.values():
        assert unit.grafana != "none", unit.code
        if unit.counts:
            assert unit.grafana == "locale" and unit.decimals == 0
    assert UNITS["billion_vnd"].grafana == "suffix: tỷ đồng"


def test_no_query_buckets_time_with_timegroup(dashboards: list[GeneratedDashboard]) -> None:
    for dashboard in dashboards:
        assert "$__timeGroup" not in dashboard.to_json(), dashboard.uid
        assert "$__interval" not in dashboard.to_json(), dashboard.uid


def test_stable_uids_stay_within_grafanas_limit() -> None:
    assert stable_uid("chitieu-overview", "htinh-nq26") == "chitieu-overview-htinh-nq26"
    long = stable_uid("chitieu-overview", "a-very-long-programme-identifier-of-eighty-characters")
    assert len(long) == 40
    assert long != stable_uid("chitieu-overview", "a-very-long-programme-identifier-of-eighty-characterz")
    assert long == stable_uid("chitieu-overview", "a-very-long-programme-identifier-of-eighty-characters")


def test_generated_files_are_committed_and_up_to_date() -> None:
    """Regenerate everything `chitieu dashboards build` writes and compare with the files in the repository."""
    expected = grafana_files(load_catalogue(CATALOGUE_DIR))
    for relative, content in expected.items():
        path = DEPLOY / relative
        assert path.exists(), f"{path} is missing: run `chitieu dashboards build`"
        assert path.read_text(encoding="utf-8") == content, f"{path} is stale: run `chitieu dashboards build`"
    on_disk = {str(p.relative_to(DEPLOY)) for p in (DEPLOY / "grafana").rglob("*") if p.is_file()}
    assert on_disk == set(expected)


def test_generation_is_deterministic() -> None:
    catalogue = load_catalogue(CATALOGUE_DIR)
    assert grafana_files(catalogue) == grafana_files(load_catalogue(CATALOGUE_DIR))


def run_cli(argv: list[str], settings: Any) -> None:
    parser = argparse.ArgumentParser(prog="chitieu")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    args.handler(args, settings)


def test_cli_build_writes_the_files_and_removes_stale_dashboards(tmp_path: Path) -> None:
    settings = SimpleNamespace(catalogue_dir=CATALOGUE_DIR, grafana_url="http://g", public_url="http://p")
    stale = tmp_path / DASHBOARDS_DIR / "chitieu-overview-removed.json"
    foreign = tmp_path / DASHBOARDS_DIR / "someone-elses.json"
    stale.parent.mkdir(parents=True)
    stale.write_text(json.dumps({"uid": "chitieu-overview-removed", "tags": ["chitieu"]}))
    foreign.write_text(json.dumps({"uid": "other", "tags": ["other"]}))

    run_cli(["dashboards", "build", "--out", str(tmp_path), "--public-url", "http://p"], settings)

    expected = grafana_files(load_catalogue(CATALOGUE_DIR), "http://p")  # report links go to --public-url
    for relative, content in expected.items():
        assert (tmp_path / relative).read_text(encoding="utf-8") == content
    assert "http://p/v1/reports/qngai-2024?" in expected[f"{DASHBOARDS_DIR}/chitieu-overview-qngai-2024.json"]
    assert not stale.exists()
    assert foreign.exists()


def test_cli_push_needs_a_token(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv("GRAFANA_TOKEN", raising=False)
    settings = SimpleNamespace(catalogue_dir=CATALOGUE_DIR, grafana_url="http://127.0.0.1:9", public_url="http://p")
    with pytest.raises(SystemExit) as stopped:
        run_cli(["dashboards", "push"], settings)
    assert stopped.value.code == 2
    assert "token" in capsys.readouterr().err


# --- Grafana's macro and variable expansion, as reproduced for the query tests. ------------------------------------

FROM = datetime(2024, 1, 1, tzinfo=UTC)
TO = datetime(2024, 6, 30, 12, 30, 5, 123000, tzinfo=UTC)


def test_macros_expand_as_grafanas_postgres_engine() -> None:
    sql = "SELECT $__time(o.period_start), v FROM o WHERE $__timeFilter(o.period_start) AND t < $__timeTo()"
    assert expand(sql, FROM, TO) == (
        "SELECT o.period_start AS \"time\", v FROM o WHERE o.period_start BETWEEN '2024-01-01T00:00:00Z' AND "
        "'2024-06-30T12:30:05.123Z' AND t < '2024-06-30T12:30:05.123Z'"
    )
    assert rfc3339nano(datetime.fromisoformat("2024-01-01T07:00:00+07:00")) == "2024-01-01T00:00:00Z"


def test_unknown_and_unsupported_macros_fail_as_in_grafana() -> None:
    with pytest.raises(MacroError):
        expand("SELECT $__timeGroup(t, '1y')", FROM, TO)
    with pytest.raises(MacroError):
        expand("SELECT $__nothing()", FROM, TO)
    with pytest.raises(MacroError, match="missing time column"):
        expand("SELECT $__timeFilter()", FROM, TO)


def test_template_variables_expand_as_grafanas_sql_data_sources() -> None:
    variables = {
        "region": Variable.several("ha_tinh", "o'neil"),
        "indicator": Variable.single("a'b"),
    }
    assert expand("x IN (${region:sqlstring})", FROM, TO, variables) == "x IN ('ha_tinh','o''neil')"
    assert expand("x IN ($region)", FROM, TO, variables) == "x IN ('ha_tinh','o''neil')"
    assert expand("x = ${indicator:sqlstring}", FROM, TO, variables) == "x = 'a''b'"
    assert expand("x = '$indicator'", FROM, TO, variables) == "x = 'a''b'"
    assert expand("x = '[[indicator]]'", FROM, TO, variables) == "x = 'a''b'"
    assert expand("ARRAY[${region:sqlstring}]", FROM, TO, {"region": Variable.several()}) == "ARRAY[]"
    assert expand("$other stays", FROM, TO, variables) == "$other stays"
    with pytest.raises(MacroError):
        expand("${region:csv}", FROM, TO, variables)


# --- Provisioning and the docker-compose stack. -------------------------------------------------------------------


def load_yaml(path: Path) -> Any:
    return YAML(typ="safe").load(path.read_text(encoding="utf-8"))


def test_datasource_connects_as_the_read_only_role_with_timescaledb() -> None:
    document = load_yaml(DEPLOY / "grafana/provisioning/datasources/chitieu.yaml")
    (source,) = document["datasources"]
    assert source["type"] == "grafana-postgresql-datasource"
    assert source["user"] == "chitieu_grafana"
    assert source["jsonData"]["timescaledb"] is True
    migration = (REPO / "ingest/migrations/0001_observation_store.sql").read_text(encoding="utf-8")
    assert "CREATE ROLE chitieu_grafana LOGIN IN ROLE chitieu_reader" in migration


COMPOSE_SERVICES = {"timescaledb", "chitieu", "grafana", "prometheus", "alertmanager"}
# A Docker Hub name: [namespace/]repository:tag, no registry host (a first component with a dot or a port).
DOCKER_HUB_IMAGE = re.compile(r"^([a-z0-9]+(?:[_-][a-z0-9]+)*/)?[a-z0-9]+(?:[._-][a-z0-9]+)*:[\w][\w.-]*$")


def test_compose_runs_the_whole_stack_from_docker_hub_images() -> None:
    compose = load_yaml(DEPLOY / "docker-compose.yml")
    services = compose["services"]
    assert set(services) >= COMPOSE_SERVICES
    for name, service in services.items():
        if "image" in service:
            image = service["image"]
            assert DOCKER_HUB_IMAGE.match(image), (name, image)
    api = services["chitieu"]
    assert (DEPLOY / api["build"]["context"] / api["build"]["dockerfile"]).resolve() == DEPLOY / "Dockerfile"
    assert "@timescaledb:5432/" in api["environment"]["CHITIEU_DATABASE_URL"]
    # Prometheus and Alertmanager share the API's network: their generated configs address it as 127.0.0.1.
    assert services["prometheus"]["network_mode"] == "service:chitieu"
    assert services["alertmanager"]["network_mode"] == "service:chitieu"


def bind_mounts(service: dict[str, Any]) -> dict[str, str]:
    mounts = {}
    for volume in service.get("volumes", []):
        source, target = volume.split(":")[:2]
        if source.startswith("."):
            mounts[target] = source
    return mounts


def test_compose_mounts_the_generated_files_where_the_configs_expect_them() -> None:
    services = load_yaml(DEPLOY / "docker-compose.yml")["services"]
    grafana = bind_mounts(services["grafana"])
    assert grafana["/etc/grafana/provisioning"] == "./grafana/provisioning"
    assert grafana[provisioning.DASHBOARDS_PATH] == "./grafana/dashboards"
    assert bind_mounts(services["prometheus"]) == {
        "/etc/prometheus/prometheus.yml": "./prometheus/prometheus.yml",
        "/etc/prometheus/rules": "./prometheus/rules",
    }
    assert bind_mounts(services["alertmanager"]) == {
        "/etc/alertmanager/alertmanager.yml": "./alertmanager/alertmanager.yml"
    }
    for service in services.values():
        for source in bind_mounts(service).values():
            assert (DEPLOY / source).exists(), source


def test_compose_gives_grafana_every_variable_its_provisioning_reads() -> None:
    grafana_env = load_yaml(DEPLOY / "docker-compose.yml")["services"]["grafana"]["environment"]
    referenced: set[str] = set()
    for path in (DEPLOY / "grafana/provisioning").rglob("*.yaml"):
        referenced |= set(re.findall(r"(?<!\$)\$\{([A-Z_]+)\}", path.read_text(encoding="utf-8")))
    assert referenced == {
        "CHITIEU_GRAFANA_DB_HOST",
        "CHITIEU_GRAFANA_DB_NAME",
        "CHITIEU_GRAFANA_DB_PASSWORD",
        "CHITIEU_GRAFANA_DB_SSLMODE",
        "CHITIEU_ALERT_WEBHOOK_URL",
        "CHITIEU_ALERTS_WEBHOOK_TOKEN",
    }
    assert referenced <= set(grafana_env)
    assert grafana_env["CHITIEU_ALERT_WEBHOOK_URL"].endswith("/v1/alerts/webhook")
