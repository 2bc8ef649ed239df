"""Benchmarks of customer_kanban against plain-numpy floors measured in the same run.

    python benchmarks/run.py [--sizes 100000,1000000,10000000] [--repeat K]
                             [--only NAME[,NAME...]] [--markdown] [--seed S]

For each size N (work items of a seeded synthetic event log, about 5.7 rows per
item) every operation is timed twice on the same, already converted inputs: our
library call, and the simplest fast numpy doing the same work (``_floors.py``).
The two results are asserted equal on every size.  Then the time of
``import customer_kanban`` in a fresh interpreter, and the peak memory of the
ingest and of the whole review relative to the table's bytes (``tracemalloc``).

Results go to stdout; progress to stderr.  See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import hashlib
import os
import platform
import subprocess
import sys
import time
import tracemalloc
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
SRC = HERE.parent / "src"
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))
try:
    import customer_kanban  # noqa: F401  (installed: use it)
except ImportError:  # a source checkout: use src/
    sys.path.insert(0, str(SRC))

import _floors as floors  # noqa: E402
from _generate import CLASSES_OF_SERVICE, SLE_DAYS, STATES, generate_event_log  # noqa: E402
from _timing import DEFAULT_SIZES, RATIO_FROM_N, RATIO_TARGET, best_of_pair  # noqa: E402
from customer_kanban import metrics  # noqa: E402
from customer_kanban.errors import InsufficientDataWarning  # noqa: E402
from customer_kanban.io import read_event_log  # noqa: E402
from customer_kanban.model import (  # noqa: E402
    ClassOfService,
    CostOfDelay,
    Policy,
    ServiceLevelExpectation,
    Urgency,
    Workflow,
)
from customer_kanban.reviews import service_delivery_review  # noqa: E402

OPERATIONS = (
    "ingest",
    "first_entries",
    "lead_time",
    "percentiles",
    "throughput",
    "cumulative_flow",
    "wip",
    "work_item_age",
    "sle_attainment",
    "kaplan_meier",
    "review",
)
EXTRAS = ("import", "memory", "forecast", "customers", "policies", "blockers", "grouping")
FORECAST_TARGET_S = 1.0  # forecast_when, 10^5 trials, a 365-day horizon
IMPORT_TARGET_S = 0.2
MEMORY_TARGET = 2.0  # peak / table.nbytes
AS_OF = np.datetime64("2024-10-01T00:00:00", "ns")  # the review date, inside the data
Q = np.array([50.0, 85.0, 95.0])
ATTRIBUTES = {"class_of_service": "class_of_service", "customer": "customer"}
HEAVY = ("pandas", "polars", "pyarrow", "matplotlib", "dask")
_URGENCY = {
    "Expedite": Urgency.EXPEDITE,
    "Fixed date": Urgency.FIXED_DATE,
    "Standard": Urgency.STANDARD,
    "Intangible": Urgency.INTANGIBLE,
}


def log_progress(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# ------------------------------------------------------------------ timing
def peak_bytes(fn: Callable[[], Any]) -> tuple[int, Any]:
    """Peak bytes allocated during `fn()` (numpy reports its buffers to tracemalloc)."""
    gc.collect()
    tracemalloc.start()
    try:
        result = fn()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return peak, result


# ------------------------------------------------------------------ checks
def _same_instants(a: np.ndarray, b: np.ndarray) -> None:
    np.testing.assert_array_equal(a.view(np.int64), b.view(np.int64))


def check_ingest(result: Any, floor: dict[str, np.ndarray], n_rows: int) -> None:
    t = result.table
    assert result.n_rows == n_rows
    assert len(result.rejected) == 0
    np.testing.assert_array_equal(t["id"], floor["id"])
    for name in ("requested_at", "committed_at", "delivered_at"):
        _same_instants(t[name], floor[name])
    tr = t.transitions
    np.testing.assert_array_equal(tr.item, floor["tr_item"])
    np.testing.assert_array_equal(tr.state, floor["tr_state"])
    _same_instants(tr.at, floor["tr_at"])
    for name in ATTRIBUTES.values():
        codes, labels = t.codes(name)
        np.testing.assert_array_equal(codes, floor[name][0])
        assert labels.astype(str).tolist() == floor[name][1].tolist()


def check_review(review: Any, floor: dict[str, np.ndarray], labels: list[str]) -> None:
    names = ["all", *labels]
    rows = [review.row("all", "all")] + [review.row(g) for g in labels]
    assert [r.group for r in rows] == names
    for k, r in enumerate(rows):
        np.testing.assert_allclose(r.customer_lead_time, floor["customer_lt"][k], rtol=1e-12)
        np.testing.assert_allclose(r.system_lead_time, floor["system_lt"][k], rtol=1e-12)
        np.testing.assert_allclose(r.attainment, floor["attainment"][k], rtol=1e-12)
        np.testing.assert_allclose(
            r.throughput_per_week, floor["throughput_per_week"][k], rtol=1e-12
        )
        np.testing.assert_allclose(
            r.customer_waiting_days, floor["customer_waiting_days"][k], rtol=1e-9
        )
        for name in ("delivered", "wip", "open_requests"):
            assert getattr(r, name) == floor[name][k], (name, r.group)
        np.testing.assert_array_equal(r.at_risk, floor["at_risk"][k], err_msg=f"at_risk {r.group}")
        np.testing.assert_array_equal(r.throughput_trend, floor["throughput_trend"][k])
        np.testing.assert_allclose(r.delay_cost, floor["delay_cost"][k], rtol=1e-9)
        np.testing.assert_allclose(
            r.attainment_censored, floor["attainment_censored"][k], rtol=1e-12
        )


# ------------------------------------------------------------------ set-up
# Costs of delay of the review's policy (fixed-date items have no due date here: no cost).
_COSTS = {
    "Expedite": CostOfDelay(rate=500.0, step=2_000.0),
    "Standard": CostOfDelay(rate=40.0),
    "Intangible": CostOfDelay(rate=5.0, horizon_days=30.0, growth=0.05),
}
_URGENCY_CODE = {"expedite": 0, "fixed_date": 1, "standard": 2, "intangible": 3}


def make_policy(workflow: Workflow) -> Policy:
    return Policy(
        workflow=workflow,
        classes_of_service=[
            ClassOfService(
                name=c,
                urgency=_URGENCY[c],
                sle=ServiceLevelExpectation(SLE_DAYS[c], 0.85),
                cost_of_delay=_COSTS.get(c),
            )
            for c in CLASSES_OF_SERVICE
        ],
    )


def cost_rows(labels: list[str]) -> np.ndarray:
    """Per class label: urgency code, rate (NaN = no cost), step, horizon, growth."""
    rows = []
    for name in labels:
        cost = _COSTS.get(name)
        code = _URGENCY_CODE[_URGENCY[name].value]
        if cost is None:
            rows.append([code, np.nan, 0.0, 0.0, 0.0])
        else:
            rows.append([code, cost.rate, cost.step, cost.horizon_days or 0.0, cost.growth or 0.0])
    return np.array(rows, dtype=np.float64)


def daily_instants(start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """Midnights from the first start day to the day after the last end."""
    lo = start[~np.isnat(start)].min().astype("datetime64[D]")
    hi = end[~np.isnat(end)].max().astype("datetime64[D]") + np.timedelta64(1, "D")
    return np.arange(lo, hi + np.timedelta64(1, "D")).astype("datetime64[ns]")


# ------------------------------------------------------------------ one size
class SizeRun:
    """Times every selected operation at one size; collects rows for the report."""

    def __init__(self, n: int, repeat: int, only: set[str], seed: int) -> None:
        self.n = n
        self.repeat = repeat
        self.warmup = n < 10_000_000
        self.only = only
        self.seed = seed
        self.rows: list[tuple[str, float, float]] = []
        self.memory: list[tuple[str, int, int]] = []
        self.info: dict[str, Any] = {}

    def wanted(self, name: str) -> bool:
        return not self.only or name in self.only

    def time_pair(
        self,
        name: str,
        ours: Callable[[], Any],
        floor: Callable[[], Any],
        check: Callable[[Any, Any], None],
    ) -> Any:
        if not self.wanted(name):
            return None
        log_progress(f"N={self.n:,}: {name}")
        t_ours, r_ours, t_floor, r_floor = best_of_pair(ours, floor, self.repeat, self.warmup)
        check(r_ours, r_floor)
        self.rows.append((name, t_ours, t_floor))
        log_progress(
            f"    ours {t_ours:.4f} s, floor {t_floor:.4f} s, ratio {t_ours / t_floor:.2f}"
        )
        return r_ours

    def run(self) -> None:
        n = self.n
        log_progress(f"N={n:,}: generating the event log")
        start = time.perf_counter()
        log, workflow = generate_event_log(n, seed=self.seed)
        self.info["generate_s"] = time.perf_counter() - start
        n_rows = len(log["item"])
        self.info["rows"] = n_rows
        self.info["log_bytes"] = sum(v.nbytes for v in log.values())
        commit, deliver = workflow.commitment_index, workflow.delivery_index

        def ours_ingest() -> Any:
            return read_event_log(
                log, workflow=workflow, item="item", state="state", at="at", attributes=ATTRIBUTES
            )

        def floor_ingest() -> Any:
            return floors.ingest(log, STATES, commit, deliver, tuple(ATTRIBUTES))

        result = self.time_pair(
            "ingest", ours_ingest, floor_ingest, lambda a, b: check_ingest(a, b, n_rows)
        )
        if self.wanted("memory"):
            log_progress(f"N={n:,}: peak memory of the ingest")
            result = None
            peak, result = peak_bytes(ours_ingest)
            self.memory.append(("ingest (read_event_log)", peak, result.table.nbytes))
        if result is None:
            result = ours_ingest()
        table = result.table
        result = log = None  # the closures above read `log`: rebinding it frees the log
        gc.collect()
        self.info["table_bytes"] = table.nbytes
        self.run_metrics(table, workflow)

    def run_metrics(self, table: Any, workflow: Workflow) -> None:
        n_states = len(table.states)
        req, com, dlv = table["requested_at"], table["committed_at"], table["delivered_at"]
        ids = table["id"]
        codes, labels = table.codes("class_of_service")
        by = (codes, labels)
        n_groups = len(labels)
        tr = table.transitions

        entered = self.time_pair(
            "first_entries",
            table.first_entries,
            lambda: floors.first_entries(tr.item, tr.state, tr.at, len(table), n_states),
            _same_instants,
        )
        if entered is None:
            entered = table.first_entries()

        lead = floors.lead_time(req, dlv)
        self.time_pair(
            "lead_time",
            lambda: metrics.lead_time(req, dlv),
            lambda: floors.lead_time(req, dlv),
            lambda a, b: np.testing.assert_allclose(a, b, rtol=1e-12),
        )
        self.time_pair(
            "percentiles",
            lambda: metrics.percentiles(lead, Q, by=by),
            lambda: floors.percentiles_by(lead, Q, codes, n_groups),
            lambda a, b: np.testing.assert_allclose(a.values, b, rtol=1e-12),
        )

        def check_throughput(a: Any, b: np.ndarray) -> None:
            np.testing.assert_array_equal(a.counts[0], b)
            assert a.periods[0] == dlv[~np.isnat(dlv)].min().astype("datetime64[D]")

        self.time_pair(
            "throughput",
            lambda: metrics.throughput(dlv, freq="D"),
            lambda: floors.throughput_daily(dlv),
            check_throughput,
        )
        self.time_pair(
            "cumulative_flow",
            lambda: metrics.cumulative_flow(entered, freq="D"),
            lambda: floors.cumulative_flow_daily(entered),
            lambda a, b: np.testing.assert_array_equal(a.counts, b),
        )
        entered = None
        at = daily_instants(com, dlv)
        self.time_pair(
            "wip",
            lambda: metrics.wip(com, dlv, at),
            lambda: floors.wip(com, dlv, at),
            np.testing.assert_array_equal,
        )
        self.time_pair(
            "work_item_age",
            lambda: metrics.work_item_age(com, dlv, as_of=AS_OF),
            lambda: floors.work_item_age(com, dlv, AS_OF),
            lambda a, b: np.testing.assert_allclose(a, b, rtol=1e-12),
        )
        sle_by_code = np.array([SLE_DAYS[str(x)] for x in labels])
        sle_days = sle_by_code[codes]

        def check_attainment(a: Any, b: tuple[np.ndarray, ...]) -> None:
            np.testing.assert_allclose(a.attainment, b[0], rtol=1e-12)
            np.testing.assert_array_equal(a.within, b[1])
            np.testing.assert_array_equal(a.n, b[2])

        self.time_pair(
            "sle_attainment",
            lambda: metrics.sle_attainment(lead, sle_days, by=by),
            lambda: floors.sle_attainment_by(lead, sle_days, codes, n_groups),
            check_attainment,
        )
        # Kaplan-Meier of the customer lead time, open requests censored at AS_OF.
        seen = req <= AS_OF
        done = ~np.isnat(dlv) & (dlv <= AS_OF)
        end = np.where(done, dlv, AS_OF)
        km_d = ((end - req) / np.timedelta64(1, "D"))[seen]
        km_obs = done[seen]

        def check_km(a: Any, b: tuple[np.ndarray, np.ndarray]) -> None:
            np.testing.assert_array_equal(a.times, b[0])
            np.testing.assert_allclose(a.survival, b[1], rtol=1e-9, atol=1e-12)

        self.time_pair(
            "kaplan_meier",
            lambda: metrics.kaplan_meier(km_d, km_obs),
            lambda: floors.kaplan_meier(km_d, km_obs),
            check_km,
        )
        lead = sle_days = km_d = km_obs = end = None

        policy = make_policy(workflow)
        costs_by_code = cost_rows([str(x) for x in labels])

        def ours_review() -> Any:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", InsufficientDataWarning)
                return service_delivery_review(table, policy, as_of=AS_OF)

        def floor_review() -> Any:
            return floors.review(
                ids, req, com, dlv, codes, n_groups, sle_by_code, AS_OF, Q, costs_by_code
            )

        self.time_pair(
            "review",
            ours_review,
            floor_review,
            lambda a, b: check_review(a, b, [str(x) for x in labels]),
        )
        if self.wanted("memory"):
            log_progress(f"N={self.n:,}: peak memory of the review")
            peak, _ = peak_bytes(ours_review)
            self.memory.append(("review (service_delivery_review)", peak, table.nbytes))


# ------------------------------------------------------------------ forecast
def time_forecast(seed: int) -> tuple[float, float, float, float]:
    """forecast_when on 10^5 trials beside a one-batch numpy floor; medians must agree."""
    rng = np.random.default_rng(seed)
    sample = rng.poisson(1.0, size=60)  # 60 days of history, about one delivery a day
    items = round(365 * sample.mean())  # about a year of work
    trials = 100_000

    def ours() -> Any:
        return metrics.forecast_when(sample, items, trials=trials, rng=seed)

    def floor() -> Any:  # all trials at once over a horizon long enough for every one
        horizon = 2 * 365
        draws = np.random.default_rng(seed).choice(sample, size=(trials, horizon))
        cum = np.cumsum(draws, axis=1, dtype=np.int32)
        return (cum >= items).argmax(axis=1) + 1

    t_ours, r_ours, t_floor, r_floor = best_of_pair(ours, floor, 3, True)
    m_ours, m_floor = float(np.median(r_ours.days[0])), float(np.median(r_floor))
    assert abs(m_ours - m_floor) <= 0.02 * m_floor, (m_ours, m_floor)
    return t_ours, t_floor, m_ours, m_floor


def format_forecast(
    t_ours: float, t_floor: float, m_ours: float, m_floor: float, markdown: bool
) -> str:
    status = "ok" if t_ours < FORECAST_TARGET_S else "MISS"
    head = [
        "call",
        "ours (s)",
        "floor (s)",
        "ours/floor",
        "target",
        "median days ours/floor",
        "status",
    ]
    row = [
        "forecast_when, 10^5 trials, 365-day horizon",
        f"{t_ours:.3f}",
        f"{t_floor:.3f}",
        f"{t_ours / t_floor:.2f}",
        f"< {FORECAST_TARGET_S:g} s",
        f"{m_ours:g} / {m_floor:g}",
        status,
    ]
    if markdown:
        return "\n".join(
            [
                "### Forecast",
                "",
                "| " + " | ".join(head) + " |",
                "|" + "---|" * len(head),
                "| " + " | ".join(row) + " |",
            ]
        )
    return "\n".join(["Forecast", "  ".join(head), "  ".join(row)])


# ------------------------------------------------------------------ import
_IMPORT_CODE = """
import sys, time
t = time.perf_counter()
import {module}
d = time.perf_counter() - t
print(d)
print(",".join(m for m in {heavy!r} if m in sys.modules))
print("scipy" in sys.modules)
"""


def time_import(module: str, best_of_n: int = 5) -> tuple[float, str, bool]:
    """Best wall time of ``import module`` in fresh interpreters; heavy modules loaded."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(SRC), env.get("PYTHONPATH")) if p)
    code = _IMPORT_CODE.format(module=module, heavy=HEAVY)
    times, heavy, scipy = [], "", False
    for _ in range(best_of_n):
        out = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
        ).stdout.split("\n")
        times.append(float(out[0]))
        heavy, scipy = out[1], out[2] == "True"
    return min(times), heavy, scipy


