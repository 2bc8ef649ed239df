"""One self-contained HTML report of a service: the reviews' tables and their charts.

:func:`report` computes the Service Delivery Review, the forecasts, the customer
journey and the policies' figures at one instant, draws their charts (inline SVG, when
the ``plot`` extra is installed) and returns a :class:`Report`: ``to_html()`` gives one
offline HTML document — no script, no external style, font or image; every text of the
data escaped — that reads well on screen and printed to PDF.
"""

from __future__ import annotations

import html
import importlib.util
import os
import re
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from customer_kanban._core.instants import as_instant_array
from customer_kanban._core.plotting import PLOT_EXTRA_HINT
from customer_kanban._core.results import Result, result
from customer_kanban._core.validation import DAY_COUNTS, DayCount, check_choice
from customer_kanban.errors import InsufficientDataWarning, ValidationError
from customer_kanban.model import Policy
from customer_kanban.reviews._forecast import forecast_options_iv, forecast_review
from customer_kanban.reviews._journey import customer_journey
from customer_kanban.reviews._service_delivery import service_delivery_review
from customer_kanban.table import WorkItemTable

__all__ = ["Report", "ReportSection", "report"]


@result
class ReportSection(Result):
    """One section of a report: a heading, a sentence, tables and charts (HTML, escaped).

    Attributes
    ----------
    title : str
        The heading (plain text).
    intro : str
        What the section shows (plain text).
    tables : tuple of str
        HTML tables, already escaped.
    charts : tuple of str
        Inline ``<svg>`` charts, each with a ``<title>`` and an ``aria-label``.
    notes : tuple of str
        Plain-text notes (e.g. a chart with nothing to draw).
    """

    title: str
    intro: str
    tables: tuple[str, ...] = ()
    charts: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()

    def to_html(self) -> str:
        """The section as an HTML ``<section>``."""
        slug = "".join(c if c.isalnum() else "-" for c in self.title.lower()).strip("-")
        parts = [
            f'<section id="{html.escape(slug)}">',
            f"<h2>{html.escape(self.title)}</h2>",
            f"<p>{html.escape(self.intro)}</p>",
        ]
        parts += [f'<figure class="chart">{svg}</figure>' for svg in self.charts]
        parts += [f'<div class="table">{table}</div>' for table in self.tables]
        parts += [f'<p class="note">{html.escape(note)}</p>' for note in self.notes]
        parts.append("</section>")
        return "\n".join(parts)


@result
class Report(Result):
    """A service's report at one instant: sections of tables and charts.

    Attributes
    ----------
    title : str
        The report's title.
    as_of : numpy.datetime64
        The instant the figures are computed at.
    sections : tuple of ReportSection
    notes : tuple of str
        Notes on the whole report (e.g. charts left out without matplotlib).
    """

    title: str
    as_of: np.datetime64
    sections: tuple[ReportSection, ...]
    notes: tuple[str, ...] = ()

    def to_html(self) -> str:
        """The report as one self-contained HTML document (no external resource)."""
        when = np.datetime_as_string(self.as_of, unit="m").replace("T", " ")
        toc = "".join(
            f'<li><a href="#{_slug(s.title)}">{html.escape(s.title)}</a></li>'
            for s in self.sections
        )
        notes = "".join(f'<p class="note">{html.escape(n)}</p>' for n in self.notes)
        body = "\n".join(s.to_html() for s in self.sections)
        return (
            "<!DOCTYPE html>\n"
            '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
            "style-src 'unsafe-inline'; img-src data:\">\n"
            f"<title>{html.escape(self.title)}</title>\n<style>{_CSS}</style>\n</head>\n"
            f"<body>\n<header><h1>{html.escape(self.title)}</h1>"
            f'<p class="as-of">Figures as of {html.escape(when)} UTC</p>{notes}'
            f"<nav><ul>{toc}</ul></nav></header>\n<main>\n{body}\n</main>\n"
            "<footer><p>Made with customer_kanban.</p></footer>\n</body>\n</html>\n"
        )

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the report's HTML to `path` (UTF-8) and return the path written."""
        if not isinstance(path, (str, os.PathLike)):
            raise TypeError(f"`path` must be a file path, got {type(path).__name__}")
        target = Path(path)
        target.write_text(self.to_html(), encoding="utf-8")
        return target

    def _repr_html_(self) -> str:
        body = "\n".join(s.to_html() for s in self.sections)
        return f'<div class="customer-kanban-report"><style>{_CSS}</style>{body}</div>'

    def __repr__(self) -> str:
        names = ", ".join(s.title for s in self.sections)
        return f"Report({self.title!r}, as_of={self.as_of}, sections: {names})"


