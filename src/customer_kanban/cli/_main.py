"""Argument parsing and dispatch for ``customer-kanban``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any, NoReturn, cast

from customer_kanban._core.results import Result
from customer_kanban._core.serialize import to_json
from customer_kanban.cli import _feedback, _files, _replenish, _report, _segments, _worklog
from customer_kanban.errors import CustomerKanbanError

__all__ = ["main"]


_UsageError = _worklog.UsageError


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
    _worklog.add_source_options(review)
    review.add_argument(
        "--previous",
        type=_worklog.positive_days,
        metavar="N",
        help="compare with the review N days earlier: the changes show as (+n)",
    )
    _add_day_count(review)
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
    _worklog.add_source_options(ops)
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
        type=_worklog.positive_days,
        metavar="N",
        help="compare with the review N days earlier: the changes show as (+n)",
    )
    _add_day_count(ops)
    forecast = sub.add_parser(
        "forecast",
        help="forecast when the open requests will be done, and how many in N days",
        description=(
            "Monte Carlo forecasts from the daily throughput of a recent window: when the "
            "requests open at --as-of will all be delivered, and how many items will be "
            "delivered in the next --days days."
        ),
    )
    _worklog.add_source_options(forecast)
    forecast.add_argument(
        "--window", type=int, default=30, help="days of history to sample (default 30)"
    )
    forecast.add_argument("--days", type=int, default=30, help="horizon of 'how many' (default 30)")
    forecast.add_argument("--trials", type=int, default=10_000, help="trials (default 10000)")
    forecast.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    _segments.add_parser(sub)
    _replenish.add_parser(sub)
    _feedback.add_parsers(sub)
    _report.add_parser(sub)
    return parser


def _add_day_count(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--day-count",
        choices=("elapsed", "exclusive", "inclusive", "calendar", "business"),
        default="elapsed",
        help="how lead times and ages count days: elapsed (default, fractional), exclusive "
        "or inclusive calendar days (inclusive: same day = 1, as ActionableAgile), business "
        "days (Monday to Friday)",
    )


_SEGMENT_DIMENSIONS = ("class_of_service/segment", "segment")


def _print(review: Result, args: argparse.Namespace, extra: dict[str, object]) -> str:
    """The review as text, or as JSON with the extra data (rejected rows)."""
    if args.json:
        return to_json({**review.to_dict(), **extra}, indent=2)
    return str(review)


def _review(args: argparse.Namespace) -> str:
    import attrs

    from customer_kanban.reviews import ServiceDeliveryReview, service_delivery_review

    table, policy, when, extra = _worklog.load(args)
    review = service_delivery_review(
        table, policy, as_of=when, previous=args.previous, day_count=args.day_count
    )
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
    table, policy, when, extra = _worklog.load(args)
    review = operations_review(
        table,
        policy,
        as_of=when,
        services=args.services,
        top=args.top,
        previous=args.previous,
        day_count=args.day_count,
    )
    return _print(review, args, extra)


def _forecast(args: argparse.Namespace) -> str:
    from customer_kanban.reviews import forecast_review

    for option in ("window", "days", "trials"):
        if getattr(args, option) < 1:
            raise _UsageError(f"--{option} must be at least 1")
    table, policy, when, extra = _worklog.load(args)
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
        if args.command in ("review", "forecast", "ops", "report"):
            if args.demo and args.file:
                raise _UsageError("give FILE or --demo, not both")
            run = {"review": _review, "forecast": _forecast, "ops": _ops, "report": _report.run}[
                args.command
            ]
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
