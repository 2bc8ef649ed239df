"""The forecast review as text: when, how many, per class of service, predictability, and
the oldest open requests."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from customer_kanban.reviews._text import number

if TYPE_CHECKING:
    from customer_kanban.reviews._forecast import ClassPredictability, ForecastReview

__all__ = ["render"]

_SHOWN = 5  # open requests listed


def render(review: ForecastReview) -> str:
    """The review as readable text."""
    return "\n".join(
        _head(review)
        + _how_many(review)
        + _per_class(review)
        + _predictability(review)
        + _oldest(review)
        + [
            "",
            "All assume the coming days deliver like the sampled ones; 'how many' counts",
            "capacity, whether or not that much work is waiting.",
        ]
    )


def _head(review: ForecastReview) -> list[str]:
    seed = "" if review.seed is None else f", seed {review.seed}"
    sample = review.daily_throughput
    lines = [
        f"Forecast as of {str(review.as_of)[:16].replace('T', ' ')} UTC "
        f"({review.trials:,} trials{seed})",
        f"Daily throughput sampled from {review.since} to {review.until} ({sample.size} days): "
        f"{int(sample.sum())} deliveries, {sample.mean():.1f} a day.",
        *(
            [
                f"From a flow summary at a resolution of {review.resolution}: lead times and "
                "ages rounded up to it; open requests' own forecasts not kept."
            ]
            if review.resolution is not None
            else []
        ),
        "",
        f"When will the {review.open_items} open requests be done?",
    ]
    when = review.when
    return lines + [
        f"  {q:3.0f}% chance by {date}" for q, date in zip(when.q, when.dates[0], strict=True)
    ]


def _how_many(review: ForecastReview) -> list[str]:
    f = review.how_many
    return [
        "",
        f"How many items will be delivered in the next {f.days} days?",
        *(f"  {q:3.0f}% chance of {int(n)} or more" for q, n in zip(f.q, f.values[0], strict=True)),
    ]


def _per_class(review: ForecastReview) -> list[str]:
    lines = ["", "Per class of service: when will its open requests be done (85% chance)?"]
    for c in review.by_class_of_service:
        done = c.by_85 if c.by_85 else "no delivery in the window to forecast from"
        lines.append(f"  {c.group:<14} {c.open:>4} open   {done}")
    return lines


def _predictability(review: ForecastReview) -> list[str]:
    return [
        "",
        "Customer lead time per class of service [days], in-progress requests included:",
        f"  {'class':<14} {'done':>5} {'open':>5} {'p85 done':>9} {'p85 all':>8} "
        f"{'tail':>6} {'Weibull k':>9}  SLE 85% [95% CI]",
        *(_predictability_line(p) for p in review.predictability),
        "  ('p85 done' counts delivered requests only; 'p85 all' also counts the open ones",
        "  as 'at least this old' (Kaplan-Meier): 'inf' when they keep it out of reach.",
        "  'tail' = p98 / p50 on the same basis, from 50 deliveries up; a Weibull k below 1",
        "  means a fat tail. SLE: whole days that 85% of the deliveries met, with the",
        "  bootstrap interval of that figure.)",
    ]


def _predictability_line(p: ClassPredictability) -> str:
    sle = "-"
    if not math.isnan(p.sle_85_days):
        sle = f"{_days(p.sle_85_days)} [{_ceil(p.sle_85_low)}, {_ceil(p.sle_85_high)}]"
    return (
        f"  {p.group:<14} {p.delivered:>5} {p.open:>5} "
        f"{number(p.p85_delivered_only):>9} {number(p.p85_censoring_aware):>8} "
        f"{number(p.tail_ratio):>6} {number(p.weibull_shape):>9}  {sle}"
    )


def _oldest(review: ForecastReview) -> list[str]:
    lines = ["", "Open requests (the oldest first): when will each be done, given its age?"]
    oldest = review.oldest_open
    forecast = [r for r in oldest if r.by_50]
    lines += [
        f"  {r.id:<12} {r.class_of_service:<14} {r.age_days:4.1f} days old: "
        f"50% by {r.by_50}, 85% by {r.by_85 or 'later than the history shows'}"
        for r in forecast[:_SHOWN]
    ]
    if len(forecast[:_SHOWN]) < len(oldest):
        lines.append(
            f"  {len(oldest) - len(forecast)} of {len(oldest)} open "
            "requests: too few past requests of their class took longer than their age "
            "for a forecast."
        )
    return lines


def _days(value: float) -> str:
    n = math.ceil(value)
    return f"{n} day" if n == 1 else f"{n} days"


def _ceil(value: float) -> str:
    return "-" if math.isnan(value) else str(math.ceil(value))
