"""Tests of service_by_segment: every figure is a metric's, the join is right."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest

from customer_kanban import metrics
from customer_kanban.customers import compare_service
from customer_kanban.datasets import load_incidents
from customer_kanban.errors import ValidationError
from customer_kanban.model import Customer, Feedback, FeedbackKind
from customer_kanban.reviews import service_by_segment, sle_per_item
from customer_kanban.table import CustomerTable

AS_OF = np.datetime64("2016-03-05T12:00", "ns")


@pytest.fixture(scope="module")
def demo():
    table, policy = load_incidents()
    callers = table.codes("customer")[1]
    customers = CustomerTable.from_customers(
        Customer(
            id=str(c),
            segment=None if k % 7 == 3 else ("premium <&>" if k % 5 == 0 else "standard"),
            internal=k % 2 == 0,
        )
        for k, c in enumerate(callers)
        if k % 11 != 4  # some callers unknown to the customer table
    )
    feedback = [
        Feedback(customer=str(callers[k]), at=dt.datetime(2016, 3, 3), kind=kind, score=s)
        for k, kind, s in [
            (0, FeedbackKind.NEGATIVE, 2.0),
            (5, FeedbackKind.CONFIRMATION, 10.0),
            (1, FeedbackKind.IMPROVEMENT, 8.0),
            (2, FeedbackKind.CONFIRMATION, 9.0),
        ]
    ] + [Feedback(customer=str(callers[0]), at=dt.datetime(2016, 3, 9), kind=FeedbackKind.NEGATIVE)]
    return table, policy, customers, feedback


def test_every_figure_is_the_metrics(demo):
    table, policy, customers, feedback = demo
    r = service_by_segment(
        table,
        customers,
        policy,
        as_of=AS_OF,
        feedback=feedback,
        focus="premium <&>",
        rng=1,
        permutations=999,
    )
    requested, delivered = table["requested_at"], table["delivered_at"]
    seen = requested <= AS_OF
    done = seen & (delivered <= AS_OF)
    lead = (np.where(done, delivered, AS_OF) - requested) / np.timedelta64(1, "D")
    codes, labels = table.codes("customer")
    item_ids = np.array([labels[c] for c in codes], dtype=object)  # a plain join, per item
    segment_of = dict(zip(customers.ids, customers.codes("segment")[0], strict=True))
    seg_names = list(customers.codes("segment")[1])
    item_segment = np.array(
        [seg_names[segment_of[i]] if segment_of.get(i, -1) >= 0 else "(none)" for i in item_ids],
        dtype=object,
    )
    days, _ = sle_per_item(table, policy)
    for row in r.rows:
        if row.dimension == "all":
            mine = seen
        elif row.dimension == "segment":
            mine = seen & (item_segment == row.group)
        else:
            internal = {
                cid: bool(f) for cid, f in zip(customers.ids, customers.internal, strict=True)
            }
            flag = np.array([internal.get(i) for i in item_ids], dtype=object)
            mine = seen & (flag == (row.group == "internal"))
        assert row.requests == mine.sum()
        assert row.customers == len(set(item_ids[mine & (codes >= 0)]))
        assert row.delivered == (mine & done).sum()
        p = metrics.percentiles(lead[mine & done], [50, 85], method="inverted_cdf").values[0]
        assert (row.lead_time_p50, row.lead_time_p85) == (p[0], p[1])
        km = metrics.km_percentiles(lead[mine], done[mine], 85).values[0, 0]
        assert row.lead_time_p85_censored == km
        within = mine & done & np.isfinite(days)
        assert row.attainment == pytest.approx((lead[within] <= days[within]).mean(), abs=1e-12)
        w = metrics.customer_waiting_time(requested[mine], delivered[mine], as_of=AS_OF)
        assert row.waiting_days == pytest.approx(w.total_days[0], rel=1e-12)
    # feedback after as_of is left out; kinds per segment; NPS of the scores
    everyone = r.row("all", "all")
    assert everyone.feedback == (2, 1, 1)
    assert everyone.nps == pytest.approx(100 * (2 - 1) / 4)
    premium = r.row("premium <&>")
    assert premium.feedback == (1, 0, 1)  # callers 0 and 5
    assert r.lead_time_comparison.n_focus == (done & (item_segment == "premium <&>")).sum()
    sides = np.where(item_segment == "premium <&>", 0, 1)
    direct = compare_service(
        np.where(done, lead, np.nan),
        by=(np.where(done, sides, -1), ["premium <&>", "others"]),
        focus="premium <&>",
        permutations=999,
        rng=1,
    )
    assert r.lead_time_comparison == direct


@pytest.mark.parametrize("day_count", ["exclusive", "inclusive", "business"])
def test_day_count_of_the_lead_times_and_ages(demo, day_count):
    table, policy, customers, _feedback = demo
    kw = {"as_of": AS_OF, "focus": "premium <&>", "rng": 1, "permutations": 99}
    r = service_by_segment(table, customers, policy, **kw, day_count=day_count)
    requested, delivered = table["requested_at"], table["delivered_at"]
    seen = requested <= AS_OF
    done = seen & (delivered <= AS_OF)
    # The lead time had the open requests been delivered at AS_OF: their age.
    lead = metrics.lead_time(
        requested[seen], np.where(done, delivered, AS_OF)[seen], day_count=day_count
    )
    age = metrics.work_item_age(requested, delivered, as_of=AS_OF, day_count=day_count)
    np.testing.assert_array_equal(lead[~done[seen]], age[seen & ~done])
    p = metrics.percentiles(lead[done[seen]], [50, 85], method="inverted_cdf").values[0]
    everyone = r.row("all", "all")
    assert (everyone.lead_time_p50, everyone.lead_time_p85) == (p[0], p[1])
    km = metrics.km_percentiles(lead, done[seen], 85).values[0, 0]
    assert everyone.lead_time_p85_censored == km
    days = sle_per_item(table, policy)[0][seen]
    within = done[seen] & np.isfinite(days)
    assert everyone.attainment == pytest.approx((lead[within] <= days[within]).mean())
    w = metrics.customer_waiting_time(requested, delivered, as_of=AS_OF)
    assert everyone.waiting_days == pytest.approx(w.total_days[0], rel=1e-12)  # elapsed
    assert r.day_count == day_count
    assert set(r.to_frame()["day_count"]) == {day_count}
    if day_count == "inclusive":
        assert "(calendar days counted inclusively, same day = 1)" in r.render()
    with pytest.raises(ValidationError, match="`day_count` must be one of 'elapsed'"):
        service_by_segment(table, customers, policy, **kw, day_count="whole")  # type: ignore[arg-type]


def test_rendering_escapes_names_and_serialises(demo):
    table, policy, customers, _feedback = demo
    r = service_by_segment(
        table, customers, policy, as_of=AS_OF, focus="premium <&>", rng=0, permutations=99
    )
    text = r.render()
    assert "premium <&>" in text
    assert "premium &lt;&amp;&gt;" in r._repr_html_()
    assert "<&>" not in r._repr_html_().replace("<pre>", "").replace("</pre>", "")
    data = r.to_dict()
    assert data["focus"] == "premium <&>"
    assert {row["group"] for row in data["rows"]} >= {"all", "standard", "internal", "external"}


def test_without_policy_or_feedback_and_an_unknown_focus(demo):
    table, _, customers, _ = demo
    r = service_by_segment(table, customers, as_of=AS_OF, focus="standard", permutations=99)
    assert r.sle_comparison is None
    assert r.lead_time_comparison is not None
    assert all(math.isnan(row.attainment) for row in r.rows)
    assert all(row.feedback == (0, 0, 0) for row in r.rows)
    with pytest.raises(ValidationError, match=r"`focus` 'Premium' is not a segment"):
        service_by_segment(table, customers, as_of=AS_OF, focus="Premium")


def test_table_without_customers_is_refused():
    class WithoutCustomer:  # a table whose items name no customer
        categorical_fields = ("class_of_service",)

    with pytest.raises(ValidationError, match=r"no `customer` field"):
        service_by_segment(
            WithoutCustomer(), CustomerTable.from_columns({"id": ["x"]}), as_of=AS_OF
        )


# ----------------------------------------------------------------- bad input (issue G)


def _segments():
    table, policy = load_incidents()
    callers = table.codes("customer")[1]
    ct = CustomerTable.from_customers(
        Customer(id=str(c), segment="premium" if k % 3 == 0 else "standard")
        for k, c in enumerate(callers)
    )
    return table, ct, policy


def test_permutations_are_bounded():
    table, ct, policy = _segments()
    for value in (10**6 + 1, 10**12, 2**63):
        with pytest.raises(ValidationError, match=r"`permutations` must be at most 1000000"):
            service_by_segment(table, ct, policy, as_of=AS_OF, permutations=value, rng=0)


@pytest.mark.parametrize(
    ("position", "value", "match"),
    [
        (0, None, r"`table` must be a WorkItemTable, got NoneType"),
        (1, {"a": 1}, r"`customers` must be a CustomerTable, got dict"),
        (2, "policy", r"`policy` must be a Policy, got str"),
    ],
)
def test_domain_objects_are_checked(position, value, match):
    args = list(_segments())
    args[position] = value
    with pytest.raises(TypeError, match=match):
        service_by_segment(*args, as_of=AS_OF, rng=0)


def test_focus_must_be_a_segment_name():
    table, ct, policy = _segments()
    with pytest.raises(TypeError, match=r"`focus` must be a segment name \(a string\), got int"):
        service_by_segment(table, ct, policy, as_of=AS_OF, focus=1, rng=0)  # type: ignore[arg-type]
