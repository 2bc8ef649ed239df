"""Benchmark of compare_service's permutation test against scipy.stats.permutation_test.

    python benchmarks/compare.py [--sizes 1000000] [--permutations P] [--scipy-permutations P']
                                 [--repeat K] [--seed S]

For each size N: N seeded items, 30% of them in the focus group, in four regimes that
pick different samplers of ``customers.compare_service`` (see its Notes):

* ``median`` and ``p85`` of continuous values (gamma lead times): chunk counts;
* ``mean`` of continuous values: random subsets of the items;
* ``mean`` of 1/0 values (SLE met, 80% ones) and ``median`` of whole days: the
  multivariate hypergeometric counts of the distinct values.

Each is timed (best of K) beside ``scipy.stats.permutation_test`` with the same
statistic (vectorized, ``alternative="greater"``, ``permutation_type="independent"``,
batches of the same bounded size as ours). The cost per relabelling is reported: ours
``(t(P) - t(1)) / (P - 1)`` with P = ``--permutations``, ten times more until
``t(P) - t(1)`` is half a second (the sort and the effect sizes are paid once);
scipy's ``t(P') / P'`` with P' = ``--scipy-permutations``; and the time of the
default 9,999 relabellings from those. scipy draws other random numbers: its
p-value is not compared.

Then the exact enumeration: 15 items, 7 in the focus group (6,435 splits, fewer
than the default 9,999 permutations), timed the same way; both p-values must be
equal.
"""

from __future__ import annotations

import argparse
import gc
import math
import re
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

import scipy.stats  # noqa: E402

from customer_kanban.customers import compare_service  # noqa: E402
from customer_kanban.errors import ValidationError  # noqa: E402

Array = npt.NDArray[Any]
# Elements of one batch of relabellings, as compare_service bounds its own.
BATCH_ELEMENTS = 1 << 21
DEFAULT_PERMUTATIONS = 9_999


def _best(repeat: int, fn: Callable[[], Any]) -> tuple[float, Any]:
    best, out = math.inf, None
    for _ in range(repeat):
        out = None
        gc.collect()
        start = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - start)
    return best, out


def _scipy_statistic(statistic: str) -> Callable[..., Array]:
    def stat(a: Array, b: Array, axis: int) -> Array:
        if statistic == "mean":
            return np.mean(a, axis=axis) - np.mean(b, axis=axis)
        if statistic == "median":
            return np.median(a, axis=axis) - np.median(b, axis=axis)
        q = float(statistic[1:])
        out: Array = np.percentile(a, q, axis=axis) - np.percentile(b, q, axis=axis)
        return out

    return stat


