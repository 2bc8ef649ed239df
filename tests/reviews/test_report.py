"""The HTML report: its sections, its escaping, its file, its command; and in a real browser."""

import html
import os
import re
import sys
from io import BytesIO
from pathlib import Path

import numpy as np
import pytest

from customer_kanban.cli import main
from customer_kanban.datasets import DEMO_AS_OF, load_incidents
from customer_kanban.errors import ValidationError
from customer_kanban.io import read_event_log
from customer_kanban.model import ClassOfService, Policy, ServiceLevelExpectation, Workflow
from customer_kanban.reviews import Report, report

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from browser import Browser, find_chromium

HOSTILE = ("<script>alert(1)</script>", "<img src=x onerror=alert(2)>", "<svg onload=alert(3)>")


@pytest.fixture(scope="module")
def demo():
    table, policy = load_incidents()
    return table, policy, report(table, policy, as_of=DEMO_AS_OF, trials=500)


@pytest.fixture(scope="module")
def hostile():
    """Every text of the data is markup: ids, states, classes, customers, departments."""
    states = [HOSTILE[0], HOSTILE[1], HOSTILE[2] + " done"]
    wf = Workflow(states, states[1], states[2])
    rng = np.random.default_rng(7)
    rows = {"item": [], "state": [], "at": [], "cos": [], "customer": [], "team": []}
    start = np.datetime64("2024-01-01T09:00")
    for k in range(60):
        opened = start + np.timedelta64(int(rng.integers(0, 30 * 24)), "h")
        for j, state in enumerate(states[: 1 + k % 3]):
            rows["item"].append(f"{HOSTILE[k % 3]}#{k}")
            rows["state"].append(state)
            rows["at"].append(str(opened + np.timedelta64(j * int(rng.integers(1, 72)), "h")))
            rows["cos"].append(HOSTILE[(k + 1) % 3])
            rows["customer"].append(HOSTILE[(k + 2) % 3])
            rows["team"].append(HOSTILE[j % 3])
    table = read_event_log(
        rows, workflow=wf, department="team",
        attributes={"cos": "class_of_service", "customer": "customer"},
    ).table  # fmt: skip
    cos = ClassOfService(name=HOSTILE[1], sle=ServiceLevelExpectation(days=5, probability=0.85))
    policy = Policy(workflow=wf, wip_limits={states[1]: 10}, classes_of_service=[cos])
    return report(table, policy, as_of="2024-02-15", title=HOSTILE[0], trials=200)


def test_every_section_is_there_and_the_file_is_self_contained(demo, tmp_path):
    _, _, r = demo
    titles = [s.title for s in r.sections]
    assert titles[:2] == ["Service Delivery Review", "Flow"]
    assert {"Forecasts", "Customer journey", "Blockers", "Policies"} <= set(titles)
    text = r.to_html()
    assert text.startswith("<!DOCTYPE html>")
    assert "<script" not in text
    # nothing outside the file: no URL to fetch, no external style, font or image
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:|//)""", text)
    assert "@import" not in text
    assert "url(" not in text.replace('url("#', "").replace("url(#", "")
    path = r.save(tmp_path / "r.html")
    assert path.read_text(encoding="utf-8") == text
    assert os.path.getsize(path) < 3_000_000


def test_every_chart_has_a_title_and_a_label(demo):
    _, _, r = demo
    svgs = re.findall(r"<svg[^>]*>", r.to_html())
    assert svgs, "the demo report draws charts"
    for head in svgs:
        assert 'role="img"' in head
        assert 'aria-label="' in head


def test_every_text_of_the_data_is_escaped(hostile):
    text = hostile.to_html()
    for markup in HOSTILE:
        assert markup not in text
    assert html.escape(HOSTILE[0]) in text  # the title, shown as text
    assert "<img" not in text
    assert "<script" not in text
    assert not re.search(r"<svg[^>]*onload", text)


def test_the_report_checks_its_input(demo):
    table, policy, _ = demo
    with pytest.raises(TypeError, match="`table` must be a WorkItemTable, got dict"):
        report({}, policy, as_of=DEMO_AS_OF)
    with pytest.raises(TypeError, match="`policy` must be a Policy, got str"):
        report(table, "policy", as_of=DEMO_AS_OF)
    with pytest.raises(ValidationError, match="`day_count` must be one of"):
        report(table, policy, as_of=DEMO_AS_OF, day_count="weeks")
    with pytest.raises(ValidationError, match="`title` must be a non-empty text"):
        report(table, policy, as_of=DEMO_AS_OF, title=" ")
    with pytest.raises(TypeError, match="`path` must be a file path, got int"):
        Report(title="x", as_of=np.datetime64("2024-01-01"), sections=()).save(3)


def test_without_matplotlib_the_tables_stay_and_a_note_says_how(demo, monkeypatch):
    import importlib.util

    table, policy, _ = demo
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *a: None if name == "matplotlib" else real(name, *a),
    )
    r = report(table, policy, as_of=DEMO_AS_OF, trials=200)
    text = r.to_html()
    assert "<svg" not in text
    assert "<table" in text
    assert 'pip install "customer-kanban[plot]"' in html.unescape(text)


