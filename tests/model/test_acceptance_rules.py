"""AcceptanceRule: per-kind validation with pinned messages, and JSON round trips."""

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from customer_kanban.errors import ValidationError
from customer_kanban.model._acceptance import AcceptanceRule, RuleKind

# --------------------------------------------------------------------- strategies
_NAME = st.text(
    st.sampled_from("abcdefghijklmnopqrstuvwxyz ABC0123456789-_/àé'\"`"), min_size=1, max_size=12
).filter(lambda s: s.strip() != "")
_NUMBER = st.floats(allow_nan=False, allow_infinity=False, min_value=-1e9, max_value=1e9)


@st.composite
def acceptance_rules(draw: st.DrawFn) -> AcceptanceRule:
    """A valid rule of any kind, with every optional parameter of that kind exercised."""
    kind = draw(st.sampled_from(RuleKind))
    name = draw(_NAME)
    field = draw(_NAME)
    if kind is RuleKind.REQUIRED:
        return AcceptanceRule(name=name, kind=kind, field=field)
    allow_missing = draw(st.booleans())
    if kind is RuleKind.ONE_OF:
        values = draw(st.lists(_NAME, min_size=1, max_size=4, unique=True))
        return AcceptanceRule(
            name=name, kind="one_of", field=field, values=values, allow_missing=allow_missing
        )
    if kind is RuleKind.RANGE:
        lo, hi = draw(st.tuples(st.none() | _NUMBER, st.none() | _NUMBER))
        if lo is None and hi is None:
            lo = draw(_NUMBER)
        if lo is not None and hi is not None and lo > hi:
            lo, hi = hi, lo
        return AcceptanceRule(
            name=name, kind=kind, field=field, minimum=lo, maximum=hi, allow_missing=allow_missing
        )
    if kind is RuleKind.LEAD_DAYS:
        days = draw(st.floats(min_value=0, max_value=1e5) | st.integers(0, 365))
        return AcceptanceRule(
            name=name, kind=kind, field=field, days=days, allow_missing=allow_missing
        )
    return AcceptanceRule(
        name=name, kind=kind, field=draw(st.none() | _NAME), predicate=draw(_NAME)
    )


# ---------------------------------------------------------------------- round trips
@given(acceptance_rules())
def test_json_round_trip(rule):
    assert AcceptanceRule.from_json(rule.to_json()) == rule
    assert AcceptanceRule.from_dict(json.loads(rule.to_json())) == rule
    assert hash(AcceptanceRule.from_dict(rule.to_dict())) == hash(rule)


@given(st.lists(acceptance_rules(), max_size=5))
def test_json_round_trip_of_a_list(rules):
    text = json.dumps([r.to_dict() for r in rules])
    assert [AcceptanceRule.from_dict(d) for d in json.loads(text)] == rules


def test_dict_form_is_plain_and_hand_writable():
    rule = AcceptanceRule(name="segment", kind=RuleKind.ONE_OF, field="segment", values=["a"])
    assert rule.to_dict() == {
        "name": "segment",
        "kind": "one_of",
        "field": "segment",
        "values": ["a"],
        "minimum": None,
        "maximum": None,
        "days": None,
        "predicate": None,
        "allow_missing": False,
    }
    # A hand-written document names only what the kind uses.
    short = AcceptanceRule.from_json(
        '{"name": "segment", "kind": "one_of", "field": "segment", "values": ["a"]}'
    )
    assert short == rule


def test_constructor_normalises_types():
    rule = AcceptanceRule(name="size", kind="range", field="size", minimum=1, maximum=3)
    assert rule.kind is RuleKind.RANGE
    assert rule.minimum == 1.0
    assert isinstance(rule.minimum, float)
    assert AcceptanceRule(name="v", kind="one_of", field="f", values=["a", "b"]).values == (
        "a",
        "b",
    )
    lead = AcceptanceRule(name="lead", kind="lead_days", field="due_at", days=0)
    assert lead.days == 0.0
    assert AcceptanceRule(name="p", kind="predicate", predicate="custom").field is None


