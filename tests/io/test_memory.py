"""The streaming readers hold the table and a few blocks, never a second copy of the rows.

Peak memory is traced with :mod:`tracemalloc` (numpy reports its buffers to it): reading an
event log of 200,000 items (about 800,000 rows, 27 MB of CSV) in blocks of 64 KiB and 1 MiB,
the peak stays within the table's bytes plus eight blocks and a mebibyte, on both engines.
Any full-size copy of a column of the rows (8 bytes a row: 6.4 MB here) would break it.
"""

import tracemalloc
import warnings

import numpy as np
import pytest

from customer_kanban.io import _arrow, _csv, read_event_log
from customer_kanban.model import Workflow

STATES = ["Backlog", "Analysis", "Dev", "Test", "Done", "Gone"]
WF = Workflow(STATES, "Analysis", "Done")


@pytest.fixture(scope="module")
def log_file(tmp_path_factory):
    """200,000 numbered items, 2 to 6 states each an hour apart, rows shuffled."""
    rng = np.random.default_rng(1)
    n = 200_000
    k = rng.integers(2, 7, n)
    item = np.repeat(np.arange(n), k)
    step = np.arange(item.size) - np.repeat(np.cumsum(k) - k, k)
    start = np.repeat(rng.integers(0, 10**6, n), k)
    at = np.datetime64("2024-01-01T00:00:00") + (start + step * 3600).astype("timedelta64[s]")
    perm = rng.permutation(item.size)
    lines = np.char.add(
        np.char.add(np.char.add(item[perm].astype(str), ","), np.array(STATES)[step[perm]]),
        np.char.add(",", at[perm].astype(str)),
    )
    path = tmp_path_factory.mktemp("memory") / "log.csv"
    path.write_text("item,state,at\n" + "\n".join(lines.tolist()) + "\n")
    return path


def _traced_peak(path, engine):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        read_event_log(path, workflow=WF, engine=engine)  # imports and caches outside the trace
        tracemalloc.start()
        try:
            table = read_event_log(path, workflow=WF, engine=engine).table
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    return table, peak


@pytest.mark.parametrize("engine", ["numpy", "arrow"])
@pytest.mark.parametrize("block", [1 << 16, 1 << 20])
def test_peak_memory_is_the_table_and_a_few_blocks(log_file, monkeypatch, engine, block):
    monkeypatch.setattr(_arrow, "_BLOCK_BYTES", block)
    monkeypatch.setattr(_csv, "BLOCK_BYTES", block)
    monkeypatch.setenv("CUSTOMER_KANBAN_THREADS", "2")  # two lanes for pyarrow
    table, peak = _traced_peak(log_file, engine)
    assert len(table) == 200_000
    assert table.transitions.item.size > 600_000
    assert peak <= table.nbytes + 8 * block + (1 << 20), (peak, table.nbytes)
