"""customer_portfolio: every figure is the customers package's, called directly; text,
JSON, frame and HTML; the options follow the conventions."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest

from customer_kanban import ValidationError, customers
from customer_kanban.datasets import CDNOW_AS_OF, load_cdnow
from customer_kanban.errors import InsufficientDataWarning
from customer_kanban.reviews import CustomerPortfolio, customer_portfolio
from customer_kanban.table import TransactionTable

AS_OF = np.datetime64("1998-01-31T23:59:59", "ns")


@pytest.fixture(scope="module")
def cdnow():
    table = load_cdnow()
    return table, customer_portfolio(table, as_of=AS_OF, freq="M", lost_after=3)


def test_every_figure_is_the_customers_functions(cdnow):
    table, p = cdnow
    seen = table.as_of(AS_OF)
    buyers = seen.codes("customer")
    at, revenue = seen["at"], seen["revenue"]
    assert (p.transactions, p.value) == (len(seen), "revenue")  # CDNOW has no margin
    trailing = customers.trailing_value(at, revenue, by=buyers, as_of=AS_OF, days=365)
    assert p.customers == trailing.groups.size
    s = customers.purchase_summary(at, revenue, by=buyers, as_of=AS_OF, period="D")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InsufficientDataWarning)
        bg = customers.fit_bgnbd(s.frequency, s.recency, s.T, penalizer=0.001)
        repeat = s.monetary > 0
        gg = customers.fit_gamma_gamma(s.frequency[repeat], s.monetary[repeat], penalizer=0.001)
        known = customers.lifetime_value(
            bg,
            gg,
            s.frequency,
            s.recency,
            s.T,
            np.where(repeat, s.monetary, 0.0),
            months=12,
            discount_rate=0.01,
        )
    assert p.fits["bgnbd"]["purchase_shape"] == bg.purchase_shape
    assert p.fits["gamma_gamma"]["mixing_scale"] == gg.mixing_scale
    potential = np.full(trailing.groups.size, np.nan)
    potential[np.searchsorted(trailing.groups, s.groups)] = known
    cells = customers.segment_customers(trailing.values, potential, groups=trailing.groups)
    assert [c.segment for c in p.cells] == cells.labels.tolist()
    assert [c.customers for c in p.cells] == cells.sizes.tolist()
    np.testing.assert_array_equal([c.future_potential for c in p.cells], cells.total(potential))
    np.testing.assert_array_equal([c.current_value for c in p.cells], cells.total(trailing.values))
    assert p.thresholds["future_potential"] == cells.thresholds[1]
    rfm = customers.rfm_segments(customers.rfm(at, revenue, by=buyers, as_of=AS_OF))
    assert [r.customers for r in p.rfm_segments] == rfm.sizes.tolist()
    gkg = customers.get_keep_grow(buyers, at, revenue, freq="M", lost_after=3, as_of=AS_OF)
    flows = p.get_keep_grow
    assert (flows.freq, flows.lost_after) == ("M", 3)
    assert [f.active for f in flows.periods] == gkg.active[0].tolist()
    assert [f.won_back for f in flows.periods] == gkg.won_back[0].tolist()
    assert [f.lost_value for f in flows.periods] == gkg.lost_value[0].tolist()
    assert str(flows.periods[0].period) == "1997-01-01"


def test_text_json_frame_html(cdnow):
    _, p = cdnow
    assert isinstance(p, CustomerPortfolio)
    text = p.render(source="CDNOW")
    assert text.startswith("Customer portfolio as of 1998-01-31: CDNOW\n")
    assert "Get, keep, grow per month (lost after 3 periods without a purchase):" in text
    assert str(p).startswith("Customer portfolio as of 1998-01-31\n")  # no source
    data = json.loads(p.to_json(), parse_constant=lambda c: pytest.fail(c))
    assert list(data) == [
        "as_of",
        "customers",
        "transactions",
        "value",
        "fits",
        "thresholds",
        "cells",
        "rfm_segments",
        "get_keep_grow",
    ]
    assert data["as_of"] == "1998-01-31T23:59:59Z"
    assert data["get_keep_grow"]["periods"][0]["period"] == "1997-01-01"
    assert len(repr(p).splitlines()) <= 20
    frame = p.to_frame()
    assert list(frame["segment"]) == [c.segment for c in p.cells]
    assert list(frame["customers"]) == [c.customers for c in p.cells]
    assert frame["share"].sum() == pytest.approx(1.0)
    assert set(frame["value"]) == {"revenue"}
    for backend in ("polars", "pyarrow"):
        assert len(p.to_frame(backend)) == len(p.cells)
    html = p._repr_html_()
    assert html.count("<table") == 3
    assert "<pre>" not in html
    assert "<th>won_back</th>" in html


def test_margin_and_hostile_products_stay_text():
    columns = {
        "customer": np.array(["<b>a</b>", "b", "<b>a</b>", "c"], dtype=object),
        "at": np.array(["2024-01-05", "2024-01-09", "2024-02-01", "2024-03-01"], dtype=object),
        "revenue": np.array(["100", "40", "60", "10"], dtype=object),
        "margin": np.array(["30", "-5", "30", "2"], dtype=object),
        "product": np.array(["<script>", "cd", "dvd", "cd"], dtype=object),
    }
    table = TransactionTable.from_columns(
        columns, customer="customer", at="at", revenue="revenue", margin="margin", product="product"
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InsufficientDataWarning)
        p = customer_portfolio(table, as_of="2024-03-31", freq="M", lost_after=1)
    assert p.value == "margin"
    assert [f.acquired for f in p.get_keep_grow.periods] == [2, 0, 1]
    html = p._repr_html_()
    assert "<script>" not in html
    assert "<b>" not in html


def test_options_follow_the_conventions(cdnow):
    table, _ = cdnow
    with pytest.raises(ValidationError, match="`freq` must be one of 'D', 'W', 'M', 'Q'; got 'Y'"):
        customer_portfolio(table, as_of=CDNOW_AS_OF, freq="Y")  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="`lost_after` must be at least 1; got 0"):
        customer_portfolio(table, as_of=CDNOW_AS_OF, lost_after=0)
    with pytest.raises(TypeError, match="`lost_after` must be a whole number"):
        customer_portfolio(table, as_of=CDNOW_AS_OF, lost_after=1.5)  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="`as_of` must be one instant, got 2"):
        customer_portfolio(table, as_of=["1998-01-01", "1998-02-01"])
    with pytest.raises(ValidationError, match="no transaction at or before `as_of`"):
        customer_portfolio(table, as_of="1990-01-01")
    with pytest.raises(TypeError, match="positional"):
        customer_portfolio(table, CDNOW_AS_OF)  # type: ignore[misc]


# ----------------------------------------------------------------- bad input (issue G)


def test_lost_after_is_bounded_and_the_table_checked():
    table = load_cdnow()
    for value in (10**6 + 1, 2**63):
        with pytest.raises(ValidationError, match=r"`lost_after` must be at most 1000000"):
            customer_portfolio(table, as_of=AS_OF, lost_after=value)
    with pytest.raises(TypeError, match=r"`table` must be a TransactionTable, got dict"):
        customer_portfolio({"customer": []}, as_of=AS_OF)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"`table` must be a TransactionTable, got NoneType"):
        customer_portfolio(None, as_of=AS_OF)  # type: ignore[arg-type]
