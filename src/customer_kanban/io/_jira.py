"""Jira's REST search results (``expand=changelog``) into a :class:`WorkItemTable`."""

from __future__ import annotations

import os
import warnings
from collections.abc import Mapping
from typing import IO, Any

import numpy as np
import numpy.typing as npt

from customer_kanban.errors import CustomerKanbanWarning, ValidationError
from customer_kanban.io._event_log import EventLogResult
from customer_kanban.io._json import JSON_LIMIT, Walk, load_json
from customer_kanban.io._source import warn_rejected
from customer_kanban.io._tracker import (
    Blocks,
    Events,
    check_fields,
    check_name,
    check_state_map,
    check_workflow,
    field_text,
    parse_instants,
    read_events,
)
from customer_kanban.model import Workflow

__all__ = ["read_jira"]

I64 = npt.NDArray[np.int64]
_HINT = "; search with expand=changelog"


def read_jira(
    source: str | os.PathLike[str] | IO[Any] | Mapping[str, Any] | list[Any],
    *,
    workflow: Workflow,
    fields: Mapping[str, str] | None = None,
    state_map: Mapping[str, str] | None = None,
    flag: str | None = "Flagged",
    input_limit: int = JSON_LIMIT,
) -> EventLogResult:
    """Read Jira issues with their changelogs (REST search, ``expand=changelog``) into a table.

    Parameters
    ----------
    source : str, os.PathLike, open file, dict or list
        The JSON of Jira's issue search with ``expand=changelog``: Jira Cloud's
        ``/rest/api/3/search/jql`` (or ``/rest/api/3/search``) or Jira Server / Data
        Center's ``/rest/api/2/search``; one response (an object with ``issues``),
        a list of responses (the pages, as :func:`fetch_jira` returns them), a list
        of issues, or one issue (``/rest/api/2/issue/KEY?expand=changelog``).  A
        path or an open file of that JSON, or the parsed object.
    workflow : Workflow
        The states, in order, with the commitment and delivery points.  Jira's
        status names are the states (after `state_map`).
    fields : mapping of str to str, optional
        Table field -> Jira field id, e.g. ``{"class_of_service": "priority",
        "customer": "customfield_10010"}``.  Each item takes the issue's current
        value of the field (``fields`` of the issue).  Options give their
        ``value``, users their ``displayName``, other objects (priority, issue type,
        components) their ``name`` (else ``key``); arrays give their values joined
        by ``|``; numbers their JSON text.  A field no issue has is an error (a
        misspelt id).  Default: ``{"resolution": "resolution"}`` when the issues
        carry their resolution (the field is left out otherwise).
    state_map : mapping of str to str, optional
        Jira status -> workflow state, for statuses whose name is not a state
        (``{"Waiting for customer": "In Progress"}``).
    flag : str or None, optional
        Name (or id) of the field whose changes flag an issue as blocked: Jira's
        ``Flagged`` by default; ``None`` reads no blocks.
    input_limit : int, optional
        Largest JSON input, in bytes (default 4 GiB); the document is read whole.

    Returns
    -------
    EventLogResult
        As :func:`read_event_log` returns it, its rows being the issues' **status
        events**: each issue's creation (in its first status, at ``created``) and
        each change of ``status`` in its changelog.  ``n_rows`` counts them and
        ``n_accepted + len(rejected) == n_rows``; ``rejected.rows`` number them issue
        by issue in the order of the source, each issue's creation first, then its
        status changes in the order its changelog lists them.  The table holds the
        blocked intervals read from the flag.

    Raises
    ------
    customer_kanban.errors.ValidationError
        The file is missing or not JSON; the document is not a search result (the
        message gives the path of the first value that is not as expected, e.g.
        ``issues[3].changelog.histories[0].items``), an issue has no changelog (the
        search lacked ``expand=changelog``), or a mapped field is in no issue.
    TypeError
        Arguments of the wrong type, or JSON values of the wrong kind (with their path).

    Warns
    -----
    customer_kanban.errors.RejectedRowsWarning
        When status events are rejected (an unknown status, a missing key or instant).
    customer_kanban.errors.CustomerKanbanWarning
        When a changelog holds fewer histories than its ``total`` (Jira Cloud's search
        returns at most 100 per issue; :func:`fetch_jira` fetches the rest).

    Notes
    -----
    As jira-agile-metrics does, an issue enters its first status at ``created``: the
    status before its earliest status change (``fromString``), or its current status
    when it never changed.  The changelog's histories are taken in the order of their
    ``created`` instant, whatever order the server lists them in; offsets such as
    ``+1100`` are converted to UTC.  From then on the rules of
    :func:`read_event_log` apply: ``requested_at`` is the creation, ``committed_at``
    and ``delivered_at`` the first entry into the commitment and delivery points or
    any later state, repeated statuses are merged.

    The flag: a change of `flag` to a value (``"Impediment"``) opens a blocked
    interval, its reason that value; a change to no value closes it; an interval
    still open has no end (NaT).  An issue whose first flag change clears a flag was
    flagged when created.  Blocks of an issue with no accepted status event are
    dropped with the issue (its events are in ``rejected``).

    Examples
    --------
    >>> from customer_kanban.model import Workflow
    >>> wf = Workflow(["To Do", "In Progress", "Done"], "In Progress", "Done")
    >>> page = {"startAt": 0, "maxResults": 50, "total": 1, "issues": [{
    ...     "key": "KAN-1",
    ...     "fields": {"created": "2024-03-04T09:00:00.000+0100",
    ...                "status": {"name": "Done"}, "priority": {"name": "High"},
    ...                "resolution": {"name": "Done"}},
    ...     "changelog": {"startAt": 0, "maxResults": 2, "total": 2, "histories": [
    ...         {"created": "2024-03-06T17:30:00.000+0100",
    ...          "items": [{"field": "status", "fromString": "In Progress",
    ...                     "toString": "Done"}]},
    ...         {"created": "2024-03-05T10:00:00.000+0100",
    ...          "items": [{"field": "status", "fromString": "To Do",
    ...                     "toString": "In Progress"}]}]}}]}
    >>> result = read_jira(page, workflow=wf,
    ...                    fields={"class_of_service": "priority", "resolution": "resolution"})
    >>> t = result.table
    >>> t["id"].tolist(), t["class_of_service"].tolist(), t["resolution"].tolist()
    (['KAN-1'], ['High'], ['Done'])
    >>> print(t["requested_at"][0], t["delivered_at"][0])
    2024-03-04T08:00:00.000000000 2024-03-06T16:30:00.000000000
    >>> result.n_rows, result.n_accepted
    (3, 3)
    """
    wf = check_workflow(workflow)
    targets = None if fields is None else check_fields(fields)
    state_map = check_state_map(state_map)
    flag = check_name(flag, "flag", optional=True)
    data, label = load_json(source, input_limit=input_limit, what="the Jira issues")
    issues = _issues(data)
    if targets is None:
        targets = [("resolution", "resolution")] if _has_resolution(issues) else []
    gathered = _Gathered(targets, flag)
    for k, issue in enumerate(issues):
        gathered.issue(k, issue)
    gathered.check_fields_found(len(issues))
    gathered.warn_truncated()
    order, blocks = gathered.finish()
    result = read_events(
        gathered.events,
        workflow=wf,
        targets=[t for t, _ in targets],
        state_map=state_map,
        order=order,
        blocks=blocks,
    )
    if len(result.rejected):
        warn_rejected(
            result.rejected.rows, result.rejected.reasons, result.n_rows, f"{label} (status events)"
        )
    return result


