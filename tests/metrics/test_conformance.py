"""One NaN/empty policy for every public metric (cf. scipy's test_axis_nan_policy).

Every public function of :mod:`customer_kanban.metrics` and
:mod:`customer_kanban.customers` runs on empty input, on
one row and on all-missing (NaN/NaT) input, and must return a defined result of
the documented shape (NaN for statistics, 0 for counts) — or, for a forecast from
a history with no deliveries, raise a clear ValidationError — warn
:class:`InsufficientDataWarning` exactly when a statistic is NaN or the period
axis cannot be determined (aggregate metrics; per-item metrics return NaN for
the items concerned without warning), and never raise (no IndexError).
"""

from __future__ import annotations

import inspect
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import customer_kanban.customers as customers
import customer_kanban.metrics as metrics
from customer_kanban.errors import InsufficientDataWarning, ValidationError

NAN = np.nan
T0 = "2024-01-01"
T1 = "2024-01-02"
EMPTY_T = np.array([], dtype="datetime64[ns]")
NAT1 = np.array(["NaT"], dtype="datetime64[ns]")
NO_GROUPS = (np.array([], dtype=np.intp), ["a", "b"])  # two empty groups

MODULES = (metrics, customers)
PUBLIC = {
    name: getattr(module, name)
    for module in MODULES
    for name in module.__all__
    if inspect.isfunction(getattr(module, name))
}
PUBLIC_FUNCTIONS = sorted(PUBLIC)

