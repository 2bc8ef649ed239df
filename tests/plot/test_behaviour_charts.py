"""The XmR and backtest charts draw exactly the result's numbers."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("matplotlib")

import matplotlib as mpl
from matplotlib.figure import Figure

from customer_kanban.errors import ValidationError
from customer_kanban.metrics import (
    DailyThroughput,
    backtest_forecast,
    process_behaviour,
    throughput,
)
from customer_kanban.plot import style

mpl.use("Agg")

X = [5.0, 6, 5, 7, 6, 5, 6, 20, 6, 5, 4, 4, 4, 4, 4, 4, 4, 4, 6, 7]


def _axes():
    return Figure(figsize=style.FIGSIZE).add_subplot()


def _hlines(ax) -> list[float]:
    return sorted(
        float(line.get_ydata()[0])
        for line in ax.get_lines()
        if len(set(np.asarray(line.get_ydata(), dtype=float))) == 1 and line.get_xdata()[0] == 0
    )


def test_the_xmr_chart_draws_the_values_the_limits_and_each_rule_s_signals():
    r = process_behaviour(X)
    ax = r.plot(ax=_axes(), ylabel="lead time [days]")
    values = ax.get_lines()[0]
    assert np.array_equal(values.get_ydata(), r.values[0])
    assert np.array_equal(values.get_xdata(), np.arange(1, len(X) + 1))
    assert _hlines(ax) == sorted([r.low[0], r.centre[0], r.high[0]])
    assert [t.get_text() for t in ax.texts] == [
        f"UNPL {r.high[0]:.3g}",
        f"CL {r.centre[0]:.3g}",
        f"LNPL {r.low[0]:.3g}",
    ]
    marked = {}
    for c in ax.collections:
        rule = int(c.get_label().split(":")[0])
        marked[rule] = sorted(c.get_offsets()[:, 0].astype(int) - 1)
    expected = {
        rule: sorted(r.signal_index[r.signal_rule == rule].tolist())
        for rule in set(r.signal_rule.tolist())
    }
    assert marked == expected
    assert {1, 2, 4} <= set(marked)
    assert ax.get_ylabel() == "lead time [days]"
    assert ax.get_title(loc="left").startswith("Process behaviour, XmR")


def test_the_moving_range_panel_draws_the_range_limit_and_rule_4():
    r = process_behaviour(X)
    ax = r.plot(ax=_axes(), panel="moving_ranges")
    assert np.array_equal(ax.get_lines()[0].get_ydata(), r.moving_ranges[0], equal_nan=True)
    assert _hlines(ax) == sorted([r.mr_mean[0], r.mr_high[0]])
    (marks,) = ax.collections
    assert marks.get_label().startswith("4:")
    with pytest.raises(ValidationError, match="`panel` must be one of 'values'"):
        r.plot(ax=_axes(), panel="ranges")


def test_a_throughput_chart_has_dates_and_a_group_is_chosen_by_name():
    end = np.datetime64("2024-01-01", "ns") + np.arange(60) * np.timedelta64(30, "h")
    r = process_behaviour(throughput(end, freq="D", by=np.arange(60) % 2))
    with pytest.raises(ValidationError, match="`group` must name one of the 2 groups"):
        r.plot(ax=_axes())
    ax = r.plot(ax=_axes(), group=1)
    assert ax.get_xlabel() == "period"
    assert "— 1" in ax.get_title(loc="left")


def test_the_backtest_chart_draws_each_level_and_the_actual_counts():
    counts = np.random.default_rng(5).poisson(4, size=(1, 120))
    tp = DailyThroughput(
        groups=np.array(["all"]),
        periods=np.datetime64("2024-01-01") + np.arange(120).astype("timedelta64[D]"),
        counts=counts,
    )
    r = backtest_forecast(tp, horizon=7, trials=300, rng=2)
    ax = r.plot(ax=_axes())
    by_label = {c.get_label(): c for c in ax.collections}
    delivered = by_label["actually delivered"].get_offsets()
    assert np.array_equal(delivered[:, 1], r.delivered[0])
    for k, q in enumerate(r.q):
        label = f"{q:g} %: coverage {r.coverage[0, k]:.2f}"
        assert np.array_equal(by_label[label].get_offsets()[:, 1], r.forecast[0, :, k])
    assert "next 7 days" in ax.get_title(loc="left")


def test_svg_is_deterministic_and_the_html_has_one_chart():
    for r in (
        process_behaviour(X),
        backtest_forecast(
            DailyThroughput(
                groups=np.array(["all"]),
                periods=np.datetime64("2024-01-01") + np.arange(60).astype("timedelta64[D]"),
                counts=np.ones((1, 60), dtype=np.int64),
            ),
            horizon=7,
            trials=50,
            rng=1,
        ),
    ):
        svgs = []
        for _ in range(2):
            figure = Figure(figsize=style.FIGSIZE)
            with style.rc():
                r.plot(ax=figure.add_subplot())
            svgs.append(style.to_svg(figure))
        assert svgs[0] == svgs[1]
        assert r._repr_html_().count("<svg") == 1
