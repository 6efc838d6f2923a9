"""A member opens "my points" on a phone: the month's trend chart is drawn and the entries are listed."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.e2e


def test_member_sees_the_month_trend_and_entries_on_a_phone(phone, ui_login, screenshot):
    page = phone
    ui_login(page, "a01")
    page.click("[data-testid=my-points-link]")
    page.wait_for_url("**/me/points")
    chart = page.locator("[data-testid=trend-chart][data-drawn=true]")
    chart.wait_for()
    size = chart.locator("canvas").first.evaluate("c => [c.width, c.height]")
    assert size[0] > 300 and size[1] > 200, size
    # A drawn canvas has non-blank pixels (ECharts renders synchronously with animation off).
    painted = chart.locator("canvas").first.evaluate(
        "c => { const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;"
        " let n = 0; for (let i = 3; i < d.length; i += 4) { if (d[i] > 0) n++; } return n; }")
    assert painted > 1000, painted

    entries = page.context.request.get("/api/v1/me/entries").json()
    assert entries["total"] > 20  # six simulated weeks plus the seed's 积分制 award
    items = page.locator("[data-testid=entries] li")
    assert items.count() == len(entries["entries"])
    assert items.first.get_attribute("data-entry-id") == str(entries["entries"][0]["id"])
    sources = {e["source"] for e in entries["entries"]}
    assert sources & {"daily", "challenge", "pk1v1", "pk4", "manual"}
    assert page.locator("[data-testid=rank-branch]").count() == 1
    assert page.locator("[data-testid=rank-pairing]").count() >= 1  # a01's branch is the demo pairing's side
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    screenshot(page, "me-points-phone.png", full_page=True)
