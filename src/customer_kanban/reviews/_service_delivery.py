"""Service Delivery Review: is the service fit for its customers' purpose?"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any, cast

import attrs
import numpy as np
import numpy.typing as npt

from customer_kanban._core.instants import NS_PER_DAY, to_datetime
from customer_kanban._core.validation import (
    DAY_COUNTS,
    PERCENTILE_METHODS,
    DayCount,
    PercentileMethod,
    _is_number,
    as_instant_scalar,
    as_percentiles,
    as_whole_number,
    check_choice,
    choices_of,
)
from customer_kanban.errors import ValidationError
from customer_kanban.model import Feedback, Policy
from customer_kanban.reviews._checks import MAX_TREND_WEEKS, expect
from customer_kanban.reviews._service_lines import (
    Basis,
    Options,
    group_codes,
    item_sle,
    positions,
    review_lines,
)
from customer_kanban.reviews._service_results import (
    BlockerCluster,
    ServiceDeliveryReview,
    ServiceLevelRow,
)
from customer_kanban.reviews._service_summary import summary_review
from customer_kanban.summaries import FlowSummary
from customer_kanban.table import WorkItemTable

__all__ = [
    "BASES",
    "Basis",
    "BlockerCluster",
    "ServiceDeliveryReview",
    "ServiceLevelRow",
    "check_feedback",
    "positions",
    "service_delivery_review",
    "sle_per_item",
]

#: The lead times an SLE can apply to (:data:`Basis`).
BASES = choices_of(Basis)
#: The first instant ``datetime64[ns]`` holds, to the second.
_FIRST_INSTANT = "1677-09-21T00:12:44"


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

    Raises
    ------
    TypeError
        If `table` is not a WorkItemTable or `policy` not a Policy.
    """
    expect(table, WorkItemTable, "table")
    expect(policy, Policy, "policy")
    everything = np.ones(len(table), dtype=bool)
    cos = group_codes(table, "class_of_service", everything)
    seg = group_codes(table, "segment", everything)
    return item_sle(policy, cos, seg)


def service_delivery_review(
    table: WorkItemTable | FlowSummary,
    policy: Policy,
    *,
    as_of: object,
    q: Sequence[float] = (50, 85, 95),
    basis: Basis = "customer",
    day_count: DayCount = "elapsed",
    risk_fraction: float = 0.8,
    window_days: float | None = None,
    method: PercentileMethod = "linear",
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
    table : WorkItemTable or FlowSummary
        The items, or their :class:`~customer_kanban.summaries.FlowSummary` (by class
        of service, or by None for the total line only; `as_of` its own instant). From
        a summary the review has the total and class lines, its figures are those of
        the durations rounded up to the summary's resolution (the review's
        ``resolution`` says which; lead-time percentiles within one bin above the
        table's, attainment and trend exact when the SLE days and `as_of` are multiples
        of it), ``at_risk`` holds one ``None`` per request at risk (ids are not kept),
        and ``blockers`` is empty; `previous`, `fitness`, `feedback`, a `day_count`
        other than ``"elapsed"``, a `method` other than ``"linear"`` and
        ``"inverted_cdf"`` and per-segment SLEs are refused.
    policy : Policy
        Classes of service with their SLEs and costs of delay, and per-segment SLEs.
    as_of : datetime-like
        Instant of the review.  The table is seen as it was known then
        (:meth:`WorkItemTable.as_of`): later requests are left out, later
        commitments, deliveries and blocks are not yet made.
    q : number or sequence of float, optional
        Lead-time percentiles in percent, in [0, 100] (default 50, 85, 95).
    basis : {"customer", "system"}, optional
        Lead time the SLEs apply to and age is measured on: from the customer's
        request (default) or from the commitment point.
    day_count : {"elapsed", "exclusive", "inclusive", "calendar", "business"}, optional
        How the customer and system lead times and the ages of open requests count
        days, as :func:`customer_kanban.metrics.lead_time` and
        :func:`customer_kanban.metrics.work_item_age` count them: fractional elapsed
        days (default); whole UTC calendar days, same day = 0 (``"exclusive"``, as
        jira-agile-metrics) or same day = 1 (``"inclusive"``, as ActionableAgile);
        or business days, Monday to Friday without holidays (``"business"``). The
        lead-time percentiles, SLE attainment (also censoring-aware), at-risk requests
        and fitness use these counts; throughput, waiting, blocked days and delay cost
        stay in elapsed time.
    risk_fraction : float, optional
        An open request is at risk once its age reaches this share of its SLE
        (default 0.8); those already past it count too.
    window_days : float, optional
        Throughput window ending at `as_of`; default from the first request.
    method : {"linear", "inverted_cdf", ...}, optional
        Percentile method: one of numpy's thirteen names (as
        :func:`customer_kanban.metrics.percentiles`), default ``"linear"``.
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
        Seven-day windows of the throughput trend, ending at `as_of`; default 4 (at
        least 1, at most 520: ten years).
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
        If an option is out of range (the message names it), `as_of` is not one
        instant, `q` is all in (0, 1] ("did you mean 85?"), or the trend or the
        earlier review would begin before the first representable instant (1677).
    TypeError
        If `table` is not a WorkItemTable, `policy` not a Policy, or an option has
        the wrong type (a string `q`, a float `trend_weeks`, ...).

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
    options = _options(
        q=q,
        basis=basis,
        day_count=day_count,
        risk_fraction=risk_fraction,
        window_days=window_days,
        method=method,
        previous=previous,
        fitness=fitness,
        trend_weeks=trend_weeks,
    )
    expect(policy, Policy, "policy")
    when = as_instant_scalar(as_of, name="as_of")
    _check_reach(when, options)
    if isinstance(table, FlowSummary):
        if feedback is not None:
            raise ValidationError(
                "`feedback` is not available from a FlowSummary (it keeps no items); "
                "review the table instead"
            )
        return summary_review(table, policy, when, options)
    expect(table, WorkItemTable, "table")
    feedback = None if feedback is None else check_feedback(feedback)
    return _review(table, policy, when, options, feedback)


