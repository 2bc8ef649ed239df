"""Are the customers we say matter most served at least as well as the others?

Seed 001 asks not to treat every customer the same: premium customers get
the effort. :func:`compare_service` checks whether they also get the
*service*, on a per-item measure such as the customer lead time (lower is
better) or "SLE met" (1/0, higher is better): the statistic on each side,
effect sizes, and a one-sided permutation test whose small p-value means the
focus group is served significantly *worse*.

Definitions
-----------
* ``T = stat(focus) − stat(others)`` when lower is better, its negative when
  higher is better, so that a large ``T`` means "focus served worse".
* Permutation test: under H0 the group labels are exchangeable; ``T`` is
  recomputed on random relabellings (the same group sizes) and
  ``p = (1 + #{T_perm >= T_obs}) / (1 + permutations)``. When there are no
  more distinct splits than `permutations`, all of them are enumerated and
  ``p = #{T_split >= T_obs} / #splits`` exactly (as
  :func:`scipy.stats.permutation_test` does). Equality is judged with a
  relative tolerance of 100 machine epsilons, also as scipy.
* Cliff's delta ``δ = P(X_focus > X_other) − P(X_focus < X_other)`` over
  all pairs, ``= 2U/(n1 n2) − 1`` with the Mann–Whitney ``U`` of the focus
  sample; the common-language effect size is the probability that a random
  focus item is *better* than a random other item, ties counted half.
"""

from __future__ import annotations

import itertools
import math
import re
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt

from customer_kanban._core.groups import factorize
from customer_kanban._core.quantiles import lerp, quantile_plan
from customer_kanban._core.results import Result, result
from customer_kanban._core.types import BoolArray, FloatArray, Int64Array, IntpArray
from customer_kanban._core.validation import (
    PERCENTILE_METHODS,
    as_float_array,
    as_generator,
    as_whole_number,
    check_choice,
    warn_insufficient,
)
from customer_kanban.errors import ValidationError, describe_rows

__all__ = ["ServiceComparison", "compare_service"]

# Elements of the largest temporary array of one batch of permutations (bounded memory).
_BATCH_ELEMENTS = 1 << 21
# Sample by counts over distinct values when there are at most N / 8 of them (ties).
_DISTINCT_FRACTION = 8
# Quantile statistics on more than this many items (and few ties) sample chunk counts.
_CHUNK_MIN = 4096
# Rows longer than this find their k-th smallest key in a band instead of a full partition.
_BAND_MIN = 4096
# Chunk size ~ _CHUNK_FACTOR * sqrt(N): balances the per-chunk and per-item costs.
_CHUNK_FACTOR = 1.5
# Relative tolerance for "T_perm >= T_obs" (scipy.stats.permutation_test's).
_RTOL = 100 * float(np.finfo(np.float64).eps)
# Most relabellings compare_service draws: a p-value resolution of 1e-7.
_MAX_PERMUTATIONS = 10**7
# Work bound of one test: relabellings x the work of one relabelling (`_Plan.work`), in
# units of about 10 ns on one core of the reference machine, so that the largest
# test allowed takes a few seconds (measured: 1 to 4 s per sampler at the bound).
_WORK_BUDGET = 3 * 10**8


@result
class ServiceComparison(Result):
    """How a focus group of customers is served compared with the others.

    Attributes
    ----------
    focus : object
        The focus label (e.g. ``"premium"``).
    higher_is_better : bool
        Whether a higher value is better service (SLE met) or a lower one
        (lead time).
    statistic : str
        ``"median"``, ``"mean"`` or a percentile such as ``"p85"``.
    method : str
        numpy's percentile method (used by ``"pNN"`` statistics only).
    n_focus, n_other : int
        Items with a value in the focus group and in the other groups.
    focus_statistic, other_statistic : float
        The statistic of each side. [unit of the values]
    difference : float
        ``focus_statistic − other_statistic``. [unit of the values]
    ratio : float
        ``focus_statistic / other_statistic``; NaN when the latter is 0.
    cliffs_delta : float
        ``P(focus value > other value) − P(focus value < other value)`` over
        all pairs, in [−1, 1] (raw values: for lead times, > 0 means slower).
    probability_better : float
        Probability that a random focus item is served better than a random
        other item, ties counted half, in [0, 1] (0.5 = no difference).
    pvalue : float
        One-sided permutation p-value of "the focus group is served worse";
        small = significantly worse.
    permutations : int
        Relabellings used: the `permutations` asked for, or the number of
        distinct splits when all were enumerated.
    exact : bool
        Whether every split was enumerated (an exact p-value).
    served_at_least_as_well : bool or None
        Whether `focus_statistic` is not worse than `other_statistic`;
        None when a side has no value.
    """

    focus: Any
    higher_is_better: bool
    statistic: str
    method: str
    n_focus: int
    n_other: int
    focus_statistic: float
    other_statistic: float
    difference: float
    ratio: float
    cliffs_delta: float
    probability_better: float
    pvalue: float
    permutations: int
    exact: bool
    served_at_least_as_well: bool | None


