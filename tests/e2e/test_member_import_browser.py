"""The organizer's bulk member import in Chromium: preview, a busy confirm, progress, initial passwords once."""

from __future__ import annotations

import pytest
from openpyxl import Workbook

pytestmark = pytest.mark.e2e

# Keeps the confirmation on the page after the busy-form handler ran, so the test can look at it.
HOLD_SUBMIT = "document.querySelector('form[data-busy]').addEventListener('submit', e => e.preventDefault())"


def test_confirming_an_import_shows_it_is_busy_then_lists_the_new_accounts_once(desktop, ui_login, tmp_path):
    book = Workbook()
    book.active.append(["姓名", "用户名", "手机号", "组织", "初始密码"])
    for i in range(1, 4):
        book.active.append([f"导入测试{i}", f"imp-e2e-{i}", None, "机关党支部", None])
    upload = tmp_path / "名单.xlsx"
    book.save(upload)

    ui_login(desktop, "host-a")
    desktop.goto("/admin/members/import")
    desktop.set_input_files("input[type=file]", str(upload))
    with desktop.expect_navigation():
        desktop.click("form[enctype='multipart/form-data'] button[type=submit]")
    assert "共 3 名成员可以导入" in desktop.locator("[data-testid=import-preview]").inner_text()

    desktop.evaluate(HOLD_SUBMIT)
    desktop.click("form[data-busy] button[type=submit]")
    assert "正在开始导入" in desktop.locator("[data-testid=busy-note]").inner_text()
    assert desktop.locator("form[data-busy] button[type=submit]").is_disabled()  # no second submit

    with desktop.expect_navigation():
        desktop.evaluate("document.querySelector('form[data-busy]').submit()")
    # The progress page reloads itself into the result once the background import is done.
    desktop.wait_for_selector("[data-testid=import-done]", timeout=60_000)
    assert desktop.locator("h1").inner_text() == "导入完成"
    passwords = desktop.locator("[data-testid=generated-passwords] tbody tr")
    assert passwords.count() == 3 and "imp-e2e-1" in passwords.first.inner_text()
    desktop.reload()
    assert desktop.locator("[data-testid=passwords-shown]").count() == 1  # shown once, not again
