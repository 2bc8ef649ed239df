"""Service by customer segment: is each kind of customer served as the policy says?

The work items name their customer; a :class:`~customer_kanban.table.CustomerTable`
says which segment each customer is in and whether it is internal (another
department) or external. This review joins the two and shows, per segment and
for internal and external customers side by side: customer lead time (delivered
items, and censoring-aware with the open requests counted), SLE attainment,
customers' waiting time and, where given, their feedback; then answers "are
the focus customers (premium by default) served at least as well as the
others?" with effect sizes and a permutation-test p-value. Every figure is a
metric function's; the review only selects and joins.
"""

from __future__ import annotations

import datetime as _dt
import warnings
from collections.abc import Sequence
from typing import Any, cast

import attrs
import numpy as np
import numpy.typing as npt

from customer_kanban import metrics
from customer_kanban._core.instants import to_datetime
from customer_kanban._core.results import Result, result
from customer_kanban._core.validation import (
    DAY_COUNTS,
    DayCount,
    as_generator,
    as_instant_scalar,
    as_whole_number,
    check_choice,
)
from customer_kanban.customers import ServiceComparison, compare_service, feedback_summary, nps
from customer_kanban.errors import InsufficientDataWarning, ValidationError
from customer_kanban.model import Feedback, Policy
from customer_kanban.reviews._checks import expect
from customer_kanban.reviews._service_delivery import check_feedback, sle_per_item
from customer_kanban.reviews._service_text import day_words
from customer_kanban.reviews._tables import (
    Cells,
    Columns,
    columns_of,
    constant_columns,
    html_tables,
)
from customer_kanban.reviews._text import number, text_table
from customer_kanban.table import CustomerTable, WorkItemTable

__all__ = ["SegmentServiceReview", "SegmentServiceRow", "service_by_segment"]

_NONE = "(none)"
Groups = tuple[npt.NDArray[Any], list[str]]


@result
class SegmentServiceRow(Result):
    """One line: a customer segment, internal or external customers, or all.

    Attributes
    ----------
    dimension : str
        ``"all"``, ``"segment"`` or ``"customer_kind"`` (internal / external).
    group : str
        The segment, ``"internal"`` / ``"external"``, or ``"all"``.
    customers : int
        Customers of the group with a request by ``as_of``.
    requests, delivered, open_requests : int
        Requests made by ``as_of``, those delivered, those still open.
    lead_time_p50, lead_time_p85 : float
        Customer lead time of the delivered requests. [days]
    lead_time_p85_censored : float
        The 85th percentile with the open requests counted as "at least this
        old" (Kaplan–Meier; ``inf`` when they keep it out of reach). [days]
    attainment : float
        Share of delivered requests within their SLE (NaN without a policy).
    waiting_days : float
        Total days customers of the group waited, delivered and open. [days]
    feedback : tuple of int
        Feedback of kind (confirmation, improvement, negative) from the group.
    nps : float
        Net Promoter Score of the feedback scores (NaN without scores).
    """

    dimension: str
    group: str
    customers: int
    requests: int
    delivered: int
    open_requests: int
    lead_time_p50: float
    lead_time_p85: float
    lead_time_p85_censored: float
    attainment: float
    waiting_days: float
    feedback: tuple[int, int, int]
    nps: float

    def _frame_columns(self) -> Columns:
        """One row: the line's figures (the feedback counts as ``feedback_confirmation`` ...)."""
        return columns_of([row_cells(self)])


