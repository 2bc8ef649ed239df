"""Operations Review: several services side by side, and the hand-offs between them."""

from __future__ import annotations

import datetime as _dt
import math
from collections.abc import Mapping, Sequence

import numpy as np
import numpy.typing as npt

from customer_kanban._core.instants import NS_PER_DAY, to_datetime
from customer_kanban._core.results import Result, result
from customer_kanban._core.validation import DayCount, as_instant_scalar, as_whole_number
from customer_kanban.errors import ValidationError
from customer_kanban.model import Feedback, Policy
from customer_kanban.reviews._checks import MAX_TOP, expect
from customer_kanban.reviews._journey import HandoffPair, customer_journey
from customer_kanban.reviews._service_delivery import (
    ServiceDeliveryReview,
    ServiceLevelRow,
    check_feedback,
    positions,
    service_delivery_review,
)
from customer_kanban.reviews._service_results import UNCHANGING, line_cells
from customer_kanban.reviews._service_text import day_words
from customer_kanban.reviews._tables import (
    Cells,
    Columns,
    columns_of,
    constant_columns,
    html_tables,
    with_changes,
)
from customer_kanban.reviews._text import number, text_table, with_change
from customer_kanban.table import WorkItemTable

__all__ = ["OperationsReview", "ServiceHandoffs", "operations_review", "service_of_items"]

_NONE = "(none)"
_OTHER = "(other services)"
_HANDOFF_CELLS = ("received", "passed", "waiting_after_received")


@result
class ServiceHandoffs(Result):
    """The hand-offs of one service with the other services of the review.

    Attributes
    ----------
    service : str
    received, passed : int
        Hand-offs into the service from a service of the review, and out of it to one
        (between two pooled services: both, on ``"(other services)"``).
    waiting_after_received : float
        Days customers waited after the hand-offs into the service
        (:attr:`HandoffPair.waiting_days`). [days]
    """

    service: str
    received: int
    passed: int
    waiting_after_received: float


@result
class OperationsReview(Result):
    """The Operations Review: each service's Service Delivery Review, side by side.

    Attributes
    ----------
    as_of : datetime
        The instant of the review (UTC).
    services_by : str
        What a service is: ``"department"`` (the department that last held each
        item by `as_of`) or the name of the table field that says it.
    services : tuple of str
        The services, most requests first (``"(other services)"`` last when the
        review pools the smaller ones).
    reviews : tuple of ServiceDeliveryReview
        One per service, in the order of `services`: the figures of each.
    handoffs : tuple of HandoffPair
        Hand-offs between two departments that are services of the review, most
        waiting first (from :func:`customer_journey` of the whole table); hand-offs
        of the pooled services count under ``"(other services)"``, between two of
        them too.
    per_service : tuple of ServiceHandoffs
        Hand-offs received and passed by each service, in the order of `services`.
    """

    as_of: _dt.datetime
    services_by: str
    services: tuple[str, ...]
    reviews: tuple[ServiceDeliveryReview, ...]
    handoffs: tuple[HandoffPair, ...]
    per_service: tuple[ServiceHandoffs, ...]

    def __repr__(self) -> str:
        return (
            f"OperationsReview(as_of={self.as_of.isoformat()!r}, services={list(self.services)!r}, "
            f"handoffs={len(self.handoffs)} pairs)"
        )

    def review(self, service: str) -> ServiceDeliveryReview:
        """The Service Delivery Review of `service` (KeyError if absent)."""
        if service not in self.services:
            raise KeyError(f"no service {service!r}")
        return self.reviews[self.services.index(service)]

    def render(self) -> str:
        """The review as readable text tables."""
        return _render(self)

    def __str__(self) -> str:
        return self.render()

    def _service_columns(self) -> Columns:
        """One row per service: its total line's figures, its hand-offs in and out."""
        first = self.reviews[0] if self.reviews else None
        q_names = [] if first is None else [f"p{q:g}" for q in first.q]
        ends = (
            []
            if first is None
            else [
                f"throughput_to_{p + _dt.timedelta(days=7):%Y-%m-%d}" for p in first.trend_periods
            ]
        )

        def cells(row: ServiceLevelRow, h: ServiceHandoffs) -> Cells:
            line = dict(line_cells(row, q_names, ends))
            del line["dimension"], line["group"]
            return {"service": h.service, **line, **_handoff_cells(h)}

        totals = [r.row("all", "all") for r in self.reviews]
        columns = columns_of([cells(t, h) for t, h in zip(totals, self.per_service, strict=True)])
        if first is None or first.previous is None:
            return columns
        before = [
            None if t.earlier is None else cells(t.earlier, h)
            for t, h in zip(totals, self.per_service, strict=True)
        ]
        return with_changes(columns, before, keep=("service", *UNCHANGING, *_HANDOFF_CELLS))

    def _frame_columns(self) -> Columns:
        """One row per service: ``service``, the figures of its Service Delivery Review's
        total line (as in :meth:`ServiceDeliveryReview.to_frame`), ``received``,
        ``passed``, ``waiting_after_received``; ``as_of`` and ``services_by`` constant."""
        columns = self._service_columns()
        settings = constant_columns(
            len(self.services), as_of=self.as_of, services_by=self.services_by
        )
        return {**columns, **settings}

    def _html_title(self) -> str:
        return f"Operations Review as of {self.as_of:%Y-%m-%d %H:%M} UTC ({self.services_by})"

    def _repr_html_(self) -> str:
        pairs = columns_of([_pair_cells(p) for p in self.handoffs])
        return html_tables(
            (self._html_title(), self._service_columns()),
            ("Hand-offs between services (most waiting first)", pairs),
        )


