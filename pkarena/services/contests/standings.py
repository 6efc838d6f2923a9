"""Contest standings: derived from the ledger alone, cached per side in the Store, frozen with a checksum.

The cache is one board per participating side (member → points counted for that side in the
contest), moved by the award path's listener within the award's own request, rebuilt and checked
from the ledger by `pkarena boards rebuild|check`. PK wins and "earliest to reach" come from the
ledger when a contest's order needs them. The freeze writes the rows and their SHA-256 once, in one
transaction, after the window's last day; `check` recomputes them from the ledger.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import Engine, Select, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from pkarena.clock import Clock
from pkarena.database import begin_write, fetch_all_tuples, fetch_tuples
from pkarena.engine import contests as rules
from pkarena.models import Contest, ContestResultRow, ContestSeries, LedgerEntry, Member, Org
from pkarena.services.monthly import freeze as monthly
from pkarena.store import keys
from pkarena.store.base import Store

log = logging.getLogger("pkarena.contests")
# Contests whose boards the award path moves: published, not cancelled, not frozen yet.
LIVE_STATUSES = ("scheduled",)


# --- what counts -----------------------------------------------------------------------------------------
def window_end(clock: Clock, contest: Contest) -> datetime:
    """The UTC instant the window closes: the end of its last local day."""
    return clock.day_bounds(contest.ends_on)[1]


def population_instant(clock: Clock, contest: Contest) -> datetime:
    """Whose members count for 人均: the window's end, or now while it runs."""
    return min(clock.now(), window_end(clock, contest))


def _months(contest: Contest) -> list[str]:
    months, cursor = [], contest.starts_on.replace(day=1)
    while cursor <= contest.ends_on:
        months.append(cursor.strftime("%Y-%m"))
        cursor = (cursor + timedelta(days=32)).replace(day=1)
    return months


def org_ancestors(session: Session) -> dict[int, tuple[int, ...]]:
    """Org id → its ancestors, root first (what decides which side an entry's org is on)."""
    return {org_id: tuple(int(p) for p in path.strip("/").split("/") if p)
            for org_id, path in session.execute(select(Org.id, Org.path))}


def participants(contest: Contest) -> list[rules.Participant]:
    """The contest's sides, in the organizer's order."""
    return [rules.Participant(link.org.id, link.org.name, tuple(link.org.ancestor_ids)) for link in contest.orgs]


def counted_filter(contest: Contest, extra: tuple = ()) -> tuple:
    """WHERE clauses of the entries a contest counts: its window's days and its sources (plus `extra`)."""
    return (LedgerEntry.month.in_(_months(contest)), LedgerEntry.day >= contest.starts_on.isoformat(),
            LedgerEntry.day <= contest.ends_on.isoformat(), LedgerEntry.source.in_(rules.counted_sources(contest.sources)), *extra)


def side_of_orgs(sides: list[rules.Participant], ancestors: dict[int, tuple[int, ...]]) -> dict[int, int]:
    """Org id → the side whose subtree holds it, for every org inside the contest (one lookup per entry after)."""
    found = {org_id: rules.participant_of(sides, chain) for org_id, chain in ancestors.items()}
    return {org_id: side for org_id, side in found.items() if side is not None}


def _inside_orgs(contest: Contest):
    # A subquery, not a list read first: the server matches the few side paths against its org table.
    return select(Org.id).where(or_(*(Org.path.startswith(link.org.path, autoescape=True) for link in contest.orgs)))


def _sums_query(contest: Contest) -> Select:
    bots = select(Member.id).where(Member.is_bot.is_(True))
    return (select(LedgerEntry.member_id, LedgerEntry.org_id, func.sum(LedgerEntry.points),
                   func.max(LedgerEntry.awarded_at))
            .where(*counted_filter(contest, (LedgerEntry.org_id.in_(_inside_orgs(contest)),
                                       LedgerEntry.member_id.not_in(bots))))
            .group_by(LedgerEntry.member_id, LedgerEntry.org_id))


def _sums(rows: list[tuple]) -> list[tuple[int, int, int, str]]:
    return [(m, o, int(p), _iso(at)) for m, o, p, at in rows]


def counted_sums(session: Session, contest: Contest) -> list[tuple[int, int, int, str]]:
    """(member, org at award time, points, last awarded_at ISO) of every entry the contest counts."""
    return _sums(fetch_tuples(session.connection(), _sums_query(contest)))


