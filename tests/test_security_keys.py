"""`chitieu keys create` refuses what would give a key that can write nothing (an unknown region or programme, a typo,
or no office), in one line; `keys list` tells an expired key from an active one."""

import os
import subprocess
import sys

from tests.conftest import REPO


def keys(db_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CHITIEU_DATABASE_URL": db_url}
    return subprocess.run(
        [sys.executable, "-m", "api.cli", "keys", *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=60
    )


def assert_refused(result: subprocess.CompletedProcess[str], *expected: str) -> None:
    assert result.returncode == 1, result.stdout + result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr, result.stderr
    for text in expected:
        assert text in result.stderr, result.stderr
    assert "token:" not in result.stdout


def test_unknown_regions_or_programmes_and_an_empty_office_are_refused(db_url: str) -> None:
    office = ["--office", "Cục Thống kê tỉnh Quảng Ngãi"]
    typo = keys(db_url, "create", *office, "--regions", "quang_ngia", "--programmes", "qngai-2024")
    assert_refused(typo, "unknown region quang_ngia", "quang_ngai")
    typo = keys(db_url, "create", *office, "--regions", "quang_ngai", "--programmes", "qngai2024,dthap-2023")
    assert_refused(typo, "unknown programme qngai2024")
    assert_refused(keys(db_url, "create", "--office", "  ", "--regions", "*", "--programmes", "*"), "office")
    assert_refused(keys(db_url, "create", *office, "--regions", ",", "--programmes", "*"), "no regions")
    assert keys(db_url, "list").stdout == ""  # nothing was written

    created = keys(db_url, "create", *office, "--regions", "quang_ngai", "--programmes", "qngai-2024")
    assert created.returncode == 0, created.stderr
    everywhere = keys(db_url, "create", *office, "--regions", "*", "--programmes", "*")
    assert everywhere.returncode == 0, everywhere.stderr


def test_keys_list_shows_expired_keys_as_expired(db_url: str) -> None:
    office = ["--office", "Cục Thống kê", "--regions", "*", "--programmes", "*"]
    expired = keys(db_url, "create", *office, "--expires", "2020-01-01")
    active = keys(db_url, "create", *office, "--expires", "2999-01-01")
    assert expired.returncode == 0 and active.returncode == 0, expired.stderr + active.stderr
    ids = [
        next(line.split()[-1] for line in r.stdout.splitlines() if line.startswith("key id:"))
        for r in (expired, active)
    ]
    states = {line.split()[0]: line.split()[1] for line in keys(db_url, "list").stdout.splitlines()}
    assert states == {ids[0]: "expired", ids[1]: "active"}
