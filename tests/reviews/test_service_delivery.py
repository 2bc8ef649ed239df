"""Service Delivery Review: a hand-computed case, a plain-loop reference, rendering, JSON."""

import datetime as dt
import json
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from customer_kanban import (
    ClassOfService,
    Policy,
    SegmentServiceLevel,
    ServiceLevelExpectation,
    ValidationError,
    Workflow,
    WorkItem,
    WorkItemTable,
)
from customer_kanban.reviews import service_delivery_review
from customer_kanban.testing import strategies as cks

WF = Workflow(["Backlog", "Doing", "Done"], "Doing", "Done")
POLICY = Policy(
    workflow=WF,
    classes_of_service=[
        ClassOfService(name="Standard", sle=ServiceLevelExpectation(5, 0.85)),
        ClassOfService(name="Expedite", urgency="expedite", sle=ServiceLevelExpectation(2, 0.9)),
        ClassOfService(name="Intangible", urgency="intangible"),
    ],
)


def d(day):
    return dt.datetime(2024, 1, day)


def _item(id, cos, req, com=None, dlv=None, segment=None):
    return WorkItem(
        id=id,
        class_of_service=cos,
        requested_at=d(req),
        committed_at=None if com is None else d(com),
        delivered_at=None if dlv is None else d(dlv),
        segment=segment,
    )


ITEMS = [
    _item("A", "Standard", 1, 2, 5),  # customer LT 4, system 3, within 5
    _item("B", "Standard", 1, 3, 9),  # customer LT 8, system 6, not within 5
    _item("C", "Expedite", 10, 10, 11),  # customer LT 1
    _item("D", "Expedite", 18, 19),  # open, committed, age 2 >= 0.8 * 2: at risk
    _item("E", "Standard", 17),  # open, not committed, age 3 < 0.8 * 5
    _item("F", "Intangible", 5, 6, 25),  # delivered after as_of: open at as_of, no SLE
    _item("G", "Standard", 25),  # requested after as_of: not seen
]


def test_hand_computed_review():
    table = WorkItemTable.from_items(ITEMS)
    review = service_delivery_review(table, POLICY, as_of="2024-01-20")
    weeks = 19 / 7  # window: first request (01-01) to as_of (01-20)

    std = review.row("Standard")
    assert (std.delivered, std.wip, std.open_requests, len(std.at_risk)) == (2, 0, 1, 0)
    assert std.customer_lead_time[0] == pytest.approx(6.0)  # median of 4 and 8
    assert std.system_lead_time[0] == pytest.approx(4.5)  # median of 3 and 6
    assert std.customer_lead_time[1] == pytest.approx(4 + 0.85 * 4)
    assert (std.sle_days, std.sle_probability) == (5.0, 0.85)
    assert std.attainment == pytest.approx(0.5)
    assert std.sle_met is False
    assert std.throughput_per_week == pytest.approx(2 / weeks)
    assert std.customer_waiting_days == pytest.approx(4 + 8 + 3)

    exp = review.row("Expedite")
    assert (exp.delivered, exp.wip, exp.open_requests, exp.at_risk.tolist()) == (1, 1, 1, ["D"])
    assert exp.attainment == 1.0
    assert exp.sle_met is True
    assert exp.customer_waiting_days == pytest.approx(1 + 2)

    intang = review.row("Intangible")
    assert (intang.delivered, intang.wip, intang.open_requests, len(intang.at_risk)) == (0, 1, 1, 0)
    assert intang.sle_days is None
    assert intang.sle_met is None
    assert math.isnan(intang.attainment)
    assert math.isnan(intang.customer_lead_time[0])
    assert intang.customer_waiting_days == pytest.approx(15)

    total = review.row("all", "all")
    assert (total.delivered, total.wip, total.open_requests, total.at_risk.tolist()) == (
        3,
        2,
        3,
        ["D"],
    )
    assert total.attainment == pytest.approx(2 / 3)
    assert total.throughput_per_week == pytest.approx(3 / weeks)
    assert total.customer_waiting_days == pytest.approx(33)
    assert [r.dimension for r in review.rows] == ["all"] + ["class_of_service"] * 3


