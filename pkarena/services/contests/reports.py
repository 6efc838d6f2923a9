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
from pkarena.engine import sources
from pkarena.models import Contest, JointGroup, LedgerEntry, Member, Org, Pairing
from pkarena.services.contests import series as contest_series
from pkarena.services.contests import standings as contest_standings
from pkarena.services.contests.views import detail
from pkarena.services.monthly import snapshots
from pkarena.store.base import Store
from question_bank.models import AnswerLog
from question_bank.safe_cells import safe_cell

SIGNAL_MIN_MATCHES = 3  # one bad match is bad luck; three in the window is a pattern worth a look
LATE_SHARE = 0.9  # an answer in the last tenth of the time limit counts as "at the last moment"
PK_LIMIT_MS = 10_000
# The export and the bulletin are Chinese documents (like the monthly ledger export), whatever the page locale.
METRIC_NAMES = {"per_member": "人均积分", "total": "总积分", "participation": "参与率", "pk_wins": "PK胜场"}
STATUS_NAMES = {"draft": "草稿", "scheduled": "未开始", "running": "进行中", "ended": "已结束，待冻结",
                "frozen": "已冻结", "cancelled": "已取消"}
SOURCE_ORDER = ("daily", "challenge", "pk1v1", "pk4", "live", "manual", "adjustment")


def _side_lookup(session: Session, contest: Contest) -> dict[int, int]:
    """Org id → the side it counts for (orgs outside the contest are absent)."""
    return _side_lookup_of(session, [link.org_id for link in contest.orgs])


def _side_lookup_of(session: Session, side_ids: list[int]) -> dict[int, int]:
    """Org id → which of `side_ids` holds it in its subtree (none of them: absent)."""
    found = {}
    for org_id, chain in contest_standings.org_ancestors(session).items():
        side = next((a for a in chain if a in side_ids), None)
        if side is not None:
            found[org_id] = side
    return found


def _grouped(session: Session, side_of: dict[int, int], side_ids: list[int], where: tuple, days: list[str],
             sources: list[str]) -> dict:
    """Points per side by source and per side by day of the entries matching `where`."""
    by_source: dict[int, dict[str, int]] = {side: defaultdict(int) for side in side_ids}
    by_day: dict[int, dict[str, int]] = {side: defaultdict(int) for side in side_ids}
    rows = session.execute(
        select(LedgerEntry.org_id, LedgerEntry.source, LedgerEntry.day, func.sum(LedgerEntry.points))
        .where(*where, LedgerEntry.org_id.in_(list(side_of)))
        .group_by(LedgerEntry.org_id, LedgerEntry.source, LedgerEntry.day))
    for org_id, source, day, points in rows:
        side = side_of[org_id]
        by_source[side][source] += int(points)
        by_day[side][day] += int(points)
    session.rollback()
    return {"sources": sources, "days": days,
            "by_source": {side: dict(values) for side, values in by_source.items()},
            "by_day": {side: [values.get(day, 0) for day in days] for side, values in by_day.items()}}


def _days(first: date, last: date) -> list[str]:
    return [(first + timedelta(days=n)).isoformat() for n in range((last - first).days + 1)]


