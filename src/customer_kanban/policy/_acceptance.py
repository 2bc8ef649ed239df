"""Acceptance policies evaluated over a whole table: which requests meet the criteria, and why not.

Each rule is one vectorized pass over its column (a loop over the handful of rules,
never over items); the failures of every item under every rule are gathered in one
long table, ordered by item then rule.
"""

from __future__ import annotations

import datetime as _dt
import enum
import html
import math
import warnings
from collections.abc import Callable, Iterable
from typing import Any

import attrs
import numpy as np
import numpy.typing as npt

from customer_kanban._core.instants import NS_PER_DAY, to_datetime
from customer_kanban._core.results import Result, result
from customer_kanban._core.validation import as_instant_scalar
from customer_kanban.errors import InsufficientDataWarning, ValidationError
from customer_kanban.model import AcceptanceRule, RuleKind
from customer_kanban.table import WorkItemTable

__all__ = [
    "AcceptanceFailures",
    "AcceptanceResult",
    "FailureCause",
    "Predicate",
    "evaluate_acceptance",
    "predicates",
    "register_predicate",
    "unregister_predicate",
]

Bools = npt.NDArray[np.bool_]
Predicate = Callable[[WorkItemTable], Bools]
"""A vectorized predicate: the table in, one boolean per item out (``True`` = passes)."""

_EQ = attrs.cmp_using(eq=np.array_equal)

# --------------------------------------------------------------------------- registry
_PREDICATES: dict[str, Predicate] = {}


def _registered() -> str:
    names = sorted(_PREDICATES)
    return f"registered predicates: {names}" if names else "no predicate is registered"


def register_predicate(name: str, function: Predicate, *, replace: bool = False) -> Predicate:
    """Register a vectorized predicate under `name`, for ``predicate`` acceptance rules.

    Rules are data (they travel as JSON inside a policy); predicates are code, so a
    rule names its predicate and the function is found here when the rule is
    evaluated.  Nothing is ever evaluated from text.

    Parameters
    ----------
    name : str
        The name rules use (``AcceptanceRule(kind="predicate", predicate=name, ...)``).
    function : callable
        ``function(table) -> numpy.ndarray of bool``, one value per item of the
        :class:`~customer_kanban.table.WorkItemTable` it is given, ``True`` where the
        item passes.  It receives the table being evaluated (already cut at ``as_of``)
        and must not loop over items.
    replace : bool, optional
        Replace a predicate already registered under `name` (default: refuse).

    Returns
    -------
    callable
        `function`, unchanged.

    Raises
    ------
    customer_kanban.errors.ValidationError
        If `name` is blank, or already taken by another function and not `replace`.
    TypeError
        If `name` is not a string or `function` is not callable.

    Examples
    --------
    >>> import numpy as np
    >>> f = register_predicate("has customer", lambda t: t.codes("customer")[0] >= 0)
    >>> "has customer" in predicates()
    True
    >>> unregister_predicate("has customer")
    """
    if not isinstance(name, str):
        raise TypeError(f"`name` must be a string, got {type(name).__name__}")
    if not name.strip():
        raise ValidationError("`name` must be a non-empty string")
    if "\x00" in name:  # a rule's `predicate` cannot hold one: the name could never be used
        raise ValidationError(f"`name` must not hold a NUL character (\\x00); got {name!r}")
    if not callable(function):
        raise TypeError(f"`function` must be callable, got {type(function).__name__}")
    current = _PREDICATES.get(name)
    if current is not None and current is not function and not replace:
        raise ValidationError(
            f"a predicate named {name!r} is already registered; pass `replace=True` to replace it"
        )
    _PREDICATES[name] = function
    return function


def unregister_predicate(name: str) -> None:
    """Remove the predicate registered under `name`.

    Raises
    ------
    customer_kanban.errors.ValidationError
        If no predicate has that name (the message lists the registered ones).
    """
    if name not in _PREDICATES:
        raise ValidationError(f"`name` {name!r} is not a registered predicate; {_registered()}")
    del _PREDICATES[name]


