"""What an organizer reads about a contest: breakdowns, who has not played, reminder texts, signals, exports."""

from __future__ import annotations

import io
from collections import defaultdict
from datetime import date, timedelta

from openpyxl import Workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pkarena.clock import Clock
from pkarena.engine import contests as rules
from pkarena.models import Contest, LedgerEntry, Member, Org
from pkarena.services.contests import standings as contest_standings
from pkarena.services.contests.views import detail
from pkarena.store.base import Store
from question_bank.models import AnswerLog

SIGNAL_MIN_MATCHES = 3  # one bad match is bad luck; three in the window is a pattern worth a look
LATE_SHARE = 0.9  # an answer in the last tenth of the time limit counts as "at the last moment"
PK_LIMIT_MS = 10_000


def _side_lookup(session: Session, contest: Contest) -> dict[int, int]:
    """Org id → the side it counts for (orgs outside the contest are absent)."""
    sides = contest_standings.participants(contest)
    found = {}
    for org_id, chain in contest_standings.org_ancestors(session).items():
        side = rules.participant_of(sides, chain)
        if side is not None:
            found[org_id] = side
    return found


def breakdown(session: Session, contest: Contest) -> dict:
    """Counted points per side by source, and per side by day over the window (what the organizer's chart draws)."""
    side_of = _side_lookup(session, contest)
    by_source: dict[int, dict[str, int]] = {link.org_id: defaultdict(int) for link in contest.orgs}
    by_day: dict[int, dict[str, int]] = {link.org_id: defaultdict(int) for link in contest.orgs}
    rows = session.execute(
        select(LedgerEntry.org_id, LedgerEntry.source, LedgerEntry.day, func.sum(LedgerEntry.points))
        .where(*contest_standings.counted_filter(contest), LedgerEntry.org_id.in_(list(side_of)))
        .group_by(LedgerEntry.org_id, LedgerEntry.source, LedgerEntry.day))
    for org_id, source, day, points in rows:
        side = side_of[org_id]
        by_source[side][source] += int(points)
        by_day[side][day] += int(points)
    days = [(contest.starts_on + timedelta(days=n)).isoformat()
            for n in range((contest.ends_on - contest.starts_on).days + 1)]
    session.rollback()
    return {"sources": list(contest.sources), "days": days,
            "by_source": {side: dict(values) for side, values in by_source.items()},
            "by_day": {side: [values.get(day, 0) for day in days] for side, values in by_day.items()}}


def participation(session: Session, clock: Clock, contest: Contest, period: str = "today") -> list[dict]:
    """Per side: its current members and whether each has a counted entry today (or in the last 7 days)."""
    today = clock.local().date()
    last = min(today, contest.ends_on)
    first = last if period == "today" else max(contest.starts_on, last - timedelta(days=6))
    played = set(session.execute(
        select(LedgerEntry.member_id).where(*contest_standings.counted_filter(contest), LedgerEntry.day >= first.isoformat(),
                                            LedgerEntry.day <= last.isoformat()).distinct()).scalars())
    sides = []
    for link in contest.orgs:
        people = session.execute(
            select(Member.id, Member.display_name).join(Org, Org.id == Member.org_id)
            .where(Org.path.startswith(link.org.path), Member.status == "active", Member.is_bot.is_(False),
                   Member.role == "member").order_by(Member.display_name, Member.id)).all()
        missing = [{"id": m, "name": name} for m, name in people if m not in played]
        sides.append({"org_id": link.org_id, "name": link.org.name, "members": len(people),
                      "played": len(people) - len(missing), "missing": missing,
                      "reminder": reminder_text(contest.name, link.org.name, [p["name"] for p in missing], period)})
    session.rollback()
    return sides


def reminder_text(contest_name: str, side_name: str, names: list[str], period: str = "today") -> str:
    """A ready-to-paste, friendly reminder for the side's chat group (names, not shaming)."""
    when = "今天" if period == "today" else "本周"
    if not names:
        return f"【{contest_name}】{side_name}的同志们{when}都已参与答题，谢谢大家！继续加油！"
    return (f"【{contest_name}】{side_name}的同志们，{when}还有 {len(names)} 位同志没有参与答题："
            f"{'、'.join(names)}。请抽空完成每日答题或来一局PK，为{side_name}加分，谢谢大家！")