def service_of_items(
    table: WorkItemTable, *, services: str = "department", as_of: object = None
) -> tuple[npt.NDArray[np.int32], list[str]]:
    """The service of each item: a field of the table, or the department holding it.

    Parameters
    ----------
    table : WorkItemTable
    services : str, optional
        ``"department"`` (default): the department of the item's last transition by
        `as_of` that names one — the team holding the request, or the one that
        delivered it; items whose transitions name none get ``"(none)"``.  Any other
        value names a categorical field of the table (missing values: ``"(none)"``).
    as_of : instant, optional
        With ``services="department"``, transitions after it are not seen.

    Returns
    -------
    codes : numpy.ndarray of int32
        Service per item: an index into `labels`, whose last entry is ``"(none)"``
        (no department named, or the field missing).
    labels : list of str

    Examples
    --------
    >>> from customer_kanban.datasets import DEMO_AS_OF, load_incidents
    >>> table, _ = load_incidents()
    >>> codes, labels = service_of_items(table, as_of=DEMO_AS_OF)
    >>> labels[codes[0]]
    'Group 56'

    Raises
    ------
    TypeError
        If `table` is not a WorkItemTable or `services` not a string.
    customer_kanban.errors.ValidationError
        If `services` is neither ``"department"`` nor a categorical field of the table,
        or `as_of` is not one instant.
    """
    expect(table, WorkItemTable, "table")
    if not isinstance(services, str):
        raise TypeError(f"`services` must be a string, got {type(services).__name__}")
    if services != "department":
        return _field_services(table, services)
    tr = table.transitions  # sorted by (item, instant)
    keep = tr.department >= 0
    if as_of is not None:
        keep &= tr.at <= as_instant_scalar(as_of, name="as_of")
    item, dept = tr.item[keep], tr.department[keep]
    labels = [str(x) for x in tr.department_labels]
    out = np.full(len(table), len(labels), dtype=np.int32)  # "(none)" by default
    if item.size:
        last = np.r_[item[1:] != item[:-1], True]
        out[item[last]] = dept[last]
    return out, [*labels, _NONE]


