"""deploy/docker-compose.yml as Debian's docker-compose 1.29 reads it (`config` needs no Docker engine): it starts only
with every secret given in deploy/.env, publishes its ports on 127.0.0.1 unless CHITIEU_BIND says otherwise, and hands
Alertmanager and Grafana the webhook token."""

import shutil
import subprocess
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from tests.conftest import REPO

COMPOSE = shutil.which("docker-compose")
pytestmark = pytest.mark.skipif(COMPOSE is None, reason="docker-compose is not installed (scripts/bootstrap.sh)")
SECRETS = (
    "CHITIEU_DB_PASSWORD",
    "CHITIEU_GRAFANA_DB_PASSWORD",
    "GRAFANA_ADMIN_PASSWORD",
    "CHITIEU_ALERTS_WEBHOOK_TOKEN",
)


def config(deploy: Path, env: dict[str, str] | None) -> subprocess.CompletedProcess[str]:
    if env is not None:
        (deploy / ".env").write_text("".join(f"{name}={value}\n" for name, value in env.items()))
    return subprocess.run(
        [str(COMPOSE), "-f", str(deploy / "docker-compose.yml"), "config"],
        cwd=deploy,
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin"},  # nothing from the test's own environment
    )


@pytest.fixture
def deploy(tmp_path: Path) -> Path:
    copy = tmp_path / "deploy"
    copy.mkdir()
    shutil.copy(REPO / "deploy" / "docker-compose.yml", copy / "docker-compose.yml")
    return copy


def test_the_stack_refuses_to_start_without_its_secrets(deploy: Path) -> None:
    missing = config(deploy, None)
    assert missing.returncode != 0
    assert "deploy/.env" in missing.stderr
    example = dict(line.split("=", 1) for line in (REPO / "deploy" / ".env.example").read_text().splitlines()
                   if line and not line.startswith("#"))  # fmt: skip
    assert set(example) == set(SECRETS)
    for name in SECRETS:  # the example copied unfilled, or one secret left out
        unfilled = config(deploy, {**{other: "s3cret-value-1234" for other in SECRETS}, name: ""})
        assert unfilled.returncode != 0, name
        assert f"set {name} in deploy/.env" in unfilled.stderr


def test_with_the_secrets_ports_are_local_and_every_secret_comes_from_env(deploy: Path) -> None:
    secrets = {name: f"{name.lower()}-value-{index}" for index, name in enumerate(SECRETS)}
    result = config(deploy, secrets)
    assert result.returncode == 0, result.stderr
    rendered = YAML(typ="safe").load(result.stdout)
    assert "name" not in YAML(typ="safe").load((REPO / "deploy" / "docker-compose.yml").read_text())
    services = rendered["services"]
    published = [port for service in services.values() for port in service.get("ports", [])]
    assert len(published) == 4
    assert all(str(port).startswith("127.0.0.1:") for port in published), published
    text = result.stdout
    for default in ("chitieu:chitieu@", "grafana-read-only", "GF_SECURITY_ADMIN_PASSWORD: admin"):
        assert default not in text
    assert services["chitieu"]["environment"]["CHITIEU_DATABASE_URL"] == (
        f"postgresql://chitieu:{secrets['CHITIEU_DB_PASSWORD']}@timescaledb:5432/chitieu"
    )
    token = secrets["CHITIEU_ALERTS_WEBHOOK_TOKEN"]
    for service in ("chitieu", "alertmanager", "grafana"):
        assert services[service]["environment"]["CHITIEU_ALERTS_WEBHOOK_TOKEN"] == token
    entrypoint = " ".join(services["alertmanager"]["entrypoint"])
    assert "/run/chitieu/alerts-webhook-token" in entrypoint
    assert "/run/chitieu/alerts-webhook-token" in (REPO / "deploy" / "alertmanager" / "alertmanager.yml").read_text()
    provisioning = YAML(typ="safe").load(REPO / "deploy" / "grafana" / "provisioning" / "alerting" / "chitieu.yaml")
    [receiver] = provisioning["contactPoints"][0]["receivers"]
    assert receiver["settings"]["authorization_scheme"] == "Bearer"
    assert receiver["settings"]["authorization_credentials"] == "${CHITIEU_ALERTS_WEBHOOK_TOKEN}"

    public = config(deploy, secrets | {"CHITIEU_BIND": "0.0.0.0"})
    ports = [p for s in YAML(typ="safe").load(public.stdout)["services"].values() for p in s.get("ports", [])]
    assert all(str(port).startswith("0.0.0.0:") for port in ports), ports
