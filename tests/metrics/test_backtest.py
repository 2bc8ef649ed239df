"""backtest_forecast: the how-many forecast replayed at past dates, and its coverage."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from customer_kanban import datasets
from customer_kanban.errors import InsufficientDataWarning, ValidationError
from customer_kanban.metrics import (
    DailyThroughput,
    backtest_forecast,
    daily_throughput,
    forecast_how_many,
)

DAY = np.timedelta64(1, "D")


def history(counts, start="2024-01-01") -> DailyThroughput:
    counts = np.atleast_2d(np.asarray(counts, dtype=np.int64))
    first = np.datetime64(start, "D")
    return DailyThroughput(
        groups=np.array(["all"]) if counts.shape[0] == 1 else np.arange(counts.shape[0]),
        periods=first + np.arange(counts.shape[1]) * DAY,
        counts=counts,
    )


def test_coverage_of_a_stationary_poisson_process_is_near_nominal():
    rate, horizon = 5.0, 7
    counts = np.random.default_rng(20240101).poisson(rate, size=1500)
    r = backtest_forecast(
        history(counts), horizon=horizon, every="W", window_days=180, trials=4000, rng=3
    )
    n = int(r.n[0])
    assert n == r.periods.size > 150  # weekly dates, horizons of 7 days: independent actuals
    mean = rate * horizon
    for k, q in enumerate(r.q):
        p = q / 100
        sigma = np.sqrt(p * (1 - p) / n)  # binomial spread of a share of n independent dates
        # whole counts: "q % chance of v or more" holds with P(X >= v) >= p, at most one
        # point mass of the 7-day Poisson sum above it
        mass = stats.poisson.pmf(np.round(mean), mean)
        assert p - 3 * sigma - 0.02 <= r.coverage[0, k] <= p + mass + 3 * sigma, q
        # and the coverage is what the true distribution gives the forecasts made
        exact = stats.poisson.sf(r.forecast[0, :, k] - 1, mean).mean()
        assert abs(r.coverage[0, k] - exact) <= 3 * np.sqrt(exact * (1 - exact) / n) + 1e-9


def test_actual_counts_the_horizon_from_the_date_on():
    counts = np.arange(40)
    r = backtest_forecast(history(counts), horizon=3, at=["2024-01-31"], window_days=30, rng=1)
    assert r.periods.tolist() == [np.datetime64("2024-01-31", "D").item()]
    assert r.delivered.tolist() == [[30 + 31 + 32]]  # days 30, 31 and 32 of the data


def test_on_the_demo_data_each_date_is_the_forecast_made_by_hand():
    table, _ = datasets.load_incidents()
    seen = table.as_of(datasets.DEMO_AS_OF)
    end = seen["delivered_at"]
    tp = daily_throughput(
        end, since="2016-02-29", until=datasets.DEMO_AS_OF, by=seen["class_of_service"]
    )
    r = backtest_forecast(tp, horizon=2, every="D", window_days=3, trials=300, q=[50, 85], rng=7)
    assert r.periods.size == tp.periods.size - 3 - 2 + 1
    streams = np.random.default_rng(7).spawn(r.periods.size)
    i = 1
    col = int((r.periods[i] - tp.periods[0]) / DAY)
    past = tp.counts[:, col - 3 : col]
    ok = past.any(axis=1)
    by_hand = forecast_how_many(past[ok], 2, trials=300, q=[50, 85], rng=streams[i])
    assert np.array_equal(r.forecast[ok, i], by_hand.values)
    assert np.isnan(r.forecast[~ok, i]).all()
    day = end.astype("datetime64[D]")
    for g, label in enumerate(tp.groups):
        future = (day >= r.periods[i]) & (day < r.periods[i] + 2 * DAY)
        assert r.delivered[g, i] == np.count_nonzero(future & (seen["class_of_service"] == label))
    assert r.to_json()


def test_same_seed_same_backtest():
    tp = history(np.random.default_rng(1).poisson(3, size=120))
    one = backtest_forecast(tp, horizon=7, trials=300, rng=11)
    assert one == backtest_forecast(tp, horizon=7, trials=300, rng=11)
    assert one == backtest_forecast(tp, horizon=7, trials=300, rng=np.random.default_rng(11))
    assert one != backtest_forecast(tp, horizon=7, trials=300, rng=12)


def test_every_and_the_window_of_dates():
    tp = history(np.ones(100, dtype=np.int64))  # 2024-01-01 (a Monday) to 2024-04-09
    weekly = backtest_forecast(tp, horizon=7, window_days=14, trials=10, rng=1)
    assert weekly.periods[0] == np.datetime64("2024-01-15")
    assert (weekly.periods.astype("datetime64[D]").astype(int) % 7 == 4).all()  # Mondays
    assert weekly.periods[-1] + 7 * DAY <= np.datetime64("2024-04-10")
    monthly = backtest_forecast(tp, every="M", window_days=14, trials=10, rng=1)
    assert monthly.periods.tolist() == [
        np.datetime64(d, "D").item() for d in ("2024-02-01", "2024-03-01")
    ]
    few = backtest_forecast(
        tp, every="D", since="2024-02-01", until="2024-02-03", window_days=14, trials=10, rng=1
    )
    assert few.periods.size == 3
    assert (few.coverage == 1).all()  # one item a day, every day: always exactly right


def test_a_group_without_deliveries_has_no_forecast_and_nan_coverage():
    tp = history([[1] * 30, [0] * 30])
    with pytest.warns(InsufficientDataWarning, match=r"\('1'\).*coverage is NaN|1 of 2"):
        r = backtest_forecast(tp, horizon=5, window_days=5, every="D", trials=10, rng=1)
    assert r.n.tolist() == [21, 0]
    assert np.isnan(r.forecast[1]).all()
    assert np.isnan(r.coverage[1]).all()
    assert (r.coverage[0] == 1).all()


def test_no_date_is_an_empty_backtest_with_a_warning():
    with pytest.warns(InsufficientDataWarning, match="coverage is NaN"):
        r = backtest_forecast(history([1] * 10), horizon=7, window_days=30, rng=1)
    assert r.periods.size == 0
    assert r.forecast.shape == (1, 0, 4)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"at": ["2024-01-02"]}, ValidationError, r"`at` must be dates from 2024-01-31"),
        ({"at": ["2024-04-01"]}, ValidationError, r"`at` must be dates from"),
        ({"every": "week"}, ValidationError, r"`every` must be one of 'D', 'W', 'M'"),
        ({"horizon": 0}, ValidationError, r"`horizon` must be at least 1"),
        ({"horizon": 2.0}, TypeError, r"`horizon` must be a whole number"),
        ({"window_days": -1}, ValidationError, r"`window_days` must be at least 1"),
        ({"q": 0.85}, ValidationError, r"`q` is in percent"),
        ({"rng": "1"}, TypeError, r"`rng` must be None"),
        (
            {"trials": 1_000_000, "horizon": 30, "every": "D"},
            ValidationError,
            r"`trials` × `horizon` must be at most",
        ),
    ],
)
def test_bad_arguments_are_named(kwargs, error, match):
    tp = history(np.ones(90, dtype=np.int64))
    with pytest.raises(error, match=match):
        backtest_forecast(tp, **kwargs)


def test_only_a_daily_throughput_is_taken():
    with pytest.raises(TypeError, match="`daily_throughput` must be a DailyThroughput"):
        backtest_forecast([1, 2, 3])  # type: ignore[arg-type]
