"""The wheel carries what the service reads at run time: the alert runbook (/v1/alerts/runbook, linked from every
alert), the bundled catalogue and the migrations. Built from a copy of the source tree, so the checkout stays clean."""

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

from api.routes.alerts import RUNBOOK
from tests.conftest import REPO


def test_the_wheel_holds_the_runbook_the_catalogue_and_the_migrations(tmp_path: Path) -> None:
    source = tmp_path / "chitieu"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / name, source / name)
    for package in ("api", "ingest", "indicators", "dashboards"):
        shutil.copytree(REPO / package, source / package, ignore=shutil.ignore_patterns("__pycache__"))
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path / "dist"), str(source)],
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert built.returncode == 0, built.stdout + built.stderr
    [wheel] = (tmp_path / "dist").glob("chitieu-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())

    assert RUNBOOK.relative_to(REPO).as_posix() in names
    for data in [
        *(REPO / "indicators" / "catalogue").glob("*.yaml"),
        *(REPO / "ingest" / "migrations").glob("*.sql"),
    ]:
        assert data.relative_to(REPO).as_posix() in names, data
    runbook = zipfile.ZipFile(wheel).read(RUNBOOK.relative_to(REPO).as_posix()).decode()
    assert runbook == RUNBOOK.read_text(encoding="utf-8")
    assert '<a id="chitieuchamtiendo"></a>' in runbook
