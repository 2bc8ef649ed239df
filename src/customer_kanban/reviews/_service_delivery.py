"""Service Delivery Review: is the service fit for its customers' purpose?"""

from __future__ import annotations

import datetime as _dt
import html
import math
import warnings
from collections.abc import Mapping, Sequence
from typing import Any, Literal, cast

import attrs
import numpy as np
import numpy.typing as npt

from customer_kanban import customers, metrics
from customer_kanban._core.instants import NS_PER_DAY, as_instant_array, to_datetime
from customer_kanban._core.results import Result, result
from customer_kanban._core.validation import PercentileMethod
from customer_kanban.errors import InsufficientDataWarning, ValidationError
from customer_kanban.model import (
    Feedback,
    Policy,
    SegmentServiceLevel,
    ServiceLevelExpectation,
)
from customer_kanban.reviews._text import no_negative_zero, number, text_table, with_change
from customer_kanban.table import WorkItemTable, cost_of_delay_columns

__all__ = [
    "BlockerCluster",
    "ServiceDeliveryReview",
    "ServiceLevelRow",
    "service_delivery_review",
    "sle_per_item",
]

Basis = Literal["customer", "system"]
# (name, group code per item or None for one group, group labels, SLE days per item)
_Dimension = tuple[str, "npt.NDArray[np.int32] | None", list[str], npt.NDArray[np.float64]]


@result
class BlockerCluster(Result):
    """The blocks of one reason on a line of the review (blocker clustering).

    Attributes
    ----------
    reason : str
        The blocker reason (``"(none)"`` for blocks without one).
    blocks : int
        Blocked intervals of this reason.
    items : int
        Items blocked at least once for this reason.
    days : float
        Days blocked for this reason (per item, overlapping blocks of the reason
        counted once). [days]
    impact : float
        Days per block. [days]
    likelihood : float
        Share of the line's items blocked for this reason.
    """

    reason: str
    blocks: int
    items: int
    days: float
    impact: float
    likelihood: float