def _field_services(table: WorkItemTable, field: str) -> tuple[npt.NDArray[np.int32], list[str]]:
    """The service of each item named by a categorical field (missing: "(none)")."""
    if field not in table.categorical_fields:
        raise ValidationError(
            f"`services` must be 'department' or a categorical field of the table "
            f"{list(table.categorical_fields)}, got {field!r}"
        )
    field_codes, field_labels = table.codes(field)
    named = [str(x) for x in field_labels]
    codes = np.where(field_codes >= 0, field_codes, len(named)).astype(np.int32)
    return codes, [*named, _NONE]


def operations_review(
    table: WorkItemTable,
    policy: Policy,
    *,
    as_of: object,
    services: str = "department",
    top: int | None = None,
    previous: float | None = None,
    fitness: Mapping[str, tuple[float, float]] | None = None,
    feedback: Sequence[Feedback] | None = None,
    trend_weeks: int = 4,
    day_count: DayCount = "elapsed",
) -> OperationsReview:
    """Operations Review: several services side by side, and the hand-offs between them.

    Each service gets its own :func:`service_delivery_review` (same options) over
    its items; the hand-offs come from :func:`customer_journey` of the whole table,
    kept where both departments are services of the review.

    Parameters
    ----------
    table : WorkItemTable
    policy : Policy
    as_of : instant
        The instant of the review.
    services : str, optional
        What a service is (see :func:`service_of_items`): ``"department"`` or the
        name of a categorical field of the table.
    top : int, optional
        Keep the `top` services with the most requests by `as_of` and pool the
        others as ``"(other services)"`` (nothing is left out); default: all (at
        most 1,000,000).
        Departments that hold no request at `as_of` but handed work on are pooled
        there too, so that every hand-off between named departments is shown.
    previous, fitness, trend_weeks, day_count
        As for :func:`service_delivery_review`.
    feedback : sequence of Feedback, optional
        As for :func:`service_delivery_review`; each service counts the feedback about
        its own items, so that no piece counts twice (feedback about no item, or an
        item of no service, is left out of the services).

    Notes
    -----
    Every service's throughput per week is over the same window, from the first
    request of the whole table to `as_of`, so that the services' figures add up to
    the whole table's. One review is computed per service: meant for tens of services
    (`top` pools the rest).

    Returns
    -------
    OperationsReview

    Raises
    ------
    customer_kanban.errors.ValidationError
        If `services` is neither ``"department"`` nor a categorical field, `top` is
        outside [1, 1,000,000], or an option of :func:`service_delivery_review` is
        out of range.
    TypeError
        If `table` is not a WorkItemTable, `policy` not a Policy, or `top` not a
        whole number.

    Examples
    --------
    >>> from customer_kanban.datasets import DEMO_AS_OF, load_incidents
    >>> table, policy = load_incidents()
    >>> ops = operations_review(table, policy, as_of=DEMO_AS_OF, top=3)
    >>> ops.services
    ('Group 70', 'Group 25', 'Group 39', '(other services)')
    >>> sum(r.row("all", "all").open_requests + r.row("all", "all").delivered
    ...     for r in ops.reviews) == len(table.as_of(DEMO_AS_OF))
    True
    """
    expect(table, WorkItemTable, "table")
    expect(policy, Policy, "policy")
    top = None if top is None else as_whole_number(top, name="top", minimum=1, maximum=MAX_TOP)
    when = as_instant_scalar(as_of, name="as_of")
    values = () if feedback is None else check_feedback(feedback)
    codes, labels = service_of_items(table, services=services, as_of=when)
    seen = table["requested_at"] <= when
    kept, others = _ranked_services(codes[seen], len(labels), top)
    journey = customer_journey(table, workflow=policy, as_of=when)
    # Each department that is a service of the review, under its name in the review.
    name_of = {labels[k]: labels[k] for k in kept} | {labels[k]: _OTHER for k in others}
    name_of.pop(_NONE, None)
    pairs = _handoffs(journey.handoff_pairs, name_of)
    names, masks = _service_items(codes, [labels[k] for k in kept], kept, others, seen, pairs)
    # One throughput window for all the services: from the whole table's first request.
    first = table["requested_at"][seen].min() if seen.any() else when
    window_days = max(float((when - first) / np.timedelta64(1, "ns")) / NS_PER_DAY, 1e-9)
    own = _feedback_per_service(table, masks, values)
    reviews = tuple(
        service_delivery_review(
            table.filter(mask),
            policy,
            as_of=when,
            previous=previous,
            fitness=fitness,
            feedback=None if feedback is None else own[k],
            trend_weeks=trend_weeks,
            window_days=window_days,
            day_count=day_count,
        )
        for k, mask in enumerate(masks)
    )
    as_of_dt = to_datetime(when)
    assert as_of_dt is not None  # as_instant_scalar refuses NaT
    return OperationsReview(
        as_of=as_of_dt,
        services_by=services,
        services=tuple(names),
        reviews=reviews,
        handoffs=pairs,
        per_service=tuple(_per_service(name, pairs) for name in names),
    )


