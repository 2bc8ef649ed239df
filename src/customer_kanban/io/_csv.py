"""A streaming, vectorized CSV reader with bounded memory and clear errors.

The input is read in blocks of whole records; each block is tokenized at once with
numpy (quote parity by a running XOR, delimiters and line ends outside quotes by
comparison, fields by ``searchsorted``), and only the columns asked for are cut out,
as fixed-width byte strings.  Nothing holds more than one block of text, so memory is
bounded by the block size plus what the caller keeps of each block.

Handled: UTF-8 with or without a byte-order mark; LF, CRLF and CR line ends (also
mixed); fields quoted with ``"`` holding delimiters, line ends and doubled quotes;
blank lines (skipped, not counted).  Refused with one clear error: a file that is not
UTF-8, a directory, a device, an input over ``input_limit`` bytes, a field over
``field_limit`` bytes, a header with repeated or missing names.  Rows with another
number of fields than the header, unbalanced quotes or a NUL character are *rejected*
(reported with their row number and reason), never dropped silently and never a
traceback.

Rows are numbered from 0 at the first data line after the header; blank lines are
not counted.
"""

from __future__ import annotations

import csv
import gzip
import io
import os
import stat
import zlib
from collections import deque
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import IO, Any, cast

import attrs
import numpy as np
import numpy.typing as npt

from customer_kanban.errors import ValidationError

__all__ = [
    "BLOCK_BYTES",
    "FIELD_LIMIT",
    "INPUT_LIMIT",
    "Block",
    "CsvReader",
    "check_delimiter",
    "check_limit",
    "sniff_delimiter",
]

#: Default largest field, in bytes (configurable per call).
FIELD_LIMIT = 1 << 20
#: Default largest input, in bytes (configurable per call): about 10^7 work items' log.
INPUT_LIMIT = 1 << 36
#: Bytes read at a time.
BLOCK_BYTES = 1 << 24
#: Longest value kept as a fixed-width string; longer ones come back as Python bytes.
WIDE = 256
#: Delimiters tried when none is given, in order of preference on a tie.
CANDIDATES = (",", ";", "\t", "|")

_QUOTE, _LF, _CR, _NUL = ord('"'), ord("\n"), ord("\r"), 0
_BOM = b"\xef\xbb\xbf"

I64 = npt.NDArray[np.int64]
Mask = npt.NDArray[np.bool_]


@attrs.frozen(eq=False)
class Block:
    """The rows of one block of input.

    Attributes
    ----------
    first_row : int
        Number of the block's first row in the whole input.
    n_rows : int
        Rows in the block (accepted and rejected).
    rows : numpy.ndarray of int64
        Numbers of the rows whose fields are in `columns` (those well formed).
    columns : dict of str to numpy.ndarray
        The fields of the wanted columns for `rows`, unquoted, as ``S`` byte strings;
        a column where some value is longer than :data:`WIDE` bytes is an object array
        of :class:`bytes` in that block.
    rejected_rows, rejected_reasons : list
        The malformed rows of the block and why.
    n_bytes : int
        Bytes of input the block's rows take.
    """

    first_row: int
    n_rows: int
    rows: I64
    columns: dict[str, npt.NDArray[Any]]
    rejected_rows: list[int]
    rejected_reasons: list[str]
    n_bytes: int = 0


def sniff_delimiter(header: bytes) -> str:
    """The delimiter of a header line: the candidate that splits it most (outside quotes).

    Examples
    --------
    >>> sniff_delimiter(b"id;state;at")
    ';'
    >>> sniff_delimiter(b'"a,b"\\tc\\td')
    '\\t'
    >>> sniff_delimiter(b"only")
    ','
    """
    raw = np.frombuffer(header, dtype=np.uint8)
    outside = ~np.logical_xor.accumulate(raw == _QUOTE) if raw.size else raw.astype(bool)
    counts = [int(np.count_nonzero((raw == ord(c)) & outside)) for c in CANDIDATES]
    best = int(np.argmax(counts))
    return CANDIDATES[best] if counts[best] else ","


def is_file(source: object) -> bool:
    """Whether `source` is an open file (an object with a ``read`` method, not a class)."""
    return callable(getattr(source, "read", None)) and not isinstance(source, type)


