"""Contest series: "华瑞×星联 月度PK赛" created once; the worker creates each month's or quarter's contest."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from pkarena.clock import Clock
from pkarena.engine import contests as rules
from pkarena.models import Contest, ContestSeries, Member
from pkarena.services import audit
from pkarena.services.contests.manage import (
    ContestDraft,
    ContestError,
    checked_orgs,
    commit_or_conflict,
    create,
)


def period_label(cadence: str, start: date) -> str:
    """"2026年12月" for a month, "2026年第4季度" for a quarter."""
    if cadence == "quarterly":
        return f"{start.year}年第{(start.month - 1) // 3 + 1}季度"
    return f"{start.year}年{start.month}月"


def create_series(session: Session, clock: Clock, actor: Member, draft: ContestDraft, cadence: str) -> ContestSeries:
    """A new series (its rules checked like a contest's), audited; its current period's contest is created too."""
    if cadence not in rules.CADENCES:
        raise ContestError("INVALID_CADENCE", "周期须为每月或每季度")
    start, end = rules.series_window(cadence, rules.series_period_start(cadence, clock.local().date()))
    draft.starts_on, draft.ends_on = start, end
    orgs = checked_orgs(session, clock, actor, draft)
    series = ContestSeries(name=draft.name.strip(), description=draft.description.strip(), cadence=cadence,
                           org_ids=[org.id for org in orgs], pairing_id=draft.pairing_id or None,
                           joint_group_id=draft.joint_group_id or None, metric=draft.metric,
                           tie_breaks=list(draft.tie_breaks), sources=list(draft.sources), active=True,
                           created_by_id=actor.id, created_at=clock.now())
    session.add(series)
    session.flush()
    audit.record(session, clock, actor.id, "contest_series.create", "contest_series", series.id,
                 name=series.name, cadence=cadence, org_ids=series.org_ids)
    commit_or_conflict(session)
    create_due(session, clock, [series])
    return series


def stop_series(session: Session, clock: Clock, actor: Member, series: ContestSeries) -> None:
    """No further contests of this series (the current one runs to its end)."""
    series.active = False
    audit.record(session, clock, actor.id, "contest_series.stop", "contest_series", series.id, name=series.name)
    commit_or_conflict(session)


def create_due(session: Session, clock: Clock, only: list[ContestSeries] | None = None) -> list[int]:
    """Each active series' contest for the current period, if it has none yet (idempotent)."""
    series_list = only if only is not None else list(
        session.execute(select(ContestSeries).where(ContestSeries.active.is_(True))).scalars())
    created = []
    for series in series_list:
        start, end = rules.series_window(series.cadence, rules.series_period_start(series.cadence, clock.local().date()))
        exists = session.execute(select(Contest.id).where(Contest.series_id == series.id,
                                                          Contest.starts_on == start)).first()
        if exists:
            continue
        actor = session.get(Member, series.created_by_id)
        draft = ContestDraft(name=f"{series.name}（{period_label(series.cadence, start)}）", starts_on=start,
                             ends_on=end, org_ids=list(series.org_ids), description=series.description,
                             metric=series.metric, tie_breaks=list(series.tie_breaks), sources=list(series.sources))
        try:
            contest = create(session, clock, actor, draft, schedule=True, series=series)
        except ContestError:
            session.rollback()  # another worker created it first, or the series' orgs no longer qualify
            continue
        contest.pairing_id, contest.joint_group_id = series.pairing_id, series.joint_group_id
        session.commit()
        created.append(contest.id)
    return created


def previous_winner(session: Session, contest: Contest) -> int | None:
    """The org holding the 流动红旗 of this contest's series: the winner of its latest frozen contest."""
    query = select(Contest.winner_org_id).where(Contest.status == "frozen", Contest.winner_org_id.is_not(None))
    query = query.where(Contest.series_id == contest.series_id) if contest.series_id else query.where(
        Contest.id == contest.id)
    return session.execute(query.order_by(Contest.ends_on.desc()).limit(1)).scalar_one_or_none()
