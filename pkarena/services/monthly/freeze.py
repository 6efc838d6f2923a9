"""The monthly freeze: immutable, checksummed snapshots computed from the ledger (DESIGN §4).

Who counts as a member of a month (the denominator of 人均 and participation): every human member
whose membership (the `membership` history) covered the last instant of the month and whose status
at that instant was `active`. Status has no table of its own, so it is read back from the audit log
(`member.status.*` rows keep the status before each change); that makes a recomputation months later
give the same population as the freeze did. Points count where they were awarded (the org on the
ledger entry), so a member who moved mid-month adds to both orgs' totals.

Pairings count for the months their dates overlap. A joint group counts with the orgs it had at the
end of the month: its current orgs with every later `joint_group.add_org`/`remove_org` of the audit
log undone, so a freeze run late, or `check --month` after the group changed, sees the month as it was.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import Engine, func, insert, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from pkarena.clock import Clock
from pkarena.database import begin_write, fetch_all_tuples, fetch_tuples
from pkarena.engine import snapshot as engine
from pkarena.engine.periods import Period, PeriodError
from pkarena.models import (
    AuditLog,
    JointGroup,
    JointGroupOrg,
    LedgerEntry,
    Member,
    Membership,
    MonthlySnapshot,
    Org,
    Pairing,
    SnapshotRow,
)
from pkarena.services.monthly import snapshots

Progress = Callable[[int, int], None]


class FreezeError(Exception):
    """A month that cannot be frozen (not finished yet, malformed)."""


@dataclass(frozen=True)
class FrozenScope:
    """One scope of a freeze run: its checksum and whether this run wrote it."""

    scope_kind: str
    scope_id: int
    checksum: str
    row_count: int
    created: bool


@dataclass(frozen=True)
class Mismatch:
    """One scope of a frozen month that does not verify."""

    scope_kind: str
    scope_id: int
    problem: str  # 'rows_altered' | 'ledger_differs' | 'missing' | 'unexpected'
    stored: str | None
    expected: str | None


def parse_month(month: str) -> str:
    """`month` if it is a valid `YYYY-MM`, else FreezeError."""
    try:
        return Period.for_month(month or "").month_key
    except PeriodError as exc:
        raise FreezeError(f"月份格式应为 YYYY-MM：{month!r}") from exc


def _population(session: Session, end: datetime, status: dict[int, str], bots: set[int]) -> dict[int, int]:
    # Core, not session.execute: plain rows without the ORM's per-row loading (100,000 members).
    members = {member_id: org_id for member_id, org_id in fetch_tuples(session.connection(),
        select(Membership.member_id, Membership.org_id)
        .where(Membership.started_at < end, or_(Membership.ended_at.is_(None), Membership.ended_at >= end))
    ) if member_id not in bots}
    # The first status change after the month's end remembers what the status was at the end.
    changes = session.execute(
        select(AuditLog.target_id, AuditLog.detail).where(AuditLog.action.like("member.status.%"),
                                                          AuditLog.at >= end)
        .order_by(AuditLog.at.desc(), AuditLog.id.desc())
    ).all()
    for target_id, detail in changes:  # newest first, so the earliest change wins
        if target_id and target_id.isdigit() and "before" in (detail or {}):
            status[int(target_id)] = detail["before"]
    return {member_id: org_id for member_id, org_id in members.items() if status.get(member_id) == "active"}


def population_at(session: Session, end: datetime) -> dict[int, int]:
    """Member id → org for every active human member at the instant `end` (the freeze's population rule)."""
    people = session.execute(select(Member.id, Member.is_bot, Member.status)).all()
    bots = {member_id for member_id, is_bot, _status in people if is_bot}
    return _population(session, end, {member_id: status for member_id, _b, status in people}, bots)


def month_facts(session: Session, clock: Clock, month: str) -> engine.MonthFacts:
    """Read what `month`'s snapshots are computed from: one GROUP BY over the month's ledger, plus history.

    Reads committed data: on PostgreSQL the ledger is summed on a connection of its own.
    """
    end = clock.month_bounds(month)[1]
    first_day = Period.for_month(month).start
    last_day = (end.astimezone(clock.zone) - timedelta(days=1)).date()
    # The one pass over the ledger: everything else is derived from these (member, org) sums.
    ledger_sums = (select(LedgerEntry.member_id, LedgerEntry.org_id, func.sum(LedgerEntry.points))
                   .where(LedgerEntry.month == month).group_by(LedgerEntry.member_id, LedgerEntry.org_id))
    bind = session.get_bind()
    with ThreadPoolExecutor(max_workers=1) as aside:
        # On PostgreSQL the aggregation, most of a large freeze's read, runs on a connection of its own
        # while this one reads orgs, members and history. Under READ COMMITTED each statement sees its
        # own snapshot anyway, so two connections are no less consistent than one.
        summing = (aside.submit(fetch_all_tuples, bind, ledger_sums)
                   if isinstance(bind, Engine) and bind.dialect.name == "postgresql" else None)
        orgs = {
            org_id: engine.OrgFact(org_id, name, kind, parent_id,
                                   tuple(int(p) for p in path.strip("/").split("/") if p))
            for org_id, name, kind, parent_id, path in session.execute(
                select(Org.id, Org.name, Org.kind, Org.parent_id, Org.path).where(Org.created_at < end))
        }
        people = fetch_tuples(session.connection(), select(Member.id, Member.display_name, Member.is_bot, Member.status))
        bots = {member_id for member_id, _name, is_bot, _status in people if is_bot}
        population = _population(session, end, {member_id: status for member_id, _n, _b, status in people}, bots)
        names = {member_id: name for member_id, name, _is_bot, _status in people}
        pairings = [tuple(row) for row in session.execute(
            select(Pairing.id, Pairing.org_a_id, Pairing.org_b_id).where(
                Pairing.starts_on <= last_day, or_(Pairing.ends_on.is_(None), Pairing.ends_on >= first_day),
                Pairing.created_at < end))]
        joint_groups = _joint_groups(session, end)
        rows = summing.result() if summing else fetch_tuples(session.connection(), ledger_sums)
    sums = [(m, o, int(p)) for m, o, p in rows if m not in bots]
    return engine.MonthFacts(month, orgs, names, population, sums, pairings, joint_groups)


def _joint_groups(session: Session, end: datetime) -> list[tuple[int, tuple[int, ...]]]:
    groups: dict[int, set[int]] = {group_id: set() for group_id in session.execute(
        select(JointGroup.id).where(JointGroup.created_at < end)).scalars()}
    for group_id, org_id in session.execute(select(JointGroupOrg.group_id, JointGroupOrg.org_id)
                                            .where(JointGroupOrg.group_id.in_(list(groups)))):
        groups[group_id].add(org_id)
    # Undo the changes made since the month's end, newest first, to get each group as it stood then.
    changes = session.execute(
        select(AuditLog.target_id, AuditLog.action, AuditLog.detail).where(
            AuditLog.action.in_(("joint_group.add_org", "joint_group.remove_org")), AuditLog.at >= end)
        .order_by(AuditLog.at.desc(), AuditLog.id.desc())
    ).all()
    for target_id, action, detail in changes:
        org_id = (detail or {}).get("org_id")
        if not (target_id and target_id.isdigit() and int(target_id) in groups and isinstance(org_id, int)):
            continue
        if action == "joint_group.add_org":
            groups[int(target_id)].discard(org_id)
        else:
            groups[int(target_id)].add(org_id)
    return [(group_id, tuple(sorted(org_ids))) for group_id, org_ids in groups.items()]


def compute(session: Session, clock: Clock, month: str) -> list[engine.ScopeRows]:
    """Every scope of `month` recomputed from the ledger (nothing written)."""
    return engine.build_scopes(month_facts(session, clock, parse_month(month)))


def freeze_month(session: Session, clock: Clock, month: str, progress: Progress | None = None) -> list[FrozenScope]:
    """Write the snapshots of a finished month; scopes frozen before are left as they are (idempotent)."""
    month = parse_month(month)
    if clock.month_bounds(month)[1] > clock.now():
        raise FreezeError(f"{month} 尚未结束，不能冻结")
    scopes = compute(session, clock, month)
    session.rollback()  # end the read transaction so the write one starts as a writer
    now, results, copy_parts = clock.now(), [], {}
    try:
        begin_write(session)
        connection = session.connection()
        # On PostgreSQL a scope's COPY (the server inserting the rows and checking their foreign key) runs
        # in a writer thread while this one hashes the next scope. Same connection, same transaction, one
        # statement at a time: the next header is inserted only once the previous COPY has finished.
        with ThreadPoolExecutor(max_workers=1) as writer:
            copying: Future | None = None
            for done, scope in enumerate(scopes, start=1):
                digest = engine.scope_checksum(month, scope)
                if copying is not None:
                    copying.result()
                frozen, snapshot_id = _insert_header(session, month, scope, digest, now)
                results.append(frozen)
                if snapshot_id is None or not len(scope):
                    copying = None
                elif connection.dialect.name == "postgresql":
                    copying = writer.submit(_copy_rows, connection.connection.driver_connection, snapshot_id,
                                            scope, copy_parts)
                else:
                    copying = None
                    connection.execute(insert(SnapshotRow.__table__),
                                       [{"snapshot_id": snapshot_id, **row} for row in scope.rows])
                if progress:
                    progress(done, len(scopes))
            if copying is not None:
                copying.result()
        session.commit()
    except Exception:
        session.rollback()
        raise
    return results


def _insert_header(session: Session, month: str, scope: engine.ScopeRows, digest: str,
                   now: datetime) -> tuple[FrozenScope, int | None]:
    """The scope's header, and its id when this run wrote it (None: frozen before, left as it is)."""
    try:
        # A savepoint per scope: a scope another worker froze first fails alone (the UNIQUE constraint),
        # the rest of this run goes on; on PostgreSQL the insert waits for that worker's commit first.
        with session.begin_nested():
            header = MonthlySnapshot(month=month, scope_kind=scope.kind, scope_id=scope.scope_id,
                                     checksum=digest, row_count=len(scope), created_at=now)
            session.add(header)
            session.flush()
    except IntegrityError:
        stored = session.execute(select(MonthlySnapshot.checksum, MonthlySnapshot.row_count).where(
            MonthlySnapshot.month == month, MonthlySnapshot.scope_kind == scope.kind,
            MonthlySnapshot.scope_id == scope.scope_id)).one()
        return FrozenScope(scope.kind, scope.scope_id, stored.checksum, stored.row_count, created=False), None
    session.expunge(header)
    return FrozenScope(scope.kind, scope.scope_id, digest, len(scope), created=True), header.id


def _copy_text(value: str) -> str:
    # COPY's text format: backslash escapes, tab separates columns, newline ends the row.
    return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def _copy_member_parts(people: engine.People) -> dict[int, str]:
    names, home, null = people.names, people.home, "\\N"
    return {member_id: f"\tmember\t{member_id}\t{_copy_text(names.get(member_id, ''))}"
                       f"\t{null if home.get(member_id) is None else home[member_id]}\t"
            for member_id in people.text_order}


def _copy_rows(driver_connection: object, snapshot_id: int, scope: engine.ScopeRows, copy_parts: dict[int, str]) -> None:
    # COPY on the session's own connection (same transaction): a company's freeze writes hundreds of
    # thousands of rows, which executemany sends about ten times slower.
    columns = ("snapshot_id", *snapshots.ROW_FIELDS)
    with driver_connection.cursor() as cursor, \
            cursor.copy(f"COPY snapshot_row ({', '.join(columns)}) FROM STDIN") as copy:
        if scope.people is None:
            for row in scope.rows:
                copy.write_row((snapshot_id, *(row[name] for name in snapshots.ROW_FIELDS)))
            return
        if not copy_parts:  # a member's kind, id, name and org columns: the same text in every member scope
            copy_parts.update(_copy_member_parts(scope.people))
        # Pre-formatted text in chunks: one write per 20,000 rows instead of one adapted tuple per row.
        head, tail = f"{snapshot_id}\t", "\t\\N\t\\N\t\\N\t\\N\n"
        rows = list(zip(range(1, len(scope) + 1), scope.members, scope.points, scope.ranks, strict=True))
        for start in range(0, len(rows), 20_000):
            copy.write("".join([f"{head}{n}\t{r}{copy_parts[m]}{p}{tail}" for n, m, p, r in rows[start:start + 20_000]]))


def check_month(session: Session, month: str, clock: Clock | None = None) -> list[Mismatch]:
    """Verify a frozen month: stored rows still hash to their checksum, and the ledger still gives it."""
    month = parse_month(month)
    clock = clock or Clock()
    stored = {(view.scope_kind, view.scope_id): view for view in snapshots.all_for_month(session, month)}
    mismatches: list[Mismatch] = []
    for (kind, scope_id), view in stored.items():
        if engine.checksum(month, kind, scope_id, view.rows) != view.checksum:
            mismatches.append(Mismatch(kind, scope_id, "rows_altered", view.checksum,
                                       engine.checksum(month, kind, scope_id, view.rows)))
    for scope in compute(session, clock, month):
        view = stored.pop((scope.kind, scope.scope_id), None)
        if view is None:
            mismatches.append(Mismatch(scope.kind, scope.scope_id, "missing", None,
                                       engine.checksum(month, scope.kind, scope.scope_id, scope.rows)))
            continue
        # Names are labels frozen with the month: a later rename is not a difference in the ledger.
        frozen_names = {(row["subject_kind"], row["subject_id"]): row["name"] for row in view.rows}
        rows = [{**row, "name": frozen_names.get((row["subject_kind"], row["subject_id"]), row["name"])}
                for row in scope.rows]
        expected = engine.checksum(month, scope.kind, scope.scope_id, rows)
        if expected != view.checksum:
            mismatches.append(Mismatch(scope.kind, scope.scope_id, "ledger_differs", view.checksum, expected))
    mismatches.extend(Mismatch(kind, scope_id, "unexpected", view.checksum, None)
                      for (kind, scope_id), view in stored.items())
    session.rollback()
    return mismatches


def months_to_freeze(session: Session, clock: Clock) -> list[str]:
    """Finished months since the first ledger entry that have no snapshot yet, oldest first."""
    first = session.execute(select(func.min(LedgerEntry.month))).scalar_one_or_none()
    if first is None:
        return []
    frozen = set(snapshots.frozen_months(session))
    current, months = clock.month_key(), []
    cursor = date.fromisoformat(f"{first}-01")
    while cursor.strftime("%Y-%m") < current:
        if cursor.strftime("%Y-%m") not in frozen:
            months.append(cursor.strftime("%Y-%m"))
        cursor = (cursor + timedelta(days=32)).replace(day=1)
    return months


def adjustments_for(session: Session, month: str) -> list[LedgerEntry]:
    """Adjustment entries counted in `month` that correct an earlier month (boards and screens mark them)."""
    return list(session.execute(
        select(LedgerEntry).where(LedgerEntry.month == month, LedgerEntry.adjusts_month.is_not(None),
                                  LedgerEntry.adjusts_month != month)
        .order_by(LedgerEntry.awarded_at, LedgerEntry.id)
    ).scalars())


def corrections_naming(session: Session, frozen_month: str) -> list[LedgerEntry]:
    """Later adjustment entries that name `frozen_month` (its snapshot stays as frozen)."""
    return list(session.execute(
        select(LedgerEntry).where(LedgerEntry.adjusts_month == frozen_month, LedgerEntry.month != frozen_month)
        .order_by(LedgerEntry.awarded_at, LedgerEntry.id)
    ).scalars())
