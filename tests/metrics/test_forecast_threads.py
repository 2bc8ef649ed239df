"""The Monte Carlo how-many forecast sums its draws on another thread while it draws the
next ones: the counts are those of one thread, trial by trial."""

import numpy as np

from customer_kanban.metrics import forecast_how_many


def test_how_many_on_two_threads_equals_one(monkeypatch):
    past = np.array([[0, 3, 1, 7, 2, 0, 5, 4], [1, 0, 0, 2, 9, 1, 1, 0]])
    # several batches of trials (16384 each) and several blocks of days
    kwargs = {"trials": 40_000, "rng": 11}
    monkeypatch.setenv("CUSTOMER_KANBAN_THREADS", "1")
    one = forecast_how_many(past, 1500, **kwargs)
    monkeypatch.setenv("CUSTOMER_KANBAN_THREADS", "2")
    two = forecast_how_many(past, 1500, **kwargs)
    assert np.array_equal(one.counts, two.counts)
    assert np.array_equal(one.values, two.values)
    # a plain loop over the same draws: the generator's streams, batch by batch
    streams = np.random.default_rng(11).spawn(2)
    for g, gen in enumerate(streams):
        expected = np.zeros(40_000, np.int64)
        for lo in range(0, 40_000, 16384):
            b = min(16384, 40_000 - lo)
            cols = (1 << 24) // 16384
            for first in range(0, 1500, cols):
                w = min(cols, 1500 - first)
                idx = gen.integers(0, 8, size=(w, b), dtype=np.uint8)
                expected[lo : lo + b] += past[g][idx].sum(axis=0)
        assert np.array_equal(one.counts[g], expected)
