"""``customer-kanban segments``: the customer portfolio of a purchase log."""

from __future__ import annotations

import argparse
import warnings
from typing import Any, Literal

import numpy as np

from customer_kanban._core.serialize import to_json
from customer_kanban.errors import CustomerKanbanError, InsufficientDataWarning
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
    from customer_kanban._core.instants import as_instant_array

    if args.demo:
        from customer_kanban.datasets import CDNOW_AS_OF, load_cdnow

        table = load_cdnow()
        name = "CDNOW purchases (Fader and Hardie, via the lifetimes package)"
        default_as_of: object = CDNOW_AS_OF
    else:
        import csv

        with open(args.file, newline="", encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh))
        if not rows:
            raise CustomerKanbanError(f"{args.file}: no rows")
        columns = {key: np.array([r[key] for r in rows], dtype=object) for key in rows[0]}
        table = TransactionTable.from_columns(
            columns,
            customer=args.customer,
            at=args.at,
            revenue=args.revenue,
            margin=args.margin,
            product=args.product,
        )
        name = str(args.file)
        default_as_of = table["at"].max()
    when = as_instant_array(np.asarray([args.as_of or default_as_of], dtype=object))[0]
    if np.isnat(when):
        raise CustomerKanbanError("--as-of: not an instant")
    return table, when, name


def portfolio(
    table: TransactionTable, when: np.datetime64, *, freq: Literal["M", "Q"], lost_after: int
) -> dict[str, Any]:
    """Every figure of the report, as plain data."""
    from customer_kanban import customers as ck_customers

    seen = table.as_of(when)
    if len(seen) == 0:
        raise CustomerKanbanError("no transaction at or before --as-of")
    customers = seen.codes("customer")
    at, revenue, margin = seen["at"], seen["revenue"], seen["margin"]
    has_margin = bool(np.isfinite(margin).all())
    value = margin if has_margin else revenue

    trailing = ck_customers.trailing_value(at, value, by=customers, as_of=when, days=365)
    labels, current = trailing.groups, trailing.values
    summary = ck_customers.purchase_summary(at, value, by=customers, as_of=when, period="D")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InsufficientDataWarning)
        bg = ck_customers.fit_bgnbd(summary.frequency, summary.recency, summary.T, penalizer=0.001)
        usable = summary.monetary > 0
        gg = ck_customers.fit_gamma_gamma(
            summary.frequency[usable], summary.monetary[usable], penalizer=0.001
        )
        potential_known = ck_customers.lifetime_value(
            bg,
            gg,
            summary.frequency,
            summary.recency,
            summary.T,
            np.where(usable, summary.monetary, 0.0),
            months=12,
            discount_rate=0.01,
        )
    # purchase_summary lists the customers with a purchase by `when`, like trailing_value
    potential = np.full(labels.size, np.nan)
    potential[np.searchsorted(labels, summary.groups)] = potential_known
    cells = ck_customers.segment_customers(current, potential, groups=labels)
    current_total = cells.total(current)
    potential_total = cells.total(potential)

    scores = ck_customers.rfm(at, value, by=customers, as_of=when)
    rfm_groups = ck_customers.rfm_segments(scores)

    gkg = ck_customers.get_keep_grow(
        customers,
        at,
        revenue,
        freq=freq,
        lost_after=lost_after,
        margin=margin if has_margin else None,
        product=seen.codes("product") if len(seen.codes("product")[1]) else None,
        as_of=when,
    )
    flows = []
    for k, start in enumerate(gkg.periods):
        flows.append(
            {
                "period": str(start.astype("datetime64[D]")),
                "active": int(gkg.active[0, k]),
                "acquired": int(gkg.acquired[0, k]),
                "retained": int(gkg.retained[0, k]),
                "won_back": int(gkg.won_back[0, k]),
                "lost": int(gkg.lost[0, k]),
                "active_value": float(gkg.active_value[0, k]),
                "lost_value": float(gkg.lost_value[0, k]),
            }
        )
    return {
        "as_of": str(when.astype("datetime64[s]")) + "Z",
        "customers": int(labels.size),
        "transactions": len(seen),
        "value": "margin" if has_margin else "revenue",
        "fits": {
            "bgnbd": {
                "purchase_shape": bg.purchase_shape,
                "purchase_scale": bg.purchase_scale,
                "dropout_a": bg.dropout_a,
                "dropout_b": bg.dropout_b,
            },
            "gamma_gamma": {
                "spend_shape": gg.spend_shape,
                "mixing_shape": gg.mixing_shape,
                "mixing_scale": gg.mixing_scale,
            },
        },
        "thresholds": {
            "current_value": float(cells.thresholds[0]),
            "future_potential": float(cells.thresholds[1]),
        },
        "cells": [
            {
                "segment": str(name),
                "customers": int(cells.sizes[k]),
                "current_value": float(current_total[k]),
                "future_potential": float(potential_total[k]),
            }
            for k, name in enumerate(cells.labels)
        ],
        "rfm_segments": [
            {"segment": str(name), "customers": int(rfm_groups.sizes[k])}
            for k, name in enumerate(rfm_groups.labels)
        ],
        "get_keep_grow": {"freq": freq, "lost_after": lost_after, "periods": flows},
    }


