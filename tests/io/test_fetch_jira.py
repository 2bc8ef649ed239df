"""fetch_jira against a local server on 127.0.0.1 answering from recorded pages (no network)."""

from __future__ import annotations

import base64
import copy
import email.utils
import json
import socket
import time

import pytest

from customer_kanban.errors import FetchError, ValidationError
from customer_kanban.io import _fetch, fetch_jira, read_jira
from customer_kanban.model import Workflow
from tracker_server import TRACKERS, Recorded, Seen, cloud_pages, json_answer, search_answer

WF = Workflow(["New", "Triage", "In Progress", "Resolved", "Closed"], "In Progress", "Resolved")
JQL = "project = INC ORDER BY created"


@pytest.fixture
def waits(monkeypatch):
    """The waits before retries, recorded instead of slept."""
    seen: list[float] = []
    monkeypatch.setattr(_fetch, "_sleep", seen.append)
    return seen


def serve(answer):
    return Recorded(answer)


def searches(server: Recorded) -> list[Seen]:
    return [s for s in server.seen if "search" in s.path]


# ------------------------------------------------------------------------ paging
def test_cloud_pages_are_followed_by_their_token():
    with serve(search_answer(cloud_pages())) as server:
        pages = fetch_jira(server.url, JQL, token="secret", fields=["created", "status"])
    assert pages == cloud_pages()
    first, second = server.seen
    assert first.path == second.path == "/rest/api/3/search/jql"
    assert first.query == {"jql": JQL, "expand": "changelog", "fields": "created,status",
                           "maxResults": "100"}  # fmt: skip
    assert second.query["nextPageToken"] == cloud_pages()[0]["nextPageToken"]
    assert first.headers["Authorization"] == "Bearer secret"
    assert first.headers["Accept"] == "application/json"


def test_the_pages_read_as_the_recorded_file():
    with serve(search_answer(cloud_pages())) as server:
        pages = fetch_jira(server.url, JQL, token="secret")
    state_map = {"Waiting for customer": "In Progress"}
    fetched = read_jira(pages, workflow=WF, state_map=state_map)
    assert fetched.table.equals(
        read_jira(TRACKERS / "jira_cloud_v3.json", workflow=WF, state_map=state_map).table
    )


def test_cloud_accounts_use_basic_authentication():
    with serve(search_answer(cloud_pages())) as server:
        fetch_jira(server.url, JQL, token="api-token", user="ada@example.com")
    expected = base64.b64encode(b"ada@example.com:api-token").decode()
    assert server.seen[0].headers["Authorization"] == f"Basic {expected}"


def test_server_pages_are_followed_by_start_at():
    issues = json.loads((TRACKERS / "jira_server_v2.json").read_text(encoding="utf-8"))["issues"]

    def answer(seen: Seen):
        start, size = int(seen.query["startAt"]), int(seen.query["maxResults"])
        return json_answer({"startAt": start, "maxResults": size, "total": len(issues),
                            "issues": issues[start : start + size]})  # fmt: skip

    with serve(answer) as server:
        pages = fetch_jira(server.url + "/", JQL, token="pat", api="server", page_size=3)
    assert [s.path for s in server.seen] == ["/rest/api/2/search"] * 3
    assert [s.query["startAt"] for s in server.seen] == ["0", "3", "6"]
    assert [len(p["issues"]) for p in pages] == [3, 3, 2]


def test_a_short_changelog_is_completed_on_cloud():
    pages = copy.deepcopy(cloud_pages())
    issue = pages[1]["issues"][0]
    histories = issue["changelog"]["histories"]
    issue["changelog"].update(maxResults=1, total=len(histories), histories=histories[-1:])
    search = search_answer(pages)

    def answer(seen: Seen):
        if seen.path == f"/rest/api/3/issue/{issue['key']}/changelog":
            start = int(seen.query["startAt"])
            part = histories[start : start + 4]
            last = start + 4 >= len(histories)
            return json_answer({"startAt": start, "maxResults": 4, "total": len(histories),
                                "isLast": last, "values": part})  # fmt: skip
        return search(seen)

    with serve(answer) as server:
        fetched = fetch_jira(server.url, JQL, token="secret")
    assert fetched[1]["issues"][0]["changelog"]["histories"] == histories
    assert fetched == cloud_pages()
    assert [s.query.get("startAt") for s in server.seen if "changelog" in s.path] == ["0", "4"]


