"""Seeded synthetic event logs for the benchmarks (vectorized, no loop per item).

:func:`generate_event_log` draws ``n_items`` work items moving through a six-state
workflow and returns one row per state change, as an event log exported from a
Kanban tool would hold it (rows in time order, items interleaved).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from customer_kanban.model import Workflow

__all__ = [
    "ACTIVE_STATES",
    "CLASSES_OF_SERVICE",
    "CLASS_SHARES",
    "SLE_DAYS",
    "STATES",
    "generate_event_log",
    "make_workflow",
]

STATES = ("Backlog", "Analysis", "Doing", "Review", "Test", "Done")
COMMITMENT_POINT = "Analysis"
DELIVERY_POINT = "Done"
ACTIVE_STATES = ("Analysis", "Doing", "Test")
CLASSES_OF_SERVICE = ("Expedite", "Fixed date", "Standard", "Intangible")
CLASS_SHARES = (0.05, 0.15, 0.60, 0.20)
#: SLE of each class, "85% within d days", used by the benchmark's policy.
SLE_DAYS = {"Expedite": 5.0, "Fixed date": 20.0, "Standard": 30.0, "Intangible": 60.0}

START = np.datetime64("2023-01-01T00:00:00", "s")
ARRIVAL_SPAN_DAYS = 730  # arrivals spread over about two years
UNFINISHED_SHARE = 0.15  # items that stop before the delivery point
REWORK_SHARE = 0.10  # items that move back one state once and come forward again

# Median dwell in each state before the next move [days] (index = state left).
_MEDIAN_DWELL_DAYS = np.array([6.0, 1.5, 3.0, 0.8, 1.5, 0.0])
_SIGMA = 0.9  # lognormal shape of the dwell times
# Dwell-time factor per class of service: expedite moves fast, intangible waits.
_CLASS_SPEED = np.array([0.25, 0.8, 1.0, 1.6])
_DAY_S = 86_400


def make_workflow() -> Workflow:
    """The benchmark's workflow: six states, commitment at Analysis, delivery at Done."""
    return Workflow(STATES, COMMITMENT_POINT, DELIVERY_POINT, active_states=ACTIVE_STATES)


def generate_event_log(
    n_items: int, *, seed: int = 0
) -> tuple[dict[str, npt.NDArray[Any]], Workflow]:
    """A seeded event log of `n_items` items, one row per state change.

    Parameters
    ----------
    n_items : int
        Number of work items.
    seed : int, optional
        Seed of ``numpy.random.default_rng`` (the only randomness used).

    Returns
    -------
    log : dict of str to numpy.ndarray
        ``item`` (int64 ids), ``state`` (``<U8``), ``at`` (``datetime64[ns]``,
        whole seconds), ``class_of_service`` (``<U10``), ``customer`` (int64),
        rows sorted by ``at``.
    workflow : Workflow

    Notes
    -----
    Every item enters Backlog when it arrives (uniform over two years), then moves
    forward one state at a time with lognormal dwell times whose median depends on
    the state left and on the class of service.  About 15% of the items stop before
    Done; about 10% move back one state once (from Doing, Review or Test) and come
    forward again.  Classes of service have shares 5/15/60/20%; customers are drawn
    from ``n_items // 20`` ids.  About 5.8 rows per item.
    """
    rng = np.random.default_rng(seed)
    n = int(n_items)
    n_states = len(STATES)
    done = n_states - 1

    # Per item: id, arrival, class of service, customer, last state, rework point.
    ids = rng.permutation(n).astype(np.int64) + 1_000_001
    arrival_s = START.astype(np.int64) + rng.integers(0, ARRIVAL_SPAN_DAYS * _DAY_S, n)
    cos = rng.choice(len(CLASSES_OF_SERVICE), size=n, p=CLASS_SHARES).astype(np.int8)
    customer = rng.integers(0, max(n // 20, 1), n).astype(np.int64) + 1
    last = np.full(n, done, dtype=np.int64)
    unfinished = rng.random(n) < UNFINISHED_SHARE
    last[unfinished] = rng.integers(0, done, int(unfinished.sum()))
    # Rework: move back from state r (Doing, Review or Test, reached) to r - 1.
    rework = (rng.random(n) < REWORK_SHARE) & (last >= 2)
    top = np.minimum(last, done - 1)
    back_from = np.where(rework, 2 + (rng.random(n) * (top - 1)).astype(np.int64), n_states + 9)

    # Rows: states 0..last, plus two rows (back, forward again) for rework.
    steps = last + 1 + 2 * rework
    offsets = np.cumsum(steps) - steps
    n_rows = int(steps.sum())
    row_item = np.repeat(np.arange(n, dtype=np.int64), steps)
    pos = np.arange(n_rows, dtype=np.int64)
    pos -= offsets[row_item]
    r = back_from[row_item]
    state = np.where(pos <= r, pos, np.where(pos == r + 1, r - 1, pos - 2)).astype(np.int8)
    del r

    # Dwell before each row = time spent in the previous state; first rows: 0.
    prev = np.empty(n_rows, np.int8)
    prev[0] = 0
    prev[1:] = state[:-1]
    dwell = rng.lognormal(0.0, _SIGMA, n_rows)
    dwell *= _MEDIAN_DWELL_DAYS[prev]
    dwell *= _CLASS_SPEED[cos[row_item]]
    dwell_s = (dwell * _DAY_S).astype(np.int64) + 60  # at least a minute per step
    del dwell, prev
    dwell_s[pos == 0] = 0
    del pos
    cum = np.cumsum(dwell_s)
    del dwell_s
    cum -= cum[offsets][row_item]
    cum += arrival_s[row_item]
    at_s = cum

    order = np.argsort(at_s, kind="stable")
    row_item = row_item[order]
    log = {
        "item": ids[row_item],
        "state": np.array(STATES, dtype="<U8")[state[order]],
        "at": at_s[order].astype("datetime64[s]").astype("datetime64[ns]"),
        "class_of_service": np.array(CLASSES_OF_SERVICE, dtype="<U10")[cos[row_item]],
        "customer": customer[row_item],
    }
    return log, make_workflow()
