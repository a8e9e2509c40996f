"""Dependencies point one way (README, Architecture): indicators <- ingest <- api, dashboards <- indicators, and api ->
dashboards only for the CLI's generator commands. Every import statement of every module is read, including those
inside functions."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("indicators", "ingest", "dashboards", "api")
FORBIDDEN = {
    "indicators": {"ingest", "api", "dashboards"},
    "ingest": {"api", "dashboards"},
    "dashboards": {"ingest", "api"},
    "api": set(),
}


def imported_packages(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found & set(PACKAGES)


def violations() -> list[str]:
    found = []
    for package, forbidden in FORBIDDEN.items():
        for path in sorted((ROOT / package).rglob("*.py")):
            for imported in sorted(imported_packages(path) & forbidden):
                found.append(f"{path.relative_to(ROOT)} imports {imported}")
    return found


def test_imports_point_one_way() -> None:
    assert violations() == []


def test_the_check_sees_a_forbidden_import(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from api.settings import Settings\n    import ingest.database\n", encoding="utf-8")
    assert imported_packages(module) == {"api", "ingest"}


def test_api_imports_dashboards_only_in_the_cli() -> None:
    importers = sorted(
        str(path.relative_to(ROOT)) for path in (ROOT / "api").rglob("*.py") if "dashboards" in imported_packages(path)
    )
    assert importers == ["api/cli.py"]
