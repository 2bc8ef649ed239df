"""FlowSummary: the flow of a service as bounded, mergeable counts.

A summary holds, per group, integer counts (items, deliveries per day, arrivals per
state and day, histograms of lead times and ages at a declared resolution) and three
float sums (customer waiting, blocked time, delay cost). Its size is groups × days ×
states plus the distinct histogram bins, never the number of items; two summaries of
disjoint sets of items merge into the summary of their union.
"""

from __future__ import annotations

import datetime as _dt
import warnings
from collections.abc import Iterable, Sequence
from typing import Any, Literal, cast

import attrs
import numpy as np
import numpy.typing as npt

from customer_kanban import metrics
from customer_kanban._core.instants import NS_PER_DAY, to_datetime
from customer_kanban._core.results import Result, result
from customer_kanban._core.validation import (
    as_instant_scalar,
    as_number,
    as_percentiles,
    check_choice,
)
from customer_kanban.errors import InsufficientDataWarning, ValidationError
from customer_kanban.model import Policy
from customer_kanban.summaries._bins import bin_of, reduce_rows
from customer_kanban.table import WorkItemTable, cost_of_delay_columns

__all__ = [
    "BY_FIELDS",
    "RESOLUTIONS",
    "BinCounts",
    "FlowSummary",
    "flow_summary",
    "merge_summaries",
]

Resolution = Literal["1min", "1h", "1D"]
Basis = Literal["customer", "system"]
#: The time resolutions a summary can be built at, and their length in nanoseconds.
RESOLUTIONS: dict[str, int] = {"1min": 60 * 10**9, "1h": 3600 * 10**9, "1D": NS_PER_DAY}
#: The fields a summary can be grouped by (None: one group, ``"all"``).
BY_FIELDS = ("class_of_service", "segment", "customer", "work_type")
_BASES = ("customer", "system")
_METHODS = ("linear", "inverted_cdf")
_NAT = np.datetime64("NaT", "ns")
Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]


@result
class BinCounts(Result):
    """A sparse histogram per group: rows ``(group, bin, count)`` sorted by group and bin.

    A duration ``t`` is counted in bin ``ceil(t / resolution)``: ``bin × resolution``
    is the duration rounded up to the resolution. Bins without items have no row.

    Attributes
    ----------
    group : numpy.ndarray of int64
        Position of the group in the summary's ``groups``.
    bin : numpy.ndarray of int64
        The bin (durations rounded up, in units of the resolution).
    count : numpy.ndarray of int64
        Items in the bin (> 0).
    """

    group: Ints
    bin: Ints
    count: Ints

    @classmethod
    def of(cls, group: Ints, bins: Ints, count: Ints) -> BinCounts:
        """The histogram of rows that may repeat a ``(group, bin)``: summed and sorted."""
        g, b, c = reduce_rows(group, bins, count)
        return cls(group=g, bin=b, count=c)

    def remapped(self, new_group: Ints) -> BinCounts:
        """The same counts with group ``k`` renamed ``new_group[k]`` (re-sorted, summed)."""
        return BinCounts.of(new_group[self.group], self.bin, self.count)

    def total(self, n_groups: int) -> Ints:
        """Items per group."""
        return np.bincount(self.group, weights=self.count, minlength=n_groups).astype(np.int64)


def _join(parts: Sequence[BinCounts], maps: Sequence[Ints]) -> BinCounts:
    return BinCounts.of(
        np.concatenate([m[p.group] for p, m in zip(parts, maps, strict=True)]),
        np.concatenate([p.bin for p in parts]),
        np.concatenate([p.count for p in parts]),
    )


