"""The work items of ``review``, ``ops`` and ``forecast``: the demo, or a file as the options say.

Every option is checked against the source: an option that cannot apply (a column name with
``--demo``, ``--sle`` beside ``--policy``, ``--engine`` with a Jira export) is an error, never
ignored.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable
from typing import Any

import numpy as np

from customer_kanban._core.validation import as_instant_scalar
from customer_kanban.cli import _files, _progress
from customer_kanban.errors import CustomerKanbanError
from customer_kanban.model import ClassOfService, Policy, ServiceLevelExpectation, Workflow
from customer_kanban.table import WorkItemTable

__all__ = ["UsageError", "add_source_options", "as_of", "load"]

FORMATS = ("events", "jira", "ado", "actionable-agile")
#: The label of every item's class when --sle is given for a table without classes of service.
ALL_WORK = "all work"


def positive_days(text: str) -> float:
    """An argparse type: a number of days > 0."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (value > 0 and math.isfinite(value)):
        raise argparse.ArgumentTypeError(f"expected a number of days > 0, got {text!r}")
    return value


class UsageError(Exception):
    """A bad option or argument: one line, exit status 2."""


def add_source_options(parser: argparse.ArgumentParser) -> None:
    """The options naming the data: --demo, or a file and how to read it."""
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument(
        "file", nargs="?", help="the work items: an event log CSV (one row per state change) "
        "or a tracker export (--format)",
    )  # fmt: skip
    source.add_argument(
        "--demo", action="store_true", help="use the embedded ServiceNow incident log"
    )
    parser.add_argument(
        "--format",
        choices=FORMATS,
        help="what FILE is: an event log CSV (events, the default), Jira's search JSON with "
        "changelogs (jira), Azure DevOps updates or revisions JSON (ado), or ActionableAgile's "
        "CSV (actionable-agile)",
    )
    parser.add_argument("--item", help="column of the item id (events)")
    parser.add_argument("--state", help="column of the state entered (events)")
    parser.add_argument("--at", help="column of the instant of the change (events)")
    parser.add_argument("--states", help="workflow states in order, comma-separated")
    parser.add_argument("--commit", help="the commitment point (a state)")
    parser.add_argument("--deliver", help="the delivery point (a state)")
    parser.add_argument(
        "--active", help="active states, comma-separated (default: commit..deliver)"
    )
    parser.add_argument(
        "--at-format",
        help='strptime format of the instants, e.g. "%%d/%%m/%%Y %%H:%%M" (default ISO 8601)',
    )
    parser.add_argument(
        "--class-of-service", dest="cos", help="column holding the class of service"
    )
    parser.add_argument("--customer", help="column holding the customer")
    parser.add_argument("--segment", help="column holding the customer segment")
    parser.add_argument(
        "--field",
        action="append",
        metavar="TABLE=SOURCE",
        help="read the table's field TABLE (e.g. work_type) from the column or tracker field "
        "SOURCE (e.g. customfield_10010); repeatable",
    )
    parser.add_argument(
        "--state-map",
        action="append",
        metavar="FROM=TO",
        help="read the source's state FROM as the workflow state TO; repeatable",
    )
    parser.add_argument("--department", help="column holding the department of each change")
    parser.add_argument(
        "--order", help="column of event sequence numbers: events at one instant in this order"
    )
    parser.add_argument(
        "--requested", help="column of request instants (default: an item's first event)"
    )
    parser.add_argument(
        "--delivered",
        choices=("first", "last"),
        help="a re-opened item is delivered at its first (default) or last entry into delivery",
    )
    parser.add_argument(
        "--engine",
        choices=("auto", "arrow", "numpy"),
        help="CSV engine: arrow (pyarrow, multi-threaded), numpy, or auto (default: arrow "
        "when installed)",
    )
    parser.add_argument(
        "--sle",
        help="SLE for every class (for all work when the data has no classes of service), "
        "DAYS or DAYS@PROBABILITY, e.g. 10@0.85",
    )
    parser.add_argument(
        "--policy", help="a Policy as JSON (instead of --states/--commit/--deliver/--sle)"
    )
    parser.add_argument(
        "--as-of", help="ISO 8601 instant of the review (default: the last event; demo: 2016-05-09)"
    )
    _files.add_csv_options(parser)
    parser.add_argument(
        "--quiet", action="store_true", help="no progress bar on a terminal for long inputs"
    )
    parser.add_argument("--json", action="store_true", help="print JSON instead of text")


