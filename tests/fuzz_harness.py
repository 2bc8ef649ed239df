"""Run one call in a forked child with a time and an address-space limit, and classify it.

Outcomes (``Outcome.kind``):

``ok``
    Returned, and the result satisfies the generic invariants (checked by the caller).
``clear``
    Raised a ``TypeError`` or ``ValueError`` (the package's errors included) whose message
    names the parameter that was given the bad value, in backticks.
``unclear``
    Raised a ``TypeError`` or ``ValueError`` that does not name the parameter.
``internal``
    Raised anything else (``IndexError``, ``AttributeError``, ``OverflowError``, ...), or
    the child died.
``hang``
    Did not finish within the time limit.
``memory``
    Ran out of the address-space limit (``MemoryError``).

The child runs the call and reports the outcome through a pipe; the parent kills it at
the deadline.  Forking keeps each case isolated: a call that exhausts memory or never
ends cannot take the test run with it.
"""

from __future__ import annotations

import json
import os
import resource
import select
import signal
import time
import traceback
from collections.abc import Callable
from typing import Any

import attrs

TIME_LIMIT = 5.0  # seconds per call
MEMORY_LIMIT = 4 << 30  # bytes of address space a call may add to the process's own


@attrs.frozen
class Outcome:
    kind: str
    detail: str = ""


def _address_space() -> int:
    with open("/proc/self/statm", encoding="ascii") as f:
        pages = int(f.read().split()[0])
    return pages * os.sysconf("SC_PAGE_SIZE")


def classify_error(exc: BaseException, param: str) -> Outcome:
    text = f"{type(exc).__name__}: {exc}"
    if isinstance(exc, MemoryError):
        return Outcome("memory", text)
    if isinstance(exc, (TypeError, ValueError)) and not isinstance(exc, OverflowError):
        return Outcome("clear" if f"`{param}`" in str(exc) else "unclear", text)
    tb = traceback.extract_tb(exc.__traceback__)[-1]
    return Outcome("internal", f"{text} at {os.path.basename(tb.filename)}:{tb.lineno}")


def run(
    func: Callable[..., Any],
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    *,
    param: str,
    check: Callable[[Any], str | None] = lambda _: None,
    time_limit: float = TIME_LIMIT,
) -> Outcome:
    """Call ``func(*args, **kwargs)`` in a child process; `check` returns a broken invariant."""
    read, write = os.pipe()
    limit = _address_space() + MEMORY_LIMIT
    pid = os.fork()
    if pid == 0:  # the child
        os.close(read)
        try:
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
            import warnings

            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                value = func(*args, **kwargs)
                broken = check(value)
            outcome = Outcome("wrong", broken) if broken else Outcome("ok")
        except BaseException as exc:
            outcome = classify_error(exc, param)
        os.write(write, json.dumps([outcome.kind, outcome.detail[:500]]).encode())
        os._exit(0)
    os.close(write)
    deadline = time.monotonic() + time_limit
    chunks = []
    try:
        while True:
            left = deadline - time.monotonic()
            ready, _, _ = select.select([read], [], [], max(left, 0))
            if not ready:
                os.kill(pid, signal.SIGKILL)
                return Outcome("hang", f"over {time_limit} s")
            chunk = os.read(read, 1 << 16)
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        os.close(read)
        _, status = os.waitpid(pid, 0)
    if not chunks:
        return Outcome("internal", f"the child died (status {status})")
    kind, detail = json.loads(b"".join(chunks))
    return Outcome(kind, detail)
