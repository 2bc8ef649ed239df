"""The Service Delivery Review's trend, blocker, delay-cost, voice and class x segment
figures: each equals the metric function called directly, and hand-computed cases."""

import datetime as dt
import json
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from customer_kanban import (
    BlockedInterval,
    ClassOfService,
    Feedback,
    FeedbackKind,
    Policy,
    ServiceLevelExpectation,
    ValidationError,
    Workflow,
    WorkItem,
    WorkItemTable,
    customers,
    metrics,
)
from customer_kanban.datasets import DEMO_AS_OF, incidents_replenishment_policy, load_incidents
from customer_kanban.model import CostOfDelay
from customer_kanban.reviews import service_delivery_review
from customer_kanban.table import cost_of_delay_columns

WF = Workflow(["Backlog", "Doing", "Done"], "Doing", "Done")
POLICY = Policy(
    workflow=WF,
    classes_of_service=[
        ClassOfService(
            name="Standard",
            sle=ServiceLevelExpectation(5, 0.85),
            cost_of_delay=CostOfDelay(rate=10.0),
        ),
        ClassOfService(
            name="Expedite",
            urgency="expedite",
            sle=ServiceLevelExpectation(2, 0.9),
            cost_of_delay=CostOfDelay(rate=100.0, step=50.0),
        ),
        ClassOfService(name="Intangible", urgency="intangible"),
    ],
)
AS_OF = "2024-01-20"


def d(day, hour=0):
    return dt.datetime(2024, 1, day, hour)


def _item(id, cos, req, com=None, dlv=None, segment=None, blocked=()):
    return WorkItem(
        id=id,
        class_of_service=cos,
        requested_at=d(req),
        committed_at=None if com is None else d(com),
        delivered_at=None if dlv is None else d(dlv),
        segment=segment,
        blocked=blocked,
    )


ITEMS = [
    # A: two overlapping "vendor" blocks (Jan 3-5, Jan 4-6: 3 days), delivered Jan 8.
    _item(
        "A",
        "Standard",
        1,
        2,
        8,
        segment="gold",
        blocked=[
            BlockedInterval(d(3), d(5), reason="vendor"),
            BlockedInterval(d(4), d(6), reason="vendor"),
        ],
    ),
    # B: blocked by the customer from Jan 16, still blocked at the review (4 days).
    _item(
        "B",
        "Standard",
        10,
        11,
        segment="basic",
        blocked=[BlockedInterval(d(16), None, reason="customer")],
    ),
    # C: delivered after 1 day; a block after the review (Jan 22) does not count yet.
    _item(
        "C",
        "Expedite",
        12,
        12,
        13,
        segment="gold",
        blocked=[BlockedInterval(d(22), d(23), reason="vendor")],
    ),
    # D: expedite, open since Jan 18; E: intangible without a cost of delay.
    _item("D", "Expedite", 18, 18, segment="basic"),
    _item("E", "Intangible", 5, 6, 15),
]


def _seen(table, when=AS_OF):
    """The table as the review sees it, with the metric functions' inputs."""
    when = np.datetime64(when, "ns")
    seen = table["requested_at"] <= when
    dlv = table["delivered_at"][seen].copy()
    dlv[dlv > when] = np.datetime64("NaT", "ns")
    return seen, table["requested_at"][seen], dlv, when


def test_blocked_time_and_clusters_hand_computed():
    review = service_delivery_review(WorkItemTable.from_items(ITEMS), POLICY, as_of=AS_OF)
    std = review.row("Standard")
    assert (std.blocked_items, std.blocked_days) == (2, 7.0)  # A 3 days, B 4 days
    assert [(b.reason, b.blocks, b.items, b.days) for b in std.blockers] == [
        ("customer", 1, 1, 4.0),
        ("vendor", 2, 1, 3.0),
    ]
    vendor = std.blockers[1]
    assert vendor.impact == 1.5  # 3 days over 2 blocks
    assert vendor.likelihood == 0.5  # 1 of the 2 Standard items
    exp = review.row("Expedite")  # C's block starts after the review
    assert (exp.blocked_items, exp.blocked_days, exp.blockers) == (0, 0.0, ())
    total = review.row("all", "all")
    assert total.blocked_days == 7.0
    assert total.blockers[0].likelihood == pytest.approx(1 / 5)


