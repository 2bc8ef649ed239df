"""read_azure_devops: work-item updates and revisions into tables."""

from __future__ import annotations

import copy
import json
import random

import numpy as np
import pytest
from reading import read_with

from customer_kanban.errors import ValidationError
from customer_kanban.io import read_azure_devops
from customer_kanban.model import Workflow
from tracker_server import TRACKERS

WF = Workflow(["New", "Triage", "In Progress", "Resolved", "Closed"], "In Progress", "Resolved")
WAITING = {"Waiting for customer": "In Progress"}
FIELDS = {
    "class_of_service": "Custom.ClassOfService",
    "customer": "Custom.Customer",
    "assignee": "System.AssignedTo",
    "resolution": "Microsoft.VSTS.Common.ResolvedReason",
}
UPDATES = TRACKERS / "ado_updates.json"
REVISIONS = TRACKERS / "ado_reporting_revisions.json"
SMALL = Workflow(["New", "Active", "Closed"], "Active", "Closed")


def load(path):
    return json.loads(path.read_text(encoding="utf-8"))


def read(source, **kwargs):
    kwargs = {"workflow": WF, "fields": FIELDS, "state_map": WAITING, **kwargs}
    return read_with(read_azure_devops, source, **kwargs)


def ns(text: str) -> np.datetime64:
    return np.datetime64(text, "ns")


def update(rev, changed, state=None, item=7, **fields):
    body = {"System.ChangedDate": {"newValue": changed}}
    if state is not None:
        body["System.State"] = {"newValue": state}
    body.update({k: {"newValue": v} for k, v in fields.items()})
    return {"id": rev, "workItemId": item, "rev": rev, "revisedDate": "9999-01-01T00:00:00Z",
            "fields": body}  # fmt: skip


def revision(rev, changed, state, item=7, **fields):
    body = {"System.State": state, "System.ChangedDate": changed,
            "System.CreatedDate": "2024-03-01T08:00:00Z", **fields}  # fmt: skip
    return {"id": item, "rev": rev, "fields": body}


# ------------------------------------------------------------------------ the fixtures
def test_updates_are_read_with_every_state_event():
    result = read(UPDATES)
    t = result.table
    assert t["id"].tolist() == [str(4100 + k) for k in range(1, 9)]  # ids are text
    assert (result.n_rows, result.n_accepted, result.n_merged) == (32, 32, 2)
    assert t["requested_at"][0] == ns("2024-03-04T09:15:27.350")  # System.CreatedDate
    assert t["delivered_at"][0] == ns("2024-03-05T10:20")


def test_updates_and_reporting_revisions_give_equal_tables():
    assert read(UPDATES).table.equals(read(REVISIONS).table)


def test_the_order_of_updates_and_revisions_does_not_matter():
    rng = random.Random(5)
    updates = load(UPDATES)
    for response in updates:
        rng.shuffle(response["value"])
    rng.shuffle(updates)
    revisions = load(REVISIONS)
    rng.shuffle(revisions["values"])
    expected = read(UPDATES).table
    assert read(updates).table.equals(expected)
    assert read(revisions).table.equals(expected)


def test_a_list_of_updates_or_of_revisions_is_read_too():
    flat = [u for response in load(UPDATES) for u in response["value"]]
    assert read(flat).table.equals(read(UPDATES).table)
    assert read(load(REVISIONS)["values"]).table.equals(read(UPDATES).table)


def test_fields_identities_numbers_and_cleared_values():
    t = read(UPDATES, fields={**FIELDS, "priority": "Microsoft.VSTS.Common.Priority"}).table
    assert t["assignee"].tolist()[:2] == ["Ada Lovelace", "Grace Hopper"]  # displayName
    assert t["priority"].tolist()[0] == "2"
    # INC-106's resolution was cleared when reopened, then set again
    assert t["resolution"].tolist() == [
        "Fixed", "Fixed", "Fixed", None, None, "Fixed", "Duplicate", None
    ]  # fmt: skip


