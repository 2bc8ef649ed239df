"""One valid call of every public callable, on the embedded real data.

``EXAMPLES`` maps the dotted name of each public function (``"metrics.lead_time"``) to a
function returning ``(args, kwargs)`` for one valid call.  The conventions test walks the
public API and uses these calls to check what cannot be read off a signature (``q`` is
validated, ``rng`` takes exactly its three forms, every result displays and exports); the
fuzz suite replaces one argument at a time with bad or edge values.
"""

from __future__ import annotations

import datetime as dt
import functools
import inspect
import tempfile
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

import customer_kanban as ck
from customer_kanban import (
    assess,
    customers,
    datasets,
    io,
    metrics,
    plot,
    policy,
    reviews,
    summaries,
    table,
)
from customer_kanban.assess import MaturityEvidence
from customer_kanban.datasets import CDNOW_AS_OF, DEMO_AS_OF
from customer_kanban.model import AcceptanceRule, Customer, Feedback, FeedbackKind, Workflow
from tracker_server import TRACKERS, jira_cloud_site

Call = tuple[tuple[Any, ...], dict[str, Any]]

#: The public modules whose functions and classes make the API.
MODULES = {
    "metrics": metrics,
    "customers": customers,
    "reviews": reviews,
    "policy": policy,
    "assess": assess,
    "io": io,
    "table": table,
    "datasets": datasets,
    "summaries": summaries,
    "plot": plot,
    "customer_kanban": ck,  # last: the names it re-exports count under their own package
}


def public_functions() -> dict[str, Callable[..., Any]]:
    """Every public function, by dotted name (a function re-exported twice counts once)."""
    seen: dict[int, str] = {}
    out: dict[str, Callable[..., Any]] = {}
    for prefix, module in MODULES.items():
        for name in module.__all__:
            obj = getattr(module, name)
            if inspect.isfunction(obj) and id(obj) not in seen:
                seen[id(obj)] = f"{prefix}.{name}"
                out[f"{prefix}.{name}"] = obj
    return out


def public_classes() -> dict[str, type]:
    out: dict[str, type] = {}
    for prefix, module in MODULES.items():
        for name in module.__all__:
            obj = getattr(module, name)
            if inspect.isclass(obj) and obj not in out.values():
                out[f"{prefix}.{name}"] = obj
    return out


# ---------------------------------------------------------------------- demo data


@functools.cache
def incidents() -> tuple[ck.WorkItemTable, ck.Policy]:
    return datasets.load_incidents()


@functools.cache
def flow() -> summaries.FlowSummary:
    """The incidents' flow summary at the demo date."""
    return summaries.flow_summary(*incidents(), as_of=DEMO_AS_OF)


@functools.cache
def seen() -> ck.WorkItemTable:
    """The incident table as known at the demo date."""
    return incidents()[0].as_of(DEMO_AS_OF)


@functools.cache
def lead() -> np.ndarray:
    t = seen()
    return metrics.lead_time(t["requested_at"], t["delivered_at"])


@functools.cache
def lead_or_age() -> tuple[np.ndarray, np.ndarray]:
    t = seen()
    done = ~np.isnat(t["delivered_at"])
    age = metrics.work_item_age(t["requested_at"], t["delivered_at"], as_of=DEMO_AS_OF)
    return np.where(done, lead(), age), done


def _delivery_order() -> np.ndarray:
    done = np.flatnonzero(~np.isnat(seen()["delivered_at"]))
    return done[np.argsort(seen()["delivered_at"][done], kind="stable")]


def lead_in_delivery_order() -> np.ndarray:
    """Lead times of the delivered items, in delivery order (an XmR chart's input)."""
    return lead()[_delivery_order()]


def cos_in_order() -> tuple[np.ndarray, np.ndarray]:
    codes, labels = classes()
    return codes[_delivery_order()], labels


def classes() -> tuple[np.ndarray, np.ndarray]:
    return seen().codes("class_of_service")


@functools.cache
def cdnow() -> ck.TransactionTable:
    return datasets.load_cdnow()


@functools.cache
def summary() -> customers.PurchaseSummary:
    t = cdnow()
    return customers.purchase_summary(
        t["at"], t["revenue"], by=t.codes("customer"), as_of=CDNOW_AS_OF
    )


@functools.cache
def fits() -> tuple[customers.BGNBDFit, customers.GammaGammaFit]:
    s = summary()
    repeat = s.monetary > 0
    bg = customers.fit_bgnbd(s.frequency, s.recency, s.T)
    gg = customers.fit_gamma_gamma(s.frequency[repeat], s.monetary[repeat])
    return bg, gg


