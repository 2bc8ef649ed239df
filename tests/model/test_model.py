"""Validation rules and messages of the domain model."""

import datetime as dt

import pytest

from customer_kanban import (
    BlockedInterval,
    ClassOfService,
    Customer,
    MaturityLevel,
    Policy,
    SegmentServiceLevel,
    ServiceLevelExpectation,
    Transition,
    Urgency,
    ValidationError,
    Workflow,
    WorkItem,
)

T0 = dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc)
DAY = dt.timedelta(days=1)


def test_validation_error_is_a_value_error():
    assert issubclass(ValidationError, ValueError)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"committed_at": T0 - DAY}, r"`committed_at` is before `requested_at` in item 'A'"),
        (
            {"committed_at": T0 + 2 * DAY, "delivered_at": T0 + DAY},
            r"`delivered_at` is before `committed_at` in item 'A'",
        ),
        ({"delivered_at": T0 + DAY}, r"`delivered_at` is set but `committed_at` is missing"),
        (
            {"transitions": [Transition("b", T0 + DAY), Transition("a", T0)]},
            r"`transitions` must be in time order",
        ),
        (
            {"blocked": [BlockedInterval(T0 + DAY), BlockedInterval(T0)]},
            r"`blocked` intervals must be in order of start",
        ),
        ({"id": " "}, r"`id` must be a non-empty string"),
    ],
)
def test_work_item_invariants(kwargs, match):
    base = {"id": "A", "requested_at": T0}
    with pytest.raises(ValidationError, match=match):
        WorkItem(**{**base, **kwargs})


def test_work_item_accepts_boundaries():
    item = WorkItem(id="A", requested_at=T0, committed_at=T0, delivered_at=T0)
    assert item.delivered_at == item.requested_at


def test_naive_datetimes_are_taken_as_utc_and_aware_ones_converted():
    naive = WorkItem(id="A", requested_at=dt.datetime(2024, 1, 1, 12))
    rome = dt.timezone(dt.timedelta(hours=1))
    aware = WorkItem(id="A", requested_at=dt.datetime(2024, 1, 1, 13, tzinfo=rome))
    assert naive.requested_at == aware.requested_at
    assert aware.requested_at.tzinfo == dt.timezone.utc


def test_blocked_interval_end_before_start():
    with pytest.raises(ValidationError, match=r"`end` must not be before `start`"):
        BlockedInterval(T0, T0 - DAY)


@pytest.mark.parametrize(
    ("days", "probability", "match"),
    [
        (0, 0.5, r"`days` must be > 0 \(got 0.0\)"),
        (-3, 0.5, r"`days` must be > 0"),
        (float("inf"), 0.5, r"`days` must be > 0"),
        (5, 0.0, r"`probability` must lie in \(0, 1\] \(got 0.0\)"),
        (5, 1.01, r"`probability` must lie in \(0, 1\]"),
    ],
)
def test_sle_rules(days, probability, match):
    with pytest.raises(ValidationError, match=match):
        ServiceLevelExpectation(days, probability)


def test_sle_probability_one_is_allowed():
    assert ServiceLevelExpectation(1, 1.0).probability == 1.0


@pytest.mark.parametrize(
    ("args", "kwargs", "match"),
    [
        ((["a", "b", "a"], "a", "b"), {}, r"`states` must be unique; repeated: \['a'\]"),
        ((["a", "b"], "b", "a"), {}, r"`commitment_point` must come before `delivery_point`"),
        ((["a", "b"], "a", "a"), {}, r"`commitment_point` must come before `delivery_point`"),
        ((["a", "b"], "x", "b"), {}, r"`commitment_point` 'x' is not one of `states`"),
        ((["a", "b"], "a", "y"), {}, r"`delivery_point` 'y' is not one of `states`"),
        ((["a", "b"], "a", "b"), {"active_states": ["z"]}, r"`active_states` \['z'\] are not in"),
        ((["a"], "a", "a"), {}, r"at least two states"),
    ],
)
def test_workflow_rules(args, kwargs, match):
    with pytest.raises(ValidationError, match=match):
        Workflow(*args, **kwargs)


