"""Plain-numpy floors: the simplest fast numpy computing what each operation computes.

Each floor takes the same, already converted arrays as the library call it is
compared with, does no input validation and builds no result objects.  The
benchmark asserts on every size that a floor and the library agree, so a floor
cannot silently compute something cheaper.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = [
    "NS_PER_DAY",
    "cumulative_flow_daily",
    "first_entries",
    "ingest",
    "lead_time",
    "percentiles_by",
    "review",
    "sle_attainment_by",
    "throughput_daily",
    "wip",
    "work_item_age",
]

NS_PER_DAY = 86_400 * 10**9
I64_MAX = np.iinfo(np.int64).max
NAT = np.iinfo(np.int64).min

Array = npt.NDArray[Any]


# ------------------------------------------------------------------- 1. ingest
def _factorize_small(values: Array, labels: Array) -> npt.NDArray[np.int64]:
    """Codes of `values` among a few known sorted `labels` (binary search, no sort)."""
    pos = np.searchsorted(labels, values)
    if not (labels[np.minimum(pos, labels.size - 1)] == values).all():
        raise ValueError("unknown label")
    return pos


def _latest_per_item(values: Array, rows: npt.NDArray[np.int64]) -> tuple[Array, Array]:
    """Codes and sorted string labels of each item's value on its latest row."""
    uniq, codes = np.unique(values[rows], return_inverse=True)
    text = uniq.astype(str)
    order = np.argsort(text)  # labels sorted as text, as the table stores them
    remap = np.empty(order.size, np.int32)
    remap[order] = np.arange(order.size, dtype=np.int32)
    return remap[codes], text[order]


def ingest(
    log: dict[str, Array],
    states: tuple[str, ...],
    commit: int,
    deliver: int,
    attributes: tuple[str, ...],
) -> dict[str, Array]:
    """Event log -> per-item columns and transitions, in one sort.

    Item ids are integers: codes are ``id - min(id)``; states are looked up by
    binary search among the six sorted names; rows are ordered by (item, instant)
    with ``np.lexsort``; consecutive repeats of a state are merged; requested =
    first instant of each item, committed / delivered = first instant at or past
    the commitment / delivery point; each attribute = the value on the item's
    latest row, factorized over the items (not the rows).
    """
    item = log["item"]
    lo = item.min()
    codes = item - lo
    names = np.array(sorted(states))
    to_workflow = np.array([states.index(s) for s in names.tolist()], dtype=np.int32)
    state = to_workflow[_factorize_small(log["state"], names)]
    at = log["at"].view(np.int64)
    order = np.lexsort((at, codes))
    s_codes = codes[order]
    s_state = state[order]
    s_at = at[order]
    new_item = np.empty(order.size, bool)
    new_item[0] = True
    np.not_equal(s_codes[1:], s_codes[:-1], out=new_item[1:])
    item_pos = np.cumsum(new_item) - 1
    n_items = int(item_pos[-1]) + 1
    keep = new_item.copy()
    keep[1:] |= s_state[1:] != s_state[:-1]
    tr_item = item_pos[keep]
    tr_state = s_state[keep]
    tr_at = s_at[keep]
    out: dict[str, Array] = {
        "id": s_codes[new_item] + lo,
        "requested_at": s_at[new_item],
        "tr_item": tr_item,
        "tr_state": tr_state,
        "tr_at": tr_at,
    }
    for name, point in (("committed_at", commit), ("delivered_at", deliver)):
        hit = np.flatnonzero(tr_state >= point)
        it = tr_item[hit]
        first = np.empty(hit.size, bool)
        first[0] = True
        np.not_equal(it[1:], it[:-1], out=first[1:])
        col = np.full(n_items, NAT, np.int64)
        col[it[first]] = tr_at[hit[first]]
        out[name] = col
    last_rows = order[np.flatnonzero(np.append(new_item[1:], True))]
    for name in attributes:
        out[name] = _latest_per_item(log[name], last_rows)
    return out


# ------------------------------------------------------------ 4a. first entries
def first_entries(
    tr_item: Array, tr_state: Array, tr_at: Array, n_items: int, n_states: int
) -> Array:
    """(n_items, n_states) first entry: earliest instant per (item, state) via ``minimum.at``."""
    out = np.full(n_items * n_states, I64_MAX, np.int64)
    np.minimum.at(out, tr_item * n_states + tr_state, tr_at.view(np.int64))
    out[out == I64_MAX] = NAT
    return out.view("datetime64[ns]").reshape(n_items, n_states)


# --------------------------------------------------------------- 2. lead time
def lead_time(start: Array, end: Array) -> Array:
    """Days from start to end; NaN where either is NaT."""
    return (end - start) / np.timedelta64(1, "D")


