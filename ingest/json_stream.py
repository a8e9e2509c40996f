"""The rows of a JSON batch read as the body is read: one element of `observations` decoded at a time.

Each element, and every other top-level value, goes through the standard library's decoder (`raw_decode` on a window
of the text), so a streamed batch reads exactly as `json.loads` would read it (NaN and Infinity, integers of any
length, lone surrogates, the recursion limit for deep nesting) while memory holds one window of text and one row,
not the whole document. Only the outer object `{"observations": [...], "dry_run": ...}` is walked here.
"""

import codecs
import json
import re
from collections.abc import Iterator, Mapping
from typing import IO, Any

from indicators.errors import InvalidInput

WINDOW_CHARS = 1 << 20  # text decoded at a time
MAX_VALUE_CHARS = 4 << 20  # an element longer than this is not a row; its decoding error is reported as is
_WHITESPACE = " \t\n\r"
_AFTER_VALUE = frozenset(_WHITESPACE + ",]}:")
_WHITESPACE_RUN = re.compile(f"[{_WHITESPACE}]*")


class InputError(InvalidInput):
    """The body as a whole cannot be read (not JSON, wrong shape, missing CSV columns)."""


class DuplicateKey(ValueError):
    pass


def object_without_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """An object naming a key twice is refused: parsers disagree on which value counts ({"value": 1, "value": 1000})."""
    document = dict(pairs)
    if len(document) != len(pairs):
        repeated = sorted({key for key, _ in pairs if sum(1 for other, _ in pairs if other == key) > 1})
        raise DuplicateKey(", ".join(repr(key[:40]) for key in repeated))
    return document


_DECODER = json.JSONDecoder(object_pairs_hook=object_without_duplicates)
SHAPE_MESSAGE = 'cần một đối tượng {"observations": [...]} (expected an object with an observations list)'


class JsonStream:
    """Iterating yields (number, row) for each element of `observations`, numbered from 1; `dry_run` is known once
    the iteration has ended (the key may follow the rows). Reading errors are InputError, raised where met."""

    def __init__(self, source: IO[bytes], window: int = WINDOW_CHARS) -> None:
        self.source = source
        self.window = window
        self.dry_run = False
        self._text = ""
        self._at = 0
        self._decoder: codecs.IncrementalDecoder | None = None
        self._ended = False

    def __iter__(self) -> Iterator[tuple[int, Mapping[str, object]]]:
        for number, item in enumerate(self.elements(), start=1):
            yield number, item if isinstance(item, dict) else {"__not_an_object__": item}

    def elements(self) -> Iterator[Any]:
        """The elements of `observations` as decoded."""
        try:
            yield from self._document()
        except DuplicateKey as error:
            raise InputError(
                f"khóa JSON lặp lại trong một đối tượng: {error} (duplicate key in a JSON object)"
            ) from None
        except (ValueError, UnicodeDecodeError) as error:
            raise InputError(f"nội dung không phải JSON hợp lệ (body is not valid JSON: {error})") from None
        except RecursionError:
            raise InputError("JSON lồng nhau quá sâu (JSON nested too deeply)") from None

    def _document(self) -> Iterator[Any]:
        if self._next_char() != "{":
            self._value()  # decoded whole as json.loads would, so that a broken document is reported as such
            raise InputError(SHAPE_MESSAGE)
        self._at += 1
        seen: list[str] = []
        while True:
            char = self._next_char()
            if char == "}" and not seen:
                break
            key = self._value()
            if not isinstance(key, str):
                raise ValueError(f"expected a key at character {self._at}")
            self._expect(":")
            if key in seen:
                raise DuplicateKey(repr(key[:40]))
            seen.append(key)
            if key == "observations":
                if self._next_char() != "[":
                    self._value()
                    raise InputError(SHAPE_MESSAGE)
                yield from self._elements()
            elif key == "dry_run":
                dry_run = self._value()
                if not isinstance(dry_run, bool):
                    raise InputError("dry_run phải là true hoặc false (dry_run must be a boolean)")
                self.dry_run = dry_run
            else:
                self._value()
            if self._next_char() == ",":
                self._at += 1
                continue
            self._expect("}")
            break
        if self._next_char() != "":
            raise ValueError(f"extra data at character {self._at}")
        if "observations" not in seen:
            raise InputError(SHAPE_MESSAGE)

    def _elements(self) -> Iterator[Any]:
        self._at += 1  # the "["
        if self._next_char() == "]":
            self._at += 1
            return
        while True:
            yield self._value()
            if self._next_char() == ",":
                self._at += 1
                continue
            self._expect("]")
            return

    def _expect(self, char: str) -> None:
        found = self._next_char()
        if found != char:
            raise ValueError(f"expected {char!r} at character {self._at}, found {found[:1]!r}")
        self._at += 1

    def _next_char(self) -> str:
        """The next character that is not white space ("" at the end), without consuming it."""
        while True:
            text = self._text
            run = _WHITESPACE_RUN.match(text, self._at)  # one C call, not a Python step per character; always matches
            at = self._at = run.end() if run else self._at
            if at < len(text) or not self._read_more():
                return text[at] if at < len(text) else ""

    def _value(self) -> Any:
        """One JSON value decoded from the window, reading on while the window may end inside it."""
        self._next_char()
        while True:
            try:
                value, end = _DECODER.raw_decode(self._text, self._at)
            except json.JSONDecodeError:
                if self._ended or len(self._text) - self._at > MAX_VALUE_CHARS or not self._read_more():
                    raise
                continue
            # A number cut by the window's end ("1." of "1.5") decodes too: it is whole once something that may follow
            # a value follows it.
            followed = end < len(self._text) and (
                self._text[end] in _AFTER_VALUE or len(self._text) - self._at > MAX_VALUE_CHARS
            )
            if followed or self._ended or not self._read_more():
                self._at = end
                return value

    def _read_more(self) -> bool:
        """Append the next piece of the body to the window (dropping what was consumed); False at the end."""
        if self._ended:
            return False
        chunk = self.source.read(self.window)
        if self._decoder is None:
            encoding = json.detect_encoding(chunk[:4]) if chunk else "utf-8"
            self._decoder = codecs.getincrementaldecoder(encoding)()
        text = self._decoder.decode(chunk, final=not chunk)
        self._ended = not chunk
        self._text = self._text[self._at :] + text
        self._at = 0
        return bool(text) or not self._ended