def test_segment_lines_and_segment_sle():
    items = [
        _item("A", "Standard", 1, 2, 5, segment="premium"),  # 4 days
        _item("B", "Standard", 1, 2, 4, segment="basic"),  # 3 days
        _item("C", "Standard", 1, 2, 8, segment="basic"),  # 7 days
    ]
    policy = Policy(
        workflow=WF,
        classes_of_service=[ClassOfService(name="Standard", sle=ServiceLevelExpectation(5, 0.85))],
        segment_sles=[
            SegmentServiceLevel(
                class_of_service="Standard", segment="premium", sle=ServiceLevelExpectation(3, 0.9)
            )
        ],
    )
    review = service_delivery_review(WorkItemTable.from_items(items), policy, as_of="2024-01-20")
    # Segment lines hold each item to its own SLE: premium A (4 days) misses its 3 days;
    # basic: B (3 days) meets 5, C (7 days) misses.
    assert review.row("premium", "segment").attainment == 0.0
    assert review.row("basic", "segment").attainment == 0.5
    assert review.row("premium", "segment").sle_days is None
    # The class line is held to the class SLE (5 days at 85%): A and B meet it, C does not.
    standard = review.row("Standard")
    assert (standard.sle_days, standard.attainment, standard.sle_met) == (5.0, 2 / 3, False)
    # The override line is held to the override (3 days at 90%): A misses it.
    override = review.row("Standard / premium", "class_of_service/segment")
    assert (override.sle_days, override.sle_probability) == (3.0, 0.9)
    assert (override.delivered, override.attainment, override.sle_met) == (1, 0.0, False)
    # The total holds every item to its own SLE: B meets it, A and C miss.
    assert review.row("all", "all").attainment == pytest.approx(1 / 3)
    # Every (class, segment) pair has a line; one without an override is held to the
    # class's SLE: basic B (3 days) meets 5 days, C (7 days) misses.
    basic = review.row("Standard / basic", "class_of_service/segment")
    assert (basic.sle_days, basic.sle_probability, basic.attainment) == (5.0, 0.85, 0.5)
    dimensions = [r.dimension for r in review.rows]
    assert dimensions == [
        "all",
        "class_of_service",
        "class_of_service/segment",
        "class_of_service/segment",
        "segment",
        "segment",
    ]


def test_render_and_json():
    review = service_delivery_review(WorkItemTable.from_items(ITEMS), POLICY, as_of="2024-01-20")
    text = review.render()
    assert text.startswith("Service Delivery Review as of 2024-01-20 00:00 UTC")
    assert "Expedite" in text
    assert "90% <= 2d" in text
    data = json.loads(review.to_json())
    assert data["as_of"] == "2024-01-20T00:00:00+00:00"
    intang = next(r for r in data["rows"] if r["group"] == "Intangible")
    assert intang["attainment"] is None  # NaN becomes null in JSON
    assert str(review) == text
    html = review._repr_html_()
    assert html.startswith('<table class="customer-kanban-result"><caption>Service Delivery Review')
    assert "<pre>" not in html
    assert "<th>customer_lead_time_p85</th>" in html


def test_bad_options():
    table = WorkItemTable.from_items(ITEMS)
    with pytest.raises(
        ValidationError, match="`basis` must be one of 'customer', 'system'; got 'team'"
    ):
        service_delivery_review(table, POLICY, as_of="2024-01-20", basis="team")  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match=r"`risk_fraction` must lie in \(0, 1\]"):
        service_delivery_review(table, POLICY, as_of="2024-01-20", risk_fraction=0)
    with pytest.raises(ValidationError, match="`as_of` must be an instant, got None"):
        service_delivery_review(table, POLICY, as_of=None)


