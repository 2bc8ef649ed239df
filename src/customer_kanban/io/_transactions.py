"""Import of customer transactions and customer feedback, block by block, rows refused kept."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import IO, Any

import numpy as np
import numpy.typing as npt

from customer_kanban._core.frames import ArrowText, Categorical
from customer_kanban._core.instants import to_datetime
from customer_kanban._core.results import Result, result
from customer_kanban.errors import ValidationError
from customer_kanban.io._csv import FIELD_LIMIT, INPUT_LIMIT
from customer_kanban.io._event_log import Rejections
from customer_kanban.io._fields import instants, numbers
from customer_kanban.io._instants import TimeFormat
from customer_kanban.io._source import (
    ColumnBlock,
    categories,
    check_column_names,
    column_blocks,
    decode,
    reader_options,
    text_column,
    warn_rejected,
)
from customer_kanban.model import Feedback, FeedbackKind
from customer_kanban.table import TransactionTable

__all__ = ["FeedbackLogResult", "TransactionLogResult", "read_feedback", "read_transactions"]

Source = str | os.PathLike[str] | IO[Any] | Mapping[str, Any] | Any
Mask = npt.NDArray[np.bool_]


@result
class TransactionLogResult(Result):
    """What :func:`read_transactions` accepted, and what it rejected.

    Attributes
    ----------
    table : TransactionTable
        One row per accepted transaction.
    rejected : Rejections
        The rejected rows and their reasons.
    n_rows : int
        Data rows read; ``n_accepted + len(rejected) == n_rows``.
    n_accepted : int
        Rows accepted.
    """

    table: TransactionTable
    rejected: Rejections
    n_rows: int
    n_accepted: int

    def to_dict(self) -> dict[str, Any]:
        """The counts, every rejected row with its reason, and the table's size."""
        return {
            "n_rows": self.n_rows,
            "n_accepted": self.n_accepted,
            "rejected": self.rejected.to_dict(),
            "table": {"transactions": len(self.table), "customers": len(self.table.customers)},
        }


@result
class FeedbackLogResult(Result):
    """What :func:`read_feedback` accepted, and what it rejected.

    Attributes
    ----------
    feedback : tuple of Feedback
        One value per accepted row, in row order.
    rejected : Rejections
        The rejected rows and their reasons.
    n_rows : int
        Data rows read; ``n_accepted + len(rejected) == n_rows``.
    n_accepted : int
        Rows accepted.
    """

    feedback: tuple[Feedback, ...]
    rejected: Rejections
    n_rows: int
    n_accepted: int


def _names(required: Sequence[str], **columns: str | None) -> dict[str, str]:
    """The roles' column names (optional roles left out when None); every name checked."""
    for role in required:
        if columns[role] is None:
            raise TypeError(f"`{role}` must be a column name (a non-empty str), got None")
    check_column_names(**columns)
    return {role: name for role, name in columns.items() if name is not None}


def _require(block: ColumnBlock, roles: Mapping[str, str]) -> None:
    for role, name in roles.items():
        block.require(name, role)


def _reasons(checks: Sequence[tuple[str, Mask]], n: int) -> tuple[npt.NDArray[np.object_], Mask]:
    """The first failing check of each row, and which rows fail; checks in priority order."""
    reasons = np.full(n, None, dtype=object)
    failed = np.zeros(n, bool)
    for reason, bad in reversed(checks):
        reasons[bad] = reason
        failed |= bad
    return reasons, failed


