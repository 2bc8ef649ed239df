"""Tests of `customer-kanban segments`."""

from __future__ import annotations

import json

import numpy as np
import pytest

from customer_kanban import customers
from customer_kanban.cli import main
from customer_kanban.datasets import CDNOW_AS_OF, load_cdnow


@pytest.fixture(scope="module")
def demo_json():
    import contextlib
    import io

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["segments", "--demo", "--json"]) == 0
    return json.loads(out.getvalue())


def test_demo_text(capsys):
    assert main(["segments", "--demo"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Customer portfolio as of 1998-06-30: CDNOW purchases")
    assert "23,570 customers, 69,659 transactions." in out
    for section in ("Value segments:", "RFM segments", "Get, keep, grow per quarter"):
        assert section in out


def test_demo_figures_are_the_metrics(demo_json):
    data = demo_json
    t = load_cdnow()
    c = t.codes("customer")
    scores = customers.rfm(t["at"], t["revenue"], by=c, as_of=CDNOW_AS_OF)
    named = customers.rfm_segments(scores)
    assert [r["customers"] for r in data["rfm_segments"]] == named.sizes.tolist()
    cells = {r["segment"]: r["customers"] for r in data["cells"]}
    assert sum(cells.values()) == data["customers"] == 23_570
    current = customers.trailing_value(t["at"], t["revenue"], by=c, as_of=CDNOW_AS_OF, days=365)
    assert data["thresholds"]["current_value"] == float(np.median(current.values))
    gkg = customers.get_keep_grow(
        c, t["at"], t["revenue"], freq="Q", lost_after=2, as_of=CDNOW_AS_OF
    )
    assert [p["active"] for p in data["get_keep_grow"]["periods"]] == gkg.active[0].tolist()
    assert [p["lost"] for p in data["get_keep_grow"]["periods"]] == gkg.lost[0].tolist()
    first = data["get_keep_grow"]["periods"][0]
    assert first["acquired"] == 23_570  # every CDNOW customer first bought in 1997 Q1
    bgnbd = data["fits"]["bgnbd"]
    assert bgnbd["purchase_shape"] == pytest.approx(0.2671, abs=2e-3)  # penalised slightly


def test_user_file_with_margin_and_product(tmp_path, capsys):
    path = tmp_path / "sales.csv"
    path.write_text(
        "client,when,amount,profit,item\n"
        "a,2024-01-05,100,30,cd\n"
        "b,2024-01-09,40,-5,cd\n"
        "a,2024-02-01,60,30,dvd\n"
        "c,2024-03-01,10,2,cd\n"
        "a,2024-05-01,10,1,cd\n",
        encoding="utf-8",
    )
    argv = [
        "segments",
        str(path),
        "--customer",
        "client",
        "--at",
        "when",
        "--revenue",
        "amount",
        "--margin",
        "profit",
        "--product",
        "item",
        "--freq",
        "M",
        "--lost-after",
        "1",
        "--json",
    ]
    assert main(argv) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["value"] == "margin"
    assert data["customers"] == 3
    months = data["get_keep_grow"]["periods"]
    assert [m["period"] for m in months] == [
        "2024-01-01",
        "2024-02-01",
        "2024-03-01",
        "2024-04-01",
        "2024-05-01",
    ]
    assert [m["acquired"] for m in months] == [2, 0, 1, 0, 0]


def test_bad_options_and_rows(tmp_path, capsys):
    assert main(["segments", "--demo", "--lost-after", "0"]) == 2
    assert "--lost-after must be at least 1" in capsys.readouterr().err
    bad = tmp_path / "bad.csv"
    bad.write_text("customer,at,revenue\na,2024-01-01,x\n,2024-01-02,3\n", encoding="utf-8")
    assert main(["segments", str(bad)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("customer-kanban: error:")
    assert main(["segments", "--demo", "--as-of", "1990-01-01"]) == 2
    assert "no transaction at or before `as_of`" in capsys.readouterr().err


def test_small_files_fit_and_json_is_standard(tmp_path, capsys):
    # once crashed on 2 in 40 such files ("math domain error": a parameter underflowed to 0)
    for seed in range(40):
        rng = np.random.default_rng(seed)
        rows = ["customer,at,revenue,product"] + [
            f"c{rng.integers(0, 6)},2024-0{rng.integers(1, 7)}-1{rng.integers(0, 9)},"
            f"{rng.integers(5, 90)},p{rng.integers(0, 3)}"
            for _ in range(13)
        ]
        path = tmp_path / f"small{seed}.csv"
        path.write_text("\n".join(rows) + "\n", encoding="utf-8")
        assert main(["segments", str(path), "--product", "product", "--json"]) == 0, seed
        text = capsys.readouterr().out
        json.loads(text, parse_constant=lambda c: pytest.fail(f"non-standard JSON: {c}"))


def test_forecast_json_is_standard(capsys):
    # One week into the log, no class's Kaplan-Meier curve reaches 85% yet.
    argv = ["forecast", "--demo", "--json", "--trials", "200", "--as-of", "2016-03-07"]
    assert main(argv) == 0
    text = capsys.readouterr().out
    data = json.loads(text, parse_constant=lambda c: pytest.fail(f"non-standard JSON: {c}"))
    # Out of reach (an infinity) is null, as every non-finite number (RFC 8259 JSON).
    assert {r["p85_censoring_aware"] for r in data["predictability"]} == {None}
