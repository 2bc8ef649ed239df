"""The embedded ServiceNow incident log and its demo policy."""

import csv

import numpy as np

from customer_kanban.datasets import (
    INCIDENT_STATES,
    incidents_path,
    load_incidents,
    read_incidents,
)


def test_file_is_shipped_with_its_rows():
    with incidents_path().open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 5998
    assert len({r["number"] for r in rows}) == 890


def test_table_and_policy():
    table, policy = load_incidents()
    assert len(table) == 890
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
    # Every incident of the cut is closed, hence delivered (Resolved or a later state).
    assert not np.isnat(table["delivered_at"]).any()
    assert (table["delivered_at"] >= table["committed_at"]).all()
    assert len(table.codes("customer")[1]) > 100
    assert table.transitions.department_labels.size > 10


def test_no_row_lost():
    result = read_incidents()
    assert result.n_accepted + len(result.rejected) == result.n_rows == 5998