def test_blocked_figures_are_the_metric():
    table = WorkItemTable.from_items(ITEMS)
    review = service_delivery_review(table, POLICY, as_of=AS_OF)
    _, _, _, when = _seen(table)
    b = table.blocked
    keep = b.start <= when
    end = np.where(b.end[keep] > when, np.datetime64("NaT", "ns"), b.end[keep])
    codes, labels = table.codes("class_of_service")
    direct = metrics.blocker_clusters(
        b.item[keep],
        b.start[keep],
        end,
        b.reason[keep],
        reason_labels=b.reason_labels,
        n_items=len(table),
        as_of=when,
        by=(codes, labels),
    )
    for g, name in enumerate(direct.groups):
        row = review.row(str(name))
        assert row.blocked_days == pytest.approx(direct.blocked_days[g])
        assert row.blocked_items == direct.blocked_items[g]
        for cluster in row.blockers:
            r = list(direct.reasons).index(cluster.reason)
            assert cluster.days == pytest.approx(direct.days[g, r])
            assert cluster.blocks == direct.blocks[g, r]
            assert cluster.items == direct.items[g, r]
        assert sum(c.blocks for c in row.blockers) == direct.blocks[g].sum()


def test_delay_cost_hand_computed_and_is_the_metric():
    table = WorkItemTable.from_items(ITEMS)
    review = service_delivery_review(table, POLICY, as_of=AS_OF)
    # Standard at 10/day: A 7 days, B open 10 days -> 170.
    assert review.row("Standard").delay_cost == pytest.approx(170.0)
    # Expedite at 100/day plus 50 at once: C 1 day (150), D open 2 days (250).
    assert review.row("Expedite").delay_cost == pytest.approx(400.0)
    intang = review.row("Intangible")  # no cost of delay: unknown, not zero
    assert math.isnan(intang.delay_cost)
    assert intang.delay_cost_items == 0
    total = review.row("all", "all")
    assert (total.delay_cost, total.delay_cost_items) == (pytest.approx(570.0), 4)
    # The same as metrics.delay_cost with the class parameters.
    seen, req, dlv, when = _seen(table)
    c = cost_of_delay_columns(table, POLICY)
    k = c.known[seen]
    direct = metrics.delay_cost(
        c.urgency[seen][k],
        req[k],
        dlv[k],
        as_of=when,
        rate=c.rate[seen][k],
        due=c.due[seen][k],
        step=c.step[seen][k],
        horizon=c.horizon[seen][k],
        growth=c.growth[seen][k],
        by=table["class_of_service"][seen][k],
    )
    for g, name in enumerate(direct.groups):
        assert review.row(str(name)).delay_cost == pytest.approx(direct.total[g])


def test_demo_delay_cost_is_the_metric_per_class():
    table, _ = load_incidents()
    policy = incidents_replenishment_policy()
    review = service_delivery_review(table, policy, as_of=DEMO_AS_OF)
    seen, req, dlv, when = _seen(table, DEMO_AS_OF)
    c = cost_of_delay_columns(table, policy)
    direct = metrics.delay_cost(
        c.urgency[seen],
        req,
        dlv,
        as_of=when,
        rate=c.rate[seen],
        due=c.due[seen],
        step=c.step[seen],
        horizon=c.horizon[seen],
        growth=c.growth[seen],
        by=table["class_of_service"][seen],
    )
    for g, name in enumerate(direct.groups):
        assert review.row(str(name)).delay_cost == pytest.approx(direct.total[g], rel=1e-12)
    assert review.row("all", "all").delay_cost == pytest.approx(direct.total.sum(), rel=1e-12)


