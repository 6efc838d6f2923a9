"""End-to-end fixtures: the real `pkarena demo` server on a free port, and headless Debian Chromium."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

IN_CI = os.environ.get("CI") == "true"
ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "docs" / "screenshots"
CHROMIUM = os.environ.get("PKARENA_CHROMIUM", "/usr/bin/chromium")
# Chromium runs as root in CI and this network is closed: no sandbox, and no calls home.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]
PHONE = {"width": 375, "height": 667}
TV = {"width": 1920, "height": 1080}
DESKTOP = {"width": 1280, "height": 800}
DEMO_PASSWORD = "pkarena-demo"
STARTUP_SECONDS = 90


def missing(what: str, reason: str) -> None:
    """Under CI a missing browser fails the run; on a developer machine the test is skipped."""
    message = f"{what} unavailable: {reason}"
    if IN_CI:
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


class DemoServer:
    """A running `pkarena demo` subprocess."""

    def __init__(self, base_url: str, process: subprocess.Popen, log: Path) -> None:
        self.base_url, self.process, self.log = base_url, process, log

    def output(self) -> str:
        """Everything the server printed so far."""
        return self.log.read_text(encoding="utf-8", errors="replace")


def start_demo(workdir: Path) -> DemoServer:
    """Start `pkarena demo` (the venv's console script) on a free port and wait for /healthz."""
    executable = Path(sys.executable).parent / "pkarena"
    if not executable.exists():
        pytest.fail(f"{executable} not found: install the project with `pip install -e '.[test]'`", pytrace=False)
    port = free_port()
    log = workdir / "server.log"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    for name in ("DATABASE_URL", "PKARENA_STORE_URL", "SOCKETIO_MESSAGE_QUEUE"):
        env.pop(name, None)  # the demo is self-contained whatever the developer's shell exports
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [str(executable), "demo", "--db", str(workdir / "demo.sqlite3"), "--port", str(port)],
            cwd=workdir, env=env, stdout=sink, stderr=subprocess.STDOUT, start_new_session=True)
    server = DemoServer(f"http://127.0.0.1:{port}", process, log)
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"pkarena demo exited with {process.returncode}:\n{server.output()}", pytrace=False)
        if _healthy(server.base_url + "/healthz"):
            return server
        time.sleep(0.2)
    stop(server)
    pytest.fail(f"pkarena demo did not answer /healthz within {STARTUP_SECONDS}s:\n{server.output()}", pytrace=False)
    raise AssertionError("unreachable")


def stop(server: DemoServer) -> None:
    """Terminate the server (SIGTERM, then SIGKILL after 10 s)."""
    if server.process.poll() is None:
        server.process.terminate()
        try:
            server.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait(timeout=10)


@pytest.fixture(scope="session")
def demo_server(tmp_path_factory) -> Iterator[DemoServer]:
    """The real demo server (SQLite file, memory store, in-process scheduler) of this test session."""
    server = start_demo(tmp_path_factory.mktemp("demo"))
    try:
        yield server
    finally:
        stop(server)


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


def _context(browser, viewport: dict, **extra):
    context = browser.new_context(viewport=viewport, locale="zh-CN", timezone_id="Asia/Shanghai", **extra)
    context.set_default_timeout(15_000)
    return context


@pytest.fixture
def phone(browser, base_url) -> Iterator:
    """A fresh phone-sized page (375×667, zh-CN, touch) with its own cookies."""
    context = _context(browser, PHONE, is_mobile=True, has_touch=True, base_url=base_url)
    try:
        yield context.new_page()
    finally:
        context.close()


@pytest.fixture
def desktop(browser, base_url) -> Iterator:
    """A fresh desktop-sized page (1280×800, zh-CN) with its own cookies."""
    context = _context(browser, DESKTOP, base_url=base_url)
    try:
        yield context.new_page()
    finally:
        context.close()


@pytest.fixture
def tv(browser, base_url) -> Iterator:
    """A fresh TV-sized page (1920×1080, zh-CN) with its own cookies."""
    context = _context(browser, TV, base_url=base_url)
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
