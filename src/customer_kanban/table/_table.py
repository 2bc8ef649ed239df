"""WorkItemTable: the columnar form of work items, the one bridge objects <-> columns."""

from __future__ import annotations

import datetime as _dt
import difflib
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import attrs
import numpy as np
import numpy.typing as npt

from customer_kanban._core.frames import Categorical
from customer_kanban._core.groups import remember_codes
from customer_kanban._core.instants import as_instant_array, to_datetime
from customer_kanban.errors import ValidationError, describe_rows
from customer_kanban.model import BlockedInterval, Transition, WorkItem, WorkType
from customer_kanban.table._checks import refuse_nul, state_names, values_of, whole_number_ids
from customer_kanban.table._columns import (
    Codes,
    Labels,
    _coded,
    _coded_text,
    _column,
    _columns_of,
    _factorize,
    _instants,
    _is_coded,
    _labels_of,
    _missing_label,
    _readonly,
    _values,
)

__all__ = ["BlockedIntervals", "Transitions", "WorkItemTable"]

INSTANTS = ("requested_at", "committed_at", "delivered_at", "due_at")
CATEGORICALS = ("customer", "segment", "work_type", "class_of_service")
_NAT = np.datetime64("NaT", "ns")


@attrs.frozen(eq=False)
class Transitions:
    """Entries of items into workflow states, one row each, sorted by (item, instant).

    Attributes
    ----------
    item : numpy.ndarray of int64
        Position of the item in the table.
    state : numpy.ndarray of int32
        Code of the state entered (index into the table's ``states``).
    at : numpy.ndarray of datetime64[ns]
        Instant of entry.
    department : numpy.ndarray of int32
        Code of the department (index into `department_labels`; -1 = none).
    department_labels : numpy.ndarray of object
    """

    item: npt.NDArray[np.int64]
    state: npt.NDArray[np.int32]
    at: npt.NDArray[np.datetime64]
    department: Codes
    department_labels: Labels

    def __len__(self) -> int:
        return int(self.item.size)

    @property
    def nbytes(self) -> int:
        """Bytes held by the arrays."""
        return int(self.item.nbytes + self.state.nbytes + self.at.nbytes + self.department.nbytes)


@attrs.frozen(eq=False)
class BlockedIntervals:
    """Blocked periods, one row each, sorted by (item, start); ``end`` NaT = still blocked.

    Attributes
    ----------
    item : numpy.ndarray of int64
    start, end : numpy.ndarray of datetime64[ns]
    reason : numpy.ndarray of int32
        Code of the reason (index into `reason_labels`; -1 = none).
    reason_labels : numpy.ndarray of object
    """

    item: npt.NDArray[np.int64]
    start: npt.NDArray[np.datetime64]
    end: npt.NDArray[np.datetime64]
    reason: Codes
    reason_labels: Labels

    def __len__(self) -> int:
        return int(self.item.size)

    @property
    def nbytes(self) -> int:
        """Bytes held by the arrays."""
        return int(self.item.nbytes + self.start.nbytes + self.end.nbytes + self.reason.nbytes)


def _empty_transitions() -> Transitions:
    return Transitions(
        item=np.empty(0, np.int64),
        state=np.empty(0, np.int32),
        at=np.empty(0, "datetime64[ns]"),
        department=np.empty(0, np.int32),
        department_labels=np.empty(0, object),
    )


def _empty_blocked() -> BlockedIntervals:
    return BlockedIntervals(
        item=np.empty(0, np.int64),
        start=np.empty(0, "datetime64[ns]"),
        end=np.empty(0, "datetime64[ns]"),
        reason=np.empty(0, np.int32),
        reason_labels=np.empty(0, object),
    )


