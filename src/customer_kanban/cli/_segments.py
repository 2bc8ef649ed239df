"""``customer-kanban segments``: the customer portfolio of a purchase log."""

from __future__ import annotations

import argparse
from typing import Any

import numpy as np

from customer_kanban._core.validation import as_instant_scalar
from customer_kanban.cli._files import add_csv_options, csv_options, pending_warnings, reading
from customer_kanban.errors import CustomerKanbanError
from customer_kanban.table import TransactionTable

__all__ = ["add_parser", "run"]


def add_parser(sub: Any) -> None:
    """Add the ``segments`` command to the subparsers `sub`."""
    p = sub.add_parser(
        "segments",
        help="print the customer portfolio: value segments, RFM segments, get-keep-grow",
        description=(
            "The customer portfolio of a purchase log: customers and value per cell of "
            "current value (trailing 12-month revenue or margin) x future potential "
            "(12-month lifetime value from BG/NBD and Gamma-Gamma fits), RFM segment counts, "
            "and get-keep-grow flows per period."
        ),
    )
    source = p.add_mutually_exclusive_group(required=True)
    source.add_argument("file", nargs="?", help="purchase log CSV, one row per transaction")
    source.add_argument("--demo", action="store_true", help="use the embedded CDNOW purchases")
    p.add_argument(
        "--customer", default="customer", help="column of the customer id (default: customer)"
    )
    p.add_argument("--at", default="at", help="column of the instant (default: at)")
    p.add_argument("--revenue", default="revenue", help="column of the revenue (default: revenue)")
    p.add_argument("--margin", help="column of the margin (default: revenue is the value)")
    p.add_argument("--product", help="column of the product or work type (cross-selling)")
    p.add_argument("--cost", help="column of the cost (margin = revenue - cost)")
    p.add_argument(
        "--at-format", help='strptime format of the instants, e.g. "%%d/%%m/%%Y" (default ISO 8601)'
    )
    add_csv_options(p)
    p.add_argument("--as-of", help="analysis instant (default: the last transaction)")
    p.add_argument("--freq", default="Q", choices=("M", "Q"), help="get-keep-grow period")
    p.add_argument(
        "--lost-after",
        type=int,
        default=2,
        help="periods without a purchase after which a customer is lost (default 2)",
    )
    p.add_argument("--json", action="store_true", help="print JSON")


def _load(args: argparse.Namespace) -> tuple[TransactionTable, np.datetime64, str]:
    """The purchases named by the options, the instant of the review, the data's name."""
    if args.demo:
        from customer_kanban.datasets import CDNOW_AS_OF, load_cdnow

        table = load_cdnow()
        name = "CDNOW purchases (Fader and Hardie, via the lifetimes package)"
        default_as_of: object = CDNOW_AS_OF
    else:
        from customer_kanban.io import read_transactions

        table = reading(
            read_transactions,
            args.file,
            customer=args.customer,
            at=args.at,
            revenue=args.revenue,
            margin=args.margin,
            cost=args.cost,
            product=args.product,
            at_format=args.at_format,
            **csv_options(args),
        ).table
        if len(table) == 0:
            why = "; ".join(pending_warnings())
            raise CustomerKanbanError(f"{args.file}: no usable rows" + (f" ({why})" if why else ""))
        name = str(args.file)
        default_as_of = table["at"].max()
    return table, as_instant_scalar(args.as_of or default_as_of, name="--as-of"), name


def run(args: argparse.Namespace) -> str:
    """The report for the parsed `args`, as text or JSON."""
    from customer_kanban.reviews import customer_portfolio

    if args.lost_after < 1:
        raise CustomerKanbanError("--lost-after must be at least 1")
    table, when, name = _load(args)
    portfolio = customer_portfolio(table, as_of=when, freq=args.freq, lost_after=args.lost_after)
    if args.json:
        return portfolio.to_json(indent=2)
    return portfolio.render(source=name)
