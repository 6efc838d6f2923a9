"""Members play on phones against the real demo server: a whole daily quiz, and a whole 1v1 between two browsers."""

from __future__ import annotations

import pytest
from support.browser import PHONE, new_context

from pkarena.engine.rules import DEFAULT_RULES

pytestmark = pytest.mark.e2e

PK1V1 = DEFAULT_RULES.modes["pk1v1"].params
# Each of these accounts plays one 1v1 today, the day's first: it pays the win or the loss points.
FIRST_1V1_OF_THE_DAY = {PK1V1["win"], PK1V1["loss"]}

PLAY = "#play"


def today_points(page) -> int:
    """`GET /api/v1/me` with the page's own cookies: points today."""
    return page.context.request.get("/api/v1/me").json()["points"]["today"]


def wait_phase(page, phase: str, index: int | None = None) -> None:
    """Wait until the game screen shows `phase` (of question `index`); the server drives every change."""
    selector = f"{PLAY}[data-phase={phase}]" + ("" if index is None else f"[data-index='{index}']")
    page.wait_for_selector(selector)


def answer_first(page) -> None:
    """Tap the first option (fill: type into every blank; multiple: tap the first, then 提交)."""
    blanks = page.locator("[data-testid=blank]")
    if blanks.count():
        for i in range(blanks.count()):
            blanks.nth(i).fill("答")
        page.click("[data-testid=submit]")
        return
    page.locator("[data-testid=option]").first.click()
    if page.locator("[data-testid=submit]").is_visible():
        page.click("[data-testid=submit]")


def revealed(page, index: int) -> bool:
    """Wait for question `index`'s reveal (the last one goes straight on to the result); True if revealed."""
    page.wait_for_selector(f"{PLAY}[data-phase=reveal][data-index='{index}'], {PLAY}[data-phase=result]")
    return page.get_attribute(PLAY, "data-phase") == "reveal"


def next_step(page, index: int) -> str:
    """After question `index`'s reveal: wait for the next question or the result; returns the phase."""
    page.wait_for_selector(f"{PLAY}[data-phase=result], {PLAY}[data-phase=question][data-index='{index + 1}']")
    return page.get_attribute(PLAY, "data-phase")


def test_a_member_plays_a_whole_daily_quiz_and_the_awarded_points_reach_the_api(phone, ui_login, screenshot):
    page = phone
    ui_login(page, "a01")
    page.click("[data-testid=play-link]")
    page.wait_for_url("**/play")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(page, "play-lobby.png")
    before = today_points(page)

    page.click("[data-testid=mode-daily]")
    index = 0
    wait_phase(page, "question", index)
    assert page.locator("[data-testid=stem]").inner_text().strip()
    assert page.locator("[data-testid=question-progress]").inner_text() == "第 1 / 5 题"
    screenshot(page, "play-question.png")
    while True:
        answer_first(page)
        if not revealed(page, index):
            break
        assert page.locator("[data-testid=verdict]").inner_text() in ("回答正确", "回答错误")
        assert page.locator("[data-testid=option]:disabled").count() == page.locator("[data-testid=option]").count()
        if index == 0:
            screenshot(page, "play-reveal.png")
        if next_step(page, index) == "result":
            break
        index += 1
    assert index == 4  # five questions, each answered

    awarded = int(page.locator("[data-testid=awarded]").inner_text().lstrip("+"))
    assert page.locator("[data-testid=award-reason]").inner_text().strip()
    assert page.locator("[data-testid=standing]").count() == 1
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(page, "play-result.png")
    assert today_points(page) == before + awarded


def test_two_phones_queue_for_a_1v1_and_both_play_it_to_the_end(browser, base_url, ui_login):
    contexts = [new_context(browser, PHONE, is_mobile=True, has_touch=True, base_url=base_url) for _ in range(2)]
    try:
        pages = [context.new_page() for context in contexts]
        for page, username in zip(pages, ("a02", "b02"), strict=True):
            ui_login(page, username)
        before = [today_points(page) for page in pages]
        pages[0].goto("/play/match?mode=pk1v1&scope=open")
        wait_phase(pages[0], "waiting")
        pages[1].goto("/play/match?mode=pk1v1&scope=open")
        index = 0
        while True:
            for page in pages:
                wait_phase(page, "question", index)
            assert pages[0].locator("[data-testid=scores] li").count() == 2
            for page in pages:
                answer_first(page)
            shown = {revealed(page, index) for page in pages}
            if shown == {False}:
                break
            for page in pages:
                assert page.locator("[data-testid=result]").count() == 2  # both players' results
            phases = {next_step(page, index) for page in pages}
            assert len(phases) == 1
            if phases == {"result"}:
                break
            index += 1
        assert index == 4
        for page, points_before in zip(pages, before, strict=True):
            standings = page.locator("[data-testid=standing]")
            assert standings.count() == 2
            awarded = int(page.locator("[data-testid=awarded]").inner_text().lstrip("+"))
            assert awarded in FIRST_1V1_OF_THE_DAY
            assert page.locator("[data-testid=award-reason]").inner_text().strip()
            assert today_points(page) == points_before + awarded
    finally:
        for context in contexts:
            context.close()
