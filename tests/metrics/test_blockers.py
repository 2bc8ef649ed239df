"""Tests of blocker clustering: blocker_clusters and BlockerClusters."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from customer_kanban.errors import InsufficientDataWarning, ValidationError
from customer_kanban.metrics import blocked_time
from customer_kanban.metrics.flow._blockers import BlockerClusters, blocker_clusters
from customer_kanban.testing._arrays import group_label_arrays, interval_arrays

ONE_DAY = np.timedelta64(1, "D")
AS_OF = np.datetime64("2024-01-20", "ns")
REASONS = ["customer", "environment", "supplier"]

# Intervals (item, start, end, reason) of the hand-computed case; as_of Jan 20 12:00.
HAND = [
    (0, "2024-01-01", "2024-01-03", "customer"),  # item 0: two customer blocks that
    (0, "2024-01-02", "2024-01-05", "customer"),  # overlap -> union Jan 1-5 = 4 days,
    (0, "2024-01-04", "2024-01-07", "supplier"),  # and a supplier block across both
    (1, "2024-01-10", None, "customer"),  # item 1: open since Jan 10 -> 10.5 days
    (1, "2024-01-10", "2024-01-10", "supplier"),  # a block of zero length
    (2, "2024-01-01", "2024-01-02", None),  # item 2: no reason recorded -> "(none)"
    (2, "2024-01-21", "2024-01-22", "supplier"),  # starts after as_of: not counted
    (3, "2024-01-01", "2024-01-31", "environment"),  # item 3: cut at as_of -> 19.5 days
    (5, "2024-01-01", "2024-01-09", "customer"),  # item 5 is in no group: left out
]
HAND_BY = ["expedite", "standard", "standard", "expedite", "standard", None]


def _hand():
    item, start, end, reason = (list(x) for x in zip(*HAND, strict=True))
    return item, start, end, reason


def _quiet_call(*args, **kwargs):
    """Empty groups are expected in generated cases; their warning is tested by hand."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InsufficientDataWarning)
        return blocker_clusters(*args, **kwargs)


# --------------------------------------------------------------------------- by hand


def test_blocker_clusters_by_hand():
    item, start, end, reason = _hand()
    r = blocker_clusters(item, start, end, reason, n_items=6, as_of="2024-01-20T12:00", by=HAND_BY)
    assert r.groups.tolist() == ["expedite", "standard"]
    assert r.reasons.tolist() == ["customer", "environment", "supplier", "(none)"]
    # expedite = items 0, 3; standard = items 1, 2, 4 (item 4 never blocked).
    assert r.blocks.tolist() == [[2, 1, 1, 0], [1, 0, 1, 1]]
    assert r.items.tolist() == [[1, 1, 1, 0], [1, 0, 1, 1]]
    assert r.days.tolist() == [[4.0, 19.5, 3.0, 0.0], [10.5, 0.0, 0.0, 1.0]]
    assert r.n_items.tolist() == [2, 3]
    assert r.blocked_items.tolist() == [2, 2]
    # Item 0: Jan 1-7 = 6 days over both reasons (4 + 3 = 7 counted by reason).
    assert r.blocked_days.tolist() == [6.0 + 19.5, 10.5 + 1.0]
    assert np.array_equal(
        r.impact, [[2.0, 19.5, 3.0, np.nan], [10.5, np.nan, 0.0, 1.0]], equal_nan=True
    )
    assert r.likelihood.tolist() == [[0.5, 0.5, 0.5, 0.0], [1 / 3, 0.0, 1 / 3, 1 / 3]]
    assert r.ranked("expedite").tolist() == ["environment", "customer", "supplier", "(none)"]
    assert r.ranked("standard").tolist() == ["customer", "(none)", "environment", "supplier"]
    assert r.ranked().tolist() == ["environment", "customer", "supplier", "(none)"]
    d = r.to_dict()
    assert d["reasons"] == ["customer", "environment", "supplier", "(none)"]
    assert d["days"] == [[4.0, 19.5, 3.0, 0.0], [10.5, 0.0, 0.0, 1.0]]
    assert json.loads(r.to_json())["blocks"] == [[2, 1, 1, 0], [1, 0, 1, 1]]


