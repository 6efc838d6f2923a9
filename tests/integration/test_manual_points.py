"""积分制 from the organizer pages, and what members then see on /me/points and the entries API."""

from __future__ import annotations

import pytest
from factories import HOST_A, Person
from sqlalchemy import select

from pkarena.models import AuditLog, LedgerEntry
from pkarena.services import ledger
from pkarena.services.boards import cache as boards
from pkarena.store import keys


@pytest.fixture
def tree(world):
    """Two companies; an organizer of company A, three members in A's branches, one outsider in B."""
    return world.two_companies(people={
        "host": HOST_A, "m1": Person("a1", "m1"),
        "m2": Person("a2", "m2"), "m3": Person("a2", "m3"), "outsider": Person("b1", "outsider")})


def award_form(members, **extra) -> dict:
    return {"member_ids": [m.id for m in members], "category": "思想学习", "points": "3",
            "reason": "参加主题党日集中学习", "evidence": "签到表 2026-11-20", "request_id": "req-1", **extra}


def manual_entries(session) -> list[LedgerEntry]:
    return list(session.execute(select(LedgerEntry).where(LedgerEntry.source == "manual")
                                .order_by(LedgerEntry.member_id)).scalars())


def test_organizer_awards_points_to_several_members_with_reason_and_evidence(client, session, tree, login):
    login(tree["host"])
    response = client.post("/admin/points", data=award_form([tree["m1"], tree["m2"], tree["m3"]]))
    assert response.status_code == 302 and "/admin/points/entries" in response.headers["Location"]
    entries = manual_entries(session)
    assert [(e.member_id, e.points, e.category) for e in entries] == [
        (tree[m].id, 3, "思想学习") for m in ("m1", "m2", "m3")]
    assert entries[0].note == "参加主题党日集中学习\n证明材料：签到表 2026-11-20"
    assert entries[0].actor_id == tree["host"].id
    audited = session.execute(select(AuditLog.target_id).where(AuditLog.action == "ledger.manual")).scalars().all()
    assert sorted(audited) == sorted(str(e.id) for e in entries)
    listing = client.get("/admin/points/entries?month=2026-11").get_data(as_text=True)
    assert "参加主题党日集中学习" in listing and "签到表 2026-11-20" in listing


def test_resubmitting_the_same_form_awards_nothing_twice(app, client, session, tree, login):
    login(tree["host"])
    client.post("/admin/points", data=award_form([tree["m1"], tree["m2"]]))
    again = client.post("/admin/points", data=award_form([tree["m1"], tree["m2"]]), follow_redirects=True)
    assert "此前已提交，未重复记分" in again.get_data(as_text=True)
    assert len(manual_entries(session)) == 2
    board = keys.board_key("members", keys.scope_org(tree["a"].id), keys.period_month("2026-11"))
    assert app.extensions["pkarena.store"].board_all(board) == {str(tree["m1"].id): 3, str(tree["m2"].id): 3}


@pytest.mark.parametrize("change", [{"reason": "  "}, {"points": "0"}, {"points": "-2"}, {"member_ids": []}])
def test_award_without_reason_members_or_positive_points_is_refused(client, session, tree, login, change):
    login(tree["host"])
    response = client.post("/admin/points", data=award_form([tree["m1"]], **change), follow_redirects=True)
    assert response.status_code == 200
    assert 'class="flash flash-error"' in response.get_data(as_text=True)
    assert manual_entries(session) == []


def test_member_outside_the_organizers_scope_is_refused(client, session, tree, login):
    login(tree["host"])
    response = client.post("/admin/points", data=award_form([tree["m1"], tree["outsider"]]))
    assert response.status_code == 403
    assert manual_entries(session) == []


def test_award_page_searches_members_of_the_scope_by_name_or_username(client, tree, login):
    login(tree["host"])
    def ticks(page: str) -> set[int]:
        return {m.id for m in tree.values() if f'name="member_ids" value="{m.id}"' in page}

    assert ticks(client.get(f"/admin/points?q=m2&org={tree['a'].id}").get_data(as_text=True)) == {tree["m2"].id}
    assert ticks(client.get(f"/admin/points?org={tree['a2'].id}").get_data(as_text=True)) == {
        tree["m2"].id, tree["m3"].id}
    everyone = client.get("/admin/points").get_data(as_text=True)
    assert ticks(everyone) == {tree[m].id for m in ("host", "m1", "m2", "m3")}
    assert 'name="request_id"' in everyone