def _check_reach(when: np.datetime64, options: Options) -> None:
    """The trend's weeks and the earlier review stay within the representable instants."""
    first = np.datetime64(_FIRST_INSTANT, "s")  # in seconds: the span overflows nanoseconds
    back = (when.astype("datetime64[s]") - first) / np.timedelta64(1, "D")
    trend = 7 * (options.trend_weeks + 1)
    reach: list[tuple[str, float, str]] = [("trend_weeks", trend, f"{options.trend_weeks} weeks")]
    if options.window_days is not None:
        reach.append(("window_days", options.window_days, f"{options.window_days:g} days"))
    if options.previous is not None:
        earlier = options.previous + max(trend, options.window_days or 0.0)
        reach.append(("previous", earlier, f"{options.previous:g} days"))
    for name, days, shown in reach:
        if days > back:
            raise ValidationError(
                f"`{name}` ({shown}) reaches before the first representable instant "
                f"({_FIRST_INSTANT}) from `as_of` {when}"
            )


def _review(
    table: WorkItemTable,
    policy: Policy,
    when: np.datetime64,
    options: Options,
    feedback: Sequence[Feedback] | None,
) -> ServiceDeliveryReview:
    lines = review_lines(table, policy, when, options, feedback)
    rows = lines.rows
    if options.previous is not None:
        back = np.timedelta64(round(options.previous * NS_PER_DAY), "ns")
        before = review_lines(table, policy, when - back, options, feedback).rows
        rows = _with_earlier(rows, before)
    as_of = to_datetime(when)
    assert as_of is not None  # as_instant_scalar refuses NaT
    return ServiceDeliveryReview(
        as_of=as_of,
        q=options.q,
        basis=options.basis,
        day_count=options.day_count,
        risk_fraction=options.risk_fraction,
        window_start=lines.window_start,
        rows=tuple(rows),
        previous=options.previous,
        fitness=options.fitness,
        trend_periods=lines.trend_periods,
    )


def _with_earlier(
    rows: list[ServiceLevelRow], before: list[ServiceLevelRow]
) -> list[ServiceLevelRow]:
    """Each line with its earlier self (the line of the same dimension and group)."""
    old = {(r.dimension, r.group): r for r in before}
    return [attrs.evolve(cast("Any", r), earlier=old.get((r.dimension, r.group))) for r in rows]


# --------------------------------------------------------------------------- validation


def _options(
    *,
    q: object,
    basis: object,
    day_count: object,
    risk_fraction: object,
    window_days: object,
    method: object,
    previous: object,
    fitness: Mapping[str, tuple[float, float]] | None,
    trend_weeks: object,
) -> Options:
    """The review's options, checked (each message names its option)."""
    return Options(
        q=tuple(float(x) for x in as_percentiles(q)),
        basis=cast("Basis", check_choice(basis, name="basis", choices=BASES)),
        day_count=cast("DayCount", check_choice(day_count, name="day_count", choices=DAY_COUNTS)),
        risk_fraction=_risk_fraction_iv(risk_fraction),
        window_days=_days_iv(window_days, name="window_days"),
        method=cast(
            "PercentileMethod", check_choice(method, name="method", choices=PERCENTILE_METHODS)
        ),
        previous=_days_iv(previous, name="previous"),
        fitness=_fitness_iv(fitness),
        trend_weeks=as_whole_number(
            trend_weeks, name="trend_weeks", minimum=1, maximum=MAX_TREND_WEEKS
        ),
    )


def _risk_fraction_iv(value: object) -> float:
    """A share of the SLE in (0, 1]: at risk once the age reaches it (1: the whole SLE)."""
    if not _is_number(value):
        raise TypeError(f"`risk_fraction` must be a number in (0, 1], got {value!r}")
    f = float(cast("float", value))
    if not 0 < f <= 1:
        raise ValidationError(f"`risk_fraction` must lie in (0, 1]; got {value!r}")
    return f


def _days_iv(value: object, *, name: str) -> float | None:
    """None, or a finite number of days > 0."""
    if value is None:
        return None
    if not _is_number(value):
        raise TypeError(f"`{name}` must be a number of days > 0, got {value!r}")
    days = float(cast("float", value))
    if not 0 < days < math.inf:
        raise ValidationError(f"`{name}` must be a number of days > 0, got {value!r}")
    return days


def check_feedback(feedback: object) -> Sequence[Feedback]:
    """`feedback` checked: a sequence of Feedback values."""
    if isinstance(feedback, (str, bytes, Feedback)) or not isinstance(feedback, Sequence):
        raise ValidationError(
            f"`feedback` must be a sequence of Feedback values, got {type(feedback).__name__}"
        )
    bad = [i for i, f in enumerate(feedback) if not isinstance(f, Feedback)]
    if bad:
        raise ValidationError(f"`feedback` must hold Feedback values; rows {bad[:5]} do not")
    return cast("Sequence[Feedback]", feedback)


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
