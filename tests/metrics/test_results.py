"""Tests of the result objects of metrics.flow, metrics.service and metrics.delay."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from customer_kanban import metrics
from customer_kanban._core.results import Result
from customer_kanban.errors import ValidationError
from customer_kanban.metrics import (
    AttainmentResult,
    CumulativeFlowResult,
    OnTimeResult,
    PercentileResult,
    ShareResult,
    ThroughputResult,
    WaitingTimeResult,
    percentiles,
)


def _examples():
    g = np.array(["a", "b"])
    f = np.array([0.5, np.nan])
    i = np.array([1, 0])
    day = np.array(["2024-01-01", "2024-01-02"], dtype="datetime64[ns]")
    return [
        CumulativeFlowResult(
            groups=np.array(["all"]),
            periods=day,
            states=np.array(["todo", "done"]),
            counts=np.array([[[1, 0], [2, 1]]]),
        ),
        ThroughputResult(groups=g, periods=day, counts=np.array([[1, 0], [0, 2]])),
        PercentileResult(q=np.array([50.0]), groups=g, values=f[:, None], counts=i),
        AttainmentResult(groups=g, attainment=f, within=i, n=i),
        OnTimeResult(groups=g, rate=f, on_time=i, n=i),
        WaitingTimeResult(groups=g, total_days=f, mean_days=f, items=i, open_items=i),
        ShareResult(groups=g, share=f, count=i, n=i),
    ]


@pytest.mark.parametrize("result", _examples(), ids=lambda r: type(r).__name__)
def test_results_are_frozen_comparable_hashable_and_serialise(result):
    with pytest.raises(AttributeError):
        result.groups = None
    twin = type(result)(**{k: np.copy(v) for k, v in vars_of(result).items()})
    assert twin == result  # NaN == NaN inside arrays
    assert hash(twin) == hash(result)
    data = result.to_dict()
    assert json.loads(result.to_json()) == data
    text = json.dumps(data)
    assert "NaN" not in text  # NaN -> null
    for value in data.values():
        assert isinstance(value, list)


def vars_of(result):
    return {a.name: getattr(result, a.name) for a in type(result).__attrs_attrs__}


def test_results_differ_when_values_differ():
    a = percentiles([1.0, 2.0], 50)
    b = percentiles([1.0, 3.0], 50)
    assert a != b
    assert a == percentiles([2.0, 1.0], 50)


def test_serialised_forms():
    r = _examples()[0]
    assert r.to_dict() == {
        "groups": ["all"],
        "periods": ["2024-01-01T00:00:00Z", "2024-01-02T00:00:00Z"],
        "states": ["todo", "done"],
        "counts": [[[1, 0], [2, 1]]],
    }
    assert _examples()[3].to_dict()["attainment"] == [0.5, None]


def test_cumulative_flow_wip_band():
    r = _examples()[0]
    assert r.wip("todo", "done").tolist() == [[1, 1]]
    assert r.wip(0, 0).tolist() == [[0, 0]]
    with pytest.raises(ValidationError, match=r"`from_state` must be one of the states"):
        r.wip("doing", "done")
    with pytest.raises(ValidationError, match=r"`to_state` must lie in \[0, 1\]; got 2"):
        r.wip(0, 2)


def test_results_export_but_are_not_rebuilt_from_json():
    from customer_kanban.metrics import percentiles

    result = percentiles([1.0, 2.0, 3.0], [50])
    assert result.to_dict()["values"] == [[2.0]]
    assert not hasattr(result, "from_dict")


# --------------------------------------------------------------------------- frames


def _frame(result, backend="pandas"):
    return result.to_frame(backend)


def _rows(frame, columns):
    return [tuple(row) for row in frame[columns].itertuples(index=False)]


D1, D2 = np.datetime64("2024-01-01", "ns"), np.datetime64("2024-01-02", "ns")


def test_cumulative_flow_frame():
    r = metrics.cumulative_flow(
        [["2024-01-01", "2024-01-02"], ["2024-01-02", None]], states=["todo", "done"], by=["a", "b"]
    )
    f = _frame(r)
    assert list(f.columns) == ["group", "period", "state", "counts"]
    assert _rows(f, ["group", "state", "counts"]) == [
        ("a", "todo", 1),
        ("a", "done", 0),
        ("a", "todo", 1),
        ("a", "done", 1),
        ("b", "todo", 0),
        ("b", "done", 0),
        ("b", "todo", 1),
        ("b", "done", 0),
    ]
    assert f["period"].tolist() == [pd.Timestamp(t) for t in (D1, D1, D2, D2) * 2]


def test_throughput_frame():
    f = _frame(metrics.throughput(["2024-01-01", "2024-01-02", "2024-01-02"], by=["a", "b", "b"]))
    assert list(f.columns) == ["group", "period", "counts"]
    assert _rows(f, ["group", "counts"]) == [("a", 1), ("a", 0), ("b", 0), ("b", 2)]


def test_percentile_frame():
    f = _frame(metrics.percentiles([1.0, 2.0, 3.0, 4.0], [50, 90], by=["a", "a", "b", "b"]))
    assert list(f.columns) == ["group", "q", "values", "counts"]
    assert _rows(f, list(f.columns)) == [
        ("a", 50.0, 1.5, 2),
        ("a", 90.0, pytest.approx(1.9), 2),
        ("b", 50.0, 3.5, 2),
        ("b", 90.0, pytest.approx(3.9), 2),
    ]


@pytest.mark.parametrize(
    ("make", "columns", "rows"),
    [
        (
            lambda: metrics.sle_attainment([1.0, 5.0, 3.0], 4, by=["a", "a", "b"]),
            ["group", "attainment", "within", "n"],
            [("a", 0.5, 1, 2), ("b", 1.0, 1, 1)],
        ),
        (
            lambda: metrics.on_time_rate(
                ["2024-01-02", "2024-01-05"], ["2024-01-03", "2024-01-04"]
            ),
            ["group", "rate", "on_time", "n"],
            [("all", 0.5, 1, 2)],
        ),
        (
            lambda: metrics.customer_waiting_time(
                ["2024-01-01", "2024-01-02"],
                ["2024-01-03", None],
                as_of="2024-01-04",
                by=["A", "B"],
            ),
            ["group", "total_days", "mean_days", "items", "open_items"],
            [("A", 2.0, 2.0, 1, 0), ("B", 2.0, 2.0, 1, 1)],
        ),
        (
            lambda: metrics.customer_recognisable_share([True, False, True], by=["x", "x", "y"]),
            ["group", "share", "count", "n"],
            [("x", 0.5, 1, 2), ("y", 1.0, 1, 1)],
        ),
        (
            lambda: metrics.delay_cost(
                ["standard", "expedite"],
                ["2024-01-01", "2024-01-01"],
                ["2024-01-03", None],
                as_of="2024-01-04",
                rate=[1.0, 2.0],
                by=["a", "b"],
            ),
            ["group", "total", "items"],
            [("a", 2.0, 1), ("b", 6.0, 1)],
        ),
        (
            lambda: metrics.cd3([10.0, 30.0], [2.0, 4.0]),
            ["score", "rank", "order"],
            [(5.0, 2, 1), (7.5, 1, 0)],
        ),
    ],
    ids=["attainment", "on_time", "waiting", "share", "delay_cost", "priority"],
)
def test_per_group_and_per_item_frames(make, columns, rows):
    f = _frame(make())
    assert list(f.columns) == columns
    assert _rows(f, columns) == rows


def test_blocker_clusters_frame():
    r = metrics.blocker_clusters(
        [0, 1],
        ["2024-01-01", "2024-01-02"],
        ["2024-01-02", "2024-01-04"],
        ["c", "e"],
        n_items=3,
        by=["x", "y", "x"],
    )
    f = _frame(r)
    assert list(f.columns) == [
        "group",
        "reason",
        "blocks",
        "items",
        "days",
        "impact",
        "likelihood",
        "n_items",
        "blocked_items",
        "blocked_days",
    ]
    got = _rows(f, ["group", "reason", "blocks", "days", "likelihood", "n_items", "blocked_days"])
    assert got == [
        ("x", "c", 1, 1.0, 0.5, 2, 1.0),
        ("x", "e", 0, 0.0, 0.0, 2, 1.0),
        ("y", "c", 0, 0.0, 0.0, 1, 2.0),
        ("y", "e", 1, 2.0, 1.0, 1, 2.0),
    ]
    assert np.isnan(f["impact"][1])


def test_wip_breaches_frames():
    r = metrics.wip_breaches(
        [["2024-01-01"], ["2024-01-02"]],
        [[None], ["2024-01-03"]],
        [1],
        states=["doing"],
        as_of="2024-01-04",
    )
    f = _frame(r)
    assert list(f.columns) == [
        "state",
        "limits",
        "breach_count",
        "breach_days",
        "max_wip",
        "max_at",
        "mean_wip",
        "first_event",
        "as_of",
    ]
    assert _rows(f, ["state", "limits", "breach_count", "breach_days", "max_wip"]) == [
        ("doing", 1.0, 1, 1.0, 2)
    ]
    assert f["mean_wip"].tolist() == [4 / 3]
    intervals = _frame(r.breaches)
    assert list(intervals.columns) == ["state", "start", "end", "days", "peak"]
    assert _rows(intervals, ["state", "days", "peak"]) == [(0, 1.0, 2)]


def test_allocation_frames():
    r = metrics.allocation(
        ["2024-01-01", "2024-01-02"],
        [None, "2024-01-03"],
        {"e": 0.5},
        by=["e", "s"],
        as_of="2024-01-04",
    )
    f = _frame(r)
    assert list(f.columns) == [
        "group",
        "at",
        "shares",
        "wip",
        "counts",
        "actual",
        "excess",
        "breach_count",
        "breach_days",
        "first_event",
        "as_of",
    ]
    assert _rows(f, ["group", "wip", "counts", "actual", "breach_count", "breach_days"]) == [
        ("e", 1, 1, 1.0, 2, 2.0),
        ("e", 2, 1, 0.5, 2, 2.0),
        ("e", 1, 1, 1.0, 2, 2.0),
        ("s", 1, 0, 0.0, 0, 0.0),
        ("s", 2, 1, 0.5, 0, 0.0),
        ("s", 1, 0, 0.0, 0, 0.0),
    ]
    assert np.isnan(f["shares"][3:]).all()
    intervals = _frame(r.breaches)
    assert list(intervals.columns) == ["group", "start", "end", "days", "peak"]
    assert _rows(intervals, ["group", "days", "peak"]) == [(0, 1.0, 1.0), (0, 1.0, 1.0)]


def _large_results():
    rng = np.random.default_rng(0)
    n = 2_000
    start = np.datetime64("2024-01-01", "ns") + rng.integers(0, 200 * 86_400, n).astype(
        "timedelta64[s]"
    )
    end = start + rng.integers(0, 30 * 86_400, n).astype("timedelta64[s]")
    by = rng.choice(np.array(["a", "b", "c"]), n)
    entered = np.stack([start, start + (end - start) // 2, end], axis=1)
    left = np.stack([entered[:, 1], entered[:, 2], np.full(n, np.datetime64("NaT", "ns"))], axis=1)
    as_of = np.datetime64("2024-08-01", "ns")
    lead = (end - start) / np.timedelta64(1, "D")
    return [
        metrics.cumulative_flow(entered, by=by),
        metrics.throughput(end, by=by),
        metrics.percentiles(lead, [50, 85, 95], by=by),
        metrics.sle_attainment(lead, 10, by=by),
        metrics.on_time_rate(end, start + np.timedelta64(10, "D"), by=by),
        metrics.customer_waiting_time(start, end, as_of=as_of, by=by),
        metrics.customer_recognisable_share(lead > 5, by=by),
        metrics.blocker_clusters(
            np.arange(n), start, end, by, n_items=n, by=rng.choice(np.array(["x", "y"]), n)
        ),
        metrics.wip_breaches(entered, left, [50, 50, None], as_of=as_of),
        metrics.wip_breaches(entered, left, [50, 50, None], as_of=as_of).breaches,
        metrics.allocation(start, end, {"a": 0.3}, by=by, as_of=as_of),
        metrics.allocation(start, end, {"a": 0.3}, by=by, as_of=as_of).breaches,
        metrics.delay_cost("standard", start, end, as_of=as_of, rate=1.0, by=by),
        metrics.cd3(rng.random(n), rng.random(n) + 0.1),
    ]


@pytest.mark.parametrize("result", _large_results(), ids=lambda r: type(r).__name__)
def test_results_on_many_items_have_short_reprs_tables_and_strict_json(result):
    assert isinstance(result, Result)
    assert len(repr(result).splitlines()) <= 20
    assert result._repr_html_().startswith("<table")
    json.loads(result.to_json(), parse_constant=_refuse)
    columns = result._frame_columns()
    assert len({len(c) for c in columns.values()}) == 1  # one length: a frame
    for backend in ("pandas", "polars", "pyarrow"):
        frame = result.to_frame(backend)
        assert frame.shape[1] == len(columns)


def _refuse(token):
    raise ValueError(f"non-standard JSON token {token}")
