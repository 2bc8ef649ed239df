"""read_jira: Jira Cloud (v3) and Server (v2) search results with changelogs into tables."""

from __future__ import annotations

import copy
import io
import json
import random
import warnings

import numpy as np
import pytest
from reading import read_with

from customer_kanban.errors import CustomerKanbanWarning, ValidationError
from customer_kanban.io import read_jira
from customer_kanban.model import Workflow
from tracker_server import TRACKERS

WF = Workflow(["New", "Triage", "In Progress", "Resolved", "Closed"], "In Progress", "Resolved")
WAITING = {"Waiting for customer": "In Progress"}
FIELDS = {
    "class_of_service": "customfield_10030",
    "customer": "customfield_10010",
    "assignee": "assignee",
    "resolution": "resolution",
}
CLOUD = TRACKERS / "jira_cloud_v3.json"
SERVER = TRACKERS / "jira_server_v2.json"


def cloud() -> list[dict]:
    return json.loads(CLOUD.read_text(encoding="utf-8"))


def read(source, **kwargs):
    kwargs = {"workflow": WF, "fields": FIELDS, "state_map": WAITING, **kwargs}
    return read_with(read_jira, source, **kwargs)


def ns(text: str) -> np.datetime64:
    return np.datetime64(text, "ns")


def issue(key="KAN-1", created="2024-03-04T09:00:00.000+0000", status="To Do", histories=()):
    return {
        "key": key,
        "fields": {"created": created, "status": {"name": status}},
        "changelog": {"startAt": 0, "maxResults": 50, "total": len(histories),
                      "histories": list(histories)},
    }  # fmt: skip


def change(at, before, after, field="status"):
    return {"created": at, "items": [{"field": field, "fromString": before, "toString": after}]}


SMALL = Workflow(["To Do", "In Progress", "Done"], "In Progress", "Done")


# ------------------------------------------------------------------------ the fixtures
def test_cloud_pages_are_read_with_every_status_event():
    result = read(CLOUD)
    t = result.table
    assert t["id"].tolist() == [f"INC-10{k}" for k in range(1, 9)]
    # 8 creations + 24 status changes; the wait merges into In Progress twice
    assert (result.n_rows, result.n_accepted, result.n_merged) == (32, 32, 2)
    assert len(t.transitions) == 30
    assert t.states == WF.states


def test_instants_are_utc_whatever_offset_jira_gives():
    t = read(CLOUD).table  # +1100 in the file
    assert t["requested_at"][0] == ns("2024-03-04T09:15:27.350")
    assert t["committed_at"][0] == ns("2024-03-04T13:05")
    assert t["delivered_at"][0] == ns("2024-03-05T10:20")
    s = read(SERVER).table  # -0500 in the file
    assert s["requested_at"][0] == ns("2024-03-04T09:15:27.350")


def test_cloud_and_server_give_equal_tables():
    assert read(CLOUD).table.equals(read(SERVER).table)


def test_the_order_of_histories_does_not_matter():
    pages = cloud()
    rng = random.Random(3)
    for page in pages:
        for i in page["issues"]:
            rng.shuffle(i["changelog"]["histories"])
    assert read(pages).table.equals(read(CLOUD).table)


def test_the_first_status_is_the_one_before_the_earliest_change():
    # INC-101's changelog is listed newest first: its first status still comes from the
    # earliest change, and it is entered at `created`
    pages = cloud()
    first = pages[0]["issues"][0]["changelog"]["histories"]
    assert first[0]["created"] > first[-1]["created"]  # newest first in the file
    t = read(pages).table
    tr = t.transitions
    assert t.states[tr.state[0]] == "New"
    assert tr.at[0] == t["requested_at"][0]


def test_an_issue_that_never_changed_status_is_in_its_current_status_since_created():
    t = read(CLOUD).table
    k = t["id"].tolist().index("INC-108")
    rows = t.transitions.item == k
    assert [t.states[s] for s in t.transitions.state[rows]] == ["Triage"]
    assert t["requested_at"][k] == ns("2024-03-09T09:00")
    assert np.isnat(t["committed_at"][k])