def test_throughput_trend_is_the_metric():
    table = WorkItemTable.from_items(ITEMS)
    review = service_delivery_review(table, POLICY, as_of=AS_OF, trend_weeks=3)
    # Windows (Dec 30, Jan 6], (Jan 6, Jan 13], (Jan 13, Jan 20]: A on Jan 8 and C on
    # Jan 13 00:00 in the second, E on Jan 15 in the third.
    assert [p.date() for p in review.trend_periods] == [
        dt.date(2023, 12, 30),
        dt.date(2024, 1, 6),
        dt.date(2024, 1, 13),
    ]
    assert review.row("all", "all").throughput_trend == (0, 2, 1)
    assert review.row("Standard").throughput_trend == (0, 1, 0)
    with pytest.raises(ValidationError, match="trend_weeks"):
        service_delivery_review(table, POLICY, as_of=AS_OF, trend_weeks=0)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.integers(0, 60 * 24 * 40), min_size=1, max_size=30),  # delivery minutes
    st.integers(0, 60 * 24 * 40),  # as_of minute
    st.integers(1, 6),
)
def test_throughput_trend_against_a_plain_loop(minutes, now, weeks):
    """Deliveries per seven-day window ending at `as_of`, whatever the weekday and hour."""
    t0 = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    items = [
        WorkItem(
            id=f"I{i}",
            class_of_service="Standard",
            requested_at=t0,
            committed_at=t0,
            delivered_at=t0 + dt.timedelta(minutes=m),
        )
        for i, m in enumerate(minutes)
    ]
    when = t0 + dt.timedelta(minutes=now)
    review = service_delivery_review(
        WorkItemTable.from_items(items), POLICY, as_of=when, trend_weeks=weeks
    )
    week = dt.timedelta(days=7)
    expected = []
    for k in range(weeks, 0, -1):
        lo, hi = when - k * week, when - (k - 1) * week
        expected.append(sum(lo < it.delivered_at <= hi for it in items))
    assert review.row("all", "all").throughput_trend == tuple(expected)
    assert list(review.trend_periods) == [when - k * week for k in range(weeks, 0, -1)]


def test_feedback_per_line_and_nps():
    table = WorkItemTable.from_items(ITEMS)
    feedback = [
        Feedback(customer="x", at=d(9), kind=FeedbackKind.CONFIRMATION, item="A", score=10),
        Feedback(customer="x", at=d(14), kind=FeedbackKind.NEGATIVE, item="C", score=3),
        Feedback(customer="y", at=d(15), kind=FeedbackKind.IMPROVEMENT, item="C"),
        Feedback(customer="z", at=d(16), kind=FeedbackKind.NEGATIVE, score=0),  # no item
        Feedback(customer="x", at=d(25), kind=FeedbackKind.NEGATIVE, item="A"),  # later
    ]
    review = service_delivery_review(table, POLICY, as_of=AS_OF, feedback=feedback)
    std, exp = review.row("Standard"), review.row("Expedite")
    assert (std.feedback, std.nps) == ((1, 0, 0), 100.0)
    assert (exp.feedback, exp.nps) == ((0, 1, 1), -100.0)
    intang = review.row("Intangible")
    assert intang.feedback == (0, 0, 0)
    assert math.isnan(intang.nps)
    total = review.row("all", "all")  # the feedback about no item counts here only
    assert total.feedback == (1, 1, 2)
    direct = customers.nps([10, 3, np.nan, 0])
    assert total.nps == pytest.approx(direct.value[0])
    gold = review.row("gold", "segment")  # A and C
    assert gold.feedback == (1, 1, 1)
    text = review.render()
    assert "feedback +/~/-" in text
    assert "1/1/2" in text
    # Without feedback the fields are None and the columns absent.
    plain = service_delivery_review(table, POLICY, as_of=AS_OF)
    assert all(r.feedback is None and r.nps is None for r in plain.rows)
    assert "NPS" not in plain.render()
    with pytest.raises(ValidationError, match="Feedback"):
        service_delivery_review(table, POLICY, as_of=AS_OF, feedback=["good"])