@functools.cache
def customer_table() -> ck.CustomerTable:
    callers = seen().codes("customer")[1]
    return ck.CustomerTable.from_customers(
        Customer(id=str(c), segment="premium" if k % 3 == 0 else "standard", internal=k % 2 == 0)
        for k, c in enumerate(callers)
    )


def feedback() -> list[Feedback]:
    callers = seen().codes("customer")[1]
    kinds = [FeedbackKind.CONFIRMATION, FeedbackKind.IMPROVEMENT, FeedbackKind.NEGATIVE]
    return [
        Feedback(customer=str(c), at=dt.datetime(2016, 3, 2), kind=kinds[k % 3], score=k % 11)
        for k, c in enumerate(callers[:30])
    ]


def entered() -> np.ndarray:
    return seen().first_entries()


def scores() -> np.ndarray:
    return np.array([10, 9, 9, 8, 7, 6, 3, 10, 0, 5] * 5, dtype=float)


def _blocked() -> tuple[Any, ...]:
    b = seen().blocked
    return b.item, b.start, b.end, b.reason


def _transitions() -> tuple[Any, ...]:
    tr = seen().transitions
    return tr.item, tr.state, tr.at, seen()["delivered_at"]


@functools.cache
def journey() -> reviews.CustomerJourney:
    return reviews.customer_journey(incidents()[0], workflow=incidents()[1], as_of=DEMO_AS_OF)


@functools.cache
def blocker_rows() -> tuple[Any, ...]:
    """The blocker clusters of the first review line that has any."""
    rows = reviews.service_delivery_review(*incidents(), as_of=DEMO_AS_OF).rows
    return next(tuple(r.blockers) for r in rows if r.blockers)


@functools.cache
def survival() -> metrics.SurvivalResult:
    return metrics.kaplan_meier(*lead_or_age())


@functools.cache
def _scratch() -> str:
    """A folder for the files the examples write (one per session)."""
    return tempfile.mkdtemp(prefix="customer-kanban-examples-")


# ---------------------------------------------------------------------- the calls

T0, T1 = "2016-02-29", DEMO_AS_OF
WORKFLOW = Workflow(["New", "Doing", "Done"], "Doing", "Done")
#: The workflow and mappings of the tracker fixtures (tests/io/data/trackers).
INCIDENT_FLOW = Workflow(
    ["New", "Triage", "In Progress", "Resolved", "Closed"], "In Progress", "Resolved"
)
WAITING = {"Waiting for customer": "In Progress"}
JIRA_FIELDS = {"class_of_service": "customfield_10030", "customer": "customfield_10010"}
ADO_FIELDS = {"class_of_service": "Custom.ClassOfService", "customer": "Custom.Customer"}
LOG = {
    "item": ["A", "A", "B", "A"],
    "state": ["New", "Doing", "New", "Done"],
    "at": ["2024-01-01", "2024-01-02", "2024-01-03", "2024-01-05"],
}
RULE = AcceptanceRule(name="named caller", kind="required", field="customer")


