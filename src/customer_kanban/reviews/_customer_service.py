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
import html
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from customer_kanban import metrics
from customer_kanban._core.results import Result, result
from customer_kanban.customers import ServiceComparison, compare_service, feedback_summary, nps
from customer_kanban.errors import InsufficientDataWarning, ValidationError
from customer_kanban.model import Feedback, Policy
from customer_kanban.reviews._service_delivery import _as_of_instant, sle_per_item
from customer_kanban.reviews._text import number, text_table
from customer_kanban.table import CustomerTable, WorkItemTable

__all__ = ["SegmentServiceReview", "SegmentServiceRow", "service_by_segment"]

_NS_PER_DAY = 86_400_000_000_000


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
    """

    as_of: _dt.datetime
    rows: tuple[SegmentServiceRow, ...]
    focus: str
    lead_time_comparison: ServiceComparison | None
    sle_comparison: ServiceComparison | None

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

    def _repr_html_(self) -> str:
        """Notebook display: the text table, preformatted (names escaped)."""
        return f"<pre>{html.escape(self.render())}</pre>"


def _feedback_arrays(
    feedback: Sequence[Feedback], customers: CustomerTable, when: np.datetime64
) -> tuple[npt.NDArray[np.intp], npt.NDArray[Any], npt.NDArray[np.float64]]:
    """Customer row, kind and score of the feedback given by `when`."""
    stamps = np.array([f.at.replace(tzinfo=None) for f in feedback], dtype="datetime64[ns]")
    keep = stamps <= when if len(feedback) else np.zeros(0, dtype=bool)
    ids = np.array([f.customer for f in feedback], dtype=object)[keep]
    kinds = np.array([f.kind.value for f in feedback], dtype=object)[keep]
    scores = np.array([np.nan if f.score is None else f.score for f in feedback], dtype=np.float64)[
        keep
    ]
    return customers.lookup(ids), kinds, scores


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
        Permutations of the comparisons' tests.
    rng : numpy.random.Generator or int or None, optional
        Randomness of the permutation tests (seeded: same seed, same review).

    Returns
    -------
    SegmentServiceReview

    Raises
    ------
    customer_kanban.errors.ValidationError
        If the table has no ``customer`` field, or `focus` is not a segment of
        `customers`.

    Examples
    --------
    >>> from customer_kanban.datasets import load_incidents
    >>> from customer_kanban.model import Customer
    >>> table, policy = load_incidents()
    >>> callers = table.codes("customer")[1]
    >>> ct = CustomerTable.from_customers(
    ...     Customer(id=c, segment="premium" if k % 5 == 0 else "standard",
    ...              internal=k % 2 == 0) for k, c in enumerate(callers))
    >>> r = service_by_segment(table, ct, policy, as_of="2016-03-07", rng=0)
    >>> [row.group for row in r.rows]
    ['all', 'premium', 'standard', 'internal', 'external']
    >>> r.row("premium").requests + r.row("standard").requests == r.row("all", "all").requests
    True
    """
    if "customer" not in table.categorical_fields:
        raise ValidationError("the table has no `customer` field to join customers on")
    when = _as_of_instant(as_of)
    requested, delivered = table["requested_at"], table["delivered_at"]
    seen = requested <= when
    done = seen & (delivered <= when)
    lead = np.where(done, delivered - requested, when - requested).view(np.int64) / _NS_PER_DAY
    lead[~seen] = np.nan
    item_customer_codes, customer_labels = table.codes("customer")
    row_of_label = customers.lookup(customer_labels)
    item_row = np.where(
        item_customer_codes >= 0, row_of_label[np.maximum(item_customer_codes, 0)], -1
    )
    seg_codes, seg_labels = customers.codes("segment")
    item_seg = np.where(item_row >= 0, seg_codes[np.maximum(item_row, 0)], -1)
    seg_names = [str(s) for s in seg_labels]
    if focus not in seg_names:
        raise ValidationError(
            f"`focus` {focus!r} is not a segment of the customer table; its segments are "
            f"{seg_names}"
        )
    none_code = len(seg_names)
    item_seg = np.where(item_seg >= 0, item_seg, none_code)
    seg_groups = (np.where(seen, item_seg, -1), [*seg_names, "(none)"])
    known = item_row >= 0
    internal = np.where(known, customers.internal[np.maximum(item_row, 0)], False)
    kind_groups = (
        np.where(seen & known, np.where(internal, 0, 1), -1),
        ["internal", "external"],
    )
    all_groups = (np.where(seen, 0, -1), ["all"])

    sle_days = met = None
    if policy is not None:
        sle_days, _ = sle_per_item(table, policy)
        met = np.where(done & np.isfinite(sle_days), lead <= sle_days, np.nan)

    fb_rows, fb_kinds, fb_scores = (
        _feedback_arrays(feedback, customers, when)
        if feedback
        else (np.zeros(0, np.intp), np.zeros(0, object), np.zeros(0))
    )
    fb_seg = np.where(fb_rows >= 0, seg_codes[np.maximum(fb_rows, 0)], -1)
    fb_seg = np.where(fb_seg >= 0, fb_seg, none_code)
    fb_internal = np.where(fb_rows >= 0, customers.internal[np.maximum(fb_rows, 0)], False)

    rows: list[SegmentServiceRow] = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InsufficientDataWarning)
        for dimension, groups, fb_codes in (
            ("all", all_groups, np.zeros(fb_rows.size, np.intp)),
            ("segment", seg_groups, fb_seg),
            (
                "customer_kind",
                kind_groups,
                np.where(fb_rows >= 0, np.where(fb_internal, 0, 1), -1),
            ),
        ):
            rows += _rows(
                dimension,
                groups,
                lead=lead,
                done=done,
                seen=seen,
                sle_days=sle_days,
                customer_codes=item_customer_codes,
                requested=requested,
                delivered=delivered,
                when=when,
                fb=(fb_codes, fb_kinds, fb_scores),
            )
    rows = [r for r in rows if r.dimension == "all" or r.requests or r.group != "(none)"]

    focus_items = done & (item_seg == (seg_names.index(focus) if focus in seg_names else -2))
    lead_cmp = sle_cmp = None
    if focus in seg_names:
        side = np.where(focus_items, 0, np.where(done, 1, -1))
        sides = (side, [focus, "others"])
        lead_cmp = compare_service(lead, by=sides, focus=focus, permutations=permutations, rng=rng)
        if met is not None:
            sle_cmp = compare_service(
                met,
                by=sides,
                focus=focus,
                higher_is_better=True,
                statistic="mean",
                permutations=permutations,
                rng=rng,
            )
    return SegmentServiceReview(
        as_of=_dt.datetime.fromisoformat(str(when.astype("datetime64[us]"))).replace(
            tzinfo=_dt.timezone.utc
        ),
        rows=tuple(rows),
        focus=focus,
        lead_time_comparison=lead_cmp,
        sle_comparison=sle_cmp,
    )


