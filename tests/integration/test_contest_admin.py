"""Organizer contest pages: create (and refusals), edit, publish, end early, cancel, series, export, bulletins."""

from __future__ import annotations

from datetime import date
from io import BytesIO

import pytest
import test_contests
from openpyxl import load_workbook
from sqlalchemy import func, select
from test_contests import AFTER_DECEMBER, IN_DECEMBER, draft

from pkarena.models import AuditLog, Contest, ContestSeries
from pkarena.services.contests import manage as contests
from pkarena.services.contests import standings as contest_standings
from pkarena.services.monthly import freeze

# The contest fixtures of test_contests.py: two paired branches of two companies, and awards through the ledger.
sides, give = test_contests.sides, test_contests.give


def form(sides, **changes) -> dict:
    values = {"name": "十二月PK赛", "participants": "orgs", "org_ids": [sides["a"].id, sides["b"].id],
              "starts_on": "2026-12-01", "ends_on": "2026-12-31", "metric": "per_member",
              "tie_break_1": "participation", "tie_break_2": "total", "tie_break_3": "earliest",
              "sources": ["daily", "challenge", "pk1v1", "pk4", "live"], "repeat": "once"}
    return {**values, **changes}


def contest_count(session) -> int:
    return session.execute(select(func.count(Contest.id))).scalar_one()


def actions(session) -> list[str]:
    return list(session.execute(select(AuditLog.action).where(AuditLog.action.like("contest%"))
                                .order_by(AuditLog.id)).scalars())


def test_organizer_creates_a_published_contest_through_the_form(client, session, sides, login):
    login(sides["host"])
    response = client.post("/admin/contests", data=form(sides, publish="y"))
    contest = session.execute(select(Contest)).scalar_one()
    assert response.headers["Location"].endswith(f"/admin/contests/{contest.id}")
    assert (contest.status, contest.metric, list(contest.tie_breaks)) == (
        "scheduled", "per_member", ["participation", "total", "earliest"])
    assert [link.org_id for link in contest.orgs] == [sides["a"].id, sides["b"].id]
    assert actions(session) == ["contest.create"]
    page = client.get(f"/admin/contests/{contest.id}").get_data(as_text=True)
    assert "十二月PK赛" in page and "已发布竞赛「十二月PK赛」" in page
    listing = client.get("/admin/contests").get_data(as_text=True)
    assert "一支部 × 信息支部" in listing and 'data-testid="contest-create-form"' in listing


def test_a_pairing_as_participants_and_a_draft(client, session, sides, login):
    login(sides["host"])
    client.post("/admin/contests", data=form(sides, participants="pairing", pairing_id=sides["pairing"].id,
                                             org_ids=[sides["company_a"].id]))
    contest = session.execute(select(Contest)).scalar_one()
    assert contest.status == "draft" and contest.pairing_id == sides["pairing"].id
    assert [link.org_id for link in contest.orgs] == [sides["a"].id, sides["b"].id]


@pytest.mark.parametrize(("changes", "message"), [
    ({"ends_on": "2026-11-30"}, "结束日期不能早于开始日期"),
    ({"name": "   "}, "请填写竞赛名称"),
    ({"tie_break_1": "per_member"}, "并列规则不能与评比指标相同"),
    ({"sources": []}, "至少选择一种计分来源"),
])
def test_a_refused_contest_flashes_the_chinese_reason_and_writes_nothing(client, session, sides, login, changes,
                                                                        message):
    login(sides["host"])
    page = client.post("/admin/contests", data=form(sides, **changes), follow_redirects=True)
    assert message in page.get_data(as_text=True)
    assert contest_count(session) == 0 and actions(session) == []


def test_an_org_outside_the_organizers_reach_is_refused_by_the_service(client, session, world, sides, login):
    stranger = world.org("无关公司")
    login(sides["host"])
    page = client.post("/admin/contests", data=form(sides, org_ids=[sides["a"].id, stranger.id]),
                       follow_redirects=True).get_data(as_text=True)
    assert "无关公司" in page and "不在您的管理范围内" in page
    assert contest_count(session) == 0


