"""`chitieu generate`: one small invented catalogue in, its committed rules, Alertmanager configuration and
dashboards out (tests/fixtures/generate/, the way sloth keeps its examples), and `--check` on drift."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

from dashboards.generate import GenerateInputs, drift, generate
from tests.conftest import REPO

FIXTURE = REPO / "tests" / "fixtures" / "generate"
CATALOGUE = FIXTURE / "catalogue"
EXPECTED = FIXTURE / "expected"
CHITIEU = [sys.executable, "-m", "api.cli"]


def chitieu(*arguments: str, environment: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CHITIEU, *arguments], capture_output=True, text=True, check=False, timeout=120, cwd=REPO,
        env={**os.environ, **(environment or {})},
    )  # fmt: skip


def test_the_small_catalogue_generates_the_committed_files() -> None:
    files = generate(GenerateInputs(catalogue_dir=CATALOGUE), EXPECTED)
    on_disk = sorted(path.relative_to(EXPECTED).as_posix() for path in EXPECTED.rglob("*") if path.is_file())
    assert sorted(files) == on_disk
    for relative, text in files.items():
        assert (EXPECTED / relative).read_text(encoding="utf-8") == text, f"{relative}: regenerate the fixture"
    assert drift(EXPECTED, files) == []
    rules = files["prometheus/rules/mau-2025.yml"]
    assert 'indicator="mau-2025.poverty_rate"' in rules
    assert 'task="mau-2025.1"' in rules  # the task with a due date has its overdue alert
    assert 'task="mau-2025.2"' not in rules  # the recurring one has none


def test_check_reports_each_drifting_file_on_one_line_and_exits_1(tmp_path: Path) -> None:
    deploy = tmp_path / "deploy"
    shutil.copytree(EXPECTED, deploy)
    assert chitieu("generate", "--check", "--catalogue", str(CATALOGUE), "--deploy-dir", str(deploy)).returncode == 0

    edited = deploy / "prometheus" / "rules" / "mau-2025.yml"
    edited.write_text(edited.read_text(encoding="utf-8") + "# edited\n", encoding="utf-8")
    (deploy / "alertmanager" / "alertmanager.yml").unlink()
    stale = deploy / "prometheus" / "rules" / "removed.yml"
    shutil.copy(deploy / "prometheus" / "prometheus.yml", stale)
    checked = chitieu("generate", "--check", "--catalogue", str(CATALOGUE), "--deploy-dir", str(deploy))
    assert checked.returncode == 1
    assert checked.stdout.splitlines() == [
        f"{deploy / 'alertmanager' / 'alertmanager.yml'}: missing",
        f"{edited}: differs from what the catalogue generates",
        f"{stale}: stale (no longer generated from the catalogue)",
    ]
    assert "# edited" in edited.read_text(encoding="utf-8")  # --check writes nothing

    written = chitieu("generate", "--catalogue", str(CATALOGUE), "--deploy-dir", str(deploy))
    assert written.returncode == 0, written.stderr
    assert "(2 written, 1 deleted)" in written.stdout
    assert chitieu("generate", "--check", "--catalogue", str(CATALOGUE), "--deploy-dir", str(deploy)).returncode == 0


def test_the_environment_does_not_change_what_is_generated(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("CHITIEU_PUBLIC_URL=https://elsewhere.example\n", encoding="utf-8")
    ambient = {"CHITIEU_PUBLIC_URL": "https://chitieu.example", "CHITIEU_GRAFANA_URL": "https://grafana.example"}
    checked = chitieu("generate", "--check", "--catalogue", str(CATALOGUE), "--deploy-dir", str(EXPECTED),
                      environment=ambient)  # fmt: skip
    assert checked.returncode == 0, checked.stdout + checked.stderr
    moved = chitieu("generate", "--check", "--catalogue", str(CATALOGUE), "--deploy-dir", str(EXPECTED),
                    "--public-url", "https://chitieu.example")  # fmt: skip
    assert moved.returncode == 1
    assert "alertmanager.yml: differs" in moved.stdout


def test_a_bad_wait_is_one_line() -> None:
    bad = chitieu("generate", "--check", "--catalogue", str(CATALOGUE), "--at-risk-for", "seven days")
    assert bad.returncode == 1
    assert len(bad.stderr.strip().splitlines()) == 1
    assert "not a Prometheus duration" in bad.stderr
