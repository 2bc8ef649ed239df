"""How each ingest convention changes the embedded demo's figures.

    python examples/ingest_conventions.py

Reads the embedded ServiceNow log as ``customer-kanban review --demo`` does, then once per
convention option (``order=``, ``requested=``, ``delivered="last"``, ``day_count="inclusive"``)
and prints what changes: the items whose transitions differ, the time in state that moves,
and the review's all-work line (delivered, customer and system lead-time percentiles, SLE
attainment, open requests).
"""

from __future__ import annotations

import warnings

import numpy as np

from customer_kanban.datasets import DEMO_AS_OF, incidents_path, incidents_policy
from customer_kanban.io import read_event_log
from customer_kanban.metrics import time_in_state
from customer_kanban.reviews import service_delivery_review

POLICY = incidents_policy()
READ = {
    "workflow": POLICY.workflow,
    "item": "number",
    "state": "incident_state",
    "at": "sys_updated_at",
    "at_format": "%d/%m/%Y %H:%M",
    "attributes": {"priority": "class_of_service", "caller_id": "customer"},
    "department": "assignment_group",
    "na_values": ("", "?"),
}
OPTIONS = {
    "documented defaults": ({}, {}),
    "order='sys_mod_count'": ({"order": "sys_mod_count"}, {}),
    "requested='opened_at'": ({"requested": "opened_at"}, {}),
    "delivered='last'": ({"delivered": "last"}, {}),
    "day_count='inclusive'": ({}, {"day_count": "inclusive"}),
}


def _table(options):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return read_event_log(incidents_path(), **READ, **options).table


def _days_in_state(table):
    """Days in each state of every item up to the demo's instant (delivered or not)."""
    tr = table.transitions
    end = np.full(len(table), np.datetime64(DEMO_AS_OF, "ns"))
    return time_in_state(tr.item, tr.state, tr.at, end, n_states=len(table.states))


def _transitions(table):
    """Each item's transitions (states and instants, in the table's order), one pass."""
    tr = table.transitions
    order = np.argsort(tr.item, kind="stable")
    cuts = np.searchsorted(tr.item[order], np.arange(1, len(table)))
    states = np.split(tr.state[order], cuts)
    at = np.split(tr.at[order], cuts)
    return [(s.tolist(), a.tolist()) for s, a in zip(states, at, strict=True)]


def main():
    base = _table({})
    base_days = _days_in_state(base)
    base_transitions = _transitions(base)
    print("| option | items changed | time in state moved (days) | delivered | customer LT "
          "p50/p85/p95 | system LT p50/p85/p95 | attainment | open requests |")  # fmt: skip
    print("|---|---:|---:|---:|---|---|---:|---:|")
    for name, (read_options, review_options) in OPTIONS.items():
        table = _table(read_options)
        days = _days_in_state(table)
        moves = _transitions(table)
        changed = sum(
            moves[k] != base_transitions[k]
            or table["requested_at"][k] != base["requested_at"][k]
            or str(table["delivered_at"][k]) != str(base["delivered_at"][k])
            for k in range(len(table))
        )
        moved = float(np.nansum(np.abs(days - base_days)))
        review = service_delivery_review(table, POLICY, as_of=DEMO_AS_OF, **review_options)
        line = review.rows[0]
        lt = " / ".join(f"{v:.2f}" for v in line.customer_lead_time)
        sys_lt = " / ".join(f"{v:.2f}" for v in line.system_lead_time)
        print(f"| {name} | {changed} | {moved:.1f} | {line.delivered} | {lt} | {sys_lt} | "
              f"{line.attainment:.3f} | {line.open_requests} |")  # fmt: skip


if __name__ == "__main__":
    main()
