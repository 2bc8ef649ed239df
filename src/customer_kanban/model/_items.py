"""Work items as the customer sees them: requested, committed, delivered."""

from __future__ import annotations

import datetime as _dt
import itertools
from collections.abc import Iterable

import attrs

from customer_kanban._core.serialize import Serializable
from customer_kanban.model._checks import (
    as_bool,
    as_dict,
    as_tuple,
    flag,
    instant,
    mapping,
    non_empty_str,
    opt_utc,
    optional_instance_of,
    optional_instant,
    optional_non_empty_str,
    raise_if,
    to_utc,
    tuple_of,
)

__all__ = ["BlockedInterval", "Transition", "WorkItem", "WorkType"]


@attrs.frozen
class WorkType(Serializable):
    """A kind of work item, and whether the customer would recognise it as their request.

    Examples
    --------
    >>> WorkType("Change request", customer_recognisable=True)
    WorkType(name='Change request', customer_recognisable=True)
    """

    name: str = attrs.field(validator=non_empty_str)
    customer_recognisable: bool = attrs.field(
        default=True, kw_only=True, converter=as_bool, validator=flag
    )


@attrs.frozen
class Transition(Serializable):
    """Entry of a work item into a workflow state at an instant, optionally in a department.

    Examples
    --------
    >>> import datetime as dt
    >>> Transition("Doing", dt.datetime(2024, 1, 2, 9), department="Support").at.isoformat()
    '2024-01-02T09:00:00+00:00'
    """

    state: str = attrs.field(validator=non_empty_str)
    at: _dt.datetime = attrs.field(converter=to_utc, validator=instant)
    department: str | None = attrs.field(
        default=None, kw_only=True, validator=optional_non_empty_str
    )


@attrs.frozen
class BlockedInterval(Serializable):
    """A period during which a work item was blocked; ``end=None`` means still blocked."""

    start: _dt.datetime = attrs.field(converter=to_utc, validator=instant)
    end: _dt.datetime | None = attrs.field(
        default=None, converter=opt_utc, validator=optional_instant
    )
    reason: str | None = attrs.field(default=None, kw_only=True, validator=optional_non_empty_str)

    def __attrs_post_init__(self) -> None:
        raise_if(
            self.end is not None and self.end < self.start,
            "`end` must not be before `start` in a blocked interval",
        )


def _transitions(values: Iterable[Transition]) -> tuple[Transition, ...]:
    return as_tuple(values)


def _blocked(values: Iterable[BlockedInterval]) -> tuple[BlockedInterval, ...]:
    return as_tuple(values)


@attrs.frozen(kw_only=True)
class WorkItem(Serializable):
    """One customer request and its path through the workflow.

    Parameters
    ----------
    id : str
        Unique identifier.
    requested_at : datetime
        When the customer made the request: customer lead time starts here.
    committed_at : datetime, optional
        When the service committed to it (crossed the commitment point).
    delivered_at : datetime, optional
        When it was delivered; ``None`` while in progress.
    due_at : datetime, optional
        Due date, for fixed-date work.
    customer : str, optional
        Identifier of the requesting customer.
    segment : str, optional
        Customer segment.
    work_type : WorkType, optional
    class_of_service : str, optional
        Name of a class of service of the policy.
    transitions : sequence of Transition, optional
        Entries into workflow states, in time order; backward moves are kept.
    blocked : sequence of BlockedInterval, optional
        Blocked periods, in order of start.
    attributes : mapping of str to str, optional
        Other descriptive fields (e.g. priority), kept as text.

    Raises
    ------
    customer_kanban.errors.ValidationError
        If committed is before requested, delivered before committed, delivered
        without a commitment, transitions or blocked intervals out of time order,
        `requested_at` missing (``NaT``), an instant outside the range of
        ``datetime64[ns]`` (1677-09-21 to 2262-04-11, the tables' instants), or an id
        or label holding a NUL character.
    TypeError
        If a field has the wrong type (the message names it).

    Notes
    -----
    Datetimes are stored aware, in UTC; naive ones are taken to be UTC.  In the
    optional instants, ``None``, ``NaT`` and ``NaN`` all mean "missing" (stored as
    ``None``, serialised as ``null``).

    Examples
    --------
    >>> import datetime as dt
    >>> item = WorkItem(id="A-1", requested_at=dt.datetime(2024, 1, 1),
    ...                 committed_at=dt.datetime(2024, 1, 3),
    ...                 delivered_at=dt.datetime(2024, 1, 8), class_of_service="Standard")
    >>> (item.delivered_at - item.requested_at).days
    7
    >>> WorkItem.from_json(item.to_json()) == item
    True
    """

    id: str = attrs.field(validator=non_empty_str)
    requested_at: _dt.datetime = attrs.field(converter=to_utc, validator=instant)
    committed_at: _dt.datetime | None = attrs.field(
        default=None, converter=opt_utc, validator=optional_instant
    )
    delivered_at: _dt.datetime | None = attrs.field(
        default=None, converter=opt_utc, validator=optional_instant
    )
    due_at: _dt.datetime | None = attrs.field(
        default=None, converter=opt_utc, validator=optional_instant
    )
    customer: str | None = attrs.field(default=None, validator=optional_non_empty_str)
    segment: str | None = attrs.field(default=None, validator=optional_non_empty_str)
    work_type: WorkType | None = attrs.field(default=None, validator=optional_instance_of(WorkType))
    class_of_service: str | None = attrs.field(default=None, validator=optional_non_empty_str)
    transitions: tuple[Transition, ...] = attrs.field(
        default=(), converter=_transitions, validator=tuple_of(Transition)
    )
    blocked: tuple[BlockedInterval, ...] = attrs.field(
        default=(), converter=_blocked, validator=tuple_of(BlockedInterval)
    )
    attributes: dict[str, str] = attrs.field(
        factory=dict, converter=as_dict, validator=mapping, hash=False
    )

    def __attrs_post_init__(self) -> None:
        raise_if(
            self.committed_at is not None and self.committed_at < self.requested_at,
            f"`committed_at` is before `requested_at` in item {self.id!r}",
        )
        raise_if(
            self.delivered_at is not None and self.committed_at is None,
            f"`delivered_at` is set but `committed_at` is missing in item {self.id!r}",
        )
        raise_if(
            self.delivered_at is not None
            and self.committed_at is not None
            and self.delivered_at < self.committed_at,
            f"`delivered_at` is before `committed_at` in item {self.id!r}",
        )
        ats = [t.at for t in self.transitions]
        raise_if(
            any(b < a for a, b in itertools.pairwise(ats)),
            f"`transitions` must be in time order in item {self.id!r}",
        )
        starts = [b.start for b in self.blocked]
        raise_if(
            any(b < a for a, b in itertools.pairwise(starts)),
            f"`blocked` intervals must be in order of start in item {self.id!r}",
        )
        for key, value in self.attributes.items():
            if not isinstance(key, str) or not isinstance(value, str):
                raise TypeError(f"`attributes` must map strings to strings in item {self.id!r}")
            raise_if(
                not key.strip() or not value.strip(),
                f"`attributes` keys and values must be non-empty in item {self.id!r} "
                "(leave a missing value out)",
            )