def _iso(moment: datetime | str | None) -> str:
    # SQLite hands back text, PostgreSQL an aware datetime: one fixed form, so both compare and hash alike.
    if isinstance(moment, datetime):
        if moment.tzinfo is not None and moment.utcoffset():
            moment = moment.astimezone(UTC)
        # isoformat of the naive UTC time: the same text as strftime("%Y-%m-%dT%H:%M:%S.%f"), 3× cheaper.
        return moment.replace(tzinfo=None).isoformat(timespec="microseconds")
    return str(moment or "")


def pk_wins(session: Session, contest: Contest, ancestors: dict[int, tuple[int, ...]]) -> dict[int, int]:
    """Cross-org PK wins per side in the window (every player of a match is read to see who it was against)."""
    if not set(contest.sources) & set(rules.PK_SOURCES):
        return {}
    side_of = side_of_orgs(participants(contest), ancestors)
    # Only players inside the contest: the rule ignores the others (they are nobody's side).
    rows = fetch_tuples(session.connection(), select(LedgerEntry.source_ref, LedgerEntry.org_id,
                                                        LedgerEntry.outcome).where(
        *counted_filter(contest, (LedgerEntry.outcome.is_not(None), LedgerEntry.org_id.in_(_inside_orgs(contest))))))
    return rules.cross_org_wins((f"{ref}", side_of.get(org_id), outcome) for ref, org_id, outcome in rows)


def facts(session: Session, clock: Clock, contest: Contest) -> rules.ContestFacts:
    """Everything the standings are computed from, read from the ledger and the membership history."""
    return _facts(session, clock, contest, org_ancestors(session))


def _facts(session: Session, clock: Clock, contest: Contest,
           ancestors: dict[int, tuple[int, ...]]) -> rules.ContestFacts:
    bind = session.get_bind()
    with ThreadPoolExecutor(max_workers=1) as aside:
        # As the monthly freeze: on PostgreSQL the GROUP BY runs on a connection of its own while this
        # one reads the PK results and the population (each statement reads committed data anyway).
        summing = (aside.submit(fetch_all_tuples, bind, _sums_query(contest))
                   if isinstance(bind, Engine) and bind.dialect.name == "postgresql" else None)
        population = monthly.population_at(session, population_instant(clock, contest))
        wins = pk_wins(session, contest, ancestors)
        sums = _sums(summing.result()) if summing else counted_sums(session, contest)
    return rules.ContestFacts(participants(contest), population, sums, wins)


def compute(session: Session, clock: Clock, contest: Contest) -> list[rules.OrgStanding]:
    """The standings recomputed from the ledger alone."""
    ancestors = org_ancestors(session)
    return rules.standings(_facts(session, clock, contest, ancestors), ancestors, contest.metric,
                           contest.tie_breaks)


# --- the Store cache ------------------------------------------------------------------------------------
def live_contests(session: Session) -> list[Contest]:
    """Published contests that are neither cancelled nor frozen (their boards are kept)."""
    return list(session.execute(select(Contest).where(Contest.status.in_(LIVE_STATUSES))).scalars())


def expected_boards(session: Session, only: list[Contest] | None = None) -> dict[str, dict[str, float]]:
    """Every live contest's side boards (or `only` these contests') recomputed from the ledger (zero sums left
    out, as live updates do)."""
    ancestors = org_ancestors(session)
    boards: dict[str, dict[str, float]] = {}
    for contest in live_contests(session) if only is None else only:
        sides = participants(contest)
        side_of = side_of_orgs(sides, ancestors)
        per_side: dict[int, dict[str, float]] = {side.org_id: defaultdict(float) for side in sides}
        for member_id, org_id, points, _at in counted_sums(session, contest):
            side = side_of.get(org_id)
            if side is not None:
                per_side[side][str(member_id)] += points
        for side_id, members in per_side.items():
            kept = {m: s for m, s in members.items() if s != 0}
            if kept:
                boards[keys.contest_side_key(contest.id, side_id)] = kept
    return boards


def rebuild(session: Session, store: Store) -> int:
    """Replace every contest board with its value from the ledger; returns the number of boards."""
    expected = expected_boards(session)
    stale = set(store.board_keys(keys.contest_board_prefix())) - set(expected)
    if stale:
        store.delete(*stale)
    for key, mapping in sorted(expected.items()):
        store.board_replace(key, mapping)
    session.rollback()
    return len(expected)


