"""Workflows and explicit policies."""

from __future__ import annotations

import numbers
from collections.abc import Iterable, Mapping

import attrs
import numpy as np

from customer_kanban._core.serialize import Serializable
from customer_kanban.model._acceptance import AcceptanceRule
from customer_kanban.model._checks import (
    as_dict,
    as_tuple,
    instance_of,
    mapping,
    non_empty_str,
    optional_strings,
    raise_if,
    strings,
    tuple_of,
    unique,
)
from customer_kanban.model._service import ClassOfService, ServiceLevelExpectation

__all__ = ["Policy", "SegmentServiceLevel", "Workflow"]


def _str_tuple(values: Iterable[str]) -> tuple[str, ...]:
    return as_tuple(values)


def _opt_str_tuple(values: Iterable[str] | None) -> tuple[str, ...] | None:
    return None if values is None else as_tuple(values)


@attrs.frozen
class Workflow(Serializable):
    """The ordered states of a service, its commitment and delivery points.

    Parameters
    ----------
    states : sequence of str
        Unique state names in workflow order.
    commitment_point : str
        The state whose entry commits to the request (system lead time starts).
    delivery_point : str
        The state whose entry delivers to the customer (lead times end).
    active_states : sequence of str, optional
        States in which work is actively done; the others are waiting states.
        Default: the states from the commitment point up to, not including, the
        delivery point.

    Raises
    ------
    customer_kanban.errors.ValidationError
        Repeated states, unknown points or active states, or a commitment point
        not before the delivery point.

    Examples
    --------
    >>> wf = Workflow(["Requested", "Doing", "Review", "Done"], "Doing", "Done",
    ...               active_states=["Doing"])
    >>> wf.index("Review"), wf.waiting_states
    (2, ('Requested', 'Review', 'Done'))
    """

    states: tuple[str, ...] = attrs.field(
        converter=_str_tuple, validator=[strings, unique("states")]
    )
    commitment_point: str = attrs.field(validator=non_empty_str)
    delivery_point: str = attrs.field(validator=non_empty_str)
    active_states: tuple[str, ...] | None = attrs.field(
        default=None, kw_only=True, converter=_opt_str_tuple, validator=optional_strings
    )

    def __attrs_post_init__(self) -> None:
        raise_if(len(self.states) < 2, "`states` must name at least two states")
        for name in ("commitment_point", "delivery_point"):
            value = getattr(self, name)
            raise_if(value not in self.states, f"`{name}` {value!r} is not one of `states`")
        raise_if(
            self.states.index(self.commitment_point) >= self.states.index(self.delivery_point),
            "`commitment_point` must come before `delivery_point` in `states`",
        )
        if self.active_states is None:
            start = self.states.index(self.commitment_point)
            stop = self.states.index(self.delivery_point)
            object.__setattr__(self, "active_states", self.states[start:stop])
        else:
            unknown = [s for s in self.active_states if s not in self.states]
            raise_if(bool(unknown), f"`active_states` {unknown} are not in `states`")
            ordered = tuple(s for s in self.states if s in self.active_states)
            object.__setattr__(self, "active_states", ordered)

    def index(self, state: str) -> int:
        """Position of `state` in the workflow (raises ValidationError if unknown)."""
        raise_if(state not in self.states, f"`state` {state!r} is not in the workflow")
        return self.states.index(state)

    @property
    def commitment_index(self) -> int:
        """Position of the commitment point."""
        return self.states.index(self.commitment_point)

    @property
    def delivery_index(self) -> int:
        """Position of the delivery point."""
        return self.states.index(self.delivery_point)

    @property
    def active_mask(self) -> tuple[bool, ...]:
        """One flag per state: ``True`` for active work."""
        active = self.active_states or ()
        return tuple(s in active for s in self.states)

    @property
    def waiting_states(self) -> tuple[str, ...]:
        """The states that are not active work, in workflow order."""
        active = self.active_states or ()
        return tuple(s for s in self.states if s not in active)


@attrs.frozen(kw_only=True)
class SegmentServiceLevel(Serializable):
    """An SLE for one class of service and one customer segment, overriding the class's."""

    class_of_service: str = attrs.field(validator=non_empty_str)
    segment: str = attrs.field(validator=non_empty_str)
    sle: ServiceLevelExpectation = attrs.field(validator=instance_of(ServiceLevelExpectation))


def _limits(values: Mapping[str, int]) -> dict[str, int]:
    return as_dict(values)


def _rules(values: Iterable[AcceptanceRule]) -> tuple[AcceptanceRule, ...]:
    return as_tuple(values)


def _shares(values: Mapping[str, float]) -> dict[str, float]:
    return as_dict(values)


def _classes(values: Iterable[ClassOfService]) -> tuple[ClassOfService, ...]:
    return as_tuple(values)


