"""The Service Delivery Review from a FlowSummary: the same lines, at the summary's resolution.

A summary keeps counts, not items, so a line's figures are those of the durations rounded
up to the summary's resolution (``docs/summaries.md``): lead-time percentiles within one
bin above the exact ones; SLE attainment, censoring-aware attainment and the throughput
trend exact when the SLE days and `as_of` are multiples of the resolution; at-risk
requests counted on the rounded ages. What a summary does not keep is refused or left
out, and said: the ids of the requests at risk (``at_risk`` holds one ``None`` per
request), the blocker clusters by reason, fitness and feedback.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np
import numpy.typing as npt

from customer_kanban._core.instants import NS_PER_DAY, to_datetime
from customer_kanban.errors import InsufficientDataWarning, ValidationError
from customer_kanban.model import Policy, ServiceLevelExpectation
from customer_kanban.reviews._forecast_summary import summary_check
from customer_kanban.reviews._service_lines import Options, Trend
from customer_kanban.reviews._service_results import ServiceDeliveryReview, ServiceLevelRow
from customer_kanban.summaries import FlowSummary

__all__ = ["summary_review"]

_METHODS = ("linear", "inverted_cdf")


def _check(summary: FlowSummary, policy: Policy, when: np.datetime64, options: Options) -> None:
    """Refuse what a summary cannot answer, naming the option."""
    summary_check(summary, when, "review")
    refused = {
        "previous": options.previous is not None,
        "fitness": options.fitness is not None,
        "day_count": options.day_count != "elapsed",
        "method": options.method not in _METHODS,
    }
    for name, bad in refused.items():
        if bad:
            raise ValidationError(
                f"`{name}` is not available from a FlowSummary (it keeps counts at a "
                f"resolution, not items); review the table instead"
            )
    if policy.segment_sles:
        raise ValidationError(
            "the policy has per-segment SLEs, which a summary by class of service cannot "
            "apply; review the table instead"
        )


def summary_review(
    summary: FlowSummary, policy: Policy, when: np.datetime64, options: Options
) -> ServiceDeliveryReview:
    """The review's total line and one line per class of service, from `summary`."""
    _check(summary, policy, when, options)
    trend = Trend.ending(when, options.trend_weeks)
    start, weeks = _window(summary, when, options)
    rows: list[ServiceLevelRow] = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InsufficientDataWarning)
        total = summary.total()
        slas = _slas(summary, policy)
        rows += _rows(total, "all", [None], options, when, start, weeks, summary, slas)
        if summary.by is not None:
            rows += _rows(summary, "class_of_service", slas, options, when, start, weeks)
    as_of = to_datetime(when)
    window_start = to_datetime(start)
    assert as_of is not None
    assert window_start is not None
    return ServiceDeliveryReview(
        as_of=as_of,
        q=options.q,
        basis=options.basis,
        day_count=options.day_count,
        risk_fraction=options.risk_fraction,
        window_start=window_start,
        rows=tuple(rows),
        trend_periods=trend.starts(),
        resolution=summary.resolution,
    )


def _slas(summary: FlowSummary, policy: Policy) -> list[ServiceLevelExpectation | None]:
    """The SLE of each group (class of service) of the summary, None without one."""
    classes = {c.name: c.sle for c in policy.classes_of_service}
    return [classes.get(str(g)) for g in summary.groups]


def _window(summary: FlowSummary, when: np.datetime64, options: Options) -> tuple[Any, float]:
    """Start of the throughput window (the first request by default), its length in weeks."""
    first = summary.first_requested
    known = first[~np.isnat(first)]
    if options.window_days is None:
        start = known.min() if known.size else when
    else:
        start = when - np.timedelta64(int(options.window_days * NS_PER_DAY), "ns")
    days = float((when - start) / np.timedelta64(1, "D"))
    return start, max(days / 7.0, 1.0 / 7.0)


def _attainment(
    s: FlowSummary, slas: list[ServiceLevelExpectation | None], basis: Any, *, censored: bool
) -> npt.NDArray[np.float64]:
    """Each group's attainment of its own SLE (NaN without one)."""
    out = np.full(s.groups.size, np.nan)
    for k, sle in enumerate(slas):  # a handful of classes
        if sle is not None:
            out[k] = s.sle_attainment(sle.days, basis=basis, censored=censored).attainment[k]
    return out


