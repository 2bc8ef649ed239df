"""The flow charts draw the library's own metric values, labelled, deterministic."""

from __future__ import annotations

import functools

import matplotlib

matplotlib.use("Agg")

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure

from customer_kanban import plot
from customer_kanban.datasets import DEMO_AS_OF, incidents_replenishment_policy, load_incidents
from customer_kanban.errors import ValidationError
from customer_kanban.metrics import (
    cumulative_flow,
    lead_time,
    percentiles,
    throughput,
    wip,
    work_item_age,
)
from customer_kanban.plot import _flow, style
from customer_kanban.policy import current_states
from customer_kanban.table import class_codes


@functools.cache
def demo():
    return load_incidents()


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _by_gid(ax, gid):
    found = [a for a in (*ax.lines, *ax.collections) if a.get_gid() == gid]
    assert len(found) == 1, gid
    return found[0]


def _legend(ax):
    return [t.get_text() for t in ax.get_legend().get_texts()]


def _labelled(ax):
    return ax.get_title(loc="left"), ax.get_xlabel(), ax.get_ylabel()


def _svg(draw):
    figure = Figure(figsize=style.SMALL_FIGSIZE, layout="constrained")
    draw(figure.add_subplot())
    return style.to_svg(figure)


# ---------------------------------------------------------------------- cumulative flow


def _demo_cfd():
    table, _ = demo()
    return cumulative_flow(table.first_entries(), states=table.states, until="2016-03-31")


def test_cfd_band_tops_are_the_cumulative_counts():
    cfd = _demo_cfd()
    ax = cfd.plot()
    x = mdates.date2num(cfd.periods)
    bands = {c.get_label(): c for c in ax.collections}
    for s, state in enumerate(cfd.states):
        vertices = bands[state].get_paths()[0].vertices
        tops = [vertices[np.isclose(vertices[:, 0], xp), 1].max() for xp in x]
        np.testing.assert_allclose(tops, cfd.counts[0, :, s])


def test_cfd_lines_and_legend_outside_on_the_right():
    cfd = _demo_cfd()
    ax = cfd.plot(commitment="Active", delivery="Resolved")
    assert _legend(ax) == [*cfd.states, "arrivals (New)", "departures (Resolved)"]
    arrivals, departures = ax.lines
    np.testing.assert_array_equal(arrivals.get_ydata(), cfd.counts[0, :, 0])
    np.testing.assert_array_equal(departures.get_ydata(), cfd.counts[0, :, 6])
    ax.figure.canvas.draw()
    renderer = ax.figure.canvas.get_renderer()
    assert ax.get_legend().get_window_extent(renderer).x0 >= ax.get_window_extent(renderer).x1
    assert _labelled(ax) == ("Cumulative flow", "date", "items (cumulative)")


def _grey(colour):
    r, g, b = to_rgb(colour)
    return r == g == b


def test_cfd_greys_outside_the_committed_span_and_distinct_colours():
    cfd = _demo_cfd()
    ax = cfd.plot(commitment="Active", delivery="Resolved")
    colours = {c.get_label(): c.get_facecolor()[0][:3] for c in ax.collections}
    greys = [_grey(colours[s]) for s in cfd.states]
    assert greys == [True, False, False, False, False, False, True, True]
    assert len({tuple(c) for c in colours.values()}) == len(cfd.states)


def test_cfd_of_many_states_without_points_uses_distinct_non_grey_colours():
    cfd = _demo_cfd()
    ax = cfd.plot()
    colours = [tuple(c.get_facecolor()[0][:3]) for c in ax.collections]
    assert len(set(colours)) == 8
    assert not any(_grey(c) for c in colours)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"commitment": "Doing"}, r"`commitment` must be one of the states .*'Doing'"),
        ({"commitment": "Resolved", "delivery": "Active"}, r"`commitment` .* before `delivery`"),
        ({"group": "x"}, r"`group` must be one of the result's groups"),
    ],
)
def test_cfd_refuses_unknown_states_and_groups(kwargs, match):
    with pytest.raises(ValidationError, match=match):
        _demo_cfd().plot(**kwargs)


# --------------------------------------------------------------------------- throughput


