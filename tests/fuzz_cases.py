"""Bad and edge values for every parameter of every public function.

Each parameter gets a *kind*, read off its example value (``api.EXAMPLES``) or its
default; each kind has a list of values to try, each marked ``refuse`` when a correct
function must raise (a string where numbers are expected, an instant outside the
representable range, a negative size) rather than return — a result there is *silently
wrong*.  Values not marked may give a result or a clear error (empty input, NaN, one
row).  :func:`cases` enumerates ``(function, parameter, label, value, refuse)``.
"""

from __future__ import annotations

import datetime as dt
import inspect
import math
from collections.abc import Callable, Iterator
from typing import Any

import attrs
import numpy as np

import customer_kanban as ck
from api import EXAMPLES, public_functions


@attrs.frozen
class Bad:
    label: str
    make: Callable[[Any], Any]  # from the example value to the bad value
    refuse: bool


def _n(example: Any) -> int:
    try:
        return len(example)
    except TypeError:
        return 1


def _like(example: Any, fill: Any, dtype: Any = object) -> np.ndarray:
    out = np.empty(_n(example), dtype=dtype)
    out[:] = fill
    return out


WRONG_TYPES = [
    Bad("None", lambda e: None, True),
    Bad("object()", lambda e: object(), True),
    Bad("dict", lambda e: {"a": 1}, True),
    Bad("str", lambda e: "not this", True),
]

INSTANTS = [
    Bad("text", lambda e: _like(e, "not a date"), True),
    Bad("numbers", lambda e: np.arange(_n(e), dtype=float) + 1.5, True),
    Bad("epoch ints", lambda e: np.full(_n(e), 1_700_000_000), True),
    Bad("ints in objects", lambda e: _like(e, 2024), True),
    Bad("booleans", lambda e: np.ones(_n(e), dtype=bool), True),
    Bad("year 201", lambda e: _like(e, "0201-03-04"), True),
    Bad("year 9999", lambda e: _like(e, "9999-12-31"), True),
    Bad("day unit 9999", lambda e: np.full(_n(e), "9999-12-31", dtype="datetime64[D]"), True),
    Bad("datetime 9999", lambda e: _like(e, dt.datetime(9999, 1, 1)), True),
    Bad("today", lambda e: _like(e, "today"), True),
    Bad("compact", lambda e: _like(e, "20240102"), True),
    Bad("2-D", lambda e: np.full((2, 2), "2024-01-01", dtype="datetime64[ns]"), True),
    Bad("one row", lambda e: np.array(["2016-03-01"], dtype="datetime64[ns]"), False),
    Bad("empty", lambda e: np.array([], dtype="datetime64[ns]"), False),
    Bad("all NaT", lambda e: np.full(_n(e), "NaT", dtype="datetime64[ns]"), False),
    Bad("offsets", lambda e: _like(e, "2016-03-01T10:00+05:00"), False),
    *WRONG_TYPES[1:],
]

INSTANT = [
    Bad("text", lambda e: "not a date", True),
    Bad("number", lambda e: 1.5, True),
    Bad("int", lambda e: 1_700_000_000, True),
    Bad("bool", lambda e: True, True),
    Bad("year 201", lambda e: "0201-03-04", True),
    Bad("year 9999", lambda e: "9999-12-31", True),
    Bad("datetime 9999", lambda e: dt.datetime(9999, 1, 1), True),
    Bad("today", lambda e: "today", True),
    Bad("now", lambda e: "now", True),
    Bad("compact", lambda e: "20240102", True),
    Bad("NaT", lambda e: np.datetime64("NaT"), True),
    Bad("two", lambda e: ["2016-03-01", "2016-03-02"], True),
    Bad("aware", lambda e: dt.datetime(2016, 3, 1, tzinfo=dt.timezone.utc), False),
    Bad("far past", lambda e: "1700-01-01", False),
    Bad("far future", lambda e: "2250-01-01", False),
    *WRONG_TYPES[1:],
]

NUMBERS = [
    Bad("text numbers", lambda e: _like(e, "1.5"), True),
    Bad("text", lambda e: _like(e, "x"), True),
    Bad("booleans", lambda e: np.ones(_n(e), dtype=bool), True),
    Bad("instants", lambda e: np.full(_n(e), "2024-01-01", dtype="datetime64[ns]"), True),
    Bad("2-D", lambda e: np.ones((2, 2)), True),
    Bad("wrong length", lambda e: np.ones(_n(e) + 3), True),
    Bad("nested", lambda e: [[1.0], [2.0, 3.0]], True),
    Bad("empty", lambda e: np.array([], dtype=float), False),
    Bad("all NaN", lambda e: np.full(_n(e), np.nan), False),
    Bad("infinite", lambda e: np.full(_n(e), np.inf), False),
    Bad("negative", lambda e: -np.ones(_n(e)), False),
    Bad("huge", lambda e: np.full(_n(e), 1e300), False),
    Bad("float32", lambda e: np.ones(_n(e), dtype=np.float32), False),
    Bad("int8", lambda e: np.ones(_n(e), dtype=np.int8), False),
    *WRONG_TYPES[1:],
]