# name -> kind -> (args, kwargs, warns, expected)
# `expected` is an array (plain result) or a dict of result attributes.
Case = tuple[tuple[Any, ...], dict[str, Any], bool, Any]
CASES: dict[str, dict[str, Case]] = {
    "lead_time": {
        "empty": ((EMPTY_T, EMPTY_T), {}, False, np.zeros(0)),
        "one": (([T0], [T1]), {}, False, [1.0]),
        "all_missing": ((NAT1, NAT1), {"day_count": "business"}, False, [NAN]),
    },
    "time_in_state": {
        "empty": (([], [], EMPTY_T, EMPTY_T), {}, False, np.zeros((0, 0))),
        "one": (([0], [0], [T0], [T1]), {}, False, [[1.0]]),
        "all_missing": (([0], [1], [T0], NAT1), {}, False, [[NAN, NAN]]),
    },
    "work_item_age": {
        "empty": ((EMPTY_T, EMPTY_T), {"as_of": T0}, False, np.zeros(0)),
        "one": (([T0], NAT1), {"as_of": T1}, False, [1.0]),
        "all_missing": ((NAT1, NAT1), {"as_of": T1}, False, [NAN]),
    },
    "wip": {
        "empty": ((EMPTY_T, EMPTY_T, [T0]), {}, False, [0]),
        "one": (([T0], NAT1, [T1]), {}, False, [1]),
        "all_missing": ((NAT1, NAT1, [T1]), {}, False, [0]),
    },
    "cumulative_flow": {
        "empty": (
            (np.zeros((0, 3), "datetime64[ns]"),),
            {},
            True,
            {"counts": np.zeros((1, 0, 3)), "groups": ["all"]},
        ),
        "one": (([[T0, T1]],), {}, False, {"counts": [[[1, 0], [1, 1]]]}),
        "all_missing": (
            (np.full((2, 3), np.datetime64("NaT", "ns")),),
            {"by": ["a", "b"]},
            True,
            {"counts": np.zeros((2, 0, 3)), "periods": EMPTY_T},
        ),
        "empty_groups": (
            (np.zeros((0, 2), "datetime64[ns]"),),
            {"by": NO_GROUPS, "since": T0, "until": T1},
            False,
            {"counts": np.zeros((2, 2, 2)), "groups": ["a", "b"]},
        ),
    },
    "throughput": {
        "empty": ((EMPTY_T,), {}, True, {"counts": np.zeros((1, 0)), "groups": ["all"]}),
        "one": (([T0],), {"freq": "W"}, False, {"counts": [[1]]}),
        "all_missing": ((NAT1,), {"by": ["a"]}, True, {"counts": np.zeros((1, 0))}),
        "empty_groups": (
            (EMPTY_T,),
            {"by": NO_GROUPS, "since": T0, "until": T1},
            False,
            {"counts": [[0, 0], [0, 0]], "groups": ["a", "b"]},
        ),
    },
    "percentiles": {
        "empty": (([], [50, 85]), {}, True, {"values": [[NAN, NAN]], "counts": [0]}),
        "one": (([3.0], [50, 85]), {"method": "inverted_cdf"}, False, {"values": [[3.0, 3.0]]}),
        "all_missing": (([NAN, NAN], 50), {}, True, {"values": [[NAN]], "counts": [0]}),
        "empty_groups": (
            ([], [50]),
            {"by": NO_GROUPS},
            True,
            {"values": [[NAN], [NAN]], "counts": [0, 0]},
        ),
    },
    "sle_attainment": {
        "empty": (([], 5), {}, True, {"attainment": [NAN], "within": [0], "n": [0]}),
        "one": (([3.0], 5), {}, False, {"attainment": [1.0], "n": [1]}),
        "all_missing": (([NAN], [5.0]), {}, True, {"attainment": [NAN], "n": [0]}),
        "empty_groups": (([], 5), {"by": NO_GROUPS}, True, {"attainment": [NAN, NAN]}),
    },
    "at_risk": {
        "empty": (([], 5), {}, False, np.zeros(0, dtype=bool)),
        "one": (([4.0], 5), {}, False, [True]),
        "all_missing": (([NAN], 5), {}, False, [False]),
    },
    "on_time_rate": {
        "empty": ((EMPTY_T, EMPTY_T), {}, True, {"rate": [NAN], "n": [0]}),
        "one": (([T0], [T1]), {"as_of": T1}, False, {"rate": [1.0], "on_time": [1]}),
        "all_missing": ((NAT1, NAT1), {"as_of": T1}, True, {"rate": [NAN], "n": [0]}),
        "empty_groups": ((EMPTY_T, EMPTY_T), {"by": NO_GROUPS}, True, {"rate": [NAN, NAN]}),
    },
    "flow_efficiency": {
        "empty": ((np.zeros((0, 2)), [True, False]), {}, False, np.zeros(0)),
        "one": (([[1.0, 3.0]], [0]), {}, False, [0.25]),
        "all_missing": (([[NAN, NAN]], [0]), {}, False, [NAN]),
    },
    "blocked_time": {
        "empty": (([], EMPTY_T, EMPTY_T), {"n_items": 0}, False, np.zeros(0)),
        "one": (([0], [T0], [T1]), {"n_items": 2}, False, [1.0, 0.0]),
        # `start` may not be NaT (an interval needs a start); all-open intervals:
        "all_missing": (([0], [T0], NAT1), {"n_items": 1, "as_of": T1}, False, [1.0]),
    },
    "blocker_clusters": {
        "empty": (
            ([], EMPTY_T, EMPTY_T, []),
            {"n_items": 0},
            False,
            {"blocks": np.zeros((1, 0)), "n_items": [0], "blocked_days": [0.0]},
        ),
        "one": (
            ([0], [T0], [T1], ["customer"]),
            {"n_items": 2},
            False,
            {"blocks": [[1]], "days": [[1.0]], "likelihood": [[0.5]]},
        ),
        "all_missing": (
            ([0], [T0], NAT1, [None]),
            {"n_items": 1, "as_of": T1},
            False,
            {"reasons": ["(none)"], "days": [[1.0]]},
        ),
        "empty_groups": (
            ([], EMPTY_T, EMPTY_T, []),
            {"n_items": 0, "by": NO_GROUPS},
            False,
            {"blocks": np.zeros((2, 0)), "blocked_days": [0.0, 0.0]},
        ),
    },
    "customer_waiting_time": {
        "empty": (
            (EMPTY_T, EMPTY_T),
            {"as_of": T1},
            True,
            {"total_days": [0.0], "mean_days": [NAN], "items": [0], "open_items": [0]},
        ),
        "one": (([T0], NAT1), {"as_of": T1}, False, {"mean_days": [1.0], "open_items": [1]}),
        "all_missing": ((NAT1, NAT1), {"as_of": T1}, True, {"mean_days": [NAN], "items": [0]}),
        "empty_groups": (
            (EMPTY_T, EMPTY_T),
            {"as_of": T1, "by": NO_GROUPS},
            True,
            {"mean_days": [NAN, NAN], "items": [0, 0]},
        ),
    },
    "customer_recognisable_share": {
        "empty": (([],), {}, True, {"share": [NAN], "n": [0]}),
        "one": (([True],), {}, False, {"share": [1.0], "count": [1]}),
        "all_missing": (([None, NAN],), {}, True, {"share": [NAN], "n": [0]}),
        "empty_groups": (
            (np.array([], dtype=bool),),
            {"by": NO_GROUPS},
            True,
            {"share": [NAN, NAN], "n": [0, 0]},
        ),
    },
}