def _slug(title: str) -> str:
    return html.escape("".join(c if c.isalnum() else "-" for c in title.lower()).strip("-"))


def report(
    table: WorkItemTable,
    policy: Policy,
    *,
    as_of: object,
    title: str = "Service delivery report",
    day_count: DayCount = "elapsed",
    previous: float | None = None,
    window_days: int = 30,
    days: int = 30,
    trials: int = 10_000,
    rng: np.random.Generator | int | None = 0,
    charts: bool = True,
) -> Report:
    """The report of a service at `as_of`: reviews, forecasts, journey, blockers, policies.

    Sections: the Service Delivery Review (per class of service and segment), flow
    (cumulative flow, throughput, WIP against its limits, class-of-service mix), lead
    time (delivered items' lead times, survival of open and delivered items), the work in
    progress by age, the forecasts, the customer journey between departments, the
    blockers, and the policies.  Each chart is an inline SVG when matplotlib is installed
    (the ``plot`` extra); without it the tables are there and a note says how to add the
    charts.

    Parameters
    ----------
    table : WorkItemTable
    policy : Policy
    as_of : instant
        The instant of the figures (the table as known then).
    title : str, optional
        The report's title.
    day_count : {"elapsed", "exclusive", "inclusive", "calendar", "business"}, optional
        How lead times and ages count days (see :func:`~customer_kanban.metrics.lead_time`).
    previous : float, optional
        Compare the review with the one this many days earlier.
    window_days, days, trials, rng
        The forecasts' options (see :func:`~customer_kanban.reviews.forecast_review`);
        `rng` defaults to 0, so that the same data give the same report.
    charts : bool, optional
        Draw the charts (default).  ``False`` gives the tables only, quicker.

    Returns
    -------
    Report

    Examples
    --------
    >>> from customer_kanban.datasets import DEMO_AS_OF, load_incidents
    >>> table, policy = load_incidents()
    >>> r = report(table, policy, as_of=DEMO_AS_OF, charts=False, trials=200)
    >>> [s.title for s in r.sections][:3]
    ['Service Delivery Review', 'Flow', 'Lead time']
    >>> r.to_html().startswith("<!DOCTYPE html>")
    True
    """
    _check(table, policy, title, day_count, charts)
    forecast_options_iv(window_days, days, trials, rng)  # the data may yet allow no forecast
    draw = charts and importlib.util.find_spec("matplotlib") is not None
    review = service_delivery_review(
        table, policy, as_of=as_of, day_count=day_count, previous=previous
    )
    when = as_instant_array([as_of], name="as_of")[0]
    forecast = (table, policy, when, {"window_days": window_days, "days": days,
                                      "trials": trials, "rng": rng})  # fmt: skip
    known = table.as_of(when)  # the charts show what was known at `when`
    builders: list[Callable[[], ReportSection]] = [
        lambda: _review_section(review),
        lambda: _flow_section(known, policy, when, draw),
        lambda: _lead_time_section(known, policy, when, draw),
        lambda: _aging_section(known, policy, when, draw),
        lambda: _forecast_or_why(*forecast, draw=draw),
        lambda: _journey_section(table, policy, when, draw),
        lambda: _blockers_section(review, draw),
        lambda: _policy_section(policy),
    ]
    sections = tuple(build() for build in builders)
    notes = () if draw or not charts else (f"Charts need matplotlib: {PLOT_EXTRA_HINT}",)
    return Report(title=title, as_of=when, sections=sections, notes=notes)


def _check(table: object, policy: object, title: object, day_count: object, charts: object) -> None:
    if not isinstance(table, WorkItemTable):
        raise TypeError(f"`table` must be a WorkItemTable, got {type(table).__name__}")
    if not isinstance(policy, Policy):
        raise TypeError(f"`policy` must be a Policy, got {type(policy).__name__}")
    if not isinstance(title, str) or not title.strip():
        raise ValidationError(f"`title` must be a non-empty text, got {title!r}")
    check_choice(day_count, name="day_count", choices=DAY_COUNTS)
    if not isinstance(charts, bool):
        raise TypeError(f"`charts` must be True or False, got {charts!r}")


# ------------------------------------------------------------------------ sections


