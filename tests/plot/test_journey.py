"""Journey charts: the department hand-off matrix, and blocker clusters."""

import matplotlib

matplotlib.use("Agg")

from types import SimpleNamespace as NS

import matplotlib.pyplot as plt
import numpy as np
import pytest

from customer_kanban import metrics, reviews
from customer_kanban.datasets import DEMO_AS_OF, load_incidents
from customer_kanban.errors import ValidationError
from customer_kanban.plot import blocker_chart, handoff_matrix, style


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def demo():
    table, policy = load_incidents()
    return table, policy


def _pair(a, b, count, days):
    return NS(from_department=a, to_department=b, count=count, waiting_days=days)


HAND = NS(
    handoff_pairs=(
        _pair("A", "B", 4, 10.0),
        _pair("B", "A", 1, 2.0),
        _pair("B", "C", 2, 1.0),
        _pair("C", "D", 1, 0.5),
    )
)


def test_handoff_matrix_is_the_journeys_pairs():
    names, days, counts = handoff_matrix(HAND)
    assert names == ["B", "A", "C", "D"]  # by the waiting they take part in: 13, 12, 1.5, 0.5
    assert counts.tolist() == [[0, 1, 2, 0], [4, 0, 0, 0], [0, 0, 0, 1], [0, 0, 0, 0]]
    assert days[1, 0] == 10.0
    assert days[0, 2] == 1.0
    assert np.isnan(days[0, 0])
    _, mean, _ = handoff_matrix(HAND, waiting="mean")
    assert mean[1, 0] == 2.5


def test_handoff_matrix_sums_the_rest_into_other():
    names, days, counts = handoff_matrix(HAND, top=2)
    assert names == ["B", "A", "(other)"]
    assert counts.tolist() == [[0, 1, 2], [4, 0, 0], [0, 0, 1]]
    assert days[2, 2] == 0.5
    assert counts.sum() == sum(p.count for p in HAND.handoff_pairs)


def test_handoff_matrix_bad_inputs_are_named():
    with pytest.raises(
        ValidationError, match="`waiting` must be one of 'total', 'mean'; got 'max'"
    ):
        handoff_matrix(HAND, waiting="max")
    with pytest.raises(ValidationError, match=r"`top` must be at least 1; got 0"):
        handoff_matrix(HAND, top=0)
    with pytest.raises(ValidationError, match=r"`top` must be at most 1000000; got 10000000"):
        handoff_matrix(HAND, top=10**7)
    with pytest.raises(TypeError, match=r"`top` must be a whole number, got str '3'"):
        handoff_matrix(HAND, top="3")
    with pytest.raises(ValidationError, match="`journey` has no hand-off between departments"):
        handoff_matrix(NS(handoff_pairs=()))
    with pytest.raises(TypeError, match=r"`journey` must be a CustomerJourney"):
        handoff_matrix(None)
    with pytest.raises(TypeError, match=r"`journey` hand-off 0 must have .* no waiting_days"):
        handoff_matrix(NS(handoff_pairs=(NS(from_department="A", to_department="B", count=1),)))
    with pytest.raises(ValidationError, match=r"`journey` hand-off 0: `count` must be >= 0"):
        handoff_matrix(NS(handoff_pairs=(_pair("A", "B", -1, 1.0),)))


def test_journey_chart_cells_equal_the_journeys_waiting(demo):
    table, policy = demo
    j = reviews.customer_journey(table, workflow=policy, as_of=DEMO_AS_OF)
    ax = j.plot(top=8)
    names, days, counts = handoff_matrix(j, top=8)
    shown = np.ma.filled(ax.images[0].get_array(), np.nan)
    np.testing.assert_array_equal(shown, days)
    # the simplest loop: each pair's waiting lands in its cell
    first = j.handoff_pairs[0]
    if first.from_department in names[:-1] and first.to_department in names[:-1]:
        i, k = names.index(first.from_department), names.index(first.to_department)
        assert shown[i, k] == pytest.approx(first.waiting_days)
    texts = sorted(int(t.get_text()) for t in ax.texts)
    assert texts == sorted(counts[counts > 0].tolist())
    assert sum(texts) == sum(p.count for p in j.handoff_pairs)
    assert [t.get_text() for t in ax.get_xticklabels()] == names
    assert ax.get_xlabel() == "to department (numbers: hand-offs)"
    assert ax.get_ylabel() == "from department"
    assert ax.images[0].colorbar.ax.get_ylabel() == "waiting [days]"
    mean = j.plot(top=8, waiting="mean")
    assert mean.images[0].colorbar.ax.get_ylabel() == "waiting per hand-off [days]"


