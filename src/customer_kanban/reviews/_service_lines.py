"""The lines of the Service Delivery Review, built from metric functions.

:func:`review_lines` sees the table as known at `as_of` (:class:`Seen`), gathers each
item's inputs once (its SLE, fitness thresholds, cost of delay, blocks and feedback:
:class:`Inputs`), then, per dimension (all work, class of service, class / segment,
segment), calls each metric once with the dimension's grouping and turns the grouped
figures into one :class:`ServiceLevelRow` per group. The rows are built by small
builders, one per family of figures (service levels, flow, cost, voice).
"""

from __future__ import annotations

import datetime as _dt
import math
import warnings
from collections.abc import Mapping, Sequence
from typing import Any, Literal

import attrs
import numpy as np
import numpy.typing as npt

from customer_kanban import customers, metrics
from customer_kanban._core.groups import Groups, count_codes, factorize
from customer_kanban._core.instants import NS_PER_DAY, to_datetime
from customer_kanban._core.periods import floor, ordinal, period_starts
from customer_kanban._core.threads import split
from customer_kanban._core.validation import DayCount, PercentileMethod
from customer_kanban.errors import InsufficientDataWarning
from customer_kanban.model import (
    Feedback,
    Policy,
    SegmentServiceLevel,
    ServiceLevelExpectation,
    Urgency,
)
from customer_kanban.reviews._service_results import BlockerCluster, ServiceLevelRow
from customer_kanban.table import (
    URGENCY_LABELS,
    WorkItemTable,
    class_codes,
    cost_of_delay_by_class,
)

__all__ = ["Grouping", "Lines", "Options", "group_codes", "item_sle", "review_lines"]

Basis = Literal["customer", "system"]
Grouping = tuple[npt.NDArray[np.int32], list[str]]  # (code per item, -1 = none; labels)
Counts = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]
Bools = npt.NDArray[np.bool_]
_NS = np.timedelta64(1, "ns")


@attrs.frozen
class Options:
    """The review's options, validated."""

    q: tuple[float, ...]
    basis: Basis
    day_count: DayCount
    risk_fraction: float
    window_days: float | None
    method: PercentileMethod
    previous: float | None
    fitness: dict[str, tuple[float, float]] | None
    trend_weeks: int


@attrs.frozen(eq=False)
class Lines:
    """The review's lines and the instants they were computed over."""

    rows: list[ServiceLevelRow]
    window_start: _dt.datetime
    trend_periods: tuple[_dt.datetime, ...]


# --------------------------------------------------------------------------- the items


@attrs.frozen(eq=False)
class Seen:
    """The items requested by `when`, as known then (later instants not yet happened)."""

    when: np.datetime64
    seen: Bools  # among the table's items
    req: npt.NDArray[np.datetime64]
    dlv: npt.NDArray[np.datetime64]
    table_ids: npt.NDArray[Any]  # every item's id: the seen ones' are gathered on demand
    customer_lt: Floats
    system_lt: Floats
    basis_lt: Floats
    age: Floats
    open_request: Bools
    delivered: Bools
    in_wip: Bools

    @property
    def ids(self) -> npt.NDArray[Any]:
        """The seen items' ids (a gather of text: only where every one is needed)."""
        return self.table_ids[self.seen]

    def ids_of(self, rows: npt.NDArray[np.intp]) -> npt.NDArray[Any]:
        """The ids of the seen items at `rows` (positions among the seen items)."""
        return self.table_ids[np.flatnonzero(self.seen)[rows]]

    @property
    def n(self) -> int:
        return int(self.req.size)


def _until(values: npt.NDArray[np.datetime64], when: np.datetime64) -> npt.NDArray[np.datetime64]:
    """`values` with instants after `when` replaced by NaT (not yet happened)."""
    later = values > when
    if not later.any():
        return values
    out: npt.NDArray[np.datetime64] = values.copy()
    out[later] = np.datetime64("NaT", "ns")
    return out


def _of_seen(values: npt.NDArray[Any], seen: Bools) -> npt.NDArray[Any]:
    """`values` of the seen items: the array itself when every item is seen (the usual
    case; no copy), else a gather.  The table's columns are read-only: never written."""
    return values if seen.all() else values[seen]


