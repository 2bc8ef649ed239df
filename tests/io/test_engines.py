"""The two CSV engines, and every frame library, give equal results on the same rows."""

import csv
import io
from pathlib import Path

import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reading import read_log

from customer_kanban.errors import ValidationError
from customer_kanban.io import read_event_log
from customer_kanban.model import Workflow

WF = Workflow(["Backlog", "Doing", "Done"], "Doing", "Done")
HEADER = ("item", "state", "at", "team", "prio")
KW = {"workflow": WF, "department": "team", "attributes": {"prio": "class_of_service"}}

ITEMS = ["A", "B", "C", "10", "9", "é", "", "NA"]
STATES = ["Backlog", "Doing", "Done", "Nope", "", "doing"]
INSTANTS = [
    "2024-01-01",
    "2024-01-02T09:00",
    "2024-01-02 09:00:00",
    "2024-01-02T09:00:00.5",
    "2024-01-02T09:00:00.123456789",
    "2024-01-02T09",
    "2024-01-03T10:00:00",
    "2024-01-03T10:00:00",
    "2024-01-04T23:59:59",
]
AWKWARD = [
    "2024-01-02T10:00Z",
    "2024-01-02T12:00+02:00",
    "2024-01-02T09:00:00.1234567891",
    "2024-02-30",
    "2024-01-02T25:00",
    "junk",
    "",
    "1677-09-21T00:12:43.145224193",
    "2262-04-11T23:47:17",
    " 2024-01-02",
]
LABELS = ["Sales", "Dev", "", "a,b", 'say "hi"', "ü"]


def _pairs(rejected):
    return list(zip(rejected.rows.tolist(), rejected.reasons.tolist(), strict=True))


def _same(a, b):
    assert a.table.equals(b.table), (a.table, b.table)
    assert _pairs(a.rejected) == _pairs(b.rejected)
    assert (a.n_rows, a.n_accepted, a.n_merged) == (b.n_rows, b.n_accepted, b.n_merged)


def _write(path: Path, rows, header=HEADER) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def _rows(instants):
    row = st.tuples(
        st.sampled_from(ITEMS),
        st.sampled_from(STATES),
        st.sampled_from(instants),
        st.sampled_from(LABELS),
        st.sampled_from(LABELS),
    )
    return st.lists(row, max_size=40)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows=_rows(INSTANTS + AWKWARD))
def test_arrow_and_numpy_engines_give_equal_results(tmp_path, rows):
    path = _write(tmp_path / "log.csv", rows)
    arrow = read_log(path, **KW, engine="arrow")
    numpy = read_log(path, **KW, engine="numpy")
    _same(arrow, numpy)
    mapping = read_log({k: [r[j] for r in rows] for j, k in enumerate(HEADER)}, **KW)
    assert mapping.table.equals(numpy.table)


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows=_rows(INSTANTS))
def test_clean_iso_instants_take_pyarrows_parser_with_the_same_values(tmp_path, rows):
    path = _write(tmp_path / "log.csv", rows)
    _same(read_log(path, **KW, engine="arrow"), read_log(path, **KW, engine="numpy"))


@pytest.mark.parametrize(
    "content",
    [
        b"item,state,at\nA,Backlog,2024-01-01\nB,Doing\nA,Done,2024-01-03\n",  # ragged row
        b"item,state,at\nA,Backlog,2024-01-01\n\xff\xfe,Doing,2024-01-02\n",  # not UTF-8
        b'item,state,at\n"A\nB",Backlog,2024-01-01\nA,Done,2024-01-03\n',  # quoted line end
        b"\xef\xbb\xbfitem;state;at\r\nA;Backlog;2024-01-01\r\n\r\nA;Done;2024-01-03\r\n",
        b"item,state,at\rA,Backlog,2024-01-01\rA,Done,2024-01-03\r",
        b"item,state,at\n",
        b'item,state,at\nA,"Backlog",2024-01-01\nA,Done,"2024-01-03T00:00:00"\n',
    ],
    ids=["ragged", "not-utf8", "quoted-newline", "bom-crlf-semicolon", "cr", "header", "quotes"],
)
def test_files_pyarrow_cannot_read_alike_are_read_by_the_numpy_engine(tmp_path, content):
    path = tmp_path / "log.csv"
    path.write_bytes(content)
    kw = {"workflow": WF, "delimiter": None}
    outcomes = [_outcome(path, **kw, engine=engine) for engine in ("arrow", "numpy")]
    if isinstance(outcomes[1], str):
        assert outcomes[0] == outcomes[1]
    else:
        _same(outcomes[0], outcomes[1])


