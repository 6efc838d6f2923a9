"""The one clock (DESIGN §3): server time in UTC, day and month keys and bounds in Asia/Shanghai."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pkarena.clock import Clock, FrozenClock

SHANGHAI = ZoneInfo("Asia/Shanghai")
LAST_MS_OF_NOV_25 = datetime(2026, 11, 25, 23, 59, 59, 999_000, tzinfo=SHANGHAI)
MIDNIGHT_NOV_26 = datetime(2026, 11, 26, 0, 0, tzinfo=SHANGHAI)
LAST_MS_OF_NOVEMBER = datetime(2026, 11, 30, 23, 59, 59, 999_000, tzinfo=SHANGHAI)
MIDNIGHT_DECEMBER = datetime(2026, 12, 1, 0, 0, tzinfo=SHANGHAI)


@pytest.fixture
def clock() -> Clock:
    """A clock in the default zone (the moments are passed explicitly)."""
    return Clock()


def test_the_default_zone_is_shanghai(clock):
    assert clock.zone == SHANGHAI


def test_the_last_millisecond_before_local_midnight_belongs_to_the_old_day(clock):
    assert clock.day_key(LAST_MS_OF_NOV_25) == "2026-11-25"
    assert clock.day_key(MIDNIGHT_NOV_26) == "2026-11-26"


def test_local_midnight_is_four_pm_utc_the_day_before(clock):
    utc_midnight_minus_8h = datetime(2026, 11, 25, 16, 0, tzinfo=UTC)
    assert clock.day_key(utc_midnight_minus_8h - timedelta(microseconds=1)) == "2026-11-25"
    assert clock.day_key(utc_midnight_minus_8h) == "2026-11-26"


def test_the_last_millisecond_of_a_month_belongs_to_that_month(clock):
    assert clock.month_key(LAST_MS_OF_NOVEMBER) == "2026-11"
    assert clock.month_key(MIDNIGHT_DECEMBER) == "2026-12"


def test_the_local_month_changes_while_utc_is_still_in_the_old_one(clock):
    moment = datetime(2026, 11, 30, 16, 30, tzinfo=UTC)  # 00:30 on 1 December in Shanghai
    assert (moment.strftime("%Y-%m"), clock.month_key(moment)) == ("2026-11", "2026-12")


def test_day_bounds_are_the_local_midnights_in_utc(clock):
    start, end = clock.day_bounds(date(2026, 11, 25))
    assert start == datetime(2026, 11, 24, 16, 0, tzinfo=UTC)
    assert end == datetime(2026, 11, 25, 16, 0, tzinfo=UTC)
    assert start <= LAST_MS_OF_NOV_25 < end
    assert end == MIDNIGHT_NOV_26


def test_month_bounds_run_from_the_first_local_midnight_to_the_next_months(clock):
    start, end = clock.month_bounds("2026-11")
    assert start == datetime(2026, 10, 31, 16, 0, tzinfo=UTC)
    assert end == datetime(2026, 11, 30, 16, 0, tzinfo=UTC)
    assert start <= LAST_MS_OF_NOVEMBER < end <= MIDNIGHT_DECEMBER


@pytest.mark.parametrize(("month", "days"), [("2026-02", 28), ("2028-02", 29), ("2026-12", 31), ("2026-04", 30)])
def test_month_bounds_span_the_months_days_across_february_and_new_year(clock, month, days):
    start, end = clock.month_bounds(month)
    assert end - start == timedelta(days=days)


def test_the_month_before_january_is_last_years_december(clock):
    assert clock.previous_month_key(datetime(2027, 1, 1, 0, 0, tzinfo=SHANGHAI)) == "2026-12"
    assert clock.previous_month_key(MIDNIGHT_DECEMBER) == "2026-11"
    assert clock.previous_month_key(LAST_MS_OF_NOVEMBER) == "2026-10"


def test_now_is_always_aware_utc():
    clock = Clock(now=lambda: datetime(2026, 11, 25, 14, 0, tzinfo=SHANGHAI))
    assert clock.now() == datetime(2026, 11, 25, 6, 0, tzinfo=UTC)
    assert clock.now().tzinfo is UTC


def test_a_clock_source_giving_naive_datetimes_is_refused():
    with pytest.raises(ValueError, match="naive"):
        Clock(now=lambda: datetime(2026, 11, 25, 6, 0)).now()


def test_a_naive_moment_is_refused_rather_than_read_as_the_machines_local_time(clock):
    with pytest.raises(ValueError, match="naive"):
        clock.day_key(datetime(2026, 11, 25, 23, 0))


def test_another_zone_gives_other_keys_for_the_same_instant():
    moment = datetime(2026, 11, 25, 20, 0, tzinfo=UTC)
    assert Clock().day_key(moment) == "2026-11-26"
    assert Clock("Europe/Berlin").day_key(moment) == "2026-11-25"


def test_a_frozen_clock_moves_only_when_told():
    frozen = FrozenClock(LAST_MS_OF_NOV_25.astimezone(UTC))
    assert frozen.day_key() == "2026-11-25"
    assert frozen.now() == frozen.now()
    frozen.advance(milliseconds=1)
    assert frozen.day_key() == "2026-11-26"
    frozen.set(MIDNIGHT_DECEMBER)
    assert (frozen.month_key(), frozen.now().tzinfo) == ("2026-12", UTC)


moments = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC))


@given(moments)
def test_every_moment_lies_within_the_bounds_of_its_own_day_and_month(moment):
    clock = Clock()
    start, end = clock.day_bounds(date.fromisoformat(clock.day_key(moment)))
    assert start <= moment < end
    start, end = clock.month_bounds(clock.month_key(moment))
    assert start <= moment < end


@given(moments)
def test_a_local_day_is_twenty_four_hours_in_shanghai(moment):
    clock = Clock()
    start, end = clock.day_bounds(date.fromisoformat(clock.day_key(moment)))
    if start.year > 1991:  # China observed daylight saving time until 1991
        assert end - start == timedelta(hours=24)
