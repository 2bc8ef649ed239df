"""The result base: every result object of customer_kanban derives from :class:`Result`.

A result class is a frozen attrs class with its fields and a docstring, made with
the :func:`result` decorator::

    @result
    class AttainmentResult(Result):
        groups: LabelArray
        attainment: FloatArray

The decorator is ``attrs.frozen(kw_only=True, repr=False)`` with every field compared
by value (arrays element by element, NaN equal to NaN) and left out of the hash, so
the class needs no per-field boilerplate.  The base gives every result:

* ``to_dict()`` / ``to_json()``: strict RFC 8259 JSON (non-finite numbers and ``NaT``
  as ``null``; instants as ISO 8601 in UTC);
* ``to_frame(backend="pandas")``: a tidy long frame, one row per group × period ×
  state / quantile, in pandas, polars or pyarrow (through narwhals, imported on use);
* a ``repr`` of at most :data:`REPR_LINES` lines, never the whole array;
* ``_repr_html_``: an HTML table (escaped labels, numbers right-aligned), truncated
  like pandas truncates a long frame.

The frame's axes are the fields named in :data:`AXES` that a result has, in that
order; every array field whose shape matches some of them in order becomes a column
(broadcast over the others), and scalar fields become constant columns.  A result
with no axis field but 1-D arrays of one length gets one row per element.  A class
with another shape overrides :meth:`Result._frame_columns`.
"""

from __future__ import annotations

import datetime as _dt
import enum
import html
import itertools
import json
import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar, Literal, TypeVar, cast

import attrs
import numpy as np
import numpy.typing as npt

from customer_kanban._core.plotting import chart_function, chart_svg
from customer_kanban._core.serialize import to_dict
from customer_kanban._core.validation import check_choice

__all__ = ["AXES", "FRAME_BACKENDS", "REPR_LINES", "Result", "result", "same_value"]

#: The axes of a tidy frame, in the order of a result's array dimensions.
AXES = ("groups", "periods", "states", "q")
#: Column name of each axis in a frame.
_AXIS_COLUMN = {"groups": "group", "periods": "period", "states": "state", "q": "q"}
#: The frame libraries :meth:`Result.to_frame` can build.
FRAME_BACKENDS = ("pandas", "polars", "pyarrow")
FrameBackend = Literal["pandas", "polars", "pyarrow"]
#: Most lines a result's ``repr`` takes.
REPR_LINES = 20
# pandas' display.max_rows and display.min_rows: a longer table shows its head and tail.
_HTML_MAX_ROWS = 60
_HTML_EDGE_ROWS = 5
_REPR_WIDTH = 96

T = TypeVar("T")

if TYPE_CHECKING:
    from typing_extensions import dataclass_transform
else:

    def dataclass_transform(**_: object) -> Any:
        return lambda f: f


def same_value(a: object, b: object) -> bool:
    """Whether two field values are equal: arrays element by element, NaN equal to NaN.

    Examples
    --------
    >>> same_value(np.array([1.0, np.nan]), np.array([1.0, np.nan]))
    True
    >>> same_value((1.0, float("nan")), (1.0, float("nan")))
    True
    >>> same_value(np.array(["a"]), np.array(["b"]))
    False
    """
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return _same_arrays(np.asarray(a), np.asarray(b))
    if isinstance(a, (tuple, list)) and isinstance(b, (tuple, list)):
        return len(a) == len(b) and all(same_value(x, y) for x, y in zip(a, b, strict=True))
    if _missing(a) and _missing(b):
        return True
    return bool(a == b)


def _same_arrays(x: npt.NDArray[Any], y: npt.NDArray[Any]) -> bool:
    if x.shape != y.shape:
        return False
    nan = x.dtype.kind in "fcmM" and y.dtype.kind in "fcmM"
    return bool(np.array_equal(x, y, equal_nan=nan))


def _missing(value: object) -> bool:
    """NaN or NaT (the values that are not equal to themselves)."""
    if isinstance(value, float):
        return math.isnan(value)
    return isinstance(value, np.datetime64) and bool(np.isnat(value))


_ByValue = attrs.cmp_using(eq=same_value, class_name="ByValue")


def _by_value(_cls: type, fields: list[attrs.Attribute[Any]]) -> list[attrs.Attribute[Any]]:
    return [f.evolve(eq=True, eq_key=_ByValue, hash=False) for f in fields]