def test_throughput_run_chart_median_and_least_squares_trend():
    table, _ = demo()
    tp = throughput(table["delivered_at"], until="2016-03-31")
    ax = tp.plot()
    counts = tp.counts[0].astype(float)
    np.testing.assert_array_equal(_by_gid(ax, "throughput").get_ydata(), counts)
    assert _by_gid(ax, "median").get_ydata()[0] == np.median(counts)
    x = np.arange(counts.size)
    np.testing.assert_allclose(
        _by_gid(ax, "trend").get_ydata(), np.polyval(np.polyfit(x, counts, 1), x)
    )
    legend = _legend(ax)
    assert legend[0] == "delivered"
    assert legend[1] == f"median: {np.median(counts):g}"
    assert legend[2].startswith("trend: ")
    assert legend[2].endswith(" per day")
    assert _labelled(ax) == ("Throughput", "date", "items delivered per day")


def test_weekly_throughput_is_labelled_per_week():
    table, _ = demo()
    ax = throughput(table["delivered_at"], freq="W").plot()
    assert ax.get_ylabel() == "items delivered per week"
    assert ax.get_xlabel() == "week starting"


def test_throughput_of_one_period_has_no_trend():
    ax = throughput(["2024-01-01", "2024-01-01"]).plot()
    assert [line.get_gid() for line in ax.lines] == ["throughput", "median"]


# -------------------------------------------------------------------- lead-time scatter


def test_scatter_dots_are_the_lead_times_of_delivered_items_by_class():
    table, policy = demo()
    ax = plot.lead_time_scatter(table, policy)
    lt = lead_time(table["requested_at"], table["delivered_at"])
    done = ~np.isnan(lt)
    codes = class_codes(table, policy)
    for k, c in enumerate(policy.classes_of_service):
        mine = done & (codes == k)
        dots = _by_gid(ax, f"class-{k}").get_offsets()
        assert sorted(dots[:, 1]) == pytest.approx(sorted(lt[mine]))
        expected_x = mdates.date2num(np.sort(table["delivered_at"][mine]))
        np.testing.assert_allclose(np.sort(dots[:, 0]), expected_x)
        assert f"{c.name} (n={int(mine.sum())})" in _legend(ax)


def test_scatter_percentile_and_sle_lines_equal_the_metrics():
    table, policy = demo()
    ax = plot.lead_time_scatter(table, policy, q=[50, 85, 95])
    lt = lead_time(table["requested_at"], table["delivered_at"])
    expected = percentiles(lt, [50, 85, 95]).values[0]
    for p, v in zip((50, 85, 95), expected, strict=True):
        assert _by_gid(ax, f"percentile-{p}").get_ydata()[0] == v
    assert [t.get_text() for t in ax.texts] == [
        f"{p}%: {v:.1f} d" for p, v in zip((50, 85, 95), expected, strict=True)
    ]
    for k, c in enumerate(policy.classes_of_service):
        assert _by_gid(ax, f"sle-{k}").get_ydata()[0] == c.sle.days
        assert f"SLE {c.name}: 85% within {c.sle.days:g} d" in _legend(ax)
    title, xlabel, ylabel = _labelled(ax)
    assert title.startswith("Lead time of delivered items")
    assert (xlabel, ylabel) == ("delivery date", "lead time [days]")


def test_scatter_as_of_draws_what_was_delivered_by_then_and_system_basis():
    table, policy = demo()
    ax = plot.lead_time_scatter(table, policy, as_of=DEMO_AS_OF, basis="system", log=True)
    seen = table.as_of(DEMO_AS_OF)
    lt = lead_time(seen["committed_at"], seen["delivered_at"])
    drawn = np.concatenate([c.get_offsets()[:, 1] for c in ax.collections])
    assert sorted(drawn) == pytest.approx(sorted(lt[~np.isnan(lt)]))
    assert ax.get_yscale() == "log"
    assert "commitment → delivery" in ax.get_title(loc="left")


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"q": 0.85}, ValidationError, r"`q` is in percent; did you mean 85\?"),
        ({"q": "85"}, TypeError, r"`q` must be a number"),
        ({"basis": "client"}, ValidationError, r"`basis` must be one of 'customer', 'system'"),
        ({"as_of": "soon"}, (ValidationError, TypeError), r"`as_of`"),
        ({"log": "yes"}, TypeError, r"`log` must be True or False"),
        ({"as_of": "2016-02-01"}, ValidationError, r"no delivered item by `as_of`"),
    ],
)
def test_scatter_refuses_bad_inputs_by_name(kwargs, error, match):
    table, policy = demo()
    with pytest.raises(error, match=match):
        plot.lead_time_scatter(table, policy, **kwargs)


@pytest.mark.parametrize(
    "function", [plot.lead_time_scatter, plot.class_of_service_mix, plot.wip_limits]
)
def test_composite_charts_refuse_other_types(function):
    table, policy = demo()
    with pytest.raises(TypeError, match=r"`table` must be a WorkItemTable, got dict"):
        function({}, policy)
    with pytest.raises(TypeError, match=r"`policy` must be a Policy, got str"):
        function(table, "policy")


