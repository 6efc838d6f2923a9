"""The organizer dashboard shows each org's month: total, points per member and participation."""

from __future__ import annotations

from pkarena.engine.periods import Period
from pkarena.services import ledger
from pkarena.services.boards import metrics as read_model


def test_org_month_metrics_count_subtree_members_and_participants(app, session, clock, world):
    company = world.org("华瑞公司")
    branch = world.org("一支部", company)
    other = world.org("二支部", company)
    host = world.member(company, "host", role="organizer")
    a, b = world.member(branch, "aa"), world.member(branch, "bb")
    world.member(other, "cc")
    updater = app.extensions["pkarena.boards"]
    ledger.manual_award(session, clock, actor_id=host.id, member_ids=[a.id], points=3, category="思想学习",
                        reason="集中学习", request_id="r1", on_commit=updater)
    ledger.manual_award(session, clock, actor_id=host.id, member_ids=[b.id], points=1, category="履职尽责",
                        reason="值班", request_id="r2", on_commit=updater)
    metrics = {m.name: m for m in read_model.org_metrics(
        session, app.extensions["pkarena.store"], Period.for_month(clock.month_key()), [company, branch, other])}
    assert (metrics["一支部"].total, metrics["一支部"].members, metrics["一支部"].participants) == (4, 2, 2)
    assert metrics["一支部"].per_member == 2 and metrics["一支部"].participation == 1
    assert (metrics["华瑞公司"].total, metrics["华瑞公司"].members, metrics["华瑞公司"].participants) == (4, 4, 2)
    assert metrics["二支部"].per_member == 0 and metrics["二支部"].participation == 0


def test_dashboard_page_shows_the_metrics_table(app, client, world, login):
    company = world.org("华瑞公司")
    host = world.member(company, "host", role="organizer")
    login(host)
    page = client.get("/admin/").get_data(as_text=True)
    assert 'data-testid="org-metrics"' in page and "华瑞公司" in page and "参与率" in page