class WorkItemTable:
    """Work items in columnar form: one numpy array per field.

    Instants are ``datetime64[ns]`` in UTC (``NaT`` = not yet); categorical fields
    (customer, segment, work type, class of service, and any extra text column)
    are stored as ``int32`` codes plus labels.  The transitions into workflow
    states and the blocked intervals are kept as long tables (:attr:`transitions`,
    :attr:`blocked`), rows pointing at item positions.

    Build one with :meth:`from_items`, :meth:`from_columns` or
    :func:`customer_kanban.io.read_event_log`.  Tables are read-only: every
    array returned is a read-only view, and :meth:`filter` returns a new table.

    Examples
    --------
    >>> t = WorkItemTable.from_columns({
    ...     "id": ["A", "B", "C"],
    ...     "requested_at": ["2024-01-01", "2024-01-02", "2024-01-02"],
    ...     "committed_at": ["2024-01-02", "2024-01-03", None],
    ...     "delivered_at": ["2024-01-05", None, None],
    ...     "class_of_service": ["Standard", "Expedite", "Standard"],
    ... })
    >>> len(t), t["class_of_service"].tolist()
    (3, ['Standard', 'Expedite', 'Standard'])
    >>> codes, labels = t.codes("class_of_service")
    >>> codes.tolist(), labels.tolist()
    ([1, 0, 1], ['Expedite', 'Standard'])
    >>> t.filter(t["delivered_at"] == t["delivered_at"])["id"].tolist()
    ['A']
    """

    __slots__ = (
        "_blocked",
        "_categories",
        "_columns",
        "_labels",
        "_n",
        "_states",
        "_transitions",
    )

    def __init__(
        self,
        *,
        columns: Mapping[str, npt.NDArray[Any]],
        categories: Mapping[str, tuple[Codes, Labels]],
        states: Sequence[str] = (),
        transitions: Transitions | None = None,
        blocked: BlockedIntervals | None = None,
        validate: bool = True,
    ) -> None:
        self._columns = {k: _readonly(np.asarray(v)) for k, v in columns.items()}
        self._categories = {
            k: (_readonly(np.asarray(c, dtype=np.int32)), _readonly(np.asarray(lab, dtype=object)))
            for k, (c, lab) in categories.items()
        }
        self._labels: dict[str, npt.NDArray[Any]] = {}  # categorical fields as labels
        self._states = tuple(states)
        self._transitions = transitions if transitions is not None else _empty_transitions()
        self._blocked = blocked if blocked is not None else _empty_blocked()
        self._n = int(self._columns["id"].size)
        for arr in (
            *attrs.astuple(self._transitions, recurse=False),
            *attrs.astuple(self._blocked, recurse=False),
        ):
            _readonly(arr)
        if validate:
            self._validate()

    # ------------------------------------------------------------------ checks
    def _validate(self) -> None:
        self._check_shapes()
        self._check_item_rules()
        self._check_transitions()
        self._check_blocked()

    def _check_shapes(self) -> None:
        n = self._n
        for name, arr in self._columns.items():
            if arr.shape != (n,):
                raise ValidationError(
                    f"`{name}` has {arr.shape[0] if arr.ndim else 0} rows, `id` has {n}"
                )
        for name, (codes, labels) in self._categories.items():
            if codes.shape != (n,):
                raise ValidationError(f"`{name}` has {codes.shape[0]} rows, `id` has {n}")
            if codes.size and (codes.max(initial=-1) >= labels.size or codes.min(initial=0) < -1):
                raise ValidationError(f"`{name}` codes must lie in [-1, {labels.size})")

    def _check_item_rules(self) -> None:
        """Every rule on the items' ids and instants, all broken rows reported together."""
        n = self._n
        ids = self._columns["id"]
        problems: list[tuple[str, npt.NDArray[np.intp]]] = []
        self._check_rows(problems, _missing_label(ids), "`id` is missing")
        if n:
            order = np.argsort(ids, kind="stable")
            sorted_ids = ids[order]
            dup = np.zeros(n, bool)
            dup[order[1:]] = sorted_ids[1:] == sorted_ids[:-1]
            self._check_rows(problems, dup, "`id` is repeated")
        req, com, dlv = (self._columns[k] for k in ("requested_at", "committed_at", "delivered_at"))
        self._check_rows(problems, np.isnat(req), "`requested_at` is missing")
        self._check_rows(problems, com < req, "`committed_at` is before `requested_at`")
        self._check_rows(
            problems,
            ~np.isnat(dlv) & np.isnat(com),
            "`delivered_at` is set but `committed_at` is missing",
        )
        self._check_rows(problems, dlv < com, "`delivered_at` is before `committed_at`")
        if problems:
            rows = np.unique(np.concatenate([r for _, r in problems]))
            items = ids[rows].astype(str)
            message = "; ".join(
                f"{rule} in {describe_rows(r, ids[r].astype(str))}" for rule, r in problems
            )
            raise ValidationError(message, rows=rows, items=items)

    def _check_transitions(self) -> None:
        tr = self._transitions
        if not len(tr):
            return
        if tr.item.min() < 0 or tr.item.max() >= self._n:
            raise ValidationError("`transitions.item` must point at rows of the table")
        if tr.state.min() < 0 or tr.state.max() >= len(self._states):
            raise ValidationError("`transitions.state` codes must index `states`")
        if np.isnat(tr.at).any():
            rows = np.flatnonzero(np.isnat(tr.at))
            raise ValidationError(
                f"`transitions.at` is missing in {describe_rows(rows)}", rows=rows
            )

    def _check_blocked(self) -> None:
        bl = self._blocked
        if not len(bl):
            return
        if bl.item.min() < 0 or bl.item.max() >= self._n:
            raise ValidationError("`blocked.item` must point at rows of the table")
        if np.isnat(bl.start).any():
            rows = np.flatnonzero(np.isnat(bl.start))
            raise ValidationError(f"`blocked.start` is missing in {describe_rows(rows)}", rows=rows)
        bad = bl.end < bl.start
        if bad.any():
            rows = np.flatnonzero(bad)
            raise ValidationError(
                f"`blocked.end` is before `blocked.start` in {describe_rows(rows)}", rows=rows
            )

    @staticmethod
    def _check_rows(
        problems: list[tuple[str, npt.NDArray[np.intp]]], bad: npt.NDArray[np.bool_], rule: str
    ) -> None:
        """Record the rows breaking `rule`; all rules are reported together."""
        if bad.any():
            problems.append((rule, np.flatnonzero(bad)))

    # ------------------------------------------------------------ constructors
    @classmethod
    def from_columns(
        cls,
        columns: Mapping[str, Any] | Any,
        *,
        states: Sequence[str] = (),
        transitions: Mapping[str, Any] | Any | None = None,
        blocked: Mapping[str, Any] | Any | None = None,
    ) -> WorkItemTable:
        """Build a table from a mapping of array-likes or a data frame.

        Parameters
        ----------
        columns : mapping of str to array_like, or data frame
            A pandas, polars or pyarrow table (or any eager frame narwhals
            supports), or a mapping of numpy arrays, lists or frame columns.
            Must hold ``id`` and ``requested_at``.  Known fields:
            ``committed_at``, ``delivered_at``, ``due_at`` (instants),
            ``customer``, ``segment``, ``work_type``, ``class_of_service``
            (categorical), ``customer_recognisable`` (bool).  Any other column
            is kept: text columns as categorical fields, numeric and boolean
            columns as they are.
        states : sequence of str, optional
            Workflow states, in order; required when `transitions` are given.
        transitions : mapping or data frame, optional
            Columns ``item`` (values of `id`), ``state`` (names in `states`),
            ``at`` (instants) and optionally ``department``.
        blocked : mapping or data frame, optional
            Columns ``item``, ``start``, ``end`` (NaT = still blocked) and
            optionally ``reason``.

        Returns
        -------
        WorkItemTable

        Raises
        ------
        customer_kanban.errors.ValidationError
            Listing every rule broken and every offending row (position and item
            id): missing or repeated ids, missing request instants, commitment
            before request, delivery before commitment or without it.
        TypeError
            If `columns`, `transitions` or `blocked` is neither a mapping nor a data
            frame.

        Notes
        -----
        Every kind of input gives the table the same values would give as numpy
        arrays.  Categorical and dictionary columns (pandas ``category``, polars
        ``Categorical`` and ``Enum``, Arrow ``dictionary``) are read as their codes
        and labels: each label is converted once, no Python object is made per
        row.  Arrow strings (polars and pyarrow text) are dictionary-encoded in
        Arrow, and instants among them cast by pyarrow.  Timestamps with a time
        zone are converted to UTC; naive ones are taken to be in UTC already.

        Examples
        --------
        >>> import polars as pl
        >>> frame = pl.DataFrame({
        ...     "id": ["A", "B"],
        ...     "requested_at": ["2024-01-01T09:00:00+01:00", "2024-01-02T00:00:00Z"],
        ...     "class_of_service": ["Standard", "Expedite"],
        ... }).with_columns(
        ...     pl.col("requested_at").str.to_datetime(time_zone="Europe/Rome"),
        ...     pl.col("class_of_service").cast(pl.Categorical),
        ... )
        >>> t = WorkItemTable.from_columns(frame)
        >>> np.datetime_as_string(t["requested_at"], unit="m").tolist()  # UTC
        ['2024-01-01T08:00', '2024-01-02T00:00']
        >>> t.codes("class_of_service")[1].tolist()
        ['Expedite', 'Standard']
        """
        _, data = _columns_of(columns, "columns")
        states = state_names(states)
        out, cats = _item_columns(data)
        id_index = _IdIndex(out["id"])
        tr = None if transitions is None else _transitions_from(transitions, id_index, states)
        bl = None if blocked is None else _blocked_from(blocked, id_index)
        return cls(columns=out, categories=cats, states=states, transitions=tr, blocked=bl)

    @classmethod
    def from_items(
        cls, items: Iterable[WorkItem], *, states: Sequence[str] | None = None
    ) -> WorkItemTable:
        """Build a table from :class:`~customer_kanban.model.WorkItem` values.

        Parameters
        ----------
        items : iterable of WorkItem
        states : sequence of str, optional
            Workflow states in order.  Default: the states named by the items'
            transitions, in order of first appearance.

        Examples
        --------
        >>> import datetime as dt
        >>> from customer_kanban.model import WorkItem
        >>> item = WorkItem(id="A", requested_at=dt.datetime(2024, 1, 1))
        >>> WorkItemTable.from_items([item]).to_items() == [item]
        True
        """
        items = values_of(items, WorkItem, "items")
        if states is None:
            states = tuple(dict.fromkeys(t.state for it in items for t in it.transitions))
        return cls.from_columns(
            _item_fields(items),
            states=states,
            transitions=_transition_fields(items),
            blocked=_blocked_fields(items),
        )

    # --------------------------------------------------------------- access
    def __len__(self) -> int:
        return self._n

    def __repr__(self) -> str:
        return (
            f"WorkItemTable(n={self._n}, fields={list(self.fields)}, states={list(self._states)}, "
            f"transitions={len(self._transitions)}, blocked={len(self._blocked)})"
        )

    @property
    def fields(self) -> tuple[str, ...]:
        """Names of the item fields, instants and plain columns first, then categorical ones."""
        return (*self._columns, *self._categories)

    @property
    def categorical_fields(self) -> tuple[str, ...]:
        """Names of the categorical fields."""
        return tuple(self._categories)

    @property
    def states(self) -> tuple[str, ...]:
        """Workflow states, in order (the labels of ``transitions.state``)."""
        return self._states

    @property
    def transitions(self) -> Transitions:
        """The entries into workflow states (long table, sorted by item and instant)."""
        return self._transitions

    @property
    def blocked(self) -> BlockedIntervals:
        """The blocked intervals (long table, sorted by item and start)."""
        return self._blocked

    @property
    def nbytes(self) -> int:
        """Bytes held by all arrays of the table (labels excluded)."""
        total = sum(a.nbytes for a in self._columns.values())
        total += sum(c.nbytes for c, _ in self._categories.values())
        return int(total + self._transitions.nbytes + self._blocked.nbytes)

    def __contains__(self, name: object) -> bool:
        return name in self._columns or name in self._categories

    def __getitem__(self, name: str) -> npt.NDArray[Any]:
        """The column `name`: instants as datetime64[ns], categorical fields as labels.

        Labels come as a read-only object array, ``None`` where missing, made on
        first use and kept with the table (8 bytes per item).  It keeps the field's
        codes: a metric given it as ``by=`` groups with them, without factorising
        the labels again (as ``by=table.codes(name)`` would, except that the groups
        are the labels present, sorted, as for any array of labels).

        Examples
        --------
        >>> from customer_kanban.metrics import percentiles
        >>> t = WorkItemTable.from_columns({
        ...     "id": ["A", "B", "C"], "requested_at": ["2024-01-01"] * 3,
        ...     "class_of_service": ["Standard", "Expedite", "Standard"]})
        >>> percentiles([4.0, 1.0, 6.0], 50, by=t["class_of_service"]).values
        array([[1.],
               [5.]])
        """
        if name in self._columns:
            return self._columns[name]
        if name in self._labels:
            return self._labels[name]
        if name in self._categories:
            codes, labels = self._categories[name]
            values: npt.NDArray[Any] = _readonly(_labels_of(codes, labels)).view()
            remember_codes(values, codes, labels)
            self._labels[name] = values
            return values
        raise KeyError(f"no field {name!r}; fields are {list(self.fields)}")

    def codes(self, name: str) -> tuple[Codes, Labels]:
        """``(codes, labels)`` of a categorical field, for grouping (-1 = missing)."""
        if name not in self._categories:
            raise KeyError(
                f"{name!r} is not a categorical field; those are {list(self._categories)}"
            )
        return self._categories[name]

    def first_entries(self) -> npt.NDArray[np.datetime64]:
        """First entry of each item into each state: an (n_items, n_states) datetime64 matrix.

        ``NaT`` where the item never entered the state.  Backward moves do not
        change the first entry.
        """
        n, s = self._n, len(self._states)
        tr = self._transitions
        never = np.iinfo(np.int64).max
        first = np.full(n * s, never, dtype=np.int64)
        if len(tr):
            # The earliest instant per (item, state): one unbuffered scatter, no sort.
            np.minimum.at(first, tr.item * s + tr.state, tr.at.view(np.int64))
        out = first.view("datetime64[ns]")
        out[first == never] = _NAT
        return out.reshape(n, s)

    # ----------------------------------------------------------- transforms
    def filter(self, mask: npt.ArrayLike) -> WorkItemTable:
        """A new table with the items where `mask` is true (boolean mask or positions).

        Items keep their order in the table (positions select, they do not reorder;
        a repeated position selects once).  Transitions and blocked intervals follow
        their items; labels are kept.
        """
        arr = np.asarray(mask)
        if arr.dtype == bool:
            if arr.shape != (self._n,):
                raise ValidationError(f"`mask` must have {self._n} entries, got {arr.shape}")
            keep = arr
        else:
            if arr.size and arr.dtype.kind not in "iu":
                raise TypeError(f"`mask` must be booleans or integer positions, got {arr.dtype}")
            positions = arr.astype(np.int64).ravel()
            bad = (positions < 0) | (positions >= self._n)
            if bad.any():
                rows = np.flatnonzero(bad)
                raise ValidationError(
                    f"`mask` positions must lie in [0, {self._n}) in {describe_rows(rows)}",
                    rows=rows,
                )
            keep = np.zeros(self._n, bool)
            keep[positions] = True
        new_pos = np.cumsum(keep) - 1
        columns = {k: v[keep] for k, v in self._columns.items()}
        cats = {k: (c[keep], lab) for k, (c, lab) in self._categories.items()}
        tr = self._transitions
        tk = keep[tr.item]
        transitions = Transitions(
            new_pos[tr.item[tk]], tr.state[tk], tr.at[tk], tr.department[tk], tr.department_labels
        )
        bl = self._blocked
        bk = keep[bl.item]
        blocked = BlockedIntervals(
            new_pos[bl.item[bk]], bl.start[bk], bl.end[bk], bl.reason[bk], bl.reason_labels
        )
        return WorkItemTable(
            columns=columns,
            categories=cats,
            states=self._states,
            transitions=transitions,
            blocked=blocked,
            validate=False,
        )

    def as_of(self, instant: object) -> WorkItemTable:
        """The table as it was known at `instant`.

        Items requested after `instant` are left out; instants after it become
        ``NaT`` (not yet committed, delivered, ...); transitions after it are
        dropped and blocked intervals still open at it become open (``end`` NaT).
        Due instants are kept: they are known in advance.

        Examples
        --------
        >>> t = WorkItemTable.from_columns({
        ...     "id": ["A", "B"], "requested_at": ["2024-01-01", "2024-01-05"],
        ...     "committed_at": ["2024-01-02", "2024-01-06"],
        ...     "delivered_at": ["2024-01-04", "2024-01-09"]})
        >>> past = t.as_of("2024-01-07")
        >>> past["id"].tolist(), np.isnat(past["delivered_at"]).tolist()
        (['A', 'B'], [False, True])
        """
        at = as_instant_array(instant, name="instant")
        if at.size != 1 or np.isnat(at[0]):
            raise ValidationError("`instant` must be one instant")
        t = at[0]
        kept = self.filter(self._columns["requested_at"] <= t)
        columns = dict(kept._columns)
        for name, arr in kept._columns.items():
            if np.issubdtype(arr.dtype, np.datetime64) and name != "due_at":
                columns[name] = np.where(arr > t, _NAT, arr)
        tr = kept._transitions
        tk = tr.at <= t
        transitions = Transitions(
            tr.item[tk], tr.state[tk], tr.at[tk], tr.department[tk], tr.department_labels
        )
        bl = kept._blocked
        bk = bl.start <= t
        blocked = BlockedIntervals(
            bl.item[bk],
            bl.start[bk],
            np.where(bl.end[bk] > t, _NAT, bl.end[bk]),
            bl.reason[bk],
            bl.reason_labels,
        )
        return WorkItemTable(
            columns=columns,
            categories=kept._categories,
            states=self._states,
            transitions=transitions,
            blocked=blocked,
            validate=False,
        )

    def with_blocked_states(self, states: Sequence[str]) -> WorkItemTable:
        """A new table whose blocked intervals also hold every stay in `states`.

        Some workflows mark a block by a state rather than a flag: ServiceNow's
        ``Awaiting Vendor``, a ``Blocked`` column.  Each entry into one of `states`
        becomes a blocked interval from that transition to the item's next transition
        into another state (open, ``end`` NaT, when there is none), its reason the
        state's name; repeated transitions into the same state (an audit log's updates)
        extend one stay rather than begin new ones.  The table's own blocked intervals
        are kept.

        Parameters
        ----------
        states : sequence of str
            States of the table (``self.states``) that mean "blocked".

        Returns
        -------
        WorkItemTable

        Raises
        ------
        customer_kanban.errors.ValidationError
            If a name is not a state of the table.

        Examples
        --------
        >>> from datetime import datetime as dt
        >>> t = WorkItemTable.from_items([WorkItem(
        ...     id="A", requested_at=dt(2024, 1, 1), committed_at=dt(2024, 1, 2),
        ...     transitions=[Transition("Doing", dt(2024, 1, 2)),
        ...                  Transition("Waiting", dt(2024, 1, 3)),
        ...                  Transition("Doing", dt(2024, 1, 5))])])
        >>> b = t.with_blocked_states(["Waiting"]).blocked
        >>> str(b.start[0]), str(b.end[0]), b.reason_labels.tolist()
        ('2024-01-03T00:00:00.000000000', '2024-01-05T00:00:00.000000000', ['Waiting'])
        """
        unknown = [s for s in states if s not in self._states]
        if unknown:
            raise ValidationError(
                f"`states` must be states of the table {list(self._states)}, got {unknown}"
            )
        tr = self._transitions  # sorted by (item, instant)
        wanted = np.array([self._states.index(s) for s in states], dtype=np.int32)
        # A stay is a run of consecutive transitions of an item in the same state (an
        # audit log repeats the state on every update): it begins at the run's first
        # transition and ends at the item's next transition into another state.
        m = len(tr)
        new_run = np.ones(m, dtype=bool)
        new_run[1:] = (tr.item[1:] != tr.item[:-1]) | (tr.state[1:] != tr.state[:-1])
        starts = np.flatnonzero(new_run)
        hit = starts[np.isin(tr.state[starts], wanted)]
        following = np.append(starts, m)[np.searchsorted(starts, hit, side="right")]
        has_next = following < m
        has_next[has_next] = tr.item[following[has_next]] == tr.item[hit[has_next]]
        end = np.full(hit.size, _NAT, dtype="datetime64[ns]")
        end[has_next] = tr.at[following[has_next]]
        bl = self._blocked
        labels = [str(x) for x in bl.reason_labels]
        labels += [s for s in dict.fromkeys(states) if s not in labels]
        state_reason = np.full(len(self._states), -1, dtype=np.int32)
        for s in states:  # a handful of states
            state_reason[self._states.index(s)] = labels.index(s)
        item = np.concatenate([bl.item, tr.item[hit]])
        start = np.concatenate([bl.start, tr.at[hit]])
        order = np.lexsort((start.view(np.int64), item))
        blocked = BlockedIntervals(
            item[order],
            start[order],
            np.concatenate([bl.end, end])[order],
            np.concatenate([bl.reason, state_reason[tr.state[hit]]])[order].astype(np.int32),
            np.array(labels, dtype=object),
        )
        return WorkItemTable(
            columns=self._columns,
            categories=self._categories,
            states=self._states,
            transitions=self._transitions,
            blocked=blocked,
        )

    def to_items(self) -> list[WorkItem]:
        """Convert back to :class:`~customer_kanban.model.WorkItem` values (see from_items)."""
        cols = self._columns
        inst = {name: [to_datetime(v) for v in cols[name]] for name in INSTANTS}
        labels = {name: _labels_of(*self._categories[name]) for name in self._categories}
        extra = [n for n in self._categories if n not in CATEGORICALS]
        tr, bl = self._transitions, self._blocked
        t_bounds = np.searchsorted(tr.item, np.arange(self._n + 1))
        b_bounds = np.searchsorted(bl.item, np.arange(self._n + 1))
        dept = _labels_of(tr.department, tr.department_labels)
        reason = _labels_of(bl.reason, bl.reason_labels)
        t_at = [to_datetime(v) for v in tr.at]
        b_start = [to_datetime(v) for v in bl.start]
        b_end = [to_datetime(v) for v in bl.end]
        items = []
        for i in range(self._n):
            wt = labels["work_type"][i]
            items.append(
                WorkItem(
                    id=str(cols["id"][i]),
                    requested_at=_known(inst["requested_at"][i]),
                    committed_at=inst["committed_at"][i],
                    delivered_at=inst["delivered_at"][i],
                    due_at=inst["due_at"][i],
                    customer=labels["customer"][i],
                    segment=labels["segment"][i],
                    work_type=None
                    if wt is None
                    else WorkType(wt, customer_recognisable=bool(cols["customer_recognisable"][i])),
                    class_of_service=labels["class_of_service"][i],
                    transitions=[
                        Transition(
                            self._states[int(tr.state[j])], _known(t_at[j]), department=dept[j]
                        )
                        for j in range(t_bounds[i], t_bounds[i + 1])
                    ],
                    blocked=[
                        BlockedInterval(_known(b_start[j]), b_end[j], reason=reason[j])
                        for j in range(b_bounds[i], b_bounds[i + 1])
                    ],
                    attributes={n: labels[n][i] for n in extra if labels[n][i] is not None},
                )
            )
        return items

    def equals(self, other: WorkItemTable) -> bool:
        """Whether two tables hold the same items, transitions and blocked intervals."""
        if not isinstance(other, WorkItemTable) or self.fields != other.fields:
            return False
        if len(self) != len(other) or self._states != other._states:
            return False
        for name in self._columns:
            if not _same(self[name], other[name]):
                return False
        for name in self._categories:
            ours, theirs = _labels_of(*self._categories[name]), _labels_of(*other.codes(name))
            if not np.array_equal(ours, theirs):
                return False
        a, b = self._transitions, other._transitions
        if not (
            np.array_equal(a.item, b.item)
            and np.array_equal(a.state, b.state)
            and _same(a.at, b.at)
        ):
            return False
        if not np.array_equal(
            _labels_of(a.department, a.department_labels),
            _labels_of(b.department, b.department_labels),
        ):
            return False
        c, d = self._blocked, other._blocked
        return bool(
            np.array_equal(c.item, d.item) and _same(c.start, d.start) and _same(c.end, d.end)
        )


