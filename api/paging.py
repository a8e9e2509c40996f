"""Paged lists: every list the API reads out is `{"items": [...], "next": ...}`, paged with `limit` and `cursor`.

A cursor is the key of the last item of a page, encoded opaquely (URL-safe base64 of a JSON list of strings); the next
page starts after that key, so a page is stable while the list before it is unchanged.
"""

import base64
import json
from collections.abc import Callable, Sequence
from typing import Annotated, Generic, TypeVar

from fastapi import Query
from pydantic import BaseModel, Field

from api.problems import Problem

Item = TypeVar("Item")

Limit = Annotated[int | None, Query(ge=1, le=10000, description="At most this many items; `next` is the cursor")]
Cursor = Annotated[str | None, Query(max_length=2000, description="The `next` of the page before")]


class Page(BaseModel, Generic[Item]):
    items: list[Item]
    next: str | None = Field(description="The cursor of the next page; null on the last page.")


def encode_cursor(key: Sequence[str]) -> str:
    raw = json.dumps(list(key), ensure_ascii=False).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, parts: int) -> list[str] | None:
    """The key of `parts` strings a cursor points after; None when it is not one of ours."""
    try:
        key = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except ValueError:
        return None
    if isinstance(key, list) and len(key) == parts and all(isinstance(part, str) for part in key):
        return key
    return None


def invalid_cursor() -> Problem:
    return Problem(400, "Con trỏ không hợp lệ (invalid cursor)", "Pass the `next` of the page before.")


def page(items: Sequence[Item], key: Callable[[Item], str], limit: int | None, cursor: str | None) -> Page[Item]:
    """The page of `items` (in their order, each with a unique `key`) after the cursor's key, at most `limit`."""
    start = 0
    if cursor is not None:
        after = decode_cursor(cursor, 1)
        keys = [key(item) for item in items]
        if after is None or after[0] not in keys:
            raise invalid_cursor()
        start = keys.index(after[0]) + 1
    end = len(items) if limit is None else min(len(items), start + limit)
    more = end < len(items)
    return Page[Item](items=list(items[start:end]), next=encode_cursor([key(items[end - 1])]) if more else None)
