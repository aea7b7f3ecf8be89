"""GOV.UK's timeout warning (issue 20, item 3): a dialog opens before the idle limit, the
focus on "Stay signed in", the keyboard alone keeps the person signed in (Enter, or Escape),
and axe finds nothing with it open. The limit is shortened to seconds for the test."""

import pytest

from sscp.middleware import IDLE_CLOCK_KEY
from tests.browser.conftest import PASSWORD, sign_in
from tests.browser.test_accessibility import axe_violations
from tests.browser.test_keyboard import FOCUS_VISIBLE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DIALOG = "#sscp-timeout"


@pytest.fixture
def short_sessions(settings):
    """Signed out after 3 idle minutes, warned 170 seconds before: 10 seconds in."""
    settings.SESSION_COOKIE_AGE = 180
    settings.SESSION_WARNING_SECONDS = 170


def idle_clock(page, live_server) -> int:
    """The server's idle clock of the browser's session."""
    from django.contrib.sessions.backends.db import SessionStore

    key = next(c["value"] for c in page.context.cookies() if c["name"] == "sessionid")
    return SessionStore(session_key=key).load().get(IDLE_CLOCK_KEY, 0)


def test_the_warning_opens_before_the_limit_and_the_keyboard_keeps_the_session(
    page, demo, short_sessions, live_server
):
    sign_in(page, "lead-council")
    page.goto("/southampton/actions/")
    assert not page.locator(DIALOG).is_visible()
    dialog = page.wait_for_selector(f"{DIALOG}[open]", timeout=30_000)
    assert "You’re about to be signed out" in dialog.inner_text()
    assert "we will sign you out in 2 minutes" in dialog.inner_text()
    assert page.evaluate("document.activeElement.textContent.trim()") == "Stay signed in"
    assert page.evaluate(FOCUS_VISIBLE)
    assert axe_violations(page) == []
    before = idle_clock(page, live_server)

    with page.expect_response(lambda r: r.url.endswith("/account/session/")) as kept:
        page.keyboard.press("Enter")
    assert kept.value.status == 204
    page.wait_for_selector(f"{DIALOG}:not([open])", state="attached")
    assert idle_clock(page, live_server) >= before  # the clock started again on the server

    # It opens again after another quiet spell; Escape stays signed in as well.
    page.wait_for_selector(f"{DIALOG}[open]", timeout=30_000)
    with page.expect_response(lambda r: r.url.endswith("/account/session/")) as kept:
        page.keyboard.press("Escape")
    assert kept.value.status == 204
    page.wait_for_selector(f"{DIALOG}:not([open])", state="attached")
    assert page.url.endswith("/southampton/actions/")  # still on the page, still signed in


def test_a_form_typed_left_past_the_limit_and_saved_comes_back_filled_after_signing_in(
    page, demo, settings, live_server
):
    """The session ends while the person is away from a half-written progress update: the
    page stays (what they typed is not thrown away), saving it asks them to sign in, and
    the same form comes back with what they typed, kept on the server, not in a cookie."""
    from actions.models import Action, ProgressUpdate

    settings.SESSION_COOKIE_AGE = 8  # seconds
    settings.SESSION_WARNING_SECONDS = 5
    action = Action.objects.filter(
        partnership__slug="southampton", owner__username="lead-council", status="in_progress"
    ).first()
    sign_in(page, "lead-council")
    address = f"/southampton/actions/{action.pk}/progress/"
    page.goto(address)
    typed = "Training booked for 14 March; 20 places; the register will follow."
    page.fill("#id_text", typed)
    page.wait_for_selector(f"{DIALOG}[open]", timeout=30_000)
    page.wait_for_selector(f"{DIALOG} h2:text-is('You have been signed out')", timeout=30_000)
    assert page.url.endswith(address)  # the page stayed, with what was typed
    page.keyboard.press("Enter")  # "Continue": the dialog closes
    page.wait_for_selector(f"{DIALOG}:not([open])", state="attached")
    updates = ProgressUpdate.objects.count()
    page.click("button:has-text('Post update')")

    page.wait_for_selector("#id_username")  # asked to sign in again
    assert typed not in page.content()
    assert not any(typed in c["value"] for c in page.context.cookies())  # never in a cookie
    settings.SESSION_COOKIE_AGE = 300
    page.fill("#id_username", "lead-council")
    page.fill("#id_password", PASSWORD)
    page.click("button:has-text('Sign in')")
    page.wait_for_selector("#id_text")
    assert page.input_value("#id_text") == typed
    assert "You were signed out before this was saved" in page.inner_text("main")
    assert ProgressUpdate.objects.count() == updates  # nothing saved until they save it
    page.click("button:has-text('Post update')")
    page.wait_for_selector(".govuk-notification-banner")
    assert ProgressUpdate.objects.filter(action=action, text=typed).exists()
