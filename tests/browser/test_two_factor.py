"""Setting up a second factor with the keyboard alone, then signing in with a code."""

from base64 import b32decode

import pytest
from django_otp.oath import totp

from tests.browser.conftest import PASSWORD, banner
from tests.browser.test_accessibility import axe_violations
from tests.browser.test_keyboard import sign_in_with_the_keyboard, tab_to

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def code_from_the_app(key: str, steps_ahead: int = 0) -> str:
    """What an authenticator app given `key` (as typed from the page) shows now."""
    return f"{totp(b32decode(key.replace(' ', '')), drift=steps_ahead):06d}"


def test_a_second_factor_is_set_up_with_the_keyboard_and_asked_for_at_sign_in(page, demo):
    sign_in_with_the_keyboard(page, "lead-council")
    tab_to(page, ".sscp-account__link:has-text('Your account')")
    page.keyboard.press("Enter")
    page.wait_for_selector("h1:has-text('Your account')")
    assert axe_violations(page) == []

    tab_to(page, "a:has-text('Set up two-factor authentication')")
    page.keyboard.press("Enter")
    page.wait_for_selector("h1:has-text('Set up two-factor authentication')")
    assert page.locator("svg[role=img][aria-label]").is_visible()  # the QR code, drawn inline
    key = page.inner_text("#two-factor-key")
    assert axe_violations(page) == []

    tab_to(page, "#id_code")
    page.keyboard.type(code_from_the_app(key))
    page.keyboard.press("Enter")
    page.wait_for_selector("h1:has-text('Your recovery codes')")
    assert banner(page) == "Two-factor authentication is on"
    codes = page.locator("#recovery-codes li").all_inner_texts()
    assert len(codes) == 10
    assert axe_violations(page) == []
    tab_to(page, "a:has-text('I have saved my recovery codes')")
    page.keyboard.press("Enter")
    page.wait_for_selector(".sscp-account__name")

    tab_to(page, ".sscp-account__sign-out")
    page.keyboard.press("Enter")
    page.wait_for_selector("h1:has-text('Sign in')")

    page.goto("/sign-in/")
    tab_to(page, "#id_username")
    page.keyboard.type("lead-council")
    tab_to(page, "#id_password")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_selector("h1:has-text('Enter your code')")
    assert page.locator(".sscp-account__name").count() == 0  # not signed in yet

    tab_to(page, "#id_code")
    page.keyboard.type("000000" if code_from_the_app(key) != "000000" else "111111")
    page.keyboard.press("Enter")
    page.wait_for_selector(".govuk-error-summary")
    assert "The code is not right" in page.inner_text(".govuk-error-summary")
    assert axe_violations(page) == []

    page.wait_for_timeout(1500)  # django-otp's wait after one wrong code: 1 second
    page.locator("#id_code").focus()
    page.keyboard.press("Control+A")
    page.keyboard.type(code_from_the_app(key, steps_ahead=1))  # the set-up used this one's
    page.keyboard.press("Enter")
    page.wait_for_selector(".sscp-account__name")
    assert "Tom Okafor" in page.inner_text(".sscp-account__name")
    assert page.url.endswith("/southampton/")
