"""The embedded ServiceNow incident logs (the full log and its cohort) and the demo policy."""

import csv
import gzip
import warnings

import numpy as np
import pytest

from customer_kanban.datasets import (
    COHORT_AS_OF,
    DEMO_AS_OF,
    INCIDENT_STATES,
    REPLENISHMENT_AS_OF,
    incidents_path,
    load_incidents,
    read_incidents,
)
from customer_kanban.errors import RejectedRowsWarning

WEEK = np.timedelta64(7, "D")


def test_files_are_shipped_with_their_rows():
    with gzip.open(incidents_path(), "rt", encoding="utf-8", newline="") as fh:
        full = list(csv.DictReader(fh))
    assert len(full) == 119_998
    assert len({r["number"] for r in full}) == 20_769
    with incidents_path(cohort=True).open(encoding="utf-8", newline="") as fh:
        cohort = list(csv.DictReader(fh))
    assert len(cohort) == 5998
    assert len({r["number"] for r in cohort}) == 890
    # The full log's first 5,998 rows are the cohort's, in another date dialect.
    assert [r["number"] for r in full[:5998]] == [r["number"] for r in cohort]
    assert full[0]["sys_updated_at"] == "29/2/2016 01:23"
    assert cohort[0]["sys_updated_at"] == "29-02-2016 01:23"


@pytest.mark.parametrize(("cohort", "n"), [(False, 20_769), (True, 890)])
def test_table_and_policy(cohort, n):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the demo loader is quiet
        table, policy = load_incidents(cohort=cohort)
    assert len(table) == n
    assert table.states == INCIDENT_STATES
    assert policy.workflow.states == INCIDENT_STATES
    assert sorted(c.name for c in policy.classes_of_service) == [
        "1 - Critical",
        "2 - High",
        "3 - Moderate",
        "4 - Low",
    ]
    labels = set(table.codes("class_of_service")[1].tolist())
    assert labels <= {c.name for c in policy.classes_of_service}
    # Every incident of the cohort is closed, hence delivered (Resolved or a later
    # state); of the full log, only the last one, cut to its first row (New), is not.
    undelivered = table["id"][np.isnat(table["delivered_at"])].astype(str).tolist()
    assert undelivered == ([] if cohort else ["INC0029233"])
    done = ~np.isnat(table["delivered_at"])
    assert (table["delivered_at"][done] >= table["committed_at"][done]).all()
    assert len(table.codes("customer")[1]) > 100
    assert table.transitions.department_labels.size > 10


def test_cohort_is_the_first_incidents_of_the_full_log():
    full, _ = load_incidents()
    cohort, _ = load_incidents(cohort=True)
    ids = cohort["id"].astype(str)
    assert ids.tolist() == full["id"].astype(str)[: len(cohort)].tolist()
    head = full.filter(np.isin(full["id"].astype(str), ids))
    for name in ("requested_at", "committed_at", "delivered_at"):
        np.testing.assert_array_equal(head[name], cohort[name])


def test_no_row_lost():
    with pytest.warns(RejectedRowsWarning, match="2 of 119,998 rows rejected"):
        result = read_incidents()
    assert result.n_accepted + len(result.rejected) == result.n_rows == 119_998
    assert len(result.rejected) == 2
    assert "unknown state '-100'" in repr(result.rejected)
    cohort = read_incidents(cohort=True)
    assert cohort.n_accepted == cohort.n_rows == 5998


def weekly(instants, start, weeks):
    """Counts per week from `start`, by a plain histogram."""
    edges = np.datetime64(start, "ns") + WEEK * np.arange(weeks + 1)
    return np.histogram(instants[~np.isnat(instants)].view(np.int64), edges.view(np.int64))[0]


def test_the_full_log_is_a_board_in_steady_state_at_the_demo_instant():
    table, _ = load_incidents()
    start = "2016-02-29"  # a Monday: the first arrivals
    arrived = weekly(table["requested_at"], start, 11)
    departed = weekly(table["delivered_at"], start, 11)
    # Computed independently from the raw CSV (pandas, weeks Monday to Sunday):
    # first event per incident, and first Resolved or Closed row per incident.
    assert arrived.tolist() == [1858, 2073, 1975, 1686, 2174, 2008, 1995, 1401, 2046, 2064, 1489]
    assert departed.tolist() == [876, 1478, 1808, 1846, 2230, 2147, 2098, 1389, 2138, 2023, 1624]
    # The demo instant: the Monday after the last whole week of arrivals, with the
    # six weeks before it steady on both sides and work open.
    demo = np.datetime64(DEMO_AS_OF, "ns")
    assert demo == np.datetime64(start, "ns") + 10 * WEEK
    steady = slice(4, 10)  # 28 March - 8 May
    assert np.abs(arrived[steady] - departed[steady]).max() < 0.1 * departed[steady].max()
    open_now = (table["requested_at"] <= demo) & ~(table["delivered_at"] <= demo)
    assert int(open_now.sum()) == int(arrived[:10].sum() - departed[:10].sum()) == 1247
    assert np.datetime64(REPLENISHMENT_AS_OF) - demo == np.timedelta64(9, "h")
    # The cohort arrived within three days, long before its instant ran out of open work.
    cohort, _ = load_incidents(cohort=True)
    assert cohort["requested_at"].max() < np.datetime64("2016-03-03")
    assert np.datetime64(COHORT_AS_OF) == np.datetime64("2016-03-07")
