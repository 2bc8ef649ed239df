"""A progress bar on stderr while a long input is read (only on a terminal).

The share read is the bytes this process has read since the start (``rchar`` of
``/proc/self/io``, which counts every engine's reads, pyarrow's threads included) over the
file's size; where that is not available, the elapsed time alone is shown.  Nothing is printed
for inputs read within :data:`DELAY` seconds, when stderr is not a terminal, or with
``--quiet``.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TextIO

__all__ = ["DELAY", "bar", "reading"]

#: Seconds before the bar first shows.
DELAY = 2.0
#: Seconds between updates.
INTERVAL = 0.25
WIDTH = 24


def _bytes_read() -> int | None:
    """Bytes this process has read so far, or None where the system does not say."""
    try:
        with open("/proc/self/io", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("rchar:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        return None
    return None


def bar(name: str, done: int | None, total: int, elapsed: float) -> str:
    """One line of the bar.

    Examples
    --------
    >>> bar("log.csv", 512 << 20, 2 << 30, 3.04)
    'reading log.csv [######                  ]  25%  0.5 of 2.1 GB  3 s'
    >>> bar("log.csv", None, 0, 12.6)
    'reading log.csv  13 s'
    """
    if done is None or total <= 0:
        return f"reading {name}  {elapsed:.0f} s"
    share = min(max(done / total, 0.0), 1.0)
    filled = int(share * WIDTH)
    return (
        f"reading {name} [{'#' * filled}{' ' * (WIDTH - filled)}] {share:4.0%}  "
        f"{done / 1e9:.1f} of {total / 1e9:.1f} GB  {elapsed:.0f} s"
    )


@contextmanager
def reading(
    path: str,
    *,
    quiet: bool,
    stream: TextIO | None = None,
    delay: float = DELAY,
    counter: Callable[[], int | None] = _bytes_read,
) -> Iterator[None]:
    """Show a bar on `stream` (stderr) while the body reads `path`; clear it at the end."""
    out = sys.stderr if stream is None else stream
    if quiet or not out.isatty():
        yield
        return
    try:
        total = os.stat(path).st_size
    except OSError:
        total = 0
    start, first = time.monotonic(), counter()
    stop = threading.Event()
    shown = [False]

    def run() -> None:
        if stop.wait(delay):
            return
        while not stop.is_set():
            now = counter()
            done = None if now is None or first is None else now - first
            out.write("\r" + bar(os.path.basename(path), done, total, time.monotonic() - start))
            out.flush()
            shown[0] = True
            stop.wait(INTERVAL)

    thread = threading.Thread(target=run, name="progress", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()
        if shown[0]:
            out.write("\r\033[K")
            out.flush()
