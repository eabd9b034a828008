"""Headless Debian chromium for the viewer-page tests (never `playwright install`)."""

from __future__ import annotations

import shutil
import time

import pytest

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--autoplay-policy=no-user-gesture-required"]


def require_browser():
    """(playwright sync_api, chromium path) or skip with the set-up command that fixes it."""
    from twincast.live.web.app import vendor_dir

    sync_api = pytest.importorskip("playwright.sync_api")
    chromium = shutil.which("chromium")
    if not chromium:
        pytest.skip("Debian chromium missing: run scripts/setup_system.sh")
    if not (vendor_dir() / "mpegts.js" / "dist" / "mpegts.js").is_file():
        pytest.skip("mpegts.js missing: run scripts/setup_web.sh")
    return sync_api, chromium


def poll(page, js: str, pred, timeout: float, what: str):
    """page.evaluate in a loop: ``wait_for_function`` would need eval, which our CSP forbids."""
    deadline = time.monotonic() + timeout
    while True:
        value = page.evaluate(js)
        if pred(value):
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}; last value {value!r}")
        time.sleep(0.1)
