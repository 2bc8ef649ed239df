"""Operations Review: each service's figures are its own Service Delivery Review; the
hand-offs are the journey's, between services; nothing is lost when services are pooled."""

import datetime as dt
import json

import numpy as np
import pytest

from customer_kanban import Feedback, FeedbackKind, ValidationError, Workflow
from customer_kanban.datasets import DEMO_AS_OF, incidents_replenishment_policy, load_incidents
from customer_kanban.io import read_event_log
from customer_kanban.reviews import (
    customer_journey,
    operations_review,
    service_delivery_review,
    service_of_items,
)

WF = Workflow(["New", "Doing", "Waiting", "Done"], "Doing", "Done", active_states=["Doing"])
LOG = {
    "item": ["A"] * 4 + ["B"] * 3 + ["C"] * 2,
    "state": ["New", "Doing", "Waiting", "Done", "New", "Doing", "Done", "New", "Doing"],
    "at": [
        "2024-01-01",
        "2024-01-02",
        "2024-01-03",
        "2024-01-05",
        "2024-01-02",
        "2024-01-03",
        "2024-01-04",
        "2024-01-04",
        "2024-01-06",
    ],
    "team": ["Desk", "Desk", "<Ops & Co>", "<Ops & Co>", "Desk", "Dev", "Dev", "Desk", "Dev"],
}


def _table():
    return read_event_log(LOG, workflow=WF, department="team").table


def test_service_of_items_is_the_last_department():
    table = _table()
    codes, labels = service_of_items(table)
    assert [labels[c] for c in codes] == ["<Ops & Co>", "Dev", "Dev"]
    # As of Jan 3 12:00: A held by <Ops & Co>, B by Dev, C not requested yet (Desk
    # is not seen either: no transition by then).
    codes, labels = service_of_items(table, as_of="2024-01-02T12:00")
    assert [labels[c] for c in codes] == ["Desk", "Desk", "(none)"]


def test_each_service_is_its_own_review():
    table = _table()
    policy = incidents_like_policy()
    ops = operations_review(table, policy, as_of="2024-01-07")
    # Most requests first; Desk holds no request but handed work on: pooled.
    assert ops.services == ("Dev", "<Ops & Co>", "(other services)")
    codes, labels = service_of_items(table, as_of="2024-01-07")
    for name, review in zip(ops.services[:2], ops.reviews[:2], strict=True):
        # The same window for every service: from the table's first request (Jan 1).
        direct = service_delivery_review(
            table.filter(codes == labels.index(name)),
            policy,
            as_of="2024-01-07",
            window_days=6,
        )
        assert review.to_json() == direct.to_json()
    assert ops.reviews[2].row("all", "all").open_requests == 0  # Desk holds nothing
    # Hand-offs: A Desk -> <Ops & Co>, B and C Desk -> Dev.
    # A waited 2 days in Waiting after its hand-off, B and C none: most waiting first.
    assert [(p.from_department, p.to_department, p.count) for p in ops.handoffs] == [
        ("(other services)", "<Ops & Co>", 1),
        ("(other services)", "Dev", 2),
    ]
    assert [(h.service, h.received, h.passed) for h in ops.per_service] == [
        ("Dev", 2, 0),
        ("<Ops & Co>", 1, 0),
        ("(other services)", 0, 3),
    ]


def test_services_by_field_and_bad_options():
    table, policy = load_incidents()
    ops = operations_review(table, policy, as_of=DEMO_AS_OF, services="category", top=2)
    assert ops.services_by == "category"
    assert len(ops.services) == 3
    total = sum(r.row("all", "all").delivered for r in ops.reviews)
    assert (
        total
        == service_delivery_review(table, policy, as_of=DEMO_AS_OF).row("all", "all").delivered
    )
    with pytest.raises(ValidationError, match="categorical field"):
        operations_review(table, policy, as_of=DEMO_AS_OF, services="nope")
    for top in (0, -1):
        with pytest.raises(ValidationError, match=f"`top` must be at least 1; got {top}"):
            operations_review(table, policy, as_of=DEMO_AS_OF, top=top)
    for top in (1.5, True):
        with pytest.raises(TypeError, match="`top` must be a whole number"):
            operations_review(table, policy, as_of=DEMO_AS_OF, top=top)


