"""Jira's issue search, page by page, with the standard library's HTTP client."""

from __future__ import annotations

import base64
import email.utils
import json
import os
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

import attrs

from customer_kanban._core.validation import as_whole_number, check_choice, choices_of
from customer_kanban.errors import FetchError, ValidationError

__all__ = ["fetch_jira"]

Api = Literal["cloud", "server"]
APIS = choices_of(Api)
_sleep = time.sleep  # replaced in tests
_RETRIED = (429, 503)
_LOCAL = ("localhost", "127.0.0.1", "::1")
_CHANGELOG_PAGE = 100
_MAX_WAIT = 3600.0
# The search is a GET: its address must fit a server's request line (8 KiB by default).
_MAX_JQL = 6000
_MAX_TOKEN = 4096
# Largest answer read: a page of 1000 issues with long changelogs stays well below it.
_MAX_BODY = 1 << 30
_MAX_ERROR_BODY = 1 << 16


def fetch_jira(
    url: str,
    jql: str,
    *,
    token: str,
    user: str | None = None,
    api: Api = "cloud",
    fields: Sequence[str] = ("*navigable",),
    page_size: int = 100,
    max_pages: int = 10_000,
    retries: int = 5,
    max_wait: float = 60.0,
    timeout: float = 30.0,
    path: str | os.PathLike[str] | None = None,
) -> list[dict[str, Any]]:
    """Fetch the issues of a JQL search with their changelogs, page by page, for :func:`read_jira`.

    Parameters
    ----------
    url : str
        The Jira site, e.g. ``"https://example.atlassian.net"`` or
        ``"https://jira.example.com/jira"``: ``https://`` (``http://`` only on this
        machine: the token is sent with every request).
    jql : str
        The search, e.g. ``"project = SUP AND created >= -90d ORDER BY created"``.
    token : str
        An API token (Jira Cloud, with `user`) or a personal access token (Jira
        Server / Data Center, sent as ``Bearer``).
    user : str, optional
        The account's e-mail address (Jira Cloud): the token is then sent with it as
        HTTP basic authentication.
    api : {"cloud", "server"}, optional
        ``"cloud"`` (default): ``/rest/api/3/search/jql``, paged by
        ``nextPageToken``; changelogs the search cut short (it returns at most 100
        histories per issue) are completed from ``/rest/api/3/issue/KEY/changelog``.
        ``"server"``: ``/rest/api/2/search``, paged by ``startAt``.
    fields : sequence of str, optional
        Jira's ``fields`` parameter: the field ids each issue carries (default
        ``*navigable``, every field a search shows).  Ask for ``created``, ``status``
        and the fields :func:`read_jira` maps.
    page_size : int, optional
        Issues per page, 1 to 1000 (default 100; Jira may return fewer).
    max_pages : int, optional
        Most pages fetched (default 10000), of the search and of each issue's
        changelog: one that does not end by then is an error rather than an endless
        loop.  An answer longer than 1 GiB is an error too.
    retries : int, optional
        Retries of a request answered ``429 Too Many Requests`` or ``503``, 0 to 20
        (default 5), each after the ``Retry-After`` the server asks for (else 1, 2,
        4, ... seconds).
    max_wait : float, optional
        Longest wait before a retry, in seconds (default 60): a server asking for
        longer is an error naming the wait.
    timeout : float, optional
        Seconds to wait for a response (default 30).
    path : str or os.PathLike, optional
        Also write the pages there, as one JSON array (written whole once every page
        is in: no partial file is left).

    Returns
    -------
    list of dict
        The raw pages, in order, as Jira returned them (changelogs completed on
        Cloud); :func:`read_jira` reads them.

    Raises
    ------
    customer_kanban.errors.FetchError
        Jira refused (401: the credentials, 403, 400: the JQL, with Jira's own
        messages), failed (5xx after the retries), did not answer, answered with
        something other than JSON or a search result, or asked to wait too long.
    customer_kanban.errors.ValidationError
        Arguments out of range (`url` not ``https://``, `page_size`, ...).
    TypeError
        Arguments of the wrong type.
    """
    request = _Request.of(url, token, user, timeout)
    check_choice(api, name="api", choices=APIS)
    if not isinstance(jql, str) or not jql.strip():
        raise TypeError(f"`jql` must be a non-empty string, got {jql!r:.40}")
    if len(jql) > _MAX_JQL:
        raise ValidationError(
            f"`jql` must be at most {_MAX_JQL:,} characters (it travels in the address); "
            f"got {len(jql):,}"
        )
    names = _field_names(fields)
    size = as_whole_number(page_size, name="page_size", minimum=1, maximum=1000)
    pages_max = as_whole_number(max_pages, name="max_pages", minimum=1, maximum=10**7)
    policy = _Retry.of(retries, max_wait)
    _check_path(path)
    search = _Search(request, policy, api, jql, names, size, pages_max)
    pages = search.pages()
    if api == "cloud":
        for page in pages:
            for issue in page.get("issues") or []:
                _complete_changelog(request, policy, issue, pages_max)
    if path is not None:
        _save(pages, path)
    return pages