def _scipy(values: Array, focus: Array, statistic: str, permutations: int, seed: int) -> Any:
    return scipy.stats.permutation_test(
        (values[focus], values[~focus]),
        _scipy_statistic(statistic),
        permutation_type="independent",
        alternative="greater",
        n_resamples=permutations,
        vectorized=True,
        batch=max(1, BATCH_ELEMENTS // len(values)),
        rng=seed,
    )


def regimes(n: int, seed: int) -> list[tuple[str, Array, str]]:
    rng = np.random.default_rng(seed)
    lead = rng.gamma(2.0, 3.0, n)
    met = (rng.random(n) < 0.8).astype(np.float64)
    days = np.ceil(lead)
    return [
        ("median, continuous", lead, "median"),
        ("p85, continuous", lead, "p85"),
        ("mean, continuous", lead, "mean"),
        ("mean, 1/0", met, "mean"),
        ("median, whole days", days, "median"),
    ]


def time_regime(
    values: Array,
    focus: Array,
    statistic: str,
    permutations: tuple[int, int],
    repeat: int,
    seed: int,
) -> tuple[float, float, float, int | None]:
    """(ours once, ours per relabelling, scipy per relabelling, ours allowed) in seconds.

    `permutations`: the relabellings timed, ours and scipy's (much slower here). The
    last item is the most relabellings compare_service allows on these values when that
    is below the default 9,999 (its work bound; None otherwise).
    """
    ours_p, scipy_p = permutations
    allowed: int | None = None

    def ours(p: int) -> Any:
        return compare_service(
            values, by=focus, focus=True, statistic=statistic, permutations=p, rng=seed
        )

    t1, _ = _best(repeat, lambda: ours(1))
    while True:  # enough relabellings to stand out of the one-off cost (the sort)
        try:
            tp, _ = _best(repeat, lambda p=ours_p: ours(p))
        except ValidationError as exc:  # above the work bound: time the most allowed
            found = re.search(r"`permutations` must be at most (\d+)", str(exc))
            if found is None:
                raise
            ours_p = int(found.group(1))
            allowed = ours_p if ours_p < DEFAULT_PERMUTATIONS else None
            tp, _ = _best(repeat, lambda p=ours_p: ours(p))
            break
        if tp - t1 >= 0.5 or ours_p >= 10**6:
            break
        ours_p *= 10
    ts, _ = _best(1, lambda: _scipy(values, focus, statistic, scipy_p, seed))
    return t1, max(tp - t1, 0.0) / max(ours_p - 1, 1), ts / scipy_p, allowed


def run_size(n: int, permutations: tuple[int, int], repeat: int, seed: int) -> None:
    focus = np.random.default_rng(seed + 1).random(n) < 0.3
    header = (
        f"{'regime':<20} {'N':>10} {'ours us/perm':>12} {'scipy us/perm':>13} "
        f"{'scipy/ours':>10} {'ours 9999 (s)':>13} {'scipy 9999 (s)':>14}"
    )
    print(header)
    print("-" * len(header))
    for name, values, statistic in regimes(n, seed):
        t1, per_ours, per_scipy, allowed = time_regime(
            values, focus, statistic, permutations, repeat, seed
        )
        default = (
            f"{t1 + per_ours * (DEFAULT_PERMUTATIONS - 1):>13.2f}"
            if allowed is None
            else f"{f'max {allowed:,}':>13}"  # the default is above the work bound
        )
        print(
            f"{name:<20} {n:>10,} {per_ours * 1e6:>12.2f} {per_scipy * 1e6:>13,.0f} "
            f"{per_scipy / per_ours:>10,.0f} {default} "
            f"{per_scipy * DEFAULT_PERMUTATIONS:>14,.0f}"
        )
        sys.stdout.flush()


def run_exact(repeat: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    values = rng.gamma(2.0, 3.0, 15)
    focus = np.arange(15) < 7
    print(f"\nexact enumeration: 15 items, 7 in focus ({math.comb(15, 7):,} splits)")
    header = f"{'statistic':<10} {'ours (ms)':>10} {'scipy (ms)':>10} {'p-value':>9}"
    print(header)
    print("-" * len(header))
    for statistic in ("mean", "median", "p85"):
        t_o, r = _best(
            repeat,
            lambda statistic=statistic: compare_service(
                values, by=focus, focus=True, statistic=statistic
            ),
        )
        t_s, s = _best(
            repeat, lambda statistic=statistic: _scipy(values, focus, statistic, 9_999, seed)
        )
        assert r.exact
        assert r.pvalue == s.pvalue, (r.pvalue, s.pvalue)
        print(f"{statistic:<10} {t_o * 1e3:>10.2f} {t_s * 1e3:>10.2f} {r.pvalue:>9.6f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000000", help="comma-separated numbers of items")
    parser.add_argument(
        "--permutations", type=int, default=2000, help="our relabellings timed (default 2000)"
    )
    parser.add_argument(
        "--scipy-permutations", type=int, default=20, help="scipy's relabellings timed (default 20)"
    )
    parser.add_argument("--repeat", type=int, default=3, help="best of K runs")
    parser.add_argument("--seed", type=int, default=0, help="seed of the generator")
    args = parser.parse_args(argv)
    for n in (int(s.replace("_", "")) for s in args.sizes.split(",") if s):
        run_size(n, (args.permutations, args.scipy_permutations), args.repeat, args.seed)
    run_exact(args.repeat, args.seed)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
