"""evaluate_acceptance: equal to a plain loop over items and rules, hand cases, errors."""

import ast
import datetime as dt
import json
import math
import warnings
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import customer_kanban
from customer_kanban.errors import InsufficientDataWarning, ValidationError
from customer_kanban.model import WorkItem
from customer_kanban.model._acceptance import AcceptanceRule, RuleKind
from customer_kanban.policy import (
    AcceptanceResult,
    FailureCause,
    evaluate_acceptance,
    predicates,
    register_predicate,
    unregister_predicate,
)
from customer_kanban.table import WorkItemTable

T0 = dt.datetime(2024, 1, 1)
SEGMENTS = [None, "", "  ", "premium", "dilemma", "potential"]
ADDRESSES = [None, "", " ", "Via Roma 1", "Corso Italia 2"]
SIZES = [math.nan, -2.0, 0.0, 1.0, 2.5, 3.0, 10.0]
DAYS = [0, 0.25, 0.5, 1, 2, 7]


# Predicates: the vectorized form registered for the library, and the per-item form the
# reference loop calls.
def _big(table):
    return table["size"] > 2


def _premium_or_vip(table):
    codes, labels = table.codes("segment")
    premium = np.append(labels == "premium", False)[codes]
    return premium | table["vip"]


REFERENCE_PREDICATES = {
    "test-big": lambda row: not math.isnan(row["size"]) and row["size"] > 2,
    "test-premium-or-vip": lambda row: row["segment"] == "premium" or row["vip"],
}


@pytest.fixture(scope="module", autouse=True)
def _registered_predicates():
    register_predicate("test-big", _big)
    register_predicate("test-premium-or-vip", _premium_or_vip)
    yield
    unregister_predicate("test-big")
    unregister_predicate("test-premium-or-vip")


# ------------------------------------------------------------------ the reference loop
def _is_missing(value):
    return (
        value is None
        or (isinstance(value, float) and math.isnan(value))
        or (isinstance(value, str) and value.strip() == "")
    )


def _reference_cause(row, rule):
    """The cause code of one item under one rule, written as plainly as possible."""
    if rule.field is not None and rule.field not in row:
        return 1
    if rule.kind is RuleKind.PREDICATE:
        return 0 if REFERENCE_PREDICATES[rule.predicate](row) else 3
    value = row[rule.field]
    if _is_missing(value):
        if rule.kind is RuleKind.REQUIRED or not rule.allow_missing:
            return 2
        return 0
    if rule.kind is RuleKind.REQUIRED:
        ok = True
    elif rule.kind is RuleKind.ONE_OF:
        ok = value in rule.values
    elif rule.kind is RuleKind.RANGE:
        ok = (rule.minimum is None or value >= rule.minimum) and (
            rule.maximum is None or value <= rule.maximum
        )
    else:
        ok = value - row["requested_at"] >= dt.timedelta(days=rule.days)
    return 0 if ok else 3


def _reference(columns, rules, as_of=None):
    """(ids, passed, failures as (item, rule, cause) triples) by a loop over items and rules."""
    n = len(columns["id"])
    rows = [{name: columns[name][i] for name in columns} for i in range(n)]
    if as_of is not None:
        rows = [r for r in rows if r["requested_at"] <= as_of]
        for r in rows:
            for name in ("committed_at", "delivered_at"):
                if name in r and r[name] is not None and r[name] > as_of:
                    r[name] = None
    ids, passed, failures = [], [], []
    for i, row in enumerate(rows):
        ids.append(row["id"])
        ok = True
        for j, rule in enumerate(rules):
            cause = _reference_cause(row, rule)
            if cause:
                failures.append((i, j, cause))
                ok = False
        passed.append(ok)
    return ids, passed, failures


# ------------------------------------------------------------------------ strategies
# Offsets in minutes: random ones, and ones on and beside the lead-day thresholds of DAYS.
_EDGES = sorted({round(d * 1440) + k for d in DAYS for k in (-1, 0, 1)} - {-1})
_OFFSETS = st.integers(0, 20 * 1440) | st.sampled_from(_EDGES)


