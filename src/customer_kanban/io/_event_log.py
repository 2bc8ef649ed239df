"""Import of event logs (one row per state change) into a :class:`WorkItemTable`."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, Literal

import attrs
import numpy as np
import numpy.typing as npt

from customer_kanban._core.frames import ArrowText, Categorical
from customer_kanban._core.results import Result, result
from customer_kanban._core.threads import split
from customer_kanban._core.validation import check_choice, choices_of
from customer_kanban.errors import ValidationError
from customer_kanban.io._arrow import ArrowFallback, Engine, Lane, arrow_lanes, choose_engine
from customer_kanban.io._csv import FIELD_LIMIT, INPUT_LIMIT
from customer_kanban.io._fields import instants, numbers
from customer_kanban.io._ids import (
    arrow_decimal_values,
    code_in_place,
    decimal_text,
    decimal_values,
    integer_ids,
)
from customer_kanban.io._instants import TimeFormat
from customer_kanban.io._source import (
    ColumnBlock,
    LazyText,
    categories,
    check_column_names,
    column_blocks,
    decode,
    fixed_bytes,
    reader_options,
    text_column,
    warn_rejected,
)
from customer_kanban.model import Workflow
from customer_kanban.table import Transitions, WorkItemTable

__all__ = [
    "BAD_ORDER",
    "MISSING_INSTANT",
    "MISSING_ITEM",
    "MISSING_ORDER",
    "MISSING_STATE",
    "UNPARSEABLE_INSTANT",
    "UNPARSEABLE_REQUEST",
    "EventLogResult",
    "Rejections",
    "read_event_log",
]

MISSING_ITEM = "missing item id"
MISSING_STATE = "missing state"
UNPARSEABLE_INSTANT = "unparseable instant"
MISSING_INSTANT = "missing instant"
MISSING_ORDER = "missing order"
BAD_ORDER = "order is not a number"
UNPARSEABLE_REQUEST = "unparseable request instant"
Delivered = Literal["first", "last"]
DELIVERED = choices_of(Delivered)

I64 = npt.NDArray[np.int64]
Mask = npt.NDArray[np.bool_]

#: Table fields an attribute cannot be read into (the reader sets them).
RESERVED = (
    "id",
    "requested_at",
    "committed_at",
    "delivered_at",
    "due_at",
    "customer_recognisable",
)
_CATEGORICALS = ("customer", "segment", "work_type", "class_of_service")
_EMPTY: npt.NDArray[Any] = np.empty(0, dtype="S1")
_EMPTY_I64: I64 = np.empty(0, np.int64)
_EMPTY_I32: npt.NDArray[np.int32] = np.empty(0, np.int32)
_NAT = np.iinfo(np.int64).min
_UNITS = (60 * 10**9, 10**9, 10**6, 10**3)


def _rows(values: Any) -> I64:
    out = np.array(values, dtype=np.int64).reshape(-1)
    out.flags.writeable = False
    return out


def _reasons(values: Any) -> npt.NDArray[np.object_]:
    out = np.array(values, dtype=object).reshape(-1)
    out.flags.writeable = False
    return out


@result
class Rejections(Result):
    """The rows of an event log that were not accepted, and why.

    Attributes
    ----------
    rows : numpy.ndarray of int64
        0-based positions of the rejected data rows, ascending.  The header row of
        a CSV file is not counted (row 0 is the first line after the header), nor
        are blank lines.
    reasons : numpy.ndarray of object
        One short reason per rejected row: ``"missing item id"``,
        ``"missing state"``, ``"unknown state 'X'"`` (``X``, as read, is neither a
        key of `state_map` nor a workflow state), ``"missing instant"`` or
        ``"unparseable instant"``.

    Both arrays are read-only.

    Examples
    --------
    >>> r = Rejections(rows=[2, 5], reasons=["missing instant", "unknown state 'Gone'"])
    >>> len(r), r.counts()
    (2, {'missing instant': 1, "unknown state 'Gone'": 1})
    >>> r.to_dict()
    {'rows': [2, 5], 'reasons': ['missing instant', "unknown state 'Gone'"]}
    """

    # Bare ``np.ndarray`` annotations: the package converter dispatches its array hook on them.
    rows: np.ndarray = attrs.field(converter=_rows)
    reasons: np.ndarray = attrs.field(converter=_reasons)

    def __attrs_post_init__(self) -> None:
        if self.rows.shape != self.reasons.shape:
            raise ValidationError(
                f"`rows` has {self.rows.size} entries but `reasons` has {self.reasons.size}"
            )

    def __len__(self) -> int:
        return int(self.rows.size)

    def __repr__(self) -> str:
        return f"Rejections({len(self)} rows: {self.counts()})"

    def counts(self) -> dict[str, int]:
        """Number of rejected rows per reason, most frequent first (ties by reason)."""
        if not len(self):
            return {}
        labels, counts = np.unique(self.reasons.astype(str), return_counts=True)
        order = np.lexsort((labels, -counts))
        return {str(labels[k]): int(counts[k]) for k in order}


@result
class EventLogResult(Result):
    """What :func:`read_event_log` accepted, and what it rejected.

    Attributes
    ----------
    table : WorkItemTable
        One row per item with an accepted row; ``states`` are the workflow's.
    rejected : Rejections
        The rejected rows and their reasons.
    n_rows : int
        Data rows read from the source.
    n_accepted : int
        Rows accepted; ``n_accepted + len(rejected) == n_rows``.
    n_merged : int
        Accepted rows merged into the transition before them (same item, state and
        department); ``n_accepted == len(table.transitions) + n_merged``.
    """

    table: WorkItemTable
    rejected: Rejections
    n_rows: int
    n_accepted: int
    n_merged: int

    def __repr__(self) -> str:
        return (
            f"EventLogResult(n_rows={self.n_rows}, n_accepted={self.n_accepted}, "
            f"n_merged={self.n_merged}, rejected={self.rejected!r}, table={self.table!r})"
        )

    def to_dict(self) -> dict[str, Any]:
        """The counts, every rejected row with its reason, and the table's size and fields.

        The table itself is not exported here: :meth:`WorkItemTable.to_items` gives its
        items, which serialise one by one.
        """
        return {
            "n_rows": self.n_rows,
            "n_accepted": self.n_accepted,
            "n_merged": self.n_merged,
            "rejected": self.rejected.to_dict(),
            "table": {
                "items": len(self.table),
                "fields": list(self.table.fields),
                "states": list(self.table.states),
                "transitions": len(self.table.transitions),
            },
        }


# --------------------------------------------------------------------------- checks
def _check_names(item: str, state: str, at: str, department: str | None) -> None:
    for role, value in (("item", item), ("state", state), ("at", at)):
        if not isinstance(value, str):
            raise TypeError(f"`{role}` must be a column name (str), got {type(value).__name__}")
    if department is not None and not isinstance(department, str):
        raise TypeError(
            f"`department` must be a column name or None, got {type(department).__name__}"
        )


def _attribute_targets(attributes: Sequence[str] | Mapping[str, str]) -> list[tuple[str, str]]:
    if isinstance(attributes, str):
        raise TypeError(
            "`attributes` must be a sequence or mapping of column names, not one string"
        )
    if isinstance(attributes, Mapping):
        pairs = [(str(k), v) for k, v in attributes.items()]
    else:
        pairs = [(c, c) for c in attributes]
    for column, field in pairs:
        if not isinstance(column, str) or not isinstance(field, str) or not field:
            raise TypeError(
                f"`attributes` must name columns and fields as strings, got {column!r}: {field!r}"
            )
        if field in RESERVED:
            raise ValidationError(
                f"`attributes` maps {column!r} to the reserved table field {field!r}"
            )
    fields = [f for _, f in pairs]
    repeated = sorted({f for f in fields if fields.count(f) > 1})
    if repeated:
        raise ValidationError(f"`attributes` names the table fields {repeated} more than once")
    return pairs


def _state_lookup(
    workflow: Workflow, state_map: Mapping[str, str] | None
) -> tuple[npt.NDArray[np.str_], npt.NDArray[np.int32]]:
    """Sorted raw state values and the workflow index each one means."""
    lookup = {s: k for k, s in enumerate(workflow.states)}
    if state_map is not None:
        if not isinstance(state_map, Mapping):
            raise TypeError(f"`state_map` must be a mapping, got {type(state_map).__name__}")
        bad = sorted({str(v) for v in state_map.values() if v not in workflow.states})
        if bad:
            raise ValidationError(
                f"`state_map` maps to states not in the workflow: {bad}; "
                f"states are {list(workflow.states)}"
            )
        lookup.update({str(k): workflow.states.index(v) for k, v in state_map.items()})
    keys = np.array(sorted(lookup), dtype=str)
    return keys, np.array([lookup[k] for k in keys.tolist()], dtype=np.int32)


# ------------------------------------------------------------------------- columns
@attrs.frozen(eq=False)
class _Ids:
    """Item ids of a block: the ids themselves, or codes into labels in text order."""

    values: npt.NDArray[Any]
    missing: Mask
    labels: npt.NDArray[Any] | None = None
    decimal: bool = False  # values of ids that are canonical decimal text


def _item_column(column: Any, na_values: Sequence[str], streamed: bool = False) -> _Ids:
    """Item ids: integer columns are kept as they are (never missing), coded columns as
    codes, the rest as text; a streamed block's Arrow ids as UTF-8 bytes (the collector
    reads the values of decimal ones)."""
    if isinstance(column, ArrowText) and streamed:
        values = arrow_decimal_values(column)
        if values is not None:
            return _Ids(values, np.zeros(values.shape, bool), decimal=True)
        return _Ids(*text_column(column.fixed_bytes(column.width())[0], na_values))
    if isinstance(column, ArrowText):
        numbered = integer_ids(column, tuple(na_values))
        if numbered is not None:
            return _Ids(numbered.codes, np.zeros(numbered.codes.shape, bool), numbered.labels)
    if isinstance(column, (Categorical, ArrowText)):
        cat, missing = categories(column, na_values)
        return _Ids(cat.codes, missing, cat.labels)
    values = np.asarray(column)
    if values.dtype.kind in "iu":
        return _Ids(values, np.zeros(values.shape, bool))
    return _Ids(*text_column(column, na_values))


def _state_codes(
    column: Any, na_values: Sequence[str], keys: npt.NDArray[np.str_], codes: npt.NDArray[np.int32]
) -> tuple[npt.NDArray[np.int32], LazyText]:
    """Workflow index of every row: -1 unknown, -2 missing; and the column's text."""
    if isinstance(column, (Categorical, ArrowText)):  # look up each label once
        cat, missing = categories(column, na_values)
        per_label, _ = _state_codes(cat.labels, (), keys, codes)
        out = np.append(per_label, np.int32(-2))[np.where(missing, cat.labels.size, cat.codes)]
        return out, LazyText(cat.codes, missing, cat.labels)
    text, missing = text_column(column, na_values)
    probe: npt.NDArray[Any] = text
    if text.dtype.kind != "U":  # bytes read from a file: compare with the encoded keys
        encoded = np.char.encode(keys, "utf-8")
        width = max(int(encoded.dtype.itemsize), 1) + 1
        probe, _ = fixed_bytes(text, width)  # a longer value is no state: cut, still unknown
        keys = encoded  # type: ignore[assignment]
    left = np.searchsorted(keys, probe, side="left")
    unknown = np.searchsorted(keys, probe, side="right") == left  # keys are unique
    np.minimum(left, keys.size - 1, out=left)
    out = codes[left]
    del left
    out[unknown] = -1
    out[missing] = -2
    return out, LazyText(text, missing)


