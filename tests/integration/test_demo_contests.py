"""The demo's contests: this month's PK赛 of the paired branches runs on the simulated play, last month's is
frozen with a 流动红旗 and a bulletin, the joint group has a quarterly contest, and seeding again adds nothing."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from pkarena.clock import FrozenClock
from pkarena.models import AuditLog, Contest, ContestResultRow, ContestSeries, Member
from pkarena.services.contests import standings as contest_standings
from pkarena.services.contests import views as contest_views
from pkarena.services.demo import contests as demo_contests
from pkarena.services.demo import seed as demo


def seeded_host(session) -> Member:
    """The demo organizer who creates the contests."""
    return session.execute(select(Member).where(Member.username == "host-a")).scalar_one()


def counts(session) -> tuple[int, int, int, int]:
    """Contests, series, frozen result rows and contest audit rows."""
    found = tuple(session.execute(select(func.count()).select_from(model)).scalar_one()
                  for model in (Contest, ContestSeries, ContestResultRow))
    audited = session.execute(select(func.count(AuditLog.id)).where(AuditLog.action.like("contest%"))).scalar_one()
    return (*found, audited)


# The whole demo seed (about 4,600 awards): once, on SQLite, like the demo itself runs.
@pytest.mark.parametrize("backend", [("sqlite", "memory")], indirect=True, ids=["sqlite-memory"])
def test_demo_seed_runs_this_months_pk_and_froze_last_months(app, session, clock, client, login):
    store = app.extensions["pkarena.store"]
    seeded = demo.seed(session, clock, on_commit=app.extensions["pkarena.boards"])["contests"]
    assert seeded.created == 3 and None not in (seeded.running_id, seeded.frozen_id, seeded.quarterly_id)
    contest_standings.rebuild(session, store)  # as `pkarena demo` does at every start
    assert contest_standings.check(session, store) == []

    running = session.get(Contest, seeded.running_id)
    assert running.name == "一支部×运维支部 月度PK赛（2026年11月）" and running.pairing_id is not None
    assert contest_views.summary(running, clock)["status"] == "running"
    rows = contest_standings.standings_rows(session, store, clock, running)
    assert len(rows) == 2 and all(row["total"] > 0 and row["participants"] > 0 for row in rows)
    assert rows == [row.as_row() for row in contest_standings.compute(session, clock, running)]

    frozen = session.get(Contest, seeded.frozen_id)
    assert frozen.series_id == running.series_id and (str(frozen.starts_on), str(frozen.ends_on)) == (
        "2026-10-01", "2026-10-31")
    assert frozen.status == "frozen" and frozen.winner_org_id in {row["org_id"] for row in rows}
    assert contest_standings.verify(session, clock, frozen) == []
    # The 流动红旗 of last month is shown on this month's contest of the same series.
    assert contest_views.detail(session, store, clock, running)["flag_holder_org_id"] == frozen.winner_org_id

    quarterly = session.get(Contest, seeded.quarterly_id)
    assert quarterly.joint_group_id is not None and len(quarterly.orgs) >= 2
    assert (str(quarterly.starts_on), str(quarterly.ends_on)) == ("2026-10-01", "2026-12-31")
    assert contest_views.summary(quarterly, clock)["status"] == "running"
    assert all(row["total"] > 0 for row in contest_standings.standings_rows(session, store, clock, quarterly))

    # Created through the services by the organizer host-a: audited.
    actors = set(session.execute(select(AuditLog.actor_id).where(AuditLog.action.like("contest%"))).scalars())
    assert actors == {seeded_host(session).id}
    login(seeded_host(session), demo.DEMO_PASSWORD)
    page = client.get(f"/admin/contests/{frozen.id}/bulletin").get_data(as_text=True)
    assert frozen.checksum in page and "流动红旗" in page

    before = counts(session)
    again = demo.seed_contests(session, clock)
    assert again.created == 0 and (again.running_id, again.frozen_id, again.quarterly_id) == (
        seeded.running_id, seeded.frozen_id, seeded.quarterly_id)
    assert counts(session) == before


@pytest.mark.parametrize(("now", "expected"), [
    (datetime(2026, 12, 31, 16, 30, tzinfo=UTC), "2026-12-01T09:00"),  # 00:30 on 1 January in Shanghai
    (datetime(2027, 3, 31, 3, 0, tzinfo=UTC), "2027-02-01T09:00"),
    (datetime(2026, 11, 25, 6, 0, tzinfo=UTC), "2026-10-01T09:00"),
])
def test_last_months_contest_is_made_on_last_months_first_morning_whatever_the_day(now, expected):
    then = demo_contests.last_month_clock(FrozenClock(now), datetime(2020, 1, 1, tzinfo=UTC))
    assert then.local().strftime("%Y-%m-%dT%H:%M") == expected
    # Never before the demo world existed (its organizer's account).
    later = demo_contests.last_month_clock(FrozenClock(now), then.now().replace(hour=5))
    assert later.now() > then.now().replace(hour=5) and later.local().month == then.local().month
