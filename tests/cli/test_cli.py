"""The customer-kanban command line: demo, user CSV, JSON, one-line errors with exit 2."""

import json
import subprocess
import sys

import numpy as np
import pytest

from customer_kanban.cli import main

LOG = """id,status,changed_at,priority,requester
A,Requested,2024-01-01T09:00,High,ann
A,Doing,2024-01-02T09:00,High,ann
A,Done,2024-01-04T09:00,High,ann
B,Requested,2024-01-02T10:00,Low,bob
B,Doing,2024-01-03T10:00,Low,bob
C,Requested,2024-01-03T11:00,Low,ann
C,Bogus,2024-01-03T12:00,Low,ann
"""
ARGS = [
    "--item",
    "id",
    "--state",
    "status",
    "--at",
    "changed_at",
    "--states",
    "Requested,Doing,Done",
    "--commit",
    "Doing",
    "--deliver",
    "Done",
]


@pytest.fixture
def log_file(tmp_path):
    path = tmp_path / "events.csv"
    path.write_text(LOG, encoding="utf-8")
    return path


def test_demo_text(capsys):
    assert main(["review", "--demo"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Service Delivery Review as of 2016-05-09 00:00 UTC")
    # The steady-state board: four weeks of about 2,000 deliveries (the raw log's
    # first Resolved/Closed rows per week, counted with pandas: tests/datasets).
    assert "2098 1389 2138 2023" in out
    for label in ("1 - Critical", "2 - High", "3 - Moderate", "4 - Low"):
        assert label in out


def test_demo_json(capsys):
    assert main(["review", "--demo", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    total = data["rows"][0]
    assert total["group"] == "all"
    assert total["delivered"] + total["open_requests"] > 0


def test_user_file(log_file, capsys):
    code = main(
        [
            "review",
            str(log_file),
            *ARGS,
            "--class-of-service",
            "priority",
            "--customer",
            "requester",
            "--sle",
            "3@0.8",
            "--as-of",
            "2024-01-05",
            "--json",
        ]
    )
    captured = capsys.readouterr()
    assert code == 0
    assert captured.err == (
        "customer-kanban: warning: events.csv: 1 of 7 rows rejected (14.3%): "
        "row 6: unknown state 'Bogus' (--json lists them all)\n"
    )
    data = json.loads(captured.out)
    rows = {r["group"]: r for r in data["rows"]}
    assert rows["all"]["delivered"] == 1
    assert rows["High"]["customer_lead_time"][0] == 3.0  # 01-01 09:00 -> 01-04 09:00
    assert rows["High"]["sle_days"] == 3.0
    assert rows["High"]["attainment"] == 1.0
    assert rows["Low"]["wip"] == 1
    assert rows["Low"]["open_requests"] == 2


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["review"], "one of the arguments"),
        (["review", "missing.csv", *ARGS], "missing.csv"),
        (["review", "--demo", "--as-of", "yesterday"], "as-of"),
        (["review", "FILE", "--item", "id"], "--state is required"),
        (["frobnicate"], "invalid choice"),
    ],
)
def test_errors_are_one_line_with_exit_2(argv, message, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith("customer-kanban: error:")
    assert message in err


def test_bad_workflow_option(log_file, capsys):
    argv = [
        "review",
        str(log_file),
        "--item",
        "id",
        "--state",
        "status",
        "--at",
        "changed_at",
        "--states",
        "Requested,Doing,Done",
        "--commit",
        "Done",
        "--deliver",
        "Doing",
    ]
    assert main(argv) == 2
    assert "`commitment_point` must come before `delivery_point`" in capsys.readouterr().err


def test_missing_column(log_file, capsys):
    argv = ["review", str(log_file), *ARGS]
    argv[argv.index("id")] = "ident"
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "ident" in err


def test_console_entry_point_runs_as_module():
    done = subprocess.run(
        [sys.executable, "-m", "customer_kanban.cli", "review", "--nope"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2
    assert "Traceback" not in done.stderr


def _without_workflow(args):
    """The options without --states/--commit/--deliver/--active and their values."""
    out, skip = [], False
    for arg in args:
        if skip:
            skip = False
        elif arg in ("--states", "--commit", "--deliver", "--active"):
            skip = True
        else:
            out.append(arg)
    return out


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--sle", "abc"], "--sle 'abc': expected DAYS or DAYS@PROBABILITY"),
        (["--policy", "nope.json"], "cannot read --policy nope.json: No such file or directory"),
        (["--as-of", "soon"], "--as-of 'soon' is not an ISO 8601 instant"),
    ],
)
def test_options_are_checked_before_the_file_is_read(tmp_path, extra, message, capsys):
    missing = tmp_path / "never-read.csv"
    args = _without_workflow(ARGS) if "--policy" in extra else ARGS
    assert main(["review", str(missing), *args, *extra]) == 2
    err = capsys.readouterr().err
    assert message in err
    assert "never-read" not in err


def test_commit_point_must_be_a_state(log_file, capsys):
    argv = ["review", str(log_file), *ARGS]
    argv[argv.index("--commit") + 1] = "Doingg"
    assert main(argv) == 2
    assert "--commit 'Doingg' is not one of --states ['Requested', 'Doing', 'Done']" in (
        capsys.readouterr().err
    )


def test_json_lists_rejected_rows(log_file, capsys):
    assert main(["review", str(log_file), *ARGS, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["rejected"]["rows"] == [6]
    assert data["rejected"]["reasons"] == ["unknown state 'Bogus'"]


def test_policy_file(log_file, tmp_path, capsys):
    from customer_kanban import ClassOfService, Policy, ServiceLevelExpectation, Workflow

    policy = Policy(
        workflow=Workflow(["Requested", "Doing", "Done"], "Doing", "Done"),
        classes_of_service=[
            ClassOfService(name="High", urgency="expedite", sle=ServiceLevelExpectation(2, 0.9))
        ],
    )
    path = tmp_path / "policy.json"
    path.write_text(policy.to_json(), encoding="utf-8")
    argv = [
        "review",
        str(log_file),
        "--item",
        "id",
        "--state",
        "status",
        "--at",
        "changed_at",
        "--class-of-service",
        "priority",
        "--policy",
        str(path),
        "--as-of",
        "2024-01-05",
        "--json",
    ]
    assert main(argv) == 0
    rows = {r["group"]: r for r in json.loads(capsys.readouterr().out)["rows"]}
    assert rows["High"]["sle_days"] == 2.0
    assert rows["High"]["attainment"] == 0.0  # 3 days > 2
    assert rows["Low"]["sle_days"] is None  # not a class of the policy


def test_forecast_demo(capsys):
    assert main(["forecast", "--demo"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Forecast as of 2016-05-09 00:00 UTC (10,000 trials, seed 0)")
    assert "When will the 1247 open requests be done?" in out
    assert "85% chance of" in out


def test_forecast_json_is_seeded_and_ordered(capsys):
    argv = ["forecast", "--demo", "--json", "--trials", "2000", "--seed", "7"]
    assert main(argv) == 0
    first = json.loads(capsys.readouterr().out)
    assert main(argv) == 0
    assert json.loads(capsys.readouterr().out) == first
    assert first["open_items"] == 1247  # 19,280 arrived - 18,033 delivered (tests/datasets)
    assert (first["since"], first["until"]) == ("2016-04-09", "2016-05-08")  # 30 days
    assert (first["trials"], first["seed"]) == (2000, 7)
    dates = first["when"]["dates"][0]
    assert dates == sorted(dates)
    counts = first["how_many"]["values"][0]
    assert counts == sorted(counts, reverse=True)  # more confidence, fewer items


def test_forecast_window_is_clipped_to_the_first_request(capsys):
    argv = ["forecast", "--demo", "--json", "--trials", "100", "--as-of", "2016-03-07"]
    assert main(argv) == 0
    data = json.loads(capsys.readouterr().out)
    assert (data["since"], data["until"]) == ("2016-02-29", "2016-03-06")
    assert data["open_items"] == 1858 - 876  # the first week's arrivals - deliveries


def test_forecast_user_file_and_bad_options(log_file, capsys):
    argv = ["forecast", str(log_file), *ARGS, "--as-of", "2024-01-05", "--json"]
    assert main(argv) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["open_items"] == 2  # B and C
    assert data["daily_throughput"] == [0, 0, 0, 1]  # days 01-01..01-04; A delivered 01-04 09:00
    assert main(["forecast", "--demo", "--trials", "0"]) == 2
    assert "--trials must be at least 1" in capsys.readouterr().err
    assert main(["forecast", str(log_file), *ARGS, "--as-of", "2024-01-01T12:00"]) == 2
    assert "no whole day of history" in capsys.readouterr().err


def test_forecast_demo_per_class_and_predictability(capsys):
    from customer_kanban import metrics
    from customer_kanban.datasets import load_incidents

    assert main(["forecast", "--demo", "--json", "--trials", "500", "--as-of", "2016-03-03"]) == 0
    data = json.loads(capsys.readouterr().out)
    rows = {r["group"]: r for r in data["predictability"]}
    assert sum(r["open"] for r in data["by_class_of_service"]) == data["open_items"]
    # The figures are the metric functions' own, on the customer lead time.
    table, _ = load_incidents()
    when = np.datetime64("2016-03-03", "ns")
    seen = table["requested_at"] <= when
    done = seen & (table["delivered_at"] <= when)
    lead = np.where(done, table["delivered_at"], when) - table["requested_at"]
    lead = lead / np.timedelta64(1, "D")
    lead[~seen] = np.nan
    codes, labels = table.codes("class_of_service")
    moderate = list(labels).index("3 - Moderate")
    mine = seen & (codes == moderate)
    assert rows["3 - Moderate"]["delivered"] == int((done & mine).sum())
    expected = metrics.percentiles(lead[mine & done], 85, method="inverted_cdf").values[0, 0]
    assert rows["3 - Moderate"]["p85_delivered_only"] == expected
    km = metrics.km_percentiles(lead[mine], done[mine], 85).values[0, 0]
    assert rows["3 - Moderate"]["p85_censoring_aware"] == (None if np.isinf(km) else km)
    shape = metrics.fit_lead_times(lead[mine], done[mine]).shape[0]
    assert rows["3 - Moderate"]["weibull_shape"] == pytest.approx(shape, rel=1e-12)
    assert len(data["oldest_open"]) == data["open_items"]
    ages = [r["age_days"] for r in data["oldest_open"]]
    assert ages == sorted(ages, reverse=True)


def test_forecast_demo_text_sections(capsys):
    assert main(["forecast", "--demo", "--trials", "500", "--as-of", "2016-03-03"]) == 0
    out = capsys.readouterr().out
    assert "Per class of service: when will its open requests be done (85% chance)?" in out
    assert "Customer lead time per class of service [days]" in out
    assert "Open requests (the oldest first)" in out


def test_demo_previous(capsys):
    assert main(["review", "--demo", "--previous", "2"]) == 0
    out = capsys.readouterr().out
    assert "change since 2 days earlier" in out
    # 65 incidents were first resolved on the weekend of 7-8 May (counted with pandas).
    assert "18033 (+65)" in out


def test_demo_segments_without_segments(capsys):
    assert main(["review", "--demo", "--segments", "--previous", "1"]) == 0
    out = capsys.readouterr().out
    assert "no customer segment lines" in out
    assert "1 - Critical" not in out


def test_segments_only(log_file, capsys):
    argv = ["review", str(log_file), *ARGS, "--class-of-service", "priority"]
    argv += ["--segment", "requester", "--as-of", "2024-01-05", "--segments"]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "Customer segment" in out
    assert "  ann" in out
    assert "  bob" in out
    assert "All work" not in out
    assert "  High / ann" in out  # class x segment lines, but no class line
    assert "  High " not in out.replace("  High / ", "")
    assert main([*argv, "--json", "--previous", "1"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert {r["dimension"] for r in data["rows"]} == {"segment", "class_of_service/segment"}
    assert data["previous"] == 1.0
    ann = next(r for r in data["rows"] if r["group"] == "ann")
    assert ann["earlier"]["delivered"] == 0  # A delivered 01-04 09:00, after 01-04 00:00


@pytest.mark.parametrize("value", ["0", "-2", "soon"])
def test_bad_previous(value, capsys):
    assert main(["review", "--demo", "--previous", value]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "--previous" in err


def test_demo_review_new_figures(capsys):
    assert main(["review", "--demo"]) == 0
    out = capsys.readouterr().out
    assert "Flow, cost and voice" in out
    assert "Awaiting User Info" in out  # the main blocker
    assert "delay cost" in out
    assert main(["review", "--demo", "--json"]) == 0
    total = json.loads(capsys.readouterr().out)["rows"][0]
    assert total["delay_cost"] > 0  # the demo policy has costs of delay
    assert len(total["throughput_trend"]) == 4
    assert total["blockers"][0]["reason"] == "Awaiting User Info"


def test_ops_demo(capsys):
    assert main(["ops", "--demo", "--top", "3", "--previous", "2"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Operations Review as of 2016-05-09 00:00 UTC")
    assert "(other services)" in out
    assert "Hand-offs between services" in out
    assert main(["ops", "--demo", "--json", "--top", "3"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["services"][-1] == "(other services)"
    assert len(data["reviews"]) == 4
    assert data["handoffs"][0]["count"] > 0


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["ops", "--demo", "--top", "0"], "--top must be >= 1"),
        (["ops", "--demo", "--services", "nope"], "categorical field"),
    ],
)
def test_ops_bad_options(argv, message, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err
    assert err.count("\n") == 1