def test_skipped_and_backward_moves_follow_the_event_log_rules():
    t = read(CLOUD).table
    ids = t["id"].tolist()
    dup = ids.index("INC-107")  # New -> Closed: delivered when closed (back-filled)
    assert t["delivered_at"][dup] == ns("2024-03-08T14:25")
    assert t["committed_at"][dup] == ns("2024-03-08T14:25")
    reopened = ids.index("INC-106")  # resolved, reopened, resolved: the first delivery
    assert t["delivered_at"][reopened] == ns("2024-03-11T09:00")


def test_fields_options_users_and_the_resolution():
    t = read(CLOUD).table
    assert t["class_of_service"].tolist()[:3] == ["Standard", "Expedite", "Fixed Date"]
    assert t["customer"].tolist()[:3] == ["Acme Corp", "Globex", "Initech"]
    assert t["assignee"].tolist()[3] is None  # unassigned
    assert t["assignee"].tolist()[:2] == ["Ada Lovelace", "Grace Hopper"]  # displayName
    assert t["resolution"].tolist() == [
        "Fixed", "Fixed", "Fixed", None, None, "Fixed", "Duplicate", None
    ]  # fmt: skip


def test_numbers_arrays_and_named_objects_as_text():
    fields = {"points": "customfield_10016", "labels": "labels", "priority": "priority",
              "flagged": "customfield_10021", "project": "project"}  # fmt: skip
    t = read(SERVER, fields=fields).table
    assert t["points"].tolist()[:3] == ["2", "3", "4"]  # 2.0 written as JSON writes it
    assert t["labels"].tolist()[:2] == ["customer-reported", None]  # [] is no value
    assert t["priority"].tolist()[0] == "Medium"
    assert t["flagged"].tolist()[4] == "Impediment"  # an array of options
    assert t["project"].tolist()[0] == "IT Support"  # name before key


def test_several_values_are_joined_by_a_bar():
    doc = issue()
    doc["fields"]["components"] = [{"name": "VPN"}, {"name": "Mail"}, None]
    t = read_jira(doc, workflow=SMALL, fields={"work_type": "components"}).table
    assert t["work_type"].tolist() == ["VPN|Mail"]


def test_by_default_the_resolution_is_read_when_the_issues_carry_it():
    t = read(CLOUD, fields=None).table
    assert t.fields[-1] == "resolution"
    assert t["resolution"].tolist()[-2] == "Duplicate"
    plain = read_jira(issue(), workflow=SMALL).table  # no resolution in the issues
    assert "resolution" not in plain.fields


def test_a_field_no_issue_has_is_refused():
    with pytest.raises(ValidationError, match=r"`fields` names Jira fields that no issue has: "
                       r"\['customfield_99999'\]"):  # fmt: skip
        read_jira(CLOUD, workflow=WF, fields={"customer": "customfield_99999"})


def test_a_field_the_reader_sets_is_refused():
    with pytest.raises(ValidationError, match=r"`fields` maps 'created' to 'requested_at'"):
        read_jira(CLOUD, workflow=WF, fields={"requested_at": "created"})


def test_an_object_without_a_text_value_names_its_path():
    doc = issue()
    doc["fields"]["customfield_1"] = {"id": "7"}
    with pytest.raises(ValidationError, match=r"`source`: fields.customfield_1 is an object"):
        read_jira(doc, workflow=SMALL, fields={"customer": "customfield_1"})


# ------------------------------------------------------------------------ the flag
def test_the_flag_gives_blocked_intervals_open_or_closed():
    t = read(CLOUD).table
    b = t.blocked
    assert b.item.tolist() == [0, 4]
    assert list(b.start) == [ns("2024-03-04T15:00"), ns("2024-03-08T15:00")]
    assert b.end[0] == ns("2024-03-05T09:00")
    assert np.isnat(b.end[1])  # still flagged
    assert b.reason_labels.tolist() == ["Impediment"]
    assert b.reason.tolist() == [0, 0]


def test_no_flag_no_blocks():
    assert len(read(CLOUD, flag=None).table.blocked) == 0


