"""The customer journey: a request's path through departments, and where it waits.

Seed 001 asks to review the path of a request department by department with the
customer's eyes.  From the transitions of a :class:`~customer_kanban.table.WorkItemTable`
(each with the department that held the item) this review counts, per item, the
hand-offs between departments, the re-assignments (as ServiceNow counts them), the
re-opens and the ping-pong loops; and, per department and per hand-off, the days
customers waited.  Everything is computed in one pass over the transitions sorted
by (item, instant): shifted comparisons, cumulative sums and ``bincount``.

Glossary (the definitions used throughout):

department
    The department code of a transition; ``-1`` (shown as ``"(none)"``) means the
    log names none (ServiceNow's ``"?"``: unassigned).
waiting interval
    From a transition to the item's next one (the last one: to the end instant).
    It is *waiting* when its state is one of the workflow's ``waiting_states``
    **before the delivery point**: after delivery the customer has what was asked
    for and no longer waits (``Resolved``/``Closed`` are not waiting).
hand-off
    A change of department between two consecutive transitions that name one,
    transitions without a department skipped (``A -> (none) -> B`` is one hand-off
    A to B; ``A -> (none) -> A`` is none).
re-assignment
    Any change of the department value between consecutive transitions, "none"
    counting as a value, the first transition's department not counted.  This is
    what ServiceNow's ``reassignment_count`` counts in the demo log (887 of 890
    incidents on the raw rows, see the tests).
"""

from __future__ import annotations

import datetime as _dt
import html
from typing import Any

import numpy as np
import numpy.typing as npt

from customer_kanban._core.instants import NS_PER_DAY, as_instant_array
from customer_kanban._core.results import Result, result
from customer_kanban.errors import ValidationError
from customer_kanban.model import Policy, Workflow
from customer_kanban.reviews._text import text_table
from customer_kanban.table import WorkItemTable

__all__ = ["CostlyStep", "CustomerJourney", "HandoffPair", "customer_journey"]

_NONE = "(none)"


@result
class HandoffPair(Result):
    """Hand-offs from one department to another, and the waiting they caused.

    Attributes
    ----------
    from_department, to_department : str
    count : int
        Hand-offs from `from_department` to `to_department`.
    waiting_days : float
        Days in waiting states after these hand-offs: from the moment the
        first department let go (the transition after its last one) until the
        next transition into an active state, the next hand-off or the end,
        whichever comes first (so no waiting day is counted for two hand-offs).
        [days]
    """

    from_department: str
    to_department: str
    count: int
    waiting_days: float


@result
class CostlyStep(Result):
    """A step of the journey that cost customers much waiting.

    Attributes
    ----------
    kind : str
        ``"state"`` (a move between states, the waiting in the state entered)
        or ``"department"`` (a hand-off pair, see :class:`HandoffPair`).
    origin, destination : str
        The states or departments of the step.
    count : int
        Times the step was taken.
    waiting_days : float
        Days customers waited after it. [days]
    """

    kind: str
    origin: str
    destination: str
    count: int
    waiting_days: float