@result
class FlowSummary(Result):
    """The flow of a service as of an instant, per group, in bounded mergeable counts.

    Build one with :func:`flow_summary` (or :meth:`from_table`), combine summaries of
    disjoint sets of items with :meth:`merge`. Counts, deliveries per day, WIP and the
    cumulative flow are exact; lead-time percentiles, SLE attainment and Kaplan–Meier
    are computed from durations rounded up to `resolution` (see
    :meth:`percentiles`, :meth:`sle_attainment`).

    Attributes
    ----------
    as_of : datetime.datetime
        The instant the items are seen at (UTC).
    resolution : str
        ``"1min"``, ``"1h"`` or ``"1D"``: the width of a histogram bin.
    by : str or None
        The field grouped by (None: one group, ``"all"``).
    groups : numpy.ndarray of str, shape (G,)
        Sorted labels of the groups that have items; items without a label are left out.
    states : numpy.ndarray of str, shape (S,)
        The workflow states, in order.
    periods : numpy.ndarray of datetime64[D], shape (D,)
        Every UTC day from the first event of any item to the day of `as_of`.
    requested, delivered, wip, open_requests : numpy.ndarray of int64, shape (G,)
        Items requested by `as_of`; delivered; committed and not delivered; not delivered.
    first_requested : numpy.ndarray of datetime64[ns], shape (G,)
        The group's first request.
    deliveries, commitments, departures : numpy.ndarray of int64, shape (G, D)
        Items delivered, committed, and delivered after a commitment, on each day.
    arrivals : numpy.ndarray of int64, shape (G, D, S)
        Items arriving in each state on each day: an item arrives in a state at its
        first entry into it or into any later state (as
        :func:`customer_kanban.metrics.cumulative_flow` counts), so the departures
        from a state are the arrivals in the next one.
    customer_lead, system_lead : BinCounts
        Lead times of delivered items from request, and from commitment (committed ones).
    customer_age, system_age : BinCounts
        Ages at `as_of` of open requests from request, and of WIP from commitment.
    delivery_times : BinCounts
        Delivery instants, in bins ``ceil((instant - 1970-01-01) / resolution)``: the
        deliveries in a window ``(lo, hi]`` whose ends are multiples of the resolution
        are exactly the bins in ``(lo, hi]``.
    waiting_days : numpy.ndarray of float64, shape (G,)
        Total time customers waited, delivered and open items. [days]
    blocked_items : numpy.ndarray of int64, shape (G,)
        Items with a blocked interval begun by `as_of`.
    blocked_days : numpy.ndarray of float64, shape (G,)
        Days blocked (per item, overlapping blocks counted once). [days]
    delay_cost : numpy.ndarray of float64, shape (G,)
        Delay cost incurred by `as_of` by items whose class has a cost of delay (0: none). [money]
    delay_cost_items : numpy.ndarray of int64, shape (G,)
        Items counted in `delay_cost`.
    """

    as_of: _dt.datetime
    resolution: str
    by: str | None
    groups: npt.NDArray[Any]
    states: npt.NDArray[Any]
    periods: npt.NDArray[np.datetime64]
    requested: Ints
    delivered: Ints
    wip: Ints
    open_requests: Ints
    first_requested: npt.NDArray[np.datetime64]
    deliveries: Ints
    commitments: Ints
    departures: Ints
    arrivals: Ints
    customer_lead: BinCounts
    system_lead: BinCounts
    customer_age: BinCounts
    system_age: BinCounts
    delivery_times: BinCounts
    waiting_days: Floats
    blocked_items: Ints
    blocked_days: Floats
    delay_cost: Floats
    delay_cost_items: Ints

    # ------------------------------------------------------------------ building

    @classmethod
    def from_table(
        cls,
        table: WorkItemTable,
        policy: Policy,
        *,
        as_of: object,
        by: str | None = "class_of_service",
        resolution: Resolution = "1min",
    ) -> FlowSummary:
        """The summary of `table` as known at `as_of` (see :func:`flow_summary`)."""
        return flow_summary(table, policy, as_of=as_of, by=by, resolution=resolution)

    @property
    def resolution_days(self) -> float:
        """The width of a bin. [days]"""
        return RESOLUTIONS[self.resolution] / NS_PER_DAY

    def merge(self, other: FlowSummary) -> FlowSummary:
        """The summary of the items of both (their items must be disjoint).

        Associative and commutative: counts and histograms are summed exactly, the
        three float sums (waiting, blocked days, delay cost) up to rounding.

        Raises
        ------
        customer_kanban.errors.ValidationError
            If the two differ in `as_of`, `resolution`, `by` or `states`.
        TypeError
            If `other` is not a FlowSummary.
        """
        return merge_summaries([self, other])

    def total(self) -> FlowSummary:
        """The summary of all the items in one group, ``"all"`` (``by`` None)."""
        if not self.groups.size:
            return cast("FlowSummary", attrs.evolve(cast("Any", self), by=None))
        merged = _merged(
            [self], np.array(["all"], dtype=object), [np.zeros(self.groups.size, np.int64)]
        )
        return cast("FlowSummary", attrs.evolve(cast("Any", merged), by=None))

    # ------------------------------------------------------------------ figures

    def delivered_between(self, since: object, until: object) -> Ints:
        """Deliveries per group in the window ``(since, until]``: exact when both ends
        are multiples of the resolution (whole minutes for ``"1min"``), else counted by
        the bins whose end lies in the window.

        Raises
        ------
        customer_kanban.errors.ValidationError
            If `since` or `until` is not one instant, or `until` is before `since`.
        """
        res = RESOLUTIONS[self.resolution]
        lo, hi = (
            int(as_instant_scalar(v, name=n).astype("datetime64[ns]").view(np.int64))
            for v, n in ((since, "since"), (until, "until"))
        )
        if hi < lo:
            raise ValidationError(
                f"`until` must not be before `since`; got {np.datetime64(lo, 'ns')} and "
                f"{np.datetime64(hi, 'ns')}"
            )
        h = self.delivery_times
        inside = (h.bin > lo // res) & (h.bin <= hi // res)
        out: Ints = np.bincount(
            h.group[inside], weights=h.count[inside], minlength=self.groups.size
        ).astype(np.int64)
        return out

    def at_risk(self, days: float, *, basis: Basis = "customer", fraction: float = 0.8) -> Ints:
        """Open requests per group whose age, rounded up to the resolution, reaches
        ``fraction × days`` (as :func:`customer_kanban.metrics.at_risk` on the rounded
        ages; at most the requests of one bin more than on the exact ages).

        Raises
        ------
        customer_kanban.errors.ValidationError
            If `days` is not > 0 (NaN included), `fraction` is outside (0, 1], or `basis`
            is not ``"customer"`` or ``"system"``.
        TypeError
            If `days` or `fraction` is not a number (booleans and text are refused).
        """
        hist = self._hist(basis, "age")
        limit = as_number(days, name="days", unit="days")
        if not limit > 0:  # NaN compares False; inf: no request is at risk
            raise ValidationError(f"`days` must be > 0 [days]; got {limit}")
        share = as_number(fraction, name="fraction")
        if not 0 < share <= 1:
            raise ValidationError(f"`fraction` must lie in (0, 1]; got {share}")
        threshold = share * limit / self.resolution_days
        inside = hist.bin >= np.ceil(threshold - 1e-9)
        out: Ints = np.bincount(
            hist.group[inside], weights=hist.count[inside], minlength=self.groups.size
        ).astype(np.int64)
        return out

    def _hist(self, basis: object, kind: str) -> BinCounts:
        name = check_choice(basis, name="basis", choices=_BASES)
        return cast("BinCounts", getattr(self, f"{name}_{kind}"))

    def percentiles(
        self, q: npt.ArrayLike, *, basis: Basis = "customer", method: str = "linear"
    ) -> metrics.PercentileResult:
        """Lead-time percentiles of the delivered items, per group, at the resolution.

        The percentile of the durations rounded up to the resolution: with
        ``"linear"`` or ``"inverted_cdf"`` (nearest rank) it lies within one bin above
        the exact one, ``0 <= summary - exact < resolution``, since rounding up keeps
        the order of the items and moves each by less than a bin.

        Parameters
        ----------
        q : number or sequence of float
            Percentiles in percent, in [0, 100].
        basis : {"customer", "system"}, optional
            Lead time from the request (default) or from the commitment.
        method : {"linear", "inverted_cdf"}, optional

        Returns
        -------
        customer_kanban.metrics.PercentileResult
            ``values`` in days (NaN for a group without deliveries), ``counts`` the
            deliveries.
        """
        qs = as_percentiles(q)
        how = check_choice(method, name="method", choices=_METHODS)
        hist = self._hist(basis, "lead")
        n_groups = self.groups.size
        counts = hist.total(n_groups)
        values = np.full((n_groups, qs.size), np.nan)
        cum = np.cumsum(hist.count)  # running count over the sorted (group, bin) rows
        before = np.concatenate([[0], np.cumsum(counts)])[:-1]  # rows of earlier groups
        for g in np.flatnonzero(counts):  # one pass per group, vectorized over q
            n = counts[g]
            if how == "linear":
                h = (n - 1) * qs / 100.0
                lo, hi = np.floor(h).astype(np.int64), np.ceil(h).astype(np.int64)
                v_lo, v_hi = (
                    _order_stat(hist, cum, before[g], lo),
                    _order_stat(hist, cum, before[g], hi),
                )
                values[g] = v_lo + (h - lo) * (v_hi - v_lo)
            else:
                k = np.maximum(np.ceil(n * qs / 100.0).astype(np.int64) - 1, 0)
                values[g] = _order_stat(hist, cum, before[g], k)
        values *= self.resolution_days
        return metrics.PercentileResult(groups=self.groups, q=qs, values=values, counts=counts)

    def sle_attainment(
        self, days: float, *, basis: Basis = "customer", censored: bool = False
    ) -> metrics.AttainmentResult:
        """Share of items within `days`, per group, from durations rounded up.

        Exact when `days` is a multiple of the resolution (``t <= days`` exactly when
        ``ceil(t / resolution) <= days / resolution``); otherwise the items between the
        last multiple below `days` and `days` are counted as late.

        With ``censored=True`` the share is the Kaplan–Meier ``1 - S(days)`` of the
        delivered items' lead times and the open items' ages (censored), all rounded up
        to the resolution: equal to :func:`customer_kanban.metrics.sle_attainment` with
        ``observed`` on the rounded durations (ties of an event and a censored time
        within one bin are taken as at the same instant, the censored item at risk).

        Returns
        -------
        customer_kanban.metrics.AttainmentResult
            ``within`` and ``n`` count delivered items (``within`` is NaN-free; with
            ``censored`` it is the delivered items within `days`).
        """
        if not isinstance(days, (int, float, np.integer, np.floating)) or isinstance(days, bool):
            raise TypeError(f"`days` must be a number of days, got {days!r}")
        if not np.isfinite(days) or days < 0:
            raise ValidationError(f"`days` must be a finite number >= 0, got {days!r}")
        limit = int(np.floor(float(days) / self.resolution_days + 1e-9))
        lead = self._hist(basis, "lead")
        n_groups = self.groups.size
        n = lead.total(n_groups)
        inside = lead.bin <= limit
        within = np.bincount(
            lead.group[inside], weights=lead.count[inside], minlength=n_groups
        ).astype(np.int64)
        with np.errstate(invalid="ignore", divide="ignore"):
            share = within / n
        if censored:
            share = 1.0 - _km_at(lead, self._hist(basis, "age"), limit, n_groups)
        return metrics.AttainmentResult(groups=self.groups, attainment=share, within=within, n=n)

    def daily_throughput(
        self, *, since: object = None, until: object = None
    ) -> metrics.DailyThroughput:
        """Deliveries per UTC day over ``[since, until]`` (default: every day of the
        summary), per group: exact, the input of the Monte Carlo forecasts
        (:func:`customer_kanban.metrics.forecast_when`, ``forecast_how_many``)."""
        first = self.periods[0] if self.periods.size else _day(self.as_of)
        start = first if since is None else _day(as_instant_scalar(since, name="since"))
        end = _day(as_instant_scalar(self.as_of if until is None else until, name="until"))
        if end < start:
            raise ValidationError(f"`until` ({end}) is before `since` ({start})")
        days = np.arange(start, end + np.timedelta64(1, "D"), dtype="datetime64[D]")
        counts = np.zeros((self.groups.size, days.size), np.int64)
        if self.periods.size:
            offset = int((self.periods[0] - start) / np.timedelta64(1, "D"))
            lo, hi = max(offset, 0), min(offset + self.periods.size, days.size)
            if hi > lo:
                counts[:, lo:hi] = self.deliveries[:, lo - offset : hi - offset]
        return metrics.DailyThroughput(groups=self.groups, periods=days, counts=counts)

    def cumulative_flow(self) -> metrics.CumulativeFlowResult:
        """Cumulative arrivals per state at the end of each day, per group (exact)."""
        return metrics.CumulativeFlowResult(
            groups=self.groups,
            periods=self.periods.astype("datetime64[ns]"),
            states=self.states,
            counts=np.cumsum(self.arrivals, axis=1),
        )

    def daily_wip(self) -> Ints:
        """Items committed and not yet delivered at the end of each day, shape (G, D)."""
        out: Ints = np.cumsum(self.commitments - self.departures, axis=1)
        return out

    # ------------------------------------------------------------------ frames

    def _frame_columns(self) -> dict[str, npt.NDArray[Any]]:
        """One row per group × day × state: the daily counts and the per-group figures."""
        g, d, s = self.groups.size, self.periods.size, self.states.size
        idx = np.indices((g, d, s)).reshape(3, -1)
        return {
            "group": self.groups[idx[0]],
            "period": self.periods[idx[1]].astype("datetime64[ns]"),
            "state": self.states[idx[2]],
            "arrivals": self.arrivals.reshape(-1),
            "deliveries": self.deliveries[idx[0], idx[1]],
            "commitments": self.commitments[idx[0], idx[1]],
            "departures": self.departures[idx[0], idx[1]],
            "resolution": np.full(idx.shape[1], self.resolution, dtype=object),
        }


def _order_stat(hist: BinCounts, cum: Ints, before: int, k: Ints) -> Floats:
    """Bin of the `k`-th (0-based) smallest duration of the group whose rows start after
    `before` items: the first row whose running count exceeds ``before + k``."""
    row = np.searchsorted(cum, before + k, side="right")
    return hist.bin[row].astype(np.float64)


def _km_at(events: BinCounts, censored: BinCounts, limit: int, n_groups: int) -> Floats:
    """Kaplan–Meier ``S(limit)`` per group from event and censored bins (censored items
    at a tied bin still at risk), NaN for a group without items."""
    g = np.concatenate([events.group, censored.group])
    b = np.concatenate([events.bin, censored.bin])
    d = np.concatenate([events.count, np.zeros_like(censored.count)])
    c = np.concatenate([events.count, censored.count])  # items leaving the risk set
    order = np.lexsort((b, g))
    g, b, d, c = g[order], b[order], d[order], c[order]
    total = np.bincount(g, weights=c, minlength=n_groups)
    start = np.concatenate([[0.0], np.cumsum(total)])[:-1]
    left_before = np.cumsum(c) - c - start[g]  # items of the group left before this row
    at_risk = total[g] - left_before
    # rows of one (group, bin): the risk set is the one at the bin's first row
    new = np.ones(g.size, bool)
    new[1:] = (g[1:] != g[:-1]) | (b[1:] != b[:-1])
    first = np.maximum.accumulate(np.where(new, np.arange(g.size), 0))
    at_risk = at_risk[first]
    with np.errstate(divide="ignore", invalid="ignore"):
        factor = np.where((b <= limit) & (d > 0), 1.0 - d / at_risk, 1.0)
    log = np.log(np.maximum(factor, 0.0)) if factor.size else factor
    with np.errstate(divide="ignore"):
        s = np.exp(np.bincount(g, weights=log, minlength=n_groups))
    s[total == 0] = np.nan
    out: Floats = s
    return out


def _day(value: object) -> np.datetime64:
    """The UTC day of an instant (a datetime is converted to UTC first)."""
    day: np.datetime64 = as_instant_scalar(value, name="instant").astype("datetime64[D]")
    return day


# --------------------------------------------------------------------------- building


def flow_summary(
    table: WorkItemTable,
    policy: Policy,
    *,
    as_of: object,
    by: str | None = "class_of_service",
    resolution: Resolution = "1min",
) -> FlowSummary:
    """Summarise the flow of `table` as known at `as_of`, per group, in bounded counts.

    Parameters
    ----------
    table : WorkItemTable
    policy : Policy
        Its classes of service give the items' costs of delay.
    as_of : instant
        The items are seen as known then (:meth:`WorkItemTable.as_of`).
    by : {"class_of_service", "segment", "customer", "work_type"} or None, optional
        The field to group by (default the class of service; None: one group ``"all"``).
    resolution : {"1min", "1h", "1D"}, optional
        Width of the lead-time and age histograms' bins (default one minute).

    Returns
    -------
    FlowSummary
        Its size is groups × days × states plus the distinct bins per group (at most
        the longest duration divided by the resolution), independent of the items.

    Raises
    ------
    customer_kanban.errors.ValidationError
        If `as_of` is not one instant, `by` is not a categorical field of the table,
        or `resolution` is not one of the three.
    TypeError
        If `table` is not a WorkItemTable or `policy` not a Policy.

    Examples
    --------
    >>> from customer_kanban.datasets import DEMO_AS_OF, load_incidents
    >>> table, policy = load_incidents()
    >>> s = flow_summary(table, policy, as_of=DEMO_AS_OF)
    >>> int(s.delivered.sum() + s.open_requests.sum()) == len(table.as_of(DEMO_AS_OF))
    True
    """
    if not isinstance(table, WorkItemTable):
        raise TypeError(f"`table` must be a WorkItemTable, got {type(table).__name__}")
    if not isinstance(policy, Policy):
        raise TypeError(f"`policy` must be a Policy, got {type(policy).__name__}")
    res = check_choice(resolution, name="resolution", choices=tuple(RESOLUTIONS))
    when = as_instant_scalar(as_of, name="as_of")
    if by is not None:
        check_choice(by, name="by", choices=BY_FIELDS)
        if by not in table.categorical_fields:
            raise ValidationError(f"`by` {by!r} is not a field of the table")
    seen = table.as_of(when)
    return _summarise(seen, policy, when, by, res)


def _groups(table: WorkItemTable, by: str | None) -> tuple[npt.NDArray[np.int64], Any]:
    """Each item's group (-1: no label) and the sorted labels present."""
    n = len(table)
    if by is None:
        return np.zeros(n, np.int64), np.array(["all"], dtype=object)
    codes, labels = table.codes(by)
    present = np.unique(codes[codes >= 0])
    names = np.array([str(x) for x in labels[present]], dtype=object)
    order = np.argsort(names, kind="stable")
    remap = np.full(len(labels) + 1, -1, np.int64)
    remap[present[order]] = np.arange(present.size)
    return remap[codes], names[order]


def _summarise(
    table: WorkItemTable, policy: Policy, when: np.datetime64, by: str | None, res: str
) -> FlowSummary:
    group, labels = _groups(table, by)
    n_groups, n_states = labels.size, len(table.states)
    kept = group >= 0
    req, com, dlv = (table[name] for name in ("requested_at", "committed_at", "delivered_at"))
    entries = _backfilled(table.first_entries())
    periods = _periods(when, req[kept], entries[kept])
    axis = _DayAxis(periods)
    delivered, committed = ~np.isnat(dlv) & kept, ~np.isnat(com) & kept
    open_req = np.isnat(dlv) & kept
    res_ns = RESOLUTIONS[res]
    stamp = when.astype("datetime64[ns]")
    first = np.full(n_groups, np.iinfo(np.int64).max, np.int64)
    np.minimum.at(first, group[kept], req[kept].view(np.int64))
    first_req = first.view("datetime64[ns]").copy()
    first_req[first == np.iinfo(np.int64).max] = _NAT
    blocked_items, blocked_days = _blocked(table, group, n_groups, when)
    waiting, cost, cost_items = _sums(table, policy, group, labels, when)
    return FlowSummary(
        as_of=cast("_dt.datetime", to_datetime(when)),
        resolution=res,
        by=by,
        groups=labels,
        states=np.array(table.states, dtype=object),
        periods=periods,
        requested=_count(group, kept, n_groups),
        delivered=_count(group, delivered, n_groups),
        wip=_count(group, committed & open_req, n_groups),
        open_requests=_count(group, open_req, n_groups),
        first_requested=first_req,
        deliveries=axis.per_day(group, dlv, delivered, n_groups),
        commitments=axis.per_day(group, com, committed, n_groups),
        departures=axis.per_day(group, dlv, delivered & committed, n_groups),
        arrivals=axis.per_state(group, entries, kept, n_groups, n_states),
        customer_lead=_hist(group, req, dlv, delivered, res_ns),
        system_lead=_hist(group, com, dlv, delivered & committed, res_ns),
        customer_age=_hist(group, req, np.full(req.size, stamp), open_req, res_ns),
        system_age=_hist(group, com, np.full(req.size, stamp), open_req & committed, res_ns),
        delivery_times=_hist(group, np.zeros(req.size, "datetime64[ns]"), dlv, delivered, res_ns),
        waiting_days=waiting,
        blocked_items=blocked_items,
        blocked_days=blocked_days,
        delay_cost=cost,
        delay_cost_items=cost_items,
    )


def _backfilled(entries: npt.NDArray[np.datetime64]) -> npt.NDArray[np.datetime64]:
    """Arrival of each item in each state: its earliest entry into the state or any later
    one (a skipped state is passed through), as the cumulative flow counts it."""
    never = np.iinfo(np.int64).max
    ns = np.where(np.isnat(entries), never, entries.view(np.int64))
    ns = np.minimum.accumulate(ns[:, ::-1], axis=1)[:, ::-1]
    out: npt.NDArray[np.datetime64] = ns.view("datetime64[ns]").copy()
    out[ns == never] = _NAT
    return out


def _count(group: Ints, mask: npt.NDArray[np.bool_], n_groups: int) -> Ints:
    return np.bincount(group[mask], minlength=n_groups).astype(np.int64)


def _periods(
    when: np.datetime64, req: npt.NDArray[np.datetime64], entries: npt.NDArray[np.datetime64]
) -> npt.NDArray[np.datetime64]:
    """Every UTC day from the first request or state entry to the day of `when`."""
    last = when.astype("datetime64[D]")
    if not req.size:
        return np.empty(0, "datetime64[D]")
    firsts = [req.min()]
    if entries.size and not np.isnat(entries).all():
        firsts.append(np.nanmin(entries.reshape(-1)[~np.isnat(entries.reshape(-1))]))
    start = min(firsts).astype("datetime64[D]")
    return np.arange(start, last + np.timedelta64(1, "D"), dtype="datetime64[D]")


class _DayAxis:
    """Day positions of instants on the summary's days."""

    def __init__(self, periods: npt.NDArray[np.datetime64]) -> None:
        self.periods = periods
        self.n = periods.size

    def index(self, at: npt.NDArray[np.datetime64]) -> Ints:
        out: Ints = (
            (at.astype("datetime64[D]") - self.periods[0]) // np.timedelta64(1, "D")
        ).astype(np.int64)
        return out

    def per_day(
        self,
        group: Ints,
        at: npt.NDArray[np.datetime64],
        mask: npt.NDArray[np.bool_],
        n_groups: int,
    ) -> Ints:
        if not self.n or not mask.any():
            return np.zeros((n_groups, self.n), np.int64)
        key = group[mask] * self.n + self.index(at[mask])
        return np.bincount(key, minlength=n_groups * self.n).reshape(n_groups, self.n)

    def per_state(
        self,
        group: Ints,
        entries: npt.NDArray[np.datetime64],
        kept: npt.NDArray[np.bool_],
        n_groups: int,
        n_states: int,
    ) -> Ints:
        shape = (n_groups, self.n, n_states)
        mask = ~np.isnat(entries) & kept[:, None]
        if not self.n or not mask.any():
            return np.zeros(shape, np.int64)
        item, state = np.nonzero(mask)
        key = (group[item] * self.n + self.index(entries[item, state])) * n_states + state
        return np.bincount(key, minlength=int(np.prod(shape))).reshape(shape)


def _hist(
    group: Ints,
    start: npt.NDArray[np.datetime64],
    end: npt.NDArray[np.datetime64],
    mask: npt.NDArray[np.bool_],
    res_ns: int,
) -> BinCounts:
    span = end[mask].view(np.int64) - start[mask].view(np.int64)
    bins = bin_of(span, res_ns)
    return BinCounts.of(group[mask], bins, np.ones(bins.size, np.int64))


def _blocked(
    table: WorkItemTable, group: Ints, n_groups: int, when: np.datetime64
) -> tuple[Ints, Floats]:
    b = table.blocked
    has = np.zeros(len(table), bool)
    has[b.item] = True
    kept = group >= 0
    items = _count(group, has & kept, n_groups)
    if not len(b):
        return items, np.zeros(n_groups)
    days = metrics.blocked_time(b.item, b.start, b.end, n_items=len(table), as_of=when)
    total: Floats = np.bincount(group[kept], weights=days[kept], minlength=n_groups).astype(
        np.float64
    )
    return items, total


def _sums(
    table: WorkItemTable, policy: Policy, group: Ints, labels: Any, when: np.datetime64
) -> tuple[Floats, Floats, Ints]:
    """Customer waiting days, delay cost and its items per group."""
    n_groups = labels.size
    kept = group >= 0
    req, dlv = table["requested_at"], table["delivered_at"]
    by = (group.astype(np.int32), labels)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InsufficientDataWarning)
        waiting = metrics.customer_waiting_time(req, dlv, as_of=when, by=by).total_days
        cod = cost_of_delay_columns(table, policy)
        pick = cod.known & kept
        cost = np.zeros(n_groups)
        items = np.zeros(n_groups, np.int64)
        if pick.any():
            r = metrics.delay_cost(
                cod.urgency[pick],
                req[pick],
                dlv[pick],
                as_of=when,
                rate=cod.rate[pick],
                due=cod.due[pick],
                step=cod.step[pick],
                horizon=cod.horizon[pick],
                growth=cod.growth[pick],
                by=(by[0][pick], labels),
            )
            cost = np.where(r.items > 0, r.total, 0.0)
            items = r.items.astype(np.int64)
    return np.nan_to_num(waiting.astype(np.float64)), cost, items