def test_options_follow_the_conventions():
    table = WorkItemTable.from_items(ITEMS)
    at = "2024-01-20"
    with pytest.raises(TypeError, match="`q` must be a number or a sequence of numbers"):
        service_delivery_review(table, POLICY, as_of=at, q="50")  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match=r"`q` is in percent; did you mean 85\?"):
        service_delivery_review(table, POLICY, as_of=at, q=0.85)  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match=r"`q` must lie in \[0, 100\]"):
        service_delivery_review(table, POLICY, as_of=at, q=[50, 150])
    one = service_delivery_review(table, POLICY, as_of=at, q=85)  # type: ignore[arg-type]
    assert one.q == (85.0,)
    assert len(one.row("all", "all").customer_lead_time) == 1
    with pytest.raises(ValidationError, match="`method` must be one of 'linear', "):
        service_delivery_review(table, POLICY, as_of=at, method="median")  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="`trend_weeks` must be at least 1; got 0"):
        service_delivery_review(table, POLICY, as_of=at, trend_weeks=0)
    for weeks in (2.0, True, "4"):
        with pytest.raises(TypeError, match="`trend_weeks` must be a whole number"):
            service_delivery_review(table, POLICY, as_of=at, trend_weeks=weeks)  # type: ignore[arg-type]
    assert (
        len(
            service_delivery_review(table, POLICY, as_of=at, trend_weeks=np.int64(2))
            .row("all", "all")
            .throughput_trend
        )
        == 2
    )
    with pytest.raises(ValidationError, match=r"`risk_fraction` must lie in \(0, 1\]; got 1.5"):
        service_delivery_review(table, POLICY, as_of=at, risk_fraction=1.5)
    with pytest.raises(TypeError, match="`risk_fraction` must be a number"):
        service_delivery_review(table, POLICY, as_of=at, risk_fraction="0.8")  # type: ignore[arg-type]
    for days in (0, -1, math.inf, math.nan):
        with pytest.raises(ValidationError, match="`window_days` must be a number of days > 0"):
            service_delivery_review(table, POLICY, as_of=at, window_days=days)
    for days in ("7", True):
        with pytest.raises(TypeError, match="`window_days` must be a number of days > 0"):
            service_delivery_review(table, POLICY, as_of=at, window_days=days)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="`previous` must be a number of days > 0"):
        service_delivery_review(table, POLICY, as_of=at, previous="3")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="positional"):
        service_delivery_review(table, POLICY, at)  # type: ignore[misc]


def test_empty_table():
    review = service_delivery_review(WorkItemTable.from_items([]), POLICY, as_of="2024-01-20")
    total = review.row("all", "all")
    assert (total.delivered, total.wip, total.open_requests) == (0, 0, 0)
    assert math.isnan(total.customer_lead_time[0])


@settings(max_examples=30)
@given(
    st.lists(cks.work_items(states=WF.states), max_size=12, unique_by=lambda i: i.id),
    cks.instants(min_days=0, max_days=400),
)
def test_counts_against_a_plain_loop(items, when):
    classes = sorted({i.class_of_service for i in items if i.class_of_service})
    policy = Policy(
        workflow=WF,
        classes_of_service=[
            ClassOfService(name=c, sle=ServiceLevelExpectation(10, 0.8)) for c in classes
        ],
    )
    review = service_delivery_review(WorkItemTable.from_items(items), policy, as_of=when)
    for cos in classes:
        row = review.row(cos)
        delivered = wip = open_ = risk = within = 0
        waited = 0.0
        for it in items:
            if it.class_of_service != cos or it.requested_at > when:
                continue
            done = it.delivered_at is not None and it.delivered_at <= when
            committed = it.committed_at is not None and it.committed_at <= when
            end = it.delivered_at if done else when
            days = (end - it.requested_at).total_seconds() / 86400
            waited += days
            if done:
                delivered += 1
                within += days <= 10
            else:
                open_ += 1
                wip += committed
                risk += days >= 8
        assert (row.delivered, row.wip, row.open_requests, len(row.at_risk)) == (
            delivered,
            wip,
            open_,
            risk,
        )
        assert row.customer_waiting_days == pytest.approx(waited)
        if delivered:
            assert row.attainment == pytest.approx(within / delivered)
        else:
            assert np.isnan(row.attainment)