_KNOWN_FIELDS = ("id", *INSTANTS, *CATEGORICALS, "customer_recognisable")
# Misspelling one of these loses data silently (an instant read as text), so near misses
# are refused; plural or other names close to the short fields (`customers`) are legitimate.
_EASILY_MISSPELT = (*INSTANTS, "class_of_service", "customer_recognisable")


def _check_names(extra: Mapping[str, Any]) -> None:
    """Reject extra columns whose names look like misspelt known fields (`deliverd_at`)."""
    for name in extra:
        close = difflib.get_close_matches(name, _EASILY_MISSPELT, n=1, cutoff=0.85)
        if close:
            raise ValidationError(
                f"column `{name}` looks like a misspelling of `{close[0]}`; "
                f"rename it (known fields: {', '.join(_KNOWN_FIELDS)})"
            )


def _booleans(values: object) -> npt.NDArray[np.bool_]:
    """Booleans, strictly: bool or 0/1 values; anything else is an error."""
    arr = _column(values, "customer_recognisable")
    if arr.dtype == bool:
        return arr
    if arr.dtype.kind in "iu" and np.isin(arr, (0, 1)).all():
        return arr.astype(bool)
    if arr.dtype.kind == "O":
        # True == 1 and False == 0, so 0/1 integers pass too, as for integer arrays.
        is_bool = np.asarray(np.equal(arr, True) | np.equal(arr, False), dtype=bool)
        if is_bool.all():
            return arr.astype(bool)
        rows = np.flatnonzero(~is_bool)
    else:
        rows = np.arange(arr.size)
    raise ValidationError(
        f"`customer_recognisable` must hold booleans (True/False) in {describe_rows(rows)}",
        rows=rows,
    )


