"""
A person's way in and out, in a real browser (issue 17): the partnership team invites a
lead; the lead follows the emailed link, chooses a password, sets up a second factor,
signs in with it and sees only their agency's actions; the team removes them, and their
next request is signed out.
"""

import re

import pytest
from django.core import mail
from django_otp.plugins.otp_totp.models import TOTPDevice

from sscp import outbox
from tests.browser.conftest import banner, sign_in
from tests.browser.test_accessibility import axe_violations
from tests.browser.test_two_factor import code_from_the_app

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NEW_LEAD = "nia.newcomer@example.org"
NEW_PASSWORD = "a-long-Unusual-passphrase-42"


def invite(page) -> None:
    """The partnership team invites a lead of the council, from the navigation."""
    sign_in(page, "partnership")
    page.click("nav >> text=People and settings")
    page.click("text=Invite a person")
    page.fill("#id_email", NEW_LEAD)
    page.check("input[name=role][value=lead]")
    page.select_option("#id_agency", label="Southampton City Council")
    page.click("button:has-text('Send the invitation')")
    assert NEW_LEAD in banner(page)


def emailed_link() -> str:
    """The invitation's link, as the worker sends it: the path of the address in the email."""
    outbox.deliver_waiting()
    [email] = [m for m in mail.outbox if m.to == [NEW_LEAD]]
    assert "Southampton Safeguarding Children Partnership" in email.body
    return re.search(r"https?://[^/\s]+(/invitations/[^\s]+/)", email.body).group(1)


def accept(page, link: str) -> None:
    page.goto(link)
    page.wait_for_selector("h1:has-text('Create your account')")
    assert axe_violations(page) == []
    page.fill("#id_first_name", "Nia")
    page.fill("#id_last_name", "Newcomer")
    page.fill("#id_password", NEW_PASSWORD)
    page.fill("#id_password_again", NEW_PASSWORD)
    page.click("button:has-text('Accept and create my account')")
    page.wait_for_selector("h1:has-text('Sign in')")
    page.fill("#id_username", NEW_LEAD)
    page.fill("#id_password", NEW_PASSWORD)
    page.click("button:has-text('Sign in')")
    page.wait_for_selector(".sscp-account__name")


def set_up_a_second_factor(page) -> str:
    page.click(".sscp-account__link:has-text('Your account')")
    page.click("a:has-text('Set up two-factor authentication')")
    key = page.inner_text("#two-factor-key")
    page.fill("#id_code", code_from_the_app(key))
    page.click("main button[type=submit]")
    page.wait_for_selector("h1:has-text('Your recovery codes')")
    return key


def sign_in_with_the_code(page, key: str) -> None:
    page.click(".sscp-account__sign-out")
    page.wait_for_selector("h1:has-text('Sign in')")
    page.fill("#id_username", NEW_LEAD)
    page.fill("#id_password", NEW_PASSWORD)
    page.click("button:has-text('Sign in')")
    page.wait_for_selector("h1:has-text('Enter your code')")
    page.fill("#id_code", code_from_the_app(key, steps_ahead=1))
    page.click("main button[type=submit]")
    page.wait_for_selector(".sscp-account__name")


def test_invited_set_up_signed_in_and_removed(page, demo, browser, live_server):
    invite(page)
    lead = browser.new_context(base_url=live_server.url).new_page()
    accept(lead, emailed_link())
    key = set_up_a_second_factor(lead)
    assert TOTPDevice.objects.filter(user__email=NEW_LEAD, confirmed=True).exists()
    sign_in_with_the_code(lead, key)
    assert lead.url.endswith("/southampton/")
    assert "Nia Newcomer (Agency lead, Council)" in lead.inner_text(".sscp-account__name")

    lead.click("nav >> text=Actions")
    agencies = set(lead.locator("main table tbody tr td:nth-child(3)").all_inner_texts())
    assert agencies == {"Council"}  # their agency's actions only, as a lead starts
    assert lead.locator("main table tbody tr").count() >= 1

    page.click("nav >> text=People and settings")
    page.click("a:has-text('Nia Newcomer')")
    page.click("a:has-text('Remove from the partnership')")
    page.click("button:has-text('Remove from the partnership')")
    assert "Nia Newcomer" in banner(page)

    lead.reload()
    lead.wait_for_selector("h1:has-text('Sign in')")
    assert "/sign-in/" in lead.url
