"""``day_count="calendar"`` is the inclusive count under the name ActionableAgile users give it."""

import numpy as np
import pytest

from customer_kanban import metrics
from customer_kanban.datasets import DEMO_AS_OF, load_incidents
from customer_kanban.reviews import service_delivery_review


def test_calendar_equals_inclusive_for_lead_time_and_age():
    start = np.array(["2018-01-03T09:00", "2018-01-05T23:00", "NaT"], dtype="datetime64[ns]")
    end = np.array(["2018-01-06T08:00", "2018-01-06T01:00", "2018-01-07"], dtype="datetime64[ns]")
    cal = metrics.lead_time(start, end, day_count="calendar")
    assert np.array_equal(cal, metrics.lead_time(start, end, day_count="inclusive"), equal_nan=True)
    assert cal[:2].tolist() == [4.0, 2.0]  # 3 -> 6 January is 4 days; 23:00 -> 01:00 is 2
    as_of = np.datetime64("2018-01-08T12:00")
    opened = np.array(["2018-01-08T00:00", "2018-01-01"], dtype="datetime64[ns]")
    age = metrics.work_item_age(opened, [None, None], as_of=as_of, day_count="calendar")
    assert age.tolist() == [1.0, 8.0]


def test_a_review_counts_calendar_days_as_inclusive_ones():
    table, policy = load_incidents()
    a = service_delivery_review(table, policy, as_of=DEMO_AS_OF, day_count="calendar")
    b = service_delivery_review(table, policy, as_of=DEMO_AS_OF, day_count="inclusive")
    assert a.row("all", "all").customer_lead_time == b.row("all", "all").customer_lead_time
    assert a.day_count == "calendar"


def test_an_unknown_day_count_names_every_choice():
    with pytest.raises(ValueError, match="'calendar'"):
        metrics.lead_time(["2024-01-01"], ["2024-01-02"], day_count="days")