LABELS = [
    Bad("None", lambda e: None, True),
    Bad("wrong length", lambda e: _like(list(range(_n(e) + 3)), "a"), True),
    Bad("2-D", lambda e: np.zeros((2, 2), dtype=int), True),
    Bad("nested", lambda e: [["a"], ["b", "c"]], True),
    Bad("dict", lambda e: {"a": 1}, True),
    Bad("object()", lambda e: object(), True),
    Bad("one group", lambda e: _like(e, "only"), False),
    Bad("unicode", lambda e: _like(e, "é ☃ \u200b"), False),
    Bad("all missing", lambda e: _like(e, None), False),
    Bad("NaN floats", lambda e: np.full(_n(e), np.nan), False),
    Bad("float codes", lambda e: np.full(_n(e), 1.7), False),
    Bad("nul suffix", lambda e: np.where(np.arange(_n(e)) % 2, "D\x00", "D").astype(object), False),
]

PERCENT = [
    Bad("fraction", lambda e: 0.85, True),
    Bad("fractions", lambda e: [0.5, 0.85], True),
    Bad("text", lambda e: "50", True),
    Bad("texts", lambda e: ["50", "85"], True),
    Bad("over 100", lambda e: [150], True),
    Bad("negative", lambda e: [-1], True),
    Bad("NaN", lambda e: [np.nan], True),
    Bad("empty", lambda e: [], True),
    Bad("bool", lambda e: True, True),
    Bad("2-D", lambda e: [[50, 85]], True),
    Bad("numpy scalar", lambda e: np.float32(85), False),
    Bad("int", lambda e: 85, False),
    *WRONG_TYPES,
]

FRACTION = [
    Bad("zero", lambda e: 0.0, True),
    Bad("one", lambda e: 1.0, True),
    Bad("percent", lambda e: 95, True),
    Bad("negative", lambda e: -0.1, True),
    Bad("NaN", lambda e: math.nan, True),
    Bad("text", lambda e: "0.9", True),
    Bad("bool", lambda e: True, True),
    Bad("array", lambda e: [0.9, 0.8], True),
    Bad("float32", lambda e: np.float32(0.9), False),
    *WRONG_TYPES,
]

SIZE = [
    Bad("negative", lambda e: -1, True),
    Bad("huge", lambda e: 10**12, True),
    Bad("2**63", lambda e: 2**63, True),
    Bad("float", lambda e: 1e9, True),
    Bad("fractional", lambda e: 2.5, True),
    Bad("text", lambda e: "3", True),
    Bad("bool", lambda e: True, True),
    Bad("numpy int", lambda e: np.int64(e if isinstance(e, int) else 3), False),
    Bad("zero", lambda e: 0, False),
    *WRONG_TYPES,
]

SCALAR = [
    Bad("NaN", lambda e: math.nan, False),
    Bad("infinite", lambda e: math.inf, False),
    Bad("negative", lambda e: -1.0, False),
    Bad("huge", lambda e: 1e300, False),
    Bad("text", lambda e: "1", True),
    Bad("bool", lambda e: True, True),
    Bad("array", lambda e: [1.0, 2.0], False),
    Bad("numpy scalar", lambda e: np.float32(1), False),
    *WRONG_TYPES,
]

CHOICE = [
    Bad("unknown", lambda e: "no-such-choice", True),
    Bad("empty", lambda e: "", True),
    Bad("int", lambda e: 1, True),
    Bad("upper case", lambda e: str(e).upper() + "X", True),
    *WRONG_TYPES,
]

TEXT = [
    Bad("empty", lambda e: "", False),
    Bad("int", lambda e: 1, False),
    Bad("nul", lambda e: "a\x00b", False),
    Bad("long", lambda e: "x" * 200_000, False),
    *WRONG_TYPES,
]

FLAG = [
    Bad("text", lambda e: "yes", True),
    Bad("int", lambda e: 2, True),
    Bad("numpy bool", lambda e: np.bool_(True), False),
    *WRONG_TYPES,
]

OBJECT = [
    Bad("int", lambda e: 42, True),
    Bad("text", lambda e: "x", True),
    Bad("list", lambda e: [1, 2], True),
    *WRONG_TYPES,
]