def test_blocker_clusters_anderson_example():
    # 65 tickets; the customer blocked 13 of them, 10 days each: impact 10, likelihood 13/65.
    item = np.arange(13)
    start = np.full(13, np.datetime64("2024-03-01", "ns"))
    r = blocker_clusters(item, start, start + 10 * ONE_DAY, ["customer"] * 13, n_items=65)
    assert (r.blocks.tolist(), r.items.tolist(), r.days.tolist()) == ([[13]], [[13]], [[130.0]])
    assert r.impact.tolist() == [[10.0]]
    assert r.likelihood.tolist() == [[13 / 65]]
    assert r.groups.tolist() == ["all"]


def test_blocker_clusters_codes_with_labels_equal_labels():
    item, start, end, reason = _hand()
    labels = ["supplier", "customer", "environment", "weather"]  # the given order, kept
    codes = [-1 if x is None else labels.index(x) for x in reason]
    r = blocker_clusters(
        item, start, end, codes, n_items=6, as_of="2024-01-20T12:00", reason_labels=labels
    )
    assert r.reasons.tolist() == [*labels, "(none)"]
    assert r.blocks[:, 3].tolist() == [0]  # a label without a block is still a reason
    by_label = blocker_clusters(item, start, end, reason, n_items=6, as_of="2024-01-20T12:00")
    order = [1, 2, 0, 4]  # customer, environment, supplier, (none)
    assert r.blocks[:, order].tolist() == by_label.blocks.tolist()
    assert r.items[:, order].tolist() == by_label.items.tolist()
    assert r.days[:, order].tolist() == by_label.days.tolist()
    assert r.blocked_days.tolist() == by_label.blocked_days.tolist()


def test_blocker_clusters_empty_input():
    empty_t = np.array([], dtype="datetime64[ns]")
    r = blocker_clusters([], empty_t, empty_t, [], n_items=3)
    assert r.reasons.shape == (0,)
    assert r.blocks.shape == r.items.shape == r.days.shape == (1, 0)
    assert r.impact.shape == r.likelihood.shape == (1, 0)
    assert (r.n_items.tolist(), r.blocked_items.tolist()) == ([3], [0])
    assert r.blocked_days.tolist() == [0.0]
    assert r.ranked().shape == (0,)
    assert json.loads(r.to_json())["days"] == [[]]
    nothing = blocker_clusters([], empty_t, empty_t, [], n_items=0, reason_labels=[])
    assert nothing.n_items.tolist() == [0]
    groups = (np.array([], dtype=np.intp), ["a", "b"])
    two = blocker_clusters([], empty_t, empty_t, [], n_items=0, by=groups)
    assert two.groups.tolist() == ["a", "b"]
    assert two.blocks.shape == (2, 0)
    assert two.blocked_days.tolist() == [0.0, 0.0]


def test_blocker_clusters_empty_group_warns():
    groups = (np.array([0, 0]), ["a", "b"])
    with pytest.warns(InsufficientDataWarning, match=r"1 of 2 groups \('b'\).*`likelihood`"):
        r = blocker_clusters([0], ["2024-01-01"], ["2024-01-02"], ["x"], n_items=2, by=groups)
    assert r.n_items.tolist() == [2, 0]
    assert np.array_equal(r.likelihood, [[0.5], [np.nan]], equal_nan=True)