def _review_section(review: Any) -> ReportSection:
    q = "/".join(f"{v:g}" for v in review.q)
    head = (
        "Line", "Delivered", f"Customer lead time p{q} (days)", "SLE", "Met the SLE",
        "Throughput per week", "Last weeks", "WIP", "Open requests", "At risk",
        "Blocked days", "Delay cost",
    )  # fmt: skip
    rows = [_review_cells(row) for row in review.rows]
    caption = (
        f"As of {review.as_of:%Y-%m-%d %H:%M} UTC; lead times in {review.day_count} days on the "
        f"{review.basis} lead time; throughput since {review.window_start:%Y-%m-%d}"
    )
    return ReportSection(
        title="Service Delivery Review",
        intro=(
            "Per class of service and customer segment: items delivered, customer lead-time "
            "percentiles, the service level expectation (SLE) and how often it was met, "
            "throughput, work in progress, requests at risk of missing their SLE, blocked "
            "time and delay cost. Every figure is also in the review's JSON and frame."
        ),
        tables=(_table(caption, head, rows),),
    )


def _review_cells(row: Any) -> list[str]:
    line = "All work" if row.dimension == "all" else f"{_DIMENSION[row.dimension]}: {row.group}"
    sle = "—" if row.sle_days is None else f"{row.sle_days:g} d at {row.sle_probability:.0%}"
    met = "—" if row.attainment != row.attainment else f"{row.attainment:.0%}"
    if row.sle_met is not None:
        met += " ✓" if row.sle_met else " ✗"
    return [
        line,
        f"{row.delivered:,}",
        " / ".join(_num(v) for v in row.customer_lead_time),
        sle,
        met,
        _num(row.throughput_per_week),
        " ".join(str(v) for v in row.throughput_trend),
        f"{row.wip:,}",
        f"{row.open_requests:,}",
        f"{len(row.at_risk):,}",
        _num(row.blocked_days),
        "—" if row.delay_cost != row.delay_cost else f"{row.delay_cost:,.0f}",
    ]


_DIMENSION = {
    "class_of_service": "Class",
    "class_of_service/segment": "Class / segment",
    "segment": "Segment",
}


def _num(value: float) -> str:
    """A figure rounded for reading: one decimal, none from 100 up; a dash for NaN."""
    if value != value:
        return "—"
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.1f}"