def test_journey_svg_is_deterministic_and_in_the_html(demo):
    table, policy = demo
    j = reviews.customer_journey(table, workflow=policy, as_of=DEMO_AS_OF)
    a, b = style.to_svg(j.plot().figure), style.to_svg(j.plot().figure)
    assert a == b
    assert "<title>Hand-offs and waiting between departments</title>" in a
    assert j._repr_html_().count("<svg") == 1


def _blockers(**kwargs):
    return metrics.blocker_clusters(
        [0, 1, 1, 2, 3],
        ["2024-01-01"] * 5,
        ["2024-01-02", "2024-01-04", "2024-01-02", "2024-01-06", "2024-01-03"],
        [1, 0, 1, 0, 1],  # codes of reason_labels
        n_items=10,
        reason_labels=["user", "vendor", "legal"],
        **kwargs,
    )


def test_blocker_bubbles_are_impact_likelihood_and_items():
    r = _blockers()
    ax = r.plot()
    offsets = ax.collections[0].get_offsets()
    has_blocks = r.blocks[0] > 0  # "legal" has none: left out
    np.testing.assert_allclose(offsets[:, 0], r.impact[0][has_blocks])
    np.testing.assert_allclose(offsets[:, 1], 100 * r.likelihood[0][has_blocks])
    sizes = ax.collections[0].get_sizes()
    assert np.argmax(sizes) == np.argmax(r.items[0][has_blocks])
    assert [t.get_text() for t in ax.texts] == ["user\n2 items", "vendor\n3 items"]
    assert ax.get_xlabel() == "impact: days blocked per block [days]"
    assert ax.get_ylabel() == "likelihood: items blocked [%]"
    a, b = style.to_svg(r.plot().figure), style.to_svg(r.plot().figure)
    assert a == b
    assert 'aria-label="Blocker clusters"' in a
    assert r._repr_html_().count("<svg") == 1


def test_blocker_groups_and_empty():
    r = _blockers(by=["x", "x", "y", "y"] + ["y"] * 6)
    with pytest.raises(ValidationError, match="`group` must name one of the 2 groups"):
        r.plot()
    ax = r.plot(group="y")
    assert ax.get_title(loc="left") == "Blocker clusters — y"
    np.testing.assert_allclose(ax.collections[0].get_offsets()[:, 0], r.impact[1][r.blocks[1] > 0])
    nothing = metrics.blocker_clusters(
        [], np.array([], "datetime64[ns]"), np.array([], "datetime64[ns]"), [], n_items=3
    )
    with pytest.raises(ValidationError, match="no blocker reason has a block to draw"):
        nothing.plot()
    assert "<svg" not in nothing._repr_html_()


def test_blocker_chart_of_review_rows(demo):
    table, policy = demo
    review = reviews.service_delivery_review(table, policy, as_of=DEMO_AS_OF)
    row = next(r for r in review.rows if r.blockers)
    ax = blocker_chart(row.blockers, title="Blockers")
    offsets = ax.collections[0].get_offsets()
    kept = [c for c in row.blockers if c.items > 0]
    np.testing.assert_allclose(offsets[:, 0], [c.impact for c in kept])
    np.testing.assert_allclose(offsets[:, 1], [100 * c.likelihood for c in kept])
    with pytest.raises(
        TypeError, match="`clusters` must be a sequence of blocker clusters, got int"
    ):
        blocker_chart(3)


def test_a_result_without_groups_has_nothing_to_draw():
    empty = np.array([], "datetime64[ns]")
    none = metrics.blocker_clusters([], empty, empty, [], n_items=0, by=[])
    assert none.groups.size == 0
    with pytest.raises(ValidationError, match="the result has no group to draw"):
        none.plot()
    assert "<svg" not in none._repr_html_()