def test_demo_nothing_lost_and_handoffs_are_the_journey():
    table, _ = load_incidents()
    policy = incidents_replenishment_policy()
    whole = service_delivery_review(table, policy, as_of=DEMO_AS_OF).row("all", "all")
    journey = customer_journey(table, workflow=policy, as_of=DEMO_AS_OF)
    for top in (None, 5):
        ops = operations_review(table, policy, as_of=DEMO_AS_OF, top=top)
        lines = [r.row("all", "all") for r in ops.reviews]
        for name in ("delivered", "open_requests", "wip", "blocked_days"):
            assert sum(getattr(x, name) for x in lines) == pytest.approx(getattr(whole, name))
        assert np.nansum([x.delay_cost for x in lines]) == pytest.approx(whole.delay_cost)
        assert sum(x.customer_waiting_days for x in lines) == pytest.approx(
            whole.customer_waiting_days
        )
        # Every journey hand-off between two named departments is in the review.
        named = [
            p for p in journey.handoff_pairs if "(none)" not in (p.from_department, p.to_department)
        ]
        assert sum(p.count for p in ops.handoffs) == sum(p.count for p in named)
        assert sum(p.waiting_days for p in ops.handoffs) == pytest.approx(
            sum(p.waiting_days for p in named)
        )
        assert sum(h.received for h in ops.per_service) == sum(p.count for p in ops.handoffs)
        assert sum(h.passed for h in ops.per_service) == sum(p.count for p in ops.handoffs)
    pooled = operations_review(table, policy, as_of=DEMO_AS_OF, top=5)
    assert pooled.services[-1] == "(other services)"
    unpooled = operations_review(table, policy, as_of=DEMO_AS_OF)
    for name in pooled.services[:-1]:
        assert pooled.review(name).to_json() == unpooled.review(name).to_json()
    with pytest.raises(KeyError):
        pooled.review("Group 0")


def test_render_json_html_and_previous():
    table = _table()
    ops = operations_review(table, incidents_like_policy(), as_of="2024-01-07", previous=2)
    text = ops.render()
    assert text.startswith("Operations Review as of 2024-01-07 00:00 UTC")
    assert "change since 2 days earlier" in text
    data = json.loads(ops.to_json())
    assert data["services"] == ["Dev", "<Ops & Co>", "(other services)"]
    assert data["reviews"][0]["rows"][0]["earlier"]["delivered"] == 1  # B by Jan 5
    html = ops._repr_html_()
    assert "&lt;Ops &amp; Co&gt;" in html
    assert "<Ops" not in html


def incidents_like_policy():
    from customer_kanban import ClassOfService, Policy

    return Policy(workflow=WF, classes_of_service=[ClassOfService(name="Standard")])


def test_empty_review():
    table = _table()
    fb = [Feedback(customer="c", at=dt.datetime(2023, 11, 1), kind=FeedbackKind.NEGATIVE, item="A")]
    empty = table.filter(np.zeros(len(table), dtype=bool))
    assert (
        operations_review(empty, incidents_like_policy(), as_of="2024-01-07", feedback=fb).services
        == ()
    )
    ops = operations_review(table, incidents_like_policy(), as_of="2023-12-01")
    assert (ops.services, ops.reviews, ops.handoffs) == ((), (), ())
    assert ops.as_of == dt.datetime(2023, 12, 1, tzinfo=dt.UTC)
    assert "0 services" in ops.render()
    assert np.isfinite(len(ops.render()))