def _same(a: npt.NDArray[Any], b: npt.NDArray[Any]) -> bool:
    """Array equality where NaT equals NaT and NaN equals NaN."""
    if a.dtype != b.dtype or a.shape != b.shape:
        return False
    if np.issubdtype(a.dtype, np.datetime64):
        return bool(np.array_equal(a.view(np.int64), b.view(np.int64)))
    if a.dtype.kind == "f":
        return bool(np.array_equal(a, b, equal_nan=True))
    return bool(np.array_equal(a, b))


def _known(value: _dt.datetime | None) -> _dt.datetime:
    """A datetime the table guarantees present (validated non-missing)."""
    assert value is not None
    return value


def _naive(value: _dt.datetime | None) -> np.datetime64:
    if value is None:
        return _NAT
    return np.datetime64(value.astimezone(_dt.timezone.utc).replace(tzinfo=None), "ns")


class _IdIndex:
    """Vectorized lookup of item ids -> row positions."""

    def __init__(self, ids: npt.NDArray[Any]) -> None:
        self._order = np.argsort(ids, kind="stable")
        self._sorted = ids[self._order]

    def positions(self, values: object, name: str) -> npt.NDArray[np.int64]:
        """Row of the item each of `values` names (a coded column: once per label)."""
        coded = _coded(values)
        if coded is not None:
            found = self._coded_positions(coded)
            if found is not None:
                return found
            values = coded  # a label names no item: the message, from the rows
        ids = _column(values, name)
        if self._sorted.dtype.kind in "iu":
            ids = whole_number_ids(ids, name).astype(self._sorted.dtype)
        else:
            refuse_nul(ids, name)
            ids = ids.astype(str)
        if self._sorted.size == 0:
            if ids.size:
                raise ValidationError(f"`{name}` names items that are not in the table")
            return np.empty(0, np.int64)
        pos, ok = self._find(ids)
        if not ok.all():
            rows = np.flatnonzero(~ok)
            raise ValidationError(
                f"`{name}` names items that are not in the table in "
                f"{describe_rows(rows, ids[rows])}",
                rows=rows,
            )
        return pos

    def _find(self, ids: npt.NDArray[Any]) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.bool_]]:
        pos = np.minimum(np.searchsorted(self._sorted, ids), self._sorted.size - 1)
        return self._order[pos].astype(np.int64), self._sorted[pos] == ids

    def _coded_positions(self, column: Categorical) -> npt.NDArray[np.int64] | None:
        """Rows named by a coded column of text ids, or None if one names no item."""
        if self._sorted.dtype.kind not in "US" or not self._sorted.size or (column.codes < 0).any():
            return None
        text = column.labels
        pos, ok = self._find(text if text.dtype.kind == "U" else text.astype(str))
        used = np.bincount(column.codes, minlength=text.size) > 0
        if not ok[used].all():
            return None
        return pos[column.codes]


