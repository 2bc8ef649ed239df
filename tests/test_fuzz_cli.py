"""The command line on malformed and odd files: one line on stderr, exit 2, no traceback, and
bounded memory — or, for files that are only unusual (a BOM, CR line ends), the result.

Each command runs in its own process with an address-space limit, as a user's shell runs it.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest

MEMORY = 2 << 30  # bytes of address space the command may use on top of the interpreter's
TIMEOUT = 60

EVENTS = "id,status,at\nA,New,2024-01-01\nA,Doing,2024-01-02\nA,Done,2024-01-04\nB,New,2024-01-02\n"
REVIEW = ["review", "--item", "id", "--state", "status", "--at", "at",
          "--states", "New,Doing,Done", "--commit", "Doing", "--deliver", "Done"]  # fmt: skip
PURCHASES = "customer,at,revenue\na,2024-01-01,10\nb,2024-02-01,20\na,2024-03-01,5\n"


def _limit() -> None:  # runs in the child before exec
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY + (1 << 30), hard))


def _run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    src = Path(__file__).resolve().parents[1] / "src"
    env = {**os.environ, "PYTHONPATH": f"{src}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    return subprocess.run(
        [sys.executable, "-m", "customer_kanban.cli", *args],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        cwd=cwd,
        env=env,
        preexec_fn=_limit,
        check=False,
    )


def _refused(result: subprocess.CompletedProcess[str], *needles: str) -> None:
    assert result.returncode == 2, result
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith("customer-kanban: error: ")
    for needle in needles:
        assert needle in lines[0], lines[0]


MALFORMED = {
    "duplicate header": (b"id,status,id\nA,New,x\n", ["repeats the column names ['id']"]),
    "not utf-8 header": (b"\xff\xfeid,status,at\n", ["not UTF-8"]),
    "not utf-8 row": (EVENTS.encode() + b"C,New,2024-01-0\xe9\n", ["row 4 is not UTF-8"]),
    "empty": (b"", ["no header row"]),
    "binary": (bytes(range(256)) * 40, ["cannot read"]),
    "no usable row": (b"id,status,at\nA,Gone,2024-01-01\n", ["no usable rows", "unknown state"]),
    "a field over the limit": (
        b"id,status,at\nA,New," + b"9" * (2 << 20) + b"\n",
        ["more than the limit of 1,048,576", "field_limit"],
    ),
    "no line end": (b"id,status,at\n" + b"x" * (3 << 20), ["more than the limit"]),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed_event_logs_are_one_line_errors(case, tmp_path):
    content, needles = MALFORMED[case]
    path = tmp_path / "log.csv"
    path.write_bytes(content)
    _refused(_run(*REVIEW[:1], str(path), *REVIEW[1:], cwd=tmp_path), *needles)


def test_not_files(tmp_path):
    _refused(_run(*REVIEW[:1], str(tmp_path), *REVIEW[1:], cwd=tmp_path), "directory")
    _refused(_run(*REVIEW[:1], "nope.csv", *REVIEW[1:], cwd=tmp_path), "no such file")
    if os.path.exists("/dev/zero"):
        _refused(_run(*REVIEW[:1], "/dev/zero", *REVIEW[1:], cwd=tmp_path), "device")
        _refused(_run("segments", "/dev/zero", cwd=tmp_path), "device")
        _refused(_run("assess", "/dev/zero", cwd=tmp_path), "not a regular file")


@pytest.mark.parametrize(
    "content",
    [
        EVENTS.replace("\n", "\r\n").encode(),
        EVENTS.replace("\n", "\r").encode(),
        b"\xef\xbb\xbf" + EVENTS.encode(),
        EVENTS.replace(",", ";").encode(),
        EVENTS.encode() + b"C,New\n",  # a short row: rejected, said on stderr
        EVENTS.encode() + b'C,New,2024-01-03,"' + b"n" * 200_000 + b'"\n',  # a long cell
    ],
    ids=["crlf", "cr", "bom", "semicolons", "short row", "long cell"],
)
def test_unusual_but_readable_event_logs(content, tmp_path):
    path = tmp_path / "log.csv"
    path.write_bytes(content)
    result = _run(*REVIEW[:1], str(path), *REVIEW[1:], "--json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["rows"][0]["delivered"] == 1
    assert "Traceback" not in result.stderr
    rejected = data.get("rejected", {"rows": []})["rows"]
    assert len(result.stderr.strip().splitlines()) == (1 if rejected else 0)


@pytest.mark.parametrize(
    "content",
    [PURCHASES.encode(), b"\xef\xbb\xbf" + PURCHASES.replace("\n", "\r").encode()],
    ids=["plain", "bom and cr"],
)
def test_segments_reads_what_review_reads(content, tmp_path):
    path = tmp_path / "buys.csv"
    path.write_bytes(content)
    result = _run("segments", str(path), "--json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["customers"] == 2


def test_deeply_nested_and_huge_json(tmp_path):
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    _refused(_run("assess", str(deep), cwd=tmp_path), "nested too deeply")
    big = tmp_path / "big.json"
    big.write_bytes(b'{"notes": "' + b"x" * (17 << 20) + b'"}')
    _refused(_run("assess", str(big), cwd=tmp_path), "larger than the limit")
    policy = tmp_path / "policy.json"
    policy.write_text("{", encoding="utf-8")
    log = tmp_path / "log.csv"
    log.write_text(EVENTS, encoding="utf-8")
    _refused(
        _run(*REVIEW[:1], str(log), *REVIEW[1:7], "--policy", str(policy), cwd=tmp_path),
        "not valid JSON",
    )
