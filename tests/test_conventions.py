"""The conventions of docs/conventions.md, checked mechanically on the whole public API.

Every public callable is walked: parameter names and kinds are read off the signatures,
and what a signature cannot show (``q`` is validated, ``rng`` takes exactly its three
forms, fixed choices are checked, every result exports and displays) is checked by
calling it with the example arguments of ``api.EXAMPLES`` on the embedded real data.
"""

from __future__ import annotations

import inspect
import json
import typing
import warnings
from typing import Any

import attrs
import numpy as np
import pytest

import customer_kanban as ck
from api import EXAMPLES, NO_EXAMPLE, call, public_classes, public_functions, results_in
from customer_kanban.errors import ValidationError

FUNCTIONS = public_functions()
CLASSES = public_classes()


def _callables() -> dict[str, Any]:
    """Public functions, public classes (their constructors) and their public methods."""
    out: dict[str, Any] = dict(FUNCTIONS)
    for name, cls in CLASSES.items():
        if issubclass(cls, BaseException) or not callable(cls):
            continue
        out[name] = cls
        for attr, value in vars(cls).items():
            if attr.startswith("_"):
                continue
            func = value.__func__ if isinstance(value, (classmethod, staticmethod)) else value
            if inspect.isfunction(func):
                out[f"{name}.{attr}"] = func
    return out


CALLABLES = _callables()


def _parameters(obj: Any) -> dict[str, inspect.Parameter]:
    try:
        return dict(inspect.signature(obj).parameters)
    except (TypeError, ValueError):  # enums and other builtins
        return {}


def _quiet_call(name: str, **overrides: Any) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return call(name, **overrides)


# ---------------------------------------------------------------------- signatures


def test_every_public_function_has_an_example_call():
    assert set(FUNCTIONS) - NO_EXAMPLE == set(EXAMPLES)


@pytest.mark.parametrize("name", sorted(CALLABLES))
def test_no_parameter_is_named_alpha(name):
    assert "alpha" not in _parameters(CALLABLES[name])


@pytest.mark.parametrize("name", sorted(CALLABLES))
def test_by_and_as_of_are_keyword_only(name):
    if inspect.isclass(CALLABLES[name]) and attrs.has(CALLABLES[name]):
        return  # attrs values: every field is keyword-only where there are many
    for param in ("by", "as_of"):
        p = _parameters(CALLABLES[name]).get(param)
        assert p is None or p.kind is inspect.Parameter.KEYWORD_ONLY, f"{name}({param})"


@pytest.mark.parametrize("name", sorted(CALLABLES))
def test_interval_bounds_and_windows_use_the_conventional_names(name):
    names = set(_parameters(CALLABLES[name]))
    assert not names & {"lower", "upper", "stop", "percentiles"}, name


@pytest.mark.parametrize(
    "name", sorted(n for n, c in CLASSES.items() if attrs.has(c) and issubclass(c, ck.Result))
)
def test_result_fields_use_one_name_per_concept(name):
    fields = {a.name: str(a.type) for a in attrs.fields(CLASSES[name])}
    assert not set(fields) & {"lower", "upper", "alpha", "percentiles"}, name
    arrays = {f for f, kind in fields.items() if "Array" in kind}  # axes, not counts
    assert not arrays & {"customers", "classes", "cohorts"}, name


# ---------------------------------------------------------------------- q, rng, choices


def _with(name: str, param: str) -> bool:
    return name in EXAMPLES and param in _parameters(FUNCTIONS[name])


Q_FUNCTIONS = sorted(n for n in FUNCTIONS if _with(n, "q"))
RNG_FUNCTIONS = sorted(n for n in FUNCTIONS if _with(n, "rng"))


def test_the_q_and_rng_functions_are_found():
    assert "metrics.percentiles" in Q_FUNCTIONS
    assert "reviews.service_delivery_review" in Q_FUNCTIONS
    assert "metrics.forecast_when" in RNG_FUNCTIONS
    assert "customers.compare_service" in RNG_FUNCTIONS


@pytest.mark.parametrize("name", Q_FUNCTIONS)
def test_q_is_in_percent_and_a_fraction_is_refused(name):
    args, kwargs = EXAMPLES[name]()
    positional = list(_parameters(FUNCTIONS[name])).index("q") < len(args)
    if positional:  # q given positionally in the example: replace it there
        names = list(_parameters(FUNCTIONS[name]))
        args = tuple(0.85 if names[k] == "q" else a for k, a in enumerate(args))
        with pytest.raises(ValidationError, match=r"`q` is in percent; did you mean 85\?"):
            FUNCTIONS[name](*args, **kwargs)
        return
    with pytest.raises(ValidationError, match=r"`q` is in percent; did you mean 85\?"):
        _quiet_call(name, q=0.85)
    with pytest.raises(TypeError, match=r"`q`"):
        _quiet_call(name, q="50")


