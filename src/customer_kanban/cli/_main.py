"""Argument parsing and dispatch for ``customer-kanban``."""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Sequence
from typing import Any, NoReturn, cast

import numpy as np
import numpy.typing as npt

from customer_kanban._core.instants import as_instant_array
from customer_kanban.cli import _feedback, _json, _replenish, _segments
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
        "--at-format", help='format of the instants, e.g. "%%d-%%m-%%Y %%H:%%M" (default ISO 8601)'
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
    parser.add_argument("--delimiter", default=",", help="field delimiter of the CSV (default ',')")
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


def _as_of(text: str) -> np.datetime64:
    try:
        value: np.datetime64 = as_instant_array(text, name="--as-of")[0]
    except (TypeError, ValueError) as exc:
        raise _UsageError(f"--as-of {text!r} is not an ISO 8601 instant") from exc
    return value


def _user_policy(args: argparse.Namespace) -> Policy | None:
    """The policy named by --policy, or None; errors name the option."""
    if not args.policy:
        return None
    try:
        with open(args.policy, encoding="utf-8") as fh:
            text = fh.read()
    except OSError as exc:
        raise _UsageError(f"cannot read --policy {args.policy}: {exc.strerror or exc}") from exc
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
    extra: dict[str, object] = {}
    if args.demo:
        from customer_kanban.datasets import (
            DEMO_AS_OF,
            incidents_replenishment_policy,
            load_incidents,
        )

        when = _as_of(args.as_of or DEMO_AS_OF)
        table, _ = load_incidents()
        policy = incidents_replenishment_policy()  # the demo policy, with costs of delay
    else:
        from customer_kanban.io import read_event_log

        # Check every option before reading the file.
        for option in ("item", "state", "at"):
            if not getattr(args, option):
                raise _UsageError(f"--{option} is required with FILE")
        user_policy = _user_policy(args)
        workflow = user_policy.workflow if user_policy else _user_workflow(args)
        sle = _sle(args.sle)
        given_as_of = _as_of(args.as_of) if args.as_of else None
        attributes = {
            col: field
            for col, field in (
                (args.cos, "class_of_service"),
                (args.customer, "customer"),
                (args.segment, "segment"),
            )
            if col
        }
        result = read_event_log(
            args.file,
            workflow=workflow,
            item=args.item,
            state=args.state,
            at=args.at,
            attributes=attributes,
            department=args.department,
            at_format=args.at_format,
            delimiter=args.delimiter,
        )
        if len(result.rejected):
            counts = ", ".join(f"{n} {reason}" for reason, n in result.rejected.counts().items())
            print(
                f"customer-kanban: {len(result.rejected)} of {result.n_rows} rows rejected "
                f"({counts}; data rows numbered from 0; --json lists them)",
                file=sys.stderr,
            )
            extra["rejected"] = result.rejected.to_dict()
        table = result.table
        if user_policy is not None:
            policy = user_policy
        else:
            labels = [str(x) for x in table.codes("class_of_service")[1]]
            policy = Policy(
                workflow=workflow,
                classes_of_service=[ClassOfService(name=n, sle=sle) for n in labels],
            )
        if given_as_of is not None:
            when = given_as_of
        else:
            stamps = table.transitions.at
            if stamps.size == 0:
                raise CustomerKanbanError(f"{args.file}: no usable rows")
            when = stamps.max()
    return table, policy, when, extra


