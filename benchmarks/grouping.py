"""Lead-time percentiles by a string label, beside duckdb, polars and pyarrow.

    python benchmarks/grouping.py [--sizes 1000000,10000000] [--repeat K] [--seed S]

For each size N: N seeded work items (arrivals uniform over two years from 2023-01-01, a
lognormal lead time with a median of 8 days, 15% unfinished: no delivery) of four classes
of service, Expedite / Fixed date / Standard / Intangible with shares 5/15/60/20%, as a
``WorkItemTable`` (integer ids; built untimed).  The lead times (float64 days, NaN while
unfinished: ``metrics.lead_time`` of the table's request and delivery instants) and the
class labels are then given, already in memory, to each contender, which computes the
50th, 85th and 95th percentiles (linear interpolation, as ``np.percentile``) of the lead
times of the finished items of each class:

* ours, ``metrics.percentiles(lead, [50, 85, 95], by=...)`` with ``by`` the table's field
  ``table["class_of_service"]`` (labels that keep the table's codes), the pair
  ``table.codes("class_of_service")``, a numpy ``<U10`` array of the labels, an object
  array of ``str``, and a polars ``String`` column (Arrow text);
* duckdb: ``SELECT cos, quantile_cont(lead, [0.5, 0.85, 0.95]) ... GROUP BY cos`` on a
  registered Arrow table (the unfinished items' lead times are nulls);
* polars: ``drop_nulls("lead").group_by("cos").agg(quantile(q, "linear") for each q)`` on
  a ``String`` column, and (a reference line) on a ``Categorical`` column, polars' own
  codes kept (dropping the nulls first: on groups holding nulls polars' quantile takes
  four times as long);
* pyarrow: ``group_by("cos").aggregate([("lead", "list")])`` (a hash aggregation), then
  ``pc.quantile`` of each list (faster than one ``pc.filter`` per label of the
  dictionary-encoded labels);
* the floor, plain numpy on the table's codes: per class one mask and ``np.percentile``.

Each time is the best of K (``gc.collect()`` before every call, one untimed warm-up call
below 10^7 items); every result is asserted equal to the floor's (``rtol=1e-12``).  The
peers run multi-threaded (``cores`` = process CPU time / wall time); numpy uses one core.
Printed: each time, its ratio to the fastest peer on the string column (duckdb, polars
or pyarrow; target <= 1.5 for ours) and to the floor.  ``run(sizes, repeat, seed)`` is
the entry point for ``run.py --only grouping``.
"""

from __future__ import annotations

import gc
import importlib.util
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

import _timing  # noqa: E402
from _floors import percentiles_by  # noqa: E402
from customer_kanban import metrics  # noqa: E402
from customer_kanban.table import WorkItemTable  # noqa: E402

CLASSES = np.array(["Expedite", "Fixed date", "Standard", "Intangible"])
SHARES = [0.05, 0.15, 0.60, 0.20]
Q = np.array([50.0, 85.0, 95.0])
TARGET = 1.5  # ours / fastest peer
PEERS = ("duckdb", "polars", "pyarrow")
START = np.datetime64("2023-01-01T00:00:00", "ns")
NS_PER_DAY = 86_400 * 10**9

Array = npt.NDArray[Any]


def make_table(n: int, seed: int) -> WorkItemTable:
    """N seeded items with a class of service; 15% unfinished (no commitment or delivery)."""
    rng = np.random.default_rng(seed)
    requested = START + (rng.random(n) * 730 * NS_PER_DAY).astype("timedelta64[ns]")
    wait = (rng.lognormal(np.log(2.0), 0.9, n) * NS_PER_DAY).astype("timedelta64[ns]")
    lead = (rng.lognormal(np.log(8.0), 0.9, n) * NS_PER_DAY).astype("timedelta64[ns]")
    finished = rng.random(n) >= 0.15
    committed = np.where(finished, requested + np.minimum(wait, lead), np.datetime64("NaT"))
    return WorkItemTable.from_columns(
        {
            "id": np.arange(n),
            "requested_at": requested,
            "committed_at": committed,
            "delivered_at": np.where(finished, requested + lead, np.datetime64("NaT")),
            "class_of_service": CLASSES.astype(object)[rng.choice(4, n, p=SHARES)],
        }
    )


def _same(got: Array, floor: Array, name: str) -> None:
    np.testing.assert_allclose(got, floor, rtol=1e-12, err_msg=name)


def _sorted_rows(labels: list[str], values: Array) -> Array:
    """Rows of `values` (one per label) in the order of CLASSES."""
    order = [labels.index(c) for c in CLASSES.tolist()]
    return np.asarray(values, dtype=np.float64)[order]


def contenders(table: WorkItemTable) -> tuple[dict[str, Callable[[], Array]], Array]:
    """Each contender's call (its result: a (4, 3) array in the order of CLASSES), and the
    floor's result."""
    lead = metrics.lead_time(table["requested_at"], table["delivered_at"])
    codes, labels = table.codes("class_of_service")
    order = np.searchsorted(labels.astype(str), CLASSES)  # table labels are sorted
    text = labels.astype(str)[codes]  # <U10, one label per item
    objects = labels[codes]
    calls: dict[str, Callable[[], Array]] = {}

    def ours(by: Callable[[], Any]) -> Callable[[], Array]:
        return lambda: metrics.percentiles(lead, Q, by=by()).values[order]

    calls['ours, by=table["class_of_service"]'] = ours(lambda: table["class_of_service"])
    calls['ours, by=table.codes("class_of_service")'] = ours(
        lambda: table.codes("class_of_service")
    )
    calls["ours, by=<U10 numpy array"] = ours(lambda: text)
    calls["ours, by=object array of str"] = ours(lambda: objects)
    calls["floor: numpy on the codes"] = lambda: percentiles_by(lead, Q, codes, labels.size)[order]
    if all(importlib.util.find_spec(p) for p in ("pyarrow", *PEERS)):
        calls.update(_peers(lead, text, ours))
    floor = calls["floor: numpy on the codes"]()
    return calls, floor