# Forecasts from a history with no deliveries would never end: a documented, clear error.
NO_DELIVERIES = "has no deliveries: the forecast would never end"
EMPTY_HISTORY = "is empty: it has no day to sample from"
NOT_A_NUMBER = "must be finite|must be a finite|is NaN|not finite|NaN"
REFUSED = (NO_DELIVERIES, EMPTY_HISTORY, NOT_A_NUMBER)
CASES["daily_throughput"] = {
    "empty": ((EMPTY_T,), {"since": T0, "until": T1}, False, {"counts": [[0, 0]]}),
    "one": (([T0],), {"since": T0, "until": T1}, False, {"counts": [[1, 0]]}),
    "all_missing": ((NAT1,), {"since": T0, "until": T0}, False, {"counts": [[0]]}),
}
CASES["forecast_when"] = {
    "empty": (([], 2), {"rng": 1}, False, EMPTY_HISTORY),
    "one": (([1], 2), {"rng": 1}, False, {"values": [[2.0, 2.0, 2.0, 2.0]]}),
    "all_missing": (([0], 2), {"rng": 1}, False, NO_DELIVERIES),
}
CASES["forecast_how_many"] = {
    "empty": (([], 3), {"rng": 1}, False, EMPTY_HISTORY),
    "one": (([1], 3), {"rng": 1}, False, {"values": [[3, 3, 3, 3]]}),
    "all_missing": (([0], 3), {"rng": 1}, False, NO_DELIVERIES),
}


# A backtest takes a DailyThroughput: a history of no day, one group of three days, no delivery.
def _days(counts: list[list[int]]) -> metrics.DailyThroughput:
    counts_array = np.array(counts, dtype=np.int64).reshape(len(counts), -1)
    return metrics.DailyThroughput(
        groups=np.array(["all"]),
        periods=np.datetime64(T0, "D") + np.arange(counts_array.shape[1]).astype("timedelta64[D]"),
        counts=counts_array,
    )


_DAILY = {"every": "D", "window_days": 1, "horizon": 1, "rng": 1, "trials": 10}
CASES["backtest_forecast"] = {
    "empty": ((_days([[]]),), _DAILY, True, {"coverage": [[NAN] * 4], "n": [0]}),
    "one": ((_days([[1, 1, 1]]),), _DAILY, False, {"coverage": [[1.0] * 4], "delivered": [[1, 1]]}),
    "all_missing": ((_days([[0, 0, 0]]),), _DAILY, True, {"coverage": [[NAN] * 4], "n": [0]}),
}
CASES["process_behaviour"] = {
    "empty": (([],), {}, True, {"centre": [NAN], "n": [0], "values": np.zeros((1, 0))}),
    "one": (([3.0],), {}, True, {"centre": [3.0], "high": [NAN], "n": [1]}),
    "all_missing": (([NAN],), {}, False, NOT_A_NUMBER),
    "empty_groups": (
        (np.array([]),),
        {"by": NO_GROUPS},
        True,
        {"centre": [NAN, NAN], "n": [0, 0]},
    ),
}

