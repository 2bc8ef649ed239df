"""The CSV reader of the ``arrow`` engine: pyarrow's multi-threaded parser, when installed.

:func:`arrow_lanes` reads the wanted columns of a CSV file batch by batch with
``pyarrow.csv.open_csv`` (the next batch parsed while the last is converted), label
columns dictionary-encoded and the instant column as timestamps when pyarrow's ISO 8601
parser takes every value (as text otherwise, parsed by the package).  It gives up
(``None``, or :class:`ArrowFallback` from a later batch) whenever the file is not
one it can read with exactly the numpy engine's result — a row with another number
of fields, text that is not UTF-8, a quoted line end, a row longer than the field
limit, a repeated or missing column — and the caller then reads the file with the
streaming numpy engine, which names every such row.  So both engines give equal
results on every input; the arrow one is faster on the files that are well formed.
"""

from __future__ import annotations

import io
import itertools
import os
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Literal

import numpy as np

from customer_kanban._core.frames import arrow_available, frame_columns
from customer_kanban._core.threads import n_threads
from customer_kanban._core.validation import check_choice, choices_of
from customer_kanban.errors import ValidationError
from customer_kanban.io._csv import CsvReader, is_file
from customer_kanban.io._source import ColumnBlock

__all__ = ["ENGINES", "ArrowFallback", "Engine", "Lane", "arrow_lanes", "choose_engine"]

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


class ArrowFallback(Exception):
    """pyarrow refused a batch of the file: the caller reads it another way."""


def arrow_lanes(
    path: str | os.PathLike[str],
    *,
    columns: Sequence[str],
    texts: Sequence[str],
    instant: str | None,
    delimiter: str | None,
    na_values: Sequence[str],
    field_limit: int,
    input_limit: int,
) -> list[Lane] | None:
    """The wanted `columns` of the CSV file at `path`, batch by batch, or ``None``.

    The file's rows are cut at a line end into lanes (two on a machine of two cores or
    more and a file of more than two blocks, else one), each parsed by its own
    pyarrow streaming reader on its own thread, a block of 16 MiB ahead of the caller
    (so memory holds a few blocks, never the file).  Each lane yields its blocks in
    order, with row numbers counted from the lane's first row.  `texts` are read
    dictionary-encoded per batch (states, labels); `instant` is read as timestamps,
    else as text.  ``None`` means the numpy engine must read this file (see the
    module docstring); a lane raises :class:`ArrowFallback` when a later batch is
    refused, or when a lane ends inside a quoted field (the caller then reads the
    file again, with the instants as text or with the numpy engine).
    """
    reader = CsvReader(path, delimiter=delimiter, field_limit=field_limit, input_limit=input_limit)
    reader.close()
    header = tuple(reader.header)
    size = Path(path).stat().st_size
    compressed = Path(path).suffix.lower() == ".gz"  # streamed, so that limits hold
    if compressed or size > input_limit or field_limit < (1 << 20):
        return None
    if any(c not in header for c in columns) or len(set(header)) != len(header):
        return None  # the numpy engine reports these as it reads
    bounds = _lane_bounds(path, size, 2 if n_threads() >= 2 and size > 2 * _BLOCK_BYTES else 1)
    if bounds is None:
        return None
    per_byte = _rows_per_byte(path, bounds[0][0])
    wanted = list(dict.fromkeys(columns))
    options = _options(header, reader.delimiter, wanted, texts, instant, na_values, field_limit)
    return [
        Lane(
            _lane(path, start, stop, k < len(bounds) - 1, reader.label, header, wanted, options),
            int(per_byte * (stop - start)),
        )
        for k, (start, stop) in enumerate(bounds)
    ]


class Lane:
    """The blocks of one lane (an iterator), and how many rows it should be given room
    for (about)."""

    def __init__(self, blocks: Iterator[ColumnBlock], expected_rows: int) -> None:
        self.blocks = blocks
        self.expected_rows = expected_rows

    def __iter__(self) -> Iterator[ColumnBlock]:
        return self.blocks

    def __next__(self) -> ColumnBlock:
        return next(self.blocks)

    def close(self) -> None:
        self.blocks.close()  # type: ignore[attr-defined]