def _segment_sles(values: Iterable[SegmentServiceLevel]) -> tuple[SegmentServiceLevel, ...]:
    return as_tuple(values)


@attrs.frozen(kw_only=True)
class Policy(Serializable):
    """The explicit policies of a service: workflow, WIP limits, classes of service, SLEs.

    Parameters
    ----------
    workflow : Workflow
    wip_limits : mapping of str to int, optional
        WIP limit per state (each >= 1); states without a limit are unlimited.
    classes_of_service : sequence of ClassOfService, optional
        Unique by name.
    segment_sles : sequence of SegmentServiceLevel, optional
        SLEs per (class of service, customer segment), overriding the class SLE.
    allocation : mapping of str to float, optional
        Capacity allocation: the largest share of the work in progress each
        class of service may hold (e.g. ``{"Expedite": 0.1}``), each in (0, 1].
    acceptance_rules : sequence of AcceptanceRule, optional
        What a request must satisfy before it may be committed to; unique by
        name (see :func:`customer_kanban.policy.evaluate_acceptance`).

    Examples
    --------
    >>> wf = Workflow(["Backlog", "Doing", "Done"], "Doing", "Done")
    >>> std = ClassOfService(name="Standard", sle=ServiceLevelExpectation(10, 0.85))
    >>> p = Policy(workflow=wf, wip_limits={"Doing": 3}, classes_of_service=[std],
    ...            segment_sles=[SegmentServiceLevel(class_of_service="Standard",
    ...                          segment="premium", sle=ServiceLevelExpectation(5, 0.9))])
    >>> p.sle_for("Standard").days, p.sle_for("Standard", segment="premium").days
    (10.0, 5.0)
    """

    workflow: Workflow = attrs.field(validator=instance_of(Workflow))
    wip_limits: dict[str, int] = attrs.field(
        factory=dict, converter=_limits, validator=mapping, hash=False
    )
    classes_of_service: tuple[ClassOfService, ...] = attrs.field(
        default=(),
        converter=_classes,
        validator=[tuple_of(ClassOfService), unique("classes_of_service", lambda c: c.name)],
    )
    segment_sles: tuple[SegmentServiceLevel, ...] = attrs.field(
        default=(),
        converter=_segment_sles,
        validator=[
            tuple_of(SegmentServiceLevel),
            unique("segment_sles", lambda s: (s.class_of_service, s.segment)),
        ],
    )
    allocation: dict[str, float] = attrs.field(
        factory=dict, converter=_shares, validator=mapping, hash=False
    )
    acceptance_rules: tuple[AcceptanceRule, ...] = attrs.field(
        default=(),
        converter=_rules,
        validator=[tuple_of(AcceptanceRule), unique("acceptance_rules", lambda r: r.name)],
    )

    def __attrs_post_init__(self) -> None:
        for state, limit in self.wip_limits.items():
            raise_if(
                state not in self.workflow.states, f"`wip_limits` names unknown state {state!r}"
            )
            if isinstance(limit, (bool, np.bool_)) or not isinstance(limit, (int, np.integer)):
                raise TypeError(f"`wip_limits[{state!r}]` must be an integer, got {limit!r}")
            raise_if(limit < 1, f"`wip_limits[{state!r}]` must be >= 1 (got {limit})")
            self.wip_limits[state] = int(limit)  # numpy integers as int
        names = {c.name for c in self.classes_of_service}
        shares: Mapping[str, object] = self.allocation
        for name, share in shares.items():
            raise_if(name not in names, f"`allocation` names unknown class of service {name!r}")
            if isinstance(share, (bool, np.bool_)) or not isinstance(share, numbers.Real):
                raise TypeError(f"`allocation[{name!r}]` must be a number, got {share!r}")
            value = float(share)
            raise_if(not 0 < value <= 1, f"`allocation[{name!r}]` must lie in (0, 1] (got {share})")
            if type(share).__module__ == "numpy":  # numpy numbers as Python ones
                self.allocation[name] = value
        for s in self.segment_sles:
            raise_if(
                s.class_of_service not in names,
                f"`segment_sles` names unknown class of service {s.class_of_service!r}",
            )

    def class_of_service(self, name: str) -> ClassOfService:
        """The class of service called `name` (ValidationError if unknown)."""
        for c in self.classes_of_service:
            if c.name == name:
                return c
        raise_if(True, f"`name` {name!r} is not a class of service of this policy")
        raise AssertionError  # pragma: no cover

    def sle_for(
        self, class_of_service: str, segment: str | None = None
    ) -> ServiceLevelExpectation | None:
        """The SLE for a class of service, and a segment when it has its own."""
        if segment is not None:
            for s in self.segment_sles:
                if s.class_of_service == class_of_service and s.segment == segment:
                    return s.sle
        return self.class_of_service(class_of_service).sle
