"""Tests of `customer-kanban replenish --demo`."""

from __future__ import annotations

import json

import numpy as np

from customer_kanban.cli import main
from customer_kanban.datasets import (
    REPLENISHMENT_AS_OF,
    incidents_replenishment_policy,
    load_incidents,
)
from customer_kanban.policy import replenish


def test_demo_text(capsys):
    assert main(["replenish", "--demo", "--customer", "A. Caller"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Replenishment as of 2016-05-09 09:00 UTC, into 'Active'")
    assert "customer present: yes" in out
    assert "more waiting" in out
    # 350 requests upstream and 916 in progress (counted with pandas from the raw log);
    # 478 of those are in 'Active' (pandas, ordering same-minute rows by sys_mod_count
    # rather than by content, finds 481), so 500 - 478 = 22 slots are free.
    assert "22 pulled, 328 waiting, 0 refused, of 350 requests" in out
    assert "916 in progress" in out


def test_demo_refuses_a_request_without_category(capsys):
    # Only 7 incidents lack a category, all in the log's first ten days: INC0000829
    # waits upstream of 'Active' from 1 March 16:20 to 3 March 10:39.
    assert main(["replenish", "--demo", "--as-of", "2016-03-02T12:00"]) == 0
    out = capsys.readouterr().out
    assert "refuse INC0000829" in out
    assert "fails acceptance: category given" in out


def test_demo_json_is_the_policy_functions(capsys):
    assert main(["replenish", "--demo", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    table, _ = load_incidents()
    when = np.datetime64(REPLENISHMENT_AS_OF, "ns")
    seen = table["requested_at"] <= when
    started = table["committed_at"] <= when
    done = table["delivered_at"] <= when
    record = replenish(
        table.filter(seen & ~started & ~done),
        table.filter(started & ~done),
        incidents_replenishment_policy(),
        as_of=when,
    )
    assert [d["id"] for d in data["decisions"]] == [d.id for d in record.decisions]
    assert data["free_slots"] == record.free_slots == 22
    assert data["customer_present"] is False


def test_bad_as_of(capsys):
    assert main(["replenish", "--demo", "--as-of", "not a date"]) == 2
    assert capsys.readouterr().err.startswith("customer-kanban: error:")