# --------------------------------------------------------------------------- aging WIP


def test_aging_dots_are_the_ages_of_open_items_in_their_states():
    table, policy = demo()
    ax = plot.aging_wip(table, policy, as_of=DEMO_AS_OF)
    seen = table.as_of(DEMO_AS_OF)
    age = work_item_age(seen["requested_at"], seen["delivered_at"], as_of=DEMO_AS_OF)
    state = current_states(seen, as_of=DEMO_AS_OF)
    open_ = ~np.isnat(seen["committed_at"]) & ~np.isnan(age) & (state >= 1) & (state < 6)
    dots = np.concatenate([c.get_offsets() for c in ax.collections if c.get_gid()])
    assert sorted(dots[:, 1]) == pytest.approx(sorted(age[open_]))
    columns = np.rint(dots[:, 0])
    assert np.all(np.abs(dots[:, 0] - columns) <= 0.3 + 1e-9)
    np.testing.assert_array_equal(np.sort(columns), np.sort(state[open_] - 1))
    assert [t.get_text() for t in ax.get_xticklabels()] == list(policy.workflow.states[1:6])
    assert _labelled(ax) == (
        f"Aging work in progress on {DEMO_AS_OF[:10]}",
        "workflow state",
        "age [days] (since request)",
    )


def _reference_pace(table, lo, hi):
    """Per state, percentiles of (first entry into any later state - request) of delivered items."""
    first = table.first_entries()
    out = []
    for s in range(lo, hi):
        ages = []
        for i in range(len(table)):
            if np.isnat(table["delivered_at"][i]) or np.isnat(first[i, s]):
                continue
            later = [t for t in first[i, s + 1 :] if not np.isnat(t)]
            if later:
                ages.append((min(later) - table["requested_at"][i]) / np.timedelta64(1, "D"))
        ages = [a for a in ages if a >= 0]
        out.append(np.percentile(ages, [50, 85, 95]) if ages else [np.nan] * 3)
    return np.array(out)


def test_aging_pace_is_the_percentiles_of_the_age_when_finished_items_left_each_state():
    table, _ = demo()
    seen = table.as_of(DEMO_AS_OF)
    pace = _flow._pace(seen, seen["requested_at"], 1, 6)
    np.testing.assert_allclose(pace, _reference_pace(seen, 1, 6))


def test_aging_marks_items_past_their_pace_or_sle_as_at_risk():
    table, policy = demo()
    ax = plot.aging_wip(table, policy, as_of="2016-03-01T12:00")
    seen = table.as_of("2016-03-01T12:00")
    pace = _flow._pace(seen, seen["requested_at"], 1, 6)
    sle = {k: c.sle.days for k, c in enumerate(policy.classes_of_service)}
    state = current_states(seen, as_of="2016-03-01T12:00")
    age = work_item_age(seen["requested_at"], seen["delivered_at"], as_of="2016-03-01T12:00")
    codes = class_codes(seen, policy)
    open_ = ~np.isnat(seen["committed_at"]) & ~np.isnan(age) & (state >= 1) & (state < 6)
    risky = [
        age[i] > pace[state[i] - 1, 1] or age[i] > sle.get(int(codes[i]), np.inf)
        for i in np.flatnonzero(open_)
    ]
    at_risk = _by_gid(ax, "at-risk").get_offsets()[:, 1]
    assert sorted(at_risk) == pytest.approx(sorted(age[open_][risky]))
    assert any(label.startswith("at risk: past 85th percentile or SLE") for label in _legend(ax))
    assert "pace of finished items: ≤ 50th percentile" in _legend(ax)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"as_of": None}, r"`as_of` must be an instant, got None"),
        ({"as_of": "2016-02-01"}, r"no item is in progress .* at `as_of`"),
        ({"as_of": DEMO_AS_OF, "basis": "x"}, r"`basis` must be one of"),
    ],
)
def test_aging_refuses_bad_inputs_by_name(kwargs, match):
    table, policy = demo()
    with pytest.raises(ValidationError, match=match):
        plot.aging_wip(table, policy, **kwargs)


# -------------------------------------------------------------------------- WIP limits