def _item_ids(values: object) -> npt.NDArray[Any]:
    """The `id` column: text (missing: ""), or integers (whole-number floats included)."""
    if isinstance(values, Categorical):
        text = _coded_text(values)
        if text is not None:
            return text
    ids = _column(values, "id")  # Arrow text: its strings (item ids are mostly distinct)
    refuse_nul(ids, "id")
    if ids.dtype.kind == "O":
        missing = _missing_label(ids)
        return np.where(missing, "", ids).astype(str)
    if ids.dtype.kind == "f" and not np.isnan(ids).any():  # NaN: reported as missing ids
        return whole_number_ids(ids, "id")  # 1.0 -> 1, 1.7 refused
    return ids


def _no_labels(n: int) -> tuple[Codes, Labels]:
    """The codes and labels of a categorical column left out: every row missing."""
    return np.full(n, -1, np.int32), np.empty(0, dtype=object)


def _item_columns(
    data: dict[str, Any],
) -> tuple[dict[str, npt.NDArray[Any]], dict[str, tuple[Codes, Labels]]]:
    """The item columns of :meth:`WorkItemTable.from_columns`: plain and categorical."""
    for required in ("id", "requested_at"):
        if required not in data:
            raise ValidationError(f"`columns` must hold `{required}`")
    ids = _item_ids(data.pop("id"))
    n = ids.size
    out: dict[str, npt.NDArray[Any]] = {"id": ids}
    for name in INSTANTS:
        raw = data.pop(name, None)
        out[name] = np.full(n, _NAT) if raw is None else _instants(raw, name)
    recognisable = data.pop("customer_recognisable", None)
    out["customer_recognisable"] = (
        np.zeros(n, bool) if recognisable is None else _booleans(recognisable)
    )
    cats: dict[str, tuple[Codes, Labels]] = {}
    for name in CATEGORICALS:
        raw = data.pop(name, None)
        cats[name] = _no_labels(n) if raw is None else _factorize(raw, None, name)
    _check_names(data)
    for name, raw in data.items():
        if _is_coded(raw):
            cats[name] = _factorize(raw, None, name)
            continue
        arr = _column(raw, name)
        if arr.dtype.kind in "OUS":
            cats[name] = _factorize(arr, None, name)
        elif np.issubdtype(arr.dtype, np.datetime64):
            out[name] = as_instant_array(arr, name=name)
        else:
            out[name] = arr
    return out, cats


