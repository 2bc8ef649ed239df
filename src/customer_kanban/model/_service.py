"""Urgency archetypes, service level expectations and classes of service."""

from __future__ import annotations

import enum

import attrs

from customer_kanban._serialize import Serializable
from customer_kanban.errors import ValidationError
from customer_kanban.model._checks import as_float, non_empty_str, positive, probability

__all__ = ["ClassOfService", "ServiceLevelExpectation", "Urgency"]


class Urgency(str, enum.Enum):
    """Cost-of-delay archetype of a class of service.

    * ``expedite``: high cost of delay from the start;
    * ``fixed_date``: a step in cost at the due date;
    * ``standard``: roughly constant cost per day of delay;
    * ``intangible``: low now, rising later.
    """

    EXPEDITE = "expedite"
    FIXED_DATE = "fixed_date"
    STANDARD = "standard"
    INTANGIBLE = "intangible"


@attrs.frozen
class ServiceLevelExpectation(Serializable):
    """A service level expectation: "`probability` of items within `days` days".

    Parameters
    ----------
    days : float
        Lead-time threshold, > 0. [days]
    probability : float
        Share of items expected within `days`, in (0, 1].

    Examples
    --------
    >>> ServiceLevelExpectation(days=10, probability=0.85)
    ServiceLevelExpectation(days=10.0, probability=0.85)
    """

    days: float = attrs.field(validator=positive, converter=as_float)
    probability: float = attrs.field(default=0.85, validator=probability, converter=as_float)


def _urgency(value: Urgency | str) -> Urgency:
    try:
        return Urgency(value)
    except ValueError:
        allowed = [u.value for u in Urgency]
        raise ValidationError(f"`urgency` must be one of {allowed}, got {value!r}") from None


@attrs.frozen(kw_only=True)
class ClassOfService(Serializable):
    """A class of service: how work of one urgency is treated, and its SLE.

    Parameters
    ----------
    name : str
        Unique name, e.g. ``"Expedite"``.
    urgency : Urgency
        Cost-of-delay archetype.
    sle : ServiceLevelExpectation, optional
        The class's service level expectation.

    Examples
    --------
    >>> cos = ClassOfService(name="Standard", urgency=Urgency.STANDARD,
    ...                      sle=ServiceLevelExpectation(days=10))
    >>> cos.sle.days
    10.0
    """

    name: str = attrs.field(validator=non_empty_str)
    urgency: Urgency = attrs.field(default=Urgency.STANDARD, converter=_urgency)
    sle: ServiceLevelExpectation | None = attrs.field(
        default=None,
        validator=attrs.validators.optional(attrs.validators.instance_of(ServiceLevelExpectation)),
    )