def test_correction_is_a_new_entry_naming_the_corrected_month(app, client, session, clock, tree, login):
    login(tree["host"])
    client.post("/admin/points", data=award_form([tree["m1"]]))
    original = manual_entries(session)[0]
    clock.advance(days=10)  # now in December: the correction belongs to December and names November
    data = {"points": "-3", "reason": "重复记分，予以更正", "request_id": "fix-1"}
    assert client.post(f"/admin/points/entries/{original.id}/correct", data=data).status_code == 302
    client.post(f"/admin/points/entries/{original.id}/correct", data=data)  # a double submit
    fixes = session.execute(select(LedgerEntry).where(LedgerEntry.source == "adjustment")).scalars().all()
    assert [(f.points, f.month, f.adjusts_month, f.corrects_entry_id, f.note) for f in fixes] == [
        (-3, "2026-12", "2026-11", original.id, "重复记分，予以更正")]
    assert session.get(LedgerEntry, original.id).points == 3
    assert session.execute(select(AuditLog).where(AuditLog.action == "ledger.adjustment")).scalar_one()
    listing = client.get("/admin/points/entries?month=2026-12&category=adjustment").get_data(as_text=True)
    assert "更正 2026-11 的积分" in listing
    with app.app_context():
        assert boards.check(session, app.extensions["pkarena.store"]) == []


def test_correction_needs_a_reason_and_an_entry_in_scope(client, session, world, clock, tree, login):
    outsider_entry = ledger.manual_award(session, clock, actor_id=tree["host"].id, member_ids=[tree["outsider"].id],
                                         points=2, category="履职尽责", reason="外单位", request_id="x")[0].entry
    login(tree["host"])
    client.post("/admin/points", data=award_form([tree["m1"]]))
    own = manual_entries(session)[0]
    refused = client.post(f"/admin/points/entries/{own.id}/correct",
                          data={"points": "-1", "reason": "", "request_id": "r"}, follow_redirects=True)
    assert 'class="flash flash-error"' in refused.get_data(as_text=True)
    foreign = client.post(f"/admin/points/entries/{outsider_entry.id}/correct",
                          data={"points": "-1", "reason": "越权", "request_id": "r2"})
    assert foreign.status_code == 403
    assert session.execute(select(LedgerEntry).where(LedgerEntry.source == "adjustment")).first() is None


def test_member_sees_manual_entries_and_corrections_on_the_points_page(client, session, clock, tree, login):
    login(tree["host"])
    client.post("/admin/points", data=award_form([tree["m1"]]))
    original = manual_entries(session)[0]
    client.post(f"/admin/points/entries/{original.id}/correct",
                data={"points": "-1", "reason": "多记 1 分", "request_id": "fix"})
    client.post("/logout")
    login(tree["m1"])
    page = client.get("/me/points").get_data(as_text=True)
    assert "积分制" in page and "思想学习" in page and "参加主题党日集中学习" in page
    # The reason and the evidence note on lines of their own.
    assert '<div class="muted small">参加主题党日集中学习</div>' in page
    assert '<div class="muted small">证明材料：签到表 2026-11-20</div>' in page
    assert "积分更正" in page and "更正 2026-11 的积分" in page and "多记 1 分" in page
    assert 'id="trend-chart"' in page and '"cumulative":' in page
    assert 'data-testid="rank-branch"' in page and 'data-testid="rank-company"' in page


def test_entries_api_lists_my_entries_of_a_month_with_source_labels(client, session, clock, tree, login):
    ledger.award(session, clock, member_id=tree["m1"].id, source="daily", source_ref="d1", outcome={"correct": 4})
    ledger.manual_award(session, clock, actor_id=tree["host"].id, member_ids=[tree["m1"].id, tree["m2"].id],
                        points=2, category="攻坚克难", reason="技改攻关", request_id="api")
    login(tree["m1"])
    body = client.get("/api/v1/me/entries?month=2026-11").get_json()
    assert body["total"] == 2 and body["month"] == "2026-11"
    assert [(e["source"], e["source_label"], e["points"]) for e in body["entries"]] == [
        ("manual", "积分制", 2), ("daily", "每日答题", 4)]
    assert body["entries"][0]["category"] == "攻坚克难" and body["entries"][0]["note"] == "技改攻关"
    assert client.get("/api/v1/me/entries?month=2026-10").get_json()["entries"] == []
    assert client.get("/api/v1/me/entries?month=11-2026").status_code == 400


def test_trend_counts_points_per_day_and_their_running_total(client, session, clock, tree, login):
    ledger.award(session, clock, member_id=tree["m1"].id, source="daily", source_ref="d1", outcome={"correct": 2})
    clock.advance(days=1)
    ledger.award(session, clock, member_id=tree["m1"].id, source="daily", source_ref="d2", outcome={"correct": 5})
    login(tree["m1"])
    page = client.get("/me/points").get_data(as_text=True)
    daily = [0] * 24 + [2, 5]
    assert f'"daily": {daily}'.replace(" ", "") in page.replace(" ", "")
    assert '"cumulative":' in page and "本月合计 7 分" in page


def test_manual_categories_come_from_the_config(monkeypatch):
    from pkarena.config import Config

    monkeypatch.setenv("MANUAL_CATEGORIES", "思想学习，志愿服务, 创新创效")
    assert Config.from_env().MANUAL_CATEGORIES == ("思想学习", "志愿服务", "创新创效")
    assert Config().MANUAL_CATEGORIES == ("思想学习", "履职尽责", "攻坚克难")