def _transitions_from(
    transitions: Mapping[str, Any] | Any, id_index: _IdIndex, states: Sequence[str]
) -> Transitions:
    """The `transitions` of :meth:`WorkItemTable.from_columns`, sorted by item then instant."""
    _, tdata = _columns_of(transitions, "transitions")
    for required in ("item", "state", "at"):
        if required not in tdata:
            raise ValidationError(f"`transitions` must hold `{required}`")
    items = _values(tdata["item"], "transitions.item")
    if not states and len(items):
        raise ValidationError("`states` must be given with `transitions`")
    item = id_index.positions(items, "transitions.item")
    try:
        state, _ = _factorize(tdata["state"], states, "transitions.state")
    except ValidationError as exc:
        raise ValidationError(f"{exc} (`states` {list(states)})") from exc
    if (state < 0).any():
        rows = np.flatnonzero(state < 0)
        raise ValidationError(f"`transitions.state` is missing in {describe_rows(rows)}", rows=rows)
    at = _instants(_values(tdata["at"], "transitions.at"), "transitions.at")
    dept = tdata.get("department")
    dcodes, dlabels = (
        _no_labels(item.size) if dept is None else _factorize(dept, None, "transitions.department")
    )
    order = np.lexsort((at, item))
    return Transitions(item[order], state[order], at[order], dcodes[order], dlabels)


