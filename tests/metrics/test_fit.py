"""Tests of the censoring-aware Weibull / lognormal lead-time fits."""

from __future__ import annotations

import json
import math
import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats

from customer_kanban.errors import InsufficientDataWarning, ValidationError
from customer_kanban.metrics.survival._fit import (
    ONE_MINUTE,
    LeadTimeFit,
    _ks_distance,
    fit_lead_times,
)
from customer_kanban.metrics.survival._kaplan_meier import kaplan_meier
from customer_kanban.testing._arrays import duration_arrays, group_label_arrays

DISTRIBUTIONS = ["weibull", "lognormal"]
FAMILY = {"weibull": stats.weibull_min, "lognormal": stats.lognorm}
FIELDS = ("shape", "scale", "log_likelihood", "aic", "ks_distance")


def _sample(seed: int, n: int, *, censored_share: float = 0.3):
    """Seeded lead times (Weibull or lognormal by seed) with independent uniform censoring.

    The censoring time of each item is uniform on (0, c) with ``c = mean / share``,
    so about `censored_share` of the items are censored (``share = 0``: none).
    Durations are at least 0.01 days, above the default `min_duration`.
    """
    rng = np.random.default_rng(seed)
    t = 7.0 * rng.weibull(1.3, n) if seed % 2 else rng.lognormal(1.5, 0.8, n)
    t = np.maximum(t, 0.01)
    if not censored_share:
        return t, np.ones(n, dtype=bool)
    c = rng.uniform(0.0, t.mean() / censored_share, n)
    return np.minimum(t, c), t <= c


def _scipy_ll(distribution, shape, scale, t, obs):
    """Log-likelihood with scipy's own logpdf / logsf (location 0)."""
    family = FAMILY[distribution]
    return float(
        family.logpdf(t[obs], shape, scale=scale).sum()
        + family.logsf(t[~obs], shape, scale=scale).sum()
    )


def _quiet_fit(*args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InsufficientDataWarning)
        return fit_lead_times(*args, **kwargs)


def _assert_same_fit(a: LeadTimeFit, b: LeadTimeFit, rel: float = 1e-12) -> None:
    assert a.distribution == b.distribution
    assert a.groups.tolist() == b.groups.tolist()
    assert a.n.tolist() == b.n.tolist()
    assert a.n_events.tolist() == b.n_events.tolist()
    for field in FIELDS:
        np.testing.assert_allclose(
            getattr(a, field), getattr(b, field), rtol=rel, atol=rel, err_msg=field
        )


# --------------------------------------------------------------------------- against scipy


@pytest.mark.parametrize("distribution", DISTRIBUTIONS)
@pytest.mark.parametrize("seed", [0, 1, 2, 3])
@pytest.mark.parametrize("n", [50, 500])
@pytest.mark.parametrize("censored_share", [0.3, 0.0])
def test_matches_scipy_fit(distribution, seed, n, censored_share):
    t, obs = _sample(seed, n, censored_share=censored_share)
    if censored_share:
        assert 0.15 < 1 - obs.mean() < 0.45
    data = stats.CensoredData.right_censored(t, ~obs)
    k_ref, loc, lam_ref = FAMILY[distribution].fit(data, floc=0)
    assert loc == 0
    r = fit_lead_times(t, obs, distribution=distribution)
    k, lam = float(r.shape[0]), float(r.scale[0])
    ours = _scipy_ll(distribution, k, lam, t, obs)
    reference = _scipy_ll(distribution, k_ref, lam_ref, t, obs)
    # At least as good a maximum as scipy's generic fitter (Nelder–Mead) ...
    assert ours >= reference - 1e-7
    # ... and the same one: scipy stops within ~1e-5 of it.
    assert k == pytest.approx(k_ref, rel=1e-4)
    assert lam == pytest.approx(lam_ref, rel=1e-4)
    # Our reported log-likelihood is scipy's, at our parameters.
    assert r.log_likelihood[0] == pytest.approx(ours, rel=1e-12, abs=1e-9)
    assert r.aic[0] == pytest.approx(4 - 2 * ours, rel=1e-12, abs=1e-9)
    assert (r.n[0], r.n_events[0]) == (n, obs.sum())


