"""Every metric of the review and the forecast beside duckdb, polars, pyarrow and pandas.

    python benchmarks/peers_metrics.py [--sizes 1000000,10000000] [--repeat 3] [--only OPS]

The data: the seeded synthetic event log of ``_generate.py`` (N items, about 5.7 rows per
item) read **once** by our own ``read_event_log``; the table's per-item columns and its
transitions are cached as ``.npy`` under ``benchmarks/.data/`` (``items_<N>_<seed>.*.npy``).
Every contender loads the same arrays and converts them to its native form **before
timing**: a ``WorkItemTable`` for ours (public metric functions, as a user calls them), a
polars ``DataFrame``, a duckdb connection with the Arrow table registered, a pyarrow
``Table``, a pandas ``DataFrame``.  Per item: ``requested``, ``committed``, ``delivered``
(``datetime64[ns]``, null = not yet), the class of service as text (``cos``) and as integer
codes (``code``, in the order of the sorted labels), ``customer`` (codes), and the columns
derived before timing for the grouped operations: ``lead`` (customer lead time in days,
null while undelivered) and ``sle`` (the SLE days of the item's class).  Transitions:
``item`` (position), ``state`` (code), ``at``.

Operations (identical work for every contender; each answer is made in the contender's own
result form inside the timing, turned into numpy after it, and checked against ours):

* ``lead_time``: ``delivered - requested`` in float days for every item (null while open).
* ``age``: ``as_of - committed`` in days for the items committed by ``as_of`` and not
  delivered by then (null elsewhere), ``as_of = 2024-10-01``.
* ``wip``: items in progress (committed at or before t, not delivered at or before t) at
  every midnight t from the first commitment day to the day after the last delivery.  Ours:
  ``metrics.wip(committed, delivered, at)``; the peers bin each commitment / delivery to the
  first midnight at or after it (``ceil``), count per day and take the running sum of
  starts minus ends over the dense days.
* ``throughput``: deliveries per UTC day from the first to the last delivery day, days
  without deliveries included.  Ours: ``metrics.throughput(delivered, freq="D")``.
* ``cfd``: from the transitions, the first entry of each item into each state, back-filled
  (entry into a state or a later one: running minimum over the states in reverse order),
  then the cumulative count per day and state from the first arrival day to the last entry
  day.  Ours: ``table.first_entries()`` then ``metrics.cumulative_flow(entered, freq="D")``,
  both timed.  (The peers back-fill over the entries an item has: on this data every item
  enters each state up to its furthest one, which the answer check confirms.)
* ``time_in_state``: total days per item per state: each transition lasts to the item's
  next transition (ties ordered by state) or to its delivery; only delivered items.  Ours:
  ``metrics.time_in_state(item, state, at, delivered, n_states=6)``; peers: a ``lead``
  window over (item, at, state) and a sum per (item, state), in long form.
* ``percentiles_label`` / ``percentiles_codes``: the 50th, 85th and 95th percentiles
  (linear interpolation, as ``np.percentile``) of ``lead`` per class, grouped by the text
  column / by the integer codes; null lead times dropped.  Ours:
  ``metrics.percentiles(lead, q, by=table["class_of_service"])`` / ``by=table.codes(...)``.
* ``sle_attainment``: per class, the share of delivered items with ``lead <= sle``.
  Ours: ``metrics.sle_attainment(lead, sle, by=table.codes("class_of_service"))``.
* ``kaplan_meier``: survival of the customer lead time, the requests open at ``as_of``
  censored there; ours ``metrics.kaplan_meier`` beside lifelines ``KaplanMeierFitter`` and
  the plain-numpy floor (sort and cumulative counts).  duckdb, polars, pyarrow, pandas: n/a.
* ``forecast_when`` / ``forecast_how_many``: 10^5 Monte Carlo trials on the last 60 days
  of daily throughput (before ``as_of``): days to deliver a year of items / items delivered
  in 90 days; beside a plain-numpy implementation drawing every trial at once
  (``Generator.choice`` of the history, ``cumsum``); checked statistically (the 50/85/95th
  percentiles within 2%).  Peers: n/a.  These do not depend on N.
* ``review``: ``reviews.service_delivery_review(table, policy, as_of=...)`` beside the
  plain-numpy floor ``_floors.review`` (the same numbers, checked as ``run.py`` does) and,
  as the peers' figure, the **sum of the fastest peer's times** of its parts measured above
  (lead time, age, WIP, throughput, percentiles by label, SLE attainment), which computes
  less than the review does (no as-of view, no system lead time, trend, costs or ids).

Each (contender, operation, N) runs in its own process (fresh peak RSS, which includes the
loaded arrays and the native copy of the input).  Printed: best wall time of ``--repeat``
calls at every size, the first call's wall time (in a fresh process: it pays for every
page of memory the process touches for the first time), peak RSS, cores used (process CPU
time / wall time of the best call), the ratio of the best time to the fastest
peer (duckdb, polars, pyarrow, pandas; lifelines for Kaplan-Meier; the numpy floor for the
forecasts) and whether the answer agrees with ours; then the geometric mean of the ratios
per contender.  Targets for ours: geometric mean <= 1.0, every ratio <= 1.5.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
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

from _generate import SLE_DAYS, STATES, generate_event_log  # noqa: E402

AS_OF = np.datetime64("2024-10-01T00:00:00", "ns")
Q = [50.0, 85.0, 95.0]
DAY = 86_400 * 10**9
N_STATES = len(STATES)
TRIALS, HISTORY_DAYS, HOW_MANY_DAYS = 100_000, 60, 90
PEERS = ("duckdb", "polars", "pyarrow", "pandas")
OPERATIONS: dict[str, tuple[str, ...]] = {
    "lead_time": ("ours", *PEERS),
    "age": ("ours", *PEERS),
    "wip": ("ours", *PEERS),
    "throughput": ("ours", *PEERS),
    "cfd": ("ours", *PEERS),
    "time_in_state": ("ours", *PEERS),
    "percentiles_label": ("ours", *PEERS),
    "percentiles_codes": ("ours", *PEERS),
    "sle_attainment": ("ours", *PEERS),
    "kaplan_meier": ("ours", "floor", "lifelines"),
    "forecast_when": ("ours", "floor"),
    "forecast_how_many": ("ours", "floor"),
    "review": ("ours", "floor"),
}
#: The review's peer figure: the sum of the fastest peer's time on each of these.
REVIEW_PARTS = ("lead_time", "age", "wip", "throughput", "percentiles_label", "sle_attainment")
#: Reference contenders of the operations the data-frame peers do not do.
REFERENCE = {"kaplan_meier": ("lifelines",), "forecast_when": ("floor",),
             "forecast_how_many": ("floor",)}  # fmt: skip
ITEM_COLUMNS = ("requested", "committed", "delivered", "code", "customer")
TR_COLUMNS = ("tr_item", "tr_state", "tr_at")


# ---------------------------------------------------------------------- data


def _paths(n: int, seed: int) -> dict[str, Path]:
    names = (*ITEM_COLUMNS, *TR_COLUMNS, "labels")
    return {k: DATA / f"items_{n}_{seed}.{k}.npy" for k in names}


def build_data(n: int, seed: int = 0) -> None:
    """The seeded log read by our ``read_event_log``, its table cached as .npy (once)."""
    paths = _paths(n, seed)
    if all(p.exists() for p in paths.values()):
        return
    from customer_kanban.io import read_event_log

    DATA.mkdir(exist_ok=True)
    log, workflow = generate_event_log(n, seed=seed)
    attributes = {"class_of_service": "class_of_service", "customer": "customer"}
    table = read_event_log(
        log, workflow=workflow, item="item", state="state", at="at", attributes=attributes
    ).table
    del log
    codes, labels = table.codes("class_of_service")
    tr = table.transitions
    arrays = {
        "requested": table["requested_at"], "committed": table["committed_at"],
        "delivered": table["delivered_at"], "code": codes,
        "customer": table.codes("customer")[0], "labels": labels.astype(str),
        "tr_item": tr.item, "tr_state": tr.state, "tr_at": tr.at,
    }  # fmt: skip
    for k, v in arrays.items():
        np.save(paths[k], np.asarray(v))


def load(n: int, seed: int = 0) -> dict[str, np.ndarray]:
    """The cached arrays plus the derived per-item columns (text label, lead, SLE days)."""
    d = {k: np.load(p) for k, p in _paths(n, seed).items()}
    d["cos"] = d["labels"][d["code"]]  # the class as text, one string per item
    d["lead"] = (d["delivered"] - d["requested"]) / np.timedelta64(1, "D")
    d["sle"] = np.array([SLE_DAYS[s] for s in d["labels"]])[d["code"]]
    return d


def km_input(d: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Customer lead time of the items requested by AS_OF, the ones open then censored."""
    req, dlv = d["requested"], d["delivered"]
    seen = req <= AS_OF
    done = ~np.isnat(dlv) & (dlv <= AS_OF)
    end = np.where(done, dlv, AS_OF)
    return ((end - req) / np.timedelta64(1, "D"))[seen], done[seen]