@result
class SegmentServiceReview(Result):
    """Service per customer segment, internal and external customers, and a comparison.

    Attributes
    ----------
    as_of : datetime
        The instant of the review (UTC).
    rows : tuple of SegmentServiceRow
        ``all``, then one line per segment (and ``"(none)"`` for customers
        without a segment or unknown to the customer table), then internal
        and external customers.
    focus : str
        The segment compared with every other customer.
    lead_time_comparison : ServiceComparison or None
        :func:`~customer_kanban.compare_service` of the delivered
        requests' customer lead time, focus vs the rest (lower is better).
    sle_comparison : ServiceComparison or None
        The same on "delivered within its SLE" (1/0, higher is better);
        ``None`` without a policy.
    day_count : str
        How the lead times and ages count days (``"elapsed"``, ``"exclusive"``,
        ``"inclusive"`` or ``"business"``; see
        :func:`customer_kanban.metrics.lead_time`).
    """

    as_of: _dt.datetime
    rows: tuple[SegmentServiceRow, ...]
    focus: str
    lead_time_comparison: ServiceComparison | None
    sle_comparison: ServiceComparison | None
    day_count: str = "elapsed"

    def row(self, group: str, dimension: str = "segment") -> SegmentServiceRow:
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

    def _frame_columns(self) -> Columns:
        """One row per line (``dimension``, ``group``, the figures, the feedback counts as
        ``feedback_confirmation`` ...); ``as_of`` and ``focus`` constant."""
        columns = columns_of([row_cells(r) for r in self.rows])
        settings = constant_columns(
            len(self.rows), as_of=self.as_of, focus=self.focus, day_count=self.day_count
        )
        return {**columns, **settings}

    def _html_title(self) -> str:
        return f"Service by customer segment as of {self.as_of:%Y-%m-%d %H:%M} UTC"

    def _repr_html_(self) -> str:
        lines = columns_of([row_cells(r) for r in self.rows])
        compared = columns_of(
            [
                _comparison_cells(name, cmp)
                for name, cmp in (
                    ("customer lead time", self.lead_time_comparison),
                    ("delivered within SLE", self.sle_comparison),
                )
                if cmp is not None
            ]
        )
        title = f"Is {self.focus} served at least as well as the other customers?"
        return html_tables((self._html_title(), lines), (title, compared))


@attrs.frozen(eq=False)
class _Voice:
    """The feedback given by `when`: its customer's segment and kind codes, kind, score."""

    segment: npt.NDArray[np.int64]  # none_code: no segment or unknown customer
    customer_kind: npt.NDArray[np.int64]  # 0 internal, 1 external, -1 unknown customer
    kinds: npt.NDArray[Any]
    scores: npt.NDArray[np.float64]


def _voice(
    feedback: Sequence[Feedback], customers: CustomerTable, when: np.datetime64, n_segments: int
) -> _Voice:
    """Feedback values are Python objects: one pass over them makes the columns."""
    stamps = np.array([f.at.replace(tzinfo=None) for f in feedback], dtype="datetime64[ns]")
    keep = stamps <= when if len(feedback) else np.zeros(0, dtype=bool)
    ids = np.array([f.customer for f in feedback], dtype=object)[keep]
    kinds = np.array([f.kind.value for f in feedback], dtype=object)[keep]
    scores = np.array([np.nan if f.score is None else f.score for f in feedback], np.float64)
    rows = customers.lookup(ids)
    known = rows >= 0
    segment = np.where(known, customers.codes("segment")[0][np.maximum(rows, 0)], -1)
    internal = np.where(known, customers.internal[np.maximum(rows, 0)], False)
    return _Voice(
        segment=np.where(segment >= 0, segment, n_segments),
        customer_kind=np.where(known, np.where(internal, 0, 1), -1),
        kinds=kinds,
        scores=scores[keep],
    )