def _after(start, offsets):
    return offsets.map(lambda m: start + dt.timedelta(minutes=m))


@st.composite
def tables(draw, *, max_size=12):
    """Python columns (the reference's input) for a small random WorkItemTable."""
    n = draw(st.integers(0, max_size))
    requested = [draw(_after(T0, st.integers(0, 20 * 1440))) for _ in range(n)]
    committed, delivered, due = [], [], []
    for r in requested:
        c = draw(st.none() | _after(r, _OFFSETS))
        committed.append(c)
        delivered.append(None if c is None else draw(st.none() | _after(c, _OFFSETS)))
        due.append(draw(st.none() | _after(r, _OFFSETS | st.integers(-3 * 1440, 0))))
    columns = {
        "id": [f"I{i}" for i in range(n)],
        "requested_at": requested,
        "committed_at": committed,
        "delivered_at": delivered,
        "due_at": due,
        "segment": [draw(st.sampled_from(SEGMENTS)) for _ in range(n)],
        "size": [draw(st.sampled_from(SIZES)) for _ in range(n)],
        "qty": [draw(st.integers(-3, 20)) for _ in range(n)],
        "vip": [draw(st.booleans()) for _ in range(n)],
    }
    if draw(st.booleans()):  # the attribute column exists only when some item has it
        columns["address"] = [draw(st.sampled_from(ADDRESSES)) for _ in range(n)]
    return columns


def _table(columns):
    data = dict(columns)
    data["size"] = np.array(columns["size"], dtype=float)
    data["qty"] = np.array(columns["qty"], dtype=np.int64)
    data["vip"] = np.array(columns["vip"], dtype=bool)
    for name in ("segment", "address"):
        if name in data:
            data[name] = np.array(columns[name], dtype=object)
    return WorkItemTable.from_columns(data)


_TEXT = ["segment", "address", "ghost"]
_NUMBER = ["size", "qty", "ghost"]
_INSTANT = ["due_at", "committed_at", "delivered_at", "ghost"]
_ANY = ["segment", "address", "size", "qty", "due_at", "committed_at", "vip", "id", "ghost"]


@st.composite
def rule_lists(draw, *, max_size=6):
    rules = []
    for j in range(draw(st.integers(0, max_size))):
        kind = draw(st.sampled_from(RuleKind))
        name = f"r{j}"
        allow = draw(st.booleans())
        if kind is RuleKind.REQUIRED:
            rule = AcceptanceRule(name=name, kind=kind, field=draw(st.sampled_from(_ANY)))
        elif kind is RuleKind.ONE_OF:
            pool = ["premium", "dilemma", "potential", "Via Roma 1", "Corso Italia 2", "other"]
            rule = AcceptanceRule(
                name=name,
                kind=kind,
                field=draw(st.sampled_from(_TEXT)),
                values=draw(st.lists(st.sampled_from(pool), min_size=1, max_size=3, unique=True)),
                allow_missing=allow,
            )
        elif kind is RuleKind.RANGE:
            bound = st.none() | st.sampled_from([-1.0, 0.0, 1.0, 2.5, 3.0, 10.0])
            lo, hi = draw(bound), draw(bound)
            if lo is None and hi is None:
                lo = 1.0
            if lo is not None and hi is not None and lo > hi:
                lo, hi = hi, lo
            rule = AcceptanceRule(
                name=name,
                kind=kind,
                field=draw(st.sampled_from(_NUMBER)),
                minimum=lo,
                maximum=hi,
                allow_missing=allow,
            )
        elif kind is RuleKind.LEAD_DAYS:
            rule = AcceptanceRule(
                name=name,
                kind=kind,
                field=draw(st.sampled_from(_INSTANT)),
                days=draw(st.sampled_from(DAYS)),
                allow_missing=allow,
            )
        else:
            rule = AcceptanceRule(
                name=name,
                kind=kind,
                predicate=draw(st.sampled_from(sorted(REFERENCE_PREDICATES))),
                field=draw(st.none() | st.sampled_from(["size", "ghost"])),
            )
        rules.append(rule)
    return rules