def history(d: dict[str, np.ndarray]) -> np.ndarray:
    """Deliveries per day over the HISTORY_DAYS days before AS_OF (the forecasts' input)."""
    dlv = d["delivered"].view(np.int64)
    back = (AS_OF.view(np.int64) - 1 - dlv[~np.isnat(d["delivered"])]) // DAY
    back = back[(back >= 0) & (back < HISTORY_DAYS)]
    return np.bincount(HISTORY_DAYS - 1 - back, minlength=HISTORY_DAYS)


def wip_grid(d: dict[str, np.ndarray]) -> tuple[int, int]:
    """First midnight (ns) and number of midnights of the WIP series."""
    com, dlv = d["committed"].view(np.int64), d["delivered"].view(np.int64)
    lo = int(com[~np.isnat(d["committed"])].min()) // DAY * DAY
    hi = int(dlv[~np.isnat(d["delivered"])].max()) // DAY * DAY + DAY
    return lo, (hi - lo) // DAY + 1


# ---------------------------------------------------------------------- ours


def ours(op: str, d: dict[str, np.ndarray]) -> Callable[[], Any]:
    from customer_kanban import WorkItemTable, metrics
    from customer_kanban.table import Transitions

    labels = d["labels"].astype(object)
    n = d["code"].size
    none, empty = np.full(n, -1, np.int32), np.array([], dtype=object)
    table = WorkItemTable(
        columns={"id": np.arange(n), "requested_at": d["requested"],
                 "committed_at": d["committed"], "delivered_at": d["delivered"],
                 "due_at": np.full(n, np.datetime64("NaT"), "datetime64[ns]"),
                 "customer_recognisable": np.zeros(n, bool)},
        categories={"class_of_service": (d["code"], labels),
                    "customer": (d["customer"], np.arange(d["customer"].max() + 1)),
                    "segment": (none, empty), "work_type": (none, empty)},
        states=STATES,
        transitions=Transitions(d["tr_item"], d["tr_state"], d["tr_at"],
                                np.full(d["tr_item"].size, -1, np.int32),
                                np.array([], dtype=object)),
    )  # fmt: skip
    req, com, dlv = table["requested_at"], table["committed_at"], table["delivered_at"]
    lead, sle, codes = d["lead"], d["sle"], table.codes("class_of_service")
    if op == "lead_time":
        return lambda: metrics.lead_time(req, dlv)
    if op == "age":
        return lambda: metrics.work_item_age(com, dlv, as_of=AS_OF)
    if op == "wip":
        lo, p = wip_grid(d)
        at = (lo + DAY * np.arange(p)).view("datetime64[ns]")
        return lambda: metrics.wip(com, dlv, at)
    if op == "throughput":
        return lambda: metrics.throughput(dlv, freq="D")
    if op == "cfd":
        return lambda: metrics.cumulative_flow(table.first_entries(), freq="D")
    if op == "time_in_state":
        tr = table.transitions
        return lambda: metrics.time_in_state(tr.item, tr.state, tr.at, dlv, n_states=N_STATES)
    if op == "percentiles_label":
        return lambda: metrics.percentiles(lead, Q, by=table["class_of_service"])
    if op == "percentiles_codes":
        return lambda: metrics.percentiles(lead, Q, by=codes)
    if op == "sle_attainment":
        return lambda: metrics.sle_attainment(lead, sle, by=codes)
    if op == "kaplan_meier":
        km_d, km_obs = km_input(d)
        return lambda: metrics.kaplan_meier(km_d, km_obs)
    if op == "forecast_when":
        h = history(d)
        return lambda: metrics.forecast_when(
            h, int(365 * h.mean()), trials=TRIALS, rng=0, max_days=2 * 365
        )
    if op == "forecast_how_many":
        h = history(d)
        return lambda: metrics.forecast_how_many(h, HOW_MANY_DAYS, trials=TRIALS, rng=0)
    if op == "review":
        from _generate import make_workflow
        from customer_kanban.errors import InsufficientDataWarning
        from customer_kanban.reviews import service_delivery_review
        from run import make_policy

        policy = make_policy(make_workflow())

        def review() -> Any:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", InsufficientDataWarning)
                return service_delivery_review(table, policy, as_of=AS_OF)

        return review
    raise KeyError(op)