def breakdown(session: Session, contest: Contest) -> dict:
    """Counted points per side by source, and per side by day over the window (what the organizer's chart draws)."""
    return _grouped(session, _side_lookup(session, contest), [link.org_id for link in contest.orgs],
                    contest_standings.counted_filter(contest), _days(contest.starts_on, contest.ends_on),
                    list(contest.sources))


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
    sheet.append(["竞赛", safe_cell(sheet, contest.name)])
    sheet.append(["时间", f"{contest.starts_on} ~ {contest.ends_on}"])
    sheet.append(["评比指标", METRIC_NAMES[view["metric"]]])
    sheet.append(["状态", STATUS_NAMES[view["status"]]])
    sheet.append(["校验码 SHA-256", contest.checksum or "未冻结（实时结果，可能变化）"])
    sheet.append([])
    sheet.append(["名次", "组织ID", "组织", "总积分", "在册人数", "参与人数", "人均积分", "参与率", "PK胜场"])
    for row in view["standings"]:
        sheet.append([row["rank"], row["org_id"], safe_cell(sheet, row["name"]), row["total"], row["members"],
                      row["participants"], row["per_member"], row["participation"], row["pk_wins"]])
    parts = breakdown(session, contest)
    by_source = book.create_sheet("来源明细")
    by_source.append(["组织", *(sources.label(s) for s in parts["sources"])])
    for link in contest.orgs:
        counts = parts["by_source"][link.org_id]
        by_source.append([safe_cell(by_source, link.org.name), *(counts.get(s, 0) for s in parts["sources"])])
    by_day = book.create_sheet("每日积分")
    by_day.append(["日期", *(safe_cell(by_day, link.org.name) for link in contest.orgs)])
    for index, day in enumerate(parts["days"]):
        by_day.append([day, *(parts["by_day"][link.org_id][index] for link in contest.orgs)])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def month_end(day: date) -> date:
    """The last day of `day`'s month (the create form's default window ends there)."""
    return rules.series_window("monthly", day.replace(day=1))[1]


def window_days(contest: Contest, today: date) -> int:
    """Days of the window played so far (for per-day averages on the organizer page)."""
    return max(0, (min(today, contest.ends_on) - contest.starts_on).days + 1)


# --- the organizer's contest page -------------------------------------------------------------------------
def organizer_view(session: Session, store: Store, clock: Clock, contest: Contest) -> dict:
    """The organizer's page: head and standings, breakdowns, who has not played (today, this week), signals."""
    view = detail(session, store, clock, contest)
    played = view["status"] not in ("draft", "cancelled", "scheduled")
    parts = breakdown(session, contest) if played else None
    series = contest.series
    return {**view, "breakdown": parts,
            "days_chart": _days_chart(parts, contest, clock.day_key()) if parts else None,
            "participation": {period: participation(session, clock, contest, period) for period in ("today", "week")}
            if view["status"] in ("running", "ended") else None,
            "signals": signals(session, contest) if played else [],
            "series": {"id": series.id, "name": series.name, "cadence": series.cadence, "active": series.active}
            if series is not None else None}


def _days_chart(parts: dict, contest: Contest, today: str) -> dict:
    # Days still ahead are gaps in the line, not zeros.
    return {"days": [d[5:] for d in parts["days"]], "names": [link.org.name for link in contest.orgs],
            "series": [[points if day <= today else None for day, points in zip(parts["days"], parts["by_day"][link.org_id],
                                                                                strict=True)] for link in contest.orgs]}


# --- bulletins (通报) ----------------------------------------------------------------------------------------
def window_label(first: date, last: date) -> str:
    """"2026年12月" for a calendar month, "2026年第4季度" for a quarter, else the dates."""
    if first.day == 1 and rules.series_window("monthly", first)[1] == last:
        return contest_series.period_label("monthly", first)
    if first.day == 1 and first.month % 3 == 1 and rules.series_window("quarterly", first)[1] == last:
        return contest_series.period_label("quarterly", first)
    return f"{first.year}年{first.month}月{first.day}日至{last.year}年{last.month}月{last.day}日"


def _figure(row: dict, metric: str) -> float:
    # What charts draw: 人均 to 2 places, participation in percent, counts as they are.
    if metric == "per_member":
        return round(row["per_member"], 2)
    if metric == "participation":
        return round(row["participation"] * 100, 1)
    return row[metric]


