"""Benchmark of the cost-of-delay functions against plain-numpy floors.

    python benchmarks/delay.py [--sizes 100000,1000000,10000000] [--repeat K] [--seed S]

For each size N: N seeded work items (urgency expedite / fixed date / standard /
intangible with shares 5/15/60/20%, requests uniform over two years from
2023-01-01 in whole seconds, lognormal lead times, 15% not delivered, `as_of`
2024-10-01 so that some items are open and some not yet requested; per-item
rates, fixed-date due dates and penalties, expedite lumps (0 for half of them),
intangible horizons and growths, NaN where an archetype does not use a
parameter). Timed, best of K, ours beside a floor getting the same converted
arrays:

* ``delay_cost(...)`` (ungrouped, and ``by=`` the urgency codes) beside the same
  closed forms written minimally with ``np.where`` (+ ``sum`` / ``bincount``);
* ``cd3(cost_of_delay, duration)`` beside ``argsort(-score, kind="stable")`` and
  the rank scatter;
* ``cd3(..., requested_at=)`` beside ``np.lexsort((requested, -score))`` (ours sorts
  once and only falls back to ``lexsort`` when two scores are equal);
* ``wsjf(...)`` on Fibonacci-scale scores (many ties) with ``requested_at``, beside
  ``np.lexsort``.

Results are asserted equal on every size (costs and totals to ``rtol=1e-12``,
orders and ranks exactly). ``run(sizes, repeat, seed)`` is the entry point for
``run.py``; see benchmarks/README.md for how to read the ratios.
"""

from __future__ import annotations

import functools
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
from customer_kanban.metrics.delay._delay import cd3, delay_cost, wsjf  # noqa: E402

NS_PER_DAY = 86_400 * 10**9
AS_OF = np.datetime64("2024-10-01", "ns")
FIBONACCI = np.array([1, 2, 3, 5, 8, 13, 20], dtype=np.float64)
I64_MAX = np.iinfo(np.int64).max

Array = npt.NDArray[Any]


def generate(n: int, seed: int) -> dict[str, Array]:
    """`n` seeded work items with their cost-of-delay parameters (no loop per item)."""
    rng = np.random.default_rng(seed)
    urgency = rng.choice(4, size=n, p=[0.05, 0.15, 0.6, 0.2]).astype(np.int8)
    expedite, fixed, intangible = urgency == 0, urgency == 1, urgency == 3
    start = np.datetime64("2023-01-01", "ns").view(np.int64)
    req = start + rng.integers(0, 730 * 86_400, n) * 10**9
    lead_s = np.round(rng.lognormal(np.log(10.0), 1.0, n) * 86_400).astype(np.int64)
    dlv = req + lead_s * 10**9
    dlv[rng.random(n) < 0.15] = np.iinfo(np.int64).min  # NaT: not delivered
    due = np.where(fixed, req + rng.integers(1, 60 * 86_400, n) * 10**9, np.iinfo(np.int64).min)
    rate = np.round(rng.lognormal(np.log(50.0), 1.0, n), 2)
    rate[expedite] *= 10.0
    step = np.where(fixed, np.round(rng.gamma(2.0, 2_000.0, n), 2), np.nan)
    step[expedite] = np.where(rng.random(int(expedite.sum())) < 0.5, 0.0, 1_000.0)
    horizon = np.where(intangible, rng.uniform(0.0, 120.0, n), np.nan)
    growth = np.where(intangible, rng.uniform(0.0, 0.1, n), np.nan)
    return {
        "urgency": urgency,
        "requested": req.view("datetime64[ns]"),
        "delivered": dlv.view("datetime64[ns]"),
        "due": due.view("datetime64[ns]"),
        "rate": rate,
        "step": step,
        "horizon": horizon,
        "growth": growth,
        "duration": rng.lognormal(np.log(10.0), 1.0, n),
        "bv": rng.choice(FIBONACCI, n),
        "tc": rng.choice(FIBONACCI, n),
        "rr": rng.choice(FIBONACCI, n),
        "size": rng.choice(FIBONACCI, n),
    }


