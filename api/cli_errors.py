"""One line for every error the `chitieu` command can meet, so a user never sees a traceback.

The command's main() catches everything its handlers raise and prints `one_line(error)`. Errors that are not the
user's (a bug) are one line too, naming the exception; CHITIEU_DEBUG=1 shows the traceback instead.
"""

import argparse
import re
from typing import NoReturn

import httpx
import psycopg
from pydantic import ValidationError

from indicators.errors import ChitieuError

SETTINGS_MODEL = "Settings"


class OneLineArgumentParser(argparse.ArgumentParser):
    """argparse whose usage errors are one line (the default prints the whole usage first)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"chitieu: {message} (xem/see `{self.prog} --help`)\n")


def one_line(error: BaseException) -> str:
    """The error as one line of text, without the 'chitieu: ' prefix."""
    return " ".join(_describe(error).split())


def _describe(error: BaseException) -> str:
    if isinstance(error, ChitieuError):
        return str(error)
    if isinstance(error, ValidationError):
        return _validation(error)
    if isinstance(error, httpx.HTTPError):
        return _http(error)
    if _is_niquests_error(error):
        request = getattr(error, "request", None)
        url = getattr(request, "url", None) or ""
        reason = re.search(r"\[Errno -?\d+\] ([^'\")]+)", str(error))
        return (
            f"không kết nối được (cannot reach) {_base_url(str(url))}: {reason[1] if reason else type(error).__name__}"
        )
    if isinstance(error, OSError):
        return _os(error)
    if isinstance(error, psycopg.Error):
        message = error.diag.message_primary or str(error)
        return f"lỗi cơ sở dữ liệu (database error): {message.strip().splitlines()[0] if message.strip() else ''}"
    if type(error).__module__.startswith("grafana_client"):
        return f"Grafana: {error}"
    return f"lỗi nội bộ (internal error) {type(error).__name__}: {error} (CHITIEU_DEBUG=1 shows the traceback)"


def _validation(error: ValidationError) -> str:
    problems = []
    for item in error.errors():
        location = ".".join(str(part) for part in item["loc"])
        if error.title == SETTINGS_MODEL:
            location = "CHITIEU_" + location.upper()
            if "input" in item and isinstance(item["input"], str | int | float):
                location += f"={item['input']}"
        problems.append(f"{location}: {item['msg']}")
    kind = "cấu hình sai (bad setting)" if error.title == SETTINGS_MODEL else f"dữ liệu sai (invalid {error.title})"
    return f"{kind} {'; '.join(problems)}"


def _http(error: httpx.HTTPError) -> str:
    try:
        url = str(error.request.url)
    except RuntimeError:  # an error raised before a request existed
        return str(error)
    if isinstance(error, httpx.TransportError):
        return f"không kết nối được (cannot reach) {_base_url(url)}: {error or type(error).__name__}"
    return f"{url}: {error}"


def _os(error: OSError) -> str:
    if error.filename is not None:
        return f"{error.filename}: {error.strerror or error}"
    return str(error.strerror or error)


def _base_url(url: str) -> str:
    """scheme://host:port of a URL, so the message names the server, not the endpoint it tried first."""
    parsed = httpx.URL(url) if url else None
    if parsed is None or not parsed.host:
        return url
    return f"{parsed.scheme}://{parsed.host}" + (f":{parsed.port}" if parsed.port else "")


def _is_niquests_error(error: BaseException) -> bool:
    """Errors of niquests (grafana-client's HTTP library); matched by module, so it need not be imported here."""
    return type(error).__module__.startswith(("niquests", "urllib3"))
