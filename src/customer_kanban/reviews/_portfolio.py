"""Customer portfolio: the customers of a purchase log by value, RFM segment and flow.

The review joins the customer-economics functions of :mod:`customer_kanban.customers` on
the purchases made by `as_of`: each customer's current value (trailing 12-month revenue or
margin, :func:`~customer_kanban.customers.trailing_value`) and future potential (expected
12-month value from BG/NBD and Gamma-Gamma fits, :func:`~customer_kanban.customers.fit_bgnbd`,
:func:`~customer_kanban.customers.fit_gamma_gamma`,
:func:`~customer_kanban.customers.lifetime_value`), the value × potential cells
(:func:`~customer_kanban.customers.segment_customers`), the RFM segments
(:func:`~customer_kanban.customers.rfm_segments`) and the get-keep-grow flows per period
(:func:`~customer_kanban.customers.get_keep_grow`). Every figure is those functions'.
"""

from __future__ import annotations

import datetime as _dt
import warnings
from typing import Any, Literal, cast

import numpy as np
import numpy.typing as npt

from customer_kanban import customers as ck
from customer_kanban._core.plotting import chart_svg
from customer_kanban._core.results import Result, result
from customer_kanban._core.validation import (
    as_instant_scalar,
    as_whole_number,
    check_choice,
    choices_of,
)
from customer_kanban.errors import InsufficientDataWarning, ValidationError
from customer_kanban.reviews._checks import expect
from customer_kanban.reviews._portfolio_text import PERIOD_NAMES, render
from customer_kanban.reviews._tables import Columns, columns_of, constant_columns, html_tables
from customer_kanban.table import TransactionTable

__all__ = [
    "CustomerPortfolio",
    "FlowPeriod",
    "PortfolioFlows",
    "RFMSegmentSize",
    "ValueCell",
    "customer_portfolio",
]

#: The periods of the get-keep-grow flows: day, week, month, quarter (UTC).
PortfolioFreq = Literal["D", "W", "M", "Q"]
_FREQS = choices_of(PortfolioFreq)
_PENALTY = 0.001  # of the BG/NBD and Gamma-Gamma fits
_MONTHS = 12  # horizon of the future potential
_DISCOUNT = 0.01  # a month


@result
class ValueCell(Result):
    """The customers of one cell of current value × future potential.

    Attributes
    ----------
    segment : str
        The cell (``customers.VALUE_CELLS``: premium, potential, dilemma, basic, and
        unknown for customers whose value or potential is unknown).
    customers : int
    current_value, future_potential : float
        Their total current value and future potential. [money]
    """

    segment: str
    customers: int
    current_value: float
    future_potential: float


@result
class RFMSegmentSize(Result):
    """The customers of one RFM segment (the first matching rule of
    ``customers.RFM_SEGMENT_RULES``).

    Attributes
    ----------
    segment : str
    customers : int
    """

    segment: str
    customers: int


@result
class FlowPeriod(Result):
    """Get, keep, grow in one period: customers acquired, retained, won back and lost.

    Attributes
    ----------
    period : datetime.date
        The period's first day.
    active, acquired, retained, won_back, lost : int
        Customers active in the period, and how they came to be (or stopped being).
    active_value, lost_value : float
        The value of the active customers in the period, and of those lost. [money]
    """

    period: _dt.date
    active: int
    acquired: int
    retained: int
    won_back: int
    lost: int
    active_value: float
    lost_value: float


@result
class PortfolioFlows(Result):
    """The get-keep-grow flows of the portfolio.

    Attributes
    ----------
    freq : {"D", "W", "M", "Q"}
        The period.
    lost_after : int
        Periods without a purchase after which a customer is lost.
    periods : tuple of FlowPeriod
        Every period up to ``as_of``, in order.
    """

    freq: str
    lost_after: int
    periods: tuple[FlowPeriod, ...]

    _chart = "customer_kanban.plot._customers:portfolio_flows_chart"


