"""FlowSummary: merge properties, and its figures against the exact metric functions."""

import functools

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from customer_kanban import metrics
from customer_kanban._core.instants import NS_PER_DAY
from customer_kanban.datasets import DEMO_AS_OF, incidents_replenishment_policy, load_incidents
from customer_kanban.errors import ValidationError
from customer_kanban.summaries import RESOLUTIONS, FlowSummary, flow_summary, merge_summaries

FLOATS = ("waiting_days", "blocked_days", "delay_cost")


@functools.cache
def small():
    """The first 1,500 incidents, with the replenishment policy (it has costs of delay)."""
    table, _ = load_incidents()
    return table.filter(np.arange(1500)), incidents_replenishment_policy()


def same(a: FlowSummary, b: FlowSummary) -> None:
    """Equal: every count and histogram exactly, the float sums up to rounding."""
    for name in FlowSummary.__attrs_attrs__:
        x, y = getattr(a, name.name), getattr(b, name.name)
        if name.name in FLOATS:
            np.testing.assert_allclose(x, y, rtol=1e-12, atol=1e-9)
        elif isinstance(x, np.ndarray):
            assert x.dtype == y.dtype, name.name
            np.testing.assert_array_equal(x, y, err_msg=name.name)
        else:
            assert x == y, name.name


def parts_of(table, labels, k):
    return [table.filter(labels == j) for j in range(k)]


@given(
    seed=st.integers(0, 2**32 - 1),
    k=st.integers(1, 5),
    by=st.sampled_from([None, "class_of_service", "segment"]),
)
def test_the_merge_of_any_partition_is_the_summary_of_the_whole(seed, k, by):
    table, policy = small()
    labels = np.random.default_rng(seed).integers(0, k, len(table))
    whole = flow_summary(table, policy, as_of=DEMO_AS_OF, by=by, resolution="1h")
    parts = [
        flow_summary(p, policy, as_of=DEMO_AS_OF, by=by, resolution="1h")
        for p in parts_of(table, labels, k)
    ]
    same(merge_summaries(parts), whole)
    same(merge_summaries(parts[::-1]), whole)


@given(seed=st.integers(0, 2**32 - 1))
def test_merge_is_associative_and_commutative(seed):
    table, policy = small()
    labels = np.random.default_rng(seed).integers(0, 3, len(table))
    a, b, c = (flow_summary(p, policy, as_of=DEMO_AS_OF) for p in parts_of(table, labels, 3))
    same(a.merge(b), b.merge(a))
    same(a.merge(b).merge(c), a.merge(b.merge(c)))
    assert a.merge(b).merge(c).customer_lead == a.merge(b.merge(c)).customer_lead


def test_size_does_not_grow_with_the_items():
    table, policy = load_incidents()
    s = flow_summary(table, policy, as_of=DEMO_AS_OF, resolution="1D")
    longest = int(
        np.ceil(np.nanmax(metrics.lead_time(table["requested_at"], table["delivered_at"])))
    )
    for hist in (s.customer_lead, s.system_lead, s.customer_age, s.system_age):
        assert hist.bin.size <= s.groups.size * (longest + 1)
    assert s.arrivals.shape == (s.groups.size, s.periods.size, len(table.states))
    assert s.customer_lead.count.sum() == s.delivered.sum()


@pytest.fixture(scope="module")
def exact():
    table, policy = load_incidents()
    seen = table.as_of(DEMO_AS_OF)
    return table, policy, seen


@pytest.mark.parametrize("resolution", list(RESOLUTIONS))
@pytest.mark.parametrize("method", ["linear", "inverted_cdf"])
@pytest.mark.parametrize("basis", ["customer", "system"])
def test_percentiles_lie_within_one_bin_above_the_exact_ones(exact, resolution, method, basis):
    table, policy, seen = exact
    s = flow_summary(table, policy, as_of=DEMO_AS_OF, resolution=resolution)
    start = seen["requested_at"] if basis == "customer" else seen["committed_at"]
    lt = metrics.lead_time(start, seen["delivered_at"])
    q = [0, 10, 50, 85, 95, 99, 100]
    want = metrics.percentiles(lt, q, by=seen["class_of_service"], method=method)
    got = s.percentiles(q, basis=basis, method=method)
    assert got.groups.tolist() == want.groups.tolist()
    np.testing.assert_array_equal(got.counts, want.counts)
    diff = got.values - want.values
    assert (diff >= -1e-9).all()
    assert (diff < s.resolution_days + 1e-9).all()


@pytest.mark.parametrize("days", [1, 3, 7, 14, 2.5])
def test_attainment_is_exact_on_multiples_of_the_resolution(exact, days):
    table, policy, seen = exact
    s = flow_summary(table, policy, as_of=DEMO_AS_OF, resolution="1h")
    lt = metrics.lead_time(seen["requested_at"], seen["delivered_at"])
    want = metrics.sle_attainment(lt, days, by=seen["class_of_service"])
    got = s.sle_attainment(days)
    np.testing.assert_array_equal(got.within, want.within)
    np.testing.assert_array_equal(got.n, want.n)
    np.testing.assert_allclose(got.attainment, want.attainment, rtol=0, atol=1e-15)