# --------------------------------------------------------------------------- extensions


def _direct(table, when, cos, day_count="elapsed"):
    """Customer lead time, age, delivered mask and SLE-less mask of class `cos` at `when`,
    computed with the metric functions directly."""
    from customer_kanban import metrics

    when = np.datetime64(when, "ns")
    seen = table["requested_at"] <= when
    req = table["requested_at"][seen]
    dlv = table["delivered_at"][seen].copy()
    dlv[dlv > when] = np.datetime64("NaT", "ns")
    lead = metrics.lead_time(req, dlv, day_count=day_count)
    age = metrics.work_item_age(req, dlv, as_of=when, day_count=day_count)
    mine = np.asarray(table["class_of_service"][seen] == cos, dtype=bool)
    return lead[mine], age[mine], ~np.isnat(dlv[mine])


def test_previous_matches_the_earlier_review():
    table = WorkItemTable.from_items(ITEMS)
    review = service_delivery_review(table, POLICY, as_of="2024-01-20", previous=10)
    earlier = service_delivery_review(table, POLICY, as_of="2024-01-10")
    assert review.previous == 10.0
    for r in review.rows:
        # Every figure of the earlier line is the earlier review's.
        assert r.earlier.to_json() == earlier.row(r.group, r.dimension).to_json()
        assert r.change("delivered") == r.delivered - r.earlier.delivered
    std = review.row("Standard")
    assert (std.earlier.delivered, std.earlier.attainment) == (2, 0.5)  # A and B by 01-10
    exp = review.row("Expedite")
    assert exp.earlier.delivered == 0
    assert math.isnan(exp.earlier.attainment)
    assert math.isnan(exp.change("attainment"))
    text = review.render()
    assert "3 (+1)" in text  # all: 3 delivered, 2 ten days earlier
    assert "50% (+0)" in text  # Standard: 50% both times
    assert "change since 10 days earlier" in text
    # Without `previous` the fields stay None and the text shows no change.
    plain = service_delivery_review(table, POLICY, as_of="2024-01-20")
    assert plain.row("Standard").earlier is None
    assert math.isnan(plain.row("Standard").change("delivered"))
    assert "(+" not in plain.render()


def test_previous_line_absent_earlier():
    items = [*ITEMS[:5], _item("S", "Standard", 15, 15, 16, segment="gold")]
    review = service_delivery_review(
        WorkItemTable.from_items(items), POLICY, as_of="2024-01-20", previous=10
    )
    gold = review.row("gold", "segment")
    assert gold.earlier is None  # no gold line ten days earlier
    assert math.isnan(gold.change("delivered"))
    assert "gold (new)" in review.render()


def test_censored_attainment_is_the_metric():
    from customer_kanban import metrics

    table = WorkItemTable.from_items(ITEMS)
    review = service_delivery_review(table, POLICY, as_of="2024-01-20")
    for cos, days in (("Standard", 5.0), ("Expedite", 2.0)):
        lead, age, done = _direct(table, "2024-01-20", cos)
        expected = metrics.sle_attainment(
            np.where(done, lead, age), days, observed=done
        ).attainment[0]
        assert review.row(cos).attainment_censored == pytest.approx(expected)
    # Standard: E open aged 3 leaves the risk set first; of A (4) and B (8), A ends by
    # day 5: KM gives 1 - S(5) = 1 - (1 - 1/2) = 1/2.
    assert review.row("Standard").attainment_censored == pytest.approx(0.5)
    # No single SLE: NaN on the total, and on a class without an SLE.
    assert math.isnan(review.row("all", "all").attainment_censored)
    assert math.isnan(review.row("Intangible").attainment_censored)