@pytest.mark.parametrize("distribution", DISTRIBUTIONS)
@pytest.mark.parametrize("seed", [0, 1])
def test_is_a_local_maximum_of_scipys_likelihood(distribution, seed):
    # Tighter than the comparison with scipy's fit: every neighbour at a relative
    # 1e-4 in each parameter has a lower log-likelihood (by ~ n * 1e-8 >> rounding).
    t, obs = _sample(seed, 200)
    r = fit_lead_times(t, obs, distribution=distribution)
    k, lam = float(r.shape[0]), float(r.scale[0])
    best = _scipy_ll(distribution, k, lam, t, obs)
    for dk in (-1, 0, 1):
        for dl in (-1, 0, 1):
            if dk or dl:
                other = _scipy_ll(distribution, k * (1 + 1e-4 * dk), lam * (1 + 1e-4 * dl), t, obs)
                assert other < best


# --------------------------------------------------------------------------- closed forms


@pytest.mark.parametrize("seed", [0, 1, 5])
def test_lognormal_without_censoring_is_the_log_moments(seed):
    t, _ = _sample(seed, 300, censored_share=0.0)
    r = fit_lead_times(t, distribution="lognormal")
    log_t = np.log(t)
    mu, sigma = log_t.mean(), log_t.std()  # population std (ddof=0) is the MLE
    assert r.shape[0] == pytest.approx(sigma, rel=1e-14)
    assert math.log(r.scale[0]) == pytest.approx(mu, rel=1e-14)
    n = len(t)
    ll = -n * math.log(sigma) - n / 2 * math.log(2 * math.pi) - log_t.sum() - n / 2
    assert r.log_likelihood[0] == pytest.approx(ll, rel=1e-13)


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
@pytest.mark.parametrize("censored_share", [0.3, 0.0])
def test_weibull_solves_the_profile_likelihood_equations(seed, censored_share):
    t, obs = _sample(seed, 400, censored_share=censored_share)
    r = fit_lead_times(t, obs)
    k, lam = float(r.shape[0]), float(r.scale[0])
    log_t = np.log(t)
    w = t**k
    g = (w * log_t).sum() / w.sum() - 1 / k - log_t[obs].mean()
    assert abs(g) < 1e-10
    assert lam**k == pytest.approx(w.sum() / obs.sum(), rel=1e-12)


def test_weibull_of_two_values_by_hand():
    # t = 1, e: g(k) = e^k / (1 + e^k) - 1/k - 1/2 = 0, i.e. tanh(k/2) = 2/k
    # (k ≈ 2.3994); then λ^k = (1 + e^k) / 2.
    r = fit_lead_times([1.0, math.e])
    k = float(r.shape[0])
    assert math.tanh(k / 2) == pytest.approx(2 / k, rel=1e-13)
    assert k == pytest.approx(2.39935728, rel=1e-8)
    assert r.scale[0] ** k == pytest.approx((1 + math.exp(k)) / 2, rel=1e-12)


def test_exponential_data_fits_shape_one():
    # Quantiles of Exp(mean 4): the Weibull fit has k ≈ 1, λ ≈ 4, tail ratio ≈ 5.64.
    p = (np.arange(1, 2001) - 0.5) / 2000
    t = -4.0 * np.log1p(-p)
    r = fit_lead_times(t)
    assert r.shape[0] == pytest.approx(1.0, rel=0.01)
    assert r.scale[0] == pytest.approx(4.0, rel=0.01)
    assert r.tail_ratio[0] == pytest.approx(math.log(50) / math.log(2), rel=0.02)


# --------------------------------------------------------------------------- recovery


def test_recovers_weibull_parameters_with_censoring():
    rng = np.random.default_rng(20240101)
    n = 20_000
    true = 10.0 * rng.weibull(1.5, n)
    censor_at = rng.uniform(0.0, 45.0, n)  # independent of the lead time
    obs = true <= censor_at
    assert 0.17 < 1 - obs.mean() < 0.23  # about 20 % censored
    r = fit_lead_times(np.minimum(true, censor_at), obs)
    assert r.shape[0] == pytest.approx(1.5, rel=0.03)
    assert r.scale[0] == pytest.approx(10.0, rel=0.03)
    # Dropping the open items instead biases the scale low (the point of censoring).
    naive = fit_lead_times(np.minimum(true, censor_at)[obs])
    assert naive.scale[0] < 0.95 * 10.0


