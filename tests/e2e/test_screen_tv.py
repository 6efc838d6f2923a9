"""The office screen on a TV: made by an organizer, drawn without scrollbars, pushed to, then revoked."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.e2e

UHD = {"width": 3840, "height": 2160}
MEMBER_POINTS = """() => {
  const chart = window.echarts.getInstanceByDom(document.getElementById('chart-members'));
  return chart.getOption().series[0].data.reduce((sum, v) => sum + Number(v), 0);
}"""


def fits(page, size: dict) -> None:
    width, height = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.scrollHeight]")
    assert width <= size["width"] and height <= size["height"], (width, height, size)
    assert page.evaluate("document.body.scrollHeight") <= size["height"]


def open_screen(page, url: str) -> None:
    page.goto(url)
    page.wait_for_selector(".scr[data-ready=true]")
    page.wait_for_function("document.querySelector('#chart-members canvas') !== null")
    page.wait_for_function("document.getElementById('scr-offline').hidden")  # the socket is connected


def test_a_screen_is_drawn_at_tv_sizes_updates_after_an_award_and_stops_once_revoked(
        browser, base_url, desktop, tv, ui_login, screenshot):
    ui_login(desktop, "host-a")
    desktop.goto("/admin/screens")
    desktop.fill("input[name=label]", "党建活动室电视")
    pairing = desktop.locator("select[name=scope] option[value^='pairing:']").first.get_attribute("value")
    desktop.select_option("select[name=scope]", pairing)
    with desktop.expect_navigation():
        desktop.click("form[action$='/admin/screens'] button[type=submit]")
    url = desktop.locator("[data-testid=screen-url]").inner_text().strip()
    assert "/screen/" in url

    open_screen(tv, url)
    fits(tv, {"width": 1920, "height": 1080})
    assert tv.locator("[data-testid=screen-qr] svg").count() == 1
    assert tv.locator("#scr-scope").inner_text() == "华瑞 × 星联 结对共建"
    screenshot(tv, "screen-tv.png")

    uhd = browser.new_context(viewport=UHD, locale="zh-CN", timezone_id="Asia/Shanghai", base_url=base_url)
    uhd.set_default_timeout(15_000)
    try:
        big = uhd.new_page()
        open_screen(big, url)
        fits(big, UHD)
        screenshot(big, "screen-4k.png")
    finally:
        uhd.close()

    # An award on the organizer's 积分制 page reaches the open screen without a reload.
    before_points = tv.evaluate(MEMBER_POINTS)
    before_updates = int(tv.locator(".scr").get_attribute("data-updates"))
    desktop.goto("/admin/points?q=a01")
    desktop.locator("input[name=member_ids]").first.check()
    desktop.fill("input[name=points]", "7")
    desktop.fill("input[name=reason]", "大屏推送测试：党建知识竞赛")
    with desktop.expect_navigation():
        desktop.click("[data-testid=award-form] button[type=submit]")
    tv.wait_for_function(f"Number(document.querySelector('.scr').dataset.updates) > {before_updates}")
    tv.wait_for_function(f"({MEMBER_POINTS})() === {before_points + 7}")
    assert tv.evaluate("performance.getEntriesByType('navigation').length") == 1
    fits(tv, {"width": 1920, "height": 1080})

    # Revoking on the organizer page makes the open screen reload itself into the 410 page.
    desktop.goto("/admin/screens")
    row = desktop.locator("tr[data-screen-id]", has_text="党建活动室电视")
    with desktop.expect_navigation():
        row.locator("[data-testid=screen-revoke]").click()
    tv.wait_for_selector("[data-testid=screen-gone]")
    response = tv.reload()
    assert response.status == 410
    assert "大屏链接已收回" in tv.locator("h1").inner_text()
