"""Customer charts: value × potential matrix, RFM heat map, get-keep-grow flows."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest

from customer_kanban import customers
from customer_kanban.errors import ValidationError
from customer_kanban.plot import style


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


CURRENT = [10.0, 50.0, 80.0, 20.0, 90.0, np.nan]
FUTURE = [90.0, 70.0, 10.0, 5.0, 95.0, 3.0]


def _segments():
    return customers.segment_customers(CURRENT, FUTURE, groups=list("abcdef"))


def _cell_texts(ax):
    return sorted(t.get_text() for t in ax.texts)


def test_segment_matrix_dots_are_the_customers_and_cells_count_them():
    s = _segments()
    ax = s.plot(current_value=CURRENT, future_potential=FUTURE)
    dots = ax.collections[0].get_offsets()
    known = ~np.isnan(CURRENT)
    np.testing.assert_array_equal(dots[:, 0], np.asarray(CURRENT)[known])
    np.testing.assert_array_equal(dots[:, 1], np.asarray(FUTURE)[known])
    # the thresholds are the medians, 50 and 70; high is strictly above them
    assert _cell_texts(ax) == [
        "basic\n2 customers",
        "dilemma\n1 customer",
        "potential\n1 customer",
        "premium\n1 customer",
    ]
    vertical = [ln.get_xdata()[0] for ln in ax.get_lines()]
    assert s.thresholds[0] in vertical
    assert ax.get_title(loc="left") == "Customers by current value and future potential (1 unknown)"
    assert ax.get_xlabel() == "current value [money]"
    assert ax.get_ylabel() == "future potential [money]"


def test_segment_matrix_without_values_shows_the_counts_and_thresholds():
    s = _segments()
    ax = s.plot()
    texts = [t.get_text() for t in ax.texts]
    for name, size in zip(s.labels[:4], s.sizes[:4], strict=True):
        assert name in texts
        assert f"{size:,} customer" + ("" if size == 1 else "s") in texts
    assert ax.get_xlabel() == f"current value (high: above {s.thresholds[0]:,.4g}) [money]"


def test_segment_matrix_symlog_and_custom_names():
    cells = {
        (True, True): "keep",
        (False, True): "grow",
        (True, False): "milk",
        (False, False): "rest",
    }
    s = customers.segment_customers(CURRENT, FUTURE, cells=cells)
    ax = s.plot(current_value=CURRENT, future_potential=FUTURE, scale="symlog")
    assert ax.get_xscale() == "symlog"
    assert _cell_texts(ax)[:2] == ["grow\n1 customer", "keep\n1 customer"]


def test_rfm_segmentation_is_drawn_as_bars():
    s = customers.rfm_segments(_rfm())
    ax = s.plot()
    assert [p.get_width() for p in ax.patches] == s.sizes.tolist()
    assert [t.get_text() for t in ax.get_yticklabels()] == s.labels.tolist()
    assert ax.get_title(loc="left") == "Customers per segment"


def test_segment_matrix_bad_inputs_are_named():
    s = _segments()
    with pytest.raises(ValidationError, match="`current_value` and `future_potential` go together"):
        s.plot(current_value=CURRENT)
    with pytest.raises(
        ValidationError, match=r"`future_potential` must hold one value per customer \(6\), got 2"
    ):
        s.plot(current_value=CURRENT, future_potential=[1.0, 2.0])
    with pytest.raises(
        ValidationError, match=r"`scale` must be one of \['linear', 'symlog'\], got 'log'"
    ):
        s.plot(scale="log")
    empty = customers.segment_customers([], [])
    with pytest.raises(ValidationError, match="no customer to draw"):
        empty.plot()


def _rfm():
    from customer_kanban.datasets import CDNOW_AS_OF, load_cdnow

    t = load_cdnow()
    return customers.rfm(t["at"], t["revenue"], by=t.codes("customer"), as_of=CDNOW_AS_OF)


def test_rfm_heatmap_cells_are_the_counts():
    r = _rfm()
    ax = r.plot()
    grid = np.asarray(ax.images[0].get_array())
    expected = np.zeros((r.bins, r.bins))
    for f, rr in zip(r.f.tolist(), r.r.tolist(), strict=True):  # the simplest loop
        expected[f - 1, rr - 1] += 1
    np.testing.assert_array_equal(grid, expected)
    texts = {(t.get_position()[0], t.get_position()[1]): t.get_text() for t in ax.texts}
    for f in range(1, r.bins + 1):
        for rr in range(1, r.bins + 1):
            assert texts[(rr, f)] == f"{int(expected[f - 1, rr - 1]):,}"
    assert ax.get_xlabel() == "recency score (1 = longest ago, 5 = most recent)"
    assert ax.get_ylabel() == "frequency score (5 = most frequent)"


def test_rfm_heatmap_coloured_by_monetary_value():
    r = _rfm()
    ax = r.plot(value="monetary")
    grid = np.asarray(ax.images[0].get_array())
    assert grid.sum() == pytest.approx(np.nansum(r.monetary))
    mask = (r.r == 5) & (r.f == 5)
    assert grid[4, 4] == pytest.approx(r.monetary[mask].sum())
    with pytest.raises(ValidationError, match="`value` must be 'customers' or 'monetary', got 'x'"):
        r.plot(value="x")


def _gkg(**kwargs):
    return customers.get_keep_grow(
        ["a", "b", "a", "c", "b", "d", "a"],
        [
            "2024-01-05",
            "2024-01-07",
            "2024-02-03",
            "2024-02-10",
            "2024-04-02",
            "2024-04-03",
            "2024-04-20",
        ],
        [10.0, 5.0, 8.0, 2.0, 3.0, 4.0, 6.0],
        freq="M",
        lost_after=1,
        as_of="2024-04-30",
        **kwargs,
    )


def test_get_keep_grow_bars_are_the_result():
    r = _gkg()
    ax = r.plot()
    bars = {}
    for container, label in zip(
        ax.containers, ["acquired", "retained", "won_back", "lost"], strict=True
    ):
        bars[label] = [p.get_height() for p in container]
    assert bars["acquired"] == r.acquired[0].tolist()
    assert bars["retained"] == r.retained[0].tolist()
    assert bars["won_back"] == r.won_back[0].tolist()
    assert bars["lost"] == (-r.lost[0]).tolist()
    # stacked: the active customers reach acquired + retained + won back
    tops = [p.get_y() + p.get_height() for p in ax.containers[2]]
    assert tops == r.active[0].tolist()
    assert [t.get_text() for t in ax.get_xticklabels()] == [
        "2024-01",
        "2024-02",
        "2024-03",
        "2024-04",
    ]
    assert ax.get_ylabel() == "customers (lost below 0)"
    assert ax.get_xlabel() == "period (month, start date)"


def test_get_keep_grow_cross_sold_and_groups():
    r = customers.get_keep_grow(
        ["a", "a", "b", "b"],
        ["2024-01-05", "2024-02-03", "2024-01-07", "2024-02-09"],
        [1.0, 2.0, 3.0, 4.0],
        by=["x", "x", "y", "y"],
        product=["p", "q", "p", "p"],
        freq="M",
        lost_after=1,
        as_of="2024-02-28",
    )
    with pytest.raises(ValidationError, match="`group` must name one of the 2 groups"):
        r.plot()
    ax = r.plot(group="x")
    grown = next(ln for ln in ax.get_lines() if ln.get_label() == "cross-sold (grow)")
    assert grown.get_ydata().tolist() == r.cross_sold[0].tolist()
    assert ax.get_title(loc="left") == "Get, keep, grow — x"


def test_portfolio_charts():
    from customer_kanban.datasets import CDNOW_AS_OF, load_cdnow
    from customer_kanban.reviews import customer_portfolio

    p = customer_portfolio(load_cdnow(), as_of=CDNOW_AS_OF)
    ax = p.plot()
    texts = [t.get_text() for t in ax.texts]
    for cell in p.cells[:4]:
        assert cell.segment in texts
        assert any(t.startswith(f"{cell.customers:,} customers") for t in texts)
    flows = p.get_keep_grow.plot()
    assert [p_.get_height() for p_ in flows.containers[0]] == [
        f.acquired for f in p.get_keep_grow.periods
    ]
    assert [p_.get_height() for p_ in flows.containers[3]] == [
        -f.lost for f in p.get_keep_grow.periods
    ]
    assert p._repr_html_().count("<svg") == 1


def test_customer_charts_are_deterministic_and_named():
    for result, kwargs in ((_segments(), {}), (_gkg(), {})):
        a = style.to_svg(result.plot(**kwargs).figure)
        b = style.to_svg(result.plot(**kwargs).figure)
        assert a == b
        title = result.plot(**kwargs).get_title(loc="left")
        assert f"<title>{title}</title>" in a
        assert f'aria-label="{title}"' in a
        assert result._repr_html_().count("<svg") == 1
    assert _rfm()._repr_html_().count("<svg") == 1