def test_recovers_lognormal_parameters_with_censoring():
    rng = np.random.default_rng(7)
    n = 20_000
    true = rng.lognormal(2.0, 0.6, n)
    censor_at = rng.uniform(0.0, 30.0, n)
    obs = true <= censor_at
    r = fit_lead_times(np.minimum(true, censor_at), obs, distribution="lognormal")
    assert r.shape[0] == pytest.approx(0.6, rel=0.03)
    assert r.scale[0] == pytest.approx(math.exp(2.0), rel=0.03)


# --------------------------------------------------------------------------- groups, NaN, order


@pytest.mark.parametrize("distribution", DISTRIBUTIONS)
def test_by_equals_separate_fits(distribution):
    t, obs = _sample(3, 600)
    labels = np.array(["expedite", "standard", "fixed"])[np.arange(600) % 3]
    r = fit_lead_times(t, obs, distribution=distribution, by=labels)
    assert r.groups.tolist() == ["expedite", "fixed", "standard"]
    for g, label in enumerate(r.groups):
        one = fit_lead_times(t[labels == label], obs[labels == label], distribution=distribution)
        for field in FIELDS:
            assert getattr(r, field)[g] == pytest.approx(getattr(one, field)[0], rel=1e-12)
        assert r.n[g] == one.n[0]
        assert r.n_events[g] == one.n_events[0]


def test_by_codes_and_rows_in_no_group():
    t, obs = _sample(1, 90)
    codes = np.arange(90) % 3 - 1  # -1 = no group
    r = fit_lead_times(t, obs, by=(codes, ["x", "y"]))
    assert r.groups.tolist() == ["x", "y"]
    assert r.n.tolist() == [30, 30]
    x = fit_lead_times(t[codes == 0], obs[codes == 0])
    assert r.shape[0] == pytest.approx(x.shape[0], rel=1e-12)


def test_nan_rows_are_left_out():
    t, obs = _sample(2, 80)
    with_nan = np.concatenate((t[:40], [np.nan, np.nan], t[40:]))
    obs_nan = np.concatenate((obs[:40], [True, False], obs[40:]))
    _assert_same_fit(fit_lead_times(with_nan, obs_nan), fit_lead_times(t, obs))


@given(durations=duration_arrays(max_size=25), data=st.data())
def test_invariant_to_row_order(durations, data):
    n = len(durations)
    obs = np.array(data.draw(st.lists(st.booleans(), min_size=n, max_size=n)), dtype=bool)
    labels = data.draw(group_label_arrays(size=n, n_groups=2))
    order = np.array(data.draw(st.permutations(range(n))), dtype=np.intp)
    distribution = data.draw(st.sampled_from(DISTRIBUTIONS))
    a = _quiet_fit(durations, obs, distribution=distribution, by=labels)
    b = _quiet_fit(durations[order], obs[order], distribution=distribution, by=labels[order])
    _assert_same_fit(a, b, rel=1e-7)
    assert (a.shape[~np.isnan(a.shape)] > 0).all()
    assert ((a.ks_distance >= 0) | np.isnan(a.ks_distance)).all()
    assert ((a.ks_distance <= 1) | np.isnan(a.ks_distance)).all()


@given(durations=duration_arrays(min_size=1, max_size=30, allow_nan=False), data=st.data())
def test_by_equals_separate_fits_property(durations, data):
    labels = data.draw(group_label_arrays(size=len(durations), allow_missing=False))
    distribution = data.draw(st.sampled_from(DISTRIBUTIONS))
    r = _quiet_fit(durations, distribution=distribution, by=labels)
    for g, label in enumerate(r.groups):
        one = _quiet_fit(durations[labels == label], distribution=distribution)
        for field in FIELDS:
            np.testing.assert_allclose(getattr(r, field)[g], getattr(one, field)[0], rtol=1e-12)


# --------------------------------------------------------------------------- floor, bad input