def percentiles_by(values: Array, q: Array, codes: Array, n_groups: int) -> Array:
    """``np.percentile`` of the non-NaN values of each group, one mask per group."""
    finite = ~np.isnan(values)
    out = np.full((n_groups, len(q)), np.nan)
    for k in range(n_groups):
        v = values[(codes == k) & finite]
        if v.size:
            out[k] = np.percentile(v, q)
    return out


# -------------------------------------------------------------- 3. throughput
def throughput_daily(end: Array) -> Array:
    """Deliveries per calendar day, first to last delivery day."""
    ns = end.view(np.int64)[~np.isnat(end)]
    day = ns // NS_PER_DAY
    return np.bincount(day - day.min())


# --------------------------------------------------------------------- 4. CFD
def cumulative_flow_daily(entered: Array) -> Array:
    """(1, P, S) cumulative arrivals per day and state, back-filled across later states.

    The matrix transposed to one contiguous row per state (``NaT`` -> +inf), a
    reverse running minimum across states, then per state one ``bincount`` of
    day offsets (never-entered cells go to a spare last day) and a cumulative sum
    into the (group, period, state) array of one group. No sort.
    """
    n_states = entered.shape[1]
    ns = entered.view(np.int64)
    arrived = ns.T.copy()
    arrived[arrived == NAT] = I64_MAX
    for s in range(n_states - 2, -1, -1):
        np.minimum(arrived[s], arrived[s + 1], out=arrived[s])
    first = int(arrived[0].min()) // NS_PER_DAY
    n_periods = int(ns.max()) // NS_PER_DAY - first + 1  # NaT is the smallest int64
    counts = np.empty((1, n_periods, n_states), np.int64)
    for s in range(n_states):
        day = arrived[s] // NS_PER_DAY - first
        np.minimum(day, n_periods, out=day)
        counts[0, :, s] = np.cumsum(np.bincount(day, minlength=n_periods + 1)[:n_periods])
    return counts


# --------------------------------------------------------------------- 5. WIP
def wip(start: Array, end: Array, at: Array) -> Array:
    """Committed by t minus delivered by t, by binary search in the sorted instants."""
    starts = np.sort(start.view(np.int64)[~np.isnat(start)])
    ends = np.sort(end.view(np.int64)[~np.isnat(end)])
    t = at.view(np.int64)
    return np.searchsorted(starts, t, side="right") - np.searchsorted(ends, t, side="right")


# ---------------------------------------------------------------- 6. age
def work_item_age(start: Array, end: Array, as_of: np.datetime64) -> Array:
    """``as_of - start`` in days for items started by `as_of` and not finished by then."""
    active = (start <= as_of) & ~(end <= as_of)
    age = (as_of - start) / np.timedelta64(1, "D")
    age[~active] = np.nan
    return age


# ------------------------------------------------------------- 7. attainment
def sle_attainment_by(
    durations: Array, days: Array, codes: Array, n_groups: int
) -> tuple[Array, Array, Array]:
    """``bincount`` of items within their SLE / ``bincount`` of finished items."""
    finished = ~np.isnan(durations)
    n = np.bincount(codes[finished], minlength=n_groups)
    within = np.bincount(codes[durations <= days], minlength=n_groups)
    return within / n, within, n