def _seen(table: WorkItemTable, when: np.datetime64, options: Options) -> Seen:
    seen = table["requested_at"] <= when

    def column(name: str) -> npt.NDArray[np.datetime64]:
        return _of_seen(table[name], seen)

    req = column("requested_at")
    com, dlv = (_until(column(name), when) for name in ("committed_at", "delivered_at"))
    days = options.day_count
    customer_lt = metrics.lead_time(req, dlv, day_count=days)
    system_lt = metrics.lead_time(com, dlv, day_count=days)
    customer = options.basis == "customer"
    basis_lt = customer_lt if customer else system_lt
    age = metrics.work_item_age(req if customer else com, dlv, as_of=when, day_count=days)
    open_request = np.isnat(dlv)
    return Seen(
        when=when,
        seen=seen,
        req=req,
        dlv=dlv,
        table_ids=table["id"],
        customer_lt=customer_lt,
        system_lt=system_lt,
        basis_lt=basis_lt,
        age=age,
        open_request=open_request,
        delivered=~open_request,
        in_wip=~np.isnat(com) & open_request,
    )


# --------------------------------------------------------------------------- groupings, SLEs


def group_codes(
    table: WorkItemTable, field: str, seen: Bools, first: Sequence[str] = ()
) -> Grouping:
    """Codes of `field` for the `seen` items, over labels `first` (in that order) then the
    table's other labels that occur among them."""
    codes, table_labels = table.codes(field)
    if not len(table_labels):  # no item has one: every code -1, held by no memory
        return np.broadcast_to(np.int32(-1), (int(np.count_nonzero(seen)),)), list(first)
    codes = _of_seen(codes, seen)
    present = count_codes(codes, len(table_labels)) > 0
    labels = list(first) + [
        str(x) for x, p in zip(table_labels, present, strict=True) if p and str(x) not in first
    ]
    remap = np.array(
        [labels.index(str(x)) if str(x) in labels else -1 for x in table_labels] + [-1],
        dtype=np.int32,
    )
    return remap[codes], labels  # code -1 picks the trailing -1


def item_sle(policy: Policy, cos: Grouping, seg: Grouping) -> tuple[Floats, Floats]:
    """Per-item SLE days and probability (NaN without an SLE), segment overrides applied."""
    days_by_label, prob_by_label = _class_sle(policy, cos[1])
    days = days_by_label[cos[0]]
    prob = prob_by_label[cos[0]]
    for s, mask in _override_masks(policy, cos, seg):  # a handful of overrides
        days[mask], prob[mask] = s.sle.days, s.sle.probability
    return days, prob


def _override_masks(
    policy: Policy, cos: Grouping, seg: Grouping
) -> list[tuple[SegmentServiceLevel, Bools]]:
    """The items of each (class, segment) SLE override, compared by integer codes."""
    out = []
    for s in policy.segment_sles:  # a handful of overrides
        if s.class_of_service in cos[1] and s.segment in seg[1]:
            mask = (cos[0] == cos[1].index(s.class_of_service)) & (
                seg[0] == seg[1].index(s.segment)
            )
        else:
            mask = np.zeros(cos[0].size, dtype=bool)
        out.append((s, mask))
    return out


def _class_sle(policy: Policy, labels: Sequence[str]) -> tuple[Floats, Floats]:
    """SLE days and probability of each class label (NaN without one), plus a trailing
    NaN for code -1 (no class of service)."""
    days = np.full(len(labels) + 1, np.nan)
    prob = np.full(len(labels) + 1, np.nan)
    names = {c.name for c in policy.classes_of_service}
    for k, name in enumerate(labels):  # a handful of classes
        sle = policy.class_of_service(name).sle if name in names else None
        if sle is not None:
            days[k], prob[k] = sle.days, sle.probability
    return days, prob


def _pair_codes(policy: Policy, cos: Grouping, seg: Grouping) -> Grouping:
    """One group per (class, segment) pair: every pair among the items, and every SLE
    override of the policy (shown even without items); -1 for items missing either."""
    n_seg = len(seg[1])
    both = (cos[0] >= 0) & (seg[0] >= 0)
    pair = np.where(both, cos[0].astype(np.int64) * n_seg + seg[0], -1)
    keys = set(np.unique(pair[both]).tolist())
    for s in policy.segment_sles:  # a handful of overrides
        if s.class_of_service in cos[1] and s.segment in seg[1]:
            keys.add(cos[1].index(s.class_of_service) * n_seg + seg[1].index(s.segment))
    ordered = np.array(sorted(keys), dtype=np.int64)  # class order, then segment order
    codes = np.where(both, np.searchsorted(ordered, pair), -1).astype(np.int32)
    labels = [f"{cos[1][k // n_seg]} / {seg[1][k % n_seg]}" for k in ordered.tolist()]
    return codes, labels