def _outcome(*args, **kwargs):
    """The result, or the message of the ValidationError raised."""
    try:
        return read_log(*args, **kwargs)
    except ValidationError as exc:
        return str(exc)


def test_a_field_over_the_limit_is_the_same_error(tmp_path):
    path = tmp_path / "log.csv"
    path.write_text("item,state,at\n" + "A" * (2 << 20) + ",Backlog,2024-01-01\n")
    messages = []
    for engine in ("arrow", "numpy"):
        with pytest.raises(ValidationError, match="field_limit") as exc:
            read_event_log(path, workflow=WF, engine=engine)
        messages.append(str(exc.value))
    assert messages[0] == messages[1]


@pytest.mark.parametrize("extra", [-1, 0, 1])
def test_a_field_at_the_limit_is_read_alike(tmp_path, extra):
    """pyarrow's blocks are at most half the limit: a longer field never gets through it."""
    limit = 1 << 20
    path = tmp_path / "log.csv"
    rows = "".join(f"B{k},Backlog,2024-01-0{1 + k % 9}\n" for k in range(2000))
    path.write_text(f"item,state,at\n{rows}{'A' * (limit + extra)},Doing,2024-01-02\n{rows}")
    outcomes = [
        _outcome(path, workflow=WF, engine=engine, field_limit=limit)
        for engine in ("arrow", "numpy")
    ]
    if extra > 0:
        assert "field_limit" in outcomes[0]
        assert outcomes[0] == outcomes[1]
    else:
        _same(outcomes[0], outcomes[1])
        assert len(outcomes[0].table) == 2001


def test_engine_is_a_checked_choice_and_applies_to_files(tmp_path):
    path = _write(tmp_path / "log.csv", [("A", "Backlog", "2024-01-01", "", "")])
    with pytest.raises(ValidationError, match="`engine` must be one of 'auto', 'arrow', 'numpy'"):
        read_event_log(path, workflow=WF, engine="polars")
    with (
        open(path, "rb") as fh,
        pytest.raises(ValidationError, match="engine='arrow' reads a CSV file given by its path"),
    ):
        read_event_log(fh, workflow=WF, engine="arrow")
    with pytest.raises(ValidationError, match="engine='numpy' reads a CSV file"):
        read_event_log({"item": [], "state": [], "at": []}, workflow=WF, engine="numpy")
    with open(path, "rb") as fh:
        assert len(read_event_log(fh, workflow=WF, engine="numpy").table) == 1


# ----------------------------------------------------------------------------- frames

ROWS = [
    ("A", "Backlog", "2024-01-01T09:00:00", "Sales", "High"),
    ("A", "Doing", "2024-01-02T09:00:00", "Dev", None),
    ("A", "Doing", "2024-01-02T10:00:00", "Dev", "Low"),
    ("B", "Doing", "2024-01-03T00:00:00", None, "Low"),
    (None, "Doing", "2024-01-03T00:00:00", "Dev", None),
    ("B", "Nope", "2024-01-04T00:00:00", "Dev", None),
    ("B", "Done", None, "Dev", None),
    ("A", "Done", "2024-01-05T09:00:00", "QA", "Low"),
    ("C", None, "2024-01-05T09:00:00", "QA", "High"),
]


def _columns(rows=ROWS):
    return {name: [r[k] for r in rows] for k, name in enumerate(HEADER)}


def _reference(tmp_path):
    text = [tuple("" if v is None else v for v in r) for r in ROWS]
    return read_log(_write(tmp_path / "log.csv", text), **KW, engine="numpy")


def _utc(values):
    return pd.to_datetime(pd.Series(values)).dt.tz_localize("UTC")