class CsvReader:
    """Read a CSV source block by block.

    Parameters
    ----------
    source : str, os.PathLike, or binary or text file object
        A path to a regular file, or an open file.
    delimiter : str or None
        One character other than a quote or a line end; ``None`` sniffs it from the
        header (``,`` ``;`` tab ``|``).
    field_limit, input_limit : int
        Largest field and largest input, in bytes.
    block_bytes : int
        Bytes read at a time.
    label : str, optional
        How messages name the source (default: the file name).
    """

    def __init__(
        self,
        source: str | os.PathLike[str] | IO[Any],
        *,
        delimiter: str | None = ",",
        field_limit: int = FIELD_LIMIT,
        input_limit: int = INPUT_LIMIT,
        block_bytes: int | None = None,
        label: str | None = None,
    ) -> None:
        self._stream, self.label = _open(source, label)
        self._owned = not is_file(source)
        self.field_limit = check_limit(field_limit, "field_limit")
        self.input_limit = check_limit(input_limit, "input_limit")
        self.block_bytes = max(int(BLOCK_BYTES if block_bytes is None else block_bytes), 1 << 10)
        size = _size_of(self._stream)
        if size is not None:  # a small file needs no large read buffer
            self.block_bytes = min(self.block_bytes, max(size + 1, 1 << 10))
        self._read = 0
        self._pending = b""
        self._eof = False
        first = self._header_line()
        self.delimiter = sniff_delimiter(first) if delimiter is None else check_delimiter(delimiter)
        self.header = _header_names(first, self.delimiter, self.label)

    def close(self) -> None:
        """Close the file if this reader opened it (the rows are then no longer readable)."""
        if self._owned:
            self._stream.close()

    # ------------------------------------------------------------------ reading
    def _fill(self, need: int) -> bytes:
        """Read until `need` bytes are pending or the input ends."""
        while len(self._pending) < need and not self._eof:
            chunk = self._read_chunk()
            if isinstance(chunk, str):
                chunk = chunk.encode("utf-8")
            if not chunk:
                self._eof = True
                break
            self._read += len(chunk)
            if self._read > self.input_limit:
                raise ValidationError(
                    f"cannot read {self.label}: the input is larger than the limit of "
                    f"{self.input_limit:,} bytes (`input_limit`)"
                )
            self._pending += chunk
        return self._pending

    def _read_chunk(self) -> bytes | str:
        try:
            chunk: bytes | str = self._stream.read(self.block_bytes)
        except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
            raise ValidationError(
                f"cannot read {self.label}: not a complete gzip file ({exc})"
            ) from exc
        return chunk

    def _header_line(self) -> bytes:
        data = self._fill(1)
        if data.startswith(_BOM):
            self._pending = data[len(_BOM) :]
        limit = self.field_limit * 64 + 1
        while True:
            buf = np.frombuffer(self._pending, dtype=np.uint8)
            ends = _first_record_end(buf)
            if ends.size:
                end = int(ends[0])
                line = self._pending[:end]
                skip = 2 if buf[end] == _CR and end + 1 < buf.size and buf[end + 1] == _LF else 1
                self._pending = self._pending[end + skip :]
                if line.strip(b"\r\n"):
                    _check_utf8(line, self.label, "the header")
                    return line
                continue  # blank lines before the header
            if self._eof:
                if self._pending.strip():
                    line, self._pending = self._pending, b""
                    _check_utf8(line, self.label, "the header")
                    return line
                raise ValidationError(f"cannot read {self.label}: no header row")
            if len(self._pending) > limit:
                raise ValidationError(
                    f"cannot read {self.label}: the header is longer than {limit:,} bytes"
                )
            self._fill(len(self._pending) + self.block_bytes)

    def blocks(self, columns: Sequence[str] | None = None) -> Iterator[Block]:
        """Yield the data rows block by block, with the fields of `columns` (default: all)."""
        index = {name: self.header.index(name) for name in _wanted(self.header, columns)}
        row = 0
        record_limit = self.field_limit * (len(self.header) + 1) + 2 * len(self.header)
        # Blocks are cut here, in order, and split into fields on a second thread while the
        # caller checks the previous one (numpy releases the GIL in its kernels).
        in_flight: deque[Future[Block]] = deque()
        pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="csv")
        try:
            while True:
                data = self._fill(self.block_bytes)
                if not data:
                    break
                buf = np.frombuffer(data, dtype=np.uint8)
                inside = np.logical_xor.accumulate(buf == _QUOTE)
                ends = self._block_ends(buf, inside, row, record_limit)
                if ends is None:
                    continue  # a record longer than the block: read more
                cut = int(ends[-1])
                self._pending = data[cut + 1 :]
                whole = buf[: cut + 1]
                in_flight.append(
                    pool.submit(
                        _tokenize, whole, inside[: cut + 1], ends, self.delimiter, index, row, self
                    )
                )
                row += int(_record_bounds(whole, ends)[0].size)
                if len(in_flight) > 1:
                    yield in_flight.popleft().result()
            while in_flight:
                yield in_flight.popleft().result()
        finally:
            for future in in_flight:
                future.cancel()
            pool.shutdown(wait=True)
            if self._owned:
                self._stream.close()

    def _block_ends(
        self, buf: npt.NDArray[np.uint8], inside: Mask, row: int, record_limit: int
    ) -> I64 | None:
        """The record ends of the pending bytes to take now (None: read more first)."""
        ends = _record_ends(buf, inside)
        if not self._eof and ends.size and ends[-1] == buf.size - 1 and buf[-1] == _CR:
            ends = ends[:-1]  # a CR at the very end may be half of a CRLF
        if self._eof:
            last = int(ends[-1]) if ends.size else -1
            if buf.size > last + 1:  # the last record has no line end
                ends = np.append(ends, buf.size)
            return ends
        if ends.size:
            return ends
        if buf.size > record_limit:
            raise ValidationError(
                f"cannot read {self.label}: row {row} is longer than {record_limit:,} bytes "
                f"(a field may hold at most `field_limit` = {self.field_limit:,} bytes)"
            )
        self._fill(buf.size + self.block_bytes)
        return None


