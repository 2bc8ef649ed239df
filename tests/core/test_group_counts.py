"""Counting rows per group: the one-pass pair of counts equals a plain loop."""

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from customer_kanban._core.groups import factorize


@given(
    st.lists(st.tuples(st.integers(0, 4), st.booleans(), st.booleans()), max_size=300),
    st.booleans(),
)
def test_count_two_equals_a_loop(rows, grouped):
    codes = np.array([r[0] for r in rows], dtype=np.int64)
    first = np.array([r[1] for r in rows], dtype=bool)
    second = np.array([r[2] for r in rows], dtype=bool)
    groups = factorize(codes if grouped else None, len(rows), data_name="values")
    a, b = groups.count_two(first, second)
    keys = sorted(set(codes.tolist())) if grouped else [None]
    for g, key in enumerate(keys):
        rows_g = [r for r in rows if key is None or r[0] == key]
        assert a[g] == sum(r[1] for r in rows_g)
        assert b[g] == sum(r[2] for r in rows_g)


def test_count_two_on_two_threads_equals_one(monkeypatch):
    rng = np.random.default_rng(3)
    codes = rng.integers(0, 7, 300_000)
    first, second = rng.random(300_000) < 0.5, rng.random(300_000) < 0.2
    groups = factorize(codes, codes.size, data_name="values")
    monkeypatch.setenv("CUSTOMER_KANBAN_THREADS", "1")
    one = groups.count_two(first, second)
    monkeypatch.setenv("CUSTOMER_KANBAN_THREADS", "2")
    two = groups.count_two(first, second)
    assert all(np.array_equal(x, y) for x, y in zip(one, two, strict=True))
    assert one[0].tolist() == np.bincount(codes[first], minlength=7).tolist()
