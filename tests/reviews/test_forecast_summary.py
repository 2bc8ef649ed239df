"""The forecast review of a FlowSummary against the review of its table."""

import functools

import numpy as np
import pytest

from customer_kanban.datasets import DEMO_AS_OF, load_incidents
from customer_kanban.errors import ValidationError
from customer_kanban.reviews import forecast_review
from customer_kanban.summaries import RESOLUTIONS, flow_summary


@functools.cache
def data():
    return load_incidents()


@pytest.mark.parametrize("resolution", ["1min", "1h"])
def test_forecasts_equal_and_predictability_at_the_resolution(resolution):
    table, policy = data()
    summary = flow_summary(table, policy, as_of=DEMO_AS_OF, resolution=resolution)
    kwargs = {"as_of": DEMO_AS_OF, "trials": 300, "rng": 4, "window_days": 14}
    ours = forecast_review(summary, policy, **kwargs)
    theirs = forecast_review(table, policy, **kwargs)
    assert ours.resolution == resolution
    assert theirs.resolution is None
    for name in ("open_items", "since", "until", "when", "how_many", "by_class_of_service"):
        assert getattr(ours, name) == getattr(theirs, name), name
    np.testing.assert_array_equal(ours.daily_throughput, theirs.daily_throughput)
    assert ours.oldest_open == ()
    assert len(theirs.oldest_open) == theirs.open_items
    bin_days = RESOLUTIONS[resolution] / 86_400e9
    for a, b in zip(ours.predictability, theirs.predictability, strict=True):
        assert (a.group, a.delivered, a.open) == (b.group, b.delivered, b.open)
        diff = a.p85_delivered_only - b.p85_delivered_only
        assert 0 <= diff < bin_days or (np.isnan(a.p85_delivered_only) and np.isnan(diff))
    assert f"resolution of {resolution}" in ours.render()
    assert ours.to_json()


def test_refusals():
    table, policy = data()
    with pytest.raises(ValidationError, match="must be the summary's own instant"):
        forecast_review(flow_summary(table, policy, as_of=DEMO_AS_OF), policy, as_of="2016-05-01")
    by_segment = flow_summary(table, policy, as_of=DEMO_AS_OF, by="segment")
    with pytest.raises(ValidationError, match="needs a summary by class of service"):
        forecast_review(by_segment, policy, as_of=DEMO_AS_OF)
