"""The Kubernetes manifests (deploy/k8s), checked offline.

- every manifest file, and every object kustomize renders for each overlay, validates with kubernetes-validate (strict:
  no unknown fields) against Kubernetes K8S_VERSION, with the schemas the package ships;
- each kustomization's resources, generators and patches exist, and each patch targets an object of what it patches
  (a check in Python, so it holds without kubectl too; `kubectl kustomize` renders when it is installed);
- the monitoring ConfigMaps are what scripts/k8s-configmaps.py generates from the catalogue now;
- no secret value is committed, the API pods are shaped as docs/deploy.md promises;
- the operator's custom resource (Zalando postgresql) has the structure its CRD asks for: the CRD's schema is not
  shipped by any package this project may install, so OPERATOR_CR_SCHEMA restates the parts used here.
"""

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import pytest
import yaml

from dashboards.generate import K8S_OVERLAYS_DIR, drift
from dashboards.kubernetes import (
    CONFIGMAP_LIMIT_BYTES,
    MONITORING_DIR,
    Site,
    files_of,
    monitoring_config_maps,
    overlays,
    read_site,
)
from dashboards.output import K8S_HEADER
from indicators.catalogue import load_catalogue
from tests.conftest import REPO

K8S_VERSION = "1.32.0"
K8S_DIR = REPO / "deploy" / "k8s"
BASE = K8S_DIR / "base"
OVERLAYS = sorted(path for path in (K8S_DIR / "overlays").iterdir() if path.is_dir())
KUSTOMIZATIONS = sorted(K8S_DIR.rglob("kustomization.yaml"))
OPERATOR_KIND = ("acid.zalan.do/v1", "postgresql")
LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's, when PyYAML has it: the rules files are large
DNS_1123 = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")


def load_documents(path: Path) -> list[dict[str, Any]]:
    return [document for document in yaml.load_all(path.read_text(encoding="utf-8"), Loader=LOADER) if document]


def kustomization(directory: Path) -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load((directory / "kustomization.yaml").read_text(encoding="utf-8"))
    return document


def manifest_files() -> list[Path]:
    """Every file that holds whole objects (patches are partial and are checked through the rendering)."""
    return sorted(
        path
        for path in K8S_DIR.rglob("*.yaml")
        if path.name != "kustomization.yaml" and "patches" not in path.relative_to(K8S_DIR).parts
    )


def objects_of(directory: Path) -> list[dict[str, Any]]:
    """The objects a kustomization's resources hold, followed through directories (patches not applied)."""
    found = []
    for entry in kustomization(directory).get("resources", []):
        path = (directory / entry).resolve()
        found += objects_of(path) if path.is_dir() else load_documents(path)
    return found


def identity(document: dict[str, Any]) -> tuple[str, str, str]:
    return document["apiVersion"], document["kind"], document["metadata"]["name"]


def validate(document: dict[str, Any], where: str) -> None:
    if (document["apiVersion"], document["kind"]) == OPERATOR_KIND:
        return  # no schema in kubernetes-validate; test_operator_resource_has_the_structure_of_its_crd checks it
    try:
        kubernetes_validate.validate(document, K8S_VERSION, strict=True)
    except kubernetes_validate.ValidationError as error:
        path = ".".join(str(part) for part in error.path)
        pytest.fail(f"{where}: {document['kind']}/{document['metadata']['name']}: {path}: {error.message}")


@pytest.mark.parametrize("path", manifest_files(), ids=lambda path: str(path.relative_to(K8S_DIR)))
def test_every_manifest_file_validates(path: Path) -> None:
    documents = load_documents(path)
    assert documents, f"{path} holds no object"
    for document in documents:
        validate(document, str(path.relative_to(REPO)))


def test_kubernetes_validate_catches_a_wrong_manifest() -> None:
    """The check above can fail: an unknown field and a wrong type are refused."""
    deployment = load_documents(BASE / "deployment.yaml")[0]
    deployment["spec"]["replica"] = 2
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, K8S_VERSION, strict=True)
    deployment = load_documents(BASE / "deployment.yaml")[0]
    deployment["spec"]["template"]["spec"]["containers"][0]["ports"][0]["containerPort"] = "8000"
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, K8S_VERSION, strict=True)