# ---------------------------------------------------------------- validation errors
@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"kind": "bogus", "field": "f"}, r"one of \['required', 'one_of', 'range'"),
        ({"kind": "required"}, r"rule 'r': a `required` rule needs `field`"),
        ({"kind": "one_of", "field": "f"}, r"a `one_of` rule needs `values` \(at least one\)"),
        ({"kind": "one_of", "field": "f", "values": []}, r"needs `values` \(at least one\)"),
        (
            {"kind": "one_of", "field": "f", "values": ["a", " "]},
            r"`values` must be non-blank \(a blank value counts as missing\)",
        ),
        (
            {"kind": "one_of", "field": "f", "values": ["a", "b", "a"]},
            r"`values` must be unique; repeated: \['a'\]",
        ),
        ({"kind": "range", "field": "f"}, r"a `range` rule needs `minimum`, `maximum` or both"),
        (
            {"kind": "range", "field": "f", "minimum": 3, "maximum": 1},
            r"`minimum` must not exceed `maximum` \(got 3.0 > 1.0\)",
        ),
        (
            {"kind": "range", "field": "f", "minimum": float("nan")},
            r"`minimum` must be finite \(got nan\)",
        ),
        (
            {"kind": "range", "field": "f", "maximum": float("inf")},
            r"`maximum` must be finite \(got inf\)",
        ),
        ({"kind": "lead_days", "field": "due_at"}, r"a `lead_days` rule needs `days`"),
        (
            {"kind": "lead_days", "field": "due_at", "days": -1},
            r"`days` must be finite and >= 0 \(got -1.0\)",
        ),
        (
            {"kind": "lead_days", "field": "due_at", "days": float("inf")},
            r"`days` must be finite and >= 0 \(got inf\)",
        ),
        ({"kind": "predicate"}, r"a `predicate` rule needs `predicate`, the name of a registered"),
        (
            {"kind": "required", "field": "f", "values": ["a"]},
            r"rule 'r': a `required` rule does not use `values` \(it takes no parameters\)",
        ),
        (
            {"kind": "one_of", "field": "f", "values": ["a"], "minimum": 1, "days": 2},
            r"a `one_of` rule does not use `minimum`, `days` \(it takes `values`\)",
        ),
        (
            {"kind": "range", "field": "f", "minimum": 1, "predicate": "p"},
            r"a `range` rule does not use `predicate` \(it takes `minimum`, `maximum`\)",
        ),
        (
            {"kind": "lead_days", "field": "f", "days": 1, "maximum": 2},
            r"a `lead_days` rule does not use `maximum` \(it takes `days`\)",
        ),
        (
            {"kind": "predicate", "predicate": "p", "values": ["x"]},
            r"a `predicate` rule does not use `values` \(it takes `predicate`\)",
        ),
        (
            {"kind": "required", "field": "f", "allow_missing": True},
            r"`allow_missing` does not apply to a `required` rule",
        ),
        (
            {"kind": "predicate", "predicate": "p", "allow_missing": True},
            r"`allow_missing` does not apply to a `predicate` rule",
        ),
        ({"kind": "required", "field": " "}, r"`field` must be a non-empty string"),
        ({"kind": "predicate", "predicate": ""}, r"`predicate` must be a non-empty string"),
    ],
)
def test_invalid_rules_are_refused_with_the_rule_named(kwargs, match):
    with pytest.raises(ValidationError, match=match):
        AcceptanceRule(name="r", **kwargs)
    # The same document through JSON is refused with the same reason.
    with pytest.raises(ValidationError, match=match):
        AcceptanceRule.from_dict({"name": "r", **kwargs})


def test_unknown_kind_lists_the_kinds():
    with pytest.raises(
        ValidationError,
        match=r"`kind` must be one of \['required', 'one_of', 'range', 'lead_days', 'predicate'\], "
        r"got 'bogus'",
    ):
        AcceptanceRule(name="r", kind="bogus", field="f")


def test_blank_name_is_refused():
    with pytest.raises(ValidationError, match=r"`name` must be a non-empty string"):
        AcceptanceRule(name="  ", kind="required", field="f")


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"kind": "one_of", "field": "f", "values": "abc"}, r"got the string 'abc'"),
        ({"kind": "one_of", "field": "f", "values": ["a", 3]}, r"`values` must hold strings"),
        ({"kind": "range", "field": "f", "minimum": "3"}, r"expected a number or None, got '3'"),
        ({"kind": "range", "field": "f", "minimum": True}, r"expected a number or None"),
        ({"kind": "lead_days", "field": "f", "days": "5"}, r"expected a number or None"),
        ({"kind": "one_of", "field": 3, "values": ["a"]}, r"`field` must be a string"),
        ({"kind": "range", "field": "f", "minimum": 1, "allow_missing": 1}, r"True or False"),
    ],
)
def test_wrong_types_are_type_errors(kwargs, match):
    with pytest.raises(TypeError, match=match):
        AcceptanceRule(name="r", **kwargs)


@pytest.mark.parametrize(
    ("document", "match"),
    [
        (
            {"name": "r", "kind": "required", "field": "f", "colour": "red"},
            r"unknown key 'colour' @ \$\.colour",
        ),
        ({"name": "r", "kind": "nope", "field": "f"}, r"expected one of \[.*\] @ \$\.kind"),
        ({"name": "r", "kind": "range", "field": "f", "minimum": "1"}, r"@ \$\.minimum"),
        ({"name": "r", "kind": "one_of", "field": "f", "values": "ab"}, r"@ \$\.values"),
        ({"kind": "required", "field": "f"}, r"required field missing @ \$\.name"),
        ({"name": "r", "kind": "one_of", "field": "f"}, r"needs `values` .* @ \$"),
    ],
)
def test_bad_documents_name_the_path(document, match):
    with pytest.raises(ValidationError, match=match):
        AcceptanceRule.from_dict(document)


def test_rules_are_frozen_and_hashable():
    rule = AcceptanceRule(name="a", kind="required", field="address")
    with pytest.raises(AttributeError):
        rule.name = "b"  # type: ignore[misc]
    assert len({rule, AcceptanceRule(name="a", kind="required", field="address")}) == 1