def test_a_value_cleared_by_the_latest_update_is_none():
    docs = [update(1, "2024-03-01T08:00:00Z", "New", **{"System.AssignedTo": "Ada"}),
            update(2, "2024-03-02T08:00:00Z", "Active")]  # fmt: skip
    docs.append({"id": 3, "workItemId": 7, "rev": 3, "fields": {
        "System.ChangedDate": {"newValue": "2024-03-03T08:00:00Z"},
        "System.AssignedTo": {"oldValue": "Ada"}}})  # fmt: skip
    t = read_azure_devops(docs, workflow=SMALL, fields={"owner": "System.AssignedTo"}).table
    assert t["owner"].tolist() == [None]
    revisions = [revision(1, "2024-03-01T08:00:00Z", "New", **{"System.AssignedTo": "Ada"}),
                 revision(2, "2024-03-02T08:00:00Z", "Active")]  # fmt: skip
    t = read_azure_devops(revisions, workflow=SMALL, fields={"owner": "System.AssignedTo"}).table
    assert t["owner"].tolist() == [None]


def test_revisions_give_an_event_only_when_the_state_changes():
    revisions = [
        revision(1, "2024-03-01T08:00:00Z", "New"),
        revision(2, "2024-03-01T09:00:00Z", "New", **{"System.Title": "renamed"}),
        revision(3, "2024-03-02T10:00:00Z", "Active"),
        revision(4, "2024-03-03T10:00:00Z", "Active"),
    ]
    result = read_azure_devops(revisions, workflow=SMALL)
    assert result.n_rows == 2
    t = result.table
    assert t["requested_at"][0] == ns("2024-03-01T08:00")  # the creation
    assert t["committed_at"][0] == ns("2024-03-02T10:00")


def test_the_board_column_can_be_the_workflow():
    revisions = [
        revision(1, "2024-03-01T08:00:00Z", "New", **{"System.BoardColumn": "Backlog"}),
        revision(2, "2024-03-02T08:00:00Z", "Active", **{"System.BoardColumn": "Build"}),
        revision(3, "2024-03-03T08:00:00Z", "Active", **{"System.BoardColumn": "Test"}),
    ]
    wf = Workflow(["Backlog", "Build", "Test"], "Build", "Test")
    t = read_azure_devops(revisions, workflow=wf, state="System.BoardColumn").table
    assert t["delivered_at"][0] == ns("2024-03-03T08:00")


def test_a_misspelt_state_field_is_refused():
    with pytest.raises(ValidationError, match=r"`state` field 'System.Stat' is in no update"):
        read_azure_devops(UPDATES, workflow=WF, state="System.Stat")


def test_a_field_no_item_has_is_refused():
    with pytest.raises(ValidationError, match=r"no update or revision has: \['Custom.Team'\]"):
        read_azure_devops(UPDATES, workflow=WF, fields={"segment": "Custom.Team"})


# ------------------------------------------------------------------------ blocks
def test_the_blocked_field_gives_blocked_intervals():
    for source in (UPDATES, REVISIONS):
        b = read(source).table.blocked
        assert b.item.tolist() == [0, 4]
        assert list(b.start) == [ns("2024-03-04T15:00"), ns("2024-03-08T15:00")]
        assert b.end[0] == ns("2024-03-05T09:00")
        assert np.isnat(b.end[1])
    assert len(read(UPDATES, blocked=None).table.blocked) == 0


def test_a_block_from_the_first_revision():
    revisions = [
        revision(1, "2024-03-01T08:00:00Z", "New", **{"Custom.Blocked": "yes"}),
        revision(2, "2024-03-02T08:00:00Z", "Active", **{"Custom.Blocked": "No"}),
    ]
    b = read_azure_devops(revisions, workflow=SMALL, blocked="Custom.Blocked").table.blocked
    assert list(b.start) == [ns("2024-03-01T08:00")]  # created blocked
    assert list(b.end) == [ns("2024-03-02T08:00")]


# ------------------------------------------------------------------- rejected events
def test_unknown_states_and_missing_instants_are_rejected():
    docs = [
        update(1, "2024-03-01T08:00:00Z", "New"),
        update(2, "2024-03-02T08:00:00Z", "Parked"),
        {"id": 3, "workItemId": 7, "rev": 3, "fields": {"System.State": {"newValue": "Active"}}},
        update(4, "2024-03-04T08:00:00Z"),  # no state change: no event
        update(5, "2024-03-05T08:00:00Z", "Closed"),
    ]
    result = read_with(read_azure_devops, docs, workflow=SMALL)
    assert result.n_rows == 4
    assert result.rejected.rows.tolist() == [1, 2]
    assert result.rejected.reasons.tolist() == ["unknown state 'Parked'", "missing instant"]
    assert result.table["delivered_at"][0] == ns("2024-03-05T08:00")


def test_the_warning_names_the_source():
    with pytest.warns(Warning, match=r"ado_updates.json \(state events\): 1 of 32 rows"):
        read_azure_devops(UPDATES, workflow=WF)