def predicates() -> dict[str, Predicate]:
    """The registered predicates, by name (sorted); a copy, changing it changes nothing."""
    return {name: _PREDICATES[name] for name in sorted(_PREDICATES)}


# ---------------------------------------------------------------------------- results
class FailureCause(enum.IntEnum):
    """Why an item fails a rule (the codes of :attr:`AcceptanceFailures.cause`).

    * ``FIELD_MISSING`` (1): the table has no column for the rule's field at all
      (e.g. no item ever had an ``address`` attribute), so no item can pass;
    * ``VALUE_MISSING`` (2): the item's value is missing (``None``, ``NaN``, ``NaT``,
      blank text);
    * ``RULE_BROKEN`` (3): the value is there and breaks the rule (not one of the
      values, out of range, too little lead time, predicate false).
    """

    FIELD_MISSING = 1
    VALUE_MISSING = 2
    RULE_BROKEN = 3


@result
class AcceptanceFailures(Result):
    """Every failing (item, rule) pair, one row each, ordered by item then rule.

    Attributes
    ----------
    item : numpy.ndarray of int64
        Position of the item in :attr:`AcceptanceResult.ids`.
    rule : numpy.ndarray of int64
        Position of the rule in :attr:`AcceptanceResult.rules`.
    cause : numpy.ndarray of int8
        A :class:`FailureCause` code per row.
    """

    item: npt.NDArray[np.int64]
    rule: npt.NDArray[np.int64]
    cause: npt.NDArray[np.int8]

    def __len__(self) -> int:
        return int(self.item.size)

    def __repr__(self) -> str:
        return f"AcceptanceFailures({len(self)} rows)"


def _number(value: float) -> str:
    return f"{value:g}"


def _reason(rule: AcceptanceRule, cause: int) -> str:
    """The text of one failure: ``"<rule name>: <what is wrong>"``."""
    field = f"`{rule.field}`"
    if cause == FailureCause.FIELD_MISSING:
        return f"{rule.name}: field {field} missing from the table"
    if cause == FailureCause.VALUE_MISSING:
        return f"{rule.name}: {field} is missing"
    kind = rule.kind
    if kind is RuleKind.ONE_OF:
        text = f"{field} is not one of {list(rule.values)}"
    elif kind is RuleKind.RANGE:
        lo, hi = rule.minimum, rule.maximum
        if lo is not None and hi is not None:
            text = f"{field} is outside [{_number(lo)}, {_number(hi)}]"
        elif lo is not None:
            text = f"{field} is below {_number(lo)}"
        else:
            assert hi is not None
            text = f"{field} is above {_number(hi)}"
    elif kind is RuleKind.LEAD_DAYS:
        assert rule.days is not None
        text = f"{field} is less than {_number(rule.days)} days after `requested_at`"
    else:  # a predicate (a `required` rule only ever fails by a missing value)
        text = f"predicate {rule.predicate!r} is false"
    return f"{rule.name}: {text}"


