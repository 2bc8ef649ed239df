"""The CDNOW customer purchases: real transactions for the customer-value side."""

from __future__ import annotations

import gzip
import io
from importlib import resources

import numpy as np

from customer_kanban.table import TransactionTable

__all__ = ["CDNOW_AS_OF", "cdnow_path", "load_cdnow"]

#: End of the CDNOW observation period (the last day of June 1998).
CDNOW_AS_OF = "1998-06-30T23:59:59"


def cdnow_path() -> str:
    """Path of the embedded, gzip-compressed CDNOW purchase log."""
    return str(resources.files("customer_kanban.datasets") / "data" / "cdnow_master.txt.gz")


def load_cdnow() -> TransactionTable:
    """The CDNOW purchases as a :class:`~customer_kanban.table.TransactionTable`.

    Every purchase of the 23,570 customers who first bought from CDNOW (an
    online music shop) in the first quarter of 1997, followed to the end of
    June 1998 (Fader and Hardie; "CDNOW data, via the lifetimes package"; see
    the NOTICE file). ``revenue`` is the dollar value of the purchase; the log
    holds no cost, so ``margin`` is unknown (NaN): pass a margin rate where a
    margin is needed. Purchases are at day resolution (midnight UTC).

    Returns
    -------
    TransactionTable
        69,659 transactions of 23,570 customers.

    Examples
    --------
    >>> t = load_cdnow()
    >>> len(t), len(t.customers)
    (69659, 23570)
    >>> str(t["at"].min())[:10], str(t["at"].max())[:10]
    ('1997-01-01', '1998-06-30')
    """
    with gzip.open(cdnow_path(), "rb") as fh:
        raw = fh.read()
    table = np.loadtxt(
        io.BytesIO(raw),
        skiprows=1,
        dtype=[("id", "U5"), ("date", "i8"), ("cds", "i8"), ("usd", "f8")],
    )
    ymd = table["date"]
    years = (ymd // 10_000 - 1970).astype("datetime64[Y]")
    months = years.astype("datetime64[M]") + (ymd // 100 % 100 - 1)
    days = months.astype("datetime64[D]") + (ymd % 100 - 1)
    return TransactionTable.from_columns(
        {"customer": table["id"], "at": days.astype("datetime64[ns]"), "revenue": table["usd"]}
    )
