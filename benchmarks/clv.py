"""Benchmark of the customer-lifetime-value functions against plain-numpy floors.

    python benchmarks/clv.py [--sizes 100000,1000000,10000000] [--repeat K] [--seed S]

For each size N: N seeded transactions of N / 10 customers (integer ids, uniform over
two years from 2023-01-01, lognormal values, rows in random order). Timed, best of K:

* ``purchase_summary(at, value, by=customer)`` (daily periods) beside the floor
  ``argsort`` of the packed ``(customer, day)`` key + ``np.add.reduceat`` of the values
  per (customer, day) + per-customer ``bincount`` / ``reduceat`` of the distinct days;
* ``purchase_summary(at, by=customer)`` without values beside the floor ``np.sort`` of the
  packed key + run-length boundaries + ``bincount``;
* ``fit_bgnbd`` on the summary (printed, no floor).

Both results are asserted equal on every size. Then CDNOW (the embedded data set):
summary + BG/NBD fit, whose target is under 2 s. See benchmarks/README.md for how to
read the ratios.
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
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

from customer_kanban.customers._clv import fit_bgnbd, purchase_summary  # noqa: E402
from customer_kanban.datasets import CDNOW_AS_OF, load_cdnow  # noqa: E402

NS_PER_DAY = 86_400 * 10**9
DEFAULT_SIZES = (100_000, 1_000_000, 10_000_000)
CDNOW_TARGET_S = 2.0

Array = npt.NDArray[Any]


def generate(n: int, seed: int) -> tuple[Array, Array, Array]:
    """``(customer, at, value)``: `n` transactions of ``n // 10`` customers."""
    rng = np.random.default_rng(seed)
    customers = max(n // 10, 1)
    customer = rng.integers(0, customers, n)
    start = np.datetime64("2023-01-01", "ns").view(np.int64)
    at = (start + rng.integers(0, 730 * 86_400, n) * 10**9).view("datetime64[ns]")
    value = np.round(rng.lognormal(3.0, 0.8, n), 2)
    return customer, at, value


def floor_with_values(customer: Array, at: Array, value: Array) -> dict[str, Array]:
    """Frequency, recency, T, monetary per customer: argsort + reduceat."""
    day = at.view(np.int64) // NS_PER_DAY
    lo, hi = int(day.min()), int(day.max())
    width = hi - lo + 1
    key = customer * width + (day - lo)
    order = np.argsort(key)
    sk = key[order]
    starts = np.flatnonzero(np.concatenate(([True], sk[1:] != sk[:-1])))
    period_value = np.add.reduceat(value[order], starts)
    pair = sk[starts]
    code, pday = pair // width, pair % width
    cstarts = np.flatnonzero(np.concatenate(([True], code[1:] != code[:-1])))
    count = np.diff(np.append(cstarts, len(code)))
    first = pday[cstarts]
    last = np.maximum.reduceat(pday, cstarts)
    total = np.add.reduceat(period_value, cstarts)
    frequency = count - 1
    monetary = np.zeros(len(count))
    np.divide(total - period_value[cstarts], frequency, out=monetary, where=frequency > 0)
    return {
        "groups": code[cstarts],
        "frequency": frequency,
        "recency": (last - first).astype(np.float64),
        "T": (width - 1 - first).astype(np.float64),
        "monetary": monetary,
    }


def floor_without_values(customer: Array, at: Array) -> dict[str, Array]:
    """Frequency, recency, T per customer: sort + run-length boundaries + bincount."""
    day = at.view(np.int64) // NS_PER_DAY
    lo, hi = int(day.min()), int(day.max())
    width = hi - lo + 1
    key = np.sort(customer * width + (day - lo))
    pair = key[np.concatenate(([True], key[1:] != key[:-1]))]
    code, pday = pair // width, pair % width
    cstarts = np.flatnonzero(np.concatenate(([True], code[1:] != code[:-1])))
    cends = np.append(cstarts[1:], len(code)) - 1
    return {
        "groups": code[cstarts],
        "frequency": cends - cstarts,
        "recency": (pday[cends] - pday[cstarts]).astype(np.float64),
        "T": (width - 1 - pday[cstarts]).astype(np.float64),
    }


def best_of(repeat: int, function: Callable[[], Any]) -> tuple[float, Any]:
    best, result = float("inf"), None
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        result = function()
        best = min(best, time.perf_counter() - start)
    return best, result


def check(ours: Any, floor: dict[str, Array]) -> None:
    np.testing.assert_array_equal(ours.groups, floor["groups"])
    np.testing.assert_array_equal(ours.frequency, floor["frequency"])
    np.testing.assert_array_equal(ours.recency, floor["recency"])
    np.testing.assert_array_equal(ours.T, floor["T"])
    if "monetary" in floor:
        np.testing.assert_allclose(ours.monetary, floor["monetary"], rtol=1e-12)


def run_size(n: int, seed: int, repeat: int) -> None:
    customer, at, value = generate(n, seed)
    print(f"generated {n} transactions", file=sys.stderr)
    t_ours, ours = best_of(repeat, lambda: purchase_summary(at, value, by=customer))
    t_floor, floor = best_of(repeat, lambda: floor_with_values(customer, at, value))
    check(ours, floor)
    row("purchase_summary (values)", n, t_ours, t_floor)
    t_ours, plain = best_of(repeat, lambda: purchase_summary(at, by=customer))
    t_floor, floor = best_of(repeat, lambda: floor_without_values(customer, at))
    check(plain, floor)
    row("purchase_summary (no values)", n, t_ours, t_floor)
    t_fit, fit = best_of(1, lambda: fit_bgnbd(ours.frequency, ours.recency, ours.T))
    row(f"fit_bgnbd ({len(ours.groups)} customers)", n, t_fit, None)
    assert fit.converged


def row(name: str, n: int, ours: float, floor: float | None) -> None:
    if floor is None:
        print(f"{name:<34} {n:>10} {ours:>9.3f} {'-':>9} {'-':>10}")
    else:
        print(f"{name:<34} {n:>10} {ours:>9.3f} {floor:>9.3f} {ours / floor:>10.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default=",".join(str(s) for s in DEFAULT_SIZES))
    parser.add_argument("--repeat", type=int, default=None)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    print(f"numpy {np.__version__}, python {sys.version.split()[0]}")
    run([int(s) for s in args.sizes.split(",")], args.repeat, args.seed)


def run(sizes: list[int], repeat: int | None, seed: int) -> None:
    """The lifetime-value rows at each size, then CDNOW (also called by ``run.py``)."""
    print(f"{'operation':<34} {'N':>10} {'ours s':>9} {'floor s':>9} {'ours/floor':>10}")
    for n in sizes:
        run_size(n, seed, repeat or (3 if n < 10_000_000 else 1))
    table = load_cdnow()
    codes = table.codes("customer")
    at, value = table["at"], table["revenue"]
    import scipy.optimize
    import scipy.special

    del scipy  # imported before timing, as in a session

    def cdnow() -> Any:
        s = purchase_summary(at, value, by=codes, as_of=CDNOW_AS_OF)
        return fit_bgnbd(s.frequency, s.recency, s.T)

    t_cdnow, fit = best_of(5, cdnow)
    verdict = "ok" if t_cdnow < CDNOW_TARGET_S else "OVER TARGET"
    print(
        f"CDNOW summary + fit_bgnbd: {t_cdnow:.3f} s (target < {CDNOW_TARGET_S} s: {verdict}); "
        f"purchase_shape={fit.purchase_shape:.4f} purchase_scale={fit.purchase_scale:.3f} "
        f"dropout_a={fit.dropout_a:.4f} dropout_b={fit.dropout_b:.4f}"
    )


if __name__ == "__main__":
    main()