def _blocked_from(blocked: Mapping[str, Any] | Any, id_index: _IdIndex) -> BlockedIntervals:
    """The `blocked` intervals of :meth:`WorkItemTable.from_columns`, sorted by item then start."""
    _, bdata = _columns_of(blocked, "blocked")
    for required in ("item", "start"):
        if required not in bdata:
            raise ValidationError(f"`blocked` must hold `{required}`")
    item = id_index.positions(_values(bdata["item"], "blocked.item"), "blocked.item")
    start = _instants(_values(bdata["start"], "blocked.start"), "blocked.start")
    end_raw = bdata.get("end")
    end = (
        np.full(item.size, _NAT)
        if end_raw is None
        else _instants(_values(end_raw, "blocked.end"), "blocked.end")
    )
    reason = bdata.get("reason")
    rcodes, rlabels = (
        _no_labels(item.size) if reason is None else _factorize(reason, None, "blocked.reason")
    )
    order = np.lexsort((start, item))
    return BlockedIntervals(item[order], start[order], end[order], rcodes[order], rlabels)


# ---------------------------------------------------------------- from_items columns


def _item_fields(items: list[WorkItem]) -> dict[str, Any]:
    """The columns of :meth:`WorkItemTable.from_items`: fields, then free attributes."""
    work_types = [it.work_type for it in items]
    columns: dict[str, Any] = {
        "id": np.array([it.id for it in items], dtype=str),
        **{name: _instants_of(items, name) for name in INSTANTS},
        "customer": _objects([it.customer for it in items]),
        "segment": _objects([it.segment for it in items]),
        "work_type": _objects([None if w is None else w.name for w in work_types]),
        "customer_recognisable": np.array(
            [w is not None and w.customer_recognisable for w in work_types], dtype=bool
        ),
        "class_of_service": _objects([it.class_of_service for it in items]),
    }
    return {**columns, **_attribute_fields(items, columns)}