def signals(session: Session, contest: Contest, min_matches: int = SIGNAL_MIN_MATCHES) -> list[dict]:
    """Members whose cross-side PK answers in the window were all wrong, or all at the last moment, repeatedly.

    Evidence only (match, day, answers): an organizer looks, nothing is penalized automatically.
    """
    side_of = _side_lookup(session, contest)
    entries = session.execute(select(LedgerEntry.member_id, LedgerEntry.org_id, LedgerEntry.source_ref,
                                     LedgerEntry.day, LedgerEntry.outcome)
                              .where(*contest_standings.counted_filter(contest, (LedgerEntry.outcome.is_not(None),)))).all()
    sides_in: dict[str, set] = defaultdict(set)
    for _member, org_id, ref, _day, _outcome in entries:
        sides_in[ref].add(side_of.get(org_id))
    cross = {ref for ref, sides in sides_in.items() if len(sides - {None}) >= 2}
    mine = [(m, ref, day, outcome) for m, org_id, ref, day, outcome in entries if ref in cross and org_id in side_of]
    answers: dict[tuple[int, str], list[tuple[bool, int | None]]] = defaultdict(list)
    if mine:
        for member_id, ref, correct, elapsed in session.execute(
                select(AnswerLog.member_id, AnswerLog.match_ref, AnswerLog.correct, AnswerLog.elapsed_ms)
                .where(AnswerLog.match_ref.in_(sorted({ref for _m, ref, _d, _o in mine})))):
            answers[(member_id, ref)].append((bool(correct), elapsed))
    suspects: dict[int, list[dict]] = defaultdict(list)
    for member_id, ref, day, outcome in mine:
        given = answers.get((member_id, ref), [])
        if not given:
            continue
        all_wrong = not any(correct for correct, _ in given)
        all_late = all(elapsed is None or elapsed >= LATE_SHARE * PK_LIMIT_MS for _, elapsed in given)
        if all_wrong or all_late:
            suspects[member_id].append({"match": ref, "day": day, "outcome": outcome, "answers": len(given),
                                        "correct": sum(1 for c, _ in given if c), "all_wrong": all_wrong,
                                        "all_late": all_late})
    names = dict(session.execute(select(Member.id, Member.display_name)
                                 .where(Member.id.in_(list(suspects)))).all()) if suspects else {}
    session.rollback()
    return [{"member_id": m, "name": names.get(m, "?"), "matches": evidence}
            for m, evidence in sorted(suspects.items(), key=lambda item: (-len(item[1]), item[0]))
            if len(evidence) >= min_matches]


def xlsx_bytes(session: Session, store: Store, clock: Clock, contest: Contest) -> bytes:
    """The standings (frozen rows and checksum once frozen) and the per-source breakdown as a workbook."""
    view = detail(session, store, clock, contest)
    book = Workbook()
    sheet = book.active
    sheet.title = "竞赛排名"
    sheet.append(["竞赛", contest.name])
    sheet.append(["时间", f"{contest.starts_on} ~ {contest.ends_on}"])
    sheet.append(["评比指标", view["metric"]])
    sheet.append(["状态", view["status"]])
    sheet.append(["校验码 SHA-256", contest.checksum or "未冻结（实时结果，可能变化）"])
    sheet.append([])
    sheet.append(["名次", "组织ID", "组织", "总积分", "在册人数", "参与人数", "人均积分", "参与率", "PK胜场"])
    for row in view["standings"]:
        sheet.append([row["rank"], row["org_id"], _text(row["name"]), row["total"], row["members"],
                      row["participants"], row["per_member"], row["participation"], row["pk_wins"]])
    parts = breakdown(session, contest)
    by_source = book.create_sheet("来源明细")
    by_source.append(["组织", *parts["sources"]])
    for link in contest.orgs:
        by_source.append([_text(link.org.name), *(parts["by_source"][link.org_id].get(s, 0) for s in parts["sources"])])
    by_day = book.create_sheet("每日积分")
    by_day.append(["日期", *(_text(link.org.name) for link in contest.orgs)])
    for index, day in enumerate(parts["days"]):
        by_day.append([day, *(parts["by_day"][link.org_id][index] for link in contest.orgs)])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _text(value: str) -> str:
    # An org or member name is user text: never let a leading = + - @ become a formula in Excel.
    return f"'{value}" if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def window_days(contest: Contest, today: date) -> int:
    """Days of the window played so far (for per-day averages on the organizer page)."""
    return max(0, (min(today, contest.ends_on) - contest.starts_on).days + 1)