def _frames():
    cols = _columns()
    rome = _utc(cols["at"]).dt.tz_convert("Europe/Rome")
    yield "pandas-object", pd.DataFrame(cols)
    yield "pandas-string", pd.DataFrame(cols, dtype="string")
    yield (
        "pandas-category",
        pd.DataFrame(cols).astype(
            {"item": "category", "state": "category", "team": "category", "prio": "category"}
        ),
    )
    yield "pandas-rome", pd.DataFrame({**cols, "at": rome})
    yield "polars-string", pl.DataFrame(cols)
    yield (
        "polars-categorical",
        pl.DataFrame(cols).with_columns(
            pl.col("item", "state", "team", "prio").cast(pl.Categorical)
        ),
    )
    yield (
        "polars-enum",
        pl.DataFrame(cols).with_columns(
            pl.col("state").cast(pl.Enum(["Backlog", "Doing", "Done", "Nope"]))
        ),
    )
    yield (
        "polars-rome",
        pl.DataFrame(cols).with_columns(
            pl.col("at")
            .str.to_datetime()
            .dt.replace_time_zone("UTC")
            .dt.convert_time_zone("Europe/Rome")
        ),
    )
    yield "pyarrow-string", pa.table(cols)
    dictionary = {k: pa.array(v).dictionary_encode() for k, v in cols.items() if k != "at"}
    yield "pyarrow-dictionary", pa.table({**dictionary, "at": cols["at"]})
    chunked = {
        k: pa.chunked_array(
            [pa.array(v[:4]).dictionary_encode(), pa.array(v[4:]).dictionary_encode()]
        )
        for k, v in cols.items()
    }
    yield "pyarrow-chunked-dictionaries", pa.table(chunked)
    stamps = pa.array(rome.dt.tz_convert("UTC").dt.tz_localize(None)).cast(
        pa.timestamp("us", "Asia/Tokyo")
    )
    yield "pyarrow-tokyo", pa.table({**cols, "at": stamps})
    yield (
        "mapping-of-series",
        {
            "item": pl.Series(cols["item"]),
            "state": pd.Series(cols["state"], dtype="category"),
            "at": pa.array(cols["at"]),
            "team": np.array([v or "" for v in cols["team"]]),
            "prio": cols["prio"],
        },
    )


@pytest.mark.parametrize(("name", "frame"), list(_frames()), ids=[n for n, _ in _frames()])
def test_every_frame_library_gives_the_csv_result(tmp_path, name, frame):
    _same(read_log(frame, **KW), _reference(tmp_path))