# ------------------------------------------------------------------------- checks
def _field_names(fields: object) -> str:
    if isinstance(fields, str) or not isinstance(fields, Sequence):
        raise TypeError(f"`fields` must be a sequence of Jira field ids, got {fields!r:.40}")
    names = list(fields)
    if not names or not all(isinstance(f, str) and f for f in names):
        raise TypeError(f"`fields` must hold non-empty strings, got {names!r:.60}")
    return ",".join(names)


def _seconds(value: object, name: str, low: float, high: float) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"`{name}` must be a number of seconds, got {value!r:.40}")
    seconds = float(value)
    if not low < seconds <= high:
        raise ValidationError(f"`{name}` must lie in ({low:g}, {high:g}] seconds; got {value!r}")
    return seconds


@attrs.frozen
class _Retry:
    retries: int
    max_wait: float

    @classmethod
    def of(cls, retries: object, max_wait: object) -> _Retry:
        return cls(
            as_whole_number(retries, name="retries", minimum=0, maximum=20),
            _seconds(max_wait, "max_wait", 0.0, _MAX_WAIT),
        )


@attrs.frozen
class _Request:
    """The site and the credentials; one GET of JSON at a time."""

    base: str
    headers: Mapping[str, str]
    timeout: float

    @classmethod
    def of(cls, url: object, token: object, user: object, timeout: object) -> _Request:
        if not isinstance(url, str):
            raise TypeError(f"`url` must be a string, got {type(url).__name__}")
        try:
            parts = urllib.parse.urlsplit(url.strip())
            parts.port  # noqa: B018 - raises ValueError for a port that is not one
        except ValueError as exc:
            raise ValidationError(f"`url` is not a valid address ({exc}): {url!r:.80}") from None
        local = parts.hostname in _LOCAL
        if parts.scheme not in ("https", "http") or not parts.hostname:
            raise ValidationError(
                f"`url` must be an https:// address of a Jira site; got {url!r:.80}"
            )
        if parts.scheme == "http" and not local:
            raise ValidationError(
                f"`url` must be https:// (the token is sent with every request); got {url!r:.80}"
            )
        if not isinstance(token, str) or not token.strip():
            raise TypeError("`token` must be a non-empty string")
        if len(token) > _MAX_TOKEN or not token.isprintable():
            raise ValidationError(
                f"`token` must be at most {_MAX_TOKEN:,} printable characters (an API token)"
            )
        if user is not None and (not isinstance(user, str) or not user.strip()):
            raise TypeError("`user` must be a non-empty string (an e-mail address) or None")
        if user is None:
            auth = f"Bearer {token.strip()}"
        else:
            pair = f"{user.strip()}:{token.strip()}".encode()
            auth = "Basic " + base64.b64encode(pair).decode("ascii")
        headers = {"Authorization": auth, "Accept": "application/json"}
        return cls(url.strip().rstrip("/"), headers, _seconds(timeout, "timeout", 0.0, _MAX_WAIT))

    def url(self, route: str, query: Mapping[str, Any]) -> str:
        return f"{self.base}{route}?{urllib.parse.urlencode(query)}"

    def get(self, address: str, policy: _Retry) -> Any:
        """The JSON answer to a GET, retried on 429 and 503 as `policy` allows."""
        attempt = 0
        while True:
            try:
                with (
                    urllib.request.urlopen(  # the scheme is checked: https, or http on this machine
                        urllib.request.Request(address, headers=dict(self.headers)),
                        timeout=self.timeout,
                    ) as response
                ):
                    body = response.read(_MAX_BODY + 1)
                if len(body) > _MAX_BODY:
                    raise FetchError(
                        f"Jira answered {_shown(address)} with more than {_MAX_BODY:,} bytes; "
                        "ask for fewer issues per page (`page_size`) or fewer `fields`"
                    )
                break
            except urllib.error.HTTPError as exc:
                if exc.code not in _RETRIED or attempt >= policy.retries:
                    raise _refusal(exc, address, attempt) from None
                _sleep(_wait(exc.headers.get("Retry-After"), attempt, policy, address))
                attempt += 1
            except (urllib.error.URLError, OSError) as exc:
                reason = getattr(exc, "reason", exc)
                raise FetchError(f"Jira did not answer {_shown(address)}: {reason}") from None
        try:
            return json.loads(body.decode("utf-8-sig"))
        except (UnicodeDecodeError, ValueError, RecursionError) as exc:
            raise FetchError(
                f"Jira answered {_shown(address)} with something other than JSON ({exc})"
            ) from None


