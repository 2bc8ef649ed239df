"""ActionableAgile's CSV format: one row per item, one date column per workflow stage.

The format, as ActionableAgile's documentation of its CSV loader gives it: a header
row; the item id first (a column whose name holds ``ID``), then optionally ``Link``
(a URL) and a name or title column; then one column per workflow stage, in workflow
order, holding the date the item entered the stage (a stage the item skipped holds the
date it entered the next one); then attribute columns, one value per item (several
values joined by ``|``).
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterator, Mapping, Sequence
from typing import IO, Any, Literal

import attrs
import numpy as np
import numpy.typing as npt

from customer_kanban._core.frames import frame_columns, is_frame
from customer_kanban._core.validation import check_choice, choices_of
from customer_kanban.errors import ValidationError
from customer_kanban.io._csv import FIELD_LIMIT, INPUT_LIMIT, CsvReader
from customer_kanban.io._event_log import EventLogResult, Rejections
from customer_kanban.io._fields import instants
from customer_kanban.io._instants import TimeFormat
from customer_kanban.io._source import (
    ColumnBlock,
    _mapping_block,
    decode,
    reader_options,
    text_column,
    warn_rejected,
)
from customer_kanban.io._tracker import check_fields, check_workflow, read_columns
from customer_kanban.model import Workflow
from customer_kanban.table import WorkItemTable

__all__ = ["read_actionable_agile", "write_actionable_agile"]

Precision = Literal["day", "minute"]
PRECISIONS = choices_of(Precision)
I64 = npt.NDArray[np.int64]
Mask = npt.NDArray[np.bool_]
_NAT = np.iinfo(np.int64).min
_NEVER = np.iinfo(np.int64).max
MISSING_ID = "missing item id"
REPEATED_ID = "repeated item id"
NO_DATE = "no stage date"


# ------------------------------------------------------------------------ reading
def read_actionable_agile(
    source: str | os.PathLike[str] | IO[Any] | Mapping[str, Any] | Any,
    *,
    workflow: Workflow,
    fields: Mapping[str, str] | None = None,
    at_format: str | None = None,
    delimiter: str | None = ",",
    field_limit: int = FIELD_LIMIT,
    input_limit: int = INPUT_LIMIT,
) -> EventLogResult:
    """Read ActionableAgile's CSV format (one row per item, a date per stage) into a table.

    Parameters
    ----------
    source : str, os.PathLike, open file, mapping of str to array_like, or data frame
        The CSV file (read in blocks with bounded memory, as :func:`read_event_log`
        reads), or its columns.  The first column is the item id and its name holds
        ``ID``; a column named after each state of `workflow`, contiguous and in
        workflow order, holds the instant the item entered that stage (empty: not
        yet); the columns after the stages are attributes.  ``Link`` and a name or
        title column before the stages are read only when `fields` names them.
    workflow : Workflow
        The states, in order: the names of the stage columns.
    fields : mapping of str to str, optional
        Table field -> column, e.g. ``{"class_of_service": "Class of Service"}``.
        Default: every attribute column, as a field of the same name (so that what
        :func:`write_actionable_agile` writes reads back as it was).  Attributes are
        categorical (text) fields; ``|``-joined values are kept as one text.
    at_format : str, optional
        ``None`` (default): ISO 8601 dates or instants (``2024-03-04``, ``2024-03-04
        09:15``).  Otherwise a ``strptime`` format as :func:`read_event_log` takes
        it, e.g. ``"%d/%m/%Y"`` or ``"%m/%d/%Y %I:%M %p"``.
    delimiter, field_limit, input_limit
        As :func:`read_event_log` takes them.

    Returns
    -------
    EventLogResult
        Its rows are the **items** (the CSV's data rows): ``n_accepted +
        len(rejected) == n_rows``, ``n_accepted == len(table)`` and ``n_merged`` is 0.
        Each stage date is a transition into that stage, so ``requested_at`` is the
        earliest date, ``committed_at`` and ``delivered_at`` the dates of the
        commitment and delivery points (or of the first later stage with one).

    Raises
    ------
    customer_kanban.errors.ValidationError
        The file is missing, malformed or over a limit; the first column's name holds
        no ``ID``; a state of `workflow` has no column, or the stage columns are not
        contiguous and in workflow order; a column of `fields` is absent.
    TypeError
        Arguments of the wrong type.

    Warns
    -----
    customer_kanban.errors.RejectedRowsWarning
        When rows are rejected: a malformed CSV row, ``missing item id``, ``repeated
        item id`` (the first row of an id is read), ``unparseable instant in
        'Stage'``, or ``no stage date``.

    See Also
    --------
    write_actionable_agile : the other way.

    Examples
    --------
    >>> import io
    >>> from customer_kanban.model import Workflow
    >>> wf = Workflow(["Backlog", "Doing", "Done"], "Doing", "Done")
    >>> text = '''ID,Link,Name,Backlog,Doing,Done,Type
    ... KAN-1,,Fix the login,2024-03-01,2024-03-04,2024-03-06,Bug
    ... KAN-2,,Export to CSV,2024-03-02,2024-03-05,,Story
    ... '''
    >>> result = read_actionable_agile(io.StringIO(text), workflow=wf)
    >>> t = result.table
    >>> t["id"].tolist(), t["Type"].tolist()
    (['KAN-1', 'KAN-2'], ['Bug', 'Story'])
    >>> print(t["committed_at"][1], t["delivered_at"][1])
    2024-03-05T00:00:00.000000000 NaT
    """
    wf = check_workflow(workflow)
    reader_options(("",), delimiter, field_limit, input_limit)
    fmt = None if at_format is None else TimeFormat.parse(at_format)
    if fields is not None:
        check_fields(fields)
    label, names, blocks = _blocks(source, delimiter, field_limit, input_limit)
    layout = _Layout.of(names, wf, fields, label)
    parts = [_accept(block, layout, fmt) for block in blocks]
    if not parts:  # no data row: the layout was checked, the table is empty
        parts = [_Part.empty(layout)]
    part = _Part.concatenate(parts)
    part.reject_repeated_ids()
    table = read_columns(
        part.event_columns(layout),
        workflow=wf,
        attributes={f"field {k}": target for k, (target, _) in enumerate(layout.targets)},
    ).table
    n_rows = sum(b.n_rows for b in parts)
    rejected = part.rejections()
    result = EventLogResult(
        table=table,
        rejected=rejected,
        n_rows=n_rows,
        n_accepted=n_rows - len(rejected),
        n_merged=0,
    )
    if len(rejected):
        warn_rejected(rejected.rows, rejected.reasons, n_rows, label)
    return result


def _blocks(
    source: Any, delimiter: str | None, field_limit: int, input_limit: int
) -> tuple[str, tuple[str, ...], Iterator[ColumnBlock]]:
    """The source's label, header and blocks of rows (every column)."""
    if isinstance(source, (str, os.PathLike)) or hasattr(source, "read"):
        reader = CsvReader(
            source, delimiter=delimiter, field_limit=field_limit, input_limit=input_limit
        )
        names = tuple(reader.header)

        def csv_blocks() -> Iterator[ColumnBlock]:
            for b in reader.blocks(None):
                yield ColumnBlock(
                    reader.label, names, b.n_rows, b.rows, b.columns,
                    b.rejected_rows, b.rejected_reasons,
                )  # fmt: skip

        return reader.label, names, csv_blocks()
    if isinstance(source, Mapping) or is_frame(source):
        block = _mapping_block(source, frame_columns(source, [])[0])
        return block.label, block.names, iter([block])
    raise TypeError(
        "`source` must be a CSV path, an open file, a mapping of columns or a data frame "
        f"(pandas, polars, pyarrow), got {type(source).__name__}"
    )


@attrs.frozen
class _Layout:
    """Which column is the id, which are the stages, which are read as fields."""

    item: str
    stages: tuple[str, ...]
    targets: tuple[tuple[str, str], ...]

    @classmethod
    def of(
        cls, names: Sequence[str], workflow: Workflow, fields: Mapping[str, str] | None, label: str
    ) -> _Layout:
        if not names or "ID" not in names[0]:
            first = names[0] if names else None
            raise ValidationError(
                f"the first column of {label} must be the item id, its name holding 'ID'; "
                f"got {first!r}"
            )
        missing = [s for s in workflow.states if s not in names]
        if missing:
            raise ValidationError(
                f"`workflow` states {missing} are not columns of {label}: the stage columns "
                f"are named after the workflow's states; columns are {list(names)}"
            )
        where = [names.index(s) for s in workflow.states]
        if where != list(range(where[0], where[0] + len(where))):
            raise ValidationError(
                f"the stage columns of {label} must be contiguous and in the order of "
                f"`workflow` {list(workflow.states)}; they are at columns {where}"
            )
        if fields is None:
            targets = check_fields({c: c for c in names[where[-1] + 1 :]})
        else:
            targets = check_fields(fields)
            absent = [c for _, c in targets if c not in names]
            if absent:
                raise ValidationError(
                    f"`fields` names columns not in {label}: {absent}; columns are {list(names)}"
                )
        return cls(names[0], tuple(workflow.states), tuple(targets))


@attrs.define
class _Part:
    """The rows of one block: ids, stage instants, field texts, and the rejected rows."""

    rows: I64
    ids: npt.NDArray[Any]
    ns: I64  # (rows, stages), NaT where empty
    texts: list[npt.NDArray[Any]]
    n_rows: int
    rejected_rows: I64
    rejected_reasons: npt.NDArray[np.object_]

    @classmethod
    def empty(cls, layout: _Layout) -> _Part:
        return cls(
            np.zeros(0, np.int64),
            np.zeros(0, dtype=object),
            np.zeros((0, len(layout.stages)), np.int64),
            [np.zeros(0, dtype=object) for _ in layout.targets],
            0,
            np.zeros(0, np.int64),
            np.zeros(0, dtype=object),
        )

    @classmethod
    def concatenate(cls, parts: Sequence[_Part]) -> _Part:
        if len(parts) == 1:
            return parts[0]
        return cls(
            np.concatenate([p.rows for p in parts]),
            np.concatenate([p.ids.astype(object) for p in parts]),
            np.concatenate([p.ns for p in parts]),
            [np.concatenate([p.texts[k].astype(object) for p in parts])
             for k in range(len(parts[0].texts))],
            sum(p.n_rows for p in parts),
            np.concatenate([p.rejected_rows for p in parts]),
            np.concatenate([p.rejected_reasons for p in parts]),
        )  # fmt: skip

    def reject_repeated_ids(self) -> None:
        """Keep the first row of each id; reject the others."""
        if not self.ids.size:
            return
        _, first = np.unique(self.ids, return_index=True)
        keep = np.zeros(self.ids.size, bool)
        keep[first] = True
        if keep.all():
            return
        self.rejected_rows = np.concatenate((self.rejected_rows, self.rows[~keep]))
        self.rejected_reasons = np.concatenate(
            (self.rejected_reasons, np.full(int((~keep).sum()), REPEATED_ID, dtype=object))
        )
        self.rows, self.ids, self.ns = self.rows[keep], self.ids[keep], self.ns[keep]
        self.texts = [t[keep] for t in self.texts]

    def rejections(self) -> Rejections:
        order = np.argsort(self.rejected_rows, kind="stable")
        return Rejections(rows=self.rejected_rows[order], reasons=self.rejected_reasons[order])

    def event_columns(self, layout: _Layout) -> dict[str, Any]:
        """One event per stage date: the columns :func:`read_event_log` reads."""
        row, stage = np.nonzero(self.ns != _NAT)
        states = np.array(layout.stages, dtype=object)
        out: dict[str, Any] = {
            "item": self.ids[row],
            "state": states[stage],
            "at": self.ns[row, stage].view("datetime64[ns]"),
        }
        for k, text in enumerate(self.texts):
            out[f"field {k}"] = text[row]
        return out


def _accept(block: ColumnBlock, layout: _Layout, fmt: TimeFormat | None) -> _Part:
    """Check the rows of a block: ids present, stage dates readable, at least one."""
    cols = block.columns
    raw, id_missing = text_column(cols[layout.item], ())
    ids = decode(raw, errors="replace")
    n = ids.size
    ns = np.empty((n, len(layout.stages)), np.int64)
    reasons = np.full(n, "", dtype=object)
    refused = id_missing.copy()
    for s, stage in reversed(list(enumerate(layout.stages))):  # the first bad stage is said
        values, missing, bad = instants(cols[stage], (), fmt, stage)
        ns[:, s] = np.where(missing | bad, _NAT, values)
        reasons[bad] = f"unparseable instant in {stage!r}"
        refused |= bad
    no_date = (ns == _NAT).all(axis=1) & ~refused
    reasons[no_date] = NO_DATE
    reasons[id_missing] = MISSING_ID
    ok = ~(refused | no_date)
    texts = [_text(cols[column])[ok] for _, column in layout.targets]
    return _Part(
        rows=block.rows[ok],
        ids=ids[ok],
        ns=ns[ok],
        texts=texts,
        n_rows=block.n_rows,
        rejected_rows=np.concatenate((np.asarray(block.rejected_rows, np.int64), block.rows[~ok])),
        rejected_reasons=np.concatenate(
            (np.asarray(block.rejected_reasons, dtype=object), reasons[~ok])
        ),
    )


def _text(column: Any) -> npt.NDArray[Any]:
    """A column's text (UTF-8 bytes as read from a file); missing entries are empty."""
    return text_column(column, ())[0]


# ------------------------------------------------------------------------ writing
def write_actionable_agile(
    table: WorkItemTable,
    path: str | os.PathLike[str] | IO[Any],
    *,
    precision: Precision = "day",
    link: str | None = None,
) -> None:
    """Write a table in ActionableAgile's CSV format (one row per item, a date per stage).

    Parameters
    ----------
    table : WorkItemTable
        Items with their transitions (as every reader builds them); its ``states``
        are the stage columns, in order.
    path : str, os.PathLike or open file
        Where to write (UTF-8, RFC 4180: quoted where needed, CRLF line ends); an
        open file in text or binary mode (written as UTF-8), left open.
    precision : {"day", "minute"}, optional
        ``"day"`` (default) writes dates, ``2024-03-04``, as ActionableAgile's
        exports do; ``"minute"`` writes ``2024-03-04 09:15``.  Instants are UTC and
        truncated to the precision.
    link : str, optional
        URL of an item, ``{id}`` standing for its id, e.g.
        ``"https://example.atlassian.net/browse/{id}"``; default: an empty ``Link``.

    Notes
    -----
    The columns are ``ID``, ``Link``, ``Name`` (empty: the table holds no titles), one
    column per state, then one per categorical field, named after it.  A stage holds
    the first entry into that stage **or any later one**: a stage the item skipped
    holds the date it entered the next (the format asks for that back-fill), and the
    dates never decrease along the stages.  This is the rule by which the readers
    set ``committed_at`` and ``delivered_at``, so ``requested_at``, ``committed_at``
    and ``delivered_at`` read back as they were, to the precision.  What the format
    cannot hold is lost: later entries into a stage (backward moves), departments,
    blocked intervals, ``due_at`` and non-categorical columns.  Reading the file back
    with :func:`read_actionable_agile` (and the same workflow states) gives a table
    that writes the same file again.

    Examples
    --------
    >>> import io
    >>> from customer_kanban.io import read_event_log
    >>> from customer_kanban.model import Workflow
    >>> wf = Workflow(["Backlog", "Doing", "Done"], "Doing", "Done")
    >>> log = {"item": ["A", "A", "A"], "state": ["Backlog", "Done", "Doing"],
    ...        "at": ["2024-03-01T08:00", "2024-03-04T10:30", "2024-03-05T09:00"]}
    >>> table = read_event_log(log, workflow=wf).table
    >>> out = io.StringIO()
    >>> write_actionable_agile(table, out)
    >>> print(out.getvalue().replace("\\r\\n", "\\n"), end="")
    ID,Link,Name,Backlog,Doing,Done,customer,segment,work_type,class_of_service
    A,,,2024-03-01,2024-03-04,2024-03-04,,,,
    """
    if not isinstance(table, WorkItemTable):
        raise TypeError(f"`table` must be a WorkItemTable, got {type(table).__name__}")
    check_choice(precision, name="precision", choices=PRECISIONS)
    if link is not None and not isinstance(link, str):
        raise TypeError(f"`link` must be a string or None, got {type(link).__name__}")
    if link is not None and "{id}" not in link:
        raise ValidationError(f"`link` must be a URL with {{id}} in it, or None; got {link!r:.60}")
    header, rows = _rows(table, precision, link)
    if hasattr(path, "write"):
        _write_to(path, header, rows)
        return
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"`path` must be a path or an open text file, got {type(path).__name__}")
    try:
        handle = open(path, "w", encoding="utf-8", newline="")  # noqa: SIM115 - closed below
    except (OSError, ValueError) as exc:
        why = getattr(exc, "strerror", None) or exc
        raise ValidationError(f"cannot write `path` {str(path)[:200]!r}: {why}") from exc
    with handle:
        _write(handle, header, rows)


