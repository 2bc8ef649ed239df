"""The Service Delivery Review of a FlowSummary against the review of its table."""

import functools

import numpy as np
import pytest

from customer_kanban import metrics
from customer_kanban.datasets import DEMO_AS_OF, incidents_replenishment_policy, load_incidents
from customer_kanban.errors import ValidationError
from customer_kanban.reviews import service_delivery_review, sle_per_item
from customer_kanban.summaries import RESOLUTIONS, flow_summary


@functools.cache
def data():
    table, _ = load_incidents()
    return table, incidents_replenishment_policy()


def check_lines(ours, theirs, resolution_days):
    """Every line of `ours` (from a summary) against the same line of `theirs`."""
    assert ours.resolution is not None
    assert theirs.resolution is None
    assert ours.trend_periods == theirs.trend_periods
    assert ours.window_start == theirs.window_start
    assert [(r.dimension, r.group) for r in ours.rows] == [
        (r.dimension, r.group) for r in theirs.rows if r.dimension in ("all", "class_of_service")
    ]
    for a in ours.rows:
        b = theirs.row(a.group, a.dimension)
        for name in ("delivered", "wip", "open_requests", "blocked_items", "delay_cost_items"):
            assert getattr(a, name) == getattr(b, name), (a.group, name)
        for name in ("sle_days", "sle_probability", "sle_met", "throughput_trend"):
            assert getattr(a, name) == getattr(b, name), (a.group, name)
        # SLE days are whole days: a multiple of every resolution, attainment is exact
        np.testing.assert_allclose(a.attainment, b.attainment, rtol=1e-12)
        for name in ("throughput_per_week", "customer_waiting_days", "blocked_days", "delay_cost"):
            np.testing.assert_allclose(getattr(a, name), getattr(b, name), rtol=1e-9)
        for lt in ("customer_lead_time", "system_lead_time"):
            diff = np.subtract(getattr(a, lt), getattr(b, lt))
            assert (diff >= -1e-9).all(), (a.group, lt)
            assert (diff < resolution_days).all(), (a.group, lt)
        assert len(a.at_risk) >= len(b.at_risk)  # ages rounded up
        if np.isnan(b.attainment_censored):
            assert np.isnan(a.attainment_censored)
        else:
            assert abs(a.attainment_censored - b.attainment_censored) < 0.02


@pytest.mark.parametrize("resolution", list(RESOLUTIONS))
def test_the_lines_equal_the_tables_at_the_resolution(resolution):
    table, policy = data()
    summary = flow_summary(table, policy, as_of=DEMO_AS_OF, resolution=resolution)
    ours = service_delivery_review(summary, policy, as_of=DEMO_AS_OF)
    theirs = service_delivery_review(table, policy, as_of=DEMO_AS_OF)
    check_lines(ours, theirs, RESOLUTIONS[resolution] / 86_400e9)
    # at risk: exactly the open requests whose age rounded up reaches 80% of their SLE
    seen = table.as_of(DEMO_AS_OF)
    res = RESOLUTIONS[resolution]
    age_ns = np.datetime64(DEMO_AS_OF, "ns").astype(np.int64) - seen["requested_at"].view(np.int64)
    rounded = -((-age_ns) // res) * res / 86_400e9
    days, _ = sle_per_item(seen, policy)
    risky = np.isnat(seen["delivered_at"]) & metrics.at_risk(rounded, days, fraction=0.8)
    assert len(ours.row("all", "all").at_risk) == np.count_nonzero(risky)
    cos = seen["class_of_service"]
    for r in ours.rows[1:]:
        assert len(r.at_risk) == np.count_nonzero(risky & (cos == r.group)), r.group
    assert f"resolution of {resolution}" in ours.render()
    assert ours.to_json()


def test_options_pass_through():
    table, policy = data()
    summary = flow_summary(table, policy, as_of=DEMO_AS_OF)
    options = {"q": (50, 90), "basis": "system", "risk_fraction": 0.5, "trend_weeks": 6}
    ours = service_delivery_review(summary, policy, as_of=DEMO_AS_OF, **options)
    theirs = service_delivery_review(table, policy, as_of=DEMO_AS_OF, **options)
    check_lines(ours, theirs, 1 / 1440)
    windowed = service_delivery_review(summary, policy, as_of=DEMO_AS_OF, window_days=14)
    exact = service_delivery_review(table, policy, as_of=DEMO_AS_OF, window_days=14)
    for a in windowed.rows:  # the window (as_of - 14 days, as_of]: no delivery at its start
        assert a.throughput_per_week == pytest.approx(
            exact.row(a.group, a.dimension).throughput_per_week
        )


def test_a_summary_by_none_has_the_total_line_only():
    table, policy = data()
    summary = flow_summary(table, policy, as_of=DEMO_AS_OF, by=None)
    review = service_delivery_review(summary, policy, as_of=DEMO_AS_OF)
    assert [(r.dimension, r.group) for r in review.rows] == [("all", "all")]
    assert np.isnan(review.rows[0].attainment)  # no class: no item held to an SLE


@pytest.mark.parametrize(
    ("options", "match"),
    [
        ({"previous": 7}, "`previous` is not available from a FlowSummary"),
        ({"fitness": {"3 - Moderate": (1, 2)}}, "`fitness` is not available"),
        ({"day_count": "inclusive"}, "`day_count` is not available"),
        ({"method": "weibull"}, "`method` is not available"),
        ({"feedback": []}, "`feedback` is not available"),
        ({"as_of": "2016-05-01"}, "must be the summary's own instant"),
    ],
)
def test_what_a_summary_cannot_answer_is_refused(options, match):
    table, policy = data()
    summary = flow_summary(table, policy, as_of=DEMO_AS_OF)
    kwargs = {"as_of": DEMO_AS_OF, **options}
    with pytest.raises(ValidationError, match=match):
        service_delivery_review(summary, policy, **kwargs)
    by_segment = flow_summary(table, policy, as_of=DEMO_AS_OF, by="segment")
    with pytest.raises(ValidationError, match="needs a summary by class of service"):
        service_delivery_review(by_segment, policy, as_of=DEMO_AS_OF)