@pytest.mark.parametrize(
    "directory", [path.parent for path in KUSTOMIZATIONS], ids=lambda p: str(p.relative_to(K8S_DIR))
)
def test_kustomization_references_exist(directory: Path) -> None:
    spec = kustomization(directory)
    for entry in spec.get("resources", []):
        path = directory / entry
        assert path.is_file() or (path / "kustomization.yaml").is_file(), f"{directory}: resource {entry} missing"
    for generator in spec.get("configMapGenerator", []):
        for entry in generator.get("envs", []) + generator.get("files", []):
            assert (directory / entry.split("=")[-1]).is_file(), f"{directory}: generator file {entry} missing"
    for patch in spec.get("patches", []):
        assert (directory / patch["path"]).is_file(), f"{directory}: patch {patch['path']} missing"


@pytest.mark.parametrize("overlay", OVERLAYS, ids=lambda path: path.name)
def test_overlay_patches_and_merges_target_existing_objects(overlay: Path) -> None:
    spec = kustomization(overlay)
    present = {identity(document) for document in objects_of(overlay)}
    for patch in spec.get("patches", []):
        for document in load_documents(overlay / patch["path"]):
            assert identity(document) in present, (
                f"{overlay.name}: {patch['path']} patches nothing: {identity(document)}"
            )
    base_generators = {
        generator["name"]
        for entry in spec.get("resources", [])
        if (overlay / entry / "kustomization.yaml").is_file()
        for generator in kustomization(overlay / entry).get("configMapGenerator", [])
    }
    for generator in spec.get("configMapGenerator", []):
        if generator.get("behavior") in ("merge", "replace"):
            assert generator["name"] in base_generators, f"{overlay.name}: {generator['name']} merges into nothing"


def test_a_patch_of_a_missing_object_is_caught(tmp_path: Path) -> None:
    """The check above can fail: a patch naming a Deployment the base does not have."""
    overlay = tmp_path / "overlays" / "broken"
    overlay.mkdir(parents=True)
    shutil.copytree(BASE, tmp_path / "base")
    (overlay / "kustomization.yaml").write_text("resources: [../../base]\npatches: [{path: p.yaml}]\n")
    (overlay / "p.yaml").write_text("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: chitieu-typo}\n")
    with pytest.raises(AssertionError, match="patches nothing"):
        test_overlay_patches_and_merges_target_existing_objects(overlay)