def test_censored_attainment_on_override_lines():
    from customer_kanban import metrics

    items = [
        _item("A", "Standard", 1, 2, 5, segment="premium"),  # 4 days
        _item("B", "Standard", 10, 11, segment="premium"),  # open, age 10
        _item("C", "Standard", 1, 2, 8, segment="basic"),
    ]
    policy = Policy(
        workflow=WF,
        classes_of_service=[ClassOfService(name="Standard", sle=ServiceLevelExpectation(5, 0.85))],
        segment_sles=[
            SegmentServiceLevel(
                class_of_service="Standard", segment="premium", sle=ServiceLevelExpectation(6, 0.9)
            )
        ],
    )
    review = service_delivery_review(WorkItemTable.from_items(items), policy, as_of="2024-01-20")
    over = review.row("Standard / premium", "class_of_service/segment")
    expected = metrics.sle_attainment([4.0, 10.0], 6.0, observed=[True, False]).attainment[0]
    assert over.attainment_censored == pytest.approx(expected)
    std = metrics.sle_attainment([4.0, 10.0, 7.0], 5.0, observed=[True, False, True])
    assert review.row("Standard").attainment_censored == pytest.approx(std.attainment[0])
    assert math.isnan(review.row("premium", "segment").attainment_censored)


def test_fitness_counts_and_share_are_the_metric():
    from customer_kanban import metrics

    table = WorkItemTable.from_items(ITEMS)
    fitness = {"Standard": (3.0, 6.0), "Expedite": (1.0, 2.0)}
    review = service_delivery_review(table, POLICY, as_of="2024-01-20", fitness=fitness)
    assert review.fitness == fitness
    for cos, (fit_days, unfit_days) in fitness.items():
        lead, _, done = _direct(table, "2024-01-20", cos)
        row = review.row(cos)
        delivered = lead[done]
        assert row.fit == int(np.sum(delivered <= fit_days))
        assert row.unfit == int(np.sum(delivered > unfit_days))
        assert row.fit + row.neutral + row.unfit == row.delivered
        share = metrics.sle_attainment(lead, fit_days).attainment[0]
        assert row.fit_share == pytest.approx(share)
    std = review.row("Standard")  # A 4 days: neutral; B 8 days: unfit
    assert (std.fit, std.neutral, std.unfit, std.fit_share) == (0, 1, 1, 0.0)
    exp = review.row("Expedite")  # C 1 day: fit
    assert (exp.fit, exp.neutral, exp.unfit, exp.fit_share) == (1, 0, 0, 1.0)
    intang = review.row("Intangible")
    assert (intang.fit, intang.neutral, intang.unfit, intang.fit_share) == (None,) * 4
    total = review.row("all", "all")  # each item by its own class's thresholds
    assert (total.fit, total.neutral, total.unfit) == (1, 1, 1)
    assert total.fit_share == pytest.approx(1 / 3)
    text = review.render()
    assert "fit/neutral/unfit" in text
    assert "0/1/1" in text
    # Without thresholds every line has None.
    plain = service_delivery_review(table, POLICY, as_of="2024-01-20")
    assert all(r.fit is None and r.fit_share is None for r in plain.rows)
    assert "fit share" not in plain.render()
    data = json.loads(review.to_json())
    assert data["rows"][1]["fit"] == 0


