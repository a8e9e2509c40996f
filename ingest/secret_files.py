"""Generated secrets kept in files only their owner can read (0600 in a 0700 directory): the embedded cluster's
passwords and the alerts webhook's token."""

import os
import secrets
from pathlib import Path

from indicators.errors import ConfigurationError


def read_secret(path: Path) -> str:
    return path.read_text(encoding="ascii").strip()


def read_or_create_secret(path: Path) -> tuple[str, bool]:
    """The secret in `path`, made there now (256 random bits) if there is none; and whether it was made now.

    Two processes starting at once agree: the file appears whole or not at all, and the first one made wins."""
    try:
        if path.exists():
            return read_secret(path), False
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        partial = path.with_name(f".{path.name}.{os.getpid()}")
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="ascii") as file:
            file.write(secrets.token_urlsafe(32) + "\n")
        try:
            os.link(partial, path)
            made = True
        except FileExistsError:
            made = False
        finally:
            partial.unlink()
        return read_secret(path), made
    except OSError as error:
        raise ConfigurationError(f"cannot read or create the secret file {path}: {error.strerror}") from error