# ----------------------------------------------------------------- 8. review
def review(
    ids: Array,
    requested: Array,
    committed: Array,
    delivered: Array,
    codes: Array,
    n_groups: int,
    sle_days_by_class: Array,
    as_of: np.datetime64,
    q: Array,
    cost_by_class: Array,
    risk_fraction: float = 0.8,
    trend_weeks: int = 4,
) -> dict[str, Any]:
    """The numbers of a service delivery review, per class of service and in total.

    Composed of the floors above: the table seen as of `as_of` (items requested
    by then; later commitments and deliveries -> NaT), two lead times, the age
    of open requests, percentiles of both lead times for all work and per class,
    SLE attainment for all work and per class, and ``bincount`` sums per class
    (delivered, delivered in the window, WIP, open, customer waiting), and the ids
    of the open requests at risk per class (``flatnonzero`` of the flags, split by
    class); the Kaplan-Meier attainment per class (``kaplan_meier`` below on the
    lead time of delivered items and the age of open ones, ``1 - S(sle)``); the
    deliveries per seven-day window ending at `as_of` (``(as_of - dlv) // 7 days``
    and one ``bincount``); the delay cost (`cost_by_class` rows: urgency code 0..3 as
    in URGENCIES, rate, step, horizon, growth; NaN rate = no cost) in closed form.
    Row 0 of every array is "all", rows 1..G the classes.
    """
    keep = requested <= as_of
    item = ids[keep]
    req = requested[keep]
    com = committed[keep]
    dlv = delivered[keep]
    com[com > as_of] = np.datetime64("NaT")
    dlv[dlv > as_of] = np.datetime64("NaT")
    cos = codes[keep]
    customer_lt = lead_time(req, dlv)
    system_lt = lead_time(com, dlv)
    age = work_item_age(req, dlv, as_of)
    sle_days = sle_days_by_class[cos]
    window_start = req.min()
    weeks = max((as_of - window_start) / np.timedelta64(7, "D"), 1.0 / 7.0)
    open_request = np.isnat(dlv)
    done = ~open_request
    in_window = (dlv >= window_start) & (dlv <= as_of)
    in_wip = ~np.isnat(com) & open_request
    risky = (age >= risk_fraction * sle_days) & open_request
    waited = (np.where(done, dlv, as_of) - req) / np.timedelta64(1, "D")

    g = n_groups
    zeros = np.zeros(cos.size, np.int64)
    out: dict[str, Any] = {}
    for name, values in (("customer_lt", customer_lt), ("system_lt", system_lt)):
        total = np.percentile(values[~np.isnan(values)], q)[np.newaxis]
        out[name] = np.concatenate((total, percentiles_by(values, q, cos, g)))
    all_att = sle_attainment_by(customer_lt, sle_days, zeros, 1)[0]
    per_class = sle_attainment_by(customer_lt, sle_days, cos, g)[0]
    out["attainment"] = np.concatenate((all_att, per_class))

    def count(mask: Array) -> Array:
        per = np.bincount(cos[mask], minlength=g)
        return np.concatenate(([per.sum()], per))

    out["delivered"] = count(done)
    out["throughput_per_week"] = count(in_window) / weeks
    out["wip"] = count(in_wip)
    out["open_requests"] = count(open_request)
    risky_rows = np.flatnonzero(risky)
    risky_class = cos[risky_rows]
    out["at_risk"] = [item[risky_rows]] + [item[risky_rows[risky_class == k]] for k in range(g)]
    per = np.bincount(cos, weights=waited, minlength=g)
    out["customer_waiting_days"] = np.concatenate(([waited.sum()], per))
    # Kaplan-Meier attainment per class: delivered lead times observed, open ages censored.
    duration = np.where(done, customer_lt, age)
    km = np.full(g + 1, np.nan)
    for k in range(g):  # four classes
        mine = cos == k
        times, surv = kaplan_meier(duration[mine], done[mine].astype(np.float64))
        at = np.searchsorted(times, sle_days_by_class[k], side="right") - 1
        km[k + 1] = 1.0 - (surv[at] if at >= 0 else 1.0)
    out["attainment_censored"] = km
    # Deliveries per seven-day window ending at as_of, oldest first.
    back = (as_of - dlv[done]).view(np.int64) // (7 * NS_PER_DAY)
    recent = back < trend_weeks
    slot = cos[done][recent] * trend_weeks + (trend_weeks - 1 - back[recent])
    per_window = np.bincount(slot, minlength=g * trend_weeks).reshape(g, trend_weeks)
    out["throughput_trend"] = np.vstack((per_window.sum(axis=0), per_window))
    # Delay cost: the closed forms of the classes' archetypes, to delivery or as_of.
    urgency, rate, step, horizon, growth = (cost_by_class[:, j][cos] for j in range(5))
    end = np.where(done, dlv, as_of)
    days = (end - req).view(np.int64) / NS_PER_DAY
    cost = rate * days
    cost += np.where((urgency == 0) & (days > 0), step, 0.0)
    late = np.maximum(days - horizon, 0.0)
    cost += np.where(urgency == 3, rate * growth * late * late / 2.0, 0.0)
    has = ~np.isnan(rate)
    per_cost = np.bincount(cos[has], weights=cost[has], minlength=g)
    per_cost[np.isnan(cost_by_class[:, 1])] = np.nan  # a class without cost: unknown
    out["delay_cost"] = np.concatenate(([np.nansum(per_cost)], per_cost))
    return out


def kaplan_meier(durations: Array, observed: Array) -> tuple[Array, Array]:
    """Kaplan-Meier by sort and cumulative counts: event times and S just after each."""
    times, inverse, counts = np.unique(durations, return_inverse=True, return_counts=True)
    events = np.bincount(inverse, weights=observed, minlength=times.size)
    at_risk = durations.size - np.concatenate(([0], np.cumsum(counts)[:-1]))
    keep = events > 0
    return times[keep], np.cumprod(1.0 - events[keep] / at_risk[keep])
