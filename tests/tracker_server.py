"""A local HTTP server on 127.0.0.1 answering as Jira would, from recorded pages (no network).

``Recorded(answer)`` serves in a thread; ``answer(request)`` returns ``(status, headers,
body)`` for each :class:`Seen` request, and every request is kept in ``seen`` for the
test to check (paths, queries, headers).  :func:`jira_cloud_site` serves the recorded
Jira Cloud search of ``io/data/trackers`` for the example calls of ``api.py``.
"""

from __future__ import annotations

import functools
import json
import os
import threading
import urllib.parse
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import attrs

TRACKERS = Path(__file__).parent / "io" / "data" / "trackers"
Answer = tuple[int, dict[str, str], bytes]


@attrs.frozen
class Seen:
    path: str
    query: dict[str, str]
    headers: dict[str, str]


def json_answer(document: Any, status: int = 200, **headers: str) -> Answer:
    return status, {"Content-Type": "application/json", **headers}, json.dumps(document).encode()


class Recorded:
    """Serve `answer` on 127.0.0.1 (a free port) until :meth:`close`."""

    def __init__(self, answer: Callable[[Seen], Answer]) -> None:
        self.answer = answer
        self.seen: list[Seen] = []
        # A proxy from the environment must not take requests to this machine.
        os.environ["no_proxy"] = os.environ["NO_PROXY"] = "127.0.0.1,localhost"
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # the name http.server calls
                parts = urllib.parse.urlsplit(self.path)
                query = dict(urllib.parse.parse_qsl(parts.query))
                seen = Seen(parts.path, query, dict(self.headers.items()))
                owner.seen.append(seen)
                status, headers, body = owner.answer(seen)
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:  # quiet
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self) -> Recorded:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def cloud_pages() -> list[dict[str, Any]]:
    """The recorded Jira Cloud search: two pages of /rest/api/3/search/jql."""
    return json.loads((TRACKERS / "jira_cloud_v3.json").read_text(encoding="utf-8"))


def search_answer(pages: list[dict[str, Any]]) -> Callable[[Seen], Answer]:
    """Answer /rest/api/3/search/jql from `pages`, following their nextPageToken."""
    tokens = {p.get("nextPageToken"): k + 1 for k, p in enumerate(pages) if p.get("nextPageToken")}

    def answer(seen: Seen) -> Answer:
        if seen.path != "/rest/api/3/search/jql":
            return json_answer({"errorMessages": ["Not found"]}, 404)
        token = seen.query.get("nextPageToken")
        if token is None:
            return json_answer(pages[0])
        if token not in tokens:
            return json_answer({"errorMessages": ["The token is not valid."]}, 400)
        return json_answer(pages[tokens[token]])

    return answer


@functools.cache
def jira_cloud_site() -> str:
    """The address of a server answering the recorded Cloud search (one per test session)."""
    return Recorded(search_answer(cloud_pages())).url