def service_by_segment(
    table: WorkItemTable,
    customers: CustomerTable,
    policy: Policy | None = None,
    *,
    as_of: object,
    feedback: Sequence[Feedback] = (),
    focus: str = "premium",
    permutations: int = 9999,
    rng: np.random.Generator | int | None = None,
    day_count: DayCount = "elapsed",
) -> SegmentServiceReview:
    """Service per customer segment and for internal vs external customers.

    Parameters
    ----------
    table : WorkItemTable
        Work items with a ``customer`` field (customer ids).
    customers : CustomerTable
        Segment and internal flag of each customer.
    policy : Policy, optional
        For SLE attainment (each item held to its class's SLE).
    as_of : instant
        The instant of the review; later requests and feedback are left out.
    feedback : sequence of Feedback, optional
        Customers' feedback: counted per kind, NPS from the scores (0-10).
    focus : str, optional
        Segment compared with all other customers.
    permutations : int, optional
        Permutations of each comparison's test (at least 1, at most 1,000,000;
        :func:`~customer_kanban.customers.compare_service` may bound them further by
        the size of the data).
    rng : numpy.random.Generator or int or None, optional
        Randomness of the permutation tests (seeded: same seed, same review).
    day_count : {"elapsed", "exclusive", "inclusive", "calendar", "business"}, optional
        How the customer lead times and the ages of open requests count days, as
        :func:`customer_kanban.metrics.lead_time` and
        :func:`customer_kanban.metrics.work_item_age` count them (business days:
        Monday to Friday without holidays). The percentiles, SLE attainment and both
        comparisons use these counts; waiting stays in elapsed days.

    Returns
    -------
    SegmentServiceReview

    Raises
    ------
    customer_kanban.errors.ValidationError
        If the table has no ``customer`` field, `focus` is not a segment of
        `customers`, `as_of` is not one instant, `permutations` is outside
        [1, 1,000,000] or `day_count` is not one of its four names.
    TypeError
        If `table` is not a WorkItemTable, `customers` not a CustomerTable, `policy`
        not a Policy (or None), `focus` not a string, `permutations` not a whole
        number or `rng` not one of its three forms.

    Examples
    --------
    >>> from customer_kanban.datasets import DEMO_AS_OF, load_incidents
    >>> from customer_kanban.model import Customer
    >>> table, policy = load_incidents()
    >>> callers = table.codes("customer")[1]
    >>> ct = CustomerTable.from_customers(
    ...     Customer(id=c, segment="premium" if k % 5 == 0 else "standard",
    ...              internal=k % 2 == 0) for k, c in enumerate(callers))
    >>> r = service_by_segment(table, ct, policy, as_of=DEMO_AS_OF, rng=0)  # 3 have no caller
    >>> [row.group for row in r.rows]
    ['all', 'premium', 'standard', '(none)', 'internal', 'external']
    >>> segments = ("premium", "standard", "(none)")
    >>> sum(r.row(g).requests for g in segments) == r.row("all", "all").requests
    True
    """
    when, days = _segment_iv(
        table,
        customers,
        policy,
        as_of=as_of,
        focus=focus,
        perms=permutations,
        day_count=day_count,
    )
    gen = as_generator(rng)  # one stream for both comparisons, whatever form `rng` takes
    joined = _join(table, customers, when, focus, days)
    sle_days = None if policy is None else sle_per_item(table, policy)[0]
    voice = _voice(check_feedback(feedback), customers, when, len(joined.segments))
    rows: list[SegmentServiceRow] = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InsufficientDataWarning)
        for dimension, groups, fb_codes in _dimensions(joined, voice):
            rows += _rows(dimension, groups, joined, sle_days, voice, fb_codes)
    rows = [r for r in rows if r.dimension == "all" or r.requests or r.group != _NONE]
    lead_cmp, sle_cmp = _comparisons(joined, sle_days, focus, permutations, gen)
    as_of_dt = to_datetime(when)
    assert as_of_dt is not None  # as_instant_scalar refuses NaT
    return SegmentServiceReview(
        as_of=as_of_dt,
        rows=tuple(rows),
        focus=focus,
        lead_time_comparison=lead_cmp,
        sle_comparison=sle_cmp,
        day_count=days,
    )


#: Largest `permutations` of :func:`service_by_segment` (both of its tests draw them).
MAX_PERMUTATIONS = 1_000_000


def _segment_iv(
    table: object,
    customers: object,
    policy: object,
    *,
    as_of: object,
    focus: object,
    perms: object,
    day_count: object,
) -> tuple[np.datetime64, DayCount]:
    """Check the arguments; return the review's instant and day count."""
    if "customer" not in getattr(table, "categorical_fields", ("customer",)):
        raise ValidationError("`table` has no `customer` field to join customers on")
    expect(table, WorkItemTable, "table")
    expect(customers, CustomerTable, "customers")
    if policy is not None:
        expect(policy, Policy, "policy")
    if not isinstance(focus, str):
        raise TypeError(f"`focus` must be a segment name (a string), got {type(focus).__name__}")
    when = as_instant_scalar(as_of, name="as_of")
    as_whole_number(perms, name="permutations", minimum=1, maximum=MAX_PERMUTATIONS)
    days = check_choice(day_count, name="day_count", choices=DAY_COUNTS)
    return when, cast("DayCount", days)


@attrs.frozen(eq=False)
class _Joined:
    """The work items joined with their customers, as known at `when`."""

    when: np.datetime64
    requested: npt.NDArray[np.datetime64]
    delivered: npt.NDArray[np.datetime64]
    seen: npt.NDArray[np.bool_]
    done: npt.NDArray[np.bool_]
    lead: npt.NDArray[np.float64]  # customer lead time, or age when open; NaN unseen [days]
    customer_codes: npt.NDArray[Any]  # the item's customer (-1: none)
    segment: npt.NDArray[np.int64]  # the item's segment code (none_code: no segment)
    internal: npt.NDArray[np.bool_]
    known: npt.NDArray[np.bool_]  # the customer is in the customer table
    segments: list[str]  # the customer table's segments
    focus_code: int


