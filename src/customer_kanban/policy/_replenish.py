"""Replenishment: which requests to pull across the commitment point now, and why.

The replenishment meeting fills the free capacity of the system from the
options upstream of the commitment point. :func:`replenish` makes the decision
explicit and repeatable from the policy: free WIP in the commitment state
(its WIP limit minus the work there), each class's capacity allocation,
acceptance rules, and an order — expedite first, fixed-date items whose
latest start has come, then the highest cost of delay per day of expected
duration (CD3), the earlier request first on ties. Every choice and every
refusal carries its reason. The decision is vectorized (ranks within each
class by one stable sort); nothing loops over the backlog.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import numpy.typing as npt

from customer_kanban import metrics
from customer_kanban._core.instants import NS_PER_DAY, to_datetime
from customer_kanban._core.results import Result, result
from customer_kanban._core.validation import as_instant_scalar, as_whole_number
from customer_kanban.errors import ValidationError
from customer_kanban.model import Policy, Urgency
from customer_kanban.table import (
    URGENCY_LABELS,
    WorkItemTable,
    class_codes,
    cost_of_delay_columns,
)

__all__ = [
    "Attendee",
    "ReplenishmentDecision",
    "ReplenishmentRecord",
    "current_states",
    "replenish",
]


@result
class Attendee(Result):
    """Someone at the meeting: a name and a role (``"customer"`` marks the customer's voice)."""

    name: str
    role: str = ""


@result
class ReplenishmentDecision(Result):
    """One candidate: pulled, or not, and why.

    Attributes
    ----------
    id : str
        The request.
    class_of_service : str
        Its class ("" if none).
    decision : str
        ``"pull"``, ``"wait"`` (acceptable, no room now), ``"refuse"`` (fails
        acceptance) or ``"skip"`` (no candidate: already committed or delivered by
        the meeting, in progress, or not requested yet).
    reason : str
        Why, in words.
    priority : int
        Position in the pull order (1 = first); 0 for refused and skipped requests.
    cd3 : float
        Cost of delay per day divided by the expected duration (NaN without
        cost-of-delay parameters). [money/day²]
    """

    id: str
    class_of_service: str
    decision: str
    reason: str
    priority: int
    cd3: float


@result
class ReplenishmentRecord(Result):
    """What a replenishment meeting decided, with who was there.

    Attributes
    ----------
    as_of : datetime
        When the meeting took the decision (UTC).
    commitment_state : str
        The state the pulled requests enter.
    free_slots : int or None
        Free WIP in the commitment state before pulling (None: no limit).
    class_room : tuple of (str, int or None)
        Per class of service, the items it may still add under its allocation.
    attendees : tuple of Attendee
        Who attended (data, as the meeting's own record).
    customer_present : bool
        Whether someone attended as the customer.
    decisions : tuple of ReplenishmentDecision
        Every request of the backlog: the candidates in pull order, then the refused
        ones, then the skipped ones (no candidates, with the reason).
    """

    as_of: _dt.datetime
    commitment_state: str
    free_slots: int | None
    class_room: tuple[tuple[str, int | None], ...]
    attendees: tuple[Attendee, ...]
    customer_present: bool
    decisions: tuple[ReplenishmentDecision, ...]

    @property
    def pulled(self) -> tuple[str, ...]:
        """Ids pulled now, in pull order."""
        return tuple(d.id for d in self.decisions if d.decision == "pull")

    def render(self) -> str:
        """The record as text."""
        who = ", ".join(f"{a.name} ({a.role})" if a.role else a.name for a in self.attendees)
        present = "yes" if self.customer_present else "no"
        lines = [
            f"Replenishment as of {self.as_of:%Y-%m-%d %H:%M} UTC, into {self.commitment_state!r}",
            f"Attendees: {who or '-'}; customer present: {present}",
            f"Free WIP: {'no limit' if self.free_slots is None else self.free_slots}; room per "
            "class: " + ", ".join(f"{c} {'-' if r is None else r}" for c, r in self.class_room),
            "",
        ]
        lines += [
            f"  {d.decision:<6} {d.id:<14} {d.class_of_service:<16} {d.reason}"
            for d in self.decisions
        ]
        return "\n".join(lines)


def current_states(table: WorkItemTable, *, as_of: object) -> npt.NDArray[np.int64]:
    """Workflow state index of each item at `as_of` (-1: no transition yet), vectorized.

    Parameters
    ----------
    table : WorkItemTable
        Items with their transitions.
    as_of : instant
        The instant to look at.

    Returns
    -------
    numpy.ndarray of int64, shape (n_items,)
        Position in ``table.states`` of each item's latest state at `as_of`.

    Examples
    --------
    >>> from customer_kanban.datasets import load_incidents
    >>> table, _ = load_incidents()
    >>> states = current_states(table, as_of="2016-03-01")
    >>> [table.states[int(s)] for s in states[:3]]
    ['Resolved', 'Active', 'New']
    """
    _expect(table, WorkItemTable, "table")
    when = as_instant_scalar(as_of, name="as_of")
    return _states_at(table, when)


def _states_at(table: WorkItemTable, when: np.datetime64) -> npt.NDArray[np.int64]:
    tr = table.transitions
    keep = tr.at <= when
    item, state, at = tr.item[keep], tr.state[keep], tr.at[keep].view(np.int64)
    out = np.full(len(table), -1, dtype=np.int64)
    if item.size:
        order = np.lexsort((at, item))  # by item, then instant: the last row is the latest
        last = np.r_[item[order][1:] != item[order][:-1], True]
        out[item[order][last]] = state[order][last]
    return out


def _class_of(table: WorkItemTable, policy: Policy) -> tuple[npt.NDArray[np.int64], list[str]]:
    return class_codes(table, policy), [c.name for c in policy.classes_of_service]


def replenish(
    backlog: WorkItemTable,
    in_progress: WorkItemTable,
    policy: Policy,
    *,
    as_of: object,
    slots: int | None = None,
    attendees: Sequence[Attendee] = (),
) -> ReplenishmentRecord:
    """Decide which requests to pull across the commitment point now.

    Parameters
    ----------
    backlog : WorkItemTable
        Candidate requests (not committed yet).  Only requests that are not yet
        committed at `as_of` are candidates: those committed or delivered by then
        (by their instants, or a transition into the commitment point or beyond),
        those also in `in_progress`, and those requested after `as_of` are decided
        ``"skip"``, with the reason, and never pulled.
    in_progress : WorkItemTable
        The work in the system now (committed, not delivered): its current
        states and classes decide the free WIP and each class's room.
    policy : Policy
        WIP limits (of the commitment state), classes of service (urgency,
        SLE, cost of delay), capacity allocation and acceptance rules.
    as_of : instant
        When the decision is taken.
    slots : int, optional
        Items to pull at most when the commitment state has no WIP limit (a whole
        number in [0, 10**9]).
    attendees : sequence of Attendee, optional
        Who attended; an attendee with role ``"customer"`` marks the customer
        present.

    Returns
    -------
    ReplenishmentRecord

    Raises
    ------
    TypeError
        If `backlog` or `in_progress` is not a WorkItemTable, `policy` not a Policy,
        `slots` not a whole number or `attendees` not a sequence.
    customer_kanban.errors.ValidationError
        If `as_of` is not one instant, `slots` is outside [0, 10**9] or an attendee
        is not an :class:`Attendee`.

    Notes
    -----
    Order: expedite requests first; then fixed-date requests whose latest
    start (due date minus their class's SLE days) has come; then everything
    else by CD3 — cost of delay per day at `as_of` (from the class's
    :class:`~customer_kanban.model.CostOfDelay`, read by its urgency) divided
    by the expected duration (the class's SLE days) — highest first; ties and
    classes without cost parameters by the earlier request. A request is
    pulled when it passes the acceptance rules, its class still has room
    under its allocation (``floor(share * capacity)`` minus its items in
    progress, capacity = the WIP limit of the commitment state plus those of
    the later states before delivery), and free WIP remains.
    """
    when, slots, people = _replenish_iv(backlog, in_progress, policy, as_of, slots, attendees)
    candidate, skipped = _candidates(backlog, in_progress, policy, when)
    every = backlog
    backlog = backlog if candidate.all() else backlog.filter(candidate)
    wf = policy.workflow
    free, room, names = _capacity(in_progress, policy, when, slots)
    cls, _ = _class_of(backlog, policy)
    score, tier = _cd3_and_tier(backlog, policy, cls, when)
    # order: tier, then CD3 descending (NaN last), then the earlier request, then position
    key_score = np.where(np.isnan(score), np.inf, -score)
    n = len(backlog)
    requested = backlog["requested_at"].view(np.int64)
    order = np.lexsort((np.arange(n), requested, key_score, tier))
    accepted, reasons = _acceptance(backlog, policy)
    ordered = order[accepted[order]]
    fits_class, fits_free = _fits(cls[ordered], room, free)
    labels = [*names, ""]
    decisions = [
        _decision(
            str(backlog["id"][i]),
            labels[cls[i]],
            position,
            float(score[i]),
            int(tier[i]),
            bool(ok_class),
            bool(ok_free),
            wf.commitment_point,
        )
        for position, (i, ok_class, ok_free) in enumerate(
            zip(ordered, fits_class, fits_free, strict=True), start=1
        )
    ]
    decisions.extend(
        ReplenishmentDecision(
            id=str(backlog["id"][i]),
            class_of_service=labels[cls[i]],
            decision="refuse",
            reason=reasons[int(i)],
            priority=0,
            cd3=float(score[i]),
        )
        for i in order[~accepted[order]]
    )
    decisions.extend(_skip(every, policy, skipped))
    stamp = to_datetime(when)
    assert stamp is not None  # as_instant_scalar refuses NaT
    return ReplenishmentRecord(
        as_of=stamp,
        commitment_state=wf.commitment_point,
        free_slots=free,
        class_room=tuple(zip(names, room, strict=True)),
        attendees=people,
        customer_present=any(a.role == "customer" for a in people),
        decisions=tuple(decisions),
    )


#: The most `slots` a replenishment may fill (far beyond any backlog).
MAX_SLOTS = 10**9


def _expect(value: object, kind: type, name: str) -> None:
    if not isinstance(value, kind):
        raise TypeError(f"`{name}` must be a {kind.__name__}, got {type(value).__name__}")


def _replenish_iv(
    backlog: object,
    in_progress: object,
    policy: object,
    as_of: object,
    slots: object,
    attendees: object,
) -> tuple[np.datetime64, int | None, tuple[Attendee, ...]]:
    """The arguments of :func:`replenish`, checked: the instant, the slots, the attendees."""
    _expect(backlog, WorkItemTable, "backlog")
    _expect(in_progress, WorkItemTable, "in_progress")
    _expect(policy, Policy, "policy")
    when = as_instant_scalar(as_of, name="as_of")
    n = None if slots is None else as_whole_number(slots, name="slots", maximum=MAX_SLOTS)
    if isinstance(attendees, (str, bytes, Mapping)) or not isinstance(attendees, Iterable):
        raise TypeError(
            f"`attendees` must be a sequence of Attendee values, got {type(attendees).__name__}"
        )
    people = tuple(attendees)
    if any(not isinstance(a, Attendee) for a in people):
        raise ValidationError("`attendees` must be Attendee values")
    return when, n, people


def _candidates(
    backlog: WorkItemTable, in_progress: WorkItemTable, policy: Policy, when: np.datetime64
) -> tuple[npt.NDArray[np.bool_], dict[int, str]]:
    """Which requests of the backlog may be pulled at `when`, and why the others may not."""
    point = policy.workflow.commitment_point
    requested, committed, delivered = (
        backlog[name] for name in ("requested_at", "committed_at", "delivered_at")
    )
    past = None
    if point in backlog.states and len(backlog.transitions):
        past = _states_at(backlog, when) >= backlog.states.index(point)
    in_system = None
    if len(in_progress):
        in_system = np.isin(backlog["id"].astype(str), in_progress["id"].astype(str))
    rules = [
        (delivered <= when, "already delivered on {}", delivered),
        (committed <= when, "already committed on {}", committed),
        (past, f"already in {point!r} or beyond", None),
        (in_system, "already in progress (in `in_progress`)", None),
        (requested > when, "not requested yet (requested on {})", requested),
    ]
    skipped: dict[int, str] = {}
    for mask, why, instants in rules:  # five rules; a loop over the skipped requests only
        if mask is None:
            continue
        for i in np.flatnonzero(mask).tolist():
            if i not in skipped:
                on = "" if instants is None else np.datetime_as_string(instants[i], "s")
                skipped[i] = "no candidate: " + why.replace("{}", on)
    candidate = np.ones(len(backlog), dtype=bool)
    candidate[list(skipped)] = False
    return candidate, skipped


def _skip(
    backlog: WorkItemTable, policy: Policy, skipped: dict[int, str]
) -> list[ReplenishmentDecision]:
    """The decisions of the requests that are no candidates, in backlog order."""
    cls, names = _class_of(backlog, policy)
    labels = [*names, ""]
    ids = backlog["id"]
    return [
        ReplenishmentDecision(
            id=str(ids[i]),
            class_of_service=labels[cls[i]],
            decision="skip",
            reason=skipped[i],
            priority=0,
            cd3=float("nan"),
        )
        for i in sorted(skipped)
    ]


def _capacity(
    in_progress: WorkItemTable, policy: Policy, when: np.datetime64, slots: int | None
) -> tuple[int | None, list[int | None], list[str]]:
    """Free WIP in the commitment state, and each class's room under its allocation."""
    wf = policy.workflow
    commit = wf.states.index(wf.commitment_point)
    deliver = wf.states.index(wf.delivery_point)
    limit = policy.wip_limits.get(wf.commitment_point)
    state_now = _states_at(in_progress, when)
    in_commit = int(np.count_nonzero(state_now == commit))
    free = None if limit is None else max(limit - in_commit, 0)
    if free is None and slots is not None:
        free = slots
    wip_cls, names = _class_of(in_progress, policy)
    in_system = (state_now >= commit) & (state_now < deliver)
    capacity = sum(policy.wip_limits.get(s, 0) for s in wf.states[commit:deliver])
    room: list[int | None] = []
    for k, name in enumerate(names):  # a handful of classes
        share = policy.allocation.get(name)
        if share is None or capacity == 0:
            room.append(None)
        else:
            used = int(np.count_nonzero(in_system & (wip_cls == k)))
            room.append(max(int(np.floor(share * capacity)) - used, 0))
    return free, room, names


def _cd3_and_tier(
    backlog: WorkItemTable, policy: Policy, cls: npt.NDArray[np.int64], when: np.datetime64
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.int64]]:
    """CD3 of each request at `when`, and its tier: 0 expedite, 1 fixed date due to start, 2."""
    requested = backlog["requested_at"]
    n = len(backlog)
    elapsed = (when - requested).view(np.int64) / NS_PER_DAY
    sle = np.full(n, np.nan)
    for k, klass in enumerate(policy.classes_of_service):  # a handful of classes
        if klass.sle is not None:
            sle[cls == k] = klass.sle.days
    columns = cost_of_delay_columns(backlog, policy)
    urg = np.array(URGENCY_LABELS, dtype=object)[columns.urgency]
    due = columns.due
    due_days = (due - requested).view(np.int64) / NS_PER_DAY
    due_days[np.isnat(due)] = np.inf
    known = ~np.isnan(columns.rate)
    cod = np.full(n, np.nan)
    if known.any():
        cod[known] = metrics.cost_of_delay_rate(
            urg[known],
            elapsed[known],
            rate=columns.rate[known],
            due=due_days[known],
            step=columns.step[known],
            horizon=columns.horizon[known],
            growth=columns.growth[known],
        )
    score = cod / np.where(np.isnan(sle), 1.0, sle)
    latest_start = due - (np.where(np.isnan(sle), 0.0, sle) * NS_PER_DAY).astype("timedelta64[ns]")
    tier = np.where(
        urg == Urgency.EXPEDITE.value,
        0,
        np.where((urg == Urgency.FIXED_DATE.value) & (latest_start <= when), 1, 2),
    )
    return score, tier.astype(np.int64)