# ------------------------------------------------------------------ report
def table_text(header: list[str], rows: list[list[str]], markdown: bool) -> str:
    if markdown:
        lines = [
            "| " + " | ".join(header) + " |",
            "|" + "|".join("---" if i == 0 else "---:" for i in range(len(header))) + "|",
        ]
        lines += ["| " + " | ".join(r) + " |" for r in rows]
        return "\n".join(lines)
    widths = [max(len(x) for x in col) for col in zip(header, *rows, strict=True)]

    def line(cells: list[str]) -> str:
        return "  ".join(
            c.ljust(w) if i == 0 else c.rjust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    return "\n".join([line(header), line(["-" * w for w in widths])] + [line(r) for r in rows])


def format_size(run: SizeRun, markdown: bool) -> str:
    n = run.n
    header = ["operation", "N", "ours (s)", "floor (s)", "ours/floor", "target", "status"]
    rows = []
    for name, t_ours, t_floor in run.rows:
        ratio = t_ours / t_floor
        if n >= RATIO_FROM_N:
            target, status = f"<= {RATIO_TARGET}", "ok" if ratio <= RATIO_TARGET else "MISS"
        else:
            target, status = "(none)", ""
        rows.append(
            [name, f"{n:,}", f"{t_ours:.4f}", f"{t_floor:.4f}", f"{ratio:.2f}", target, status]
        )
    title = (
        f"N = {n:,} items ({run.info['rows']:,} log rows, "
        f"log {run.info['log_bytes'] / 1e6:,.0f} MB, "
        f"table.nbytes {run.info['table_bytes'] / 1e6:,.0f} MB; "
        f"generated in {run.info['generate_s']:.1f} s; best of {run.repeat}"
        f"{', after one warm-up call' if run.warmup else ', no warm-up'})"
    )
    out = [f"### {title}" if markdown else title, ""]
    if rows:
        out.append(table_text(header, rows, markdown))
    return "\n".join(out)


def format_memory(runs: list[SizeRun], markdown: bool) -> str:
    header = [
        "measured call",
        "N",
        "peak (MB)",
        "table.nbytes (MB)",
        "peak/nbytes",
        "target",
        "status",
    ]
    rows = []
    for run in runs:
        for what, peak, nbytes in run.memory:
            ratio = peak / nbytes
            rows.append(
                [
                    what,
                    f"{run.n:,}",
                    f"{peak / 1e6:,.0f}",
                    f"{nbytes / 1e6:,.0f}",
                    f"{ratio:.2f}",
                    f"<= {MEMORY_TARGET:g}",
                    "ok" if ratio <= MEMORY_TARGET else "MISS",
                ]
            )
    title = "Peak memory (tracemalloc, the call's own allocations incl. its result)"
    return (
        "\n".join([f"### {title}" if markdown else title, "", table_text(header, rows, markdown)])
        if rows
        else ""
    )


def format_import(results: list[tuple[str, float, str, bool]], markdown: bool) -> str:
    header = [
        "import (fresh interpreter, best of 5)",
        "time (s)",
        "target",
        "pandas/polars/pyarrow/matplotlib/dask loaded",
        "scipy loaded",
        "status",
    ]
    rows = []
    for module, seconds, heavy, scipy in results:
        target = f"< {IMPORT_TARGET_S}" if module == "customer_kanban" else "(none)"
        ok = (seconds < IMPORT_TARGET_S or module != "customer_kanban") and not heavy
        rows.append(
            [
                f"import {module}",
                f"{seconds:.3f}",
                target,
                heavy or "none",
                "yes" if scipy else "no",
                "ok" if ok else "MISS",
            ]
        )
    title = "Import time"
    return "\n".join(
        [f"### {title}" if markdown else title, "", table_text(header, rows, markdown)]
    )


def source_digest() -> str:
    """Short digest of the library's source files, to tie results to a code version."""
    digest = hashlib.sha256()
    for path in sorted((SRC / "customer_kanban").rglob("*.py")):
        digest.update(path.relative_to(SRC).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def git_line() -> str:
    """The commit of the checkout, and whether src/ differs from it."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=HERE,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", str(SRC)],
            cwd=HERE,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "git commit: unknown"
    return f"git commit: {head}" + (" (src/ has uncommitted changes)" if dirty else "")


def machine_line() -> str:
    return (
        f"{platform.platform()}, {os.cpu_count()} cores, Python {platform.python_version()},"
        f" numpy {np.__version__}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--sizes",
        default=",".join(str(s) for s in DEFAULT_SIZES),
        help="comma-separated numbers of work items (default: %(default)s)",
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=None,
        help="best of K runs (default: 3 below 10^7 items, 1 at 10^7)",
    )
    parser.add_argument(
        "--only", default="", help=f"comma-separated subset of {', '.join(OPERATIONS + EXTRAS)}"
    )
    parser.add_argument("--markdown", action="store_true", help="print markdown tables")
    parser.add_argument("--seed", type=int, default=0, help="seed of the generator")
    args = parser.parse_args(argv)
    sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s]
    only = {s.strip() for s in args.only.split(",") if s.strip()}
    unknown = only - set(OPERATIONS + EXTRAS)
    if unknown:
        parser.error(
            f"unknown --only names {sorted(unknown)}; choose from {', '.join(OPERATIONS + EXTRAS)}"
        )

    command = "python benchmarks/run.py " + " ".join(sys.argv[1:] if argv is None else argv)
    print("## customer_kanban benchmarks" if args.markdown else "customer_kanban benchmarks")
    print()
    print(f"{dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC; {machine_line()}")
    print(f"command: `{command.strip()}`" if args.markdown else f"command: {command.strip()}")
    print(f"{git_line()}; source digest (sha256 of src/customer_kanban/**/*.py): {source_digest()}")
    print(
        f"targets: ours/floor <= {RATIO_TARGET} at N >= {RATIO_FROM_N:,}; "
        f"import < {IMPORT_TARGET_S} s without pandas/matplotlib/dask; "
        f"peak memory <= {MEMORY_TARGET:g} x table.nbytes"
    )
    print()
    sys.stdout.flush()

    runs = []
    timed_ops = not only or bool(only & {*OPERATIONS, "memory"})
    for n in sizes if timed_ops else []:
        repeat = args.repeat if args.repeat is not None else (1 if n >= 10_000_000 else 3)
        run = SizeRun(n, repeat, only, args.seed)
        run.run()
        runs.append(run)
        print(format_size(run, args.markdown))
        print()
        sys.stdout.flush()
        gc.collect()

    if not only or "import" in only:
        log_progress("import times")
        results = [
            (m, *time_import(m))
            for m in (
                "numpy",
                "customer_kanban",
                "customer_kanban.metrics, customer_kanban.io, customer_kanban.reviews",
            )
        ]
        print(format_import(results, args.markdown))
        print()
    if not only or "forecast" in only:
        log_progress("forecast_when: 10^5 trials, a 365-day horizon")
        print(format_forecast(*time_forecast(args.seed), args.markdown))
        print()
    if not only or "customers" in only:
        from _customers import run_customers

        log_progress("customer side: N transactions of N // 10 customers")
        print("Customers" if not args.markdown else "### Customers")
        print(run_customers(sizes, args.repeat, args.seed, args.markdown))
        print()
        import clv

        log_progress("customer lifetime value: purchase_summary, BG/NBD on CDNOW")
        clv.run(sizes, args.repeat, args.seed)
        print()
    if not only or "policies" in only:
        import acceptance
        import delay

        log_progress("policies: delay cost, CD3, WSJF, acceptance rules")
        delay.run(sizes, args.repeat, args.seed)
        print()
        acceptance.run(sizes, args.repeat, args.seed)
        print()
    if not only or "blockers" in only:
        import blockers

        log_progress("blockers: blocker clusters by group and reason, blocked time")
        blockers.run(sizes, args.repeat, args.seed)
        print()
    if not only or "grouping" in only:
        import grouping

        log_progress("grouping: percentiles by a string label beside duckdb, polars, pyarrow")
        grouping.run(sizes, args.repeat, args.seed)
        print()
    memory = format_memory(runs, args.markdown)
    if memory:
        print(memory)
        print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