@result
class ServiceLevelRow(Result):
    """One line of the review: a class of service, a customer segment, or all work.

    Attributes
    ----------
    dimension : str
        ``"all"``, ``"class_of_service"``, ``"class_of_service/segment"`` (one line per
        SLE override of the policy) or ``"segment"``.
    group : str
        The class of service, ``"class / segment"``, or segment (``"all"`` for the total).
    delivered : int
        Items delivered by ``as_of``.
    customer_lead_time, system_lead_time : tuple of float
        Lead-time percentiles of the delivered items, one per ``q`` of the review:
        from the customer's request, and from the commitment point. [days]
    sle_days, sle_probability : float or None
        The SLE the line is held to: the class's on class lines (all its items, segment
        overrides aside), the override's on (class, segment) lines; ``None`` on total
        and segment lines, where each item is held to its own SLE.
    attainment : float
        Share of delivered items with an SLE that met it (NaN when none).
    sle_met : bool or None
        Whether `attainment` reaches `sle_probability`.
    throughput_per_week : float
        Items delivered per week over the review window.
    wip : int
        Items committed and not delivered at ``as_of``.
    open_requests : int
        Items requested and not delivered at ``as_of`` (committed or not).
    at_risk : numpy.ndarray
        Ids of the open requests whose age already uses most of their SLE (see
        ``risk_fraction``), those past it included; ``len(row.at_risk)`` counts them.
    customer_waiting_days : float
        Total time customers spent waiting on this work, delivered and open. [days]
    attainment_censored : float
        Censoring-aware attainment of the line's SLE: Kaplan–Meier ``1 - S(sle_days)``
        (:func:`customer_kanban.metrics.sle_attainment` with ``observed``), the open
        requests counting with their age; NaN where the line has no single SLE (total
        and segment lines, classes without an SLE) or no item.
    fit, neutral, unfit : int or None
        Delivered items whose customer lead time is within ``fit_days``, between
        ``fit_days`` and ``unfit_days``, above ``unfit_days`` of their fitness
        thresholds (the review's ``fitness``: their class and segment's, else their
        class's); items without thresholds are not counted; ``None`` when no item of
        the line has thresholds.
    fit_share : float or None
        ``fit / (fit + neutral + unfit)``: the share of delivered items fit for purpose
        (NaN when none delivered; ``None`` when no item of the line has thresholds).
    throughput_trend : tuple of int
        Deliveries in each of the review's ``trend_weeks`` seven-day windows ending at
        ``as_of`` — ``(as_of - 7 days, as_of]``, the week before, ... — oldest first
        (:func:`customer_kanban.metrics.throughput` with ``freq="W"``, the instants
        shifted so that its weeks end at ``as_of``).
    blocked_items : int
        Items of the line blocked at some time by ``as_of``.
    blocked_days : float
        Days the line's items spent blocked by ``as_of`` (per item, overlapping
        blocks counted once). [days]
    blockers : tuple of BlockerCluster
        The line's blocks clustered by reason, most blocked days first.
    delay_cost : float
        Delay cost incurred by ``as_of`` by the line's items whose class has a cost of
        delay (:func:`customer_kanban.metrics.delay_cost`; open items up to ``as_of``);
        NaN when no item of the line has one. [money]
    delay_cost_items : int
        Items counted in `delay_cost`.
    feedback : tuple of int or None
        Customer feedback about the line's items given by ``as_of``: (confirmation,
        improvement, negative); on the total line, feedback about no item of the
        table counts too. ``None`` when the review was given no feedback.
    nps : float or None
        Net Promoter Score of the scores of that feedback (NaN without scores;
        ``None`` when the review was given no feedback).
    earlier : ServiceLevelRow or None
        With the review's ``previous``: the same line as of ``as_of - previous`` days
        (every figure, to compare with); ``None`` without ``previous`` or when the line
        did not exist then.
    """

    dimension: str
    group: str
    delivered: int
    customer_lead_time: tuple[float, ...]
    system_lead_time: tuple[float, ...]
    sle_days: float | None
    sle_probability: float | None
    attainment: float
    sle_met: bool | None
    throughput_per_week: float
    wip: int
    open_requests: int
    at_risk: npt.NDArray[Any]
    customer_waiting_days: float
    attainment_censored: float = math.nan
    fit: int | None = None
    neutral: int | None = None
    unfit: int | None = None
    fit_share: float | None = None
    throughput_trend: tuple[int, ...] = ()
    blocked_items: int = 0
    blocked_days: float = 0.0
    blockers: tuple[BlockerCluster, ...] = ()
    delay_cost: float = math.nan
    delay_cost_items: int = 0
    feedback: tuple[int, int, int] | None = None
    nps: float | None = None
    earlier: ServiceLevelRow | None = None

    def change(self, name: str) -> float:
        """The change of the number `name` since the earlier review (NaN without one).

        `name` is a numeric field (``delivered``, ``attainment``, ``delay_cost``, ...);
        for the tuples (lead-time percentiles, trend, feedback) compare `earlier`.

        Examples
        --------
        >>> from customer_kanban.datasets import DEMO_AS_OF, load_incidents
        >>> table, policy = load_incidents()
        >>> review = service_delivery_review(table, policy, as_of=DEMO_AS_OF, previous=1)
        >>> total = review.row("all", "all")
        >>> total.change("delivered") == total.delivered - total.earlier.delivered
        True
        """
        value = getattr(self, name)
        if not (value is None or isinstance(value, (int, float, np.number))):
            raise TypeError(
                f"change() compares a number; `{name}` is a {type(value).__name__} "
                "(compare `row.earlier` directly)"
            )
        if self.earlier is None:
            return math.nan
        before = getattr(self.earlier, name)
        if value is None or before is None:
            return math.nan
        return float(value) - float(before)


@result
class ServiceDeliveryReview(Result):
    """The Service Delivery Review: service levels seen from the customer's side.

    Attributes
    ----------
    as_of : datetime
        The instant of the review (UTC); the table is seen as it was known then.
    q : tuple of float
        Percentiles of the lead-time columns.
    basis : str
        Which lead time the SLEs apply to: ``"customer"`` (request -> delivery)
        or ``"system"`` (commitment -> delivery).
    risk_fraction : float
        An open request is at risk once its age reaches this share of its SLE.
    window_start : datetime
        Start of the throughput window (the window ends at `as_of`).
    rows : tuple of ServiceLevelRow
        The total line, then one line per class of service, then per segment.
    previous : float or None
        Days back of the comparison (the ``earlier`` lines of the rows), if any.
    fitness : dict or None
        Fitness thresholds per class of service or ``"class / segment"``:
        name -> (fit_days, unfit_days).
    trend_periods : tuple of datetime
        Start (excluded) of each seven-day window of the rows' ``throughput_trend``:
        ``as_of - 7 * trend_weeks`` days, ..., ``as_of - 7`` days.
    """

    as_of: _dt.datetime
    q: tuple[float, ...]
    basis: str
    risk_fraction: float
    window_start: _dt.datetime
    rows: tuple[ServiceLevelRow, ...]
    previous: float | None = None
    fitness: dict[str, tuple[float, float]] | None = None
    trend_periods: tuple[_dt.datetime, ...] = ()

    def row(self, group: str, dimension: str = "class_of_service") -> ServiceLevelRow:
        """The line of `group` in `dimension` (KeyError if absent)."""
        for r in self.rows:
            if r.group == group and r.dimension == dimension:
                return r
        raise KeyError(f"no {dimension} line {group!r}")

    def render(self) -> str:
        """The review as a readable text table."""
        return _render(self)

    def __str__(self) -> str:
        return self.render()

    def _repr_html_(self) -> str:
        """Notebook display: the text table, preformatted."""
        return f"<pre>{html.escape(self.render())}</pre>"