def _acceptance(
    backlog: WorkItemTable, policy: Policy
) -> tuple[npt.NDArray[np.bool_], dict[int, str]]:
    """Which requests pass the acceptance rules, and the reasons of those that fail."""
    accepted = np.ones(len(backlog), dtype=bool)
    reasons: dict[int, str] = {}
    rules = getattr(policy, "acceptance_rules", ())
    if rules and len(backlog):
        from customer_kanban.policy._acceptance import evaluate_acceptance

        result = evaluate_acceptance(backlog, rules)
        accepted = np.asarray(result.passed, dtype=bool)
        for i in np.flatnonzero(~accepted):  # refused requests only, to word their reasons
            why = "; ".join(result.reasons(str(backlog["id"][i])))
            reasons[int(i)] = "fails acceptance: " + why
    return accepted, reasons


def _fits(
    cls_o: npt.NDArray[np.int64], room: list[int | None], free: int | None
) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.bool_]]:
    """In pull order: which requests fit their class's room, and which also free WIP.

    Ranks within each class by one stable sort, no loop over the requests.
    """
    big = np.iinfo(np.int64).max
    rank_in_class = np.zeros(cls_o.size, dtype=np.int64)
    by_class = np.argsort(cls_o, kind="stable")
    starts = np.r_[True, cls_o[by_class][1:] != cls_o[by_class][:-1]]
    run_start = np.maximum.accumulate(np.where(starts, np.arange(cls_o.size), 0))
    rank_in_class[by_class] = np.arange(cls_o.size) - run_start
    room_arr = np.array([big if r is None else r for r in room] + [big])
    fits_class = rank_in_class < room_arr[np.where(cls_o >= 0, cls_o, len(room))]
    taken = np.cumsum(fits_class)
    fits_free = fits_class & (taken <= (big if free is None else free))
    return fits_class, fits_free


def _decision(
    item: str,
    klass: str,
    position: int,
    score: float,
    tier: int,
    ok_class: bool,
    ok_free: bool,
    commitment_point: str,
) -> ReplenishmentDecision:
    """One pull or wait decision, with its reason."""
    why_order = (
        "expedite"
        if tier == 0
        else "fixed date, latest start reached"
        if tier == 1
        else f"CD3 {score:.3g}"
        if np.isfinite(score)
        else "no cost of delay: by request date"
    )
    if ok_free:
        decision, reason = "pull", f"#{position}: {why_order}"
    elif not ok_class:
        decision, reason = "wait", f"class allocation of {klass!r} is full ({why_order})"
    else:
        decision, reason = "wait", f"no free WIP in {commitment_point!r} ({why_order})"
    return ReplenishmentDecision(
        id=item,
        class_of_service=klass,
        decision=decision,
        reason=reason,
        priority=position,
        cd3=score,
    )