def _row_sle(
    policy: Policy, dimension: str, label: str, policy_classes: Sequence[str]
) -> ServiceLevelExpectation | None:
    """The SLE a line is held to: its class's or its override's; None on mixed lines."""
    if dimension == "class_of_service" and label in policy_classes:
        return policy.class_of_service(label).sle
    if dimension == "class_of_service/segment":
        cos, _, segment = label.partition(" / ")
        return policy.sle_for(cos, segment) if cos in policy_classes else None
    return None


# --------------------------------------------------------------------------- each item's inputs


@attrs.frozen(eq=False)
class Costs:
    """The delay cost of the seen items whose class has a cost of delay, computed once for
    every line (each line sums its items')."""

    known: Bools  # among the seen items
    cost: Floats  # of each known item, in row order

    def total(self) -> tuple[Floats, Counts]:
        """The cost of all known items and their number (as :func:`metrics.delay_cost`
        totals them without ``by``)."""
        return np.array([self.cost.sum()]), np.array([self.cost.size], dtype=np.int64)


#: Items per block of the delay-cost pass (its gathered parameters stay in cache).
_COST_BLOCK = 1 << 16


def _costs(table: WorkItemTable, policy: Policy, items: Seen) -> Costs:
    """The delay cost of the seen items that have a cost of delay, by
    :func:`metrics.delay_cost` on blocks of items (on every core): each block gathers the
    per-class parameters for its items only, so no parameter column is ever the size of
    the table (as :func:`cost_of_delay_columns` is).  Each item's cost is computed alone,
    so the blocks change no bit."""
    by_class = cost_of_delay_by_class(policy)
    fixed = by_class[0] == URGENCY_LABELS.index(Urgency.FIXED_DATE.value)
    cls = _of_seen(class_codes(table, policy), items.seen)
    due = _of_seen(table["due_at"], items.seen)
    known = np.empty(items.n, dtype=np.bool_)

    def part(start: int, stop: int) -> list[Floats]:
        out = []
        for a in range(start, stop, _COST_BLOCK):
            b = min(a + _COST_BLOCK, stop)
            out.append(_block_cost(by_class, fixed, cls[a:b], due[a:b], items, a, known[a:b]))
        return out

    parts = split(part, items.n, min_slice=4 * _COST_BLOCK)
    cost = np.concatenate([c for p in parts for c in p]) if items.n else np.zeros(0)
    return Costs(known=known, cost=cost)


def _block_cost(
    by_class: tuple[npt.NDArray[Any], ...],
    fixed: Bools,
    cls: npt.NDArray[np.int64],
    due: npt.NDArray[np.datetime64],
    items: Seen,
    offset: int,
    known: Bools,
) -> Floats:
    """The costs of one block's items that have one (`known` written for the block)."""
    urgency_of, rate_of, step_of, horizon_of, growth_of = by_class
    at = np.where(cls >= 0, cls, len(urgency_of) - 1)
    np.logical_not(np.isnan(rate_of)[at], out=known)
    req, dlv = items.req[offset : offset + cls.size], items.dlv[offset : offset + cls.size]
    if fixed[:-1].any():  # a fixed-date class: its items need a due instant from the request
        known &= ~fixed[at] | (~np.isnat(due) & (due >= req))
    rows = np.flatnonzero(known)
    at = at[rows]
    cost: Floats = metrics.delay_cost(
        urgency_of[at],
        req[rows],
        dlv[rows],
        as_of=items.when,
        rate=rate_of[at],
        due=due[rows],
        step=step_of[at],
        horizon=horizon_of[at],
        growth=growth_of[at],
    ).cost
    return cost


@attrs.frozen(eq=False)
class Voice:
    """The feedback given by `when`: the seen item it is about (-1: none), kind, score."""

    item: npt.NDArray[np.int64]
    kinds: npt.NDArray[Any]
    scores: Floats


