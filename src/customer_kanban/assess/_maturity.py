"""Maturity assessment: which Kanban Maturity Model level the declared practices reach.

An organisation declares the practices it follows (:class:`MaturityEvidence`);
:func:`assess_maturity` places it on the Kanban Maturity Model ladder
(:class:`~customer_kanban.model.MaturityLevel`, ML0 Oblivious .. ML6 Congruent)
with the practice -> level mapping :data:`REQUIRED_PRACTICES`, and, when a work
item table and/or a policy are given, reports what the data confirms or
contradicts of what was declared. Every figure of a data check is a metric
function's; this module only selects and compares.

Sources
-------
* Seed 000, "Customer Awareness in the Kanban Method" (Italian essay, in
  ``seeds/``): the stages of customer awareness (individuals -> team identity ->
  the customer recognised and customer-valued work items managed as a flow ->
  Customer Service -> Customer Intimacy), and the practices that make it
  concrete: customer-recognisable work item types; the Service Delivery Review,
  Operations Review and Replenishment feedback loops, with the customer present
  "at more advanced levels"; customer-oriented metrics (lead time from the
  customer's side); explicit policies, classes of service by the customer's
  cost of delay.
* The Kanban Maturity Model (D. J. Anderson, T. Bozheva, *Kanban Maturity
  Model: Evolving Fit-for-Purpose Organizations*, 2nd ed., Kanban University
  Press, 2020): the seven levels and their names, and the broad placement of
  practices (visualisation from ML1; commitment/delivery points, WIP limits and
  replenishment at ML2; classes of service, SLEs and the Service Delivery Review
  at ML3; quantitative, network-level management at ML4 and above).

**This library's interpretation**: the KMM is a catalogue of many specific
practices per level, not a checklist of fourteen booleans. The choice of these
fourteen practices, the level at which each one becomes *required*, the rule
"the level is the highest whose cumulative practices are all declared", the
data checks and their thresholds (:data:`CHECK_THRESHOLDS`) are this library's
own, made to be simple, monotone and auditable. In particular: customer
feedback at ML3 (the seed's Customer Service, where customer satisfaction
unifies the teams, needs satisfaction to be heard); the Operations Review and
fitness criteria per customer segment at ML4 (quantitative management of the
network of services, from the customer's side); the customer attending
Replenishment at ML5 (the seed's Customer Intimacy, customers in the feedback
loops); the Strategy Review at ML6 (Congruent: the organisation asks whether
who it is still serves its customers' purpose).

The level comes from the declared evidence only. Data checks are *reported*
next to it (a contradiction is shown, with the practice it bears on) but never
lower or raise the level: the data a table holds is partial (a missing column
is not a missing practice, and many practices — holding a meeting — leave no
trace in work item data), and a level that moved with thresholds on the data
would not be monotone in the evidence.
"""

from __future__ import annotations

import datetime as _dt
import math
import types
import warnings
from collections.abc import Iterable, Mapping
from typing import Any

import attrs
import numpy as np
import numpy.typing as npt

from customer_kanban import metrics
from customer_kanban._core.instants import to_datetime
from customer_kanban._core.results import Result, result
from customer_kanban._core.serialize import Serializable
from customer_kanban._core.validation import as_instant_scalar
from customer_kanban.errors import InsufficientDataWarning, ValidationError
from customer_kanban.model import MaturityLevel, Policy
from customer_kanban.reviews import sle_per_item
from customer_kanban.table import WorkItemTable

__all__ = [
    "CHECK_THRESHOLDS",
    "PRACTICES",
    "REQUIRED_PRACTICES",
    "DataCheck",
    "MaturityAssessment",
    "MaturityEvidence",
    "assess_maturity",
]


def _as_bool(value: bool) -> bool:
    """numpy's booleans as bool; anything else is left to :func:`_flag`."""
    given: object = value
    return bool(given) if isinstance(given, np.bool_) else value


def _flag(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, bool):
        raise TypeError(f"`{attribute.name}` must be True or False, got {value!r}")


