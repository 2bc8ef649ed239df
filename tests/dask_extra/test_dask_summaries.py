"""customer_kanban.dask.summarize on a LocalCluster: equal to the single-process summary."""

import contextlib
import os
import time

import numpy as np
import pytest

pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("distributed")

import dask  # noqa: E402
import dask.dataframe as dd  # noqa: E402
from dask_events import AS_OF, POLICY, events  # noqa: E402

from customer_kanban import metrics  # noqa: E402
from customer_kanban.dask import summarize  # noqa: E402
from customer_kanban.errors import ValidationError  # noqa: E402
from customer_kanban.io import read_event_log  # noqa: E402
from customer_kanban.reviews import service_delivery_review  # noqa: E402
from customer_kanban.summaries import FlowSummary, flow_summary  # noqa: E402

ATTRIBUTES = ["class_of_service", "segment"]
# Dask's own threads, no cluster: the module's client is not used (nor its p2p shuffle)
LOCAL = {"scheduler": "synchronous", "dataframe.shuffle.method": "tasks"}
FLOATS = ("waiting_days", "blocked_days", "delay_cost")


def same(a: FlowSummary, b: FlowSummary) -> None:
    for field in FlowSummary.__attrs_attrs__:
        x, y = getattr(a, field.name), getattr(b, field.name)
        if field.name in FLOATS:
            np.testing.assert_allclose(x, y, rtol=1e-12)
        elif isinstance(x, np.ndarray):
            np.testing.assert_array_equal(x, y, err_msg=field.name)
        else:
            assert x == y, field.name


@pytest.fixture(scope="module")
def log():
    return events(3000, seed=11)


@pytest.fixture(scope="module")
def single(log):
    """The single-process table and summary."""
    table = read_event_log(log, workflow=POLICY.workflow, attributes=ATTRIBUTES).table
    return table, flow_summary(table, POLICY, as_of=AS_OF)


@pytest.fixture(scope="module")
def client():
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
        ) as cluster,
        distributed.Client(cluster) as c,
    ):
        yield c


def test_shuffled_rows_in_partitions_give_the_single_process_summary(client, log, single):
    table, whole = single
    shuffled = log.sample(frac=1.0, random_state=3)  # every item split across partitions
    got = summarize(dd.from_pandas(shuffled, npartitions=6), POLICY, as_of=AS_OF)
    same(got, whole)
    # the review's figures, at the summary's resolution
    seen = table.as_of(AS_OF)
    lt = metrics.lead_time(seen["requested_at"], seen["delivered_at"])
    exact = metrics.percentiles(lt, [50, 85, 95], by=seen["class_of_service"])
    diff = got.percentiles([50, 85, 95]).values - exact.values
    assert (diff >= -1e-9).all()
    assert (diff < got.resolution_days).all()
    for days in (2, 10):
        assert got.sle_attainment(days) == metrics.sle_attainment(
            lt, days, by=seen["class_of_service"]
        )
    assert got.daily_throughput() == metrics.daily_throughput(
        seen["delivered_at"], since=got.periods[0], until=AS_OF, by=seen["class_of_service"]
    )
    # the single-process Service Delivery Review, at the summary's resolution
    ours = service_delivery_review(got, POLICY, as_of=AS_OF)
    theirs = service_delivery_review(table, POLICY, as_of=AS_OF)
    assert ours.resolution == "1min"
    for a in ours.rows:
        b = theirs.row(a.group, a.dimension)
        for name in ("delivered", "wip", "open_requests", "throughput_trend", "sle_met"):
            assert getattr(a, name) == getattr(b, name), (a.group, name)
        assert a.attainment == pytest.approx(b.attainment, rel=1e-12, nan_ok=True)
        assert a.delay_cost == pytest.approx(b.delay_cost, rel=1e-9, nan_ok=True)
        diff = np.subtract(a.customer_lead_time, b.customer_lead_time)
        assert (diff >= -1e-9).all()
        assert (diff < got.resolution_days).all()