def check(session: Session, store: Store) -> list[tuple[str, str, float | None, float | None]]:
    """(board, member, cached, ledger) for every difference between the contest boards and the ledger."""
    expected = expected_boards(session)
    drift = []
    for key in sorted(set(expected) | set(store.board_keys(keys.contest_board_prefix()))):
        cached = {m: s for m, s in store.board_all(key).items() if s != 0}
        want = expected.get(key, {})
        for member in sorted(set(cached) | set(want)):
            if abs(cached.get(member, 0) - want.get(member, 0)) > 1e-9:
                drift.append((key, member, cached.get(member), want.get(member)))
    session.rollback()
    return drift


def rebuild_one(session: Session, store: Store, contest: Contest) -> None:
    """Recompute one contest's boards (after it is published or changed)."""
    prefix = keys.contest_board_prefix(contest.id)
    old = store.board_keys(prefix)
    if old:
        store.delete(*old)
    if contest.status in LIVE_STATUSES:
        for key, mapping in expected_boards(session, [contest]).items():
            store.board_replace(key, mapping)
    store.counter_incr(keys.contest_version_key())


def rebuild_changed(session: Session, store: Store, changed: Contest | ContestSeries) -> None:
    """Recompute the boards an organizer's change touched: a contest's, or every contest of a series."""
    contests = [changed] if isinstance(changed, Contest) else list(
        session.execute(select(Contest).where(Contest.series_id == changed.id)).scalars())
    for contest in contests:
        rebuild_one(session, store, contest)


class ContestBoardUpdater:
    """A BoardUpdater listener: moves the boards of every live contest an entry counts in."""

    def __init__(self, store: Store, session_factory: Callable[[], Session]) -> None:
        self.store, self.session_factory = store, session_factory
        self.version: int | None = None
        self.contests: list[tuple[int, date, date, frozenset[str], dict[int, int]]] = []

    def _refresh(self) -> None:
        # One counter read per award: a contest published or changed on another process is seen at once.
        version = self.store.counter_get(keys.contest_version_key())
        if version == self.version:
            return
        with self.session_factory() as session:
            ancestors = org_ancestors(session)
            found = []
            for contest in live_contests(session):
                found.append((contest.id, contest.starts_on, contest.ends_on, frozenset(rules.counted_sources(contest.sources)),
                              side_of_orgs(participants(contest), ancestors)))
        self.contests, self.version = found, version

    def __call__(self, entry: LedgerEntry) -> None:
        """Add a committed entry to the side boards of the contests that count it."""
        self._refresh()
        day = date.fromisoformat(entry.day)
        updates = []
        for contest_id, starts_on, ends_on, sources, side_of in self.contests:
            side = side_of.get(entry.org_id)
            if side is not None and entry.source in sources and starts_on <= day <= ends_on:
                updates.append((keys.contest_side_key(contest_id, side), str(entry.member_id), entry.points))
        if updates:
            self.store.board_incr_many(updates)


def changed(store: Store) -> None:
    """Tell every process's updater that the set of live contests changed."""
    store.counter_incr(keys.contest_version_key())


# --- reading the standings --------------------------------------------------------------------------------
def side_points(store: Store, contest: Contest) -> dict[int, dict[str, float]]:
    """Side org id → {member id: points} from the cache."""
    return {link.org_id: store.board_all(keys.contest_side_key(contest.id, link.org_id)) for link in contest.orgs}


def live(session: Session, store: Store, clock: Clock, contest: Contest) -> list[rules.OrgStanding]:
    """Standings of a running or ended contest from the cache (PK wins and arrival times from the ledger)."""
    ancestors = org_ancestors(session)
    points = side_points(store, contest)
    population = monthly.population_at(session, population_instant(clock, contest))
    sides = participants(contest)
    # The cache holds member sums per side; the engine takes (member, org, points, at) facts, so each
    # side's sums enter under the side's own org id.
    reached = _reached(session, contest, ancestors) if "earliest" in contest.tie_breaks else {}
    sums = [(int(m), side, int(s), reached.get(side, "")) for side, members in points.items() for m, s in members.items()]
    data = rules.ContestFacts(sides, population, sums, pk_wins(session, contest, ancestors)
                              if "pk_wins" in (contest.metric, *contest.tie_breaks) else {})
    rows = rules.standings(data, ancestors, contest.metric, contest.tie_breaks)
    session.rollback()
    return rows