def _figure() -> Any:
    from matplotlib.figure import Figure  # not pyplot's: nothing to close

    return Figure()


AXES = [
    Bad("int", lambda e: 42, True),
    Bad("text", lambda e: "ax", True),
    Bad("list", lambda e: [1, 2], True),
    Bad("Figure", lambda e: _figure(), True),
    Bad("array of Axes", lambda e: _figure().subplots(1, 2), True),  # plt.subplots(1, 2)[1]
    Bad("closed figure's Axes", lambda e: _figure().subplots(), False),  # any Axes: drawn on
    *WRONG_TYPES,
]


def _cluster(**fields: Any) -> Any:
    from types import SimpleNamespace

    return SimpleNamespace(**{"reason": "vendor", "items": 3, "impact": 2.5, "likelihood": 0.1,
                              **fields})  # fmt: skip


#: A sequence of records (objects with named attributes), e.g. blocker clusters.
RECORDS = [
    Bad("empty", lambda e: [], True),
    Bad("ints", lambda e: [1, 2], True),
    Bad("generator", lambda e: (c for c in e), True),
    Bad("text field", lambda e: [_cluster(impact="2.5")], True),
    Bad("bool field", lambda e: [_cluster(items=True)], True),
    Bad("None field", lambda e: [_cluster(likelihood=None)], True),
    Bad("negative", lambda e: [_cluster(impact=-1.0)], True),
    Bad("share over 1", lambda e: [_cluster(likelihood=5.0)], True),
    Bad("fractional count", lambda e: [_cluster(items=2.5)], True),
    Bad("NaN", lambda e: [_cluster(impact=math.nan), _cluster(reason="b")], False),
    Bad("no block", lambda e: [_cluster(items=0)], True),
    Bad("one", lambda e: list(e)[:1], False),
    Bad("tuple", lambda e: tuple(e), False),
    *WRONG_TYPES,
]

RNG = [
    Bad("RandomState", lambda e: np.random.RandomState(0), True),
    Bad("MT19937", lambda e: np.random.MT19937(0), True),
    Bad("SeedSequence", lambda e: np.random.SeedSequence(0), True),
    Bad("negative seed", lambda e: -1, True),
    Bad("float", lambda e: 1.5, True),
    Bad("text", lambda e: "7", True),
    Bad("bool", lambda e: True, True),
]

KINDS = {
    "instants": INSTANTS,
    "instant": INSTANT,
    "numbers": NUMBERS,
    "labels": LABELS,
    "percent": PERCENT,
    "fraction": FRACTION,
    "size": SIZE,
    "scalar": SCALAR,
    "choice": CHOICE,
    "text": TEXT,
    "flag": FLAG,
    "object": OBJECT,
    "rng": RNG,
    "axes": AXES,
    "records": RECORDS,
}

# Parameters whose kind the example value cannot tell.
_BY_NAME = {
    "q": "percent",
    "rng": "rng",
    "confidence": "fraction",
    "probability": "fraction",
    "risk_fraction": "fraction",
    "by": "labels",
    "history_by": "labels",
    "customer": "labels",
    "product": "labels",
    "as_of": "instant",
    "since": "instant",
    "until": "instant",
    "ax": "axes",  # a matplotlib Axes; None (the default): a new figure
}
_LITERALS = {"freq", "method", "day_count", "distribution", "basis", "version", "statistic",
             "period", "thresholds", "services", "monetary", "frequency", "waiting"}  # fmt: skip


def kind_of(func: Callable[..., Any], name: str, example: Any) -> str | None:
    """The kind of parameter `name` given its example (or default) value."""
    if name in _BY_NAME:
        return _BY_NAME[name]
    if name in _LITERALS and isinstance(example, str):
        return "choice"
    if isinstance(example, np.random.Generator):
        return "rng"
    if isinstance(example, (bool, np.bool_)):
        return "flag"
    if isinstance(example, (int, np.integer)):
        return "size"
    if isinstance(example, (float, np.floating)):
        return "scalar"
    if isinstance(example, str):
        return "instant" if example[:2] in ("19", "20") and example[4:5] == "-" else "text"
    if isinstance(example, (ck.WorkItemTable, ck.Policy, ck.Workflow, ck.Result)):
        return "object"
    if isinstance(example, (ck.CustomerTable, ck.TransactionTable)):
        return "object"
    arr = example if isinstance(example, np.ndarray) else None
    if arr is None and isinstance(example, (list, tuple)) and example:
        try:
            arr = np.asarray(example)
        except ValueError:
            arr = None
    if arr is None:
        return None
    if arr.dtype.kind == "M" or (arr.dtype.kind == "U" and str(arr.flat[0])[4:5] == "-"):
        return "instants"
    if arr.dtype.kind in "fiu":
        return "numbers"
    if arr.dtype.kind in "OU":
        return "labels"
    return None


