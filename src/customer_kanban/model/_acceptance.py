"""Acceptance rules: explicit policies a request must meet when it enters the system.

Seed 001's friction point — an order late because its delivery address was
missing — is a policy that was not enforced at entry.  An :class:`AcceptanceRule`
states such a policy declaratively, as data (it round-trips through JSON with the
rest of a :class:`~customer_kanban.model.Policy`); the policy layer
(:func:`customer_kanban.policy.evaluate_acceptance`) evaluates a list of rules over a
whole :class:`~customer_kanban.table.WorkItemTable` at once.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Iterable, Mapping

import attrs

from customer_kanban._core.serialize import Serializable
from customer_kanban.errors import ValidationError
from customer_kanban.model._checks import (
    as_bool,
    flag,
    non_empty_str,
    number_or_none,
    optional_non_empty_str,
    optional_number,
    raise_if,
)

__all__ = ["AcceptanceRule", "RuleKind"]


class RuleKind(str, enum.Enum):
    """What an :class:`AcceptanceRule` checks about its field.

    * ``required``: the value is present (not ``None``, ``NaN``, ``NaT`` nor blank text);
    * ``one_of``: the text value is one of the rule's `values`;
    * ``range``: the numeric value lies in ``[minimum, maximum]`` (either bound optional);
    * ``lead_days``: the instant is at least `days` days after ``requested_at``
      (e.g. a due date that leaves the service enough time);
    * ``predicate``: a named, registered vectorized function of the table is true
      (see :func:`customer_kanban.policy.register_predicate`).
    """

    REQUIRED = "required"
    ONE_OF = "one_of"
    RANGE = "range"
    LEAD_DAYS = "lead_days"
    PREDICATE = "predicate"


# The parameters each kind uses; any other parameter given is refused.
_PARAMETERS = ("values", "minimum", "maximum", "days", "predicate")
_USES: dict[RuleKind, tuple[str, ...]] = {
    RuleKind.REQUIRED: (),
    RuleKind.ONE_OF: ("values",),
    RuleKind.RANGE: ("minimum", "maximum"),
    RuleKind.LEAD_DAYS: ("days",),
    RuleKind.PREDICATE: ("predicate",),
}


def _kind(value: RuleKind | str) -> RuleKind:
    try:
        return RuleKind(value)
    except ValueError:
        allowed = [k.value for k in RuleKind]
        raise ValidationError(f"`kind` must be one of {allowed}, got {value!r}") from None


def _values(values: Iterable[str]) -> tuple[str, ...]:
    if isinstance(values, str):
        raise TypeError(f"`values` must be a sequence of strings, got the string {values!r}")
    if isinstance(values, (bytes, Mapping)) or not isinstance(values, Iterable):
        raise TypeError(f"`values` must be a sequence of strings, got {type(values).__name__}")
    return tuple(values)


@attrs.frozen(kw_only=True)
class AcceptanceRule(Serializable):
    """A declarative acceptance criterion for requests: one check of one field.

    Parameters
    ----------
    name : str
        The rule's name, shown in every failure reason (unique within a policy).
    kind : RuleKind or str
        What is checked (see :class:`RuleKind`).
    field : str, optional
        The work-item field checked: a table field (``due_at``, ``segment``, ...) or an
        attribute (``address``).  Required by every kind but ``predicate``, where it
        optionally names the field the predicate reads: when the table lacks it the
        rule fails with "field missing" and the predicate is not called.
    values : sequence of str
        ``one_of`` only: the accepted values (at least one; unique, non-blank).
    minimum, maximum : float, optional
        ``range`` only: inclusive bounds; at least one of them, ``minimum <= maximum``.
    days : float, optional
        ``lead_days`` only: the least number of days between ``requested_at`` and the
        field's instant, >= 0, to the nanosecond. [days]
    predicate : str, optional
        ``predicate`` only: the name the predicate function is registered under.  It is
        looked up when the rule is evaluated, not here.
    allow_missing : bool, optional
        ``one_of``, ``range`` and ``lead_days`` only: whether an item without a value
        passes the rule (default ``False``: a missing value fails it, with the reason
        "missing").  Use a ``required`` rule to demand the value itself.

    Raises
    ------
    customer_kanban.errors.ValidationError
        Naming the rule, when a kind lacks the parameters it needs, is given ones it
        does not use, or they are out of range (a ``one_of`` without values, a
        ``range`` without bounds or with ``minimum > maximum``, negative `days`, ...).
    TypeError
        When a parameter has the wrong type (`values` given as one string, ...).

    Examples
    --------
    >>> address = AcceptanceRule(name="address given", kind="required", field="address")
    >>> address.kind
    <RuleKind.REQUIRED: 'required'>
    >>> AcceptanceRule.from_json(address.to_json()) == address
    True
    >>> AcceptanceRule(name="due date", kind="lead_days", field="due_at", days=5).days
    5.0
    >>> AcceptanceRule(name="segment known", kind="one_of", field="segment")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    customer_kanban.errors.ValidationError: rule 'segment known': a `one_of` rule needs ...
    """

    name: str = attrs.field(validator=non_empty_str)
    kind: RuleKind = attrs.field(converter=_kind)
    field: str | None = attrs.field(default=None, validator=optional_non_empty_str)
    values: tuple[str, ...] = attrs.field(default=(), converter=_values)
    minimum: float | None = attrs.field(
        default=None, converter=number_or_none, validator=optional_number
    )
    maximum: float | None = attrs.field(
        default=None, converter=number_or_none, validator=optional_number
    )
    days: float | None = attrs.field(
        default=None, converter=number_or_none, validator=optional_number
    )
    predicate: str | None = attrs.field(default=None, validator=optional_non_empty_str)
    allow_missing: bool = attrs.field(default=False, converter=as_bool, validator=flag)

    def __attrs_post_init__(self) -> None:
        who = f"rule {self.name!r}"
        kind = self.kind
        uses = _USES[kind]
        raise_if(
            kind is not RuleKind.PREDICATE and self.field is None,
            f"{who}: a `{kind.value}` rule needs `field`",
        )
        unused = [p for p in _PARAMETERS if p not in uses and getattr(self, p) not in (None, ())]
        if unused:
            given = ", ".join(f"`{p}`" for p in unused)
            takes = ", ".join(f"`{p}`" for p in uses) or "no parameters"
            raise ValidationError(
                f"{who}: a `{kind.value}` rule does not use {given} (it takes {takes})"
            )
        raise_if(
            self.allow_missing and kind in (RuleKind.REQUIRED, RuleKind.PREDICATE),
            f"{who}: `allow_missing` does not apply to a `{kind.value}` rule",
        )
        if kind is RuleKind.ONE_OF:
            self._check_values(who)
        elif kind is RuleKind.RANGE:
            self._check_range(who)
        elif kind is RuleKind.LEAD_DAYS:
            raise_if(self.days is None, f"{who}: a `lead_days` rule needs `days`")
            assert self.days is not None
            raise_if(
                not (0 <= self.days < math.inf),
                f"{who}: `days` must be finite and >= 0 (got {self.days})",
            )
        elif kind is RuleKind.PREDICATE:
            raise_if(
                self.predicate is None,
                f"{who}: a `predicate` rule needs `predicate`, the name of a registered predicate",
            )

    def _check_values(self, who: str) -> None:
        raise_if(not self.values, f"{who}: a `one_of` rule needs `values` (at least one)")
        for value in self.values:
            if not isinstance(value, str):
                raise TypeError(f"{who}: `values` must hold strings, got {value!r}")
        raise_if(
            any(not v.strip() for v in self.values),
            f"{who}: `values` must be non-blank (a blank value counts as missing)",
        )
        repeated = sorted({v for v in self.values if self.values.count(v) > 1})
        raise_if(bool(repeated), f"{who}: `values` must be unique; repeated: {repeated}")

    def _check_range(self, who: str) -> None:
        lo, hi = self.minimum, self.maximum
        raise_if(
            lo is None and hi is None, f"{who}: a `range` rule needs `minimum`, `maximum` or both"
        )
        for label, bound in (("minimum", lo), ("maximum", hi)):
            raise_if(
                bound is not None and not math.isfinite(bound),
                f"{who}: `{label}` must be finite (got {bound})",
            )
        raise_if(
            lo is not None and hi is not None and lo > hi,
            f"{who}: `minimum` must not exceed `maximum` (got {lo} > {hi})",
        )