def test_coded_columns_are_read_without_python_objects_per_row(monkeypatch):
    # Categorical and dictionary columns: the labels become text once, never every row.
    n = 200_000
    frame = pl.DataFrame(
        {
            "item": pl.Series([f"I{k % 5000}" for k in range(n)]).cast(pl.Categorical),
            "state": pl.Series(["Backlog", "Doing", "Done"] * (n // 3) + ["Done"] * (n % 3)).cast(
                pl.Categorical
            ),
            "at": pl.datetime_range(
                pl.datetime(2024, 1, 1), pl.datetime(2024, 1, 1) + pl.duration(minutes=n - 1),
                "1m", eager=True, time_zone="UTC",
            ).dt.convert_time_zone("Europe/Rome"),
        }
    )  # fmt: skip
    calls = []
    real = pl.Series.to_list
    monkeypatch.setattr(pl.Series, "to_list", lambda self: calls.append(len(self)) or real(self))
    result = read_log(frame, workflow=WF)
    assert len(result.table) == 5000
    assert all(size <= 5000 for size in calls)


def test_a_frame_column_of_two_dimensions_is_refused():
    with pytest.raises(ValidationError, match="column 'item' of the mapping must be one-dim"):
        read_event_log(
            {"item": np.zeros((2, 2)), "state": ["a", "b"], "at": ["x", "y"]}, workflow=WF
        )


def test_a_frame_that_is_not_a_frame_is_refused():
    with pytest.raises(TypeError, match="a mapping of columns or a data frame"):
        read_event_log(io.StringIO, workflow=WF)  # a class, not an open file
    with pytest.raises(TypeError, match="a mapping of columns or a data frame"):
        read_event_log(42, workflow=WF)


def test_a_well_formed_file_is_read_by_pyarrow_alone(tmp_path, monkeypatch):
    rows = [("A", "Backlog", t, "a,b", 'say "hi"') for t in INSTANTS + AWKWARD]
    path = _write(tmp_path / "log.csv", rows)
    expected = read_log(path, **KW, engine="numpy")

    def refuse(*args, **kwargs):
        raise AssertionError("the numpy engine was used")

    monkeypatch.setattr("customer_kanban.io._event_log.column_blocks", refuse)
    _same(read_log(path, **KW, engine="arrow"), expected)


@pytest.mark.parametrize("suffix", ["", "é"])
def test_many_distinct_ids_and_labels_equal_on_every_engine_and_frame(tmp_path, suffix):
    # Over 1,024 distinct values take the vectorized label path (ASCII only: "é" does not).
    rng = np.random.default_rng(7)
    ids = [f"id-{k}{suffix if k % 3 == 0 else ''}" for k in rng.permutation(3000)]
    rows = [
        (i, state, f"2024-01-{1 + d:02d}T0{h}:00:00", f"team-{k % 1500}{suffix}", "P1")
        for k, i in enumerate(ids)
        for d, (h, state) in enumerate(zip((1, 2, 3), ("Backlog", "Doing", "Done"), strict=True))
    ]
    path = _write(tmp_path / "log.csv", rows)
    numpy = read_log(path, **KW, engine="numpy")
    _same(read_log(path, **KW, engine="arrow"), numpy)
    columns = {k: [r[j] for r in rows] for j, k in enumerate(HEADER)}
    for frame in (pa.table(columns), pl.DataFrame(columns), pd.DataFrame(columns)):
        assert read_log(frame, **KW).table.equals(numpy.table)
    assert sorted(numpy.table["id"].tolist()) == numpy.table["id"].tolist()
    assert len(numpy.table) == 3000


@pytest.mark.parametrize("ids", [["7", "10", "9", "100", "0"], ["7", "010", "9"]])
def test_numbered_ids_equal_on_every_engine(tmp_path, monkeypatch, ids):
    from customer_kanban.io import _ids

    monkeypatch.setattr(_ids, "MIN_ROWS", 1)  # the coding by value, on a small file
    rows = [
        (i, s, f"2024-01-0{d + 1}", "t", "p")
        for i in ids
        for d, s in enumerate(["Backlog", "Done"])
    ]
    path = _write(tmp_path / "log.csv", rows)
    numpy = read_log(path, **KW, engine="numpy")
    _same(read_log(path, **KW, engine="arrow"), numpy)
    assert numpy.table["id"].tolist() == sorted(ids)  # text order, as text


def test_the_arrow_engine_does_not_import_pandas(tmp_path):
    import subprocess
    import sys

    rows = [(f"{k}", "Backlog", "2024-01-01T00:00:00", "t", "p") for k in range(200)]
    path = _write(tmp_path / "log.csv", rows)
    code = (
        "import sys\n"
        "from customer_kanban.io import read_event_log\n"
        "from customer_kanban.model import Workflow\n"
        "wf = Workflow(['Backlog', 'Doing', 'Done'], 'Doing', 'Done')\n"
        f"t = read_event_log({str(path)!r}, workflow=wf, engine='arrow',\n"
        "                   attributes={'prio': 'class_of_service'}).table\n"
        "assert len(t) == 200\n"
        "print('pandas' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@pytest.fixture
def small_blocks(monkeypatch):
    """Blocks of 1 KiB on both engines and two lanes for pyarrow: a small file streams as a
    large one does, in many blocks."""
    from customer_kanban.io import _arrow, _csv

    monkeypatch.setattr(_arrow, "_BLOCK_BYTES", 1 << 10)
    monkeypatch.setattr(_csv, "BLOCK_BYTES", 1 << 10)
    monkeypatch.setenv("CUSTOMER_KANBAN_THREADS", "2")


NUMBERED = [str(k) for k in (0, 7, 9, 10, 99, 100, 123456)]


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    rows=st.lists(
        st.tuples(
            st.sampled_from(NUMBERED + ITEMS),
            st.sampled_from(STATES),
            st.sampled_from(INSTANTS + AWKWARD[:3]),
            st.sampled_from(LABELS),
            st.sampled_from(LABELS),
        ),
        min_size=50,
        max_size=400,
    ),
    numbered=st.booleans(),
)
def test_a_file_read_in_many_blocks_equals_it_read_in_one(tmp_path, rows, numbered):
    if numbered:  # numbered ids in most blocks (text ones only where a row says so)
        rows = [
            (r[0] if r[0] in NUMBERED or k % 97 == 0 else "5", *r[1:]) for k, r in enumerate(rows)
        ]
    path = _write(tmp_path / "log.csv", rows)
    whole = {engine: read_log(path, **KW, engine=engine) for engine in ("arrow", "numpy")}
    _same(whole["arrow"], whole["numpy"])
    mp = pytest.MonkeyPatch()
    try:
        from customer_kanban.io import _arrow, _csv

        mp.setattr(_arrow, "_BLOCK_BYTES", 1 << 10)
        mp.setattr(_csv, "BLOCK_BYTES", 1 << 10)
        mp.setenv("CUSTOMER_KANBAN_THREADS", "2")
        for engine in ("arrow", "numpy"):
            _same(read_log(path, **KW, engine=engine), whole["numpy"])
    finally:
        mp.undo()


@pytest.mark.parametrize("where", [0.25, 0.5, 0.75])
def test_a_quoted_line_end_where_the_lanes_are_cut_is_read_alike(tmp_path, small_blocks, where):
    rows = [
        (str(k % 50), ("Backlog", "Doing", "Done")[k % 3], INSTANTS[k % 7], "t", "p")
        for k in range(600)
    ]
    at = int(len(rows) * where)
    rows[at] = (rows[at][0], rows[at][1], rows[at][2], "a\nlong\nteam,name", "p")
    path = _write(tmp_path / "log.csv", rows)
    numpy = read_log(path, **KW, engine="numpy")
    _same(read_log(path, **KW, engine="arrow"), numpy)
    assert numpy.table.transitions.department_labels.tolist().count("a\nlong\nteam,name") == 1


def test_numbered_ids_in_many_blocks_are_coded_as_text(tmp_path, small_blocks):
    rows = [
        (str(k), s, f"2024-01-0{d + 1}", "t", "p")
        for k in range(300)
        for d, s in enumerate(["Backlog", "Done"])
    ]
    path = _write(tmp_path / "log.csv", rows)
    for engine in ("arrow", "numpy"):
        table = read_log(path, **KW, engine=engine).table
        assert table["id"].tolist() == sorted(str(k) for k in range(300))


def test_instants_too_fine_to_pack_are_sorted_alike_in_many_blocks(tmp_path):
    # Nanosecond instants over two centuries for 2,000 items: item, instant and state do
    # not fit one int64 key, so the rows are sorted by lexsort, here from the reader's own
    # buffers (many blocks) and from one block's.
    rng = np.random.default_rng(11)
    rows = []
    for k in range(2000):
        base = int(rng.integers(-3 * 10**18, 3 * 10**18))
        for j, state in enumerate(("Backlog", "Doing", "Done")):
            t = np.datetime64(base + j * 1_000_000_007, "ns")
            rows.append((str(k), state, str(t), "t", "p"))
    rng.shuffle(rows)
    path = _write(tmp_path / "log.csv", rows)
    one = read_log(path, **KW, engine="numpy")
    mp = pytest.MonkeyPatch()
    try:
        from customer_kanban.io import _csv

        mp.setattr(_csv, "BLOCK_BYTES", 1 << 10)
        many = read_log(path, **KW, engine="numpy")
    finally:
        mp.undo()
    _same(many, one)
    at = one.table.transitions.at
    assert at.min() < np.datetime64("1900-01-01")
    assert at.max() > np.datetime64("2040-01-01")