# --------------------------------------------------------------------------- statistics


class _Stat(NamedTuple):
    """The statistic: ``kind`` is "mean", "median" or "quantile" (``q`` in [0, 100])."""

    name: str
    kind: str
    q: float
    method: str


class _Ranks(NamedTuple):
    """Order statistics (0-based ranks) a quantile of a side needs, and how to combine them."""

    lo: int
    hi: int
    gamma: float  # weight of `hi` for "lerp"
    how: str  # "first" (the value at `lo`), "mid" ((lo + hi) / 2) or "lerp"


def _ranks(n: int, stat: _Stat) -> _Ranks:
    """Ranks numpy's median / percentile of `n` sorted values reads (n >= 1)."""
    if stat.kind == "median":
        lo, hi = (n - 1) // 2, n // 2
        return _Ranks(lo, hi, 0.5, "first" if lo == hi else "mid")
    prev, nxt, gamma = quantile_plan(
        np.array([[float(n)]]), np.array([[stat.q / 100.0]]), stat.method
    )
    lo = int(prev[0, 0]) % n  # -1 = the last value
    if nxt is None or gamma is None:
        return _Ranks(lo, lo, 0.0, "first")
    return _Ranks(lo, int(nxt[0, 0]) % n, float(gamma[0, 0]), "lerp")


def _combine(a: FloatArray, b: FloatArray, r: _Ranks) -> FloatArray:
    """The quantile from its order statistics, with numpy's arithmetic."""
    if r.how == "first":
        return a
    if r.how == "mid":
        out: FloatArray = (a + b) / 2.0  # np.median: the mean of the two middle values
        return out
    return lerp(a, b, np.full(a.shape, r.gamma))


def _side_statistic(sorted_side: FloatArray, stat: _Stat) -> float:
    """The statistic of one side's sorted values (equal to numpy's)."""
    if sorted_side.size == 0:
        return math.nan
    if stat.kind == "mean":
        return float(np.mean(sorted_side))
    r = _ranks(sorted_side.size, stat)
    return float(_combine(sorted_side[[r.lo]], sorted_side[[r.hi]], r)[0])


# --------------------------------------------------------------------------- permutation engines
#
# Every engine works on the pooled values sorted once, `x`, and draws the focus set as a
# uniformly random n1-subset of the N positions (a relabelling). It returns how many
# relabellings give T >= T_obs (within the tolerance), with T_obs computed by the same
# arithmetic as the relabelled T so that equal splits compare equal.


class _Problem(NamedTuple):
    x: FloatArray  # pooled values, ascending
    flags: BoolArray  # observed focus membership of x
    n1: int
    n2: int
    stat: _Stat
    r1: _Ranks | None  # focus order statistics (None for the mean)
    r2: _Ranks | None  # other order statistics
    sign: float  # +1: lower is better; -1: higher is better


def _both_ranks(p: _Problem) -> tuple[_Ranks, _Ranks]:
    assert p.r1 is not None, "a quantile statistic"
    assert p.r2 is not None, "a quantile statistic"
    return p.r1, p.r2


def _t_from_sides(
    p: _Problem, f_lo: FloatArray, f_hi: FloatArray, o_lo: FloatArray, o_hi: FloatArray
) -> FloatArray:
    r1, r2 = _both_ranks(p)
    out: FloatArray = p.sign * (_combine(f_lo, f_hi, r1) - _combine(o_lo, o_hi, r2))
    return out


def _t_from_sums(p: _Problem, s1: FloatArray, s2: FloatArray) -> FloatArray:
    out: FloatArray = p.sign * (s1 / p.n1 - s2 / p.n2)
    return out


def _t_observed_quantile(p: _Problem) -> float:
    r1, r2 = _both_ranks(p)
    f, o = p.x[p.flags], p.x[~p.flags]
    return float(_t_from_sides(p, f[[r1.lo]], f[[r1.hi]], o[[r2.lo]], o[[r2.hi]])[0])


