"""What the tracker readers share: status events into a table, field values as text, blocks.

A reader walks its tracker's document once, gathering one row per status event (the
item, the state entered, the instant as text) and each item's field values; here the
rows become columns and :func:`~customer_kanban.io.read_event_log` builds the table, so
that every tracker is read by the same rules as an event log.  Blocked intervals are
added to the table afterwards.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import attrs
import numpy as np
import numpy.typing as npt

from customer_kanban._core.iso import parse_iso
from customer_kanban.errors import RejectedRowsWarning, ValidationError
from customer_kanban.io._event_log import RESERVED, EventLogResult, read_event_log
from customer_kanban.io._json import Walk, kind_of
from customer_kanban.model import Workflow
from customer_kanban.table import BlockedIntervals, WorkItemTable

__all__ = [
    "RESERVED",
    "Blocks",
    "Events",
    "check_fields",
    "check_name",
    "check_state_map",
    "check_workflow",
    "field_text",
    "parse_instants",
    "read_columns",
    "read_events",
]

I64 = npt.NDArray[np.int64]
_NAT = np.iinfo(np.int64).min
# Members read from a field's object value, in this order: an option's value, a user's
# name as people read it, a named object's name (priority, status, component), a key.
_OBJECT_KEYS = ("value", "displayName", "name", "key")
#: Deepest nesting of a field's value read as text (an array of options is 2 levels deep).
MAX_DEPTH = 32


# --------------------------------------------------------------------------- checks
def check_workflow(workflow: object) -> Workflow:
    if not isinstance(workflow, Workflow):
        raise TypeError(f"`workflow` must be a Workflow, got {type(workflow).__name__}")
    return workflow


def check_name(value: object, name: str, *, optional: bool = False) -> str | None:
    """A field or column name: a non-empty string (``None`` too when `optional`)."""
    if value is None and optional:
        return None
    if not isinstance(value, str) or not value:
        what = "a non-empty string or None" if optional else "a non-empty string"
        raise TypeError(f"`{name}` must be {what}, got {value!r:.40}")
    return value


def check_fields(fields: object, name: str = "fields") -> list[tuple[str, str]]:
    """``(table field, source field)`` pairs of a `fields` mapping, checked."""
    if not isinstance(fields, Mapping):
        raise TypeError(
            f"`{name}` must be a mapping of table fields to source fields, "
            f"got {type(fields).__name__}"
        )
    pairs = []
    for target, origin in fields.items():
        if not isinstance(target, str) or not target or not isinstance(origin, str) or not origin:
            raise TypeError(
                f"`{name}` must map table fields to source fields, both non-empty strings; "
                f"got {target!r:.40}: {origin!r:.40}"
            )
        if target in RESERVED:
            raise ValidationError(
                f"`{name}` maps {origin!r} to {target!r}, a table field the reader sets itself"
            )
        pairs.append((target, origin))
    return pairs


def check_state_map(state_map: object) -> Mapping[str, str] | None:
    if state_map is not None and not isinstance(state_map, Mapping):
        raise TypeError(f"`state_map` must be a mapping, got {type(state_map).__name__}")
    return state_map


# ------------------------------------------------------------------------ values
def field_text(node: Walk, depth: int = 0) -> str | None:
    """A field's value as table text; ``None`` when it has none.

    Strings are kept (the empty string is no value); numbers are written as JSON writes
    them (``2``, ``2.5``), booleans ``true``/``false``.  Objects give their ``value``
    (options), ``displayName`` (users, identities), ``name`` (priority, status,
    components) or ``key``, the first present; arrays their elements' texts joined by
    ``|`` (ActionableAgile's way of writing several values).  A value nested deeper than
    :data:`MAX_DEPTH` levels is refused (no field of a tracker is).
    """
    value = node.value
    if depth > MAX_DEPTH and isinstance(value, (Mapping, list, tuple)):
        raise node.refuse(f"is nested deeper than {MAX_DEPTH} levels; map a field of text")
    if isinstance(value, Mapping):
        for key in _OBJECT_KEYS:
            if value.get(key) is not None:
                return field_text(node.get(key), depth + 1)
        raise node.refuse(
            f"is an object without any of {list(_OBJECT_KEYS)}; map a field that has a text value"
        )
    if isinstance(value, (list, tuple)):
        texts = [t for t in (field_text(v, depth + 1) for v in node.items()) if t is not None]
        return "|".join(texts) if texts else None
    return _scalar_text(node)


def _scalar_text(node: Walk) -> str | None:
    value = node.value
    if value is None or isinstance(value, str):
        return value or None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        try:
            return str(value)
        except ValueError:  # more digits than Python writes (sys.get_int_max_str_digits)
            raise node.refuse("is a number too long to be a field's value") from None
    if isinstance(value, float):
        if not math.isfinite(value):
            return None
        return str(int(value)) if value.is_integer() else repr(value)
    raise TypeError(f"`source`: {node.path} must be a JSON value, got {kind_of(value)}")


def parse_instants(texts: Sequence[str | None]) -> tuple[I64, npt.NDArray[np.bool_]]:
    """ISO 8601 texts as int64 nanoseconds (UTC) and which parsed (``None`` does not)."""
    arr = np.array([t or "" for t in texts], dtype=str)
    if not arr.size:
        return np.zeros(0, np.int64), np.zeros(0, bool)
    ns, ok = parse_iso(arr)
    ok &= arr != ""
    return ns, ok


# ------------------------------------------------------------------------ gathering
@attrs.define
class Events:
    """Status events gathered from a document, and the field values of its items.

    ``owner[k]`` is the position in ``keys`` of the item of event `k`; ``values`` holds
    one list per mapped field, aligned with ``keys``.
    """

    keys: list[str | None] = attrs.Factory(list)
    values: dict[str, list[str | None]] = attrs.Factory(dict)
    owner: list[int] = attrs.Factory(list)
    state: list[str | None] = attrs.Factory(list)
    at: list[str | None] = attrs.Factory(list)

    def add(self, owner: int, state: str | None, at: str | None) -> None:
        self.owner.append(owner)
        self.state.append(state)
        self.at.append(at)

    def columns(self, targets: Sequence[str], order: I64 | None = None) -> dict[str, Any]:
        """The events as the columns of an event log, in `order` (default: as gathered)."""
        owner = np.asarray(self.owner, dtype=np.int64)
        state = np.array([s or "" for s in self.state], dtype=object)
        at = np.array([a or "" for a in self.at], dtype=object)
        if order is not None:
            owner, state, at = owner[order], state[order], at[order]
        keys = np.array([k or "" for k in self.keys], dtype=object)
        out: dict[str, Any] = {"item": keys[owner], "state": state, "at": at}
        for k, target in enumerate(targets):
            values = np.array([v or "" for v in self.values[target]], dtype=object)
            out[f"field {k}"] = values[owner] if values.size else values[:0]
        return out


@attrs.define
class Blocks:
    """Blocked intervals gathered from a document: one row each, by item position."""

    owner: list[int] = attrs.Factory(list)
    start: list[int] = attrs.Factory(list)
    end: list[int] = attrs.Factory(list)
    reason: list[str | None] = attrs.Factory(list)

    def add(self, owner: int, start: int, end: int | None, reason: str | None) -> None:
        self.owner.append(owner)
        self.start.append(start)
        self.end.append(_NAT if end is None else end)
        self.reason.append(reason)


def read_events(
    events: Events,
    *,
    workflow: Workflow,
    targets: Sequence[str],
    state_map: Mapping[str, str] | None,
    order: I64 | None = None,
    blocks: Blocks | None = None,
) -> EventLogResult:
    """The table of `events` built by :func:`read_event_log`, with `blocks` added.

    The reader's own warning is not issued here: the public reader warns, naming its
    source, so that the warning points at its caller.
    """
    columns = events.columns(targets, order)
    attributes = {f"field {k}": target for k, target in enumerate(targets)}
    result = read_columns(columns, workflow=workflow, attributes=attributes, state_map=state_map)
    if blocks is None or not blocks.owner:
        return result
    return EventLogResult(
        table=with_blocked(result.table, events.keys, blocks),
        rejected=result.rejected,
        n_rows=result.n_rows,
        n_accepted=result.n_accepted,
        n_merged=result.n_merged,
    )


def read_columns(
    columns: Mapping[str, Any],
    *,
    workflow: Workflow,
    attributes: Mapping[str, str],
    state_map: Mapping[str, str] | None = None,
) -> EventLogResult:
    """:func:`read_event_log` on event columns named ``item``, ``state`` and ``at``, quietly.

    Its warning names "the mapping"; the tracker reader warns instead, naming its source.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RejectedRowsWarning)
        return read_event_log(
            columns, workflow=workflow, attributes=attributes, state_map=state_map
        )


