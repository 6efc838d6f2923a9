"""An organizer runs a contest in the browser, and a finished contest's bulletin prints to A4 PDF cleanly."""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
PAGE_OBJECT = re.compile(rb"/Type\s*/Page(?![a-zA-Z])")


def seed_frozen_contest(db_file: Path) -> int:
    """Last month's contest between the demo's paired branches, created then and frozen now (ids, not UI)."""
    from pkarena.clock import Clock, FrozenClock
    from pkarena.database import make_engine
    from pkarena.models import Member, Pairing
    from pkarena.services.contests import manage as contests
    from pkarena.services.contests import standings as contest_standings

    now = Clock()
    first = (now.local().date().replace(day=1) - timedelta(days=1)).replace(day=1)
    last = now.local().date().replace(day=1) - timedelta(days=1)
    engine = make_engine(f"sqlite:///{db_file}")
    try:
        with Session(engine, expire_on_commit=False) as session:
            host = session.execute(select(Member).where(Member.username == "host-a")).scalar_one()
            pairing = session.execute(select(Pairing)).scalars().first()
            then = FrozenClock(datetime(first.year, first.month, first.day, 2, 0, tzinfo=UTC))
            draft = contests.ContestDraft(name="华瑞×星联结对PK赛", starts_on=first, ends_on=last,
                                          pairing_id=pairing.id)
            contest = contests.create(session, then, host, draft, schedule=True)
            contest_standings.freeze(session, now, contest)
            return contest.id
    finally:
        engine.dispose()


def pdf_pages(path: Path) -> list[str]:
    """The text of each page of a PDF (pdftotext when installed; else only the page count, as empty strings)."""
    if shutil.which("pdfinfo") and shutil.which("pdftotext"):
        info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
        count = int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))
        return [subprocess.run(["pdftotext", "-f", str(n), "-l", str(n), "-layout", str(path), "-"],
                               capture_output=True, text=True, check=True).stdout for n in range(1, count + 1)]
    return [""] * len(PAGE_OBJECT.findall(path.read_bytes()))


def print_to_pdf(page, name: str) -> list[str]:
    """Print the open page to A4 PDF under test-artifacts/, with PNGs of its pages for a look; the pages' text."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.pdf"
    page.pdf(path=str(path), format="A4", print_background=True, prefer_css_page_size=True)
    if shutil.which("pdftoppm"):
        subprocess.run(["pdftoppm", "-png", "-r", "60", str(path), str(ARTIFACTS / name)], check=True)
    return pdf_pages(path)


def test_an_organizer_creates_a_contest_and_reads_its_page(desktop, ui_login, screenshot, demo_server):
    page = desktop
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    ui_login(page, "host-a")
    page.goto("/admin/")
    page.click(".desk-nav a:has-text('竞赛')")
    page.wait_for_url("**/admin/contests")
    page.fill("input[name=name]", "二支部×市场支部 劳动竞赛")
    options = page.locator("select[name=org_ids] option")
    wanted = [options.filter(has_text=name).first.get_attribute("value") for name in ("第二生产党支部", "市场服务党支部")]
    page.select_option("select[name=org_ids]", wanted)
    page.check("input[name=sources][value=manual]")
    with page.expect_navigation():
        page.click("[data-testid=publish-now]")
    assert re.search(r"/admin/contests/\d+$", page.url), page.url
    assert page.locator("[data-testid=contest-status]").inner_text() == "进行中"
    assert page.locator("[data-testid=standings] tbody tr").count() == 2
    page.locator("[data-testid=days-chart][data-drawn=true]").wait_for()
    # The reminder of a side that has not played today is copied as it is shown.
    side = page.locator(".participation[data-period=today] .participation-side").first
    side.locator("[data-copy-reminder]").click()
    page.wait_for_function("document.querySelector('[data-copy-reminder]').dataset.copied === 'true'")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied == side.locator(".reminder-text").input_value() and "二支部×市场支部 劳动竞赛" in copied
    page.click("[data-period-tab=week]")
    assert page.locator(".participation[data-period=week]").is_visible()
    assert page.locator(".participation[data-period=today]").is_hidden()
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "contest-admin-detail.png"), full_page=True)
    screenshot(page, "contest-admin-desktop.png")
    page.goto("/admin/contests")
    assert page.locator("[data-testid=contest-table]").get_by_text("二支部×市场支部 劳动竞赛").count() == 1
    page.screenshot(path=str(ARTIFACTS / "contest-admin-list.png"), full_page=True)


def test_a_frozen_contests_bulletin_prints_to_whole_a4_pages(desktop, ui_login, demo_server):
    contest_id = seed_frozen_contest(demo_server.log.parent / "demo.sqlite3")
    page = desktop
    ui_login(page, "host-a")
    page.goto(f"/admin/contests/{contest_id}/bulletin")
    for chart in ("bulletin-bar", "bulletin-line"):
        page.locator(f"[data-testid={chart}][data-drawn=true] svg").wait_for()
    title = page.locator("[data-testid=bulletin-title]").inner_text()
    assert title.startswith("关于") and title.endswith("华瑞×星联结对PK赛结果的通报")
    checksum = page.locator("[data-testid=bulletin-checksum] code").inner_text()
    assert re.fullmatch(r"[0-9a-f]{64}", checksum)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "contest-bulletin-screen.png"), full_page=True)
    pages = print_to_pdf(page, "contest-bulletin")
    assert 1 <= len(pages) <= 2, len(pages)  # a title, two tables and two charts: one or two sheets
    if any(pages):
        assert all(text.strip() for text in pages), "a blank page in the bulletin"
        joined = "".join(pages)
        assert "流动红旗" in joined and checksum[:32] in joined.replace("\n", "").replace(" ", "")
        # Each figure's caption is on the page that holds its chart (break-inside: avoid).
        for caption in ("图1", "图2"):
            assert sum(caption in text for text in pages) == 1


def test_a_pairings_frozen_month_bulletin_prints(desktop, ui_login, demo_server):
    page = desktop
    ui_login(page, "host-a")
    from pkarena.clock import Clock

    month = (Clock().local().date().replace(day=1) - timedelta(days=1)).strftime("%Y-%m")  # the demo freezes it
    page.goto("/admin/boards?scope=pairing")
    pairing = page.locator("select[name=pairing] option").first.get_attribute("value")
    response = page.goto(f"/admin/bulletins/pairing/{pairing}/{month}")
    assert response.status == 200
    page.locator("[data-testid=bulletin-bar][data-drawn=true] svg").wait_for()
    assert "积分评比结果的通报" in page.locator("[data-testid=bulletin-title]").inner_text()
    pages = print_to_pdf(page, "pairing-month-bulletin")
    assert 1 <= len(pages) <= 2, len(pages)
    if any(pages):
        assert all(text.strip() for text in pages), "a blank page in the bulletin"