def run(args: argparse.Namespace) -> str:
    """The report for the parsed `args`, as text or JSON."""
    if args.lost_after < 1:
        raise CustomerKanbanError("--lost-after must be at least 1")
    table, when, name = _load(args)
    data = portfolio(table, when, freq=args.freq, lost_after=args.lost_after)
    if args.json:
        return to_json(data, indent=2)
    value = data["value"]
    lines = [
        f"Customer portfolio as of {data['as_of'][:10]}: {name}",
        f"{data['customers']:,} customers, {data['transactions']:,} transactions.",
        "",
        f"Value segments: current value = trailing 12-month {value}; future potential =",
        "expected 12-month value (BG/NBD x Gamma-Gamma fitted with a 0.001 penalty, 1% a",
        "month discount). High = strictly above the median "
        f"({data['thresholds']['current_value']:,.2f} and "
        f"{data['thresholds']['future_potential']:,.2f}).",
        f"  {'segment':<12} {'customers':>10} {'share':>6} {'current':>13} {'potential':>13}",
    ]
    total = max(data["customers"], 1)
    lines.extend(
        f"  {cell['segment']:<12} {cell['customers']:>10,} "
        f"{cell['customers'] / total:>6.1%} {cell['current_value']:>13,.2f} "
        f"{cell['future_potential']:>13,.2f}"
        for cell in data["cells"]
    )
    lines += ["", "RFM segments (quintile scores, first matching rule):"]
    lines.extend(f"  {seg['segment']:<20} {seg['customers']:>8,}" for seg in data["rfm_segments"])
    gkg = data["get_keep_grow"]
    lines += [
        "",
        f"Get, keep, grow per {'quarter' if gkg['freq'] == 'Q' else 'month'} "
        f"(lost after {gkg['lost_after']} periods without a purchase):",
        f"  {'period':<11} {'active':>7} {'acquired':>9} {'retained':>9} {'won back':>9} "
        f"{'lost':>7} {'active ' + value:>15}",
    ]
    lines.extend(
        f"  {row['period']:<11} {row['active']:>7,} {row['acquired']:>9,} "
        f"{row['retained']:>9,} {row['won_back']:>9,} {row['lost']:>7,} "
        f"{row['active_value']:>15,.2f}"
        for row in gkg["periods"]
    )
    lines += [
        "",
        "The cell names and the RFM rules are data (customers.VALUE_CELLS, "
        "customers.RFM_SEGMENT_RULES).",
    ]
    return "\n".join(lines)
