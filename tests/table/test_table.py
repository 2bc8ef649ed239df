"""WorkItemTable: construction, validation of every row, access, filtering, round trips."""

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from customer_kanban import Transition, ValidationError, WorkItem, WorkItemTable
from customer_kanban.testing import strategies as cks

STATES = ("Backlog", "Doing", "Review", "Done")


def _cols(**over):
    base = {
        "id": ["A", "B", "C", "D"],
        "requested_at": ["2024-01-01", "2024-01-02", "2024-01-03", "2024-01-04"],
        "committed_at": ["2024-01-02", "2024-01-03", None, "2024-01-05"],
        "delivered_at": ["2024-01-05", None, None, "2024-01-06"],
        "class_of_service": ["Standard", "Expedite", None, "Standard"],
        "customer": ["c1", "c2", "c1", ""],
    }
    base.update(over)
    return base


def test_columns_dtypes_and_labels():
    t = WorkItemTable.from_columns(_cols())
    assert len(t) == 4
    assert t["requested_at"].dtype == np.dtype("datetime64[ns]")
    assert np.isnat(t["delivered_at"]).tolist() == [False, True, True, False]
    assert t["class_of_service"].tolist() == ["Standard", "Expedite", None, "Standard"]
    codes, labels = t.codes("customer")
    assert codes.tolist() == [0, 1, 0, -1]
    assert labels.tolist() == ["c1", "c2"]
    assert "customer" in t
    assert "nope" not in t
    with pytest.raises(KeyError, match="no field 'nope'"):
        t["nope"]
    with pytest.raises(KeyError, match="not a categorical field"):
        t.codes("requested_at")


def test_arrays_are_read_only():
    t = WorkItemTable.from_columns(_cols())
    with pytest.raises(ValueError, match="read-only"):
        t["requested_at"][0] = np.datetime64("2020-01-01")


def test_validation_reports_every_offending_row():
    cols = _cols(
        committed_at=["2023-12-01", "2024-01-03", None, "2024-01-01"],
    )
    with pytest.raises(ValidationError) as info:
        WorkItemTable.from_columns(cols)
    assert str(info.value) == (
        "`committed_at` is before `requested_at` in 2 rows (row 0, item 'A'; row 3, item 'D')"
    )
    assert info.value.rows == (0, 3)
    assert info.value.items == ("A", "D")


@pytest.mark.parametrize(
    ("over", "match"),
    [
        (
            {"id": ["A", "B", "A", "B"]},
            r"`id` is repeated in 2 rows \(row 2, item 'A'; row 3, item 'B'\)",
        ),
        ({"id": ["A", None, "C", "D"]}, r"`id` is missing in 1 row \(row 1"),
        (
            {"requested_at": ["2024-01-01", None, "2024-01-03", "2024-01-04"]},
            r"`requested_at` is missing in 1 row \(row 1, item 'B'\)",
        ),
        (
            {"delivered_at": ["2024-01-01T12:00", None, "2024-01-09", "2024-01-06"]},
            r"`delivered_at` is set but `committed_at` is missing in 1 row \(row 2, item 'C'\)",
        ),
        (
            {"delivered_at": ["2024-01-01T12:00", None, None, "2024-01-06"]},
            r"`delivered_at` is before `committed_at` in 1 row \(row 0, item 'A'\)",
        ),
        ({"customer": ["a", "b"]}, r"`customer` has 2 rows, `id` has 4"),
    ],
)
def test_validation_rules(over, match):
    # Each case breaks one rule; the message names it with its rows.
    with pytest.raises(ValidationError, match=match):
        WorkItemTable.from_columns(_cols(**over))


def test_missing_required_columns():
    with pytest.raises(ValidationError, match="`columns` must hold `requested_at`"):
        WorkItemTable.from_columns({"id": ["A"]})


def test_pandas_dataframe_with_aware_timestamps():
    df = pd.DataFrame(_cols())
    df["requested_at"] = pd.to_datetime(df["requested_at"]).dt.tz_localize("Europe/Rome")
    t = WorkItemTable.from_columns(df)
    # Midnight in Rome in winter is 23:00 UTC the day before.
    assert t["requested_at"][0] == np.datetime64("2023-12-31T23:00", "ns")
    assert t["class_of_service"].tolist() == ["Standard", "Expedite", None, "Standard"]


def test_extra_columns_are_kept():
    t = WorkItemTable.from_columns(_cols(priority=["1", "2", "2", "3"], size=[1.0, 2.0, 3.0, 4.0]))
    assert t["priority"].tolist() == ["1", "2", "2", "3"]
    assert t["size"].tolist() == [1.0, 2.0, 3.0, 4.0]
    assert "priority" in t.categorical_fields