def test_a_flag_cleared_first_was_set_at_creation():
    doc = issue(histories=[
        change("2024-03-05T09:00:00.000+0000", "Impediment", None, "Flagged"),
        change("2024-03-06T09:00:00.000+0000", None, "Impediment", "Flagged"),
        change("2024-03-06T10:00:00.000+0000", "Impediment", "Impediment", "Flagged"),
    ])  # fmt: skip
    b = read_jira(doc, workflow=SMALL).table.blocked
    assert list(b.start) == [ns("2024-03-04T09:00"), ns("2024-03-06T09:00")]
    assert b.end[0] == ns("2024-03-05T09:00")
    assert np.isnat(b.end[1])


def test_the_flag_is_matched_by_name_or_id():
    doc = issue(histories=[
        {"created": "2024-03-05T09:00:00.000+0000", "items": [
            {"field": "Blocked?", "fieldId": "customfield_10021", "fromString": None,
             "toString": "Yes"}]},
    ])  # fmt: skip
    assert len(read_jira(doc, workflow=SMALL, flag="customfield_10021").table.blocked) == 1
    assert len(read_jira(doc, workflow=SMALL).table.blocked) == 0


# ------------------------------------------------------------------- rejected events
def test_unknown_statuses_are_rejected_and_numbered_as_documented():
    result = read(CLOUD, state_map=None)
    assert result.rejected.reasons.tolist() == ["unknown state 'Waiting for customer'"]
    # events: INC-101 rows 0-4, INC-102 5-10, INC-103 11-14, INC-104 15-16, INC-105 from
    # 17 (its creation), then its changes in the order of its changelog (newest first):
    # In Progress (18), Waiting for customer (19), ...
    assert result.rejected.rows.tolist() == [19]
    assert result.n_rows == 32


def test_the_warning_names_the_source():
    with pytest.warns(Warning, match=r"jira_cloud_v3.json \(status events\): 1 of 32 rows"):
        read_jira(CLOUD, workflow=WF)


def test_missing_keys_and_bad_instants_are_rejected():
    docs = [
        issue(key=None),
        issue(key="KAN-2", created="yesterday"),
        issue(key="KAN-3", histories=[change(None, "To Do", "Done")]),
    ]
    result = read_with(read_jira, docs, workflow=SMALL)
    assert result.rejected.reasons.tolist() == [
        "missing item id", "unparseable instant", "missing instant"
    ]  # fmt: skip
    assert result.rejected.rows.tolist() == [0, 1, 3]
    assert result.table["id"].tolist() == ["KAN-3"]


def test_an_issue_with_every_event_rejected_loses_its_blocks_with_it():
    doc = issue(status="Lost", histories=[
        change("2024-03-05T09:00:00.000+0000", None, "Impediment", "Flagged")])  # fmt: skip
    result = read_with(read_jira, doc, workflow=SMALL)
    assert len(result.table) == 0
    assert len(result.table.blocked) == 0
    assert result.rejected.reasons.tolist() == ["unknown state 'Lost'"]


def test_a_truncated_changelog_is_said():
    doc = issue()
    doc["changelog"]["total"] = 250
    with pytest.warns(CustomerKanbanWarning, match=r"1 changelogs hold fewer histories .* "
                      r"\(KAN-1: 0 of 250\).*fetch_jira"):  # fmt: skip
        read_jira(doc, workflow=SMALL)


# ------------------------------------------------------------------------ sources
@pytest.mark.parametrize("kind", ["str", "path", "text", "binary", "parsed"])
def test_sources(kind):
    source = {
        "str": str(SERVER),
        "path": SERVER,
        "text": io.StringIO(SERVER.read_text(encoding="utf-8")),
        "binary": io.BytesIO(SERVER.read_bytes()),
        "parsed": json.loads(SERVER.read_text(encoding="utf-8")),
    }[kind]
    assert read(source).table.equals(read(CLOUD).table)