@result
class AcceptanceResult(Result):
    """Which requests meet the acceptance rules, and every reason why not.

    Attributes
    ----------
    rules : tuple of AcceptanceRule
        The rules evaluated, in the order given.
    ids : numpy.ndarray
        Ids of the items evaluated, in table order (those requested by `as_of`).
    passed : numpy.ndarray of bool
        Per item: whether it meets every rule.
    failures : AcceptanceFailures
        Every failing (item, rule) pair and its cause, ordered by item then rule.
    fail_counts : numpy.ndarray of int64
        Per rule: how many items fail it.
    acceptance_rate : float
        Share of the items that pass every rule, in [0, 1]; NaN when no item was
        evaluated.
    as_of : datetime or None
        The instant the table was seen at (``None``: all of it).

    Examples
    --------
    See :func:`evaluate_acceptance`.
    """

    rules: tuple[AcceptanceRule, ...]
    ids: npt.NDArray[Any]
    passed: Bools
    failures: AcceptanceFailures
    fail_counts: npt.NDArray[np.int64]
    acceptance_rate: float
    as_of: _dt.datetime | None = None

    def __len__(self) -> int:
        return int(self.ids.size)

    def _position(self, item_id: str | int) -> int:
        if self.ids.dtype.kind in "USO":
            hits = np.flatnonzero(self.ids == str(item_id))
        elif isinstance(item_id, str):  # numeric ids, asked for by their text ("17")
            hits = np.flatnonzero(self.ids.astype(str) == item_id)
        else:
            hits = np.flatnonzero(self.ids == item_id)
        if hits.size == 0:
            raise ValidationError(
                f"`item_id` {item_id!r} is not among the {self.ids.size} items evaluated"
            )
        return int(hits[0])

    def reasons(self, item_id: str | int) -> list[str]:
        """Every reason the item fails, one per failing rule, in rule order.

        Each reason reads ``"<rule name>: <what is wrong>"``, e.g.
        ``"address given: `address` is missing"``.  An empty list: the item passes.

        Raises
        ------
        customer_kanban.errors.ValidationError
            If no evaluated item has that id.
        """
        position = self._position(item_id)
        f = self.failures
        lo, hi = np.searchsorted(f.item, [position, position + 1])
        return [
            _reason(self.rules[int(r)], int(c))
            for r, c in zip(f.rule[lo:hi].tolist(), f.cause[lo:hi].tolist(), strict=True)
        ]

    def failure_table(self) -> dict[str, npt.NDArray[Any]]:
        """The failures as columns: ``id``, ``rule`` (name), ``cause`` and ``reason`` (text).

        One row per failing (item, rule), ordered by item then rule; ready for
        ``pandas.DataFrame(result.failure_table())``.
        """
        f = self.failures
        n_causes = len(FailureCause) + 1
        texts = np.array(
            [_reason(rule, c) if c else "" for rule in self.rules for c in range(n_causes)],
            dtype=object,
        )
        names = np.array([rule.name for rule in self.rules], dtype=object)
        labels = np.array([""] + [c.name.lower() for c in FailureCause], dtype=object)
        return {
            "id": self.ids[f.item],
            "rule": names[f.rule],
            "cause": labels[f.cause],
            "reason": texts[f.rule * n_causes + f.cause],
        }

    def _counts(self) -> dict[str, int]:
        return {rule.name: int(c) for rule, c in zip(self.rules, self.fail_counts, strict=True)}

    def __repr__(self) -> str:
        rate = "nan" if math.isnan(self.acceptance_rate) else f"{self.acceptance_rate:.3f}"
        return (
            f"AcceptanceResult(items={len(self)}, passed={int(self.passed.sum())}, "
            f"acceptance_rate={rate}, failures={len(self.failures)}, "
            f"fail_counts={self._counts()})"
        )

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><td>{html.escape(rule.name)}</td><td>{rule.kind.value}</td>"
            f"<td>{html.escape(rule.field or '')}</td><td>{int(count)}</td></tr>"
            for rule, count in zip(self.rules, self.fail_counts, strict=True)
        )
        rate = "n/a" if math.isnan(self.acceptance_rate) else f"{self.acceptance_rate:.1%}"
        return (
            f"<p>Acceptance: {int(self.passed.sum())} of {len(self)} items pass ({rate})</p>"
            "<table><thead><tr><th>rule</th><th>kind</th><th>field</th><th>failing</th></tr>"
            f"</thead><tbody>{rows}</tbody></table>"
        )


# ------------------------------------------------------------------------- evaluation
def _blank(values: npt.NDArray[Any]) -> Bools:
    """Missing text: None, NaN, or empty / whitespace-only strings."""
    if values.size == 0:
        return np.zeros(0, bool)
    if values.dtype.kind == "O":
        is_none = np.equal(values, np.array(None, dtype=object))
        is_nan = values != values  # NaN is the only value not equal to itself
        text = values.astype(str)
    else:
        is_none = is_nan = np.zeros(values.shape, bool)
        text = values
    empty = np.char.str_len(np.char.strip(text)) == 0
    return np.asarray(is_none | is_nan | empty, dtype=bool)