def read_transactions(
    source: Source,
    *,
    customer: str = "customer",
    at: str = "at",
    revenue: str = "revenue",
    margin: str | None = None,
    cost: str | None = None,
    product: str | None = None,
    at_format: str | None = None,
    na_values: Sequence[str] = ("",),
    delimiter: str | None = ",",
    field_limit: int = FIELD_LIMIT,
    input_limit: int = INPUT_LIMIT,
) -> TransactionLogResult:
    """Read customer transactions (one row per purchase) into a :class:`TransactionTable`.

    Parameters
    ----------
    source : str, os.PathLike, open file, mapping of str to array_like, or data frame
        A CSV file with a header row (read in blocks, bounded memory), or columns: a
        pandas, polars or pyarrow table (or any eager frame narwhals supports), or a
        mapping of arrays, lists or frame columns.  Categorical and dictionary
        columns are read as their codes and labels, each label once; timestamps
        with a time zone are converted to UTC.
    customer, at, revenue : str, optional
        Names of the customer id, instant and revenue columns.
    margin, cost : str, optional
        A margin column, or a cost column (margin = revenue - cost); not both.
    product : str, optional
        A product or work-type column.
    at_format, na_values, delimiter, field_limit, input_limit
        As in :func:`~customer_kanban.io.read_event_log`.

    Returns
    -------
    TransactionLogResult
        ``table``, ``rejected``, ``n_rows`` and ``n_accepted``.

    Warns
    -----
    customer_kanban.errors.RejectedRowsWarning
        When rows are rejected.

    Notes
    -----
    A row is rejected with the first reason that applies: a malformed CSV row;
    ``missing customer``; ``missing instant``; ``unparseable instant``; ``missing
    revenue``; ``revenue is not a finite number``; the same two for the margin or
    cost when given.

    Examples
    --------
    >>> import warnings
    >>> log = {"customer": ["a", "b", ""], "at": ["2024-01-01"] * 3, "revenue": ["10", "x", "3"]}
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     r = read_transactions(log)
    >>> len(r.table), r.rejected.rows.tolist(), r.rejected.reasons.tolist()
    (1, [1, 2], ['revenue is not a finite number', 'missing customer'])
    >>> print(caught[0].message)  # doctest: +ELLIPSIS
    MOST ROWS REJECTED - the mapping: 2 of 3 rows rejected (66.7%): row 1: revenue is ...
    """
    if margin is not None and cost is not None:
        raise ValidationError("give `margin` or `cost`, not both")
    roles = _names(("customer", "at", "revenue"), customer=customer, at=at, revenue=revenue,
                   margin=margin, cost=cost, product=product)  # fmt: skip
    na = reader_options(na_values, delimiter, field_limit, input_limit)
    fmt = None if at_format is None else TimeFormat.parse(at_format)
    parts = []
    n_rows = 0
    label = "the mapping"
    for block in column_blocks(
        source,
        columns=list(roles.values()),
        delimiter=delimiter,
        field_limit=field_limit,
        input_limit=input_limit,
    ):
        _require(block, roles)
        parts.append(_transaction_block(block, roles, na, fmt))
        n_rows += block.n_rows
        label = block.label
    out = _transactions(parts, roles, n_rows)
    if len(out.rejected):
        warn_rejected(out.rejected.rows, out.rejected.reasons, n_rows, label)
    return out


def _transaction_block(
    block: ColumnBlock, roles: Mapping[str, str], na: tuple[str, ...], fmt: TimeFormat | None
) -> dict[str, Any]:
    cols = block.columns
    who, who_missing = _labels(cols[roles["customer"]], na)
    ns, at_missing, at_bad = instants(cols[roles["at"]], na, fmt, roles["at"])
    rev, rev_missing, rev_bad = numbers(cols[roles["revenue"]], na, roles["revenue"])
    checks = [
        ("missing customer", who_missing),
        ("missing instant", at_missing),
        ("unparseable instant", at_bad),
        ("missing revenue", rev_missing),
        ("revenue is not a finite number", rev_bad),
    ]
    extra = None
    for role in ("margin", "cost"):
        if role in roles:
            extra, missing, bad = numbers(cols[roles[role]], na, roles[role])
            checks += [(f"missing {role}", missing), (f"{role} is not a finite number", bad)]
    reasons, failed = _reasons(checks, len(ns))
    ok = ~failed
    out = {
        "customer": _coded_bytes(_take(who, ok)),
        "at": ns[ok].view("datetime64[ns]"),
        "revenue": rev[ok],
        "extra": None if extra is None else extra[ok],
        "product": None,
        "rows": np.concatenate((np.asarray(block.rejected_rows, np.int64), block.rows[~ok])),
        "reasons": np.concatenate((np.asarray(block.rejected_reasons, object), reasons[~ok])),
    }
    if "product" in roles:
        out["product"] = _take(_labels(cols[roles["product"]], na)[0], ok)
    return out


def _labels(column: Any, na: tuple[str, ...]) -> tuple[Categorical | npt.NDArray[Any], Mask]:
    """A text column and its missing mask: a coded one (or Arrow text) as codes and labels."""
    if isinstance(column, (Categorical, ArrowText)):
        return categories(column, na)
    return text_column(column, na)


def _coded_bytes(values: Categorical | npt.NDArray[Any]) -> Categorical | npt.NDArray[Any]:
    """A block's ids read as UTF-8 bytes, as codes into the block's sorted distinct ids (the
    blocks' codes are joined by :func:`_join_coded`): memory holds codes, not one sort of
    every row at once."""
    if isinstance(values, Categorical) or values.dtype.kind != "S":
        return values
    labels, codes = np.unique(values, return_inverse=True)
    return Categorical(codes.reshape(-1).astype(np.int32), labels)


