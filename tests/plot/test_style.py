"""The base of every chart: deterministic SVG, accessible names, results' display."""

from __future__ import annotations

import importlib.util
import subprocess
import sys

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.figure import Figure

from customer_kanban.metrics import ThroughputResult, cumulative_flow, throughput
from customer_kanban.plot import style

ENTERED = [
    ["2024-01-01", "2024-01-02", "2024-01-04"],
    ["2024-01-01", None, "2024-01-03"],
    ["2024-01-02", "2024-01-03", None],
]
STATES = ["todo", "doing", "done"]


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _drawing() -> Figure:
    figure = Figure(figsize=style.SMALL_FIGSIZE, layout="constrained")
    cumulative_flow(ENTERED, states=STATES).plot(ax=figure.add_subplot())
    return figure


def test_the_same_drawing_gives_the_same_svg_bytes():
    assert style.to_svg(_drawing()).encode() == style.to_svg(_drawing()).encode()


def test_the_svg_is_named_for_screen_readers_and_escaped():
    svg = style.to_svg(_drawing())
    assert svg.startswith("<svg")
    assert "<title>Cumulative flow</title>" in svg
    assert 'role="img" aria-label="Cumulative flow"' in svg
    named = style.to_svg(_drawing(), label='a <b> & "c"')
    assert 'aria-label="a &lt;b&gt; &amp; &quot;c&quot;"' in named


def test_finish_sets_title_and_labelled_axes():
    with style.rc():
        ax = style.axes_for()
        style.finish(ax, title="T", xlabel="date", ylabel="lead time [days]")
    assert (ax.get_title(loc="left"), ax.get_xlabel(), ax.get_ylabel()) == (
        "T",
        "date",
        "lead time [days]",
    )


def test_six_series_colours_then_again():
    assert [style.color(k) for k in range(6)] == list(style.PALETTE[:6])
    assert style.color(6) == style.PALETTE[0]


@pytest.mark.parametrize(
    "result",
    [
        cumulative_flow(ENTERED, states=STATES),
        throughput(["2024-01-01", "2024-01-02", "2024-01-02", "2024-01-05"]),
    ],
    ids=["cumulative_flow", "throughput"],
)
def test_a_result_shows_its_table_and_one_chart(result):
    html = result._repr_html_()
    assert "<table" in html
    assert html.count("<svg") == 1
    assert "aria-label=" in html


def _without_matplotlib(monkeypatch):
    real = importlib.util.find_spec

    def find_spec(name, *args, **kwargs):
        return None if name == "matplotlib" else real(name, *args, **kwargs)

    monkeypatch.setattr(importlib.util, "find_spec", find_spec)


def test_without_matplotlib_plot_says_what_to_install(monkeypatch):
    result = throughput(["2024-01-01", "2024-01-02"])
    _without_matplotlib(monkeypatch)
    with pytest.raises(ImportError, match=r'pip install "customer-kanban\[plot\]"'):
        result.plot()


def test_without_matplotlib_the_html_is_the_table(monkeypatch):
    result = throughput(["2024-01-01", "2024-01-02"])
    _without_matplotlib(monkeypatch)
    html = result._repr_html_()
    assert "<table" in html
    assert "<svg" not in html


def test_a_result_that_cannot_be_drawn_still_shows_its_table():
    empty = ThroughputResult(
        groups=np.array(["all"]),
        periods=np.zeros(0, dtype="datetime64[ns]"),
        counts=np.zeros((1, 0), dtype=np.int64),
    )
    html = empty._repr_html_()
    assert "<table" in html
    assert "<svg" not in html


def test_importing_the_package_or_its_plot_layer_does_not_import_matplotlib():
    code = "import sys, customer_kanban, customer_kanban.plot; print('matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_dollar_signs_in_labels_are_text_not_formulas():
    import numpy as np

    from customer_kanban.metrics import throughput

    d = np.array(["2024-01-01", "2024-01-02", "2024-01-03"], "datetime64[ns]")
    r = throughput(d, by=["$\\foo$ <x>", "b", "b"])
    ax = r.plot(group="$\\foo$ <x>")  # matplotlib's math parser would raise on \foo
    assert "$\\foo$ <x>" in ax.get_title(loc="left")
