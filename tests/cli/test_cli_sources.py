"""The work-item options of review, ops and forecast: what applies where, and what each does."""

import io
import json
import time
from pathlib import Path

import numpy as np
import pytest

from customer_kanban.cli import _progress, main

LOG = """id,status,changed_at,seq,opened,type
A,Requested,2024-01-01T09:00,1,2023-12-20T09:00,bug
A,Doing,2024-01-02T09:00,2,,bug
A,Done,2024-01-04T09:00,3,,bug
A,Doing,2024-01-05T09:00,4,,bug
B,Requested,2024-01-02T10:00,1,,feature
B,Doing,2024-01-03T10:00,2,,feature
B,Done,2024-01-06T10:00,3,,feature
"""
ARGS = ["--item", "id", "--state", "status", "--at", "changed_at",
        "--states", "Requested,Doing,Done", "--commit", "Doing", "--deliver", "Done"]  # fmt: skip


@pytest.fixture
def log_file(tmp_path):
    path = tmp_path / "events.csv"
    path.write_text(LOG, encoding="utf-8")
    return path


def _review(capsys, *argv):
    assert main(["review", *argv, "--json"]) == 0, capsys.readouterr().err
    return json.loads(capsys.readouterr().out)


def _row(review, dimension, group):
    return next(r for r in review["rows"] if r["dimension"] == dimension and r["group"] == group)


def test_sle_applies_to_all_work_without_classes(log_file, capsys):
    review = _review(capsys, str(log_file), *ARGS, "--sle", "3@0.8")
    line = _row(review, "class_of_service", "all work")
    assert (line["sle_days"], line["sle_probability"], line["delivered"]) == (3.0, 0.8, 2)
    # A: 3 days (Jan 1 -> Jan 4), B: 4 days (Jan 2 -> Jan 6): one of two within 3 days.
    assert line["attainment"] == 0.5


def test_delivered_last_requested_and_order_reach_the_reader(log_file, capsys):
    first = _row(_review(capsys, str(log_file), *ARGS), "all", "all")
    last = _row(_review(capsys, str(log_file), *ARGS, "--delivered", "last"), "all", "all")
    # A was re-opened (Done -> Doing): delivered at first, not delivered at last.
    assert (first["delivered"], last["delivered"]) == (2, 1)
    earlier = _row(_review(capsys, str(log_file), *ARGS, "--requested", "opened"), "all", "all")
    # A is requested on Dec 20 instead of Jan 1: its customer lead time grows by 12 days.
    assert earlier["customer_lead_time"][0] - first["customer_lead_time"][0] == pytest.approx(6)
    for engine in ("numpy", "auto"):
        same = _review(capsys, str(log_file), *ARGS, "--order", "seq", "--engine", engine)
        assert _row(same, "all", "all")["delivered"] == 2


def test_field_maps_a_column_to_a_table_field(log_file, capsys):
    argv = ["ops", str(log_file), *ARGS, "--field", "work_type=type", "--services", "work_type"]
    assert main([*argv, "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert "bug" in json.dumps(out)
    assert "feature" in json.dumps(out)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["review", "--demo", "--item", "id"], "--item does not apply to --demo"),
        (["review", "--demo", "--engine", "numpy"], "--engine does not apply to --demo"),
        (["forecast", "--demo", "--delimiter", ";"], "--delimiter does not apply to --demo"),
        (["ops", "--demo", "--states", "a,b"], "--states does not apply with --demo"),
        (["review", "FILE", *ARGS, "--policy", "p.json"], "--states does not apply with --policy"),
        (
            ["review", "FILE", "--policy", "p.json", "--sle", "3"],
            "--sle does not apply with --policy",
        ),
        (
            ["review", "FILE", *ARGS, "--field", "work_type"],
            "--field 'work_type': expected TABLE=SOURCE",
        ),
        (["review", "FILE", *ARGS, "--field", "customer=a", "--customer", "b"], "given twice"),
        (
            ["review", "FILE", "--format", "jira", "--item", "id"],
            "--item does not apply to --format jira",
        ),
    ],
)
def test_options_that_cannot_apply_are_errors(tmp_path, capsys, argv, message):
    argv = [str(tmp_path / "never-read.csv") if a == "FILE" else a for a in argv]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err
    assert len(err.strip().splitlines()) == 1


class _Terminal(io.StringIO):
    def isatty(self):
        return True