def _ranked_services(
    codes: npt.NDArray[np.int32], n_labels: int, top: int | None
) -> tuple[list[int], list[int]]:
    """The services kept (most requests first, `top` of them) and those pooled (the
    others, and those without requests)."""
    requests = np.bincount(codes[codes >= 0], minlength=n_labels)
    ranked = [int(k) for k in np.argsort(-requests, kind="stable") if requests[k] > 0]
    kept = ranked if top is None else ranked[:top]
    return kept, sorted(set(range(n_labels)) - set(kept))


def _service_items(
    codes: npt.NDArray[np.int32],
    names: list[str],
    kept: list[int],
    others: list[int],
    seen: npt.NDArray[np.bool_],
    pairs: Sequence[HandoffPair],
) -> tuple[list[str], list[npt.NDArray[np.bool_]]]:
    """The services' names and items: those kept, then the pool of the others when it
    has a request or a hand-off."""
    masks = [codes == k for k in kept]  # one mask per service: a few dozen at most
    pooled = np.isin(codes, others)
    if (pooled & seen).any() or any(_OTHER in (p.from_department, p.to_department) for p in pairs):
        return [*names, _OTHER], [*masks, pooled]
    return names, masks


def _handoffs(
    journey_pairs: Sequence[HandoffPair], name_of: Mapping[str, str]
) -> tuple[HandoffPair, ...]:
    """The journey's hand-offs between two services of the review (pooled ones under
    their pool's name), most waiting first."""
    merged: dict[tuple[str, str], list[float]] = {}
    for p in journey_pairs:  # a few hundred department pairs at most
        a, b = name_of.get(p.from_department), name_of.get(p.to_department)
        if a is not None and b is not None:
            total = merged.setdefault((a, b), [0, 0.0])
            total[0] += p.count
            total[1] += p.waiting_days
    pairs = (
        HandoffPair(from_department=a, to_department=b, count=int(c), waiting_days=w)
        for (a, b), (c, w) in merged.items()
    )
    return tuple(
        sorted(pairs, key=lambda p: (-p.waiting_days, -p.count, p.from_department, p.to_department))
    )


def _feedback_per_service(
    table: WorkItemTable, masks: Sequence[npt.NDArray[np.bool_]], feedback: Sequence[Feedback]
) -> list[list[Feedback]]:
    """Each service's feedback: about its own items (the item found by one sort of the ids)."""
    own: list[list[Feedback]] = [[] for _ in masks]
    if not feedback:
        return own
    item_service = np.full(len(table), -1, dtype=np.int64)
    for k, mask in enumerate(masks):  # tens of services
        item_service[mask] = k
    row = positions(table["id"], np.array([f.item for f in feedback], dtype=object))
    home = np.full(row.size, -1, dtype=np.int64)
    home[row >= 0] = item_service[row[row >= 0]]
    for f, k in zip(feedback, home.tolist(), strict=True):  # the feedback values
        if k >= 0:
            own[k].append(f)
    return own