def test_class_by_segment_lines():
    table = WorkItemTable.from_items(ITEMS)
    review = service_delivery_review(table, POLICY, as_of=AS_OF)
    pairs = [r.group for r in review.rows if r.dimension == "class_of_service/segment"]
    assert sorted(pairs) == sorted(
        ["Standard / gold", "Standard / basic", "Expedite / gold", "Expedite / basic"]
    )
    sg = review.row("Standard / gold", "class_of_service/segment")
    assert (sg.delivered, sg.sle_days, sg.blocked_days, sg.delay_cost) == (1, 5.0, 3.0, 70.0)
    eb = review.row("Expedite / basic", "class_of_service/segment")
    assert (eb.delivered, eb.open_requests, eb.delay_cost) == (0, 1, 250.0)
    # The pair lines of a class add up to the class line (every item has a segment
    # but E, whose class has no pair line).
    for cos in ("Standard", "Expedite"):
        mine = [r for r in review.rows if r.group.startswith(cos + " / ")]
        assert sum(r.delivered for r in mine) == review.row(cos).delivered
        assert sum(r.open_requests for r in mine) == review.row(cos).open_requests
        assert sum(r.delay_cost for r in mine) == pytest.approx(review.row(cos).delay_cost)


def test_earlier_line_carries_every_figure():
    table = WorkItemTable.from_items(ITEMS)
    review = service_delivery_review(table, POLICY, as_of=AS_OF, previous=6)
    earlier = service_delivery_review(table, POLICY, as_of="2024-01-14")
    std = review.row("Standard")
    assert std.earlier.to_json() == earlier.row("Standard").to_json()
    # Jan 14: B open 4 days (40) and A 7 days (70): 110; Jan 20: 170.
    assert std.change("delay_cost") == pytest.approx(60.0)
    assert std.change("blocked_days") == pytest.approx(4.0 - 0.0)  # B blocked from Jan 16
    text = review.render()
    assert "170 (+60)" in text