def _until(values: npt.NDArray[np.datetime64], when: np.datetime64) -> npt.NDArray[np.datetime64]:
    """`values` with instants after `when` replaced by NaT (not yet happened)."""
    later = values > when
    if not later.any():
        return values
    out: npt.NDArray[np.datetime64] = values.copy()
    out[later] = np.datetime64("NaT", "ns")
    return out


def _as_of_instant(as_of: object) -> np.datetime64:
    arr = as_instant_array(as_of, name="as_of")
    if arr.size != 1 or np.isnat(arr[0]):
        raise ValidationError("`as_of` must be one instant")
    value: np.datetime64 = arr[0]
    return value


def sle_per_item(
    table: WorkItemTable, policy: Policy
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Each item's SLE from the policy: its class's, or its (class, segment) override.

    Parameters
    ----------
    table : WorkItemTable
    policy : Policy

    Returns
    -------
    days, probability : numpy.ndarray of float64
        One per item; NaN where the item's class of service has no SLE (or no class).

    Examples
    --------
    >>> from customer_kanban.datasets import load_incidents
    >>> table, policy = load_incidents()
    >>> days, probability = sle_per_item(table, policy)
    >>> sorted(set(days.tolist()))
    [1.0, 3.0, 7.0, 14.0]
    """
    everything = np.ones(len(table), dtype=bool)
    cos = _group_codes(table, "class_of_service", everything)
    seg = _group_codes(table, "segment", everything)
    return _item_sle(policy, cos, seg)


Grouping = tuple[npt.NDArray[np.int32], list[str]]  # (code per item, -1 = none; labels)


def _item_sle(
    policy: Policy, cos: Grouping, seg: Grouping
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Per-item SLE days and probability (NaN without an SLE), segment overrides applied."""
    days_by_label, prob_by_label = _class_sle(policy, cos[1])
    days = days_by_label[cos[0]]
    prob = prob_by_label[cos[0]]
    for s, mask in _override_masks(policy, cos, seg):  # a handful of overrides
        days[mask], prob[mask] = s.sle.days, s.sle.probability
    return days, prob


def _override_masks(
    policy: Policy, cos: Grouping, seg: Grouping
) -> list[tuple[SegmentServiceLevel, npt.NDArray[np.bool_]]]:
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


def _class_sle(
    policy: Policy, labels: Sequence[str]
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
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


def _group_codes(
    table: WorkItemTable, field: str, seen: npt.NDArray[np.bool_], first: Sequence[str] = ()
) -> Grouping:
    """Codes of `field` for the `seen` items, over labels `first` (in that order) then the
    table's other labels that occur among them."""
    codes, table_labels = table.codes(field)
    codes = codes[seen]
    present = np.bincount(codes + 1, minlength=len(table_labels) + 1)[1:] > 0
    labels = list(first) + [
        str(x) for x, p in zip(table_labels, present, strict=True) if p and str(x) not in first
    ]
    remap = np.array(
        [labels.index(str(x)) if str(x) in labels else -1 for x in table_labels] + [-1],
        dtype=np.int32,
    )
    return remap[codes], labels  # code -1 picks the trailing -1


def service_delivery_review(
    table: WorkItemTable,
    policy: Policy,
    *,
    as_of: object,
    q: Sequence[float] = (50, 85, 95),
    basis: Basis = "customer",
    risk_fraction: float = 0.8,
    window_days: float | None = None,
    method: str = "linear",
    previous: float | None = None,
    fitness: Mapping[str, tuple[float, float]] | None = None,
    trend_weeks: int = 4,
    feedback: Sequence[Feedback] | None = None,
) -> ServiceDeliveryReview:
    """Service Delivery Review per class of service and customer segment.

    For all work, each class of service of the policy (and of the table), each
    (class, segment) pair and each customer segment when the table has segments:
    items delivered, customer and system lead-time percentiles, the SLE and its
    attainment (also censoring-aware), fitness for purpose, throughput per week
    and its weekly trend, WIP, open requests and those at risk of missing their
    SLE, the time customers waited, blocked time with its reasons clustered, the
    delay cost incurred and, where given, the customers' feedback; with
    ``previous``, each line beside its figures of an earlier review.

    Each figure is a metric function of :mod:`customer_kanban.metrics` applied to
    the table as known at `as_of`; the review computes nothing else.

    Parameters
    ----------
    table : WorkItemTable
    policy : Policy
        Classes of service with their SLEs and costs of delay, and per-segment SLEs.
    as_of : datetime-like
        Instant of the review.  The table is seen as it was known then
        (:meth:`WorkItemTable.as_of`): later requests are left out, later
        commitments, deliveries and blocks are not yet made.
    q : sequence of float, optional
        Lead-time percentiles, default 50, 85, 95.
    basis : {"customer", "system"}, optional
        Lead time the SLEs apply to and age is measured on: from the customer's
        request (default) or from the commitment point.
    risk_fraction : float, optional
        An open request is at risk once its age reaches this share of its SLE
        (default 0.8); those already past it count too.
    window_days : float, optional
        Throughput window ending at `as_of`; default from the first request.
    method : str, optional
        Percentile method (numpy's names), default ``"linear"``.
    previous : float, optional
        Compare with the review as of ``as_of - previous`` days (same options): each
        line gains ``earlier``, the same line then, and the text shows the changes.
    fitness : mapping of str to (float, float), optional
        Fitness-for-purpose thresholds — the customer's expectation — per class of
        service, or per class and customer segment with the key ``"class / segment"``:
        ``{name: (fit_days, unfit_days)}``, ``0 < fit_days <= unfit_days``. A delivered
        item is fit when its customer lead time is within ``fit_days``, unfit above
        ``unfit_days``, neutral between. Each item is judged by its own thresholds (its
        class and segment's where given, else its class's) on every line; a line
        none of whose items has thresholds shows none. Names that are no class (or
        pair) of the table are ignored.
    trend_weeks : int, optional
        Seven-day windows of the throughput trend, ending at `as_of`; default 4.
    feedback : sequence of Feedback, optional
        Customers' feedback; a piece about an item (``item``) counts on that item's
        lines, any other on the total line only.  Feedback given after `as_of` is
        left out.

    Returns
    -------
    ServiceDeliveryReview

    Raises
    ------
    customer_kanban.errors.ValidationError
        If an option is out of range (the message names it).

    Examples
    --------
    >>> from customer_kanban.datasets import DEMO_AS_OF, load_incidents
    >>> table, policy = load_incidents()
    >>> review = service_delivery_review(table, policy, as_of=DEMO_AS_OF)
    >>> total = review.row("all", "all")
    >>> total.delivered + total.open_requests == len(table.as_of(DEMO_AS_OF))
    True
    >>> len(total.throughput_trend), total.blockers[0].reason
    (4, 'Awaiting User Info')
    """
    if basis not in ("customer", "system"):
        raise ValidationError(f"`basis` must be 'customer' or 'system', got {basis!r}")
    if not 0 < risk_fraction <= 1:
        raise ValidationError(f"`risk_fraction` must lie in (0, 1], got {risk_fraction}")
    if isinstance(trend_weeks, bool) or not isinstance(trend_weeks, (int, np.integer)):
        raise ValidationError(f"`trend_weeks` must be a whole number >= 1, got {trend_weeks!r}")
    if trend_weeks < 1:
        raise ValidationError(f"`trend_weeks` must be a whole number >= 1, got {trend_weeks!r}")
    when = _as_of_instant(as_of)
    thresholds = _fitness_iv(fitness)
    if previous is not None:
        if isinstance(previous, bool) or not (
            isinstance(previous, (int, float, np.number)) and 0 < previous < math.inf
        ):
            raise ValidationError(f"`previous` must be a number of days > 0, got {previous!r}")
        previous = float(previous)
    fb = None if feedback is None else _feedback_iv(feedback, when)
    # The table as known at `when`: later requests left out, later instants not yet.
    seen = table["requested_at"] <= when
    req = table["requested_at"][seen]
    com, dlv = (_until(table[name][seen], when) for name in ("committed_at", "delivered_at"))
    n_seen = int(req.size)
    customer_lt = metrics.lead_time(req, dlv)
    system_lt = metrics.lead_time(com, dlv)
    basis_lt = customer_lt if basis == "customer" else system_lt
    start = req if basis == "customer" else com
    open_request = np.isnat(dlv)
    in_wip = ~np.isnat(com) & open_request
    age = metrics.work_item_age(start, dlv, as_of=when)

    if window_days is None:
        window_start = req.min() if n_seen else when
    else:
        if not window_days > 0:
            raise ValidationError(f"`window_days` must be > 0, got {window_days}")
        window_start = when - np.timedelta64(int(window_days * NS_PER_DAY), "ns")
    weeks = max(float((when - window_start) / np.timedelta64(1, "D")) / 7.0, 1.0 / 7.0)
    delivered_in_window = (dlv >= window_start) & (dlv <= when)
    # The trend's weeks end at `when`: shift the instants so that metrics.throughput's
    # calendar weeks [Monday, next Monday) are the windows (when - 7 days, when].
    day = when.astype("datetime64[D]")
    monday = day - np.timedelta64((int(day.astype(np.int64)) + 3) % 7, "D")  # 1970-01-01: Thu
    boundary = monday.astype("datetime64[ns]")
    if boundary < when:
        boundary += np.timedelta64(7, "D")
    shift = boundary - when - np.timedelta64(1, "ns")
    trend_start = boundary - np.timedelta64(7 * int(trend_weeks), "D")
    trend_stop = boundary - np.timedelta64(1, "ns")

    policy_classes = [c.name for c in policy.classes_of_service]
    cos = _group_codes(table, "class_of_service", seen, policy_classes)
    seg = _group_codes(table, "segment", seen)
    cos_codes, cos_labels = cos
    # Each item's own SLE (segment overrides applied) for the total, pair and segment
    # lines; the class's SLE for the class lines.
    own_days, _ = _item_sle(policy, cos, seg)
    class_days = _class_sle(policy, cos_labels)[0][cos_codes]
    ids = table["id"][seen]
    # Censoring-aware durations: the lead time of delivered items, the age of open ones.
    lead_or_age = np.where(open_request, age, basis_lt)
    delivered_mask = ~open_request
    # Fitness thresholds of each item's class (NaN without thresholds).
    fit_lo_by_label = np.full(len(cos_labels) + 1, np.nan)
    fit_hi_by_label = np.full(len(cos_labels) + 1, np.nan)
    for k, name in enumerate(cos_labels):  # a handful of classes
        if thresholds is not None and name in thresholds:
            fit_lo_by_label[k], fit_hi_by_label[k] = thresholds[name]
    fit_lo, fit_hi = fit_lo_by_label[cos_codes], fit_hi_by_label[cos_codes]
    # "class / segment" keys: that segment's own expectation within the class.
    for key, (lo, hi) in (thresholds or {}).items():  # a handful of thresholds
        cls_name, sep, seg_name = key.partition(" / ")
        if sep and cls_name in cos_labels and seg_name in seg[1]:
            mine = (cos_codes == cos_labels.index(cls_name)) & (seg[0] == seg[1].index(seg_name))
            fit_lo[mine], fit_hi[mine] = lo, hi
    has_fit = ~np.isnan(fit_lo)
    fit_lt = np.where(has_fit, customer_lt, np.nan)  # NaN: open, or no thresholds
    blocks = _blocks(table, seen, when)
    cod = cost_of_delay_columns(table, policy)
    costed = cod.known[seen]  # among the seen items
    pick = seen & cod.known  # among the table's items
    cod_urgency, cod_rate, cod_due = cod.urgency[pick], cod.rate[pick], cod.due[pick]
    cod_step, cod_horizon, cod_growth = cod.step[pick], cod.horizon[pick], cod.growth[pick]
    req_costed, dlv_costed = req[costed], dlv[costed]
    # Feedback: the seen item it is about (-1: none of them).
    fb_item = None if fb is None else _positions(ids, fb[0])

    dimensions: list[_Dimension] = [("all", None, ["all"], own_days)]
    dimensions.append(("class_of_service", cos_codes, cos_labels, class_days))
    if seg[1] or policy.segment_sles:
        pair_codes, pair_labels = _pair_codes(policy, cos, seg)
        if pair_labels:
            dimensions.append(("class_of_service/segment", pair_codes, pair_labels, own_days))
    if seg[1]:
        dimensions.append(("segment", seg[0], seg[1], own_days))

    rows: list[ServiceLevelRow] = []
    qs = tuple(float(x) for x in q)
    trend_periods: tuple[_dt.datetime, ...] = ()
    for dimension, codes, labels, sle_days in dimensions:  # four dimensions at most
        by: Any = None if codes is None else (codes, np.asarray(labels, dtype=object))
        g = len(labels)
        idx = np.zeros(n_seen, np.int32) if codes is None else codes
        valid = idx >= 0
        shifted = idx + 1  # code -1 (no group) lands in bin 0, dropped below

        def count(
            mask: npt.NDArray[np.bool_],
            shifted: npt.NDArray[np.int32] = shifted,
            g: int = g,
            single: bool = codes is None,
        ) -> npt.NDArray[np.int64]:
            if single:
                return np.array([np.count_nonzero(mask)], dtype=np.int64)
            return np.bincount(shifted[mask], minlength=g + 1)[1:]

        has_sle = ~np.isnan(sle_days)
        single_sle = dimension in ("class_of_service", "class_of_service/segment")
        judged = np.where(has_sle, basis_lt, np.nan)
        days = np.where(has_sle, sle_days, 1.0)  # 1.0 is never read: judged is NaN there
        risky = open_request & metrics.at_risk(
            np.where(has_sle, age, np.nan), days, fraction=risk_fraction
        )
        with warnings.catch_warnings():
            # Empty groups are shown as NaN ('-'); the review says so itself.
            warnings.simplefilter("ignore", InsufficientDataWarning)
            pm = cast("PercentileMethod", method)
            c_pct = metrics.percentiles(customer_lt, qs, by=by, method=pm).values
            s_pct = metrics.percentiles(system_lt, qs, by=by, method=pm).values
            attain = metrics.sle_attainment(judged, days, by=by)
            waiting = metrics.customer_waiting_time(req, dlv, as_of=when, by=by)
            # One SLE per line (class, pair): censoring-aware attainment of it.
            censored = (
                metrics.sle_attainment(
                    np.where(has_sle, lead_or_age, np.nan), days, by=by, observed=delivered_mask
                ).attainment
                if single_sle
                else np.full(g, np.nan)
            )
            fit_share = metrics.sle_attainment(
                fit_lt, np.where(has_fit, fit_lo, 1.0), by=by
            ).attainment
            trend = metrics.throughput(
                dlv + shift, freq="W", since=trend_start, until=trend_stop, by=by
            )
            clusters = metrics.blocker_clusters(
                blocks.item,
                blocks.start,
                blocks.end,
                blocks.reason,
                reason_labels=blocks.reason_labels,
                n_items=n_seen,
                as_of=when,
                by=by,
            )
            cost = metrics.delay_cost(
                cod_urgency,
                req_costed,
                dlv_costed,
                as_of=when,
                rate=cod_rate,
                due=cod_due,
                step=cod_step,
                horizon=cod_horizon,
                growth=cod_growth,
                by=None if codes is None else (codes[costed], by[1]),
            )
            if fb is not None and fb_item is not None:
                on_line = np.full(fb_item.size, -1, dtype=np.int32)
                on_line[fb_item >= 0] = idx[fb_item[fb_item >= 0]]
                if codes is None:
                    on_line = np.zeros(fb_item.size, np.int32)  # the total counts all
                fb_by = (on_line, np.asarray(labels, dtype=object))
                kinds = customers.feedback_summary(fb[1], by=fb_by).counts
                scores = customers.nps(fb[2], by=fb_by).value
        # The same windows for every dimension; their starts, shifted back.
        trend_periods = tuple(_stamp(p - shift - np.timedelta64(1, "ns")) for p in trend.periods)
        is_fit = delivered_mask & has_fit & (customer_lt <= fit_lo)
        is_unfit = delivered_mask & has_fit & (customer_lt > fit_hi)
        fit_n, unfit_n = count(is_fit), count(is_unfit)
        neutral_n = count(delivered_mask & has_fit) - fit_n - unfit_n
        any_fit = count(has_fit) > 0
        delivered = count(~open_request)
        thr = count(delivered_in_window) / weeks
        wip_n, open_n = count(in_wip), count(open_request)
        # The at-risk ids, grouped by one stable sort per dimension.
        risky_rows = np.flatnonzero(risky & valid)
        by_group = np.argsort(idx[risky_rows], kind="stable")
        risky_ids = ids[risky_rows[by_group]]
        bounds = np.searchsorted(idx[risky_rows[by_group]], np.arange(g + 1))
        for k, label in enumerate(labels):
            sle = _row_sle(policy, dimension, str(label), policy_classes)
            rate = float(attain.attainment[k])
            row_fit = bool(any_fit[k])  # some item of the line has thresholds
            rows.append(
                ServiceLevelRow(
                    dimension=dimension,
                    group=str(label),
                    delivered=int(delivered[k]),
                    customer_lead_time=tuple(float(v) for v in c_pct[k]),
                    system_lead_time=tuple(float(v) for v in s_pct[k]),
                    sle_days=None if sle is None else sle.days,
                    sle_probability=None if sle is None else sle.probability,
                    attainment=rate,
                    sle_met=None if sle is None or math.isnan(rate) else rate >= sle.probability,
                    throughput_per_week=float(thr[k]),
                    wip=int(wip_n[k]),
                    open_requests=int(open_n[k]),
                    at_risk=risky_ids[bounds[k] : bounds[k + 1]],
                    customer_waiting_days=float(waiting.total_days[k]),
                    attainment_censored=(
                        float(censored[k]) if single_sle and sle is not None else math.nan
                    ),
                    fit=int(fit_n[k]) if row_fit else None,
                    neutral=int(neutral_n[k]) if row_fit else None,
                    unfit=int(unfit_n[k]) if row_fit else None,
                    fit_share=float(fit_share[k]) if row_fit else None,
                    throughput_trend=tuple(int(v) for v in trend.counts[k]),
                    blocked_items=int(clusters.blocked_items[k]),
                    blocked_days=float(clusters.blocked_days[k]),
                    blockers=_clusters_of(clusters, k),
                    delay_cost=float(cost.total[k]) if cost.items[k] else math.nan,
                    delay_cost_items=int(cost.items[k]),
                    feedback=None
                    if fb is None
                    else (int(kinds[k, 0]), int(kinds[k, 1]), int(kinds[k, 2])),
                    nps=None if fb is None else float(scores[k]),
                )
            )
    if previous is not None:
        before = service_delivery_review(
            table,
            policy,
            as_of=when - np.timedelta64(round(previous * NS_PER_DAY), "ns"),
            q=qs,
            basis=basis,
            risk_fraction=risk_fraction,
            window_days=window_days,
            method=method,
            fitness=fitness,
            trend_weeks=trend_weeks,
            feedback=feedback,
        )
        old = {(r.dimension, r.group): r for r in before.rows}
        rows = [attrs.evolve(cast("Any", r), earlier=old.get((r.dimension, r.group))) for r in rows]
    return ServiceDeliveryReview(
        as_of=_stamp(when),
        q=qs,
        basis=basis,
        risk_fraction=float(risk_fraction),
        window_start=_stamp(window_start),
        rows=tuple(rows),
        previous=previous,
        fitness=thresholds,
        trend_periods=trend_periods,
    )


def _stamp(value: object) -> _dt.datetime:
    """One instant as an aware datetime (UTC)."""
    out = to_datetime(as_instant_array(value, name="instant")[0])
    assert out is not None
    return out


def _blocks(table: WorkItemTable, seen: npt.NDArray[np.bool_], when: np.datetime64) -> Any:
    """The table's blocked intervals begun by `when`, on the seen items (renumbered)."""
    b = table.blocked
    position = np.cumsum(seen) - 1  # row in the seen items
    keep = seen[b.item] & (b.start <= when)
    end = _until(b.end[keep], when)
    return attrs.evolve(
        b, item=position[b.item[keep]], start=b.start[keep], end=end, reason=b.reason[keep]
    )


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


def _feedback_iv(
    feedback: Sequence[Feedback], when: np.datetime64
) -> tuple[npt.NDArray[Any], npt.NDArray[Any], npt.NDArray[np.float64]]:
    """Item ids (None: about no item), kinds and scores of the feedback given by `when`.

    Feedback values are Python objects: turning them into columns takes one pass over
    them, as building a table from items does.
    """
    if isinstance(feedback, (str, bytes, Feedback)) or not isinstance(feedback, Sequence):
        raise ValidationError(
            f"`feedback` must be a sequence of Feedback values, got {type(feedback).__name__}"
        )
    bad = [i for i, f in enumerate(feedback) if not isinstance(f, Feedback)]
    if bad:
        raise ValidationError(f"`feedback` must hold Feedback values; rows {bad[:5]} do not")
    stamps = np.array([f.at.replace(tzinfo=None) for f in feedback], dtype="datetime64[ns]")
    keep = stamps <= when
    items = np.array([f.item for f in feedback], dtype=object)[keep]
    kinds = np.array([f.kind.value for f in feedback], dtype=object)[keep]
    scores = np.array([math.nan if f.score is None else f.score for f in feedback], np.float64)
    return items, kinds, scores[keep]


def _positions(ids: npt.NDArray[Any], wanted: npt.NDArray[Any]) -> npt.NDArray[np.int64]:
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


def _fitness_iv(
    fitness: Mapping[str, tuple[float, float]] | None,
) -> dict[str, tuple[float, float]] | None:
    """Validate the fitness thresholds: name -> (fit_days, unfit_days), 0 < fit <= unfit."""
    if fitness is None:
        return None
    if not isinstance(fitness, Mapping):
        raise ValidationError(
            "`fitness` must map class names to (fit_days, unfit_days), "
            f"got {type(fitness).__name__}"
        )
    out: dict[str, tuple[float, float]] = {}
    for name, pair in fitness.items():
        try:
            lo, hi = (float(x) for x in pair)
        except (TypeError, ValueError) as exc:
            raise ValidationError(
                f"`fitness[{name!r}]` must be (fit_days, unfit_days), got {pair!r}"
            ) from exc
        if not 0 < lo <= hi < math.inf:
            raise ValidationError(
                f"`fitness[{name!r}]` must satisfy 0 < fit_days <= unfit_days, got {pair!r}"
            )
        out[str(name)] = (lo, hi)
    return out


_TITLES = {
    "all": "All work",
    "class_of_service": "Class of service",
    "class_of_service/segment": "Class of service / customer segment",
    "segment": "Customer segment",
}


def _sections(review: ServiceDeliveryReview, columns: list[str], cells: Any) -> list[str]:
    """One text table over every row, a title line per dimension."""
    body: list[list[str]] = []
    current = None
    for r in review.rows:
        if r.dimension != current:
            current = r.dimension
            body.append([_TITLES.get(r.dimension, r.dimension)] + [""] * (len(columns) - 1))
        name = "  " + r.group
        if review.previous is not None and r.earlier is None:
            name += " (new)"
        body.append([name, *cells(r, r.earlier)])
    return text_table(columns, body)


def _render(review: ServiceDeliveryReview) -> str:
    qs = "/".join(f"p{q:g}" for q in review.q)
    head = [
        f"Service Delivery Review as of {review.as_of:%Y-%m-%d %H:%M} UTC",
        f"Customer lead time: request -> delivery; system lead time: commitment -> delivery "
        f"(days, {qs}).",
        f"SLEs apply to the {review.basis} lead time; at risk = open requests aged >= "
        f"{review.risk_fraction:.0%} of their SLE; "
        f"throughput since {review.window_start:%Y-%m-%d}.",
        "attained (KM) counts open requests with their age (Kaplan-Meier).",
    ]
    if review.previous is not None:
        head.append(
            f"(+n): change since {review.previous:g} days earlier "
            "(attainment and shares in percentage points); (new): no such line then."
        )
    if review.fitness is not None:
        head.append(
            "fit/neutral/unfit: delivered items within fit_days / between / above unfit_days "
            "of their fitness thresholds (class / segment, else class)."
        )
    head.append("")
    fitness = review.fitness is not None

    def levels(r: ServiceLevelRow, e: ServiceLevelRow | None) -> list[str]:
        sle = "-" if r.sle_days is None else f"{r.sle_probability:.0%} <= {r.sle_days:g}d"
        cells = [
            with_change(r.delivered, None if e is None else e.delivered, "{:.0f}"),
            _percentiles(r.customer_lead_time, None if e is None else e.customer_lead_time),
            _percentiles(r.system_lead_time, None if e is None else e.system_lead_time),
            sle,
            with_change(r.attainment, None if e is None else e.attainment, "{:.0%}", 100.0),
            with_change(
                r.attainment_censored,
                None if e is None else e.attainment_censored,
                "{:.0%}",
                100.0,
            ),
            {True: "yes", False: "NO", None: "-"}[r.sle_met],
        ]
        if fitness:
            cells += [
                "-" if r.fit is None else f"{r.fit}/{r.neutral}/{r.unfit}",
                with_change(r.fit_share, None if e is None else e.fit_share, "{:.0%}", 100.0),
            ]
        return cells

    level_columns = [
        "Service levels",
        "delivered",
        f"customer LT {qs}",
        f"system LT {qs}",
        "SLE",
        "attained",
        "attained (KM)",
        "met",
    ]
    if fitness:
        level_columns += ["fit/neutral/unfit", "fit share"]
    voice = any(r.feedback is not None for r in review.rows)

    def flow(r: ServiceLevelRow, e: ServiceLevelRow | None) -> list[str]:
        top = r.blockers[0] if r.blockers else None
        cells = [
            with_change(
                r.throughput_per_week,
                None if e is None else e.throughput_per_week,
                "{:.1f}",
                step="{:+.1f}",
            ),
            " ".join(str(v) for v in r.throughput_trend),
            with_change(r.wip, None if e is None else e.wip, "{:.0f}"),
            with_change(r.open_requests, None if e is None else e.open_requests, "{:.0f}"),
            with_change(len(r.at_risk), None if e is None else len(e.at_risk), "{:.0f}"),
            with_change(
                r.customer_waiting_days, None if e is None else e.customer_waiting_days, "{:.0f}"
            ),
            with_change(r.blocked_days, None if e is None else e.blocked_days, "{:.0f}"),
            "-" if top is None else f"{top.reason} ({top.days:.0f}d/{top.blocks})",
            with_change(
                r.delay_cost, None if e is None else e.delay_cost, "{:,.0f}", step="{:+,.0f}"
            ),
        ]
        if voice:
            fb = r.feedback
            cells += [
                "-" if fb is None else "/".join(str(k) for k in fb),
                with_change(r.nps, None if e is None else e.nps, "{:.0f}"),
            ]
        return cells

    flow_columns = [
        "Flow, cost and voice",
        "thru/wk",
        f"per 7 days to {review.as_of:%m-%d}",
        "WIP",
        "open",
        "at risk",
        "waited (d)",
        "blocked (d)",
        "top blocker (days/blocks)",
        "delay cost",
    ]
    if voice:
        flow_columns += ["feedback +/~/-", "NPS"]
    return "\n".join(
        head
        + _sections(review, level_columns, levels)
        + [""]
        + _sections(review, flow_columns, flow)
    )


def _percentiles(now: tuple[float, ...], before: tuple[float, ...] | None) -> str:
    """Lead-time percentiles "a / b / c", with their changes "(+x/+y/+z)" when known."""
    text = " / ".join(number(v) for v in now)
    if before is None or len(before) != len(now):
        return text
    if all(math.isnan(v) for v in before) or all(math.isnan(v) for v in now):
        return text
    changes = "/".join(
        "?" if math.isnan(a) or math.isnan(b) else f"{no_negative_zero(a - b, '{:+.1f}'):+.1f}"
        for a, b in zip(now, before, strict=True)
    )
    return f"{text} ({changes})"
