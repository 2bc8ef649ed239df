"""Run every fuzz case of the public API once and print the counts per outcome.

    python tests/fuzz_report.py [--details] [--only PREFIX]

``ok`` and ``clear`` are what the suite requires; ``wrong`` (silently wrong: a result where
the value must be refused, or a broken invariant), ``unclear``, ``internal``, ``hang`` and
``memory`` are failures.  ``test_fuzz_api.py`` asserts the same on every case.
"""

from __future__ import annotations

import argparse
import collections
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from api import public_functions
from fuzz_cases import cases, with_value
from fuzz_harness import run
from fuzz_invariants import broken

OUTCOMES = ("ok", "clear", "wrong", "unclear", "internal", "hang", "memory")


def outcome_of(name: str, param: str, bad) -> tuple[str, str]:
    func = public_functions()[name]
    try:
        args, kwargs = with_value(name, param, bad.make(_example(name, param)))
    except Exception as exc:
        return "skip", str(exc)
    out = run(func, args, kwargs, param=param, check=lambda v: broken(name, v))
    if out.kind == "ok" and bad.refuse:
        return "wrong", "returned a result for a value that must be refused"
    return out.kind, out.detail


def _example(name: str, param: str):
    import inspect

    from api import EXAMPLES

    func = public_functions()[name]
    args, kwargs = EXAMPLES[name]()
    bound = inspect.signature(func).bind_partial(*args, **kwargs)
    if param in bound.arguments:
        return bound.arguments[param]
    return inspect.signature(func).parameters[param].default


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--details", action="store_true")
    parser.add_argument("--only", default="")
    a = parser.parse_args()
    counts: collections.Counter[str] = collections.Counter()
    failures = []
    t0 = time.perf_counter()
    for name, param, kind, bad in cases():
        if not name.startswith(a.only):
            continue
        kind_out, detail = outcome_of(name, param, bad)
        counts[kind_out] += 1
        if kind_out not in ("ok", "clear", "skip"):
            failures.append((kind_out, name, param, kind, bad.label, detail))
    total = sum(counts.values()) - counts["skip"]
    print(f"{total} cases in {time.perf_counter() - t0:.0f} s")
    for o in OUTCOMES:
        print(f"  {o:<9}{counts[o]:>6}")
    if a.details:
        for f in sorted(failures):
            print(" | ".join(str(x) for x in f))


if __name__ == "__main__":
    main()