def _table(caption: str, head: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """An HTML table of plain-text cells (escaped here); figures right-aligned."""
    th = "".join(f'<th scope="col">{html.escape(h)}</th>' for h in head)
    body = "".join(
        "<tr>" + "".join(f"<td{_align(c)}>{html.escape(c)}</td>" for c in row) + "</tr>"
        for row in rows
    )
    return (
        f"<table><caption>{html.escape(caption)}</caption>"
        f"<thead><tr>{th}</tr></thead><tbody>{body}</tbody></table>"
    )


_FIGURE = re.compile(r"[\d,.\-—/%✓✗ ]+( d at \d+%)?")


def _align(cell: str) -> str:
    """The class of a cell holding figures (numbers, dates, percentages, a dash)."""
    return ' class="num"' if _FIGURE.fullmatch(cell) else ""


def _flow_section(
    table: WorkItemTable, policy: Policy, when: np.datetime64, draw: bool
) -> ReportSection:
    from customer_kanban.metrics.flow import cumulative_flow, throughput

    start = _window_start(table, when)
    wf = policy.workflow

    def cfd(ax: Any) -> Any:
        flow = cumulative_flow(table.first_entries(), states=table.states, since=start, until=when)
        return flow.plot(ax=ax, commitment=wf.commitment_point, delivery=wf.delivery_point)

    def weekly(ax: Any) -> Any:
        weeks = throughput(table["delivered_at"], freq="W", since=start, until=_last_week(when))
        return weeks.plot(ax=ax)

    charts, notes = _draw_all(
        draw,
        [
            ("cumulative flow", lambda: _svg_of(cfd)),
            ("throughput", lambda: _svg_of(weekly)),
            ("WIP", lambda: _svg_of(lambda ax: _plot().wip_limits(
                table, policy, since=start, until=when, ax=ax))),
            ("class-of-service mix", lambda: _svg_of(lambda ax: _plot().class_of_service_mix(
                table.filter(_delivered_since(table, start)), policy, ax=ax))),
        ],
    )  # fmt: skip
    return ReportSection(
        title="Flow",
        intro=(
            "How work arrives, moves and leaves over the last twelve weeks: the cumulative flow "
            "of the workflow's states, the weekly throughput with its trend, the work in "
            "progress against its limits, and the mix of classes of service delivered."
        ),
        charts=charts,
        notes=notes,
    )


def _last_week(when: np.datetime64) -> np.datetime64:
    """The last instant of the last whole week (Monday to Sunday) before `when`: the week
    under way is left out of weekly charts, where its few days would read as a drop."""
    day = when.astype("datetime64[D]")
    monday = day - np.timedelta64((int(day.astype(np.int64)) - 4) % 7, "D")  # 1970-01-01: Thu
    last: np.datetime64 = monday.astype("datetime64[ns]") - np.timedelta64(1, "ns")
    return last


def _delivered_since(table: WorkItemTable, start: np.datetime64) -> Any:
    """Items delivered at or after `start`."""
    delivered = table["delivered_at"]
    return ~np.isnat(delivered) & (delivered >= start)


def _lead_time_section(
    table: WorkItemTable, policy: Policy, when: np.datetime64, draw: bool
) -> ReportSection:
    charts, notes = _draw_all(
        draw,
        [
            ("lead-time", lambda: _svg_of(lambda ax: _plot().lead_time_scatter(
                table, policy, as_of=when, ax=ax))),
            ("survival", lambda: _svg_of(lambda ax: _survival(table, when, ax))),
            ("process behaviour", lambda: _svg_of(lambda ax: _behaviour(table, when, ax))),
        ],
    )  # fmt: skip
    return ReportSection(
        title="Lead time",
        intro=(
            "How long customers waited: each delivered item at its delivery date with the "
            "50th, 85th and 95th percentiles and each class's SLE; the chance that a request "
            "is still open after so many days, open requests counted (Kaplan–Meier, with "
            "Weibull and lognormal fits); and the weekly throughput as a process behaviour "
            "chart, whose signals say when the process changed."
        ),
        charts=charts,
        notes=notes,
    )


def _survival(table: WorkItemTable, when: np.datetime64, ax: Any) -> Any:
    """Kaplan–Meier of the customer lead time, open requests censored at `when`."""
    from customer_kanban.metrics import fit_lead_times, kaplan_meier, lead_time

    start, end = table["requested_at"], table["delivered_at"]
    known = ~np.isnat(start) & (start <= when)
    observed = known & ~np.isnat(end) & (end <= when)
    stop = np.where(observed, end, when)
    durations = lead_time(start[known], stop[known])
    seen = observed[known]
    survival = kaplan_meier(durations, seen)
    fits = [fit_lead_times(durations, seen, distribution=d) for d in ("weibull", "lognormal")]
    return survival.plot(ax=ax, fit=fits, censored=durations[~seen])


def _behaviour(table: WorkItemTable, when: np.datetime64, ax: Any) -> Any:
    """The XmR chart of the weekly deliveries in the charts' window."""
    from customer_kanban.metrics import process_behaviour, throughput

    weekly = throughput(
        table["delivered_at"], freq="W", since=_window_start(table, when), until=_last_week(when)
    )
    return process_behaviour(weekly).plot(ax=ax, ylabel="items delivered per week")


def _aging_section(
    table: WorkItemTable, policy: Policy, when: np.datetime64, draw: bool
) -> ReportSection:
    charts, notes = _draw_all(
        draw,
        [
            (
                "aging",
                lambda: _svg_of(lambda ax: _plot().aging_wip(table, policy, as_of=when, ax=ax)),
            )
        ],
    )
    return ReportSection(
        title="Work in progress",
        intro=(
            "The open items by state and age, against the pace of the finished items: an item "
            "above the 85th percentile band, or past its SLE, is at risk."
        ),
        charts=charts,
        notes=notes,
    )


def _plot() -> Any:
    """The plot package (imported when charts are drawn)."""
    import customer_kanban.plot as plot

    return plot


def _forecast_or_why(
    table: WorkItemTable, policy: Policy, when: np.datetime64, options: Any, *, draw: bool
) -> ReportSection:
    """The forecasts, or what keeps them from being made (no recent throughput...)."""
    try:
        forecasts = forecast_review(table, policy, as_of=when, **options)
    except ValidationError as exc:
        return ReportSection(
            title="Forecasts",
            intro="Monte Carlo forecasts from the recent daily throughput.",
            notes=(f"No forecast: {' '.join(str(exc).split())}",),
        )
    return _forecast_section(forecasts, draw)


def _forecast_section(forecasts: Any, draw: bool) -> ReportSection:
    when, how_many = forecasts.when, forecasts.how_many
    chances = [
        [f"{q:g}%", str(d), f"{v:,}"]
        for q, d, v in zip(
            when.q.tolist(), when.dates[0].tolist(), how_many.values[0].tolist(), strict=True
        )
    ]
    caption = (
        f"{forecasts.open_items:,} open requests; {forecasts.trials:,} trials resampling the "
        f"daily throughput of {forecasts.since} to {forecasts.until}"
    )
    head = ("Chance", "All open requests done by", f"Delivered in {how_many.days} days, at least")
    per_class = [
        [c.group, f"{c.open:,}", "—" if c.by_85 is None else str(c.by_85)]
        for c in forecasts.by_class_of_service
    ]
    predictability = [
        [p.group, f"{p.delivered:,}", _num(p.p85_delivered_only), _num(p.p85_censoring_aware),
         _num(p.tail_ratio), _num(p.sle_85_days)]
        for p in forecasts.predictability
    ]  # fmt: skip
    tables = (
        _table(caption, head, chances),
        _table("Per class of service", ("Class", "Open", "All done by (85%)"), per_class),
        _table(
            "How predictable each class's customer lead time is (days)",
            (
                "Class",
                "Delivered",
                "p85 delivered",
                "p85 with open items",
                "Tail ratio",
                "SLE that 85% would meet",
            ),
            predictability,
        ),
    )
    charts, notes = _draw_all(
        draw,
        [
            ("'when' forecast", lambda: _svg_of(lambda ax: when.plot(ax=ax))),
            ("'how many' forecast", lambda: _svg_of(lambda ax: how_many.plot(ax=ax))),
        ],
    )
    return ReportSection(
        title="Forecasts",
        intro=(
            "Monte Carlo forecasts from the recent daily throughput: when the open requests "
            "will be delivered, and how many items in the coming days, with the chance of each."
        ),
        tables=tables,
        charts=charts,
        notes=notes,
    )


def _journey_section(
    table: WorkItemTable, policy: Policy, when: np.datetime64, draw: bool
) -> ReportSection:
    title, intro = (
        "Customer journey",
        (
            "The journey of each request between departments: hand-offs, re-assignments, "
            "re-opens, and where customers wait before delivery."
        ),
    )
    if not table.transitions.department_labels.size:
        return ReportSection(
            title=title, intro=intro, notes=("The data has no department: no hand-off to show.",)
        )
    journey = customer_journey(table, workflow=policy, as_of=when, top=10)
    summary = [
        ["Requests", f"{journey.ids.size:,}"],
        ["Hand-offs", f"{int(journey.handoffs.sum()):,}"],
        ["Re-assignments", f"{int(journey.reassignments.sum()):,}"],
        ["Re-opens", f"{int(journey.reopens.sum()):,}"],
        ["Ping-pong loops", f"{int(journey.ping_pongs.sum()):,}"],
        ["Days waited before delivery", _num(float(journey.waiting_days.sum()))],
    ]
    steps = [
        [s.kind, s.origin, s.destination, f"{s.count:,}", _num(s.waiting_days)]
        for s in journey.costliest_steps
    ]
    charts, notes = _draw_all(draw, [("hand-off", lambda: _svg_of(lambda ax: journey.plot(ax=ax)))])
    return ReportSection(
        title=title,
        intro=intro,
        tables=(
            _table("The journey in figures", ("", "Total"), summary),
            _table(
                "The steps that cost customers the most waiting",
                ("Step", "From", "To", "Times", "Days waited"),
                steps,
            ),
        ),
        charts=charts,
        notes=notes,
    )


def _blockers_section(review: Any, draw: bool) -> ReportSection:
    everything = next((r for r in review.rows if r.dimension == "all"), None)
    clusters = () if everything is None else everything.blockers
    intro = (
        "What blocked work, how often and for how long: each reason's impact (days per "
        "block) and likelihood (share of the items it blocked)."
    )
    if not clusters:
        return ReportSection(
            title="Blockers", intro=intro, notes=("Nothing was blocked by the review's instant.",)
        )
    head = ("Reason", "Blocks", "Items", "Days blocked", "Days per block", "Items affected")
    rows = [
        [c.reason, f"{c.blocks:,}", f"{c.items:,}", _num(c.days), _num(c.impact),
         f"{c.likelihood:.0%}"]
        for c in clusters
    ]  # fmt: skip
    caption = "Blocker clusters, all work, most blocked days first"
    charts, notes = _draw_all(
        draw, [("blocker", lambda: _svg_of(lambda ax: _plot().blocker_chart(clusters, ax=ax)))]
    )
    return ReportSection(
        title="Blockers",
        intro=intro,
        tables=(_table(caption, head, rows),),
        charts=charts,
        notes=notes,
    )


def _policy_section(policy: Policy) -> ReportSection:
    wf = policy.workflow
    rows = [
        ("Workflow", " → ".join(wf.states)),
        ("Commitment point", wf.commitment_point),
        ("Delivery point", wf.delivery_point),
    ]
    rows += [(f"WIP limit: {state}", str(limit)) for state, limit in policy.wip_limits.items()]
    for cos in policy.classes_of_service:
        sle = cos.sle
        text = "no SLE" if sle is None else f"{sle.days:g} days at {sle.probability:.0%}"
        rows.append((f"Class of service: {cos.name}", text))
    table = _table("The service's policy", ("Policy", "Value"), [list(r) for r in rows])
    return ReportSection(
        title="Policies",
        intro="The explicit policies the figures are held to.",
        tables=(table,),
    )


# -------------------------------------------------------------------------- charts


def _draw_all(
    draw: bool, charts: Sequence[tuple[str, Callable[[], str]]]
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The SVG of each chart that has something to draw, and a note for each that has not."""
    if not draw:
        return (), ()
    svgs: list[str] = []
    notes: list[str] = []
    for name, make in charts:
        svg, note = _one_chart(name, make)
        svgs += [svg] if svg else []
        notes += [note] if note else []
    return tuple(svgs), tuple(notes)


def _one_chart(name: str, make: Callable[[], str]) -> tuple[str, str]:
    """The chart's SVG, or a note saying why there is nothing to draw."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", InsufficientDataWarning)
        try:
            svg = make()
        except ValidationError as exc:
            return "", f"No {name} chart: {exc}"
    said = "; ".join(dict.fromkeys(" ".join(str(w.message).split()) for w in caught))
    return svg, (f"In the {name} chart: {said}" if said else "")


def _svg_of(plot: Callable[[Any], Any]) -> str:
    """Draw with `plot(ax)` on a new figure of the report's size and return its SVG."""
    from matplotlib.figure import Figure

    from customer_kanban.plot import style

    figure = Figure(figsize=(9.0, 4.2), layout="constrained")
    ax = figure.add_subplot()
    with style.rc():
        plot(ax)
    return style.to_svg(figure)


def _window_start(table: WorkItemTable, when: np.datetime64, weeks: int = 12) -> np.datetime64:
    """The start of the charts' window: `weeks` before `when`, not before the first request."""
    requested = table["requested_at"]
    first = requested[~np.isnat(requested)].min() if requested.size else when
    return max(when - np.timedelta64(7 * weeks, "D"), min(first, when))


_CSS = """
:root { --ink: #222; --muted: #666; --rule: #ddd; --accent: #0072B2; }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 1100px; padding: 1.5rem 2rem 3rem;
  font: 15px/1.5 "DejaVu Sans", "Segoe UI", Helvetica, Arial, sans-serif; color: var(--ink); }
h1 { font-size: 1.7rem; margin: 0 0 .2rem; }
h2 { font-size: 1.3rem; margin: 2.2rem 0 .4rem; border-bottom: 2px solid var(--accent);
  padding-bottom: .2rem; }
.as-of, .note, footer { color: var(--muted); }
nav ul { list-style: none; padding: 0; margin: .8rem 0 0; display: flex; flex-wrap: wrap;
  gap: .3rem 1.2rem; }
nav a { color: var(--accent); text-decoration: none; }
figure.chart { margin: 1rem 0; }
figure.chart svg { width: 100%; height: auto; }
div.table { overflow-x: auto; margin: .8rem 0; }
table { border-collapse: collapse; font-size: .82rem; }
caption { text-align: left; font-weight: bold; padding: .3rem 0; }
th, td { padding: .2rem .5rem; border-bottom: 1px solid var(--rule); vertical-align: top; }
th { text-align: left; background: #f6f6f6; }
td { font-variant-numeric: tabular-nums; }
td.num { text-align: right; white-space: nowrap; }
@media print {
  body { max-width: none; padding: 0; font-size: 11pt; }
  nav { display: none; }
  section, figure.chart, table { break-inside: avoid; page-break-inside: avoid; }
  h2 { break-after: avoid; page-break-after: avoid; }
  div.table { overflow: visible; }
  table { font-size: 7pt; width: 100%; }
  th, td { padding: 1pt 3pt; }
  td.num { white-space: normal; }
}
"""
