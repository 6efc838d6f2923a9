"""Live boards: the Store cache derived from the ledger, updated after commit, rebuilt and checked."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pkarena.models import LedgerEntry, Member, Org
from pkarena.store import keys
from pkarena.store.base import Store

Update = tuple[str, str, float]


def periods_of(day: str, month: str) -> tuple[str, str, str]:
    """The board periods an entry of `day`/`month` counts in."""
    return keys.period_day(day), keys.period_month(month), keys.PERIOD_ALL


def entry_updates(member_id: int, org_ids: Iterable[int], day: str, month: str, points: float) -> list[Update]:
    """Board increments for one award: member boards (all + each ancestor org) and org totals."""
    org_ids = list(org_ids)
    updates: list[Update] = []
    for period in periods_of(day, month):
        updates.append((keys.board_key("members", keys.scope_all(), period), str(member_id), points))
        for org_id in org_ids:
            updates.append((keys.board_key("members", keys.scope_org(org_id), period), str(member_id), points))
            updates.append((keys.board_key("orgs", keys.scope_all(), period), str(org_id), points))
    return updates


class BoardUpdater:
    """The one function that moves boards after a committed award (pass it as `on_commit`)."""

    def __init__(self, store: Store, org_path: Callable[[int], str]) -> None:
        self.store = store
        self.org_path = org_path
        self.listeners: list[Callable[[LedgerEntry], None]] = []

    def __call__(self, entry: LedgerEntry) -> None:
        """Apply one committed entry to every board it counts on, then notify listeners (screens)."""
        ancestors = [int(p) for p in self.org_path(entry.org_id).strip("/").split("/") if p]
        self.store.board_incr_many(entry_updates(entry.member_id, ancestors, entry.day, entry.month, entry.points))
        for listener in self.listeners:
            listener(entry)


def org_path_lookup(session_factory: Callable[[], Session]) -> Callable[[int], str]:
    """A cached org-id → path lookup (paths never change once an org exists)."""
    cache: dict[int, str] = {}

    def lookup(org_id: int) -> str:
        if org_id not in cache:
            with session_factory() as session:
                cache[org_id] = session.execute(select(Org.path).where(Org.id == org_id)).scalar_one()
        return cache[org_id]

    return lookup


def is_ledger_board(key: str) -> bool:
    """True for the boards derived from the ledger alone (members of all / of an org subtree, orgs);
    other boards under the prefix (a contest's, say) have their own source and are left alone."""
    return key.startswith((keys.board_prefix("members") + keys.scope_all() + ":",
                           keys.board_prefix("members") + "org:",
                           keys.board_prefix("orgs") + keys.scope_all() + ":"))


def ledger_board_keys(store: Store) -> list[str]:
    """The cached boards `rebuild` and `check` own."""
    return [key for key in store.board_keys(keys.board_prefix()) if is_ledger_board(key)]


def expected_boards(session: Session) -> dict[str, dict[str, float]]:
    """Every board recomputed from the ledger (bots and zero sums left out, as live updates do)."""
    paths = dict(session.execute(select(Org.id, Org.path)).all())
    bots = set(session.execute(select(Member.id).where(Member.is_bot.is_(True))).scalars())
    boards: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    rows = session.execute(
        select(LedgerEntry.member_id, LedgerEntry.org_id, LedgerEntry.day, LedgerEntry.month,
               func.sum(LedgerEntry.points))
        .group_by(LedgerEntry.member_id, LedgerEntry.org_id, LedgerEntry.day, LedgerEntry.month)
    )
    for member_id, org_id, day, month, points in rows:
        if member_id in bots or not points:
            continue
        ancestors = [int(p) for p in paths[org_id].strip("/").split("/") if p]
        for key, member, amount in entry_updates(member_id, ancestors, day, month, points):
            boards[key][member] += amount
    return {key: {m: s for m, s in board.items() if s != 0} for key, board in boards.items()}


def rebuild(session: Session, store: Store, progress: Callable[[int, int], None] | None = None) -> int:
    """Replace every board with its value recomputed from the ledger; returns the number of boards."""
    expected = {k: v for k, v in expected_boards(session).items() if v}
    stale = set(ledger_board_keys(store)) - set(expected)
    if stale:
        store.delete(*stale)
    for done, (key, mapping) in enumerate(sorted(expected.items()), start=1):
        store.board_replace(key, mapping)
        if progress:
            progress(done, len(expected))
    return len(expected)


@dataclass(frozen=True)
class Drift:
    """One board member whose cached score differs from the ledger."""

    key: str
    member: str
    cached: float | None
    ledger: float | None


def check(session: Session, store: Store) -> list[Drift]:
    """Compare every cached board with the ledger and list each difference."""
    expected = {k: v for k, v in expected_boards(session).items() if v}
    drift: list[Drift] = []
    for key in sorted(set(expected) | set(ledger_board_keys(store))):
        cached = {m: s for m, s in store.board_all(key).items() if s != 0}
        want = expected.get(key, {})
        for member in sorted(set(cached) | set(want)):
            if abs(cached.get(member, 0) - want.get(member, 0)) > 1e-9:
                drift.append(Drift(key, member, cached.get(member), want.get(member)))
    return drift