def test_one_issue_a_list_of_issues_and_an_empty_search():
    one = read_jira(issue(), workflow=SMALL)
    listed = read_jira([issue(), issue(key="KAN-2")], workflow=SMALL)
    assert one.table["id"].tolist() == ["KAN-1"]
    assert listed.table["id"].tolist() == ["KAN-1", "KAN-2"]
    empty = read_jira({"startAt": 0, "maxResults": 50, "total": 0, "issues": []}, workflow=SMALL)
    assert (len(empty.table), empty.n_rows) == (0, 0)
    assert empty.table.states == SMALL.states


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "it is empty, not JSON"),
        (b"\xff\xfe{}", "not UTF-8"),
        (b"{'issues': []}", "not valid JSON"),
        (b"[" * 100_000 + b"]" * 100_000, "JSON nested too deeply"),
    ],
)
def test_unreadable_files(tmp_path, content, message):
    path = tmp_path / "search.json"
    path.write_bytes(content)
    with pytest.raises(ValidationError, match=f"cannot read search.json: {message}"):
        read_jira(path, workflow=SMALL)


def test_files_that_are_missing_or_too_large(tmp_path):
    with pytest.raises(ValidationError, match="no such file"):
        read_jira(tmp_path / "gone.json", workflow=SMALL)
    with pytest.raises(ValidationError, match="it is a directory"):
        read_jira(tmp_path, workflow=SMALL)
    with pytest.raises(ValidationError, match=r"larger than `input_limit` \(1,000 bytes\)"):
        read_jira(SERVER, workflow=SMALL, input_limit=1000)


# ------------------------------------------------------------------ the wrong shape
def _shape(mutate):
    doc = copy.deepcopy(cloud()[0])
    mutate(doc)
    return doc


@pytest.mark.parametrize(
    ("mutate", "error", "message"),
    [
        (lambda d: d.update(issues={}), TypeError, r"issues must be an array, got an object"),
        (lambda d: d["issues"].__setitem__(2, "INC-103"), TypeError,
         r"issues\[2\] must be an object, got a string"),
        (lambda d: d["issues"][1].pop("changelog"), ValidationError,
         r"issues\[1\] has no `changelog`; search with expand=changelog"),
        (lambda d: d["issues"][1]["changelog"].pop("histories"), ValidationError,
         r"issues\[1\].changelog has no `histories`"),
        (lambda d: d["issues"][3]["changelog"]["histories"][0].update(items={}), TypeError,
         r"issues\[3\].changelog.histories\[0\].items must be an array, got an object"),
        (lambda d: d["issues"][3]["changelog"]["histories"][0]["items"][0].update(toString=5),
         TypeError, r"issues\[3\].changelog.histories\[0\].items\[0\].toString must be a string"),
        (lambda d: d["issues"][0].update(key=101), TypeError, r"issues\[0\].key must be a string"),
        (lambda d: d["issues"][0].pop("fields"), ValidationError, r"issues\[0\] has no `fields`"),
        (lambda d: d["issues"][0]["changelog"]["histories"][0].update(created=1), TypeError,
         r"issues\[0\].changelog.histories\[0\].created must be a string"),
        (lambda d: d.pop("issues"), ValidationError,
         r"the document is neither a search result \(with `issues`\) nor an issue"),
    ],
)  # fmt: skip
def test_the_wrong_shape_names_the_path(mutate, error, message):
    with pytest.raises(error, match=r"`source`: " + message):
        read_jira(_shape(mutate), workflow=WF, state_map=WAITING)


def test_a_page_in_a_list_of_the_wrong_shape_names_its_position():
    pages = cloud()
    pages[1] = {"startAt": 0}
    with pytest.raises(ValidationError, match=r"`source`: \[1\] is neither a search result"):
        read_jira(pages, workflow=WF)
    with pytest.raises(TypeError, match=r"`source`: \[0\] must be an object, got a number"):
        read_jira([3], workflow=WF)


def test_a_flag_change_without_an_instant_is_refused():
    doc = issue(histories=[change("soon", None, "Impediment", "Flagged")])
    with pytest.raises(
        ValidationError, match=r"changelog.histories\[0\] changes the flag but its `created` is not"
    ):
        read_jira(doc, workflow=SMALL)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"workflow": "New,Done"}, "`workflow` must be a Workflow"),
        ({"fields": ["priority"]}, "`fields` must be a mapping"),
        ({"fields": {"customer": 10}}, "`fields` must map table fields"),
        ({"state_map": [("a", "b")]}, "`state_map` must be a mapping"),
        ({"flag": 3}, "`flag` must be a non-empty string or None"),
        ({"flag": ""}, "`flag` must be a non-empty string or None"),
        ({"input_limit": 1.5}, "`input_limit` must be a whole number"),
    ],
)
def test_arguments_of_the_wrong_type(kwargs, message):
    with pytest.raises(TypeError, match=message):
        read_jira(issue(), **{"workflow": SMALL, **kwargs})
    with pytest.raises(TypeError, match="`source` must be a path, an open file or the parsed"):
        read_jira(3.5, workflow=SMALL)


