"""``customer-kanban replenish``: a replenishment decision with its reasons."""

from __future__ import annotations

import argparse
from typing import Any

__all__ = ["add_parser", "run"]


def add_parser(sub: Any) -> None:
    """Add the ``replenish`` command to the subparsers `sub`."""
    p = sub.add_parser(
        "replenish",
        help="decide which requests to pull across the commitment point, with reasons",
        description=(
            "A replenishment of the demo backlog: free WIP in the commitment state, each "
            "class's capacity allocation, acceptance rules and cost of delay (CD3) decide "
            "which requests are pulled now; every choice and refusal is explained."
        ),
    )
    p.add_argument("--demo", action="store_true", required=True, help="use the embedded data")
    p.add_argument("--as-of", help="instant of the meeting (default 2016-05-09 09:00)")
    p.add_argument(
        "--customer",
        default="",
        help="name of the customer attending (default: none; the record says so)",
    )
    p.add_argument("--json", action="store_true", help="print JSON")


def run(args: argparse.Namespace) -> str:
    """The replenishment record for the parsed `args`, as text or JSON."""
    from customer_kanban._core.validation import as_instant_scalar
    from customer_kanban.datasets import (
        REPLENISHMENT_AS_OF,
        incidents_replenishment_policy,
        load_incidents,
    )
    from customer_kanban.policy import Attendee, replenish

    table, _ = load_incidents()
    policy = incidents_replenishment_policy()
    when = as_instant_scalar(args.as_of or REPLENISHMENT_AS_OF, name="--as-of")
    requested, committed, delivered = (
        table["requested_at"],
        table["committed_at"],
        table["delivered_at"],
    )
    seen = requested <= when
    started = committed <= when
    done = delivered <= when
    backlog = table.filter(seen & ~started & ~done)
    in_progress = table.filter(started & ~done)
    attendees = [Attendee(name="Service delivery manager", role="service delivery manager")]
    if args.customer:
        attendees.append(Attendee(name=args.customer, role="customer"))
    record = replenish(backlog, in_progress, policy, as_of=when, attendees=attendees)
    if args.json:
        return record.to_json(indent=2)
    shown = 10

    def line(d: Any) -> str:
        return f"  {d.decision:<6} {d.id:<14} {d.class_of_service:<16} {d.reason}"

    kinds = {
        k: [d for d in record.decisions if d.decision == k] for k in ("pull", "wait", "refuse")
    }
    lines = record.render().split("\n")[:4]  # date, attendees, free WIP, a blank line
    lines += [line(d) for d in kinds["pull"]] + [line(d) for d in kinds["wait"][:shown]]
    if len(kinds["wait"]) > shown:
        lines.append(f"  ... and {len(kinds['wait']) - shown} more waiting")
    lines += [line(d) for d in kinds["refuse"]]
    lines += [
        "",
        f"{len(kinds['pull'])} pulled, {len(kinds['wait'])} waiting, {len(kinds['refuse'])} "
        f"refused, of {len(record.decisions)} requests upstream of "
        f"{record.commitment_state!r}; {len(in_progress)} in progress "
        "(--json lists every decision).",
    ]
    return "\n".join(lines)
