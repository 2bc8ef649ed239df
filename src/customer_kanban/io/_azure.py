"""Azure DevOps work-item updates or revisions (REST JSON) into a :class:`WorkItemTable`."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import IO, Any

import attrs
import numpy as np
import numpy.typing as npt

from customer_kanban.errors import ValidationError
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

__all__ = ["read_azure_devops"]

I64 = npt.NDArray[np.int64]
Mask = npt.NDArray[np.bool_]
_INT64 = 1 << 63
_CHANGED = "System.ChangedDate"
_CREATED = "System.CreatedDate"
_NEITHER = "is neither a list response (with `value` or `values`) nor an update or revision"


def read_azure_devops(
    source: str | os.PathLike[str] | IO[Any] | Mapping[str, Any] | list[Any],
    *,
    workflow: Workflow,
    fields: Mapping[str, str] | None = None,
    state_map: Mapping[str, str] | None = None,
    state: str = "System.State",
    blocked: str | None = "Microsoft.VSTS.CMMI.Blocked",
    input_limit: int = JSON_LIMIT,
) -> EventLogResult:
    """Read Azure DevOps work-item updates or revisions into a table.

    Parameters
    ----------
    source : str, os.PathLike, open file, dict or list
        The JSON of the Work Item Tracking REST API: ``Updates - List``
        (``_apis/wit/workItems/{id}/updates``: each update holds the changed fields as
        ``{"oldValue", "newValue"}``), ``Revisions - List``
        (``_apis/wit/workItems/{id}/revisions``: each revision holds every field), or
        ``Reporting Work Item Revisions`` (``_apis/wit/reporting/workitemrevisions``,
        many items in one batch); one response (an object with ``value`` or
        ``values``), a list of responses (one per work item, or pages), or a list of
        updates or revisions.  A path or an open file of that JSON, or the parsed
        object.
    workflow : Workflow
        The states, in order, with the commitment and delivery points.
    fields : mapping of str to str, optional
        Table field -> field reference name, e.g. ``{"class_of_service":
        "Microsoft.VSTS.Common.Priority", "customer": "Custom.Customer"}``.  Each
        item takes the field's value in its latest update or revision (a field
        cleared there has none).  Identities (``System.AssignedTo``) give their
        ``displayName``; numbers their JSON text.  A field no item has is an error (a
        misspelt name).  Default: none.
    state_map : mapping of str to str, optional
        State -> workflow state, for states whose name is not one.
    state : str, optional
        The field whose changes are the workflow: ``System.State`` (default), or
        ``System.BoardColumn`` to follow the board's columns.
    blocked : str or None, optional
        A field whose value ``"Yes"`` means blocked: ``Microsoft.VSTS.CMMI.Blocked``
        (the CMMI process's *Blocked* field) by default; ``None`` reads no blocks.
    input_limit : int, optional
        Largest JSON input, in bytes (default 4 GiB); the document is read whole.

    Returns
    -------
    EventLogResult
        As :func:`read_event_log` returns it, its rows being **state events**: each
        update that changes `state`, each revision whose `state` differs from the
        item's previous revision (and each item's first revision).  ``n_rows`` counts
        them, ``n_accepted + len(rejected) == n_rows``; ``rejected.rows`` number them
        in the order of the updates or revisions in the source.  Item ids are text
        (``"4711"``).  The table holds the blocked intervals read from `blocked`.

    Raises
    ------
    customer_kanban.errors.ValidationError
        The file is missing or not JSON; the document is not updates or revisions (the
        message gives the path of the first value not as expected, e.g.
        ``value[3].fields``), or a mapped field is in no update or revision.
    TypeError
        Arguments of the wrong type, or JSON values of the wrong kind (with their path).

    Warns
    -----
    customer_kanban.errors.RejectedRowsWarning
        When state events are rejected (an unknown state, a missing instant).

    Notes
    -----
    An update's instant is the ``newValue`` of its ``System.ChangedDate`` (its
    ``revisedDate`` is when the *next* update superseded it: ``9999-01-01`` for the
    latest).  A revision's instant is its ``System.ChangedDate``; an item's first
    revision enters its state at ``System.CreatedDate``, so ``requested_at`` is the
    creation.  Updates and revisions are taken in the order of ``rev``, whatever
    order the source lists them in.  From then on the rules of
    :func:`read_event_log` apply.

    Examples
    --------
    >>> from customer_kanban.model import Workflow
    >>> wf = Workflow(["New", "Active", "Resolved", "Closed"], "Active", "Resolved")
    >>> updates = {"count": 2, "value": [
    ...     {"id": 1, "workItemId": 42, "rev": 1, "revisedDate": "2024-03-05T10:00:00Z",
    ...      "fields": {"System.State": {"newValue": "New"},
    ...                 "System.CreatedDate": {"newValue": "2024-03-04T09:00:00Z"},
    ...                 "System.ChangedDate": {"newValue": "2024-03-04T09:00:00Z"},
    ...                 "Microsoft.VSTS.Common.Priority": {"newValue": 2}}},
    ...     {"id": 2, "workItemId": 42, "rev": 2, "revisedDate": "9999-01-01T00:00:00Z",
    ...      "fields": {"System.State": {"oldValue": "New", "newValue": "Active"},
    ...                 "System.ChangedDate": {"oldValue": "2024-03-04T09:00:00Z",
    ...                                        "newValue": "2024-03-05T10:00:00Z"}}}]}
    >>> result = read_azure_devops(
    ...     updates, workflow=wf,
    ...     fields={"class_of_service": "Microsoft.VSTS.Common.Priority"})
    >>> t = result.table
    >>> t["id"].tolist(), t["class_of_service"].tolist()
    (['42'], ['2'])
    >>> print(t["requested_at"][0], t["committed_at"][0])
    2024-03-04T09:00:00.000000000 2024-03-05T10:00:00.000000000
    """
    wf = check_workflow(workflow)
    targets = [] if fields is None else check_fields(fields)
    state_map = check_state_map(state_map)
    state_field = check_name(state, "state")
    blocked = check_name(blocked, "blocked", optional=True)
    data, label = load_json(source, input_limit=input_limit, what="the Azure DevOps updates")
    records = _records(data)
    spec = _Spec(state_field or "", blocked, targets)
    rows = _Rows.gather(records, spec)
    events, blocks = rows.events(spec)
    result = read_events(
        events,
        workflow=wf,
        targets=[t for t, _ in targets],
        state_map=state_map,
        blocks=blocks,
    )
    if len(result.rejected):
        warn_rejected(
            result.rejected.rows, result.rejected.reasons, result.n_rows, f"{label} (state events)"
        )
    return result


def _records(data: Any) -> list[Walk]:
    """Every update or revision of a response, a list of responses or a list of records."""
    root = Walk(data, "")
    if isinstance(data, Mapping):
        return _page(root)
    out: list[Walk] = []
    for element in root.items():
        value = element.obj()
        if "value" in value or "values" in value:
            out.extend(_page(element))
        elif "fields" in value:
            out.append(element)
        else:
            raise element.refuse(_NEITHER)
    return out


def _page(page: Walk) -> list[Walk]:
    value = page.obj()
    for key in ("value", "values"):
        if key in value:
            return page.get(key).items()
    if "fields" in value:
        return [page]
    raise page.refuse(_NEITHER)


@attrs.frozen
class _Spec:
    state: str
    blocked: str | None
    targets: list[tuple[str, str]]


@attrs.define
class _Rows:
    """One row per update or revision, in the order of the source."""

    item: list[str] = attrs.Factory(list)
    rev: list[int] = attrs.Factory(list)
    is_update: list[bool] = attrs.Factory(list)
    has_state: list[bool] = attrs.Factory(list)
    state: list[str | None] = attrs.Factory(list)
    at: list[str | None] = attrs.Factory(list)
    created: list[str | None] = attrs.Factory(list)
    path: list[str] = attrs.Factory(list)
    # per mapped field (and the blocked field last): whether the row sets it, and to what
    sets: list[list[bool]] = attrs.Factory(list)
    values: list[list[str | None]] = attrs.Factory(list)
    state_found: bool = False

    @classmethod
    def gather(cls, records: list[Walk], spec: _Spec) -> _Rows:
        rows = cls()
        watched = [origin for _, origin in spec.targets]
        if spec.blocked is not None:
            watched.append(spec.blocked)
        rows.sets = [[] for _ in watched]
        rows.values = [[] for _ in watched]
        for record in records:
            rows.add(record, spec.state, watched)
        if records and not rows.state_found:
            raise ValidationError(
                f"`state` field {spec.state!r} is in no update or revision; the workflow's "
                "field is System.State (or System.BoardColumn)"
            )
        found = [any(s) for s in rows.sets[: len(spec.targets)]]
        missing = [o for (_, o), f in zip(spec.targets, found, strict=True) if not f]
        if records and missing:
            raise ValidationError(
                f"`fields` names fields that no update or revision has: {missing}; check "
                "their reference names (Custom.Name, Microsoft.VSTS.Common.Priority)"
            )
        return rows

    def add(self, record: Walk, state: str, watched: list[str]) -> None:
        value = record.obj()
        update = "workItemId" in value
        item = record.need("workItemId" if update else "id")
        if isinstance(item.value, bool) or not isinstance(item.value, (int, str)):
            raise TypeError(f"`source`: {item.path} must be a number or a string")
        rev = record.need("rev")
        if isinstance(rev.value, bool) or not isinstance(rev.value, int):
            raise TypeError(f"`source`: {rev.path} must be a whole number")
        _check_range(item)
        _check_range(rev)
        fields = record.get("fields")
        members = {} if fields.value is None and update else fields.obj()
        self.state_found |= state in members
        self.item.append(str(item.value))
        self.rev.append(rev.value)
        self.is_update.append(update)
        self.path.append(record.path)
        if update:
            self._update(fields, members, state, watched)
        else:
            self._revision(fields, members, state, watched)

    def _update(
        self, fields: Walk, members: Mapping[str, Any], state: str, watched: list[str]
    ) -> None:
        self.has_state.append(state in members)
        self.state.append(_new_value(fields, state) if state in members else None)
        self.at.append(_new_value(fields, _CHANGED) if _CHANGED in members else None)
        self.created.append(None)
        for k, origin in enumerate(watched):
            self.sets[k].append(origin in members)
            self.values[k].append(_new_value(fields, origin) if origin in members else None)

    def _revision(
        self, fields: Walk, members: Mapping[str, Any], state: str, watched: list[str]
    ) -> None:
        self.has_state.append(True)
        self.state.append(field_text(fields.get(state)))
        self.at.append(fields.text_of(_CHANGED))
        self.created.append(fields.text_of(_CREATED))
        for k, origin in enumerate(watched):
            self.sets[k].append(True)  # a revision holds every field: absent = empty
            self.values[k].append(field_text(fields.get(origin)))

    def events(self, spec: _Spec) -> tuple[Events, Blocks | None]:
        """The state events (in the order of the source) and the blocked intervals."""
        n = len(self.item)
        keys, code = np.unique(np.array(self.item, dtype=str), return_inverse=True)
        code = code.astype(np.int64).reshape(-1)
        order = np.lexsort((np.arange(n), np.asarray(self.rev, np.int64), code))
        first = np.ones(n, bool)
        first[1:] = code[order][1:] != code[order][:-1]
        states = np.array([s or "" for s in self.state], dtype=object)[order]
        differs = np.ones(n, bool)
        differs[1:] = states[1:] != states[:-1]
        is_update = np.asarray(self.is_update, bool)[order]
        emit = np.empty(n, bool)
        emit[order] = np.where(is_update, np.asarray(self.has_state, bool)[order], first | differs)
        is_first = np.empty(n, bool)
        is_first[order] = first
        at = [
            self.created[j] if is_first[j] and not self.is_update[j] else self.at[j]
            for j in range(n)
        ]
        events = Events(keys=keys.tolist())
        for j in np.flatnonzero(emit).tolist():
            events.add(int(code[j]), self.state[j], at[j])
        sorted_code = code[order]
        for k, (target, _) in enumerate(spec.targets):
            last = _last_set(sorted_code, np.asarray(self.sets[k], bool)[order], keys.size)
            events.values[target] = [
                None if p < 0 else self.values[k][int(order[p])] for p in last.tolist()
            ]
        if spec.blocked is None:
            return events, None
        return events, self._blocks(order, sorted_code, at, len(spec.targets))

    def _blocks(self, order: I64, sorted_code: I64, at: list[str | None], k: int) -> Blocks:
        """Blocked intervals: from a row setting the field to "Yes" to one setting it otherwise."""
        sets = np.asarray(self.sets[k], bool)[order]
        rows = order[sets]
        owners = sorted_code[sets]
        ns, ok = parse_instants([at[j] for j in rows.tolist()])
        blocks = Blocks()
        open_at: dict[int, int] = {}
        for r, owner, t, good in zip(
            rows.tolist(), owners.tolist(), ns.tolist(), ok.tolist(), strict=True
        ):
            is_blocked = (self.values[k][r] or "").strip().lower() == "yes"
            if is_blocked == (owner in open_at):
                continue
            if not good:
                raise ValidationError(
                    f"`source`: {self.path[r]} changes the blocked field but has no ISO 8601 "
                    f"{_CHANGED}"
                )
            if is_blocked:
                open_at[owner] = t
            else:
                blocks.add(owner, open_at.pop(owner), t, None)
        for owner, start in open_at.items():
            blocks.add(owner, start, None, None)
        return blocks


def _check_range(number: Walk) -> None:
    """An id or a revision number: whole numbers in [0, 2**63) (text ids pass)."""
    value = number.value
    if isinstance(value, int) and not 0 <= value < _INT64:
        got = value if abs(value) < _INT64 else f"a {value.bit_length()}-bit number"
        raise number.refuse(f"must be a whole number from 0 to 2**63 - 1; got {got}")


def _new_value(fields: Walk, name: str) -> str | None:
    """The ``newValue`` of an update's field, as text (``None`` when cleared)."""
    change = fields.get(name)
    change.obj()
    return field_text(change.get("newValue"))


def _last_set(code: I64, sets: Mask, n_items: int) -> I64:
    """Per item, the last sorted row that sets the field (-1: none)."""
    out = np.full(n_items, -1, dtype=np.int64)
    pos = np.flatnonzero(sets)
    if not pos.size:
        return out
    c = code[pos]
    last = np.ones(pos.size, bool)
    last[:-1] = c[1:] != c[:-1]
    out[c[last]] = pos[last]
    return out