def _check_against_reference(result, columns, rules, as_of=None):
    ids, passed, failures = _reference(columns, rules, as_of)
    assert result.ids.tolist() == ids
    assert result.passed.tolist() == passed
    got = list(
        zip(
            result.failures.item.tolist(),
            result.failures.rule.tolist(),
            result.failures.cause.tolist(),
            strict=True,
        )
    )
    assert got == failures  # same rows, same order: by item, then rule
    expected_counts = [sum(1 for _, j, _ in failures if j == k) for k in range(len(rules))]
    assert result.fail_counts.tolist() == expected_counts
    if ids:
        assert result.acceptance_rate == pytest.approx(sum(passed) / len(ids))
    for i, item_id in enumerate(ids):
        reasons = result.reasons(item_id)
        mine = [(j, c) for (k, j, c) in failures if k == i]
        assert len(reasons) == len(mine)
        for text, (j, c) in zip(reasons, mine, strict=True):
            assert text.startswith(f"{rules[j].name}: ")
            assert ("missing from the table" in text) == (c == 1)
            assert text.endswith("is missing") == (c == 2)


# ------------------------------------------------------------------ property tests
@given(tables(), rule_lists())
def test_equals_a_plain_loop_over_items_and_rules(columns, rules):
    table = _table(columns)
    if len(table):
        result = evaluate_acceptance(table, rules)
    else:
        with pytest.warns(InsufficientDataWarning):
            result = evaluate_acceptance(table, rules)
    _check_against_reference(result, columns, rules)


@given(tables(), rule_lists(), st.integers(-1440, 25 * 1440))
def test_as_of_equals_the_loop_over_items_requested_by_then(columns, rules, minutes):
    as_of = T0 + dt.timedelta(minutes=minutes)
    table = _table(columns)
    if any(r <= as_of for r in columns["requested_at"]):
        result = evaluate_acceptance(table, rules, as_of=as_of)
    else:
        with pytest.warns(InsufficientDataWarning):
            result = evaluate_acceptance(table, rules, as_of=as_of)
    assert result.as_of == as_of.replace(tzinfo=dt.timezone.utc)
    _check_against_reference(result, columns, rules, as_of)


@given(tables(), rule_lists(), st.randoms(use_true_random=False))
def test_invariant_to_row_order(columns, rules, random):
    order = list(range(len(columns["id"])))
    random.shuffle(order)
    shuffled = {name: [values[i] for i in order] for name, values in columns.items()}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InsufficientDataWarning)
        a = evaluate_acceptance(_table(columns), rules)
        b = evaluate_acceptance(_table(shuffled), rules)
    assert b.passed.tolist() == [a.passed[i] for i in order]
    assert b.fail_counts.tolist() == a.fail_counts.tolist()
    for item_id in columns["id"]:
        assert b.reasons(item_id) == a.reasons(item_id)


# ----------------------------------------------------------------------- hand cases
def _orders(with_address):
    """Seed 001: orders, one of them without a delivery address."""
    items = []
    for k, address in enumerate(with_address):
        attributes = {"address": address} if address else {}
        items.append(
            WorkItem(id=f"O-{k}", requested_at=T0 + dt.timedelta(days=k), attributes=attributes)
        )
    return WorkItemTable.from_items(items)


ADDRESS_RULE = AcceptanceRule(name="delivery address given", kind="required", field="address")