def _examples() -> dict[str, Callable[[], Call]]:
    t = seen
    cos = classes
    ex: dict[str, Callable[[], Call]] = {
        # metrics.flow
        "metrics.lead_time": lambda: ((t()["requested_at"], t()["delivered_at"]), {}),
        "metrics.work_item_age": lambda: (
            (t()["committed_at"], t()["delivered_at"]),
            {"as_of": DEMO_AS_OF},
        ),
        "metrics.wip": lambda: (
            (t()["committed_at"], t()["delivered_at"], [T0, T1]),
            {},
        ),
        "metrics.time_in_state": lambda: (_transitions(), {"n_states": len(t().states)}),
        "metrics.cumulative_flow": lambda: (
            (entered(),),
            {"states": list(t().states), "by": cos()},
        ),
        "metrics.throughput": lambda: ((t()["delivered_at"],), {"freq": "W", "by": cos()}),
        "metrics.process_behaviour": lambda: ((lead_in_delivery_order(),), {"by": cos_in_order()}),
        "metrics.flow_efficiency": lambda: (
            (np.ones((3, 4)), np.array([True, False, True, False])),
            {},
        ),
        "metrics.blocked_time": lambda: (
            _blocked()[:3],
            {"n_items": len(t()), "as_of": DEMO_AS_OF},
        ),
        "metrics.blocker_clusters": lambda: (
            _blocked(),
            {
                "n_items": len(t()),
                "as_of": DEMO_AS_OF,
                "by": cos(),
                "reason_labels": t().blocked.reason_labels,
            },
        ),
        "metrics.wip_breaches": lambda: (
            (t()["committed_at"][:, None], t()["delivered_at"][:, None], [140]),
            {"states": ["committed"], "as_of": DEMO_AS_OF},
        ),
        "metrics.allocation": lambda: (
            (t()["committed_at"], t()["delivered_at"], [0.1, 0.2, 0.6, 0.1]),
            {"by": cos(), "as_of": DEMO_AS_OF},
        ),
        # metrics.service
        "metrics.percentiles": lambda: ((lead(), [50, 85]), {"by": cos()}),
        "metrics.sle_attainment": lambda: ((lead(), 7.0), {"by": cos()}),
        "metrics.at_risk": lambda: ((lead_or_age()[0], 7.0), {}),
        "metrics.on_time_rate": lambda: (
            (t()["delivered_at"], t()["requested_at"] + np.timedelta64(3, "D")),
            {"as_of": DEMO_AS_OF, "by": cos()},
        ),
        "metrics.customer_waiting_time": lambda: (
            (t()["requested_at"], t()["delivered_at"]),
            {"as_of": DEMO_AS_OF, "by": t().codes("customer")},
        ),
        "metrics.customer_recognisable_share": lambda: (
            (t()["customer_recognisable"],),
            {"by": cos()},
        ),
        # metrics.survival
        "metrics.kaplan_meier": lambda: (lead_or_age(), {"confidence": 0.9}),
        "metrics.kaplan_meier_from_instants": lambda: (
            (t()["requested_at"], t()["delivered_at"]),
            {"as_of": DEMO_AS_OF},
        ),
        "metrics.km_percentiles": lambda: ((*lead_or_age(), [50, 85]), {"by": cos()}),
        "metrics.km_attainment": lambda: ((*lead_or_age(), 7.0), {"by": cos()}),
        "metrics.fit_lead_times": lambda: (lead_or_age(), {"by": cos()}),
        "metrics.tail_ratio": lambda: ((lead(),), {"min_size": 10}),
        "metrics.recommend_sle": lambda: (
            (lead(),),
            {"probability": 0.85, "resamples": 200, "rng": 1},
        ),
        "metrics.single_item_forecast": lambda: (
            (lead_or_age()[0][~lead_or_age()[1]][:20], lead()),
            {"q": [50, 85], "within": [1, 7]},
        ),
        # metrics.forecast
        "metrics.daily_throughput": lambda: (
            (t()["delivered_at"],),
            {"since": T0, "until": T1, "by": cos()},
        ),
        "metrics.forecast_when": lambda: (
            (metrics.daily_throughput(t()["delivered_at"], since=T0, until=T1), 50),
            {"trials": 500, "rng": 1, "q": [50, 85]},
        ),
        "metrics.forecast_how_many": lambda: (
            (metrics.daily_throughput(t()["delivered_at"], since=T0, until=T1), 14),
            {"trials": 500, "rng": 1, "q": [50, 85]},
        ),
        "metrics.backtest_forecast": lambda: (
            (metrics.daily_throughput(t()["delivered_at"], since=T0, until=T1, by=cos()),),
            {"horizon": 2, "every": "D", "window_days": 3, "trials": 200, "rng": 1, "q": [50, 85]},
        ),
        # metrics.delay
        "metrics.cost_of_delay_rate": lambda: (
            (["standard", "expedite"], [3.0, 1.0]),
            {"rate": [10.0, 500.0]},
        ),
        "metrics.delay_cost": lambda: (
            ("standard", t()["requested_at"], t()["delivered_at"]),
            {"as_of": DEMO_AS_OF, "rate": 40.0, "by": cos()},
        ),
        "metrics.cd3": lambda: (([10.0, 30.0, 5.0], [2.0, 4.0, 1.0]), {}),
        "metrics.wsjf": lambda: (([1.0, 2.0], [3.0, 1.0], [1.0, 1.0], [2.0, 5.0]), {}),
        # customers
        "customers.trailing_value": lambda: (
            (cdnow()["at"], cdnow()["revenue"]),
            {"by": cdnow().codes("customer"), "as_of": CDNOW_AS_OF},
        ),
        "customers.segment_customers": lambda: (
            (summary().monetary, summary().frequency.astype(float)),
            {"thresholds": "percentile", "q": 80},
        ),
        "customers.customer_value": lambda: (
            (cdnow()["revenue"],),
            {"by": cdnow().codes("customer")},
        ),
        "customers.rfm": lambda: (
            (cdnow()["at"], cdnow()["revenue"]),
            {"by": cdnow().codes("customer"), "as_of": CDNOW_AS_OF},
        ),
        "customers.rfm_segments": lambda: (
            (
                customers.rfm(
                    cdnow()["at"],
                    cdnow()["revenue"],
                    by=cdnow().codes("customer"),
                    as_of=CDNOW_AS_OF,
                ),
            ),
            {},
        ),
        "customers.purchase_summary": lambda: (
            (cdnow()["at"], cdnow()["revenue"]),
            {"by": cdnow().codes("customer"), "as_of": CDNOW_AS_OF},
        ),
        "customers.fit_bgnbd": lambda: (
            (summary().frequency, summary().recency, summary().T),
            {},
        ),
        "customers.fit_gamma_gamma": lambda: (
            (
                summary().frequency[summary().monetary > 0],
                summary().monetary[summary().monetary > 0],
            ),
            {},
        ),
        "customers.lifetime_value": lambda: (
            (
                *fits(),
                summary().frequency,
                summary().recency,
                summary().T,
                summary().monetary,
            ),
            {"months": 6},
        ),
        "customers.simple_lifetime_value": lambda: (([100.0, 50.0], [0.8, 0.5], 0.1), {}),
        "customers.cohort_retention": lambda: (
            (cdnow().codes("customer"), cdnow()["at"]),
            {"freq": "Q", "as_of": CDNOW_AS_OF},
        ),
        "customers.get_keep_grow": lambda: (
            (cdnow().codes("customer"), cdnow()["at"], cdnow()["revenue"]),
            {"freq": "Q", "lost_after": 2, "as_of": CDNOW_AS_OF},
        ),
        "customers.nps": lambda: ((scores(),), {"by": ["a", "b"] * 25}),
        "customers.csat": lambda: ((np.clip(scores() // 2, 1, 5),), {}),
        "customers.ces": lambda: ((np.clip(scores() // 1.5, 1, 7),), {}),
        "customers.feedback_summary": lambda: (
            (["confirmation", "improvement", "negative", "confirmation"],),
            {"by": ["a", "a", "b", "b"]},
        ),
        "customers.compare_service": lambda: (
            (lead(),),
            {
                "by": np.where(cos()[0] == 2, "moderate", "other"),
                "focus": "moderate",
                "permutations": 199,
                "rng": 1,
            },
        ),
        # reviews
        "reviews.service_delivery_review": lambda: (incidents(), {"as_of": DEMO_AS_OF}),
        "reviews.operations_review": lambda: (incidents(), {"as_of": DEMO_AS_OF, "top": 3}),
        "reviews.customer_journey": lambda: (
            (incidents()[0],),
            {"workflow": incidents()[1], "as_of": DEMO_AS_OF},
        ),
        "reviews.service_by_segment": lambda: (
            (incidents()[0], customer_table(), incidents()[1]),
            {"as_of": DEMO_AS_OF, "feedback": feedback(), "permutations": 199, "rng": 1},
        ),
        "reviews.service_of_items": lambda: ((incidents()[0],), {"as_of": DEMO_AS_OF}),
        "reviews.forecast_review": lambda: (
            incidents(),
            {"as_of": DEMO_AS_OF, "trials": 500, "rng": 1, "window_days": 7},
        ),
        "reviews.customer_portfolio": lambda: ((cdnow(),), {"as_of": CDNOW_AS_OF}),
        "reviews.report": lambda: (
            incidents(),
            {"as_of": DEMO_AS_OF, "trials": 200, "rng": 1, "charts": False},
        ),
        "reviews.sle_per_item": lambda: (incidents(), {}),
        # summaries
        "summaries.flow_summary": lambda: (incidents(), {"as_of": DEMO_AS_OF}),
        "summaries.merge_summaries": lambda: (([flow(), flow()],), {}),
        # policy
        "policy.current_states": lambda: ((incidents()[0],), {"as_of": DEMO_AS_OF}),
        "policy.evaluate_acceptance": lambda: ((t(), [RULE]), {"as_of": DEMO_AS_OF}),
        "policy.replenish": lambda: (
            (
                t().filter(np.isnat(t()["committed_at"])),
                t().filter(~np.isnat(t()["committed_at"]) & np.isnat(t()["delivered_at"])),
                datasets.incidents_replenishment_policy(),
            ),
            {
                "as_of": DEMO_AS_OF,
                "attendees": [policy.Attendee(name="Ada", role="customer")],
            },
        ),
        "policy.predicates": lambda: ((), {}),
        # assess
        "assess.assess_maturity": lambda: (
            (MaturityEvidence(work_visualised=True, wip_limits=True),),
            {"table": incidents()[0], "policy": incidents()[1], "as_of": DEMO_AS_OF},
        ),
        # io, table
        "io.read_event_log": lambda: ((LOG,), {"workflow": WORKFLOW}),
        "io.read_transactions": lambda: (
            (
                {
                    "customer": ["a", "b", "a"],
                    "at": ["2024-01-01", "2024-01-02", "2024-02-01"],
                    "revenue": ["10", "20.5", "3"],
                },
            ),
            {},
        ),
        "io.read_feedback": lambda: (
            (
                {
                    "customer": ["a", "b"],
                    "at": ["2024-01-01", "2024-01-02"],
                    "kind": ["negative", "confirmation"],
                    "score": [2, 9],
                },
            ),
            {"score": "score"},
        ),
        "io.read_jira": lambda: (
            (TRACKERS / "jira_cloud_v3.json",),
            {"workflow": INCIDENT_FLOW, "fields": JIRA_FIELDS, "state_map": WAITING},
        ),
        "io.read_azure_devops": lambda: (
            (TRACKERS / "ado_updates.json",),
            {"workflow": INCIDENT_FLOW, "fields": ADO_FIELDS, "state_map": WAITING},
        ),
        "io.read_actionable_agile": lambda: (
            (TRACKERS / "actionable_agile.csv",),
            {"workflow": INCIDENT_FLOW},
        ),
        "io.write_actionable_agile": lambda: (
            (seen(), f"{_scratch()}/incidents.csv"),
            {"precision": "minute"},
        ),
        "io.fetch_jira": lambda: (
            (jira_cloud_site(), "project = INC ORDER BY created"),
            {"token": "recorded-token", "page_size": 50},
        ),
        "table.class_codes": lambda: (incidents(), {}),
        "table.cost_of_delay_by_class": lambda: ((datasets.incidents_replenishment_policy(),), {}),
        "table.cost_of_delay_columns": lambda: (
            (incidents()[0], datasets.incidents_replenishment_policy()),
            {},
        ),
        "table.factorize": lambda: ((["b", None, "a"],), {}),
        # plot (a chart returns its Axes; the tests close the figures)
        "plot.lead_time_scatter": lambda: (incidents(), {"as_of": DEMO_AS_OF, "q": [50, 85]}),
        "plot.aging_wip": lambda: (incidents(), {"as_of": DEMO_AS_OF, "basis": "customer"}),
        "plot.wip_limits": lambda: (
            (incidents()[0], datasets.incidents_replenishment_policy()),
            {"since": T0, "until": T1},
        ),
        "plot.class_of_service_mix": lambda: (incidents(), {"freq": "W"}),
        "plot.handoff_matrix": lambda: ((journey(),), {"waiting": "total", "top": 5}),
        "plot.blocker_chart": lambda: ((list(blocker_rows()),), {"title": "Blockers"}),
        "plot.censored_positions": lambda: ((survival(),), {}),
    }
    return ex


EXAMPLES = _examples()

#: Public functions that take no data to check (registries, paths, loaders, serialisation).
NO_EXAMPLE = {
    "customer_kanban.from_dict",
    "customer_kanban.from_json",
    "customer_kanban.to_dict",
    "customer_kanban.to_json",
    "policy.register_predicate",
    "policy.unregister_predicate",
    "datasets.cdnow_path",
    "datasets.incidents_path",
    "datasets.incidents_policy",
    "datasets.incidents_replenishment_policy",
    "datasets.load_cdnow",
    "datasets.load_incidents",
    "datasets.read_incidents",
}


def call(name: str, **overrides: Any) -> Any:
    """Call public function `name` with its example arguments, some keywords overridden."""
    args, kwargs = EXAMPLES[name]()
    return public_functions()[name](*args, **{**kwargs, **overrides})


def results_in(value: Any) -> Iterator[ck.Result]:
    """Every result object in `value`, nested ones included."""
    if isinstance(value, ck.Result):
        yield value
        for a in type(value).__attrs_attrs__:  # type: ignore[attr-defined]
            yield from results_in(getattr(value, a.name))
    elif isinstance(value, (tuple, list)):
        for v in value:
            yield from results_in(v)
