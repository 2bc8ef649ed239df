"""Ingest beside the tools a data scientist already has open: duckdb, polars, pyarrow + numpy.

    python benchmarks/peers.py [--sizes 1000000,10000000] [--repeat 3] [--only NAMES]

For each size N (work items of the seeded synthetic event log, about 5.7 rows per item), the
log is written once as CSV (cached in ``benchmarks/.data``), then every contender does the
same work, each in **its own process** so that its peak RSS is its own:

* ``csv``: CSV file -> per item: id, request (first event), commitment and delivery (first
  entry into the commitment / delivery point or a later state), and the first entry into
  every state;
* ``columns``: the same from in-memory columns (numpy arrays, built before timing).

Contenders: ``ours-arrow`` (``read_event_log(engine="arrow")``), ``ours-numpy`` (the
pure numpy reader, ``engine="numpy"``), ``duckdb``, ``polars``, ``pyarrow`` (its CSV reader
and numpy for the rest).  Every answer is checked against ours (request, commitment and
delivery per item).  Printed: best wall time, peak RSS of the process, cores used (process
CPU time / wall time) and the ratio to the fastest peer.  Results go to stdout.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
SRC = HERE.parent / "src"
DATA = HERE / ".data"
sys.path.insert(0, str(HERE))
try:
    import customer_kanban  # noqa: F401  (installed: use it)
except ImportError:  # a source checkout: use src/
    sys.path.insert(0, str(SRC))

from _generate import STATES, generate_event_log, make_workflow  # noqa: E402
from peers_metrics import peak_rss  # noqa: E402

COMMIT, DELIVER = STATES.index("Analysis"), STATES.index("Done")
CONTENDERS = ("ours-arrow", "ours-numpy", "ours", "floor", "duckdb", "polars", "pyarrow")
#: Who runs in each mode: the two engines read CSV; columns go through one path, beside the
#: plain-numpy floor doing the same work on the same arrays.
MODES = {
    "csv": ("ours-arrow", "ours-numpy", "duckdb", "polars", "pyarrow"),
    "columns": ("ours", "floor", "duckdb", "polars", "pyarrow"),
}
PEERS = ("duckdb", "polars", "pyarrow")
NAT = np.iinfo(np.int64).min
I64_MAX = np.iinfo(np.int64).max


# ---------------------------------------------------------------------- data


def csv_path(n: int, seed: int = 0) -> Path:
    """The seeded log of `n` items as CSV (written once with pyarrow)."""
    path = DATA / f"log_{n}_{seed}.csv"
    if not path.exists():
        import pyarrow as pa
        import pyarrow.csv as pc

        DATA.mkdir(exist_ok=True)
        log, _ = generate_event_log(n, seed=seed)
        table = pa.table(
            {k: (v.astype("datetime64[s]") if v.dtype.kind == "M" else v) for k, v in log.items()}
        )
        tmp = path.with_suffix(".tmp")
        pc.write_csv(table, tmp, write_options=pc.WriteOptions(quoting_style="none"))
        tmp.rename(path)
    return path


def columns(n: int, seed: int = 0) -> dict[str, np.ndarray]:
    """The seeded log of `n` items as in-memory columns (item, state, at; cached as .npy)."""
    names = ("item", "state", "at")
    paths = {k: DATA / f"log_{n}_{seed}.{k}.npy" for k in names}
    if not all(p.exists() for p in paths.values()):
        DATA.mkdir(exist_ok=True)
        log, _ = generate_event_log(n, seed=seed)
        for k in names:
            np.save(paths[k], log[k])
    return {k: np.load(paths[k]) for k in names}


# ---------------------------------------------------------------------- the work


def _reduce(item: np.ndarray, state: np.ndarray, at: np.ndarray) -> dict[str, np.ndarray]:
    """numpy: first entry per (item, state) and the three instants per item."""
    ids, codes = np.unique(item, return_inverse=True)
    n, s = ids.size, len(STATES)
    first = np.full(n * s, I64_MAX, np.int64)
    np.minimum.at(first, codes * s + state, at)
    first = first.reshape(n, s)
    back = np.minimum.accumulate(first[:, ::-1], axis=1)[:, ::-1]  # entry into s or later
    requested = first.min(axis=1)
    out = {"id": ids, "requested": requested, "committed": back[:, COMMIT],
           "delivered": back[:, DELIVER]}  # fmt: skip
    for key in ("requested", "committed", "delivered"):
        out[key][out[key] == I64_MAX] = NAT  # never entered
    return out


def run_pyarrow(source: Any) -> dict[str, np.ndarray]:
    import pyarrow as pa
    import pyarrow.compute as pcm
    import pyarrow.csv as pc

    if isinstance(source, dict):
        table = pa.table(source)
    else:
        table = pc.read_csv(
            source,
            convert_options=pc.ConvertOptions(
                column_types={
                    "at": pa.timestamp("s"),
                    "state": pa.dictionary(pa.int32(), pa.string()),
                }
            ),
        )
    state = table["state"].combine_chunks()
    if not pa.types.is_dictionary(state.type):
        state = pcm.dictionary_encode(state)
    lookup = np.array([STATES.index(s) for s in state.dictionary.to_pylist()], np.int64)
    codes = lookup[state.indices.to_numpy(zero_copy_only=False)]
    at = table["at"].cast(pa.timestamp("ns")).to_numpy().view(np.int64)
    return _reduce(table["item"].to_numpy(), codes, at)


def run_polars(source: Any) -> dict[str, np.ndarray]:
    import polars as pl

    frame = (
        pl.DataFrame(source)
        if isinstance(source, dict)
        else pl.read_csv(source, try_parse_dates=True)
    )
    rank = pl.DataFrame({"state": list(STATES), "rank": list(range(len(STATES)))})
    first = (
        frame.lazy()
        .with_columns(pl.col("at").cast(pl.Datetime("ns")))
        .join(rank.lazy(), on="state")
        .group_by("item", "rank")
        .agg(pl.col("at").min())
    )
    out = (
        first.group_by("item")
        .agg(
            pl.col("at").min().alias("requested"),
            pl.col("at").filter(pl.col("rank") >= COMMIT).min().alias("committed"),
            pl.col("at").filter(pl.col("rank") >= DELIVER).min().alias("delivered"),
        )
        .sort("item")
        .collect()
    )
    return _frame(out)


def run_duckdb(source: Any) -> dict[str, np.ndarray]:
    import duckdb

    con = duckdb.connect()
    if isinstance(source, dict):
        import pyarrow as pa

        con.register("log", pa.table(source))
        rel = "log"
    else:
        rel = f"read_csv('{source}', timestampformat='%Y-%m-%d %H:%M:%S')"
    values = ", ".join(f"('{s}', {k})" for k, s in enumerate(STATES))
    query = f"""
        WITH ranks(state, r) AS (VALUES {values}),
        firsts AS (
            SELECT item, r, min("at") AS t FROM {rel} JOIN ranks USING (state) GROUP BY item, r
        )
        SELECT item,
               min(t) AS requested,
               min(t) FILTER (WHERE r >= {COMMIT}) AS committed,
               min(t) FILTER (WHERE r >= {DELIVER}) AS delivered
        FROM firsts GROUP BY item ORDER BY item
    """
    return _frame(con.sql(query).pl())


def _frame(frame: Any) -> dict[str, np.ndarray]:
    out = {"id": frame["item"].to_numpy()}
    for name in ("requested", "committed", "delivered"):
        col = frame[name].cast(__import__("polars").Datetime("ns")).to_numpy()
        out[name] = col.astype("datetime64[ns]").view(np.int64)
    return out


def run_ours(source: Any, engine: str) -> dict[str, np.ndarray]:
    import warnings

    from customer_kanban.io import read_event_log

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        table = read_event_log(source, workflow=make_workflow(), engine=engine).table
    ids = table["id"]
    return {
        "id": ids.astype(np.int64) if ids.dtype.kind != "i" else ids,
        "requested": table["requested_at"].view(np.int64),
        "committed": table["committed_at"].view(np.int64),
        "delivered": table["delivered_at"].view(np.int64),
    }


def run_floor(source: Any) -> dict[str, np.ndarray]:
    """Plain numpy on the in-memory columns: the states coded by a lookup, then the same work."""
    labels, codes = np.unique(source["state"], return_inverse=True)
    lookup = np.array([STATES.index(str(s)) for s in labels], np.int64)
    at = np.asarray(source["at"]).astype("datetime64[ns]").view(np.int64)
    return _reduce(np.asarray(source["item"]), lookup[codes], at)


RUNNERS = {
    "ours-arrow": lambda s: run_ours(s, "arrow"),
    "ours-numpy": lambda s: run_ours(s, "numpy"),
    "ours": lambda s: run_ours(s, "auto"),
    "floor": run_floor,
    "duckdb": run_duckdb,
    "polars": run_polars,
    "pyarrow": run_pyarrow,
}


# ---------------------------------------------------------------------- one process


def one(contender: str, mode: str, n: int, repeat: int) -> None:
    """Run in a child: time `contender`, print a JSON line (time, rss, cpu, digest)."""
    source: Any = str(csv_path(n))
    if mode == "columns":
        source = columns(n)
    best, cpu_share, out = float("inf"), 0.0, None
    for _ in range(repeat):
        out = None
        c0, t0 = time.process_time(), time.perf_counter()
        out = RUNNERS[contender](source)
        wall = time.perf_counter() - t0
        if wall < best:
            best, cpu_share = wall, (time.process_time() - c0) / wall
    assert out is not None
    order = np.argsort(out["id"], kind="stable")
    digest = [int(np.sum(out[k][order].astype(np.float64) % 1e6)) for k in ("requested",)]
    check = {k: _digest(out[k][order]) for k in ("requested", "committed", "delivered")}
    rss = peak_rss()  # VmHWM: ru_maxrss would keep the parent's size at fork
    print(json.dumps({"time": best, "rss": rss, "cores": cpu_share, "check": check,
                      "items": int(out["id"].size), "digest": digest}))  # fmt: skip


def _digest(values: np.ndarray) -> str:
    v = np.where(values == NAT, -1, values // 10**9)  # seconds, NaT as -1
    return f"{int(v.size)}:{int(np.sum(v % 1_000_003))}:{int(np.count_nonzero(v < 0))}"


def _child(contender: str, mode: str, n: int, repeat: int) -> dict[str, Any]:
    env = {**os.environ, "PYTHONPATH": f"{SRC}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    cmd = [sys.executable, __file__, "--one", contender, "--mode", mode, "--n", str(n),
           "--repeat", str(repeat)]  # fmt: skip
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    if done.returncode:
        return {"error": done.stderr.strip().splitlines()[-1] if done.stderr else "failed"}
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--sizes", default="1000000,10000000")
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--only", default=",".join(CONTENDERS))
    p.add_argument("--modes", default="csv,columns")
    p.add_argument("--one")
    p.add_argument("--mode", default="csv")
    p.add_argument("--n", type=int)
    a = p.parse_args()
    if a.one:
        one(a.one, a.mode, a.n, a.repeat)
        return
    chosen = [c for c in a.only.split(",") if c]
    for n in (int(s) for s in a.sizes.split(",")):
        path = csv_path(n)
        repeat = a.repeat if n < 10_000_000 else 1
        for mode in a.modes.split(","):
            print(f"\n### {mode}: N = {n:,} items ({path.stat().st_size / 1e6:,.0f} MB of CSV), "
                  f"best of {repeat}, each in its own process\n")  # fmt: skip
            rows = {c: _child(c, mode, n, repeat) for c in chosen if c in MODES[mode]}
            _report(rows)


def _report(rows: dict[str, dict[str, Any]]) -> None:
    peers = [rows[p] for p in PEERS if p in rows and "time" in rows[p]]
    fastest = min((r["time"] for r in peers), default=float("nan"))
    least = min((r["rss"] for r in peers), default=float("nan"))
    ours = [rows[c] for c in ("ours-numpy", "ours", "ours-arrow") if "check" in rows.get(c, {})]
    reference = ours[0]["check"] if ours else None
    # The floor: plain numpy on the columns; for CSV, pyarrow's reader and numpy.
    floor = rows.get("floor", rows.get("pyarrow", {})).get("time", float("nan"))
    print("| contender | time (s) | peak RSS (MB) | cores | time / fastest peer | "
          "RSS / least peer | time / floor | same answer |")  # fmt: skip
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for name, r in rows.items():
        if "time" not in r:
            print(f"| {name} | error: {r.get('error')} | | | | | | |")
            continue
        same = "yes" if reference is None or r["check"] == reference else "NO"
        print(f"| {name} | {r['time']:.3f} | {r['rss'] / 1e6:,.0f} | {r['cores']:.2f} | "
              f"{r['time'] / fastest:.2f} | {r['rss'] / least:.2f} | {r['time'] / floor:.2f} | "
              f"{same} |")  # fmt: skip


if __name__ == "__main__":
    main()