def test_feedback_counts_once_in_its_service():
    table, policy = load_incidents()
    at = dt.datetime(2016, 3, 1, tzinfo=dt.UTC)
    feedback = [
        Feedback(customer="c", at=at, kind=FeedbackKind.NEGATIVE, item="INC0000045", score=2),
        Feedback(customer="c", at=at, kind=FeedbackKind.CONFIRMATION, item="INC0000047"),
        Feedback(customer="d", at=at, kind=FeedbackKind.IMPROVEMENT),  # about no item
    ]
    for top in (None, 3):
        ops = operations_review(table, policy, as_of=DEMO_AS_OF, top=top, feedback=feedback)
        totals = np.array([r.row("all", "all").feedback for r in ops.reviews]).sum(axis=0)
        assert totals.tolist() == [1, 0, 1]  # each item's feedback once; none without item
        codes, labels = service_of_items(table, as_of=DEMO_AS_OF)
        home = labels[codes[list(table["id"]).index("INC0000045")]]
        name = home if home in ops.services else "(other services)"
        assert ops.review(name).row("all", "all").feedback[2] == 1
    with pytest.raises(ValidationError, match="sequence of Feedback"):
        operations_review(table, policy, as_of=DEMO_AS_OF, feedback=feedback[0])
    with pytest.raises(ValidationError, match="rows \\[1\\]"):
        operations_review(table, policy, as_of=DEMO_AS_OF, feedback=[feedback[0], "bad"])


def test_one_throughput_window_for_every_service():
    table, policy = load_incidents()
    whole = service_delivery_review(table, policy, as_of=DEMO_AS_OF).row("all", "all")
    ops = operations_review(table, policy, as_of=DEMO_AS_OF, services="class_of_service")
    rates = [r.row("all", "all").throughput_per_week for r in ops.reviews]
    assert sum(rates) == pytest.approx(whole.throughput_per_week)
    low = ops.review("4 - Low").row("all", "all")
    by_class = service_delivery_review(table, policy, as_of=DEMO_AS_OF).row("4 - Low")
    assert low.throughput_per_week == pytest.approx(by_class.throughput_per_week)


def test_short_repr_and_no_handoff_note():
    table, policy = load_incidents()
    ops = operations_review(table, policy, as_of=DEMO_AS_OF, services="category", top=3)
    assert len(repr(ops)) < 300
    assert repr(ops).startswith("OperationsReview(as_of='2016-05-09T00:00:00+00:00'")
    assert "no two departments are services" in ops.render()


# ----------------------------------------------------------------- bad input (issue G)


def test_top_and_trend_weeks_are_bounded_and_objects_checked():
    table, policy = load_incidents()
    with pytest.raises(ValidationError, match=r"`top` must be at most 1000000; got 10000000"):
        operations_review(table, policy, as_of=DEMO_AS_OF, top=10**7)
    with pytest.raises(ValidationError, match=r"`trend_weeks` must be at most 520"):
        operations_review(table, policy, as_of=DEMO_AS_OF, top=2, trend_weeks=10**5)
    with pytest.raises(TypeError, match=r"`policy` must be a Policy, got Workflow"):
        operations_review(table, policy.workflow, as_of=DEMO_AS_OF)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"`table` must be a WorkItemTable, got NoneType"):
        operations_review(None, policy, as_of=DEMO_AS_OF)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"`table` must be a WorkItemTable, got str"):
        service_of_items("table")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"`services` must be a string, got int"):
        service_of_items(table, services=1)  # type: ignore[arg-type]


def test_day_count_is_forwarded_to_every_service():
    table = _table()
    policy = incidents_like_policy()
    ops = operations_review(table, policy, as_of="2024-01-07", day_count="inclusive")
    codes, labels = service_of_items(table, as_of="2024-01-07")
    for name, review in zip(ops.services[:2], ops.reviews[:2], strict=True):
        direct = service_delivery_review(
            table.filter(codes == labels.index(name)),
            policy,
            as_of="2024-01-07",
            window_days=6,
            day_count="inclusive",
        )
        assert review.to_json() == direct.to_json()
    assert {r.day_count for r in ops.reviews} == {"inclusive"}
    assert "customer lead time in calendar days counted inclusively" in ops.render()
    assert (
        "customer lead time in days."
        in operations_review(table, policy, as_of="2024-01-07").render()
    )
    with pytest.raises(ValidationError, match="`day_count` must be one of 'elapsed'"):
        operations_review(table, policy, as_of="2024-01-07", day_count="days")  # type: ignore[arg-type]
