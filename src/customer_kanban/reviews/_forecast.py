"""Forecast review: when the open requests will be done, how many items in the coming days,
and how predictable each class of service's lead time is.

Every figure is a metric function's, applied to the table as known at `as_of`:
:func:`~customer_kanban.metrics.daily_throughput` of a recent window,
:func:`~customer_kanban.metrics.forecast_when` and
:func:`~customer_kanban.metrics.forecast_how_many` (Monte Carlo) for all work and per
class of service, the customer lead time's 85th percentile plain and censoring-aware
(:func:`~customer_kanban.metrics.percentiles`), its tail ratio, Weibull shape and
recommended SLE (:func:`~customer_kanban.metrics.tail_ratio`,
:func:`~customer_kanban.metrics.fit_lead_times`,
:func:`~customer_kanban.metrics.recommend_sle`), and each open request's own forecast
given its age (:func:`~customer_kanban.metrics.single_item_forecast`).
"""

from __future__ import annotations

import datetime as _dt
import warnings
from typing import Any, cast

import attrs
import numpy as np
import numpy.typing as npt

from customer_kanban import metrics
from customer_kanban._core.results import Result, result
from customer_kanban._core.serialize import to_dict, to_json
from customer_kanban._core.validation import (
    as_generator,
    as_instant_scalar,
    as_whole_number,
)
from customer_kanban.errors import InsufficientDataWarning, ValidationError
from customer_kanban.metrics import HowManyForecast, WhenForecast
from customer_kanban.model import Policy
from customer_kanban.reviews._checks import expect
from customer_kanban.reviews._forecast_summary import (
    class_labels,
    class_throughput,
    rounded_history,
    summary_check,
)
from customer_kanban.reviews._forecast_text import render
from customer_kanban.reviews._tables import (
    Cells,
    Columns,
    as_column,
    columns_of,
    constant_columns,
    html_tables,
)
from customer_kanban.summaries import FlowSummary
from customer_kanban.table import WorkItemTable

__all__ = [
    "ClassForecast",
    "ClassPredictability",
    "ForecastReview",
    "OpenItemForecast",
    "forecast_review",
]

_DAY = np.timedelta64(1, "D")
#: Largest `trials`: each forecast "when" of the review simulates up to 3,650 days per
#: trial (its `max_days`), so that the largest review takes a few seconds (measured 2.6 s
#: on the incidents at 50,000 trials and `days` 3,650).
MAX_TRIALS = 50_000
#: Largest `days` of the "how many" forecast: ten years.
MAX_DAYS = 3_650
#: Largest `window_days`: a hundred years of history (the window starts at the first
#: request anyway).
MAX_WINDOW_DAYS = 36_525
#: Per-trial arrays left out of :meth:`ForecastReview.to_dict` (summarised beside them).
_TRIALS = {"when": ("days", "completion"), "how_many": ("counts",)}


@result
class ClassForecast(Result):
    """When the open requests of one class of service will be done (85 % chance).

    Attributes
    ----------
    group : str
        The class of service.
    open : int
        Its requests open at ``as_of``.
    by_85 : datetime.date or None
        The day by which they are all done with an 85 % chance
        (:func:`~customer_kanban.metrics.forecast_when` of the class's own daily
        throughput); ``as_of``'s day when none is open; ``None`` when the class
        delivered nothing in the window to forecast from.
    """

    group: str
    open: int
    by_85: _dt.date | None


@result
class ClassPredictability(Result):
    """How predictable one class of service's customer lead time is.

    Attributes
    ----------
    group : str
        The class of service.
    delivered, open : int
        Its requests delivered by ``as_of``, and open then.
    p85_delivered_only : float
        85th percentile of the delivered requests' lead time (nearest rank). [days]
    p85_censoring_aware : float
        The same with the open requests counted as "at least this old"
        (Kaplan–Meier); ``inf`` when they keep it out of reach. [days]
    tail_ratio : float
        p98 / p50 on the same basis (NaN below 50 deliveries).
    weibull_shape : float
        Shape ``k`` of the Weibull fit (below 1: a fat tail).
    sle_85_days, sle_85_low, sle_85_high : float
        Whole days that 85 % of the deliveries met, and the bootstrap interval of
        that percentile (:func:`~customer_kanban.metrics.recommend_sle`). [days]
    """

    group: str
    delivered: int
    open: int
    p85_delivered_only: float
    p85_censoring_aware: float
    tail_ratio: float
    weibull_shape: float
    sle_85_days: float
    sle_85_low: float
    sle_85_high: float