# ---------------------------------------------------------------------- tokenizing


def _record_ends(buf: npt.NDArray[np.uint8], inside: Mask | None = None) -> I64:
    """Positions of the line ends outside quotes (LF, or a CR not followed by LF)."""
    if not buf.size:
        return np.zeros(0, np.int64)
    if inside is None:
        inside = np.logical_xor.accumulate(buf == _QUOTE)
    lf = buf == _LF
    cr = buf == _CR
    lone_cr = cr.copy()
    lone_cr[:-1] &= ~lf[1:]  # a CR at the very end of a block is settled by the caller
    out: I64 = np.flatnonzero((lf | lone_cr) & ~inside).astype(np.int64)
    return out


def _first_record_end(buf: npt.NDArray[np.uint8]) -> I64:
    """The first line end outside quotes (as :func:`_record_ends`, at most one), scanning
    growing prefixes so that a header does not cost a pass over a whole block."""
    width = 1 << 16
    while width < buf.size:
        ends = _record_ends(buf[:width])
        if ends.size and ends[0] < width - 1:  # a CR at the prefix's end may precede an LF
            return ends[:1]
        width *= 4
    return _record_ends(buf)[:1]


def _is_blank(tail: npt.NDArray[np.uint8]) -> bool:
    return bool(np.isin(tail, (_LF, _CR)).all())


def _tokenize(
    buf: npt.NDArray[np.uint8],
    inside: Mask,
    ends: I64,
    delimiter: str,
    index: Mapping[str, int],
    first_row: int,
    reader: CsvReader,
) -> Block:
    """Split a block of whole records into rows and cut out the wanted fields."""
    n_cols = len(reader.header)
    last = max(buf.size - 1, 0)
    starts, content_end = _record_bounds(buf, ends)
    n_rows = int(starts.size)
    rows = np.arange(first_row, first_row + n_rows, dtype=np.int64)
    seps = np.flatnonzero((buf == ord(delimiter)) & ~inside).astype(np.int64)
    _check_field_lengths(starts, content_end, seps, reader, rows)
    _check_utf8_rows(buf, starts, reader, rows)
    lo = np.searchsorted(seps, starts)
    n_fields = np.searchsorted(seps, content_end) - lo + 1
    reasons: dict[int, str] = {}
    unbalanced = inside[np.clip(content_end - 1, 0, last)]  # a quote still open at the end
    for r in np.flatnonzero(unbalanced).tolist():
        reasons[r] = "unbalanced quotes"
    for r in np.flatnonzero(n_fields != n_cols).tolist():
        reasons.setdefault(r, f"{int(n_fields[r])} fields where the header has {n_cols}")
    good = np.ones(n_rows, bool)
    good[list(reasons)] = False
    g_rows = np.flatnonzero(good)
    g_lo, g_start, g_end = lo[good], starts[good], content_end[good]
    columns: dict[str, npt.NDArray[Any]] = {}
    malformed = np.zeros(g_rows.size, bool)
    nul = bool((buf == _NUL).any())
    for name, k in index.items():
        f_start = g_start if k == 0 else seps[g_lo + k - 1] + 1
        f_end = g_end if k == n_cols - 1 else seps[g_lo + k]
        columns[name], bad = _fields(buf, f_start, f_end, nul=nul)
        for r in g_rows[bad & ~malformed].tolist():
            reasons[r] = f"malformed field in column {name!r} (stray quote or NUL character)"
        malformed |= bad
    if malformed.any():
        columns = {name: v[~malformed] for name, v in columns.items()}
        g_rows = g_rows[~malformed]
    bad_rows = sorted(reasons)
    return Block(
        first_row=first_row,
        n_rows=n_rows,
        rows=rows[g_rows],
        columns=columns,
        rejected_rows=[int(rows[r]) for r in bad_rows],
        rejected_reasons=[reasons[r] for r in bad_rows],
        n_bytes=int(buf.size),
    )


