"""Lockout after repeated failures, no hint whether a username or address exists."""

import datetime
import logging
import re

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from sscp import outbox
from tests.makers import make_user
from tests.pages import text
from tests.smtp import free_port

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
    outbox.deliver_waiting()  # what the worker does once the requests have committed
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"] == reverse("password_reset_done")
    assert [m.to for m in mail.outbox] == [["lead-a@example.org"]]
    page = client.get(reverse("password_reset_done")).content.decode()
    assert "If the address you gave belongs to an account" in page


def test_the_reset_link_lets_the_person_choose_a_new_password_once(client, lead_a):
    client.post(reverse("password_reset"), {"email": "lead-a@example.org"})
    outbox.deliver_waiting()
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
    outbox.deliver_waiting()
    link = re.search(r"http://127\.0\.0\.1:8000(/password-reset/\S+/)", mail.outbox[0].body).group(
        1
    )
    form_page = client.get(link, follow=True)
    response = client.post(
        form_page.redirect_chain[-1][0], {"new_password1": "password", "new_password2": "password"}
    )
    assert "This password is too common" in response.content.decode()
    assert "There is a problem" in response.content.decode()


def test_a_weak_password_is_said_at_the_password_not_its_confirmation(client, lead_a):
    """Issue 15, item 18: the error belongs to the field that is wrong."""
    client.post(reverse("password_reset"), {"email": "lead-a@example.org"})
    outbox.deliver_waiting()
    link = re.search(r"http://127\.0\.0\.1:8000(/password-reset/\S+/)", mail.outbox[0].body)
    form_page = client.get(link.group(1), follow=True)
    response = client.post(
        form_page.redirect_chain[-1][0], {"new_password1": "password", "new_password2": "password"}
    )
    page = response.content.decode()
    assert 'href="#id_new_password1"' in page and 'id="id_new_password1_error"' in page
    assert 'id="id_new_password2_error"' not in page


def test_an_overlong_username_is_refused_before_it_reaches_the_sign_in_records(client):
    response = sign_in(client, "A" * 20_000, "whatever")
    assert response.status_code == 200
    assert "There is a problem" in response.content.decode()


# One address against many usernames (issue 15, item 13) ------------------------------

LOCKED_FROM_NETWORK = re.compile(
    r"There have been too many failed attempts to sign in from your network\. For your "
    r"security, signing in from it is locked for (\d+ minutes?|1 hour)\."
)


def sign_in_from(client, address, username, password, forwarded_for=None):
    extra = {"REMOTE_ADDR": address}
    if forwarded_for:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded_for
    return client.post(reverse("login"), {"username": username, "password": password}, **extra)


def test_one_address_trying_a_password_against_many_usernames_is_locked_out(client, lead_a):
    """Issue 15, item 13: SIGN_IN_ADDRESS_FAILURE_RATE (30 an hour) failures from one
    address, whatever the usernames, lock that address out: the 30th failure and every
    attempt after it get the locked-out page, even with the right password. Other
    addresses are not affected."""
    with time_machine.travel(timezone.now(), tick=False):
        for n in range(29):  # never the same username twice: django-axes alone never locks
            assert (
                sign_in_from(client, "198.51.100.7", f"user{n}", "Summer2026!").status_code == 200
            )
        assert sign_in_from(client, "198.51.100.7", "user29", "Summer2026!").status_code == 429
        locked = sign_in_from(client, "198.51.100.7", "lead-a", "test-pass-1234")
        assert locked.status_code == 429
        assert "You cannot sign in just now" in locked.content.decode()
        assert LOCKED_FROM_NETWORK.search(text(locked.content.decode()))
        assert "_auth_user_id" not in client.session
        assert sign_in_from(client, "203.0.113.9", "lead-a", "test-pass-1234").status_code == 302


def test_only_failed_sign_ins_count_towards_the_address_limit(client, lead_a):
    """Issue 15, item 13: an office whose people sign in all day is never locked out."""
    with time_machine.travel(timezone.now(), tick=False):
        for n in range(29):
            sign_in_from(client, "198.51.100.7", f"user{n}", "wrong")
        for _ in range(5):
            assert (
                sign_in_from(client, "198.51.100.7", "lead-a", "test-pass-1234").status_code == 302
            )
            client.post(reverse("logout"))
        sign_in_from(client, "198.51.100.7", "someone", "")  # a blank password tries nothing
        assert sign_in_from(client, "198.51.100.7", "lead-a", "test-pass-1234").status_code == 302


@pytest.mark.parametrize(
    "forwarded_for",
    ["{client}", "192.0.2.66, {client}"],
    ids=["the proxy's header", "a value the client sent, then the proxy's"],
)
def test_two_people_behind_one_proxy_are_locked_out_separately(
    client, settings, lead_a, forwarded_for
):
    """Issue 15, item 13: behind a load balancer (BEHIND_PROXY, TRUSTED_PROXY_COUNT=1) every
    request comes from the proxy's address; the lockouts use the client's, from
    X-Forwarded-For, so one person's failures never lock out another."""
    settings.TRUSTED_PROXY_COUNT = 1
    proxy, mallory, alex = "10.0.0.1", "198.51.100.7", "203.0.113.9"

    def attempt(client_address, username, password):
        header = forwarded_for.format(client=client_address)
        return sign_in_from(client, proxy, username, password, forwarded_for=header)

    with time_machine.travel(timezone.now(), tick=False):
        for _ in range(settings.AXES_FAILURE_LIMIT):
            attempt(mallory, "lead-a", "guess")
        assert attempt(mallory, "lead-a", "test-pass-1234").status_code == 429
        assert attempt(alex, "lead-a", "test-pass-1234").status_code == 302  # the same username
        client.post(reverse("logout"))

        for n in range(30):
            attempt(mallory, f"user{n}", "guess")
        assert LOCKED_FROM_NETWORK.search(text(attempt(mallory, "x", "y").content.decode()))
        assert attempt(alex, "lead-a", "test-pass-1234").status_code == 302


def test_a_forged_forwarded_for_header_does_not_escape_the_address_limit(client, settings, lead_a):
    """Issue 15, item 13: a client that sends a new X-Forwarded-For with every attempt is
    still counted by the address its proxy saw."""
    settings.TRUSTED_PROXY_COUNT = 1
    with time_machine.travel(timezone.now(), tick=False):
        for n in range(30):
            sign_in_from(client, "10.0.0.1", f"user{n}", "guess", f"192.0.2.{n}, 198.51.100.7")
        locked = sign_in_from(
            client, "10.0.0.1", "lead-a", "test-pass-1234", "192.0.2.200, 198.51.100.7"
        )
    assert locked.status_code == 429


@pytest.fixture
def cache_down(settings, cache):
    """Django's cache is a Redis where nothing listens, as when Redis has stopped (and
    is back before the shared `cache` fixture clears it)."""
    saved = settings.CACHES
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{free_port()}/0",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    yield
    settings.CACHES = saved


def test_with_the_cache_down_people_can_still_sign_in(client, cache_down, lead_a, caplog):
    """Issue 15, item 13: the address limit lives in the cache; with Redis down it cannot
    count, and sign-in goes on (django-axes, in the database, still locks usernames)."""
    with caplog.at_level(logging.WARNING, logger="sscp.accounts"):
        assert sign_in(client, "lead-a", "wrong").status_code == 200
        assert sign_in(client, "lead-a", "test-pass-1234").status_code == 302
    assert "is not being counted: the cache is not answering" in caplog.text
