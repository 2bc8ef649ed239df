"""Customers and customer segments."""

from __future__ import annotations

import datetime as _dt
import enum

import attrs

from customer_kanban._core.serialize import Serializable
from customer_kanban.model._checks import (
    as_bool,
    as_dict,
    flag,
    instance_of,
    instant,
    mapping,
    non_empty_str,
    opt_utc,
    optional_instant,
    optional_non_empty_str,
    plain_number,
    raise_if,
    to_utc,
)

__all__ = ["Customer", "CustomerSegment", "Feedback", "FeedbackKind"]


@attrs.frozen(kw_only=True)
class CustomerSegment(Serializable):
    """A named group of customers treated alike (e.g. ``"premium"``).

    Examples
    --------
    >>> CustomerSegment(name="premium", description="high value now and later").name
    'premium'
    """

    name: str = attrs.field(validator=non_empty_str)
    description: str = attrs.field(default="", validator=instance_of(str))


@attrs.frozen(kw_only=True)
class Customer(Serializable):
    """A customer of the service: external, or internal (a downstream colleague).

    Parameters
    ----------
    id : str
        Unique identifier.
    internal : bool, optional
        ``True`` for an internal customer (another department), default ``False``.
    segment : str, optional
        Name of the customer's segment.
    acquired_at : datetime, optional
        When the customer was acquired (first purchase or first request);
        aware datetimes are converted to UTC, naive ones are taken as UTC.
    attributes : mapping of str to str, optional
        Further descriptive fields (region, account manager, ...).

    Examples
    --------
    >>> import datetime as dt
    >>> c = Customer(id="C-1", internal=True, acquired_at=dt.datetime(2024, 3, 1))
    >>> c.internal, c.acquired_at.isoformat()
    (True, '2024-03-01T00:00:00+00:00')
    """

    id: str = attrs.field(validator=non_empty_str)
    internal: bool = attrs.field(default=False, converter=as_bool, validator=flag)
    segment: str | None = attrs.field(default=None, validator=optional_non_empty_str)
    acquired_at: _dt.datetime | None = attrs.field(
        default=None, converter=opt_utc, validator=optional_instant
    )
    attributes: dict[str, str] = attrs.field(
        factory=dict, converter=as_dict, validator=mapping, hash=False
    )

    def __attrs_post_init__(self) -> None:
        for key, value in self.attributes.items():
            if not isinstance(key, str) or not isinstance(value, str):
                raise TypeError(f"`attributes` must map strings to strings in customer {self.id!r}")
            raise_if(
                not key.strip() or not value.strip(),
                f"`attributes` keys and values must be non-empty in customer {self.id!r} "
                "(leave a missing value out)",
            )


class FeedbackKind(str, enum.Enum):
    """What a piece of customer feedback tells the service.

    * ``confirmation``: keep doing this — the customer values it;
    * ``improvement``: a suggestion to do something better;
    * ``negative``: a complaint — something went wrong for the customer.
    """

    CONFIRMATION = "confirmation"
    IMPROVEMENT = "improvement"
    NEGATIVE = "negative"


@attrs.frozen(kw_only=True)
class Feedback(Serializable):
    """One piece of feedback from a customer, optionally about one work item.

    Parameters
    ----------
    customer : str
        Id of the customer who gave it.
    at : datetime
        When it was given (converted to UTC; naive = UTC).
    kind : FeedbackKind
        Confirmation, improvement or negative.
    item : str, optional
        Id of the work item it is about.
    score : float, optional
        A survey answer that came with it (e.g. an NPS 0-10 score).
    text : str, optional
        The customer's words.

    Examples
    --------
    >>> import datetime as dt
    >>> f = Feedback(customer="C-1", at=dt.datetime(2024, 5, 2), kind=FeedbackKind.NEGATIVE,
    ...              item="INC-7", text="the address was missing again")
    >>> f.kind.value, f.to_dict()["at"]
    ('negative', '2024-05-02T00:00:00+00:00')
    """

    customer: str = attrs.field(validator=non_empty_str)
    at: _dt.datetime = attrs.field(converter=to_utc, validator=instant)
    kind: FeedbackKind = attrs.field(validator=instance_of(FeedbackKind))
    item: str | None = attrs.field(default=None, validator=optional_non_empty_str)
    score: float | None = attrs.field(default=None, converter=plain_number)
    text: str = attrs.field(default="", validator=instance_of(str))

    def __attrs_post_init__(self) -> None:
        raise_if(
            self.score is not None
            and (
                isinstance(self.score, bool)
                or not isinstance(self.score, (int, float))
                or self.score != self.score
            ),
            f"`score` must be a number (not NaN) in the feedback of {self.customer!r}",
        )
        raise_if(
            self.score is not None and abs(self.score) == float("inf"),
            f"`score` must be finite in the feedback of {self.customer!r}, got {self.score}",
        )
