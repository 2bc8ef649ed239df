"""The CSV reader of the ``arrow`` engine: pyarrow's multi-threaded parser, when installed.

:func:`arrow_block` reads the wanted columns of a CSV file in one call to
``pyarrow.csv.read_csv`` (every core), id and label columns dictionary-encoded and the
instant column as timestamps when pyarrow's ISO 8601 parser takes every value (as
text otherwise, parsed by the package).  It returns ``None`` whenever the file is not
one it can read with exactly the numpy engine's result — a row with another number
of fields, text that is not UTF-8, a quoted line end, a row longer than the field
limit, a repeated or missing column — and the caller then reads the file with the
streaming numpy engine, which names every such row.  So both engines give equal
results on every input; the arrow one is faster on the files that are well formed.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

import numpy as np

from customer_kanban._core.frames import arrow_available, frame_columns
from customer_kanban._core.validation import check_choice, choices_of
from customer_kanban.errors import ValidationError
from customer_kanban.io._csv import CsvReader, is_file
from customer_kanban.io._source import ColumnBlock

__all__ = ["ENGINES", "Engine", "arrow_block", "choose_engine"]

# pyarrow's parser holds at most two blocks of a file at once, so it refuses ("straddling
# object") any row of two blocks or more: with blocks of at most half `field_limit`, no
# value it reads is longer than the limit, and longer rows go to the numpy engine.
_BLOCK_BYTES = 16 << 20


Engine = Literal["auto", "arrow", "numpy"]
#: The CSV engines of the readers.
ENGINES = choices_of(Engine)


def choose_engine(engine: object, source: object) -> str:
    """``"arrow"`` or ``"numpy"`` for `engine` on `source`.

    ``"arrow"`` reads a CSV path, ``"numpy"`` a path or an open file; a mapping or a
    frame takes ``"auto"`` only (no CSV is parsed).
    """
    check_choice(engine, name="engine", choices=ENGINES)
    is_path = isinstance(source, (str, os.PathLike))
    if engine == "auto":
        return "arrow" if is_path and arrow_available() else "numpy"
    if not is_path and not (engine == "numpy" and is_file(source)):
        readable = "a CSV file given by its path" if engine == "arrow" else "a CSV file"
        raise ValidationError(
            f"engine={engine!r} reads {readable}, got {type(source).__name__}; "
            "leave `engine` to its default for other sources"
        )
    if engine == "arrow" and not arrow_available():
        raise ImportError(
            "engine='arrow' needs pyarrow: pip install 'customer-kanban[arrow]' (or engine='numpy')"
        )
    return str(engine)


def arrow_block(
    path: str | os.PathLike[str],
    *,
    columns: Sequence[str],
    texts: Sequence[str],
    instant: str | None,
    delimiter: str | None,
    na_values: Sequence[str],
    field_limit: int,
    input_limit: int,
) -> ColumnBlock | None:
    """The wanted `columns` of the CSV file at `path` as one block, or ``None``.

    `texts` are read dictionary-encoded (ids, states, labels); `instant` is read as
    timestamps where pyarrow parses every value, else as text.  ``None`` means the
    numpy engine must read this file (see the module docstring).
    """
    reader = CsvReader(path, delimiter=delimiter, field_limit=field_limit, input_limit=input_limit)
    reader.close()
    header = tuple(reader.header)
    size = Path(path).stat().st_size
    compressed = Path(path).suffix.lower() == ".gz"  # streamed, so that limits hold
    if compressed or size > input_limit or field_limit < (1 << 20):
        return None
    if any(c not in header for c in columns):
        return None  # the numpy engine reports these as it reads
    wanted = list(dict.fromkeys(columns))
    table = _read(path, reader.delimiter, wanted, texts, instant, na_values, field_limit)
    if table is None:
        return None
    _, cols = frame_columns(table, wanted)
    n = table.num_rows
    return ColumnBlock(reader.label, header, n, np.arange(n, dtype=np.int64), cols)


def _read(
    path: str | os.PathLike[str],
    delimiter: str,
    wanted: list[str],
    texts: Sequence[str],
    instant: str | None,
    na_values: Sequence[str],
    field_limit: int,
) -> Any:
    """pyarrow's table of the wanted columns; the instant column as text if it must be."""
    import pyarrow as pa
    import pyarrow.csv as csv

    dictionary = pa.dictionary(pa.int32(), pa.string())
    types = {c: (dictionary if c in texts else pa.string()) for c in wanted}
    attempts = [pa.timestamp("ns"), pa.string()] if instant is not None else [pa.string()]
    read_options = csv.ReadOptions(use_threads=True, block_size=min(field_limit // 2, _BLOCK_BYTES))
    parse_options = csv.ParseOptions(
        delimiter=delimiter,
        quote_char='"',
        double_quote=True,
        escape_char=False,
        newlines_in_values=False,
        ignore_empty_lines=True,
    )
    for at_type in attempts:
        if instant is not None:
            types[instant] = at_type
        convert_options = csv.ConvertOptions(
            include_columns=wanted,
            column_types=types,
            null_values=["", *na_values],
            strings_can_be_null=True,
            quoted_strings_can_be_null=True,
            timestamp_parsers=[csv.ISO8601],
            check_utf8=True,
        )
        try:
            table = csv.read_csv(
                os.fspath(path),
                read_options=read_options,
                parse_options=parse_options,
                convert_options=convert_options,
            )
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError, UnicodeError):
            continue  # the instants as text, or the file by the numpy engine
        return table
    return None