def test_wip_limits_line_is_the_wip_of_the_state_and_breaches_are_shaded():
    table, _ = demo()
    policy = incidents_replenishment_policy()
    ax = plot.wip_limits(table, policy, since="2016-02-29", until="2016-03-14")
    line = _by_gid(ax, "wip-Active")
    x = np.asarray(line.get_xdata()).astype("datetime64[ns]")
    y = np.asarray(line.get_ydata())
    # reference: the items whose latest state at t is Active, at a sample of instants
    for k in np.linspace(0, x.size - 1, 25).astype(int):
        assert y[k] == np.sum(current_states(table, as_of=x[k]) == 1), x[k]
    limit = policy.wip_limits["Active"]
    assert _by_gid(ax, "limit-Active").get_ydata()[0] == limit
    spans = [(p.get_x(), p.get_x() + p.get_width()) for p in ax.patches]
    over = mdates.date2num(x[y > limit])
    assert over.size
    assert spans
    assert all(any(a <= t <= b for a, b in spans) for t in over)
    assert _legend(ax) == ["WIP in Active", "WIP limit of Active: 500", "above the limit"]
    assert _labelled(ax) == ("Work in progress against WIP limits", "date", "items in progress")


def test_wip_without_limits_is_the_system_wip():
    table, policy = demo()
    ax = plot.wip_limits(table, policy, until="2016-03-14")
    line = _by_gid(ax, "wip-the system")
    x = np.asarray(line.get_xdata()).astype("datetime64[ns]")
    expected = wip(table["committed_at"], table["delivered_at"], x)
    np.testing.assert_array_equal(line.get_ydata(), expected)
    assert "no WIP limit" in ax.get_title(loc="left")


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"since": "2016-03-10", "until": "2016-03-01"}, r"`until` .* must not be before `since`"),
        ({"since": "not a date"}, r"`since`"),
    ],
)
def test_wip_limits_refuses_bad_windows(kwargs, match):
    table, policy = demo()
    with pytest.raises((ValidationError, TypeError), match=match):
        plot.wip_limits(table, policy, **kwargs)


# ---------------------------------------------------------------- class-of-service mix


def test_mix_bars_are_the_shares_of_throughput_per_class():
    table, policy = demo()
    ax = plot.class_of_service_mix(table, policy, freq="M")
    names = [c.name for c in policy.classes_of_service]
    assert _legend(ax)[:4] == names
    tp = throughput(table["delivered_at"], freq="M", by=table["class_of_service"])
    total = tp.counts.sum(axis=0)
    heights = {}
    for container in ax.containers:
        heights[container.get_label()] = np.array([p.get_height() for p in container])
    for name in names:
        g = tp.groups.tolist().index(name)
        expected = np.where(total > 0, 100.0 * tp.counts[g] / np.maximum(total, 1), 0.0)
        np.testing.assert_allclose(heights[name], expected)
    few = (total > 0) & (total < 10)
    assert few.any()
    for container in ax.containers:
        pale = np.array([p.get_alpha() == 0.35 for p in container])
        np.testing.assert_array_equal(pale, few)
    assert _legend(ax)[-1] == "pale: fewer than 10 items delivered"
    stacked = sum(heights.values())
    np.testing.assert_allclose(stacked[total > 0], 100.0)
    assert _labelled(ax)[1:] == ("month of delivery", "share of delivered items [%]")


def test_mix_refuses_an_unknown_frequency_and_nothing_delivered():
    table, policy = demo()
    with pytest.raises(ValidationError, match=r"`freq` must be one of 'D', 'W', 'M'; got 'Q'"):
        plot.class_of_service_mix(table, policy, freq="Q")
    with pytest.raises(ValidationError, match=r"no delivered item"):
        plot.class_of_service_mix(table.as_of("2016-02-29T02:00"), policy)


# -------------------------------------------------------------------------- determinism


@pytest.mark.parametrize(
    "draw",
    [
        lambda ax: plot.lead_time_scatter(*demo(), as_of=DEMO_AS_OF, ax=ax),
        lambda ax: plot.aging_wip(*demo(), as_of=DEMO_AS_OF, ax=ax),
        lambda ax: plot.wip_limits(
            demo()[0], incidents_replenishment_policy(), until="2016-03-14", ax=ax
        ),
        lambda ax: plot.class_of_service_mix(*demo(), ax=ax),
        lambda ax: throughput(demo()[0]["delivered_at"], freq="W").plot(ax=ax),
    ],
    ids=["scatter", "aging", "wip_limits", "mix", "throughput"],
)
def test_every_chart_gives_the_same_svg_twice_named_by_its_title(draw):
    first = _svg(draw)
    assert first == _svg(draw)
    assert "<title>" in first
    assert "aria-label=" in first
