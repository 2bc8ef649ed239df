"""The customer portfolio as text: value × potential cells, RFM segments, get-keep-grow."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from customer_kanban.reviews._portfolio import CustomerPortfolio

__all__ = ["PERIOD_NAMES", "render"]

#: The name of each period of the flows.
PERIOD_NAMES = {"D": "day", "W": "week", "M": "month", "Q": "quarter"}


def render(portfolio: CustomerPortfolio, source: str) -> str:
    """The portfolio as readable text; `source` names the data on the first line."""
    named = f": {source}" if source else ""
    return "\n".join(
        [
            f"Customer portfolio as of {str(portfolio.as_of)[:10]}{named}",
            f"{portfolio.customers:,} customers, {portfolio.transactions:,} transactions.",
            *_cells(portfolio),
            *_rfm(portfolio),
            *_flows(portfolio),
            "",
            "The cell names and the RFM rules are data (customers.VALUE_CELLS, "
            "customers.RFM_SEGMENT_RULES).",
        ]
    )


def _cells(portfolio: CustomerPortfolio) -> list[str]:
    thresholds = portfolio.thresholds
    total = max(portfolio.customers, 1)
    return [
        "",
        f"Value segments: current value = trailing 12-month {portfolio.value}; future potential =",
        "expected 12-month value (BG/NBD x Gamma-Gamma fitted with a 0.001 penalty, 1% a",
        "month discount). High = strictly above the median "
        f"({thresholds['current_value']:,.2f} and {thresholds['future_potential']:,.2f}).",
        f"  {'segment':<12} {'customers':>10} {'share':>6} {'current':>13} {'potential':>13}",
        *(
            f"  {c.segment:<12} {c.customers:>10,} {c.customers / total:>6.1%} "
            f"{c.current_value:>13,.2f} {c.future_potential:>13,.2f}"
            for c in portfolio.cells
        ),
    ]


def _rfm(portfolio: CustomerPortfolio) -> list[str]:
    return [
        "",
        "RFM segments (quintile scores, first matching rule):",
        *(f"  {s.segment:<20} {s.customers:>8,}" for s in portfolio.rfm_segments),
    ]


def _flows(portfolio: CustomerPortfolio) -> list[str]:
    flows = portfolio.get_keep_grow
    return [
        "",
        f"Get, keep, grow per {PERIOD_NAMES[flows.freq]} "
        f"(lost after {flows.lost_after} periods without a purchase):",
        f"  {'period':<11} {'active':>7} {'acquired':>9} {'retained':>9} {'won back':>9} "
        f"{'lost':>7} {'active ' + portfolio.value:>15}",
        *(
            f"  {p.period!s:<11} {p.active:>7,} {p.acquired:>9,} {p.retained:>9,} "
            f"{p.won_back:>9,} {p.lost:>7,} {p.active_value:>15,.2f}"
            for p in flows.periods
        ),
    ]
