"""One error tree (indicators/errors.py): every error chitieu raises on purpose descends from ChitieuError and is
named in the tree's docstring; the API answers each kind with its own problem type and status (before: any
ChitieuError a route did not catch became 503 not-ready), the CLI prints it as one line."""

import ast
import subprocess
import sys

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

import indicators.errors
from api.cli_errors import one_line
from api.problem_types import PROBLEM_TYPES, problem_type_of
from api.problems import install
from api.push_client import PushFailed
from api.report.load import UnknownProgramme
from indicators.catalogue import CatalogueError
from indicators.errors import ChitieuError, ConfigurationError, MigrationError
from indicators.numbers import NumberFormatError
from indicators.periods import PeriodError
from ingest.catalogue_store import CatalogueLoadRefused
from ingest.observations import OutOfScope, TooManyRows
from ingest.submit import UnsupportedMediaType
from ingest.workbook_file import WorkbookRefused, WorkbookTooLarge
from tests.conftest import REPO


def error_classes() -> dict[str, str]:
    """Class name -> module path, for every class in the product packages whose bases name an error of the tree."""
    known = {"ChitieuError"}
    found: dict[str, str] = {}
    trees = [(path, ast.parse(path.read_text(encoding="utf-8"))) for package in ("indicators", "ingest", "api",
             "dashboards") for path in sorted((REPO / package).rglob("*.py"))]  # fmt: skip
    changed = True
    while changed:
        changed = False
        for path, tree in trees:
            for node in ast.walk(tree):
                if isinstance(node, ast.ClassDef) and node.name not in known:
                    bases = {
                        base.id if isinstance(base, ast.Name) else getattr(base, "attr", "") for base in node.bases
                    }
                    if bases & known:
                        known.add(node.name)
                        found[node.name] = str(path.relative_to(REPO))
                        changed = True
    return found


def test_every_error_is_in_the_documented_tree() -> None:
    tree = indicators.errors.__doc__ or ""
    classes = error_classes()
    assert {"PushFailed", "CatalogueError", "PeriodError", "NumberFormatError", "UnknownProgramme"} <= set(classes)
    assert [name for name in classes if f" {name} " not in tree] == []


@pytest.mark.parametrize(
    ("error", "status", "slug"),
    [
        (UnknownProgramme("không có chương trình 'x'"), 404, "not-found"),
        (OutOfScope([]), 403, "out-of-scope"),
        (PeriodError("kỳ không hợp lệ"), 400, "unreadable-body"),
        (NumberFormatError("số sai"), 400, "unreadable-body"),
        (TooManyRows(10), 413, "too-many-rows"),
        (UnsupportedMediaType(), 415, "unsupported-media-type"),
        (WorkbookRefused("macro-enabled"), 415, "unsupported-media-type"),
        (WorkbookTooLarge("unpacks too large"), 413, "payload-too-large"),
        (CatalogueError([]), 422, "invalid-request"),
        (CatalogueLoadRefused("would archive"), 409, "conflict"),
        (MigrationError("database ahead"), 503, "not-ready"),
        (PushFailed("stopped"), 500, "internal-error"),
        (ChitieuError("anything else"), 500, "internal-error"),
    ],
)
def test_each_kind_of_error_has_its_problem(error: ChitieuError, status: int, slug: str) -> None:
    app = FastAPI()
    install(app)

    @app.get("/raise")
    def _raise() -> None:
        raise error

    answer = TestClient(app, raise_server_exceptions=False).get("/raise")
    assert (answer.status_code, answer.json()["type"].rsplit("/", 1)[1]) == (status, slug)
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert problem_type_of(error) is PROBLEM_TYPES[slug]


def test_the_cli_prints_one_line() -> None:
    assert one_line(ConfigurationError("cơ sở dữ liệu\nkhông tới được")) == "cơ sở dữ liệu không tới được"
    done = subprocess.run(
        [sys.executable, "-m", "api.cli", "status", "--as-of", "31/12/2024"],
        capture_output=True, text=True, check=False, timeout=60, cwd=REPO,
        env={"PATH": "/usr/bin:/bin", "CHITIEU_DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none"},
    )  # fmt: skip
    assert done.returncode == 1
    assert len(done.stderr.strip().splitlines()) == 1
    assert done.stderr.startswith("chitieu: ")