@result
class OpenItemForecast(Result):
    """When one open request will be done, given its age.

    Attributes
    ----------
    id : str
    class_of_service : str
        Its class of service (``""`` without one).
    age_days : float
        Its age at ``as_of`` (customer lead time so far). [days]
    by_50, by_85 : datetime.date or None
        The days by which it is done with a 50 % and an 85 % chance
        (:func:`~customer_kanban.metrics.single_item_forecast` from its class's
        history); ``None`` when too few past requests took longer than its age.
    """

    id: str
    class_of_service: str
    age_days: float
    by_50: _dt.date | None
    by_85: _dt.date | None


@result
class ForecastReview(Result):
    """The forecast review: when, how many, per class of service, predictability.

    Attributes
    ----------
    as_of : numpy.datetime64
        The instant of the review (UTC).
    open_items : int
        Requests open at `as_of`.
    since, until : datetime.date
        The first and last whole day of the sampled throughput history.
    daily_throughput : numpy.ndarray of int64
        Deliveries on each day of the history.
    when : WhenForecast
        When the `open_items` will all be done.
    how_many : HowManyForecast
        How many items will be delivered in the next ``how_many.days`` days.
    by_class_of_service : tuple of ClassForecast
        When each class's open requests will be done.
    predictability : tuple of ClassPredictability
        Each class's customer lead time.
    oldest_open : tuple of OpenItemForecast
        Every open request, the oldest first, with its own forecast.
    trials : int
        Monte Carlo trials of each forecast.
    seed : int or None
        The seed the randomness came from (``None``: a Generator or fresh entropy).
    resolution : str or None
        For a review of a :class:`~customer_kanban.summaries.FlowSummary`: its
        resolution, the predictability figures being those of the lead times and ages
        rounded up to it; None for a table's review.

    Notes
    -----
    :meth:`to_dict` and :meth:`to_json` leave out the forecasts' trials
    (``when.days``, ``when.completion``, ``how_many.counts``): ``values`` and
    ``dates`` summarise them. :meth:`to_frame` has one row per class of service.
    """

    as_of: np.datetime64
    open_items: int
    since: _dt.date
    until: _dt.date
    daily_throughput: npt.NDArray[np.int64]
    when: WhenForecast
    how_many: HowManyForecast
    by_class_of_service: tuple[ClassForecast, ...]
    predictability: tuple[ClassPredictability, ...]
    oldest_open: tuple[OpenItemForecast, ...]
    trials: int
    seed: int | None
    resolution: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """This review as plain data, the forecasts' trials left out (see Notes)."""
        out: dict[str, Any] = {}
        for name in _names(self):
            value = getattr(self, name)
            left_out = _TRIALS.get(name, ())
            out[name] = (
                {n: to_dict(getattr(value, n)) for n in _names(value) if n not in left_out}
                if left_out
                else to_dict(value)
            )
        return out

    def to_json(self, *, indent: int | None = None) -> str:
        """This review as strict JSON (non-finite numbers as ``null``; see :meth:`to_dict`)."""
        return to_json(self.to_dict(), indent=indent)

    def render(self) -> str:
        """The review as readable text."""
        return render(self)

    def __str__(self) -> str:
        return self.render()

    def _class_columns(self) -> Columns:
        cells = [
            {**_class_cells(c), **_predictability_cells(p)}
            for c, p in zip(self.by_class_of_service, self.predictability, strict=True)
        ]
        return columns_of(cells)

    def _frame_columns(self) -> Columns:
        """One row per class of service: ``group``, ``open``, ``by_85`` (an instant at
        midnight UTC), ``delivered``, ``p85_delivered_only``, ..., ``sle_85_high``;
        ``as_of`` constant."""
        columns = self._class_columns()
        columns["by_85"] = _midnights(columns["by_85"])
        return {**columns, **constant_columns(len(self.predictability), as_of=self.as_of)}

    def _html_title(self) -> str:
        seed = "" if self.seed is None else f", seed {self.seed}"
        return (
            f"Forecast as of {str(self.as_of)[:16].replace('T', ' ')} UTC ({self.trials:,} "
            f"trials{seed}) of the {self.open_items} open requests, from the daily throughput "
            f"of {self.since} to {self.until}"
        )

    def _repr_html_(self) -> str:
        chances = {  # the two forecasts ask for the same chances (forecast_review's)
            "chance_pct": self.when.q,
            "all_done_by": as_column([str(d) for d in self.when.dates[0]]),
            f"delivered_in_{self.how_many.days}_days_at_least": self.how_many.values[0],
        }
        items = columns_of([_open_cells(r) for r in self.oldest_open])
        return html_tables(
            (self._html_title(), chances),
            (
                "Per class of service: open requests and customer lead time [days]",
                self._class_columns(),
            ),
            ("Open requests, the oldest first: when will each be done?", items),
        )