def _voice(feedback: Sequence[Feedback] | None, items: Seen) -> Voice | None:
    """Feedback values are Python objects: turning them into columns takes one pass over
    them, as building a table from items does."""
    if feedback is None:
        return None
    stamps = np.array([f.at.replace(tzinfo=None) for f in feedback], dtype="datetime64[ns]")
    keep = stamps <= items.when
    about = np.array([f.item for f in feedback], dtype=object)[keep]
    kinds = np.array([f.kind.value for f in feedback], dtype=object)[keep]
    scores = np.array([math.nan if f.score is None else f.score for f in feedback], np.float64)
    return Voice(item=positions(items.ids, about), kinds=kinds, scores=scores[keep])


def positions(ids: npt.NDArray[Any], wanted: npt.NDArray[Any]) -> npt.NDArray[np.int64]:
    """Row of each `wanted` id among `ids` (-1 where absent or None), by one sort."""
    out = np.full(wanted.size, -1, dtype=np.int64)
    named = np.flatnonzero(np.array([w is not None for w in wanted], dtype=bool))
    if not ids.size or not named.size:
        return out
    keys = ids.astype(str)
    order = np.argsort(keys, kind="stable")
    probe = wanted[named].astype(str)
    at = np.minimum(np.searchsorted(keys[order], probe), ids.size - 1)
    hit = keys[order][at] == probe
    out[named[hit]] = order[at[hit]]
    return out


@attrs.frozen(eq=False)
class Fitness:
    """Each item judged by its fitness thresholds."""

    has_fit: Bools  # the item has thresholds
    lead_time: Floats  # its customer lead time where it has thresholds, else NaN
    fit_days: Floats  # its fit_days where it has thresholds, else 1.0 (never read)
    judged: Bools  # delivered, with thresholds
    fit: Bools  # delivered within fit_days
    unfit: Bools  # delivered above unfit_days


def _fitness(
    thresholds: Mapping[str, tuple[float, float]] | None,
    cos: Grouping,
    seg: Grouping,
    items: Seen,
) -> Fitness | None:
    """Each item judged by its thresholds; None when no item has any (no line shows
    fitness then)."""
    if not thresholds:
        return None
    fit_lo, fit_hi = _item_fitness(thresholds, cos, seg)
    has_fit = ~np.isnan(fit_lo)
    if not has_fit.any():
        return None
    judged = items.delivered & has_fit
    return Fitness(
        has_fit=has_fit,
        lead_time=np.where(has_fit, items.customer_lt, np.nan),  # NaN: open, or no thresholds
        fit_days=np.where(has_fit, fit_lo, 1.0),
        judged=judged,
        fit=judged & (items.customer_lt <= fit_lo),
        unfit=judged & (items.customer_lt > fit_hi),
    )


def _item_fitness(
    thresholds: Mapping[str, tuple[float, float]] | None, cos: Grouping, seg: Grouping
) -> tuple[Floats, Floats]:
    """Fitness thresholds of each item: its class and segment's where given, else its
    class's (NaN without thresholds)."""
    cos_codes, cos_labels = cos
    lo_by_label = np.full(len(cos_labels) + 1, np.nan)
    hi_by_label = np.full(len(cos_labels) + 1, np.nan)
    for k, name in enumerate(cos_labels):  # a handful of classes
        if thresholds is not None and name in thresholds:
            lo_by_label[k], hi_by_label[k] = thresholds[name]
    fit_lo, fit_hi = lo_by_label[cos_codes], hi_by_label[cos_codes]
    # "class / segment" keys: that segment's own expectation within the class.
    for key, (lo, hi) in (thresholds or {}).items():  # a handful of thresholds
        cls_name, sep, seg_name = key.partition(" / ")
        if sep and cls_name in cos_labels and seg_name in seg[1]:
            mine = (cos_codes == cos_labels.index(cls_name)) & (seg[0] == seg[1].index(seg_name))
            fit_lo[mine], fit_hi[mine] = lo, hi
    return fit_lo, fit_hi


