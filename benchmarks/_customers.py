"""Customer-side benchmarks: RFM, value segments, trailing and total value per customer.

N transactions of N // 10 customers (10^7 transactions of 10^6 customers at the largest
size), seeded; each of our calls beside a plain-numpy floor computing the same figures,
results asserted equal, printed as ratios. Called by ``run.py --only customers``.
"""

from __future__ import annotations

import gc
import time
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from customer_kanban import customers

AS_OF = np.datetime64("2024-12-31T23:59:59", "ns")
NS_PER_DAY = 86_400_000_000_000


def generate(n: int, seed: int) -> dict[str, Any]:
    """`n` transactions of `n // 10` customers over 2023-2024 (whole seconds)."""
    rng = np.random.default_rng(seed)
    n_customers = max(n // 10, 1)
    customer = rng.integers(0, n_customers, size=n)
    seconds = rng.integers(0, 2 * 365 * 86_400, size=n)
    at = np.datetime64("2023-01-01", "ns") + (seconds * 1_000_000_000).astype("timedelta64[ns]")
    value = np.round(rng.gamma(2.0, 20.0, size=n), 2)
    margin = np.round(value * rng.uniform(-0.1, 0.4, size=n), 2)
    return {
        "customer": customer,
        "labels": np.arange(n_customers),
        "at": at,
        "value": value,
        "margin": margin,
        "n_customers": n_customers,
    }


def _best(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    best, result = float("inf"), None
    for _ in range(repeat):
        result = None
        gc.collect()
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def _scores(values: np.ndarray, bins: int) -> np.ndarray:
    """Mid-rank scores: 1 + floor(bins * (below + ties / 2) / n)."""
    _, inverse, counts = np.unique(values, return_inverse=True, return_counts=True)
    below = np.cumsum(counts) - counts
    return 1 + (bins * (2 * below + counts)[inverse]) // (2 * values.size)


# ------------------------------------------------------------------ floors
def floor_rfm(d: dict[str, Any]) -> tuple[np.ndarray, ...]:
    c, at, v, size = d["customer"], d["at"].view(np.int64), d["value"], d["n_customers"]
    count = np.bincount(c, minlength=size)
    last = np.full(size, np.iinfo(np.int64).min)
    np.maximum.at(last, c, at)
    total = np.bincount(c, weights=v, minlength=size)
    present = count > 0
    recency = (AS_OF.view(np.int64) - last[present]) / NS_PER_DAY
    return (
        _scores(-recency, 5),
        _scores(count[present].astype(float), 5),
        _scores(total[present], 5),
    )


def floor_trailing(d: dict[str, Any]) -> np.ndarray:
    start = AS_OF - np.timedelta64(365 * NS_PER_DAY, "ns")
    inside = (d["at"] > start) & (d["at"] <= AS_OF)
    return np.bincount(
        d["customer"], weights=np.where(inside, d["margin"], 0.0), minlength=d["n_customers"]
    )


def floor_segments(cv: np.ndarray, fp: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    hc, hf = cv > np.median(cv), fp > np.median(fp)
    codes = 2 * (~hf).astype(np.int64) + (~hc).astype(np.int64)
    return codes, np.bincount(codes, minlength=5)


def floor_value(d: dict[str, Any]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    size = d["n_customers"]
    revenue = np.bincount(d["customer"], weights=d["value"], minlength=size)
    margin = np.bincount(d["customer"], weights=d["margin"], minlength=size)
    with np.errstate(divide="ignore", invalid="ignore"):
        profitability = margin / revenue
    return revenue, margin, np.bincount(d["customer"], minlength=size), profitability


def floor_active_per_quarter(d: dict[str, Any]) -> np.ndarray:
    """Quarter of each row (a per-day table), one sort of (customer, quarter) keys and a
    unique by adjacent difference: the active customers per quarter."""
    days = d["at"].view(np.int64) // NS_PER_DAY
    lo = days.min()
    months = np.arange(lo, days.max() + 1).astype("datetime64[D]").astype("datetime64[M]")
    q = (months.view(np.int64) // 3)[days - lo]
    q -= q.min()
    n_periods = int(q.max()) + 1
    key = d["customer"] * n_periods + q
    key.sort()
    keep = np.empty(key.size, bool)
    keep[0] = True
    np.not_equal(key[1:], key[:-1], out=keep[1:])
    return np.bincount(key[keep] % n_periods, minlength=n_periods)


# ------------------------------------------------------------------ ours
def run_size(n: int, repeat: int, seed: int) -> list[tuple[str, float, float]]:
    d = generate(n, seed)
    by = (d["customer"], d["labels"])
    rows = []

    def ours_rfm() -> Any:
        return customers.rfm(d["at"], d["value"], by=by, as_of=AS_OF)

    t_o, r = _best(ours_rfm, repeat)
    t_f, f = _best(lambda: floor_rfm(d), repeat)
    for got, want in zip((r.r, r.f, r.m), f, strict=True):
        np.testing.assert_array_equal(got, want)
    rows.append(("rfm", t_o, t_f))

    t_o, tv = _best(
        lambda: customers.trailing_value(d["at"], d["margin"], by=by, as_of=AS_OF), repeat
    )
    trailing = tv.values
    t_f, f = _best(lambda: floor_trailing(d), repeat)
    np.testing.assert_allclose(trailing, f, rtol=1e-12, atol=1e-9)
    rows.append(("trailing_value", t_o, t_f))

    potential = np.random.default_rng(seed + 1).gamma(2.0, 50.0, size=d["n_customers"])
    t_o, s = _best(lambda: customers.segment_customers(trailing, potential), repeat)
    t_f, f = _best(lambda: floor_segments(trailing, potential), repeat)
    np.testing.assert_array_equal(s.codes, f[0])
    np.testing.assert_array_equal(s.sizes, f[1])
    rows.append(("segment_customers", t_o, t_f))

    with warnings.catch_warnings():  # a customer may have no transaction: NaN profitability
        warnings.simplefilter("ignore")
        t_o, v = _best(lambda: customers.customer_value(d["value"], d["margin"], by=by), repeat)
    t_f, f = _best(lambda: floor_value(d), repeat)
    np.testing.assert_allclose(v.revenue, f[0], rtol=1e-12)
    np.testing.assert_allclose(v.margin, f[1], rtol=1e-12, atol=1e-9)
    np.testing.assert_array_equal(v.transactions, f[2])
    rows.append(("customer_value", t_o, t_f))

    t_f, active = _best(lambda: floor_active_per_quarter(d), repeat)
    t_o, gkg = _best(
        lambda: customers.get_keep_grow(by, d["at"], d["value"], freq="Q", lost_after=2), repeat
    )
    np.testing.assert_array_equal(gkg.active[0], active)
    rows.append(("get_keep_grow (quarters)", t_o, t_f))
    t_o, cohorts = _best(lambda: customers.cohort_retention(by, d["at"], freq="Q"), repeat)
    months = cohorts.groups.astype("datetime64[M]").view(np.int64)
    first = d["at"].min().astype("datetime64[M]").view(np.int64) // 3
    offset = months // 3 - first  # quarter of each cohort, from the first one
    per_quarter = np.zeros(active.size, np.int64)
    for c, start in enumerate(offset):  # a loop over the handful of cohorts
        span = min(cohorts.active.shape[1], active.size - start)
        per_quarter[start : start + span] += cohorts.active[c, :span]
    np.testing.assert_array_equal(per_quarter, active)
    rows.append(("cohort_retention (quarters)", t_o, t_f))
    return rows


def run_customers(sizes: list[int], repeat: int | None, seed: int, markdown: bool) -> str:
    """Time every customer-side operation at each size; a table of ratios."""
    header = ["operation", "transactions", "customers", "ours (s)", "floor (s)", "ours/floor"]
    lines = []
    for n in sizes:
        k = repeat if repeat is not None else (1 if n >= 10_000_000 else 3)
        for name, t_o, t_f in run_size(n, k, seed):
            lines.append(
                [
                    name,
                    f"{n:,}",
                    f"{max(n // 10, 1):,}",
                    f"{t_o:.4f}",
                    f"{t_f:.4f}",
                    f"{t_o / t_f:.2f}",
                ]
            )
        gc.collect()
    if markdown:
        out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        out += ["| " + " | ".join(row) + " |" for row in lines]
        return "\n".join(out)
    widths = [max(len(r[i]) for r in [header, *lines]) for i in range(len(header))]
    return "\n".join(
        "  ".join(c.rjust(w) for c, w in zip(r, widths, strict=True)) for r in [header, *lines]
    )
