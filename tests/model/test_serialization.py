"""JSON round trips and error paths of the one converter."""

import datetime as dt
import json

import pytest
from hypothesis import given

from customer_kanban import (
    MaturityLevel,
    Policy,
    ValidationError,
    Workflow,
    WorkItem,
    from_dict,
    from_json,
    to_dict,
    to_json,
)
from customer_kanban.testing import strategies as cks


@given(cks.work_items())
def test_work_item_round_trip(item):
    assert WorkItem.from_json(item.to_json()) == item
    assert from_dict(WorkItem, to_dict(item)) == item


@given(cks.policies())
def test_policy_round_trip(policy):
    assert Policy.from_json(policy.to_json()) == policy
    assert from_json(Policy, to_json(policy)) == policy


@given(cks.workflows())
def test_workflow_round_trip(wf):
    assert Workflow.from_dict(json.loads(wf.to_json())) == wf


@pytest.mark.parametrize(
    "strategy",
    [
        cks.customers(),
        cks.feedback(),
        cks.customer_segments(),
        cks.classes_of_service(),
        cks.service_level_expectations(),
        cks.work_types(),
    ],
)
def test_small_values_round_trip(strategy):
    @given(strategy)
    def check(value):
        assert type(value).from_json(value.to_json()) == value

    check()


def test_datetimes_are_iso_8601_utc():
    item = WorkItem(id="A", requested_at=dt.datetime(2024, 3, 1, 9, 30))
    assert item.to_dict()["requested_at"] == "2024-03-01T09:30:00+00:00"
    data = {**item.to_dict(), "requested_at": "2024-03-01T10:30:00+01:00"}
    assert WorkItem.from_dict(data) == item
    data = {**item.to_dict(), "requested_at": "2024-03-01T09:30:00Z"}
    assert WorkItem.from_dict(data) == item


def test_unknown_keys_are_rejected_with_their_path():
    item = WorkItem(id="A", requested_at=dt.datetime(2024, 3, 1))
    data = item.to_dict()
    data["colour"] = "red"
    data["transitions"] = [{"state": "Doing", "at": "2024-03-02T00:00:00", "owner": "x"}]
    with pytest.raises(ValidationError) as info:
        WorkItem.from_dict(data)
    message = str(info.value)
    assert "unknown key 'colour' @ $.colour" in message
    assert "unknown key 'owner' @ $.transitions[0].owner" in message


def test_invalid_values_name_their_path():
    wf = Workflow(["a", "b"], "a", "b")
    data = {"workflow": wf.to_dict(), "classes_of_service": [{"name": "S", "sle": {"days": -1}}]}
    with pytest.raises(ValidationError, match=r"`days` must be > 0.*@ \$\.classes_of_service\[0\]"):
        Policy.from_dict(data)
    with pytest.raises(ValidationError, match=r"expected datetime @ \$\.requested_at"):
        WorkItem.from_dict({"id": "A", "requested_at": "yesterday"})
    with pytest.raises(ValidationError, match=r"required field missing @ \$\.requested_at"):
        WorkItem.from_dict({"id": "A"})
    with pytest.raises(ValidationError, match="not valid JSON"):
        WorkItem.from_json("{")


def test_enums_serialise_by_value():
    assert to_dict(MaturityLevel.ML4) == 4
    assert from_dict(MaturityLevel, 4) is MaturityLevel.ML4


@pytest.mark.parametrize(
    ("data", "match"),
    [
        (
            {"wip_limits": {"Doing": 2.5}},
            r"expected an integer, got 2.5 @ \$\.wip_limits\['Doing'\]",
        ),
        ({"wip_limits": {"Doing": "3"}}, r"expected an integer, got '3'"),
        (
            {"classes_of_service": [{"name": "S", "sle": {"days": True}}]},
            r"expected a number, got True @ \$\.classes_of_service\[0\]\.sle\.days",
        ),
        (
            {"classes_of_service": [{"name": "S", "sle": {"days": "10"}}]},
            r"expected a number, got '10'",
        ),
        (
            {"classes_of_service": [{"name": "S", "urgency": "soon"}]},
            r"expected one of \['expedite', 'fixed_date', 'standard', 'intangible'\] "
            r"@ \$\.classes_of_service\[0\]\.urgency",
        ),
    ],
)
def test_no_silent_coercion(data, match):
    wf = Workflow(["Backlog", "Doing", "Done"], "Doing", "Done")
    with pytest.raises(ValidationError, match=match):
        Policy.from_dict({"workflow": wf.to_dict(), **data})


def test_documents_must_be_objects_and_arguments_in_order():
    with pytest.raises(ValidationError, match=r"expected an object, got list @ \$"):
        Policy.from_json("[]")
    with pytest.raises(TypeError, match=r"call from_json\(cls, text\)"):
        from_json("{}", Policy)  # type: ignore[arg-type]


def test_a_string_is_not_a_list_of_states():
    with pytest.raises(
        ValidationError, match=r"expected a list of strings, got the string 'ab' @ \$\.states"
    ):
        Workflow.from_dict({"states": "ab", "commitment_point": "a", "delivery_point": "b"})