def test_transitions_and_first_entries_against_a_loop():
    cols = _cols()
    transitions = {
        "item": ["A", "A", "A", "A", "B", "D"],
        "state": ["Backlog", "Doing", "Backlog", "Doing", "Doing", "Done"],
        "at": ["2024-01-01", "2024-01-02", "2024-01-03", "2024-01-04", "2024-01-03", "2024-01-06"],
        "department": ["x", "y", None, "y", "z", None],
    }
    t = WorkItemTable.from_columns(cols, states=STATES, transitions=transitions)
    entries = t.first_entries()
    expected = np.full((4, 4), np.datetime64("NaT", "ns"))
    for i, s, a in zip(transitions["item"], transitions["state"], transitions["at"], strict=False):
        row, col = cols["id"].index(i), STATES.index(s)
        at = np.datetime64(a, "ns")
        if np.isnat(expected[row, col]) or at < expected[row, col]:
            expected[row, col] = at
    np.testing.assert_array_equal(entries, expected)
    assert t.transitions.item.tolist() == [0, 0, 0, 0, 1, 3]
    assert len(t.transitions) == 6


def test_transitions_must_name_known_items_and_states():
    with pytest.raises(
        ValidationError, match=r"`transitions.item` names items that are not in the table"
    ):
        WorkItemTable.from_columns(
            _cols(),
            states=STATES,
            transitions={"item": ["Z"], "state": ["Doing"], "at": ["2024-01-01"]},
        )
    with pytest.raises(ValidationError, match=r"not among the known labels"):
        WorkItemTable.from_columns(
            _cols(),
            states=STATES,
            transitions={"item": ["A"], "state": ["Nope"], "at": ["2024-01-01"]},
        )


def test_filter_keeps_transitions_with_their_items():
    items = [
        WorkItem(
            id=f"I{k}",
            requested_at=dt.datetime(2024, 1, 1 + k),
            transitions=[Transition("Doing", dt.datetime(2024, 1, 1 + k))],
        )
        for k in range(5)
    ]
    t = WorkItemTable.from_items(items, states=STATES)
    sub = t.filter(np.array([False, True, False, True, False]))
    assert sub.to_items() == [items[1], items[3]]
    assert t.filter([4, 0]).to_items() == [items[0], items[4]]
    with pytest.raises(ValidationError, match="`mask` must have 5 entries"):
        t.filter(np.array([True]))


@given(st.lists(cks.work_items(states=STATES), max_size=8, unique_by=lambda i: i.id))
def test_items_round_trip(items):
    t = WorkItemTable.from_items(items, states=STATES)
    assert t.to_items() == items
    assert len(t) == len(items)


@given(st.lists(cks.work_items(states=STATES), max_size=8, unique_by=lambda i: i.id), st.data())
def test_row_order_does_not_matter_for_content(items, data):
    perm = data.draw(st.permutations(range(len(items))))
    a = WorkItemTable.from_items(items, states=STATES)
    b = WorkItemTable.from_items([items[k] for k in perm], states=STATES)
    by_id = {i.id: i for i in b.to_items()}
    assert [by_id[i.id] for i in a.to_items()] == a.to_items()


def test_equals():
    a = WorkItemTable.from_columns(_cols())
    b = WorkItemTable.from_columns(_cols())
    c = WorkItemTable.from_columns(_cols(customer=["c1", "c2", "c1", "c3"]))
    assert a.equals(b)
    assert not a.equals(c)


def test_empty_table():
    t = WorkItemTable.from_items([])
    assert len(t) == 0
    assert t.first_entries().shape == (0, 0)
    assert t.to_items() == []


@given(
    st.lists(cks.work_items(states=STATES), max_size=8, unique_by=lambda i: i.id),
    cks.instants(max_days=400),
)
def test_as_of_matches_a_loop(items, when):
    t = WorkItemTable.from_items(items, states=STATES)
    past = t.as_of(np.datetime64(when.replace(tzinfo=None), "ns"))
    expected = []
    for it in items:  # the simplest reference: keep what was known at `when`
        if it.requested_at > when:
            continue

        def known(x):
            return x if x is not None and x <= when else None

        expected.append(
            WorkItem(
                id=it.id,
                requested_at=it.requested_at,
                committed_at=known(it.committed_at),
                delivered_at=known(it.delivered_at) if known(it.committed_at) else None,
                due_at=it.due_at,
                customer=it.customer,
                segment=it.segment,
                work_type=it.work_type,
                class_of_service=it.class_of_service,
                transitions=[x for x in it.transitions if x.at <= when],
                blocked=[
                    type(b)(b.start, known(b.end), reason=b.reason)
                    for b in it.blocked
                    if b.start <= when
                ],
                attributes=it.attributes,
            )
        )
    assert past.to_items() == expected