@result
class CustomerJourney(Result):
    """The journey of each item through departments and its friction points.

    Attributes
    ----------
    as_of : datetime or None
        End instant of the last (open) intervals: `as_of` if given, else the
        latest transition of the table (``None`` without transitions).
    ids : numpy.ndarray
        Item ids, in table order; the per-item arrays follow this order.
    handoffs : numpy.ndarray of int64
        Changes of department along the item's transitions (transitions without
        a department skipped).
    reassignments : numpy.ndarray of int64
        Changes of the department value, "none" included (ServiceNow's
        ``reassignment_count``).
    reopens : numpy.ndarray of int64
        Moves from the delivery point or a later state back to an earlier state.
    ping_pongs : numpy.ndarray of int64
        ``A -> B -> A`` patterns in the item's sequence of departments
        (overlapping: ``A B A B`` is two).
    waiting_days : numpy.ndarray of float64
        Days the item spent in waiting states before delivery. [days]
    departments : tuple of str
        The table's departments, then ``"(none)"`` (no department named).
    department_waiting_days : numpy.ndarray of float64
        Days items waited while held by each department of `departments`. [days]
    handoff_pairs : tuple of HandoffPair
        Every (from, to) pair seen, most waiting first.
    costliest_steps : tuple of CostlyStep
        The `top` state steps, then the `top` department steps, by waiting days
        (steps without waiting left out).  A state step is an entry into another
        state; its waiting lasts until the item's next change of state.
    """

    as_of: _dt.datetime | None
    ids: npt.NDArray[Any]
    handoffs: npt.NDArray[np.int64]
    reassignments: npt.NDArray[np.int64]
    reopens: npt.NDArray[np.int64]
    ping_pongs: npt.NDArray[np.int64]
    waiting_days: npt.NDArray[np.float64]
    departments: tuple[str, ...]
    department_waiting_days: npt.NDArray[np.float64]
    handoff_pairs: tuple[HandoffPair, ...]
    costliest_steps: tuple[CostlyStep, ...]

    def item(self, item_id: object) -> dict[str, Any]:
        """The per-item figures of `item_id` (KeyError if absent)."""
        hits = np.flatnonzero(self.ids == item_id)
        if hits.size == 0:
            raise KeyError(f"no item {item_id!r}")
        k = int(hits[0])
        return {
            "handoffs": int(self.handoffs[k]),
            "reassignments": int(self.reassignments[k]),
            "reopens": int(self.reopens[k]),
            "ping_pongs": int(self.ping_pongs[k]),
            "waiting_days": float(self.waiting_days[k]),
        }

    def department_waiting(self, department: str) -> float:
        """Days waited while `department` held the items (KeyError if absent)."""
        if department not in self.departments:
            raise KeyError(f"no department {department!r}")
        return float(self.department_waiting_days[self.departments.index(department)])

    def render(self, *, lines: int = 10) -> str:
        """The journey as readable text (at most `lines` rows per table)."""
        return _render(self, lines)

    def __str__(self) -> str:
        return self.render()

    def _repr_html_(self) -> str:
        """Notebook display: the text, preformatted (department names escaped)."""
        return f"<pre>{html.escape(self.render())}</pre>"


def _workflow_of(workflow: Workflow | Policy) -> Workflow:
    if isinstance(workflow, Policy):
        return workflow.workflow
    if isinstance(workflow, Workflow):
        return workflow
    raise TypeError(f"`workflow` must be a Workflow or a Policy, got {type(workflow).__name__}")


def _validate(
    table: object, workflow: Workflow | Policy, as_of: object, top: object
) -> tuple[WorkItemTable, Workflow, np.datetime64 | None]:
    if not isinstance(table, WorkItemTable):
        raise TypeError(f"`table` must be a WorkItemTable, got {type(table).__name__}")
    wf = _workflow_of(workflow)
    if tuple(table.states) != tuple(wf.states):
        raise ValidationError(
            f"the table's states {list(table.states)} differ from the workflow's "
            f"`states` {list(wf.states)}"
        )
    if isinstance(top, bool) or not isinstance(top, int) or top < 0:
        raise ValidationError(f"`top` must be an integer >= 0, got {top!r}")
    when = None
    if as_of is not None:
        arr = as_instant_array(as_of, name="as_of")
        if arr.size != 1 or np.isnat(arr[0]):
            raise ValidationError("`as_of` must be one instant")
        when = arr[0]
    return table, wf, when