def test_zero_durations_are_raised_to_min_duration():
    d = np.array([0.0, 0.0, 1.0, 2.0, 3.0, 0.0005])
    before = d.copy()
    r = fit_lead_times(d)
    floored = fit_lead_times(np.maximum(d, ONE_MINUTE))
    _assert_same_fit(r, floored, rel=0)
    assert np.array_equal(d, before)  # the caller's array is untouched
    assert math.isfinite(r.log_likelihood[0])
    hour = fit_lead_times(d, min_duration=1 / 24)
    _assert_same_fit(hour, fit_lead_times(np.maximum(d, 1 / 24)), rel=0)
    assert not np.array_equal(hour.shape, r.shape)


def test_all_finished_below_the_floor_cannot_be_fitted():
    with pytest.warns(InsufficientDataWarning, match="fewer than 2 distinct"):
        r = fit_lead_times([0.0, 0.0001, 0.0002, 3.0], [True, True, True, False])
    assert np.isnan(r.shape[0])
    assert r.n.tolist() == [4]
    assert r.n_events.tolist() == [3]


def test_negative_durations_raise_naming_rows():
    with pytest.raises(ValidationError, match=r"`durations` must be >= 0.*rows? 2"):
        fit_lead_times([1.0, 2.0, -1.0, 3.0])


def test_infinite_durations_raise_naming_rows():
    with pytest.raises(ValidationError, match=r"`durations` must be finite.*row 1"):
        fit_lead_times([1.0, np.inf, 3.0])


def test_bad_options_raise():
    with pytest.raises(ValidationError, match="`distribution` must be one of 'weibull'"):
        fit_lead_times([1.0, 2.0], distribution="gamma")
    with pytest.raises(ValidationError, match="`min_duration` must be > 0"):
        fit_lead_times([1.0, 2.0], min_duration=0)
    with pytest.raises(TypeError, match="`min_duration` must be a number"):
        fit_lead_times([1.0, 2.0], min_duration="1")  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="must have the same length"):
        fit_lead_times([1.0, 2.0], [True])
    with pytest.raises(ValidationError, match="same length"):
        fit_lead_times([1.0, 2.0], by=["a"])


@pytest.mark.parametrize("distribution", DISTRIBUTIONS)
def test_all_censored_group_is_nan_with_warning(distribution):
    d = [1.0, 2.0, 4.0, 3.0, 5.0]
    obs = [True, True, True, False, False]
    by = ["a", "a", "a", "b", "b"]
    with pytest.warns(InsufficientDataWarning, match=r"1 of 2 groups \('b'\).*NaN"):
        r = fit_lead_times(d, obs, distribution=distribution, by=by)
    assert not np.isnan(r.shape[0])
    for field in FIELDS:
        assert np.isnan(getattr(r, field)[1])
    assert r.n.tolist() == [3, 2]
    assert r.n_events.tolist() == [3, 0]
    assert np.isnan(r.percentile([50, 90])[1]).all()
    assert np.isnan(r.cdf(3.0)[1])
    assert np.isnan(r.tail_ratio[1])


@pytest.mark.parametrize("distribution", DISTRIBUTIONS)
@pytest.mark.parametrize(
    ("durations", "observed"),
    [
        (np.zeros(0), None),  # empty
        ([2.0], None),  # one row
        ([np.nan, np.nan], [True, False]),  # all NaN
        ([2.0, 2.0, 5.0], [True, True, False]),  # one distinct finished value
    ],
)
def test_degenerate_input_is_nan_with_warning(distribution, durations, observed):
    with pytest.warns(InsufficientDataWarning, match="their parameters are NaN"):
        r = fit_lead_times(durations, observed, distribution=distribution)
    assert r.groups.tolist() == ["all"]
    for field in FIELDS:
        value = getattr(r, field)
        assert value.shape == (1,)
        assert np.isnan(value).all()
    assert r.percentile(50).shape == (1,)
    json.loads(r.to_json())


# --------------------------------------------------------------------------- goodness of fit