@result
class CustomerPortfolio(Result):
    """The customer portfolio of a purchase log as of an instant.

    Attributes
    ----------
    as_of : numpy.datetime64
        The instant of the review (UTC); later purchases are left out.
    customers, transactions : int
        Customers with a purchase by `as_of`, and their purchases.
    value : {"margin", "revenue"}
        What a customer's value is: the margin when every purchase has one, else
        the revenue.
    fits : dict
        ``{"bgnbd": {"purchase_shape", "purchase_scale", "dropout_a", "dropout_b"},
        "gamma_gamma": {"spend_shape", "mixing_shape", "mixing_scale"}}``: the fitted
        parameters behind the future potential.
    thresholds : dict
        ``{"current_value", "future_potential"}``: the medians above which a customer's
        value and potential are high.
    cells : tuple of ValueCell
        The customers per cell of current value × future potential.
    rfm_segments : tuple of RFMSegmentSize
        The customers per RFM segment.
    get_keep_grow : PortfolioFlows
        Customers acquired, retained, won back and lost per period.

    Notes
    -----
    :meth:`to_frame` has one row per value cell (``segment``, ``customers``, ``share``,
    ``current_value``, ``future_potential``; ``as_of`` and ``value`` constant).
    """

    as_of: np.datetime64
    customers: int
    transactions: int
    value: str
    fits: dict[str, dict[str, float]]
    thresholds: dict[str, float]
    cells: tuple[ValueCell, ...]
    rfm_segments: tuple[RFMSegmentSize, ...]
    get_keep_grow: PortfolioFlows

    _chart = "customer_kanban.plot._customers:portfolio_matrix"

    def render(self, *, source: str = "") -> str:
        """The portfolio as readable text; `source` names the data on the first line."""
        return render(self, source)

    def __str__(self) -> str:
        return self.render()

    def _cell_columns(self) -> Columns:
        total = max(self.customers, 1)
        return columns_of(
            [
                {
                    "segment": c.segment,
                    "customers": c.customers,
                    "share": c.customers / total,
                    "current_value": c.current_value,
                    "future_potential": c.future_potential,
                }
                for c in self.cells
            ]
        )

    def _frame_columns(self) -> Columns:
        settings = constant_columns(len(self.cells), as_of=self.as_of, value=self.value)
        return {**self._cell_columns(), **settings}

    def _html_title(self) -> str:
        return (
            f"Customer portfolio as of {str(self.as_of)[:10]}: {self.customers:,} customers, "
            f"{self.transactions:,} transactions; value = {self.value}"
        )

    def _repr_html_(self) -> str:
        rfm = columns_of([s.to_dict() for s in self.rfm_segments])
        flows = self.get_keep_grow
        periods = columns_of([{**p.to_dict(), "period": str(p.period)} for p in flows.periods])
        return html_tables(
            (self._html_title() + ". Value × potential", self._cell_columns()),
            ("RFM segments", rfm),
            (
                f"Get, keep, grow per {PERIOD_NAMES[flows.freq]} "
                f"(lost after {flows.lost_after} periods without a purchase)",
                periods,
            ),
        ) + chart_svg(self)


#: Largest `lost_after`: more periods than the representable instants hold days (213,503),
#: so that any larger value means the same (no customer lost); the cost does not grow
#: with it (measured 0.4 to 2 s on CDNOW from 2 to 10**10).
MAX_LOST_AFTER = 1_000_000


