"""Errors and warnings raised by customer_kanban.

One hierarchy for the whole package.  Every exception derives from
:class:`CustomerKanbanError`; validation failures are also :class:`ValueError`
so that callers catching the built-in keep working.  Every warning derives from
:class:`CustomerKanbanWarning`, so ``warnings.filterwarnings("error",
category=CustomerKanbanWarning)`` turns them all into errors.
"""

from __future__ import annotations

import itertools
from collections.abc import Collection, Iterable
from typing import Any

__all__ = [
    "CustomerKanbanError",
    "CustomerKanbanWarning",
    "FetchError",
    "InsufficientDataWarning",
    "RejectedRowsWarning",
    "ValidationError",
    "describe_rows",
]


class CustomerKanbanError(Exception):
    """Base class of every error raised by customer_kanban."""


class ValidationError(CustomerKanbanError, ValueError):
    """A value, a row or a document breaks a documented rule.

    The message names the field in backticks, the rule, and the offending rows
    or items when the input is a table.

    Parameters
    ----------
    message : str
        The human-readable message.
    rows : iterable of int, optional
        Zero-based positions of every offending row, when the input is a table.
    items : iterable of str, optional
        Identifiers of the offending items, aligned with `rows`.
    """

    def __init__(
        self,
        message: str,
        *,
        rows: Iterable[Any] = (),
        items: Iterable[Any] = (),
    ) -> None:
        super().__init__(message)
        self.rows: tuple[int, ...] = tuple(int(r) for r in rows)
        self.items: tuple[str, ...] = tuple(str(i) for i in items)


class FetchError(CustomerKanbanError):
    """A tracker's server refused, failed or did not answer a request, after any retries.

    Parameters
    ----------
    message : str
        What was asked, what the server answered (its own messages when it sent some).
    status : int, optional
        The HTTP status of the answer (``None`` when there was no answer).
    """

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class CustomerKanbanWarning(UserWarning):
    """Base class of every warning issued by customer_kanban."""


class InsufficientDataWarning(CustomerKanbanWarning):
    """A result is defined but rests on too little data (empty input, all-NaN groups).

    The affected values are NaN (or zero for counts); the warning says which.
    """


class RejectedRowsWarning(CustomerKanbanWarning):
    """A reader rejected some rows of its input; the result's ``rejected`` lists them all.

    The message gives the count, the share of the input and the first reasons, so
    that rows are never dropped without a word; ``summary`` is that without the hint
    where to find the rest.
    """

    summary: str = ""


def describe_rows(rows: Collection[Any], items: Iterable[Any] = (), *, limit: int = 5) -> str:
    """Describe offending rows for an error message.

    Parameters
    ----------
    rows : collection of int
        Zero-based row positions (a numpy array works).
    items : iterable, optional
        Item identifiers aligned with `rows`.
    limit : int, optional
        How many rows to spell out.

    Returns
    -------
    str
        For example ``"3 rows (row 17, item 'A-9'; row 20, item 'B-1'; ...)"``.

    Examples
    --------
    >>> describe_rows([17, 20], ["A-9", "B-1"])
    "2 rows (row 17, item 'A-9'; row 20, item 'B-1')"
    >>> describe_rows([4])
    '1 row (row 4)'
    """
    n = len(rows)
    shown_items = list(itertools.islice(items, limit))
    parts = []
    for k, row in enumerate(itertools.islice(rows, limit)):
        part = f"row {int(row)}"
        if k < len(shown_items):
            part += f", item {str(shown_items[k])!r}"
        parts.append(part)
    more = "; ..." if n > limit else ""
    noun = "row" if n == 1 else "rows"
    return f"{n} {noun} ({'; '.join(parts)}{more})"