def _join(
    table: WorkItemTable,
    customers: CustomerTable,
    when: np.datetime64,
    focus: str,
    day_count: DayCount,
) -> _Joined:
    requested, delivered = table["requested_at"], table["delivered_at"]
    seen = requested <= when
    done = seen & (delivered <= when)
    # The lead time of the requests delivered by `when`, the age of the others (NaN: not
    # requested yet).
    lead = np.where(
        done,
        metrics.lead_time(requested, delivered, day_count=day_count),
        metrics.work_item_age(requested, delivered, as_of=when, day_count=day_count),
    )
    customer_codes, customer_labels = table.codes("customer")
    row_of_label = customers.lookup(customer_labels)
    item_row = np.where(customer_codes >= 0, row_of_label[np.maximum(customer_codes, 0)], -1)
    seg_codes, seg_labels = customers.codes("segment")
    segments = [str(s) for s in seg_labels]
    if focus not in segments:
        raise ValidationError(
            f"`focus` {focus!r} is not a segment of the customer table; its segments are {segments}"
        )
    item_seg = np.where(item_row >= 0, seg_codes[np.maximum(item_row, 0)], -1)
    known = item_row >= 0
    return _Joined(
        when=when,
        requested=requested,
        delivered=delivered,
        seen=seen,
        done=done,
        lead=lead,
        customer_codes=customer_codes,
        segment=np.where(item_seg >= 0, item_seg, len(segments)),
        internal=np.where(known, customers.internal[np.maximum(item_row, 0)], False),
        known=known,
        segments=segments,
        focus_code=segments.index(focus),
    )


def _dimensions(joined: _Joined, voice: _Voice) -> list[tuple[str, Groups, npt.NDArray[Any]]]:
    """Each dimension's grouping of the items, and of the feedback (by its customer)."""
    seen, known = joined.seen, joined.known
    kind = np.where(seen & known, np.where(joined.internal, 0, 1), -1)
    return [
        ("all", (np.where(seen, 0, -1), ["all"]), np.zeros(voice.kinds.size, np.intp)),
        (
            "segment",
            (np.where(seen, joined.segment, -1), [*joined.segments, _NONE]),
            voice.segment,
        ),
        ("customer_kind", (kind, ["internal", "external"]), voice.customer_kind),
    ]


def _rows(
    dimension: str,
    groups: Groups,
    joined: _Joined,
    sle_days: npt.NDArray[np.float64] | None,
    voice: _Voice,
    fb_codes: npt.NDArray[Any],
) -> list[SegmentServiceRow]:
    codes, labels = groups
    by = (codes, labels)
    delivered_lead = np.where(joined.done, joined.lead, np.nan)
    plain = metrics.percentiles(delivered_lead, [50, 85], by=by, method="inverted_cdf")
    aware = metrics.percentiles(joined.lead, 85, by=by, observed=joined.done)
    waiting = metrics.customer_waiting_time(
        joined.requested, joined.delivered, as_of=joined.when, by=by
    )
    attained = _attainment(delivered_lead, sle_days, by)
    fb_by = (np.where(fb_codes < len(labels), fb_codes, -1), labels)
    kinds = feedback_summary(voice.kinds, by=fb_by).counts
    scores = nps(voice.scores, by=fb_by).value
    out = []
    for g, label in enumerate(labels):  # a handful of groups
        mine = codes == g
        out.append(
            SegmentServiceRow(
                dimension=dimension,
                group=str(label),
                **_counts(joined, mine),
                lead_time_p50=float(plain.values[g, 0]),
                lead_time_p85=float(plain.values[g, 1]),
                lead_time_p85_censored=float(aware.values[g, 0]),
                attainment=float(attained[g]),
                waiting_days=float(waiting.total_days[g]),
                feedback=(int(kinds[g, 0]), int(kinds[g, 1]), int(kinds[g, 2])),
                nps=float(scores[g]),
            )
        )
    return out


def _attainment(
    delivered_lead: npt.NDArray[np.float64], sle_days: npt.NDArray[np.float64] | None, by: Groups
) -> npt.NDArray[np.float64]:
    """SLE attainment per group (NaN without a policy); items without an SLE left out."""
    if sle_days is None:
        return np.full(len(by[1]), np.nan)
    has_sle = np.isfinite(sle_days)
    out: npt.NDArray[np.float64] = metrics.sle_attainment(
        np.where(has_sle, delivered_lead, np.nan), np.where(has_sle, sle_days, 1.0), by=by
    ).attainment
    return out


def _counts(joined: _Joined, mine: npt.NDArray[np.bool_]) -> dict[str, int]:
    """Customers, requests, deliveries and open requests of one group."""
    codes = joined.customer_codes
    seen, done = joined.seen, joined.done
    return {
        "customers": int(np.unique(codes[mine & (codes >= 0)]).size),
        "requests": int(np.count_nonzero(mine & seen)),
        "delivered": int(np.count_nonzero(mine & done)),
        "open_requests": int(np.count_nonzero(mine & seen & ~done)),
    }