def _write_to(stream: Any, header: list[str], rows: Iterator[list[str]]) -> None:
    """Write to an open file: text as it is, binary through a UTF-8 text layer."""
    binary = isinstance(stream, (io.RawIOBase, io.BufferedIOBase)) or "b" in str(
        getattr(stream, "mode", "")
    )
    if not binary:
        _write(stream, header, rows)
        return
    text = io.TextIOWrapper(stream, encoding="utf-8", newline="", write_through=True)
    try:
        _write(text, header, rows)
        text.flush()
    finally:
        text.detach()  # the caller's file stays open


def _write(handle: IO[str], header: list[str], rows: Iterator[list[str]]) -> None:
    writer = csv.writer(handle, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)


def _rows(
    table: WorkItemTable, precision: str, link: str | None
) -> tuple[list[str], Iterator[list[str]]]:
    states = list(table.states)
    if not states:
        raise ValidationError("`table` has no workflow states to write as stage columns")
    categorical = list(table.categorical_fields)
    clash = sorted({"ID", "Link", "Name", *states} & set(categorical))
    if clash:
        raise ValidationError(f"`table` has fields named like the format's other columns: {clash}")
    dates = _stage_dates(table, precision)
    ids = [str(i) for i in table["id"].tolist()]
    labels = [table[name] for name in categorical]

    def rows() -> Iterator[list[str]]:
        for k, item in enumerate(ids):
            url = "" if link is None else link.replace("{id}", item)
            values = ["" if v[k] is None else str(v[k]) for v in labels]
            yield [item, url, "", *dates[k].tolist(), *values]

    return ["ID", "Link", "Name", *states, *categorical], rows()


def _stage_dates(table: WorkItemTable, precision: str) -> npt.NDArray[np.str_]:
    """Per item and stage, the first entry into it or a later stage, as text ("" = none)."""
    first = table.first_entries().view(np.int64).copy()
    first[first == _NAT] = _NEVER
    requested = table["requested_at"].view(np.int64)
    if first.shape[1]:
        known = requested != _NAT
        first[known, 0] = np.minimum(first[known, 0], requested[known])
    entered = np.minimum.accumulate(first[:, ::-1], axis=1)[:, ::-1]
    unit = "D" if precision == "day" else "m"
    text = entered.view("datetime64[ns]").astype(f"datetime64[{unit}]").astype(str)
    text = np.char.replace(text, "T", " ")
    return np.where(entered == _NEVER, "", text)
