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
    what ServiceNow's ``reassignment_count`` counts in the demo's cohort (887 of 890
    incidents on the raw rows, see the tests).
"""

from __future__ import annotations

import datetime as _dt
from typing import Any

import attrs
import numpy as np
import numpy.typing as npt

from customer_kanban._core.instants import NS_PER_DAY, to_datetime
from customer_kanban._core.plotting import chart_svg
from customer_kanban._core.results import Result, result
from customer_kanban._core.validation import as_optional_instant_scalar, as_whole_number
from customer_kanban.errors import ValidationError
from customer_kanban.model import Policy, Workflow
from customer_kanban.reviews._checks import MAX_TOP
from customer_kanban.reviews._tables import Columns, columns_of, constant_columns, html_tables
from customer_kanban.reviews._text import text_table
from customer_kanban.table import WorkItemTable

__all__ = ["CostlyStep", "CustomerJourney", "HandoffPair", "customer_journey"]

_NONE = "(none)"
Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]
Bools = npt.NDArray[np.bool_]


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

    _chart = "customer_kanban.plot._journey:journey_chart"

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

    def _frame_columns(self) -> Columns:
        """One row per item: ``id``, ``handoffs``, ``reassignments``, ``reopens``,
        ``ping_pongs``, ``waiting_days``; ``as_of`` constant."""
        columns: Columns = {
            "id": self.ids,
            "handoffs": self.handoffs,
            "reassignments": self.reassignments,
            "reopens": self.reopens,
            "ping_pongs": self.ping_pongs,
            "waiting_days": self.waiting_days,
        }
        return {**columns, **constant_columns(int(self.ids.size), as_of=self.as_of)}

    def _html_title(self) -> str:
        when = "-" if self.as_of is None else f"{self.as_of:%Y-%m-%d %H:%M} UTC"
        return (
            f"Customer journey of {self.ids.size} items as of {when}: hand-offs "
            f"{int(self.handoffs.sum())}, re-assignments {int(self.reassignments.sum())}, "
            f"re-opens {int(self.reopens.sum())}, ping-pong loops {int(self.ping_pongs.sum())}, "
            f"{float(self.waiting_days.sum()):.1f} days waited before delivery"
        )

    def _repr_html_(self) -> str:
        """The waiting per department (most first), the hand-off pairs and the costliest
        steps, as the text shows them; the per-item figures are in :meth:`to_frame`."""
        order = np.argsort(-self.department_waiting_days, kind="stable")
        departments = columns_of(
            [
                {"department": self.departments[k], "waiting_days": self.department_waiting_days[k]}
                for k in order.tolist()
            ]
        )
        pairs = columns_of([p.to_dict() for p in self.handoff_pairs])
        steps = columns_of([p.to_dict() for p in self.costliest_steps])
        return html_tables(
            (self._html_title() + ". Waiting per department", departments),
            ("Hand-offs (from -> to), most waiting first", pairs),
            ("Steps that cost customers the most waiting", steps),
        ) + chart_svg(self)


def _workflow_of(workflow: Workflow | Policy) -> Workflow:
    if isinstance(workflow, Policy):
        return workflow.workflow
    if isinstance(workflow, Workflow):
        return workflow
    raise TypeError(f"`workflow` must be a Workflow or a Policy, got {type(workflow).__name__}")


def _validate(
    table: object, workflow: Workflow | Policy, as_of: object, top: object
) -> tuple[WorkItemTable, Workflow, np.datetime64 | None, int]:
    if not isinstance(table, WorkItemTable):
        raise TypeError(f"`table` must be a WorkItemTable, got {type(table).__name__}")
    wf = _workflow_of(workflow)
    if tuple(table.states) != tuple(wf.states):
        raise ValidationError(
            f"the table's states {list(table.states)} differ from the workflow's "
            f"`states` {list(wf.states)}"
        )
    n = as_whole_number(top, name="top", minimum=0, maximum=MAX_TOP)
    return table, wf, as_optional_instant_scalar(as_of, name="as_of"), n


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
        Number of state steps and of department steps in ``costliest_steps`` (in
        [0, 1,000,000]).

    Returns
    -------
    CustomerJourney

    Raises
    ------
    customer_kanban.errors.ValidationError
        The workflow's states differ from the table's, `as_of` is not one
        instant, or `top` is outside [0, 1,000,000].
    TypeError
        `table`, `workflow` or `top` of the wrong type.

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
    table, wf, when, top = _validate(table, workflow, as_of, top)
    if when is not None:
        table = table.as_of(when)
    t = _Transitions.of(table, when)
    labels = [str(x) for x in table.transitions.department_labels]
    n_items = len(table)
    wait = _waiting(t, wf)
    handoff = _Handoffs.of(t)
    pair_wait = _handoff_waiting(t, handoff, wait, wf)
    handoff_pairs = _pairs(handoff.before[handoff.at], t.dep[handoff.at], pair_wait, labels)
    dep_bucket = np.where(t.dep >= 0, t.dep, len(labels))
    return CustomerJourney(
        as_of=None if t.end is None else to_datetime(t.end),
        ids=table["id"],
        handoffs=_per_item(t.item[handoff.mask], n_items),
        reassignments=_per_item(t.item[t.same & (t.dep != t.prev_dep)], n_items),
        reopens=_per_item(t.item[_reopened(t, wf)], n_items),
        ping_pongs=_per_item(_ping_pongs(t, handoff), n_items),
        waiting_days=np.bincount(t.item, weights=wait, minlength=n_items).astype(np.float64),
        departments=(*labels, _NONE),
        department_waiting_days=np.bincount(
            dep_bucket, weights=wait, minlength=len(labels) + 1
        ).astype(np.float64),
        handoff_pairs=tuple(handoff_pairs),
        costliest_steps=tuple(_costliest(t, wf, wait, handoff_pairs, top)),
    )


def _per_item(item: Ints, n_items: int) -> Ints:
    """Occurrences per item."""
    return np.bincount(item, minlength=n_items).astype(np.int64)


@attrs.frozen(eq=False)
class _Transitions:
    """The transitions sorted by (item, instant), with shifted comparisons."""

    item: Ints
    state: Ints
    at: npt.NDArray[np.datetime64]
    dep: Ints
    end: np.datetime64 | None  # end of the open intervals
    same: Bools  # same[j]: transition j-1 is of the same item
    last: Bools  # the item's last transition
    prev_dep: Ints
    prev_state: Ints

    @property
    def n(self) -> int:
        return int(self.item.size)

    @classmethod
    def of(cls, table: WorkItemTable, when: np.datetime64 | None) -> _Transitions:
        tr = table.transitions
        order = np.lexsort((tr.at, tr.item))  # one sort by (item, instant), stable on ties
        item = tr.item[order]
        state = tr.state[order].astype(np.int64)
        at = tr.at[order].astype("datetime64[ns]")
        dep = tr.department[order].astype(np.int64)
        n = item.size
        same = np.zeros(n, dtype=bool)
        same[1:] = item[1:] == item[:-1]
        last = np.ones(n, dtype=bool)
        last[:-1] = ~same[1:]
        return cls(
            item=item,
            state=state,
            at=at,
            dep=dep,
            end=when if when is not None else (at.max() if n else None),
            same=same,
            last=last,
            prev_dep=_previous(dep),
            prev_state=_previous(state),
        )


def _previous(values: Ints) -> Ints:
    """The value of the transition before (anything at the first: masked by `same`)."""
    out = np.empty(values.size, dtype=np.int64)
    out[1:] = values[:-1]
    return out


def _waiting(t: _Transitions, wf: Workflow) -> Floats:
    """Days waited in each transition's interval: until the item's next transition (the
    last: until the end), in a waiting state before the delivery point."""
    nxt = np.empty(t.n, dtype="datetime64[ns]")
    nxt[:-1] = t.at[1:]
    if t.n:
        nxt[t.last] = t.end
    dur = np.maximum((nxt - t.at).view(np.int64), 0) / NS_PER_DAY
    waiting_state = np.array(
        [s in wf.waiting_states and k < wf.delivery_index for k, s in enumerate(wf.states)],
        dtype=bool,
    )
    out: Floats = np.where(waiting_state[t.state], dur, 0.0)
    return out


def _reopened(t: _Transitions, wf: Workflow) -> Bools:
    """Moves from the delivery point or later back to an earlier state."""
    deliv = wf.delivery_index
    out: Bools = t.same & (t.prev_state >= deliv) & (t.state < deliv)
    return out


@attrs.frozen(eq=False)
class _Handoffs:
    """Hand-offs: a department differing from the previous one named (of the item)."""

    mask: Bools  # the transition is a hand-off
    at: Ints  # the hand-offs' transitions
    previous: Ints  # each transition's previous transition naming a department (-1: none)
    has_previous: Bools  # ... of the same item
    before: Ints  # that transition's department (-1: none)

    @classmethod
    def of(cls, t: _Transitions) -> _Handoffs:
        pos = np.arange(t.n)
        known = t.dep >= 0
        last_known = np.maximum.accumulate(np.where(known, pos, -1)) if t.n else pos
        previous = np.full(t.n, -1, dtype=np.int64)
        previous[1:] = last_known[:-1]
        has_previous = (previous >= 0) & (t.item[np.maximum(previous, 0)] == t.item)
        before = np.where(has_previous, t.dep[np.maximum(previous, 0)], -1)
        mask = known & has_previous & (t.dep != before)
        return cls(
            mask=mask,
            at=np.flatnonzero(mask),
            previous=previous,
            has_previous=has_previous,
            before=before,
        )


def _ping_pongs(t: _Transitions, h: _Handoffs) -> Ints:
    """The item of each ``A -> B -> A`` on the runs of departments (first known
    transition or hand-off)."""
    runs = np.flatnonzero((t.dep >= 0) & (~h.has_previous | h.mask))
    r_item, r_dep = t.item[runs], t.dep[runs]
    pp = (r_item[2:] == r_item[:-2]) & (r_dep[2:] == r_dep[:-2])
    out: Ints = r_item[2:][pp]
    return out


def _handoff_waiting(t: _Transitions, h: _Handoffs, wait: Floats, wf: Workflow) -> Floats:
    """Days waited after each hand-off: from the transition after the first department's
    last one until the next active state, the next hand-off or the item's end."""
    n = t.n
    start = h.previous[h.at] + 1
    item_end = np.searchsorted(t.item, t.item, side="right")  # item sorted: end of its rows
    next_active = np.full(n + 1, n, dtype=np.int64)
    act_pos = np.where(np.array(wf.active_mask, dtype=bool)[t.state], np.arange(n), n)
    if n:
        next_active[:n] = np.minimum.accumulate(act_pos[::-1])[::-1]
    next_start = np.empty(h.at.size, dtype=np.int64)
    next_start[:-1] = start[1:]
    if h.at.size:
        next_start[-1] = n
    stop = np.minimum(np.minimum(next_active[start], item_end[h.at]), next_start)
    stop = np.maximum(stop, start)
    cum = np.concatenate([[0.0], np.cumsum(wait)])
    out: Floats = cum[stop] - cum[start]
    return out


def _costliest(
    t: _Transitions, wf: Workflow, wait: Floats, pairs: list[HandoffPair], top: int
) -> list[CostlyStep]:
    """The `top` state steps, then the `top` department steps, by waiting days; a state
    step enters a state, its waiting lasts until the next change of state."""
    entry = np.flatnonzero(~t.same | (t.state != t.prev_state))
    run_stop = np.append(entry[1:], t.n)
    cum = np.concatenate([[0.0], np.cumsum(wait)])
    run_wait = cum[run_stop] - cum[entry]
    steps = t.same[entry]
    n_states = len(wf.states)
    state_steps = _aggregate(
        t.prev_state[entry][steps] * n_states + t.state[entry][steps],
        run_wait[steps],
        n_states,
        list(wf.states),
    )
    costly = [
        CostlyStep(kind="state", origin=o, destination=d, count=c, waiting_days=w)
        for o, d, c, w in state_steps
        if w > 0
    ][:top]
    return (
        costly
        + [
            CostlyStep(
                kind="department",
                origin=p.from_department,
                destination=p.to_department,
                count=p.count,
                waiting_days=p.waiting_days,
            )
            for p in pairs
            if p.waiting_days > 0
        ][:top]
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