def test_the_order_without_a_delivery_address_is_caught_at_entry():
    table = _orders(["Via Roma 1", None, "Corso Italia 2", "Piazza Duomo 3"])
    result = evaluate_acceptance(table, [ADDRESS_RULE])
    assert result.passed.tolist() == [True, False, True, True]
    assert result.ids[~result.passed].tolist() == ["O-1"]
    assert result.reasons("O-1") == ["delivery address given: `address` is missing"]
    assert result.reasons("O-0") == []
    assert result.acceptance_rate == 0.75
    assert result.fail_counts.tolist() == [1]
    assert result.failures.cause.tolist() == [FailureCause.VALUE_MISSING]


def test_a_blank_address_counts_as_missing():
    table = WorkItemTable.from_columns(
        {
            "id": ["A", "B", "C"],
            "requested_at": ["2024-01-01"] * 3,
            "address": ["Via Roma 1", "   ", ""],
        }
    )
    result = evaluate_acceptance(table, [ADDRESS_RULE])
    assert result.passed.tolist() == [True, False, False]


def test_no_order_with_an_address_fails_every_order_with_field_missing():
    # from_items makes an attribute column only when some item has the attribute.
    table = _orders([None, None])
    assert "address" not in table
    result = evaluate_acceptance(table, [ADDRESS_RULE])
    assert result.passed.tolist() == [False, False]
    assert result.failures.cause.tolist() == [FailureCause.FIELD_MISSING] * 2
    assert result.reasons("O-0") == [
        "delivery address given: field `address` missing from the table"
    ]
    assert result.acceptance_rate == 0.0


@pytest.fixture
def everything_wrong():
    """One item breaking each kind of rule, one item passing them all."""
    table = WorkItemTable.from_columns(
        {
            "id": ["bad", "good"],
            "requested_at": ["2024-01-01", "2024-01-01"],
            "due_at": ["2024-01-03", "2024-01-10"],
            "segment": ["dilemma", "premium"],
            "size": [9.0, 2.0],
            "priority": [None, "high"],
        }
    )
    rules = [
        AcceptanceRule(name="address", kind="required", field="address"),
        AcceptanceRule(name="priority", kind="required", field="priority"),
        AcceptanceRule(name="segment", kind="one_of", field="segment", values=["premium"]),
        AcceptanceRule(name="priority level", kind="one_of", field="priority", values=["high"]),
        AcceptanceRule(name="size", kind="range", field="size", minimum=1, maximum=5),
        AcceptanceRule(name="size low", kind="range", field="size", minimum=9.5),
        AcceptanceRule(name="size high", kind="range", field="size", maximum=2.5),
        AcceptanceRule(name="lead", kind="lead_days", field="due_at", days=5),
        AcceptanceRule(name="lead half", kind="lead_days", field="due_at", days=2.5),
        AcceptanceRule(name="small", kind="predicate", predicate="test-small"),
    ]
    register_predicate("test-small", lambda t: t["size"] < 3)
    yield table, rules
    unregister_predicate("test-small")


def test_every_failure_reason_is_listed(everything_wrong):
    table, rules = everything_wrong
    result = evaluate_acceptance(table, rules)
    assert result.reasons("bad") == [
        "address: field `address` missing from the table",
        "priority: `priority` is missing",
        "segment: `segment` is not one of ['premium']",
        "priority level: `priority` is missing",
        "size: `size` is outside [1, 5]",
        "size low: `size` is below 9.5",
        "size high: `size` is above 2.5",
        "lead: `due_at` is less than 5 days after `requested_at`",
        "lead half: `due_at` is less than 2.5 days after `requested_at`",
        "small: predicate 'test-small' is false",
    ]
    assert result.reasons("good") == [
        "address: field `address` missing from the table",
        "size low: `size` is below 9.5",
    ]
    assert result.passed.tolist() == [False, False]
    assert result.fail_counts.tolist() == [2, 1, 1, 1, 1, 2, 1, 1, 1, 1]
    rows = result.failure_table()
    assert rows["id"].tolist() == ["bad"] * 10 + ["good"] * 2
    assert rows["reason"].tolist() == [*result.reasons("bad"), *result.reasons("good")]
    assert rows["rule"].tolist() == [r.name for r in rules] + ["address", "size low"]
    assert rows["cause"].tolist()[:4] == [
        "field_missing",
        "value_missing",
        "rule_broken",
        "value_missing",
    ]


