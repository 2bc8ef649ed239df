"""The fuzz conformance suite: every public function, every parameter, bad and edge values.

Each case calls a public function with its valid example arguments (``api.EXAMPLES``) and one
parameter replaced by a value of the parameter's kind (``fuzz_cases.KINDS``): out-of-range
instants, text where numbers are expected, booleans, wrong lengths, huge and negative sizes,
wrong types, ``rng`` forms, numpy scalar types.  The call runs in a forked child with a time
and an address-space limit (``fuzz_harness``), and must either return a result that satisfies
the function's invariants (``fuzz_invariants``) — never for a value that must be refused — or
raise a ``TypeError``/``ValueError`` whose message names the parameter.  Never any other
exception, a hang or a memory blow-up.

The enumerated cases always run; the hypothesis part draws more values of each kind, with a
fixed seed and a fixed number of examples (``--fuzz-long`` or ``FUZZ_LONG=1`` runs more).
"""

from __future__ import annotations

import datetime as dt
import inspect
import os
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api import EXAMPLES, public_functions
from fuzz_cases import Bad, cases, kind_of, with_value
from fuzz_harness import run
from fuzz_invariants import broken

CASES = list(cases())
LONG = os.environ.get("FUZZ_LONG") == "1"


def _example(name: str, param: str) -> Any:
    func = public_functions()[name]
    args, kwargs = EXAMPLES[name]()
    bound = inspect.signature(func).bind_partial(*args, **kwargs)
    if param in bound.arguments:
        return bound.arguments[param]
    return inspect.signature(func).parameters[param].default


def _check(name: str, param: str, value: Any, *, refuse: bool) -> None:
    args, kwargs = with_value(name, param, value)
    out = run(public_functions()[name], args, kwargs, param=param, check=lambda v: broken(name, v))
    assert out.kind in ("ok", "clear"), f"{name}({param}=…): {out.kind}: {out.detail}"
    assert not (refuse and out.kind == "ok"), f"{name}({param}=…) returned a result"


def test_the_cases_cover_every_public_function():
    functions = public_functions()
    with_parameters = {n for n in EXAMPLES if inspect.signature(functions[n]).parameters}
    assert {name for name, *_ in CASES} == with_parameters
    assert len(CASES) > 3000


@pytest.mark.parametrize(
    ("name", "param", "kind", "bad"),
    CASES,
    ids=[f"{n}-{p}-{b.label}" for n, p, _, b in CASES],
)
def test_bad_and_edge_values(name: str, param: str, kind: str, bad: Bad) -> None:
    try:
        value = bad.make(_example(name, param))
    except Exception as exc:
        pytest.skip(f"value not made for this example: {exc}")
    _check(name, param, value, refuse=bad.refuse)


# ---------------------------------------------------------------------- drawn values

INSTANT_TEXT = st.one_of(
    st.datetimes(min_value=dt.datetime(1, 1, 1), max_value=dt.datetime(9999, 12, 31)).map(
        lambda d: d.isoformat()
    ),
    st.text(max_size=12),
    st.integers(-(10**20), 10**20).map(str),
)
NUMBERS = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(-(2**70), 2**70),
    st.text(max_size=5),
    st.booleans(),
    st.none(),
)
SIZES = st.one_of(
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([np.int64(5), np.uint8(3), np.int32(-2), np.float32(2.0), "5", b"5"]),
)


def _drawn_case(data: st.DataObject, kinds: set[str]) -> tuple[str, str, Any]:
    options = [(n, p) for n, p, k, _ in CASES if k in kinds]
    name, param = data.draw(st.sampled_from(sorted(set(options))))
    example = _example(name, param)
    kind = kind_of(public_functions()[name], param, example)
    n = len(example) if hasattr(example, "__len__") and not isinstance(example, str) else 3
    n = min(n, 200)  # a longer example (a real data set) gets a shorter value: a length error
    if kind == "instants":
        value = data.draw(st.lists(INSTANT_TEXT, min_size=n, max_size=n))
    elif kind == "instant":
        value = data.draw(INSTANT_TEXT)
    elif kind == "numbers":
        value = np.array(data.draw(st.lists(NUMBERS, min_size=n, max_size=n)), dtype=object)
    else:
        value = data.draw(SIZES)
    return name, param, value


@settings(
    max_examples=2000 if LONG else 120,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(data=st.data())
def test_drawn_values_of_every_kind(data: st.DataObject) -> None:
    name, param, value = _drawn_case(data, {"instants", "instant", "numbers", "size"})
    _check(name, param, value, refuse=False)