def test_a_state_map_to_a_state_outside_the_workflow_is_refused():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(ValidationError, match="`state_map` maps to states not in the workflow"):
            read_jira(issue(), workflow=SMALL, state_map={"To Do": "Backlog"})


def _nested(depth: int, kind: str):
    value: object = "deep"
    for _ in range(depth):
        value = [value] if kind == "array" else {"value": value}
    return value


@pytest.mark.parametrize("kind", ["array", "object"])
def test_a_field_nested_too_deeply_is_refused_with_its_path(kind):
    doc = issue()
    doc["fields"]["customfield_1"] = _nested(40, kind)
    step = r"\[0\]" if kind == "array" else r"\.value"
    with pytest.raises(ValidationError, match=rf"`source`: fields\.customfield_1({step}){{33}} "
                       r"is nested deeper than 32 levels"):  # fmt: skip
        read_jira(doc, workflow=SMALL, fields={"customer": "customfield_1"})
    # as deep as a Python object can be: refused the same way, never a RecursionError
    doc["fields"]["customfield_1"] = _nested(100_000, kind)
    with pytest.raises(ValidationError, match="is nested deeper than 32 levels"):
        read_jira(doc, workflow=SMALL, fields={"customer": "customfield_1"})
    doc["fields"]["customfield_1"] = _nested(32, kind)
    table = read_jira(doc, workflow=SMALL, fields={"customer": "customfield_1"}).table
    assert table["customer"].tolist() == ["deep"]


def test_a_field_nested_deeply_in_a_file_is_refused(tmp_path):
    doc = issue()
    doc["fields"]["customfield_1"] = "@"
    text = json.dumps(doc).replace('"@"', "[" * 900 + "]" * 900)
    path = tmp_path / "issue.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ValidationError, match="is nested deeper than 32 levels"):
        read_jira(path, workflow=SMALL, fields={"customer": "customfield_1"})


def test_a_number_too_long_to_write_is_refused():
    doc = issue()
    doc["fields"]["customfield_1"] = 10**5000
    with pytest.raises(ValidationError, match=r"fields\.customfield_1 is a number too long"):
        read_jira(doc, workflow=SMALL, fields={"customer": "customfield_1"})


def test_a_gzipped_file_is_read_within_the_input_limit(tmp_path):
    import gzip

    path = tmp_path / "search.json.gz"
    path.write_bytes(gzip.compress(SERVER.read_bytes()))
    assert read(path).table.equals(read(SERVER).table)
    # the limit counts the JSON text, not the compressed bytes: a small bomb is refused
    bomb = tmp_path / "bomb.json.gz"
    bomb.write_bytes(gzip.compress(b" " * 5_000_000 + b"[]"))
    assert bomb.stat().st_size < 10_000
    with pytest.raises(ValidationError, match=r"larger than `input_limit` \(1,000,000 bytes\)"):
        read_jira(bomb, workflow=SMALL, input_limit=1_000_000)


def test_an_issue_listed_twice_is_one_item_with_its_later_fields():
    first, again = issue(histories=[change("2024-03-05T09:00:00Z", "To Do", "In Progress")]), None
    first["fields"]["priority"] = {"name": "High"}
    again = copy.deepcopy(first)
    again["fields"]["priority"] = {"name": "Low"}
    result = read_jira([{"issues": [first]}, {"issues": [again]}], workflow=SMALL,
                       fields={"class_of_service": "priority"})  # fmt: skip
    assert result.table["id"].tolist() == ["KAN-1"]
    assert result.table["class_of_service"].tolist() == ["Low"]
    assert (result.n_rows, result.n_accepted, result.n_merged) == (4, 4, 2)