def test_new_figures_escaped_in_html():
    name = "<b>R&D</b>"
    policy = Policy(
        workflow=WF,
        classes_of_service=[ClassOfService(name=name, sle=ServiceLevelExpectation(5, 0.85))],
    )
    items = [_item("A", name, 1, 2, 5), _item("B", name, 3, 4)]
    review = service_delivery_review(
        WorkItemTable.from_items(items),
        policy,
        as_of="2024-01-20",
        previous=3,
        fitness={name: (3.0, 6.0)},
    )
    out = review._repr_html_()
    assert "&lt;b&gt;R&amp;D&lt;/b&gt;" in out
    assert "<b>" not in out
    assert "(+0)" in review.render()
    # The changes since `previous` are columns of the table: 0 delivered more since Jan 17.
    assert "<th>delivered_change</th>" in out
    frame = review.to_frame()
    line = frame[frame["group"] == name].iloc[0]
    assert line["delivered_change"] == 0
    assert line["fit_share_change"] == 0
    assert not line["new"]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"previous": 0}, "`previous` must be a number of days > 0"),
        ({"previous": -1.0}, "`previous` must be a number of days > 0"),
        ({"fitness": {"Standard": (5, 3)}}, "0 < fit_days <= unfit_days"),
        ({"fitness": {"Standard": (0, 3)}}, "0 < fit_days <= unfit_days"),
        ({"fitness": {"Standard": 3}}, r"must be \(fit_days, unfit_days\)"),
    ],
)
def test_bad_new_options(kwargs, message):
    table = WorkItemTable.from_items(ITEMS)
    with pytest.raises(ValidationError, match=message):
        service_delivery_review(table, POLICY, as_of="2024-01-20", **kwargs)


# ----------------------------------------------------------------- bad input (issue G)

AS_OF = "2016-03-05T12:00"


def _incidents():
    from customer_kanban.datasets import load_incidents

    return load_incidents()


def test_trend_weeks_is_bounded():
    table, policy = _incidents()
    with pytest.raises(ValidationError, match=r"`trend_weeks` must be at most 520; got 100000"):
        service_delivery_review(table, policy, as_of=AS_OF, trend_weeks=10**5)
    review = service_delivery_review(table, policy, as_of=AS_OF, trend_weeks=520)
    assert len(review.trend_periods) == 520


@pytest.mark.parametrize(
    ("options", "match"),
    [
        ({"trend_weeks": 520, "as_of": "1680-01-01"}, r"`trend_weeks` \(520 weeks\) reaches"),
        ({"window_days": 1e300}, r"`window_days` \(1e\+300 days\) reaches before the first"),
        ({"previous": 1e6}, r"`previous` \(1e\+06 days\) reaches before the first"),
    ],
)
def test_windows_reaching_before_the_first_instant_are_refused(options, match):
    table, policy = _incidents()
    with pytest.raises(ValidationError, match=match):
        service_delivery_review(table, policy, **{"as_of": AS_OF, **options})


def test_domain_objects_are_checked():
    from customer_kanban.reviews import sle_per_item

    table, policy = _incidents()
    with pytest.raises(TypeError, match=r"`table` must be a WorkItemTable, got list"):
        service_delivery_review([], policy, as_of=AS_OF)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"`policy` must be a Policy, got Workflow"):
        service_delivery_review(table, WF, as_of=AS_OF)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"`table` must be a WorkItemTable, got NoneType"):
        sle_per_item(None, policy)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"`policy` must be a Policy, got str"):
        sle_per_item(table, "policy")  # type: ignore[arg-type]


# --------------------------------------------------------------------------- day_count

DAY_COUNTS = ("elapsed", "exclusive", "inclusive", "business")