def _names(value: Result) -> list[str]:
    """The field names of a result, in order."""
    return [f.name for f in attrs.fields(cast("Any", type(value)))]


def _class_cells(c: ClassForecast) -> Cells:
    return {"group": c.group, "open": c.open, "by_85": None if c.by_85 is None else str(c.by_85)}


def _predictability_cells(p: ClassPredictability) -> Cells:
    return {
        "delivered": p.delivered,
        "p85_delivered_only": p.p85_delivered_only,
        "p85_censoring_aware": p.p85_censoring_aware,
        "tail_ratio": p.tail_ratio,
        "weibull_shape": p.weibull_shape,
        "sle_85_days": p.sle_85_days,
        "sle_85_low": p.sle_85_low,
        "sle_85_high": p.sle_85_high,
    }


def _open_cells(r: OpenItemForecast) -> Cells:
    return {
        "id": r.id,
        "class_of_service": r.class_of_service,
        "age_days": r.age_days,
        "by_50": None if r.by_50 is None else str(r.by_50),
        "by_85": None if r.by_85 is None else str(r.by_85),
    }


def _midnights(days: npt.NDArray[Any]) -> npt.NDArray[np.datetime64]:
    """ISO days (None: NaT) as instants at midnight UTC."""
    return np.array(["NaT" if d is None else d for d in days.tolist()], dtype="datetime64[ns]")


# --------------------------------------------------------------------------- the review