# ------------------------------------------------------------------ floors
def floor_delay_cost(d: dict[str, Array], grouped: bool) -> tuple[Array, Array, Array, Array]:
    """The closed forms with np.where: (cost, open, total, items) per urgency or overall."""
    u, req, dlv = d["urgency"], d["requested"], d["delivered"]
    r = req.view(np.int64)
    counted = req <= AS_OF
    done = dlv <= AS_OF
    delay = (np.where(done, dlv.view(np.int64), AS_OF.view(np.int64)) - r) / NS_PER_DAY
    past = delay - np.where(u == 1, d["due"].view(np.int64) - r, 0) / NS_PER_DAY
    cost = d["rate"] * np.maximum(past, 0.0)
    cost += np.where((u <= 1) & (past > 0), d["step"], 0.0)
    rise = np.maximum(delay - d["horizon"], 0.0)
    cost += np.where(u == 3, 0.5 * d["rate"] * d["growth"] * rise**2, 0.0)
    cost = np.where(counted, cost, 0.0)
    if grouped:
        total = np.bincount(u, weights=cost, minlength=4)
        items = np.bincount(u, weights=counted, minlength=4).astype(np.int64)
    else:
        total, items = np.array([cost.sum()]), np.array([np.count_nonzero(counted)])
    return cost, counted & ~done, total, items


def floor_schedule(score: Array, key: Array | None) -> tuple[Array, Array]:
    """(order, rank): descending score, then `key`, then position."""
    order = np.argsort(-score, kind="stable") if key is None else np.lexsort((key, -score))
    rank = np.empty(len(score), dtype=np.int64)
    rank[order] = np.arange(1, len(score) + 1)
    return order, rank


# ------------------------------------------------------------------ timing
def check_cost(ours: Any, floor: tuple[Array, Array, Array, Array]) -> None:
    cost, still_open, total, items = floor
    np.testing.assert_array_equal(ours.items, items)
    np.testing.assert_allclose(ours.cost, cost, rtol=1e-12, atol=0)
    np.testing.assert_array_equal(ours.open, still_open)
    np.testing.assert_allclose(ours.total, total, rtol=1e-12, atol=0)


def check_schedule(ours: Any, score: Array, floor: tuple[Array, Array]) -> None:
    np.testing.assert_array_equal(ours.score, score)
    np.testing.assert_array_equal(ours.order, floor[0])
    np.testing.assert_array_equal(ours.rank, floor[1])


def run_size(n: int, repeat: int, seed: int) -> list[tuple[str, int, float, float]]:
    """Time every pair on `n` items; returns (name, n, ours, floor) rows."""
    d = generate(n, seed)
    print(f"generated {n:,} items", file=sys.stderr)
    warmup = n < 10_000_000
    rows = []
    params = {k: d[k] for k in ("rate", "due", "step", "horizon", "growth")}

    def pair(name: str, ours: Callable[[], Any], floor: Callable[[], Any]) -> tuple[Any, Any]:
        t_ours, r_ours, t_floor, r_floor = best_of_pair(ours, floor, repeat, warmup)
        rows.append((name, n, t_ours, t_floor))
        return r_ours, r_floor

    def ours_cost(by: Array | None) -> Any:
        return delay_cost(
            d["urgency"], d["requested"], d["delivered"], as_of=AS_OF, by=by, **params
        )

    for name, by in (("delay_cost", None), ("delay_cost by urgency", d["urgency"])):
        ours, floor = pair(
            name,
            functools.partial(ours_cost, by),
            functools.partial(floor_delay_cost, d, by is not None),
        )
        check_cost(ours, floor)
        del ours, floor

    cod, duration, requested = d["rate"], d["duration"], d["requested"]
    key = requested.view(np.int64)  # no NaT in the generated requests
    score = cod / duration
    ours, floor = pair(
        "cd3",
        lambda: cd3(cod, duration),
        lambda: floor_schedule(cod / duration, None),
    )
    check_schedule(ours, score, floor)
    ours, floor = pair(
        "cd3 requested_at",
        lambda: cd3(cod, duration, requested_at=requested),
        lambda: floor_schedule(cod / duration, key),
    )
    check_schedule(ours, score, floor)

    bv, tc, rr, size = d["bv"], d["tc"], d["rr"], d["size"]
    ours, floor = pair(
        "wsjf requested_at (ties)",
        lambda: wsjf(bv, tc, rr, size, requested_at=requested),
        lambda: floor_schedule((bv + tc + rr) / size, key),
    )
    check_schedule(ours, (bv + tc + rr) / size, floor)
    return rows


def run(sizes: list[int] | tuple[int, ...], repeat: int | None, seed: int) -> None:
    """Print our time beside the floor's for every size (best of `repeat`).

    `repeat` None: 3 below 10^7 items, 1 at 10^7 (after no warm-up).
    """
    run_sizes("cost of delay", run_size, sizes, repeat, seed)


def main(argv: list[str] | None = None) -> int:
    return _timing.main(__doc__.split("\n")[0], run, argv)


if __name__ == "__main__":
    raise SystemExit(main())
