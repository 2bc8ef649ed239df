"""Argument parsing and dispatch for ``customer-kanban``."""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Sequence
from typing import Any, NoReturn, cast

import numpy as np

from customer_kanban._core.results import Result
from customer_kanban._core.serialize import to_json
from customer_kanban._core.validation import as_instant_scalar
from customer_kanban.cli import _feedback, _files, _replenish, _segments
from customer_kanban.errors import CustomerKanbanError
from customer_kanban.model import ClassOfService, Policy, ServiceLevelExpectation, Workflow
from customer_kanban.table import WorkItemTable

__all__ = ["main"]


class _UsageError(Exception):
    """A bad option or argument: one line, exit status 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise _UsageError(message)


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="customer-kanban",
        description="Customer-centric Kanban metrics and feedback-loop reviews.",
    )
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    review = sub.add_parser(
        "review",
        help="print a Service Delivery Review",
        description=(
            "Service Delivery Review: per class of service and customer segment, "
            "delivered items, customer and system lead-time percentiles, SLE attainment "
            "(also censoring-aware), throughput per week and its weekly trend, WIP, items "
            "at risk, customer waiting time, blocked time with its main reason and the "
            "delay cost incurred."
        ),
    )
    _add_source_options(review)
    review.add_argument(
        "--previous",
        type=_positive_days,
        metavar="N",
        help="compare with the review N days earlier: the changes show as (+n)",
    )
    review.add_argument(
        "--segments",
        action="store_true",
        help="show only the customer segment and class / segment lines",
    )
    ops = sub.add_parser(
        "ops",
        help="print an Operations Review: services side by side, and their hand-offs",
        description=(
            "Operations Review: one Service Delivery Review per service (the department "
            "holding or having delivered each request, or --services FIELD), side by side, "
            "and the hand-offs between the services."
        ),
    )
    _add_source_options(ops)
    ops.add_argument(
        "--services",
        default="department",
        metavar="FIELD",
        help="what a service is: 'department' (default) or a field of the data",
    )
    ops.add_argument(
        "--top",
        type=int,
        default=10,
        help="show the N services with the most requests, pool the others (default 10)",
    )
    ops.add_argument(
        "--previous",
        type=_positive_days,
        metavar="N",
        help="compare with the review N days earlier: the changes show as (+n)",
    )
    forecast = sub.add_parser(
        "forecast",
        help="forecast when the open requests will be done, and how many in N days",
        description=(
            "Monte Carlo forecasts from the daily throughput of a recent window: when the "
            "requests open at --as-of will all be delivered, and how many items will be "
            "delivered in the next --days days."
        ),
    )
    _add_source_options(forecast)
    forecast.add_argument(
        "--window", type=int, default=30, help="days of history to sample (default 30)"
    )
    forecast.add_argument("--days", type=int, default=30, help="horizon of 'how many' (default 30)")
    forecast.add_argument("--trials", type=int, default=10_000, help="trials (default 10000)")
    forecast.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    _segments.add_parser(sub)
    _replenish.add_parser(sub)
    _feedback.add_parsers(sub)
    return parser


def _add_source_options(parser: argparse.ArgumentParser) -> None:
    """The options naming the data: --demo, or a CSV event log and how to read it."""
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("file", nargs="?", help="event log CSV, one row per state change")
    source.add_argument(
        "--demo", action="store_true", help="use the embedded ServiceNow incident log"
    )
    parser.add_argument("--item", help="column of the item id")
    parser.add_argument("--state", help="column of the state entered")
    parser.add_argument("--at", help="column of the instant of the change")
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
    parser.add_argument("--department", help="column holding the department of each change")
    parser.add_argument("--sle", help="SLE for every class, DAYS or DAYS@PROBABILITY, e.g. 10@0.85")
    parser.add_argument(
        "--policy", help="a Policy as JSON (overrides --states/--commit/--deliver/--sle)"
    )
    parser.add_argument(
        "--as-of", help="ISO 8601 instant of the review (default: the last event; demo: 2016-03-07)"
    )
    _files.add_csv_options(parser)
    parser.add_argument("--json", action="store_true", help="print JSON instead of text")


def _split(text: str | None, option: str) -> list[str]:
    if not text:
        raise _UsageError(f"{option} is required with FILE")
    return [s.strip() for s in text.split(",") if s.strip()]


def _sle(text: str | None) -> ServiceLevelExpectation | None:
    if text is None:
        return None
    days, _, prob = text.partition("@")
    try:
        return ServiceLevelExpectation(float(days), float(prob) if prob else 0.85)
    except (TypeError, ValueError) as exc:
        raise _UsageError(
            f"--sle {text!r}: expected DAYS or DAYS@PROBABILITY, e.g. 10@0.85 ({exc})"
        ) from exc


def _as_of(text: object) -> np.datetime64:
    try:
        return as_instant_scalar(text, name="--as-of")
    except (TypeError, ValueError) as exc:
        raise _UsageError(f"--as-of {text!r} is not an ISO 8601 instant") from exc


def _user_policy(args: argparse.Namespace) -> Policy | None:
    """The policy named by --policy, or None; errors name the option."""
    if not args.policy:
        return None
    text = _files.read_json_text(args.policy, what="--policy")
    try:
        return Policy.from_json(text)
    except ValueError as exc:
        raise _UsageError(f"--policy {args.policy}: {exc}") from exc


def _user_workflow(args: argparse.Namespace) -> Workflow:
    states = _split(args.states, "--states")
    for option, value in (("--commit", args.commit), ("--deliver", args.deliver)):
        if not value:
            raise _UsageError(f"{option} is required with FILE")
        if value not in states:
            raise _UsageError(f"{option} {value!r} is not one of --states {states}")
    try:
        return Workflow(
            states,
            args.commit,
            args.deliver,
            active_states=_split(args.active, "--active") if args.active else None,
        )
    except ValueError as exc:
        raise _UsageError(f"--states/--commit/--deliver/--active: {exc}") from exc


def _load(
    args: argparse.Namespace,
) -> tuple[WorkItemTable, Policy, np.datetime64, dict[str, object]]:
    """The table, policy and instant named by the options, plus extra JSON (rejected rows)."""
    if args.demo:
        from customer_kanban.datasets import (
            DEMO_AS_OF,
            incidents_replenishment_policy,
            load_incidents,
        )

        table, _ = load_incidents()
        # The demo policy, with costs of delay.
        return table, incidents_replenishment_policy(), _as_of(args.as_of or DEMO_AS_OF), {}
    return _load_file(args)


def _load_file(
    args: argparse.Namespace,
) -> tuple[WorkItemTable, Policy, np.datetime64, dict[str, object]]:
    """The event log FILE read as the options say (every option checked first)."""
    from customer_kanban.io import read_event_log

    for option in ("item", "state", "at"):
        if not getattr(args, option):
            raise _UsageError(f"--{option} is required with FILE")
    user_policy = _user_policy(args)
    workflow = user_policy.workflow if user_policy else _user_workflow(args)
    sle = _sle(args.sle)
    given_as_of = _as_of(args.as_of) if args.as_of else None
    columns = (
        (args.cos, "class_of_service"),
        (args.customer, "customer"),
        (args.segment, "segment"),
    )
    result = _files.reading(
        read_event_log,
        args.file,
        workflow=workflow,
        item=args.item,
        state=args.state,
        at=args.at,
        attributes={col: field for col, field in columns if col},
        department=args.department,
        at_format=args.at_format,
        **_files.csv_options(args),
    )
    extra: dict[str, object] = {}
    if len(result.rejected):
        extra["rejected"] = result.rejected.to_dict()
    table = result.table
    policy = user_policy or Policy(
        workflow=workflow,
        classes_of_service=[
            ClassOfService(name=str(n), sle=sle) for n in table.codes("class_of_service")[1]
        ],
    )
    return table, policy, given_as_of or _last_event(table, args.file), extra


def _last_event(table: WorkItemTable, file: str) -> np.datetime64:
    """The instant of the table's last transition (the default --as-of)."""
    stamps = table.transitions.at
    if stamps.size == 0:
        why = "; ".join(_files.pending_warnings())
        raise CustomerKanbanError(f"{file}: no usable rows" + (f" ({why})" if why else ""))
    last: np.datetime64 = stamps.max()
    return last


