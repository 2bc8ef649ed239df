"""Charts of the Monte Carlo forecasts: histograms of the trials, percentile markers."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import numpy as np
import pytest

from customer_kanban import metrics
from customer_kanban.errors import CustomerKanbanWarning, ValidationError
from customer_kanban.plot import style
from customer_kanban.plot._forecast import histogram_edges


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


HISTORY = [0, 1, 2, 1, 3, 0, 2, 4, 1, 1]


def _when(**kwargs):
    return metrics.forecast_when(HISTORY, 20, as_of="2024-03-01", rng=3, trials=2000, **kwargs)


def _bar_heights(ax):
    return np.array([p.get_height() for p in ax.patches if p.get_label() != "_nolegend_"])


def test_when_bars_are_the_histogram_of_the_trials_finish_days():
    r = _when()
    ax = r.plot()
    days = r.days[0]
    expected, edges = np.histogram(days, bins=histogram_edges(days))
    heights = np.array([p.get_height() for p in ax.patches])
    assert heights.tolist() == expected.tolist()
    assert heights.sum() == r.days.shape[1]
    # bars centred on their day, as dates after as_of
    day0 = mdates.date2num(np.datetime64("2024-03-01"))
    centres = [p.get_x() + p.get_width() / 2 for p in ax.patches]
    np.testing.assert_allclose(centres, day0 + (edges[:-1] + edges[1:]) / 2)


def test_when_markers_sit_at_the_percentile_dates_and_name_them():
    r = _when()
    ax = r.plot()
    lines = [ln for ln in ax.get_lines() if ln.get_linestyle() == "--"]
    xs = [ln.get_xdata()[0] for ln in lines]
    expected = mdates.date2num(r.dates[0].astype("datetime64[ns]"))
    np.testing.assert_allclose(xs, expected)
    texts = [t.get_text() for t in ax.texts]
    for q, d in zip(r.q.tolist(), r.dates[0], strict=True):
        day = d.astype("datetime64[D]").item().strftime("%b %d")
        assert f"{q:g} %: {day}" in texts


def test_when_labels_its_axes_and_title():
    ax = _when().plot()
    assert ax.get_title(loc="left") == "When will 20 items be done?"
    assert ax.get_xlabel() == "finish date (UTC)"
    assert ax.get_ylabel() == "trials"


def test_when_without_as_of_counts_days():
    r = metrics.forecast_when(HISTORY, 20, rng=3, trials=500)
    ax = r.plot()
    assert ax.get_xlabel() == "days from start [days]"
    xs = [ln.get_xdata()[0] for ln in ax.get_lines() if ln.get_linestyle() == "--"]
    assert xs == r.values[0].tolist()
    assert "85 %: " + f"{r.values[0, 2]:g} days" in [t.get_text() for t in ax.texts]


def test_when_draws_one_group_of_several_and_names_them_when_missing():
    r = metrics.forecast_when(
        [HISTORY, [2, 3, 1, 2, 2, 0, 1, 2, 3, 1]], [10, 30], rng=1, trials=300
    )
    with pytest.raises(ValidationError, match=r"`group` must name one of the 2 groups"):
        r.plot()
    with pytest.raises(ValidationError, match=r"`group` must be one of .*'0', '1'.*got 'x'"):
        r.plot(group="x")
    ax = r.plot(group="1")
    assert ax.get_title(loc="left") == "When will 30 items be done? — 1"
    heights = [p.get_height() for p in ax.patches]
    assert heights == np.histogram(r.days[1], bins=histogram_edges(r.days[1]))[0].tolist()


def test_when_with_no_finished_trial_is_a_named_error():
    with pytest.warns(CustomerKanbanWarning, match="not done within `max_days`"):
        r = metrics.forecast_when([0, 0, 0, 1], 1000, rng=1, trials=20, max_days=5)
    assert np.isinf(r.days).all()
    with pytest.raises(ValidationError, match="no finished trial"):
        r.plot()
    assert "<svg" not in r._repr_html_()


def test_how_many_bars_and_markers_equal_the_result():
    r = metrics.forecast_how_many(HISTORY, 30, rng=5, trials=3000)
    ax = r.plot()
    counts = r.counts[0]
    expected = np.histogram(counts, bins=histogram_edges(counts))[0]
    assert [p.get_height() for p in ax.patches] == expected.tolist()
    xs = [ln.get_xdata()[0] for ln in ax.get_lines() if ln.get_linestyle() == "--"]
    assert xs == r.values[0].tolist()
    # the conservative levels (85, 95) are the low counts: "85 % chance of N or more"
    assert xs == sorted(xs, reverse=True)
    texts = [t.get_text() for t in ax.texts]
    assert f"85 %: ≥ {r.values[0, 2]} items" in texts
    assert ax.get_title(loc="left") == "How many items in 30 days?"
    assert ax.get_xlabel() == "items delivered in 30 days [items]"
    assert ax.get_ylabel() == "trials"


def test_histogram_edges_are_whole_numbers_centred_and_bounded():
    assert histogram_edges([4, 4]).tolist() == [3.5, 4.5]
    wide = histogram_edges(np.arange(0, 1000))
    assert wide.size - 1 <= 60
    assert np.histogram(np.arange(0, 1000), bins=wide)[0].sum() == 1000


def test_forecast_charts_are_deterministic_and_named_in_svg():
    for r in (_when(), metrics.forecast_how_many(HISTORY, 30, rng=5, trials=500)):
        one, two = r.plot(), r.plot()
        a, b = style.to_svg(one.figure), style.to_svg(two.figure)
        assert a == b
        title = one.get_title(loc="left")
        assert f"<title>{title}</title>" in a
        assert f'aria-label="{title}"' in a
        assert r._repr_html_().count("<svg") == 1


def test_demo_data_forecast_draws():
    from customer_kanban.datasets import DEMO_AS_OF, load_incidents

    table, _ = load_incidents()
    tp = metrics.daily_throughput(table["delivered_at"], since="2016-02-29", until=DEMO_AS_OF)
    r = metrics.forecast_when(tp, 50, as_of=DEMO_AS_OF, rng=1, trials=1000)
    ax = r.plot()
    assert sum(p.get_height() for p in ax.patches) == 1000