def test_the_command_writes_the_report(tmp_path, capsys):
    out = tmp_path / "review.html"
    assert main(["report", "--demo", "--output", str(out), "--trials", "300"]) == 0
    said = capsys.readouterr().out
    assert f"wrote {out}" in said
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--json"], "--json does not apply to report"),
        (["--trials", "0"], "--trials must be at least 1"),
        (["--output", "."], "is a folder"),
    ],
)
def test_the_command_refuses_what_cannot_apply(argv, message, capsys):
    assert main(["report", "--demo", *argv]) == 2
    assert message in capsys.readouterr().err


# ------------------------------------------------------------------ in a browser

CHROMIUM = find_chromium()
needs_browser = pytest.mark.skipif(
    CHROMIUM is None and not os.environ.get("CUSTOMER_KANBAN_REQUIRE_BROWSER"),
    reason="no Chromium here (CI installs it and sets CUSTOMER_KANBAN_REQUIRE_BROWSER)",
)


def _ink(png: bytes, box: tuple[float, float, float, float]) -> float:
    """Share of the pixels in `box` (x, y, width, height) that are not near white."""
    from PIL import Image

    image = np.asarray(Image.open(BytesIO(png)).convert("L"), dtype=np.int16)
    x, y, w, h = (round(v) for v in box)
    crop = image[y : y + h, x : x + w]
    return float((crop < 230).mean()) if crop.size else 0.0


def _outside(urls: list[str]) -> list[str]:
    """The URLs that are not data inside the page."""
    return [u for u in urls if not u.startswith("data:")]


def _browse(path: Path):
    with Browser(CHROMIUM or "chromium") as browser:
        browser.open(path.resolve().as_uri())
        boxes = browser.evaluate(
            "[...document.querySelectorAll('svg')].map(s => { const r = s.getBoundingClientRect();"
            " return [r.x + scrollX, r.y + scrollY, r.width, r.height]; })"
        )
        text = browser.evaluate("document.body.innerText")
        png = browser.screenshot()
        return browser, boxes, text, png


@needs_browser
def test_the_report_renders_in_chromium(demo, tmp_path):
    _, _, r = demo
    path = r.save(tmp_path / "review.html")
    browser, boxes, text, png = _browse(path)
    (tmp_path / "review.png").write_bytes(png)
    assert png.startswith(b"\x89PNG")
    assert "Service Delivery Review" in text
    assert len(text) > 2000  # not blank
    assert boxes, "the charts are in the page"
    for box in boxes:
        assert box[2] > 300
        assert box[3] > 150
        assert _ink(png, box) > 0.01, f"a chart without ink at {box}"
    # nothing outside the file (images inside the charts are data: URLs of the file itself)
    assert _outside(browser.requests()) == [path.resolve().as_uri()]
    assert browser.console("error", "warning", "assert") == []
    assert browser.dialogs() == []


@needs_browser
def test_hostile_labels_open_no_dialog_even_without_the_content_policy(hostile, tmp_path):
    """With the page's Content-Security-Policy removed, markup in the data would run if
    it were not escaped: no dialog opens, nothing is requested."""
    text = hostile.to_html()
    text = re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "", text)
    path = tmp_path / "hostile.html"
    path.write_text(text, encoding="utf-8")
    browser, _, shown, _ = _browse(path)
    assert browser.dialogs() == []
    assert _outside(browser.requests()) == [path.resolve().as_uri()]
    assert HOSTILE[0] in shown  # the title, as text


def test_the_command_reads_a_file_with_the_data_options(tmp_path, capsys):
    log = tmp_path / "log.csv"
    log.write_text(
        "id,status,when,prio\n"
        "A,New,2024-01-01T09:00,P1\nA,Doing,2024-01-02T09:00,P1\nA,Done,2024-01-04T09:00,P1\n"
        "B,New,2024-01-02T09:00,P2\nB,Doing,2024-01-03T09:00,P2\nB,Lost,2024-01-05T09:00,P2\n"
        "C,New,2024-01-03T09:00,P2\n",
        encoding="utf-8",
    )
    out = tmp_path / "r.html"
    argv = ["report", str(log), "--item", "id", "--state", "status", "--at", "when",
            "--states", "New,Doing,Done", "--commit", "Doing", "--deliver", "Done",
            "--class-of-service", "prio", "--sle", "3@0.85", "-o", str(out)]  # fmt: skip
    assert main(argv) == 0
    said = capsys.readouterr()
    assert "1 of 7 rows rejected" in said.err
    assert "--json" not in said.err  # the report has no JSON to list them in
    text = html.unescape(out.read_text(encoding="utf-8"))
    assert "3 d at 85%" in text
    # three items: no throughput to forecast from, fits without data: said, not failed
    assert "No forecast: no request was delivered" in text
    assert "In the survival chart: cannot fit" in text


def test_the_command_does_not_offer_json(capsys):
    with pytest.raises(SystemExit):
        main(["report", "--help"])
    assert "--json" not in capsys.readouterr().out
