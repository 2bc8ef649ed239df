"""Tests of the voice-of-the-customer metrics: nps, csat, ces and feedback_summary."""

from __future__ import annotations

import contextlib
import json
import math
import re
import warnings
from statistics import NormalDist

import numpy as np
import pytest
import scipy.stats
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from customer_kanban.customers._voice import (
    FEEDBACK_KINDS,
    CESResult,
    CSATResult,
    NPSResult,
    ScoreResult,
    ces,
    csat,
    feedback_summary,
    nps,
)
from customer_kanban.errors import InsufficientDataWarning, ValidationError
from customer_kanban.testing._arrays import group_label_arrays

Z95 = NormalDist().inv_cdf(0.975)


@contextlib.contextmanager
def _quiet():
    """Empty groups are expected in property tests; their warning is tested by hand."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InsufficientDataWarning)
        yield


@st.composite
def score_arrays(draw, *, lo, hi, min_size=0, max_size=40):
    """Whole-number scores in [lo, hi] as float64, some NaN (no answer)."""
    n = draw(st.integers(min_size, max_size))
    values = draw(st.lists(st.one_of(st.integers(lo, hi), st.just(None)), min_size=n, max_size=n))
    return np.array([np.nan if v is None else float(v) for v in values])


def _same_or_both_nan(a, b):
    return np.array_equal(np.asarray(a), np.asarray(b), equal_nan=True)


# --------------------------------------------------------------------------- NPS


def test_nps_by_hand():
    # 10 answers + 1 blank: promoters 10, 9, 10 (3); passives 8, 7, 7 (3);
    # detractors 6, 3, 0, 5 (4). NPS = 30 % - 40 % = -10.
    r = nps([10, 9, 10, 8, 7, 7, 6, 3, 0, 5, np.nan])
    assert isinstance(r, NPSResult)
    assert isinstance(r, ScoreResult)
    assert r.groups.tolist() == ["all"]
    assert r.value.tolist() == [-10.0]
    assert (r.promoters.tolist(), r.passives.tolist(), r.detractors.tolist()) == ([3], [3], [4])
    assert r.n.tolist() == [10]
    # Var(X) = 0.3 + 0.4 - (0.3 - 0.4)^2 = 0.69; SE = 100 sqrt(0.69 / 10).
    se = 100 * math.sqrt(0.069)
    assert r.low[0] == pytest.approx(-10 - Z95 * se, rel=1e-12)
    assert r.high[0] == pytest.approx(-10 + Z95 * se, rel=1e-12)
    assert r.scale == (0, 10)
    assert r.higher_is_better is True
    assert r.points.tolist() == list(range(11))
    assert r.counts.tolist() == [[1, 0, 0, 1, 0, 1, 1, 2, 1, 1, 2]]
    assert r.confidence == 0.95


def test_nps_extremes_and_clipping():
    r = nps([9, 10, 10])
    assert (r.value[0], r.low[0], r.high[0]) == (100.0, 100.0, 100.0)
    r = nps([0, 6])
    assert (r.value[0], r.low[0], r.high[0]) == (-100.0, -100.0, -100.0)
    r = nps([10, 0])  # NPS 0, SE 100 sqrt(1 / 2): the interval is clipped
    assert r.value[0] == 0.0
    assert (r.low[0], r.high[0]) == (-100.0, 100.0)
    assert nps([8, 7]).value[0] == 0.0  # passives count in n


def test_nps_confidence_widens_interval():
    s = [10, 9, 8, 6, 5, 10, 2, 9, 9, 7]
    narrow, wide = nps(s, confidence=0.8), nps(s, confidence=0.99)
    assert wide.low[0] < narrow.low[0] < narrow.value[0] < narrow.high[0] < wide.high[0]


@given(scores=score_arrays(lo=0, hi=10), data=st.data())
def test_nps_matches_reference_loop(scores, data):
    labels = data.draw(group_label_arrays(size=len(scores)))
    with _quiet():
        r = nps(scores, by=labels)
    for g, label in enumerate(r.groups):
        pro = pas = det = 0
        for s, lab in zip(scores, labels, strict=True):
            if lab != label or math.isnan(s):
                continue
            if s >= 9:
                pro += 1
            elif s >= 7:
                pas += 1
            else:
                det += 1
        n = pro + pas + det
        assert (r.promoters[g], r.passives[g], r.detractors[g], r.n[g]) == (pro, pas, det, n)
        if n == 0:
            assert math.isnan(r.value[g])
            assert math.isnan(r.low[g])
            continue
        value = 100 * (pro - det) / n
        assert r.value[g] == pytest.approx(value, abs=1e-9)
        var = pro / n + det / n - (pro / n - det / n) ** 2
        half = Z95 * 100 * math.sqrt(max(var, 0) / n)
        assert r.low[g] == pytest.approx(max(-100.0, value - half), abs=1e-9)
        assert r.high[g] == pytest.approx(min(100.0, value + half), abs=1e-9)
        assert -100 <= r.low[g] <= r.value[g] <= r.high[g] <= 100


def test_nps_empty_group_warns_and_is_nan_not_zero():
    with pytest.warns(InsufficientDataWarning, match=r"no answer in 1 of 2 groups \('b'\).*NPS"):
        r = nps([10, np.nan], by=["a", "b"])
    assert r.value[0] == 100.0
    assert np.isnan(r.value[1])
    assert np.isnan(r.low[1])
    assert r.n.tolist() == [1, 0]
    with pytest.warns(InsufficientDataWarning):
        r = nps([], by=(np.array([], dtype=np.intp), ["x", "y"]))
    assert r.groups.tolist() == ["x", "y"]
    assert r.counts.shape == (2, 11)
    d = r.to_dict()
    assert d["value"] == [None, None]
    json.dumps(d)


def test_nps_rows_in_no_group_are_left_out():
    r = nps([10, 0, 0], by=["a", None, "a"])
    assert r.n.tolist() == [2]
    assert r.value.tolist() == [0.0]


@pytest.mark.parametrize("bad", [11, -1, 7.5, np.inf])
def test_nps_rejects_bad_scores_naming_rows(bad):
    with pytest.raises(
        ValidationError,
        match=r"`scores` must be whole numbers from 0 to 10 \(NaN = no answer\); "
        r"they are not in 1 row \(row 2\), e.g. " + re.escape(repr(float(bad))) + "$",
    ) as info:
        nps([10, np.nan, bad, 3])
    assert info.value.rows == (2,)


def test_nps_other_errors():
    with pytest.raises(
        ValidationError, match=r"`confidence` must be a fraction in \(0, 1\); got 1.0"
    ):
        nps([1], confidence=1.0)
    with pytest.raises(TypeError, match=r"`confidence` must be a number in \(0, 1\), got str"):
        nps([1], confidence="95%")
    for score in (nps, csat, ces):
        with pytest.raises(
            ValidationError, match=r"`confidence` .* got 95 \(did you mean 0.95\?\)"
        ):
            score([1], confidence=95)
        with pytest.raises(TypeError, match=r"`confidence` must be a number in \(0, 1\), got bool"):
            score([1], confidence=True)
    with pytest.raises(ValidationError, match=r"`scores` and `by` must have the same length"):
        nps([1, 2], by=["a"])
    with pytest.raises(TypeError, match=r"`scores` must hold numbers"):
        nps(["ten"])
    with pytest.raises(ValidationError, match=r"2 rows \(row 0; row 1\)"):
        nps([12, 13])


# --------------------------------------------------------------------------- CSAT


def _wilson_quadratic(k, n, z):
    """The Wilson bounds as the roots of (p̂ - p)^2 = z^2 p (1 - p) / n (textbook form)."""
    phat = k / n
    a = 1 + z * z / n
    b = -(2 * phat + z * z / n)
    c = phat * phat
    disc = math.sqrt(b * b - 4 * a * c)
    return (-b - disc) / (2 * a), (-b + disc) / (2 * a)


def test_csat_by_hand():
    r = csat([5, 4, 4, 5, 3, 5, 1, 4, None])
    assert isinstance(r, CSATResult)
    assert r.value.tolist() == [75.0]
    assert (r.satisfied.tolist(), r.n.tolist()) == ([6], [8])
    assert r.method == "top_box"
    assert r.scale == (1, 5)
    assert r.satisfied_scores == (4, 5)
    lo, hi = _wilson_quadratic(6, 8, Z95)
    assert r.low[0] == pytest.approx(100 * lo, rel=1e-12)
    assert r.high[0] == pytest.approx(100 * hi, rel=1e-12)
    assert r.value[0] != pytest.approx(np.mean([5, 4, 4, 5, 3, 5, 1, 4]) * 20)  # not the mean


@pytest.mark.parametrize(("k", "n"), [(0, 1), (0, 7), (3, 7), (7, 7), (1, 40), (399, 400)])
@pytest.mark.parametrize("confidence", [0.8, 0.95, 0.999])
def test_csat_wilson_matches_textbook_and_scipy(k, n, confidence):
    scores = [5] * k + [1] * (n - k)
    r = csat(scores, confidence=confidence)
    z = NormalDist().inv_cdf(0.5 + confidence / 2)
    lo, hi = _wilson_quadratic(k, n, z)
    assert r.low[0] == pytest.approx(100 * lo, abs=1e-9)
    assert r.high[0] == pytest.approx(100 * hi, abs=1e-9)
    ci = scipy.stats.binomtest(k, n).proportion_ci(confidence_level=confidence, method="wilson")
    assert r.low[0] == pytest.approx(100 * ci.low, abs=1e-9)
    assert r.high[0] == pytest.approx(100 * ci.high, abs=1e-9)
    assert 0 <= r.low[0] <= r.value[0] <= r.high[0] <= 100


def test_csat_scale_and_satisfied():
    s = [7, 6, 5, 4, 7, 1]
    r = csat(s, scale=7)  # default: the top two boxes of the scale
    assert r.satisfied_scores == (6, 7)
    assert r.satisfied.tolist() == [3]
    assert r.value[0] == 50.0
    assert r.points.tolist() == list(range(1, 8))
    r = csat(s, scale=7, satisfied=[7, 5, 6, 7])
    assert r.satisfied_scores == (5, 6, 7)
    assert r.satisfied.tolist() == [4]
    r = csat([3, 2, 1], scale=3, satisfied=(3,))
    assert r.value[0] == pytest.approx(100 / 3)


def test_csat_errors():
    with pytest.raises(
        ValidationError, match=r"whole numbers from 1 to 5 .* 2 rows \(row 1; row 3\)"
    ):
        csat([5, 6, 4, 0])
    with pytest.raises(ValidationError, match=r"`satisfied` must be at most 5; got 6"):
        csat([5], satisfied=(5, 6))
    with pytest.raises(ValidationError, match=r"`satisfied` must be at least 1; got 0"):
        csat([5], satisfied=(0, 5))
    with pytest.raises(ValidationError, match=r"`satisfied` must name at least one answer"):
        csat([5], satisfied=())
    with pytest.raises(TypeError, match=r"`satisfied` must be a sequence of integers"):
        csat([5], satisfied="45")
    with pytest.raises(TypeError, match=r"`satisfied` must be a whole number, got float"):
        csat([5], satisfied=(4.0, 5))
    with pytest.raises(ValidationError, match=r"`scale` must be at least 2; got 1"):
        csat([1], scale=1)
    with pytest.raises(TypeError, match=r"`scale` must be a whole number, got float"):
        csat([1], scale=5.0)


def test_csat_scale_is_bounded():
    for huge in (101, 10**12, 2**63):
        with pytest.raises(ValidationError, match=r"`scale` must be at most 100; got"):
            csat([1], scale=huge)
    r = csat([1, 100, 99], scale=np.int64(100))
    assert r.scale == (1, 100)
    assert r.satisfied.tolist() == [2]


@given(scores=score_arrays(lo=1, hi=5, min_size=1), data=st.data())
def test_csat_invariant_to_row_order_and_by_equals_separate_calls(scores, data):
    labels = data.draw(group_label_arrays(size=len(scores)))
    perm = np.array(data.draw(st.permutations(range(len(scores)))), dtype=np.intp)
    with _quiet():
        r = csat(scores, by=labels)
        assert r == csat(scores[perm], by=labels[perm])
        for g, label in enumerate(r.groups):
            alone = csat(scores[labels == label])
            for field in ("value", "low", "high", "n", "satisfied", "counts"):
                assert _same_or_both_nan(getattr(r, field)[g], getattr(alone, field)[0])
    assert (r.counts.sum(axis=1) == r.n).all()


# --------------------------------------------------------------------------- CES


def test_ces_v2_by_hand_against_scipy_t_interval():
    x = np.array([7, 6, 6, 5, 3, 7, 2, 6.0])
    r = ces(np.r_[x, np.nan])
    assert isinstance(r, CESResult)
    assert r.version == "2.0"
    assert r.scale == (1, 7)
    assert r.higher_is_better is True
    assert r.value.tolist() == [5.25]
    assert r.easy_scores == (5, 6, 7)
    assert (r.easy.tolist(), r.easy_share.tolist()) == ([6], [0.75])
    lo, hi = scipy.stats.t.interval(0.95, len(x) - 1, loc=x.mean(), scale=scipy.stats.sem(x))
    assert r.low[0] == pytest.approx(lo, rel=1e-12)
    assert r.high[0] == pytest.approx(hi, rel=1e-12)


def test_ces_direction_depends_on_version():
    v1 = ces([1, 2, 2, 4, 5], version="1.0")
    assert v1.scale == (1, 5)
    assert v1.higher_is_better is False
    assert v1.easy_scores == (1, 2)
    assert v1.easy.tolist() == [3]
    assert v1.value.tolist() == [2.8]
    v2 = ces([1, 2, 2, 4, 5], version="2.0")
    assert v2.higher_is_better is True
    assert v2.easy.tolist() == [1]  # only the 5 agrees on a 1-7 scale
    with pytest.raises(ValidationError, match=r"whole numbers from 1 to 5 .*row 0"):
        ces([6, 5], version="1.0")
    with pytest.raises(ValidationError, match=r"`version` must be one of '2.0', '1.0'; got '3'"):
        ces([1], version="3")
    d = v1.to_dict()
    assert (d["version"], d["higher_is_better"], list(d["scale"])) == ("1.0", False, [1, 5])


def test_ces_interval_clipped_and_small_samples():
    r = ces([7, 7, 7])
    assert (r.value[0], r.low[0], r.high[0]) == (7.0, 7.0, 7.0)
    r = ces([7, 7, 7, 1])  # mean 5.5 ± t(3) 3 / 2 = ± 4.77 passes both ends
    assert (r.low[0], r.high[0]) == (1.0, 7.0)
    r = ces([7, 7, 6, 6, 7, 7])
    assert r.high[0] == 7.0
    assert 6.0 < r.low[0] < r.value[0]
    with pytest.warns(InsufficientDataWarning, match=r"single answer in 1 of 2 groups \('b'\)"):
        r = ces([7, 5, 4], by=["a", "a", "b"])
    assert r.value[1] == 4.0
    assert np.isnan(r.low[1])
    assert np.isnan(r.high[1])
    with pytest.warns(InsufficientDataWarning, match=r"no answer in 1 of 1 group \('all'\)"):
        r = ces([np.nan])
    assert np.isnan(r.value[0])
    assert np.isnan(r.easy_share[0])


@given(
    scores=score_arrays(lo=1, hi=7, min_size=1),
    version=st.sampled_from(["2.0", "1.0"]),
    data=st.data(),
)
def test_ces_matches_numpy_and_is_invariant_to_row_order(scores, version, data):
    if version == "1.0":
        scores = np.where(scores > 5, np.nan, scores)
    labels = data.draw(group_label_arrays(size=len(scores)))
    perm = np.array(data.draw(st.permutations(range(len(scores)))), dtype=np.intp)
    with _quiet():
        r = ces(scores, version=version, by=labels)
        assert r == ces(scores[perm], version=version, by=labels[perm])
        for g, label in enumerate(r.groups):
            x = scores[(labels == label) & ~np.isnan(scores)]
            assert r.n[g] == x.size
            if x.size == 0:
                assert np.isnan(r.value[g])
                continue
            assert r.value[g] == pytest.approx(x.mean(), rel=1e-12)
            easy = (x >= 5) if version == "2.0" else (x <= 2)
            assert r.easy[g] == easy.sum()
            if x.size >= 2 and x.std() > 0:
                lo, hi = scipy.stats.t.interval(
                    0.95, x.size - 1, loc=x.mean(), scale=scipy.stats.sem(x)
                )
                top = 7 if version == "2.0" else 5
                assert r.low[g] == pytest.approx(max(lo, 1.0), rel=1e-9)
                assert r.high[g] == pytest.approx(min(hi, top), rel=1e-9)
            alone = ces(scores[labels == label], version=version)
            assert _same_or_both_nan(r.low[g], alone.low[0])
            assert r.value[g] == alone.value[0]


# --------------------------------------------------------------------------- feedback


def test_feedback_summary_by_hand():
    kind = ["confirmation", "negative", "improvement", "confirmation", None, np.nan, "negative"]
    by = ["A", "A", "B", "B", "B", "A", "C"]
    r = feedback_summary(kind, by=by)
    assert r.groups.tolist() == ["A", "B", "C"]
    assert r.kinds.tolist() == list(FEEDBACK_KINDS) == ["confirmation", "improvement", "negative"]
    assert r.counts.tolist() == [[1, 0, 1], [1, 1, 0], [0, 0, 1]]
    assert r.n.tolist() == [2, 2, 1]
    assert r.shares.tolist() == [[0.5, 0.0, 0.5], [0.5, 0.5, 0.0], [0.0, 0.0, 1.0]]
    alone = feedback_summary(np.array(["negative", "negative", "improvement"]))
    assert alone.groups.tolist() == ["all"]
    assert alone.counts.tolist() == [[0, 1, 2]]
    d = alone.to_dict()
    assert d["kinds"] == ["confirmation", "improvement", "negative"]


def test_feedback_summary_rejects_other_labels_naming_rows():
    with pytest.raises(
        ValidationError,
        match=r"`kind` must be one of 'confirmation', 'improvement', 'negative' "
        r"\(None/NaN = missing\); it is not in 2 rows \(row 1; row 3\), e.g. 'Negative'",
    ) as info:
        feedback_summary(["negative", "Negative", None, "praise"])
    assert info.value.rows == (1, 3)
    with pytest.raises(ValidationError, match=r"it is not in 1 row \(row 0\)"):
        feedback_summary(np.array(["complaint", "negative"]))
    with pytest.raises(ValidationError, match=r"it is not in 1 row \(row 1\), e.g. 1.0"):
        feedback_summary(np.array([np.nan, 1.0]))
    with pytest.raises(ValidationError, match=r"it is not in 2 rows"):
        feedback_summary([1, 2])
    with pytest.raises(ValidationError, match=r"`kind` and `by` must have the same length"):
        feedback_summary(["negative"], by=["a", "b"])
    with pytest.raises(TypeError, match=r"`kind` must be a flat array of feedback kinds"):
        feedback_summary([["negative"], ["negative", "improvement"]])
    with pytest.raises(ValidationError, match=r"`kind` must be one-dimensional, got shape"):
        feedback_summary([["negative"], ["improvement"]])


def test_feedback_summary_missing_and_empty_groups():
    with pytest.warns(InsufficientDataWarning, match=r"no classified feedback in 1 of 2 groups"):
        r = feedback_summary([None, "improvement"], by=["x", "y"])
    assert np.isnan(r.shares[0]).all()
    assert r.n.tolist() == [0, 1]
    with pytest.warns(InsufficientDataWarning):
        r = feedback_summary(np.full(3, np.nan))
    assert r.counts.tolist() == [[0, 0, 0]]
    with pytest.warns(InsufficientDataWarning):
        r = feedback_summary([])
    assert r.shares.shape == (1, 3)


def test_feedback_summary_takes_pandas_columns():
    pd = pytest.importorskip("pandas")
    kind = pd.Series(["negative", None, "confirmation"], dtype="string")
    seg = pd.Series(pd.Categorical(["p", "p", "q"], categories=["p", "q", "r"]))
    with pytest.warns(InsufficientDataWarning, match=r"\('r'\)"):
        r = feedback_summary(kind, by=seg)
    assert r.groups.tolist() == ["p", "q", "r"]
    assert r.counts.tolist() == [[0, 0, 1], [1, 0, 0], [0, 0, 0]]


@given(
    kinds=hnp.arrays(object, st.integers(0, 40), elements=st.sampled_from([*FEEDBACK_KINDS, None])),
    data=st.data(),
)
def test_feedback_summary_shares_sum_to_one_and_match_loop(kinds, data):
    labels = data.draw(group_label_arrays(size=len(kinds)))
    with _quiet():
        r = feedback_summary(kinds, by=labels)
    for g, label in enumerate(r.groups):
        expected = [0, 0, 0]
        for k, lab in zip(kinds, labels, strict=True):
            if lab == label and k is not None:
                expected[FEEDBACK_KINDS.index(k)] += 1
        assert r.counts[g].tolist() == expected
        assert r.n[g] == sum(expected)
        if r.n[g]:
            assert r.shares[g].sum() == pytest.approx(1.0)
            assert ((r.shares[g] >= 0) & (r.shares[g] <= 1)).all()
        else:
            assert np.isnan(r.shares[g]).all()


# --------------------------------------------------------------------------- shared


@pytest.mark.parametrize(
    ("func", "scores"),
    [(nps, [10, 7, 3, 9]), (csat, [5, 4, 2, 1]), (ces, [7, 4, 6, 2])],
)
def test_scores_take_pandas_nullable_and_round_trip_to_json(func, scores):
    pd = pytest.importorskip("pandas")
    s = pd.Series([*scores, None], dtype="Int64")
    r = func(s)
    assert r == func(np.array(scores, dtype=float))
    d = json.loads(r.to_json())
    assert d["n"] == [4]
    assert d["groups"] == ["all"]
    assert len(d["counts"][0]) == len(d["points"])


def test_feedback_summary_takes_the_models_feedback_kinds():
    from customer_kanban.model import FeedbackKind

    kinds = [FeedbackKind.NEGATIVE, FeedbackKind.CONFIRMATION, None, FeedbackKind.NEGATIVE]
    r = feedback_summary(kinds)
    assert r.counts.tolist() == [[1, 0, 2]]
    assert r.n.tolist() == [3]
    assert feedback_summary(np.array(kinds, dtype=object)) == r


# --------------------------------------------------------------------------- frames


def test_frames_of_the_voice_results():
    # As many groups as NPS answer points (11): `points` must not pass for a group column.
    r = nps([10, 9, 3, 7, 8, 0, 9, 10, 10, 1, 2], by=list("abcdefghijk"))
    f = r.to_frame()
    assert f.columns.tolist() == [
        "group",
        "value",
        "low",
        "high",
        "n",
        "promoters",
        "passives",
        "detractors",
        "confidence",
        "higher_is_better",
    ]
    assert f["group"].tolist() == list("abcdefghijk")
    promoter, detractor = 100.0, -100.0
    assert f["value"].tolist() == [
        promoter, promoter, detractor, 0.0, 0.0, detractor, promoter, promoter, promoter,
        detractor, detractor,
    ]  # fmt: skip
    c = csat([5, 4, 1, 2], by=["x", "x", "y", "y"]).to_frame()
    assert c[["group", "value", "satisfied", "n", "method"]].to_dict("list") == {
        "group": ["x", "y"],
        "value": [100.0, 0.0],
        "satisfied": [2, 0],
        "n": [2, 2],
        "method": ["top_box", "top_box"],
    }
    e = ces([7, 5, 1, 3]).to_frame()
    assert e[["group", "value", "easy", "version"]].to_dict("records") == [
        {"group": "all", "value": 4.0, "easy": 2, "version": "2.0"}
    ]
    k = feedback_summary(["negative", "confirmation", "negative"], by=["a", "b", "a"])
    f = k.to_frame()
    assert f.to_dict("list") == {
        "group": ["a", "a", "a", "b", "b", "b"],
        "kind": ["confirmation", "improvement", "negative"] * 2,
        "counts": [0, 0, 2, 1, 0, 0],
        "shares": [0.0, 0.0, 1.0, 1.0, 0.0, 0.0],
        "n": [2, 2, 2, 1, 1, 1],
    }
    for result in (r, k):
        assert len(repr(result).splitlines()) <= 20