def test_blocker_clusters_errors():
    one = (["2024-01-01"], ["2024-01-02"])
    with pytest.raises(ValidationError, match=r"`item` and `reason` must have the same length"):
        blocker_clusters([0], *one, ["a", "b"], n_items=1)
    with pytest.raises(ValidationError, match=r"`item` and `end` must have the same length"):
        blocker_clusters([0], ["2024-01-01"], [], ["a"], n_items=1)
    with pytest.raises(
        ValidationError,
        match=r"`reason` codes must lie in \[-1, 1\] \(-1 = no reason\); "
        r"they do not in 2 rows \(row 1; row 2\)",
    ) as info:
        blocker_clusters(
            [0, 0, 0],
            ["2024-01-01"] * 3,
            ["2024-01-02"] * 3,
            [1, 2, -2],
            n_items=1,
            reason_labels=["a", "b"],
        )
    assert info.value.rows == (1, 2)
    with pytest.raises(ValidationError, match=r"`n_items` and `by` must have the same length"):
        blocker_clusters([0], *one, ["a"], n_items=2, by=["x"])
    with pytest.raises(ValidationError, match=r"`item` must lie in \[0, 0\]"):
        blocker_clusters([1], *one, ["a"], n_items=1)
    with pytest.raises(ValidationError, match=r"`as_of` is required when `end` is NaT"):
        blocker_clusters([0], ["2024-01-01"], [None], ["a"], n_items=1)
    with pytest.raises(ValidationError, match=r"`end` is before `start` in 1 row \(row 0\)"):
        blocker_clusters([0], ["2024-01-02"], ["2024-01-01"], ["a"], n_items=1)
    with pytest.raises(TypeError, match=r"`reason` holds integer codes: give their labels"):
        blocker_clusters([0], *one, [0], n_items=1)
    with pytest.raises(TypeError, match=r"`reason` must hold integer codes when `reason_labels`"):
        blocker_clusters([0], *one, ["a"], n_items=1, reason_labels=["a"])
    mixed = np.array(["a", 1], dtype=object)
    with pytest.raises(TypeError, match=r"`reason` must hold labels of one orderable kind"):
        blocker_clusters([0, 0], ["2024-01-01"] * 2, ["2024-01-02"] * 2, mixed, n_items=1)
    with pytest.raises(ValidationError, match=r"`reason` must be one-dimensional"):
        blocker_clusters([0], *one, [["a"]], n_items=1)
    with pytest.raises(ValidationError, match=r"`reason_labels` must be one-dimensional"):
        blocker_clusters([0], *one, [0], n_items=1, reason_labels=[["a"]])
    r = blocker_clusters([0], *one, ["a"], n_items=1)
    with pytest.raises(ValidationError, match=r"`group` must be one of the groups \['all'\]"):
        r.ranked("other")


# --------------------------------------------------------------------------- generated


@st.composite
def blocker_cases(draw):
    """(item, start, end, reason, by, n_items, as_of) with labels and missing values."""
    n_items = draw(st.integers(0, 5))
    item, start, end = draw(interval_arrays(n_items=n_items))
    reason = np.empty(len(item), dtype=object)
    reason[:] = draw(
        st.lists(st.sampled_from([*REASONS, None]), min_size=len(item), max_size=len(item))
    )
    by = draw(group_label_arrays(size=n_items))
    use_as_of = draw(st.booleans()) or bool(np.isnat(end).any())
    return item, start, end, reason, by, n_items, AS_OF if use_as_of else None


def _union_days(spans):
    """Total length of the union of (start, end) spans, merging them in sorted order."""
    total = np.timedelta64(0, "ns")
    cur_s = cur_e = None
    for s, e in sorted(spans):
        if cur_e is None or s > cur_e:
            if cur_e is not None:
                total += cur_e - cur_s
            cur_s, cur_e = s, e
        else:
            cur_e = max(cur_e, e)
    if cur_e is not None:
        total += cur_e - cur_s
    return total / ONE_DAY


def _reference(item, start, end, reason, by, n_items, as_of):
    """One group, reason and item at a time, with plain loops over the intervals."""
    group_labels = sorted({b for b in by if b is not None})
    reason_labels = sorted({x for x in reason if x is not None})
    if any(x is None for x in reason):
        reason_labels.append("(none)")
    rows = []
    for it, s, e, x in zip(item, start, end, reason, strict=True):
        if as_of is not None and s > as_of:
            continue
        e = as_of if np.isnat(e) else e
        if as_of is not None:
            e = min(e, as_of)
        rows.append((int(it), s, e, "(none)" if x is None else x))
    out = {"blocks": [], "items": [], "days": [], "n_items": [], "blocked_items": []}
    out["blocked_days"] = []
    for g in group_labels:
        members = [i for i in range(n_items) if by[i] == g]
        mine = [row for row in rows if row[0] in members]
        out["blocks"].append([sum(1 for row in mine if row[3] == x) for x in reason_labels])
        out["items"].append([len({row[0] for row in mine if row[3] == x}) for x in reason_labels])
        out["days"].append(
            [
                sum(
                    _union_days([(s, e) for i2, s, e, x2 in mine if i2 == i and x2 == x])
                    for i in members
                )
                for x in reason_labels
            ]
        )
        out["n_items"].append(len(members))
        out["blocked_items"].append(len({row[0] for row in mine}))
        out["blocked_days"].append(
            sum(_union_days([(s, e) for i2, s, e, _ in mine if i2 == i]) for i in members)
        )
    return group_labels, reason_labels, out