def _record_bounds(buf: npt.NDArray[np.uint8], ends: I64) -> tuple[I64, I64]:
    """Start and end (line end excluded) of every record of a block that is not blank."""
    starts = np.concatenate(([0], ends[:-1] + 1)).astype(np.int64)
    last = max(buf.size - 1, 0)
    by_lf = (ends < buf.size) & (buf[np.minimum(ends, last)] == _LF)
    before_cr = by_lf & (ends > starts) & (buf[np.clip(ends - 1, 0, last)] == _CR)
    content_end = ends - before_cr
    blank = content_end <= starts
    return starts[~blank], content_end[~blank]


def _check_field_lengths(starts: I64, ends: I64, seps: I64, reader: CsvReader, rows: I64) -> None:
    """Refuse any field longer than the limit (fields of all columns, not only wanted ones)."""
    if not starts.size or int((ends - starts).max()) <= reader.field_limit:
        return  # no row is longer than the limit, so no field is
    field_starts = np.sort(np.concatenate((starts, seps + 1)))
    field_ends = np.sort(np.concatenate((seps, ends)))
    lengths = field_ends - field_starts
    longest = int(lengths.max(initial=0))
    if longest > reader.field_limit:
        at = int(np.argmax(lengths))
        row = int(np.searchsorted(starts, field_starts[at], side="right") - 1)
        raise ValidationError(
            f"cannot read {reader.label}: row {int(rows[row])} has a field of {longest:,} bytes, "
            f"more than the limit of {reader.field_limit:,} (`field_limit`)"
        )


def _fields(
    buf: npt.NDArray[np.uint8], start: I64, end: I64, *, nul: bool
) -> tuple[npt.NDArray[Any], Mask]:
    """The fields between `start` and `end`, unquoted; and which are malformed."""
    n = start.size
    bad = np.zeros(n, bool)
    if not n:
        return np.zeros(0, dtype="S1"), bad
    quoted = (end > start) & (buf[np.minimum(start, buf.size - 1)] == _QUOTE)
    if quoted.any():
        closes = quoted & (end - start >= 2) & (buf[np.maximum(end - 1, 0)] == _QUOTE)
        bad |= quoted & ~closes
        start = np.where(closes, start + 1, start)
        end = np.where(closes, end - 1, end)
    length = np.maximum(end - start, 0)
    width = int(length.max(initial=0))
    if width > WIDE:
        values = np.empty(n, dtype=object)
        for i, (s, e) in enumerate(zip(start.tolist(), end.tolist(), strict=True)):
            values[i] = bytes(buf[s:e])
    else:
        # One gather per character position (a few dozen), not an (n, width) index matrix.
        matrix = np.zeros((n, max(width, 1)), dtype=np.uint8)
        last = buf.size - 1
        for j in range(width):
            column = buf[np.minimum(start + j, last)]
            column[length <= j] = 0
            matrix[:, j] = column
        if nul:
            bad |= (matrix == _NUL).sum(axis=1) > np.maximum(width, 1) - length
        values = matrix.view(f"S{max(width, 1)}").reshape(n)
    if quoted.any():  # doubled quotes inside quoted fields: few, one by one
        inner = quoted & ~bad
        for i in np.flatnonzero(inner).tolist():
            text = bytes(buf[start[i] : end[i]])
            if b'"' in text:
                if text.replace(b'""', b"").count(b'"'):
                    bad[i] = True
                else:
                    values = _set(values, i, text.replace(b'""', b'"'))
    return values, bad


def _set(values: npt.NDArray[Any], i: int, value: bytes) -> npt.NDArray[Any]:
    if values.dtype.kind == "S" and len(value) > values.dtype.itemsize:
        values = values.astype(f"S{len(value)}")
    values[i] = value
    return values


def _check_utf8(data: bytes, label: str, what: str) -> None:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValidationError(
            f"cannot read {label}: {what} is not UTF-8 text (byte {exc.start})"
        ) from exc