CASES["single_item_forecast"] = {
    "empty": (
        ([], []),
        {"within": [1.0]},
        False,
        {"remaining": np.zeros((0, 4)), "probability_within": np.zeros((0, 1))},
    ),
    "one": (([1.0], [3.0]), {"q": [50]}, False, {"remaining": [[2.0]]}),
    "all_missing": (([NAN], [NAN]), {"q": [50]}, False, {"remaining": [[NAN]]}),
}
CASES["tail_ratio"] = {
    "empty": (([],), {}, True, {"ratio": [NAN], "n": [0]}),
    "one": (([2.0],), {}, True, {"ratio": [NAN], "q50": [2.0], "n": [1]}),
    "all_missing": (([NAN],), {}, True, {"ratio": [NAN], "q50": [NAN], "n": [0]}),
}
CASES["recommend_sle"] = {
    "empty": (([],), {"rng": 0}, True, {"percentile": [NAN], "n": [0]}),
    "one": (([2.5],), {"rng": 0}, False, {"percentile": [2.5], "days": [3.0], "low": [2.5]}),
    "all_missing": (([NAN],), {"rng": 0}, True, {"percentile": [NAN], "high": [NAN]}),
}
CASES["fit_lead_times"] = {
    "empty": (([],), {}, True, {"shape": [NAN], "scale": [NAN], "n": [0]}),
    "one": (([2.0],), {}, True, {"shape": [NAN], "n": [1], "n_events": [1]}),
    "all_missing": (([NAN],), {"distribution": "lognormal"}, True, {"shape": [NAN], "n": [0]}),
}
CASES["segment_customers"] = {
    "empty": (([], []), {}, False, {"sizes": [0, 0, 0, 0, 0]}),
    "one": (([1.0], [2.0]), {}, False, {"sizes": [0, 0, 0, 1, 0]}),
    "all_missing": (([NAN], [NAN]), {}, False, {"sizes": [0, 0, 0, 0, 1]}),
}
CASES["trailing_value"] = {
    "empty": ((EMPTY_T, []), {"by": [], "as_of": T1}, False, {"values": np.zeros(0)}),
    "one": (([T0], [2.0]), {"by": ["a"], "as_of": T1}, False, {"values": [2.0]}),
    "all_missing": ((NAT1, [NAN]), {"by": ["a"], "as_of": T1}, False, {"values": [0.0]}),
}
CASES["customer_value"] = {
    "empty": (([],), {}, True, {"revenue": [0.0], "transactions": [0]}),
    "one": (([2.0],), {}, False, {"revenue": [2.0], "profitability": [NAN]}),
    "all_missing": (([NAN],), {}, False, {"revenue": [NAN], "transactions": [1]}),
}
CASES["rfm"] = {
    "empty": ((EMPTY_T, []), {"by": [], "as_of": T1}, True, {"r": np.zeros(0)}),
    "one": (([T0], [2.0]), {"by": ["a"], "as_of": T1}, False, {"recency": [1.0], "r": [3]}),
    "all_missing": (([T1], [2.0]), {"by": ["a"], "as_of": T0}, True, {"r": np.zeros(0)}),
}
with warnings.catch_warnings():
    warnings.simplefilter("ignore", InsufficientDataWarning)
    _RFM_EMPTY = customers.rfm(EMPTY_T, [], by=[], as_of=T1)