@attrs.frozen(eq=False)
class Trend:
    """The trend's seven-day windows ending at `when`, as calendar weeks of shifted instants:
    instants plus `shift` fall in the weeks [Monday, next Monday) of `since`..`until`."""

    shift: np.timedelta64
    since: np.datetime64
    until: np.datetime64

    @classmethod
    def ending(cls, when: np.datetime64, weeks: int) -> Trend:
        boundary = floor(np.array([when], dtype="datetime64[ns]"), "W")[0]  # Monday 00:00
        if boundary < when:
            boundary += np.timedelta64(7, "D")
        return cls(
            shift=boundary - when - _NS,
            since=boundary - np.timedelta64(7 * weeks, "D"),
            until=boundary - _NS,
        )

    def starts(self) -> tuple[_dt.datetime, ...]:
        """The windows' starts (excluded): the weeks' starts, shifted back."""
        weeks = period_starts(ordinal(self.since, "W"), ordinal(self.until, "W"), "W")
        return tuple(_aware(p - self.shift - _NS) for p in weeks)


def _aware(value: np.datetime64) -> _dt.datetime:
    out = to_datetime(value)
    assert out is not None  # never NaT here
    return out


@attrs.frozen(eq=False)
class Inputs:
    """Everything the lines are computed from."""

    policy: Policy
    options: Options
    items: Seen
    cos: Grouping
    seg: Grouping
    own_days: Floats  # each item's own SLE (segment overrides applied)
    class_days: Floats  # each item's class's SLE
    fitness: Fitness | None  # None: no item has fitness thresholds
    blocks: Any
    costs: Costs | None  # None once every line's cost is summed (the items' are let go)
    voice: Voice | None
    window_start: np.datetime64
    weeks: float
    in_window: Bools  # delivered in the throughput window
    trend: Trend

    @property
    def policy_classes(self) -> list[str]:
        return [c.name for c in self.policy.classes_of_service]


def _window(items: Seen, window_days: float | None) -> tuple[np.datetime64, float]:
    """Start of the throughput window (the first request by default), its length in weeks."""
    when = items.when
    if window_days is None:
        start = items.req.min() if items.n else when
    else:
        start = when - np.timedelta64(int(window_days * NS_PER_DAY), "ns")
    return start, max(float((when - start) / np.timedelta64(1, "D")) / 7.0, 1.0 / 7.0)


def _blocks(table: WorkItemTable, seen: Bools, when: np.datetime64) -> Any:
    """The table's blocked intervals begun by `when`, on the seen items (renumbered)."""
    b = table.blocked
    keep = seen[b.item] & (b.start <= when)
    item = b.item[keep]
    if item.size and not seen.all():  # renumbered among the seen items
        rank = np.cumsum(seen, dtype=np.int64 if seen.size >> 31 else np.int32)
        item = rank[item].astype(np.int64) - 1
    end = _until(b.end[keep], when)
    return attrs.evolve(b, item=item, start=b.start[keep], end=end, reason=b.reason[keep])


def _inputs(
    table: WorkItemTable,
    policy: Policy,
    when: np.datetime64,
    options: Options,
    feedback: Sequence[Feedback] | None,
) -> Inputs:
    items = _seen(table, when, options)
    policy_classes = [c.name for c in policy.classes_of_service]
    cos = group_codes(table, "class_of_service", items.seen, policy_classes)
    seg = group_codes(table, "segment", items.seen)
    window_start, weeks = _window(items, options.window_days)
    trend = Trend.ending(when, options.trend_weeks)
    class_days = _class_sle(policy, cos[1])[0][cos[0]]
    return Inputs(
        policy=policy,
        options=options,
        items=items,
        cos=cos,
        seg=seg,
        own_days=item_sle(policy, cos, seg)[0] if policy.segment_sles else class_days,
        class_days=class_days,
        fitness=_fitness(options.fitness, cos, seg, items),
        blocks=_blocks(table, items.seen, when),
        costs=_costs(table, policy, items),
        voice=_voice(feedback, items),
        window_start=window_start,
        weeks=weeks,
        in_window=(items.dlv >= window_start) & (items.dlv <= when),
        trend=trend,
    )


# --------------------------------------------------------------------------- dimensions