def customer_portfolio(
    table: TransactionTable,
    *,
    as_of: object,
    freq: PortfolioFreq = "Q",
    lost_after: int = 2,
) -> CustomerPortfolio:
    """The customer portfolio: value × potential cells, RFM segments, get-keep-grow flows.

    Parameters
    ----------
    table : TransactionTable
        Purchases: customer, instant, revenue, and where known margin and product.
    as_of : instant
        The instant of the review; later purchases are left out.
    freq : {"D", "W", "M", "Q"}, optional
        Period of the get-keep-grow flows (default a quarter).
    lost_after : int, optional
        Periods without a purchase after which a customer is lost (default 2, at
        least 1, at most 1,000,000: more days than the instants' range holds).

    Returns
    -------
    CustomerPortfolio

    Raises
    ------
    customer_kanban.errors.ValidationError
        If `as_of` is not one instant or no purchase was made by then, `freq` is not
        one of its values, or `lost_after` is outside [1, 1,000,000].
    TypeError
        If `table` is not a TransactionTable or `lost_after` not a whole number.

    Examples
    --------
    >>> from customer_kanban.datasets import CDNOW_AS_OF, load_cdnow
    >>> p = customer_portfolio(load_cdnow(), as_of=CDNOW_AS_OF)
    >>> p.customers, p.transactions, p.value
    (23570, 69659, 'revenue')
    >>> sum(c.customers for c in p.cells) == p.customers
    True
    """
    expect(table, TransactionTable, "table")
    when = as_instant_scalar(as_of, name="as_of")
    freq = cast("PortfolioFreq", check_choice(freq, name="freq", choices=_FREQS))
    lost_after = as_whole_number(lost_after, name="lost_after", minimum=1, maximum=MAX_LOST_AFTER)
    seen = table.as_of(when)
    if len(seen) == 0:
        raise ValidationError("no transaction at or before `as_of`")
    margin = seen["margin"]
    has_margin = bool(np.isfinite(margin).all())
    value = margin if has_margin else seen["revenue"]
    buyers = seen.codes("customer")
    trailing = ck.trailing_value(seen["at"], value, by=buyers, as_of=when, days=365)
    potential, fits = _potential(seen, buyers, value, when, trailing.groups)
    cells = ck.segment_customers(trailing.values, potential, groups=trailing.groups)
    current_total, potential_total = cells.total(trailing.values), cells.total(potential)
    rfm = ck.rfm_segments(ck.rfm(seen["at"], value, by=buyers, as_of=when))
    return CustomerPortfolio(
        as_of=when,
        customers=int(trailing.groups.size),
        transactions=len(seen),
        value="margin" if has_margin else "revenue",
        fits=fits,
        thresholds={
            "current_value": float(cells.thresholds[0]),
            "future_potential": float(cells.thresholds[1]),
        },
        cells=tuple(
            ValueCell(
                segment=str(name),
                customers=int(cells.sizes[k]),
                current_value=float(current_total[k]),
                future_potential=float(potential_total[k]),
            )
            for k, name in enumerate(cells.labels)
        ),
        rfm_segments=tuple(
            RFMSegmentSize(segment=str(name), customers=int(rfm.sizes[k]))
            for k, name in enumerate(rfm.labels)
        ),
        get_keep_grow=_flows(seen, buyers, when, freq, lost_after, has_margin),
    )


def _potential(
    seen: TransactionTable,
    buyers: Any,
    value: npt.NDArray[np.float64],
    when: np.datetime64,
    labels: npt.NDArray[Any],
) -> tuple[npt.NDArray[np.float64], dict[str, dict[str, float]]]:
    """Each customer's expected 12-month value (NaN where unknown), and the fits."""
    summary = ck.purchase_summary(seen["at"], value, by=buyers, as_of=when, period="D")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InsufficientDataWarning)
        bg = ck.fit_bgnbd(summary.frequency, summary.recency, summary.T, penalizer=_PENALTY)
        usable = summary.monetary > 0
        gg = ck.fit_gamma_gamma(
            summary.frequency[usable], summary.monetary[usable], penalizer=_PENALTY
        )
        known = ck.lifetime_value(
            bg,
            gg,
            summary.frequency,
            summary.recency,
            summary.T,
            np.where(usable, summary.monetary, 0.0),
            months=_MONTHS,
            discount_rate=_DISCOUNT,
        )
    # purchase_summary lists the customers with a purchase by `when`, like trailing_value
    potential = np.full(labels.size, np.nan)
    potential[np.searchsorted(labels, summary.groups)] = known
    fits = {
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
    }
    return potential, fits


def _flows(
    seen: TransactionTable,
    buyers: Any,
    when: np.datetime64,
    freq: PortfolioFreq,
    lost_after: int,
    margin: bool,
) -> PortfolioFlows:
    """Customers acquired, retained, won back and lost per period."""
    products = seen.codes("product")
    gkg = ck.get_keep_grow(
        buyers,
        seen["at"],
        seen["revenue"],
        freq=freq,
        lost_after=lost_after,
        margin=seen["margin"] if margin else None,
        product=products if len(products[1]) else None,
        as_of=when,
    )
    periods = tuple(
        FlowPeriod(
            period=start.astype("datetime64[D]").astype(object),
            active=int(gkg.active[0, k]),
            acquired=int(gkg.acquired[0, k]),
            retained=int(gkg.retained[0, k]),
            won_back=int(gkg.won_back[0, k]),
            lost=int(gkg.lost[0, k]),
            active_value=float(gkg.active_value[0, k]),
            lost_value=float(gkg.lost_value[0, k]),
        )
        for k, start in enumerate(gkg.periods)
    )
    return PortfolioFlows(freq=freq, lost_after=lost_after, periods=periods)