# Options that describe how FILE is read, and the formats each applies to.
_READING: dict[str, tuple[str, tuple[str, ...]]] = {
    "format": ("--format", FORMATS),
    "item": ("--item", ("events",)),
    "state": ("--state", ("events",)),
    "at": ("--at", ("events",)),
    "at_format": ("--at-format", ("events", "actionable-agile")),
    "cos": ("--class-of-service", FORMATS),
    "customer": ("--customer", FORMATS),
    "segment": ("--segment", FORMATS),
    "field": ("--field", FORMATS),
    "state_map": ("--state-map", ("events", "jira", "ado")),
    "department": ("--department", ("events",)),
    "order": ("--order", ("events",)),
    "requested": ("--requested", ("events",)),
    "delivered": ("--delivered", ("events",)),
    "engine": ("--engine", ("events",)),
    "delimiter": ("--delimiter", ("events", "actionable-agile")),
    "field_limit": ("--field-limit", ("events", "actionable-agile")),
    "input_limit": ("--input-limit", FORMATS),
}
_WORKFLOW = {"states": "--states", "commit": "--commit", "deliver": "--deliver",
             "active": "--active"}  # fmt: skip


def _given(args: argparse.Namespace, dest: str) -> bool:
    """Whether the user gave the option (its value is not the parser's default)."""
    value = getattr(args, dest, None)
    return value is not None and value is not False and value != _files.CSV_DEFAULTS.get(dest)


def check_options(args: argparse.Namespace) -> str:
    """The format of the source, once every option given is known to apply to it."""
    fmt = "demo" if args.demo else (args.format or "events")
    for dest, (option, formats) in _READING.items():
        if _given(args, dest) and fmt not in formats:
            where = "--demo" if args.demo else f"--format {fmt}"
            raise UsageError(f"{option} does not apply to {where}")
    for dest, option in _WORKFLOW.items():
        if _given(args, dest) and (args.demo or args.policy):
            raise UsageError(
                f"{option} does not apply with {'--demo' if args.demo else '--policy'}: "
                + ("the demo has its workflow" if args.demo else "the policy holds the workflow")
            )
    if _given(args, "sle") and args.policy:
        raise UsageError("--sle does not apply with --policy: the policy holds the SLEs")
    return fmt


def sle(text: str | None) -> ServiceLevelExpectation | None:
    """The --sle option, ``DAYS`` or ``DAYS@PROBABILITY``."""
    if text is None:
        return None
    days, _, prob = text.partition("@")
    try:
        return ServiceLevelExpectation(float(days), float(prob) if prob else 0.85)
    except (TypeError, ValueError) as exc:
        raise UsageError(
            f"--sle {text!r}: expected DAYS or DAYS@PROBABILITY, e.g. 10@0.85 ({exc})"
        ) from exc


def as_of(text: object) -> np.datetime64:
    """The --as-of option, an ISO 8601 instant."""
    try:
        return as_instant_scalar(text, name="--as-of")
    except (TypeError, ValueError) as exc:
        raise UsageError(f"--as-of {text!r} is not an ISO 8601 instant") from exc


def _split(text: str | None, option: str) -> list[str]:
    if not text:
        raise UsageError(f"{option} is required with FILE")
    return [s.strip() for s in text.split(",") if s.strip()]


def _user_policy(args: argparse.Namespace) -> Policy | None:
    """The policy named by --policy, or None; errors name the option."""
    if not args.policy:
        return None
    text = _files.read_json_text(args.policy, what="--policy")
    try:
        return Policy.from_json(text)
    except ValueError as exc:
        raise UsageError(f"--policy {args.policy}: {exc}") from exc


def _user_workflow(args: argparse.Namespace) -> Workflow:
    states = _split(args.states, "--states")
    for option, value in (("--commit", args.commit), ("--deliver", args.deliver)):
        if not value:
            raise UsageError(f"{option} is required with FILE")
        if value not in states:
            raise UsageError(f"{option} {value!r} is not one of --states {states}")
    try:
        return Workflow(
            states,
            args.commit,
            args.deliver,
            active_states=_split(args.active, "--active") if args.active else None,
        )
    except ValueError as exc:
        raise UsageError(f"--states/--commit/--deliver/--active: {exc}") from exc


def _pairs(texts: list[str] | None, option: str, example: str) -> list[tuple[str, str]]:
    """``A=B`` option values as pairs, split on the first ``=``."""
    out = []
    for text in texts or ():
        left, sep, right = text.partition("=")
        left, right = left.strip(), right.strip()
        if not sep or not left or not right:
            raise UsageError(f"{option} {text!r}: expected {example}")
        out.append((left, right))
    return out


def state_map(args: argparse.Namespace) -> dict[str, str] | None:
    """The --state-map pairs, FROM -> TO."""
    pairs = _pairs(args.state_map, "--state-map", "FROM=TO, e.g. 'Waiting=In Progress'")
    return dict(pairs) or None


def fields(args: argparse.Namespace) -> dict[str, str]:
    """Table field -> source column or tracker field, from the shortcuts and --field."""
    out = {
        field: column
        for column, field in (
            (args.cos, "class_of_service"),
            (args.customer, "customer"),
            (args.segment, "segment"),
        )
        if column
    }
    for table_field, source in _pairs(args.field, "--field", "TABLE=SOURCE, e.g. work_type=Type"):
        if table_field in out:
            raise UsageError(f"--field {table_field}={source}: the field is given twice")
        out[table_field] = source
    return out


