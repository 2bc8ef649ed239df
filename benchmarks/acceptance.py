"""Benchmark of evaluate_acceptance against a plain-numpy floor doing the same masks.

    python benchmarks/acceptance.py [--sizes 100000,1000000] [--repeat 5] [--seed 0]

A seeded table of N requests (ids, request and due instants, a segment, an
``address`` attribute with blanks, a numeric ``size`` with NaN) and five rules, one
of each kind.  Ours: ``evaluate_acceptance(table, rules)``.  The floor takes the
same, already extracted arrays (codes, labels, values) and computes, with no
validation and no result object, the five cause columns, the long table of failures
ordered by item then rule, ``passed`` and the per-rule counts.  Both are asserted
equal on every size.  Best of K wall times, ``gc.collect()`` before each call.
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

HERE = Path(__file__).resolve().parent
try:
    import customer_kanban  # noqa: F401  (installed: use it)
except ImportError:  # a source checkout: use src/
    sys.path.insert(0, str(HERE.parent / "src"))

from customer_kanban.model._acceptance import AcceptanceRule  # noqa: E402
from customer_kanban.policy import evaluate_acceptance, register_predicate  # noqa: E402
from customer_kanban.table import WorkItemTable  # noqa: E402

NS_PER_DAY = 86_400 * 10**9
SEGMENTS = np.array(["premium", "potential", "dilemma", "other"])


def small_or_premium(table: WorkItemTable) -> Any:
    codes, labels = table.codes("segment")
    premium = np.append(labels == "premium", False)[codes]
    return (table["size"] < 5) | premium


RULES = [
    AcceptanceRule(name="address", kind="required", field="address"),
    AcceptanceRule(name="segment", kind="one_of", field="segment", values=["premium", "potential"]),
    AcceptanceRule(name="size", kind="range", field="size", minimum=1, maximum=8),
    AcceptanceRule(name="lead", kind="lead_days", field="due_at", days=3, allow_missing=True),
    AcceptanceRule(name="small or premium", kind="predicate", predicate="small_or_premium"),
]


def make_table(n: int, seed: int) -> WorkItemTable:
    rng = np.random.default_rng(seed)
    start = np.datetime64("2023-01-01", "ns").astype(np.int64)
    requested = start + rng.integers(0, 730 * NS_PER_DAY, n)
    due = requested + rng.integers(0, 20 * NS_PER_DAY, n)
    due_at = due.astype("datetime64[ns]")
    due_at[rng.random(n) < 0.5] = np.datetime64("NaT")
    address = np.where(rng.random(n) < 0.05, "", "Via Roma 1")
    address[rng.random(n) < 0.01] = "  "
    size = rng.gamma(2.0, 2.0, n)
    size[rng.random(n) < 0.03] = np.nan
    segment = SEGMENTS[rng.integers(0, 4, n)]
    segment[rng.random(n) < 0.02] = ""
    return WorkItemTable.from_columns(
        {
            "id": np.arange(n),
            "requested_at": requested.astype("datetime64[ns]"),
            "due_at": due_at,
            "segment": segment,
            "address": address,
            "size": size,
        }
    )


def floor(
    a_codes: Any, a_labels: Any, s_codes: Any, s_labels: Any, size: Any, req: Any, due: Any
) -> tuple[Any, ...]:
    """The five rules' causes, failures by (item, rule), passed and counts in plain numpy."""
    n = a_codes.size

    def code(fail: Any, missing: Any) -> Any:  # 3 where failing, 2 where also missing
        return fail.view(np.int8) * np.int8(3) - (fail & missing).view(np.int8)

    a_missing = np.append(np.char.strip(a_labels.astype(str)) == "", True)[a_codes]
    s_missing = np.append(np.char.strip(s_labels.astype(str)) == "", True)[s_codes]
    s_ok = np.append(np.isin(s_labels, ["premium", "potential"]), False)[s_codes]
    size_missing = np.isnan(size)
    lead_ok = (due - req) >= np.timedelta64(3 * NS_PER_DAY, "ns")
    premium = np.append(s_labels == "premium", False)[s_codes]
    none = np.zeros(n, bool)
    columns = (
        code(a_missing, a_missing),
        code(~s_ok | s_missing, s_missing),
        code(~((size >= 1) & (size <= 8)), size_missing),
        code(~(lead_ok | np.isnat(due)), none),
        code(~((size < 5) | premium), none),
    )
    causes = np.column_stack(columns)
    flat = np.flatnonzero(causes != 0)
    item, rule = np.divmod(flat, 5)
    passed = np.ones(n, bool)
    passed[item] = False
    counts = np.array([np.count_nonzero(c) for c in columns])
    return item, rule, causes.reshape(-1)[flat], passed, counts


def best(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    fn()  # warm-up
    times = []
    out = None
    for _ in range(repeat):
        gc.collect()
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return min(times), out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    run([int(s) for s in args.sizes.split(",")], args.repeat, args.seed)


def run(sizes: list[int], repeat: int | None, seed: int) -> None:
    """Acceptance rows at each size (also called by ``run.py --only policies``)."""
    register_predicate("small_or_premium", small_or_premium, replace=True)
    print("| items | rules | ours [ms] | floor [ms] | ours/floor | failures |")
    print("|---:|---:|---:|---:|---:|---:|")
    for n in sizes:
        print(f"building a table of {n} items ...", file=sys.stderr)
        table = make_table(n, seed)
        arrays = (
            *table.codes("address"),
            *table.codes("segment"),
            table["size"],
            table["requested_at"],
            table["due_at"],
        )
        k = repeat or (5 if n < 10_000_000 else 1)
        ours_t, ours = best(lambda t=table: evaluate_acceptance(t, RULES), k)
        floor_t, ref = best(lambda a=arrays: floor(*a), k)
        item, rule, cause, passed, counts = ref
        f = ours.failures
        np.testing.assert_array_equal(f.item, item)
        np.testing.assert_array_equal(f.rule, rule)
        np.testing.assert_array_equal(f.cause, cause)
        np.testing.assert_array_equal(ours.passed, passed)
        np.testing.assert_array_equal(ours.fail_counts, counts)
        print(
            f"| {n:,} | {len(RULES)} | {ours_t * 1e3:.1f} | {floor_t * 1e3:.1f} "
            f"| {ours_t / floor_t:.2f} | {len(f):,} |"
        )


if __name__ == "__main__":
    main()