_RFM_ONE = customers.rfm([T0], [2.0], by=["a"], as_of=T1)
CASES["rfm_segments"] = {
    "empty": ((_RFM_EMPTY,), {}, False, {"sizes": [0] * 8}),
    "one": ((_RFM_ONE,), {}, False, {"segment": ["loyal"]}),  # alone: r = f = m = 3
    "all_missing": ((_RFM_EMPTY,), {"rules": []}, False, {"sizes": [0]}),
}
_FIVE = ([1, 2, 0, 3, 1, 0, 2], [5.0, 8, 0, 20, 3, 0, 9], [30.0] * 7)
_BG = customers.fit_bgnbd(*_FIVE, penalizer=0.1)
_GG = customers.fit_gamma_gamma([1, 2, 3, 1, 2], [10.0, 20, 15, 12, 30])
CASES["purchase_summary"] = {
    "empty": ((EMPTY_T,), {"by": []}, False, {"frequency": np.zeros(0)}),
    "one": (([T0],), {"by": ["a"]}, False, {"frequency": [0], "T": [0.0]}),
    "all_missing": ((NAT1,), {"by": ["a"]}, False, {"frequency": np.zeros(0)}),
}
CASES["fit_bgnbd"] = {
    "empty": (([], [], []), {}, True, {"purchase_shape": NAN, "n": 0}),
    "one": (([1], [2.0], [3.0]), {}, True, {"purchase_shape": NAN, "n": 1}),
    "all_missing": (([NAN], [NAN], [NAN]), {}, True, {"dropout_a": NAN, "n": 0}),
}
CASES["fit_gamma_gamma"] = {
    "empty": (([], []), {}, True, {"spend_shape": NAN, "n": 0}),
    "one": (([1], [2.0]), {}, True, {"spend_shape": NAN, "n": 1}),
    "all_missing": (([NAN], [NAN]), {}, True, {"mixing_scale": NAN, "n": 0}),
}
CASES["lifetime_value"] = {
    "empty": ((_BG, _GG, [], [], [], []), {}, False, np.zeros(0)),
    "one": ((_BG, _GG, [0], [0.0], [30.0], [0.0]), {}, False, None),
    "all_missing": ((_BG, _GG, [NAN], [NAN], [NAN], [NAN]), {}, False, [NAN]),
}
CASES["simple_lifetime_value"] = {
    "empty": (([], [], 0.1), {}, False, np.zeros(0)),
    "one": (([10.0], [0.5], 0.0), {}, False, [10.0]),  # 10 * 0.5 / (1 - 0.5), exact
    "all_missing": (([NAN], [0.8], 0.1), {}, False, [NAN]),
}
CASES["nps"] = {
    "empty": (([],), {}, True, {"value": [NAN], "n": [0]}),
    "one": (([9],), {}, False, {"value": [100.0], "n": [1]}),
    "all_missing": (([NAN],), {}, True, {"value": [NAN], "n": [0]}),
}
CASES["csat"] = {
    "empty": (([],), {}, True, {"value": [NAN], "n": [0]}),
    "one": (([4],), {}, False, {"value": [100.0], "n": [1]}),
    "all_missing": (([NAN],), {}, True, {"value": [NAN], "n": [0]}),
}
CASES["ces"] = {
    "empty": (([],), {}, True, {"value": [NAN], "n": [0]}),
    "one": (([6],), {}, True, {"value": [6.0], "low": [NAN], "n": [1]}),  # no interval
    "all_missing": (([NAN],), {}, True, {"value": [NAN], "n": [0]}),
}
CASES["feedback_summary"] = {
    "empty": (([],), {}, True, {"n": [0], "counts": [[0, 0, 0]]}),
    "one": ((["negative"],), {}, False, {"n": [1], "counts": [[0, 0, 1]]}),
    "all_missing": (([None],), {}, True, {"n": [0], "counts": [[0, 0, 0]]}),
}
_SIDES = (np.array([], dtype=np.intp), ["premium", "other"])
CASES["compare_service"] = {
    "empty": (([],), {"by": _SIDES, "focus": "premium", "rng": 0}, True, {"difference": NAN}),
    "one": (([2.0],), {"by": ["premium"], "focus": "premium", "rng": 0}, True, {"difference": NAN}),
    "all_missing": (
        ([NAN],),
        {"by": ["premium"], "focus": "premium", "rng": 0},
        True,
        {"focus_statistic": NAN},
    ),
}
CASES["cohort_retention"] = {
    "empty": (([], EMPTY_T), {}, True, {"size": np.zeros(0), "retention": np.zeros((0, 0))}),
    "one": ((["a"], [T0]), {}, False, {"size": [1], "retention": [[1.0]]}),
    "all_missing": ((["a"], NAT1), {}, True, {"size": np.zeros(0)}),
}
CASES["get_keep_grow"] = {
    "empty": (([], EMPTY_T, []), {"lost_after": 1}, True, {"active": np.zeros((1, 0))}),
    "one": ((["a"], [T0], [5.0]), {"lost_after": 1}, False, {"acquired": [[1]]}),
    "all_missing": ((["a"], NAT1, [NAN]), {"lost_after": 1}, True, {"active": np.zeros((1, 0))}),
}
_NAT22 = np.full((2, 2), np.datetime64("NaT", "ns"))
CASES["wip_breaches"] = {
    "empty": (
        (np.zeros((0, 2), "datetime64[ns]"), np.zeros((0, 2), "datetime64[ns]"), [1, 1]),
        {},
        True,
        {"breach_count": [0, 0], "max_wip": [0, 0], "mean_wip": [NAN, NAN]},
    ),
    "one": (
        ([[T0]], [[T1]], [0]),
        {},
        False,
        {"breach_count": [1], "breach_days": [1.0], "max_wip": [1], "mean_wip": [1.0]},
    ),
    "all_missing": (
        (_NAT22, _NAT22, [1, 1]),
        {},
        True,
        {"breach_count": [0, 0], "mean_wip": [NAN, NAN]},
    ),
}
CASES["allocation"] = {
    "empty": (
        (EMPTY_T, EMPTY_T, {"a": 0.5}),
        {"by": []},
        True,
        {"wip": np.zeros(0), "counts": np.zeros((1, 0)), "groups": ["a"]},
    ),
    "one": (
        ([T0], NAT1, [0.5]),
        {"by": ["a"], "as_of": T1},
        False,
        {"wip": [1], "actual": [[1.0]], "excess": [[0.5]]},
    ),
    "all_missing": (
        (NAT1, NAT1, [0.5]),
        {"by": ["a"]},
        True,
        {"wip": np.zeros(0), "counts": np.zeros((1, 0))},
    ),
    "empty_groups": (
        (EMPTY_T, EMPTY_T, [0.5, 0.5]),
        {"by": NO_GROUPS, "at": [T0]},
        True,
        {"wip": [0], "counts": [[0], [0]], "actual": [[NAN], [NAN]], "groups": ["a", "b"]},
    ),
}
CASES["cost_of_delay_rate"] = {
    "empty": ((np.array([], dtype=object), []), {"rate": []}, False, np.zeros(0)),
    "one": ((["standard"], [3.0]), {"rate": [2.0]}, False, [2.0]),
    "all_missing": ((["standard"], [NAN]), {"rate": [2.0]}, False, [NAN]),
}
CASES["delay_cost"] = {
    "empty": (
        (np.array([], dtype=object), EMPTY_T, EMPTY_T),
        {"as_of": T1, "rate": []},
        False,
        {"total": [0.0], "items": [0]},
    ),
    "one": ((["standard"], [T0], [T1]), {"as_of": T1, "rate": [2.0]}, False, {"cost": [2.0]}),
    "all_missing": (
        (["standard"], NAT1, NAT1),
        {"as_of": T1, "rate": [2.0]},
        False,
        {"cost": [NAN], "total": [0.0], "items": [0]},
    ),
}
CASES["cd3"] = {
    "empty": (([], []), {}, False, {"score": np.zeros(0), "order": np.zeros(0)}),
    "one": (([6.0], [2.0]), {}, False, {"score": [3.0], "rank": [1]}),
    "all_missing": (([NAN], [2.0]), {}, False, NOT_A_NUMBER),
}
CASES["wsjf"] = {
    "empty": (([], [], [], []), {}, False, {"score": np.zeros(0)}),
    "one": (([3.0], [2.0], [1.0], [2.0]), {}, False, {"score": [3.0], "rank": [1]}),
    "all_missing": (([NAN], [2.0], [1.0], [2.0]), {}, False, NOT_A_NUMBER),
}
CASES["kaplan_meier"] = {
    "empty": (([],), {}, True, {"times": np.zeros(0), "survival": np.zeros(0), "median": np.inf}),
    "one": (([2.0],), {}, False, {"survival": [0.0], "median": 2.0}),
    "all_missing": (([NAN],), {}, True, {"times": np.zeros(0), "median": np.inf}),
}
CASES["kaplan_meier_from_instants"] = {
    "empty": ((EMPTY_T, EMPTY_T), {"as_of": T1}, True, {"times": np.zeros(0), "median": np.inf}),
    "one": (([T0], [T1]), {"as_of": "2024-01-03"}, False, {"times": [1.0], "median": 1.0}),
    "all_missing": ((NAT1, NAT1), {"as_of": T1}, True, {"times": np.zeros(0), "median": np.inf}),
}
CASES["km_percentiles"] = {
    "empty": (([], [], [50]), {}, True, {"values": [[NAN]]}),
    "one": (([2.0], [True], [50]), {}, False, {"values": [[2.0]]}),
    "all_missing": (([NAN], [True], [50]), {}, True, {"values": [[NAN]]}),
}
CASES["km_attainment"] = {
    "empty": (([], [], 5), {}, True, {"attainment": [NAN], "n": [0]}),
    "one": (([2.0], [True], 5), {}, False, {"attainment": [1.0], "n": [1]}),
    "all_missing": (([NAN], [True], 5), {}, True, {"attainment": [NAN], "n": [0]}),
}