# --------------------------------------------------------------------------- sorting
def _time_key(at: I64, *, in_place: bool = False) -> tuple[I64, int, int, int] | None:
    """Instants as small non-negative integers in the coarsest exact unit.

    Returns ``(ticks, span, unit, origin)`` with ``at == ticks * unit + origin`` and
    ``0 <= ticks < span``, or ``None`` when the span of the instants does not fit
    in an int64.  With `in_place`, `at` itself becomes `ticks` (no second array).
    """
    if at.size == 0:
        return at, 1, 1, 0
    lo = int(at.min())
    if int(at.max()) - lo >= 2**63:
        return None
    if in_place:
        at -= lo
        ticks = at
    else:
        ticks = at - lo
    unit = 1
    sample = ticks[:: max(1, ticks.size // 4096)]  # rules out most units without a full pass
    for candidate in _UNITS:
        if not (sample % candidate).any() and _divisible(ticks, candidate):
            ticks //= candidate
            unit = candidate
            break
    return ticks, int(ticks.max()) + 1, unit, lo


def _divisible(values: I64, divisor: int) -> bool:
    """Whether every value is a multiple of `divisor` (in slices: no full-size temporary)."""

    def check(start: int, stop: int) -> bool:
        return not any(
            (values[a : min(stop, a + _SLICE)] % divisor).any() for a in range(start, stop, _SLICE)
        )

    return all(split(check, values.size))


def _sort_rows(
    rows: _Rows, n_states: int, *, need_order: bool = True
) -> tuple[I64 | None, I64, npt.NDArray[np.int32], I64, Mask, Callable[[I64], npt.NDArray[Any]]]:
    """Sort the accepted rows by (item, instant, order, state), stably.

    Instant, order and state are packed into one int64 key within an item (the
    usual case: instants to the second or minute), and the rows are sorted by it,
    then by item code, each with a sort of values carrying the row positions in
    their low bits (:func:`_stable_order`); the sorted instants and states are
    decoded from the sorted key rather than gathered.  Where the positions do not
    fit beside the key, one stable ``argsort`` of the item code and the key packed
    together, and where those do not fit in 63 bits, ``lexsort``.
    `seq` (the log's own order of events, optional) is used by its dense rank.
    Without `need_order` (no other column is to be gathered in sorted order) and when
    item code and key pack into one int64, that packed key is sorted alone: one sort of
    values, no positions (rows equal in every sorted column are interchangeable); it is
    built in the item codes' buffer and the instants' (when the reader owns them), so
    that the rows take no more memory sorted than read.
    The unsorted columns are taken out of `rows` and released as soon as they are
    used, temporaries too: memory peaks here.

    Returns
    -------
    order : positions of the rows in sorted order (``None`` when not `need_order`
        and not computed)
    codes, state, at : the sorted item codes, states and instants
    tie_next : row k ties with row k + 1 on item, instant and state (empty when
        `order` is ``None``: nothing is reordered then)
    labels_of : item codes -> item ids
    """
    ids, at, state, seq = rows.ids, rows.ns, rows.st, rows.seq
    rows.ids, rows.ns, rows.st, rows.seq = _EMPTY, _EMPTY_I64, _EMPTY_I32, None
    codes, n_codes, labels_of = _item_codes(ids, rows.id_labels, rows.numbered)
    del ids
    rank, n_seq = _dense_rank(seq, at.size)
    del seq
    n_rows = at.size
    packed = _time_key(at, in_place=rows.owned)
    if packed is None or n_codes * packed[1] * n_seq * n_states >= 2**63:
        if packed is not None and packed[0] is at:  # made ticks in place: instants again
            at *= packed[2]
            at += packed[3]
        return (*_lexsorted(codes, at, state, rank), labels_of)
    ticks, span, unit, origin = packed
    del packed
    # The key within an item: instant, then the log's order, then the state.
    minor = ticks if ticks is not at or rows.owned else ticks.copy()
    del ticks, at
    if rank is not None:
        minor *= n_seq
        minor += rank
    del rank
    minor *= n_states
    minor += state
    del state
    row_bits = max(int(n_rows - 1).bit_length(), 1)
    minor_bits = int(minor.max(initial=0)).bit_length()
    fits = max((n_codes - 1).bit_length(), minor_bits) + row_bits
    order: I64 | None = None
    if not need_order and (n_codes - 1).bit_length() + minor_bits <= 63:
        key = codes  # the codes are the reader's own: the key is built in their buffer
        del codes
        key <<= minor_bits
        key |= minor
        del minor
        key.sort()
        s_codes = np.right_shift(key, minor_bits)
        key &= (1 << minor_bits) - 1
        s_minor = key
    elif fits <= 63:
        positions = np.arange(n_rows, dtype=np.int64)
        order = _stable_order(minor, row_bits, positions)  # by instant, order and state ...
        s_codes = codes[order].astype(np.int64)
        by_item = _stable_order(s_codes, row_bits, positions)  # ... then by item, keeping it
        del positions
        s_codes = s_codes[by_item]
        order = order[by_item]
        del by_item
    else:
        key = np.multiply(codes, span * n_seq * n_states)
        key += minor
        order = np.argsort(key, kind="stable").astype(np.int64, copy=False)
        del key
        s_codes = codes[order].astype(np.int64)
    if order is not None:
        del codes
        s_minor = minor[order]
        del minor
        tie = (s_codes[1:] == s_codes[:-1]) & (s_minor[1:] == s_minor[:-1])
    else:
        tie = np.zeros(0, bool)
    s_state = np.empty(s_minor.size, np.int32)
    np.remainder(s_minor, n_states, out=s_state, casting="unsafe")
    s_minor //= n_states
    if n_seq > 1:
        s_minor //= n_seq
    s_at = s_minor  # the key's buffer becomes the instants
    if unit != 1:
        s_at *= unit
    if origin:
        s_at += origin
    return order, s_codes, s_state, s_at, tie, labels_of


def _lexsorted(
    codes: I64, at: I64, state: npt.NDArray[np.int32], rank: I64 | None
) -> tuple[I64, I64, npt.NDArray[np.int32], I64, Mask]:
    """The general sort of :func:`_sort_rows`, when the key does not fit an int64: order,
    sorted codes, states and instants, and the ties."""
    rank = np.zeros(at.size, np.int64) if rank is None else rank
    lex = np.lexsort((state, rank, at, codes)).astype(np.int64, copy=False)
    c, a, st, r = codes[lex], at[lex], state[lex], rank[lex]
    tie = (c[1:] == c[:-1]) & (a[1:] == a[:-1]) & (st[1:] == st[:-1]) & (r[1:] == r[:-1])
    return lex, c, st, a, tie


def _stable_order(key: I64, row_bits: int, positions: I64) -> I64:
    """The positions that sort `key` stably, by one sort of values.

    ``key << row_bits | position`` is sorted as values (numpy's vectorized sort of
    values is several times faster than ``argsort``); the low bits are then the
    positions.  `key` must be >= 0 and below ``2 ** (63 - row_bits)``; `positions` is
    ``arange(key.size)``, made once for both sorts.
    """
    packed = np.left_shift(key, row_bits)
    packed |= positions
    packed.sort()
    packed &= (1 << row_bits) - 1
    return packed


def _dense_rank(seq: npt.NDArray[np.float64] | None, size: int) -> tuple[I64 | None, int]:
    """The rank of each value among the distinct values (``None`` without `seq`: all 0),
    and their count."""
    if seq is None or not size:
        return None, 1
    values, rank = np.unique(seq, return_inverse=True)
    return rank.astype(np.int64, copy=False).reshape(-1), int(values.size)


def _content_rank(column: LazyText, rows: I64) -> I64:
    """Rank of each row's value in text order; missing values rank first (-1)."""
    missing = column.missing[rows]
    rank = np.full(rows.shape, -1, np.int64)
    rank[~missing] = np.unique(column.text(rows[~missing]), return_inverse=True)[1]
    return rank


def _break_ties(
    order: I64, tie_next: Mask, contents: list[LazyText], source_rows: I64 | None
) -> I64:
    """Order rows tied on (item, instant, state) by department, then attribute values.

    `order` indexes the accepted rows; `source_rows` maps them to the rows of the
    columns in `contents` (``None``: the same rows).
    """
    if not contents or not tie_next.any():
        return order
    in_tie = np.zeros(order.size, bool)
    in_tie[:-1] |= tie_next
    in_tie[1:] |= tie_next
    group = np.concatenate(([0], np.cumsum(~tie_next)))
    where = np.flatnonzero(in_tie)
    rows = order[where]
    original = rows if source_rows is None else source_rows[rows]
    keys = [_content_rank(column, original) for column in reversed(contents)]
    sub = np.lexsort((*keys, group[where]))
    order = order.copy()
    order[where] = rows[sub]
    return order


def _first_per_item(item: I64, mask: Mask, at: I64, n_items: int) -> I64:
    """Earliest instant per item among rows where `mask` holds (rows sorted by item, then time)."""
    out = np.full(n_items, _NAT, np.int64)
    for a in range(0, item.size, _SLICE):  # slices: no index the size of the rows
        idx = np.flatnonzero(mask[a : a + _SLICE])
        if idx.size:
            idx += a
            it = item[idx]
            first = np.ones(idx.size, bool)
            first[1:] = it[1:] != it[:-1]
            it, when = it[first], at[idx[first]]
            unset = out[it] == _NAT  # an item begun in an earlier slice keeps its first
            out[it[unset]] = when[unset]
    return out


# -------------------------------------------------------------------------- public
def read_event_log(
    source: str | os.PathLike[str] | Mapping[str, Any] | Any,
    *,
    workflow: Workflow,
    item: str = "item",
    state: str = "state",
    at: str = "at",
    attributes: Sequence[str] | Mapping[str, str] = (),
    department: str | None = None,
    order: str | None = None,
    requested: str | None = None,
    delivered: Delivered = "first",
    at_format: str | None = None,
    state_map: Mapping[str, str] | None = None,
    na_values: Sequence[str] = ("",),
    delimiter: str | None = ",",
    field_limit: int = FIELD_LIMIT,
    input_limit: int = INPUT_LIMIT,
    engine: Engine = "auto",
) -> EventLogResult:
    """Read an event log (one row per state change) into a :class:`WorkItemTable`.

    Parameters
    ----------
    source : str, os.PathLike, open file, mapping of str to array_like, or data frame
        A CSV file with a header row (UTF-8 with or without a byte-order mark,
        ``"`` quotes, LF, CRLF or CR line ends), read in blocks with bounded
        memory; or columns: a pandas, polars or pyarrow table (or any eager frame
        narwhals supports), or a mapping of arrays, lists or frame columns.
        Categorical and dictionary columns are read as their codes and labels,
        each label once; timestamps with a time zone are converted to UTC.
    workflow : Workflow
        The states, in order, with the commitment and delivery points.
    item, state, at : str, optional
        Names of the item id, state and instant columns.
    attributes : sequence of str, or mapping of str to str, optional
        Columns copied to per-item table fields: names (the field is named after
        the column) or ``{column: field}``, e.g. ``{"priority":
        "class_of_service", "caller_id": "customer"}``.  Each item takes the value
        of its latest accepted row where the column is not missing.  Attributes are
        categorical (text) fields.
    department : str, optional
        Column whose value becomes the department of each transition.
    order : str, optional
        Column of event sequence numbers (ServiceNow ``sys_mod_count``, a Jira
        history id): events of one item at the same instant are taken in this
        order.  Without it, such events are ordered by content (see Notes).  A row
        whose order is missing or not a number is rejected.
    requested : str, optional
        Column of request instants (ServiceNow ``opened_at``, Jira ``created``):
        an item is requested at its earliest value of this column, or at its first
        event if that is earlier (or if the column is always missing for it).
        Without it, an item is requested at its first event.  Read with
        `at_format`; a row whose value is present but unparseable is rejected.
    delivered : {"first", "last"}, optional
        For an item that re-entered the delivery point after moving back before
        it (re-opened): ``"first"`` (default), delivered at its first entry into
        the delivery point or a later state; ``"last"``, at its last entry, and
        not delivered if it has moved back before the delivery point since.
    at_format : str, optional
        ``None`` (default): ISO 8601 text starting ``YYYY-MM-DD`` (naive instants
        are UTC; ``Z`` and ``+hh:mm`` offsets are converted to UTC).  Otherwise a
        ``strptime`` format, matched as :func:`datetime.datetime.strptime` matches
        it and parsed vectorized: ``%Y %y %m %d %H %I %M %S %f %p %j %b %B %a %A
        %z %%`` and literal text, fields with or without zero padding, e.g.
        ``"%d/%m/%Y %H:%M"`` reads ``29/2/2016 1:16``.  ``datetime64`` columns
        (and frame columns of instants, with or without a time zone) are taken as
        they are, in UTC.
    state_map : mapping of str to str, optional
        Raw state value -> workflow state; values not in the map are used as
        they are.
    na_values : sequence of str, optional
        Text that means "missing" in any column used.  The empty string, ``None``,
        ``NaN`` and ``NaT`` are always missing.
    delimiter : str or None, optional
        Field delimiter of a CSV file; ``None`` sniffs it from the header (``,``
        ``;`` tab ``|``).
    field_limit : int, optional
        Largest field of a CSV file, in bytes (default 1 MiB); a longer one is an
        error naming its row.
    input_limit : int, optional
        Largest CSV input, in bytes (default 64 GiB); a longer (or endless) input is
        an error.
    engine : {"auto", "arrow", "numpy"}, optional
        How a CSV file is parsed.  ``"arrow"``: pyarrow's streaming reader on two
        lanes of the file (the ``arrow`` extra), for a file given by its path; a file
        it cannot read exactly
        as the numpy engine does (a malformed row, text that is not UTF-8, a quoted
        line end, a field over `field_limit`) is read by the numpy engine instead.
        ``"numpy"``: the package's streaming reader.  Either way the peak memory is
        the table's bytes and a few blocks of text.
        ``"auto"`` (default): ``"arrow"`` for a path when pyarrow is installed,
        else ``"numpy"``.  Both give equal results; mappings and frames take no
        engine (only ``"auto"``).

    Returns
    -------
    EventLogResult
        ``table`` (one row per item with at least one accepted row, sorted by
        id), ``rejected`` (:class:`Rejections`), ``n_rows``, ``n_accepted`` and
        ``n_merged``; ``n_accepted + len(rejected) == n_rows``.

    Raises
    ------
    customer_kanban.errors.ValidationError
        The file is missing, a directory or a device, not UTF-8, over a limit, or
        its header repeats a name; a named column is absent, the columns of a
        mapping differ in length, `at_format` is unsupported or `state_map` maps to
        a state outside the workflow.
    TypeError
        Arguments of the wrong type.

    Warns
    -----
    customer_kanban.errors.RejectedRowsWarning
        When rows are rejected: how many, of how many, and the first reasons.

    See Also
    --------
    customer_kanban.table.WorkItemTable.from_columns : build a table from per-item columns.

    Notes
    -----
    Each row is checked in this order and rejected with the first reason that
    applies: a CSV row that does not split into the header's fields (``"3 fields
    where the header has 5"``, ``"unbalanced quotes"``, a stray quote or a NUL
    character); ``missing item id``; ``missing state``; ``unknown state 'X'``
    (not a workflow state after `state_map`); ``missing instant``; ``unparseable
    instant``; then, when asked for, ``missing order``, ``order is not a number``
    and ``unparseable request instant``.  Rejected rows are reported, never dropped silently, and a
    :class:`~customer_kanban.errors.RejectedRowsWarning` says how many.

    From the accepted rows of each item, sorted by instant (ties are ordered by
    the `order` column when given, then by content: workflow position of the
    state, then department, then attribute values, never by row position, so any
    row order gives an equal table):

    * ``requested_at`` is the first event, whatever its state, or the item's
      earliest `requested` value if that is earlier;
    * ``committed_at`` is the first entry into the commitment point **or any later
      state**, and ``delivered_at`` the first entry into the delivery point or any
      later state (with ``delivered="last"``, the last such entry, and none if the
      item has since moved back before the delivery point).  States skipped by the
      log are thus back-filled: an item going ``New -> Closed`` without
      ``Resolved`` is delivered when it is closed.  This is deliberate, and the
      same rule for both points;
    * consecutive rows with the same state and the same department are merged
      into one transition at the earliest instant (audit logs repeat a row on
      every update); a change of department within a state is kept, as a
      hand-off.  Backward moves are kept as transitions: the first entry into each
      state is ``table.first_entries()``, and time in state is computed from the
      full history by the metrics.

    The work is vectorized: one sort of the rows (on a packed integer key when
    the instants allow), then differences and reductions over the sorted rows.

    Examples
    --------
    >>> from customer_kanban.model import Workflow
    >>> wf = Workflow(["New", "Doing", "Done"], "Doing", "Done")
    >>> log = {
    ...     "item": ["A", "A", "B", "A", "", "B"],
    ...     "state": ["New", "Doing", "New", "Done", "Doing", "Lost"],
    ...     "at": ["2024-01-01", "2024-01-02T09:00", "2024-01-03", "2024-01-05",
    ...            "2024-01-02", "2024-01-04"],
    ...     "team": ["Sales", "Dev", "Sales", "Dev", "Dev", "Dev"],
    ... }
    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     result = read_event_log(log, workflow=wf, department="team")
    >>> print(caught[0].message)  # doctest: +ELLIPSIS
    the mapping: 2 of 6 rows rejected (33.3%): row 4: missing item id; row 5: ...
    >>> table = result.table
    >>> table["id"].tolist()
    ['A', 'B']
    >>> table["delivered_at"]
    array(['2024-01-05T00:00:00.000000000',                           'NaT'],
          dtype='datetime64[ns]')
    >>> result.rejected
    Rejections(2 rows: {'missing item id': 1, "unknown state 'Lost'": 1})
    >>> result.rejected.rows.tolist()
    [4, 5]
    >>> result.n_accepted + len(result.rejected) == result.n_rows
    True
    """
    if not isinstance(workflow, Workflow):
        raise TypeError(f"`workflow` must be a Workflow, got {type(workflow).__name__}")
    _check_names(item, state, at, department)
    targets = _attribute_targets(attributes)
    na = reader_options(na_values, delimiter, field_limit, input_limit)
    check_column_names(order=order, requested=requested)
    spec = _Spec(
        item=item,
        state=state,
        at=at,
        department=department,
        order=order,
        requested=requested,
        delivered=check_choice(delivered, name="delivered", choices=DELIVERED),
        targets=targets,
        na=na,
        fmt=None if at_format is None else TimeFormat.parse(at_format),
        lookup=_state_lookup(workflow, state_map),
    )
    collector = _collect(source, spec, engine, delimiter, field_limit, input_limit)
    rejected = collector.rejections()
    rows = collector.rows()
    m = rows.ids.size
    table, n_transitions = _table(rows, workflow, spec)
    result = EventLogResult(
        table=table,
        rejected=rejected,
        n_rows=collector.n_rows,
        n_accepted=m,
        n_merged=m - n_transitions,
    )
    if len(rejected):
        hint = _hint(collector.samples[:3], at_format)
        warn_rejected(rejected.rows, rejected.reasons, collector.n_rows, collector.label, hint)
    return result


def _collect(
    source: Any,
    spec: _Spec,
    engine: str,
    delimiter: str | None,
    field_limit: int,
    input_limit: int,
) -> _Collector:
    """Every block of the source checked and gathered: by pyarrow's streaming reader
    (instants as timestamps, then as text) when the arrow engine can read the file,
    else by the numpy engine's stream."""
    if choose_engine(engine, source) == "arrow":
        for as_text in (False, True) if spec.fmt is None else (True,):
            lanes = arrow_lanes(
                source,
                columns=spec.columns,
                # Ids as plain text: a dictionary of a batch's ids is of no use to the next.
                texts=[c for c in spec.columns if c not in (spec.at, spec.item)],
                instant=None if as_text else spec.at,
                delimiter=delimiter,
                na_values=spec.na,
                field_limit=field_limit,
                input_limit=input_limit,
            )
            if lanes is None:
                break
            try:
                return _gather_lanes(lanes, spec)
            except ArrowFallback:
                continue
    blocks = column_blocks(
        source,
        columns=spec.columns,
        delimiter=delimiter,
        field_limit=field_limit,
        input_limit=input_limit,
    )
    return _gather(blocks, spec, _expected_bytes(source))


def _expected_bytes(source: Any) -> int:
    """Bytes of a plain CSV file (0 when unknown: a stream, a .gz, a frame)."""
    if isinstance(source, (str, os.PathLike)) and not os.fspath(source).lower().endswith(".gz"):
        try:
            return os.path.getsize(source)
        except OSError:
            return 0
    return 0


def _gather_lanes(lanes: list[Lane], spec: _Spec) -> _Collector:
    """The lanes' blocks gathered lane by lane, taking a block of each in turn (their
    readers parse on as the blocks are taken), then joined in lane order."""
    collectors = [_Collector(expected_rows=lane.expected_rows) for lane in lanes]
    active = list(range(len(lanes)))
    try:
        while active:
            for k in list(active):
                block = next(lanes[k], None)
                if block is None:
                    active.remove(k)
                else:
                    collectors[k].add(_accept(block, spec))
                    del block
    finally:
        for lane in lanes:
            lane.close()
    first = collectors[0]
    for other in collectors[1:]:
        first.extend(other)
    return first


def _gather(blocks: Iterator[ColumnBlock], spec: _Spec, expected_bytes: int) -> _Collector:
    collector = _Collector(expected_bytes)
    for block in blocks:
        collector.add(_accept(block, spec))
        del block  # the block's text goes before the next is read
    return collector


@attrs.frozen
class _Spec:
    """What :func:`read_event_log` reads, checked once."""

    item: str
    state: str
    at: str
    department: str | None
    order: str | None
    requested: str | None
    delivered: str
    targets: list[tuple[str, str]]
    na: tuple[str, ...]
    fmt: TimeFormat | None
    lookup: tuple[npt.NDArray[np.str_], npt.NDArray[np.int32]]

    @property
    def columns(self) -> list[str]:
        extra = [c for c in (self.department, self.order, self.requested) if c is not None]
        return [self.item, self.state, self.at, *extra, *(c for c, _ in self.targets)]

    def require(self, block: ColumnBlock) -> None:
        block.require(self.item, "item")
        block.require(self.state, "state")
        block.require(self.at, "at")
        for role in ("department", "order", "requested"):
            column = getattr(self, role)
            if column is not None:
                block.require(column, role)
        for column, _ in self.targets:
            block.require(column, "attributes")


@attrs.define(eq=False)
class _Accepted:
    """The accepted rows of one block, compacted, and the block's rejected rows."""

    label: str
    n_rows: int
    n_bytes: int
    ids: npt.NDArray[Any]
    id_labels: npt.NDArray[Any] | None
    decimal: bool
    st: npt.NDArray[np.int32]
    ns: I64
    dept: LazyText | None
    attrs_: list[LazyText]
    seq: npt.NDArray[np.float64] | None
    req: I64 | None
    rejected_rows: I64
    rejected_reasons: npt.NDArray[np.object_]
    bad_instants: list[str]


def _accept(block: ColumnBlock, spec: _Spec) -> _Accepted:
    """Check every row of a block (each reason once, in the documented order) and compact."""
    spec.require(block)
    cols = block.columns
    ids = _item_column(cols[spec.item], spec.na, block.streamed)
    id_missing = ids.missing
    st, st_text = _state_codes(cols[spec.state], spec.na, *spec.lookup)
    ns, at_missing, at_bad = instants(cols[spec.at], spec.na, spec.fmt, spec.at)
    seq, req, extra = _optional_columns(cols, spec)
    ok = ~(id_missing | (st < 0) | at_missing | at_bad)
    for mask, _ in extra:
        ok &= ~mask
    reasons = _reasons_of(id_missing, st, st_text, at_missing, at_bad, ok, extra)
    keep = None if ok.all() else np.flatnonzero(ok)
    dept = None
    if spec.department is not None:
        dept = LazyText.of(cols[spec.department], spec.na).take(keep)
    attr_cols = [LazyText.of(cols[column], spec.na).take(keep) for column, _ in spec.targets]
    rows = np.concatenate((np.asarray(block.rejected_rows, np.int64), block.rows[~ok]))
    why = np.concatenate((np.asarray(block.rejected_reasons, object), reasons))
    return _Accepted(
        label=block.label,
        n_rows=block.n_rows,
        n_bytes=block.n_bytes,
        ids=ids.values if keep is None else ids.values[keep],
        id_labels=ids.labels,
        decimal=ids.decimal,
        st=st if keep is None else st[keep],
        ns=ns if keep is None else ns[keep],
        dept=dept,
        attrs_=attr_cols,
        seq=seq if seq is None or keep is None else seq[keep],
        req=req if req is None or keep is None else req[keep],
        rejected_rows=rows,
        rejected_reasons=why,
        bad_instants=_first_texts(cols[spec.at], at_bad & ~(id_missing | (st < 0))),
    )


def _optional_columns(
    cols: Mapping[str, Any], spec: _Spec
) -> tuple[npt.NDArray[np.float64] | None, I64 | None, list[tuple[Mask, str]]]:
    """The order and request columns when asked for, and the rows each refuses, in order."""
    seq = req = None
    extra: list[tuple[Mask, str]] = []
    if spec.order is not None:
        seq, missing, bad = numbers(cols[spec.order], spec.na, spec.order)
        extra += [(missing, MISSING_ORDER), (bad, BAD_ORDER)]
    if spec.requested is not None:
        req, missing, bad = instants(cols[spec.requested], spec.na, spec.fmt, spec.requested)
        req = np.where(missing, _NAT, req)
        extra.append((bad, UNPARSEABLE_REQUEST))
    return seq, req, extra


_EMPTY_TEXT = LazyText(_EMPTY, np.zeros(0, bool))
#: Rows per slice of the in-place passes over the accepted rows (cache-sized).
_SLICE = 1 << 16


@attrs.define
class _Rows:
    """The accepted rows of a log, every block's together (a step of :func:`read_event_log`).

    `numbered`: `ids` holds the values of ids that are canonical decimal text (the text
    is still the id).  `owned`: `ns` and `st` are the reader's own buffers, which the
    sort may overwrite.
    """

    ids: npt.NDArray[Any]
    id_labels: npt.NDArray[Any] | None
    st: npt.NDArray[np.int32]
    ns: I64
    dept: LazyText | None
    attrs_: list[LazyText]
    seq: npt.NDArray[np.float64] | None = None
    req: I64 | None = None
    numbered: bool = False
    owned: bool = False


class _Growing:
    """One column of the accepted rows, grown block by block in place.

    The first block's array is kept as it is; from the second block on, the column is
    a buffer of its own, grown with ``ndarray.resize`` (``realloc``: a large buffer is
    remapped, not copied), so appending never holds two copies of the column.
    """

    def __init__(self, first: npt.NDArray[Any], capacity: int = 0) -> None:
        self.values = first
        self.size = int(first.size)
        self.owned = False
        self.capacity = capacity

    def append(self, part: npt.NDArray[Any]) -> None:
        dtype = _joined_dtype(self.values.dtype, part.dtype)
        need = self.size + int(part.size)
        if not self.owned or dtype != self.values.dtype:  # a second block, or wider ids
            # Room for the rows expected: pages not yet written take no memory.
            values = np.empty(max(need, self.capacity), dtype)
            values[: self.size] = self.values[: self.size]
            self.values = values
            self.owned = True
        if need > self.values.size:  # more rows than expected: grow (numpy zero-fills)
            self.values.resize(max(need, self.values.size * 9 // 8), refcheck=False)
        self.values[self.size : need] = part
        self.size = need

    def take(self) -> npt.NDArray[Any]:
        """The column, trimmed to its size; the buffer is the caller's from now on."""
        values = self.values
        if self.owned and values.size != self.size:
            values.resize(self.size, refcheck=False)
        self.values = _EMPTY
        return values


def _joined_dtype(a: np.dtype[Any], b: np.dtype[Any]) -> np.dtype[Any]:
    """The dtype of two blocks' columns joined: the wider text, objects if kinds differ."""
    if a == b:
        return a
    if a.kind != b.kind:  # bytes in most blocks, objects in some
        return np.dtype(object)
    return np.result_type(a, b)


class _Collector:
    """The accepted rows of every block, gathered as the blocks stream by.

    Ids that are canonical decimal text (most numbered logs) are kept as their int64
    values, read block by block; the first block that is not turns the values back
    into their (identical) text.
    """

    def __init__(self, expected_bytes: int = 0, expected_rows: int = 0) -> None:
        self.expected_bytes = expected_bytes
        self.expected_rows = expected_rows
        self.label = ""
        self.n_rows = 0
        self.samples: list[str] = []
        self._rejected: list[tuple[I64, npt.NDArray[np.object_]]] = []
        self._columns: dict[str, _Growing] = {}
        self._first: _Accepted | None = None
        self._blocks = 0
        self._texts: list[tuple[LazyText | None, list[LazyText]]] = []
        self.numbered = False

    def add(self, part: _Accepted) -> None:
        if not self._blocks:
            self.label = part.label
        self._blocks += 1
        self.n_rows += part.n_rows
        self.samples.extend(part.bad_instants[: max(0, 3 - len(self.samples))])
        self._rejected.append((part.rejected_rows, part.rejected_reasons))
        ids = self._ids(part)
        if self._blocks == 1:
            self._first = part
            named = {"ids": ids, "st": part.st, "ns": part.ns, "seq": part.seq, "req": part.req}
            capacity = self.expected_rows  # room for the rows expected, and a little more
            if part.n_bytes:
                capacity = int(part.ids.size * self.expected_bytes / part.n_bytes)
            capacity = int(capacity * 1.1) + 1024  # pages never written take no memory
            self._columns = {k: _Growing(v, capacity) for k, v in named.items() if v is not None}
        else:
            if part.id_labels is not None:  # pragma: no cover - coded ids come in one block
                raise AssertionError("coded item ids come from one block")
            for name, column in self._columns.items():
                column.append(ids if name == "ids" else getattr(part, name))
        self._texts.append((part.dept, part.attrs_))
        part.ids, part.st, part.ns, part.seq, part.req = _EMPTY, _EMPTY_I32, _EMPTY_I64, None, None

    def _ids(self, part: _Accepted) -> npt.NDArray[Any]:
        """The block's ids as values while every block's are decimal text, else as they are."""
        if part.id_labels is not None:
            return part.ids
        if self._blocks > 1 and not self.numbered:
            return decimal_text(part.ids).astype("S") if part.decimal else part.ids
        values = part.ids if part.decimal else decimal_values(part.ids)
        if self._blocks == 1:
            self.numbered = values is not None
            return part.ids if values is None else values
        if values is not None:
            return values
        self._as_text()  # the first block whose ids are not numbers
        return part.ids

    def extend(self, other: _Collector) -> None:
        """Append the rows of `other` (the rest of the source), emptying it."""
        if not other._blocks:
            return
        if not self._blocks:
            self.__dict__.update(other.__dict__)
            return
        offset = self.n_rows
        self.n_rows += other.n_rows
        self.samples.extend(other.samples[: max(0, 3 - len(self.samples))])
        self._rejected += [(rows + offset, why) for rows, why in other._rejected]
        if self.numbered != other.numbered:
            (other if other.numbered else self)._as_text()
        for name, column in self._columns.items():
            column.append(other._columns[name].take())
        self._texts += other._texts
        self._blocks += other._blocks
        other.__init__()  # type: ignore[misc]

    def _as_text(self) -> None:
        """The ids' values back into their text (a later block's ids are not numbers)."""
        column = self._columns["ids"]
        column.values = decimal_text(column.values[: column.size]).astype("S")
        column.owned = True
        self.numbered = False

    def rejections(self) -> Rejections:
        rows = np.concatenate([r for r, _ in self._rejected])
        reasons = np.concatenate([w for _, w in self._rejected])
        self._rejected = []
        order = np.argsort(rows, kind="stable")
        return Rejections(rows=rows[order], reasons=reasons[order])

    def rows(self) -> _Rows:
        first = self._first
        if first is None:  # pragma: no cover - every source yields a block
            raise AssertionError("no block was read")
        cols = {k: c.take() for k, c in self._columns.items()}
        owned = self._blocks > 1
        dept: LazyText | None = None
        attr_cols: list[LazyText] = []
        if len(self._texts) == 1:
            dept, attr_cols = self._texts[0]
        else:
            if self._texts[0][0] is not None:
                dept = LazyText.concatenate([d for d, _ in self._texts if d is not None])
            for k in range(len(self._texts[0][1])):
                attr_cols.append(LazyText.concatenate([a[k] for _, a in self._texts]))
        self._texts = []
        return _Rows(
            ids=cols["ids"],
            id_labels=first.id_labels,
            st=cols["st"],
            ns=cols["ns"],
            dept=dept,
            attrs_=attr_cols,
            seq=cols.get("seq"),
            req=cols.get("req"),
            numbered=self.numbered,
            owned=owned,
        )


def _table(rows: _Rows, workflow: Workflow, spec: _Spec) -> tuple[WorkItemTable, int]:
    """Sort the accepted rows, merge repeats into transitions, and build the table."""
    need_order = rows.dept is not None or bool(rows.attrs_) or rows.req is not None
    sorted_rows = _sort_rows(rows, len(workflow.states), need_order=need_order)
    order, s_codes, s_state, s_at, tie_next, labels_of = sorted_rows
    del sorted_rows
    # Free the unsorted copies: the sorted ones replace them.
    rows.ids, rows.st, rows.ns = np.empty(0, object), np.empty(0, np.int32), np.empty(0, np.int64)
    rows.seq = None
    contents = ([] if rows.dept is None else [rows.dept]) + rows.attrs_
    dept = None if rows.dept is None else rows.dept.values  # missing entries are empty
    attr_cols = [(field, lazy) for (_, field), lazy in zip(spec.targets, rows.attrs_, strict=True)]
    # Tied rows share item, instant and state: reordering them keeps those columns sorted.
    if order is not None:
        order = _break_ties(order, tie_next, contents, None)
    del tie_next
    new_item = np.ones(s_codes.size, bool)
    np.not_equal(s_codes[1:], s_codes[:-1], out=new_item[1:])
    requested = None if rows.req is None else _earliest_request(rows.req, _rows_of(order), new_item)
    rows.req = None
    item_ids = _narrow(labels_of(s_codes[new_item]))
    del labels_of  # it holds the labels: the table keeps its own copy
    n_items = int(item_ids.size)
    if order is None:  # no other column: merge the repeats in place
        keep = _kept_mask(new_item, s_state, None)
        sorted_columns = _compacted((s_codes, s_state, s_at, new_item), keep)
        del keep
        tr_item, tr_state, tr_at, first_kept = _transition_columns(sorted_columns, None, n_items)
        del sorted_columns, s_codes, s_state, s_at
        n_transitions = int(tr_item.size)
        dept_codes, dept_labels = np.full(n_transitions, -1, np.int32), np.empty(0, object)
    else:
        kept = np.flatnonzero(_kept_mask(new_item, s_state, None if dept is None else dept[order]))
        tr_item, tr_state, tr_at, first_kept = _transition_columns(
            (s_codes, s_state, s_at, new_item), kept, n_items
        )
        del s_codes, s_state, s_at
        if rows.dept is not None:
            dept_codes, dept_labels = rows.dept.factorize(order[kept])
        else:
            dept_codes, dept_labels = np.full(kept.size, -1, np.int32), np.empty(0, object)
        n_transitions = int(kept.size)
        del kept
    picks = [
        (field, lazy, *_latest_rows(lazy, None, _rows_of(order), new_item, n_items))
        for field, lazy in attr_cols
    ]
    del order, new_item
    columns = _instant_columns(
        item_ids, (tr_item, tr_state, tr_at, first_kept), workflow, requested, spec.delivered
    )
    del first_kept
    categories: dict[str, tuple[npt.NDArray[np.int32], npt.NDArray[np.object_]]] = {
        name: (np.full(n_items, -1, np.int32), np.empty(0, object)) for name in _CATEGORICALS
    }
    for field, lazy, picked, items in picks:
        codes = np.full(n_items, -1, np.int32)
        codes[items], labels = lazy.factorize(picked)
        categories[field] = (codes, labels)
    transitions = Transitions(
        item=tr_item.astype(np.int64, copy=False),
        state=tr_state,
        at=tr_at.view("datetime64[ns]"),
        department=dept_codes,
        department_labels=dept_labels,
    )
    table = WorkItemTable(
        columns=columns,
        categories=categories,
        states=workflow.states,
        transitions=transitions,
        validate=False,
    )
    return table, n_transitions


def _transition_columns(
    sorted_rows: tuple[I64, npt.NDArray[np.int32], I64, Mask],
    kept: npt.NDArray[np.intp] | None,
    n_items: int,
) -> tuple[I64, npt.NDArray[np.int32], I64, Mask]:
    """Item (its table position), state, instant and is-first of each kept sorted row
    (`kept` ``None``: every row).

    The sorted columns are used as they are when every row is kept, and the item codes
    are the positions when they are dense (ids coded by rank): no copy then.
    """
    codes, state, at, new_item = sorted_rows
    if kept is not None and kept.size != codes.size:
        codes, state, at, new_item = codes[kept], state[kept], at[kept], new_item[kept]
    if codes.size and int(codes[-1]) + 1 == n_items and int(codes[0]) == 0:
        return codes, state, at, new_item  # sorted and dense: the codes are the positions
    item: I64 = np.cumsum(new_item, dtype=np.int64)  # every item's first row is kept
    item -= 1
    return item, state, at, new_item


def _rows_of(order: I64 | None) -> I64:
    """The sorted order of the rows, computed whenever another column needs it."""
    if order is None:  # pragma: no cover - _sort_rows computes it when a column needs it
        raise AssertionError("the rows' order was not computed")
    return order


def _kept_mask(new_item: Mask, s_state: npt.NDArray[Any], s_dept: npt.NDArray[Any] | None) -> Mask:
    """Sorted rows that open a transition: a new item, or a change of state or department."""
    keep: Mask = new_item.copy()
    keep[1:] |= s_state[1:] != s_state[:-1]
    if s_dept is not None:
        keep[1:] |= s_dept[1:] != s_dept[:-1]
    return keep


def _compacted(columns: tuple[I64, npt.NDArray[np.int32], I64, Mask], keep: Mask) -> Any:
    """The columns' rows where `keep` holds, moved to the front of each column in place
    (slice by slice, no full-size temporary) and returned as views; the columns
    themselves when every row is kept."""
    if keep.all():
        return columns
    out = []
    for values in columns:
        end = 0
        for a in range(0, values.size, _SLICE):
            part = values[a : a + _SLICE][keep[a : a + _SLICE]]
            values[end : end + part.size] = part  # end <= a: rows still to read are untouched
            end += part.size
        out.append(values[:end])
    return tuple(out)


def _earliest_request(req: I64, order: I64, new_item: Mask) -> I64:
    """Each item's earliest request instant over its rows (NaT where it has none)."""
    if not order.size:
        return np.empty(0, np.int64)
    values = req[order]
    missing = values == _NAT
    values[missing] = np.iinfo(np.int64).max
    earliest = np.minimum.reduceat(values, np.flatnonzero(new_item))
    earliest[earliest == np.iinfo(np.int64).max] = _NAT
    return earliest


def _last_entry(item: I64, state: npt.NDArray[Any], at: I64, index: int, n_items: int) -> I64:
    """Per item, its last entry into state `index` or a later one from an earlier state.

    NaT for an item whose last transition is before `index`.  Transitions are sorted
    by item, then time.
    """
    inside = state >= index
    first = np.ones(item.size, bool)
    first[1:] = item[1:] != item[:-1]
    entry = inside & (first | ~np.concatenate(([False], inside[:-1])))
    out = np.full(n_items, _NAT, np.int64)
    idx = np.flatnonzero(entry)
    if idx.size:
        it = item[idx]
        last = np.ones(idx.size, bool)
        last[:-1] = it[:-1] != it[1:]
        out[it[last]] = at[idx[last]]
    final = np.ones(item.size, bool)
    final[:-1] = first[1:]
    out[item[final & ~inside]] = _NAT
    return out


def _instant_columns(
    item_ids: npt.NDArray[Any],
    transitions: tuple[I64, npt.NDArray[Any], I64, Mask],
    workflow: Workflow,
    requested: I64 | None,
    delivered_at: str,
) -> dict[str, npt.NDArray[Any]]:
    """The per-item columns: ids, request, commitment and delivery instants.

    `transitions` are the item, state, instant and is-first of each transition
    (sorted by item, then time); `requested` each item's earliest request instant
    from its own column, if any.
    """
    tr_item, tr_state, tr_at, first_kept = transitions
    n_items = int(item_ids.size)
    committed = _first_per_item(tr_item, tr_state >= workflow.commitment_index, tr_at, n_items)
    if delivered_at == "last":
        delivered = _last_entry(tr_item, tr_state, tr_at, workflow.delivery_index, n_items)
    else:
        delivered = _first_per_item(tr_item, tr_state >= workflow.delivery_index, tr_at, n_items)
    first_event = tr_at[first_kept]
    if requested is not None:
        first_event = np.where(
            (requested != _NAT) & (requested < first_event), requested, first_event
        )
    return {
        "id": item_ids,
        "requested_at": first_event.view("datetime64[ns]"),
        "committed_at": committed.view("datetime64[ns]"),
        "delivered_at": delivered.view("datetime64[ns]"),
        "due_at": np.full(n_items, _NAT, np.int64).view("datetime64[ns]"),
        "customer_recognisable": np.zeros(n_items, bool),
    }


def _reasons_of(
    id_missing: Mask,
    st: npt.NDArray[np.int32],
    st_text: LazyText,
    at_missing: Mask,
    at_bad: Mask,
    accepted: Mask,
    extra: Sequence[tuple[Mask, str]] = (),
) -> npt.NDArray[np.object_]:
    """The reason of every refused row of a block, in row order (the first that applies)."""
    rows = np.flatnonzero(~accepted).astype(np.int64)
    reasons = np.empty(rows.size, object)
    if not rows.size:
        return reasons
    for mask, why in reversed(extra):
        reasons[mask[rows]] = why
    reasons[at_bad[rows]] = UNPARSEABLE_INSTANT
    reasons[at_missing[rows]] = MISSING_INSTANT
    unknown = st[rows] == -1
    if unknown.any():
        values, inverse = np.unique(st_text.text(rows[unknown]), return_inverse=True)
        # One message per distinct unknown value, not per row.
        texts = np.array(
            [f"unknown state {_shown(v)!r}" for v in decode(values, errors="replace").tolist()],
            dtype=object,
        )
        reasons[unknown] = texts[inverse]
    reasons[st[rows] == -2] = MISSING_STATE
    reasons[id_missing[rows]] = MISSING_ITEM
    return reasons


def _first_texts(column: Any, mask: Mask, count: int = 3) -> list[str]:
    """The text of the first `count` rows where `mask` holds (for a warning)."""
    rows = np.flatnonzero(mask)[:count]
    if not rows.size:
        return []
    if isinstance(column, ArrowText):
        column = column.take(rows).objects()
        rows = np.arange(rows.size)
    elif isinstance(column, Categorical):
        column = column.text()
    values = np.asarray(column)[rows]
    return [_shown(str(v)) for v in decode(values, errors="replace").tolist()]


def _hint(samples: list[str], at_format: str | None) -> str:
    """What a warning says of the unparseable instants: their first values, the format."""
    if not samples:
        return ""
    how = f"at_format {at_format!r}" if at_format else "ISO 8601 (give `at_format` for other text)"
    return f"unparseable instants such as {', '.join(map(repr, samples))} were read as {how}"


def _shown(value: str, limit: int = 60) -> str:
    return value if len(value) <= limit else value[: limit - 1] + "…"


def _item_codes(
    ids: npt.NDArray[Any], labels: npt.NDArray[Any] | None, numbered: bool = False
) -> tuple[I64, int, Any]:
    """Integer codes of the item ids (order-preserving) and how to turn codes back into ids.

    Coded ids (`labels` given, in text order) are their codes; the values of decimal
    text ids (`numbered`) are replaced by their codes in text order, in place; integer
    ids within a range that packs into the sort key are offset, not sorted; other ids
    are factorized with one ``np.unique``.  The codes are always a new array or `ids`'
    own buffer when `numbered`: the sort may overwrite them.
    """
    if numbered:
        coded = code_in_place(ids)
        if coded is not None:
            return ids, max(int(coded.size), 1), lambda c: coded[c]
        ids = decimal_text(ids).astype("S")  # not dense: the general path, on their text
    if labels is not None:
        return ids.astype(np.int64), max(int(labels.size), 1), lambda c: labels[c]
    if ids.dtype.kind in "iu" and ids.size:
        lo, hi = int(ids.min()), int(ids.max())
        if hi - lo < 2**40:
            codes = np.subtract(ids, lo, dtype=np.int64)

            def ints(c: I64) -> npt.NDArray[Any]:
                return (c + lo).astype(ids.dtype)

            return codes, hi - lo + 1, ints
    distinct, inverse = np.unique(ids, return_inverse=True)
    labels = decode(distinct)

    def text(c: I64) -> npt.NDArray[Any]:
        return labels[c]

    return inverse.astype(np.int64, copy=False), int(labels.size), text


def _narrow(labels: npt.NDArray[Any]) -> npt.NDArray[Any]:
    """Text labels as narrow as the longest one, whatever the source's width."""
    if labels.dtype.kind != "U":
        return labels
    width = int(np.char.str_len(labels).max()) if labels.size else 1
    return labels.astype(f"<U{max(width, 1)}", copy=False)


def _latest_rows(
    column: LazyText, source_rows: I64 | None, order: I64, new_item: Mask, n_items: int
) -> tuple[I64, I64]:
    """Each item's latest row where `column` is not missing: ``(rows, items)``.

    `rows` index the column; `items` are the table positions of those items
    (items whose value is always missing are absent).
    """
    missing = column.missing if source_rows is None else column.missing[source_rows]
    if not missing.any():
        last = np.ones(order.size, bool)
        last[:-1] = new_item[1:]  # the last sorted row of each item
        rows = order[last]
        items = np.arange(n_items)
    else:
        present = np.flatnonzero(~missing[order])
        starts = np.flatnonzero(new_item)
        it = np.searchsorted(starts, present, side="right") - 1
        last = np.ones(present.size, bool)
        last[:-1] = it[1:] != it[:-1]
        rows = order[present[last]]
        items = it[last]
    if source_rows is not None:
        rows = source_rows[rows]
    return rows, items