@attrs.frozen(eq=False)
class Dimension:
    """One dimension of the review: its items' group codes (None: one group), labels and
    the SLE each item is held to on its lines."""

    name: str
    codes: npt.NDArray[np.int32] | None
    labels: list[str]
    has_sle: Bools  # the item is held to an SLE on its lines
    sle_days: Floats  # its SLE days where it has one, else 1.0 (never read)
    groups: Groups | None  # the lines factorised once for every figure (None: one line)
    every_sle: bool  # every item is held to an SLE (sle_days is then the days themselves)

    @classmethod
    def holding(
        cls, name: str, codes: npt.NDArray[np.int32] | None, labels: list[str], days: Floats
    ) -> Dimension:
        """The dimension whose items are held to `days` (NaN: no SLE)."""
        has_sle = ~np.isnan(days)
        every = bool(has_sle.all())
        groups = None
        if codes is not None:
            by = (codes, np.asarray(labels, dtype=object))
            groups = factorize(by, codes.size, data_name="items")
        sle_days = days if every else np.where(has_sle, days, 1.0)
        return cls(name, codes, labels, has_sle, sle_days, groups, every)

    def held(self, values: Floats) -> Floats:
        """`values` of the items held to an SLE, NaN for the others (no copy when every
        item is)."""
        return values if self.every_sle else np.where(self.has_sle, values, np.nan)

    @property
    def single_sle(self) -> bool:
        """Whether each line holds its items to one SLE (class and class / segment lines)."""
        return self.name in ("class_of_service", "class_of_service/segment")

    def index(self, n: int) -> npt.NDArray[np.int32]:
        """Each item's line (-1: none)."""
        return np.zeros(n, np.int32) if self.codes is None else self.codes

    def counts(self, *masks: Bools) -> Counts:
        """Items of each of `masks` on each line, shape (len(masks), lines): one pass."""
        if self.groups is None:
            return np.array([[np.count_nonzero(m)] for m in masks], dtype=np.int64)
        return self.groups.counts(*masks)


def _dimensions(inputs: Inputs) -> list[Dimension]:
    """All work, class of service, (class, segment) pairs and segments when there are any."""
    cos, seg = inputs.cos, inputs.seg
    out = [
        Dimension.holding("all", None, ["all"], inputs.own_days),
        Dimension.holding("class_of_service", cos[0], cos[1], inputs.class_days),
    ]
    if seg[1] or inputs.policy.segment_sles:
        pair_codes, pair_labels = _pair_codes(inputs.policy, cos, seg)
        if pair_labels:
            out.append(
                Dimension.holding(
                    "class_of_service/segment", pair_codes, pair_labels, inputs.own_days
                )
            )
    if seg[1]:
        out.append(Dimension.holding("segment", seg[0], seg[1], inputs.own_days))
    return out


# --------------------------------------------------------------------------- figures per dimension


@attrs.frozen(eq=False)
class Levels:
    """Service levels per line: lead-time percentiles, SLE attainment, fitness."""

    customer: Floats  # (G, Q)
    system: Floats  # (G, Q)
    attainment: Floats
    censored: Floats
    fit_share: Floats
    fit: Counts
    neutral: Counts
    unfit: Counts
    any_fit: Bools


def _levels(inputs: Inputs, dim: Dimension) -> Levels:
    items, opts, fitness = inputs.items, inputs.options, inputs.fitness
    by, days = dim.groups, dim.sle_days
    c_pct = metrics.percentiles(items.customer_lt, opts.q, by=by, method=opts.method).values
    s_pct = metrics.percentiles(items.system_lt, opts.q, by=by, method=opts.method).values
    attain = metrics.sle_attainment(dim.held(items.basis_lt), days, by=by)
    censored = np.full(len(dim.labels), np.nan)
    if dim.single_sle:  # one SLE per line: censoring-aware attainment of it
        censored = metrics.sle_attainment(
            dim.held(np.where(items.open_request, items.age, items.basis_lt)),
            days,
            by=by,
            observed=items.delivered,
        ).attainment
    return Levels(
        customer=c_pct,
        system=s_pct,
        attainment=attain.attainment,
        censored=censored,
        **_fitness_levels(fitness, dim),
    )


def _fitness_levels(fitness: Fitness | None, dim: Dimension) -> dict[str, Any]:
    """Fitness per line: the share fit, the fit, neutral and unfit items, and whether any
    item of the line has thresholds (all zero without thresholds: no line shows them)."""
    if fitness is None:
        none = np.zeros(len(dim.labels), np.int64)
        return {
            "fit_share": np.full(len(dim.labels), np.nan),
            "fit": none,
            "neutral": none,
            "unfit": none,
            "any_fit": none > 0,
        }
    fit, unfit, judged, has_fit = dim.counts(
        fitness.fit, fitness.unfit, fitness.judged, fitness.has_fit
    )
    return {
        "fit_share": metrics.sle_attainment(
            fitness.lead_time, fitness.fit_days, by=dim.groups
        ).attainment,
        "fit": fit,
        "neutral": judged - fit - unfit,
        "unfit": unfit,
        "any_fit": has_fit > 0,
    }


