"""A member logs in on a phone and sees their points; an organizer opens the desktop dashboard."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.e2e

NUMBER = re.compile(r"^-?\d+$")


def no_horizontal_scroll(page, width: int) -> None:
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= width, f"{page.url} is {scroll_width}px wide on a {width}px screen"


def test_member_logs_in_on_a_phone_and_sees_points_and_ranks(phone, ui_login, screenshot):
    page = phone
    page.goto("/login")
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    assert page.locator("h1").inner_text() == "登录"
    no_horizontal_scroll(page, 375)
    screenshot(page, "login-phone.png")

    ui_login(page, "a01")
    assert page.url.endswith("/home"), page.url
    me = page.context.request.get("/api/v1/me")  # the browser context's own session cookie
    assert me.ok, me.text()
    me = me.json()
    assert me["member"]["username"] == "a01"

    for period in ("today", "month", "total"):
        shown = page.locator(f"[data-testid=points-{period}]").inner_text().strip()
        assert NUMBER.match(shown), f"points-{period} shows {shown!r}"
        assert int(shown) == me["points"][period], (period, shown, me["points"])
    assert me["points"]["total"] >= 3  # the demo seed awards a01 3 points (思想学习)

    lines = page.locator("[data-testid^=rank-]")
    assert lines.count() == len(me["ranks"]) >= 1
    for i, rank in enumerate(me["ranks"]):
        text = lines.nth(i).inner_text()
        assert rank["org_name"] in text
        assert f"第 {rank['rank']} 名" in text and f"/ {rank['of']}" in text, text
    no_horizontal_scroll(page, 375)
    screenshot(page, "home-phone.png", full_page=True)


def test_wrong_password_shows_the_chinese_error(phone, ui_login):
    page = phone
    ui_login(page, "a02", "not-the-password")
    assert "/login" in page.url
    assert page.locator(".flash-error").inner_text().strip() == "用户名或密码错误"
    assert page.locator("input[name=login]").input_value() == "a02"
    assert page.context.request.get("/api/v1/me").status == 401
    no_horizontal_scroll(page, 375)


def test_organizer_sees_the_admin_dashboard_on_a_desktop(desktop, ui_login, screenshot):
    page = desktop
    ui_login(page, "host-a")
    page.goto("/admin/")
    assert page.url.endswith("/admin/"), page.url
    assert page.locator("h1").first.inner_text().startswith("组织概览")
    page.wait_for_selector("[data-testid=org-chart][data-drawn=true] canvas")
    assert page.locator("table.grid tbody tr").count() >= 1
    assert "华瑞金属制品有限公司" in page.locator("table.grid").inner_text()
    no_horizontal_scroll(page, 1280)
    screenshot(page, "admin-desktop.png")
