"""Bad chart options of every result's ``.plot(...)``: a named error, never a wrong chart.

Each chartable result of the demo data (``api.EXAMPLES``) is drawn with one option
replaced by a bad value: ``ax`` that is not one matplotlib ``Axes``, an unknown `group`,
a `fit` that is not a fit, `censored` durations that are not durations, a `panel`,
`waiting`, `value` or `scale` outside its choices, a `top` that is not a whole number in
range, states that are not states...  The call must raise a ``TypeError`` or a
``ValueError`` naming the option in backticks (never another exception), and must not
leave a figure open: options are checked before a figure is made.
"""

from __future__ import annotations

import functools
import inspect
import math
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.figure import Figure

import customer_kanban as ck
from api import call

#: The example call giving each chartable result (a review's result by its attribute).
SOURCES = {
    "CumulativeFlowResult": "metrics.cumulative_flow",
    "ThroughputResult": "metrics.throughput",
    "ProcessBehaviourResult": "metrics.process_behaviour",
    "BacktestResult": "metrics.backtest_forecast",
    "WhenForecast": "metrics.forecast_when",
    "HowManyForecast": "metrics.forecast_how_many",
    "SurvivalResult": "metrics.kaplan_meier",
    "LeadTimeFit": "metrics.fit_lead_times",
    "BlockerClusters": "metrics.blocker_clusters",
    "CustomerJourney": "reviews.customer_journey",
    "CustomerSegments": "customers.segment_customers",
    "RFMResult": "customers.rfm",
    "GetKeepGrowResult": "customers.get_keep_grow",
    "CustomerPortfolio": "reviews.customer_portfolio",
}


@functools.cache
def result(name: str) -> ck.Result:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = call(SOURCES[name])
    assert type(out).__name__ == name
    return out


def _a_group(name: str) -> dict[str, Any]:
    """A valid `group=` for a chart of a result with several groups (none needed with one)."""
    from customer_kanban._core.plotting import chart_function

    r = result(name)
    if "group" not in inspect.signature(chart_function(r, r._chart)).parameters:
        return {}
    groups = np.asarray(r.groups)  # type: ignore[attr-defined]
    return {} if groups.size == 1 else {"group": str(groups.flat[0])}


def _fit() -> Any:
    return result("LeadTimeFit")


# (result, option, bad value, exception): each with the other options valid
CASES: list[tuple[str, str, Any, type[Exception]]] = [
    # group: one of the result's groups, required among several
    *[
        (r, "group", bad, ValueError)
        for r in (
            "CumulativeFlowResult",
            "ThroughputResult",
            "ProcessBehaviourResult",
            "BacktestResult",
            "LeadTimeFit",
            "BlockerClusters",
        )
        for bad in ("no such group", 3.5, ["a"], object(), math.nan)
    ],
    ("CumulativeFlowResult", "group", None, ValueError),  # several groups: which one?
    ("ThroughputResult", "group", None, ValueError),
    ("WhenForecast", "group", "no such group", ValueError),
    ("HowManyForecast", "group", "no such group", ValueError),
    ("GetKeepGrowResult", "group", "no such group", ValueError),
    # states of a cumulative flow
    ("CumulativeFlowResult", "commitment", "no such state", ValueError),
    ("CumulativeFlowResult", "commitment", 1, ValueError),
    ("CumulativeFlowResult", "delivery", object(), ValueError),
    # the XmR chart's panel and label
    ("ProcessBehaviourResult", "panel", "ranges", ValueError),
    ("ProcessBehaviourResult", "panel", 1, ValueError),
    ("ProcessBehaviourResult", "panel", None, ValueError),
    ("ProcessBehaviourResult", "ylabel", 3, TypeError),
    ("ProcessBehaviourResult", "ylabel", ["days"], TypeError),
    # survival: fits and censored durations
    ("SurvivalResult", "fit", "weibull", TypeError),
    ("SurvivalResult", "fit", 3, TypeError),
    ("SurvivalResult", "fit", [1, 2], TypeError),
    ("SurvivalResult", "fit", {"a": 1}, TypeError),
    ("SurvivalResult", "censored", ["x"], TypeError),
    ("SurvivalResult", "censored", "3", TypeError),
    ("SurvivalResult", "censored", [-1.0], ValueError),
    ("SurvivalResult", "censored", [math.nan], ValueError),
    ("SurvivalResult", "censored", [math.inf], ValueError),
    ("SurvivalResult", "censored", [[1.0, 2.0]], ValueError),
    ("SurvivalResult", "censored", np.array(["2024-01-01"], dtype="datetime64[ns]"), TypeError),
    ("SurvivalResult", "censored", object(), TypeError),
    # the journey's hand-off matrix
    ("CustomerJourney", "top", 0, ValueError),
    ("CustomerJourney", "top", -1, ValueError),
    ("CustomerJourney", "top", 10**12, ValueError),
    ("CustomerJourney", "top", 2.5, TypeError),
    ("CustomerJourney", "top", "3", TypeError),
    ("CustomerJourney", "top", True, TypeError),
    ("CustomerJourney", "top", None, TypeError),
    ("CustomerJourney", "waiting", "max", ValueError),
    ("CustomerJourney", "waiting", None, ValueError),
    ("CustomerJourney", "waiting", 1, ValueError),
    # customer charts
    ("CustomerSegments", "scale", "log", ValueError),
    ("CustomerSegments", "scale", None, ValueError),
    ("CustomerSegments", "current_value", [1.0, 2.0], ValueError),  # with future_potential
    ("RFMResult", "value", "money", ValueError),
    ("RFMResult", "value", None, ValueError),
]


