"""Timing shared by the benchmark modules: best of K, ours and the floor alternating.

``best_of_pair`` times one pair of calls; ``run_sizes`` and ``main`` give a standalone
module (``delay.py``, ``blockers.py``) its sizes loop, its table of ratios and its command
line, so that every module reports alike.
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

__all__ = ["DEFAULT_SIZES", "RATIO_FROM_N", "RATIO_TARGET", "best_of_pair", "main", "run_sizes"]

DEFAULT_SIZES = (100_000, 1_000_000, 10_000_000)
RATIO_TARGET = 1.5
RATIO_FROM_N = 1_000_000

Row = tuple[str, int, float, float]  # (operation, N, ours (s), floor (s))


def best_of_pair(
    ours: Callable[[], Any], floor: Callable[[], Any], repeat: int, warmup: bool
) -> tuple[float, Any, float, Any]:
    """Best wall times of `repeat` calls of each, ours and floor alternating.

    Alternating (ours, floor, ours, floor, ...) spreads a burst of load from another
    process over both sides instead of one.  With `warmup`, one untimed call of each
    first.  Returns ``(t_ours, result_ours, t_floor, result_floor)``.
    """
    if warmup:
        ours()
        floor()
    best = [float("inf"), float("inf")]
    results: list[Any] = [None, None]
    for _ in range(repeat):
        for side, fn in enumerate((ours, floor)):
            results[side] = None  # free the previous result before the next call
            gc.collect()
            start = time.perf_counter()
            results[side] = fn()
            best[side] = min(best[side], time.perf_counter() - start)
    return best[0], results[0], best[1], results[1]


def format_rows(rows: Sequence[Row]) -> str:
    """The rows as a text table with the ratio and, from RATIO_FROM_N on, ok / MISS."""
    header = f"{'operation':<26} {'N':>12} {'ours (s)':>9} {'floor (s)':>9} {'ours/floor':>10}"
    lines = [header, "-" * len(header)]
    for name, n, t_ours, t_floor in rows:
        ratio = t_ours / t_floor
        status = ""
        if n >= RATIO_FROM_N:
            status = "  ok" if ratio <= RATIO_TARGET else "  MISS"
        lines.append(f"{name:<26} {n:>12,} {t_ours:>9.4f} {t_floor:>9.4f} {ratio:>10.2f}{status}")
    return "\n".join(lines)


def run_sizes(
    title: str,
    run_size: Callable[[int, int, int], list[Row]],
    sizes: Sequence[int],
    repeat: int | None,
    seed: int,
) -> None:
    """Print `title`'s target, then our time beside the floor's for every size.

    `repeat` None: best of 3 below 10^7 items, 1 at 10^7.
    """
    print(f"{title}: ours/floor target <= {RATIO_TARGET} at N >= {RATIO_FROM_N:,}")
    rows: list[Row] = []
    for n in sizes:
        k = repeat if repeat is not None else (1 if n >= 10_000_000 else 3)
        rows.extend(run_size(n, k, seed))
        gc.collect()
    print(format_rows(rows))
    sys.stdout.flush()


def main(
    description: str,
    run: Callable[[list[int], int | None, int], None],
    argv: list[str] | None = None,
) -> int:
    """The command line of a standalone benchmark module: --sizes, --repeat, --seed."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument(
        "--sizes",
        default=",".join(str(s) for s in DEFAULT_SIZES),
        help="comma-separated numbers of work items (default: %(default)s)",
    )
    parser.add_argument("--repeat", type=int, default=None, help="best of K runs")
    parser.add_argument("--seed", type=int, default=0, help="seed of the generator")
    args = parser.parse_args(argv)
    run([int(s.replace("_", "")) for s in args.sizes.split(",") if s], args.repeat, args.seed)
    return 0
