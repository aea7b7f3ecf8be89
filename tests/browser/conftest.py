"""
A real headless Chromium — Debian's, never a downloaded one — driven by Playwright,
against a live server of the app.

On a machine without Debian's chromium these tests are skipped with the reason
(the `browser` marker); .ci/run installs it and fails if any were skipped. When a
test fails, its page's screenshot and HTML are saved under var/browser-failures/.
"""

import os
import re
import shutil
from pathlib import Path

import pytest
from django.conf import settings

from devtools.demo import load_demo

PASSWORD = "demo-pass"
# The browser tests work in the demo's Southampton: what they make without saying where
# (tests/makers.py) is made there too.
SOUTHAMPTON = "southampton"


@pytest.fixture(autouse=True)
def made_in_southampton(monkeypatch):
    from tests import makers

    monkeypatch.setattr(makers, "SLUG", SOUTHAMPTON)


CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
FAILURES = Path(settings.BASE_DIR) / "var" / "browser-failures"


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the tests' own
    # database calls are synchronous and safe here.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=shutil.which("chromium"), args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@pytest.fixture(autouse=True)
def browser_test_data(migrated_data):
    """Every browser test starts with what the data migrations made."""


@pytest.fixture
def page(browser, live_server, request):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1100, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        FAILURES.mkdir(parents=True, exist_ok=True)
        name = re.sub(r"[^\w.-]+", "_", request.node.nodeid)[-150:]
        page.screenshot(path=str(FAILURES / f"{name}.png"), full_page=True)
        (FAILURES / f"{name}.html").write_text(page.content())
    context.close()


@pytest.fixture
def demo(settings):
    load_demo(password=PASSWORD)


def sign_in(page, username, password=PASSWORD):
    page.context.clear_cookies()
    page.goto("/sign-in/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button:has-text('Sign in')")
    page.wait_for_selector(".sscp-account__name")


def banner(page) -> str:
    """The text of the success or important message at the top of the page."""
    return page.locator(".govuk-notification-banner__heading").first.inner_text()