# --------------------------------------------------------------------------- merging


def merge_summaries(summaries: Iterable[FlowSummary]) -> FlowSummary:
    """The summary of the union of the items of `summaries` (disjoint sets of items).

    Groups are the sorted union of the labels; days the union of the day ranges;
    counts and histograms are summed exactly, so merging is associative and
    commutative and the merge of the summaries of any partition of the items equals
    the summary of all of them (the float sums — waiting, blocked days, delay cost —
    up to rounding).

    Parameters
    ----------
    summaries : iterable of FlowSummary
        At least one, all with the same `as_of`, `resolution`, `by` and `states`.

    Returns
    -------
    FlowSummary

    Raises
    ------
    customer_kanban.errors.ValidationError
        If `summaries` is empty or two of them differ in `as_of`, `resolution`, `by`
        or `states`.
    TypeError
        If an element is not a FlowSummary.

    Examples
    --------
    >>> import numpy as np
    >>> from customer_kanban.datasets import DEMO_AS_OF, load_incidents
    >>> table, policy = load_incidents()
    >>> odd = np.arange(len(table)) % 2 == 1
    >>> a = flow_summary(table.filter(odd), policy, as_of=DEMO_AS_OF)
    >>> b = flow_summary(table.filter(~odd), policy, as_of=DEMO_AS_OF)
    >>> whole = flow_summary(table, policy, as_of=DEMO_AS_OF)
    >>> merge_summaries([a, b]).customer_lead == whole.customer_lead
    True
    """
    if isinstance(summaries, FlowSummary):
        summaries = [summaries]
    if not isinstance(summaries, Iterable):
        raise TypeError(
            f"`summaries` must be an iterable of FlowSummary values, got {type(summaries).__name__}"
        )
    parts: list[FlowSummary] = list(summaries)
    if not parts:
        raise ValidationError("`summaries` must hold at least one FlowSummary")
    for s in parts:
        if not isinstance(s, FlowSummary):
            raise TypeError(f"`summaries` must hold FlowSummary values, got {type(s).__name__}")
    head = parts[0]
    for s in parts[1:]:
        for name in ("as_of", "resolution", "by"):
            if getattr(s, name) != getattr(head, name):
                raise ValidationError(
                    f"summaries differ in `{name}`: {getattr(head, name)!r} and "
                    f"{getattr(s, name)!r}"
                )
        if list(s.states) != list(head.states):
            raise ValidationError("summaries differ in `states`")
    if len(parts) == 1:
        return head
    labels = np.array(sorted({str(x) for s in parts for x in s.groups}), dtype=object)
    maps = [np.searchsorted(labels, s.groups.astype(str)).astype(np.int64) for s in parts]
    return _merged(parts, labels, maps)


