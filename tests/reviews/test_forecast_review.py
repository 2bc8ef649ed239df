"""forecast_review: every figure is the metric function's, called directly; text, JSON,
frames and HTML; the options follow the conventions."""

import contextlib
import datetime as dt
import json
import math
import warnings
from collections.abc import Iterator

import numpy as np
import pytest

from customer_kanban import (
    ClassOfService,
    Policy,
    ValidationError,
    Workflow,
    WorkItem,
    WorkItemTable,
    metrics,
)
from customer_kanban.datasets import incidents_replenishment_policy, load_incidents
from customer_kanban.errors import InsufficientDataWarning
from customer_kanban.reviews import ForecastReview, forecast_review

AS_OF = np.datetime64("2016-03-03T00:00", "ns")
TRIALS = 400


@pytest.fixture(scope="module")
def demo():
    table, _ = load_incidents()
    policy = incidents_replenishment_policy()
    review = forecast_review(table, policy, as_of=AS_OF, trials=TRIALS, rng=5, window_days=10)
    return table, policy, review


def _history(table):
    """The customer lead time (age when open) and class codes, as the review sees them."""
    requested, delivered = table["requested_at"], table["delivered_at"]
    seen = requested <= AS_OF
    done = seen & (delivered <= AS_OF)
    lead = (np.where(done, delivered, AS_OF) - requested) / np.timedelta64(1, "D")
    lead[~seen] = np.nan
    codes, labels = table.codes("class_of_service")
    return seen, done, lead, np.where(seen, codes, -1), [str(x) for x in labels]


def test_when_and_how_many_are_the_metrics(demo):
    table, _, review = demo
    seen, done, _, _, _ = _history(table)
    assert review.open_items == int((seen & ~done).sum())
    # Ten whole days before as_of, clipped to the first request's day (2016-02-29).
    assert (review.since, review.until) == (dt.date(2016, 2, 29), dt.date(2016, 3, 2))
    sample = metrics.daily_throughput(
        table["delivered_at"][seen],
        since=np.datetime64("2016-02-29"),
        until=np.datetime64("2016-03-02"),
    ).counts[0]
    np.testing.assert_array_equal(review.daily_throughput, sample)
    when = metrics.forecast_when(sample, review.open_items, trials=TRIALS, as_of=AS_OF, rng=5)
    assert review.when == when
    assert review.how_many == metrics.forecast_how_many(sample, 30, trials=TRIALS, rng=5)
    assert (review.trials, review.seed) == (TRIALS, 5)


def test_per_class_figures_are_the_metrics(demo):
    table, _, review = demo
    _, done, lead, codes, labels = _history(table)
    by = (codes, labels)
    assert [c.group for c in review.by_class_of_service] == labels  # the policy's order
    tp = metrics.daily_throughput(
        table["delivered_at"],
        since=np.datetime64("2016-02-29"),
        until=np.datetime64("2016-03-02"),
        by=by,
    )
    open_per_class = {c.group: c.open for c in review.by_class_of_service}
    assert sum(open_per_class.values()) == review.open_items
    items = {g: n for g, n in open_per_class.items() if n}
    direct = metrics.forecast_when(tp, items, q=[85], as_of=AS_OF, rng=5, trials=TRIALS)
    for g, date in zip(direct.groups.tolist(), direct.dates[:, 0], strict=True):
        row = next(c for c in review.by_class_of_service if c.group == g)
        assert row.by_85 == date.astype("datetime64[D]").astype(object)

    with _quiet():
        plain = metrics.percentiles(np.where(done, lead, np.nan), 85, by=by, method="inverted_cdf")
        aware = metrics.percentiles(lead, 85, by=by, observed=done)
        tail = metrics.tail_ratio(lead, done, by=by)
        fit = metrics.fit_lead_times(lead, done, by=by)
        sle = metrics.recommend_sle(np.where(done, lead, np.nan), probability=0.85, by=by, rng=5)
    for g, p in enumerate(review.predictability):
        assert p.group == labels[g]
        assert p.delivered == int((done & (codes == g)).sum())
        assert p.open == open_per_class[p.group]
        _same(p.p85_delivered_only, plain.values[g, 0])
        _same(p.p85_censoring_aware, aware.values[g, 0])
        _same(p.tail_ratio, tail.ratio[g])
        _same(p.weibull_shape, fit.shape[g])
        _same(p.sle_85_days, sle.days[g])
        _same(p.sle_85_low, sle.low[g])
        _same(p.sle_85_high, sle.high[g])


def test_open_items_are_the_single_item_forecast(demo):
    table, _, review = demo
    seen, done, lead, codes, labels = _history(table)
    rows = np.flatnonzero(seen & ~done)
    rows = rows[np.argsort(-lead[rows], kind="stable")]
    with _quiet():
        single = metrics.single_item_forecast(
            lead[rows],
            lead,
            done,
            q=[50, 85],
            by=(codes[rows], labels),
            history_by=(codes, labels),
            as_of=AS_OF,
        )
    assert [r.id for r in review.oldest_open] == [str(table["id"][k]) for k in rows]
    for i, r in enumerate(review.oldest_open):
        assert r.age_days == lead[rows[i]]
        assert r.class_of_service == labels[codes[rows[i]]]
        for got, want in ((r.by_50, single.dates[i, 0]), (r.by_85, single.dates[i, 1])):
            assert got == (None if np.isnat(want) else want.astype("datetime64[D]").astype(object))
    assert any(r.by_50 is not None for r in review.oldest_open)