def ours_answer(op: str, r: Any, d: dict[str, np.ndarray]) -> Any:
    """Our result in the numpy form every contender's answer is brought to."""
    if op in ("throughput",):
        return r.counts[0]
    if op == "cfd":
        return r.counts[0]
    if op == "time_in_state":
        return r[~np.isnat(d["delivered"])]
    if op.startswith("percentiles"):
        return r.values
    if op == "sle_attainment":
        return r.attainment
    if op == "kaplan_meier":
        return np.stack((r.times, r.survival))
    if op == "forecast_when":
        return np.percentile(r.days[0], Q)
    if op == "forecast_how_many":
        return np.percentile(r.counts[0] if hasattr(r, "counts") else r.items[0], Q)
    if op == "review":
        return _review_numbers(r, [str(x) for x in d["labels"]])
    return np.asarray(r)


def _review_numbers(review: Any, labels: list[str]) -> np.ndarray:
    rows = [review.row("all", "all")] + [review.row(g) for g in labels]
    out = []
    for r in rows:
        out += [*r.customer_lead_time, *r.system_lead_time, r.attainment, r.throughput_per_week]
        out += [r.customer_waiting_days, r.delivered, r.wip, r.open_requests, len(r.at_risk)]
        out += [*r.throughput_trend, r.delay_cost, r.attainment_censored]
    return np.array(out, dtype=np.float64)


# ---------------------------------------------------------------------- floors


def floor(op: str, d: dict[str, np.ndarray]) -> Callable[[], Any]:
    import _floors as floors

    if op == "kaplan_meier":
        km_d, km_obs = km_input(d)
        return lambda: floors.kaplan_meier(km_d, km_obs.astype(np.float64))
    h = history(d)
    if op == "forecast_when":
        items, horizon = int(365 * h.mean()), 2 * 365

        def when() -> Any:  # all trials at once over a horizon long enough for every one
            draws = np.random.default_rng(0).choice(h, size=(TRIALS, horizon))
            cum = np.cumsum(draws, axis=1, dtype=np.int32)
            return (cum >= items).argmax(axis=1) + 1

        return when
    if op == "forecast_how_many":

        def how_many() -> Any:
            draws = np.random.default_rng(0).choice(h, size=(TRIALS, HOW_MANY_DAYS))
            return draws.sum(axis=1, dtype=np.int64)

        return how_many
    if op == "review":
        from run import cost_rows

        labels = [str(x) for x in d["labels"]]
        sle_by_code = np.array([SLE_DAYS[s] for s in labels])
        costs = cost_rows(labels)
        ids = np.arange(d["code"].size)
        req, com, dlv, codes = d["requested"], d["committed"], d["delivered"], d["code"]
        return lambda: floors.review(
            ids, req, com, dlv, codes, len(labels), sle_by_code, AS_OF, np.array(Q), costs
        )
    raise KeyError(op)


def floor_answer(op: str, r: Any, d: dict[str, np.ndarray]) -> Any:
    if op == "kaplan_meier":
        return np.stack(r)
    if op.startswith("forecast"):
        return np.percentile(r, Q)
    # review: the floor's numbers in the order of _review_numbers
    out = []
    for k in range(len(d["labels"]) + 1):
        out += [*r["customer_lt"][k], *r["system_lt"][k], r["attainment"][k]]
        out += [r["throughput_per_week"][k], r["customer_waiting_days"][k], r["delivered"][k]]
        out += [r["wip"][k], r["open_requests"][k], len(r["at_risk"][k])]
        out += [*r["throughput_trend"][k], r["delay_cost"][k], r["attainment_censored"][k]]
    return np.array(out, dtype=np.float64)


def lifelines(op: str, d: dict[str, np.ndarray]) -> Callable[[], Any]:
    from lifelines import KaplanMeierFitter

    km_d, km_obs = km_input(d)
    return lambda: KaplanMeierFitter().fit(km_d, km_obs)


def lifelines_answer(op: str, r: Any, d: dict[str, np.ndarray], ref: Any) -> Any:
    times = ref[0]  # survival at our event times
    return np.stack((times, r.survival_function_at_times(times).to_numpy()))


# ---------------------------------------------------------------------- peers


def _arrow_items(d: dict[str, np.ndarray]) -> Any:
    import pyarrow as pa

    def ts(a: np.ndarray) -> Any:
        return pa.array(a, type=pa.timestamp("ns"), from_pandas=True)  # NaT -> null

    lead = pa.array(d["lead"], from_pandas=True)  # NaN -> null
    return pa.table({"requested": ts(d["requested"]), "committed": ts(d["committed"]),
                     "delivered": ts(d["delivered"]), "cos": pa.array(d["cos"]),
                     "code": d["code"], "customer": d["customer"], "lead": lead,
                     "sle": d["sle"]})  # fmt: skip


