"""The same eight incidents in every format ingest to equal tables (for what each format holds).

``io/data/trackers`` holds one set of incidents written as an event log (CSV), Jira Cloud
and Jira Server search results, Azure DevOps updates and reporting revisions, and an
ActionableAgile file (``make_fixtures.py`` writes them all from one definition).

* The event log and the four tracker documents hold full histories: their tables are
  equal, item by item, transition by transition, field by field.  Azure DevOps numbers
  its work items (4101) where the others have keys (INC-101): the ids are compared
  through that renaming.
* The event log holds no blocks; the trackers' flags and *Blocked* fields give equal
  blocked intervals.
* ActionableAgile holds one date per stage: its table equals what the event log's table
  gives when written in that format and read back, and its request, commitment and
  delivery instants are the event log's, to the day.
"""

from __future__ import annotations

import io

import numpy as np
import pytest
from reading import read_log, read_with

from customer_kanban.io import (
    read_actionable_agile,
    read_azure_devops,
    read_jira,
    write_actionable_agile,
)
from customer_kanban.model import Workflow
from customer_kanban.table import WorkItemTable
from tracker_server import TRACKERS

WF = Workflow(["New", "Triage", "In Progress", "Resolved", "Closed"], "In Progress", "Resolved")
STATE_MAP = {"Waiting for customer": "In Progress"}
FIELDS = ("class_of_service", "customer", "assignee", "resolution")
JIRA = dict(zip(FIELDS, ("customfield_10030", "customfield_10010", "assignee", "resolution"),
                strict=True))  # fmt: skip
ADO = dict(zip(FIELDS, ("Custom.ClassOfService", "Custom.Customer", "System.AssignedTo",
                        "Microsoft.VSTS.Common.ResolvedReason"), strict=True))  # fmt: skip
AA = dict(zip(FIELDS, ("Class of Service", "Customer", "Assignee", "Resolution"), strict=True))


def event_log() -> WorkItemTable:
    return read_log(
        TRACKERS / "events.csv", workflow=WF, attributes=FIELDS, state_map=STATE_MAP
    ).table


def tracker(name: str) -> WorkItemTable:
    path = TRACKERS / name
    if name.startswith("jira"):
        return read_with(read_jira, path, workflow=WF, fields=JIRA, state_map=STATE_MAP).table
    return read_with(read_azure_devops, path, workflow=WF, fields=ADO, state_map=STATE_MAP).table


def without_blocks(table: WorkItemTable, *, ado_ids: bool = False) -> WorkItemTable:
    """The same table with no blocked intervals (and Jira's keys for Azure DevOps' ids)."""
    categorical = set(table.categorical_fields)
    columns = {f: table[f] for f in table.fields if f not in categorical}
    if ado_ids:
        columns["id"] = np.array([f"INC-{int(i) - 4000}" for i in columns["id"]])
    return WorkItemTable(
        columns=columns,
        categories={f: table.codes(f) for f in table.categorical_fields},
        states=table.states,
        transitions=table.transitions,
    )


TRACKERS_WITH_HISTORY = [
    "jira_cloud_v3.json",
    "jira_server_v2.json",
    "ado_updates.json",
    "ado_reporting_revisions.json",
]


@pytest.mark.parametrize("name", TRACKERS_WITH_HISTORY)
def test_every_tracker_gives_the_event_logs_table(name):
    table = tracker(name)
    assert without_blocks(table, ado_ids=name.startswith("ado")).equals(event_log())


def test_the_trackers_give_equal_blocked_intervals():
    blocks = [tracker(name).blocked for name in TRACKERS_WITH_HISTORY]
    for b in blocks[1:]:
        assert np.array_equal(b.item, blocks[0].item)
        assert np.array_equal(b.start, blocks[0].start)
        assert np.array_equal(b.end, blocks[0].end, equal_nan=True)
    assert len(blocks[0]) == 2


def test_actionable_agile_holds_the_event_logs_stage_dates():
    aa = read_with(read_actionable_agile, TRACKERS / "actionable_agile.csv", workflow=WF,
                   fields=AA).table  # fmt: skip
    log = event_log()
    out = io.StringIO()
    write_actionable_agile(log, out)
    assert read_actionable_agile(io.StringIO(out.getvalue()), workflow=WF).table.equals(aa)
    for name in ("requested_at", "committed_at", "delivered_at"):
        day = log[name].astype("datetime64[D]").astype("datetime64[ns]")
        assert np.array_equal(aa[name], day, equal_nan=True), name
    for name in FIELDS:
        assert aa[name].tolist() == log[name].tolist()


def test_every_format_has_the_same_counts():
    # eight items; 32 status events, two of them merged ("Waiting for customer" is In Progress)
    log = read_log(TRACKERS / "events.csv", workflow=WF, attributes=FIELDS, state_map=STATE_MAP)
    assert (log.n_rows, log.n_merged, len(log.table)) == (32, 2, 8)
    for name in TRACKERS_WITH_HISTORY:
        assert len(tracker(name)) == 8
