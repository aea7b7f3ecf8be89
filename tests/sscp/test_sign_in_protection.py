"""Lockout after repeated failures, no hint whether a username or address exists."""

import datetime
import re

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from tests.makers import make_user
from tests.pages import text

pytestmark = pytest.mark.django_db


def sign_in(client, username, password):
    return client.post(reverse("login"), {"username": username, "password": password})


def error_summary(response) -> str:
    return re.search(
        r'<div class="govuk-error-summary".*?</div>\s*</div>', response.content.decode(), re.S
    ).group(0)


def test_an_unknown_user_and_a_wrong_password_get_the_same_answer(client, lead_a):
    unknown = sign_in(client, "nobody-here", "whatever")
    wrong = sign_in(client, "lead-a", "whatever")
    assert error_summary(unknown) == error_summary(wrong)
    assert "Enter a correct username and password. Both are case-sensitive." in text(
        error_summary(wrong)
    )


def test_an_inactive_person_gets_the_same_answer_too(client, lead_a):
    lead_a.is_active = False
    lead_a.save()
    assert "Enter a correct username and password" in text(
        error_summary(sign_in(client, "lead-a", "test-pass-1234"))
    )


def test_repeated_failures_lock_the_username_out_then_it_cools_off(client, settings, lead_a):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        for _ in range(settings.AXES_FAILURE_LIMIT):
            sign_in(client, "lead-a", "guess")
        locked = sign_in(client, "lead-a", "test-pass-1234")  # even the right password
        assert locked.status_code == 429
        assert "You cannot sign in just now" in locked.content.decode()
        assert "locked for 30 minutes" in text(locked.content.decode())
        assert "_auth_user_id" not in client.session
        make_user("someone-else")
        assert (
            sign_in(client, "someone-else", "test-pass-1234").status_code == 302
        )  # others unaffected
    with time_machine.travel(start + datetime.timedelta(minutes=31), tick=False):
        client.post(reverse("logout"))
        assert sign_in(client, "lead-a", "test-pass-1234").status_code == 302


def test_unknown_usernames_are_locked_out_the_same_way(client, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, "no-such-person", "guess")
    assert sign_in(client, "no-such-person", "guess").status_code == 429


def test_password_reset_does_not_reveal_whether_an_address_exists(client, lead_a):
    known = client.post(reverse("password_reset"), {"email": "lead-a@example.org"})
    unknown = client.post(reverse("password_reset"), {"email": "nobody@example.org"})
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"] == reverse("password_reset_done")
    assert [m.to for m in mail.outbox] == [["lead-a@example.org"]]
    page = client.get(reverse("password_reset_done")).content.decode()
    assert "If the address you gave belongs to an account" in page


def test_the_reset_link_lets_the_person_choose_a_new_password_once(client, lead_a):
    client.post(reverse("password_reset"), {"email": "lead-a@example.org"})
    [email] = mail.outbox
    assert email.subject == "Reset your password – SSCP review tracker"
    link = re.search(r"http://127\.0\.0\.1:8000(/password-reset/\S+/)", email.body).group(1)
    assert "<a href=" in email.alternatives[0][0]
    form_page = client.get(link, follow=True)
    new = {
        "new_password1": "a-Much-better-passphrase-9",
        "new_password2": "a-Much-better-passphrase-9",
    }
    done = client.post(form_page.redirect_chain[-1][0], new, follow=True)
    assert "Your password has been changed" in done.content.decode()
    assert sign_in(client, "lead-a", "a-Much-better-passphrase-9").status_code == 302
    client.post(reverse("logout"))
    assert "This link has expired" in client.get(link, follow=True).content.decode()


def test_a_weak_new_password_is_refused(client, lead_a):
    client.post(reverse("password_reset"), {"email": "lead-a@example.org"})
    link = re.search(r"http://127\.0\.0\.1:8000(/password-reset/\S+/)", mail.outbox[0].body).group(
        1
    )
    form_page = client.get(link, follow=True)
    response = client.post(
        form_page.redirect_chain[-1][0], {"new_password1": "password", "new_password2": "password"}
    )
    assert "This password is too common" in response.content.decode()
    assert "There is a problem" in response.content.decode()


def test_an_overlong_username_is_refused_before_it_reaches_the_sign_in_records(client):
    response = sign_in(client, "A" * 20_000, "whatever")
    assert response.status_code == 200
    assert "There is a problem" in response.content.decode()