@dataclass_transform(frozen_default=True, kw_only_default=True, field_specifiers=(attrs.field,))
def result(cls: type[T]) -> type[T]:
    """Make `cls` a result class: frozen, keyword-only, fields compared by value.

    Examples
    --------
    >>> @result
    ... class Example(Result):
    ...     groups: np.ndarray
    ...     share: np.ndarray
    >>> r = Example(groups=np.array(["a", "b"]), share=np.array([0.5, np.nan]))
    >>> r == Example(groups=np.array(["a", "b"]), share=np.array([0.5, np.nan]))
    True
    >>> r.to_json()
    '{"groups": ["a", "b"], "share": [0.5, null]}'
    """
    return attrs.frozen(kw_only=True, repr=False, field_transformer=_by_value)(cls)


class Result:
    """Base of every result object: export, tidy frames, a short repr, an HTML table."""

    __slots__ = ()

    #: Optional dimensions of array fields that the inference cannot tell (field -> axes).
    _dims: ClassVar[Mapping[str, tuple[str, ...]]] = {}
    #: The function that draws this result, ``"module:function"`` (None: no chart).
    _chart: ClassVar[str | None] = None

    # ------------------------------------------------------------------ charts

    def plot(self, ax: Any = None, **kwargs: Any) -> Any:
        """Draw this result with matplotlib and return the ``Axes`` drawn on.

        Parameters
        ----------
        ax : matplotlib.axes.Axes, optional
            Where to draw; a new figure when omitted.
        **kwargs
            Options of the chart (see its function in :mod:`customer_kanban.plot`).

        Raises
        ------
        ImportError
            Without matplotlib (``pip install "customer-kanban[plot]"``).
        TypeError
            When this result has no chart.
        """
        return chart_function(self, self._chart)(self, ax=ax, **kwargs)

    # ------------------------------------------------------------------ export

    def to_dict(self) -> dict[str, Any]:
        """Return this result as plain Python data (JSON-compatible).

        Arrays become lists, instants ISO 8601 strings in UTC, and non-finite
        numbers and ``NaT`` become ``None``.
        """
        out: dict[str, Any] = to_dict(self)
        return out

    def to_json(self, *, indent: int | None = None) -> str:
        """Return this result as strict JSON (RFC 8259: no ``NaN`` or ``Infinity`` tokens).

        Non-finite numbers and ``NaT`` are ``null``.
        """
        return json.dumps(self.to_dict(), indent=indent, allow_nan=False)

    def to_frame(self, backend: FrameBackend = "pandas") -> Any:
        """Return this result as a tidy long data frame.

        Parameters
        ----------
        backend : {"pandas", "polars", "pyarrow"}, optional
            The frame library to build (it must be installed); the frame is built
            through narwhals, and no frame library is imported before this call.

        Returns
        -------
        pandas.DataFrame, polars.DataFrame or pyarrow.Table
            One row per group × period × state / quantile (the axes the result
            has); one column per axis (``group``, ``period``, ``state``, ``q``)
            and per figure. Instants are UTC.

        Raises
        ------
        customer_kanban.errors.ValidationError
            If `backend` is not one of the three.
        ImportError
            If narwhals or the frame library is not installed.
        """
        name = check_choice(backend, name="backend", choices=FRAME_BACKENDS)
        try:
            import narwhals as nw
        except ImportError as exc:  # pragma: no cover - narwhals is a dependency
            raise ImportError("to_frame() needs narwhals: pip install narwhals") from exc
        try:
            __import__(name)
        except ImportError as exc:
            hint = f"to_frame(backend={name!r}) needs {name}: pip install {name}"
            raise ImportError(hint) from exc
        frame = nw.from_dict(
            _frame_ready(self._frame_columns()), backend=cast("FrameBackend", name)
        )
        return frame.to_native()

    # ------------------------------------------------------------------ frame columns

    def _frame_columns(self) -> dict[str, npt.NDArray[Any]]:
        """The tidy frame as 1-D columns of one length (see the module docstring)."""
        values = {f.name: getattr(self, f.name) for f in _fields(self)}
        axes, arrays = _axes_and_arrays(values)
        dims = self._dims_of_arrays(arrays, axes)
        used = [a for a in axes if any(a in d for d in dims.values())]
        if not used and (not axes or any(_is_records(v) for v in values.values())):
            return _rows_without_axes(values, arrays)
        used = used or list(axes)[:1]
        columns = _grid_columns({a: axes[a] for a in used}, {n: arrays[n] for n in dims}, dims)
        n = int(np.prod([len(axes[a]) for a in used]))
        columns.update(_scalar_columns(values, n))
        return columns

    def _dims_of_arrays(
        self, arrays: Mapping[str, npt.NDArray[Any]], axes: Mapping[str, npt.NDArray[Any]]
    ) -> dict[str, tuple[str, ...]]:
        """The axes of each array field that has some (declared, or matched by shape)."""
        found = {name: self._dims_of(name, a, axes) for name, a in arrays.items()}
        return {name: d for name, d in found.items() if d is not None}

    def _dims_of(
        self, name: str, array: npt.NDArray[Any], axes: Mapping[str, npt.NDArray[Any]]
    ) -> tuple[str, ...] | None:
        declared = self._dims.get(name)
        if declared is not None:
            return declared
        for dims in itertools.combinations(list(axes), array.ndim):
            if tuple(len(axes[a]) for a in dims) == array.shape:
                return dims
        return None

    # ------------------------------------------------------------------ display

    def __repr__(self) -> str:
        return _repr(self)

    def _repr_html_(self) -> str:
        table = _html_table(self._html_title(), self._frame_columns())
        return table + chart_svg(self) if self._chart is not None else table

    def _html_title(self) -> str:
        """The caption of the HTML table (plain text; escaped when shown)."""
        return type(self).__name__