def _has_resolution(issues: list[Walk]) -> bool:
    """Whether any issue carries its resolution (even null: the search asked for it)."""
    for issue in issues:
        fields = issue.value.get("fields") if isinstance(issue.value, Mapping) else None
        if isinstance(fields, Mapping) and "resolution" in fields:
            return True
    return False


def _issues(data: Any) -> list[Walk]:
    """Every issue of a page, a list of pages, a list of issues or one issue."""
    root = Walk(data, "")
    if isinstance(data, Mapping):
        if "issues" in data:
            return root.get("issues").items()
        if "key" in data and "fields" in data:
            return [root]
        raise root.refuse("is neither a search result (with `issues`) nor an issue")
    out: list[Walk] = []
    for element in root.items():
        page = element.obj()
        if "issues" in page:
            out.extend(element.get("issues").items())
        elif "key" in page or "fields" in page:
            out.append(element)
        else:
            raise element.refuse("is neither a search result (with `issues`) nor an issue")
    return out


class _Gathered:
    """The status events, flag changes and field values of the issues, as they are read."""

    def __init__(self, targets: list[tuple[str, str]], flag: str | None) -> None:
        self.targets = targets
        self.flag = flag
        self.events = Events(values={t: [] for t, _ in targets})
        self.found = dict.fromkeys((t for t, _ in targets), False)
        self.created: list[str | None] = []
        self.current: list[str | None] = []
        # status changes: owner, instant text, from, to (events hold the "to" side)
        self.change_owner: list[int] = []
        self.change_from: list[str | None] = []
        # flag changes: owner, instant text, from, to, and the history (for messages)
        self.flags: list[tuple[int, str | None, str | None, str | None, Walk]] = []
        self.truncated: list[str] = []

    def issue(self, k: int, issue: Walk) -> None:
        issue.obj()
        key = issue.text_of("key")
        fields = issue.need("fields")
        fields.obj()
        self.events.keys.append(key)
        self.created.append(fields.text_of("created"))
        status = fields.get("status")
        self.current.append(None if status.value is None else field_text(status))
        for target, origin in self.targets:
            value = fields.get(origin)
            if isinstance(fields.value, Mapping) and origin in fields.value:
                self.found[target] = True
            self.events.values[target].append(field_text(value))
        changelog = issue.need("changelog", _HINT)
        histories = changelog.need("histories", _HINT).items()
        total = changelog.get("total").value
        if isinstance(total, int) and not isinstance(total, bool) and total > len(histories):
            self.truncated.append(f"{issue.path} ({key}: {len(histories)} of {total})")
        for history in histories:
            self._history(k, history)

    def _history(self, k: int, history: Walk) -> None:
        history.obj()
        created = history.text_of("created")
        for item in history.need("items").items():
            item.obj()
            field = item.text_of("field")
            field_id = item.text_of("fieldId")
            if "status" in (field, field_id):
                self.change_owner.append(k)
                self.change_from.append(item.text_of("fromString"))
                self.events.add(k, item.text_of("toString"), created)
            elif self.flag is not None and self.flag in (field, field_id):
                self.flags.append(
                    (
                        k,
                        created,
                        item.text_of("fromString"),
                        item.text_of("toString"),
                        history,
                    )
                )

    def check_fields_found(self, n_issues: int) -> None:
        missing = [origin for target, origin in self.targets if not self.found[target]]
        if n_issues and missing:
            raise ValidationError(
                f"`fields` names Jira fields that no issue has: {missing}; ask the search for "
                "them (its `fields` parameter) or check their ids (customfield_NNNNN)"
            )

    def warn_truncated(self) -> None:
        if not self.truncated:
            return
        shown = "; ".join(self.truncated[:3]) + ("; ..." if len(self.truncated) > 3 else "")
        warnings.warn(
            CustomerKanbanWarning(
                f"{len(self.truncated)} changelogs hold fewer histories than their total, so "
                f"their earliest status changes are missing: {shown}; fetch_jira fetches the "
                "rest of each changelog"
            ),
            stacklevel=3,
        )

    def finish(self) -> tuple[I64, Blocks]:
        """Add each issue's creation event; the order of the events; the blocks."""
        changes = len(self.change_owner)
        n = len(self.events.keys)
        owner = np.asarray(self.change_owner, dtype=np.int64)
        ns, ok = parse_instants(self.events.at[:changes])
        first = _earliest_per_owner(owner, np.where(ok, ns, np.iinfo(np.int64).max), n)
        for k in range(n):
            c = int(first[k])
            state = self.change_from[c] if c >= 0 else self.current[k]
            self.events.add(k, state, self.created[k])
        # Issue by issue: its creation, then its changes in changelog order.
        owners = np.asarray(self.events.owner, dtype=np.int64)
        rank = np.concatenate((np.arange(changes) + 1, np.zeros(n, np.int64)))
        order = np.lexsort((rank, owners)).astype(np.int64)
        return order, self._blocks()

    def _blocks(self) -> Blocks:
        blocks = Blocks()
        if not self.flags:
            return blocks
        ns, ok = parse_instants([f[1] for f in self.flags])
        bad = np.flatnonzero(~ok)
        if bad.size:
            history = self.flags[int(bad[0])][4]
            raise history.refuse("changes the flag but its `created` is not an ISO 8601 instant")
        order = np.lexsort((ns, np.array([f[0] for f in self.flags], dtype=np.int64)))
        open_at: dict[int, tuple[int, str | None]] = {}
        seen: set[int] = set()
        for j in order.tolist():
            owner, _, before, after, _ = self.flags[j]
            if owner not in seen and before and owner not in open_at:
                open_at[owner] = (self._created_ns(owner), before)  # flagged when created
            seen.add(owner)
            if after and owner not in open_at:
                open_at[owner] = (int(ns[j]), after)
            elif not after and owner in open_at:
                start, reason = open_at.pop(owner)
                blocks.add(owner, start, int(ns[j]), reason)
        for owner, (start, reason) in open_at.items():
            blocks.add(owner, start, None, reason)
        return blocks

    def _created_ns(self, owner: int) -> int:
        ns, ok = parse_instants([self.created[owner]])
        if not ok[0]:
            raise ValidationError(
                f"`source`: the issue {self.events.keys[owner]!r} was flagged when created but "
                "its `created` is not an ISO 8601 instant"
            )
        return int(ns[0])


def _earliest_per_owner(owner: I64, ns: I64, n: int) -> I64:
    """Position of each owner's earliest row (ties: the first listed); -1 for none."""
    out = np.full(n, -1, dtype=np.int64)
    if not owner.size:
        return out
    order = np.lexsort((np.arange(owner.size), ns, owner))
    first = np.ones(order.size, bool)
    first[1:] = owner[order][1:] != owner[order][:-1]
    out[owner[order][first]] = order[first]
    return out