def test_csv_and_parquet_files_with_items_split_across_files(client, log, single, tmp_path):
    _, whole = single
    ordered = log.sort_values("at", kind="stable")  # files by time: items span files
    for k, chunk in enumerate(np.array_split(np.arange(len(ordered)), 5)):
        part = ordered.iloc[chunk]
        part.to_csv(tmp_path / f"events-{k}.csv", index=False, date_format="%Y-%m-%dT%H:%M:%S")
        part.to_parquet(tmp_path / f"events-{k}.parquet", index=False)
    same(summarize(str(tmp_path / "events-*.csv"), POLICY, as_of=AS_OF), whole)
    same(summarize(str(tmp_path / "events-*.parquet"), POLICY, as_of=AS_OF), whole)


def test_without_shuffle_split_items_are_named_and_whole_items_pass(client, log, single):
    _, whole = single
    split = dd.from_pandas(log.sample(frac=1.0, random_state=4), npartitions=4)
    with pytest.raises(ValidationError, match=r"the events of \d+ items are in more than one"):
        summarize(split, POLICY, as_of=AS_OF, shuffle=False)
    by_item = dd.from_pandas(log.sort_values("item"), npartitions=4, sort=False)
    by_item = by_item.shuffle(on="item")  # every item in one partition, ranges overlapping
    same(summarize(by_item, POLICY, as_of=AS_OF, shuffle=False), whole)


def test_grouping_and_resolution_pass_through(client, log, single):
    table, _ = single
    got = summarize(
        dd.from_pandas(log, npartitions=3), POLICY, as_of=AS_OF, by="segment", resolution="1h"
    )
    same(got, flow_summary(table, POLICY, as_of=AS_OF, by="segment", resolution="1h"))


def test_no_cluster_is_needed_nor_started(log, single):
    _, whole = single
    with dask.config.set(LOCAL):
        same(summarize(dd.from_pandas(log, npartitions=3), POLICY, as_of=AS_OF), whole)


def _slow(frame):
    time.sleep(0.5)
    return frame


def test_a_worker_killed_mid_run_gives_the_same_answer(client, log, single):
    _, whole = single
    source = dd.from_pandas(log.sample(frac=1.0, random_state=5), npartitions=8)
    source = source.map_partitions(_slow, meta=source._meta)
    future = client.compute(summarize(source, POLICY, as_of=AS_OF, compute=False))
    deadline = time.monotonic() + 30
    while not any(client.processing().values()) and time.monotonic() < deadline:
        time.sleep(0.05)
    busy = [w for w, tasks in client.processing().items() if tasks]
    assert busy, "no task started"
    assert not future.done()
    with contextlib.suppress(Exception):  # the worker dies while answering
        client.run(os._exit, 1, workers=busy[:1])
    got = future.result(timeout=120)
    assert isinstance(got, FlowSummary)  # compute=False: the summary, delayed
    same(got, whole)
    client.wait_for_workers(2, timeout=60)


def test_rejected_rows_are_reported(log):
    bad = log.copy()
    bad.loc[bad.index[:3], "state"] = "Nowhere"
    with (
        dask.config.set(LOCAL),
        pytest.warns(Warning, match="3 of .* rows rejected"),
    ):
        summarize(dd.from_pandas(bad, npartitions=2), POLICY, as_of=AS_OF)


def test_bad_arguments():
    with pytest.raises(TypeError, match="`source` must be a Dask DataFrame or a path"):
        summarize(42, POLICY, as_of=AS_OF)
    frame = dd.from_pandas(events(10, seed=1), npartitions=1)
    with pytest.raises(ValidationError, match="no column"):
        summarize(frame, POLICY, as_of=AS_OF, item="ticket")
    with pytest.raises(ValidationError, match="`split_every`"):
        summarize(frame, POLICY, as_of=AS_OF, split_every=1)