def test_reasons_listed_match_the_failure_table(everything_wrong):
    table, rules = everything_wrong
    result = evaluate_acceptance(table, rules)
    rows = result.failure_table()
    for item_id in ("bad", "good"):
        assert result.reasons(item_id) == rows["reason"][rows["id"] == item_id].tolist()


def test_allow_missing_lets_an_absent_value_pass_but_not_a_wrong_one():
    table = WorkItemTable.from_columns(
        {
            "id": ["none", "early", "late"],
            "requested_at": ["2024-01-01"] * 3,
            "due_at": [None, "2024-01-02", "2024-01-30"],
        }
    )
    strict = AcceptanceRule(name="lead", kind="lead_days", field="due_at", days=3)
    lenient = AcceptanceRule(
        name="lead", kind="lead_days", field="due_at", days=3, allow_missing=True
    )
    assert evaluate_acceptance(table, [strict]).passed.tolist() == [False, False, True]
    assert evaluate_acceptance(table, [lenient]).passed.tolist() == [True, False, True]
    assert evaluate_acceptance(table, [strict]).reasons("none") == ["lead: `due_at` is missing"]


def test_lead_days_is_exact_at_the_boundary():
    table = WorkItemTable.from_columns(
        {
            "id": ["exact", "one ns short"],
            "requested_at": ["2024-01-01T00:00", "2024-01-01T00:00"],
            "due_at": np.array(
                ["2024-01-03T12:00:00.000000000", "2024-01-03T11:59:59.999999999"],
                dtype="datetime64[ns]",
            ),
        }
    )
    rule = AcceptanceRule(name="lead", kind="lead_days", field="due_at", days=2.5)
    assert evaluate_acceptance(table, [rule]).passed.tolist() == [True, False]


def test_a_huge_lead_is_never_met_and_does_not_overflow():
    table = WorkItemTable.from_columns(
        {"id": ["A"], "requested_at": ["2024-01-01"], "due_at": ["2200-01-01"]}
    )
    rule = AcceptanceRule(name="lead", kind="lead_days", field="due_at", days=1e9)
    assert evaluate_acceptance(table, [rule]).passed.tolist() == [False]


def test_as_of_hides_later_requests_and_later_instants():
    table = WorkItemTable.from_columns(
        {
            "id": ["A", "B", "C"],
            "requested_at": ["2024-01-01", "2024-01-02", "2024-01-09"],
            "committed_at": ["2024-01-03", "2024-01-08", None],
        }
    )
    committed = AcceptanceRule(name="committed", kind="required", field="committed_at")
    result = evaluate_acceptance(table, [committed], as_of="2024-01-05")
    assert result.ids.tolist() == ["A", "B"]
    assert result.passed.tolist() == [True, False]  # B's commitment was not known yet
    assert result.as_of == dt.datetime(2024, 1, 5, tzinfo=dt.timezone.utc)
    assert evaluate_acceptance(table, [committed]).passed.tolist() == [True, True, False]


def test_a_predicate_sees_the_table_as_of():
    seen = []

    def spy(table):
        seen.append(len(table))
        return np.ones(len(table), bool)

    register_predicate("test-spy", spy)
    try:
        table = _orders(["x", "y", "z"])
        rule = AcceptanceRule(name="spy", kind="predicate", predicate="test-spy")
        evaluate_acceptance(table, [rule], as_of=T0 + dt.timedelta(days=1))
        assert seen == [2]
    finally:
        unregister_predicate("test-spy")


def test_a_predicate_whose_field_is_missing_is_not_called():
    def boom(table):
        raise AssertionError("called")

    register_predicate("test-boom", boom)
    try:
        rule = AcceptanceRule(name="b", kind="predicate", predicate="test-boom", field="ghost")
        result = evaluate_acceptance(_orders(["x"]), [rule])
        assert result.reasons("O-0") == ["b: field `ghost` missing from the table"]
    finally:
        unregister_predicate("test-boom")


