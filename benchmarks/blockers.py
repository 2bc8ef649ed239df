"""Benchmark of blocker clustering against a plain-numpy floor.

    python benchmarks/blockers.py [--sizes 100000,1000000,10000000] [--repeat K] [--seed S]

For each size N: N seeded work items in four groups (classes of service
Expedite / Fixed date / Standard / Intangible with shares 5/15/60/20%, arrivals
uniform over two years from 2023-01-01) and Poisson(1) blocked intervals per
item (``np.repeat``, about N intervals), each starting up to 30 days after its
item's arrival, in whole seconds, with a lognormal length (median 2 days), one of
eight reasons (integer codes with labels, shares 30/20/15/10/10/7/5/3%), and 5%
still open (``NaT`` end). The intervals come sorted by start, as a tool exports
them; those of one item overlap now and then, of the same reason and of
different ones. ``as_of`` is 2024-10-01, inside the data: closed intervals are
cut there, open ones run to it, and those starting after it (about 15%) are not
counted. Timed, best of K, ours beside a floor getting the same arrays:

* ``blocker_clusters(item, start, end, reason, n_items=N, as_of=...,
  by=(codes, labels), reason_labels=...)`` beside a floor that drops the
  intervals starting after ``as_of``, cuts the ends at ``as_of`` (NaT -> as_of)
  and computes two unions of intervals: one ``np.lexsort((start, key))`` per
  union, by the (item, reason) key ``item * 8 + reason`` and by the item; along
  each run of equal keys the running maximum of the ends (exact on int64
  nanoseconds: ``log2(longest run)`` shifted ``np.maximum`` passes restricted to
  the run; one ``np.maximum.accumulate`` over the whole array would carry the
  ends of one run into the next, and a (run, end) key packed into one int64
  would overflow in nanoseconds), so that an interval adds ``max(0, end - max(start, reach of the
  earlier ones))``; then ``np.bincount`` into group x reason: blocks (every
  interval), items (the first interval of each run), days (what the intervals
  add, per-reason union) and, per group, the items blocked and the days blocked
  (all-reasons union), and the items;
* ``blocked_time(item, start, end, n_items=N, as_of=...)`` beside the floor's
  all-reasons union alone (ends cut at ``as_of``, no drop needed: an interval
  starting after ``as_of`` adds nothing) and a ``bincount`` per item.

Results are asserted equal on every size (counts exactly, days to
``rtol=1e-12``). ``run(sizes, repeat, seed)`` is the entry point for
``run.py``; see benchmarks/README.md for how to read the ratios.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

HERE = Path(__file__).resolve().parent
try:
    import customer_kanban  # noqa: F401  (installed: use it)
except ImportError:  # a source checkout: use src/
    sys.path.insert(0, str(HERE.parent / "src"))

import _timing  # noqa: E402
from _timing import best_of_pair, run_sizes  # noqa: E402
from customer_kanban.metrics import blocked_time, blocker_clusters  # noqa: E402

NS_PER_DAY = 86_400 * 10**9
AS_OF = np.datetime64("2024-10-01", "ns")
GROUPS = np.array(["Expedite", "Fixed date", "Standard", "Intangible"])
GROUP_SHARES = [0.05, 0.15, 0.6, 0.2]
REASONS = np.array(
    [
        "customer",
        "environment",
        "supplier",
        "other team",
        "specification",
        "test data",
        "approval",
        "other",
    ]
)
REASON_SHARES = [0.3, 0.2, 0.15, 0.1, 0.1, 0.07, 0.05, 0.03]
I64_MIN = np.iinfo(np.int64).min  # NaT as int64

Array = npt.NDArray[Any]


def generate(n: int, seed: int) -> dict[str, Array]:
    """`n` seeded work items and about `n` blocked intervals (no loop per item)."""
    rng = np.random.default_rng(seed)
    group = rng.choice(len(GROUPS), size=n, p=GROUP_SHARES).astype(np.intp)
    item = np.repeat(np.arange(n, dtype=np.intp), rng.poisson(1.0, n))
    m = len(item)
    t0 = np.datetime64("2023-01-01", "ns").view(np.int64)
    arrival = t0 + rng.integers(0, 730 * 86_400, n) * 10**9
    start = arrival[item] + rng.integers(0, 30 * 86_400, m) * 10**9
    length_s = np.round(rng.lognormal(np.log(2 * 86_400), 1.0, m)).astype(np.int64)
    end = start + length_s * 10**9
    end[rng.random(m) < 0.05] = I64_MIN  # NaT: still blocked
    reason = rng.choice(len(REASONS), size=m, p=REASON_SHARES).astype(np.intp)
    order = np.argsort(start, kind="stable")  # exported in order of start
    return {
        "group": group,
        "item": item[order],
        "start": start[order].view("datetime64[ns]"),
        "end": end[order].view("datetime64[ns]"),
        "reason": reason[order],
    }


# ------------------------------------------------------------------ floors
def floor_union(key: Array, start: Array, end: Array) -> tuple[Array, Array, Array]:
    """Union of the intervals of each key: (sorted keys, first of each run, ns added).

    `start` and `end` are int64 nanoseconds, the ends already cut (no NaT). Sorted
    by (key, start), interval i adds ``max(0, end_i - max(start_i, reach))``, where
    reach is the latest end of the earlier intervals of its key.
    """
    order = np.lexsort((start, key))
    k, s, e = key[order], start[order], end[order]
    first = np.empty(len(k), dtype=bool)
    first[:1] = True
    np.not_equal(k[1:], k[:-1], out=first[1:])
    reach = e.copy()  # running maximum of the ends within each run of equal keys
    d = 1
    while d < len(k):
        same = k[d:] == k[:-d]
        if not same.any():
            break
        np.maximum(reach[d:], reach[:-d], out=reach[d:], where=same)
        d *= 2
    np.maximum(s[1:], reach[:-1], out=s[1:], where=~first[1:])
    added = e - s
    np.maximum(added, 0, out=added)
    return k, first, added.astype(np.float64)


def cut_ends(end: Array, as_of: np.datetime64) -> Array:
    """Ends as int64 nanoseconds, NaT -> `as_of`, cut at `as_of`."""
    t = int(as_of.view(np.int64))
    e = end.view(np.int64)
    return np.where(e == I64_MIN, t, np.minimum(e, t))


def floor_clusters(d: dict[str, Array], as_of: np.datetime64) -> tuple[Array, ...]:
    """(blocks, items, days, n_items, blocked_items, blocked_days) per group x reason."""
    group, n_g, n_r = d["group"], len(GROUPS), len(REASONS)
    s = d["start"].view(np.int64)
    kept = s <= as_of.view(np.int64)
    it, s, r = d["item"][kept], s[kept], d["reason"][kept]
    e = cut_ends(d["end"][kept], as_of)
    cells = n_g * n_r
    blocks = np.bincount(group[it] * n_r + r, minlength=cells).reshape(n_g, n_r)
    k, first, added = floor_union(it * n_r + r, s, e)
    cell = group[k // n_r] * n_r + k % n_r
    items = np.bincount(cell[first], minlength=cells).reshape(n_g, n_r)
    days = np.bincount(cell, added, minlength=cells).reshape(n_g, n_r) / NS_PER_DAY
    k, first, added = floor_union(it, s, e)
    g = group[k]
    blocked_items = np.bincount(g[first], minlength=n_g)
    blocked_days = np.bincount(g, added, minlength=n_g) / NS_PER_DAY
    n_items = np.bincount(group, minlength=n_g)
    return blocks, items, days, n_items, blocked_items, blocked_days


def floor_blocked_time(d: dict[str, Array], as_of: np.datetime64) -> Array:
    """Days blocked per item: the all-reasons union, ends cut at `as_of`."""
    k, _, added = floor_union(d["item"], d["start"].view(np.int64), cut_ends(d["end"], as_of))
    out: Array = np.bincount(k, added, minlength=len(d["group"])) / NS_PER_DAY
    return out


# ------------------------------------------------------------------ timing
def check_clusters(ours: Any, floor: tuple[Array, ...]) -> None:
    blocks, items, days, n_items, blocked_items, blocked_days = floor
    np.testing.assert_array_equal(ours.groups, GROUPS)
    np.testing.assert_array_equal(ours.reasons, REASONS)
    np.testing.assert_array_equal(ours.blocks, blocks)
    np.testing.assert_array_equal(ours.items, items)
    np.testing.assert_allclose(ours.days, days, rtol=1e-12, atol=0)
    np.testing.assert_array_equal(ours.n_items, n_items)
    np.testing.assert_array_equal(ours.blocked_items, blocked_items)
    np.testing.assert_allclose(ours.blocked_days, blocked_days, rtol=1e-12, atol=0)


def describe(d: dict[str, Array]) -> str:
    """The data's intervals: open, after `as_of`, overlapping (untimed, for the record)."""
    s = d["start"].view(np.int64)
    kept = s <= AS_OF.view(np.int64)
    it, s, r = d["item"][kept], s[kept], d["reason"][kept]
    e = cut_ends(d["end"][kept], AS_OF)

    def overlapping(key: Array) -> int:  # intervals starting before the reach of earlier ones
        _, first, added = floor_union(key, s, e)
        length = (e - s)[np.lexsort((s, key))]
        return int(np.count_nonzero(added[~first] < length[~first]))

    same, anyr = overlapping(it * len(REASONS) + r), overlapping(it)
    return (
        f"{len(d['item']):,} intervals, {np.isnat(d['end']).mean():.1%} open, "
        f"{1 - kept.mean():.1%} starting after as_of; of the counted ones "
        f"{same:,} overlap an earlier one of the same item and reason, "
        f"{anyr:,} of the same item and any reason"
    )