def _arrow_transitions(d: dict[str, np.ndarray]) -> Any:
    import pyarrow as pa

    return pa.table({"item": d["tr_item"], "state": d["tr_state"],
                     "at": pa.array(d["tr_at"], type=pa.timestamp("ns"))})  # fmt: skip


def duckdb_op(op: str, d: dict[str, np.ndarray]) -> Callable[[], Any]:
    import duckdb

    con = duckdb.connect()
    con.register("items", _arrow_items(d))
    con.register("tr", _arrow_transitions(d))
    as_of = int(AS_OF.view(np.int64))
    lo, p = wip_grid(d)
    qs = "[" + ", ".join(str(q / 100) for q in Q) + "]"
    sql = {
        "lead_time": f"SELECT (epoch_ns(delivered) - epoch_ns(requested)) / {DAY}.0 AS v "
        "FROM items",
        "age": f"SELECT CASE WHEN epoch_ns(committed) <= {as_of} AND NOT coalesce("
        f"epoch_ns(delivered) <= {as_of}, false) THEN ({as_of} - epoch_ns(committed)) / "
        f"{DAY}.0 END AS v FROM items",
        "wip": f"""
            WITH ev AS (
                SELECT (epoch_ns(committed) - {lo} + {DAY - 1}) // {DAY} AS k, 1 AS c FROM items
                WHERE committed IS NOT NULL
                UNION ALL
                SELECT (epoch_ns(delivered) - {lo} + {DAY - 1}) // {DAY}, -1 FROM items
                WHERE delivered IS NOT NULL),
            h AS (SELECT k, sum(c) AS c FROM ev GROUP BY k)
            SELECT sum(coalesce(h.c, 0)) OVER (ORDER BY g.k) AS v
            FROM range(0, {p}) g(k) LEFT JOIN h ON h.k = g.k ORDER BY g.k""",
        "throughput": f"""
            WITH h AS (SELECT epoch_ns(delivered) // {DAY} AS k, count(*) AS c FROM items
                       WHERE delivered IS NOT NULL GROUP BY k)
            SELECT coalesce(h.c, 0) AS v
            FROM range((SELECT min(k) FROM h), (SELECT max(k) FROM h) + 1) g(k)
            LEFT JOIN h ON h.k = g.k ORDER BY g.k""",
        "cfd": f"""
            WITH f AS (SELECT item, state, min(epoch_ns("at")) AS t FROM tr GROUP BY item, state),
            b AS (SELECT state, min(t) OVER (PARTITION BY item ORDER BY state DESC
                                             ROWS UNBOUNDED PRECEDING) // {DAY} AS k FROM f),
            h AS (SELECT k, state, count(*) AS c FROM b GROUP BY k, state),
            g AS (SELECT k, s AS state FROM range((SELECT min(k) FROM h),
                  (SELECT max(k) FROM h) + 1) r(k), range(0, {N_STATES}) t(s))
            SELECT sum(coalesce(h.c, 0)) OVER (PARTITION BY g.state ORDER BY g.k) AS v
            FROM g LEFT JOIN h USING (k, state) ORDER BY g.k, g.state""",
        "time_in_state": f"""
            WITH j AS (SELECT tr.item, tr.state, epoch_ns(tr."at") AS t,
                              epoch_ns(i.delivered) AS e
                       FROM tr JOIN (SELECT row_number() OVER () - 1 AS item, delivered
                                     FROM items) i USING (item)
                       WHERE i.delivered IS NOT NULL)
            SELECT item, state, sum(least(coalesce(lead(t) OVER w, e), e) - t) / {DAY}.0 AS v
            FROM j WINDOW w AS (PARTITION BY item ORDER BY t, state) GROUP BY item, state""",
        "percentiles_label": f"SELECT cos, quantile_cont(lead, {qs}) AS v FROM items "
        "WHERE lead IS NOT NULL GROUP BY cos",
        "percentiles_codes": f"SELECT code, quantile_cont(lead, {qs}) AS v FROM items "
        "WHERE lead IS NOT NULL GROUP BY code",
        "sle_attainment": "SELECT code, avg((lead <= sle)::DOUBLE) AS v FROM items "
        "WHERE lead IS NOT NULL GROUP BY code",
    }[op]
    if op == "time_in_state":  # a window inside an aggregate: compute the spans first
        sql = sql.replace(
            f"SELECT item, state, sum(least(coalesce(lead(t) OVER w, e), e) - t) / {DAY}.0 AS v\n"
            "            FROM j WINDOW w AS (PARTITION BY item ORDER BY t, state) "
            "GROUP BY item, state",
            "SELECT item, state, sum(span) / "
            f"{DAY}.0 AS v FROM (SELECT item, state, least(coalesce(lead(t) OVER "
            "(PARTITION BY item ORDER BY t, state), e), e) - t AS span FROM j) "
            "GROUP BY item, state",
        )
    return lambda: con.sql(sql).to_arrow_table()