def test_no_rules_accept_everything():
    result = evaluate_acceptance(_orders(["x", None]), [])
    assert result.passed.tolist() == [True, True]
    assert result.acceptance_rate == 1.0
    assert len(result.failures) == 0
    assert result.fail_counts.tolist() == []


def test_integer_ids_are_found_by_value_or_text():
    table = WorkItemTable.from_columns(
        {"id": np.array([17, 42]), "requested_at": ["2024-01-01"] * 2, "address": [None, "x"]}
    )
    result = evaluate_acceptance(table, [ADDRESS_RULE])
    assert (
        result.reasons(17)
        == result.reasons("17")
        == ["delivery address given: `address` is missing"]
    )
    assert result.reasons(42) == []


def test_required_on_fields_that_cannot_be_missing():
    table = _orders(["x", None])
    rules = [
        AcceptanceRule(name="id", kind="required", field="id"),
        AcceptanceRule(name="flag", kind="required", field="customer_recognisable"),
        AcceptanceRule(name="requested", kind="required", field="requested_at"),
    ]
    assert evaluate_acceptance(table, rules).passed.all()


# --------------------------------------------------------------------- empty input
def test_empty_table_gives_nan_rate_and_a_warning():
    table = WorkItemTable.from_columns({"id": [], "requested_at": []})
    with pytest.warns(InsufficientDataWarning, match=r"`acceptance_rate` is NaN"):
        result = evaluate_acceptance(table, [ADDRESS_RULE])
    assert math.isnan(result.acceptance_rate)
    assert len(result) == 0
    assert result.fail_counts.tolist() == [0]
    assert "acceptance_rate=nan" in repr(result)
    assert json.loads(result.to_json())["acceptance_rate"] is None


def test_nothing_requested_by_as_of_gives_nan_rate_and_a_warning():
    with pytest.warns(InsufficientDataWarning, match=r"no request by `as_of`"):
        result = evaluate_acceptance(_orders(["x"]), [ADDRESS_RULE], as_of="2023-01-01")
    assert math.isnan(result.acceptance_rate)


# ------------------------------------------------------------------ results export
def test_result_exports_and_reads_well():
    table = _orders(["Via Roma 1", None])
    result = evaluate_acceptance(table, [ADDRESS_RULE])
    data = json.loads(result.to_json())
    assert data["ids"] == ["O-0", "O-1"]
    assert data["passed"] == [True, False]
    assert data["failures"] == {"item": [1], "rule": [0], "cause": [2]}
    assert data["fail_counts"] == [1]
    assert data["rules"] == [ADDRESS_RULE.to_dict()]
    assert data["acceptance_rate"] == 0.5
    assert data["as_of"] is None
    assert repr(result) == (
        "AcceptanceResult(items=2, passed=1, acceptance_rate=0.500, failures=1, "
        "fail_counts={'delivery address given': 1})"
    )
    assert repr(result.failures) == "AcceptanceFailures(1 rows)"
    html = result._repr_html_()
    assert "1 of 2 items pass (50.0%)" in html
    assert "<td>delivery address given</td><td>required</td><td>address</td><td>1</td>" in html
    assert result == evaluate_acceptance(table, [ADDRESS_RULE])
    assert isinstance(result, AcceptanceResult)


def test_result_arrays_are_aligned_and_typed():
    result = evaluate_acceptance(_orders(["x", None, None]), [ADDRESS_RULE])
    assert result.passed.dtype == bool
    assert result.failures.item.dtype == np.int64
    assert result.failures.rule.dtype == np.int64
    assert result.failures.cause.dtype == np.int8
    assert result.fail_counts.dtype == np.int64
    assert len(result) == result.passed.size == result.ids.size == 3


