"""Tests of the result objects (customer_kanban.metrics.flow._results)."""

from __future__ import annotations

import json

import numpy as np
import pytest

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