@pytest.mark.parametrize("name", RNG_FUNCTIONS)
def test_rng_takes_none_an_int_seed_or_a_generator_only(name):
    for good in (None, 7, np.int64(7), np.random.default_rng(7)):
        _quiet_call(name, rng=good)
    seeded = _quiet_call(name, rng=7)
    assert seeded == _quiet_call(name, rng=7)  # same seed, same result
    if not name.startswith("reviews."):
        # one simulation: a seed and a generator seeded alike draw the same (a review runs
        # several, each from the seed, as its command line's --seed always did)
        generated = _quiet_call(name, rng=np.random.default_rng(7))
        assert _without_seed(seeded.to_dict()) == _without_seed(generated.to_dict())
    for bad in (np.random.RandomState(0), np.random.MT19937(0), "7", 7.0, True):
        with pytest.raises(TypeError, match=r"`rng` must be None, an int seed"):
            _quiet_call(name, rng=bad)


def _without_seed(data: Any) -> Any:
    if isinstance(data, dict):
        return {k: _without_seed(v) for k, v in data.items() if k != "seed"}
    if isinstance(data, list):
        return [_without_seed(v) for v in data]
    return data


def _literal_options(func: Any) -> dict[str, tuple[str, ...]]:
    """Parameters annotated with a Literal of strings (possibly inside a union)."""
    try:
        hints = typing.get_type_hints(func)
    except Exception:
        return {}
    out = {}
    for param, hint in hints.items():
        parts = typing.get_args(hint) if typing.get_origin(hint) is not typing.Literal else (hint,)
        for part in parts or (hint,):
            if typing.get_origin(part) is typing.Literal:
                values = typing.get_args(part)
                if values and all(isinstance(v, str) for v in values):
                    out[param] = values
    return out


OPTION_CASES = sorted(
    (n, p)
    for n in FUNCTIONS
    if n in EXAMPLES
    for p in _literal_options(FUNCTIONS[n])
    if p in _parameters(FUNCTIONS[n])
    and _parameters(FUNCTIONS[n])[p].kind is inspect.Parameter.KEYWORD_ONLY
)


def test_fixed_choices_are_found():
    assert ("metrics.throughput", "freq") in OPTION_CASES
    assert ("metrics.percentiles", "method") in OPTION_CASES


@pytest.mark.parametrize(("name", "param"), OPTION_CASES)
def test_fixed_choices_are_checked_and_named(name, param):
    allowed = _literal_options(FUNCTIONS[name])[param]
    with pytest.raises(ValidationError, match=rf"`{param}` must be one of '{allowed[0]}'"):
        _quiet_call(name, **{param: "no-such-choice"})


# ---------------------------------------------------------------------- results


@pytest.fixture(scope="module")
def demo_results() -> dict[type, list[ck.Result]]:
    found: dict[type, list[ck.Result]] = {}
    for name in sorted(EXAMPLES):
        for r in results_in(_quiet_call(name)):
            found.setdefault(type(r), []).append(r)
    return found


RESULT_CLASSES = sorted(
    (c for c in CLASSES.values() if attrs.has(c) and issubclass(c, ck.Result)),
    key=lambda c: c.__name__,
)


def test_every_result_class_derives_from_the_base():
    from customer_kanban._core.serialize import Serializable

    values = {c for c in CLASSES.values() if issubclass(c, Serializable)}
    tables = {c for n, c in CLASSES.items() if n.startswith("table.")} | {ck.WorkItemTable}
    for name, cls in CLASSES.items():
        if not attrs.has(cls) or cls in values or cls in tables:
            continue
        assert issubclass(cls, ck.Result), name


def test_every_result_class_is_made_on_the_demo_data(demo_results):
    missing = [
        c.__name__ for c in RESULT_CLASSES if not any(issubclass(f, c) for f in demo_results)
    ]
    assert not missing


@pytest.mark.parametrize("cls", RESULT_CLASSES, ids=lambda c: c.__name__)
def test_results_display_and_export(cls, demo_results):
    import pandas as pd
    import polars as pl
    import pyarrow as pa

    for r in demo_results.get(cls, [])[:3]:
        assert len(repr(r).splitlines()) <= 20
        page = r._repr_html_()
        assert page.startswith("<table") or "<table" in page
        assert "<pre>" not in page

        def refuse(token: str) -> None:
            raise AssertionError(f"non-standard JSON token {token}")

        json.loads(r.to_json(), parse_constant=refuse)
        frames = [r.to_frame(), r.to_frame("polars"), r.to_frame("pyarrow")]
        assert isinstance(frames[0], pd.DataFrame)
        assert isinstance(frames[1], pl.DataFrame)
        assert isinstance(frames[2], pa.Table)
        assert frames[0].shape == frames[1].shape == (frames[2].num_rows, frames[2].num_columns)


def test_to_frame_names_the_backend_it_refuses():
    r = _quiet_call("metrics.percentiles")
    with pytest.raises(ValidationError, match=r"`backend` must be one of 'pandas', 'polars'"):
        r.to_frame("spark")