def _pooled(by_class: FlowSummary, slas: list[ServiceLevelExpectation | None], basis: Any) -> float:
    """The total line's attainment: each item held to its class's SLE."""
    within = n = 0
    for k, sle in enumerate(slas):  # a handful of classes
        if sle is not None:
            a = by_class.sle_attainment(sle.days, basis=basis)
            within += int(a.within[k])
            n += int(a.n[k])
    return within / n if n else math.nan


def _rows(
    s: FlowSummary,
    dimension: str,
    slas: list[ServiceLevelExpectation | None],
    options: Options,
    when: np.datetime64,
    start: Any,
    weeks: float,
    by_class: FlowSummary | None = None,
    class_slas: list[ServiceLevelExpectation | None] | None = None,
) -> list[ServiceLevelRow]:
    basis = options.basis
    customer = s.percentiles(options.q, basis="customer", method=options.method).values
    system = s.percentiles(options.q, basis="system", method=options.method).values
    attained = _attainment(s, slas, basis, censored=False)
    censored = _attainment(s, slas, basis, censored=True)
    risky = _at_risk(s, slas, options)
    if by_class is not None and class_slas is not None:  # the total line: items' own SLEs
        attained[0] = _pooled(by_class, class_slas, basis)
        risky = _at_risk(by_class, class_slas, options).sum(keepdims=True)
    # [start, when]: every delivery by default (none is before the first request); with
    # `window_days`, (start, when] at the resolution
    in_window = s.delivered if options.window_days is None else s.delivered_between(start, when)
    counts = _trend(s, when, options.trend_weeks)
    rows = []
    for k, label in enumerate(s.groups.tolist()):
        sle = slas[k]
        rate = float(attained[k])
        rows.append(
            ServiceLevelRow(
                dimension=dimension,
                group=str(label),
                delivered=int(s.delivered[k]),
                customer_lead_time=tuple(float(v) for v in customer[k]),
                system_lead_time=tuple(float(v) for v in system[k]),
                sle_days=None if sle is None else sle.days,
                sle_probability=None if sle is None else sle.probability,
                attainment=rate,
                sle_met=_met(sle, rate),
                attainment_censored=float(censored[k]) if sle is not None else math.nan,
                throughput_per_week=float(in_window[k]) / weeks,
                wip=int(s.wip[k]),
                open_requests=int(s.open_requests[k]),
                at_risk=np.full(int(risky[k]), None, dtype=object),
                customer_waiting_days=float(s.waiting_days[k]),
                throughput_trend=tuple(int(v) for v in counts[k]),
                blocked_items=int(s.blocked_items[k]),
                blocked_days=float(s.blocked_days[k]),
                delay_cost=float(s.delay_cost[k]) if s.delay_cost_items[k] else math.nan,
                delay_cost_items=int(s.delay_cost_items[k]),
            )
        )
    return rows


def _met(sle: ServiceLevelExpectation | None, rate: float) -> bool | None:
    return None if sle is None or math.isnan(rate) else rate >= sle.probability


def _trend(s: FlowSummary, when: np.datetime64, weeks: int) -> npt.NDArray[np.int64]:
    """Deliveries per group in each seven-day window ``(lo, hi]`` ending at `when`, oldest
    first: exact when `when` is a multiple of the resolution."""
    edges = [when - np.timedelta64(7 * (weeks - k), "D") for k in range(weeks + 1)]
    counts = np.zeros((s.groups.size, weeks), np.int64)
    for k in range(weeks):  # the trend's weeks
        counts[:, k] = s.delivered_between(edges[k], edges[k + 1])
    return counts


def _at_risk(
    s: FlowSummary, slas: list[ServiceLevelExpectation | None], options: Options
) -> npt.NDArray[np.int64]:
    out = np.zeros(s.groups.size, np.int64)
    for k, sle in enumerate(slas):  # a handful of classes
        if sle is not None:
            out[k] = s.at_risk(sle.days, basis=options.basis, fraction=options.risk_fraction)[k]
    return out