def _merged(parts: list[FlowSummary], labels: Any, maps: list[Ints]) -> FlowSummary:
    head = parts[0]
    g = labels.size
    spans = [s.periods for s in parts if s.periods.size]
    if spans:
        start = min(p[0] for p in spans)
        periods = np.arange(start, spans[0][-1] + np.timedelta64(1, "D"), dtype="datetime64[D]")
    else:
        periods = np.empty(0, "datetime64[D]")

    def added(name: str) -> Any:
        first = getattr(head, name)
        out = np.zeros((g, *first.shape[1:]), dtype=first.dtype)
        for s, m in zip(parts, maps, strict=True):
            np.add.at(out, m, getattr(s, name))
        return out

    def daily(name: str) -> Ints:
        first = getattr(head, name)
        out = np.zeros((g, periods.size, *first.shape[2:]), np.int64)
        for s, m in zip(parts, maps, strict=True):
            if s.periods.size:
                at = int((s.periods[0] - periods[0]) / np.timedelta64(1, "D"))
                block = out[:, at : at + s.periods.size]
                np.add.at(block, m, getattr(s, name))
        return out

    first = np.full(g, np.iinfo(np.int64).max, np.int64)
    for s, m in zip(parts, maps, strict=True):
        v = s.first_requested.view(np.int64).copy()
        v[np.isnat(s.first_requested)] = np.iinfo(np.int64).max
        np.minimum.at(first, m, v)
    first_req = first.view("datetime64[ns]").copy()
    first_req[first == np.iinfo(np.int64).max] = _NAT
    return FlowSummary(
        as_of=head.as_of,
        resolution=head.resolution,
        by=head.by,
        groups=labels,
        states=head.states,
        periods=periods,
        requested=added("requested"),
        delivered=added("delivered"),
        wip=added("wip"),
        open_requests=added("open_requests"),
        first_requested=first_req,
        deliveries=daily("deliveries"),
        commitments=daily("commitments"),
        departures=daily("departures"),
        arrivals=daily("arrivals"),
        customer_lead=_join([s.customer_lead for s in parts], maps),
        system_lead=_join([s.system_lead for s in parts], maps),
        customer_age=_join([s.customer_age for s in parts], maps),
        system_age=_join([s.system_age for s in parts], maps),
        delivery_times=_join([s.delivery_times for s in parts], maps),
        waiting_days=added("waiting_days"),
        blocked_items=added("blocked_items"),
        blocked_days=added("blocked_days"),
        delay_cost=added("delay_cost"),
        delay_cost_items=added("delay_cost_items"),
    )