def _lane_bounds(
    path: str | os.PathLike[str], size: int, lanes: int
) -> list[tuple[int, int]] | None:
    """Byte ranges of the data rows, cut after a line end; ``None`` if the header line
    holds a quote that does not close on it."""
    with open(path, "rb") as file:
        header = file.readline()
        if header.count(b'"') % 2:
            return None
        cuts = [len(header)]
        for k in range(1, lanes):
            file.seek(max(size * k // lanes, cuts[-1]))
            file.readline()
            cuts.append(file.tell())
    cuts.append(size)
    return [(a, b) for a, b in itertools.pairwise(cuts) if b > a] or [(size, size)]


def _rows_per_byte(path: str | os.PathLike[str], start: int) -> float:
    """Line ends per byte in the first MiB of data (to size the buffers of the rows)."""
    with open(path, "rb") as file:
        file.seek(start)
        sample = file.read(1 << 20)
    return (sample.count(b"\n") + 1) / max(len(sample), 1)


def _options(
    header: tuple[str, ...],
    delimiter: str,
    wanted: list[str],
    texts: Sequence[str],
    instant: str | None,
    na_values: Sequence[str],
    field_limit: int,
) -> tuple[Any, Any, Any]:
    """pyarrow's read, parse and convert options of a lane."""
    import pyarrow as pa
    import pyarrow.csv as csv

    dictionary = pa.dictionary(pa.int32(), pa.string())
    types = {c: (dictionary if c in texts else pa.string()) for c in wanted}
    if instant is not None:
        types[instant] = pa.timestamp("ns")
    read = csv.ReadOptions(
        use_threads=True, block_size=min(field_limit // 2, _BLOCK_BYTES), column_names=header
    )
    parse = csv.ParseOptions(
        delimiter=delimiter,
        quote_char='"',
        double_quote=True,
        escape_char=False,
        newlines_in_values=False,
        ignore_empty_lines=True,
    )
    convert = csv.ConvertOptions(
        include_columns=wanted,
        column_types=types,
        null_values=["", *na_values],
        strings_can_be_null=True,
        quoted_strings_can_be_null=True,
        timestamp_parsers=[csv.ISO8601],
        check_utf8=True,
    )
    return read, parse, convert


def _lane(
    path: str | os.PathLike[str],
    start: int,
    stop: int,
    check_quotes: bool,
    label: str,
    header: tuple[str, ...],
    wanted: list[str],
    options: tuple[Any, Any, Any],
) -> Iterator[ColumnBlock]:
    """One lane's blocks (see :func:`arrow_lanes`)."""
    import pyarrow as pa
    import pyarrow.csv as csv

    options_read, parse, convert = options
    refused = (pa.ArrowInvalid, pa.ArrowNotImplementedError, UnicodeError)
    source = _Range(path, start, stop)
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="csv-arrow")
    row = 0
    try:
        try:
            stream = pool.submit(
                csv.open_csv,
                io.BufferedReader(source, 1 << 20),
                read_options=options_read,
                parse_options=parse,
                convert_options=convert,
            ).result()
        except refused:
            raise ArrowFallback from None
        per_block = max(1, _BLOCK_BYTES // options_read.block_size)
        ahead = pool.submit(_next_table, stream, per_block)
        while True:
            try:
                table = ahead.result()
            except refused:
                raise ArrowFallback from None
            if table is None:
                break
            ahead = pool.submit(_next_table, stream, per_block)
            _, cols = frame_columns(table, wanted)
            n = table.num_rows
            del table
            rows = np.arange(row, row + n, dtype=np.int64)
            yield ColumnBlock(label, header, n, rows, cols, streamed=True)
            row += n
        if check_quotes and source.quotes % 2:
            raise ArrowFallback  # the lane was cut inside a quoted field
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        source.close()
        pa.default_memory_pool().release_unused()


class _Range(io.RawIOBase):
    """Bytes ``[start, stop)`` of a file, counting the quote characters read."""

    def __init__(self, path: str | os.PathLike[str], start: int, stop: int) -> None:
        # A file object, not a bare descriptor: a read after close (pyarrow may read
        # ahead on its own threads) fails instead of reading a reused descriptor.
        self._file = open(path, "rb", buffering=0)  # noqa: SIM115 - closed by close()
        self._pos = start
        self._stop = stop
        self.quotes = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        n = min(len(buffer), self._stop - self._pos)
        if n <= 0:
            return 0
        data = os.pread(self._file.fileno(), n, self._pos)
        view = np.frombuffer(data, np.uint8)
        self.quotes += int(np.count_nonzero(view == _QUOTE))
        buffer[: len(data)] = data
        self._pos += len(data)
        return len(data)

    def close(self) -> None:
        self._file.close()
        super().close()


_QUOTE = ord('"')


def _next_table(stream: Any, count: int) -> Any:
    """The stream's next `count` record batches as one table, ``None`` at its end."""
    import pyarrow as pa

    batches = list(itertools.islice(stream, count))  # a reader iterates over its batches
    return pa.Table.from_batches(batches) if batches else None