def test_attainment_below_the_resolution_counts_the_last_bin_late(exact):
    table, policy, seen = exact
    s = flow_summary(table, policy, as_of=DEMO_AS_OF, resolution="1D")
    lt = metrics.lead_time(seen["requested_at"], seen["delivered_at"])
    want = metrics.sle_attainment(lt, 2.0, by=seen["class_of_service"])
    assert (s.sle_attainment(2.5).within == want.within).all()


@pytest.mark.parametrize("resolution", ["1min", "1D"])
def test_censored_attainment_is_kaplan_meier_of_the_rounded_durations(exact, resolution):
    table, policy, seen = exact
    s = flow_summary(table, policy, as_of=DEMO_AS_OF, resolution=resolution)
    res = RESOLUTIONS[resolution]
    req, dlv = seen["requested_at"], seen["delivered_at"]
    end = np.where(np.isnat(dlv), np.datetime64(DEMO_AS_OF, "ns"), dlv)
    span = end.view(np.int64) - req.view(np.int64)
    rounded = -((-span) // res) * res / NS_PER_DAY
    for days in (1.0, 3.0, 7.0):
        want = metrics.sle_attainment(
            rounded, days, by=seen["class_of_service"], observed=~np.isnat(dlv)
        ).attainment
        np.testing.assert_allclose(
            s.sle_attainment(days, censored=True).attainment, want, rtol=1e-12
        )
        exact_km = metrics.sle_attainment(
            metrics.lead_time(req, end), days, by=seen["class_of_service"], observed=~np.isnat(dlv)
        ).attainment
        # Ties within one bin move the estimate by little at the minute.
        if resolution == "1min":
            np.testing.assert_allclose(
                s.sle_attainment(days, censored=True).attainment, exact_km, atol=2e-3
            )


def test_daily_throughput_cfd_wip_are_exact(exact):
    table, policy, seen = exact
    s = flow_summary(table, policy, as_of=DEMO_AS_OF)
    by = seen["class_of_service"]
    since, until = s.periods[0], DEMO_AS_OF
    assert s.daily_throughput() == metrics.daily_throughput(
        seen["delivered_at"], since=since, until=until, by=by
    )
    assert s.daily_throughput(since="2016-04-01", until="2016-04-30") == metrics.daily_throughput(
        seen["delivered_at"], since="2016-04-01", until="2016-04-30", by=by
    )
    cfd = metrics.cumulative_flow(
        seen.first_entries(), freq="D", since=since, until=until, states=list(seen.states), by=by
    )
    got = s.cumulative_flow()
    np.testing.assert_array_equal(got.counts, cfd.counts)
    np.testing.assert_array_equal(got.periods, cfd.periods)
    ends = s.periods.astype("datetime64[ns]") + np.timedelta64(1, "D") - np.timedelta64(1, "ns")
    codes = seen.codes("class_of_service")[0]
    for g in range(s.groups.size):
        mine = codes == g
        wip = metrics.wip(seen["committed_at"][mine], seen["delivered_at"][mine], ends)
        np.testing.assert_array_equal(s.daily_wip()[g], wip)
    assert s.wip.sum() == np.count_nonzero(
        ~np.isnat(seen["committed_at"]) & np.isnat(seen["delivered_at"])
    )


def test_forecasts_from_the_summary_equal_those_from_the_table(exact):
    table, policy, seen = exact
    s = flow_summary(table, policy, as_of=DEMO_AS_OF, by=None)
    window = {"since": "2016-04-09", "until": "2016-05-08"}
    ours = s.daily_throughput(**window)
    theirs = metrics.daily_throughput(seen["delivered_at"], **window)
    assert ours == theirs
    kwargs = {"trials": 500, "rng": 7, "as_of": DEMO_AS_OF}
    assert metrics.forecast_when(ours, 100, **kwargs) == metrics.forecast_when(
        theirs, 100, **kwargs
    )
    assert metrics.forecast_how_many(ours, 14, trials=500, rng=3) == metrics.forecast_how_many(
        theirs, 14, trials=500, rng=3
    )


def test_sums_match_the_metric_functions(exact):
    table, _policy, seen = exact
    pol = incidents_replenishment_policy()
    s = flow_summary(table, pol, as_of=DEMO_AS_OF, by=None)
    waiting = metrics.customer_waiting_time(
        seen["requested_at"], seen["delivered_at"], as_of=DEMO_AS_OF
    )
    np.testing.assert_allclose(s.waiting_days, waiting.total_days, rtol=1e-12)
    b = seen.blocked
    blocked = metrics.blocked_time(b.item, b.start, b.end, n_items=len(seen), as_of=DEMO_AS_OF)
    np.testing.assert_allclose(s.blocked_days, [blocked.sum()], rtol=1e-12)
    assert s.blocked_items[0] == np.unique(b.item).size
    assert s.delay_cost_items[0] == len(seen)
    assert s.delay_cost[0] > 0


def test_export_and_errors():
    table, policy = small()
    s = flow_summary(table, policy, as_of=DEMO_AS_OF)
    assert '"resolution": "1min"' in s.to_json()
    assert len(repr(s).splitlines()) <= 20
    assert s == FlowSummary.from_table(table, policy, as_of=DEMO_AS_OF)
    with pytest.raises(ValidationError, match="`resolution` must be one of"):
        flow_summary(table, policy, as_of=DEMO_AS_OF, resolution="1s")
    with pytest.raises(ValidationError, match="`by` must be one of"):
        flow_summary(table, policy, as_of=DEMO_AS_OF, by="colour")
    with pytest.raises(TypeError, match="`table` must be a WorkItemTable"):
        flow_summary(None, policy, as_of=DEMO_AS_OF)
    other = flow_summary(table, policy, as_of=DEMO_AS_OF, resolution="1h")
    with pytest.raises(ValidationError, match="summaries differ in `resolution`"):
        s.merge(other)
    with pytest.raises(ValidationError, match="at least one"):
        merge_summaries([])
    with pytest.raises(TypeError, match="FlowSummary values"):
        merge_summaries([s, 1])
    with pytest.raises(ValidationError, match="`days` must be"):
        s.sle_attainment(-1)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"days": 0}, ValidationError, r"`days` must be > 0 \[days\]; got 0.0"),
        ({"days": -1}, ValidationError, r"`days` must be > 0 \[days\]; got -1.0"),
        ({"days": float("nan")}, ValidationError, r"`days` must be > 0 \[days\]; got nan"),
        ({"days": "7"}, TypeError, r"`days` must be a number \[days\], got str"),
        ({"days": True}, TypeError, r"`days` must be a number"),
        ({"days": 7, "fraction": 0}, ValidationError, r"`fraction` must lie in \(0, 1\]; got 0.0"),
        ({"days": 7, "fraction": 1.5}, ValidationError, r"`fraction` must lie in \(0, 1\]"),
        ({"days": 7, "fraction": "0.8"}, TypeError, r"`fraction` must be a number"),
        ({"days": 7, "basis": "team"}, ValidationError, r"`basis` must be one of"),
    ],
)
def test_at_risk_checks_its_arguments(kwargs, error, match):
    table, policy = small()
    s = flow_summary(table, policy, as_of=DEMO_AS_OF)
    with pytest.raises(error, match=match):
        s.at_risk(**kwargs)


