"""The columnar form of customers and their transactions.

:class:`TransactionTable` holds one row per purchase (or invoice line): the
customer, the instant, the revenue, the margin (or the cost it is derived
from) and the product or work type. :class:`CustomerTable` holds one row per
customer: internal or external, segment, acquisition instant. Both follow
:class:`~customer_kanban.table.WorkItemTable`: instants are ``datetime64[ns]``
in UTC, categorical fields are ``int32`` codes (-1 = missing) plus labels,
columns are read-only, and validation names every offending row.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from customer_kanban._core.validation import as_instant_scalar
from customer_kanban.errors import ValidationError, describe_rows
from customer_kanban.model import Customer
from customer_kanban.table._checks import refuse_nul, values_of, whole_number_ids
from customer_kanban.table._columns import (
    Codes,
    Labels,
    _column,
    _columns_of,
    _factorize,
    _instants,
    _is_coded,
    _missing_label,
    _readonly,
    _values,
)

__all__ = ["CustomerTable", "TransactionTable"]

Columns = tuple[tuple[str, ...], dict[str, Any]]


def _data(data: object, *names: str | None) -> Columns:
    """The column names of `data` and its columns `names` (None: not asked for)."""
    for name in names:
        if name is not None and not isinstance(name, str):
            raise TypeError(f"column names must be strings, got {type(name).__name__} {name!r}")
    return _columns_of(data, "data", [name for name in names if name is not None])


def _get(data: Columns, name: str) -> object:
    names, columns = data
    if name not in columns:
        raise ValidationError(f"column {name!r} not found; the data has {list(names)}")
    return columns[name]


def _ids(values: object, name: str) -> Any:
    """An id column: whole-number floats as integers (``1.0`` is customer ``"1"``)."""
    if _is_coded(values):
        return values
    arr = _column(values, name)
    if arr.dtype.kind == "f":
        missing = np.isnan(arr)
        out = np.full(arr.size, None, dtype=object)
        out[~missing] = whole_number_ids(arr[~missing], name).astype(str)
        return out
    return arr


def _numbers(values: object, name: str) -> npt.NDArray[np.float64]:
    arr = _column(values, name)
    try:
        out = np.asarray(arr, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValidationError(f"`{name}` must hold numbers: {exc}") from exc
    return out


def _same_length(column: npt.NDArray[Any], n: int, name: str, first: str) -> npt.NDArray[Any]:
    if len(column) != n:
        raise ValidationError(
            f"column {name!r} has {len(column)} values but {first!r} has {n}: "
            "every column needs one value per row"
        )
    return column


def _problems(checks: Sequence[tuple[str, npt.NDArray[np.bool_]]]) -> None:
    """Raise one ValidationError listing every broken rule with its rows."""
    parts, rows = [], set()
    for rule, bad in checks:
        if bad.any():
            where = np.flatnonzero(bad).tolist()
            parts.append(f"{rule} in {describe_rows(where)}")
            rows.update(where)
    if parts:
        raise ValidationError("; ".join(parts), rows=sorted(rows))


class TransactionTable:
    """Customer transactions, one row per purchase, as columns.

    Build it with :meth:`from_columns`. Columns: ``at`` (datetime64[ns] UTC),
    ``revenue`` and ``margin`` (float64; margin NaN = unknown); categorical
    ``customer`` and ``product`` through :meth:`codes`.

    Examples
    --------
    >>> t = TransactionTable.from_columns(
    ...     {"customer": ["a", "b", "a"], "at": ["2024-01-05", "2024-01-09", "2024-02-01"],
    ...      "revenue": [100.0, 40.0, 60.0], "cost": [70.0, 35.0, 30.0]},
    ...     cost="cost")
    >>> len(t), t.customers.tolist(), t["margin"].tolist()
    (3, ['a', 'b'], [30.0, 5.0, 30.0])
    >>> t.codes("customer")[0].tolist()
    [0, 1, 0]
    """

    __slots__ = ("_at", "_categories", "_margin", "_revenue")

    def __init__(
        self,
        *,
        customer: tuple[Codes, Labels],
        at: npt.NDArray[np.datetime64],
        revenue: npt.NDArray[np.float64],
        margin: npt.NDArray[np.float64],
        product: tuple[Codes, Labels],
    ) -> None:
        self._categories = {
            "customer": (_readonly(customer[0]), customer[1]),
            "product": (_readonly(product[0]), product[1]),
        }
        self._at = _readonly(at)
        self._revenue = _readonly(revenue)
        self._margin = _readonly(margin)
        n = len(at)
        lengths = {len(customer[0]), len(revenue), len(margin), len(product[0])}
        if lengths != {n}:
            raise ValidationError(
                f"every column must have one value per transaction; got lengths {sorted(lengths)}"
            )

    @classmethod
    def from_columns(
        cls,
        data: Mapping[str, object] | Any,
        *,
        customer: str = "customer",
        at: str = "at",
        revenue: str = "revenue",
        margin: str | None = None,
        cost: str | None = None,
        product: str | None = None,
    ) -> TransactionTable:
        """Build the table from a mapping of columns or a data frame.

        Parameters
        ----------
        data : mapping of str to array_like, or data frame
            The columns: a pandas, polars or pyarrow table (or any eager frame
            narwhals supports), or a mapping of numpy arrays, lists or frame
            columns.  Categorical and dictionary columns are read as their codes
            and labels (no Python object per row), Arrow strings are
            dictionary-encoded in Arrow, and timestamps with a time zone are
            converted to UTC: the table equals that of the same values as numpy
            arrays.
        customer, at, revenue : str, optional
            Names of the customer id, instant and revenue columns.
        margin : str, optional
            Name of a margin column (revenue minus every cost of serving it).
        cost : str, optional
            Name of a cost column; margin = revenue - cost. Not with `margin`.
        product : str, optional
            Name of a product or work-type column (for cross-selling).

        Returns
        -------
        TransactionTable

        Raises
        ------
        customer_kanban.errors.ValidationError
            If a column is missing, both `margin` and `cost` are given, or
            rows have no customer, no instant, or a revenue that is not a
            finite number (every such row is named).
        TypeError
            If `data` is neither a mapping nor a data frame, or a column name is
            not a string.

        Examples
        --------
        >>> import pyarrow as pa
        >>> data = pa.table({
        ...     "customer": pa.array(["b", "a", "b"]).dictionary_encode(),
        ...     "at": pa.array([0, 86_400, 3_600], pa.timestamp("s", tz="Asia/Tokyo")),
        ...     "revenue": [10.0, 20.0, 5.0]})
        >>> t = TransactionTable.from_columns(data)
        >>> t.customers.tolist(), t.codes("customer")[0].tolist()
        (['a', 'b'], [1, 0, 1])
        >>> str(t["at"][1])
        '1970-01-02T00:00:00.000000000'
        """
        if margin is not None and cost is not None:
            raise ValidationError("give `margin` or `cost`, not both")
        columns = _data(data, customer, at, revenue, margin, cost, product)
        cust = _factorize(_ids(_get(columns, customer), customer), None, customer)
        when = _instants(_values(_get(columns, at), at), at)
        rev = _numbers(_get(columns, revenue), revenue)
        n = len(cust[0])
        if len(when) != n or len(rev) != n:
            raise ValidationError(
                f"columns must have the same length; got {customer}={n}, {at}={len(when)}, "
                f"{revenue}={len(rev)}"
            )
        if margin is not None:
            marg = _same_length(_numbers(_get(columns, margin), margin), n, margin, customer)
        elif cost is not None:
            marg = rev - _same_length(_numbers(_get(columns, cost), cost), n, cost, customer)
        else:
            marg = np.full(n, np.nan)
        if product is not None:
            prod = _factorize(_get(columns, product), None, product)
            _same_length(prod[0], n, product, customer)
        else:
            prod = (np.full(n, -1, dtype=np.int32), np.array([], dtype=object))
        _problems(
            [
                (f"`{customer}` is missing", cust[0] < 0),
                (f"`{at}` is missing (NaT)", np.isnat(when)),
                (f"`{revenue}` is not a finite number", ~np.isfinite(rev)),
                ("`margin` is infinite", np.isinf(marg)),
            ]
        )
        return cls(customer=cust, at=when, revenue=rev, margin=marg, product=prod)

    # ------------------------------------------------------------------ access

    def __len__(self) -> int:
        return len(self._at)

    def __repr__(self) -> str:
        return (
            f"<TransactionTable: {len(self)} transactions of {len(self.customers)} customers, "
            f"{len(self._categories['product'][1])} products>"
        )

    def __getitem__(self, name: str) -> npt.NDArray[Any]:
        """The column ``"at"``, ``"revenue"`` or ``"margin"`` (read-only)."""
        columns: dict[str, npt.NDArray[Any]] = {
            "at": self._at,
            "revenue": self._revenue,
            "margin": self._margin,
        }
        if name in self._categories:
            raise KeyError(f"{name!r} is categorical: use .codes({name!r})")
        if name not in columns:
            raise KeyError(f"no column {name!r}; the columns are {[*columns, *self._categories]}")
        return columns[name]

    def codes(self, name: str) -> tuple[Codes, Labels]:
        """``(codes, labels)`` of ``"customer"`` or ``"product"`` (-1 = missing)."""
        if name not in self._categories:
            raise KeyError(
                f"{name!r} is not a categorical field; those are {list(self._categories)}"
            )
        return self._categories[name]

    @property
    def customers(self) -> Labels:
        """Customer labels (sorted), indexed by the customer codes."""
        return self._categories["customer"][1]

    @property
    def nbytes(self) -> int:
        """Bytes held by the columns."""
        return int(
            self._at.nbytes
            + self._revenue.nbytes
            + self._margin.nbytes
            + sum(c.nbytes for c, _ in self._categories.values())
        )

    def filter(self, mask: npt.ArrayLike) -> TransactionTable:
        """The transactions where the boolean `mask` is True (labels kept)."""
        m = np.asarray(mask)
        if m.dtype != np.bool_ or m.shape != (len(self),):
            raise ValidationError(
                f"`mask` must be booleans, one per transaction ({len(self)}); got "
                f"{m.dtype} of shape {m.shape}"
            )
        cust, prod = self._categories["customer"], self._categories["product"]
        return TransactionTable(
            customer=(cust[0][m], cust[1]),
            at=self._at[m],
            revenue=self._revenue[m],
            margin=self._margin[m],
            product=(prod[0][m], prod[1]),
        )

    def as_of(self, instant: object) -> TransactionTable:
        """The transactions at or before `instant`."""
        return self.filter(self._at <= as_instant_scalar(instant, name="instant"))


class CustomerTable:
    """Customers as columns: id, internal, segment, acquisition instant.

    Examples
    --------
    >>> ct = CustomerTable.from_customers([Customer(id="a", segment="premium"),
    ...                                    Customer(id="b", internal=True)])
    >>> ct.ids.tolist(), ct.internal.tolist(), ct.codes("segment")[0].tolist()
    (['a', 'b'], [False, True], [0, -1])
    >>> ct.lookup(["b", "a", "zz", None]).tolist()
    [1, 0, -1, -1]
    """

    __slots__ = ("_acquired", "_ids", "_internal", "_segment")

    def __init__(
        self,
        *,
        ids: npt.NDArray[Any],
        internal: npt.NDArray[np.bool_],
        segment: tuple[Codes, Labels],
        acquired_at: npt.NDArray[np.datetime64],
    ) -> None:
        self._ids = _readonly(ids)
        self._internal = _readonly(internal)
        self._segment = (_readonly(segment[0]), segment[1])
        self._acquired = _readonly(acquired_at)

    @classmethod
    def from_columns(
        cls,
        data: Mapping[str, object] | Any,
        *,
        id: str = "id",
        internal: str | None = None,
        segment: str | None = None,
        acquired_at: str | None = None,
    ) -> CustomerTable:
        """Build the table from a mapping of columns or a data frame.

        Parameters
        ----------
        data : mapping of str to array_like, or data frame
            The columns: a pandas, polars or pyarrow table (or any eager frame
            narwhals supports), or a mapping of numpy arrays, lists or frame
            columns, read as by :meth:`TransactionTable.from_columns`.
        id : str, optional
            Name of the customer id column.
        internal, segment, acquired_at : str, optional
            Names of the columns saying whether a customer is internal
            (booleans), its segment, and when it was acquired.

        Returns
        -------
        CustomerTable

        Raises
        ------
        customer_kanban.errors.ValidationError
            If a column is missing or has another length, or an id is
            missing or repeated (the rows are named).
        TypeError
            If `data` is neither a mapping nor a data frame, or the `internal`
            column does not hold booleans.

        Examples
        --------
        >>> ct = CustomerTable.from_columns({"id": ["a", "b"], "seg": ["gold", None]},
        ...                                 segment="seg")
        >>> ct.segment_of(["b", "a"])[0].tolist()
        [-1, 0]
        >>> import pandas as pd
        >>> frame = pd.DataFrame({"id": ["a", "b"], "seg": ["gold", None]}, dtype="category")
        >>> CustomerTable.from_columns(frame, segment="seg").codes("segment")[0].tolist()
        [0, -1]
        """
        columns = _data(data, id, internal, segment, acquired_at)
        raw = _ids(_get(columns, id), id)
        codes, labels = _factorize(raw, None, id)
        ids: npt.NDArray[Any] = np.full(len(codes), None, dtype=object)
        ids[codes >= 0] = labels[codes[codes >= 0]]
        n = len(ids)
        flags = np.zeros(n, dtype=np.bool_)
        if internal is not None:
            col = _same_length(_column(_get(columns, internal), internal), n, internal, id)
            if col.dtype != np.bool_:
                raise TypeError(f"column {internal!r} must hold True/False, got {col.dtype}")
            flags = col.astype(np.bool_)
        seg = (
            _factorize(_get(columns, segment), None, segment)
            if segment is not None
            else (np.full(n, -1, dtype=np.int32), np.array([], dtype=object))
        )
        if segment is not None:
            _same_length(seg[0], n, segment, id)
        acq = (
            _instants(_values(_get(columns, acquired_at), acquired_at), acquired_at)
            if acquired_at is not None
            else np.full(n, np.datetime64("NaT", "ns"))
        )
        if acquired_at is not None:
            _same_length(acq, n, acquired_at, id)
        per_code = np.bincount(codes[codes >= 0], minlength=len(labels))
        repeated = (codes >= 0) & (per_code[np.maximum(codes, 0)] > 1) if n else codes < 0
        _problems([("`id` is missing", codes < 0), ("`id` is repeated", repeated)])
        return cls(ids=ids, internal=flags, segment=seg, acquired_at=acq)

    @classmethod
    def from_customers(cls, customers: Iterable[Customer]) -> CustomerTable:
        """Build the table from :class:`~customer_kanban.model.Customer` values."""
        items = values_of(customers, Customer, "customers")
        stamps = [None if c.acquired_at is None else c.acquired_at for c in items]
        return cls.from_columns(
            {
                "id": np.array([c.id for c in items], dtype=object),
                "internal": np.array([c.internal for c in items], dtype=np.bool_),
                "segment": np.array([c.segment for c in items], dtype=object),
                "acquired_at": np.array(stamps, dtype=object),
            },
            internal="internal",
            segment="segment",
            acquired_at="acquired_at",
        )

    def __len__(self) -> int:
        return len(self._ids)

    def __repr__(self) -> str:
        return f"<CustomerTable: {len(self)} customers, {len(self._segment[1])} segments>"

    @property
    def ids(self) -> npt.NDArray[Any]:
        """Customer ids (object array of str)."""
        return self._ids

    @property
    def internal(self) -> npt.NDArray[np.bool_]:
        """True for internal customers (other departments)."""
        return self._internal

    @property
    def acquired_at(self) -> npt.NDArray[np.datetime64]:
        """Acquisition instants (``NaT`` = unknown)."""
        return self._acquired

    def codes(self, name: str) -> tuple[Codes, Labels]:
        """``(codes, labels)`` of ``"segment"`` (-1 = no segment)."""
        if name != "segment":
            raise KeyError(f"{name!r} is not a categorical field; the only one is 'segment'")
        return self._segment

    def lookup(self, ids: npt.ArrayLike) -> npt.NDArray[np.intp]:
        """Row of each id in this table (-1 when unknown or missing), vectorized.

        With ``segment_codes[lookup(ids)]`` any table's customer column is
        joined to the customers' segments (mind the -1 rows).
        """
        wanted = _ids(ids, "ids")
        refuse_nul(wanted, "ids")
        missing = _missing_label(wanted)
        keys = wanted.astype(str)
        own = self._ids.astype(str)
        order = np.argsort(own)
        pos = np.searchsorted(own[order], keys)
        pos = np.minimum(pos, max(len(own) - 1, 0))
        found = (own[order][pos] == keys) & ~missing if len(own) else np.zeros(len(keys), bool)
        out = np.full(len(keys), -1, dtype=np.intp)
        out[found] = order[pos[found]]
        return out

    def segment_of(self, ids: npt.ArrayLike) -> tuple[Codes, Labels]:
        """``(codes, labels)`` of the segment of each id (-1: unknown id or no segment).

        The join of work items (or transactions) to their customers' segments,
        ready for any metric's ``by=``.
        """
        rows = self.lookup(ids)
        seg_codes, labels = self._segment
        out = np.where(rows >= 0, seg_codes[np.maximum(rows, 0)], -1).astype(np.int32)
        return out, labels
