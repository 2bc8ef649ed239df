"""The results of the Service Delivery Review: its lines, their blocker clusters, the review.

The figures are computed by :mod:`customer_kanban.reviews._service_delivery`; the text
table by :mod:`customer_kanban.reviews._service_text`.
"""

from __future__ import annotations

import datetime as _dt
import math
from typing import Any

import numpy as np
import numpy.typing as npt

from customer_kanban._core.results import Result, result
from customer_kanban.reviews._service_text import render
from customer_kanban.reviews._tables import (
    Cells,
    Columns,
    columns_of,
    constant_columns,
    html_tables,
    with_changes,
)

__all__ = ["UNCHANGING", "BlockerCluster", "ServiceDeliveryReview", "ServiceLevelRow"]

#: Frame columns of a line without a change column: its name and the SLE it is held to.
UNCHANGING = ("dimension", "group", "sle_days", "sle_probability")


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
        >>> from customer_kanban.reviews import service_delivery_review
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

    def _frame_columns(self) -> Columns:
        """One row: the line's figures (the lead-time percentiles and the trend's weeks
        numbered in order; :meth:`ServiceDeliveryReview.to_frame` names them)."""
        return columns_of([line_cells(self)])


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
    day_count : str
        How the lead times and ages count days (``"elapsed"``, ``"exclusive"``,
        ``"inclusive"`` or ``"business"``; see
        :func:`customer_kanban.metrics.lead_time`).
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
    day_count : str
        How lead times and ages count days.
    resolution : str or None
        For a review of a :class:`~customer_kanban.summaries.FlowSummary`: its
        resolution (``"1min"``, ``"1h"``, ``"1D"``), the figures being those of the
        durations rounded up to it (``docs/summaries.md``); None for a table's review.
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
    day_count: str = "elapsed"
    resolution: str | None = None

    def row(self, group: str, dimension: str = "class_of_service") -> ServiceLevelRow:
        """The line of `group` in `dimension` (KeyError if absent)."""
        for r in self.rows:
            if r.group == group and r.dimension == dimension:
                return r
        raise KeyError(f"no {dimension} line {group!r}")

    def render(self) -> str:
        """The review as a readable text table."""
        return render(self)

    def __str__(self) -> str:
        return self.render()

    def _line_columns(self) -> Columns:
        """One column per figure of the lines (changes too, with `previous`)."""
        q_names = [f"p{q:g}" for q in self.q]
        ends = [f"throughput_to_{p + _dt.timedelta(days=7):%Y-%m-%d}" for p in self.trend_periods]
        columns = columns_of([line_cells(r, q_names, ends) for r in self.rows])
        if self.previous is None:
            return columns
        before = [
            None if r.earlier is None else line_cells(r.earlier, q_names, ends) for r in self.rows
        ]
        return with_changes(columns, before, keep=UNCHANGING)

    def _frame_columns(self) -> Columns:
        """One row per line: its figures (``customer_lead_time_p85``, ``at_risk_count``,
        ``throughput_to_<day>`` for each seven-day window of the trend, ...), with
        `previous` each figure's ``<name>_change`` and a ``new`` flag, and the review's
        settings as constant columns."""
        columns = self._line_columns()
        settings = constant_columns(
            len(self.rows),
            as_of=self.as_of,
            basis=self.basis,
            day_count=self.day_count,
            risk_fraction=self.risk_fraction,
            window_start=self.window_start,
        )
        return {**columns, **settings}

    def _html_title(self) -> str:
        return (
            f"Service Delivery Review as of {self.as_of:%Y-%m-%d %H:%M} UTC "
            f"(SLEs on the {self.basis} lead time; throughput since {self.window_start:%Y-%m-%d})"
        )

    def _repr_html_(self) -> str:
        return html_tables((self._html_title(), self._line_columns()))


def line_cells(
    row: ServiceLevelRow,
    q_names: list[str] | None = None,
    trend_names: list[str] | None = None,
) -> Cells:
    """The frame cells of one line, named by the review's percentiles and trend windows
    (by their positions without them: ``customer_lead_time_0``, ``throughput_week_1``)."""
    customer = row.customer_lead_time
    q_names = q_names or [str(k) for k in range(len(customer))]
    trend_names = trend_names or [
        f"throughput_week_{k + 1}" for k in range(len(row.throughput_trend))
    ]
    top = row.blockers[0] if row.blockers else None
    feedback = row.feedback or (None, None, None)
    return {
        "dimension": row.dimension,
        "group": row.group,
        "delivered": row.delivered,
        **{f"customer_lead_time_{n}": v for n, v in zip(q_names, customer, strict=True)},
        **{f"system_lead_time_{n}": v for n, v in zip(q_names, row.system_lead_time, strict=True)},
        "sle_days": None if row.sle_days is None else float(row.sle_days),
        "sle_probability": row.sle_probability,
        "attainment": row.attainment,
        "attainment_censored": row.attainment_censored,
        "sle_met": row.sle_met,
        "fit": row.fit,
        "neutral": row.neutral,
        "unfit": row.unfit,
        "fit_share": row.fit_share,
        "throughput_per_week": row.throughput_per_week,
        **dict(zip(trend_names, row.throughput_trend, strict=True)),
        "wip": row.wip,
        "open_requests": row.open_requests,
        "at_risk_count": len(row.at_risk),
        "customer_waiting_days": row.customer_waiting_days,
        "blocked_items": row.blocked_items,
        "blocked_days": row.blocked_days,
        "top_blocker": None if top is None else top.reason,
        "delay_cost": row.delay_cost,
        "delay_cost_items": row.delay_cost_items,
        "feedback_confirmation": feedback[0],
        "feedback_improvement": feedback[1],
        "feedback_negative": feedback[2],
        "nps": row.nps,
    }