def test_text_json_frame_and_repr(demo):
    _, _, review = demo
    text = review.render()
    assert text.startswith(f"Forecast as of 2016-03-03 00:00 UTC ({TRIALS} trials, seed 5)")
    assert "Per class of service: when will its open requests be done (85% chance)?" in text
    assert str(review) == text
    data = json.loads(review.to_json(), parse_constant=lambda c: pytest.fail(c))
    assert list(data) == [
        "as_of",
        "open_items",
        "since",
        "until",
        "daily_throughput",
        "when",
        "how_many",
        "by_class_of_service",
        "predictability",
        "oldest_open",
        "trials",
        "seed",
        "resolution",
    ]
    assert data["as_of"] == "2016-03-03T00:00:00Z"
    assert data["since"] == "2016-02-29"
    assert "days" not in data["when"]  # the trials
    assert "completion" not in data["when"]
    assert "counts" not in data["how_many"]
    assert data["when"]["dates"][0] == [str(d) + "T00:00:00Z" for d in review.when.dates[0]]
    assert data == review.to_dict()
    assert len(repr(review).splitlines()) <= 20
    frame = review.to_frame()
    assert list(frame["group"]) == [p.group for p in review.predictability]
    assert list(frame["open"]) == [c.open for c in review.by_class_of_service]
    assert list(frame["delivered"]) == [p.delivered for p in review.predictability]
    np.testing.assert_array_equal(
        frame["p85_censoring_aware"], [p.p85_censoring_aware for p in review.predictability]
    )
    assert str(frame["by_85"].dtype).startswith("datetime64[ns")
    assert set(frame["as_of"]) == {AS_OF}
    for backend in ("polars", "pyarrow"):
        assert len(review.to_frame(backend)) == len(review.predictability)


def test_html_escapes_class_and_item_names():
    hostile = "<script>alert(1)</script>"
    wf = Workflow(["Backlog", "Doing", "Done"], "Doing", "Done")
    policy = Policy(workflow=wf, classes_of_service=[ClassOfService(name=hostile)])

    def at(day):
        return dt.datetime(2024, 1, day)

    items = [
        WorkItem(
            id=f"<b>{k}</b>",
            class_of_service=hostile,
            requested_at=at(1),
            committed_at=at(1),
            delivered_at=at(k),
        )
        for k in range(2, 9)
    ] + [WorkItem(id="<i>open</i>", class_of_service=hostile, requested_at=at(3))]
    review = forecast_review(
        WorkItemTable.from_items(items), policy, as_of="2024-01-10", trials=100, rng=0
    )
    html = review._repr_html_()
    for tag in ("<script>", "<b>", "<i>"):
        assert tag not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;i&gt;open&lt;/i&gt;" in html
    assert html.count("<table") == 3
    assert "<pre>" not in html
    assert '<td style="text-align: right;">' in html  # numbers right-aligned
    assert hostile in review.render()  # the text is not HTML: nothing escaped


def test_options_follow_the_conventions():
    table, policy = load_incidents()
    ok = {"as_of": AS_OF, "trials": 10}
    for name in ("window_days", "days", "trials"):
        with pytest.raises(ValidationError, match=f"`{name}` must be at least 1; got 0"):
            forecast_review(table, policy, **{**ok, name: 0})
        with pytest.raises(TypeError, match=f"`{name}` must be a whole number"):
            forecast_review(table, policy, **{**ok, name: 2.5})
    with pytest.raises(TypeError, match="`rng` must be None, an int seed"):
        forecast_review(table, policy, **ok, rng=np.random.RandomState(0))  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="`as_of` must be an instant, got None"):
        forecast_review(table, policy, as_of=None)
    with pytest.raises(ValidationError, match="no whole day of history before `as_of`"):
        forecast_review(table, policy, as_of="2016-02-29T12:00")
    with pytest.raises(TypeError, match="positional"):
        forecast_review(table, policy, AS_OF)  # type: ignore[misc]
    generator = forecast_review(table, policy, **ok, rng=np.random.default_rng(1))
    assert isinstance(generator, ForecastReview)
    assert generator.seed is None
    assert "seed" not in generator.render().splitlines()[0]


def _same(got: float, want: float) -> None:
    assert got == want or (math.isnan(got) and math.isnan(want))


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """The review silences the metrics' empty-group warnings; so do the direct calls."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InsufficientDataWarning)
        yield


# ----------------------------------------------------------------- bad input (issue G)


@pytest.mark.parametrize(
    ("name", "value", "match"),
    [
        ("trials", 50_001, r"`trials` must be at most 50000; got 50001"),
        ("days", 3_651, r"`days` must be at most 3650; got 3651"),
        ("window_days", 10**12, r"`window_days` must be at most 36525"),
        ("days", 2**63, r"`days` must be at most 3650"),
    ],
)
def test_sizes_are_bounded(name, value, match):
    table, policy = load_incidents()
    with pytest.raises(ValidationError, match=match):
        forecast_review(table, policy, as_of=AS_OF, **{name: value})


def test_the_largest_sizes_are_accepted():
    table, policy = load_incidents()
    review = forecast_review(table, policy, as_of=AS_OF, trials=10, days=3650, window_days=36525)
    assert review.how_many.days == 3650


@pytest.mark.parametrize("as_of", ["1700-01-01", "2250-01-01"])
def test_no_throughput_before_as_of_is_said_of_as_of(as_of):
    table, policy = load_incidents()
    with pytest.raises(ValidationError, match=r"no request was delivered .* before `as_of`"):
        forecast_review(table, policy, as_of=as_of, trials=10)


def test_domain_objects_are_checked():
    table, policy = load_incidents()
    with pytest.raises(TypeError, match=r"`table` must be a WorkItemTable, got dict"):
        forecast_review({"id": []}, policy, as_of=AS_OF)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"`policy` must be a Policy, got NoneType"):
        forecast_review(table, None, as_of=AS_OF)  # type: ignore[arg-type]