def run_size(n: int, repeat: int, seed: int) -> list[tuple[str, int, float, float]]:
    """Time both pairs on `n` items; returns (name, n, ours, floor) rows."""
    d = generate(n, seed)
    print(f"generated {n:,} items", file=sys.stderr)
    print(f"N={n:,}: {describe(d)}")
    warmup = n < 10_000_000
    rows = []

    def pair(name: str, ours: Callable[[], Any], floor: Callable[[], Any]) -> tuple[Any, Any]:
        t_ours, r_ours, t_floor, r_floor = best_of_pair(ours, floor, repeat, warmup)
        rows.append((name, n, t_ours, t_floor))
        return r_ours, r_floor

    item, start, end, reason = d["item"], d["start"], d["end"], d["reason"]
    by = (d["group"], GROUPS)
    ours, floor = pair(
        "blocker_clusters by group",
        lambda: blocker_clusters(
            item, start, end, reason, n_items=n, as_of=AS_OF, by=by, reason_labels=REASONS
        ),
        lambda: floor_clusters(d, AS_OF),
    )
    check_clusters(ours, floor)
    del ours, floor
    ours, floor = pair(
        "blocked_time",
        lambda: blocked_time(item, start, end, n_items=n, as_of=AS_OF),
        lambda: floor_blocked_time(d, AS_OF),
    )
    np.testing.assert_allclose(ours, floor, rtol=1e-12, atol=0)
    return rows


def run(sizes: list[int] | tuple[int, ...], repeat: int | None, seed: int) -> None:
    """Print our time beside the floor's for every size (best of `repeat`).

    `repeat` None: 3 below 10^7 items, 1 at 10^7 (after no warm-up).
    """
    run_sizes("blocker clusters", run_size, sizes, repeat, seed)


def main(argv: list[str] | None = None) -> int:
    return _timing.main(__doc__.split("\n")[0], run, argv)


if __name__ == "__main__":
    raise SystemExit(main())
