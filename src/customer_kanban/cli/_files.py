"""Reading the command line's files: bounded, checked, and rejected rows said on stderr."""

from __future__ import annotations

import argparse
import json
import stat
import sys
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from customer_kanban.errors import (
    CustomerKanbanError,
    CustomerKanbanWarning,
    RejectedRowsWarning,
)

__all__ = [
    "CSV_DEFAULTS",
    "JSON_LIMIT",
    "add_csv_options",
    "csv_options",
    "forget_warnings",
    "pending_warnings",
    "read_json_text",
    "reading",
    "say_warnings",
]

#: The CSV options' defaults (an option left at its default was not given).
CSV_DEFAULTS = {"delimiter": "auto", "field_limit": 1 << 20, "input_limit": 1 << 36}
#: Largest JSON file (a policy, maturity evidence) read, in bytes.
JSON_LIMIT = 16 << 20
T = TypeVar("T")


def add_csv_options(parser: argparse.ArgumentParser) -> None:
    """The options every command that reads a CSV file takes."""
    parser.add_argument(
        "--delimiter",
        default=CSV_DEFAULTS["delimiter"],
        help="field delimiter of the CSV: one character, or 'auto' (default) to tell it from "
        "the header among , ; tab |",
    )
    parser.add_argument(
        "--field-limit",
        type=int,
        default=CSV_DEFAULTS["field_limit"],
        metavar="BYTES",
        help="largest field of the CSV in bytes (default 1 MiB)",
    )
    parser.add_argument(
        "--input-limit",
        type=int,
        default=CSV_DEFAULTS["input_limit"],
        metavar="BYTES",
        help="largest CSV input in bytes (default 64 GiB)",
    )


def csv_options(args: argparse.Namespace) -> dict[str, Any]:
    """The reader keywords for the CSV options of `args`."""
    delimiter = args.delimiter
    if delimiter == "tab":
        delimiter = "\t"
    return {
        "delimiter": None if delimiter == "auto" else delimiter,
        "field_limit": args.field_limit,
        "input_limit": args.input_limit,
    }


#: Rejected-rows summaries of this run, said on stderr once the command has succeeded (a
#: command that fails says only its error, on one line).
_PENDING: list[str] = []
#: Where the rejected rows are listed: the JSON output (a command without it says nothing).
_WHERE_LISTED = {"hint": " (--json lists them all)"}


def reading(read: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Call a reader; keep its warnings (rejected rows, an incomplete changelog) to say on
    stderr, one line each (:func:`say_warnings`)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", CustomerKanbanWarning)
        result = read(*args, **kwargs)
    for w in caught:
        if isinstance(w.message, RejectedRowsWarning):
            _PENDING.append(f"{w.message.summary or w.message}{_WHERE_LISTED['hint']}")
        elif isinstance(w.message, CustomerKanbanWarning):  # e.g. an incomplete changelog
            _PENDING.append(" ".join(str(w.message).split()))
        else:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    return result


def pending_warnings() -> list[str]:
    """The summaries kept so far (for an error that explains why nothing was usable)."""
    return list(_PENDING)


def say_warnings() -> None:
    """Print the kept summaries to stderr, one line each, and forget them."""
    for message in _PENDING:
        print(f"customer-kanban: warning: {message}", file=sys.stderr)
    _PENDING.clear()


def forget_warnings() -> None:
    _PENDING.clear()
    _WHERE_LISTED["hint"] = " (--json lists them all)"


def without_json() -> None:
    """This command has no JSON output: the rejected-rows line does not point to it."""
    _WHERE_LISTED["hint"] = ""


def read_json_text(path: str, *, what: str) -> str:
    """The text of a JSON file: a regular UTF-8 file of at most :data:`JSON_LIMIT` bytes."""
    file = Path(path)
    try:
        mode = file.stat().st_mode
        if not stat.S_ISREG(mode):
            kind = "a directory" if stat.S_ISDIR(mode) else "not a regular file"
            raise CustomerKanbanError(f"cannot read {what} {path}: it is {kind}")
        with file.open("rb") as handle:
            data = handle.read(JSON_LIMIT + 1)
    except OSError as exc:
        raise CustomerKanbanError(f"cannot read {what} {path}: {exc.strerror or exc}") from exc
    if len(data) > JSON_LIMIT:
        raise CustomerKanbanError(
            f"cannot read {what} {path}: larger than the limit of {JSON_LIMIT:,} bytes"
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CustomerKanbanError(
            f"cannot read {what} {path}: not UTF-8 text (byte {exc.start})"
        ) from exc
    _check_depth(text, what, path)
    return text


def _check_depth(text: str, what: str, path: str) -> None:
    """Refuse text that is not JSON, or JSON nested too deep to read (a clear error, not a
    RecursionError)."""
    try:
        json.loads(text)
    except RecursionError as exc:
        raise CustomerKanbanError(f"cannot read {what} {path}: JSON nested too deeply") from exc
    except ValueError as exc:
        raise CustomerKanbanError(f"cannot read {what} {path}: not valid JSON ({exc})") from exc