def _join_coded(parts: list[Categorical | npt.NDArray[Any]]) -> Categorical | None:
    """The blocks' coded ids as one coded column with decoded labels, or None if a block
    is not coded bytes."""
    if not all(isinstance(p, Categorical) and p.labels.dtype.kind == "S" for p in parts):
        return None
    coded = [p for p in parts if isinstance(p, Categorical)]
    labels = np.unique(np.concatenate([p.labels for p in coded]))
    codes = np.concatenate(
        [np.searchsorted(labels, p.labels).astype(np.int32)[p.codes] for p in coded]
    )
    return Categorical(codes, np.asarray(decode(labels)))


def _take(values: Categorical | npt.NDArray[Any], rows: Mask) -> Categorical | npt.NDArray[Any]:
    if isinstance(values, Categorical):
        return Categorical(values.codes[rows], values.labels)
    return values[rows]


def _customers(values: list[Categorical | npt.NDArray[Any]]) -> Categorical | npt.NDArray[Any]:
    """The customer column: the blocks' codes joined, else their text."""
    if (
        len(values) == 1
        and isinstance(values[0], Categorical)
        and values[0].labels.dtype.kind != "S"
    ):
        return values[0]  # a frame's coded column
    joined = _join_coded(values)
    return joined if joined is not None else _concat(values)


def _concat(
    values: list[Categorical | npt.NDArray[Any]], *, decoded: bool = False
) -> Categorical | npt.NDArray[Any]:
    """One column from those of the blocks (a frame, the one block, may keep its codes);
    UTF-8 bytes `decoded` to text if asked."""
    if len(values) == 1 and isinstance(values[0], Categorical):
        return values[0]
    text = [v.text() if isinstance(v, Categorical) else v for v in values]
    if decoded:
        text = [decode(v) for v in text]
    if len({v.dtype.kind for v in text}) > 1:
        text = [v.astype(object) for v in text]
    return np.concatenate(text)


def _transactions(
    parts: list[dict[str, Any]], roles: Mapping[str, str], n_rows: int
) -> TransactionLogResult:
    # Each column is joined, then the blocks' copies are let go: memory holds one copy.
    columns: dict[str, Any] = {
        "customer": _customers([p.pop("customer") for p in parts]),
        "at": np.concatenate([p.pop("at") for p in parts]),
        "revenue": np.concatenate([p.pop("revenue") for p in parts]),
    }
    margin = cost = None
    if "margin" in roles or "cost" in roles:
        columns["extra"] = np.concatenate([p.pop("extra") for p in parts])
        margin, cost = ("extra", None) if "margin" in roles else (None, "extra")
    product = None
    if "product" in roles:
        columns["product"] = _concat([p.pop("product") for p in parts], decoded=True)
        product = "product"
    table = TransactionTable.from_columns(
        columns, customer="customer", at="at", revenue="revenue", margin=margin, cost=cost,
        product=product,
    )  # fmt: skip
    rows = np.concatenate([p["rows"] for p in parts])
    order = np.argsort(rows, kind="stable")
    rejected = Rejections(
        rows=rows[order], reasons=np.concatenate([p["reasons"] for p in parts])[order]
    )
    return TransactionLogResult(
        table=table, rejected=rejected, n_rows=n_rows, n_accepted=len(table)
    )


_KINDS = {k.value: k for k in FeedbackKind}