def _rows(
    dimension: str,
    groups: tuple[npt.NDArray[Any], list[str]],
    *,
    lead: npt.NDArray[np.float64],
    done: npt.NDArray[np.bool_],
    seen: npt.NDArray[np.bool_],
    sle_days: npt.NDArray[np.float64] | None,
    customer_codes: npt.NDArray[Any],
    requested: npt.NDArray[np.datetime64],
    delivered: npt.NDArray[np.datetime64],
    when: np.datetime64,
    fb: tuple[npt.NDArray[Any], npt.NDArray[Any], npt.NDArray[np.float64]],
) -> list[SegmentServiceRow]:
    codes, labels = groups
    by = (codes, labels)
    delivered_lead = np.where(done, lead, np.nan)
    plain = metrics.percentiles(delivered_lead, [50, 85], by=by, method="inverted_cdf")
    aware = metrics.percentiles(lead, 85, by=by, observed=done)
    waiting = metrics.customer_waiting_time(requested, delivered, as_of=when, by=by)
    if sle_days is None:
        attained = np.full(len(labels), np.nan)
    else:  # items without an SLE are left out (NaN duration)
        has_sle = np.isfinite(sle_days)
        attained = metrics.sle_attainment(
            np.where(has_sle, delivered_lead, np.nan), np.where(has_sle, sle_days, 1.0), by=by
        ).attainment
    fb_codes, fb_kinds, fb_scores = fb
    fb_by = (np.where(fb_codes < len(labels), fb_codes, -1), labels)
    kinds = feedback_summary(fb_kinds, by=fb_by).counts
    scores = nps(fb_scores, by=fb_by).value
    n = len(labels)
    in_group = [codes == g for g in range(n)]  # a handful of groups
    out = []
    for g, label in enumerate(labels):
        mine = in_group[g]
        out.append(
            SegmentServiceRow(
                dimension=dimension,
                group=str(label),
                customers=int(np.unique(customer_codes[mine & (customer_codes >= 0)]).size),
                requests=int(np.count_nonzero(mine & seen)),
                delivered=int(np.count_nonzero(mine & done)),
                open_requests=int(np.count_nonzero(mine & seen & ~done)),
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


def _render(review: SegmentServiceReview) -> str:
    head = [
        f"Service by customer segment as of {review.as_of:%Y-%m-%d %H:%M} UTC",
        "Customer lead time: request -> delivery (days); 'p85 all' counts open requests as "
        "'at least this old'.",
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