def _attribute_fields(items: list[WorkItem], fields: Iterable[str]) -> dict[str, npt.NDArray[Any]]:
    """One column per free attribute of the items (None where an item lacks it)."""
    names = sorted({k for it in items for k in it.attributes})
    clash = sorted(set(names) & set(fields))
    if clash:
        raise ValidationError(f"attribute `{clash[0]}` clashes with a table field")
    return {name: _objects([it.attributes.get(name) for it in items]) for name in names}


def _instants_of(items: list[WorkItem], name: str) -> npt.NDArray[np.datetime64]:
    values = [_naive(getattr(it, name)) for it in items]
    return np.array(values, dtype="datetime64[ns]").reshape(len(items))


def _objects(values: list[Any]) -> npt.NDArray[Any]:
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out


def _transition_fields(items: list[WorkItem]) -> dict[str, npt.NDArray[Any]]:
    trans = [(it.id, t) for it in items for t in it.transitions]
    return {
        "item": np.array([i for i, _ in trans], dtype=str),
        "state": np.array([t.state for _, t in trans], dtype=object),
        "at": np.array([_naive(t.at) for _, t in trans], dtype="datetime64[ns]"),
        "department": np.array([t.department for _, t in trans], dtype=object),
    }


def _blocked_fields(items: list[WorkItem]) -> dict[str, npt.NDArray[Any]]:
    blk = [(it.id, b) for it in items for b in it.blocked]
    return {
        "item": np.array([i for i, _ in blk], dtype=str),
        "start": np.array([_naive(b.start) for _, b in blk], dtype="datetime64[ns]"),
        "end": np.array([_naive(b.end) for _, b in blk], dtype="datetime64[ns]"),
        "reason": np.array([b.reason for _, b in blk], dtype=object),
    }
