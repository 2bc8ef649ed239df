"""The forecast review from a FlowSummary: the same figures, from its counts.

The Monte Carlo forecasts sample the daily deliveries, which a summary keeps exactly:
with the same `rng` they equal the table's review. The predictability figures are the
metric functions applied to the lead times and ages rounded up to the summary's
resolution (rebuilt from its histograms for this step, one float per item). The open
requests' own forecasts need their ids, which a summary does not keep: ``oldest_open``
is empty.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from customer_kanban import metrics
from customer_kanban._core.instants import to_datetime
from customer_kanban.errors import ValidationError
from customer_kanban.model import Policy
from customer_kanban.summaries import BinCounts, FlowSummary

__all__ = ["class_labels", "class_throughput", "rounded_history", "summary_check"]


def summary_check(summary: FlowSummary, when: np.datetime64, what: str = "forecast review") -> None:
    """The `what`'s instant is the summary's, and the summary is by class of service."""
    if to_datetime(when) != summary.as_of:
        raise ValidationError(
            f"`as_of` ({when}) must be the summary's own instant "
            f"({summary.as_of:%Y-%m-%dT%H:%M:%S})"
        )
    if summary.by not in (None, "class_of_service"):
        raise ValidationError(
            f"a {what} from a summary needs a summary by class of service (or by None); "
            f"this one is by {summary.by!r}"
        )


def class_labels(summary: FlowSummary, policy: Policy) -> list[str]:
    """The policy's classes in its order, then the summary's other classes, sorted."""
    labels = [c.name for c in policy.classes_of_service]
    if summary.by is None:
        return labels
    return labels + [str(g) for g in summary.groups if str(g) not in labels]


def rounded_history(
    summary: FlowSummary, labels: list[str]
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.bool_], npt.NDArray[np.int32]]:
    """Customer lead times of the delivered items and ages of the open ones, rounded up to
    the resolution [days], whether each was delivered, and its class (index into
    `labels`; -1 without one)."""
    if summary.by is None:
        code_of = np.full(summary.groups.size, -1, np.int32)
    else:
        code_of = np.array([labels.index(str(g)) for g in summary.groups], dtype=np.int32)
    parts = [_expanded(summary.customer_lead, code_of), _expanded(summary.customer_age, code_of)]
    days = np.concatenate([parts[0][0], parts[1][0]]) * summary.resolution_days
    done = np.concatenate([np.ones(parts[0][0].size, bool), np.zeros(parts[1][0].size, bool)])
    codes = np.concatenate([parts[0][1], parts[1][1]]).astype(np.int32)
    return days, done, codes


def _expanded(hist: BinCounts, code_of: npt.NDArray[np.int32]) -> tuple[Any, Any]:
    return (
        np.repeat(hist.bin.astype(np.float64), hist.count),
        np.repeat(code_of[hist.group], hist.count),
    )


def class_throughput(
    summary: FlowSummary, labels: list[str], since: np.datetime64, until: np.datetime64
) -> metrics.DailyThroughput:
    """Daily deliveries per class of `labels` (zeros for a class without items)."""
    tp = summary.daily_throughput(since=since, until=until)
    counts = np.zeros((len(labels), tp.periods.size), np.int64)
    if summary.by is not None:
        for k, g in enumerate(summary.groups.tolist()):  # a handful of classes
            counts[labels.index(str(g))] = tp.counts[k]
    return metrics.DailyThroughput(
        groups=np.array(labels, dtype=object), periods=tp.periods, counts=counts
    )