def test_special_characters_in_blocker_reasons_escaped():
    items = [
        _item("A", "Standard", 1, 2, 5, blocked=[BlockedInterval(d(2), d(3), reason="<i>R&D</i>")])
    ]
    review = service_delivery_review(WorkItemTable.from_items(items), POLICY, as_of=AS_OF)
    html = review._repr_html_()
    assert "&lt;i&gt;R&amp;D&lt;/i&gt;" in html
    assert "<i>" not in html
    data = json.loads(review.to_json())
    assert data["rows"][0]["blockers"][0]["reason"] == "<i>R&D</i>"


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["Standard", "Expedite", "Intangible"]),
            st.sampled_from(["gold", "basic"]),
            st.integers(1, 25),  # request day
            st.integers(0, 10),  # days to delivery
            st.booleans(),  # delivered?
            st.lists(st.tuples(st.integers(0, 12), st.integers(0, 4), st.sampled_from("xyz"))),
        ),
        min_size=1,
        max_size=12,
    ),
    st.integers(2, 28),
)
def test_figures_against_a_plain_loop(specs, day):
    """Blocked days, delay cost and pair-line counts against plain loops over items."""
    items = []
    for i, (cos, seg, req, took, done, blocks) in enumerate(specs):
        start = dt.datetime(2024, 1, req)
        blocked = [
            BlockedInterval(
                start + dt.timedelta(days=s), start + dt.timedelta(days=s + n), reason=r
            )
            for s, n, r in sorted(blocks)
        ]
        items.append(
            WorkItem(
                id=f"I{i}",
                class_of_service=cos,
                segment=seg,
                requested_at=start,
                committed_at=start,
                delivered_at=start + dt.timedelta(days=took) if done else None,
                blocked=blocked,
            )
        )
    when = dt.datetime(2024, 1, day, tzinfo=dt.UTC)
    review = service_delivery_review(WorkItemTable.from_items(items), POLICY, as_of=when)
    rates = {"Standard": (10.0, 0.0), "Expedite": (100.0, 50.0)}
    for cos in ("Standard", "Expedite", "Intangible"):
        for seg in ("gold", "basic"):
            mine = [
                it
                for it in items
                if it.class_of_service == cos and it.segment == seg and it.requested_at <= when
            ]
            if not mine:
                continue
            row = review.row(f"{cos} / {seg}", "class_of_service/segment")
            delivered = [it for it in mine if it.delivered_at and it.delivered_at <= when]
            assert row.delivered == len(delivered)
            # Blocked days: per item, the union of its blocks begun by `when`, cut there
            # (blocks start and end on whole days: count the hours covered).
            total = 0.0
            for it in mine:
                hours = set()
                for b in it.blocked:
                    if b.start > when:
                        continue
                    first = int((b.start - when).total_seconds() // 3600)
                    last = int((min(b.end, when) - when).total_seconds() // 3600)
                    hours |= set(range(first, last))
                total += len(hours) / 24
            assert row.blocked_days == pytest.approx(total)
            # Delay cost: rate x days waited (to delivery or `when`), plus the lump.
            if cos in rates:
                rate, step = rates[cos]
                cost = 0.0
                for it in mine:
                    end = it.delivered_at if it in delivered else when
                    days = (end - it.requested_at).total_seconds() / 86400
                    cost += rate * days + (step if days > 0 else 0.0)
                assert row.delay_cost == pytest.approx(cost)
            else:
                assert math.isnan(row.delay_cost)


def test_fitness_per_class_and_segment():
    table = WorkItemTable.from_items(ITEMS)
    # Standard: A (gold, 7 days) delivered; the gold customers expect 5 days at most.
    fitness = {"Standard": (10.0, 20.0), "Standard / gold": (3.0, 5.0), "Nope / gold": (1, 2)}
    review = service_delivery_review(table, POLICY, as_of=AS_OF, fitness=fitness)
    gold = review.row("Standard / gold", "class_of_service/segment")
    assert (gold.fit, gold.neutral, gold.unfit) == (0, 0, 1)  # 7 > 5: unfit for gold
    std = review.row("Standard")  # the same item, judged by its own (gold) thresholds
    assert (std.fit, std.neutral, std.unfit) == (0, 0, 1)
    plain = service_delivery_review(table, POLICY, as_of=AS_OF, fitness={"Standard": (10, 20)})
    assert (plain.row("Standard").fit, plain.row("Standard").unfit) == (1, 0)
    # Lines none of whose items has thresholds show none.
    assert review.row("Expedite").fit is None
    # The segment line counts each item by its own thresholds: A unfit (C has none).
    assert review.row("gold", "segment").unfit == 1


def test_empty_table_with_feedback_and_change_errors():
    table = WorkItemTable.from_items(ITEMS)
    empty = table.filter(np.zeros(len(table), dtype=bool))
    fb = [Feedback(customer="x", at=d(9), kind=FeedbackKind.NEGATIVE, item="A")]
    review = service_delivery_review(empty, POLICY, as_of=AS_OF, feedback=fb)
    assert review.row("all", "all").feedback == (0, 0, 1)  # about no item of the table
    with pytest.raises(ValidationError, match="sequence of Feedback"):
        service_delivery_review(table, POLICY, as_of=AS_OF, feedback=fb[0])
    with pytest.raises(ValidationError, match="previous"):
        service_delivery_review(table, POLICY, as_of=AS_OF, previous=math.inf)
    row = service_delivery_review(table, POLICY, as_of=AS_OF, previous=3).row("Standard")
    with pytest.raises(TypeError, match="compares a number"):
        row.change("customer_lead_time")
    # No "-0" in the changes: a change that rounds to zero is "+0".
    text = service_delivery_review(table, POLICY, as_of=AS_OF, previous=0.01).render()
    assert "(-0)" not in text
    assert "-0.0" not in text
