"""好友对战 on phones against the real demo server: a03 invites by link, b03 accepts, both finish the 1v1."""

from __future__ import annotations

import pytest
from support.browser import PHONE, new_context
from test_play_phone import FIRST_1V1_OF_THE_DAY, answer_first, next_step, revealed, today_points, wait_phase

pytestmark = pytest.mark.e2e


def test_a_member_invites_a_colleague_by_link_and_both_play_the_duel_to_the_end(browser, base_url, ui_login,
                                                                                 screenshot):
    contexts = [new_context(browser, PHONE, is_mobile=True, has_touch=True, base_url=base_url) for _ in range(2)]
    try:
        host, guest = pages = [context.new_page() for context in contexts]
        for page, username in zip(pages, ("a03", "b03"), strict=True):
            ui_login(page, username)
        before = [today_points(page) for page in pages]
        host.goto("/play")
        host.click("[data-testid=duel-new]")
        wait_phase(host, "waiting")
        link = host.locator("[data-testid=duel-link]").input_value()
        assert link.startswith(f"{base_url}/play/duel/")
        assert host.locator("[data-testid=duel-qr] svg").count() == 1
        assert host.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        screenshot(host, "play-duel-invite.png")

        guest.goto(link)
        assert guest.locator("[data-testid=duel-host]").inner_text().strip()
        guest.click("[data-testid=duel-accept]")
        index = 0
        while True:
            for page in pages:
                wait_phase(page, "question", index)
            assert host.locator("[data-testid=scores] li").count() == 2
            for page in pages:
                answer_first(page)
            if {revealed(page, index) for page in pages} == {False}:
                break
            phases = {next_step(page, index) for page in pages}
            assert len(phases) == 1
            if phases == {"result"}:
                break
            index += 1
        assert index == 4
        for page, points_before in zip(pages, before, strict=True):
            assert page.locator("[data-testid=standing]").count() == 2
            awarded = int(page.locator("[data-testid=awarded]").inner_text().lstrip("+"))
            assert awarded in FIRST_1V1_OF_THE_DAY  # a duel is a 1v1: the day's first pays
            assert page.locator("[data-testid=award-reason]").inner_text().strip()
            assert today_points(page) == points_before + awarded
        # The link is spent: opening it again says so.
        guest.goto(link)
        assert guest.locator("[data-testid=duel-gone]").inner_text() == "邀请已失效或不存在"
    finally:
        for context in contexts:
            context.close()