def _shown(address: str) -> str:
    """An address for messages: the query (the JQL) shortened."""
    return address if len(address) <= 160 else address[:157] + "..."


def _wait(header: str | None, attempt: int, policy: _Retry, address: str) -> float:
    """Seconds to wait before retry `attempt` + 1: the server's Retry-After, else 2**attempt."""
    asked = _retry_after(header)
    wait = float(2**attempt) if asked is None else asked
    if asked is not None and asked > policy.max_wait:
        raise FetchError(
            f"Jira asked to wait {asked:g} s before retrying {_shown(address)}, longer than "
            f"`max_wait` ({policy.max_wait:g} s)"
        )
    return min(wait, policy.max_wait)


def _retry_after(header: str | None) -> float | None:
    """A Retry-After header in seconds: delay-seconds or an HTTP date; None if unreadable."""
    if header is None:
        return None
    text = header.strip()
    if text.isdigit():
        return float(text)
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, when.timestamp() - time.time())


def _refusal(exc: urllib.error.HTTPError, address: str, attempt: int) -> FetchError:
    """The error for an HTTP error status, with Jira's own messages when it gave some."""
    said = _jira_messages(exc)
    detail = f": {'; '.join(said)}" if said else ""
    hint = {
        401: " (check `token`, and `user` on Jira Cloud)",
        403: " (the account may not browse these issues)",
        404: " (check `url` and `api`)",
        429: f" (still rate-limited after {attempt} retries)",
        503: f" (still unavailable after {attempt} retries)",
    }.get(exc.code, "")
    return FetchError(
        f"Jira answered {exc.code} {exc.reason} to {_shown(address)}{hint}{detail}",
        status=exc.code,
    )


def _jira_messages(exc: urllib.error.HTTPError) -> list[str]:
    """The ``errorMessages`` and ``errors`` of Jira's error body, if it sent one."""
    try:
        body = json.loads(exc.read(_MAX_ERROR_BODY).decode("utf-8", "replace"))
    except (ValueError, OSError, RecursionError):
        return []
    if not isinstance(body, dict):
        return []
    messages = body.get("errorMessages")
    errors = body.get("errors")
    out = [str(m) for m in messages] if isinstance(messages, list) else []
    if isinstance(errors, dict):
        out += [f"{k}: {v}" for k, v in errors.items()]
    return [m[:300] for m in out[:5]]