def _check_utf8_rows(buf: npt.NDArray[np.uint8], starts: I64, reader: CsvReader, rows: I64) -> None:
    """Refuse input that is not UTF-8, naming the first row where it is not."""
    if not buf.size or not (buf >= 0x80).any():
        return  # ASCII
    try:
        buf.tobytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        row = int(np.searchsorted(starts, exc.start, side="right") - 1)
        where = f"row {int(rows[max(row, 0)])}" if rows.size else "the data"
        raise ValidationError(
            f"cannot read {reader.label}: {where} is not UTF-8 text (give the file as UTF-8)"
        ) from exc


# ---------------------------------------------------------------------- opening


def _size_of(stream: Any) -> int | None:
    """Bytes left in a regular file (None for pipes, sockets, compressed and other streams)."""
    if isinstance(stream, gzip.GzipFile):
        return None
    try:
        info = os.fstat(stream.fileno())
        if stat.S_ISREG(info.st_mode):
            return int(info.st_size - stream.tell())
    except (OSError, AttributeError, ValueError, io.UnsupportedOperation):
        pass
    return None


#: Largest value of each limit (a field of 2 GiB, an input of a pebibyte).
LIMIT_BOUNDS = {"field_limit": 1 << 31, "input_limit": 1 << 50}


def check_limit(value: object, name: str) -> int:
    """A byte limit: a whole number from 1 to its bound in :data:`LIMIT_BOUNDS`."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"`{name}` must be a whole number of bytes, got {value!r:.40}")
    bound = LIMIT_BOUNDS[name]
    if not 1 <= value <= bound:
        raise ValidationError(f"`{name}` must lie in [1, {bound:,}] bytes; got {value:,}")
    return int(value)


def check_delimiter(delimiter: object) -> str:
    if not isinstance(delimiter, str) or len(delimiter) != 1 or delimiter in '"\r\n':
        raise ValidationError(
            "`delimiter` must be one character other than a quote or a line break, "
            f"got {delimiter!r}"
        )
    if ord(delimiter) > 127:
        raise ValidationError(f"`delimiter` must be an ASCII character, got {delimiter!r}")
    return delimiter


def _open(source: str | os.PathLike[str] | IO[Any], label: str | None) -> tuple[IO[Any], str]:
    if is_file(source):
        name = getattr(source, "name", None)
        text = label or (Path(str(name)).name if isinstance(name, str) else "the file object")
        stream: IO[Any] = source  # type: ignore[assignment]
        if isinstance(source, io.TextIOBase) and hasattr(source, "buffer"):
            stream = source.buffer
        return stream, text
    if not isinstance(source, (str, os.PathLike)):
        raise TypeError(f"`source` must be a path or an open file, got {type(source).__name__}")
    return _open_path(Path(source), label)


def _open_path(path: Path, label: str | None) -> tuple[IO[Any], str]:
    """A regular file opened for reading; directories and devices refused."""
    text = label or path.name or str(path)
    try:
        mode = path.stat().st_mode
    except FileNotFoundError as exc:
        raise ValidationError(f"cannot read {text}: no such file ({path})") from exc
    except OSError as exc:
        raise ValidationError(f"cannot read {text}: {exc.strerror or exc}") from exc
    if stat.S_ISDIR(mode):
        raise ValidationError(f"cannot read {text}: it is a directory, not a file")
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        raise ValidationError(f"cannot read {text}: it is a device, not a file")
    try:
        if path.suffix.lower() == ".gz":  # decompressed as it is read; limits count its text
            return cast("IO[Any]", gzip.open(path, "rb")), text
        return open(path, "rb"), text
    except OSError as exc:
        raise ValidationError(f"cannot read {text}: {exc.strerror or exc}") from exc


def _header_names(line: bytes, delimiter: str, label: str) -> list[str]:
    text = line.decode("utf-8").rstrip("\r\n")
    try:
        names = next(csv.reader([text], delimiter=delimiter, quotechar='"'))
    except csv.Error as exc:
        raise ValidationError(f"cannot read {label}: the header is malformed ({exc})") from exc
    names = [n.strip() for n in names]
    if not names or all(not n for n in names):
        raise ValidationError(f"cannot read {label}: no header row")
    empty = [k for k, n in enumerate(names) if not n]
    if empty:
        raise ValidationError(f"cannot read {label}: header column {empty[0]} has no name")
    seen: dict[str, int] = {}
    for n in names:
        seen[n] = seen.get(n, 0) + 1
    repeated = sorted(n for n, c in seen.items() if c > 1)
    if repeated:
        raise ValidationError(
            f"cannot read {label}: the header repeats the column names {repeated}"
        )
    return names


def _wanted(header: list[str], columns: Sequence[str] | None) -> list[str]:
    if columns is None:
        return list(header)
    return [c for c in dict.fromkeys(columns) if c in header]
