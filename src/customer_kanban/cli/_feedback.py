"""``customer-kanban journey`` and ``customer-kanban assess``."""

from __future__ import annotations

import argparse
from typing import Any

__all__ = ["add_parsers", "run_assess", "run_journey"]


def add_parsers(sub: Any) -> None:
    """Add the ``journey`` and ``assess`` commands to the subparsers `sub`."""
    journey = sub.add_parser(
        "journey",
        help="print the customer journey between departments",
        description=(
            "The journey of the demo's incidents between departments: hand-offs, "
            "re-assignments, waiting per department and per hand-off, re-opens, ping-pong "
            "loops, and the steps that cost customers the most waiting."
        ),
    )
    journey.add_argument("--demo", action="store_true", required=True, help="use the embedded data")
    journey.add_argument("--as-of", help="instant of the review (default: the demo's)")
    journey.add_argument("--json", action="store_true", help="print JSON")
    assess = sub.add_parser(
        "assess",
        help="assess customer-awareness maturity (ML0-ML6) from declared practices",
        description=(
            "Read a MaturityEvidence JSON file (declared practices, true/false) and print the "
            "maturity level reached, the evidence for it and the practices missing for the "
            "next level; with --demo, also check the declarations against the demo data."
        ),
    )
    assess.add_argument("evidence", help="MaturityEvidence as JSON")
    assess.add_argument(
        "--demo", action="store_true", help="check the evidence against the embedded data"
    )
    assess.add_argument("--json", action="store_true", help="print JSON")


def run_journey(args: argparse.Namespace) -> str:
    """The customer journey of the demo, as text or JSON."""
    from customer_kanban._core.validation import as_instant_scalar
    from customer_kanban.datasets import DEMO_AS_OF, load_incidents
    from customer_kanban.reviews import customer_journey

    table, policy = load_incidents()
    when = as_instant_scalar(args.as_of or DEMO_AS_OF, name="--as-of")
    journey = customer_journey(table, workflow=policy, as_of=when)
    if args.json:
        return journey.to_json(indent=2)
    return journey.render()


def run_assess(args: argparse.Namespace) -> str:
    """The maturity assessment of the evidence file, as text or JSON."""
    from customer_kanban.assess import MaturityEvidence, assess_maturity
    from customer_kanban.cli._files import read_json_text

    evidence = MaturityEvidence.from_json(read_json_text(args.evidence, what="evidence"))
    table = policy = None
    as_of = None
    if args.demo:
        from customer_kanban.datasets import DEMO_AS_OF, load_incidents

        table, policy = load_incidents()
        as_of = DEMO_AS_OF
    result = assess_maturity(evidence, table=table, policy=policy, as_of=as_of)
    if args.json:
        return result.to_json(indent=2)
    return result.render()
