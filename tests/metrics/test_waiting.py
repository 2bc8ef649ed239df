"""Tests of customer metrics: customer_waiting_time and customer_recognisable_share."""

from __future__ import annotations

import contextlib
import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from customer_kanban.errors import InsufficientDataWarning, ValidationError
from customer_kanban.metrics import customer_recognisable_share, customer_waiting_time
from customer_kanban.testing._arrays import group_label_arrays, instant_arrays, start_end_arrays

ONE_DAY = np.timedelta64(1, "D")


@contextlib.contextmanager
def _quiet():
    """Empty groups are expected here; their warning is tested by hand."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InsufficientDataWarning)
        yield


def _permutation(data, n):
    return np.array(data.draw(st.permutations(range(n))), dtype=np.intp)


# --------------------------------------------------------------------------- waiting time


def test_customer_waiting_time_by_hand():
    # as_of Jan 10.  Customer A: Jan 1 -> Jan 3 (2 days); Jan 7 -> open (3 days so far);
    # Jan 8 -> delivered Jan 12, after as_of, so still waiting (2 days).
    # Customer B: Jan 2 -> Jan 3 (1 day); Jan 20 requested after as_of: left out.
    # Customer C: only a request with unknown instant: no items -> mean NaN + warning.
    requested = ["2024-01-01", "2024-01-07", "2024-01-08", "2024-01-02", "2024-01-20", None]
    delivered = ["2024-01-03", None, "2024-01-12", "2024-01-03", None, None]
    by = ["A", "A", "A", "B", "B", "C"]
    with pytest.warns(InsufficientDataWarning, match=r"1 of 3 groups \('C'\).*`mean_days` is NaN"):
        r = customer_waiting_time(requested, delivered, as_of="2024-01-10", by=by)
    assert r.groups.tolist() == ["A", "B", "C"]
    assert r.total_days.tolist() == [7.0, 1.0, 0.0]
    assert np.array_equal(r.mean_days, [7 / 3, 1.0, np.nan], equal_nan=True)
    assert r.items.tolist() == [3, 1, 0]
    assert r.open_items.tolist() == [2, 0, 0]
    d = r.to_dict()
    assert d["mean_days"][2] is None
    assert d["groups"] == ["A", "B", "C"]


def test_customer_waiting_time_errors():
    with pytest.raises(ValidationError, match=r"`end` is before `start` in 1 row \(row 0\)"):
        customer_waiting_time(["2024-01-02"], ["2024-01-01"], as_of="2024-01-03")
    with pytest.raises(ValidationError, match=r"`as_of` must be an instant, got None"):
        customer_waiting_time(["2024-01-02"], [None], as_of=None)
    with pytest.raises(ValidationError, match=r"`start` and `end` must have the same length"):
        customer_waiting_time(["2024-01-02"], [], as_of="2024-01-03")
    with pytest.raises(ValidationError, match=r"`start` and `by` must have the same length"):
        customer_waiting_time(["2024-01-02"], [None], as_of="2024-01-03", by=["a", "b"])


@given(pair=start_end_arrays(allow_unstarted=True), data=st.data())
def test_customer_waiting_time_matches_reference_loop(pair, data):
    requested, delivered = pair
    labels = data.draw(group_label_arrays(size=len(requested)))
    as_of = data.draw(instant_arrays(size=1, allow_nat=False))[0]
    with _quiet():
        r = customer_waiting_time(requested, delivered, as_of=as_of, by=labels)
        for g, label in enumerate(r.groups):
            total, items, still_open = 0.0, 0, 0
            for req, dlv, lab in zip(requested, delivered, labels, strict=True):
                if lab != label or np.isnat(req) or req > as_of:
                    continue
                items += 1
                if not np.isnat(dlv) and dlv <= as_of:
                    total += (dlv - req) / ONE_DAY
                else:
                    still_open += 1
                    total += (as_of - req) / ONE_DAY
            assert (r.items[g], r.open_items[g]) == (items, still_open)
            assert r.total_days[g] == pytest.approx(total, abs=1e-9)
            if items:
                assert r.mean_days[g] == pytest.approx(total / items, abs=1e-9)
            else:
                assert np.isnan(r.mean_days[g])


@given(pair=start_end_arrays(), data=st.data())
def test_customer_waiting_time_grouped_equals_ungrouped_and_order_invariant(pair, data):
    requested, delivered = pair
    labels = data.draw(group_label_arrays(size=len(requested), allow_missing=False))
    as_of = np.datetime64("2024-02-01", "ns")
    with _quiet():
        r = customer_waiting_time(requested, delivered, as_of=as_of, by=labels)
        for g, label in enumerate(r.groups):
            mine = labels == label
            alone = customer_waiting_time(requested[mine], delivered[mine], as_of=as_of)
            assert alone.items.tolist() == r.items[g : g + 1].tolist()
            assert alone.total_days.tolist() == pytest.approx(r.total_days[g : g + 1].tolist())
        perm = _permutation(data, len(requested))
        again = customer_waiting_time(
            requested[perm], delivered[perm], as_of=as_of, by=labels[perm]
        )
        assert again.items.tolist() == r.items.tolist()
        np.testing.assert_allclose(again.total_days, r.total_days, rtol=1e-12, atol=1e-9)


# --------------------------------------------------------------------------- recognisable share


def test_customer_recognisable_share_by_hand():
    # dev: 2 of 2 recognisable; ops: 1 of 2 (a third ops item is unknown, left out).
    r = customer_recognisable_share(
        [True, False, True, True, np.nan], by=["ops", "ops", "dev", "dev", "ops"]
    )
    assert r.groups.tolist() == ["dev", "ops"]
    assert r.share.tolist() == [1.0, 0.5]
    assert r.count.tolist() == [2, 1]
    assert r.n.tolist() == [2, 2]
    assert customer_recognisable_share(np.array([1, 0, 0, 1])).share.tolist() == [0.5]


def test_customer_recognisable_share_errors_and_warning():
    with pytest.raises(
        ValidationError, match=r"`recognisable` must be True/False \(or 1/0, NaN = unknown\)"
    ):
        customer_recognisable_share([1, 2])
    with pytest.raises(TypeError, match=r"`recognisable` must hold numbers"):
        customer_recognisable_share(["yes"])
    with pytest.warns(InsufficientDataWarning, match=r"share is NaN"):
        r = customer_recognisable_share([None, None])
    assert np.isnan(r.share).all()


@given(
    st.lists(st.sampled_from([True, False, None]), max_size=30),
    st.data(),
)
def test_customer_recognisable_share_matches_reference_loop(flags, data):
    values = np.array([np.nan if f is None else float(f) for f in flags])
    labels = data.draw(group_label_arrays(size=len(flags)))
    with _quiet():
        r = customer_recognisable_share(values, by=labels)
        for g, label in enumerate(r.groups):
            mine = [f for f, lab in zip(flags, labels, strict=True) if lab == label]
            count = sum(1 for f in mine if f is True)
            n = sum(1 for f in mine if f is not None)
            assert (r.count[g], r.n[g]) == (count, n)
            if n:
                assert 0.0 <= r.share[g] <= 1.0
        perm = _permutation(data, len(flags))
        assert customer_recognisable_share(values[perm], by=labels[perm]) == r


# --------------------------------------------------------------------------- hardening


def test_waiting_over_292_years_is_refused():
    start, end = ["1678-01-01", "2024-01-01"], [None, "2024-01-02"]
    with pytest.raises(ValidationError, match=r"`start` and `as_of` are more than 292 years"):
        customer_waiting_time(start, end, as_of="2261-12-31")
    # Requested after `as_of`: not counted, and not subtracted.
    with pytest.warns(InsufficientDataWarning, match="no item requested by `as_of`"):
        r = customer_waiting_time(["2261-12-31"], [None], as_of="1678-01-01")
    assert r.items.tolist() == [0]