@pytest.mark.parametrize(
    ("day_count", "lead", "attainment", "at_risk"),
    [
        # Friday 17:00 -> Monday 09:00: 2 2/3 days elapsed; dates Fri..Mon: 3 exclusive,
        # 4 inclusive; Friday the one business day. SLE 3 days: the inclusive count misses
        # it. At risk from 0.8 * 3 = 2.4 days of age.
        ("elapsed", 8 / 3, 1.0, ["Y"]),
        ("exclusive", 3.0, 1.0, ["Y"]),
        ("inclusive", 4.0, 0.0, ["Y"]),
        ("business", 1.0, 1.0, []),
    ],
)
def test_day_count_of_lead_times_and_ages_by_hand(day_count, lead, attainment, at_risk):
    fri, mon = dt.datetime(2024, 1, 5, 17), dt.datetime(2024, 1, 8, 9)
    standard = {"class_of_service": "Standard", "requested_at": fri, "committed_at": fri}
    items = [WorkItem(id="X", delivered_at=mon, **standard), WorkItem(id="Y", **standard)]
    policy = Policy(
        workflow=WF,
        classes_of_service=[ClassOfService(name="Standard", sle=ServiceLevelExpectation(3, 0.85))],
    )
    review = service_delivery_review(
        WorkItemTable.from_items(items), policy, as_of=mon, day_count=day_count
    )
    std = review.row("Standard")
    assert std.customer_lead_time == pytest.approx((lead,) * 3)
    assert std.system_lead_time == pytest.approx((lead,) * 3)
    assert std.attainment == attainment
    assert std.at_risk.tolist() == at_risk
    assert std.customer_waiting_days == pytest.approx(2 * 8 / 3)  # elapsed, whatever the count
    assert review.day_count == day_count
    assert set(review.to_frame()["day_count"]) == {day_count}
    assert json.loads(review.to_json())["day_count"] == day_count


def test_day_count_is_said_in_the_text_and_checked():
    table = WorkItemTable.from_items(ITEMS)
    plain = service_delivery_review(table, POLICY, as_of="2024-01-20").render()
    assert "(days, p50/p85/p95)" in plain
    assert "Ages are counted" not in plain
    text = service_delivery_review(table, POLICY, as_of="2024-01-20", day_count="inclusive")
    assert "(calendar days counted inclusively, same day = 1, p50/p85/p95)" in text.render()
    assert "Ages are counted the same way" in text.render()
    with pytest.raises(
        ValidationError,
        match="`day_count` must be one of 'elapsed', 'exclusive', 'inclusive', 'business', "
        "'calendar'; got 'weekdays'",
    ):
        service_delivery_review(table, POLICY, as_of="2024-01-20", day_count="weekdays")  # type: ignore[arg-type]


@pytest.mark.parametrize("day_count", DAY_COUNTS)
def test_day_count_figures_are_the_metrics_on_the_demo_data(day_count):
    from customer_kanban import metrics
    from customer_kanban.datasets import DEMO_AS_OF, load_incidents

    table, policy = load_incidents()
    review = service_delivery_review(
        table, policy, as_of=DEMO_AS_OF, day_count=day_count, risk_fraction=0.5
    )
    when = np.datetime64(DEMO_AS_OF, "ns")
    seen = table.as_of(DEMO_AS_OF)
    for c in policy.classes_of_service:
        lead, age, done = _direct(table, DEMO_AS_OF, c.name, day_count)
        row = review.row(c.name)
        q = metrics.percentiles(lead, [50, 85, 95]).values[0]
        np.testing.assert_array_equal(row.customer_lead_time, q)
        attained = metrics.sle_attainment(lead, c.sle.days).attainment[0]
        assert row.attainment == pytest.approx(attained, nan_ok=True)
        censored = metrics.sle_attainment(
            np.where(done, lead, age), c.sle.days, observed=done
        ).attainment[0]
        assert row.attainment_censored == pytest.approx(censored, nan_ok=True)
        risky = metrics.at_risk(age, c.sle.days, fraction=0.5)
        assert len(row.at_risk) == int(np.count_nonzero(risky & ~done))
        mine = np.asarray(seen["class_of_service"] == c.name, dtype=bool)
        com = np.where(
            seen["committed_at"] > when, np.datetime64("NaT", "ns"), seen["committed_at"]
        )
        dlv = np.where(
            seen["delivered_at"] > when, np.datetime64("NaT", "ns"), seen["delivered_at"]
        )
        system = metrics.lead_time(com[mine], dlv[mine], day_count=day_count)
        q = metrics.percentiles(system, [50, 85, 95]).values[0]
        np.testing.assert_array_equal(row.system_lead_time, q)
