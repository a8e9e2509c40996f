"""Every user error of the real `chitieu` command is one line on stderr and a non-zero exit, never a traceback."""

import os
import socket
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO, free_port

CHITIEU = str(Path(sys.executable).parent / "chitieu")


def chitieu(*args: str, env: dict[str, str] | None = None, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    unreachable = f"postgresql://nobody@127.0.0.1:{free_port()}/nothing"
    environment = {**os.environ, "CHITIEU_DATABASE_URL": unreachable, **(env or {})}
    return subprocess.run([CHITIEU, *args], cwd=cwd, env=environment, capture_output=True, text=True, timeout=60)


def assert_one_line_error(result: subprocess.CompletedProcess[str], *expected: str) -> None:
    assert result.returncode != 0, result.stdout
    assert result.stderr.count("\n") == 1 and result.stderr.endswith("\n"), result.stderr
    assert result.stderr.startswith("chitieu: "), result.stderr
    for text in expected:
        assert text in result.stderr, result.stderr


def test_an_impossible_expiry_date() -> None:
    result = chitieu("keys", "create", "--office", "X", "--regions", "dong_thap", "--programmes", "dthap-2023",
                     "--expires", "2024-13-01")  # fmt: skip
    assert_one_line_error(result, "2024-13-01", "YYYY-MM-DD")


def test_an_impossible_as_of_date() -> None:
    assert_one_line_error(chitieu("status", "--as-of", "2024-02-30"), "2024-02-30")


def test_pushing_a_file_that_does_not_exist(tmp_path: Path) -> None:
    result = chitieu("push", "/nonexistent.csv", "--server", f"http://127.0.0.1:{free_port()}",
                     "--spool-dir", str(tmp_path / "spool"), env={"CHITIEU_KEY": "ctk_x"})  # fmt: skip
    assert_one_line_error(result, "/nonexistent.csv")
    assert not list((tmp_path / "spool").glob("**/*.csv"))


def test_pushing_to_a_server_address_without_scheme(tmp_path: Path) -> None:
    source = tmp_path / "a.csv"
    source.write_text("indicator,region,period,value\n")
    result = chitieu("push", str(source), "--server", "localhost:8000", "--spool-dir", str(tmp_path / "spool"),
                     env={"CHITIEU_KEY": "ctk_x"})  # fmt: skip
    assert_one_line_error(result, "localhost:8000", "http")


def test_dashboards_push_with_grafana_unreachable() -> None:
    url = f"http://127.0.0.1:{free_port()}"
    result = chitieu("dashboards", "push", "--grafana-url", url, "--token", "t", "--db-password", "p")
    assert_one_line_error(result, url)


def test_a_port_outside_the_range_is_one_line() -> None:
    assert_one_line_error(chitieu("serve", env={"CHITIEU_PORT": "99999"}), "CHITIEU_PORT", "65535")


def test_a_setting_that_is_not_a_number_is_one_line() -> None:
    assert_one_line_error(chitieu("keys", "list", env={"CHITIEU_EMBEDDED_PORT": "abc"}), "CHITIEU_EMBEDDED_PORT")


def test_serve_on_a_port_already_taken_fails_before_announcing() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = chitieu("serve", env={"CHITIEU_PORT": str(port)})
    # The port is checked first: the (unreachable) database is never tried, nothing claims to be serving.
    assert_one_line_error(result, str(port), "CHITIEU_PORT")
    assert "serving on" not in result.stdout


def test_a_usage_error_is_one_line() -> None:
    assert_one_line_error(chitieu("keys", "create", "--office", "X"), "--regions")
    assert_one_line_error(chitieu("push", "f.csv", "--batch-rows", "0", "--server", "http://x"), "--batch-rows")
    assert_one_line_error(chitieu("no-such-command"), "no-such-command")


def test_a_catalogue_path_that_does_not_exist(tmp_path: Path) -> None:
    assert_one_line_error(chitieu("catalogue", "validate", str(tmp_path / "none.yaml")), "none.yaml")


def test_help_still_works() -> None:
    result = chitieu("keys", "create", "--help")
    assert result.returncode == 0 and "--expires" in result.stdout and result.stderr == ""