def with_blocked(table: WorkItemTable, keys: Sequence[str | None], blocks: Blocks) -> WorkItemTable:
    """`table` with the intervals of `blocks` (items not in the table are left out)."""
    position = {str(k): p for p, k in enumerate(table["id"].tolist())}
    at = np.array([position.get(str(keys[o]), -1) for o in blocks.owner], dtype=np.int64)
    kept = at >= 0
    start = np.asarray(blocks.start, np.int64)[kept]
    end = np.asarray(blocks.end, np.int64)[kept]
    reasons = [r for r, k in zip(blocks.reason, kept.tolist(), strict=True) if k]
    labels = sorted({r for r in reasons if r})
    codes = np.array([labels.index(r) if r else -1 for r in reasons], dtype=np.int32)
    item = at[kept]
    order = np.lexsort((start, item))
    blocked = BlockedIntervals(
        item=item[order],
        start=start[order].view("datetime64[ns]"),
        end=end[order].view("datetime64[ns]"),
        reason=codes[order] if codes.size else np.zeros(0, np.int32),
        reason_labels=np.array(labels, dtype=object),
    )
    categorical = set(table.categorical_fields)
    return WorkItemTable(
        columns={f: table[f] for f in table.fields if f not in categorical},
        categories={f: table.codes(f) for f in table.categorical_fields},
        states=table.states,
        transitions=table.transitions,
        blocked=blocked,
    )