def test_edit_publish_end_early_and_cancel(client, session, clock, sides, login):
    contest = contests.create(session, clock, sides["host"], draft(sides))
    login(sides["host"])
    client.post(f"/admin/contests/{contest.id}/edit", data=form(sides, name="改名PK赛", metric="total",
                                                                  tie_break_1="", tie_break_2="", tie_break_3=""))
    session.refresh(contest)
    assert (contest.name, contest.metric, list(contest.tie_breaks)) == ("改名PK赛", "total", [])
    client.post(f"/admin/contests/{contest.id}/schedule")
    session.refresh(contest)
    assert contest.status == "scheduled"
    # Running: the rules stay, only the texts change; then it ends today.
    clock.set(IN_DECEMBER)
    client.post(f"/admin/contests/{contest.id}/edit", data=form(sides, name="进行中改名", metric="participation"))
    session.refresh(contest)
    assert (contest.name, contest.metric) == ("进行中改名", "total")
    page = client.post(f"/admin/contests/{contest.id}/end", follow_redirects=True).get_data(as_text=True)
    session.refresh(contest)
    assert contest.ends_on == date(2026, 12, 3) and "明天零点后冻结" in page
    page = client.post(f"/admin/contests/{contest.id}/cancel", data={"reason": " "}, follow_redirects=True)
    assert "取消竞赛须填写原因" in page.get_data(as_text=True)
    session.refresh(contest)
    assert contest.status == "scheduled"
    client.post(f"/admin/contests/{contest.id}/cancel", data={"reason": "上级通知改期"})
    session.refresh(contest)
    assert (contest.status, contest.cancel_reason) == ("cancelled", "上级通知改期")
    assert actions(session) == ["contest.create", "contest.update", "contest.schedule", "contest.update",
                                "contest.end_early", "contest.cancel"]
    page = client.get(f"/admin/contests/{contest.id}").get_data(as_text=True)
    assert "上级通知改期" in page and 'data-testid="contest-actions"' not in page


def test_a_monthly_series_creates_this_months_contest_and_can_be_stopped(client, session, sides, login):
    login(sides["host"])
    client.post("/admin/contests", data=form(sides, name="月度PK赛", repeat="monthly"))
    series = session.execute(select(ContestSeries)).scalar_one()
    contest = session.execute(select(Contest)).scalar_one()
    assert (series.cadence, series.active) == ("monthly", True)
    assert contest.name == "月度PK赛（2026年11月）" and contest.status == "scheduled"
    assert (contest.starts_on, contest.ends_on) == (date(2026, 11, 1), date(2026, 11, 30))
    assert "月度PK赛" in client.get("/admin/contests").get_data(as_text=True)
    client.post(f"/admin/contest-series/{series.id}/stop")
    session.refresh(series)
    assert series.active is False and actions(session)[-1] == "contest_series.stop"


def test_detail_shows_live_standings_breakdown_participation_and_the_reminder(client, session, clock, sides, give,
                                                                            login, app):
    contest = contests.create(session, clock, sides["host"], draft(sides), schedule=True)
    contest_standings.changed(app.extensions["pkarena.store"])
    clock.set(IN_DECEMBER)
    a1, _a2, a3 = sides["a_members"]
    give(a1, "daily", "d1", correct=4)
    login(sides["host"])
    page = client.get(f"/admin/contests/{contest.id}").get_data(as_text=True)
    assert 'data-testid="standings"' in page and 'id="contest-days-chart"' in page
    assert 'data-testid="source-table"' in page and "复制提醒文字" in page
    assert f"{a3.display_name}" in page and "还有 2 位同志没有参与答题" in page
    assert 'data-testid="signals"' in page


