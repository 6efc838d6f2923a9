"""A contest on the office TV: an organizer puts it on a screen, an award moves it live, a frozen one shows its podium."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
TV_SIZE = {"width": 1920, "height": 1080}
SIDE_A, SIDE_B, SIDE_C = "第一生产党支部", "网络运维党支部", "第二生产党支部"  # a01 is in the first


def fits(page) -> None:
    width, height = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.scrollHeight]")
    assert width <= TV_SIZE["width"] and height <= TV_SIZE["height"], (width, height)


def font_px(page, selector: str) -> list[float]:
    # Query and measure in one task: a push re-renders the lists, and a detached node has no computed style.
    return page.evaluate("s => [...document.querySelectorAll(s)].map(n => parseFloat(getComputedStyle(n).fontSize))",
                         selector)


def open_screen(page, url: str) -> None:
    page.goto(url)
    page.wait_for_selector(".cs[data-ready=true]")
    page.wait_for_function("document.getElementById('scr-offline').hidden")  # the socket is connected
    page.wait_for_function("Number(document.querySelector('.cs').dataset.updates) >= 1")  # and sent the state


def publish_contest(desktop, name: str, sides: tuple[str, ...]) -> None:
    """Create and publish a contest between `sides` counting 积分制 awards too, on the organizer page."""
    desktop.goto("/admin/contests")
    desktop.fill("input[name=name]", name)
    options = desktop.locator("select[name=org_ids] option")
    desktop.select_option("select[name=org_ids]",
                          [options.filter(has_text=side).first.get_attribute("value") for side in sides])
    desktop.check("input[name=sources][value=manual]")
    with desktop.expect_navigation():
        desktop.click("[data-testid=publish-now]")


def make_screen(desktop, label: str, contest_name: str) -> str:
    """Create a contest screen on the organizer page; its URL (shown once)."""
    desktop.goto("/admin/screens")
    desktop.fill("input[name=label]", label)
    option = desktop.locator("select[name=scope] option", has_text=f"竞赛：{contest_name}").first
    desktop.select_option("select[name=scope]", option.get_attribute("value"))
    with desktop.expect_navigation():
        desktop.click("form[action$='/admin/screens'] button[type=submit]")
    return desktop.locator("[data-testid=screen-url]").inner_text().strip()


def seed_frozen_contest(db_file: Path) -> str:
    """Last month's three-branch contest, created then and frozen now (ids, not UI); its name."""
    from pkarena.clock import Clock, FrozenClock
    from pkarena.database import make_engine
    from pkarena.models import Member, Org
    from pkarena.services.contests import manage as contests
    from pkarena.services.contests import standings as contest_standings

    now = Clock()
    last = now.local().date().replace(day=1) - timedelta(days=1)
    first = last.replace(day=1)
    name = "上月三支部擂台赛"
    engine = make_engine(f"sqlite:///{db_file}")
    try:
        with Session(engine, expire_on_commit=False) as session:
            host = session.execute(select(Member).where(Member.username == "host-a")).scalar_one()
            ids = dict(session.execute(select(Org.name, Org.id)).all())
            then = FrozenClock(datetime(first.year, first.month, first.day, 2, 0, tzinfo=UTC))
            draft = contests.ContestDraft(name=name, starts_on=first, ends_on=last,
                                          org_ids=[ids[SIDE_A], ids[SIDE_B], ids[SIDE_C]])
            contest = contests.create(session, then, host, draft, schedule=True)
            assert contest_standings.freeze(session, now, contest)
    finally:
        engine.dispose()
    return name


def test_a_contest_screen_shows_the_duel_updates_after_an_award_and_a_frozen_one_its_podium(
        desktop, tv, ui_login, screenshot, demo_server):
    ui_login(desktop, "host-a")
    publish_contest(desktop, "一支部×运维支部 大屏PK赛", (SIDE_A, SIDE_B))
    url = make_screen(desktop, "竞赛大屏（活动室）", "一支部×运维支部 大屏PK赛")
    assert "/screen/" in url

    open_screen(tv, url)
    assert tv.locator(".cs").get_attribute("data-view") == "tug"
    fits(tv)
    assert tv.locator("[data-testid=screen-qr] svg").count() == 1
    assert tv.locator("#scr-scope").inner_text() == "一支部×运维支部 大屏PK赛"
    assert sorted(tv.locator(".cs-tug [data-testid=side-name]").all_inner_texts()) == sorted([SIDE_A, SIDE_B])
    assert min(font_px(tv, ".cs-tug .cs-name")) >= 40  # side names readable from 5 m
    assert min(font_px(tv, ".cs-value b")) >= 100
    assert tv.locator("#cs-days b").inner_text().isdigit()
    side_a = tv.locator(".cs-side").filter(has_text=SIDE_A)
    before_total = int(side_a.get_attribute("data-total"))
    before_updates = int(tv.locator(".cs").get_attribute("data-updates"))

    # A 积分制 award on the organizer's page (the server's own process) reaches the open screen without a reload.
    desktop.goto("/admin/points?q=a01")
    desktop.locator("input[name=member_ids]").first.check()
    desktop.fill("input[name=points]", "9")
    desktop.fill("input[name=reason]", "竞赛大屏推送测试：党建知识竞赛")
    with desktop.expect_navigation():
        desktop.click("[data-testid=award-form] button[type=submit]")
    tv.wait_for_function(f"Number(document.querySelector('.cs').dataset.updates) > {before_updates}", timeout=5_000)
    assert int(side_a.get_attribute("data-total")) == before_total + 9
    assert tv.evaluate("performance.getEntriesByType('navigation').length") == 1
    assert "9 分" in side_a.locator(".cs-leaders").inner_text() or before_total > 0
    fits(tv)
    ARTIFACTS.mkdir(exist_ok=True)
    tv.screenshot(path=str(ARTIFACTS / "screen-contest-tv.png"))
    screenshot(tv, "screen-contest-tv.png")

    # Three sides race as bars, led by the gap between the first two.
    publish_contest(desktop, "三支部大屏擂台赛", (SIDE_A, SIDE_B, SIDE_C))
    open_screen(tv, make_screen(desktop, "大厅电视（三方）", "三支部大屏擂台赛"))
    assert tv.locator(".cs").get_attribute("data-view") == "race"
    assert tv.locator("#cs-race li").count() == 3
    assert min(font_px(tv, ".cs-race-name")) >= 40
    fits(tv)
    tv.screenshot(path=str(ARTIFACTS / "screen-contest-race.png"))

    # A frozen contest of three branches: the podium, the 流动红旗 and the checksum.
    name = seed_frozen_contest(demo_server.log.parent / "demo.sqlite3")
    open_screen(tv, make_screen(desktop, "大厅电视（擂台赛）", name))
    assert tv.locator(".cs").get_attribute("data-view") == "podium"
    assert tv.locator("#cs-podium li").count() == 3
    assert min(font_px(tv, ".cs-podium-name")) >= 40
    assert "流动红旗" in tv.locator("[data-testid=contest-flag]").inner_text()
    assert len(tv.locator("[data-testid=contest-checksum]").inner_text()) == 12
    fits(tv)
    tv.screenshot(path=str(ARTIFACTS / "screen-contest-podium.png"))