def _kind_of(table: WorkItemTable, field: str) -> str:
    """``"text"``, ``"instant"``, ``"number"``, ``"bool"`` (or the dtype) of a field."""
    if field in table.categorical_fields:
        return "text"
    kind = table[field].dtype.kind
    return {"U": "text", "S": "text", "O": "text", "M": "instant", "b": "bool"}.get(
        kind, "number" if kind in "iuf" else str(table[field].dtype)
    )


def _need(rule: AcceptanceRule, table: WorkItemTable, wanted: str) -> None:
    assert rule.field is not None
    got = _kind_of(table, rule.field)
    if got != wanted:
        raise ValidationError(
            f"rule {rule.name!r}: a `{rule.kind.value}` rule needs {_a(wanted)} field; "
            f"`{rule.field}` is {_a(got)} field"
        )


def _a(noun: str) -> str:
    return f"{'an' if noun[:1] in 'aeiou' else 'a'} {noun}"


def _missing(table: WorkItemTable, field: str) -> Bools:
    """Items whose `field` value is missing: None, NaN, NaT or blank text."""
    if field in table.categorical_fields:
        codes, labels = table.codes(field)
        blank = np.append(_blank(labels), True)  # code -1 (missing) -> the last entry
        return np.asarray(blank[codes])
    values = table[field]
    kind = values.dtype.kind
    if kind == "M":
        return np.asarray(np.isnat(values), dtype=bool)
    if kind in "fc":
        return np.asarray(np.isnan(values), dtype=bool)
    if kind in "USO":
        return _blank(values)
    return np.zeros(values.shape, bool)


def _one_of(table: WorkItemTable, rule: AcceptanceRule) -> Bools:
    _need(rule, table, "text")
    assert rule.field is not None
    if rule.field in table.categorical_fields:
        codes, labels = table.codes(rule.field)
        allowed = np.append(np.isin(labels.astype(str), rule.values), False)
        return np.asarray(allowed[codes])
    return np.isin(table[rule.field].astype(str), rule.values)


def _in_range(table: WorkItemTable, rule: AcceptanceRule) -> Bools:
    _need(rule, table, "number")
    assert rule.field is not None
    values = table[rule.field]
    ok = np.ones(values.shape, bool)
    if rule.minimum is not None:
        ok &= values >= rule.minimum
    if rule.maximum is not None:
        ok &= values <= rule.maximum
    return ok  # NaN compares false: a missing value never passes here


def _lead_days(table: WorkItemTable, rule: AcceptanceRule) -> Bools:
    _need(rule, table, "instant")
    assert rule.field is not None
    assert rule.days is not None
    least = min(round(rule.days * NS_PER_DAY), int(np.iinfo(np.int64).max))
    lead = table[rule.field] - table["requested_at"]  # NaT - t is NaT, and NaT >= x is false
    return np.asarray(lead >= np.timedelta64(least, "ns"))


def _predicate(table: WorkItemTable, rule: AcceptanceRule) -> Bools:
    assert rule.predicate is not None
    out = np.asarray(_PREDICATES[rule.predicate](table))
    who = f"rule {rule.name!r}: predicate {rule.predicate!r}"
    if out.dtype != np.bool_:
        raise TypeError(f"{who} must return booleans, got an array of dtype {out.dtype}")
    if out.shape != (len(table),):
        raise ValidationError(
            f"{who} must return one boolean per item ({len(table)}), got shape {out.shape}"
        )
    return out


_CHECKS: dict[RuleKind, Callable[[WorkItemTable, AcceptanceRule], Bools]] = {
    RuleKind.ONE_OF: _one_of,
    RuleKind.RANGE: _in_range,
    RuleKind.LEAD_DAYS: _lead_days,
    RuleKind.PREDICATE: _predicate,
}