def test_export_opens_and_has_the_checksum_once_frozen_and_the_bulletin_renders(client, session, clock, sides,
                                                                               give, login):
    contest = contests.create(session, clock, sides["host"], draft(sides), schedule=True)
    clock.set(IN_DECEMBER)
    give(sides["b_members"][0], "daily", "d1", correct=5)
    give(sides["a_members"][0], "daily", "d2", correct=1)
    login(sides["host"])
    live = load_workbook(BytesIO(client.get(f"/admin/contests/{contest.id}/export.xlsx").data))
    assert live["竞赛排名"]["B5"].value.startswith("未冻结")
    clock.set(AFTER_DECEMBER)
    contest_standings.freeze(session, clock, contest)
    session.refresh(contest)
    response = client.get(f"/admin/contests/{contest.id}/export.xlsx")
    assert response.mimetype.endswith("spreadsheetml.sheet")
    book = load_workbook(BytesIO(response.data))
    assert book["竞赛排名"]["B5"].value == contest.checksum and book["竞赛排名"]["B3"].value == "人均积分"
    assert book["来源明细"]["B1"].value == "每日答题"
    page = client.get(f"/admin/contests/{contest.id}/bulletin").get_data(as_text=True)
    assert "关于2026年12月十二月PK赛结果的通报" in page and contest.checksum in page
    assert "信息支部以人均积分第一名的成绩获得本期“流动红旗”" in page
    assert 'id="bulletin-bar"' in page and "@page" not in page  # print rules live in app.css


def test_a_pairings_frozen_month_has_a_bulletin(client, session, clock, sides, give, login):
    clock.set(IN_DECEMBER)
    give(sides["b_members"][0], "daily", "d1", correct=5)
    clock.set(AFTER_DECEMBER)
    freeze.freeze_month(session, clock, "2026-12")
    login(sides["host"])
    url = f"/admin/bulletins/pairing/{sides['pairing'].id}/2026-12"
    page = client.get(url).get_data(as_text=True)
    assert "关于2026年12月华瑞×星联积分评比结果的通报" in page and "流动红旗" in page
    assert "信息支部以人均积分第一名" in page
    assert url in client.get("/admin/contests").get_data(as_text=True)  # linked from the contests page
    assert client.get(f"/admin/bulletins/pairing/{sides['pairing'].id}/2026-10").status_code == 404
    assert client.get("/admin/bulletins/pairing/9999/2026-12").status_code == 404


def test_out_of_scope_organizers_get_404_or_403(client, session, clock, world, sides, login):
    contest = contests.create(session, clock, sides["host"], draft(sides), schedule=True)
    hidden = contests.create(session, clock, sides["host"], draft(sides, name="草稿"))
    stranger = world.member(world.org("无关公司"), "host-x", role="organizer")
    host_b = world.member(sides["company_b"], "host-b", role="organizer")
    group = world.org("一组", sides["a"])
    host_group = world.member(group, "host-g", role="organizer", scope=group)
    login(stranger)
    assert client.get(f"/admin/contests/{contest.id}").status_code == 404
    assert client.post(f"/admin/contests/{contest.id}/cancel", data={"reason": "x"}).status_code == 404
    assert client.get("/admin/contests/9999").status_code == 404
    login(host_b)  # a side's company: may view and manage
    assert client.get(f"/admin/contests/{contest.id}").status_code == 200
    assert client.get(f"/admin/contests/{hidden.id}").status_code == 200
    login(host_group)  # a group inside a side: sees the contest, may not run it
    assert client.get(f"/admin/contests/{contest.id}").status_code == 200
    response = client.post(f"/admin/contests/{contest.id}/cancel", data={"reason": "x"})
    assert response.status_code == 403 and response.mimetype == "text/html"
    assert client.get(f"/admin/contests/{hidden.id}").status_code == 404
    session.refresh(contest)
    assert contest.status == "scheduled"
    login(sides["a_members"][0])
    assert client.get("/admin/contests").status_code == 403