@attrs.frozen(eq=False)
class Flow:
    """Flow per line: deliveries, throughput and its trend, WIP, open and at-risk requests,
    waiting, blocked time."""

    delivered: Counts
    throughput: Floats
    trend: Any  # ThroughputResult over the shifted weeks
    wip: Counts
    open_requests: Counts
    at_risk: list[npt.NDArray[Any]]
    waiting_days: Floats
    clusters: Any  # BlockerClustersResult


def _flow(inputs: Inputs, dim: Dimension) -> Flow:
    items, trend = inputs.items, inputs.trend
    when, by = items.when, dim.groups
    b = inputs.blocks
    delivered, in_window, wip, open_requests = dim.counts(
        items.delivered, inputs.in_window, items.in_wip, items.open_request
    )
    return Flow(
        delivered=delivered,
        throughput=in_window / inputs.weeks,
        trend=metrics.throughput(
            items.dlv + trend.shift, freq="W", since=trend.since, until=trend.until, by=by
        ),
        wip=wip,
        open_requests=open_requests,
        at_risk=_at_risk(inputs, dim),
        waiting_days=metrics.customer_waiting_time(
            items.req, items.dlv, as_of=when, by=by
        ).total_days,
        clusters=metrics.blocker_clusters(
            b.item,
            b.start,
            b.end,
            b.reason,
            reason_labels=b.reason_labels,
            n_items=items.n,
            as_of=when,
            by=by,
        ),
    )


def _at_risk(inputs: Inputs, dim: Dimension) -> list[npt.NDArray[Any]]:
    """The ids of each line's open requests at risk, grouped by one stable sort."""
    items = inputs.items
    risky = items.open_request & metrics.at_risk(
        dim.held(items.age),
        dim.sle_days,
        fraction=inputs.options.risk_fraction,
    )
    idx = dim.index(items.n)
    rows = np.flatnonzero(risky & (idx >= 0))
    order = np.argsort(idx[rows], kind="stable")
    ids = items.ids_of(rows[order])
    bounds = np.searchsorted(idx[rows[order]], np.arange(len(dim.labels) + 1))
    return [ids[bounds[k] : bounds[k + 1]] for k in range(len(dim.labels))]


def _cost(inputs: Inputs, dim: Dimension) -> tuple[Floats, Counts]:
    """The delay cost incurred per line and the items it is of: the items' costs summed
    per line (as :func:`metrics.delay_cost` sums them with ``by``)."""
    c = inputs.costs
    assert c is not None  # summed before the lines are built
    if dim.groups is None:
        return c.total()
    assert dim.groups.codes is not None
    codes, slots = dim.groups.codes[c.known], dim.groups.size + 1
    # float64 already with weights; the view only tells the type (stubs say integers)
    total = np.bincount(codes, weights=c.cost, minlength=slots)[:-1].view(np.float64)
    return total, np.bincount(codes, minlength=slots)[:-1].astype(np.int64)


def _voice_figures(inputs: Inputs, dim: Dimension) -> tuple[Counts, Floats] | None:
    """Feedback kinds (G, 3) and NPS per line: a piece about an item counts on its lines;
    on the total line every piece counts."""
    voice = inputs.voice
    if voice is None:
        return None
    if dim.codes is None:
        on_line = np.zeros(voice.item.size, np.int32)
    else:
        on_line = np.full(voice.item.size, -1, dtype=np.int32)
        about = voice.item >= 0
        on_line[about] = dim.codes[voice.item[about]]
    by = (on_line, np.asarray(dim.labels, dtype=object))
    kinds = customers.feedback_summary(voice.kinds, by=by).counts
    return kinds, customers.nps(voice.scores, by=by).value


# --------------------------------------------------------------------------- the rows