def test_validation_reports_every_rule_and_row_at_once():
    cols = _cols(
        id=["A", "B", "A", "D"],
        committed_at=["2023-12-01", "2024-01-03", None, "2024-01-05"],
        delivered_at=["2024-01-05", None, "2024-01-09", "2024-01-04"],
    )
    with pytest.raises(ValidationError) as info:
        WorkItemTable.from_columns(cols)
    assert str(info.value) == (
        "`id` is repeated in 1 row (row 2, item 'A'); "
        "`committed_at` is before `requested_at` in 1 row (row 0, item 'A'); "
        "`delivered_at` is set but `committed_at` is missing in 1 row (row 2, item 'A'); "
        "`delivered_at` is before `committed_at` in 1 row (row 3, item 'D')"
    )
    assert info.value.rows == (0, 2, 3)


def test_tz_aware_pandas_columns_with_missing_values():
    df = pd.DataFrame(
        {
            "id": ["a", "b"],
            "requested_at": pd.to_datetime(["2024-01-01 10:00", "2024-01-02 00:00"]).tz_localize(
                "Europe/Rome"
            ),
            "committed_at": pd.to_datetime(["2024-01-02", None], utc=True),
            "delivered_at": pd.to_datetime(["2024-01-03", None], utc=True),
            "customer": pd.array(["x", pd.NA], dtype="string"),
            "segment": pd.Categorical(["p", None]),
        }
    )
    t = WorkItemTable.from_columns(df)
    assert t["requested_at"][0] == np.datetime64("2024-01-01T09:00", "ns")
    assert np.isnat(t["committed_at"]).tolist() == [False, True]
    assert t["customer"].tolist() == ["x", None]
    assert t["segment"].tolist() == ["p", None]


def test_misspelt_fields_and_non_boolean_flags_are_rejected():
    with pytest.raises(
        ValidationError, match="`deliverd_at` looks like a misspelling of `delivered_at`"
    ):
        WorkItemTable.from_columns(_cols(deliverd_at=["2024-01-09"] * 4))
    with pytest.raises(
        ValidationError, match=r"`customer_recognisable` must hold booleans .* \(row 0; row 1\)"
    ):
        WorkItemTable.from_columns(
            _cols(customer_recognisable=np.array(["no", "False", True, False], dtype=object))
        )
    t = WorkItemTable.from_columns(_cols(customer_recognisable=[1, 0, 1, 1]))
    assert t["customer_recognisable"].tolist() == [True, False, True, True]


def test_filter_positions_are_checked():
    t = WorkItemTable.from_columns(_cols())
    assert t.filter([3, 1, 3])["id"].tolist() == ["B", "D"]
    with pytest.raises(
        ValidationError, match=r"`mask` positions must lie in \[0, 4\) in 1 row \(row 1\)"
    ):
        t.filter([0, 4])
    with pytest.raises(ValidationError, match=r"`mask` positions must lie in \[0, 4\)"):
        t.filter([-1])
    with pytest.raises(TypeError, match="`mask` must be booleans or integer positions"):
        t.filter([1.7])


def test_plural_extra_columns_are_not_misspellings():
    t = WorkItemTable.from_columns(_cols(customers=["x"] * 4, segments=["y"] * 4))
    assert t["customers"].tolist() == ["x"] * 4
    # A due date under another name would be read as text and never seen as due: refused.
    with pytest.raises(ValidationError, match="`due_date` looks like a misspelling of `due_at`"):
        WorkItemTable.from_columns(_cols(due_date=["2024-02-01"] * 4))


def test_unknown_and_missing_transition_states_name_the_parameter():
    with pytest.raises(
        ValidationError, match=r"`transitions.state`: values \['Gone'\] are not among"
    ):
        WorkItemTable.from_columns(
            _cols(),
            states=STATES,
            transitions={"item": ["A"], "state": ["Gone"], "at": ["2024-01-01"]},
        )
    with pytest.raises(ValidationError, match=r"`transitions.state` is missing in 1 row \(row 0\)"):
        WorkItemTable.from_columns(
            _cols(),
            states=STATES,
            transitions={"item": ["A"], "state": [None], "at": ["2024-01-01"]},
        )


# ----------------------------------------------------------------- bad input (issue G)


@pytest.mark.parametrize(
    ("values", "error", "match"),
    [
        (None, TypeError, r"`values` must be a one-dimensional array-like, got NoneType"),
        ({"a": 1}, TypeError, r"`values` must be a one-dimensional array-like, got dict"),
        (object(), TypeError, r"`values` must be a one-dimensional array-like, got object"),
        ("abc", TypeError, r"`values` must be a one-dimensional array-like, got str"),
        (np.zeros((2, 2)), ValidationError, r"`values` must be one-dimensional, got shape"),
        ([["a"], ["b", "c"]], ValidationError, r"`values` must be one-dimensional"),
    ],
)
def test_factorize_refuses_what_is_no_column(values, error, match):
    from customer_kanban.table import factorize

    with pytest.raises(error, match=match):
        factorize(values)