@pytest.mark.parametrize("distribution", DISTRIBUTIONS)
@pytest.mark.parametrize("seed", [0, 1, 4])
def test_ks_distance_is_the_ks_statistic_without_censoring(distribution, seed):
    t, _ = _sample(seed, 300, censored_share=0.0)
    t = np.round(t, 1) + 0.1  # ties, none at 0
    r = fit_lead_times(t, distribution=distribution)
    fitted = FAMILY[distribution](r.shape[0], scale=r.scale[0])
    expected = stats.kstest(t, fitted.cdf).statistic
    assert r.ks_distance[0] == pytest.approx(expected, rel=1e-12)


def _reference_ks(result, t, obs):
    """Sup |F - (1 - KM)|: both sides of every KM step, and the longest duration."""
    km = kaplan_meier(t, obs)
    gap = 0.0
    for tj in km.times.tolist():
        f = float(result.cdf(tj)[0])
        left = 1 - float(km.evaluate(np.nextafter(tj, -np.inf)))
        right = 1 - float(km.evaluate(tj))
        gap = max(gap, abs(f - left), abs(f - right))
    top = float(np.max(t))
    return max(gap, abs(float(result.cdf(top)[0]) - (1 - float(km.evaluate(top)))))


@pytest.mark.parametrize("distribution", DISTRIBUTIONS)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_ks_distance_with_censoring_against_kaplan_meier(distribution, seed):
    t, obs = _sample(seed, 150)
    t = np.round(t, 1) + 0.1
    obs[np.argmax(t)] = False  # the longest is censored: S stays > 0 to the end
    r = fit_lead_times(t, obs, distribution=distribution)
    assert r.ks_distance[0] == pytest.approx(_reference_ks(r, t, obs), rel=1e-12)


def test_ks_distance_by_hand_includes_the_censored_tail():
    # Exponential with λ = 10 against one item done at 1 day and one open at 100:
    # KM CDF is 0 before 1, then 1/2 up to 100. F(1) = 1 - e^-0.1 (gaps 0.095 and
    # 0.405); F(100) = 1 - e^-10, so the largest gap is at the longest (censored) item.
    t = np.array([1.0, 100.0])
    gap = _ks_distance("weibull", 1.0, 10.0, t, np.array([False, True]))
    assert gap == pytest.approx(0.5 - math.exp(-10.0), rel=1e-14)
    # Without the censored item the KM CDF reaches 1 at 1 day: the gap is S(1).
    assert _ks_distance("weibull", 1.0, 10.0, t[:1], None) == pytest.approx(math.exp(-0.1))


def test_ks_distance_tells_the_better_family():
    rng = np.random.default_rng(11)
    t = rng.lognormal(1.0, 1.0, 3000)
    weibull = fit_lead_times(t, distribution="weibull")
    lognormal = fit_lead_times(t, distribution="lognormal")
    assert lognormal.ks_distance[0] < weibull.ks_distance[0]
    assert lognormal.aic[0] < weibull.aic[0]


# --------------------------------------------------------------------------- result methods


@pytest.mark.parametrize("distribution", DISTRIBUTIONS)
def test_percentile_cdf_sf_agree_with_scipy(distribution):
    t, obs = _sample(4, 300)
    r = fit_lead_times(t, obs, distribution=distribution, by=np.arange(300) % 2)
    q = np.array([0.0, 1e-7, 10, 50, 85, 98, 100 - 1e-7, 100])
    x = np.array([0.0, 1e-3, 0.5, 3.0, 10.0, 50.0, 400.0, np.inf])
    at, cdf, sf = r.percentile(q), r.cdf(x), r.sf(x)
    assert at.shape == cdf.shape == sf.shape == (2, 8)
    for g in range(2):
        ref = FAMILY[distribution](r.shape[g], scale=r.scale[g])
        np.testing.assert_allclose(at[g], ref.ppf(q / 100), rtol=1e-12)
        np.testing.assert_allclose(cdf[g], ref.cdf(x), rtol=1e-12, atol=1e-300)
        np.testing.assert_allclose(sf[g], ref.sf(x), rtol=1e-12, atol=1e-300)
    assert r.percentile(50).shape == (2,)
    assert r.cdf(3.0).shape == (2,)
    assert r.sf(-1.0).tolist() == [1.0, 1.0]
    assert np.isnan(r.cdf([np.nan])).all()


