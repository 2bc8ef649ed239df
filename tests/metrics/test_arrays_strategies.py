"""The array strategies (customer_kanban.testing._arrays) generate what they promise."""

from __future__ import annotations

import numpy as np
from hypothesis import given

from customer_kanban.testing._arrays import (
    duration_arrays,
    group_label_arrays,
    instant_arrays,
    interval_arrays,
    start_end_arrays,
    transition_arrays,
)


@given(duration_arrays(min_size=2, max_size=5, allow_nan=False))
def test_duration_arrays(values):
    assert values.dtype == np.float64
    assert 2 <= len(values) <= 5
    assert (values >= 0).all()


@given(instant_arrays(size=4, allow_nat=False, span_days=10))
def test_instant_arrays(values):
    assert values.dtype == np.dtype("datetime64[ns]")
    assert len(values) == 4
    assert not np.isnat(values).any()
    assert (values >= np.datetime64("2024-01-01")).all()
    assert (values <= np.datetime64("2024-01-11")).all()


@given(start_end_arrays(allow_unstarted=True))
def test_start_end_arrays(pair):
    start, end = pair
    assert len(start) == len(end)
    assert not (end < start).any()
    assert not (np.isnat(start) & ~np.isnat(end)).any()  # no end without a start


@given(group_label_arrays(size=6, n_groups=2, allow_missing=False))
def test_group_label_arrays(labels):
    assert labels.dtype == object
    assert set(labels.tolist()) <= {"g0", "g1"}


@given(transition_arrays(min_items=1, n_states=3))
def test_transition_arrays(t):
    assert len(t.item) == len(t.state) == len(t.at)
    assert t.n_states == 3
    assert ((t.item >= 0) & (t.item < len(t.end))).all()
    assert ((t.state >= 0) & (t.state < 3)).all()
    assert not np.isnat(t.at).any()


@given(interval_arrays(n_items=3))
def test_interval_arrays(intervals):
    item, start, end = intervals
    assert ((item >= 0) & (item < 3)).all()
    assert not np.isnat(start).any()
    assert not (end < start).any()