def customer_journey(
    table: WorkItemTable,
    *,
    workflow: Workflow | Policy,
    as_of: object = None,
    top: int = 5,
) -> CustomerJourney:
    """Hand-offs, re-assignments, re-opens, ping-pongs and waiting along the journey.

    Parameters
    ----------
    table : WorkItemTable
        Items with their transitions (and a department per transition).
    workflow : Workflow or Policy
        Names the waiting states and the delivery point; its states must be the
        table's.
    as_of : instant, optional
        Look at the table as known at this instant (later transitions dropped;
        open intervals end here).  Default: the table as it is, open intervals
        ending at its latest transition.
    top : int, optional
        Number of state steps and of department steps in ``costliest_steps``.

    Returns
    -------
    CustomerJourney

    Raises
    ------
    customer_kanban.errors.ValidationError
        The workflow's states differ from the table's, `as_of` is not one
        instant, or `top` is negative.
    TypeError
        `table` or `workflow` of the wrong type.

    Notes
    -----
    Definitions: see the module docstring.  A waiting interval is attributed
    to the department of the transition that starts it.

    Examples
    --------
    >>> from customer_kanban.io import read_event_log
    >>> wf = Workflow(["New", "Doing", "Waiting", "Done"], "Doing", "Done",
    ...               active_states=["Doing"])
    >>> log = {"item": ["A"] * 5,
    ...        "state": ["New", "Doing", "Waiting", "Doing", "Done"],
    ...        "at": ["2024-01-01", "2024-01-03", "2024-01-04", "2024-01-08", "2024-01-09"],
    ...        "team": ["Desk", "Dev", "Ops", "Dev", "Dev"]}
    >>> table = read_event_log(log, workflow=wf, department="team").table
    >>> j = customer_journey(table, workflow=wf)
    >>> j.handoffs.tolist(), j.ping_pongs.tolist(), j.waiting_days.tolist()
    ([3], [1], [6.0])
    >>> j.department_waiting("Ops"), j.department_waiting("Desk")
    (4.0, 2.0)
    >>> [(p.from_department, p.to_department, p.waiting_days) for p in j.handoff_pairs]
    [('Dev', 'Ops', 4.0), ('Desk', 'Dev', 0.0), ('Ops', 'Dev', 0.0)]
    """
    table, wf, when = _validate(table, workflow, as_of, top)
    if when is not None:
        table = table.as_of(when)
    tr = table.transitions
    n_items = len(table)
    labels = [str(x) for x in tr.department_labels]
    n_dep = len(labels)

    order = np.lexsort((tr.at, tr.item))  # one sort by (item, instant), stable on ties
    item = tr.item[order]
    state = tr.state[order].astype(np.int64)
    at = tr.at[order].astype("datetime64[ns]")
    dep = tr.department[order].astype(np.int64)
    n = item.size

    end = when if when is not None else (at.max() if n else None)
    as_of_dt = (
        None
        if end is None
        else _dt.datetime.fromisoformat(str(end.astype("datetime64[us]"))).replace(
            tzinfo=_dt.timezone.utc
        )
    )

    same = np.zeros(n, dtype=bool)  # same[j]: transition j-1 is of the same item
    same[1:] = item[1:] == item[:-1]
    last = np.ones(n, dtype=bool)
    last[:-1] = ~same[1:]

    # ---- waiting intervals
    nxt = np.empty(n, dtype="datetime64[ns]")
    nxt[:-1] = at[1:]
    if n:
        nxt[last] = end
    dur = np.maximum((nxt - at).view(np.int64), 0) / NS_PER_DAY
    deliv = wf.delivery_index
    waiting_state = np.array(
        [s in wf.waiting_states and k < deliv for k, s in enumerate(wf.states)], dtype=bool
    )
    active_state = np.array(wf.active_mask, dtype=bool)
    wait = np.where(waiting_state[state], dur, 0.0)
    waiting_days = np.bincount(item, weights=wait, minlength=n_items).astype(np.float64)
    dep_bucket = np.where(dep >= 0, dep, n_dep)
    dep_wait = np.bincount(dep_bucket, weights=wait, minlength=n_dep + 1).astype(np.float64)

    # ---- re-assignments and re-opens: shift-compare with the previous transition
    prev_dep = np.empty(n, dtype=np.int64)
    prev_dep[1:] = dep[:-1]
    reassigned = same & (dep != prev_dep)
    reassignments = np.bincount(item[reassigned], minlength=n_items).astype(np.int64)
    prev_state = np.empty(n, dtype=np.int64)
    prev_state[1:] = state[:-1]
    reopened = same & (prev_state >= deliv) & (state < deliv)
    reopens = np.bincount(item[reopened], minlength=n_items).astype(np.int64)

    # ---- hand-offs: compare with the previous transition naming a department
    pos = np.arange(n)
    known = dep >= 0
    last_known = np.maximum.accumulate(np.where(known, pos, -1)) if n else pos
    prev_known = np.full(n, -1, dtype=np.int64)
    prev_known[1:] = last_known[:-1]
    has_prev = (prev_known >= 0) & (item[np.maximum(prev_known, 0)] == item)
    prev_known_dep = np.where(has_prev, dep[np.maximum(prev_known, 0)], -1)
    handoff = known & has_prev & (dep != prev_known_dep)
    handoffs = np.bincount(item[handoff], minlength=n_items).astype(np.int64)

    # ---- ping-pongs on the runs of departments (first known transition or hand-off)
    runs = np.flatnonzero(known & (~has_prev | handoff))
    r_item, r_dep = item[runs], dep[runs]
    pp = (r_item[2:] == r_item[:-2]) & (r_dep[2:] == r_dep[:-2])
    ping_pongs = np.bincount(r_item[2:][pp], minlength=n_items).astype(np.int64)

    # ---- waiting after each hand-off
    h = np.flatnonzero(handoff)
    start = prev_known[h] + 1  # the transition after the first department's last one
    item_end = np.searchsorted(item, item, side="right")  # item sorted: end of its rows
    next_active = np.full(n + 1, n, dtype=np.int64)
    act_pos = np.where(active_state[state], pos, n)
    if n:
        next_active[:n] = np.minimum.accumulate(act_pos[::-1])[::-1]
    next_start = np.empty(h.size, dtype=np.int64)
    next_start[:-1] = start[1:]
    if h.size:
        next_start[-1] = n
    stop = np.minimum(np.minimum(next_active[start], item_end[h]), next_start)
    stop = np.maximum(stop, start)
    cum = np.concatenate([[0.0], np.cumsum(wait)])
    pair_wait = cum[stop] - cum[start]
    handoff_pairs = _pairs(prev_known_dep[h], dep[h], pair_wait, labels)

    # ---- costliest steps
    # a state step enters a state; its waiting lasts until the next change of state
    entry = np.flatnonzero(~same | (state != prev_state))
    run_stop = np.append(entry[1:], n)
    run_wait = cum[run_stop] - cum[entry]
    steps = same[entry]
    n_states = len(wf.states)
    state_steps = _aggregate(
        prev_state[entry][steps] * n_states + state[entry][steps],
        run_wait[steps],
        n_states,
        list(wf.states),
    )
    costly = [
        CostlyStep(kind="state", origin=o, destination=d, count=c, waiting_days=w)
        for o, d, c, w in state_steps
        if w > 0
    ][:top]
    costly += [
        CostlyStep(
            kind="department",
            origin=p.from_department,
            destination=p.to_department,
            count=p.count,
            waiting_days=p.waiting_days,
        )
        for p in handoff_pairs
        if p.waiting_days > 0
    ][:top]

    return CustomerJourney(
        as_of=as_of_dt,
        ids=table["id"],
        handoffs=handoffs,
        reassignments=reassignments,
        reopens=reopens,
        ping_pongs=ping_pongs,
        waiting_days=waiting_days,
        departments=(*labels, _NONE),
        department_waiting_days=dep_wait,
        handoff_pairs=tuple(handoff_pairs),
        costliest_steps=tuple(costly),
    )


