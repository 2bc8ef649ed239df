"""read_event_log on the real ServiceNow incident log shipped with the package.

The facts checked here were read off the CSV file by hand (``grep ^INC0000047,``).
"""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import customer_kanban.io
from customer_kanban.io import read_event_log
from customer_kanban.model import Workflow

PACKAGE = Path(customer_kanban.io.__file__).parent.parent
PATH = PACKAGE / "datasets" / "data" / "servicenow_incidents.csv"
STATES = [
    "New",
    "Active",
    "Awaiting User Info",
    "Awaiting Problem",
    "Awaiting Vendor",
    "Awaiting Evidence",
    "Resolved",
    "Closed",
]
WF = Workflow(STATES, "Active", "Resolved")
KW = {
    "workflow": WF,
    "item": "number",
    "state": "incident_state",
    "at": "sys_updated_at",
    "attributes": {"priority": "class_of_service", "caller_id": "customer"},
    "department": "assignment_group",
    "at_format": "%d-%m-%Y %H:%M",
    "na_values": ("", "?"),
}


@pytest.fixture(scope="module")
def result():
    return read_event_log(PATH, **KW)


def _ns(text):
    return np.datetime64(text, "ns")


def _history(table, incident):
    k = table["id"].tolist().index(incident)
    tr = table.transitions
    rows = np.flatnonzero(tr.item == k)
    return k, [
        (
            STATES[tr.state[j]],
            str(tr.at[j].astype("datetime64[m]")),
            None if tr.department[j] < 0 else tr.department_labels[tr.department[j]],
        )
        for j in rows
    ]


def test_counts(result):
    t = result.table
    assert result.n_rows == 5998
    assert len(t) == 890
    assert len(result.rejected) == 0
    assert result.n_accepted + len(result.rejected) == 5998
    assert result.n_accepted == len(t.transitions) + result.n_merged
    assert (~np.isnat(t["delivered_at"])).sum() == 890
    assert (~np.isnat(t["committed_at"])).sum() == 890
    assert t["id"][0] == "INC0000045"
    assert t["id"][-1] == "INC0001434"
    assert t.codes("class_of_service")[1].tolist() == [
        "1 - Critical",
        "2 - High",
        "3 - Moderate",
        "4 - Low",
    ]


def test_incident_45_skips_active(result):
    # New 29-02 01:23, Resolved 08:53 and again 11:29 (merged), Closed 05-03 12:00.
    t = result.table
    k, history = _history(t, "INC0000045")
    assert t["requested_at"][k] == _ns("2016-02-29T01:23")
    assert t["committed_at"][k] == _ns("2016-02-29T08:53")  # back-filled: no Active row
    assert t["delivered_at"][k] == _ns("2016-02-29T08:53")
    assert history == [
        ("New", "2016-02-29T01:23", "Group 56"),
        ("Resolved", "2016-02-29T08:53", "Group 56"),
        ("Closed", "2016-03-05T12:00", "Group 56"),
    ]
    assert (t["class_of_service"][k], t["customer"][k]) == ("3 - Moderate", "Caller 2403")


def test_incident_47_hand_off_and_tie(result):
    # Five Active rows merge; the last one shares 01-03 09:14 with Awaiting User Info.
    t = result.table
    k, history = _history(t, "INC0000047")
    assert t["requested_at"][k] == _ns("2016-02-29T04:57")
    assert t["committed_at"][k] == _ns("2016-02-29T05:30")
    assert t["delivered_at"][k] == _ns("2016-03-01T09:52")
    assert history == [
        ("New", "2016-02-29T04:57", "Group 70"),
        ("Active", "2016-02-29T05:30", "Group 24"),
        ("Awaiting User Info", "2016-03-01T09:14", "Group 24"),
        ("Resolved", "2016-03-01T09:52", "Group 24"),
        ("Closed", "2016-03-06T10:00", "Group 24"),
    ]


def test_incident_171_reassignments_and_missing_group(result):
    # Awaiting User Info passes through groups 70, 29, 23 and "?" (no group).
    t = result.table
    k, history = _history(t, "INC0000171")
    assert t["committed_at"][k] == _ns("2016-03-01T15:15")
    assert t["delivered_at"][k] == _ns("2016-03-18T13:44")
    assert history == [
        ("New", "2016-02-29T10:33", "Group 70"),
        ("Awaiting User Info", "2016-03-01T15:15", "Group 70"),
        ("Awaiting User Info", "2016-03-04T15:05", "Group 29"),
        ("Awaiting User Info", "2016-03-04T17:52", "Group 23"),
        ("Awaiting User Info", "2016-03-14T09:19", None),
        ("Resolved", "2016-03-18T13:44", "Group 70"),
        ("Closed", "2016-03-24T18:59", "Group 70"),
    ]
    # The priority was raised after the first row: the latest value counts.
    assert t["class_of_service"][k] == "2 - High"


def test_dataframe_of_the_file_gives_the_same_table(result):
    frame = pd.read_csv(PATH, dtype=str, keep_default_na=False)
    other = read_event_log(frame, **KW)
    assert other.table.equals(result.table)
    reversed_frame = frame.iloc[::-1].reset_index(drop=True)
    assert read_event_log(reversed_frame, **KW).table.equals(result.table)
