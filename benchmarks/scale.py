"""Flow summaries at scale: one process against Dask, on a generated event log.

Writes a seeded event log of N items (about 4.5 rows each, five workflow states, two
classes of service) as Parquet files split by time — so every item spans files — then

1. in one process: ``read_event_log`` of the whole log, ``flow_summary``, the Service
   Delivery Review (skipped above ``--single-max`` items: it holds the log in memory);
2. on Dask: ``customer_kanban.dask.summarize`` of the files (rows shuffled by item), on a
   ``LocalCluster`` started here or on the cluster at ``--scheduler``;

and asserts that both summaries are equal, printing the times and the summary's size
beside the log's. Sizes from 10^4 to 10^8 items; 10^6 fits a laptop, 10^8 needs a cluster
and shared storage (``--out`` on it).

    python benchmarks/scale.py --items 1000000 --files 16 --workers 2
    python benchmarks/scale.py --items 100000000 --files 400 \\
        --scheduler tcp://scheduler:8786 --out /shared/events --single-max 0
"""

from __future__ import annotations

import argparse
import contextlib
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np

STATES = ("Backlog", "Analysis", "Doing", "Review", "Done")
START = np.datetime64("2024-01-01T00:00", "ns")
AS_OF = "2025-01-01T00:00"
DAY_NS = 86_400 * 10**9


def policy():  # type: ignore[no-untyped-def]
    from customer_kanban.model import (
        ClassOfService,
        CostOfDelay,
        Policy,
        ServiceLevelExpectation,
        Urgency,
        Workflow,
    )

    return Policy(
        workflow=Workflow(states=STATES, commitment_point="Doing", delivery_point="Done"),
        classes_of_service=(
            ClassOfService(
                name="Expedite",
                urgency=Urgency.EXPEDITE,
                sle=ServiceLevelExpectation(days=2, probability=0.85),
            ),
            ClassOfService(
                name="Standard",
                urgency=Urgency.STANDARD,
                sle=ServiceLevelExpectation(days=10, probability=0.85),
                cost_of_delay=CostOfDelay(rate=40.0),
            ),
        ),
    )


