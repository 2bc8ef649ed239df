"""Every sort path of read_event_log (values with positions, packed argsort, lexsort) gives the
order of a plain sort: by item, instant, state."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from customer_kanban.io import read_event_log
from customer_kanban.model import Workflow

STATES = ("New", "Doing", "Done")
WF = Workflow(STATES, "Doing", "Done")
BASE = np.datetime64("1900-01-01", "ns").astype(np.int64)
# Whole minutes (positions fit beside the key), nanoseconds over a year (they do not: one
# packed argsort), and up to 200 years (item, instant and state do not fit in 63 bits: lexsort).
SCALES = {"minutes": (60 * 10**9, 10**4), "ns over a year": (1, 365 * 86_400 * 10**9),
          "200 years in ns": (1, 200 * 365 * 86_400 * 10**9)}  # fmt: skip


@settings(max_examples=60, deadline=None)
@given(
    scale=st.sampled_from(sorted(SCALES)),
    rows=st.lists(
        st.tuples(st.sampled_from("ABCDE"), st.sampled_from(STATES), st.integers(0, 2**62)),
        min_size=1,
        max_size=300,
    ),
)
def test_every_sort_path_equals_a_plain_sort(scale, rows):
    unit, span = SCALES[scale]
    at = np.array([BASE + (r[2] % span) * unit for r in rows], dtype=np.int64)
    log = {
        "item": [r[0] for r in rows],
        "state": [r[1] for r in rows],
        "at": at.view("datetime64[ns]"),
    }
    table = read_event_log(log, workflow=WF).table
    expected = []  # (item, state, instant) of each transition
    for item, when, state in sorted(
        (r[0], int(a), STATES.index(r[1])) for r, a in zip(rows, at.tolist(), strict=True)
    ):
        if not expected or expected[-1][:2] != (item, state):  # a repeat merges
            expected.append((item, state, when))
    ids = table["id"].tolist()
    tr = table.transitions
    got = list(
        zip(
            [ids[i] for i in tr.item.tolist()],
            tr.state.tolist(),
            tr.at.view(np.int64).tolist(),
            strict=True,
        )
    )
    assert got == expected
