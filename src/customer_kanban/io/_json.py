"""JSON documents of trackers: read from a path, an open file or the parsed object, and walked.

:func:`load_json` reads a document (bounded in size, UTF-8, nested at most as deep as
Python's parser allows) and :class:`Walk` checks its shape as the readers go, so that a
document that is not what a reader expects is refused with the path of the offending
value, e.g. ``issues[3].changelog.histories[0].items``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from typing import IO, Any

from customer_kanban.errors import ValidationError
from customer_kanban.io._csv import _open, check_limit

__all__ = ["JSON_LIMIT", "Walk", "kind_of", "load_json"]

#: Default largest JSON input, in bytes (a document is held in memory whole).
JSON_LIMIT = 1 << 32
_CHUNK = 1 << 24


def kind_of(value: object) -> str:
    """The JSON name of a value's kind, for messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, Mapping):
        return "an object"
    if isinstance(value, (list, tuple)):
        return "an array"
    return type(value).__name__


def load_json(
    source: str | os.PathLike[str] | IO[Any] | Any, *, input_limit: int, what: str
) -> tuple[Any, str]:
    """The parsed document of `source` and how messages name it.

    `source` is a path, an open file (text or binary) or an already parsed object (a
    dict or a list, taken as it is).  `what` names the document in messages when it
    has no file name (``"the Jira pages"``).
    """
    limit = check_limit(input_limit, "input_limit")
    if isinstance(source, (dict, list)):
        return source, what
    if not isinstance(source, (str, os.PathLike)) and not hasattr(source, "read"):
        raise TypeError(
            "`source` must be a path, an open file or the parsed JSON (a dict or a list), "
            f"got {type(source).__name__}"
        )
    stream, label = _open(source, None)
    try:
        data = _read(stream, limit, label)
    finally:
        if not hasattr(source, "read"):
            stream.close()
    return _parse(data, label), label


def _read(stream: IO[Any], limit: int, label: str) -> bytes | str:
    """The whole stream, in chunks (never a buffer of `limit` bytes up front)."""
    chunks: list[Any] = []
    total = 0
    while True:
        chunk = stream.read(min(_CHUNK, limit + 1 - total))
        if not chunk:
            break
        chunks.append(chunk)
        total += len(chunk)
        if total > limit:
            raise ValidationError(
                f"cannot read {label}: larger than `input_limit` ({limit:,} bytes)"
            )
    if chunks and isinstance(chunks[0], str):
        return "".join(chunks)
    return b"".join(chunks)


def _parse(data: bytes | str, label: str) -> Any:
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ValidationError(
                f"cannot read {label}: not UTF-8 text (byte {exc.start})"
            ) from exc
    if not data.strip():
        raise ValidationError(f"cannot read {label}: it is empty, not JSON")
    try:
        return json.loads(data)
    except RecursionError as exc:
        raise ValidationError(f"cannot read {label}: JSON nested too deeply") from exc
    except ValueError as exc:
        raise ValidationError(f"cannot read {label}: not valid JSON ({exc})") from exc


class Walk:
    """A value of a document and its path, with checked access to its parts.

    Every refusal names the parameter (`source`) and the path, e.g.
    ``"`source`: issues[3].changelog.histories must be an array, got an object"``.  The
    path is spelt out only for a message: walking a large document stays cheap.
    """

    __slots__ = ("_parent", "_part", "value")

    def __init__(self, value: Any, path: str = "", *, parent: Walk | None = None) -> None:
        self.value = value
        self._parent = parent
        self._part: str | int = path

    @property
    def path(self) -> str:
        """Where the value is, e.g. ``issues[3].changelog`` (empty for the document)."""
        if self._parent is None:
            return str(self._part)
        base = self._parent.path
        if isinstance(self._part, int):
            return f"{base}[{self._part}]"
        return f"{base}.{self._part}" if base else self._part

    def __repr__(self) -> str:
        return f"Walk({self.path or '$'})"

    def refuse(self, rule: str) -> ValidationError:
        """An error about this value (to raise)."""
        return ValidationError(f"`source`: {self.path or 'the document'} {rule}")

    def _wrong(self, kind: str) -> TypeError:
        where = self.path or "the document"
        return TypeError(f"`source`: {where} must be {kind}, got {kind_of(self.value)}")

    def obj(self) -> Mapping[str, Any]:
        """The value as an object."""
        value = self.value
        if type(value) is dict or isinstance(value, Mapping):
            return value
        raise self._wrong("an object")

    def items(self) -> list[Walk]:
        """The elements of an array."""
        if not isinstance(self.value, (list, tuple)):
            raise self._wrong("an array")
        return [Walk(v, k, parent=self) for k, v in enumerate(self.value)]  # type: ignore[arg-type]

    def get(self, key: str) -> Walk:
        """The member `key` of an object (its value ``None`` when absent)."""
        return Walk(self.obj().get(key), key, parent=self)

    def need(self, key: str, hint: str = "") -> Walk:
        """The member `key`, which must be present (and not null)."""
        member = self.get(key)
        if member.value is None:
            raise self.refuse(f"has no `{key}`{hint}")
        return member

    def text(self) -> str | None:
        """A string member (``None`` when null or absent)."""
        if self.value is None or type(self.value) is str:
            return self.value
        raise self._wrong("a string")

    def text_of(self, key: str) -> str | None:
        """The string member `key` of an object (``None`` when null or absent)."""
        value = self.obj().get(key)
        if value is None or type(value) is str:
            return value
        return self.get(key).text()
