"""``customer-kanban report``: one self-contained HTML report of a service."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from customer_kanban.cli import _files, _worklog

__all__ = ["add_parser", "run"]


def add_parser(sub: Any) -> None:
    """Add the ``report`` command to the subparsers `sub`."""
    p = sub.add_parser(
        "report",
        help="write an HTML report: the reviews' tables and charts in one offline file",
        description=(
            "One self-contained HTML file (no script, nothing fetched): the Service Delivery "
            "Review, flow, lead time, forecasts, the customer journey, blockers and the "
            "policies, each chart inline. Charts need matplotlib "
            '(pip install "customer-kanban[plot]").'
        ),
    )
    _worklog.add_source_options(p)
    for action in p._actions:  # the shared --json does not apply: the report is HTML
        if "--json" in action.option_strings:
            action.help = argparse.SUPPRESS
    p.add_argument(
        "--output",
        "-o",
        default="report.html",
        metavar="PATH",
        help="the HTML file to write (default: report.html)",
    )
    p.add_argument("--title", default="Service delivery report", help="the report's title")
    p.add_argument(
        "--previous",
        type=_worklog.positive_days,
        metavar="N",
        help="compare the review with the one N days earlier",
    )
    p.add_argument(
        "--day-count",
        choices=("elapsed", "exclusive", "inclusive", "calendar", "business"),
        default="elapsed",
        help="how lead times and ages count days (default: elapsed)",
    )
    p.add_argument("--window", type=int, default=30, help="forecast: days of history (default 30)")
    p.add_argument("--days", type=int, default=30, help="forecast: 'how many' horizon (default 30)")
    p.add_argument("--trials", type=int, default=10_000, help="forecast: trials (default 10000)")
    p.add_argument("--seed", type=int, default=0, help="forecast: random seed (default 0)")


def run(args: argparse.Namespace) -> str:
    """Write the report; return the line saying where."""
    from customer_kanban.reviews import report

    if args.json:
        raise _worklog.UsageError("--json does not apply to report: it writes HTML (--output)")
    for option in ("window", "days", "trials"):
        if getattr(args, option) < 1:
            raise _worklog.UsageError(f"--{option} must be at least 1")
    output = Path(args.output)
    if output.is_dir():
        raise _worklog.UsageError(f"--output {args.output!r} is a folder; give a file path")
    _files.without_json()
    table, policy, when, _ = _worklog.load(args)
    result = report(
        table,
        policy,
        as_of=when,
        title=args.title,
        day_count=args.day_count,
        previous=args.previous,
        window_days=args.window,
        days=args.days,
        trials=args.trials,
        rng=args.seed,
    )
    result.save(output)
    size = output.stat().st_size
    lines = [f"wrote {output} ({size / 1e6:.1f} MB, {len(result.sections)} sections)"]
    lines += [f"note: {note}" for note in result.notes]
    return "\n".join(lines)