PARAMS = [(name, kind) for name, kinds in CASES.items() for kind in kinds]


def test_every_public_function_is_covered():
    assert sorted(CASES) == PUBLIC_FUNCTIONS
    for kinds in CASES.values():
        assert {"empty", "one", "all_missing"} <= set(kinds)


def _assert_matches(got: Any, expected: Any) -> None:
    expected = np.asarray(expected)
    got = np.asarray(got)
    assert got.shape == expected.shape
    if expected.size:
        assert np.array_equal(got, expected, equal_nan=expected.dtype.kind in "fcmM")


@pytest.mark.parametrize(("name", "kind"), PARAMS)
def test_defined_result_on_degenerate_input(name: str, kind: str) -> None:
    args, kwargs, warns, expected = CASES[name][kind]
    # Lists become arrays, so that we can check that no input is modified.
    args = tuple(np.asarray(a) if isinstance(a, list) else a for a in args)
    kwargs = {k: np.asarray(v) if isinstance(v, list) else v for k, v in kwargs.items()}
    before = [a.copy() for a in (*args, *kwargs.values()) if isinstance(a, np.ndarray)]
    function: Callable[..., Any] = PUBLIC[name]
    if isinstance(expected, str) and expected in REFUSED:
        with pytest.raises(ValidationError, match=expected):
            function(*args, **kwargs)
        return
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        result = function(*args, **kwargs)
    after = [a for a in (*args, *kwargs.values()) if isinstance(a, np.ndarray)]
    for old, new in zip(before, after, strict=True):
        assert old.dtype == new.dtype
        if old.dtype.kind == "O":
            assert repr(old.tolist()) == repr(new.tolist())
        else:
            assert np.array_equal(old, new, equal_nan=old.dtype.kind in "fmM")
    categories = [w.category for w in record]
    assert all(c is InsufficientDataWarning for c in categories), categories
    assert bool(categories) == warns
    if warns:  # the warning says what the result falls back to
        message = str(record[0].message)
        fallbacks = ("NaN", "no periods", "S = 1 everywhere", "empty result")
        assert any(s in message for s in fallbacks), message
    if isinstance(expected, dict):
        for attribute, value in expected.items():
            _assert_matches(getattr(result, attribute), value)
        groups = getattr(result, "groups", None)
        if groups is not None:  # the group axis comes first, also for by=None
            for attribute in (
                "values",
                "counts",
                "attainment",
                "rate",
                "mean_days",
                "share",
                "total",
                "actual",
                "blocks",
            ):
                value = getattr(result, attribute, None)
                if isinstance(value, np.ndarray):  # an array field, not a method
                    assert value.shape[0] == len(groups)
        result.to_json()  # NaN and NaT serialise
    else:
        assert isinstance(result, np.ndarray)
        if expected is None:  # any finite value, one per row
            assert result.shape == (1,)
            assert np.isfinite(result).all()
        else:
            _assert_matches(result, expected)