def _bound(
    func: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]
) -> dict[str, Any]:
    sig = inspect.signature(func)
    bound = sig.bind_partial(*args, **kwargs)
    values = dict(bound.arguments)
    for p in sig.parameters.values():
        if p.name not in values and p.default is not inspect.Parameter.empty:
            values[p.name] = p.default
    return values


# Values that are valid for one parameter although its kind refuses them in general.
_VALID = {
    ("delimiter", "None"),  # None: tell the delimiter from the header
    ("input_limit", "huge"),  # a limit, not an amount of work
    ("field_limit", "huge"),
    ("flag", "None"),  # None: read no blocks
    ("blocked", "None"),
    ("flag", "str"),  # a field name nothing may have changed yet (never flagged)
    ("blocked", "str"),
    ("jql", "str"),  # any text is a search to send (the recorded server answers all)
    ("token", "str"),
    ("risk_fraction", "one"),  # (0, 1]: at risk once the age reaches the whole SLE
}

# The same, for one function's parameter.
_VALID_FOR = {
    ("customers.rfm_segments", "default", "str"),  # a segment name
    ("customers.segment_customers", "unknown", "str"),  # a segment name
    ("metrics.allocation", "shares", "dict"),  # {class: share}; unnamed classes: no policy
    ("metrics.forecast_how_many", "daily_throughput", "2-D"),  # one row per group
    ("metrics.forecast_when", "daily_throughput", "2-D"),
    ("metrics.recommend_sle", "resamples", "None"),  # the exact bootstrap distribution
    ("metrics.single_item_forecast", "within", "wrong length"),  # horizons, not per item
    ("reviews.report", "title", "str"),  # any non-empty text is a title
    ("summaries.flow_summary", "by", "None"),  # one group, "all"
    ("plot.blocker_chart", "title", "str"),  # any text is a chart's title
}

# Parameters whose kind the example misleads about (an array-like accepted besides a result,
# a number or a period name), and parameters left out.
_OVERRIDES: dict[tuple[str, str], str | None] = {
    ("metrics.forecast_when", "daily_throughput"): "numbers",
    ("metrics.forecast_how_many", "daily_throughput"): "numbers",
    ("customers.purchase_summary", "period"): None,
    # an output path: any text names a file (the fuzz would write into the working folder)
    ("io.write_actionable_agile", "path"): None,
    # the name of the table's field to group by (the groups are its labels, merged by name)
    ("summaries.flow_summary", "by"): "choice",
    # the blocker clusters of a review line: records with reason, items, impact, likelihood
    ("plot.blocker_chart", "clusters"): "records",
}


def _length(value: Any) -> int | None:
    if isinstance(value, (str, bytes, dict)) or not hasattr(value, "__len__"):
        return None
    try:
        return len(value)
    except TypeError:
        return None


def cases() -> Iterator[tuple[str, str, str, Bad]]:
    """Every (function, parameter, kind, bad value) to try, in a fixed order.

    ``None`` is tried only where it is not the default; a wrong length only where the
    parameter is aligned with another one (the same length in the example).
    """
    functions = public_functions()
    for name in sorted(EXAMPLES):
        func = functions[name]
        args, kwargs = EXAMPLES[name]()
        values = _bound(func, args, kwargs)
        defaults = {p.name: p.default for p in inspect.signature(func).parameters.values()}
        lengths = {p: _length(v) for p, v in values.items()}
        for param, example in values.items():
            kind = _OVERRIDES.get((name, param), kind_of(func, param, example))
            if kind is None:
                continue
            n = lengths[param]
            aligned = n is not None and n > 1 and sum(m == n for m in lengths.values()) > 1
            for bad in KINDS[kind]:
                if bad.label == "None" and (example is None or defaults.get(param) is None):
                    continue  # None is the default: valid
                if (param, bad.label) in _VALID or (name, param, bad.label) in _VALID_FOR:
                    bad = Bad(bad.label, bad.make, False)
                if bad.label == "wrong length" and not aligned:
                    continue
                yield name, param, kind, bad


def with_value(name: str, param: str, value: Any) -> tuple[tuple[Any, ...], dict[str, Any]]:
    """The example call of `name` with `param` set to `value` (by position or keyword)."""
    func = public_functions()[name]
    args, kwargs = EXAMPLES[name]()
    names = list(inspect.signature(func).parameters)
    position = names.index(param)
    if position < len(args):
        args = tuple(value if k == position else a for k, a in enumerate(args))
        return args, kwargs
    return args, {**kwargs, param: value}