def test_tail_ratio():
    t, obs = _sample(1, 300)
    r = fit_lead_times(t, obs)
    k = r.shape[0]
    assert r.tail_ratio[0] == pytest.approx((math.log(50) / math.log(2)) ** (1 / k), rel=1e-13)
    assert r.tail_ratio[0] == pytest.approx(r.percentile(98)[0] / r.percentile(50)[0], rel=1e-15)
    ln = fit_lead_times(t, obs, distribution="lognormal")
    z98 = stats.norm.ppf(0.98)
    assert ln.tail_ratio[0] == pytest.approx(math.exp(z98 * ln.shape[0]), rel=1e-13)


def test_method_arguments_are_checked():
    r = fit_lead_times([1.0, 2.0, 4.0])
    with pytest.raises(ValidationError, match=r"`q` must lie in \[0, 100\]"):
        r.percentile(185)
    with pytest.raises(ValidationError, match=r"`q` is in percent; did you mean 85\?"):
        r.percentile(0.85)
    with pytest.raises(ValidationError, match="`q` must be a number or one-dimensional"):
        r.percentile([[50]])
    with pytest.raises(TypeError, match="`q` must be a number or a sequence of numbers"):
        r.percentile("85")
    with pytest.raises(ValidationError, match="`t` must be a scalar or one-dimensional"):
        r.cdf([[1.0]])
    with pytest.raises(TypeError, match="`t` must be a number"):
        r.sf("soon")


# --------------------------------------------------------------------------- serialisation


def test_to_dict_and_json():
    with pytest.warns(InsufficientDataWarning):
        r = fit_lead_times(
            [1.0, 2.0, 4.0, 8.0, 3.0], [True, True, True, True, False], by=list("aaaab")
        )
    d = r.to_dict()
    assert set(d) == {"groups", "distribution", "n", "n_events", *FIELDS}
    assert d["distribution"] == "weibull"
    assert d["groups"] == ["a", "b"]
    assert d["shape"][1] is None  # NaN -> null
    assert d["n"] == [4, 1]
    assert json.loads(r.to_json()) == d
    assert json.loads(json.dumps(d)) == d


def test_results_compare_equal_with_nan():
    args = ([1.0, 2.0, 4.0, 3.0], [True, True, True, False])
    kwargs = {"by": ["a", "a", "a", "b"]}
    with pytest.warns(InsufficientDataWarning):
        a = fit_lead_times(*args, **kwargs)
    with pytest.warns(InsufficientDataWarning):
        b = fit_lead_times(*args, **kwargs)
    assert a == b
    with pytest.raises(ValueError, match="'distribution' must be in"):
        LeadTimeFit(
            groups=a.groups,
            distribution="gamma",
            shape=a.shape,
            scale=a.scale,
            n=a.n,
            n_events=a.n_events,
            log_likelihood=a.log_likelihood,
            aic=a.aic,
            ks_distance=a.ks_distance,
        )


def test_frame_has_one_row_per_group():
    d = [2.0, 3.0, 5.0, 8.0, 13.0, 4.0, 10.0]
    obs = [True, True, True, True, True, False, False]
    r = fit_lead_times(d, obs, distribution="lognormal", by=list("aaabbbb"))
    frame = r.to_frame()
    assert frame["group"].tolist() == ["a", "b"]
    assert frame["shape"].tolist() == r.shape.tolist()
    assert frame["scale"].tolist() == r.scale.tolist()
    assert frame["n"].tolist() == [3, 4]
    assert frame["distribution"].tolist() == ["lognormal", "lognormal"]
    assert set(frame.columns) == {"group", "distribution", "n", "n_events", *FIELDS}
    assert len(repr(r).splitlines()) <= 20
    assert r.to_frame("polars").shape == (2, len(frame.columns))


# --------------------------------------------------------------------------- hardening


def test_fitted_curve_methods_refuse_text():
    fit = fit_lead_times([1.0, 2.0, 4.0, 8.0])
    for t in ("2", True, [1.0, "x"]):
        with pytest.raises(TypeError, match=r"`t` must be a number or an array of numbers"):
            fit.cdf(t)
        with pytest.raises(TypeError, match=r"`t` must be a number or an array of numbers"):
            fit.sf(t)