def write_log(n_items: int, n_files: int, out: Path, seed: int, block: int = 2_000_000) -> int:
    """Write the log as `n_files` Parquet files, rows sorted by time within each block of
    items (files split by time: an item's rows land in several files). Returns rows.

    The blocks are written by a pool of processes (one per core), each block seeded from
    `seed` and its number, so the log is the same whatever the number of processes."""
    from concurrent.futures import ProcessPoolExecutor

    blocks = list(range(0, n_items, block))
    per_block = max(n_files // len(blocks), 1)
    jobs = [
        (b, first, min(block, n_items - first), per_block, out, seed)
        for b, first in enumerate(blocks)
    ]
    if len(jobs) == 1:
        return _write_block(*jobs[0])
    with ProcessPoolExecutor() as pool:
        return sum(pool.map(_write_block, *zip(*jobs, strict=True)))


def _write_block(b: int, first: int, n: int, per_block: int, out: Path, seed: int) -> int:
    """One block of items, as `per_block` Parquet files."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    rng = np.random.default_rng([seed, b])
    request = START + (rng.uniform(0, 380, n) * DAY_NS).astype("timedelta64[ns]")
    steps = rng.choice([1, 2, 3, 4, 5], n, p=[0.05, 0.05, 0.1, 0.1, 0.7])
    gaps = (rng.exponential(1.5, (n, len(STATES))) * DAY_NS).astype("timedelta64[ns]")
    gaps[:, 0] = np.timedelta64(0, "ns")
    at = (request[:, None] + np.cumsum(gaps, axis=1)).astype("datetime64[s]")
    item, state = np.nonzero(np.arange(len(STATES))[None, :] < steps[:, None])
    when = at[item, state].astype("datetime64[ns]")
    order = np.argsort(when, kind="stable")
    ids = (item + first)[order]
    names = pc.binary_join_element_wise("I-", pc.cast(pa.array(ids), pa.string()), "")
    table = pa.table(
        {
            "item": names,
            "state": pa.DictionaryArray.from_arrays(
                pa.array(state[order].astype(np.int32)), pa.array(STATES)
            ).cast(pa.string()),
            "at": pa.array(when[order]),
            "class_of_service": pc.if_else(
                pa.array(ids % 7 == 0), pa.scalar("Expedite"), pa.scalar("Standard")
            ),
        }
    )
    for k, part in enumerate(np.array_split(np.arange(len(table)), per_block)):
        pq.write_table(table.slice(part[0], part.size), out / f"events-{b:04d}-{k:04d}.parquet")
    return len(table)


def single_process(out: Path, pol):  # type: ignore[no-untyped-def]
    import pandas as pd

    from customer_kanban.io import read_event_log
    from customer_kanban.reviews import service_delivery_review
    from customer_kanban.summaries import flow_summary

    t0 = time.perf_counter()
    frame = pd.concat([pd.read_parquet(p) for p in sorted(out.glob("*.parquet"))])
    table = read_event_log(frame, workflow=pol.workflow, attributes=["class_of_service"]).table
    t1 = time.perf_counter()
    summary = flow_summary(table, pol, as_of=AS_OF)
    t2 = time.perf_counter()
    service_delivery_review(table, pol, as_of=AS_OF)
    t3 = time.perf_counter()
    print(f"one process: read {t1 - t0:.2f} s, summary {t2 - t1:.2f} s, review {t3 - t2:.2f} s")
    return summary


def on_dask(out: Path, pol, args):  # type: ignore[no-untyped-def]
    from distributed import Client, LocalCluster

    from customer_kanban.dask import summarize
    from customer_kanban.reviews import service_delivery_review

    if args.scheduler:
        client = Client(args.scheduler)
        cluster = None
    else:
        cluster = LocalCluster(n_workers=args.workers, threads_per_worker=1, dashboard_address=":0")
        client = Client(cluster)
    try:
        client.run(_reset_peak)
        t0 = time.perf_counter()
        summary = summarize(str(out / "*.parquet"), pol, as_of=AS_OF)
        t1 = time.perf_counter()
        review = service_delivery_review(summary, pol, as_of=AS_OF)
        t2 = time.perf_counter()
        peaks = client.run(_peak_bytes)
        workers = len(peaks)
        per_1e7 = (t1 - t0) * 1e7 / args.items
        print(
            f"dask ({workers} workers, {args.files} files): summary {t1 - t0:.2f} s "
            f"({per_1e7:.1f} s per 10^7 items), review from it {t2 - t1:.3f} s; peak memory per "
            f"worker: {', '.join(f'{b / 1e9:.2f} GB' for b in peaks.values())}"
        )
        total = review.row("all", "all")
        print(
            f"all work: {total.delivered:,} delivered, customer lead time p50/p85/p95 "
            f"{'/'.join(f'{v:.2f}' for v in total.customer_lead_time)} days, "
            f"attainment {total.attainment:.1%}"
        )
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    return summary


def _reset_peak() -> None:
    """Reset the worker process's peak resident memory (Linux: /proc/self/clear_refs)."""
    with contextlib.suppress(OSError):  # elsewhere the peak counts from the worker's start
        Path("/proc/self/clear_refs").write_text("5")


def _peak_bytes() -> int:
    """The worker process's peak resident memory (VmHWM), in bytes."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def same(a, b) -> None:  # type: ignore[no-untyped-def]
    from customer_kanban.summaries import FlowSummary

    for f in FlowSummary.__attrs_attrs__:
        x, y = getattr(a, f.name), getattr(b, f.name)
        if f.name in ("waiting_days", "blocked_days", "delay_cost"):
            np.testing.assert_allclose(x, y, rtol=1e-9)
        elif isinstance(x, np.ndarray):
            np.testing.assert_array_equal(x, y, err_msg=f.name)
        else:
            assert x == y, f.name


def summary_bytes(s) -> int:  # type: ignore[no-untyped-def]
    arrays = [getattr(s, f.name) for f in type(s).__attrs_attrs__]
    hists = [s.customer_lead, s.system_lead, s.customer_age, s.system_age, s.delivery_times]
    total = sum(a.nbytes for a in arrays if isinstance(a, np.ndarray))
    return total + sum(h.group.nbytes + h.bin.nbytes + h.count.nbytes for h in hists)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=1_000_000)
    parser.add_argument("--files", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2, help="of the LocalCluster")
    parser.add_argument("--scheduler", help="address of a running Dask scheduler")
    parser.add_argument("--out", help="folder for the log (default: a temporary one)")
    parser.add_argument("--single-max", type=int, default=10_000_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    out = Path(args.out) if args.out else Path(tempfile.mkdtemp(prefix="ck-scale-"))
    out.mkdir(parents=True, exist_ok=True)
    pol = policy()
    try:
        t0 = time.perf_counter()
        rows = write_log(args.items, args.files, out, args.seed)
        size = sum(p.stat().st_size for p in out.glob("*.parquet"))
        print(
            f"{args.items:,} items, {rows:,} rows written in {time.perf_counter() - t0:.1f} s "
            f"as {args.files} Parquet files, {size / 1e9:.2f} GB"
        )
        distributed_summary = on_dask(out, pol, args)
        print(
            f"summary: {summary_bytes(distributed_summary) / 1e6:.2f} MB for {args.items:,} items"
        )
        if args.items <= args.single_max:
            same(single_process(out, pol), distributed_summary)
            print("the Dask summary equals the single-process one")
    finally:
        if not args.out:
            shutil.rmtree(out)


if __name__ == "__main__":
    main()