def _rows(inputs: Inputs, dim: Dimension, cost: tuple[Floats, Counts]) -> list[ServiceLevelRow]:
    with warnings.catch_warnings():
        # Empty groups are shown as NaN ('-'); the review says so itself.
        warnings.simplefilter("ignore", InsufficientDataWarning)
        levels, flow = _levels(inputs, dim), _flow(inputs, dim)
        voice = _voice_figures(inputs, dim)
    rows = []
    for k, label in enumerate(dim.labels):
        sle = _row_sle(inputs.policy, dim.name, str(label), inputs.policy_classes)
        rows.append(
            ServiceLevelRow(
                dimension=dim.name,
                group=str(label),
                **_level_cells(levels, k, sle, dim.single_sle),
                **_flow_cells(flow, k),
                delay_cost=float(cost[0][k]) if cost[1][k] else math.nan,
                delay_cost_items=int(cost[1][k]),
                **_voice_cells(voice, k),
            )
        )
    return rows


def _level_cells(
    levels: Levels, k: int, sle: ServiceLevelExpectation | None, single_sle: bool
) -> dict[str, Any]:
    rate = float(levels.attainment[k])
    fit = bool(levels.any_fit[k])  # some item of the line has thresholds
    return {
        "customer_lead_time": tuple(float(v) for v in levels.customer[k]),
        "system_lead_time": tuple(float(v) for v in levels.system[k]),
        "sle_days": None if sle is None else sle.days,
        "sle_probability": None if sle is None else sle.probability,
        "attainment": rate,
        "sle_met": None if sle is None or math.isnan(rate) else rate >= sle.probability,
        "attainment_censored": (
            float(levels.censored[k]) if single_sle and sle is not None else math.nan
        ),
        "fit": int(levels.fit[k]) if fit else None,
        "neutral": int(levels.neutral[k]) if fit else None,
        "unfit": int(levels.unfit[k]) if fit else None,
        "fit_share": float(levels.fit_share[k]) if fit else None,
    }


def _flow_cells(flow: Flow, k: int) -> dict[str, Any]:
    clusters = flow.clusters
    return {
        "delivered": int(flow.delivered[k]),
        "throughput_per_week": float(flow.throughput[k]),
        "wip": int(flow.wip[k]),
        "open_requests": int(flow.open_requests[k]),
        "at_risk": flow.at_risk[k],
        "customer_waiting_days": float(flow.waiting_days[k]),
        "throughput_trend": tuple(int(v) for v in flow.trend.counts[k]),
        "blocked_items": int(clusters.blocked_items[k]),
        "blocked_days": float(clusters.blocked_days[k]),
        "blockers": _clusters_of(clusters, k),
    }


def _voice_cells(voice: tuple[Counts, Floats] | None, k: int) -> dict[str, Any]:
    if voice is None:
        return {"feedback": None, "nps": None}
    kinds, scores = voice
    return {
        "feedback": (int(kinds[k, 0]), int(kinds[k, 1]), int(kinds[k, 2])),
        "nps": float(scores[k]),
    }


def _clusters_of(clusters: Any, k: int) -> tuple[BlockerCluster, ...]:
    """Line `k`'s blocker clusters, most blocked days first (ties by reason)."""
    blocks = clusters.blocks[k]
    order = sorted(
        np.flatnonzero(blocks > 0).tolist(),
        key=lambda r: (-clusters.days[k, r], str(clusters.reasons[r])),
    )  # a handful of reasons
    return tuple(
        BlockerCluster(
            reason=str(clusters.reasons[r]),
            blocks=int(blocks[r]),
            items=int(clusters.items[k, r]),
            days=float(clusters.days[k, r]),
            impact=float(clusters.impact[k, r]),
            likelihood=float(clusters.likelihood[k, r]),
        )
        for r in order
    )


def review_lines(
    table: WorkItemTable,
    policy: Policy,
    when: np.datetime64,
    options: Options,
    feedback: Sequence[Feedback] | None,
) -> Lines:
    """The review's lines as of `when` (without their earlier selves)."""
    inputs = _inputs(table, policy, when, options, feedback)
    dims = _dimensions(inputs)
    costs = [_cost(inputs, dim) for dim in dims]
    inputs = attrs.evolve(inputs, costs=None)  # the items' costs are summed: let them go
    rows: list[ServiceLevelRow] = []
    for dim, cost in zip(dims, costs, strict=True):  # four dimensions at most
        rows += _rows(inputs, dim, cost)
    return Lines(
        rows=rows,
        window_start=_aware(inputs.window_start),
        trend_periods=inputs.trend.starts(),
    )
