"""Maturity assessment: level from declared practices, data checks from metric functions."""

import itertools
import math
import warnings

import attrs
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from customer_kanban import metrics
from customer_kanban.assess import (
    PRACTICES,
    REQUIRED_PRACTICES,
    MaturityAssessment,
    MaturityEvidence,
    assess_maturity,
)
from customer_kanban.datasets import load_incidents
from customer_kanban.errors import InsufficientDataWarning, ValidationError
from customer_kanban.model import MaturityLevel
from customer_kanban.reviews import sle_per_item
from customer_kanban.table import WorkItemTable

LEVELS = list(MaturityLevel)
subsets = st.sets(st.sampled_from(PRACTICES))


def level_of(practices):
    return assess_maturity(MaturityEvidence.from_practices(practices)).level


def reference_level(practices):
    """Simplest loop: climb while every practice of the next level is declared."""
    level = 0
    while level < 6 and set(REQUIRED_PRACTICES[MaturityLevel(level + 1)]) <= set(practices):
        level += 1
    return level


@pytest.fixture(scope="module")
def incidents():
    return load_incidents()


# ----------------------------------------------------------------- the mapping


def test_mapping_is_cumulative_and_covers_every_practice_once():
    assert REQUIRED_PRACTICES[MaturityLevel.ML0] == ()
    for lower, upper in itertools.pairwise(LEVELS):
        assert set(REQUIRED_PRACTICES[lower]) < set(REQUIRED_PRACTICES[upper])
    top = REQUIRED_PRACTICES[MaturityLevel.ML6]
    assert sorted(top) == sorted(PRACTICES)
    assert len(top) == len(set(top))


def test_mapping_is_read_only():
    with pytest.raises(TypeError):
        REQUIRED_PRACTICES[MaturityLevel.ML1] = ()  # type: ignore[index]


# ----------------------------------------------------------------- the level


def test_no_evidence_is_ml0():
    a = assess_maturity(MaturityEvidence())
    assert a.level is MaturityLevel.ML0
    assert a.evidence_for == ()
    assert a.next_level is MaturityLevel.ML1
    assert a.missing_for_next == ("work_visualised",)
    assert a.checks == ()
    assert a.as_of is None


@pytest.mark.parametrize("level", LEVELS)
def test_each_level_is_reached_with_exactly_its_mapping(level):
    a = assess_maturity(MaturityEvidence.from_practices(REQUIRED_PRACTICES[level]))
    assert a.level is level
    assert a.evidence_for == REQUIRED_PRACTICES[level]
    if level < MaturityLevel.ML6:
        nxt = MaturityLevel(level + 1)
        assert a.next_level is nxt
        added = tuple(p for p in REQUIRED_PRACTICES[nxt] if p not in REQUIRED_PRACTICES[level])
        assert a.missing_for_next == added
    else:
        assert a.next_level is None
        assert a.missing_for_next == ()


@pytest.mark.parametrize("level", LEVELS[1:])
def test_one_practice_short_drops_a_level(level):
    for dropped in REQUIRED_PRACTICES[level]:
        practices = [p for p in REQUIRED_PRACTICES[level] if p != dropped]
        assert level_of(practices) < level


def test_practices_above_a_gap_do_not_count():
    # everything but one ML2 practice: stuck at ML1, and the gap is what is missing
    practices = [p for p in PRACTICES if p != "wip_limits"]
    a = assess_maturity(MaturityEvidence.from_practices(practices))
    assert a.level is MaturityLevel.ML1
    assert a.missing_for_next == ("wip_limits",)


@given(subsets)
def test_level_matches_the_reference_and_missing_is_exact(practices):
    a = assess_maturity(MaturityEvidence.from_practices(practices))
    assert a.level == reference_level(practices)
    assert set(a.evidence_for) <= practices
    if a.next_level is not None:
        required = REQUIRED_PRACTICES[a.next_level]
        assert a.missing_for_next == tuple(p for p in required if p not in practices)
        assert a.missing_for_next  # otherwise the level would be higher


@given(subsets, subsets)
def test_more_evidence_never_lowers_the_level(a, extra):
    b = a | extra
    assert level_of(a) <= level_of(b)


# ----------------------------------------------------------------- evidence


def test_evidence_defaults_to_nothing_declared():
    e = MaturityEvidence()
    assert e.declared == ()
    assert all(getattr(e, p) is False for p in PRACTICES)
    assert e.notes is None


@given(subsets, st.none() | st.text(max_size=30))
def test_evidence_json_round_trip(practices, notes):
    e = MaturityEvidence.from_practices(practices, notes=notes)
    assert MaturityEvidence.from_json(e.to_json()) == e
    assert MaturityEvidence.from_dict(e.to_dict()) == e
    assert set(e.declared) == practices