def _per_service(name: str, pairs: Sequence[HandoffPair]) -> ServiceHandoffs:
    """The hand-offs received and passed by one service (a few hundred pairs)."""
    return ServiceHandoffs(
        service=name,
        received=sum(p.count for p in pairs if p.to_department == name),
        passed=sum(p.count for p in pairs if p.from_department == name),
        waiting_after_received=math.fsum(p.waiting_days for p in pairs if p.to_department == name),
    )


def _handoff_cells(h: ServiceHandoffs) -> Cells:
    return {
        "received": h.received,
        "passed": h.passed,
        "waiting_after_received": h.waiting_after_received,
    }


def _pair_cells(p: HandoffPair) -> Cells:
    return {
        "from_department": p.from_department,
        "to_department": p.to_department,
        "count": p.count,
        "waiting_days": p.waiting_days,
    }


def _render(review: OperationsReview) -> str:
    lines = _head(review) + text_table(
        _columns(review), [_service_line(review, k) for k in range(len(review.services))]
    )
    if review.handoffs:
        lines += ["", "Hand-offs between services (most waiting first)"]
        lines += text_table(
            ["from", "to", "hand-offs", "waited (d)"],
            [
                [p.from_department, p.to_department, str(p.count), number(p.waiting_days, "{:.1f}")]
                for p in review.handoffs[:15]
            ],
        )
        if len(review.handoffs) > 15:
            lines.append(f"... {len(review.handoffs) - 15} more pairs (see to_dict())")
    return "\n".join(lines)


def _previous(review: OperationsReview) -> float | None:
    return review.reviews[0].previous if review.reviews else None


def _head(review: OperationsReview) -> list[str]:
    previous = _previous(review)
    days = day_words(review.reviews[0].day_count if review.reviews else "elapsed")
    head = [
        f"Operations Review as of {review.as_of:%Y-%m-%d %H:%M} UTC",
        f"{len(review.services)} services ({review.services_by}), each with its own "
        f"Service Delivery Review (all its work); customer lead time in {days}.",
        "hand-offs in/out: between the services of this review; waited after: days "
        "customers waited after the hand-offs in.",
    ]
    if previous is not None:
        head.append(f"(+n): change since {previous:g} days earlier.")
    if review.services and not review.handoffs:
        head.append(
            "No hand-off between two services: hand-offs are between departments, and "
            "no two departments are services of this review."
        )
    return [*head, ""]


def _columns(review: OperationsReview) -> list[str]:
    qs = review.reviews[0].q if review.reviews else ()
    return [
        "service",
        "delivered",
        f"customer LT {'/'.join(f'p{q:g}' for q in qs)}",
        "attained",
        "thru/wk",
        "WIP",
        "open",
        "at risk",
        "waited (d)",
        "blocked (d)",
        "delay cost",
        "hand-offs in/out",
        "waited after (d)",
    ]


def _service_line(review: OperationsReview, k: int) -> list[str]:
    """The text cells of the `k`-th service: its total line, changes, hand-offs."""
    row = review.reviews[k].row("all", "all")
    e, h = row.earlier, review.per_service[k]

    def ch(name: str, fmt: str = "{:.0f}", scale: float = 1.0, step: str = "{:+.0f}") -> str:
        before = None if e is None else getattr(e, name)
        return with_change(getattr(row, name), before, fmt, scale, step)

    new = _previous(review) is not None and e is None
    return [
        review.services[k] + (" (new)" if new else ""),
        ch("delivered"),
        " / ".join(number(v) for v in row.customer_lead_time),
        ch("attainment", "{:.0%}", 100.0),
        ch("throughput_per_week", "{:.1f}", step="{:+.1f}"),
        ch("wip"),
        ch("open_requests"),
        with_change(len(row.at_risk), None if e is None else len(e.at_risk), "{:.0f}"),
        ch("customer_waiting_days"),
        ch("blocked_days"),
        ch("delay_cost", "{:,.0f}", step="{:+,.0f}"),
        f"{h.received}/{h.passed}",
        number(h.waiting_after_received, "{:.0f}"),
    ]