def _sheet(parts: dict, sides: list[tuple[int, str]], metric: str, rows: list[dict]) -> dict:
    """Per-source table rows and the two charts' data (metric per side; cumulative points per day)."""
    table = [{"name": name, "values": [parts["by_source"][side].get(s, 0) for s in parts["sources"]],
              "total": sum(parts["by_source"][side].values())} for side, name in sides]
    lines = []
    for side, name in sides:
        running, cumulative = 0, []
        for points in parts["by_day"][side]:
            running += points
            cumulative.append(running)
        lines.append({"name": name, "data": cumulative})
    return {"sources": parts["sources"], "table": table,
            "chart": {"metric": METRIC_NAMES[metric], "names": [r["name"] for r in rows],
                      "values": [_figure(r, metric) for r in rows], "days": [d[5:] for d in parts["days"]],
                      "lines": lines}}


def contest_bulletin(session: Session, store: Store, clock: Clock, contest: Contest) -> dict:
    """The 通报 of a contest: head, standings, winner, per-source table, chart data, checksum, date."""
    view = detail(session, store, clock, contest)
    parts = breakdown(session, contest)
    rows = view["standings"]
    sides = [(link.org_id, link.org.name) for link in contest.orgs]
    issued = clock.local(contest.frozen_at).date() if contest.frozen_at else clock.local().date()
    winner = next((r for r in rows if r["org_id"] == view["winner_org_id"]), None)
    period = window_label(contest.starts_on, contest.ends_on)
    return {**view, **_sheet(parts, sides, contest.metric, rows), "period": period,
            "title_period": "" if period in contest.name else period,
            "winner": winner, "issued_on": issued, "issuer": _issuer(contest.orgs[0].org),
            "total_points": sum(r["total"] for r in rows), "total_members": sum(r["members"] for r in rows),
            "total_participants": sum(r["participants"] for r in rows), "metric_name": METRIC_NAMES[contest.metric]}


def _issuer(org: Org) -> str:
    # The 落款 of a bulletin: the company (root org) of the first participant.
    return org.name if org.parent is None else _issuer(org.parent)


def month_bulletin(session: Session, clock: Clock, kind: str, scope: Pairing | JointGroup, month: str) -> dict | None:
    """The 通报 of a pairing's or joint group's frozen month (its snapshot rows and checksum), or None if not frozen."""
    view = snapshots.get(session, month, kind, scope.id)
    if view is None:
        return None
    rows = [{**row, "org_id": row["subject_id"], "total": row["points"]} for row in view.rows]
    side_ids = [row["org_id"] for row in rows]
    first = date.fromisoformat(f"{month}-01")
    last = rules.series_window("monthly", first)[1]
    side_of = _side_lookup_of(session, side_ids)
    present = set(session.execute(select(LedgerEntry.source).where(LedgerEntry.month == month,
                                                                    LedgerEntry.org_id.in_(list(side_of))).distinct()).scalars())
    parts = _grouped(session, side_of, side_ids, (LedgerEntry.month == month,), _days(first, last),
                     [s for s in SOURCE_ORDER if s in present] + sorted(present - set(SOURCE_ORDER)))
    firsts = [row for row in rows if row["rank"] == 1]
    winner = firsts[0] if len(firsts) == 1 and firsts[0]["total"] > 0 else None
    orgs = {org.id: org for org in session.execute(select(Org).where(Org.id.in_(side_ids))).scalars()}
    result = {"name": scope.name, "scope_id": scope.id, "period": contest_series.period_label("monthly", first), "month": month,
              "standings": rows, "winner": winner, "checksum": view.checksum, "frozen": True,
              "issued_on": clock.local(view.created_at).date(), "issuer": scope.name if isinstance(scope, JointGroup) else _issuer(scope.org_a),
              "window": {"starts_on": first.isoformat(), "ends_on": last.isoformat()},
              "participants": [{"org_id": i, "name": orgs[i].name} for i in side_ids if i in orgs],
              "total_points": sum(r["total"] for r in rows), "total_members": sum(r["members"] or 0 for r in rows),
              "total_participants": sum(r["participants"] or 0 for r in rows), "metric_name": METRIC_NAMES["per_member"],
              **_sheet(parts, [(r["org_id"], r["name"]) for r in rows], "per_member", rows)}
    session.rollback()
    return result
