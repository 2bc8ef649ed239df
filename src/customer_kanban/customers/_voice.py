"""Voice of the customer: NPS, CSAT, CES and the three kinds of feedback.

Survey answers arrive as one score per response (``NaN`` = no answer) and are
summarised per group (customer, segment, class of service) with a confidence
interval, because small samples are noisy and the number of answers must be
read next to the figure. Definitions (see the research notes, section 4):

* **NPS** (Reichheld / Bain): "How likely are you to recommend us?", 0–10.
  Promoters answer 9–10, passives 7–8, detractors 0–6;
  ``NPS = 100 (promoters − detractors) / n`` in [−100, 100], passives counted
  in ``n``.
* **CSAT**: top-box share, ``100 × (answers in the satisfied scores) / n``,
  by default the share of 4–5 on a 1–5 scale. It is *not* the mean score;
  the method is stored in the result.
* **CES** (CEB / Dixon et al.): the mean effort score. The versions point in
  opposite directions, so the result states the version, the scale and
  ``higher_is_better``: CES 2.0 is agreement with "[Company] made it easy for
  me to handle my issue", 1–7, higher = easier; CES 1.0 is "How much effort
  did you personally have to put forth?", 1–5, lower = easier.
* **Feedback kinds** (seed 002): every piece of feedback is a
  *confirmation* (keep doing this), an *improvement* (do this better) or
  *negative* (this went wrong).

Every function counts the answers of each group in one ``bincount`` (a
histogram over the few scale points), so the cost is O(n) whatever the
number of groups.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from statistics import NormalDist
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from customer_kanban._core.groups import Groups, _object_missing, describe_groups, factorize
from customer_kanban._core.results import Result, result
from customer_kanban._core.types import BoolArray, FloatArray, Int64Array, LabelArray
from customer_kanban._core.validation import (
    as_float_array,
    as_fraction,
    as_whole_number,
    check_choice,
    choices_of,
    warn_insufficient,
)
from customer_kanban.errors import ValidationError, describe_rows

__all__ = [
    "FEEDBACK_KINDS",
    "CESResult",
    "CSATResult",
    "FeedbackResult",
    "NPSResult",
    "ScoreResult",
    "ces",
    "csat",
    "feedback_summary",
    "nps",
]

#: The three kinds of customer feedback of seed 002, in result order.
FEEDBACK_KINDS: tuple[str, str, str] = ("confirmation", "improvement", "negative")

#: The versions of the customer effort score (see :func:`ces`).
CESVersion = Literal["2.0", "1.0"]
# CES version -> (lowest score, highest score, higher_is_better, "easy" scores).
_CES_SCALES: dict[str, tuple[int, int, bool, tuple[int, ...]]] = {
    "2.0": (1, 7, True, (5, 6, 7)),
    "1.0": (1, 5, False, (1, 2)),
}
_CES_VERSIONS = choices_of(CESVersion)
# Highest `scale` of csat: answers 1..100 (a percentage-like slider) at most;
# the result holds a count per group and answer.
_MAX_CSAT_SCALE = 100


# --------------------------------------------------------------------------- results


@result
class ScoreResult(Result):
    """A survey score per group, with its confidence interval and answer counts.

    The common part of :class:`NPSResult`, :class:`CSATResult` and
    :class:`CESResult`.

    Attributes
    ----------
    groups : numpy.ndarray, shape (G,)
        Group labels (``["all"]`` without ``by``).
    value : numpy.ndarray of float64, shape (G,)
        The score of each group (its unit depends on the metric); NaN for a
        group without answers.
    low, high : numpy.ndarray of float64, shape (G,)
        Bounds of the confidence interval of `value` at level `confidence`,
        clipped to the range `value` can take.
    n : numpy.ndarray of int64, shape (G,)
        Answers per group (no answer, ``NaN``, is not counted).
    confidence : float
        Level of the interval, in (0, 1).
    scale : tuple of (int, int)
        Lowest and highest possible answer, e.g. ``(0, 10)`` for NPS.
    higher_is_better : bool
        Whether a higher answer (and a higher `value`) is the better one.
    points : numpy.ndarray of int64, shape (K,)
        Every possible answer, ``scale[0]..scale[1]``.
    counts : numpy.ndarray of int64, shape (G, K)
        ``counts[g, k]``: answers ``points[k]`` in group `g` (the histogram);
        ``counts.sum(axis=1) == n``.

    The frame (:meth:`to_frame`) has one row per group with the per-group
    figures and the scalar settings; the histogram is left out.
    """

    groups: LabelArray
    value: FloatArray
    low: FloatArray
    high: FloatArray
    n: Int64Array
    confidence: float
    scale: tuple[int, int]
    higher_is_better: bool
    points: Int64Array
    counts: Int64Array

    def _frame_columns(self) -> dict[str, npt.NDArray[Any]]:
        # One row per group; `points` runs over the scale, not the groups, and the
        # histogram `counts` (groups × points) stays out of the frame.
        columns = super()._frame_columns()
        columns.pop("points", None)
        return columns


@result
class NPSResult(ScoreResult):
    """Net Promoter Score per group (see :func:`nps`).

    Attributes
    ----------
    value : numpy.ndarray of float64, shape (G,)
        ``100 (promoters − detractors) / n`` in [−100, 100]. [NPS points]
    low, high : numpy.ndarray of float64, shape (G,)
        Normal-approximation interval from the multinomial variance, clipped
        to [−100, 100]. [NPS points]
    promoters, passives, detractors : numpy.ndarray of int64, shape (G,)
        Answers 9–10, 7–8 and 0–6; they add up to `n`.

    The other attributes are those of :class:`ScoreResult` (``scale`` is
    ``(0, 10)``, ``higher_is_better`` True).
    """

    promoters: Int64Array
    passives: Int64Array
    detractors: Int64Array


@result
class CSATResult(ScoreResult):
    """Customer satisfaction score per group (see :func:`csat`).

    Attributes
    ----------
    value : numpy.ndarray of float64, shape (G,)
        ``100 × satisfied / n`` in [0, 100]. [%]
    low, high : numpy.ndarray of float64, shape (G,)
        Wilson score interval of the share, ×100. [%]
    satisfied : numpy.ndarray of int64, shape (G,)
        Answers among `satisfied_scores`.
    satisfied_scores : tuple of int
        The answers counted as satisfied, e.g. ``(4, 5)``.
    method : str
        ``"top_box"``: the share of satisfied answers (not the mean score).

    The other attributes are those of :class:`ScoreResult` (``scale`` is
    ``(1, scale)``, ``higher_is_better`` True).
    """

    satisfied: Int64Array
    satisfied_scores: tuple[int, ...]
    method: str


@result
class CESResult(ScoreResult):
    """Customer effort score per group (see :func:`ces`).

    Attributes
    ----------
    value : numpy.ndarray of float64, shape (G,)
        Mean answer. [scale points]
    low, high : numpy.ndarray of float64, shape (G,)
        Student-t interval of the mean, clipped to the scale; NaN with fewer
        than two answers. [scale points]
    version : str
        ``"2.0"`` (1–7, higher = easier) or ``"1.0"`` (1–5, lower = easier).
    easy : numpy.ndarray of int64, shape (G,)
        Answers on the easy side of the scale, `easy_scores`.
    easy_share : numpy.ndarray of float64, shape (G,)
        ``easy / n`` in [0, 1] (for CES 2.0, the share agreeing). [1]
    easy_scores : tuple of int
        ``(5, 6, 7)`` for CES 2.0 (agree that it was easy), ``(1, 2)`` for
        CES 1.0 (very low or low effort).

    The other attributes are those of :class:`ScoreResult`; ``scale`` and
    ``higher_is_better`` state the version's direction.
    """

    version: str
    easy: Int64Array
    easy_share: FloatArray
    easy_scores: tuple[int, ...]


@result
class FeedbackResult(Result):
    """Customer feedback per group, counted by kind (see :func:`feedback_summary`).

    Attributes
    ----------
    groups : numpy.ndarray, shape (G,)
        Group labels (``["all"]`` without ``by``).
    kinds : numpy.ndarray of str, shape (3,)
        ``["confirmation", "improvement", "negative"]``.
    counts : numpy.ndarray of int64, shape (G, 3)
        ``counts[g, k]``: feedback of kind ``kinds[k]`` in group `g`.
    shares : numpy.ndarray of float64, shape (G, 3)
        ``counts / n``; each row sums to 1; NaN for a group without feedback.
        [1]
    n : numpy.ndarray of int64, shape (G,)
        Feedback per group (missing kinds not counted).

    The frame (:meth:`to_frame`) has one row per group and kind.
    """

    groups: LabelArray
    kinds: LabelArray
    counts: Int64Array
    shares: FloatArray
    n: Int64Array

    def _frame_columns(self) -> dict[str, npt.NDArray[Any]]:
        # One row per group and kind (the kinds are a second axis).
        g, k = self.counts.shape
        group = np.repeat(np.arange(g), k)
        kind = np.tile(np.arange(k), g)
        return {
            "group": self.groups[group],
            "kind": self.kinds[kind],
            "counts": self.counts.reshape(-1),
            "shares": self.shares.reshape(-1),
            "n": self.n[group],
        }


# --------------------------------------------------------------------------- validation


def _histogram(scores: object, lo: int, hi: int, by: object) -> tuple[Groups, Int64Array]:
    """Validate whole-number `scores` in ``[lo, hi]`` (NaN = no answer); count them per group.

    Returns
    -------
    (groups, counts)
        ``counts[g, k]`` = answers ``lo + k`` in group `g`, shape (G, hi - lo + 1).
    """
    s = as_float_array(scores, name="scores")
    groups = factorize(by, len(s), data_name="scores")
    answered = ~np.isnan(s)
    bad = answered & ~((s >= lo) & (s <= hi) & (s == np.floor(s)))
    if bad.any():
        rows = np.flatnonzero(bad).tolist()
        raise ValidationError(
            f"`scores` must be whole numbers from {lo} to {hi} (NaN = no answer); "
            f"they are not in {describe_rows(rows)}, e.g. {float(s[rows[0]])!r}",
            rows=rows,
        )
    k = hi - lo + 1
    idx = np.where(answered, s - lo, 0).astype(np.intp)
    if groups.codes is None:
        counts = np.bincount(idx[answered], minlength=k)[None, :]
    else:
        # Rows in no group have code G: their bins lie past G * k and are dropped.
        flat = (groups.codes * k + idx)[answered]
        counts = np.bincount(flat, minlength=(groups.size + 1) * k)[: groups.size * k]
        counts = counts.reshape(groups.size, k)
    return groups, counts.astype(np.int64, copy=False)


def _warn_empty(groups: Groups, n: Int64Array, what: str) -> None:
    empty = n == 0
    if empty.any():
        warn_insufficient(
            f"`scores` has no answer in {describe_groups(groups.labels, empty)}: "
            f"their {what} is NaN"
        )


def _z(confidence: float) -> float:
    """Two-sided standard normal quantile (AS241 in the standard library: no scipy)."""
    return NormalDist().inv_cdf(0.5 + confidence / 2.0)


def _wilson(k: Int64Array, n: Int64Array, confidence: float) -> tuple[FloatArray, FloatArray]:
    """Wilson score interval of ``k / n`` (NaN where ``n == 0``)."""
    z = _z(confidence)
    nf = n.astype(np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = k / nf
        denom = 1.0 + z * z / nf
        centre = (p + z * z / (2.0 * nf)) / denom
        half = z / denom * np.sqrt(p * (1.0 - p) / nf + z * z / (4.0 * nf * nf))
    return np.clip(centre - half, 0.0, 1.0), np.clip(centre + half, 0.0, 1.0)


def _score_fields(
    groups: Groups, counts: Int64Array, lo: int, hi: int, confidence: float, higher: bool
) -> dict[str, Any]:
    return {
        "groups": groups.labels,
        "n": counts.sum(axis=1),
        "confidence": confidence,
        "scale": (lo, hi),
        "higher_is_better": higher,
        "points": np.arange(lo, hi + 1, dtype=np.int64),
        "counts": counts,
    }


# --------------------------------------------------------------------------- public


def nps(scores: npt.ArrayLike, *, by: object = None, confidence: float = 0.95) -> NPSResult:
    """Net Promoter Score per group, with a confidence interval.

    Parameters
    ----------
    scores : array_like of int, shape (n,)
        Answers to "How likely is it that you would recommend us to a friend
        or colleague?", whole numbers 0–10; NaN (or None) = no answer, left
        out.
    by : array_like or tuple, optional
        Groups (customer, segment, ...): labels, integer codes or
        ``(codes, labels)``, as for every grouped metric.
    confidence : float, optional
        Level of the interval, in (0, 1).

    Returns
    -------
    NPSResult
        Per group: ``value = 100 (promoters − detractors) / n`` in
        [−100, 100], its interval ``low``/``high``, the answers ``n`` and the
        promoters (9–10), passives (7–8) and detractors (0–6).

    Raises
    ------
    customer_kanban.errors.ValidationError
        If a score is not a whole number from 0 to 10 (the rows are named),
        `confidence` is not a fraction in (0, 1), or `by` does not match.

    Warns
    -----
    InsufficientDataWarning
        If a group has no answer: its NPS and interval are NaN (not 0).

    Notes
    -----
    Each answer scores ``X = +1`` (promoter), 0 (passive) or −1 (detractor);
    the NPS is 100 times the mean of ``X``. With the shares ``p+`` and ``p-``
    of promoters and detractors, ``Var(X) = p+ + p- − (p+ − p-)²``, so the
    standard error of the NPS is ``100 sqrt((p+ + p- − (p+ − p-)²) / n)``
    and the interval is ``NPS ± z · SE`` (normal approximation, ``z`` the
    ``(1 + confidence) / 2`` normal quantile), clipped to [−100, 100]. It is
    rough for small `n` and has zero width when every answer is of one kind.

    Examples
    --------
    Ten answers: three promoters (9, 10, 10), three passives, four
    detractors: NPS = 30 % − 40 % = −10.

    >>> r = nps([10, 9, 10, 8, 7, 7, 6, 3, 0, 5, np.nan])
    >>> r.value, r.n, r.promoters, r.passives, r.detractors
    (array([-10.]), array([10]), array([3]), array([3]), array([4]))
    >>> r.low.round(1), r.high.round(1)
    (array([-61.5]), array([41.5]))
    """
    c = as_fraction(confidence, name="confidence")
    groups, counts = _histogram(scores, 0, 10, by)
    n = counts.sum(axis=1)
    detractors = counts[:, :7].sum(axis=1)
    passives = counts[:, 7:9].sum(axis=1)
    promoters = counts[:, 9:].sum(axis=1)
    nf = n.astype(np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        p_pro = promoters / nf
        p_det = detractors / nf
        value = 100.0 * (promoters - detractors) / nf
        var = np.maximum(p_pro + p_det - (p_pro - p_det) ** 2, 0.0)
        half = _z(c) * 100.0 * np.sqrt(var / nf)
    _warn_empty(groups, n, "NPS")
    return NPSResult(
        value=value,
        low=np.clip(value - half, -100.0, 100.0),
        high=np.clip(value + half, -100.0, 100.0),
        promoters=promoters,
        passives=passives,
        detractors=detractors,
        **_score_fields(groups, counts, 0, 10, c, True),
    )


def csat(
    scores: npt.ArrayLike,
    *,
    scale: int = 5,
    satisfied: Iterable[int] | None = None,
    by: object = None,
    confidence: float = 0.95,
) -> CSATResult:
    """Customer satisfaction score (top-box share) per group, with a Wilson interval.

    Parameters
    ----------
    scores : array_like of int, shape (n,)
        Answers to "How satisfied were you?", whole numbers 1..`scale`; NaN
        (or None) = no answer, left out.
    scale : int, optional
        Highest answer, 2 to 100; answers run from 1 to `scale`.
    satisfied : iterable of int, optional
        The answers that count as satisfied. Default: the top two boxes,
        ``(scale - 1, scale)``, i.e. ``(4, 5)`` on the usual 5-point scale.
    by : array_like or tuple, optional
        Groups, as for every grouped metric.
    confidence : float, optional
        Level of the interval, in (0, 1).

    Returns
    -------
    CSATResult
        Per group: ``value = 100 × satisfied / n`` [%], its Wilson interval,
        the answers and the satisfied ones; the method (``"top_box"``), the
        scale and the satisfied scores are stored.

    Raises
    ------
    customer_kanban.errors.ValidationError
        If a score is not a whole number from 1 to `scale` (the rows are
        named), `satisfied` is empty or outside the scale, `scale` is
        outside 2..100,
        `confidence` is not a fraction in (0, 1), or `by` does not match.

    Warns
    -----
    InsufficientDataWarning
        If a group has no answer: its CSAT and interval are NaN.

    Notes
    -----
    CSAT is the share of satisfied answers, not the mean score (some
    vendors report a weighted mean; this function does not). With ``k``
    satisfied of ``n``, ``p = k / n`` and ``z`` the ``(1 + confidence) / 2``
    normal quantile, the Wilson score interval is
    ``(p + z²/(2n) ± z sqrt(p(1 − p)/n + z²/(4n²))) / (1 + z²/n)``; unlike
    ``p ± z sqrt(p(1 − p)/n)`` it stays in [0, 1] and does not collapse at
    ``p = 0`` or 1.

    Examples
    --------
    Eight answers on a 1–5 scale, six of them 4 or 5:

    >>> r = csat([5, 4, 4, 5, 3, 5, 1, 4])
    >>> r.value, r.satisfied, r.n, r.method
    (array([75.]), array([6]), array([8]), 'top_box')
    >>> r.low.round(1), r.high.round(1)
    (array([40.9]), array([92.9]))
    """
    c = as_fraction(confidence, name="confidence")
    top = as_whole_number(scale, name="scale", minimum=2, maximum=_MAX_CSAT_SCALE)
    boxes = _check_satisfied(satisfied, top)
    groups, counts = _histogram(scores, 1, top, by)
    n = counts.sum(axis=1)
    k = counts[:, [b - 1 for b in boxes]].sum(axis=1)
    low, high = _wilson(k, n, c)
    with np.errstate(divide="ignore", invalid="ignore"):
        value = 100.0 * k / n
    _warn_empty(groups, n, "CSAT")
    return CSATResult(
        value=value,
        low=100.0 * low,
        high=100.0 * high,
        satisfied=k,
        satisfied_scores=boxes,
        method="top_box",
        **_score_fields(groups, counts, 1, top, c, True),
    )


def _check_satisfied(satisfied: Iterable[int] | None, top: int) -> tuple[int, ...]:
    if satisfied is None:
        return (top - 1, top)
    if isinstance(satisfied, (str, bytes)) or not isinstance(satisfied, Iterable):
        raise TypeError(f"`satisfied` must be a sequence of integers, got {satisfied!r}")
    boxes = [as_whole_number(b, name="satisfied", minimum=1, maximum=top) for b in satisfied]
    if not boxes:
        raise ValidationError("`satisfied` must name at least one answer")
    return tuple(sorted(set(boxes)))


def ces(
    scores: npt.ArrayLike,
    *,
    version: CESVersion = "2.0",
    by: object = None,
    confidence: float = 0.95,
) -> CESResult:
    """Customer effort score (mean answer) per group, with a Student-t interval.

    Parameters
    ----------
    scores : array_like of int, shape (n,)
        Answers, whole numbers on the version's scale; NaN (or None) = no
        answer, left out.
    version : {"2.0", "1.0"}, optional
        ``"2.0"``: agreement with "[Company] made it easy for me to handle
        my issue", 1 (strongly disagree) to 7 (strongly agree), **higher is
        better**. ``"1.0"``: "How much effort did you personally have to put
        forth to handle your request?", 1 (very low) to 5 (very high),
        **lower is better**.
    by : array_like or tuple, optional
        Groups, as for every grouped metric.
    confidence : float, optional
        Level of the interval, in (0, 1).

    Returns
    -------
    CESResult
        Per group: the mean answer, its t interval, the answers, and the
        answers on the easy side (5–7 for 2.0, 1–2 for 1.0) with their
        share; the version, scale and direction (``higher_is_better``) are
        stored.

    Raises
    ------
    customer_kanban.errors.ValidationError
        If a score is not a whole number on the version's scale (the rows are
        named), `version` is unknown, `confidence` is not a fraction in (0, 1), or `by`
        does not match.

    Warns
    -----
    InsufficientDataWarning
        If a group has no answer (its figures are NaN) or a single one (its
        interval is NaN).

    Notes
    -----
    The interval is ``mean ± t · s / sqrt(n)`` with ``s`` the sample standard
    deviation (``ddof=1``) and ``t`` the ``(1 + confidence) / 2`` quantile of
    Student's t with ``n − 1`` degrees of freedom, clipped to the scale. The
    mean and ``s`` come from the histogram of answers, so they are exact.

    Examples
    --------
    >>> r = ces([7, 6, 6, 5, 3, 7, 2, 6])  # CES 2.0: 1-7, higher = easier
    >>> r.value, r.easy_share, r.higher_is_better, r.scale
    (array([5.25]), array([0.75]), True, (1, 7))
    >>> r.low.round(2), r.high.round(2)
    (array([3.72]), array([6.78]))
    >>> ces([1, 2, 2, 4], version="1.0").higher_is_better  # 1-5, lower = easier
    False
    """
    c = as_fraction(confidence, name="confidence")
    v = check_choice(version, name="version", choices=_CES_VERSIONS)
    lo, hi, higher, easy_scores = _CES_SCALES[v]
    groups, counts = _histogram(scores, lo, hi, by)
    n = counts.sum(axis=1)
    points = np.arange(lo, hi + 1, dtype=np.float64)
    easy = counts[:, [e - lo for e in easy_scores]].sum(axis=1)
    nf = n.astype(np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = (counts @ points) / nf
        ss = (counts * (points[None, :] - mean[:, None]) ** 2).sum(axis=1)
        sd = np.sqrt(ss / (nf - 1.0))
    half = np.full(n.shape, np.nan)
    many = n >= 2
    if many.any():
        from scipy.special import stdtrit  # quantile of Student's t

        t = stdtrit(nf[many] - 1.0, 0.5 + c / 2.0)
        half[many] = t * sd[many] / np.sqrt(nf[many])
    _warn_empty(groups, n, "CES")
    single = n == 1
    if single.any():
        warn_insufficient(
            f"`scores` has a single answer in {describe_groups(groups.labels, single)}: "
            "their CES interval is NaN"
        )
    return CESResult(
        value=mean,
        low=np.clip(mean - half, lo, hi),
        high=np.clip(mean + half, lo, hi),
        version=v,
        easy=easy,
        easy_share=_share(easy, n),
        easy_scores=easy_scores,
        **_score_fields(groups, counts, lo, hi, c, higher),
    )


def _share(k: npt.NDArray[Any], n: Int64Array) -> FloatArray:
    out = np.full(np.shape(k), np.nan)
    den = n if np.ndim(k) == 1 else n[:, None]
    np.divide(k, den, out=out, where=den > 0)
    return out


_enum_values = np.frompyfunc(lambda k: k.value if isinstance(k, enum.Enum) else k, 1, 1)


def _has_enum(kind: object) -> bool:
    if isinstance(kind, enum.Enum):
        return True
    if isinstance(kind, (list, tuple)):
        return any(isinstance(k, enum.Enum) for k in kind)
    return False


def _kind_codes(kind: object) -> tuple[npt.NDArray[np.intp], BoolArray]:
    """Code 0/1/2 of each feedback kind, and which rows are missing (None/NaN)."""
    if hasattr(kind, "to_numpy"):  # pandas columns
        arr = kind.to_numpy()
    else:  # enum members (FeedbackKind) stay objects, not their str() names
        try:
            arr = np.asarray(kind, dtype=object if _has_enum(kind) else None)
        except ValueError as exc:  # a ragged nested sequence
            raise TypeError(f"`kind` must be a flat array of feedback kinds: {exc}") from exc
    if arr.ndim == 0:
        arr = arr.reshape(1)
    if arr.dtype.kind == "O":  # FeedbackKind members -> their values, in one ufunc pass
        arr = _enum_values(arr)
    if arr.ndim != 1:
        raise ValidationError(f"`kind` must be one-dimensional, got shape {arr.shape}")
    if arr.dtype.kind == "O":
        missing = _object_missing(arr)
    elif arr.dtype.kind == "f":
        missing = np.isnan(arr)
    else:
        missing = np.zeros(len(arr), dtype=np.bool_)
    codes = np.full(len(arr), -1, dtype=np.intp)
    if arr.dtype.kind in "OUS":
        present = arr if arr.dtype.kind != "O" else arr[~missing]
        sub = np.full(len(present), -1, dtype=np.intp)
        for k, label in enumerate(FEEDBACK_KINDS):  # three labels, not a loop per row
            sub[np.asarray(present == label, dtype=np.bool_)] = k
        if arr.dtype.kind == "O":
            codes[~missing] = sub
        else:
            codes = sub
    bad = ~missing & (codes < 0)
    if bad.any():
        rows = np.flatnonzero(bad).tolist()
        allowed = ", ".join(repr(k) for k in FEEDBACK_KINDS)
        raise ValidationError(
            f"`kind` must be one of {allowed} (None/NaN = missing); it is not in "
            f"{describe_rows(rows)}, e.g. {arr[rows[:1]].tolist()[0]!r}",
            rows=rows,
        )
    return codes, missing


def feedback_summary(kind: npt.ArrayLike, *, by: object = None) -> FeedbackResult:
    """Count customer feedback by kind — confirmation, improvement, negative — per group.

    Seed 002: feedback comes as *confirmation* (what works, keep it),
    *improvement* (what could be better) and *negative* (what went wrong).
    The mix per customer or segment tells whether the service is fit for
    purpose and where to act.

    Parameters
    ----------
    kind : array_like of str, shape (n,)
        Kind of each piece of feedback: exactly ``"confirmation"``,
        ``"improvement"`` or ``"negative"``; None/NaN = not classified,
        left out.
    by : array_like or tuple, optional
        Groups (customer, segment, ...), as for every grouped metric.

    Returns
    -------
    FeedbackResult
        ``counts[g, k]`` and ``shares[g, k]`` for the kinds in
        :data:`FEEDBACK_KINDS` order, and ``n[g]`` (shape (G,)).

    Raises
    ------
    customer_kanban.errors.ValidationError
        If a kind is anything else (the rows are named), or `by` does not
        match.

    Warns
    -----
    InsufficientDataWarning
        If a group has no classified feedback: its shares are NaN.

    Examples
    --------
    >>> kinds = ["confirmation", "negative", "improvement", "confirmation", None]
    >>> r = feedback_summary(kinds, by=["A", "A", "B", "B", "B"])
    >>> r.groups
    array(['A', 'B'], dtype='<U1')
    >>> r.kinds
    array(['confirmation', 'improvement', 'negative'], dtype='<U12')
    >>> r.counts, r.n
    (array([[1, 0, 1], [1, 1, 0]]), array([2, 2]))
    >>> r.shares
    array([[0.5, 0. , 0.5], [0.5, 0.5, 0. ]])
    """
    codes, missing = _kind_codes(kind)
    groups = factorize(by, len(codes), data_name="kind")
    k = len(FEEDBACK_KINDS)
    present = ~missing
    if groups.codes is None:
        counts = np.bincount(codes[present], minlength=k)[None, :]
    else:
        flat = (groups.codes * k + codes)[present]  # no group: code G, dropped below
        counts = np.bincount(flat, minlength=(groups.size + 1) * k)[: groups.size * k]
        counts = counts.reshape(groups.size, k)
    counts = counts.astype(np.int64, copy=False)
    n = counts.sum(axis=1)
    empty = n == 0
    if empty.any():
        warn_insufficient(
            f"`kind` has no classified feedback in {describe_groups(groups.labels, empty)}: "
            "their shares are NaN"
        )
    return FeedbackResult(
        groups=groups.labels,
        kinds=np.array(FEEDBACK_KINDS),
        counts=counts,
        shares=_share(counts, n),
        n=n,
    )
