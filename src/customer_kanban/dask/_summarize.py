"""summarize: one FlowSummary per partition of an event log, merged in a tree."""

from __future__ import annotations

import itertools
import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import attrs
import numpy as np

from customer_kanban._core.validation import as_instant_scalar, as_whole_number, check_choice
from customer_kanban.errors import RejectedRowsWarning, ValidationError
from customer_kanban.io import read_event_log
from customer_kanban.model import Policy
from customer_kanban.summaries import BY_FIELDS, RESOLUTIONS, FlowSummary, merge_summaries
from customer_kanban.table import WorkItemTable

try:
    import dask as _dask
    import dask.dataframe as dd
except ImportError as exc:  # pragma: no cover - the extra is not installed
    raise ImportError(
        'customer_kanban.dask needs Dask: pip install "customer-kanban[dask]"'
    ) from exc

__all__ = ["summarize"]

dask: Any = _dask  # untyped: its functions are called through Any

#: Most items named in the error about items split across partitions.
_SHOWN = 5


@attrs.frozen
class _Part:
    """A partition's summary (None: no accepted row) and what its reader rejected."""

    summary: FlowSummary | None
    n_rows: int
    n_rejected: int
    reasons: tuple[str, ...]


def summarize(
    source: Any,
    policy: Policy,
    *,
    as_of: object,
    item: str = "item",
    state: str = "state",
    at: str = "at",
    attributes: Sequence[str] | Mapping[str, str] = (),
    requested: str | None = None,
    by: str | None = "class_of_service",
    resolution: str = "1min",
    shuffle: bool = True,
    split_every: int = 8,
    compute: bool = True,
) -> Any:
    """The :class:`~customer_kanban.summaries.FlowSummary` of an event log in partitions.

    Each partition is read by :func:`customer_kanban.io.read_event_log` and summarised
    by :func:`customer_kanban.summaries.flow_summary`; the partitions' summaries are
    then merged in a tree (`split_every` at a time). An item's events must all be in
    one partition, or the item would be counted in pieces: with ``shuffle=True``
    (default) the rows are first shuffled by `item` (``DataFrame.shuffle(on=item)``);
    with ``shuffle=False`` the partitions are checked and an error names the items
    found in more than one.

    Parameters
    ----------
    source : dask.dataframe.DataFrame or str
        The event log, one row per state change: a Dask DataFrame, or a path or glob
        of Parquet (``.parquet``, ``.pq``) or CSV files (read with ``dtype=str``).
    policy : Policy
        Its workflow reads the states; its classes of service give costs of delay.
    as_of : instant
        The instant the items are seen at.
    item, state, at : str, optional
        The columns of the item id, the state entered and the instant.
    attributes : sequence of str or mapping of str to str, optional
        Columns copied to item fields, as :func:`~customer_kanban.io.read_event_log`
        reads them; the `by` field, and ``class_of_service`` (the items' costs of delay
        depend on it), are added when missing and the log has a column of that name.
    requested : str, optional
        Column of the request instant (default: the item's first event).
    by : {"class_of_service", "segment", "customer", "work_type"} or None, optional
        The field to group by (None: one group).
    resolution : {"1min", "1h", "1D"}, optional
        Width of the lead-time and age histograms' bins.
    shuffle : bool, optional
        Shuffle the rows by item first (default), or check that no item is split.
    split_every : int, optional
        Summaries merged per task of the tree (2 to 1,000; default 8).
    compute : bool, optional
        Compute on the active scheduler and return the summary (default), or return
        the ``dask.delayed`` value of the summary to compute later
        (``client.compute(...)``; rows the readers rejected are then not warned about).

    Returns
    -------
    FlowSummary or dask.delayed.Delayed

    Warns
    -----
    customer_kanban.errors.RejectedRowsWarning
        When the readers rejected rows: how many, of how many, and the first reasons.

    Raises
    ------
    customer_kanban.errors.ValidationError
        If ``shuffle=False`` and some item's events are in more than one partition
        (the message names them), a column is missing, or an option is out of range.
    TypeError
        If `source` is neither a Dask DataFrame nor a path, or `policy` not a Policy.

    Notes
    -----
    The check of ``shuffle=False`` first compares each partition's smallest and
    largest item id (a log partitioned by ranges of ids passes at once); only when
    those ranges overlap does it gather every partition's distinct ids.
    """
    if not isinstance(policy, Policy):
        raise TypeError(f"`policy` must be a Policy, got {type(policy).__name__}")
    when = as_instant_scalar(as_of, name="as_of")
    res = check_choice(resolution, name="resolution", choices=tuple(RESOLUTIONS))
    if by is not None:
        check_choice(by, name="by", choices=BY_FIELDS)
    every = as_whole_number(split_every, name="split_every", minimum=2, maximum=1000)
    frame = _frame(source)
    columns = {item, state, at} | ({requested} if requested else set())
    fields = _attributes(attributes, by)
    if "class_of_service" in frame.columns and "class_of_service" not in fields.values():
        fields["class_of_service"] = "class_of_service"  # the costs of delay depend on it
    missing = sorted((columns | set(fields)) - set(frame.columns))
    if missing:
        raise ValidationError(
            f"the event log has no column {missing}; it has {list(frame.columns)}"
        )
    if shuffle:
        frame = frame.shuffle(on=item)
    else:
        _check_items_in_one_partition(frame, item)
    read = {"item": item, "state": state, "at": at, "attributes": fields, "requested": requested}
    parts = [
        dask.delayed(_summarise_partition)(p, policy, when, read, by, res)
        for p in frame.to_delayed()
    ]
    while len(parts) > 1:
        parts = [
            dask.delayed(_merge_parts)(parts[k : k + every]) for k in range(0, len(parts), every)
        ]
    final = dask.delayed(_finish)(parts[0], policy, when, by, res)
    if not compute:
        return dask.delayed(_summary_only)(final)
    summary, rejected = final.compute()
    _warn(rejected)
    return summary


