"""Six weeks of simulated play for the demo members, replayed through the real award path.

Every outcome goes through `ledger.award` with a `FrozenClock` moved day by day, so the caps and the
"first N matches a day" rules of `engine/rules.py` apply exactly as they do to live play. The random
generator is seeded and every source reference is derived from (day, member, source, n), so running
the simulation again creates nothing twice.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pkarena.clock import Clock, FrozenClock
from pkarena.engine.rules import MANUAL_CATEGORIES
from pkarena.models import LedgerEntry, Member
from pkarena.services import ledger
from pkarena.services.monthly import freeze

DAYS = 42
SEED = 20261125
# Manual awards the simulated organizers give on some weekdays: (category, reason).
MANUAL_REASONS = [
    (MANUAL_CATEGORIES[0], "参加支部“三会一课”集中学习"),
    (MANUAL_CATEGORIES[1], "按时完成岗位安全巡检并记录"),
    (MANUAL_CATEGORIES[2], "参与设备技改攻关小组"),
    (MANUAL_CATEGORIES[0], "撰写学习心得体会一篇"),
]


@dataclass(frozen=True)
class SimulationResult:
    """What a simulation did: entries created, awards that already existed, and the days covered."""

    created: int
    existing: int
    first_day: str
    last_day: str


@dataclass(frozen=True)
class Player:
    """A simulated member: how often they play and how well they answer."""

    member_id: int
    username: str
    activity: float  # chance of opening the app on a given day
    skill: float  # chance of answering one question right


def demo_players(session: Session, usernames: list[str] | None = None) -> list[Player]:
    """The demo members a01…a20 and b01…b20 (or `usernames`), each with a fixed play profile."""
    wanted = usernames or [f"{p}{i:02d}" for p in "ab" for i in range(1, 21)]
    rows = session.execute(select(Member.id, Member.username).where(Member.username.in_(wanted))).all()
    session.rollback()  # end the read so each award starts its own write transaction
    players = []
    for member_id, username in sorted(rows, key=lambda row: row[1]):
        profile = random.Random(f"{SEED}-{username}")
        players.append(Player(member_id, username, activity=profile.uniform(0.45, 0.95),
                              skill=profile.uniform(0.55, 0.92)))
    return players


def day_outcomes(rng: random.Random, player: Player) -> list[tuple[str, dict, int]]:
    """The (source, outcome, minute of the day) a player produces on one day; empty on a day off."""
    if rng.random() > player.activity:
        return []
    plays: list[tuple[str, dict, int]] = []
    minute = rng.randint(7 * 60, 9 * 60)
    correct = sum(rng.random() < player.skill for _ in range(5))
    plays.append(("daily", {"correct": correct}, minute))
    if rng.random() < 0.6:
        streak = 0
        while rng.random() < player.skill and streak < 15:
            streak += 1
        plays.append(("challenge", {"streak": streak}, minute + rng.randint(5, 30)))
    for _ in range(rng.choice((0, 1, 1, 2))):
        plays.append(("pk1v1", {"won": rng.random() < player.skill - 0.2}, rng.randint(12 * 60, 13 * 60)))
    for _ in range(rng.choice((0, 0, 1, 2, 3))):
        place = 1 if rng.random() < player.skill / 3 else rng.randint(2, 4)
        plays.append(("pk4", {"place": place}, rng.randint(18 * 60, 22 * 60)))
    return sorted(plays, key=lambda play: play[2])


def simulate(session: Session, clock: Clock, *, days: int = DAYS, usernames: list[str] | None = None,
             actor_ids: list[int] | None = None, on_commit: ledger.EntryListener | None = None,
             progress: Callable[[int, int], None] | None = None) -> SimulationResult:
    """Replay `days` days of play ending yesterday (local) for the demo members; idempotent."""
    players = demo_players(session, usernames)
    today = clock.local().date()
    first = today - timedelta(days=days)
    created = existing = 0
    for offset in range(days):
        day = first + timedelta(days=offset)
        rng = random.Random(f"{SEED}-{day.isoformat()}")
        for player in players:
            for n, (source, outcome, minute) in enumerate(day_outcomes(rng, player), start=1):
                sim_clock = FrozenClock(_at(clock, day, minute), zone=clock.zone.key)
                result = ledger.award(session, sim_clock, member_id=player.member_id, source=source,
                                      source_ref=f"demo-{day.isoformat()}-{player.username}-{n}", outcome=outcome,
                                      on_commit=on_commit)
                created, existing = created + result.created, existing + (not result.created)
        if actor_ids and players and day.weekday() in (1, 3):
            made = _manual_day(session, clock, rng, day, players, actor_ids, on_commit)
            created, existing = created + made[0], existing + made[1]
        if progress:
            progress(offset + 1, days)
    return SimulationResult(created, existing, first.isoformat(), (today - timedelta(days=1)).isoformat())


def _manual_day(session: Session, clock: Clock, rng: random.Random, day: date, players: list[Player],
                actor_ids: list[int], on_commit: ledger.EntryListener | None) -> tuple[int, int]:
    """A few 积分制 awards on one day, by the organizer of each side (actor_ids[0] for a…, [1] for b…)."""
    created = existing = 0
    category, reason = MANUAL_REASONS[day.toordinal() % len(MANUAL_REASONS)]
    sim_clock = FrozenClock(_at(clock, day, 16 * 60), zone=clock.zone.key)
    for side, actor_id in zip("ab", actor_ids, strict=False):
        chosen = [p.member_id for p in players if p.username.startswith(side) and rng.random() < 0.25]
        if not chosen:
            continue
        results = ledger.manual_award(session, sim_clock, actor_id=actor_id, member_ids=chosen,
                                      points=rng.choice((1, 2, 3)), category=category, reason=reason,
                                      request_id=f"demo-{day.isoformat()}-manual-{side}", on_commit=on_commit)
        created += sum(r.created for r in results)
        existing += sum(not r.created for r in results)
    return created, existing


def _at(clock: Clock, day: date, minute: int) -> datetime:
    """UTC moment of local `day` at `minute` past midnight."""
    local = datetime.combine(day, time(minute // 60, minute % 60), tzinfo=clock.zone)
    return local.astimezone(UTC)


@dataclass(frozen=True)
class FreezeSummary:
    """Last month's freeze as the demo reports it: scopes written now or before, and the members' checksum."""

    month: str
    scopes: int
    created: int
    checksum: str


def freeze_last_month(session: Session, clock: Clock) -> FreezeSummary:
    """Freeze the month before `clock`'s month (a no-op if it is frozen already) and summarize it."""
    month = clock.previous_month_key()
    scopes = freeze.freeze_month(session, clock, month)
    overall = next((s for s in scopes if s.scope_kind == "members_all"), scopes[0] if scopes else None)
    return FreezeSummary(month, len(scopes), sum(s.created for s in scopes), overall.checksum if overall else "")


def simulated_entries(session: Session) -> int:
    """How many ledger entries the simulation made (its source references start with `demo-<year>`)."""
    return int(session.execute(select(func.count(LedgerEntry.id))
                               .where(LedgerEntry.source_ref.like("demo-2%"))).scalar_one())