def _causes(table: WorkItemTable, rule: AcceptanceRule) -> npt.NDArray[np.int8]:
    """A :class:`FailureCause` code per item for one rule (0 = passes)."""
    n = len(table)
    if rule.field is not None and rule.field not in table:
        return np.full(n, FailureCause.FIELD_MISSING, np.int8)
    if rule.kind is RuleKind.PREDICATE:
        return _code(~_predicate(table, rule), FailureCause.RULE_BROKEN)
    assert rule.field is not None
    missing = _missing(table, rule.field)
    if rule.kind is RuleKind.REQUIRED:
        return _code(missing, FailureCause.VALUE_MISSING)
    ok = _CHECKS[rule.kind](table, rule)
    fail = ~(ok | missing) if rule.allow_missing else ~ok | missing
    # RULE_BROKEN (3) where failing, one less (VALUE_MISSING, 2) where also missing.
    out = _code(fail, FailureCause.RULE_BROKEN)
    out -= (fail & missing).view(np.int8)
    return out


def _code(flags: Bools, cause: FailureCause) -> npt.NDArray[np.int8]:
    """`cause` where `flags` is true, 0 elsewhere (no branch, no int64 temporary)."""
    out: npt.NDArray[np.int8] = flags.view(np.int8) * np.int8(cause)
    return out


def _check_rules(rules: Iterable[AcceptanceRule]) -> tuple[AcceptanceRule, ...]:
    given: object = rules
    if isinstance(given, AcceptanceRule):
        raise TypeError("`rules` must be a sequence of AcceptanceRule; put the one rule in a list")
    if isinstance(given, (str, bytes)) or not isinstance(given, Iterable):
        raise TypeError(f"`rules` must be a sequence of AcceptanceRule, got {type(given).__name__}")
    out = tuple(rules)
    for position, rule in enumerate(out):
        if not isinstance(rule, AcceptanceRule):
            raise TypeError(
                f"`rules` must hold AcceptanceRule values; position {position} holds "
                f"{type(rule).__name__}"
            )
    names = [r.name for r in out]
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise ValidationError(f"`rules` names must be unique; repeated: {repeated}")
    for rule in out:
        if rule.kind is RuleKind.PREDICATE and rule.predicate not in _PREDICATES:
            raise ValidationError(
                f"rule {rule.name!r}: unknown predicate {rule.predicate!r}; {_registered()}"
            )
    return out