def _positive_days(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (value > 0 and math.isfinite(value)):
        raise argparse.ArgumentTypeError(f"expected a number of days > 0, got {text!r}")
    return value


_SEGMENT_DIMENSIONS = ("class_of_service/segment", "segment")


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
    if args.json:
        return _json.dumps({**review.to_dict(), **extra})
    return review.render()


def _ops(args: argparse.Namespace) -> str:
    from customer_kanban.reviews import operations_review

    if args.top < 1:
        raise _UsageError(f"--top must be >= 1, got {args.top}")
    table, policy, when, extra = _load(args)
    review = operations_review(
        table, policy, as_of=when, services=args.services, top=args.top, previous=args.previous
    )
    if args.json:
        return _json.dumps({**review.to_dict(), **extra})
    return review.render()


def _forecast(args: argparse.Namespace) -> str:
    from customer_kanban import metrics

    for option in ("window", "days", "trials"):
        if getattr(args, option) < 1:
            raise _UsageError(f"--{option} must be at least 1")
    table, _, when, extra = _load(args)
    seen = table["requested_at"] <= when
    delivered = table["delivered_at"][seen]
    open_items = int(np.count_nonzero(np.isnat(delivered) | (delivered > when)))
    day = np.timedelta64(1, "D")
    stop = when.astype("datetime64[D]") - day  # whole days before as_of
    # Days before the first request are not zero-throughput days of the service.
    first_day = table["requested_at"][seen].min().astype("datetime64[D]") if seen.any() else stop
    start = max(when.astype("datetime64[D]") - args.window * day, first_day)
    if start > stop:
        raise CustomerKanbanError("no whole day of history before --as-of to sample from")
    sample = metrics.daily_throughput(delivered, since=start, until=stop).counts[0]
    when_done = metrics.forecast_when(
        sample, open_items, trials=args.trials, as_of=when, rng=args.seed
    )
    how_many = metrics.forecast_how_many(sample, args.days, trials=args.trials, rng=args.seed)
    by_class, predictability, oldest = _forecast_details(args, table, seen, when, start, stop)
    if args.json:
        data = {
            "as_of": str(when.astype("datetime64[s]")) + "Z",
            "open_items": open_items,
            "window": [str(start), str(stop)],
            "daily_throughput": sample.tolist(),
            "when": when_done.to_dict(),
            "how_many": how_many.to_dict(),
            "by_class_of_service": by_class,
            "predictability": predictability,
            "oldest_open": oldest,
            **extra,
        }
        for key in ("days", "completion"):  # one value per trial: summarised above
            data["when"].pop(key, None)
        data["how_many"].pop("counts", None)
        return _json.dumps(data)
    lines = [
        f"Forecast as of {str(when)[:16].replace('T', ' ')} UTC "
        f"({args.trials:,} trials, seed {args.seed})",
        f"Daily throughput sampled from {start} to {stop} ({sample.size} days): "
        f"{int(sample.sum())} deliveries, {sample.mean():.1f} a day.",
        "",
        f"When will the {open_items} open requests be done?",
    ]
    for q, date in zip(when_done.q, when_done.dates[0], strict=True):
        lines.append(f"  {q:3.0f}% chance by {date}")
    lines += ["", f"How many items will be delivered in the next {args.days} days?"]
    for q, n in zip(how_many.q, how_many.values[0], strict=True):
        lines.append(f"  {q:3.0f}% chance of {int(n)} or more")
    lines += ["", "Per class of service: when will its open requests be done (85% chance)?"]
    for row in by_class:
        done = row["by_85"] if row["by_85"] else "no delivery in the window to forecast from"
        lines.append(f"  {row['class_of_service']:<14} {row['open']:>4} open   {done}")
    lines += [
        "",
        "Customer lead time per class of service [days], in-progress requests included:",
        f"  {'class':<14} {'done':>5} {'open':>5} {'p85 done':>9} {'p85 all':>8} "
        f"{'tail':>6} {'Weibull k':>9}  SLE 85% [95% CI]",
    ]
    for row in predictability:
        lines.append(
            f"  {row['class_of_service']:<14} {row['delivered']:>5} {row['open']:>5} "
            f"{_num(row['p85_delivered_only']):>9} {_num(row['p85_censoring_aware']):>8} "
            f"{_num(row['tail_ratio']):>6} {_num(row['weibull_shape']):>9}  "
            + (
                f"{_days(row['sle_85_days'])} [{_ceil(row['sle_85_low'])}, "
                f"{_ceil(row['sle_85_high'])}]"
                if row["sle_85_days"] is not None
                else "-"
            )
        )
    lines += [
        "  ('p85 done' counts delivered requests only; 'p85 all' also counts the open ones",
        "  as 'at least this old' (Kaplan-Meier): 'inf' when they keep it out of reach.",
        "  'tail' = p98 / p50 on the same basis, from 50 deliveries up; a Weibull k below 1",
        "  means a fat tail. SLE: whole days that 85% of the deliveries met, with the",
        "  bootstrap interval of that figure.)",
        "",
        "Open requests (the oldest first): when will each be done, given its age?",
    ]
    shown = [row for row in oldest if row["by_50"]][:5]
    for row in shown:
        lines.append(
            f"  {row['id']:<12} {row['class_of_service']:<14} {row['age_days']:4.1f} days old: "
            f"50% by {row['by_50']}, 85% by {row['by_85'] or 'later than the history shows'}"
        )
    if len(shown) < len(oldest):
        lines.append(
            f"  {len(oldest) - len([r for r in oldest if r['by_50']])} of {len(oldest)} open "
            "requests: too few past requests of their class took longer than their age "
            "for a forecast."
        )
    lines += [
        "",
        "All assume the coming days deliver like the sampled ones; 'how many' counts",
        "capacity, whether or not that much work is waiting.",
    ]
    return "\n".join(lines)


def _num(value: object, digits: int = 1) -> str:
    if value is None:
        return "-"
    if isinstance(value, str):  # "inf" from _finite_or_none
        return value
    v = float(value)  # type: ignore[arg-type]
    return "inf" if math.isinf(v) else f"{v:.{digits}f}"


def _days(value: object) -> str:
    n = math.ceil(float(value))  # type: ignore[arg-type]
    return f"{n} day" if n == 1 else f"{n} days"


def _ceil(value: object) -> str:
    return "-" if value is None else str(math.ceil(float(value)))  # type: ignore[arg-type]


def _day_or_none(value: np.datetime64) -> str | None:
    return None if np.isnat(value) else str(value.astype("datetime64[D]"))


def _forecast_details(
    args: argparse.Namespace,
    table: WorkItemTable,
    seen: npt.NDArray[np.bool_],
    when: np.datetime64,
    start: np.datetime64,
    stop: np.datetime64,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    """Per-class forecasts, lead-time predictability, and the oldest open requests."""
    import warnings

    from customer_kanban import metrics
    from customer_kanban.errors import InsufficientDataWarning

    codes, labels = table.codes("class_of_service")
    codes = np.where(seen, codes, -1)
    requested, delivered = table["requested_at"], table["delivered_at"]
    done = seen & (delivered <= when)
    open_ = seen & ~done
    day_ns = np.timedelta64(1, "D")
    lead = np.where(done, delivered - requested, when - requested) / day_ns
    lead[~seen] = np.nan
    by = (codes, list(labels))
    open_per_class = np.bincount(codes[open_ & (codes >= 0)], minlength=len(labels))

    tp = metrics.daily_throughput(delivered, since=start, until=stop, by=by)
    can = (tp.counts.sum(axis=1) > 0) & (open_per_class > 0)
    items = {tp.groups[g]: int(open_per_class[g]) for g in np.flatnonzero(can)}
    dates: dict[Any, str | None] = {}
    if items:
        f = metrics.forecast_when(tp, items, q=[85], as_of=when, rng=args.seed, trials=args.trials)
        dates = {g: _day_or_none(d) for g, d in zip(f.groups.tolist(), f.dates[:, 0], strict=True)}
    by_class = [
        {
            "class_of_service": str(label),
            "open": int(open_per_class[g]),
            "by_85": dates.get(label) if open_per_class[g] else str(when.astype("datetime64[D]")),
        }
        for g, label in enumerate(labels)
    ]

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InsufficientDataWarning)
        plain = metrics.percentiles(np.where(done, lead, np.nan), 85, by=by, method="inverted_cdf")
        aware = metrics.percentiles(lead, 85, by=by, observed=done)
        tail = metrics.tail_ratio(lead, done, by=by)
        fit = metrics.fit_lead_times(lead, done, by=by)
        sle = metrics.recommend_sle(
            np.where(done, lead, np.nan), probability=0.85, by=by, rng=args.seed
        )
    predictability = []
    for g, label in enumerate(labels):
        predictability.append(
            {
                "class_of_service": str(label),
                "delivered": int(np.count_nonzero(done & (codes == g))),
                "open": int(open_per_class[g]),
                "p85_delivered_only": _finite_or_none(plain.values[g, 0]),
                "p85_censoring_aware": _finite_or_none(aware.values[g, 0], keep_inf=True),
                "tail_ratio": _finite_or_none(tail.ratio[g]),
                "weibull_shape": _finite_or_none(fit.shape[g]),
                "sle_85_days": _finite_or_none(sle.days[g]),
                "sle_85_low": _finite_or_none(sle.low[g]),
                "sle_85_high": _finite_or_none(sle.high[g]),
            }
        )

    oldest_rows = np.flatnonzero(open_)  # every open request, the oldest first
    oldest_rows = oldest_rows[np.argsort(-lead[oldest_rows], kind="stable")]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InsufficientDataWarning)
        single = metrics.single_item_forecast(
            lead[oldest_rows],
            lead,
            done,
            q=[50, 85],
            by=(codes[oldest_rows], list(labels)) if len(labels) else None,
            history_by=by if len(labels) else None,
            as_of=when,
        )
    oldest = [
        {
            "id": str(table["id"][row]),
            "class_of_service": str(labels[codes[row]]) if codes[row] >= 0 else "",
            "age_days": float(lead[row]),
            "by_50": _day_or_none(single.dates[i, 0]),
            "by_85": _day_or_none(single.dates[i, 1]),
        }
        for i, row in enumerate(oldest_rows)
    ]
    return by_class, predictability, oldest


def _finite_or_none(value: float, *, keep_inf: bool = False) -> float | str | None:
    """A float for JSON: None for NaN (and inf unless kept); "inf" as a string (valid JSON)."""
    v = float(value)
    if math.isnan(v) or (math.isinf(v) and not keep_inf):
        return None
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    return v


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``customer-kanban``; return the exit status (0 ok, 2 bad input)."""
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
    try:
        print(out)
    except BrokenPipeError:  # e.g. `customer-kanban review --demo | head`
        sys.stderr.close()
    return 0