def polars_op(op: str, d: dict[str, np.ndarray]) -> Callable[[], Any]:
    import polars as pl

    items = pl.from_arrow(_arrow_items(d))
    tr = pl.from_arrow(_arrow_transitions(d))
    assert isinstance(items, pl.DataFrame)
    assert isinstance(tr, pl.DataFrame)
    as_of = pl.lit(AS_OF.astype("datetime64[ns]")).cast(pl.Datetime("ns"))
    ns = pl.col("delivered").dt.epoch("ns")
    lo, p = wip_grid(d)
    if op == "lead_time":
        return lambda: items.select(
            (pl.col("delivered") - pl.col("requested")).dt.total_nanoseconds() / DAY
        )
    if op == "age":
        live = (pl.col("committed") <= as_of) & ~(pl.col("delivered") <= as_of).fill_null(False)
        age = (as_of - pl.col("committed")).dt.total_nanoseconds() / DAY
        return lambda: items.select(pl.when(live).then(age))
    if op == "wip":
        days = pl.DataFrame({"k": np.arange(p)})

        def wip() -> Any:
            def k(col: str) -> Any:
                return -((lo - pl.col(col).dt.epoch("ns")) // DAY)

            ev = pl.concat([
                items.lazy().filter(pl.col("committed").is_not_null())
                .select(k("committed").alias("k"), pl.lit(1).alias("c")),
                items.lazy().filter(pl.col("delivered").is_not_null())
                .select(k("delivered").alias("k"), pl.lit(-1).alias("c")),
            ]).group_by("k").agg(pl.col("c").sum())  # fmt: skip
            return (
                days.lazy().join(ev, on="k", how="left")
                .sort("k").select(pl.col("c").fill_null(0).cum_sum()).collect()
            )  # fmt: skip

        return wip
    if op == "throughput":

        def throughput() -> Any:
            h = (
                items.lazy().filter(pl.col("delivered").is_not_null())
                .group_by(k=ns // DAY).agg(pl.len().alias("c")).collect()
            )  # fmt: skip
            days = pl.DataFrame({"k": pl.int_range(h["k"].min(), h["k"].max() + 1, eager=True)})
            return days.join(h, on="k", how="left").sort("k").select(pl.col("c").fill_null(0))

        return throughput
    if op == "cfd":

        def cfd() -> Any:
            b = (
                tr.lazy().group_by("item", "state").agg(pl.col("at").min())
                .sort("item", "state", descending=[False, True])
                .select("state", k=pl.col("at").cum_min().over("item").dt.epoch("ns") // DAY)
                .group_by("k", "state").agg(pl.len().alias("c")).collect()
            )  # fmt: skip
            grid = pl.DataFrame(
                {"k": pl.int_range(b["k"].min(), b["k"].max() + 1, eager=True)}
            ).join(pl.DataFrame({"state": np.arange(N_STATES, dtype=np.int32)}), how="cross")
            return (
                grid.join(b, on=["k", "state"], how="left").sort("k", "state")
                .select(pl.col("c").fill_null(0).cum_sum().over("state"))
            )  # fmt: skip

        return cfd
    if op == "time_in_state":
        ends = items.select(
            item=pl.int_range(pl.len(), dtype=pl.Int64), e=pl.col("delivered")
        ).filter(pl.col("e").is_not_null())

        def tis() -> Any:
            return (
                tr.lazy().join(ends.lazy(), on="item").sort("item", "at", "state")
                .with_columns(nxt=pl.col("at").shift(-1).over("item"))
                .select("item", "state", span=pl.min_horizontal(
                    pl.coalesce("nxt", "e"), "e") - pl.col("at"))
                .group_by("item", "state")
                .agg(v=pl.col("span").sum().dt.total_nanoseconds() / DAY).collect()
            )  # fmt: skip

        return tis
    if op in ("percentiles_label", "percentiles_codes"):
        key = "cos" if op == "percentiles_label" else "code"
        aggs = [pl.col("lead").quantile(q / 100, "linear").alias(f"p{q:g}") for q in Q]
        return lambda: items.drop_nulls("lead").group_by(key).agg(aggs)
    if op == "sle_attainment":
        return lambda: (
            items.drop_nulls("lead").group_by("code")
            .agg((pl.col("lead") <= pl.col("sle")).mean())
        )  # fmt: skip
    raise KeyError(op)


def pyarrow_op(op: str, d: dict[str, np.ndarray]) -> Callable[[], Any]:
    import pyarrow as pa
    import pyarrow.compute as pc

    items, tr = _arrow_items(d), _arrow_transitions(d)
    as_of = pa.scalar(AS_OF, type=pa.timestamp("ns"))
    lo, p = wip_grid(d)

    def days(a: Any, b: Any) -> Any:
        return pc.divide(
            pc.cast(pc.cast(pc.subtract(a, b), pa.int64()), pa.float64(), safe=False), DAY
        )

    def dense(keys: Any, counts: Any, start: int, size: int) -> np.ndarray:
        """Counts per key scattered over `size` dense days (numpy for the small array)."""
        out = np.zeros(size, np.int64)
        out[keys.to_numpy() - start] = counts.to_numpy()
        return out

    def ns(col: Any) -> Any:
        return pc.cast(col, pa.int64())

    if op == "lead_time":
        return lambda: days(items["delivered"], items["requested"])
    if op == "age":

        def age() -> Any:
            live = pc.and_(
                pc.less_equal(items["committed"], as_of),
                pc.invert(pc.fill_null(pc.less_equal(items["delivered"], as_of), False)),
            )
            return pc.if_else(live, days(as_of, items["committed"]), None)

        return age
    if op == "wip":

        def wip() -> Any:
            out = np.zeros(p, np.int64)
            for col, sign in (("committed", 1), ("delivered", -1)):
                since = pc.subtract(pc.drop_null(ns(items[col])), lo)  # >= 0: ceil by truncation
                k = pc.divide(pc.add(since, DAY - 1), DAY)
                counts = pc.value_counts(k)
                out += sign * dense(pc.cast(counts.field(0), pa.int64()),
                                    counts.field(1), 0, p)  # fmt: skip
            return np.cumsum(out)

        return wip
    if op == "throughput":

        def throughput() -> Any:
            k = pc.divide(pc.drop_null(ns(items["delivered"])), DAY)
            counts = pc.value_counts(k)
            lo_k, hi_k = pc.min_max(k).values()
            return dense(
                counts.field(0), counts.field(1), lo_k.as_py(), hi_k.as_py() - lo_k.as_py() + 1
            )

        return throughput
    if op == "cfd":

        def cfd() -> Any:
            f = tr.group_by(["item", "state"]).aggregate([("at", "min")])
            f = f.sort_by([("item", "ascending"), ("state", "descending")])
            # back-fill: running minimum within each item (numpy: pyarrow has no grouped scan)
            item = f["item"].to_numpy()
            t = ns(f["at_min"]).to_numpy().copy()
            start = np.flatnonzero(np.r_[True, item[1:] != item[:-1]])
            seg = np.repeat(start, np.diff(np.r_[start, t.size]))
            for _ in range(N_STATES - 1):  # at most six entries per item
                prev = np.r_[np.iinfo(np.int64).max, t[:-1]]
                t = np.where(np.arange(t.size) > seg, np.minimum(t, prev), t)
            k = pa.array(t // DAY)
            h = pa.table({"k": k, "state": f["state"]}).group_by(["k", "state"]).aggregate(
                [("k", "count")])  # fmt: skip
            kk, ss, cc = (h[c].to_numpy() for c in ("k", "state", "k_count"))
            lo_k = int(kk.min())
            out = np.zeros((int(kk.max()) - lo_k + 1, N_STATES), np.int64)
            out[kk - lo_k, ss] = cc
            return np.cumsum(out, axis=0)

        return cfd
    if op == "time_in_state":
        delivered = items["delivered"]

        def tis() -> Any:
            order = pc.sort_indices(tr, [("item", "ascending"), ("at", "ascending"),
                                         ("state", "ascending")])  # fmt: skip
            s = tr.take(order)
            item = s["item"].to_numpy()
            t = ns(s["at"]).to_numpy()
            e = ns(pc.take(delivered, s["item"])).to_numpy(zero_copy_only=False)
            nxt = np.r_[t[1:], 0]
            last = np.r_[item[1:] != item[:-1], True]
            span = np.where(last, e, np.minimum(nxt, e)) - t
            keep = pc.is_valid(pc.take(delivered, s["item"]))
            long = pa.table({"item": s["item"], "state": s["state"], "span": span}).filter(keep)
            out = long.group_by(["item", "state"]).aggregate([("span", "sum")])
            return out.append_column(
                "v", pc.divide(pc.cast(out["span_sum"], pa.float64(), safe=False), DAY)
            )

        return tis
    if op in ("percentiles_label", "percentiles_codes"):
        key = "cos" if op == "percentiles_label" else "code"

        def pct() -> Any:  # per group: a filter and pc.quantile (no grouped quantile)
            t = items.filter(pc.is_valid(items["lead"]))
            keys = pc.unique(t[key])
            return keys, [
                pc.quantile(pc.filter(t["lead"], pc.equal(t[key], k)), q=[q / 100 for q in Q],
                            interpolation="linear")
                for k in keys
            ]  # fmt: skip

        return pct
    if op == "sle_attainment":

        def att() -> Any:
            t = items.filter(pc.is_valid(items["lead"]))
            t = t.append_column("ok", pc.cast(pc.less_equal(t["lead"], t["sle"]), pa.float64()))
            return t.group_by("code").aggregate([("ok", "mean")])

        return att
    raise KeyError(op)


def pandas_op(op: str, d: dict[str, np.ndarray]) -> Callable[[], Any]:
    import pandas as pd

    items = pd.DataFrame({"requested": d["requested"], "committed": d["committed"],
                          "delivered": d["delivered"], "cos": d["cos"].astype(object),
                          "code": d["code"], "customer": d["customer"], "lead": d["lead"],
                          "sle": d["sle"]})  # fmt: skip
    tr = pd.DataFrame({"item": d["tr_item"], "state": d["tr_state"], "at": d["tr_at"]})
    as_of = pd.Timestamp(AS_OF)
    one_day = pd.Timedelta(days=1)
    lo, p = wip_grid(d)
    if op == "lead_time":
        return lambda: (items["delivered"] - items["requested"]) / one_day
    if op == "age":

        def age() -> Any:
            live = (items["committed"] <= as_of) & ~(items["delivered"] <= as_of)
            return ((as_of - items["committed"]) / one_day).where(live)

        return age
    if op == "wip":

        def wip() -> Any:
            grid = pd.RangeIndex(p)

            def counts(col: str) -> Any:
                k = -((lo - items[col].dropna().astype("int64")) // DAY)
                return k.value_counts().reindex(grid, fill_value=0)

            return (counts("committed") - counts("delivered")).cumsum()

        return wip
    if op == "throughput":
        return lambda: items["delivered"].dropna().dt.floor("D").value_counts().resample(
            "D").sum()  # fmt: skip
    if op == "cfd":

        def cfd() -> Any:
            f = tr.groupby(["item", "state"], sort=False)["at"].min().reset_index()
            f = f.sort_values(["item", "state"], ascending=[True, False])
            f["at"] = f.groupby("item", sort=False)["at"].cummin()
            c = f.groupby([f["at"].dt.floor("D"), "state"]).size().unstack(fill_value=0)
            return c.asfreq("D", fill_value=0).cumsum()

        return cfd
    if op == "time_in_state":
        end = items["delivered"]

        def tis() -> Any:
            s = tr.sort_values(["item", "at", "state"], kind="stable")
            e = end.to_numpy()[s["item"].to_numpy()]
            nxt = s.groupby("item", sort=False)["at"].shift(-1)
            e_s = pd.Series(e, index=s.index)
            stop = nxt.fillna(e_s)
            span = (stop.where(stop <= e_s, e_s) - s["at"]) / one_day
            keep = ~np.isnat(e)
            return span[keep].groupby([s["item"][keep], s["state"][keep]]).sum()

        return tis
    if op in ("percentiles_label", "percentiles_codes"):
        key = "cos" if op == "percentiles_label" else "code"
        return lambda: items.dropna(subset=["lead"]).groupby(key)["lead"].quantile(
            [q / 100 for q in Q]).unstack()  # fmt: skip
    if op == "sle_attainment":
        return lambda: (
            items.dropna(subset=["lead"]).assign(ok=lambda t: t["lead"] <= t["sle"])
            .groupby("code")["ok"].mean()
        )  # fmt: skip
    raise KeyError(op)


def peer_answer(contender: str, op: str, r: Any, d: dict[str, np.ndarray]) -> Any:
    """A peer's result in our numpy form (after timing)."""
    import pandas as pd
    import pyarrow as pa

    if contender == "duckdb" and op not in ("time_in_state",) and "v" in r.column_names:
        if op.startswith("percentiles") or op == "sle_attainment":
            r = r.to_pandas()
            key = r.columns[0]
            r = r.sort_values(key)
            return np.array(r["v"].tolist(), dtype=np.float64)
        return r["v"].to_numpy().astype(np.float64).reshape(-1, N_STATES) if op == "cfd" else (
            r["v"].to_numpy(zero_copy_only=False).astype(np.float64))  # fmt: skip
    if op == "time_in_state":
        t = r.rename("v").reset_index() if contender == "pandas" else r.to_pandas()
        out = np.zeros((d["code"].size, N_STATES))
        out[t["item"].to_numpy(), t["state"].to_numpy()] = t["v"].to_numpy()
        return out[~np.isnat(d["delivered"])]
    if op.startswith("percentiles"):
        if contender == "polars":
            t = r.sort(r.columns[0])
            return t.select(t.columns[1:]).to_numpy()
        if contender == "pyarrow":
            keys, vals = r
            order = np.argsort(np.asarray(keys.to_pylist()))
            return np.array([vals[i].to_pylist() for i in order])
        return r.sort_index().to_numpy()
    if op == "sle_attainment":
        if contender == "polars":
            return r.sort("code")[:, 1].to_numpy().astype(np.float64)
        if contender == "pyarrow":
            t = r.to_pandas().sort_values("code")
            return t["ok_mean"].to_numpy()
        return r.sort_index().to_numpy().astype(np.float64)
    if op == "cfd":
        if contender == "polars":
            return r.to_numpy().reshape(-1, N_STATES)
        if contender == "pandas":
            return r.reindex(columns=range(N_STATES), fill_value=0).to_numpy()
        return np.asarray(r)
    if isinstance(r, pa.Array | pa.ChunkedArray):
        return r.to_numpy(zero_copy_only=False).astype(np.float64)
    if isinstance(r, pd.Series | pd.DataFrame):
        return r.to_numpy().astype(np.float64).ravel()
    if hasattr(r, "to_numpy"):  # polars
        return r.to_numpy().astype(np.float64).ravel()
    return np.asarray(r, dtype=np.float64)


def same(op: str, a: Any, b: Any) -> bool:
    """Agreement with ours: equal shapes, rtol 1e-9 (NaN = null); forecasts within 2%."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        return False
    if op.startswith("forecast"):
        return bool(np.all(np.abs(a - b) <= 0.02 * np.maximum(np.abs(b), 1.0)))
    return bool(np.allclose(a, b, rtol=1e-9, atol=1e-9, equal_nan=True))


# ---------------------------------------------------------------------- one process


MAKERS: dict[str, Callable[[str, dict[str, np.ndarray]], Callable[[], Any]]] = {
    "ours": ours, "floor": floor, "lifelines": lifelines, "duckdb": duckdb_op,
    "polars": polars_op, "pyarrow": pyarrow_op, "pandas": pandas_op,
}  # fmt: skip


def peak_rss() -> int:
    """Peak resident memory of this process in bytes.

    ``VmHWM`` of ``/proc/self/status`` (Linux): unlike ``ru_maxrss``, which keeps the
    parent's resident size at ``fork`` across ``exec``, it counts this program only.
    """
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # kB on Linux


def one(contender: str, op: str, n: int, repeat: int, seed: int, out: str) -> None:
    """In a child: build the native input, time the call, save the answer, print JSON."""
    d = load(n, seed)
    call = MAKERS[contender](op, d)
    best, cores, r, first = float("inf"), 0.0, None, None
    for _ in range(repeat):
        r = None
        c0, t0 = time.process_time(), time.perf_counter()
        r = call()
        wall = time.perf_counter() - t0
        first = wall if first is None else first
        if wall < best:
            best, cores = wall, (time.process_time() - c0) / wall
    rss = peak_rss()
    if contender == "ours":
        answer = ours_answer(op, r, d)
    elif contender == "floor":
        answer = floor_answer(op, r, d)
    elif contender == "lifelines":
        answer = lifelines_answer(op, r, d, np.load(out.replace("lifelines", "ours")))
    else:
        answer = peer_answer(contender, op, r, d)
    np.save(out, np.asarray(answer, dtype=np.float64))
    print(json.dumps({"time": best, "first": first, "rss": rss, "cores": cores}))


def profile(op: str, n: int, seed: int, top: int = 30) -> None:
    """Where ours spends its time on `op`: wall time and cores of a warm call, then
    cProfile of another, the functions by cumulative time (the pool's waits are
    ``acquire`` of a lock: the work done on the other threads)."""
    import cProfile
    import pstats

    build_data(n, seed)
    call = ours(op, load(n, seed))
    call()
    c0, t0 = time.process_time(), time.perf_counter()
    call()
    wall = time.perf_counter() - t0
    print(f"{op}, N = {n:,}: warm call {wall:.3f} s, {(time.process_time() - c0) / wall:.2f} cores")
    prof = cProfile.Profile()
    prof.runcall(call)
    stats = pstats.Stats(prof, stream=sys.stdout)
    stats.sort_stats("cumulative").print_stats(top)


def child_env() -> dict[str, str]:
    path = (str(SRC), str(HERE), os.environ.get("PYTHONPATH"))
    return {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in path if p)}


def child(contender: str, op: str, n: int, repeat: int, seed: int, tmp: str) -> dict[str, Any]:
    env = child_env()
    out = os.path.join(tmp, f"{op}.{contender}.npy")
    cmd = [sys.executable, __file__, "--one", contender, "--op", op, "--n", str(n),
           "--repeat", str(repeat), "--seed", str(seed), "--out", out]  # fmt: skip
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    if done.returncode:
        last = done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "failed"
        return {"error": last[:120]}
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    result["answer"] = out
    return result


# ---------------------------------------------------------------------- report


def header(argv: list[str]) -> str:
    from run import git_line

    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    try:
        blas = ", ".join(
            f"{k}: {v.get('name', '?')} {v.get('version', '')}".strip()
            for k, v in np.show_config(mode="dicts")["Build Dependencies"].items()
            if k in ("blas", "lapack")
        )
    except (TypeError, KeyError):
        blas = "unknown"
    import duckdb
    import pandas as pd
    import polars as pl
    import pyarrow as pa

    return "\n".join([
        "# Every metric beside duckdb, polars, pyarrow and pandas",
        "",
        f"- date: {time.strftime('%Y-%m-%d %H:%M:%S %Z')}",
        f"- machine: {platform.platform()}, {os.cpu_count()} cores, {mem:.1f} GiB, "
        f"Python {platform.python_version()}",
        f"- numpy {np.__version__} ({blas}); duckdb {duckdb.__version__}, polars "
        f"{pl.__version__}, pyarrow {pa.__version__}, pandas {pd.__version__}",
        f"- command: `python benchmarks/peers_metrics.py {' '.join(argv)}`",
        f"- {git_line()}",
    ])  # fmt: skip


def report(n: int, repeat: int, rows: dict[str, dict[str, dict[str, Any]]]) -> str:
    lines = [f"\n### N = {n:,} items, best of {repeat}, each in its own process\n",
             "| operation | contender | time (s) | first call (s) | peak RSS (MB) | cores | "
             "time / fastest peer | time / floor | same answer |",
             "|---|---|---:|---:|---:|---:|---:|---:|---|"]  # fmt: skip
    ratios: dict[str, list[float]] = {}
    fastest_of: dict[str, float] = {}
    behind: list[str] = []
    for op, by in rows.items():
        ref_names = REFERENCE.get(op, PEERS)
        peer_times = [by[c]["time"] for c in ref_names if "time" in by.get(c, {})]
        fastest = min(peer_times, default=float("nan"))
        if op == "review":
            fastest = sum(fastest_of.get(p, float("nan")) for p in REVIEW_PARTS)
        fastest_of[op] = fastest
        ours_answer = np.load(by["ours"]["answer"]) if "answer" in by.get("ours", {}) else None
        floor_time = by.get("floor", {}).get("time")
        for c, r in by.items():
            if "time" not in r:
                lines.append(f"| {op} | {c} | error: {r.get('error')} | | | | | | |")
                continue
            ok = "ours" if c == "ours" else (
                "yes" if ours_answer is not None and same(op, np.load(r["answer"]), ours_answer)
                else "NO")  # fmt: skip
            ratio = r["time"] / fastest
            if not math.isnan(ratio):
                ratios.setdefault(c, []).append(ratio)
            to_floor = f"{r['time'] / floor_time:.2f}" if floor_time else ""
            lines.append(f"| {op} | {c} | {r['time']:.4f} | {r.get('first', r['time']):.4f} | "
                         f"{r['rss'] / 1e6:,.0f} | {r['cores']:.2f} | {ratio:.2f} | {to_floor} | "
                         f"{ok} |")  # fmt: skip
            if c == "ours" and ratio > 1.5:
                behind.append(f"{op} ({ratio:.2f})")
        if op == "review":
            lines.append(f"| review | sum of the fastest peer's parts | {fastest:.4f} | | | | "
                         "1.00 | | (parts checked above) |")  # fmt: skip
    lines += ["", "| contender | operations | geometric mean of time / fastest peer | "
              "worst ratio |", "|---|---:|---:|---:|"]  # fmt: skip
    for c, rs in ratios.items():
        gm = math.exp(sum(math.log(x) for x in rs) / len(rs))
        lines.append(f"| {c} | {len(rs)} | {gm:.2f} | {max(rs):.2f} |")
    lines.append("\nTargets for ours: geometric mean <= 1.0, every ratio <= 1.5.")
    lines.append(f"Ours above 1.5: {', '.join(behind) or 'none'}.")
    return "\n".join(lines)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--sizes", default="1000000,10000000")
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--only", default="", help="comma-separated operations (default: all)")
    p.add_argument("--contenders", default="", help="comma-separated (default: all; none: ours)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--one")
    p.add_argument("--op")
    p.add_argument("--n", type=int)
    p.add_argument("--out")
    p.add_argument("--profile", metavar="OP", help="profile ours on OP at the first size")
    a = p.parse_args()
    if a.profile:
        profile(a.profile, int(a.sizes.split(",")[0].replace("_", "")), a.seed)
        return
    if a.one:
        one(a.one, a.op, a.n, a.repeat, a.seed, a.out)
        return
    ops = [o for o in a.only.split(",") if o] or list(OPERATIONS)
    if "review" in ops:  # the review's peer figure needs its parts, timed first
        ops = [o for o in OPERATIONS if o in ops or o in REVIEW_PARTS]
    chosen = [c for c in a.contenders.split(",") if c]
    print(header(sys.argv[1:]))
    for n in (int(s.replace("_", "")) for s in a.sizes.split(",")):
        print(f"N={n:,}: building the data", file=sys.stderr)
        build = f"import peers_metrics; peers_metrics.build_data({n}, {a.seed})"
        # in a child: the parent stays small while the peers run
        subprocess.run([sys.executable, "-c", build], env=child_env(), check=True, cwd=HERE)
        repeat = a.repeat
        rows: dict[str, dict[str, dict[str, Any]]] = {}
        with tempfile.TemporaryDirectory() as tmp:
            for op in ops:
                rows[op] = {}
                for c in OPERATIONS[op]:
                    if chosen and c not in chosen and c != "ours":
                        continue
                    print(f"N={n:,}: {op} / {c}", file=sys.stderr)
                    rows[op][c] = child(c, op, n, repeat, a.seed, tmp)
            print(report(n, repeat, rows), flush=True)


if __name__ == "__main__":
    main()
