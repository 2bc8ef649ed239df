"""The readers for tests: their RejectedRowsWarning checked against their result."""

from __future__ import annotations

import warnings
from typing import Any

from customer_kanban.errors import RejectedRowsWarning
from customer_kanban.io import EventLogResult, read_event_log


def read_log(*args: Any, **kwargs: Any) -> EventLogResult:
    """Read, and check that exactly one warning comes exactly when rows are rejected."""
    return read_with(read_event_log, *args, **kwargs)


def read_with(reader: Any, *args: Any, **kwargs: Any) -> EventLogResult:
    """`reader` (a tracker reader), with the same check of its warning as :func:`read_log`."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", RejectedRowsWarning)
        result = reader(*args, **kwargs)
    rejected = [w for w in caught if issubclass(w.category, RejectedRowsWarning)]
    assert len(rejected) == (1 if len(result.rejected) else 0), [str(w.message) for w in caught]
    if rejected:
        text = str(rejected[0].message)
        assert f"{len(result.rejected):,} of {result.n_rows:,} rows rejected" in text
        assert str(result.rejected.reasons[0]) in text
        assert rejected[0].filename == __file__  # attributed to the reader's caller
    assert result.n_accepted + len(result.rejected) == result.n_rows
    return result