def _positive_days(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (value > 0 and math.isfinite(value)):
        raise argparse.ArgumentTypeError(f"expected a number of days > 0, got {text!r}")
    return value


_SEGMENT_DIMENSIONS = ("class_of_service/segment", "segment")


def _print(review: Result, args: argparse.Namespace, extra: dict[str, object]) -> str:
    """The review as text, or as JSON with the extra data (rejected rows)."""
    if args.json:
        return to_json({**review.to_dict(), **extra}, indent=2)
    return str(review)


def _review(args: argparse.Namespace) -> str:
    import attrs

    from customer_kanban.reviews import ServiceDeliveryReview, service_delivery_review

    table, policy, when, extra = _load(args)
    review = service_delivery_review(table, policy, as_of=when, previous=args.previous)
    if args.segments:
        rows = tuple(r for r in review.rows if r.dimension in _SEGMENT_DIMENSIONS)
        review = cast("ServiceDeliveryReview", attrs.evolve(cast("Any", review), rows=rows))
        if not rows and not args.json:
            return review.render() + "\n(no customer segment lines: the data has no segment)"
    return _print(review, args, extra)


def _ops(args: argparse.Namespace) -> str:
    from customer_kanban.reviews import operations_review

    if args.top < 1:
        raise _UsageError(f"--top must be >= 1, got {args.top}")
    table, policy, when, extra = _load(args)
    review = operations_review(
        table, policy, as_of=when, services=args.services, top=args.top, previous=args.previous
    )
    return _print(review, args, extra)


def _forecast(args: argparse.Namespace) -> str:
    from customer_kanban.reviews import forecast_review

    for option in ("window", "days", "trials"):
        if getattr(args, option) < 1:
            raise _UsageError(f"--{option} must be at least 1")
    table, policy, when, extra = _load(args)
    review = forecast_review(
        table,
        policy,
        as_of=when,
        window_days=args.window,
        days=args.days,
        trials=args.trials,
        rng=args.seed,
    )
    return _print(review, args, extra)


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``customer-kanban``; return the exit status (0 ok, 2 bad input)."""
    _files.forget_warnings()
    try:
        args = _parser().parse_args(argv)
        if args.command in ("review", "forecast", "ops"):
            if args.demo and args.file:
                raise _UsageError("give FILE or --demo, not both")
            run = {"review": _review, "forecast": _forecast, "ops": _ops}[args.command]
            out = run(args)
        elif args.command == "segments":
            out = _segments.run(args)
        elif args.command == "replenish":
            out = _replenish.run(args)
        elif args.command == "journey":
            out = _feedback.run_journey(args)
        elif args.command == "assess":
            out = _feedback.run_assess(args)
        else:  # pragma: no cover - argparse enforces the choices
            raise _UsageError(f"unknown command {args.command!r}")
    except _UsageError as exc:
        print(f"customer-kanban: error: {exc}", file=sys.stderr)
        return 2
    except (CustomerKanbanError, ValueError, TypeError, OSError, UnicodeDecodeError) as exc:
        message = " ".join(str(exc).split())
        print(f"customer-kanban: error: {message}", file=sys.stderr)
        return 2
    _files.say_warnings()
    try:
        print(out)
    except BrokenPipeError:  # e.g. `customer-kanban review --demo | head`
        sys.stderr.close()
    return 0