def forecast_review(
    table: WorkItemTable | FlowSummary,
    policy: Policy,
    *,
    as_of: object,
    window_days: int = 30,
    days: int = 30,
    trials: int = 10_000,
    rng: np.random.Generator | int | None = None,
) -> ForecastReview:
    """Forecast review: when the open requests will be done, how many items in `days`
    days, per class of service, and how predictable each class's lead time is.

    The Monte Carlo forecasts resample the daily throughput of the last `window_days`
    whole days before `as_of` (not before the first request: days before it are no
    zero-throughput days of the service). Every figure is a metric function's, applied
    to the table as known at `as_of` (see the module docstring).

    Parameters
    ----------
    table : WorkItemTable or FlowSummary
        The items, or their :class:`~customer_kanban.summaries.FlowSummary` (by class
        of service, or by None; `as_of` its own instant). From a summary the forecasts
        equal the table's (the daily deliveries are kept exactly; same `rng`, same
        draws), the predictability figures are those of the lead times and ages
        rounded up to its resolution (the review's ``resolution``), and
        ``oldest_open`` is empty: a summary keeps no ids.
    policy : Policy
        Its classes of service come first, in its order (then the table's others).
    as_of : instant
        The instant of the review; later requests are left out, later deliveries
        not yet made.
    window_days : int, optional
        Whole days of history to sample (default 30, at least 1, at most 36,525).
    days : int, optional
        Horizon of "how many" (default 30, at least 1, at most 3,650). [days]
    trials : int, optional
        Monte Carlo trials of each forecast (default 10,000, at least 1, at most
        50,000).
    rng : numpy.random.Generator or int or None, optional
        Randomness of the forecasts and of the SLE bootstrap: an int seed gives
        each its own generator from that seed (same seed, same review).

    Returns
    -------
    ForecastReview

    Raises
    ------
    customer_kanban.errors.ValidationError
        If `as_of` is not one instant, a whole number is outside its bounds, no
        whole day of history lies before `as_of`, or no request was delivered in
        the window sampled before `as_of` (no throughput to forecast from).
    TypeError
        If `table` is not a WorkItemTable, `policy` not a Policy, `window_days`,
        `days` or `trials` not a whole number, or `rng` not one of its three forms.

    Examples
    --------
    >>> from customer_kanban.datasets import DEMO_AS_OF, load_incidents
    >>> table, policy = load_incidents()
    >>> review = forecast_review(table, policy, as_of=DEMO_AS_OF, trials=1000, rng=0)
    >>> review.open_items, str(review.since), str(review.until)
    (1247, '2016-04-09', '2016-05-08')
    >>> sum(c.open for c in review.by_class_of_service) == review.open_items
    True
    """
    expect(policy, Policy, "policy")
    when = as_instant_scalar(as_of, name="as_of")
    if isinstance(table, FlowSummary):
        summary_check(table, when)
    else:
        expect(table, WorkItemTable, "table")
    window_days, days, trials = forecast_options_iv(window_days, days, trials, rng)
    history = (
        _History.of_summary(table, policy, when)
        if isinstance(table, FlowSummary)
        else _History.of(table, policy, when)
    )
    since, until = history.window(window_days)
    sample = history.daily(since, until)
    if not sample.any():
        n = int((until - since) / _DAY) + 1
        raise ValidationError(
            f"no request was delivered in the {n} day{'s' if n > 1 else ''} sampled before "
            f"`as_of` ({_day(since)} to {_day(until)}): no throughput to forecast from; "
            "choose another `as_of` or a longer `window_days`"
        )
    return ForecastReview(
        as_of=when,
        open_items=history.open_items,
        since=_day(since),
        until=_day(until),
        daily_throughput=sample,
        when=metrics.forecast_when(sample, history.open_items, trials=trials, as_of=when, rng=rng),
        how_many=metrics.forecast_how_many(sample, days, trials=trials, rng=rng),
        by_class_of_service=_class_forecasts(history, since, until, trials, rng),
        predictability=_predictability(history, rng),
        oldest_open=() if history.summary is not None else _oldest_open(history),
        trials=trials,
        seed=int(rng) if isinstance(rng, (int, np.integer)) else None,
        resolution=None if history.summary is None else history.summary.resolution,
    )


def forecast_options_iv(
    window_days: object, days: object, trials: object, rng: object
) -> tuple[int, int, int]:
    """Check :func:`forecast_review`'s options (`rng` is checked, not used)."""
    window = as_whole_number(window_days, name="window_days", minimum=1, maximum=MAX_WINDOW_DAYS)
    horizon = as_whole_number(days, name="days", minimum=1, maximum=MAX_DAYS)
    n_trials = as_whole_number(trials, name="trials", minimum=1, maximum=MAX_TRIALS)
    as_generator(rng)  # each forecast draws from `rng` itself
    return window, horizon, n_trials