# ---------------------------------------------------------------------- helpers


def _fields(obj: Result) -> tuple[attrs.Attribute[Any], ...]:
    out: tuple[attrs.Attribute[Any], ...] = attrs.fields(cast("Any", type(obj)))
    return out


def _axes_and_arrays(
    values: Mapping[str, object],
) -> tuple[dict[str, npt.NDArray[Any]], dict[str, npt.NDArray[Any]]]:
    """The axis fields present (in :data:`AXES` order) and the other array fields."""
    axes = {name: _as_1d(values[name]) for name in AXES if _is_axis(values.get(name))}
    arrays = {
        name: v
        for name, v in values.items()
        if name not in axes and isinstance(v, np.ndarray) and v.ndim >= 1
    }
    return axes, arrays


def _grid_columns(
    axes: Mapping[str, npt.NDArray[Any]],
    arrays: Mapping[str, npt.NDArray[Any]],
    dims: Mapping[str, tuple[str, ...]],
) -> dict[str, npt.NDArray[Any]]:
    """One row per combination of the axes (in order); each array read at its own axes."""
    used = list(axes)
    grids = np.meshgrid(*(np.arange(len(axes[a])) for a in used), indexing="ij")
    columns = {_AXIS_COLUMN[a]: axes[a][g.ravel()] for a, g in zip(used, grids, strict=True)}
    for name, d in dims.items():
        columns[name] = arrays[name][tuple(grids[used.index(a)].ravel() for a in d)]
    return columns


def _is_axis(value: object) -> bool:
    return (isinstance(value, np.ndarray) and value.ndim == 1) or (
        isinstance(value, tuple) and all(not attrs.has(type(v)) for v in value)
    )


def _as_1d(value: object) -> npt.NDArray[Any]:
    if isinstance(value, np.ndarray):
        return value
    items = list(cast("tuple[Any, ...]", value))
    out: npt.NDArray[Any] = np.empty(len(items), dtype=object)
    out[:] = items
    return out


def _is_scalar(value: object) -> bool:
    return isinstance(value, (bool, int, float, str, np.generic, _dt.datetime, enum.Enum))


def _scalar_columns(values: Mapping[str, object], n: int) -> dict[str, npt.NDArray[Any]]:
    out: dict[str, npt.NDArray[Any]] = {}
    for name, v in values.items():
        if _is_scalar(v) and name not in AXES:
            if isinstance(v, enum.Enum):
                v = v.value
            if isinstance(v, _dt.datetime):
                v = np.datetime64(v.astimezone(_dt.timezone.utc).replace(tzinfo=None), "ns")
            out[name] = np.repeat(np.asarray(v), n)
    return out


def _rows_without_axes(
    values: Mapping[str, object], arrays: Mapping[str, npt.NDArray[Any]]
) -> dict[str, npt.NDArray[Any]]:
    """One row per element of the longest 1-D arrays; else one row per record of the first
    tuple of results (a review's lines, a record's decisions); else one row of scalars."""
    one_d = {name: a for name, a in arrays.items() if a.ndim == 1}
    records = next((v for v in values.values() if _is_records(v)), None)
    if not one_d and isinstance(records, tuple):
        columns = _record_columns(records)
        n = len(records)
    else:
        n = max((len(a) for a in one_d.values()), default=1)
        columns = {name: a for name, a in one_d.items() if len(a) == n}
    for name, column in _scalar_columns(values, n).items():
        columns.setdefault(name, column)
    return columns


def _is_records(value: object) -> bool:
    return isinstance(value, tuple) and bool(value) and all(isinstance(v, Result) for v in value)