def _ax_cases() -> list[tuple[str, str, Any, type[Exception]]]:
    bad_axes = [42, "left", [1, 2], {"a": 1}, object()]
    return [(r, "ax", bad, TypeError) for r in sorted(SOURCES) for bad in bad_axes]


def _case_id(case: tuple[str, str, Any, type[Exception]]) -> str:
    r, option, bad, _ = case
    shown = repr(bad) if len(repr(bad)) < 30 else type(bad).__name__
    return f"{r}-{option}-{shown}"


ALL_CASES = CASES + _ax_cases()


def _options(r: str, option: str, bad: Any) -> dict[str, Any]:
    options = {**(_a_group(r) if option != "group" else {}), option: bad}
    if r == "CustomerSegments" and option == "current_value":
        options["future_potential"] = [1.0, 2.0]
    return options


@pytest.mark.parametrize(
    ("r", "option", "bad", "error"), ALL_CASES, ids=[_case_id(c) for c in ALL_CASES]
)
def test_a_bad_chart_option_is_named(r: str, option: str, bad: Any, error: type[Exception]):
    plt.close("all")
    with pytest.raises(error, match=f"`{option}`"):
        result(r).plot(**_options(r, option, bad))
    assert not plt.get_fignums(), "a figure was left open by a refused call"


@pytest.mark.parametrize("r", sorted(SOURCES))
def test_a_figure_or_an_array_of_axes_is_not_an_axes(r: str):
    with pytest.raises(TypeError, match=r"`ax` must be a matplotlib Axes"):
        result(r).plot(Figure(), **_a_group(r))
    axes = Figure().subplots(1, 2)  # what plt.subplots(1, 2) returns beside the figure
    with pytest.raises(TypeError, match=r"`ax` must be one matplotlib Axes.*axes\[0\]"):
        result(r).plot(axes, **_a_group(r))


@pytest.mark.parametrize("r", sorted(SOURCES))
def test_every_chart_draws_on_a_given_axes(r: str):
    ax = Figure().subplots()
    assert result(r).plot(ax, **_a_group(r)) is ax


def test_the_plot_functions_refuse_a_bad_ax_before_drawing():
    from api import EXAMPLES, public_functions

    charts = [n for n in EXAMPLES if n.startswith("plot.") and n != "plot.handoff_matrix"]
    charts.remove("plot.censored_positions")
    assert len(charts) == 5
    for name in charts:
        args, kwargs = EXAMPLES[name]()
        plt.close("all")
        with pytest.raises(TypeError, match=r"`ax` must be a matplotlib Axes"):
            public_functions()[name](*args, **{**kwargs, "ax": "left"})
        assert not plt.get_fignums(), name


def test_an_unknown_option_is_a_type_error():
    with pytest.raises(TypeError, match="colour"):
        result("ThroughputResult").plot(group=_a_group("ThroughputResult")["group"], colour="red")