def _optional_text(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None and not isinstance(value, str):
        raise TypeError(f"`{attribute.name}` must be a string or None, got {type(value).__name__}")


_bool = attrs.field(default=False, converter=_as_bool, validator=_flag)


@attrs.frozen(kw_only=True)
class MaturityEvidence(Serializable):
    """Practices an organisation declares it follows (all False by default).

    Attributes
    ----------
    work_visualised : bool
        Work is visualised on a board (team or personal kanban).
    customer_recognisable_work_visualised : bool
        Board and tickets show work item types a customer would recognise
        (customer requests), not internal tasks.
    commitment_point_explicit, delivery_point_explicit : bool
        The workflow names where the customer's request is accepted and where
        it is delivered.
    wip_limits : bool
        Work in progress is limited (pull).
    classes_of_service : bool
        Classes of service chosen by the customer's cost of delay.
    sles_per_class : bool
        A service level expectation ("p of items within d days") per class.
    service_delivery_review_held : bool
        A regular Service Delivery Review against customer expectations.
    replenishment_held : bool
        A regular Replenishment Meeting selects the work to commit to.
    customer_attends_replenishment : bool
        The customer (or its representative) takes part in Replenishment.
    fitness_criteria_by_segment : bool
        Fitness-for-purpose criteria (what customers choose a service by) are
        defined and measured per customer segment.
    customer_feedback_collected : bool
        Customer feedback (satisfaction, NPS, complaints) is collected regularly.
    operations_review_held : bool
        A regular Operations Review across the network of services.
    strategy_review_held : bool
        A regular Strategy Review of who the organisation serves and how.
    notes : str or None
        Free text: where the evidence comes from, caveats.

    Examples
    --------
    >>> e = MaturityEvidence(work_visualised=True, notes="board seen on site")
    >>> MaturityEvidence.from_json(e.to_json()) == e
    True
    >>> e.declared
    ('work_visualised',)
    """

    work_visualised: bool = _bool
    customer_recognisable_work_visualised: bool = _bool
    commitment_point_explicit: bool = _bool
    delivery_point_explicit: bool = _bool
    wip_limits: bool = _bool
    classes_of_service: bool = _bool
    sles_per_class: bool = _bool
    service_delivery_review_held: bool = _bool
    replenishment_held: bool = _bool
    customer_attends_replenishment: bool = _bool
    fitness_criteria_by_segment: bool = _bool
    customer_feedback_collected: bool = _bool
    operations_review_held: bool = _bool
    strategy_review_held: bool = _bool
    notes: str | None = attrs.field(default=None, validator=_optional_text)

    @property
    def declared(self) -> tuple[str, ...]:
        """The names of the practices declared True, in :data:`PRACTICES` order."""
        return tuple(p for p in PRACTICES if getattr(self, p))

    @classmethod
    def from_practices(
        cls, practices: Iterable[str], *, notes: str | None = None
    ) -> MaturityEvidence:
        """Evidence declaring exactly `practices` (an iterable of practice names).

        Raises
        ------
        customer_kanban.errors.ValidationError
            If a name is not a practice of :data:`PRACTICES`.

        Examples
        --------
        >>> MaturityEvidence.from_practices(["wip_limits"]).wip_limits
        True
        """
        if isinstance(practices, str):
            raise TypeError("`practices` must be an iterable of practice names, not one string")
        if isinstance(practices, (bytes, Mapping)) or not isinstance(practices, Iterable):
            raise TypeError(
                f"`practices` must be an iterable of practice names, got {type(practices).__name__}"
            )
        names = list(practices)
        unknown = sorted({str(p) for p in names} - set(PRACTICES))
        if unknown:
            raise ValidationError(
                f"`practices` holds unknown practice names {unknown}; known: {list(PRACTICES)}"
            )
        return cls(notes=notes, **dict.fromkeys(names, True))


#: The practice names of :class:`MaturityEvidence`, in field order.
PRACTICES: tuple[str, ...] = tuple(
    a.name for a in attrs.fields(MaturityEvidence) if a.name != "notes"
)

# Practices each level adds to the one below (this library's interpretation; see
# the module docstring for the sources and the reasons).
_ADDED: dict[MaturityLevel, tuple[str, ...]] = {
    MaturityLevel.ML1: ("work_visualised",),
    MaturityLevel.ML2: (
        "customer_recognisable_work_visualised",
        "commitment_point_explicit",
        "delivery_point_explicit",
        "wip_limits",
        "replenishment_held",
    ),
    MaturityLevel.ML3: (
        "classes_of_service",
        "sles_per_class",
        "service_delivery_review_held",
        "customer_feedback_collected",
    ),
    MaturityLevel.ML4: ("operations_review_held", "fitness_criteria_by_segment"),
    MaturityLevel.ML5: ("customer_attends_replenishment",),
    MaturityLevel.ML6: ("strategy_review_held",),
}


def _cumulative() -> Mapping[MaturityLevel, tuple[str, ...]]:
    out: dict[MaturityLevel, tuple[str, ...]] = {MaturityLevel.ML0: ()}
    for level in list(MaturityLevel)[1:]:
        out[level] = out[MaturityLevel(level - 1)] + _ADDED[level]
    return types.MappingProxyType(out)


#: For each level, every practice it requires (cumulative: a level requires its own
#: practices and all those of the levels below). ML0 requires nothing. Read-only.
#:
#: ===  =====================================================================
#: ML1  work_visualised
#: ML2  + customer_recognisable_work_visualised, commitment_point_explicit,
#:      delivery_point_explicit, wip_limits, replenishment_held
#: ML3  + classes_of_service, sles_per_class, service_delivery_review_held,
#:      customer_feedback_collected
#: ML4  + operations_review_held, fitness_criteria_by_segment
#: ML5  + customer_attends_replenishment
#: ML6  + strategy_review_held
#: ===  =====================================================================
REQUIRED_PRACTICES: Mapping[MaturityLevel, tuple[str, ...]] = _cumulative()

#: Thresholds of the data checks (this library's choices): a share of items with a
#: customer, a share of customer-recognisable items, and the tail ratio Q98/Q50 of
#: customer lead time at or below which delivery counts as predictable (5.6 is the
#: ratio of an exponential lead-time distribution, Weibull shape 1: above it the
#: tail is "fat").
CHECK_THRESHOLDS: Mapping[str, float] = types.MappingProxyType(
    {
        "customer_field_filled": 0.9,
        "customer_recognisable_share": 0.5,
        "predictability_tail_ratio": 5.6,
    }
)


@result
class DataCheck(Result):
    """What the data says about one declared (or undeclared) practice.

    Attributes
    ----------
    name : str
        The check (``"customer_field_filled"``, ``"sles_met"``, ...).
    value : float
        The measured value (a share in [0, 1], a count, or a ratio); NaN when
        the data cannot give it.
    confirms : bool or None
        True when the data supports the practice, False when it contradicts it,
        None when it cannot tell (too little data, field not recorded).
    practice : str
        The practice of :class:`MaturityEvidence` the check bears on.
    declared : bool
        Whether that practice was declared.
    detail : str
        How the value was computed and judged.
    """

    name: str
    value: float
    confirms: bool | None
    practice: str
    declared: bool
    detail: str

    @property
    def contradicts_declaration(self) -> bool:
        """The practice was declared and the data contradicts it."""
        return self.declared and self.confirms is False


@result
class MaturityAssessment(Result):
    """A maturity level from declared practices, with what the data says about them.

    Attributes
    ----------
    level : MaturityLevel
        The highest level whose required practices (:data:`REQUIRED_PRACTICES`)
        are all declared; ML0 without evidence. Data checks do not change it.
    evidence : MaturityEvidence
        The declared evidence assessed.
    evidence_for : tuple of str
        The declared practices that support `level` (its required practices).
    next_level : MaturityLevel or None
        The level above (None at ML6).
    missing_for_next : tuple of str
        Practices required by `next_level` and not declared (empty at ML6).
    checks : tuple of DataCheck
        What the table and the policy confirm or contradict (empty without them).
    as_of : datetime or None
        The instant the table was seen at (UTC); None = the whole table as given.
    """

    level: MaturityLevel
    evidence: MaturityEvidence
    evidence_for: tuple[str, ...]
    next_level: MaturityLevel | None
    missing_for_next: tuple[str, ...]
    checks: tuple[DataCheck, ...]
    as_of: _dt.datetime | None

    def check(self, name: str) -> DataCheck:
        """The data check `name` (KeyError if it was not computed)."""
        for c in self.checks:
            if c.name == name:
                return c
        raise KeyError(f"no data check {name!r}; computed: {[c.name for c in self.checks]}")

    @property
    def contradictions(self) -> tuple[DataCheck, ...]:
        """The checks whose data contradicts a declared practice."""
        return tuple(c for c in self.checks if c.contradicts_declaration)

    def render(self) -> str:
        """The assessment as readable plain text (nothing escaped)."""
        return _render(self)

    def __str__(self) -> str:
        return self.render()

    def _html_title(self) -> str:
        notes = f" — notes: {self.evidence.notes}" if self.evidence.notes else ""
        return f"Kanban maturity {self.level.name} {self.level.title}: data checks{notes}"


def assess_maturity(
    evidence: MaturityEvidence,
    *,
    table: WorkItemTable | None = None,
    policy: Policy | None = None,
    as_of: object = None,
) -> MaturityAssessment:
    """Assess the Kanban maturity level from declared practices, checked against data.

    Parameters
    ----------
    evidence : MaturityEvidence
        The declared practices.
    table : WorkItemTable, optional
        Work items to check the declarations against: the share of items that
        name their customer, the share of customer-recognisable items, SLE
        attainment (with `policy`) and the predictability of customer lead time.
    policy : Policy, optional
        Explicit policy to check: classes of service, WIP limits, SLEs per class.
    as_of : instant, optional
        See the table as known at this instant (:meth:`WorkItemTable.as_of`);
        None uses the table as given (unfinished items are those without a
        delivery instant).

    Returns
    -------
    MaturityAssessment
        The level (from `evidence` only), the practices supporting it, those
        missing for the next level, and the data checks.

    Raises
    ------
    TypeError
        If `evidence`, `table` or `policy` has the wrong type.
    customer_kanban.errors.ValidationError
        If `as_of` is not one instant, or is given without a table.

    Notes
    -----
    Data checks (name: value -> practice it bears on):

    * ``customer_field_filled``: share of items naming a customer
      (>= 0.9 confirms) -> ``customer_recognisable_work_visualised``;
    * ``customer_recognisable_share``: share of items flagged
      ``customer_recognisable`` (>= 0.5 confirms; no item flagged -> None, as the
      flag defaults to False when not recorded) ->
      ``customer_recognisable_work_visualised``;
    * ``classes_of_service_defined``: classes in the policy (>= 1 confirms) ->
      ``classes_of_service``;
    * ``wip_limits_set``: WIP limits in the policy (>= 1 confirms) -> ``wip_limits``;
    * ``sles_defined_per_class``: share of the policy's classes with an SLE
      (1 confirms) -> ``sles_per_class``;
    * ``sles_met``: :func:`~customer_kanban.metrics.sle_attainment` of the
      delivered items' customer lead time against their own SLE
      (:func:`~customer_kanban.reviews.sle_per_item`), items without an SLE left
      out; confirms when it reaches the mean SLE probability of those items ->
      ``sles_per_class``;
    * ``predictability_tail_ratio``: :func:`~customer_kanban.metrics.tail_ratio`
      of the delivered items' customer lead time (<= 5.6 confirms; NaN with
      fewer than 50 delivered items -> None) -> ``service_delivery_review_held``
      (the review is where predictability is watched).

    Examples
    --------
    >>> e = MaturityEvidence(work_visualised=True, wip_limits=True)
    >>> a = assess_maturity(e)
    >>> a.level, a.missing_for_next
    (<MaturityLevel.ML1: 1>, ('customer_recognisable_work_visualised',
     'commitment_point_explicit', 'delivery_point_explicit', 'replenishment_held'))

    With the demo incident log and its policy:

    >>> from customer_kanban.datasets import load_incidents
    >>> table, policy = load_incidents()
    >>> a = assess_maturity(e, table=table, policy=policy)
    >>> a.check("sles_defined_per_class").value, a.check("wip_limits_set").confirms
    (1.0, False)
    >>> [c.name for c in a.contradictions]
    ['wip_limits_set']
    """
    _check_types(evidence, table, policy)
    when: _dt.datetime | None = None
    if as_of is not None:
        if table is None:
            raise ValidationError("`as_of` is given without a `table` to see at that instant")
        instant = as_instant_scalar(as_of, name="as_of")
        when = to_datetime(instant)
        table = table.as_of(instant)
    level = _level(evidence)
    nxt = MaturityLevel(level + 1) if level < MaturityLevel.ML6 else None
    missing = (
        () if nxt is None else tuple(p for p in REQUIRED_PRACTICES[nxt] if not getattr(evidence, p))
    )
    checks: list[DataCheck] = []
    if policy is not None:
        checks += _policy_checks(policy, evidence)
    if table is not None:
        checks += _table_checks(table, policy, evidence)
    return MaturityAssessment(
        level=level,
        evidence=evidence,
        evidence_for=REQUIRED_PRACTICES[level],
        next_level=nxt,
        missing_for_next=missing,
        checks=tuple(checks),
        as_of=when,
    )


def _check_types(evidence: object, table: object, policy: object) -> None:
    if not isinstance(evidence, MaturityEvidence):
        raise TypeError(f"`evidence` must be a MaturityEvidence, got {type(evidence).__name__}")
    if table is not None and not isinstance(table, WorkItemTable):
        raise TypeError(f"`table` must be a WorkItemTable, got {type(table).__name__}")
    if policy is not None and not isinstance(policy, Policy):
        raise TypeError(f"`policy` must be a Policy, got {type(policy).__name__}")


def _level(evidence: MaturityEvidence) -> MaturityLevel:
    """Highest level whose cumulative required practices are all declared."""
    best = MaturityLevel.ML0
    for level, required in REQUIRED_PRACTICES.items():
        if all(getattr(evidence, p) for p in required):
            best = max(best, level)
    return best


def _check(
    name: str,
    value: float,
    confirms: bool | None,
    practice: str,
    evidence: MaturityEvidence,
    detail: str,
) -> DataCheck:
    return DataCheck(
        name=name,
        value=float(value),
        confirms=confirms,
        practice=practice,
        declared=bool(getattr(evidence, practice)),
        detail=detail,
    )


def _policy_checks(policy: Policy, evidence: MaturityEvidence) -> list[DataCheck]:
    classes = policy.classes_of_service
    with_sle = sum(c.sle is not None for c in classes)
    share = with_sle / len(classes) if classes else math.nan
    return [
        _check(
            "classes_of_service_defined",
            len(classes),
            len(classes) >= 1,
            "classes_of_service",
            evidence,
            "classes of service in the policy (at least 1 confirms)",
        ),
        _check(
            "wip_limits_set",
            len(policy.wip_limits),
            len(policy.wip_limits) >= 1,
            "wip_limits",
            evidence,
            "WIP limits in the policy (at least 1 confirms)",
        ),
        _check(
            "sles_defined_per_class",
            share,
            bool(classes) and with_sle == len(classes),
            "sles_per_class",
            evidence,
            f"share of the policy's classes of service with an SLE ({with_sle} of "
            f"{len(classes)}; all confirms)",
        ),
    ]


def _customer_lead_time(table: WorkItemTable) -> npt.NDArray[np.float64]:
    """Customer lead time (request -> delivery) of each item; NaN if not delivered. [days]"""
    out: npt.NDArray[np.float64] = (table["delivered_at"] - table["requested_at"]) / np.timedelta64(
        1, "D"
    )
    return out


def _table_checks(
    table: WorkItemTable, policy: Policy | None, evidence: MaturityEvidence
) -> list[DataCheck]:
    n = len(table)
    out: list[DataCheck] = []
    limit = CHECK_THRESHOLDS["customer_field_filled"]
    if "customer" in table.categorical_fields:
        named = int(np.count_nonzero(table.codes("customer")[0] >= 0))
        share = named / n if n else math.nan
        out.append(
            _check(
                "customer_field_filled",
                share,
                None if n == 0 else share >= limit,
                "customer_recognisable_work_visualised",
                evidence,
                f"share of items naming their customer ({named} of {n}; >= {limit:g} confirms)",
            )
        )
    if "customer_recognisable" in table:
        limit = CHECK_THRESHOLDS["customer_recognisable_share"]
        flagged = int(np.count_nonzero(table["customer_recognisable"]))
        share = flagged / n if n else math.nan
        out.append(
            _check(
                "customer_recognisable_share",
                share,
                None if flagged == 0 else share >= limit,
                "customer_recognisable_work_visualised",
                evidence,
                f"share of items of a customer-recognisable work type ({flagged} of {n}; "
                f">= {limit:g} confirms; none flagged: not recorded, cannot tell)",
            )
        )
    lead = _customer_lead_time(table)
    delivered = np.isfinite(lead)
    if policy is not None:
        days, probability = sle_per_item(table, policy)
        counted = delivered & np.isfinite(days)
        k = int(np.count_nonzero(counted))
        if k:
            attained = float(
                metrics.sle_attainment(
                    np.where(counted, lead, np.nan), np.where(counted, days, 1.0)
                ).attainment[0]
            )
            target = float(probability[counted].mean())
            confirms: bool | None = attained >= target
        else:
            attained, target, confirms = math.nan, math.nan, None
        out.append(
            _check(
                "sles_met",
                attained,
                confirms,
                "sles_per_class",
                evidence,
                f"share of {k} delivered items with an SLE delivered within it "
                f"(customer lead time; reaching the mean SLE probability {target:.0%} confirms)",
            )
        )
    limit = CHECK_THRESHOLDS["predictability_tail_ratio"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InsufficientDataWarning)
        ratio = float(metrics.tail_ratio(lead).ratio[0]) if n else math.nan
    out.append(
        _check(
            "predictability_tail_ratio",
            ratio,
            None if math.isnan(ratio) else ratio <= limit,
            "service_delivery_review_held",
            evidence,
            f"Q98/Q50 of the customer lead time of {int(np.count_nonzero(delivered))} delivered "
            f"items (<= {limit:g} confirms; NaN with fewer than 50)",
        )
    )
    return out


def _value(x: float) -> str:
    if math.isnan(x):
        return "-"
    if math.isinf(x):
        return "inf"
    return f"{x:.3g}"


def _render(a: MaturityAssessment) -> str:
    lines = [
        f"Kanban maturity: {a.level.name} {a.level.title}",
        f"  {a.level.description}",
        "",
        "Declared practices supporting it: " + (", ".join(a.evidence_for) or "(none)"),
    ]
    if a.next_level is None:
        lines.append("Top of the model: no next level.")
    else:
        lines.append(
            f"Missing for {a.next_level.name} {a.next_level.title}: "
            + (", ".join(a.missing_for_next) or "(none)")
        )
    if a.evidence.notes:
        lines.append(f"Notes: {a.evidence.notes}")
    if a.checks:
        seen = f" as of {a.as_of:%Y-%m-%d %H:%M} UTC" if a.as_of is not None else ""
        lines += ["", f"What the data says{seen} (level from declared practices only):"]
        for c in a.checks:
            if c.confirms is None:
                verdict = "cannot tell about"
            elif c.confirms:
                verdict = "confirms"
            else:
                verdict = "CONTRADICTS" if c.declared else "does not support"
            mark = "declared" if c.declared else "not declared"
            lines.append(f"  {c.name}: {_value(c.value)} -> {verdict} {c.practice} ({mark})")
            lines.append(f"      {c.detail}")
    return "\n".join(lines)