def evaluate_acceptance(
    table: WorkItemTable, rules: Iterable[AcceptanceRule], *, as_of: object = None
) -> AcceptanceResult:
    """Evaluate acceptance rules over every item of a table at once.

    Each rule is one vectorized pass over its column; an item passes when it meets
    every rule, and every failing (item, rule) pair is recorded with its cause.

    Parameters
    ----------
    table : WorkItemTable
        The work items; attributes (``address``, ...) are its extra columns.
    rules : sequence of AcceptanceRule
        Unique by name; an empty sequence accepts every item.
    as_of : datetime-like, optional
        Evaluate only the items requested by this instant, as they were known then
        (:meth:`WorkItemTable.as_of`: commitment, delivery and other instants later
        than `as_of` are not yet known, so they count as missing; due dates are
        kept).  Default: every item, as the table holds it.

    Returns
    -------
    AcceptanceResult

    Raises
    ------
    customer_kanban.errors.ValidationError
        If rule names repeat; a ``predicate`` rule names no registered predicate (the
        message lists those registered) or its predicate returns the wrong number of
        values; a rule's kind does not fit its field's type (``range`` needs a number,
        ``one_of`` text, ``lead_days`` an instant); `as_of` is not one instant.
    TypeError
        If `table` is not a WorkItemTable, `rules` holds something else than
        AcceptanceRule values, or a predicate returns non-booleans.

    Warns
    -----
    customer_kanban.errors.InsufficientDataWarning
        When no item is evaluated; `acceptance_rate` is then NaN.

    Notes
    -----
    *Missing values.* A value is missing when it is ``None``, ``NaN``, ``NaT`` or
    text that is empty or only whitespace.  A ``required`` rule fails exactly on
    those; ``one_of``, ``range`` and ``lead_days`` fail on them too (cause
    ``VALUE_MISSING``) unless the rule has ``allow_missing=True``.

    *A field the table lacks* is not an error: the rule fails for every item, with
    cause ``FIELD_MISSING`` and the reason "field `<name>` missing from the table".
    A table built from work items has an attribute column only when some item has
    that attribute, so "no request carries a delivery address" must show as every
    request failing, not as a crash.  A rule whose kind does not fit an existing
    field's type (a ``range`` over text) is a configuration error and raises.

    ``one_of`` compares text exactly (case and spaces count).  ``lead_days`` counts
    elapsed time, ``field - requested_at >= days``, to the nanosecond.

    Examples
    --------
    >>> from customer_kanban.model import AcceptanceRule
    >>> from customer_kanban.table import WorkItemTable
    >>> table = WorkItemTable.from_columns({
    ...     "id": ["A", "B", "C"],
    ...     "requested_at": ["2024-01-01", "2024-01-02", "2024-01-03"],
    ...     "due_at": ["2024-01-20", "2024-01-04", None],
    ...     "address": ["Via Roma 1", None, "Corso Italia 2"],
    ... })
    >>> rules = [
    ...     AcceptanceRule(name="address given", kind="required", field="address"),
    ...     AcceptanceRule(name="due date feasible", kind="lead_days", field="due_at",
    ...                    days=5, allow_missing=True),
    ... ]
    >>> result = evaluate_acceptance(table, rules)
    >>> result.passed.tolist(), round(result.acceptance_rate, 3)
    ([True, False, True], 0.667)
    >>> for reason in result.reasons("B"):
    ...     print(reason)
    address given: `address` is missing
    due date feasible: `due_at` is less than 5 days after `requested_at`
    >>> result.fail_counts.tolist()
    [1, 1]
    """
    if not isinstance(table, WorkItemTable):
        raise TypeError(f"`table` must be a WorkItemTable, got {type(table).__name__}")
    checked = _check_rules(rules)
    when = None
    if as_of is not None:
        instant = as_instant_scalar(as_of, name="as_of")
        table = table.as_of(instant)
        when = to_datetime(instant)
    n, k = len(table), len(checked)
    # One column per rule, one row per item: the nonzero entries, read in row-major
    # order, are the failures ordered by item then rule, with no sort.
    causes = np.zeros((n, k), np.int8)
    counts = np.zeros(k, np.int64)
    for j, rule in enumerate(checked):
        column = _causes(table, rule)
        causes[:, j] = column
        counts[j] = np.count_nonzero(column)
    # nonzero of a boolean array is several times faster than of int8 codes.
    flat = np.flatnonzero(causes != 0)
    item, rule_pos = np.divmod(flat, k) if k else (flat, flat)
    failures = AcceptanceFailures(
        item=item.astype(np.int64, copy=False),
        rule=rule_pos.astype(np.int64, copy=False),
        cause=causes.reshape(-1)[flat],
    )
    passed = np.ones(n, bool)
    passed[failures.item] = False
    if n:
        rate = float(np.count_nonzero(passed) / n)
    else:
        rate = math.nan
        warnings.warn(
            "`evaluate_acceptance`: no item to evaluate (an empty table, or no request by "
            "`as_of`); `acceptance_rate` is NaN",
            InsufficientDataWarning,
            stacklevel=2,
        )
    return AcceptanceResult(
        rules=checked,
        ids=table["id"],
        passed=passed,
        failures=failures,
        fail_counts=counts,
        acceptance_rate=rate,
        as_of=when,
    )