def _frame(source: Any) -> Any:
    if isinstance(source, dd.DataFrame):
        return source
    if isinstance(source, str) or hasattr(source, "__fspath__"):
        path = str(source)
        if path.endswith((".parquet", ".pq")) or path.endswith("/"):
            return dd.read_parquet(path)
        return dd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
    raise TypeError(
        f"`source` must be a Dask DataFrame or a path of Parquet or CSV files, "
        f"got {type(source).__name__}"
    )


def _attributes(attributes: Sequence[str] | Mapping[str, str], by: str | None) -> dict[str, str]:
    """``{column: field}``, with the `by` field read from its own column when missing."""
    if isinstance(attributes, str):
        raise TypeError("`attributes` must be a sequence of column names, not one string")
    fields = dict(attributes) if isinstance(attributes, Mapping) else {a: a for a in attributes}
    if by is not None and by not in fields.values():
        fields[by] = by
    return fields


def _summary_only(result: tuple[FlowSummary, Any]) -> FlowSummary:
    """The summary of :func:`_finish`'s (summary, rejections)."""
    return result[0]


def _check_items_in_one_partition(frame: Any, item: str) -> None:
    """Refuse items whose events are in more than one partition."""
    ids = frame[item]
    lows, highs = dask.compute(
        ids.map_partitions(_low).to_delayed(), ids.map_partitions(_high).to_delayed()
    )
    ranges = sorted(
        (lo, hi) for lo, hi in zip(_flat(lows), _flat(highs), strict=True) if lo is not None
    )
    if all(a[1] < b[0] for a, b in itertools.pairwise(ranges)):
        return
    (distinct,) = dask.compute([dask.delayed(_distinct)(p) for p in ids.to_delayed()])
    values = np.concatenate([d for d in distinct if d.size] or [np.empty(0, object)])
    found, counts = np.unique(values, return_counts=True)
    split = found[counts > 1]
    if split.size:
        shown = ", ".join(repr(x) for x in split[:_SHOWN].tolist())
        more = f" and {split.size - _SHOWN} more" if split.size > _SHOWN else ""
        raise ValidationError(
            f"the events of {split.size} items are in more than one partition ({shown}{more}); "
            f"repartition by `{item}` or pass shuffle=True"
        )


def _low(s: Any) -> Any:
    import pandas as pd

    return pd.Series([None if s.empty else str(s.astype(str).min())], dtype=object)


def _high(s: Any) -> Any:
    import pandas as pd

    return pd.Series([None if s.empty else str(s.astype(str).max())], dtype=object)


def _flat(series: Sequence[Any]) -> list[Any]:
    return [v for s in series for v in s.tolist()]


def _distinct(s: Any) -> Any:
    return np.unique(s.astype(str).to_numpy(dtype=object))


def _summarise_partition(
    frame: Any,
    policy: Policy,
    when: np.datetime64,
    read: dict[str, Any],
    by: str | None,
    resolution: str,
) -> _Part:
    """Read one partition (a pandas frame) and summarise its items."""
    if not len(frame):
        return _Part(None, 0, 0, ())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RejectedRowsWarning)  # reported once, by summarize
        log = read_event_log(frame, workflow=policy.workflow, **read)
    reasons = tuple(str(r) for r in log.rejected.reasons[:3].tolist())
    n_rejected = len(log.rejected.rows)
    table = log.table
    if not len(table):
        return _Part(None, log.n_rows, n_rejected, reasons)
    summary = FlowSummary.from_table(
        table,
        policy,
        as_of=when,
        by=by,
        resolution=resolution,  # type: ignore[arg-type]
    )
    return _Part(summary, log.n_rows, n_rejected, reasons)


def _merge_parts(parts: list[_Part]) -> _Part:
    found = [p.summary for p in parts if p.summary is not None]
    return _Part(
        merge_summaries(found) if found else None,
        sum(p.n_rows for p in parts),
        sum(p.n_rejected for p in parts),
        tuple(r for p in parts for r in p.reasons)[:3],
    )


def _finish(
    part: _Part, policy: Policy, when: np.datetime64, by: str | None, resolution: str
) -> tuple[FlowSummary, tuple[int, int, tuple[str, ...]]]:
    """The merged summary (of no item when no row was accepted) and the rejections."""
    summary = part.summary
    if summary is None:
        columns: dict[str, Any] = {"id": [], "requested_at": np.empty(0, "datetime64[ns]")}
        if by is not None:
            columns[by] = np.empty(0, object)
        empty = WorkItemTable.from_columns(columns, states=policy.workflow.states)
        summary = FlowSummary.from_table(
            empty,
            policy,
            as_of=when,
            by=by,
            resolution=resolution,  # type: ignore[arg-type]
        )
    return summary, (part.n_rows, part.n_rejected, part.reasons)


def _warn(rejected: tuple[int, int, tuple[str, ...]]) -> None:
    n_rows, n_rejected, reasons = rejected
    if n_rejected:
        shown = "; ".join(reasons)
        warnings.warn(
            RejectedRowsWarning(
                f"summarize: {n_rejected:,} of {n_rows:,} rows rejected ({shown}); read the "
                "partitions with customer_kanban.io.read_event_log to see every row and reason"
            ),
            stacklevel=3,
        )