# ------------------------------------------------------------------------- paging
@attrs.frozen
class _Search:
    request: _Request
    policy: _Retry
    api: str
    jql: str
    fields: str
    size: int
    max_pages: int

    def pages(self) -> list[dict[str, Any]]:
        pages: list[dict[str, Any]] = []
        query: dict[str, Any] = {
            "jql": self.jql,
            "expand": "changelog",
            "fields": self.fields,
            "maxResults": self.size,
        }
        route = "/rest/api/3/search/jql" if self.api == "cloud" else "/rest/api/2/search"
        cursor: Any = 0 if self.api == "server" else None
        seen: set[Any] = set()
        while True:
            if len(pages) >= self.max_pages:
                raise FetchError(
                    f"the search did not end after `max_pages` ({self.max_pages}) pages"
                )
            if self.api == "server":
                query["startAt"] = cursor
            elif cursor is not None:
                query["nextPageToken"] = cursor
            address = self.request.url(route, query)
            page = _page(self.request.get(address, self.policy), address, len(pages))
            pages.append(page)
            cursor = self._next(page, cursor)
            if cursor is None:
                return pages
            if cursor in seen:
                raise FetchError(
                    f"Jira gave the same next page twice ({cursor!r}) for {_shown(address)}"
                )
            seen.add(cursor)

    def _next(self, page: dict[str, Any], cursor: Any) -> Any:
        """Where the next page starts, or None after the last."""
        issues = page["issues"]
        if self.api == "cloud":
            token = page.get("nextPageToken")
            return None if page.get("isLast") is True or not token else token
        total = page.get("total")
        start = cursor + len(issues)
        if not issues or (isinstance(total, int) and start >= total):
            return None
        return start


def _page(body: Any, address: str, k: int) -> dict[str, Any]:
    if not isinstance(body, dict) or not isinstance(body.get("issues"), list):
        raise FetchError(
            f"page {k} from {_shown(address)} is not a search result (no `issues` array)"
        )
    return body


def _complete_changelog(request: _Request, policy: _Retry, issue: Any, max_pages: int) -> None:
    """Fetch the histories a Cloud search left out of an issue's changelog.

    At most `max_pages` pages per issue: a server whose ``total`` never comes is an error.
    """
    if not isinstance(issue, dict) or not isinstance(issue.get("changelog"), dict):
        return
    changelog = issue["changelog"]
    histories = changelog.get("histories")
    total = changelog.get("total")
    if not isinstance(histories, list) or not isinstance(total, int) or total <= len(histories):
        return
    key = urllib.parse.quote(str(issue.get("key") or issue.get("id")), safe="")
    everything: list[Any] = []
    requests = 0
    while len(everything) < total:
        if requests >= max_pages:
            raise FetchError(
                f"the changelog of {issue.get('key')!r:.40} did not end after `max_pages` "
                f"({max_pages}) pages ({len(everything):,} of {total:,} histories)"
            )
        requests += 1
        address = request.url(
            f"/rest/api/3/issue/{key}/changelog",
            {"startAt": len(everything), "maxResults": _CHANGELOG_PAGE},
        )
        body = request.get(address, policy)
        values = body.get("values") if isinstance(body, dict) else None
        if not isinstance(values, list):
            raise FetchError(f"{_shown(address)} is not a page of changelogs (no `values` array)")
        everything.extend(values)
        if not values or body.get("isLast") is True:
            break
    n = len(everything)
    changelog.update(startAt=0, maxResults=n, total=n, histories=everything)


def _check_path(path: object) -> None:
    """A path to write to, checked before any request: its folder must exist."""
    if path is None:
        return
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"`path` must be a path or None, got {type(path).__name__}")
    target = Path(path)
    if not str(path) or not target.parent.is_dir() or target.is_dir():
        raise ValidationError(
            f"cannot write `path` {str(path)[:200]!r}: not a file in an existing folder"
        )


def _save(pages: list[dict[str, Any]], path: str | os.PathLike[str]) -> None:
    """Write the pages as one JSON array, atomically (a temporary file renamed)."""
    target = Path(path)
    try:
        fd, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    except OSError as exc:
        raise ValidationError(f"cannot write `path` {target}: {exc.strerror or exc}") from exc
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(pages, handle, ensure_ascii=False)
        os.replace(name, target)
    except OSError as exc:
        Path(name).unlink(missing_ok=True)
        raise ValidationError(f"cannot write `path` {target}: {exc.strerror or exc}") from exc
