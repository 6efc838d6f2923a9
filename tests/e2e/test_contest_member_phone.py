"""A member follows the demo's PK赛 on a phone: this month's tug of war, and last month's frozen result."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
SERIES = "一支部×运维支部 月度PK赛"  # the demo's monthly series of the paired branches (services/demo/contests.py)


def save(page, screenshot, name: str) -> None:
    """The whole page under test-artifacts/ (to look at), the first screen under docs/screenshots/ (the README)."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name), full_page=True)
    screenshot(page, name)


def open_contest(page, status: str) -> None:
    """From 我的竞赛, open the demo series' contest shown with this status badge."""
    item = page.locator("[data-testid=contest-list] li", has_text=SERIES).filter(
        has=page.locator(f".badge.status-{status}"))
    assert item.count() == 1, item.count()
    with page.expect_navigation():
        item.locator("a").click()
    assert re.search(r"/contests/\d+$", page.url), page.url


def assert_fits_the_phone(page) -> None:
    """Nothing wider than the 375 px screen (no sideways scrolling, no clipped long names)."""
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    overflowing = page.evaluate("""[...document.querySelectorAll('main *')]
        .filter(e => e.getBoundingClientRect().right > 376).map(e => e.className || e.tagName)""")
    assert overflowing == [], overflowing


def test_a_member_follows_the_running_pk_and_reads_last_months_result(phone, ui_login, screenshot):
    page = phone
    ui_login(page, "a01")  # 第一生产党支部: a side of the demo pairing
    page.click("[data-testid=contests-link]")
    page.wait_for_url("**/contests")
    assert page.locator("[data-testid=contest-list] li", has_text="季度联合竞赛").count() == 1
    assert_fits_the_phone(page)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "contest-list-phone.png"), full_page=True)

    open_contest(page, "running")
    assert page.locator("[data-testid=contest-status]").inner_text() == "进行中"
    tug = page.locator("[data-testid=tug-of-war]")
    assert tug.is_visible() and "第一生产党支部" in tug.inner_text() and "网络运维党支部" in tug.inner_text()
    assert re.fullmatch(r"还剩 \d+ 天", page.locator("[data-testid=days-left]").inner_text())
    assert re.fullmatch(r"\d+ 分", page.locator("[data-testid=my-points]").inner_text())
    assert page.locator("[data-testid=standings] li").count() == 2
    assert page.locator("[data-testid=standings] .flag").count() == 1  # last month's winner holds the flag
    assert page.locator("[data-testid=top-contributors] li").count() >= 1
    for mode in ("daily", "challenge", "pk1v1", "pk4"):
        assert page.locator(f"[data-testid=play-{mode}]").is_visible()
    assert "scope=contest" in page.locator("[data-testid=play-pk1v1]").get_attribute("href")
    assert_fits_the_phone(page)
    save(page, screenshot, "contest-phone.png")

    page.go_back()
    open_contest(page, "frozen")
    assert page.locator("[data-testid=contest-status]").inner_text() == "已冻结"
    assert page.locator("[data-testid=standings] li").count() == 2
    assert re.fullmatch(r"[0-9a-f]{12}", page.locator("[data-testid=checksum] code").inner_text())
    winner = page.locator("[data-testid=winner]").inner_text()
    assert "流动红旗" in winner and re.search("第一生产党支部|网络运维党支部", winner)
    assert page.locator("[data-testid=days-left]").count() == 0 and page.locator("[data-testid=play-daily]").count() == 0
    assert_fits_the_phone(page)
    save(page, screenshot, "contest-frozen-phone.png")
