"""Charts of survival: the Kaplan–Meier step curve, its band, censoring marks and fits."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest

from customer_kanban import metrics
from customer_kanban.errors import ValidationError
from customer_kanban.plot import censored_positions, style


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


DURATIONS = [2.0, 3.0, 3.0, 3.0, 6.0, 1.0, 4.5, 8.0]
OBSERVED = [True, True, True, False, False, True, False, True]


def _km():
    return metrics.kaplan_meier(DURATIONS, OBSERVED)


def _curve(ax):
    return next(ln for ln in ax.get_lines() if ln.get_label().startswith("Kaplan"))


def test_step_curve_is_the_survival_array():
    r = _km()
    ax = r.plot()
    line = _curve(ax)
    assert line.get_drawstyle() == "steps-post"
    x, y = line.get_xdata(), line.get_ydata()
    assert x[0] == 0.0
    assert y[0] == 1.0
    np.testing.assert_array_equal(x[1:-1], r.times)
    np.testing.assert_array_equal(y[1:-1], r.survival)
    assert line.get_label() == "Kaplan–Meier (5 done of 8)"


def test_band_spans_low_and_high():
    r = _km()
    ax = r.plot()
    band = ax.collections[0]
    assert band.get_label() == "95% confidence band"
    ys = np.concatenate([p.vertices[:, 1] for p in band.get_paths()])
    assert set(np.round(r.low, 12)) <= set(np.round(ys, 12))
    assert set(np.round(r.high, 12)) <= set(np.round(ys, 12))


def test_censoring_marks_from_the_counts_and_at_given_times():
    r = _km()
    # event times 1, 2, 3, 8: the censored 3.0, 4.5 and 6.0 all lie in [3, 8)
    times, counts = censored_positions(r)
    assert times.tolist() == [3.0]
    assert counts.tolist() == [3]
    ax = r.plot()
    marks = next(ln for ln in ax.get_lines() if ln.get_marker() == "+")
    assert marks.get_xdata().tolist() == [3.0]
    assert marks.get_ydata().tolist() == r.evaluate([3.0]).tolist()
    assert marks.get_label() == "censored (still open: 3)"
    exact = r.plot(censored=[3.0, 4.5, 6.0])
    marks = next(ln for ln in exact.get_lines() if ln.get_marker() == "+")
    assert marks.get_xdata().tolist() == [3.0, 4.5, 6.0]
    assert marks.get_ydata().tolist() == r.evaluate([3.0, 4.5, 6.0]).tolist()


def test_censored_before_the_first_event_sit_at_zero():
    r = metrics.kaplan_meier([0.5, 2.0, 3.0], [False, True, True])
    times, counts = censored_positions(r)
    assert times.tolist() == [0.0]
    assert counts.tolist() == [1]


def test_fit_curves_are_the_fitted_survival():
    r = _km()
    weibull = metrics.fit_lead_times(DURATIONS, OBSERVED)
    lognormal = metrics.fit_lead_times(DURATIONS, OBSERVED, distribution="lognormal")
    ax = r.plot(fit=[weibull, lognormal])
    fitted = [ln for ln in ax.get_lines() if ln.get_linestyle() == "--"]
    assert [ln.get_label().split(":")[0] for ln in fitted] == ["Weibull", "lognormal"]
    for line, fit in zip(fitted, (weibull, lognormal), strict=True):
        np.testing.assert_allclose(line.get_ydata(), fit.sf(line.get_xdata())[0])
    one = r.plot(fit=weibull)
    assert len([ln for ln in one.get_lines() if ln.get_linestyle() == "--"]) == 1


def test_labels_units_and_title():
    ax = _km().plot()
    assert ax.get_title(loc="left") == "Lead-time survival (Kaplan–Meier)"
    assert ax.get_xlabel() == "duration [days]"
    assert ax.get_ylabel() == "probability still open"


def test_bad_inputs_are_named():
    r = _km()
    with pytest.raises(TypeError, match=r"`fit` must be a LeadTimeFit or a sequence of them, got"):
        r.plot(fit="weibull")
    with pytest.raises(
        TypeError, match=r"`fit` must hold LeadTimeFit results, got int at position 0"
    ):
        r.plot(fit=[1])
    with pytest.raises(ValidationError, match=r"`censored` must hold finite durations >= 0"):
        r.plot(censored=[-1.0])
    none_done = metrics.kaplan_meier([1.0, 2.0], [False, False])
    with pytest.raises(ValidationError, match="no event time to draw"):
        none_done.plot()
    assert "<svg" not in none_done._repr_html_()


def test_lead_time_fit_chart_draws_each_group():
    fit = metrics.fit_lead_times([1.0, 2.0, 3.0, 5.0, 8.0, 2.0, 4.0, 9.0], by=list("aaaabbbb"))
    ax = fit.plot()
    lines = ax.get_lines()
    assert [ln.get_label().split(":")[0] for ln in lines] == ["Weibull a", "Weibull b"]
    for g, line in enumerate(lines):
        np.testing.assert_allclose(line.get_ydata(), fit.sf(line.get_xdata())[g])
    assert ax.get_xlim()[1] == pytest.approx(fit.percentile(95.0).max())
    only = fit.plot(group="b")
    assert len(only.get_lines()) == 1
    with pytest.raises(ValidationError, match=r"`group` must be one of .*got 'c'"):
        fit.plot(group="c")


def test_survival_svg_is_deterministic_and_named():
    r = _km()
    a = style.to_svg(r.plot().figure)
    assert a == style.to_svg(r.plot().figure)
    assert "<title>Lead-time survival (Kaplan–Meier)</title>" in a
    assert 'aria-label="Lead-time survival (Kaplan–Meier)"' in a
    assert r._repr_html_().count("<svg") == 1
    assert metrics.fit_lead_times(DURATIONS)._repr_html_().count("<svg") == 1


def test_demo_data_survival_with_censoring():
    from customer_kanban.datasets import DEMO_AS_OF, load_incidents

    table, _ = load_incidents()
    r = metrics.kaplan_meier_from_instants(
        table["committed_at"], table["delivered_at"], as_of=DEMO_AS_OF
    )
    ax = r.plot()
    line = _curve(ax)
    np.testing.assert_array_equal(line.get_ydata()[1:-1], r.survival)
    _, counts = censored_positions(r)
    assert counts.sum() == r.n - r.n_events
