"""Work split over threads: every slice once, in order, whatever the number of threads."""

import itertools

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from customer_kanban._core import threads
from customer_kanban.io import _ids


@given(st.integers(0, 10_000), st.integers(1, 5000), st.integers(1, 8))
def test_slices_cover_the_range_once_in_order(size, min_slice, count):
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CUSTOMER_KANBAN_THREADS", str(count))
        slices = threads.split(lambda a, b: (a, b), size, min_slice=min_slice)
    assert slices[0][0] == 0
    assert slices[-1][1] == size
    assert all(a[1] == b[0] for a, b in itertools.pairwise(slices))
    assert len(slices) <= count


@pytest.mark.parametrize("value", ["0", "-2", "two", "1.5"])
def test_a_bad_thread_count_is_named(monkeypatch, value):
    monkeypatch.setenv("CUSTOMER_KANBAN_THREADS", value)
    with pytest.raises(
        ValueError, match=rf"CUSTOMER_KANBAN_THREADS must be a whole number >= 1, got '{value}'"
    ):
        threads.n_threads()


def test_the_thread_count_is_the_machines_unless_set(monkeypatch):
    monkeypatch.delenv("CUSTOMER_KANBAN_THREADS", raising=False)
    assert 1 <= threads.n_threads() <= threads.MAX_THREADS
    monkeypatch.setenv("CUSTOMER_KANBAN_THREADS", "100")
    assert threads.n_threads() == threads.MAX_THREADS


@given(st.lists(st.integers(0, 10**15), min_size=1, max_size=400), st.integers(0, 3000))
def test_threaded_kernels_equal_one_thread(values, shift):
    """The same bits with one thread and with several, slices of a few values each."""
    v = np.array(values, np.int64)
    ids = np.array([x % 5000 + shift for x in values], np.int64)  # a dense range
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(threads, "MIN_SLICE", 1)
        mp.setattr(_ids, "MIN_ROWS", 1)
        mp.setenv("CUSTOMER_KANBAN_THREADS", "1")
        one_text = _ids.decimal_text(v)
        one = _ids._coded(ids, int(ids.min()), int(ids.max()), ())
        mp.setenv("CUSTOMER_KANBAN_THREADS", "4")
        many_text = _ids.decimal_text(v)
        many = _ids._coded(ids, int(ids.min()), int(ids.max()), ())
    assert one_text.tolist() == many_text.tolist() == [str(x) for x in values]
    assert one is not None
    assert many is not None
    assert one.codes.tolist() == many.codes.tolist()
    assert one.labels.tolist() == many.labels.tolist()
    assert one.labels[one.codes].tolist() == [str(x) for x in ids.tolist()]
    assert one.labels.tolist() == sorted(one.labels.tolist())


def test_a_forked_child_gets_a_pool_of_its_own():
    """The parent's pool threads do not survive fork: the child must not wait on them."""
    import multiprocessing as mp

    threads.split(lambda a, b: b - a, 10, min_slice=1)  # the parent's pool exists
    ctx = mp.get_context("fork")
    with ctx.Pool(1) as pool:
        got = pool.apply_async(_split_sum, (10_000,)).get(timeout=30)
    assert got == 10_000


def _split_sum(n):
    import os

    os.environ["CUSTOMER_KANBAN_THREADS"] = "2"
    return sum(threads.split(lambda a, b: b - a, n, min_slice=1))