def _record_columns(records: tuple[Result, ...]) -> dict[str, npt.NDArray[Any]]:
    """Columns of a tuple of results: their scalar fields, and tuples of numbers spread out."""
    columns: dict[str, list[object]] = {}
    for k, record in enumerate(records):
        for f in _fields(record):
            value = getattr(record, f.name)
            cells = _cells_of(f.name, value)
            for name, cell in cells.items():
                columns.setdefault(name, [None] * k).append(cell)
        for column in columns.values():  # a field missing from this record
            if len(column) < k + 1:
                column.append(None)
    return {name: _as_1d(tuple(cells)) for name, cells in columns.items()}


def _cells_of(name: str, value: object) -> dict[str, object]:
    """The frame cells of one record field: a scalar, or one cell per number of a tuple."""
    if isinstance(value, enum.Enum):
        return {name: value.value}
    if _is_scalar(value) or value is None:
        return {name: value}
    if isinstance(value, tuple) and all(_is_scalar(v) for v in value):
        return {f"{name}_{k}": v for k, v in enumerate(value)}
    return {}


def _frame_ready(columns: Mapping[str, npt.NDArray[Any]]) -> dict[str, npt.NDArray[Any]]:
    """Columns the frame libraries read alike: labels of mixed types as text."""
    out: dict[str, npt.NDArray[Any]] = {}
    for name, c in columns.items():
        if c.dtype.kind == "O":
            kinds = {type(x) for x in c.tolist() if x is not None}
            if len(kinds) > 1 or (kinds and not kinds <= {str, int, float, bool}):
                c = np.array([None if x is None else str(x) for x in c.tolist()], dtype=object)
        out[name] = c
    return out


def _short(value: object, width: int) -> str:
    if isinstance(value, np.ndarray):
        shown = value.astype("datetime64[s]") if value.dtype.kind == "M" else value
        text = np.array2string(
            shown, threshold=6, edgeitems=3, max_line_width=10**6, precision=4, separator=" "
        ).replace("\n", "")
        text = " ".join(text.split())
        head = f"{value.dtype} {value.shape}: "
    elif isinstance(value, tuple) and value and attrs.has(type(value[0])):
        return f"tuple of {len(value)} {type(value[0]).__name__}"
    elif isinstance(value, Result):
        return f"{type(value).__name__}(…)"
    else:
        text, head = repr(value), ""
    line = head + text
    return line if len(line) <= width else line[: width - 1] + "…"


def _repr(obj: Result) -> str:
    fields = _fields(obj)
    sizes = [
        f"{len(getattr(obj, a))} {a}"
        for a in AXES
        if any(f.name == a for f in fields) and _is_axis(getattr(obj, a))
    ]
    header = f"<{type(obj).__name__}" + (f": {' × '.join(sizes)}>" if sizes else ">")
    shown = list(fields)
    if len(shown) > REPR_LINES - 1:
        shown = shown[: REPR_LINES - 2]
    pad = max((len(f.name) for f in shown), default=0)
    lines = [header] + [
        f"  {f.name:<{pad}}  {_short(getattr(obj, f.name), _REPR_WIDTH - pad)}" for f in shown
    ]
    if len(shown) < len(fields):
        lines.append(f"  … {len(fields) - len(shown)} more fields")
    return "\n".join(lines)


def _cell(value: object) -> tuple[str, bool]:
    """Text of one table cell and whether it is a number (right-aligned)."""
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value)), False
    if isinstance(value, (int, np.integer)):
        return f"{int(value):,}", True
    if isinstance(value, (float, np.floating)):
        v = float(value)
        return ("NaN" if math.isnan(v) else f"{v:,.6g}"), True
    if isinstance(value, np.datetime64):
        return ("NaT" if np.isnat(value) else str(value.astype("datetime64[s]"))), False
    return ("" if value is None else str(value)), False


_CELL_STYLE = {True: ' style="text-align: right;"', False: ""}


def _html_table(title: str, columns: Mapping[str, npt.NDArray[Any]]) -> str:
    """An HTML table of the columns, head and tail only when it is long, all text escaped."""
    names = list(columns)
    n = len(next(iter(columns.values()))) if columns else 0
    if n > _HTML_MAX_ROWS:
        rows: list[int | None] = [*range(_HTML_EDGE_ROWS), None, *range(n - _HTML_EDGE_ROWS, n)]
    else:
        rows = list(range(n))
    body = []
    for r in rows:
        if r is None:
            cells = "".join("<td>…</td>" for _ in names)
        else:
            cells = ""
            for name in names:
                text, numeric = _cell(columns[name][r])
                cells += f"<td{_CELL_STYLE[numeric]}>{html.escape(text)}</td>"
        body.append(f"<tr>{cells}</tr>")
    head = "".join(f"<th>{html.escape(name)}</th>" for name in names)
    caption = f"{html.escape(title)}: {n:,} rows × {len(names)} columns"
    return (
        f'<table class="customer-kanban-result"><caption>{caption}</caption>'
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
    )
