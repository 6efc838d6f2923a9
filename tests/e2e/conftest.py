"""End-to-end fixtures: the real `pkarena demo` server on a free port, and headless Debian Chromium."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from support.browser import CHROMIUM, CHROMIUM_ARGS, DESKTOP, PHONE, TV, new_context
from support.servers import Server, console_script
from support.services import missing

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "docs" / "screenshots"
DEMO_PASSWORD = "pkarena-demo"


def start_demo(workdir: Path) -> Server:
    """Start `pkarena demo` (the venv's console script) on a free port and wait for /healthz."""
    executable = console_script("pkarena")
    if not executable.exists():
        pytest.fail(f"{executable} not found: install the project with `pip install -e '.[test]'`", pytrace=False)
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    for name in ("DATABASE_URL", "PKARENA_STORE_URL", "SOCKETIO_MESSAGE_QUEUE"):
        env.pop(name, None)  # the demo is self-contained whatever the developer's shell exports
    server = Server([str(executable), "demo", "--db", str(workdir / "demo.sqlite3"), "--port", "{port}"],
                    workdir / "server.log", env=env, cwd=workdir)
    server.wait("/healthz")
    return server


@pytest.fixture(scope="session")
def demo_server(tmp_path_factory) -> Iterator[Server]:
    """The real demo server (SQLite file, memory store, in-process scheduler) of this test session."""
    server = start_demo(tmp_path_factory.mktemp("demo"))
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def base_url(demo_server) -> str:
    """The demo server's base URL, e.g. http://127.0.0.1:41234."""
    return demo_server.base_url


@pytest.fixture(scope="session")
def browser() -> Iterator:
    """Headless Debian Chromium driven by Playwright (`playwright install` is not needed)."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        missing("playwright", str(exc))
    if not os.access(CHROMIUM, os.X_OK):
        missing("Chromium", f"{CHROMIUM} not found (apt-get install chromium, or `bash .ci/services.sh`)")
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield instance
        finally:
            instance.close()


@pytest.fixture
def phone(browser, base_url) -> Iterator:
    """A fresh phone-sized page (375×667, zh-CN, touch) with its own cookies."""
    context = new_context(browser, PHONE, is_mobile=True, has_touch=True, base_url=base_url)
    try:
        yield context.new_page()
    finally:
        context.close()


@pytest.fixture
def desktop(browser, base_url) -> Iterator:
    """A fresh desktop-sized page (1280×800, zh-CN) with its own cookies."""
    context = new_context(browser, DESKTOP, base_url=base_url)
    try:
        yield context.new_page()
    finally:
        context.close()


@pytest.fixture
def tv(browser, base_url) -> Iterator:
    """A fresh TV-sized page (1920×1080, zh-CN) with its own cookies."""
    context = new_context(browser, TV, base_url=base_url)
    try:
        yield context.new_page()
    finally:
        context.close()


@pytest.fixture
def ui_login():
    """`ui_login(page, username, password=DEMO_PASSWORD)`: log in through the login form and wait."""

    def do(page, username: str, password: str = DEMO_PASSWORD) -> None:
        page.goto("/login")
        page.fill("input[name=login]", username)
        page.fill("input[name=password]", password)
        with page.expect_navigation():
            page.click("button[type=submit]")

    return do


@pytest.fixture
def screenshot():
    """`screenshot(page, "name.png")`: save a PNG under docs/screenshots/ (the README shows them)."""

    def do(page, name: str, *, full_page: bool = False) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / name
        page.screenshot(path=str(path), full_page=full_page)
        return path

    return do