def _count_ge(t: FloatArray, t_obs: float) -> int:
    return int(np.count_nonzero(t >= t_obs - _RTOL * abs(t_obs)))


def _batches(total: int, size: int) -> list[int]:
    size = max(1, size)
    return [min(size, total - start) for start in range(0, total, size)]


def _mask_t(p: _Problem, masks: BoolArray) -> FloatArray:
    """T of relabellings given as focus masks over `x`, shape (B, N)."""
    if p.stat.kind == "mean":
        s1 = np.where(masks, p.x, 0.0).sum(axis=1)
        s2 = np.where(masks, 0.0, p.x).sum(axis=1)
        return _t_from_sums(p, s1, s2)
    r1, r2 = _both_ranks(p)
    c1 = np.cumsum(masks, axis=1, dtype=np.int64)
    c2 = np.arange(1, p.x.size + 1) - c1

    def at(cum: Int64Array, rank: int) -> FloatArray:
        out: FloatArray = p.x[np.count_nonzero(cum <= rank, axis=1)]
        return out

    return _t_from_sides(p, at(c1, r1.lo), at(c1, r1.hi), at(c2, r2.lo), at(c2, r2.hi))


def _exact_count(p: _Problem) -> tuple[int, int]:
    """Every split enumerated: (#splits with T >= T_obs, #splits)."""
    n = p.x.size
    t_obs = float(_mask_t(p, p.flags[None, :])[0])
    combos = itertools.combinations(range(n), p.n1)
    count = total = 0
    size = max(1, _BATCH_ELEMENTS // n)
    while chunk := list(itertools.islice(combos, size)):
        idx = np.array(chunk, dtype=np.intp).reshape(len(chunk), p.n1)
        masks = np.zeros((len(chunk), n), dtype=np.bool_)
        masks[np.arange(len(chunk))[:, None], idx] = True
        count += _count_ge(_mask_t(p, masks), t_obs)
        total += len(chunk)
    return count, total


def _masks_count(p: _Problem, permutations: int, gen: np.random.Generator) -> int:
    """Random relabellings as masks: the k smallest of N random keys per row. O(N) each.

    For the mean only the smaller side is summed; the other side's sum is the
    total minus it (the observed statistic is computed the same way).
    """
    n = p.x.size
    small_is_focus = p.n1 <= p.n2
    total = float(p.x.sum())

    def t_of(small: BoolArray) -> FloatArray:
        """T from masks of the smaller side."""
        if p.stat.kind != "mean":
            return _mask_t(p, small if small_is_focus else ~small)
        s: FloatArray = small.astype(np.float64) @ p.x
        return _t_from_sums(p, s, total - s) if small_is_focus else _t_from_sums(p, total - s, s)

    t_obs = float(t_of((p.flags if small_is_focus else ~p.flags)[None, :])[0])
    count = 0
    for b in _batches(permutations, _BATCH_ELEMENTS // n):
        masks = _smallest(_random_keys(gen, b, n), min(p.n1, p.n2), gen)
        count += _count_ge(t_of(masks), t_obs)
    return count


def _random_keys(gen: np.random.Generator, rows: int, n: int) -> npt.NDArray[np.uint32]:
    """Uniform 32-bit keys, shape (rows, n), from the raw bits of `gen` (the fastest draw)."""
    raw = gen.bit_generator.random_raw((rows * n + 1) // 2)
    keys: npt.NDArray[np.uint32] = raw.view(np.uint32)[: rows * n].reshape(rows, n)
    return keys


def _smallest(keys: npt.NDArray[np.uint32], k: int, gen: np.random.Generator) -> BoolArray:
    """Mask of the `k` smallest keys of each row (0 < k < row length).

    A row whose k-th and (k+1)-th smallest keys tie (rare with 32-bit keys) is
    drawn again: the set of the k smallest of exchangeable keys is a uniform
    k-subset, also given that no such tie occurred.
    """
    while True:
        masks: BoolArray = keys < _kth_key(keys, k)[:, None]
        bad = np.count_nonzero(masks, axis=1) != k
        if not bad.any():
            return masks
        keys[bad] = _random_keys(gen, int(bad.sum()), keys.shape[1])


def _kth_key(keys: npt.NDArray[np.uint32], k: int) -> npt.NDArray[np.uint32]:
    """The (k+1)-th smallest key of each row (index `k` in sorted order).

    Long rows avoid a full selection: the key sought lies, but for a chance
    below 1e-14, in a narrow band around ``(k + 0.5) / N`` of the key range
    (8 binomial standard deviations wide each way). The keys in the band are
    gathered, sorted by (row, key), and the right one is read; a row whose
    band misses it falls back to ``np.partition``.
    """
    b, n = keys.shape
    if n <= _BAND_MIN:
        out: npt.NDArray[np.uint32] = np.partition(keys, k, axis=1)[:, k]
        return out
    q = (k + 0.5) / n
    half = 8.0 * math.sqrt(n * q * (1.0 - q)) + 8.0
    lo = int(max(0.0, (k - half) / n) * 2.0**32)
    hi = min(int(min(1.0, (k + 1 + half) / n) * 2.0**32), (1 << 32) - 1)
    below = np.count_nonzero(keys < lo, axis=1)
    band = (keys >= lo) & (keys <= hi)
    in_band = np.count_nonzero(band, axis=1)
    rows = np.repeat(np.arange(b, dtype=np.uint64), in_band)  # boolean indexing is row-major
    packed = (rows << np.uint64(32)) | keys[band].astype(np.uint64)
    packed.sort()
    ok = (below <= k) & (below + in_band > k)
    out = np.empty(b, dtype=np.uint32)
    pick = (np.cumsum(in_band) - in_band + (k - below))[ok]
    out[ok] = (packed[pick] & np.uint64(0xFFFFFFFF)).astype(np.uint32)
    if not ok.all():
        out[~ok] = np.partition(keys[~ok], k, axis=1)[:, k]
    return out


def _runs(x: FloatArray) -> IntpArray:
    """Start of each run of equal values in sorted `x`."""
    new = np.empty(x.size, dtype=np.bool_)
    new[:1] = True
    np.not_equal(x[1:], x[:-1], out=new[1:])
    return np.flatnonzero(new)


def _cells_count(
    p: _Problem, starts: IntpArray, permutations: int, gen: np.random.Generator
) -> int:
    """Ties: the focus count of each distinct value is multivariate hypergeometric. O(D) each."""
    n = p.x.size
    sizes = np.diff(starts, append=n).astype(np.int64)
    values = p.x[starts]
    cum_sizes = np.cumsum(sizes)

    def t_of(c: Int64Array) -> FloatArray:
        if p.stat.kind == "mean":
            return _t_from_sums(p, (c * values).sum(axis=1), ((sizes - c) * values).sum(axis=1))
        r1, r2 = _both_ranks(p)
        c1 = np.cumsum(c, axis=1)
        c2 = cum_sizes - c1

        def at(cum: Int64Array, rank: int) -> FloatArray:
            out: FloatArray = values[np.count_nonzero(cum <= rank, axis=1)]
            return out

        return _t_from_sides(p, at(c1, r1.lo), at(c1, r1.hi), at(c2, r2.lo), at(c2, r2.hi))

    observed = np.add.reduceat(p.flags.astype(np.int64), starts)[None, :]
    t_obs = float(t_of(observed)[0])
    count = 0
    for b in _batches(permutations, _BATCH_ELEMENTS // sizes.size):
        c = gen.multivariate_hypergeometric(sizes, p.n1, size=b, method="marginals")
        count += _count_ge(t_of(c), t_obs)
    return count


def _chunks_count(p: _Problem, permutations: int, gen: np.random.Generator) -> int:
    """Quantiles of large samples: sample chunk counts, then arrange only the needed chunks.

    `x` is cut into M chunks of s consecutive positions. The focus count of
    each chunk is multivariate hypergeometric (one draw per chunk); given the
    counts, the focus positions inside each chunk are a uniform subset,
    independently. A quantile needs at most two order statistics per side:
    the chunk holding each is found from the cumulative counts, and only
    that chunk is arranged (a random permutation of its positions, shared by
    every order statistic in it). O(M + s) = O(sqrt(N)) per relabelling, and
    exactly distributed as a full relabelling.
    """
    r1, r2 = _both_ranks(p)
    n = p.x.size
    s, m = _chunk_size(n)
    sizes = np.full(m, s, dtype=np.int64)
    sizes[-1] = n - s * (m - 1)
    last = int(sizes[-1])
    cum_sizes = np.cumsum(sizes)
    # The distinct (side, rank) order statistics needed: side 0 = focus, 1 = other.
    needs = list(dict.fromkeys([(0, r1.lo), (0, r1.hi), (1, r2.lo), (1, r2.hi)]))
    k = len(needs)
    t_obs = _t_observed_quantile(p)
    count = 0
    for b in _batches(permutations, _BATCH_ELEMENTS // (m + k * s)):
        rows = np.arange(b)
        c = gen.multivariate_hypergeometric(sizes, p.n1, size=b, method="marginals")
        cum_focus = np.cumsum(c, axis=1)
        cum = (cum_focus, cum_sizes - cum_focus)
        chunk = np.empty((k, b), dtype=np.intp)
        rank_in = np.empty((k, b), dtype=np.int64)
        for j, (side, rank) in enumerate(needs):
            chunk[j] = np.count_nonzero(cum[side] <= rank, axis=1)
            inside = c[rows, chunk[j]] if side == 0 else sizes[chunk[j]] - c[rows, chunk[j]]
            rank_in[j] = rank - (cum[side][rows, chunk[j]] - inside)
        # One random arrangement per (relabelling, distinct chunk): ranks 0..size-1.
        order = gen.permuted(np.broadcast_to(np.arange(s, dtype=np.int32), (b, k, s)), axis=2)
        if last < s:
            # The last chunk is shorter: its `last` positions get a permutation of their own.
            # The positions beyond are never read (each order statistic sought lies within
            # the chunk's real positions, which come first).
            short = np.equal(chunk.T, m - 1)  # (b, k)
            if short.any():
                order[short, :last] = gen.permuted(
                    np.broadcast_to(np.arange(last, dtype=np.int32), (int(short.sum()), last)),
                    axis=1,
                )
        found = []
        for j, (side, _) in enumerate(needs):
            # The first need in the same chunk owns the arrangement.
            slot = np.full(b, j, dtype=np.intp)
            for i in range(j - 1, -1, -1):
                slot[chunk[i] == chunk[j]] = i
            focus = order[rows, slot] < c[rows, chunk[j]][:, None]
            pos = np.count_nonzero(
                np.cumsum(focus if side == 0 else ~focus, axis=1) <= rank_in[j][:, None], axis=1
            )
            found.append(p.x[chunk[j] * s + pos])
        value = dict(zip(needs, found, strict=True))
        t = _t_from_sides(
            p,
            value[(0, r1.lo)],
            value[(0, r1.hi)],
            value[(1, r2.lo)],
            value[(1, r2.hi)],
        )
        count += _count_ge(t, t_obs)
    return count


def _splits_at_most(n: int, n1: int, limit: int) -> bool:
    """Whether ``comb(n, n1) <= limit`` (without building a huge integer)."""
    log_comb = math.lgamma(n + 1) - math.lgamma(n1 + 1) - math.lgamma(n - n1 + 1)
    return log_comb <= math.log(limit) + 1.0 and math.comb(n, n1) <= limit


def _chunk_size(n: int) -> tuple[int, int]:
    """``(s, m)``: positions per chunk and chunks of :func:`_chunks_count`."""
    s = max(2, math.ceil(_CHUNK_FACTOR * math.sqrt(n)))
    return s, -(-n // s)


class _Plan(NamedTuple):
    """How the p-value is computed, and what it costs."""

    engine: str  # "exact", "cells", "chunks" or "masks"
    relabellings: int  # splits enumerated, or random relabellings
    work: int  # work of one relabelling, in units of about 10 ns (measured per engine)
    starts: IntpArray | None  # runs of equal values ("cells")


def _random_plan(p: _Problem, permutations: int) -> _Plan:
    """The sampler of random relabellings, chosen as documented in the Notes."""
    n = p.x.size
    starts = _runs(p.x)
    if starts.size * _DISTINCT_FRACTION <= n:
        return _Plan("cells", permutations, 13 * starts.size + 40, starts)
    if p.stat.kind != "mean" and n > _CHUNK_MIN:
        s, m = _chunk_size(n)
        return _Plan("chunks", permutations, 3 * (m + 4 * s), None)
    return _Plan("masks", permutations, n + 32, None)


def _plan(p: _Problem, permutations: int) -> _Plan:
    """Every split when there are not more than `permutations`, else random relabellings.

    Raises a ValidationError naming `permutations` when the test's work (relabellings x
    the work of one) exceeds the bound, with the largest number allowed for these values.
    """
    n = p.x.size
    if _splits_at_most(n, p.n1, permutations):
        plan = _Plan("exact", math.comb(n, p.n1), n + 8 * p.n1 + 16, None)
    else:
        plan = _random_plan(p, permutations)
    if plan.relabellings * plan.work <= _WORK_BUDGET:
        return plan
    random = plan if plan.engine != "exact" else _random_plan(p, permutations)
    allowed = _WORK_BUDGET // random.work
    if plan.engine == "exact":
        allowed = min(allowed, plan.relabellings - 1)  # more would enumerate every split
    raise ValidationError(
        f"`permutations` must be at most {allowed} for these values ({n} items, "
        f"{p.n1} in the focus group; the test is bounded to {_WORK_BUDGET:.0e} steps of "
        f"work, {random.work} per relabelling here); got {permutations}"
    )


def _pvalue(p: _Problem, plan: _Plan, gen: np.random.Generator) -> tuple[float, int, bool]:
    """(p-value, relabellings used, exact)."""
    if plan.engine == "exact":
        count, total = _exact_count(p)
        return count / total, total, True
    permutations = plan.relabellings
    if plan.engine == "cells":
        assert plan.starts is not None, "the runs of equal values"
        count = _cells_count(p, plan.starts, permutations, gen)
    elif plan.engine == "chunks":
        count = _chunks_count(p, permutations, gen)
    else:
        count = _masks_count(p, permutations, gen)
    return (1 + count) / (1 + permutations), permutations, False


# --------------------------------------------------------------------------- validation


def _parse_statistic(statistic: object, method: object) -> _Stat:
    m = check_choice(method, name="method", choices=PERCENTILE_METHODS)
    if not isinstance(statistic, str):
        raise TypeError(f"`statistic` must be a string, got {type(statistic).__name__}")
    if statistic in ("median", "mean"):
        return _Stat(statistic, statistic, 50.0, m)
    match = re.fullmatch(r"p(\d+(?:\.\d*)?)", statistic)
    if match is None or not 0 <= float(match.group(1)) <= 100:
        raise ValidationError(
            "`statistic` must be 'median', 'mean' or a percentile 'p0'..'p100' "
            f"such as 'p85'; got {statistic!r}"
        )
    return _Stat(statistic, "quantile", float(match.group(1)), m)


def _values_iv(values: object) -> FloatArray:
    """The per-item values: numbers, NaN for missing, never infinite."""
    v = as_float_array(values, name="values")
    infinite = np.isinf(v)
    if infinite.any():
        rows = np.flatnonzero(infinite).tolist()
        raise ValidationError(
            f"`values` must be finite (NaN = missing); it is not in {describe_rows(rows)}",
            rows=rows,
        )
    return v


def _compare_iv(
    values: object, by: object, focus: object, higher_is_better: object, permutations: object
) -> tuple[FloatArray, BoolArray, BoolArray, Any, int]:
    """Values, which rows take part, which of them are focus rows, the focus label, and
    the number of relabellings."""
    v = _values_iv(values)
    if by is None:
        raise ValidationError("`by` must give the group of each item; got None")
    groups = factorize(by, len(v), data_name="values")
    if not isinstance(higher_is_better, (bool, np.bool_)):
        raise TypeError(
            f"`higher_is_better` must be True or False, got {type(higher_is_better).__name__}"
        )
    n_perm = as_whole_number(
        permutations, name="permutations", minimum=1, maximum=_MAX_PERMUTATIONS
    )
    if isinstance(focus, (list, tuple, set, dict, np.ndarray)):
        raise TypeError(f"`focus` must be one label of `by`, not a {type(focus).__name__}")
    labels = groups.labels.tolist()
    # Compared as numpy scalars where the labels are (instants stay instants).
    scalars = list(groups.labels) if groups.labels.dtype.kind == "M" else labels
    hits = [g for g, label in enumerate(scalars) if label == focus]  # a loop over groups
    if not hits:
        shown = ", ".join(repr(label) for label in scalars[:10])
        raise ValidationError(f"`focus` {focus!r} is not a label of `by` ({shown})")
    assert groups.codes is not None
    used = ~np.isnan(v) & (groups.codes < groups.size)
    is_focus = groups.codes == hits[0]
    label = scalars[hits[0]]
    if isinstance(label, np.generic) and groups.labels.dtype.kind != "M":
        label = label.item()
    return v, used, is_focus, label, n_perm


def _dominance(x: FloatArray, flags: BoolArray, n2: int) -> tuple[int, int]:
    """Pairs (focus, other) with focus > other and focus < other, from the sorted pool."""
    starts = _runs(x)
    focus = np.add.reduceat(flags.astype(np.int64), starts)
    other = np.diff(starts, append=x.size) - focus
    other_below = np.cumsum(other) - other
    greater = int(np.dot(focus, other_below))
    less = int(np.dot(focus, n2 - other_below - other))
    return greater, less


# --------------------------------------------------------------------------- public


def compare_service(
    values: npt.ArrayLike,
    *,
    by: object,
    focus: object,
    higher_is_better: bool = False,
    statistic: str = "median",
    method: str = "linear",
    permutations: int = 9999,
    rng: np.random.Generator | int | None = None,
) -> ServiceComparison:
    """Is the focus group of customers (e.g. premium) served at least as well as the others?

    Parameters
    ----------
    values : array_like of float, shape (n,)
        A per-item measure of service: customer lead time [days] (lower is
        better), SLE met as 1/0 or True/False (higher is better), ... NaN =
        no value (e.g. unfinished), left out.
    by : array_like or tuple, shape (n,)
        Group of each item (customer segment, customer, class of service):
        labels, integer codes or ``(codes, labels)``; items in no group
        (None/NaN label, code -1) are left out.
    focus : object
        The label of the focus group; every other group forms "the others".
    higher_is_better : bool, optional
        True when a higher value is better service. Default False (lead
        times).
    statistic : str, optional
        ``"median"`` (default), ``"mean"``, or a percentile ``"pNN"`` such as
        ``"p85"`` (numpy's percentile with `method`).
    method : str, optional
        numpy's percentile method for ``"pNN"`` statistics (default
        ``"linear"``, numpy's; ``"inverted_cdf"`` = nearest rank).
    permutations : int, optional
        Random relabellings for the permutation test, 1 to 10**7. When the
        number of distinct splits of the items into the two group sizes is
        not larger, every split is enumerated instead (an exact p-value).
        The test's work is bounded (see Notes): on many items fewer are
        allowed, and the error says how many.
    rng : numpy.random.Generator or int or None, optional
        Source of randomness for the relabellings: a generator, a seed
        (>= 0), or None for fresh entropy. Same seed, same p-value.

    Returns
    -------
    ServiceComparison
        The statistic of each side, their difference and ratio, Cliff's
        delta, the probability that a focus item is served better, the
        one-sided p-value of "the focus group is served worse", and
        ``served_at_least_as_well``.

    Raises
    ------
    customer_kanban.errors.ValidationError
        If `focus` is not a label of `by`, a value is infinite (the rows
        are named), lengths differ, `statistic` or `method` is unknown,
        `permutations` is not in 1..10**7, or relabellings x the work of one
        (see Notes) exceed 3e8 steps (the message gives the largest
        `permutations` allowed for the values).
    TypeError
        If `values` are not numbers, or `higher_is_better` is not a bool.

    Warns
    -----
    InsufficientDataWarning
        If a side has no value (then every figure is NaN and
        ``served_at_least_as_well`` is None), or the others' statistic is 0
        (the ratio is NaN).

    See Also
    --------
    percentiles : the statistics per group, without a test.

    Notes
    -----
    With ``T = stat(focus) − stat(others)`` (its negative when higher is
    better), H0 is "the groups are served alike" (labels exchangeable) and
    the alternative "the focus group is served worse" (large ``T``):
    ``p = (1 + #{T_perm >= T_obs}) / (1 + permutations)``. Cliff's delta is
    ``(#{f > o} − #{f < o}) / (n1 n2)`` over all (focus, other) pairs, i.e.
    ``2U / (n1 n2) − 1`` with the Mann–Whitney ``U`` of the focus sample
    (ties count half); ``probability_better`` is ``(1 − δ) / 2`` when lower
    is better and ``(1 + δ) / 2`` when higher is better. Both come from one
    sort of the pooled values.

    The relabellings reuse that sort and are drawn in batches of bounded
    memory, by whichever exact sampler is cheapest:

    * few distinct values (at most 1/8 of the items, e.g. 1/0 or whole
      days): the focus count of each distinct value is multivariate
      hypergeometric, O(distinct values) per relabelling;
    * a median or percentile of more than 4096 items: chunk counts, then
      only the chunks holding the needed order statistics are arranged,
      O(sqrt(n)) per relabelling;
    * otherwise (a mean of many distinct values, small samples): a random
      subset of the items, O(n) per relabelling.

    Each gives the permutation distribution exactly, not an approximation.

    **Bounded work.** The work of one relabelling, in steps of about 10 ns
    (measured on 2 cores), is ``n + 8 n_focus + 16`` for an enumerated split,
    ``13 D + 40`` with ``D`` distinct values, ``3 (m + 4 s)`` for chunks
    (``s = ceil(1.5 sqrt(n))`` items in each of ``m = ceil(n / s)`` chunks)
    and ``n + 32`` for a random subset. Relabellings x that work must not
    exceed 3e8 steps, so that the largest test allowed takes a few seconds:
    for a mean of 10**5 distinct values, at most 2,999 relabellings; a median
    of 10**6 values still takes the default 9,999.

    Examples
    --------
    Lead times [days] of premium and other customers' requests:

    >>> lt = [2.0, 3.0, 4.0, 9.0, 5.0, 6.0, 7.0, 8.0, 12.0]
    >>> seg = ["premium"] * 4 + ["other"] * 5
    >>> r = compare_service(lt, by=seg, focus="premium", rng=1)
    >>> r.focus_statistic, r.other_statistic, r.served_at_least_as_well
    (3.5, 7.0, True)
    >>> r.cliffs_delta, r.probability_better
    (-0.6, 0.8)
    >>> r.exact, r.permutations, round(r.pvalue, 3)  # 126 splits, all enumerated
    (True, 126, 0.96)
    """
    stat = _parse_statistic(statistic, method)
    v, used, is_focus, label, n_perm = _compare_iv(
        values, by, focus, higher_is_better, permutations
    )
    gen = as_generator(rng)
    hib = bool(higher_is_better)
    pooled = v[used]
    order = np.argsort(pooled, kind="stable")
    x = pooled[order]
    flags = is_focus[used][order]
    n1 = int(np.count_nonzero(flags))
    n2 = x.size - n1
    fields: dict[str, Any] = {
        "focus": label,
        "higher_is_better": hib,
        "statistic": stat.name,
        "method": stat.method,
        "n_focus": n1,
        "n_other": n2,
        "focus_statistic": _side_statistic(x[flags], stat),
        "other_statistic": _side_statistic(x[~flags], stat),
    }
    if n1 == 0 or n2 == 0:
        empty = "the focus group" if n1 == 0 else "the other groups"
        warn_insufficient(f"`values` has no value in {empty}: the comparison is NaN")
        return _without_comparison(fields)
    problem = _Problem(
        x=x,
        flags=flags,
        n1=n1,
        n2=n2,
        stat=stat,
        r1=None if stat.kind == "mean" else _ranks(n1, stat),
        r2=None if stat.kind == "mean" else _ranks(n2, stat),
        sign=-1.0 if hib else 1.0,
    )
    plan = _plan(problem, n_perm)
    pvalue, used_permutations, exact = _pvalue(problem, plan, gen)
    if fields["other_statistic"] == 0:
        warn_insufficient("the others' statistic is 0: the ratio is NaN")
    return _comparison(fields, problem, pvalue, used_permutations, exact)


def _without_comparison(fields: dict[str, Any]) -> ServiceComparison:
    """The result when a side has no value: every comparison NaN."""
    nan = math.nan
    return ServiceComparison(
        **fields,
        difference=nan,
        ratio=nan,
        cliffs_delta=nan,
        probability_better=nan,
        pvalue=nan,
        permutations=0,
        exact=False,
        served_at_least_as_well=None,
    )


def _comparison(
    fields: dict[str, Any], p: _Problem, pvalue: float, permutations: int, exact: bool
) -> ServiceComparison:
    """The result: the sides' statistics, the effect sizes and the p-value."""
    s1, s2 = fields["focus_statistic"], fields["other_statistic"]
    hib = fields["higher_is_better"]
    greater, less = _dominance(p.x, p.flags, p.n2)
    pairs = p.n1 * p.n2
    better = (greater if hib else less) + (pairs - greater - less) / 2
    return ServiceComparison(
        **fields,
        difference=s1 - s2,
        ratio=s1 / s2 if s2 != 0 else math.nan,
        cliffs_delta=(greater - less) / pairs,
        probability_better=better / pairs,
        pvalue=pvalue,
        permutations=permutations,
        exact=exact,
        served_at_least_as_well=bool(s1 >= s2 if hib else s1 <= s2),
    )