def load(
    args: argparse.Namespace,
) -> tuple[WorkItemTable, Policy, np.datetime64, dict[str, object]]:
    """The table, policy and instant named by the options, plus extra JSON (rejected rows)."""
    fmt = check_options(args)
    if fmt == "demo":
        from customer_kanban.datasets import (
            DEMO_AS_OF,
            incidents_replenishment_policy,
            load_incidents,
        )

        table, _ = load_incidents()
        policy = policy_with_sle(
            _user_policy(args) or incidents_replenishment_policy(), sle(args.sle)
        )
        return table, policy, as_of(args.as_of or DEMO_AS_OF), {}
    return _load_file(args, fmt)


def _load_file(
    args: argparse.Namespace, fmt: str
) -> tuple[WorkItemTable, Policy, np.datetime64, dict[str, object]]:
    """FILE read as the options say (every option checked first)."""
    if fmt == "events":
        for option in ("item", "state", "at"):
            if not getattr(args, option):
                raise UsageError(f"--{option} is required with FILE")
    user_policy = _user_policy(args)
    workflow = user_policy.workflow if user_policy else _user_workflow(args)
    given_sle = sle(args.sle)
    given_as_of = as_of(args.as_of) if args.as_of else None
    read, kwargs = _reader(args, fmt, workflow)
    with _progress.reading(args.file, quiet=args.quiet):
        result = _files.reading(read, args.file, **kwargs)
    extra: dict[str, object] = {}
    if len(result.rejected):
        extra["rejected"] = result.rejected.to_dict()
    table = result.table
    policy = user_policy or Policy(
        workflow=workflow,
        classes_of_service=[
            ClassOfService(name=str(n), sle=given_sle) for n in table.codes("class_of_service")[1]
        ],
    )
    table = _with_sle(table, policy, given_sle)
    policy = policy_with_sle(policy, given_sle)
    return table, policy, given_as_of or _last_event(table, args.file), extra


def _reader(
    args: argparse.Namespace, fmt: str, workflow: Workflow
) -> tuple[Callable[..., Any], dict[str, Any]]:
    """The reader of FILE's format and its keywords."""
    from customer_kanban import io

    common: dict[str, Any] = {"workflow": workflow}
    if args.delivered:
        common["delivered"] = args.delivered
    if fmt == "events":
        return io.read_event_log, {
            **common,
            "item": args.item,
            "state": args.state,
            "at": args.at,
            "attributes": {column: field for field, column in fields(args).items()},
            "department": args.department,
            "state_map": state_map(args),
            "order": args.order,
            "requested": args.requested,
            "at_format": args.at_format,
            "engine": args.engine or "auto",
            **_files.csv_options(args),
        }
    tracker: dict[str, Any] = {"workflow": workflow, "fields": fields(args) or None}
    if fmt == "actionable-agile":
        return io.read_actionable_agile, {
            **tracker,
            "at_format": args.at_format,
            **_files.csv_options(args),
        }
    tracker["state_map"] = state_map(args)
    if _given(args, "input_limit"):  # else the JSON readers' own limit: they hold it whole
        tracker["input_limit"] = args.input_limit
    return (io.read_jira if fmt == "jira" else io.read_azure_devops), tracker


def policy_with_sle(policy: Policy, given: ServiceLevelExpectation | None) -> Policy:
    """The policy with --sle on every class, and an ``all work`` class when it has none."""
    if given is None:
        return policy
    import attrs

    classes = [attrs.evolve(c, sle=given) for c in policy.classes_of_service]
    if not classes:
        classes = [ClassOfService(name=ALL_WORK, sle=given)]
    return attrs.evolve(policy, classes_of_service=classes)


def _with_sle(
    table: WorkItemTable, policy: Policy, given: ServiceLevelExpectation | None
) -> WorkItemTable:
    """With --sle and no class of service on any item: every item in the class ``all work``."""
    codes, _ = table.codes("class_of_service")
    if given is None or policy.classes_of_service or (codes >= 0).any():
        return table
    columns = {f: table[f] for f in table.fields if f not in table.categorical_fields}
    categories = {f: table.codes(f) for f in table.categorical_fields}
    categories["class_of_service"] = (np.zeros(len(table), np.int32), np.array([ALL_WORK], object))
    return WorkItemTable(
        columns=columns,
        categories=categories,
        states=table.states,
        transitions=table.transitions,
        blocked=table.blocked,
    )


def _last_event(table: WorkItemTable, file: str) -> np.datetime64:
    """The instant of the table's last transition (the default --as-of)."""
    stamps = table.transitions.at
    if stamps.size == 0:
        why = "; ".join(_files.pending_warnings())
        raise CustomerKanbanError(f"{file}: no usable rows" + (f" ({why})" if why else ""))
    last: np.datetime64 = stamps.max()
    return last
