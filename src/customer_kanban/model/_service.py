"""Urgency archetypes, service level expectations and classes of service."""

from __future__ import annotations

import enum
import math

import attrs

from customer_kanban._core.serialize import Serializable
from customer_kanban.errors import ValidationError
from customer_kanban.model._checks import (
    as_float,
    non_empty_str,
    number,
    number_or_none,
    optional_instance_of,
    optional_number,
    positive,
    probability,
)

__all__ = ["ClassOfService", "CostOfDelay", "ServiceLevelExpectation", "Urgency"]


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

    days: float = attrs.field(validator=[number, positive], converter=as_float)
    probability: float = attrs.field(
        default=0.85, validator=[number, probability], converter=as_float
    )


def _non_negative(instance: object, attribute: attrs.Attribute[float], value: float) -> None:
    if not 0 <= value < math.inf:
        raise ValidationError(f"`{attribute.name}` must be >= 0 and finite (got {value})")


@attrs.frozen(kw_only=True)
class CostOfDelay(Serializable):
    """Parameters of a class of service's cost-of-delay profile (money per day).

    How they are read depends on the class's urgency (a modelling assumption,
    after the Kanban classes of service; see the glossary):

    * expedite: ``rate`` from the request on, plus a lump ``step`` at once;
    * fixed date: nothing until the item's due date, then a lump ``step`` and
      ``rate`` per day after it;
    * standard: a constant ``rate``;
    * intangible: ``rate`` until ``horizon_days`` after the request, then
      ``rate * (1 + growth * (t - horizon_days))``.

    Parameters
    ----------
    rate : float
        Cost per day of delay, >= 0. [money/day]
    step : float, optional
        A one-off cost (expedite: at once; fixed date: at the due date), >= 0. [money]
    horizon_days : float, optional
        Intangible: days after the request when the cost starts rising, >= 0. [days]
    growth : float, optional
        Intangible: rise of the rate per day after the horizon, >= 0. [1/day]

    Examples
    --------
    >>> CostOfDelay(rate=200.0, step=5000.0).step
    5000.0
    """

    rate: float = attrs.field(converter=as_float, validator=[number, _non_negative])
    step: float = attrs.field(default=0.0, converter=as_float, validator=[number, _non_negative])
    horizon_days: float | None = attrs.field(
        default=None, converter=number_or_none, validator=optional_number
    )
    growth: float | None = attrs.field(
        default=None, converter=number_or_none, validator=optional_number
    )

    def __attrs_post_init__(self) -> None:
        for name in ("horizon_days", "growth"):
            value = getattr(self, name)
            if value is not None and not 0 <= value < math.inf:
                raise ValidationError(f"`{name}` must be >= 0 and finite (got {value})")


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
    cost_of_delay : CostOfDelay, optional
        Parameters of the class's cost-of-delay profile (read by its urgency).

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
        default=None, validator=optional_instance_of(ServiceLevelExpectation)
    )
    cost_of_delay: CostOfDelay | None = attrs.field(
        default=None, validator=optional_instance_of(CostOfDelay)
    )