def _reached(session: Session, contest: Contest, ancestors: dict[int, tuple[int, ...]]) -> dict[int, str]:
    side_of = side_of_orgs(participants(contest), ancestors)
    found: dict[int, str] = {}
    for _member, org_id, points, at in counted_sums(session, contest):
        side = side_of.get(org_id)
        if side is not None and points and at > found.get(side, ""):
            found[side] = at
    return found


def frozen_rows(session: Session, contest: Contest) -> list[dict]:
    """The stored result rows of a frozen contest, in position order."""
    rows = session.execute(select(ContestResultRow).where(ContestResultRow.contest_id == contest.id)
                           .order_by(ContestResultRow.position)).scalars()
    return [{"position": r.position, "rank": r.rank, "org_id": r.org_id, "name": r.name, "total": r.total,
             "members": r.members, "participants": r.participants, "per_member": r.per_member,
             "participation": r.participation, "pk_wins": r.pk_wins, "reached_at": r.reached_at} for r in rows]


def standings_rows(session: Session, store: Store, clock: Clock, contest: Contest) -> list[dict]:
    """What pages and the API show: the frozen rows once frozen, else the live standings."""
    if contest.status == "frozen":
        return frozen_rows(session, contest)
    return [row.as_row() for row in live(session, store, clock, contest)]


# --- freeze and check -------------------------------------------------------------------------------------
class ContestFreezeError(Exception):
    """A contest that cannot be frozen (not ended, a draft, cancelled)."""


def freeze(session: Session, clock: Clock, contest: Contest) -> bool:
    """Write the result rows, checksum and 流动红旗 of an ended contest once; False if it was frozen before."""
    if contest.status == "frozen":
        return False
    if contest.status in ("draft", "cancelled"):
        raise ContestFreezeError("草稿或已取消的竞赛不能冻结")
    if window_end(clock, contest) > clock.now():
        raise ContestFreezeError(f"竞赛“{contest.name}”尚未结束（{contest.ends_on}），不能冻结")
    rows = [row.as_row() for row in compute(session, clock, contest)]
    standings = rules.rank([rules.OrgStanding(r["org_id"], r["name"], r["total"], r["members"], r["participants"],
                                              r["pk_wins"], r["reached_at"]) for r in rows],
                           contest.metric, contest.tie_breaks)
    digest = rules.checksum(contest.id, contest.metric, contest.tie_breaks, rows)
    contest_id = contest.id
    session.rollback()
    try:
        begin_write(session)
        # Re-read under the write lock: another worker may have frozen it meanwhile.
        locked = session.execute(select(Contest).where(Contest.id == contest_id).with_for_update()).scalar_one()
        if locked.status == "frozen":
            session.commit()
            return False
        session.add_all(ContestResultRow(contest_id=contest_id, **row) for row in rows)
        locked.status, locked.checksum, locked.frozen_at = "frozen", digest, clock.now()
        locked.winner_org_id = rules.winner(standings)
        session.commit()
    except IntegrityError:
        session.rollback()
        return False
    except Exception:
        session.rollback()
        raise
    return True


def verify(session: Session, clock: Clock, contest: Contest) -> list[str]:
    """Problems of a frozen contest (empty: the stored rows hash to the checksum and the ledger still gives it)."""
    if contest.status != "frozen" or contest.checksum is None:
        return ["not_frozen"]
    problems = []
    stored = frozen_rows(session, contest)
    if rules.checksum(contest.id, contest.metric, contest.tie_breaks, stored) != contest.checksum:
        problems.append("rows_altered")
    names = {row["org_id"]: row["name"] for row in stored}  # names are labels frozen with the result
    recomputed = [{**row.as_row(), "name": names.get(row.org_id, row.name)} for row in compute(session, clock, contest)]
    if rules.checksum(contest.id, contest.metric, contest.tie_breaks, recomputed) != contest.checksum:
        problems.append("ledger_differs")
    session.rollback()
    return problems


def to_freeze(session: Session, clock: Clock) -> list[Contest]:
    """Published contests whose window has ended and that have no frozen result yet (catch-up)."""
    today = clock.local().date()
    return [c for c in live_contests(session) if c.ends_on < today]