def test_evidence_rejects_non_booleans_and_unknown_names():
    with pytest.raises(TypeError, match="wip_limits"):
        MaturityEvidence(wip_limits=1)  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match=r"expected true or false"):
        MaturityEvidence.from_dict({"wip_limits": "yes"})
    with pytest.raises(ValidationError, match=r"unknown key 'kanban'"):
        MaturityEvidence.from_dict({"kanban": True})
    with pytest.raises(ValidationError, match=r"unknown practice names \['kanban'\]"):
        MaturityEvidence.from_practices(["kanban"])
    with pytest.raises(TypeError, match="not one string"):
        MaturityEvidence.from_practices("wip_limits")


def test_assess_rejects_bad_arguments(incidents):
    table, policy = incidents
    with pytest.raises(TypeError, match="`evidence` must be a MaturityEvidence"):
        assess_maturity({"wip_limits": True})  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="`table` must be a WorkItemTable"):
        assess_maturity(MaturityEvidence(), table=policy)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="`policy` must be a Policy"):
        assess_maturity(MaturityEvidence(), policy=table)  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="`as_of` is given without a `table`"):
        assess_maturity(MaturityEvidence(), as_of="2016-03-01")
    with pytest.raises(ValidationError, match="`as_of` must be one instant"):
        assess_maturity(MaturityEvidence(), table=table, as_of=["2016-03-01", "2016-03-02"])


# ----------------------------------------------------------------- data checks


def expected_checks(table, policy):
    """The checks' values, from the metric functions called directly."""
    lead = (table["delivered_at"] - table["requested_at"]) / np.timedelta64(1, "D")
    days, probability = sle_per_item(table, policy)
    has = np.isfinite(days) & np.isfinite(lead)
    attained = metrics.sle_attainment(np.where(has, lead, np.nan), np.where(has, days, 1.0))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InsufficientDataWarning)
        ratio = metrics.tail_ratio(lead).ratio[0]
    customer = table["customer"]
    return {
        "customer_field_filled": np.mean([c is not None for c in customer]),
        "customer_recognisable_share": np.mean(table["customer_recognisable"]),
        "sles_met": attained.attainment[0],
        "predictability_tail_ratio": ratio,
        "sles_defined_per_class": np.mean([c.sle is not None for c in policy.classes_of_service]),
        "classes_of_service_defined": len(policy.classes_of_service),
        "wip_limits_set": len(policy.wip_limits),
    }, probability[has].mean()


@pytest.mark.parametrize("as_of", [None, "2016-03-07"])
def test_data_checks_equal_the_metric_functions(incidents, as_of):
    table, policy = incidents
    a = assess_maturity(MaturityEvidence(), table=table, policy=policy, as_of=as_of)
    seen = table if as_of is None else table.as_of(as_of)
    expected, target = expected_checks(seen, policy)
    assert sorted(c.name for c in a.checks) == sorted(expected)
    for name, value in expected.items():
        assert a.check(name).value == pytest.approx(float(value), nan_ok=True), name
    assert a.check("sles_met").confirms is bool(a.check("sles_met").value >= target)
    ratio = a.check("predictability_tail_ratio")
    assert ratio.confirms is (None if math.isnan(ratio.value) else ratio.value <= 5.6)
    # the demo: every incident names its caller; SLEs for every class; no WIP limits
    assert a.check("customer_field_filled").confirms is True
    assert a.check("sles_defined_per_class").confirms is True
    assert a.check("wip_limits_set").confirms is False
    # the recognisable flag is not recorded in the demo log: cannot tell
    assert a.check("customer_recognisable_share").confirms is None
    assert {c.practice for c in a.checks} <= set(PRACTICES)
    assert all(c.declared is False for c in a.checks)
    assert a.contradictions == ()  # nothing declared, nothing contradicted


def test_data_never_changes_the_level(incidents):
    table, policy = incidents
    for level in LEVELS:
        e = MaturityEvidence.from_practices(REQUIRED_PRACTICES[level])
        with_data = assess_maturity(e, table=table, policy=policy)
        assert with_data.level is assess_maturity(e).level is level
    top = assess_maturity(MaturityEvidence.from_practices(PRACTICES), table=table, policy=policy)
    # the whole log (all closed, up to a year later) misses its SLEs and is unpredictable
    assert [c.name for c in top.contradictions] == [
        "wip_limits_set",
        "sles_met",
        "predictability_tail_ratio",
    ]
    assert top.level is MaturityLevel.ML6
    assert all(c.declared and c.confirms is False for c in top.contradictions)