def test_progress_bar_shows_on_a_terminal_and_is_cleared(tmp_path):
    path = tmp_path / "big.csv"
    path.write_bytes(b"x" * 1000)
    reads = iter(range(0, 10**6, 100))
    stream = _Terminal()
    with _progress.reading(
        str(path), quiet=False, stream=stream, delay=0, counter=lambda: next(reads)
    ):
        time.sleep(0.6)
    text = stream.getvalue()
    assert "reading big.csv [" in text
    assert "%" in text
    assert text.endswith("\r\033[K")


@pytest.mark.parametrize("quiet", [True, False])
def test_no_progress_bar_when_quiet_or_not_a_terminal(tmp_path, quiet):
    path = tmp_path / "big.csv"
    path.write_bytes(b"x")
    stream = _Terminal() if quiet else io.StringIO()
    with _progress.reading(str(path), quiet=quiet, stream=stream, delay=0):
        pass
    assert stream.getvalue() == ""


TRACKERS = Path(__file__).parents[1] / "io" / "data" / "trackers"
WORKFLOW = ["--states", "New,Triage,In Progress,Resolved,Closed", "--commit", "In Progress",
            "--deliver", "Resolved"]  # fmt: skip
MAP = ["--state-map", "Waiting for customer=In Progress"]
SOURCES = {
    "events.csv": [
        "--item",
        "item",
        "--state",
        "state",
        "--at",
        "at",
        "--class-of-service",
        "class_of_service",
    ],
    "jira_cloud_v3.json": ["--format", "jira", "--field", "class_of_service=customfield_10030"],
    "jira_server_v2.json": ["--format", "jira", "--class-of-service", "customfield_10030"],
    "ado_updates.json": ["--format", "ado", "--field", "class_of_service=Custom.ClassOfService"],
    "ado_reporting_revisions.json": [
        "--format",
        "ado",
        "--class-of-service",
        "Custom.ClassOfService",
    ],
}


def _lines(capsys, name, *extra):
    source = [*SOURCES[name], *MAP] if name in SOURCES else []
    review = _review(capsys, str(TRACKERS / name), *source, *WORKFLOW, *extra)
    return [(r["group"], r["delivered"], r["customer_lead_time"]) for r in review["rows"]]


@pytest.mark.parametrize("name", sorted(set(SOURCES) - {"events.csv"}))
def test_every_tracker_format_gives_the_event_logs_review(capsys, name):
    assert _lines(capsys, name) == _lines(capsys, "events.csv")


def test_actionable_agile_gives_the_event_logs_review_to_the_day(capsys):
    aa = ["--format", "actionable-agile", "--field", "class_of_service=Class of Service"]
    got = _lines(capsys, "actionable_agile.csv", *aa)
    want = _lines(capsys, "events.csv")
    assert [(g, d) for g, d, _ in got] == [(g, d) for g, d, _ in want]
    for (_, _, a), (_, _, b) in zip(got, want, strict=True):
        assert np.allclose(a, b, atol=1.0, equal_nan=True)


def test_a_readers_other_warnings_are_one_line_on_stderr(tmp_path, capsys):
    pages = json.loads((TRACKERS / "jira_cloud_v3.json").read_text(encoding="utf-8"))
    pages[0]["issues"][0]["changelog"]["total"] = 99  # more histories than the page holds
    path = tmp_path / "search.json"
    path.write_text(json.dumps(pages), encoding="utf-8")
    argv = ["review", str(path), *SOURCES["jira_cloud_v3.json"], *MAP, *WORKFLOW]
    assert main(argv) == 0
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert err[0].startswith("customer-kanban: warning: ")
    assert "fetch_jira" in err[0]


@pytest.mark.parametrize("command", ["review", "ops"])
def test_day_count_reaches_the_review(capsys, command):
    def lead_times(*extra):
        assert main([command, "--demo", "--json", *extra]) == 0
        text = capsys.readouterr().out
        return json.loads(text)

    elapsed, inclusive = lead_times(), lead_times("--day-count", "inclusive")
    assert elapsed != inclusive
    if command == "review":
        # Whole UTC days, counted with pandas on the raw log (first event to first
        # Resolved/Closed row, of the 18,033 incidents delivered by DEMO_AS_OF).
        assert _row(inclusive, "all", "all")["customer_lead_time"] == [1.0, 9.0, 18.0]
        assert _row(elapsed, "all", "all")["customer_lead_time"][0] < 1.0