@attrs.frozen(eq=False)
class _History:
    """The table as known at `when`: customer lead time (age when open) per class."""

    when: np.datetime64
    ids: npt.NDArray[Any]
    seen: npt.NDArray[np.bool_]
    delivered: npt.NDArray[np.datetime64]
    done: npt.NDArray[np.bool_]
    open: npt.NDArray[np.bool_]
    lead: npt.NDArray[np.float64]  # NaN: not requested yet [days]
    codes: npt.NDArray[np.int32]  # class of service (-1: none, or not requested yet)
    labels: list[str]
    first_day: np.datetime64 | None  # of the first request
    summary: FlowSummary | None = None  # the summary the history was rebuilt from

    @classmethod
    def of_summary(cls, summary: FlowSummary, policy: Policy, when: np.datetime64) -> _History:
        """The history of a summary: lead times and ages rounded up to its resolution."""
        labels = class_labels(summary, policy)
        lead, done, codes = rounded_history(summary, labels)
        first = summary.first_requested[~np.isnat(summary.first_requested)]
        return cls(
            when=when,
            ids=np.empty(0, object),
            seen=np.ones(lead.size, bool),
            delivered=np.full(lead.size, np.datetime64("NaT", "ns")),
            done=done,
            open=~done,
            lead=lead,
            codes=codes,
            labels=labels,
            first_day=first.min().astype("datetime64[D]") if first.size else None,
            summary=summary,
        )

    def daily(self, since: np.datetime64, until: np.datetime64) -> npt.NDArray[np.int64]:
        """Deliveries on each day from `since` to `until`, all work."""
        if self.summary is not None:
            counts: npt.NDArray[np.int64] = (
                self.summary.total().daily_throughput(since=since, until=until).counts.sum(axis=0)
            )
            return counts
        tp = metrics.daily_throughput(self.delivered_seen, since=since, until=until)
        out: npt.NDArray[np.int64] = tp.counts[0]
        return out

    def class_daily(self, since: np.datetime64, until: np.datetime64) -> Any:
        """Daily deliveries per class of service (a DailyThroughput)."""
        if self.summary is not None:
            return class_throughput(self.summary, self.labels, since, until)
        return metrics.daily_throughput(self.delivered, since=since, until=until, by=self.by)

    @classmethod
    def of(cls, table: WorkItemTable, policy: Policy, when: np.datetime64) -> _History:
        requested, delivered = table["requested_at"], table["delivered_at"]
        seen = requested <= when
        done = seen & (delivered <= when)
        lead = np.where(done, delivered - requested, when - requested) / _DAY
        lead[~seen] = np.nan
        codes, labels = _class_codes(table, policy)
        return cls(
            when=when,
            ids=table["id"],
            seen=seen,
            delivered=delivered,
            done=done,
            open=seen & ~done,
            lead=lead,
            codes=np.where(seen, codes, -1).astype(np.int32),
            labels=labels,
            first_day=requested[seen].min().astype("datetime64[D]") if seen.any() else None,
        )

    @property
    def delivered_seen(self) -> npt.NDArray[np.datetime64]:
        out: npt.NDArray[np.datetime64] = self.delivered[self.seen]
        return out

    @property
    def open_items(self) -> int:
        return int(np.count_nonzero(self.open))

    @property
    def by(self) -> tuple[npt.NDArray[np.int32], list[str]]:
        return self.codes, self.labels

    def window(self, window_days: int) -> tuple[np.datetime64, np.datetime64]:
        """The whole days sampled: the last `window_days` before `when`, from the first
        request's day on."""
        today = self.when.astype("datetime64[D]")
        until = today - _DAY
        since = max(today - window_days * _DAY, until if self.first_day is None else self.first_day)
        if since > until:
            raise ValidationError("no whole day of history before `as_of` to sample from")
        return since, until


def _class_codes(table: WorkItemTable, policy: Policy) -> tuple[npt.NDArray[np.int32], list[str]]:
    """Each item's class of service over the policy's classes, then the table's others."""
    codes, table_labels = table.codes("class_of_service")
    labels = [c.name for c in policy.classes_of_service]
    labels += [str(x) for x in table_labels if str(x) not in labels]
    remap = np.array([labels.index(str(x)) for x in table_labels] + [-1], dtype=np.int32)
    return remap[codes], labels  # code -1 picks the trailing -1