def test_checks_from_the_table_or_the_policy_alone(incidents):
    table, policy = incidents
    only_policy = assess_maturity(MaturityEvidence(), policy=policy)
    assert [c.name for c in only_policy.checks] == [
        "classes_of_service_defined",
        "wip_limits_set",
        "sles_defined_per_class",
    ]
    only_table = assess_maturity(MaturityEvidence(), table=table)
    assert [c.name for c in only_table.checks] == [
        "customer_field_filled",
        "customer_recognisable_share",
        "predictability_tail_ratio",
    ]
    with pytest.raises(KeyError, match="no data check 'sles_met'"):
        only_table.check("sles_met")


def test_small_or_empty_tables_cannot_tell():
    t = WorkItemTable.from_columns(
        {
            "id": ["A", "B", "C"],
            "requested_at": ["2024-01-01", "2024-01-02", "2024-01-03"],
            "committed_at": ["2024-01-02", None, "2024-01-04"],
            "delivered_at": ["2024-01-04", None, "2024-01-05"],
            "customer": ["acme", None, "acme"],
            "customer_recognisable": [True, True, False],
        }
    )
    a = assess_maturity(MaturityEvidence(), table=t)
    assert a.check("customer_field_filled").value == pytest.approx(2 / 3)
    assert a.check("customer_field_filled").confirms is False
    assert a.check("customer_recognisable_share").value == pytest.approx(2 / 3)
    assert a.check("customer_recognisable_share").confirms is True
    assert math.isnan(a.check("predictability_tail_ratio").value)
    assert a.check("predictability_tail_ratio").confirms is None
    empty = assess_maturity(MaturityEvidence(), table=t, as_of="2023-12-31")
    assert all(c.confirms is None for c in empty.checks)
    assert all(math.isnan(c.value) for c in empty.checks)


# ----------------------------------------------------------------- results


def test_render_shows_text_verbatim_and_html_escapes_it(incidents):
    table, policy = incidents
    notes = "board <b>seen</b> & 'photographed'"
    e = MaturityEvidence.from_practices(REQUIRED_PRACTICES[MaturityLevel.ML2], notes=notes)
    a = assess_maturity(e, table=table, policy=policy, as_of="2016-03-07")
    text = a.render()
    assert str(a) == text
    assert text.startswith("Kanban maturity: ML2 Defined\n")
    assert f"Notes: {notes}" in text
    assert "&amp;" not in text
    assert "&lt;" not in text
    assert "as of 2016-03-07 00:00 UTC" in text
    assert "Missing for ML3 Managed: classes_of_service" in text
    assert "wip_limits_set: 0 -> CONTRADICTS wip_limits (declared)" in text
    assert all(line == line.rstrip() for line in text.splitlines())
    page = a._repr_html_()
    assert page.startswith("<table")
    assert "Kanban maturity ML2 Defined" in page
    assert "board &lt;b&gt;seen&lt;/b&gt; &amp; &#x27;photographed&#x27;" in page
    assert "<td>wip_limits_set</td>" in page


def test_render_at_the_top_and_without_data():
    a = assess_maturity(MaturityEvidence.from_practices(PRACTICES))
    assert "Top of the model: no next level." in a.render()
    assert "What the data says" not in a.render()


def test_assessment_exports_to_json(incidents):
    table, policy = incidents
    e = MaturityEvidence(work_visualised=True)
    a = assess_maturity(e, table=table, policy=policy, as_of="2016-03-07")
    d = a.to_dict()
    assert d["level"] == 1
    assert d["as_of"] == "2016-03-07T00:00:00+00:00"
    assert MaturityEvidence.from_dict(d["evidence"]) == e
    assert {c["name"] for c in d["checks"]} >= {"sles_met", "predictability_tail_ratio"}
    assert '"NaN"' not in a.to_json()
    assert isinstance(a, MaturityAssessment)
    assert attrs.evolve(a) == a


# ----------------------------------------------------------------- bad input (issue G)


def test_evidence_fields_name_themselves():
    import numpy as np

    from customer_kanban.assess import MaturityEvidence

    assert MaturityEvidence(wip_limits=np.bool_(True)).wip_limits is True
    with pytest.raises(TypeError, match=r"`wip_limits` must be True or False, got 1"):
        MaturityEvidence(wip_limits=1)
    with pytest.raises(TypeError, match=r"`notes` must be a string or None, got int"):
        MaturityEvidence(notes=1)
    for practices in (None, 5):
        with pytest.raises(TypeError, match=r"`practices` must be an iterable of practice names"):
            MaturityEvidence.from_practices(practices)