def test_workflow_default_active_states_and_order():
    wf = Workflow(["In", "Doing", "Wait", "Test", "Done"], "Doing", "Done")
    assert wf.active_states == ("Doing", "Wait", "Test")
    wf2 = Workflow(
        ["In", "Doing", "Wait", "Test", "Done"], "Doing", "Done", active_states=["Test", "Doing"]
    )
    assert wf2.active_states == ("Doing", "Test")
    assert wf2.active_mask == (False, True, False, True, False)
    assert wf2.waiting_states == ("In", "Wait", "Done")
    assert (wf2.commitment_index, wf2.delivery_index) == (1, 4)


def _wf():
    return Workflow(["Backlog", "Doing", "Done"], "Doing", "Done")


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"wip_limits": {"Doing": 0}}, r"`wip_limits\['Doing'\]` must be >= 1 \(got 0\)"),
        ({"wip_limits": {"Nowhere": 2}}, r"`wip_limits` names unknown state 'Nowhere'"),
        (
            {"classes_of_service": [ClassOfService(name="S"), ClassOfService(name="S")]},
            r"`classes_of_service` must be unique; repeated: \['S'\]",
        ),
        (
            {
                "segment_sles": [
                    SegmentServiceLevel(
                        class_of_service="X", segment="p", sle=ServiceLevelExpectation(1)
                    )
                ]
            },
            r"`segment_sles` names unknown class of service 'X'",
        ),
    ],
)
def test_policy_rules(kwargs, match):
    with pytest.raises(ValidationError, match=match):
        Policy(workflow=_wf(), **kwargs)


def test_policy_sle_lookup():
    std = ClassOfService(name="Standard", urgency=Urgency.STANDARD, sle=ServiceLevelExpectation(10))
    exp = ClassOfService(name="Expedite", urgency="expedite")
    p = Policy(
        workflow=_wf(),
        classes_of_service=[std, exp],
        segment_sles=[
            SegmentServiceLevel(
                class_of_service="Standard", segment="premium", sle=ServiceLevelExpectation(4, 0.95)
            )
        ],
    )
    assert p.sle_for("Standard") == ServiceLevelExpectation(10, 0.85)
    assert p.sle_for("Standard", "premium") == ServiceLevelExpectation(4, 0.95)
    assert p.sle_for("Standard", "other") == ServiceLevelExpectation(10, 0.85)
    assert p.sle_for("Expedite") is None
    assert exp.urgency is Urgency.EXPEDITE
    with pytest.raises(ValidationError, match=r"'Nope' is not a class of service"):
        p.sle_for("Nope")


def test_values_are_frozen():
    c = Customer(id="C")
    with pytest.raises(AttributeError):
        c.id = "D"  # type: ignore[misc]


def test_maturity_levels():
    assert [m.title for m in MaturityLevel] == [
        "Oblivious",
        "Emerging",
        "Defined",
        "Managed",
        "Quantitatively Managed",
        "Optimizing",
        "Congruent",
    ]
    assert all(m.description for m in MaturityLevel)
    assert MaturityLevel.ML2 < MaturityLevel.ML3
    assert "customer" in MaturityLevel.ML2.description.lower()


def test_sle_numbers_are_not_coerced_from_bools_or_strings():
    with pytest.raises(TypeError, match="expected a number, got True"):
        ServiceLevelExpectation(True)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="expected a number, got '10'"):
        ServiceLevelExpectation("10")  # type: ignore[arg-type]


def test_empty_attribute_values_are_refused():
    with pytest.raises(ValidationError, match="`attributes` keys and values must be non-empty"):
        WorkItem(id="A", requested_at=T0, attributes={"priority": ""})