def read_feedback(
    source: Source,
    *,
    customer: str = "customer",
    at: str = "at",
    kind: str = "kind",
    item: str | None = None,
    score: str | None = None,
    text: str | None = None,
    at_format: str | None = None,
    na_values: Sequence[str] = ("",),
    delimiter: str | None = ",",
    field_limit: int = FIELD_LIMIT,
    input_limit: int = INPUT_LIMIT,
) -> FeedbackLogResult:
    """Read customer feedback (one row per piece of feedback) into :class:`Feedback` values.

    Parameters
    ----------
    source : str, os.PathLike, open file, mapping of str to array_like, or data frame
        A CSV file with a header row (read in blocks, bounded memory), or columns: a
        pandas, polars or pyarrow table (or any eager frame narwhals supports), or a
        mapping of arrays, lists or frame columns.  Categorical and dictionary
        columns are read as their codes and labels, each label once; timestamps
        with a time zone are converted to UTC.
    customer, at, kind : str, optional
        Names of the customer id, instant and kind columns; the kind is
        ``confirmation``, ``improvement`` or ``negative`` (any case).
    item, score, text : str, optional
        Columns of the work item it is about, a survey score, and the customer's words.
    at_format, na_values, delimiter, field_limit, input_limit
        As in :func:`~customer_kanban.io.read_event_log`.

    Returns
    -------
    FeedbackLogResult
        ``feedback``, ``rejected``, ``n_rows`` and ``n_accepted``.

    Warns
    -----
    customer_kanban.errors.RejectedRowsWarning
        When rows are rejected.

    Notes
    -----
    A row is rejected with the first reason that applies: a malformed CSV row;
    ``missing customer``; ``missing instant``; ``unparseable instant``; ``missing
    kind``; ``unknown kind 'X'``; ``score is not a finite number``.

    Examples
    --------
    >>> import warnings
    >>> log = {"customer": ["C1", "C2"], "at": ["2024-05-02", "2024-05-03"],
    ...        "kind": ["Negative", "praise"]}
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     r = read_feedback(log)
    >>> [f.kind.value for f in r.feedback], r.rejected.reasons.tolist()
    (['negative'], ["unknown kind 'praise'"])
    """
    roles = _names(("customer", "at", "kind"), customer=customer, at=at, kind=kind, item=item,
                   score=score, text=text)  # fmt: skip
    na = reader_options(na_values, delimiter, field_limit, input_limit)
    fmt = None if at_format is None else TimeFormat.parse(at_format)
    values: list[Feedback] = []
    rows: list[npt.NDArray[np.int64]] = []
    reasons: list[npt.NDArray[np.object_]] = []
    n_rows = 0
    label = "the mapping"
    for block in column_blocks(
        source,
        columns=list(roles.values()),
        delimiter=delimiter,
        field_limit=field_limit,
        input_limit=input_limit,
    ):
        _require(block, roles)
        found, bad_rows, why = _feedback_block(block, roles, na, fmt)
        values += found
        rows.append(bad_rows)
        reasons.append(why)
        n_rows += block.n_rows
        label = block.label
    all_rows = np.concatenate(rows)
    order = np.argsort(all_rows, kind="stable")
    rejected = Rejections(rows=all_rows[order], reasons=np.concatenate(reasons)[order])
    if len(rejected):
        warn_rejected(rejected.rows, rejected.reasons, n_rows, label)
    return FeedbackLogResult(
        feedback=tuple(values), rejected=rejected, n_rows=n_rows, n_accepted=len(values)
    )


def _feedback_block(
    block: ColumnBlock, roles: Mapping[str, str], na: tuple[str, ...], fmt: TimeFormat | None
) -> tuple[list[Feedback], npt.NDArray[np.int64], npt.NDArray[np.object_]]:
    cols = block.columns
    who, who_missing = text_column(cols[roles["customer"]], na)
    ns, at_missing, at_bad = instants(cols[roles["at"]], na, fmt, roles["at"])
    kinds, kind_missing = text_column(cols[roles["kind"]], na)
    kinds = np.char.lower(decode(kinds).astype(str))
    unknown = ~kind_missing & ~np.isin(kinds, list(_KINDS))
    checks = [
        ("missing customer", who_missing),
        ("missing instant", at_missing),
        ("unparseable instant", at_bad),
        ("missing kind", kind_missing),
        ("unknown kind", unknown),
    ]
    scores = None
    if "score" in roles:
        scores, _, bad = numbers(cols[roles["score"]], na, roles["score"])
        checks.append(("score is not a finite number", bad))
    reasons, failed = _reasons(checks, len(ns))
    first_unknown = unknown & ~(who_missing | at_missing | at_bad)
    for r in np.flatnonzero(first_unknown).tolist():  # rejected rows only: few
        reasons[r] = f"unknown kind {kinds[r][:60]!r}"
    ok = np.flatnonzero(~failed)
    items = decode(text_column(cols[roles["item"]], na)[0]) if "item" in roles else None
    words = decode(text_column(cols[roles["text"]], na)[0]) if "text" in roles else None
    who_text = decode(who)
    found = [
        Feedback(
            customer=str(who_text[r]),
            at=to_datetime(ns[r].view("datetime64[ns]")),  # type: ignore[arg-type]
            kind=_KINDS[str(kinds[r])],
            item=None if items is None or not items[r] else str(items[r]),
            score=None if scores is None or np.isnan(scores[r]) else float(scores[r]),
            text="" if words is None else str(words[r]),
        )
        for r in ok.tolist()  # one model value per accepted row
    ]
    rows = np.concatenate((np.asarray(block.rejected_rows, np.int64), block.rows[failed]))
    why = np.concatenate((np.asarray(block.rejected_reasons, object), reasons[failed]))
    return found, rows, why