def test_the_pages_are_written(tmp_path):
    path = tmp_path / "pages.json"
    with serve(search_answer(cloud_pages())) as server:
        pages = fetch_jira(server.url, JQL, token="secret", path=path)
    assert json.loads(path.read_text(encoding="utf-8")) == pages
    assert [p.name for p in tmp_path.iterdir()] == ["pages.json"]  # no temporary left


# ------------------------------------------------------------------------ retries
def limited(times: int, status: int = 429, **headers: str):
    """Answer `status` `times` times, then the recorded search."""
    search = search_answer(cloud_pages())
    count = {"n": 0}

    def answer(seen: Seen):
        count["n"] += 1
        if count["n"] <= times:
            return json_answer({"errorMessages": ["Rate limit exceeded."]}, status, **headers)
        return search(seen)

    return answer


def test_429_waits_as_retry_after_asks(waits):
    with serve(limited(2, **{"Retry-After": "3"})) as server:
        pages = fetch_jira(server.url, JQL, token="secret")
    assert waits == [3.0, 3.0]
    assert len(pages) == 2
    assert len(server.seen) == 4


def test_429_without_retry_after_backs_off(waits):
    with serve(limited(3)) as server:
        fetch_jira(server.url, JQL, token="secret")
    assert waits == [1.0, 2.0, 4.0]


def test_retry_after_as_a_date(waits):
    when = email.utils.formatdate(time.time() + 30, usegmt=True)
    with serve(limited(1, **{"Retry-After": when})) as server:
        fetch_jira(server.url, JQL, token="secret")
    assert 25 <= waits[0] <= 31


def test_503_is_retried(waits):
    with serve(limited(1, 503, **{"Retry-After": "2"})) as server:
        fetch_jira(server.url, JQL, token="secret")
    assert waits == [2.0]


def test_the_wait_is_real():
    started = time.monotonic()
    with serve(limited(1, **{"Retry-After": "1"})) as server:
        fetch_jira(server.url, JQL, token="secret")
    assert time.monotonic() - started >= 1.0


def test_retries_are_bounded(waits):
    message = r"429 Too Many Requests .* \(still rate-limited after 2 retries\): Rate limit"
    with (
        serve(limited(100, **{"Retry-After": "1"})) as server,
        pytest.raises(FetchError, match=message) as caught,
    ):
        fetch_jira(server.url, JQL, token="secret", retries=2)
    assert caught.value.status == 429
    assert len(server.seen) == 3
    assert waits == [1.0, 1.0]


def test_a_wait_longer_than_max_wait_is_an_error(waits):
    message = r"asked to wait 120 s .* longer than `max_wait` \(60 s\)"
    with (
        serve(limited(1, **{"Retry-After": "120"})) as server,
        pytest.raises(FetchError, match=message),
    ):
        fetch_jira(server.url, JQL, token="secret")
    assert waits == []


# ------------------------------------------------------------------------ errors
@pytest.mark.parametrize(
    ("status", "body", "message"),
    [
        (401, {"errorMessages": ["You are not authenticated."]},
         r"401 Unauthorized .* \(check `token`, and `user` on Jira Cloud\): You are not auth"),
        (400, {"errorMessages": ["Field 'projekt' does not exist."], "errors": {}},
         r"400 Bad Request .*: Field 'projekt' does not exist."),
        (403, "<html>Forbidden</html>", r"403 Forbidden .* \(the account may not browse"),
        (404, {"errorMessages": ["Not found"]}, r"404 Not Found .* \(check `url` and `api`\)"),
        (500, {"errors": {"jql": "server trouble"}}, r"500 Internal Server Error .*: jql: server"),
    ],
)  # fmt: skip
def test_refusals_are_clear(waits, status, body, message):
    def answer(seen: Seen):
        if isinstance(body, str):
            return status, {"Content-Type": "text/html"}, body.encode()
        return json_answer(body, status)

    with serve(answer) as server, pytest.raises(FetchError, match=message) as caught:
        fetch_jira(server.url, JQL, token="wrong")
    assert caught.value.status == status
    assert len(server.seen) == 1  # not retried
    assert waits == []


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"<html>Log in</html>", "with something other than JSON"),
        (b'{"issues": {}}', "page 0 from .* is not a search result"),
        (b"[1, 2]", "page 0 from .* is not a search result"),
    ],
)
def test_answers_that_are_not_search_results(body, message):
    answer = (200, {"Content-Type": "application/json"}, body)
    with serve(lambda seen: answer) as server, pytest.raises(FetchError, match=message):
        fetch_jira(server.url, JQL, token="secret")


def test_no_answer():
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(FetchError, match=r"Jira did not answer http://127\.0\.0\.1"):
        fetch_jira(f"http://127.0.0.1:{port}", JQL, token="secret")