def render(directory: Path) -> list[dict[str, Any]]:
    if shutil.which("kubectl") is None:
        pytest.skip("kubectl is not installed: the Python checks above still ran")
    result = subprocess.run(["kubectl", "kustomize", str(directory)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return [document for document in yaml.load_all(result.stdout, Loader=LOADER) if document]


@pytest.fixture(scope="module", params=[BASE, *OVERLAYS], ids=lambda path: str(path.relative_to(K8S_DIR)))
def rendered(request: pytest.FixtureRequest) -> tuple[Path, list[dict[str, Any]]]:
    return request.param, render(request.param)


def test_rendered_objects_validate(rendered: tuple[Path, list[dict[str, Any]]]) -> None:
    directory, documents = rendered
    kinds = {document["kind"] for document in documents}
    assert {"Deployment", "Service", "Ingress", "PodDisruptionBudget", "HorizontalPodAutoscaler", "ConfigMap"} <= kinds
    assert "postgresql" in kinds
    for document in documents:
        validate(document, f"kubectl kustomize {directory.relative_to(REPO)}")


def by_kind(documents: list[dict[str, Any]], kind: str) -> dict[str, Any]:
    (found,) = [document for document in documents if document["kind"] == kind]
    return found


def test_api_pods_are_shaped_as_documented(rendered: tuple[Path, list[dict[str, Any]]]) -> None:
    _, documents = rendered
    deployment = by_kind(documents, "Deployment")
    pod = deployment["spec"]["template"]
    (container,) = pod["spec"]["containers"]
    assert deployment["spec"]["replicas"] >= 2
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert {"cpu", "memory"} <= set(container["resources"]["requests"]) & set(container["resources"]["limits"])
    assert pod["spec"]["securityContext"]["runAsNonRoot"] is True
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    assert container["securityContext"]["allowPrivilegeEscalation"] is False
    assert container["securityContext"]["capabilities"]["drop"] == ["ALL"]

    environment = {item["name"]: item for item in container["env"]}
    for name in ("CHITIEU_DATABASE_URL", "CHITIEU_DATABASE_READ_URL", "CHITIEU_ALERTS_WEBHOOK_TOKEN"):
        assert "secretKeyRef" in environment[name]["valueFrom"], f"{name} must come from a Secret"
    (config_ref,) = container["envFrom"]
    config = next(
        d for d in documents if d["kind"] == "ConfigMap" and d["metadata"]["name"] == config_ref["configMapRef"]["name"]
    )
    assert config["data"]["CHITIEU_WORKERS"] == "1"  # pods scale out, not the workers (docs/deploy.md)

    labels = pod["metadata"]["labels"]
    for kind in ("Service", "PodDisruptionBudget"):
        selector = by_kind(documents, kind)["spec"]["selector"]
        selector = selector.get("matchLabels", selector)
        assert selector.items() <= labels.items(), f"the {kind} selects no API pod"
    hpa = by_kind(documents, "HorizontalPodAutoscaler")
    assert hpa["apiVersion"] == "autoscaling/v2"
    assert hpa["spec"]["scaleTargetRef"]["name"] == deployment["metadata"]["name"]
    assert hpa["spec"]["minReplicas"] >= 2
    assert by_kind(documents, "PodDisruptionBudget")["spec"]["minAvailable"] < hpa["spec"]["minReplicas"]
    service = by_kind(documents, "Service")
    backend = by_kind(documents, "Ingress")["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]
    assert backend["name"] == service["metadata"]["name"]
    assert backend["port"]["name"] in {port["name"] for port in service["spec"]["ports"]}


def test_no_secret_value_is_committed() -> None:
    for path in K8S_DIR.rglob("*"):
        if not path.is_file():
            continue
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"^kind:\s*Secret\b", text, re.MULTILINE), f"{path}: a Secret object is committed"
        assert not re.search(r"postgres(ql)?://[^\s:@/]+:[^\s@]+@", text), f"{path}: a database password in a URL"
        if path.suffix == ".env":
            names = {line.split("=")[0] for line in text.splitlines() if "=" in line and not line.startswith("#")}
            assert not {n for n in names if re.search("PASSWORD|TOKEN|SECRET|DATABASE_URL|READ_URL", n)}, path


# --- monitoring ConfigMaps, generated from the catalogue -------------------------------------------------------------


@pytest.fixture(scope="module")
def catalogue() -> Any:
    return load_catalogue(REPO / "indicators" / "catalogue")


Generated = tuple[dict[str, dict[str, Any]], dict[str, str]]


@pytest.fixture(scope="module")
def generated(catalogue: Any) -> dict[Path, Generated]:
    """Each overlay's ConfigMaps and files as the script generates them now (a few seconds each: once)."""
    result = {}
    for overlay in OVERLAYS:
        maps = monitoring_config_maps(catalogue, read_site(overlay))
        result[overlay] = (maps, files_of(maps))
    return result


def test_overlays_with_monitoring_are_the_overlays() -> None:
    assert OVERLAYS, "no overlay"
    assert overlays(K8S_DIR) == OVERLAYS


def overlay_files(name: str, files: dict[str, str]) -> dict[str, str]:
    """An overlay's monitoring files by their path under deploy/, as `chitieu generate` names them."""
    return {f"{K8S_OVERLAYS_DIR}/{name}/{MONITORING_DIR}/{file}": text for file, text in files.items()}


@pytest.mark.parametrize("overlay", OVERLAYS, ids=lambda path: path.name)
def test_monitoring_config_maps_are_current(overlay: Path, generated: dict[Path, Generated]) -> None:
    problems = drift(REPO / "deploy", overlay_files(overlay.name, generated[overlay][1]))
    problems = [problem for problem in problems if f"/overlays/{overlay.name}/" in problem]  # the others: elsewhere
    assert not problems, "\n".join(problems) + "\nrun `chitieu generate`"


def test_a_stale_monitoring_file_is_reported(tmp_path: Path, generated: dict[Path, Generated]) -> None:
    deploy = tmp_path / "deploy"
    overlay = deploy / K8S_OVERLAYS_DIR / OVERLAYS[0].name
    shutil.copytree(OVERLAYS[0], overlay)
    (overlay / "monitoring" / "kustomization.yaml").unlink()
    rules = sorted((overlay / "monitoring").glob("prometheus-rules-*.yaml"))[0]
    rules.write_text(rules.read_text(encoding="utf-8").replace("for: 15m", "for: 16m"), encoding="utf-8")
    (overlay / "monitoring" / "prometheus-rules-removed.yaml").write_text(K8S_HEADER + "# left over\n")
    problems = drift(deploy, overlay_files(overlay.name, generated[OVERLAYS[0]][1]))
    assert any("kustomization.yaml: missing" in problem for problem in problems), problems
    assert any(rules.name in problem and "differs" in problem for problem in problems), problems
    assert any("prometheus-rules-removed.yaml: stale" in problem for problem in problems), problems


def test_monitoring_config_maps_carry_the_generated_files(catalogue: Any) -> None:
    site = Site("chitieu-test", "https://chitieu.test", "https://grafana.chitieu.test")
    maps = monitoring_config_maps(catalogue, site)
    rules = [m for m in maps.values() if m["metadata"]["labels"]["app.kubernetes.io/component"] == "prometheus-rules"]
    assert len(rules) == len(catalogue.programmes) + 1  # and the service's own rules (service.yml)
    dashboards = [m for m in maps.values() if m["metadata"]["labels"].get("grafana_dashboard") == "1"]
    assert len(dashboards) == len(list((REPO / "deploy" / "grafana" / "dashboards").glob("*.json")))
    files = files_of(maps)
    for name, document in maps.items():
        assert DNS_1123.match(document["metadata"]["name"]), name
        text = files[name].encode()
        assert len(text) < CONFIGMAP_LIMIT_BYTES, f"{name}: {len(text)} bytes, over a ConfigMap's limit"
    alertmanager = yaml.safe_load(maps["alertmanager-config.yaml"]["data"]["alertmanager.yml"])
    webhooks = [hook for receiver in alertmanager["receivers"] for hook in receiver.get("webhook_configs", [])]
    assert webhooks
    assert {hook["url"] for hook in webhooks} == {"http://chitieu.chitieu-test.svc:8000/v1/alerts/webhook"}
    assert {hook["http_config"]["authorization"]["credentials_file"] for hook in webhooks} == {
        "/etc/alertmanager/secrets/chitieu-alerts-webhook/token"
    }
    (rule_text,) = maps["prometheus-rules-qngai-2024.yaml"]["data"].values()
    assert "runbook_url: https://chitieu.test/v1/alerts/runbook#" in rule_text
    assert "dashboard_url: https://grafana.chitieu.test/d/" in rule_text


@pytest.mark.parametrize("overlay", OVERLAYS, ids=lambda path: path.name)
def test_generated_config_maps_read_back_as_the_files(overlay: Path, generated: dict[Path, Generated]) -> None:
    """The YAML block style keeps every byte: what Prometheus, Alertmanager and Grafana read is what was generated."""
    maps, files = generated[overlay]
    for name, document in maps.items():
        committed = yaml.load(files[name], Loader=LOADER)
        assert committed["data"] == {key: str(text) for key, text in document["data"].items()}, name
        for key, text in committed["data"].items():
            if key.endswith((".yml", ".yaml")):
                assert yaml.safe_load(text), f"{name}/{key} does not parse"


# --- the database operator's custom resource -------------------------------------------------------------------------

QUANTITY = r"^(\d+(\.\d+)?)(m|Ki|Mi|Gi|Ti|k|M|G|T)?$"
RESOURCE_LIST = {
    "type": "object",
    "properties": {"cpu": {"type": "string", "pattern": QUANTITY}, "memory": {"type": "string", "pattern": QUANTITY}},
    "additionalProperties": False,
}
USER_FLAGS = ["superuser", "inherit", "login", "nologin", "createrole", "createdb", "replication", "bypassrls"]
# What the Zalando postgres-operator's CRD (postgresqls.acid.zalan.do, v1) requires of the fields this project sets,
# restated from its documentation: required spec fields, types (parameters are strings), the user flags it knows.
OPERATOR_CR_SCHEMA = {
    "type": "object",
    "required": ["apiVersion", "kind", "metadata", "spec"],
    "properties": {
        "apiVersion": {"const": "acid.zalan.do/v1"},
        "kind": {"const": "postgresql"},
        "spec": {
            "type": "object",
            "required": ["teamId", "numberOfInstances", "postgresql", "volume"],
            "additionalProperties": False,
            "properties": {
                "teamId": {"type": "string", "minLength": 1},
                "numberOfInstances": {"type": "integer", "minimum": 2},
                "postgresql": {
                    "type": "object",
                    "required": ["version"],
                    "additionalProperties": False,
                    "properties": {
                        "version": {"enum": ["13", "14", "15", "16", "17"]},
                        "parameters": {"type": "object", "additionalProperties": {"type": "string"}},
                    },
                },
                "patroni": {
                    "type": "object",
                    "additionalProperties": False,
                    "properties": {
                        "synchronous_mode": {"type": "boolean"},
                        "synchronous_mode_strict": {"type": "boolean"},
                        "ttl": {"type": "integer"},
                        "loop_wait": {"type": "integer"},
                        "retry_timeout": {"type": "integer"},
                        "maximum_lag_on_failover": {"type": "integer"},
                    },
                },
                "users": {
                    "type": "object",
                    "additionalProperties": {"type": "array", "items": {"enum": USER_FLAGS}},
                },
                "databases": {"type": "object", "additionalProperties": {"type": "string"}},
                "volume": {
                    "type": "object",
                    "required": ["size"],
                    "properties": {"size": {"type": "string", "pattern": QUANTITY}, "storageClass": {"type": "string"}},
                    "additionalProperties": False,
                },
                "resources": {
                    "type": "object",
                    "properties": {"requests": RESOURCE_LIST, "limits": RESOURCE_LIST},
                    "additionalProperties": False,
                },
                "enableShmVolume": {"type": "boolean"},
            },
        },
    },
}


def operator_resources() -> list[tuple[str, dict[str, Any]]]:
    found = [("base", d) for d in load_documents(BASE / "database.yaml")]
    for overlay in OVERLAYS:
        if shutil.which("kubectl") is not None:
            found += [(overlay.name, d) for d in render(overlay) if (d["apiVersion"], d["kind"]) == OPERATOR_KIND]
    return found


def test_operator_resource_has_the_structure_of_its_crd() -> None:
    resources = operator_resources()
    assert resources
    for where, resource in resources:
        jsonschema.validate(resource, OPERATOR_CR_SCHEMA)
        spec = resource["spec"]
        # The operator refuses a cluster whose name does not start with its team id.
        assert resource["metadata"]["name"].startswith(spec["teamId"] + "-"), where
        assert set(spec["databases"].values()) <= set(spec["users"]), f"{where}: a database owner is not a user"
        assert spec["patroni"]["synchronous_mode"] is True, where
        assert spec["postgresql"]["parameters"]["timescaledb.license"] == "apache", where


def test_operator_schema_check_can_fail() -> None:
    (resource,) = load_documents(BASE / "database.yaml")
    resource["spec"]["postgresql"]["parameters"]["max_connections"] = 200  # the CRD wants strings
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(resource, OPERATOR_CR_SCHEMA)
    (resource,) = load_documents(BASE / "database.yaml")
    resource["spec"]["users"]["chitieu"] = ["create_role"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(resource, OPERATOR_CR_SCHEMA)


def test_the_database_urls_point_at_the_operators_services() -> None:
    """docs/deploy.md tells how to fill the Secret from the operator's Services; the names must match the resource."""
    (resource,) = load_documents(BASE / "database.yaml")
    name = resource["metadata"]["name"]
    docs = (REPO / "docs" / "deploy.md").read_text(encoding="utf-8")
    assert f"{name}.$NAMESPACE.svc" in docs or f"@{name}:" in docs
    assert f"{name}-repl" in docs