def _aggregate(
    key: npt.NDArray[np.int64], weights: npt.NDArray[np.float64], width: int, labels: list[str]
) -> list[tuple[str, str, int, float]]:
    """Rows (origin, destination, count, total) per key ``origin * width + destination``,
    most total first (ties: most count, then labels)."""
    if key.size == 0:
        return []
    uniq, inv = np.unique(key, return_inverse=True)
    counts = np.bincount(inv)
    totals = np.bincount(inv, weights=weights)
    rows = [
        (labels[int(k) // width], labels[int(k) % width], int(c), float(t))
        for k, c, t in zip(uniq, counts, totals, strict=True)
    ]
    rows.sort(key=lambda r: (-r[3], -r[2], r[0], r[1]))
    return rows


def _pairs(
    origin: npt.NDArray[np.int64],
    destination: npt.NDArray[np.int64],
    waited: npt.NDArray[np.float64],
    labels: list[str],
) -> list[HandoffPair]:
    width = max(len(labels), 1)
    rows = _aggregate(origin * width + destination, waited, width, labels)
    return [
        HandoffPair(from_department=o, to_department=d, count=c, waiting_days=w)
        for o, d, c, w in rows
    ]


def _render(j: CustomerJourney, lines: int) -> str:
    when = "-" if j.as_of is None else f"{j.as_of:%Y-%m-%d %H:%M} UTC"
    n = int(j.ids.size)
    out = [
        f"Customer journey of {n} items as of {when}",
        f"  hand-offs {int(j.handoffs.sum())} (items with one or more: "
        f"{int(np.count_nonzero(j.handoffs))}), re-assignments {int(j.reassignments.sum())}, "
        f"re-opens {int(j.reopens.sum())}, ping-pong loops {int(j.ping_pongs.sum())}",
        f"  days customers waited before delivery: {float(j.waiting_days.sum()):.1f}",
        "",
        "Waiting per department (days)",
    ]
    order = np.argsort(-j.department_waiting_days, kind="stable")
    shown = [int(k) for k in order if j.department_waiting_days[k] > 0][:lines]
    out += text_table(
        ["  department", "waited"],
        [["  " + j.departments[k], f"{j.department_waiting_days[k]:.1f}"] for k in shown],
    )
    out += ["", "Hand-offs (from -> to), most waiting first"]
    out += text_table(
        ["  from -> to", "count", "waited"],
        [
            [f"  {p.from_department} -> {p.to_department}", str(p.count), f"{p.waiting_days:.1f}"]
            for p in j.handoff_pairs[:lines]
        ],
    )
    out += ["", "Steps that cost customers the most waiting"]
    out += text_table(
        ["  step", "count", "waited"],
        [
            [f"  {s.kind}: {s.origin} -> {s.destination}", str(s.count), f"{s.waiting_days:.1f}"]
            for s in j.costliest_steps
        ],
    )
    return "\n".join(out)