@pytest.mark.parametrize("resolution", ["1h", "1D"])
@pytest.mark.parametrize(("days", "fraction"), [(7, 0.8), (3, 1.0), (0.5, 0.5)])
def test_at_risk_equals_a_plain_loop_over_the_open_requests(exact, resolution, days, fraction):
    table, policy, seen = exact
    s = flow_summary(table, policy, as_of=DEMO_AS_OF, resolution=resolution)
    res = RESOLUTIONS[resolution]
    as_of = int(np.datetime64(DEMO_AS_OF, "ns").astype(np.int64))
    want = np.zeros(s.groups.size, np.int64)
    names = list(s.groups)
    for req, dlv, cos in zip(
        seen["requested_at"].view(np.int64).tolist(),
        seen["delivered_at"].tolist(),
        seen["class_of_service"].tolist(),
        strict=True,
    ):
        if dlv is None:  # open: NaT
            rounded = -(-(as_of - req) // res) * res / NS_PER_DAY
            want[names.index(cos)] += rounded >= fraction * days - 1e-9
    np.testing.assert_array_equal(s.at_risk(days, fraction=fraction), want)
    assert s.at_risk(float("inf")).sum() == 0  # as metrics.at_risk: no age reaches it


def test_deliveries_between_equal_a_plain_loop(exact):
    table, policy, seen = exact
    s = flow_summary(table, policy, as_of=DEMO_AS_OF)  # "1min": exact on whole minutes
    names = list(s.groups)
    since, until = np.datetime64("2016-04-20T10:17", "ns"), np.datetime64("2016-05-02", "ns")
    want = np.zeros(s.groups.size, np.int64)
    lo, hi = int(since.astype(np.int64)), int(until.astype(np.int64))
    pairs = zip(seen["delivered_at"].tolist(), seen["class_of_service"].tolist(), strict=True)
    for dlv, cos in pairs:
        if dlv is not None and lo < dlv <= hi:  # the window (since, until]
            want[names.index(cos)] += 1
    np.testing.assert_array_equal(s.delivered_between(since, until), want)
    assert s.delivered_between(until, until).sum() == 0  # an empty window
    with pytest.raises(ValidationError, match="`until` must not be before `since`"):
        s.delivered_between(until, since)
