"""What a returned result must satisfy whatever the input (checked on every fuzz case)."""

from __future__ import annotations

import json
from typing import Any

import numpy as np

import customer_kanban as ck

SHARES = {
    "attainment", "share", "rate", "retention", "churn", "fit_share", "probability",
    "probability_within", "likelihood", "acceptance_rate", "shares", "actual", "coverage",
}  # fmt: skip
COUNTS = {
    "counts", "n", "n_events", "within", "items", "blocks", "on_time", "active", "acquired",
    "retained", "won_back", "lost", "let_go", "cross_sold", "size", "sizes", "wip", "peak",
    "breach_count", "blocked_items", "n_items", "transactions", "n_customers", "open_items",
    "n_transactions", "lost_so_far", "live", "at_risk", "events", "delivered",
}  # fmt: skip
NON_NEGATIVE = {"total_days", "mean_days", "blocked_days", "breach_days", "days", "duration"}
# Plain arrays returned by these functions are durations or shares.
DURATIONS = {"lead_time", "work_item_age", "blocked_time", "time_in_state"}


def _refuse(token: str) -> None:
    raise ValueError(f"non-standard JSON token {token}")


def _bad_range(values: np.ndarray, lo: float, hi: float) -> bool:
    v = values[~np.isnan(values)] if values.dtype.kind == "f" else values
    return bool(v.size) and bool((v < lo).any() or (v > hi).any())


def broken(function: str, value: Any) -> str | None:
    """The first invariant `value` (returned by `function`) breaks, or None."""
    short = function.rsplit(".", 1)[-1]
    is_floats = isinstance(value, np.ndarray) and value.dtype.kind == "f"
    if is_floats and short in DURATIONS and _bad_range(value, 0, np.inf):
        return f"{short} returned a negative duration"
    if short == "flow_efficiency" and isinstance(value, np.ndarray) and _bad_range(value, 0, 1):
        return "flow efficiency outside [0, 1]"
    for r in _results(value):
        try:
            json.loads(r.to_json(), parse_constant=_refuse)
        except (TypeError, ValueError) as exc:
            return f"{type(r).__name__}.to_json: {exc}"
        for a in type(r).__attrs_attrs__:
            v = getattr(r, a.name)
            if not isinstance(v, np.ndarray) or v.dtype.kind not in "fiu":
                continue
            if a.name in SHARES and _bad_range(v.astype(float), 0, 1):
                return f"{type(r).__name__}.{a.name} outside [0, 1]"
            if a.name in COUNTS and v.dtype.kind in "iu" and (v < 0).any():
                return f"{type(r).__name__}.{a.name} negative"
            if a.name in NON_NEGATIVE and _bad_range(v.astype(float), 0, np.inf):
                return f"{type(r).__name__}.{a.name} negative"
    return None


def _results(value: Any) -> list[ck.Result]:
    out: list[ck.Result] = []
    stack = [value]
    while stack:
        v = stack.pop()
        if isinstance(v, ck.Result):
            out.append(v)
            stack.extend(getattr(v, a.name) for a in type(v).__attrs_attrs__)
        elif isinstance(v, (tuple, list)) and len(v) < 10_000:
            stack.extend(v)
    return out
