"""Customers and customer segments."""

from __future__ import annotations

import attrs

from customer_kanban._serialize import Serializable
from customer_kanban.model._checks import non_empty_str, optional_non_empty_str

__all__ = ["Customer", "CustomerSegment"]


@attrs.frozen(kw_only=True)
class CustomerSegment(Serializable):
    """A named group of customers treated alike (e.g. ``"premium"``).

    Examples
    --------
    >>> CustomerSegment(name="premium", description="high value now and later").name
    'premium'
    """

    name: str = attrs.field(validator=non_empty_str)
    description: str = attrs.field(default="", validator=attrs.validators.instance_of(str))


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

    Examples
    --------
    >>> Customer(id="C-1", internal=True).internal
    True
    """

    id: str = attrs.field(validator=non_empty_str)
    internal: bool = attrs.field(default=False, validator=attrs.validators.instance_of(bool))
    segment: str | None = attrs.field(default=None, validator=optional_non_empty_str)