@given(blocker_cases())
def test_blocker_clusters_matches_reference_loop(case):
    item, start, end, reason, by, n_items, as_of = case
    r = _quiet_call(item, start, end, reason, n_items=n_items, as_of=as_of, by=by)
    groups, reasons, expected = _reference(item, start, end, reason, by, n_items, as_of)
    assert r.groups.tolist() == groups
    assert r.reasons.tolist() == reasons
    for name in ("blocks", "items", "n_items", "blocked_items"):
        got = getattr(r, name)
        assert got.dtype == np.int64
        assert got.tolist() == np.reshape(expected[name], got.shape).tolist(), name
    np.testing.assert_allclose(
        r.days, np.reshape(expected["days"], r.days.shape), rtol=1e-12, atol=1e-9
    )
    np.testing.assert_allclose(r.blocked_days, expected["blocked_days"], rtol=1e-12, atol=1e-9)


@given(blocker_cases(), st.data())
def test_blocker_clusters_properties(case, data):
    item, start, end, reason, by, n_items, as_of = case
    r = _quiet_call(item, start, end, reason, n_items=n_items, as_of=as_of, by=by)
    per_item = blocked_time(item, start, end, n_items=n_items, as_of=as_of)
    for g, label in enumerate(r.groups):
        assert r.blocked_days[g] == pytest.approx(per_item[by == label].sum(), abs=1e-9)
    assert (r.blocked_days <= r.days.sum(axis=1) + 1e-9).all()
    assert (r.items <= r.blocks).all()
    assert (r.items <= r.blocked_items[:, None]).all()
    assert (r.blocked_items <= r.n_items).all()
    likelihood = r.likelihood
    known = ~np.isnan(likelihood)
    assert ((likelihood[known] >= 0) & (likelihood[known] <= 1)).all()
    assert np.isnan(likelihood[r.n_items == 0]).all()
    assert np.array_equal(np.isnan(r.impact), r.blocks == 0)
    assert isinstance(json.loads(r.to_json()), dict)
    assert set(r.to_dict()) == {field.name for field in BlockerClusters.__attrs_attrs__}
    # The same intervals in another row order give the same clusters.
    perm = np.array(data.draw(st.permutations(range(len(item)))), dtype=np.intp)
    again = _quiet_call(
        item[perm], start[perm], end[perm], reason[perm], n_items=n_items, as_of=as_of, by=by
    )
    assert again.reasons.tolist() == r.reasons.tolist()
    assert again.blocks.tolist() == r.blocks.tolist()
    assert again.items.tolist() == r.items.tolist()
    np.testing.assert_allclose(again.days, r.days, rtol=1e-12, atol=1e-9)
    np.testing.assert_allclose(again.blocked_days, r.blocked_days, rtol=1e-12, atol=1e-9)


@given(blocker_cases())
def test_blocker_clusters_codes_equal_labels(case):
    item, start, end, reason, by, n_items, as_of = case
    codes = np.array([-1 if x is None else REASONS.index(x) for x in reason], dtype=np.intp)
    r = _quiet_call(
        item, start, end, codes, n_items=n_items, as_of=as_of, by=by, reason_labels=REASONS
    )
    labelled = _quiet_call(item, start, end, reason, n_items=n_items, as_of=as_of, by=by)
    columns = [r.reasons.tolist().index(x) for x in labelled.reasons.tolist()]
    assert r.blocks[:, columns].tolist() == labelled.blocks.tolist()
    assert r.items[:, columns].tolist() == labelled.items.tolist()
    assert r.days[:, columns].tolist() == labelled.days.tolist()
    assert r.blocks.sum() == labelled.blocks.sum()  # the extra columns are empty


# --------------------------------------------------------------------------- hardening


def test_ragged_reasons_and_bounds():
    args = ([0], ["2024-01-01"], ["2024-01-02"])
    with pytest.raises(ValidationError, match=r"`reason` must be a sequence of labels or codes"):
        blocker_clusters(*args, [["a"], ["b", "c"]], n_items=1)
    with pytest.raises(ValidationError, match=r"`reason_labels` must be a sequence of labels"):
        blocker_clusters(*args, [0], n_items=1, reason_labels=[["a"], ["b", "c"]])
    with pytest.raises(ValidationError, match=r"`n_items` must be at most 134,217,728"):
        blocker_clusters(*args, ["a"], n_items=10**12)
    with pytest.raises(TypeError, match=r"`item` must hold integer codes"):
        blocker_clusters([0.5], *args[1:], ["a"], n_items=1)