# ---------------------------------------------------------------------------- errors
def test_unknown_item_in_reasons():
    result = evaluate_acceptance(_orders(["x"]), [ADDRESS_RULE])
    with pytest.raises(ValidationError, match=r"`item_id` 'nope' is not among the 1 items"):
        result.reasons("nope")


@pytest.mark.parametrize(
    ("rule", "match"),
    [
        (
            AcceptanceRule(name="r", kind="range", field="segment", minimum=1),
            r"rule 'r': a `range` rule needs a number field; `segment` is a text field",
        ),
        (
            AcceptanceRule(name="r", kind="range", field="due_at", minimum=1),
            r"needs a number field; `due_at` is an instant field",
        ),
        (
            AcceptanceRule(name="r", kind="range", field="customer_recognisable", minimum=0),
            r"needs a number field; `customer_recognisable` is a bool field",
        ),
        (
            AcceptanceRule(name="r", kind="one_of", field="size", values=["1"]),
            r"rule 'r': a `one_of` rule needs a text field; `size` is a number field",
        ),
        (
            AcceptanceRule(name="r", kind="lead_days", field="segment", days=1),
            r"rule 'r': a `lead_days` rule needs an instant field; `segment` is a text field",
        ),
    ],
)
def test_a_kind_that_does_not_fit_the_field_type_raises(rule, match):
    table = WorkItemTable.from_columns(
        {
            "id": ["A"],
            "requested_at": ["2024-01-01"],
            "segment": ["premium"],
            "size": [1.0],
        }
    )
    with pytest.raises(ValidationError, match=match):
        evaluate_acceptance(table, [rule])


def test_bad_arguments():
    table = _orders(["x"])
    with pytest.raises(TypeError, match=r"`table` must be a WorkItemTable, got dict"):
        evaluate_acceptance({"id": ["A"]}, [ADDRESS_RULE])
    with pytest.raises(TypeError, match=r"put the one rule in a list"):
        evaluate_acceptance(table, ADDRESS_RULE)
    with pytest.raises(TypeError, match=r"`rules` must be a sequence of AcceptanceRule, got str"):
        evaluate_acceptance(table, "address")
    with pytest.raises(TypeError, match=r"position 1 holds dict"):
        evaluate_acceptance(table, [ADDRESS_RULE, {"name": "x"}])
    with pytest.raises(
        ValidationError,
        match=r"`rules` names must be unique; repeated: \['delivery address given'\]",
    ):
        evaluate_acceptance(table, [ADDRESS_RULE, ADDRESS_RULE])
    with pytest.raises(ValidationError, match=r"`as_of` must be one instant, got 2"):
        evaluate_acceptance(table, [ADDRESS_RULE], as_of=["2024-01-01", "2024-01-02"])
    with pytest.raises(ValidationError, match=r"`as_of` must be an instant, got NaT"):
        evaluate_acceptance(table, [ADDRESS_RULE], as_of=np.datetime64("NaT"))


# ------------------------------------------------------------------------- registry
def test_unknown_predicate_fails_at_evaluation_listing_the_registered_ones():
    rule = AcceptanceRule(name="r", kind="predicate", predicate="nope")  # fine as data
    with pytest.raises(
        ValidationError,
        match=r"rule 'r': unknown predicate 'nope'; registered predicates: "
        r"\['test-big', 'test-premium-or-vip'\]",
    ):
        evaluate_acceptance(_orders(["x"]), [rule])


def test_unknown_predicate_with_an_empty_registry(monkeypatch):
    from customer_kanban.policy import _acceptance

    monkeypatch.setattr(_acceptance, "_PREDICATES", {})
    rule = AcceptanceRule(name="r", kind="predicate", predicate="nope")
    with pytest.raises(ValidationError, match=r"no predicate is registered"):
        evaluate_acceptance(_orders(["x"]), [rule])


