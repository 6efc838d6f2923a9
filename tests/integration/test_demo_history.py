"""The demo's simulated six weeks: the real award path, so caps and match limits hold; idempotent; no drift."""

from __future__ import annotations

from collections import defaultdict

import pytest
from sqlalchemy import func, select

from pkarena.engine import rules
from pkarena.models import LedgerEntry
from pkarena.services.boards import cache as boards
from pkarena.services.demo import history as demo_history
from pkarena.services.demo import seed as demo
from pkarena.services.monthly import freeze
from pkarena.store import keys

USERNAMES = ["a01", "a02", "a03", "b01", "b02"]


@pytest.fixture
def people(world):
    a, b = world.org("华瑞公司"), world.org("星联公司")
    branch_a, branch_b = world.org("生产支部", a), world.org("运维支部", b)
    hosts = [world.member(branch_a, "host-a", role="organizer", scope=a),
             world.member(branch_b, "host-b", role="organizer", scope=b)]
    players = {u: world.member(branch_a if u.startswith("a") else branch_b, u) for u in USERNAMES}
    return {"hosts": hosts, "players": players}


def simulate(app, session, clock, people, days: int = 14):
    return demo_history.simulate(session, clock, days=days, usernames=USERNAMES,
                                 actor_ids=[h.id for h in people["hosts"]], on_commit=app.extensions["pkarena.boards"])


def test_simulated_play_respects_daily_caps_and_counted_matches(app, session, clock, people):
    result = simulate(app, session, clock, people)
    assert result.created > 100 and result.existing == 0
    assert (result.first_day, result.last_day) == ("2026-11-11", "2026-11-24")
    points, counted = defaultdict(int), defaultdict(int)
    for entry in session.execute(select(LedgerEntry).where(LedgerEntry.source != "manual")).scalars():
        points[(entry.member_id, entry.day, entry.source)] += entry.points
        counted[(entry.member_id, entry.day, entry.source)] += entry.points > 0
        assert entry.points >= 0 and entry.day < "2026-11-25"
        assert entry.day == clock.day_key(entry.awarded_at)  # stamped by the simulation's clock
    rule_set = rules.DEFAULT_RULES
    for (_member, _day, source), total in points.items():
        rule = rule_set.rule(source)
        assert rule.daily_cap is None or total <= rule.daily_cap
        limit = rule.counted_matches_per_day
        assert limit is None or counted[(_member, _day, source)] <= limit
    capped = session.execute(select(func.count(LedgerEntry.id)).where(LedgerEntry.reason != "")).scalar_one()
    assert capped > 0  # the outcomes are generous enough that the rules actually bite
    sources = set(session.execute(select(LedgerEntry.source).distinct()).scalars())
    assert sources == {"daily", "challenge", "pk1v1", "pk4", "manual"}


def test_running_the_simulation_again_creates_nothing(app, session, clock, people):
    first = simulate(app, session, clock, people, days=7)
    count = session.execute(select(func.count(LedgerEntry.id))).scalar_one()
    again = simulate(app, session, clock, people, days=7)
    assert (again.created, again.existing) == (0, first.created)
    assert session.execute(select(func.count(LedgerEntry.id))).scalar_one() == count
    assert demo_history.simulated_entries(session) == count


def test_boards_match_the_ledger_after_the_simulation(app, session, clock, people):
    simulate(app, session, clock, people, days=7)
    store = app.extensions["pkarena.store"]
    everyone = store.board_all(keys.board_key("members", keys.scope_all(), keys.PERIOD_ALL))
    assert set(everyone) == {str(m.id) for m in people["players"].values()}
    assert boards.check(session, store) == []


# About 4,600 awards: once on SQLite is enough (the award path itself runs on both backends above).
@pytest.mark.parametrize("backend", [("sqlite", "memory")], indirect=True, ids=["sqlite-memory"])
def test_demo_seed_simulates_six_weeks_and_freezes_last_month(app, session, clock):
    result = demo.seed(session, clock, on_commit=app.extensions["pkarena.boards"])
    history, frozen = result["history"], result["frozen"]
    assert history.created > 1000 and (history.first_day, history.last_day) == ("2026-10-14", "2026-11-24")
    assert frozen.month == "2026-10" and frozen.created == frozen.scopes > 0 and len(frozen.checksum) == 64
    assert freeze.check_month(session, "2026-10", clock) == []
    assert boards.check(session, app.extensions["pkarena.store"]) == []
