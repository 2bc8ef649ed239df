"""Tests of `customer-kanban journey --demo` and `customer-kanban assess`."""

from __future__ import annotations

import json

from customer_kanban.assess import MaturityEvidence, assess_maturity
from customer_kanban.cli import main
from customer_kanban.datasets import DEMO_AS_OF, load_incidents
from customer_kanban.reviews import customer_journey


def test_journey_demo_is_the_review(capsys):
    assert main(["journey", "--demo", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    table, policy = load_incidents()
    direct = customer_journey(table, workflow=policy, as_of=DEMO_AS_OF)
    assert data["reassignments"] == direct.reassignments.tolist()
    assert main(["journey", "--demo"]) == 0
    # The incidents requested by DEMO_AS_OF: ten weeks of arrivals (tests/datasets).
    assert capsys.readouterr().out.startswith("Customer journey of 19280 items")


def test_assess_file(tmp_path, capsys):
    path = tmp_path / "evidence.json"
    evidence = MaturityEvidence(work_visualised=True)
    path.write_text(evidence.to_json(), encoding="utf-8")
    assert main(["assess", str(path), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["level"] == assess_maturity(evidence).level.value == 1
    assert main(["assess", str(path), "--demo"]) == 0
    assert "What the data says" in capsys.readouterr().out
    path.write_text('{"work_visualised": "yes"}', encoding="utf-8")
    assert main(["assess", str(path)]) == 2
    assert "work_visualised" in capsys.readouterr().err