def test_register_replace_and_unregister():
    def f(table):
        return np.ones(len(table), bool)

    def g(table):
        return np.zeros(len(table), bool)

    assert register_predicate("test-f", f) is f
    try:
        assert predicates()["test-f"] is f
        assert register_predicate("test-f", f) is f  # the same function again: no-op
        with pytest.raises(
            ValidationError,
            match=r"a predicate named 'test-f' is already registered; pass `replace=True`",
        ):
            register_predicate("test-f", g)
        register_predicate("test-f", g, replace=True)
        rule = AcceptanceRule(name="r", kind="predicate", predicate="test-f")
        assert evaluate_acceptance(_orders(["x"]), [rule]).passed.tolist() == [False]
    finally:
        unregister_predicate("test-f")
    assert "test-f" not in predicates()
    with pytest.raises(ValidationError, match=r"`name` 'test-f' is not a registered predicate"):
        unregister_predicate("test-f")


def test_predicates_returns_a_sorted_copy():
    names = list(predicates())
    assert names == sorted(names)
    copy = predicates()
    copy["test-x"] = _big
    assert "test-x" not in predicates()


@pytest.mark.parametrize(
    ("args", "error", "match"),
    [
        ((3, _big), TypeError, r"`name` must be a string, got int"),
        (("  ", _big), ValidationError, r"`name` must be a non-empty string"),
        (("test-x", "not callable"), TypeError, r"`function` must be callable, got str"),
    ],
)
def test_register_refuses_bad_arguments(args, error, match):
    with pytest.raises(error, match=match):
        register_predicate(*args)


@pytest.mark.parametrize(
    ("function", "error", "match"),
    [
        (
            lambda t: np.zeros(len(t), int),
            TypeError,
            r"rule 'r': predicate 'test-bad' must return booleans, got an array of dtype int64",
        ),
        (
            lambda t: np.zeros(len(t) + 1, bool),
            ValidationError,
            r"must return one boolean per item \(1\), got shape \(2,\)",
        ),
        (lambda t: True, ValidationError, r"got shape \(\)"),
    ],
)
def test_a_predicate_must_return_one_boolean_per_item(function, error, match):
    register_predicate("test-bad", function)
    try:
        rule = AcceptanceRule(name="r", kind="predicate", predicate="test-bad")
        with pytest.raises(error, match=match):
            evaluate_acceptance(_orders(["x"]), [rule])
    finally:
        unregister_predicate("test-bad")


def test_rules_never_evaluate_text():
    # A predicate name that looks like code is just an unknown name.
    rule = AcceptanceRule(name="r", kind="predicate", predicate="__import__('os')")
    with pytest.raises(ValidationError, match=r"unknown predicate"):
        evaluate_acceptance(_orders(["x"]), [rule])


# ------------------------------------------------------------------------- layering
SRC = Path(customer_kanban.__file__).parent


def _layers_imported(path):
    found = set()
    package = ["customer_kanban", *path.relative_to(SRC).parent.parts]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            module = ".".join([*base, *([node.module] if node.module else [])])
            names = [f"{module}.{a.name}" for a in node.names]
        else:
            continue
        for name in names:
            parts = name.split(".")
            if parts[0] == "customer_kanban" and len(parts) > 1:
                found.add(parts[1])
    return found


def test_policy_imports_only_the_layers_below_it():
    allowed = {"errors", "_core", "model", "table", "metrics", "policy"}
    for path in (SRC / "policy").rglob("*.py"):
        assert _layers_imported(path) <= allowed, path.name


@pytest.mark.parametrize("layer", ["model", "table", "metrics", "reviews"])
def test_no_layer_below_or_beside_imports_policy(layer):
    for path in (SRC / layer).rglob("*.py"):
        assert "policy" not in _layers_imported(path), f"{layer}/{path.name}"


# ----------------------------------------------------------------- bad input (issue G)


def test_a_predicate_name_with_a_nul_character_is_refused():
    with pytest.raises(ValidationError, match=r"`name` must not hold a NUL character"):
        register_predicate("p\x00", lambda table: table["id"] == table["id"])