def test_no_updates_give_an_empty_table():
    result = read_azure_devops({"count": 0, "value": []}, workflow=SMALL)
    assert (len(result.table), result.n_rows) == (0, 0)


# ------------------------------------------------------------------ the wrong shape
@pytest.mark.parametrize(
    ("mutate", "error", "message"),
    [
        (lambda d: d[0].update(value={}), TypeError, r"\[0\].value must be an array"),
        (lambda d: d[0]["value"][1].pop("rev"), ValidationError, r"\[0\].value\[1\] has no `rev`"),
        (lambda d: d[0]["value"][1].update(rev="2"), TypeError,
         r"\[0\].value\[1\].rev must be a whole number"),
        (lambda d: d[0]["value"][1].update(fields=[]), TypeError,
         r"\[0\].value\[1\].fields must be an object, got an array"),
        (lambda d: d[0]["value"][1]["fields"].update({"System.State": "Active"}), TypeError,
         r"\[0\].value\[1\].fields.System.State must be an object, got a string"),
        (lambda d: d[2]["value"][0].update(workItemId=None), ValidationError,
         r"\[2\].value\[0\] has no `workItemId`"),
        (lambda d: d[2]["value"][0].update(workItemId=[1]), TypeError,
         r"\[2\].value\[0\].workItemId must be a number or a string"),
        (lambda d: d.__setitem__(1, {"count": 3}), ValidationError,
         r"\[1\] is neither a list response"),
    ],
)  # fmt: skip
def test_the_wrong_shape_names_the_path(mutate, error, message):
    doc = copy.deepcopy(load(UPDATES))
    mutate(doc)
    with pytest.raises(error, match=r"`source`: " + message):
        read_azure_devops(doc, workflow=WF, state_map=WAITING)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"workflow": None}, "`workflow` must be a Workflow"),
        ({"fields": "System.Title"}, "`fields` must be a mapping"),
        ({"state": ""}, "`state` must be a non-empty string"),
        ({"blocked": 1}, "`blocked` must be a non-empty string or None"),
    ],
)
def test_arguments_of_the_wrong_type(kwargs, message):
    with pytest.raises(TypeError, match=message):
        read_azure_devops(UPDATES, **{"workflow": WF, **kwargs})


def test_an_unreadable_blocked_change_is_refused():
    docs = [update(1, "2024-03-01T08:00:00Z", "New"),
            {"id": 2, "workItemId": 7, "rev": 2,
             "fields": {"Microsoft.VSTS.CMMI.Blocked": {"newValue": "Yes"}}}]  # fmt: skip
    with pytest.raises(ValidationError, match=r"`source`: \[1\] changes the blocked field"):
        read_azure_devops(docs, workflow=SMALL)


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("rev", -1, r"\[0\].rev must be a whole number from 0 to 2\*\*63 - 1; got -1"),
        ("rev", 2**100, r"\[0\].rev must be .*; got a 101-bit number"),
        ("workItemId", 2**63, r"\[0\].workItemId must be .*; got a 64-bit number"),
    ],
)
def test_numbers_out_of_range_are_refused(key, value, message):
    doc = update(1, "2024-03-01T08:00:00Z", "New")
    doc[key] = value
    with pytest.raises(ValidationError, match=r"`source`: " + message):
        read_azure_devops([doc], workflow=SMALL)


def test_a_field_nested_too_deeply_is_refused():
    deep: object = "x"
    for _ in range(100_000):
        deep = [deep]
    doc = update(1, "2024-03-01T08:00:00Z", "New", **{"Custom.Customer": deep})
    with pytest.raises(ValidationError, match=r"\[0\].fields.Custom.Customer.newValue(\[0\])+ is "
                       "nested deeper than 32 levels"):  # fmt: skip
        read_azure_devops([doc], workflow=SMALL, fields={"customer": "Custom.Customer"})


def test_unreadable_and_oversized_files(tmp_path):
    path = tmp_path / "updates.json"
    path.write_text('{"count": 2, "value": [{"id": 1', encoding="utf-8")
    with pytest.raises(ValidationError, match=r"cannot read updates\.json: not valid JSON"):
        read_azure_devops(path, workflow=SMALL)
    with pytest.raises(ValidationError, match=r"larger than `input_limit` \(100 bytes\)"):
        read_azure_devops(UPDATES, workflow=WF, input_limit=100)