def _peers(
    lead: Array, text: Array, ours: Callable[[Callable[[], Any]], Callable[[], Array]]
) -> dict[str, Callable[[], Array]]:
    import duckdb
    import polars as pl
    import pyarrow as pa
    import pyarrow.compute as pc

    arrow = pa.table({"cos": pa.array(text), "lead": pa.array(lead, from_pandas=True)})
    frame = pl.from_arrow(arrow)
    assert isinstance(frame, pl.DataFrame)
    coded = frame.with_columns(pl.col("cos").cast(pl.Categorical))
    connection = duckdb.connect()
    connection.register("items", arrow)
    sql = (
        "SELECT cos, quantile_cont(lead, [0.5, 0.85, 0.95]) FROM items "
        "WHERE lead IS NOT NULL GROUP BY cos"
    )

    def with_duckdb() -> Array:
        rows = connection.execute(sql).fetchall()
        return _sorted_rows([r[0] for r in rows], [r[1] for r in rows])

    def with_polars(data: Any) -> Callable[[], Array]:
        def call() -> Array:
            # Nulls dropped first: quantile on groups holding nulls takes 4x as long.
            out = (
                data.drop_nulls("lead")
                .group_by("cos")
                .agg([pl.col("lead").quantile(q / 100, "linear").alias(str(q)) for q in Q])
            )
            labels = out["cos"].cast(pl.String).to_list()
            return _sorted_rows(labels, out.select(pl.exclude("cos")).to_numpy())

        return call

    def with_pyarrow() -> Array:
        # The lead times of each label as a list (a hash aggregation), then their quantiles:
        # faster than one filter per label of the dictionary-encoded labels.
        lists = arrow.group_by("cos").aggregate([("lead", "list")])
        rows = [
            pc.quantile(values.values, q=Q / 100).to_numpy()
            for values in lists["lead_list"].combine_chunks()
        ]
        return _sorted_rows(lists["cos"].to_pylist(), rows)

    return {
        "ours, by=polars String column": ours(lambda: frame["cos"]),
        "duckdb": with_duckdb,
        "polars": with_polars(frame),
        "pyarrow": with_pyarrow,
        "polars, Categorical column (reference)": with_polars(coded),
    }


def best_of(fn: Callable[[], Array], repeat: int, warmup: bool) -> tuple[float, float, Array]:
    """Best wall time of `repeat` calls, the cores it used (CPU time / wall), the result."""
    if warmup:
        fn()
    best, cores, result = float("inf"), 0.0, None
    for _ in range(repeat):
        result = None
        gc.collect()
        wall, cpu = time.perf_counter(), time.process_time()
        result = fn()
        elapsed = time.perf_counter() - wall
        if elapsed < best:
            best, cores = elapsed, (time.process_time() - cpu) / max(elapsed, 1e-9)
    assert result is not None
    return best, cores, result


def run_size(n: int, repeat: int, seed: int) -> list[tuple[str, float, float]]:
    """(contender, seconds, cores) of every contender on N items, results checked."""
    table = make_table(n, seed)
    calls, floor = contenders(table)
    rows = []
    for name, fn in calls.items():
        print(f"[{time.strftime('%H:%M:%S')}] N={n:,}: {name}", file=sys.stderr, flush=True)
        seconds, cores, result = best_of(fn, repeat, warmup=n < 10_000_000)
        _same(result, floor, name)
        rows.append((name, seconds, cores))
    return rows


def format_rows(n: int, rows: list[tuple[str, float, float]]) -> str:
    times = {name: t for name, t, _ in rows}
    fastest = min((times[p] for p in PEERS if p in times), default=float("nan"))
    floor = times["floor: numpy on the codes"]
    header = (
        f"{'N = ' + format(n, ','):<42} {'time (s)':>9} {'/ peer':>7} {'/ floor':>8} {'cores':>6}"
    )
    lines = [header, "-" * len(header)]
    for name, t, cores in rows:
        status = ""
        if name.startswith("ours") and fastest == fastest:
            status = "  ok" if t / fastest <= TARGET else "  MISS"
        lines.append(
            f"{name:<42} {t:>9.4f} {t / fastest:>7.2f} {t / floor:>8.2f} {cores:>6.1f}{status}"
        )
    return "\n".join(lines)


def run(sizes: list[int], repeat: int | None, seed: int) -> None:
    print(
        "Lead-time percentiles (50/85/95) by a string label (4 classes of service): "
        f"ours / fastest peer (duckdb, polars, pyarrow on a string column) target <= {TARGET}"
    )
    for n in sizes:
        k = repeat if repeat is not None else (3 if n >= 10_000_000 else 5)
        print(format_rows(n, run_size(n, k, seed)))
        print()
        sys.stdout.flush()
        gc.collect()


if __name__ == "__main__":
    sys.exit(
        _timing.main(
            __doc__.split("\n")[0],
            lambda sizes, repeat, seed: run(sizes, repeat, seed),
            sys.argv[1:],
        )
    )
