"""Headless Debian Chromium for the end-to-end tests: where it is, how it runs, the viewports."""

from __future__ import annotations

import os

CHROMIUM = os.environ.get("PKARENA_CHROMIUM", "/usr/bin/chromium")
# Chromium runs as root in CI and this network is closed: no sandbox, and no calls home.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]
PHONE = {"width": 375, "height": 667}
TV = {"width": 1920, "height": 1080}
DESKTOP = {"width": 1280, "height": 800}


def new_context(browser, viewport: dict, **extra):
    """A fresh browser context (own cookies) in zh-CN and Shanghai time, waiting up to 15 s for anything."""
    context = browser.new_context(viewport=viewport, locale="zh-CN", timezone_id="Asia/Shanghai", **extra)
    context.set_default_timeout(15_000)
    return context