@pytest.mark.parametrize(
    "values",
    [
        ["D", "D\x00"],  # numpy's fixed-width text drops the trailing NUL
        np.array(["D", "D\x00"], dtype=object),
        np.array(["D", "a\x00b"]),  # an inner NUL survives in fixed-width text
        pd.Series(["D", "D\x00"]),
    ],
)
def test_labels_with_a_nul_character_are_refused_not_merged(values):
    from customer_kanban.table import factorize

    with pytest.raises(ValidationError, match=r"`values` must not hold a NUL character.*row 1"):
        factorize(values)


def test_ids_and_categories_with_a_nul_character_are_refused():
    with pytest.raises(ValidationError, match=r"`id` must not hold a NUL character"):
        WorkItemTable.from_columns(_cols(id=["A", "B", "D\x00", "D"]))
    with pytest.raises(ValidationError, match=r"`segment` must not hold a NUL character"):
        WorkItemTable.from_columns(_cols(segment=["s", "s\x00", None, "s"]))
    transitions = {"item": ["A", "A\x00"], "state": ["Doing", "Done"], "at": ["2024-01-02"] * 2}
    with pytest.raises(ValidationError, match=r"`transitions.item` must not hold a NUL"):
        WorkItemTable.from_columns(_cols(), states=STATES, transitions=transitions)


def test_float_ids_match_whole_number_ids_only():
    ids = {"id": [1, 2], "requested_at": ["2024-01-01", "2024-01-02"]}
    ok = {"item": [1.0, 2.0], "state": ["Doing", "Done"], "at": ["2024-01-03"] * 2}
    table = WorkItemTable.from_columns(ids, states=STATES, transitions=ok)
    assert table.transitions.item.tolist() == [0, 1]
    for item in ([1.7, 2.0], ["1.7", "2"], [np.nan, 2.0]):
        bad = {**ok, "item": item}
        with pytest.raises(ValidationError, match=r"`transitions.item` must hold the"):
            WorkItemTable.from_columns(ids, states=STATES, transitions=bad)
    with pytest.raises(ValidationError, match=r"`blocked.item` must hold the table's whole"):
        WorkItemTable.from_columns(ids, blocked={"item": [1.5], "start": ["2024-01-03"]})


def test_a_float_id_column_is_taken_as_whole_numbers_or_refused():
    table = WorkItemTable.from_columns({"id": [1.0, 2.0], "requested_at": ["2024-01-01"] * 2})
    assert table["id"].dtype == np.int64
    assert table["id"].tolist() == [1, 2]
    with pytest.raises(ValidationError, match=r"`id` must hold the table's whole-number ids"):
        WorkItemTable.from_columns({"id": [1.5, 2.0], "requested_at": ["2024-01-01"] * 2})


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"columns": [1, 2]}, TypeError, r"`columns` must be a mapping of column names"),
        ({"transitions": [1, 2]}, TypeError, r"`transitions` must be a mapping"),
        ({"blocked": "x"}, TypeError, r"`blocked` must be a mapping"),
        ({"columns": _cols(segment=5)}, TypeError, r"`segment` must be a one-dimensional"),
    ],
)
def test_from_columns_refuses_what_is_no_table(kwargs, error, match):
    with pytest.raises(error, match=match):
        WorkItemTable.from_columns(**{"columns": _cols(), "states": STATES, **kwargs})


@pytest.mark.parametrize("name", ["class_codes", "cost_of_delay_columns"])
def test_policy_columns_check_their_arguments_types(name):
    import customer_kanban.table as tbl
    from customer_kanban.datasets import load_incidents

    table, policy = load_incidents()
    func = getattr(tbl, name)
    with pytest.raises(TypeError, match=r"`table` must be a WorkItemTable, got dict"):
        func({"id": []}, policy)
    with pytest.raises(TypeError, match=r"`policy` must be a Policy, got NoneType"):
        func(table, None)


def test_from_items_and_states_check_their_types():
    with pytest.raises(TypeError, match=r"`items` must hold WorkItem values; element 0 has type"):
        WorkItemTable.from_items(["A"])
    with pytest.raises(TypeError, match=r"`items` must be an iterable of WorkItem values"):
        WorkItemTable.from_items(None)
    with pytest.raises(TypeError, match=r"`states` must be a sequence of state names, got str"):
        WorkItemTable.from_columns(_cols(), states="Doing")
    with pytest.raises(ValidationError, match=r"`states` must not hold a NUL character"):
        WorkItemTable.from_columns(_cols(), states=["Doing", "Done\x00"])
