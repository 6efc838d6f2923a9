"""Two phones of the demo's paired branches queue for a 1v1 from their contest page and meet each other."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from support.browser import PHONE, new_context

pytestmark = pytest.mark.e2e

PLAY = "#play"
# Members of the paired branches (第一生产党支部, 网络运维党支部) no other browser test plays with.
PLAYERS = ("a07", "b05")


def seed_running_contest(db_file: Path) -> int:
    """This month's contest between the demo's paired branches, created directly in the demo database."""
    from pkarena.clock import Clock, FrozenClock
    from pkarena.database import make_engine
    from pkarena.models import Member, Pairing
    from pkarena.services.contests import manage as contests

    today = Clock().local().date()
    first = today.replace(day=1)
    last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    engine = make_engine(f"sqlite:///{db_file}")
    try:
        with Session(engine, expire_on_commit=False) as session:
            host = session.execute(select(Member).where(Member.username == "host-a")).scalar_one()
            pairing = session.execute(select(Pairing)).scalars().first()
            then = FrozenClock(datetime(first.year, first.month, first.day, 2, 0, tzinfo=UTC))
            draft = contests.ContestDraft(name="结对支部 手机PK赛", starts_on=first, ends_on=last,
                                          pairing_id=pairing.id)
            return contests.create(session, then, host, draft, schedule=True).id
    finally:
        engine.dispose()


def test_two_phones_queue_from_the_contest_page_and_meet_each_other(browser, base_url, ui_login, demo_server):
    contest_id = seed_running_contest(demo_server.log.parent / "demo.sqlite3")
    contexts = [new_context(browser, PHONE, is_mobile=True, has_touch=True, base_url=base_url) for _ in range(2)]
    try:
        pages = [context.new_page() for context in contexts]
        names = []
        for page, username in zip(pages, PLAYERS, strict=True):
            ui_login(page, username)
            names.append(page.context.request.get("/api/v1/me").json()["member"]["display_name"])
            page.goto(f"/contests/{contest_id}")
            assert "今日还可得" in page.locator("[data-testid=points-left]").inner_text()
            assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        pages[0].click("[data-testid=play-pk1v1]")
        pages[0].wait_for_selector(f"{PLAY}[data-phase=waiting]")
        assert "结对支部 手机PK赛" in pages[0].locator("[data-testid=contest-queue]").inner_text()
        pages[1].click("[data-testid=play-pk1v1]")
        for page in pages:
            page.wait_for_selector(f"{PLAY}[data-phase=question][data-index='0']")
        for page, other in zip(pages, reversed(names), strict=True):  # the two players see each other
            scores = page.locator("[data-testid=scores] li")
            assert scores.count() == 2 and other in page.locator("[data-testid=scores]").inner_text()
        for page in pages:  # both answer at once (a PK question is open 10 s; a slow machine may miss it)
            if page.locator(f"{PLAY}[data-phase=question][data-index='0']").count():
                page.locator("[data-testid=option]").first.click(timeout=5_000)
        for page in pages:
            page.wait_for_selector(f"{PLAY}[data-phase=reveal][data-index='0']")
            assert page.locator("[data-testid=result]").count() == 2
    finally:
        for context in contexts:
            context.close()
