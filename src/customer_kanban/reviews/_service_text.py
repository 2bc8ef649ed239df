"""The Service Delivery Review as text: a head, then the *Service levels* and the
*Flow, cost and voice* tables, a title line per dimension."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING

from customer_kanban.reviews._text import no_negative_zero, number, text_table, with_change

if TYPE_CHECKING:
    from customer_kanban.reviews._service_results import ServiceDeliveryReview, ServiceLevelRow

__all__ = ["day_words", "render"]

_TITLES = {
    "all": "All work",
    "class_of_service": "Class of service",
    "class_of_service/segment": "Class of service / customer segment",
    "segment": "Customer segment",
}

#: What a day of the lead times and ages is, for each day count.
_DAYS = {
    "elapsed": "days",
    "exclusive": "whole calendar days, same day = 0",
    "inclusive": "calendar days counted inclusively, same day = 1",
    "business": "business days, Monday to Friday",
    "calendar": "calendar days counted inclusively, same day = 1",
}

_Cells = Callable[["ServiceLevelRow", "ServiceLevelRow | None"], list[str]]


def render(review: ServiceDeliveryReview) -> str:
    """The review as readable text."""
    return "\n".join(
        _head(review)
        + _sections(review, *_levels(review))
        + [""]
        + _sections(review, *_flow(review))
    )


def day_words(day_count: str) -> str:
    """What a day of the lead times and ages is: ``"days"`` for elapsed days."""
    return _DAYS.get(day_count, day_count)


def _head(review: ServiceDeliveryReview) -> list[str]:
    qs = _q_names(review)
    head = [
        f"Service Delivery Review as of {review.as_of:%Y-%m-%d %H:%M} UTC",
        f"Customer lead time: request -> delivery; system lead time: commitment -> delivery "
        f"({day_words(review.day_count)}, {qs}).",
        f"SLEs apply to the {review.basis} lead time; at risk = open requests aged >= "
        f"{review.risk_fraction:.0%} of their SLE; "
        f"throughput since {review.window_start:%Y-%m-%d}.",
        "attained (KM) counts open requests with their age (Kaplan-Meier).",
    ]
    if review.resolution is not None:
        head.append(
            f"From a flow summary at a resolution of {review.resolution}: lead times and ages "
            "rounded up to it; at-risk ids, blockers by reason, fitness and feedback not kept."
        )
    if review.day_count != "elapsed":
        head.append("Ages are counted the same way; waited and blocked days are elapsed time.")
    if review.previous is not None:
        head.append(
            f"(+n): change since {review.previous:g} days earlier "
            "(attainment and shares in percentage points); (new): no such line then."
        )
    if review.fitness is not None:
        head.append(
            "fit/neutral/unfit: delivered items within fit_days / between / above unfit_days "
            "of their fitness thresholds (class / segment, else class)."
        )
    return [*head, ""]


def _q_names(review: ServiceDeliveryReview) -> str:
    return "/".join(f"p{q:g}" for q in review.q)


def _sections(review: ServiceDeliveryReview, columns: list[str], cells: _Cells) -> list[str]:
    """One text table over every row, a title line per dimension."""
    body: list[list[str]] = []
    current = None
    for r in review.rows:
        if r.dimension != current:
            current = r.dimension
            body.append([_TITLES.get(r.dimension, r.dimension), *[""] * (len(columns) - 1)])
        name = "  " + r.group
        if review.previous is not None and r.earlier is None:
            name += " (new)"
        body.append([name, *cells(r, r.earlier)])
    return text_table(columns, body)


def _levels(review: ServiceDeliveryReview) -> tuple[list[str], _Cells]:
    """The columns and cells of the *Service levels* table."""
    qs = _q_names(review)
    fitness = review.fitness is not None
    columns = [
        "Service levels",
        "delivered",
        f"customer LT {qs}",
        f"system LT {qs}",
        "SLE",
        "attained",
        "attained (KM)",
        "met",
    ]
    if fitness:
        columns += ["fit/neutral/unfit", "fit share"]

    def cells(r: ServiceLevelRow, e: ServiceLevelRow | None) -> list[str]:
        sle = "-" if r.sle_days is None else f"{r.sle_probability:.0%} <= {r.sle_days:g}d"
        out = [
            with_change(r.delivered, None if e is None else e.delivered, "{:.0f}"),
            _percentiles(r.customer_lead_time, None if e is None else e.customer_lead_time),
            _percentiles(r.system_lead_time, None if e is None else e.system_lead_time),
            sle,
            _share(r.attainment, None if e is None else e.attainment),
            _share(r.attainment_censored, None if e is None else e.attainment_censored),
            {True: "yes", False: "NO", None: "-"}[r.sle_met],
        ]
        if fitness:
            out += [
                "-" if r.fit is None else f"{r.fit}/{r.neutral}/{r.unfit}",
                _share(r.fit_share, None if e is None else e.fit_share),
            ]
        return out

    return columns, cells


def _share(now: float | None, before: float | None) -> str:
    """A share as a percentage, its change in percentage points."""
    return with_change(now, before, "{:.0%}", 100.0)


def _flow(review: ServiceDeliveryReview) -> tuple[list[str], _Cells]:
    """The columns and cells of the *Flow, cost and voice* table."""
    voice = any(r.feedback is not None for r in review.rows)
    columns = [
        "Flow, cost and voice",
        "thru/wk",
        f"per 7 days to {review.as_of:%m-%d}",
        "WIP",
        "open",
        "at risk",
        "waited (d)",
        "blocked (d)",
        "top blocker (days/blocks)",
        "delay cost",
    ]
    if voice:
        columns += ["feedback +/~/-", "NPS"]

    def cells(r: ServiceLevelRow, e: ServiceLevelRow | None) -> list[str]:
        top = r.blockers[0] if r.blockers else None

        def change(name: str, fmt: str = "{:.0f}", step: str = "{:+.0f}") -> str:
            return with_change(
                getattr(r, name), None if e is None else getattr(e, name), fmt, 1.0, step
            )

        out = [
            change("throughput_per_week", "{:.1f}", "{:+.1f}"),
            " ".join(str(v) for v in r.throughput_trend),
            change("wip"),
            change("open_requests"),
            with_change(len(r.at_risk), None if e is None else len(e.at_risk), "{:.0f}"),
            change("customer_waiting_days"),
            change("blocked_days"),
            "-" if top is None else f"{top.reason} ({top.days:.0f}d/{top.blocks})",
            change("delay_cost", "{:,.0f}", "{:+,.0f}"),
        ]
        if voice:
            fb = r.feedback
            out += ["-" if fb is None else "/".join(str(k) for k in fb), change("nps")]
        return out

    return columns, cells


def _percentiles(now: tuple[float, ...], before: tuple[float, ...] | None) -> str:
    """Lead-time percentiles "a / b / c", with their changes "(+x/+y/+z)" when known."""
    text = " / ".join(number(v) for v in now)
    if before is None or len(before) != len(now):
        return text
    if all(math.isnan(v) for v in before) or all(math.isnan(v) for v in now):
        return text
    return f"{text} ({'/'.join(_change(a, b) for a, b in zip(now, before, strict=True))})"


def _change(now: float, before: float) -> str:
    if math.isnan(now) or math.isnan(before):
        return "?"
    return f"{no_negative_zero(now - before, '{:+.1f}'):+.1f}"
