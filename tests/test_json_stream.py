"""The streamed JSON reader (ingest/json_stream.py) reads every body as json.loads does, whatever the window size:
the same rows, the same dry_run, and a refusal where json.loads refuses."""

import io
import json
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from ingest.json_stream import InputError, JsonStream

EXAMPLES = int(__import__("os").environ.get("CHITIEU_PROPERTY_EXAMPLES", "300"))
deep = settings(max_examples=EXAMPLES, deadline=None)

scalars = st.one_of(st.none(), st.booleans(), st.integers(-(10**60), 10**60), st.floats(), st.text(max_size=12))
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3), max_leaves=8)  # fmt: skip


def streamed(body: bytes, window: int) -> tuple[list[Any], bool]:
    stream = JsonStream(io.BytesIO(body), window=window)
    return list(stream.elements()), stream.dry_run


@deep
@given(
    st.lists(values, max_size=6),
    st.sampled_from([None, True, False]),
    st.booleans(),
    st.integers(1, 9),
    st.sampled_from(["", " ", "\n\t "]),
)
def test_any_batch_reads_as_json_loads_reads_it_with_any_window(
    rows: list[Any], dry_run: bool | None, dry_run_first: bool, window: int, space: str
) -> None:
    document: dict[str, Any] = {"observations": rows}
    if dry_run is not None:
        document = {"dry_run": dry_run, **document} if dry_run_first else {**document, "dry_run": dry_run}
    body = json.dumps(document, indent=space or None).encode()
    assert streamed(body, window) == (json.loads(body)["observations"], bool(dry_run))


@deep
@given(st.binary(max_size=120) | st.text(max_size=120).map(str.encode), st.integers(1, 9))
@example(b'{"observations": [1, 2]} x', 3)
@example(b'{"observations": [12', 1)
@example(b'{"observations": [], "observations": []}', 4)
@example(b'{"observations": [{"value": 1, "value": 2}]}', 2)
@example(b'{"dry_run": 1, "observations": []}', 5)
def test_a_body_is_refused_exactly_when_json_loads_refuses_it_or_its_shape_is_wrong(body: bytes, window: int) -> None:
    try:
        document = json.loads(body)
        loads_ok = isinstance(document, dict) and isinstance(document.get("observations"), list)
        loads_ok = loads_ok and isinstance(document.get("dry_run", False), bool)
    except (ValueError, RecursionError):
        loads_ok = False
    try:
        streamed(body, window)
        stream_ok = True
    except InputError:
        stream_ok = False
    if b'"' in body and stream_ok != loads_ok:
        # json.loads keeps the last of two equal keys; the reader refuses them (tests/test_hardening_input.py).
        assert not stream_ok
        return
    assert stream_ok == loads_ok


@pytest.mark.parametrize("window", [1, 7, 1 << 20])
def test_a_number_cut_by_the_window_is_read_whole(window: int) -> None:
    body = b'{"observations": [{"value": 123456789012345678901234567890}], "dry_run": true}'
    assert streamed(body, window) == ([{"value": 123456789012345678901234567890}], True)


def test_deep_nesting_and_an_unclosed_array_are_input_errors() -> None:
    for body in (b'{"observations": ' + b"[" * 100_000 + b"]" * 100_000 + b"}", b'{"observations": [{"a": 1},'):
        with pytest.raises(InputError):
            streamed(body, 1 << 20)
