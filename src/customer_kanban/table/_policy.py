"""A policy's per-class parameters spread over a table's items, as columns."""

from __future__ import annotations

import attrs
import numpy as np
import numpy.typing as npt

from customer_kanban.model import Policy, Urgency
from customer_kanban.table._checks import expect
from customer_kanban.table._table import WorkItemTable

__all__ = ["URGENCY_LABELS", "CostOfDelayColumns", "class_codes", "cost_of_delay_columns"]

#: The urgencies in code order (that of :class:`~customer_kanban.model.Urgency`, the same
#: as :data:`customer_kanban.metrics.URGENCIES`).
URGENCY_LABELS: tuple[str, ...] = tuple(u.value for u in Urgency)


def class_codes(table: WorkItemTable, policy: Policy) -> npt.NDArray[np.int64]:
    """Index of each item's class of service in ``policy.classes_of_service``.

    Parameters
    ----------
    table : WorkItemTable
    policy : Policy

    Returns
    -------
    numpy.ndarray of int64, shape (n,)
        ``-1`` where the item has no class of service or one the policy does not name.

    Examples
    --------
    >>> from customer_kanban.datasets import load_incidents
    >>> table, policy = load_incidents()
    >>> codes = class_codes(table, policy)
    >>> [policy.classes_of_service[k].name for k in codes[:2]]
    ['3 - Moderate', '3 - Moderate']

    Raises
    ------
    TypeError
        If `table` is not a WorkItemTable or `policy` not a Policy.
    """
    expect(table, WorkItemTable, "table")
    expect(policy, Policy, "policy")
    names = [c.name for c in policy.classes_of_service]
    if "class_of_service" not in table.categorical_fields:
        return np.full(len(table), -1, dtype=np.int64)
    codes, labels = table.codes("class_of_service")
    lookup = np.array(
        [names.index(str(x)) if str(x) in names else -1 for x in labels] + [-1], dtype=np.int64
    )
    out: npt.NDArray[np.int64] = lookup[np.where(codes >= 0, codes, len(labels))]
    return out


@attrs.frozen(eq=False)
class CostOfDelayColumns:
    """Each item's cost-of-delay parameters, from its class of service.

    The arguments :func:`customer_kanban.metrics.delay_cost` and
    :func:`customer_kanban.metrics.cost_of_delay_rate` take, one value per item.

    Attributes
    ----------
    urgency : numpy.ndarray of int8
        The urgency of the item's class as a code 0..3 into :data:`URGENCY_LABELS`
        (``"standard"`` where it has none) — the codes
        :func:`customer_kanban.metrics.delay_cost` takes.
    rate : numpy.ndarray of float64
        Cost per day (NaN where the class has no :class:`~customer_kanban.model.CostOfDelay`).
        [money/day]
    step : numpy.ndarray of float64
        One-off cost. [money]
    horizon, growth : numpy.ndarray of float64
        Intangible: when the rate starts rising [days] and how fast [1/day] (0 otherwise).
    due : numpy.ndarray of datetime64[ns]
        The item's due instant (``NaT`` without one).
    known : numpy.ndarray of bool
        Items whose delay cost can be computed: their class has a cost of delay, and
        a fixed-date item has a due instant not before its request.
    """

    urgency: npt.NDArray[np.int8]
    rate: npt.NDArray[np.float64]
    step: npt.NDArray[np.float64]
    horizon: npt.NDArray[np.float64]
    growth: npt.NDArray[np.float64]
    due: npt.NDArray[np.datetime64]
    known: npt.NDArray[np.bool_]


def cost_of_delay_columns(table: WorkItemTable, policy: Policy) -> CostOfDelayColumns:
    """The cost-of-delay parameters of every item, from its class of service.

    Parameters
    ----------
    table : WorkItemTable
    policy : Policy
        Classes of service with their urgency and
        :class:`~customer_kanban.model.CostOfDelay`.

    Returns
    -------
    CostOfDelayColumns

    Examples
    --------
    >>> from customer_kanban.datasets import incidents_replenishment_policy, load_incidents
    >>> table, _ = load_incidents()
    >>> columns = cost_of_delay_columns(table, incidents_replenishment_policy())
    >>> URGENCY_LABELS[columns.urgency[0]], float(columns.rate[0]), bool(columns.known.all())
    ('standard', 40.0, True)

    Raises
    ------
    TypeError
        If `table` is not a WorkItemTable or `policy` not a Policy.
    """
    cls = class_codes(table, policy)
    n = len(table)
    urgency_of, rate_of, step_of, horizon_of, growth_of = cost_of_delay_by_class(policy)
    at = np.where(cls >= 0, cls, len(policy.classes_of_service))
    urgency, rate, step = urgency_of[at], rate_of[at], step_of[at]
    horizon, growth = horizon_of[at], growth_of[at]
    if "due_at" in table.fields:
        due = np.asarray(table["due_at"], dtype="datetime64[ns]")
    else:
        due = np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")
    fixed = urgency == URGENCY_LABELS.index(Urgency.FIXED_DATE.value)
    dated = ~np.isnat(due) & (due >= table["requested_at"])
    known = ~np.isnan(rate) & (~fixed | dated)
    return CostOfDelayColumns(
        urgency=urgency, rate=rate, step=step, horizon=horizon, growth=growth, due=due, known=known
    )


def cost_of_delay_by_class(
    policy: Policy,
) -> tuple[
    npt.NDArray[np.int8],
    npt.NDArray[np.float64],
    npt.NDArray[np.float64],
    npt.NDArray[np.float64],
    npt.NDArray[np.float64],
]:
    """Urgency code, rate, step, horizon and growth of each class of the policy, and a last
    entry for items of no class (standard urgency, no cost: NaN rate).

    :func:`cost_of_delay_columns` gathers them for every item; a caller that needs them
    for a few items gathers these, indexed by :func:`class_codes` (``-1`` -> the last).

    Parameters
    ----------
    policy : Policy

    Returns
    -------
    urgency : numpy.ndarray of int8, shape (k + 1,)
        Codes into :data:`URGENCY_LABELS`.
    rate, step, horizon, growth : numpy.ndarray of float64, shape (k + 1,)
        As in :class:`CostOfDelayColumns` (rate NaN: no cost of delay).

    Raises
    ------
    TypeError
        If `policy` is not a Policy.

    Examples
    --------
    >>> from customer_kanban.datasets import incidents_replenishment_policy
    >>> urgency, rate, *_ = cost_of_delay_by_class(incidents_replenishment_policy())
    >>> rate.size == len(incidents_replenishment_policy().classes_of_service) + 1
    True
    """
    expect(policy, Policy, "policy")
    k = len(policy.classes_of_service)
    urgency_of = np.full(k + 1, URGENCY_LABELS.index(Urgency.STANDARD.value), dtype=np.int8)
    rate_of, step_of = np.full(k + 1, np.nan), np.zeros(k + 1)
    horizon_of, growth_of = np.zeros(k + 1), np.zeros(k + 1)
    for j, klass in enumerate(policy.classes_of_service):  # a handful of classes
        urgency_of[j] = URGENCY_LABELS.index(klass.urgency.value)
        cost = klass.cost_of_delay
        if cost is not None:
            rate_of[j], step_of[j] = cost.rate, cost.step
            horizon_of[j], growth_of[j] = cost.horizon_days or 0.0, cost.growth or 0.0
    return urgency_of, rate_of, step_of, horizon_of, growth_of
