"""Every review is a Result: a frame of one row per line with readable columns, an HTML
table that escapes the customers' own text (class, segment, department and customer
names), a short repr, strict JSON."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pytest

from customer_kanban import (
    ClassOfService,
    Feedback,
    FeedbackKind,
    Policy,
    ServiceLevelExpectation,
    Workflow,
)
from customer_kanban._core.results import Result
from customer_kanban.datasets import DEMO_AS_OF, incidents_replenishment_policy, load_incidents
from customer_kanban.io import read_event_log
from customer_kanban.model import Customer
from customer_kanban.reviews import (
    BlockerCluster,
    CustomerJourney,
    OperationsReview,
    SegmentServiceReview,
    ServiceDeliveryReview,
    ServiceLevelRow,
    customer_journey,
    operations_review,
    service_by_segment,
    service_delivery_review,
)
from customer_kanban.table import CustomerTable

SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(2)>"
DEPT = '"R&D" <team>'
CUSTOMER = "<b>Acme & Co</b>"
HOSTILE = (SCRIPT, IMG, DEPT, CUSTOMER)

WF = Workflow(
    ["New", "Doing", "Waiting", "Done"],
    "Doing",
    "Done",
    active_states=["Doing"],
)
POLICY = Policy(
    workflow=WF,
    classes_of_service=[ClassOfService(name=SCRIPT, sle=ServiceLevelExpectation(5, 0.85))],
)
AS_OF = "2024-01-12"


def _log() -> dict[str, list[str]]:
    rows = []
    for k in range(6):  # items I0..I5: two departments, some waiting, some open
        item, day = f"I{k}", 1 + k
        rows += [
            (item, "New", f"2024-01-0{day}", "Desk"),
            (item, "Doing", f"2024-01-0{day + 1}", DEPT),
            (item, "Waiting", f"2024-01-0{day + 2}", "Desk"),
        ]
        if k % 3:
            rows.append((item, "Done", f"2024-01-{day + 4:02d}", DEPT))
    columns = list(zip(*rows, strict=True))
    n = len(rows)
    return {
        "item": list(columns[0]),
        "state": list(columns[1]),
        "at": list(columns[2]),
        "team": list(columns[3]),
        "class_of_service": [SCRIPT] * n,
        "segment": [IMG if r[0] in ("I0", "I1", "I2") else "plain" for r in rows],
        "customer": [CUSTOMER if r[0] in ("I0", "I1", "I4") else "Beta" for r in rows],
    }


@pytest.fixture(scope="module")
def table():
    attributes = ["class_of_service", "segment", "customer"]
    return read_event_log(_log(), workflow=WF, department="team", attributes=attributes).table


def _assert_escaped(html: str) -> None:
    for text in HOSTILE:
        assert text not in html
    for tag in ("<script", "<img", "<b>", "<team>"):
        assert tag not in html
    assert "<pre>" not in html
    assert html.startswith('<table class="customer-kanban-result"><caption>')
    assert "<th>" in html


def _assert_result(review: Result, n_rows: int) -> None:
    assert isinstance(review, Result)
    assert len(repr(review).splitlines()) <= 20
    json.loads(review.to_json(), parse_constant=lambda c: pytest.fail(f"non-standard {c}"))
    frame = review.to_frame()
    assert len(frame) == n_rows
    for backend in ("polars", "pyarrow"):
        assert len(review.to_frame(backend)) == n_rows


def test_service_delivery_review_frame_and_html(table):
    review = service_delivery_review(table, POLICY, as_of=AS_OF, previous=2)
    assert isinstance(review, ServiceDeliveryReview)
    _assert_result(review, len(review.rows))
    frame = review.to_frame()
    assert list(frame["group"]) == [r.group for r in review.rows]
    assert SCRIPT in set(frame["group"])
    assert IMG in set(frame["group"])  # a segment line
    for name in ("customer_lead_time_p50", "customer_lead_time_p85", "system_lead_time_p95"):
        assert name in frame.columns
    for k, row in enumerate(review.rows):
        line = frame.iloc[k]
        assert line["delivered"] == row.delivered
        assert line["customer_lead_time_p85"] == pytest.approx(
            row.customer_lead_time[1], nan_ok=True
        )
        assert line["at_risk_count"] == len(row.at_risk)
        assert line["delivered_change"] == pytest.approx(row.change("delivered"), nan_ok=True)
        assert bool(line["new"]) == (row.earlier is None)
        trend = [c for c in frame.columns if c.startswith("throughput_to_") and "change" not in c]
        assert [line[c] for c in trend] == list(row.throughput_trend)
    assert trend[-1] == "throughput_to_2024-01-12"
    assert "sle_days_change" not in frame.columns  # the policy's, not a figure
    assert not [c for c in frame.columns if c.endswith(("_0", "_1", "_2"))]
    assert set(frame["basis"]) == {"customer"}
    _assert_escaped(review._repr_html_())
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in review._repr_html_()
    assert SCRIPT in review.render()  # text is text


def test_lines_alone_are_one_row(table):
    review = service_delivery_review(table, POLICY, as_of=AS_OF)
    row = review.row(SCRIPT)
    assert isinstance(row, ServiceLevelRow)
    frame = row.to_frame()
    assert len(frame) == 1
    assert frame["group"].iloc[0] == SCRIPT
    assert frame["customer_lead_time_1"].iloc[0] == row.customer_lead_time[1]
    assert frame["at_risk_count"].iloc[0] == len(row.at_risk)
    assert "throughput_week_4" in frame.columns
    blocker = BlockerCluster(reason=IMG, blocks=1, items=1, days=2.0, impact=2.0, likelihood=0.5)
    assert len(blocker.to_frame()) == 1
    _assert_escaped(row._repr_html_())


def test_operations_review_frame_and_html(table):
    ops = operations_review(table, POLICY, as_of=AS_OF, previous=1)
    assert isinstance(ops, OperationsReview)
    _assert_result(ops, len(ops.services))
    frame = ops.to_frame()
    assert list(frame["service"]) == list(ops.services)
    assert DEPT in set(frame["service"])
    for k, review in enumerate(ops.reviews):
        total = review.row("all", "all")
        assert frame["delivered"].iloc[k] == total.delivered
        assert frame["received"].iloc[k] == ops.per_service[k].received
    assert "delivered_change" in frame.columns
    assert "received_change" not in frame.columns
    html = ops._repr_html_()
    _assert_escaped(html)
    assert "&quot;R&amp;D&quot; &lt;team&gt;" in html
    assert html.count("<table") == 2  # the services, the hand-offs
    by_customer = operations_review(table, POLICY, as_of=AS_OF, services="customer")
    assert CUSTOMER in by_customer.services
    _assert_escaped(by_customer._repr_html_())
    assert "&lt;b&gt;Acme &amp; Co&lt;/b&gt;" in by_customer._repr_html_()


def test_customer_journey_frame_and_html(table):
    journey = customer_journey(table, workflow=POLICY, as_of=AS_OF)
    assert isinstance(journey, CustomerJourney)
    _assert_result(journey, len(table))
    frame = journey.to_frame()
    assert list(frame["id"]) == list(journey.ids)
    np.testing.assert_array_equal(frame["handoffs"], journey.handoffs)
    np.testing.assert_array_equal(frame["waiting_days"], journey.waiting_days)
    html = journey._repr_html_()
    _assert_escaped(html)
    assert html.count("<table") == 3
    assert "&quot;R&amp;D&quot; &lt;team&gt;" in html


def test_segment_review_frame_and_html(table):
    customers = CustomerTable.from_customers(
        [
            Customer(id=CUSTOMER, segment=IMG, internal=True),
            Customer(id="Beta", segment="plain", internal=False),
        ]
    )
    at = dt.datetime(2024, 1, 5, tzinfo=dt.UTC)
    feedback = [Feedback(customer=CUSTOMER, at=at, kind=FeedbackKind.NEGATIVE, score=3)]
    review = service_by_segment(
        table,
        customers,
        POLICY,
        as_of=AS_OF,
        feedback=feedback,
        focus=IMG,
        permutations=99,
        rng=0,
    )
    assert isinstance(review, SegmentServiceReview)
    _assert_result(review, len(review.rows))
    frame = review.to_frame()
    assert list(frame["group"]) == [r.group for r in review.rows]
    segment = review.row(IMG)
    line = frame[frame["group"] == IMG].iloc[0]
    assert line["feedback_negative"] == segment.feedback[2] == 1
    assert line["lead_time_p85"] == pytest.approx(segment.lead_time_p85, nan_ok=True)
    assert set(frame["focus"]) == {IMG}
    assert len(segment.to_frame()) == 1
    html = review._repr_html_()
    _assert_escaped(html)
    assert html.count("<table") == 2  # the lines, the comparisons
    assert "&lt;img src=x onerror=alert(2)&gt;" in html


def test_demo_reviews_are_short_and_strict():
    table, _ = load_incidents()
    policy = incidents_replenishment_policy()
    review = service_delivery_review(table, policy, as_of=DEMO_AS_OF)
    assert len(review.to_frame()) == len(review.rows) == 5
    ops = operations_review(table, policy, as_of=DEMO_AS_OF, top=3)
    assert len(ops.to_frame()) == 4
    journey = customer_journey(table, workflow=policy, as_of=DEMO_AS_OF)
    html = journey._repr_html_()
    assert "<td>…</td>" in html  # a long table: its head and tail only
    for result in (review, ops, journey):
        assert len(repr(result).splitlines()) <= 20