def _day(value: np.datetime64) -> _dt.date:
    out: _dt.date = value.astype("datetime64[D]").astype(object)
    return out


def _day_or_none(value: np.datetime64) -> _dt.date | None:
    return None if np.isnat(value) else _day(value)


def _open_per_class(history: _History) -> npt.NDArray[np.int64]:
    codes = history.codes
    return np.bincount(codes[history.open & (codes >= 0)], minlength=len(history.labels))


def _class_forecasts(
    history: _History,
    since: np.datetime64,
    until: np.datetime64,
    trials: int,
    rng: np.random.Generator | int | None,
) -> tuple[ClassForecast, ...]:
    """When each class's open requests will be done (85 %), from its own throughput."""
    open_per_class = _open_per_class(history)
    tp = history.class_daily(since, until)
    can = (tp.counts.sum(axis=1) > 0) & (open_per_class > 0)
    items = {tp.groups[g]: int(open_per_class[g]) for g in np.flatnonzero(can)}
    dates: dict[Any, _dt.date | None] = {}
    if items:
        f = metrics.forecast_when(tp, items, q=[85], as_of=history.when, rng=rng, trials=trials)
        dates = {g: _day_or_none(d) for g, d in zip(f.groups.tolist(), f.dates[:, 0], strict=True)}
    today = _day(history.when)
    return tuple(
        ClassForecast(
            group=label,
            open=int(open_per_class[g]),
            by_85=dates.get(label) if open_per_class[g] else today,
        )
        for g, label in enumerate(history.labels)
    )


def _predictability(
    history: _History, rng: np.random.Generator | int | None
) -> tuple[ClassPredictability, ...]:
    """Each class's customer lead time: p85 plain and censoring-aware, tail, fit, SLE."""
    lead, done, by = history.lead, history.done, history.by
    delivered_lead = np.where(done, lead, np.nan)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InsufficientDataWarning)
        plain = metrics.percentiles(delivered_lead, 85, by=by, method="inverted_cdf")
        aware = metrics.percentiles(lead, 85, by=by, observed=done)
        tail = metrics.tail_ratio(lead, done, by=by)
        fit = metrics.fit_lead_times(lead, done, by=by)
        sle = metrics.recommend_sle(delivered_lead, probability=0.85, by=by, rng=rng)
    delivered = np.bincount(history.codes[done & (history.codes >= 0)], minlength=len(by[1]))
    open_per_class = _open_per_class(history)
    return tuple(
        ClassPredictability(
            group=label,
            delivered=int(delivered[g]),
            open=int(open_per_class[g]),
            p85_delivered_only=float(plain.values[g, 0]),
            p85_censoring_aware=float(aware.values[g, 0]),
            tail_ratio=float(tail.ratio[g]),
            weibull_shape=float(fit.shape[g]),
            sle_85_days=float(sle.days[g]),
            sle_85_low=float(sle.low[g]),
            sle_85_high=float(sle.high[g]),
        )
        for g, label in enumerate(history.labels)
    )


def _oldest_open(history: _History) -> tuple[OpenItemForecast, ...]:
    """Every open request, the oldest first, forecast from its class's history."""
    lead, codes, labels = history.lead, history.codes, history.labels
    rows = np.flatnonzero(history.open)
    rows = rows[np.argsort(-lead[rows], kind="stable")]
    grouped = bool(labels)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InsufficientDataWarning)
        single = metrics.single_item_forecast(
            lead[rows],
            lead,
            history.done,
            q=[50, 85],
            by=(codes[rows], labels) if grouped else None,
            history_by=history.by if grouped else None,
            as_of=history.when,
        )
    return tuple(
        OpenItemForecast(
            id=str(history.ids[row]),
            class_of_service=labels[codes[row]] if codes[row] >= 0 else "",
            age_days=float(lead[row]),
            by_50=_day_or_none(single.dates[i, 0]),
            by_85=_day_or_none(single.dates[i, 1]),
        )
        for i, row in enumerate(rows.tolist())
    )
