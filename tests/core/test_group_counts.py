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


@given(
    st.integers(1, 40_000),
    st.integers(0, 4),
    st.integers(0, 2**32 - 1),
    st.booleans(),
)
def test_counts_of_many_masks_equal_a_plain_loop(n_groups, n_masks, seed, missing):
    """Any number of masks, few or many groups (blocks, or one pass over the rows), rows
    in no group (code -1) left out."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(0, 3000))
    codes = rng.integers(-1 if missing else 0, n_groups, n)
    masks = [rng.random(n) < rng.random() for _ in range(n_masks)]
    labels = np.arange(n_groups)
    groups = factorize((codes, labels), n, data_name="values")
    out = groups.counts(*masks)
    assert out.shape == (n_masks, n_groups)
    assert out.dtype == np.int64
    for j, mask in enumerate(masks):
        expected = [0] * n_groups
        for code, hit in zip(codes.tolist(), mask.tolist(), strict=True):
            if code >= 0 and hit:
                expected[code] += 1
        assert out[j].tolist() == expected
        assert groups.count(mask).tolist() == expected


def test_counts_in_blocks_on_two_threads_equal_one(monkeypatch):
    rng = np.random.default_rng(5)
    n = 1_000_003  # several blocks per thread, a ragged last one
    codes = rng.integers(-1, 9, n)
    masks = [rng.random(n) < 0.5, rng.random(n) < 0.1, rng.random(n) < 0.9]
    groups = factorize((codes, np.arange(9)), n, data_name="values")
    monkeypatch.setenv("CUSTOMER_KANBAN_THREADS", "1")
    one = groups.counts(*masks)
    monkeypatch.setenv("CUSTOMER_KANBAN_THREADS", "2")
    two = groups.counts(*masks)
    assert np.array_equal(one, two)
    for j, mask in enumerate(masks):
        keep = mask & (codes >= 0)
        assert one[j].tolist() == np.bincount(codes[keep], minlength=9).tolist()
