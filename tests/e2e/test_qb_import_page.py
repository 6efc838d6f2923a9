"""An organizer imports questions in headless Chromium: a bad file shows the report, a good one imports."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import Workbook

pytestmark = pytest.mark.e2e

HEAD = ["题型", "题干", "选项A", "选项B", "选项C", "答案", "解析", "难度", "分类"]


def workbook(path: Path, rows: list[list[str]]) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.title = "题库"
    ws.append(HEAD)
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


def upload(page, path: Path) -> None:
    page.goto("/qb/import")
    page.set_input_files("input[type=file]", str(path))
    with page.expect_navigation():
        page.click("[data-testid=qb-upload] button[type=submit]")


def test_a_bad_file_shows_the_report_with_row_and_column(desktop, ui_login, screenshot, tmp_path):
    page = desktop
    ui_login(page, "host-a")
    upload(page, workbook(tmp_path / "坏题库.xlsx", [
        ["单选", "浏览器测试：铜的元素符号是？", "Cu", "Co", "", "A", "", "2", "端到端/化学"],
        ["单选", "浏览器测试：铁的元素符号是？", "Fe", "F", "", "E", "", "2", "端到端/化学"],
        ["判断", "浏览器测试：金的元素符号是 Au。", "", "", "", "也许", "", "难吗", "端到端/化学"],
    ]))
    table = page.locator("[data-testid=qb-import-error-table]")
    assert table.is_visible()
    text = table.inner_text()
    assert "ANSWER_OUT_OF_RANGE" in text and "JUDGE_INVALID" in text and "DIFFICULTY_INVALID" in text
    assert "第 3 行「答案」列" in text and "第 4 行「难度」列" in text
    assert page.locator("[data-testid=qb-confirm]").count() == 0
    assert page.locator("[data-testid=qb-reasons]").is_visible()
    screenshot(page, "qb-import-report.png", full_page=True)


def test_a_good_file_is_confirmed_imported_and_edited_with_a_phone_preview(desktop, ui_login, screenshot, tmp_path):
    page = desktop
    ui_login(page, "host-a")
    upload(page, workbook(tmp_path / "好题库.xlsx", [
        ["单选", "浏览器测试：水在标准大气压下多少摄氏度沸腾？", "90", "100", "120", "B", "标准大气压下为 100 ℃。", "1", "端到端/物理"],
        ["多选", "浏览器测试：下列哪些是导体？", "铜", "玻璃", "铝", "AC", "", "2", "端到端/物理"],
        ["填空", "浏览器测试：光在真空中的速度约为每秒____万千米。", "", "", "", "30;三十", "", "3", "端到端/物理"],
    ]))
    assert page.locator("[data-testid=qb-preview] tbody tr").count() == 3
    with page.expect_navigation():
        page.click("[data-testid=qb-confirm]")
    done = page.locator("[data-testid=qb-import-done]")
    done.wait_for()
    assert "新增 3 道" in done.inner_text()

    page.goto("/qb/questions?q=" + "浏览器测试：水在")
    with page.expect_navigation():
        page.click("[data-testid=qb-question-table] tbody tr a")
    preview = page.locator("[data-testid=qb-phone-preview]")
    assert page.locator(".qb-phone-body").bounding_box()["width"] == 375  # a phone's screen width
    assert "100" in preview.inner_text() and "标准大气压下为" not in preview.inner_text()  # no answer on the phone
    page.fill("textarea[name=stem]", "浏览器测试：水在一个标准大气压下多少摄氏度沸腾？")
    assert "一个标准大气压" in preview.inner_text()  # the preview follows the form
    assert "B" in page.locator("[data-testid=qb-answer-box]").inner_text()
    screenshot(page, "qb-edit.png", full_page=True)
    with page.expect_navigation():
        page.click("[data-testid=qb-save]")
    assert "已保存为第 2 版" in page.locator(".flashes").inner_text()