def _comparisons(
    joined: _Joined,
    sle_days: npt.NDArray[np.float64] | None,
    focus: str,
    permutations: int,
    rng: np.random.Generator,
) -> tuple[ServiceComparison, ServiceComparison | None]:
    """The focus segment against the other customers: on the delivered requests' customer
    lead time (lower is better), and on "delivered within its SLE" (higher is better)."""
    done = joined.done
    focus_items = done & (joined.segment == joined.focus_code)
    side = np.where(focus_items, 0, np.where(done, 1, -1))
    sides = (side, [focus, "others"])
    lead_cmp = compare_service(
        joined.lead, by=sides, focus=focus, permutations=permutations, rng=rng
    )
    if sle_days is None:
        return lead_cmp, None
    met = np.where(done & np.isfinite(sle_days), joined.lead <= sle_days, np.nan)
    sle_cmp = compare_service(
        met,
        by=sides,
        focus=focus,
        higher_is_better=True,
        statistic="mean",
        permutations=permutations,
        rng=rng,
    )
    return lead_cmp, sle_cmp


def row_cells(row: SegmentServiceRow) -> Cells:
    """The frame cells of one line."""
    return {
        "dimension": row.dimension,
        "group": row.group,
        "customers": row.customers,
        "requests": row.requests,
        "delivered": row.delivered,
        "open_requests": row.open_requests,
        "lead_time_p50": row.lead_time_p50,
        "lead_time_p85": row.lead_time_p85,
        "lead_time_p85_censored": row.lead_time_p85_censored,
        "attainment": row.attainment,
        "waiting_days": row.waiting_days,
        "feedback_confirmation": row.feedback[0],
        "feedback_improvement": row.feedback[1],
        "feedback_negative": row.feedback[2],
        "nps": row.nps,
    }


def _comparison_cells(name: str, cmp: ServiceComparison) -> Cells:
    return {
        "figure": name,
        "statistic": cmp.statistic,
        "focus": cmp.focus_statistic,
        "others": cmp.other_statistic,
        "cliffs_delta": cmp.cliffs_delta,
        "pvalue": cmp.pvalue,
        "served_at_least_as_well": cmp.served_at_least_as_well,
    }


def _render(review: SegmentServiceReview) -> str:
    head = [
        f"Service by customer segment as of {review.as_of:%Y-%m-%d %H:%M} UTC",
        f"Customer lead time: request -> delivery ({day_words(review.day_count)}); 'p85 all' "
        "counts open requests as 'at least this old'.",
        "",
    ]
    columns = [
        "",
        "customers",
        "requests",
        "delivered",
        "open",
        "p50",
        "p85",
        "p85 all",
        "within SLE",
        "waited (d)",
        "feedback +/~/-",
        "NPS",
    ]
    titles = {"all": "All customers", "segment": "Segment", "customer_kind": "Customers"}
    body: list[list[str]] = []
    current = None
    for r in review.rows:
        if r.dimension != current:
            current = r.dimension
            body.append([titles[r.dimension]] + [""] * (len(columns) - 1))
        body.append(
            [
                "  " + r.group,
                str(r.customers),
                str(r.requests),
                str(r.delivered),
                str(r.open_requests),
                number(r.lead_time_p50),
                number(r.lead_time_p85),
                number(r.lead_time_p85_censored),
                number(r.attainment, "{:.0%}"),
                number(r.waiting_days, "{:.0f}"),
                "/".join(str(k) for k in r.feedback),
                number(r.nps, "{:+.0f}"),
            ]
        )
    out = head + text_table(columns, body)
    for name, cmp, unit in (
        ("customer lead time", review.lead_time_comparison, "days"),
        ("delivered within SLE", review.sle_comparison, "share"),
    ):
        if cmp is None:
            continue
        verdict = {True: "yes", False: "NO", None: "-"}[cmp.served_at_least_as_well]
        out += [
            "",
            f"Are {review.focus} customers served at least as well as the others "
            f"({name})? {verdict}",
            f"  {cmp.statistic}: {number(cmp.focus_statistic, '{:.3g}')} vs "
            f"{number(cmp.other_statistic, '{:.3g}')} {unit}; Cliff's delta "
            f"{number(cmp.cliffs_delta, '{:+.2f}')}; one-sided permutation p = "
            f"{number(cmp.pvalue, '{:.3g}')} (small: {review.focus} served worse).",
        ]
    return "\n".join(out)