def test_feedback_and_customer_fields():
    import datetime as dt

    from customer_kanban.model import Customer, Feedback, FeedbackKind

    f = Feedback(customer="C", at=dt.datetime(2024, 1, 2, 3), kind=FeedbackKind.IMPROVEMENT)
    assert Feedback.from_json(f.to_json()) == f
    assert f.to_dict()["kind"] == "improvement"
    with pytest.raises(ValueError, match=r"`score` must be a number \(not NaN\)"):
        Feedback(
            customer="C", at=dt.datetime(2024, 1, 1), kind=FeedbackKind.NEGATIVE, score=float("nan")
        )
    with pytest.raises(TypeError):
        Feedback(customer="C", at=dt.datetime(2024, 1, 1), kind="negative")
    with pytest.raises(ValueError, match=r"`attributes` keys and values must be non-empty"):
        Customer(id="C", attributes={"region": " "})
    aware = dt.datetime(2024, 1, 1, 12, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    assert Customer(id="C", acquired_at=aware).acquired_at.hour == 10


def test_cost_of_delay_and_allocation_validate_with_paths():
    from customer_kanban.model import ClassOfService, CostOfDelay, Policy, Workflow

    with pytest.raises(ValueError, match=r"`rate` must be >= 0"):
        CostOfDelay(rate=-1.0)
    with pytest.raises(ValueError, match=r"`growth` must be >= 0"):
        CostOfDelay(rate=1.0, growth=-0.1)
    wf = Workflow(["Backlog", "Doing", "Done"], "Doing", "Done")
    exp = ClassOfService(name="Expedite", urgency="expedite", cost_of_delay=CostOfDelay(rate=9.0))
    with pytest.raises(ValueError, match=r"`allocation` names unknown class of service 'Std'"):
        Policy(workflow=wf, classes_of_service=[exp], allocation={"Std": 0.5})
    with pytest.raises(ValueError, match=r"`allocation\['Expedite'\]` must lie in \(0, 1\]"):
        Policy(workflow=wf, classes_of_service=[exp], allocation={"Expedite": 1.5})
    good = Policy(workflow=wf, classes_of_service=[exp], allocation={"Expedite": 0.1})
    text = good.to_json().replace('"rate": 9.0', '"rate": -9.0')
    with pytest.raises(ValueError, match=r"@ \$\.classes_of_service\[0\]\.cost_of_delay"):
        Policy.from_json(text)


def test_policy_carries_acceptance_rules():
    from customer_kanban.model import AcceptanceRule, Policy, RuleKind, Workflow

    wf = Workflow(["Backlog", "Doing", "Done"], "Doing", "Done")
    rules = [
        AcceptanceRule(name="address given", kind=RuleKind.REQUIRED, field="address"),
        AcceptanceRule(name="due soon enough", kind="lead_days", field="due_at", days=3),
    ]
    p = Policy(workflow=wf, acceptance_rules=rules)
    assert Policy.from_json(p.to_json()) == p
    with pytest.raises(ValueError, match=r"acceptance_rules"):
        Policy(workflow=wf, acceptance_rules=[rules[0], rules[0]])
    bad = p.to_json().replace('"days": 3.0', '"days": "three"')
    with pytest.raises(ValueError, match=r"@ \$\.acceptance_rules\[1\]"):
        Policy.from_json(bad)


# ----------------------------------------------------------------- bad input (issue G)


def test_a_missing_instant_is_none_in_optional_fields_and_refused_in_required_ones():
    import numpy as np
    import pandas as pd

    for missing in (None, pd.NaT, np.datetime64("NaT"), float("nan")):
        item = WorkItem(id="A", requested_at=T0, committed_at=missing, due_at=missing)
        assert item.committed_at is None
        assert item.due_at is None
        assert WorkItem.from_json(item.to_json()) == item  # no "NaT" in the JSON
        assert BlockedInterval(T0, missing).end is None
    for missing in (pd.NaT, np.datetime64("NaT"), float("nan")):
        with pytest.raises(ValidationError, match=r"`requested_at` must be an instant, got"):
            WorkItem(id="A", requested_at=missing)
        with pytest.raises(ValidationError, match=r"`at` must be an instant"):
            Transition("a", missing)


@pytest.mark.parametrize(
    "value",
    [
        dt.datetime(9999, 12, 31),
        dt.datetime(1, 1, 1, tzinfo=dt.timezone(dt.timedelta(hours=5))),
        dt.datetime(1677, 9, 21),
        dt.datetime(2262, 4, 12),
    ],
)
def test_instants_outside_the_tables_range_are_refused(value):
    with pytest.raises(ValidationError, match=r"`requested_at` is outside the representable"):
        WorkItem(id="A", requested_at=value)
    with pytest.raises(ValidationError, match=r"`delivered_at` is outside the representable"):
        WorkItem(id="A", requested_at=T0, committed_at=T0, delivered_at=value)
    with pytest.raises(ValidationError, match=r"`start` is outside the representable"):
        BlockedInterval(value)


@pytest.mark.parametrize(
    ("make", "error", "match"),
    [
        (lambda: WorkItem(id="A", requested_at="2024-01-01"), TypeError, r"`requested_at` must"),
        (lambda: WorkItem(id="A", requested_at=T0, transitions=5), TypeError, r"`transitions`"),
        (
            lambda: WorkItem(id="A", requested_at=T0, transitions=["Doing"]),
            TypeError,
            r"`transitions` must hold Transition values; element 0 has type str",
        ),
        (lambda: WorkItem(id="A", requested_at=T0, attributes=[1]), TypeError, r"`attributes`"),
        (lambda: WorkItem(id="A", requested_at=T0, work_type="x"), TypeError, r"`work_type`"),
        (lambda: WorkItem(id="A\x00", requested_at=T0), ValidationError, r"`id` must not hold"),
        (lambda: Workflow("abc", "a", "c"), TypeError, r"`states` must be a sequence of strings"),
        (lambda: Workflow([1, 2], "1", "2"), TypeError, r"`states` element 0 must be a string"),
        (lambda: Workflow(5, "a", "b"), TypeError, r"`states` must be a sequence"),
        (
            lambda: Policy(workflow=Workflow(["a", "b"], "a", "b"), classes_of_service=["x"]),
            TypeError,
            r"`classes_of_service` must hold ClassOfService values",
        ),
        (lambda: Policy(workflow=None), TypeError, r"`workflow` must be a Workflow, got NoneType"),
        (
            lambda: Policy(workflow=Workflow(["a", "b"], "a", "b"), wip_limits=[("a", 1)]),
            TypeError,
            r"`wip_limits` must be a mapping",
        ),
        (lambda: ServiceLevelExpectation(5, "0.8"), TypeError, r"`probability`: expected a"),
        (lambda: Customer(id="C", internal=1), TypeError, r"`internal` must be True or False"),
        (
            lambda: ClassOfService(name="S", sle=5),
            TypeError,
            r"`sle` must be a ServiceLevelExpectation",
        ),
    ],
)
def test_wrong_types_name_the_field(make, error, match):
    with pytest.raises(error, match=match):
        make()


def test_numpy_numbers_are_numbers():
    import numpy as np

    from customer_kanban.model import CostOfDelay, Feedback, FeedbackKind

    sle = ServiceLevelExpectation(np.int64(5), np.float32(0.5))
    assert (sle.days, sle.probability) == (5.0, 0.5)
    assert type(sle.days) is float
    assert CostOfDelay(rate=np.int32(3)).rate == 3.0
    wf = Workflow(["a", "b"], "a", "b")
    policy = Policy(workflow=wf, wip_limits={"a": np.int64(3)})
    assert type(policy.wip_limits["a"]) is int
    assert Policy.from_json(policy.to_json()) == policy
    f = Feedback(customer="C", at=T0, kind=FeedbackKind.NEGATIVE, score=np.int64(7))
    assert type(f.score) is int
    assert Feedback.from_json(f.to_json()) == f
    assert Customer(id="C", internal=np.bool_(True)).internal is True


def test_infinite_amounts_and_scores_are_refused():
    from customer_kanban.model import CostOfDelay, Feedback, FeedbackKind

    with pytest.raises(ValidationError, match=r"`rate` must be >= 0 and finite"):
        CostOfDelay(rate=float("inf"))
    with pytest.raises(ValidationError, match=r"`growth` must be >= 0 and finite"):
        CostOfDelay(rate=1.0, growth=float("inf"))
    with pytest.raises(ValidationError, match=r"`score` must be finite"):
        Feedback(customer="C", at=T0, kind=FeedbackKind.NEGATIVE, score=float("-inf"))