def test_a_slow_answer_times_out():
    def slow(seen: Seen):
        time.sleep(1.0)
        return json_answer(cloud_pages()[1])

    with serve(slow) as server, pytest.raises(FetchError, match=r"did not answer .*timed out"):
        fetch_jira(server.url, JQL, token="secret", timeout=0.2)


def test_a_search_that_never_ends():
    endless = {"issues": [], "nextPageToken": "again", "isLast": False}
    with (
        serve(lambda seen: json_answer(endless)) as server,
        pytest.raises(FetchError, match="the same next page twice"),
    ):
        fetch_jira(server.url, JQL, token="secret")

    count = {"n": 0}

    def fresh(seen: Seen):
        count["n"] += 1
        return json_answer({"issues": [], "nextPageToken": f"t{count['n']}"})

    message = r"did not end after `max_pages` \(5\) pages"
    with serve(fresh) as server, pytest.raises(FetchError, match=message):
        fetch_jira(server.url, JQL, token="secret", max_pages=5)
    assert count["n"] == 5


def test_a_changelog_that_never_ends():
    pages = copy.deepcopy(cloud_pages())
    issue = pages[0]["issues"][0]
    issue["changelog"].update(total=10**12)
    search = search_answer(pages)
    one = issue["changelog"]["histories"][:1]

    def answer(seen: Seen):
        if seen.path.endswith("/changelog"):  # always one more, never the last
            return json_answer({"startAt": int(seen.query["startAt"]), "maxResults": 1,
                                "total": 10**12, "isLast": False, "values": one})  # fmt: skip
        return search(seen)

    message = r"the changelog of '.*' did not end after `max_pages` \(3\) pages \(3 of "
    with serve(answer) as server, pytest.raises(FetchError, match=message):
        fetch_jira(server.url, JQL, token="secret", max_pages=3)
    assert len([s for s in server.seen if s.path.endswith("/changelog")]) == 3


def test_an_answer_too_large_is_refused(monkeypatch):
    monkeypatch.setattr(_fetch, "_MAX_BODY", 1000)
    with (
        serve(search_answer(cloud_pages())) as server,
        pytest.raises(FetchError, match=r"with more than 1,000 bytes; ask for fewer issues"),
    ):
        fetch_jira(server.url, JQL, token="secret")


# ------------------------------------------------------------------------ arguments
@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"url": "http://jira.example.com"}, ValidationError, r"`url` must be https://"),
        ({"url": "ftp://jira.example.com"}, ValidationError, r"`url` must be an https://"),
        ({"url": "example.atlassian.net"}, ValidationError, r"`url` must be an https://"),
        ({"url": 3}, TypeError, "`url` must be a string"),
        (
            {"url": "https://jira.example.com:99999"},
            ValidationError,
            r"`url` is not a valid address \(Port out of range",
        ),
        ({"jql": " "}, TypeError, "`jql` must be a non-empty string"),
        ({"jql": "x" * 7000}, ValidationError, "`jql` must be at most 6,000 characters"),
        ({"token": ""}, TypeError, "`token` must be a non-empty string"),
        ({"token": "a\nb"}, ValidationError, "`token` must be at most 4,096 printable"),
        ({"user": ""}, TypeError, "`user` must be a non-empty string"),
        ({"api": "datacenter"}, ValidationError, "`api` must be one of 'cloud', 'server'"),
        ({"fields": "created"}, TypeError, "`fields` must be a sequence of Jira field ids"),
        ({"fields": []}, TypeError, "`fields` must hold non-empty strings"),
        ({"page_size": 0}, ValidationError, "`page_size` must be at least 1"),
        ({"page_size": 5000}, ValidationError, "`page_size` must be at most 1000"),
        ({"retries": 21}, ValidationError, "`retries` must be at most 20"),
        ({"max_wait": 0}, ValidationError, r"`max_wait` must lie in \(0, 3600\]"),
        ({"timeout": True}, TypeError, "`timeout` must be a number of seconds"),
        ({"path": 5}, TypeError, "`path` must be a path or None"),
        ({"path": "/no/such/folder/pages.json"}, ValidationError, "cannot write `path`"),
    ],
)
def test_arguments_are_checked_before_any_request(kwargs, error, message):
    with serve(search_answer(cloud_pages())) as server:
        call = {"url": server.url, "jql": JQL, "token": "secret", **kwargs}
        with pytest.raises(error, match=message):
            fetch_jira(**call)
    assert server.seen == []
