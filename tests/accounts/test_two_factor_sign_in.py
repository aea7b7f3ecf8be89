"""Signing in with a second factor: the password, then a code, before anything else."""

import datetime

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from audits.models import AccessEvent
from tests.accounts.conftest import (
    app_of,
    code_for,
    error_summary,
    page_text,
    sign_in,
    turn_on_second_factor,
)
from tests.makers import SLUG

pytestmark = pytest.mark.django_db

CODE_PAGE = reverse("two-factor-verify")


def give(client, code, **data):
    return client.post(CODE_PAGE, {"code": code, **data}, follow=True)


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def wrong_code(device) -> str:
    return f"{(int(code_for(device)) + 500_000) % 1_000_000:06d}"


def test_the_password_alone_does_not_sign_in_someone_with_a_second_factor(
    client, lead_a, recovery_codes
):
    response = sign_in(client, "lead-a")
    assert response["Location"] == CODE_PAGE
    assert not signed_in(client)
    page = page_text(client.get(CODE_PAGE))
    assert "Enter your code" in page and "Signed in as" not in page
    home = client.get(reverse("home", args=[SLUG]))
    assert home["Location"].startswith(reverse("login"))


def test_the_right_code_signs_in_and_goes_where_the_person_was_going(
    client, lead_a, recovery_codes
):
    response = client.post(
        f"{reverse('login')}?next={reverse('account')}",
        {"username": "lead-a", "password": "test-pass-1234"},
    )
    assert response["Location"] == CODE_PAGE
    done = give(client, code_for(app_of(lead_a), steps_ahead=1))
    assert done.redirect_chain[-1][0] == reverse("account")
    assert signed_in(client)
    assert "Signed in as Alex Lead" in page_text(done)
    assert client.get(reverse("home", args=[SLUG])).status_code == 200


def test_a_wrong_code_is_refused_on_the_record(client, lead_a, recovery_codes):
    sign_in(client, "lead-a")
    response = give(client, wrong_code(app_of(lead_a)))
    assert "The code is not right" in error_summary(response)
    assert not signed_in(client)
    event = AccessEvent.objects.get(kind=AccessEvent.Kind.SIGN_IN_FAILED)
    assert (event.object_type, event.object_id) == ("user", lead_a.pk)
    assert event.detail.startswith("Code: The code is not right")
    assert app_of(lead_a).throttling_failure_count == 1


def test_wrong_codes_make_the_person_wait_longer_each_time(client, lead_a, recovery_codes):
    """django-otp's throttling: after n wrong codes in a row, 2^(n-1) seconds."""
    with time_machine.travel(timezone.now(), tick=False) as clock:
        sign_in(client, "lead-a")
        device = app_of(lead_a)
        for _ in range(3):
            give(client, wrong_code(device))
            clock.shift(datetime.timedelta(seconds=10))
        give(client, wrong_code(device))  # the 4th: wait 8 seconds
        refused = give(client, code_for(app_of(lead_a), steps_ahead=1))
        assert "Too many wrong codes in a row. Wait 8 seconds" in error_summary(refused)
        assert not signed_in(client)
        clock.shift(datetime.timedelta(seconds=9))
        done = give(client, code_for(app_of(lead_a)))
    assert signed_in(client)
    assert done.redirect_chain[-1][0] == reverse("home", args=[SLUG])
    assert app_of(lead_a).throttling_failure_count == 0
    assert AccessEvent.objects.filter(kind=AccessEvent.Kind.SIGN_IN_FAILED).count() == 5


def test_a_recovery_code_works_once_on_the_record(client, lead_a, recovery_codes):
    code = recovery_codes[0]
    sign_in(client, "lead-a")
    done = give(client, f" {code[:4]} {code[4:].upper()} ")  # as people type them
    assert signed_in(client)
    assert "You used a recovery code: you have 9 left" in page_text(done)
    row = lead_a.history.first()
    assert (row.history_change_reason, row.history_user) == (
        "Signed in with a recovery code (9 left)",
        lead_a,
    )
    client.post(reverse("logout"))
    sign_in(client, "lead-a")
    again = give(client, code)
    assert "The code is not right" in error_summary(again)
    assert not signed_in(client)


def test_signing_in_takes_at_most_ten_minutes(client, lead_a, recovery_codes):
    sign_in(client, "lead-a")
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=11)):
        response = give(client, code_for(app_of(lead_a), steps_ahead=1))
    assert response.redirect_chain[-1][0].startswith(reverse("login"))
    assert "Signing in took too long. Sign in again." in page_text(response)
    assert not signed_in(client)


def test_the_code_page_with_nothing_to_check_is_the_sign_in_page(client):
    response = client.get(CODE_PAGE)
    assert response["Location"] == f"{reverse('login')}?next={CODE_PAGE}"


def test_a_session_that_has_not_given_a_code_is_asked_for_one_before_anything_else(
    client_for, lead_a, recovery_codes
):
    client = client_for(lead_a)  # signed in without a code, as before the set-up
    home = reverse("home", args=[SLUG])
    response = client.get(home)
    assert response["Location"] == f"{CODE_PAGE}?next=%2F{SLUG}%2F"
    assert client.get(reverse("account"))["Location"].startswith(CODE_PAGE)
    page = client.get(response["Location"]).content.decode()
    assert f'<input type="hidden" name="next" value="/{SLUG}/">' in page
    done = give(client, code_for(app_of(lead_a), steps_ahead=1), next=home)
    assert done.redirect_chain[-1][0] == home


def test_a_second_factor_set_up_in_another_session_is_asked_for_in_this_one(
    client, lead_a, partnership_officer
):
    sign_in(client, "lead-a")
    assert client.get(reverse("account")).status_code == 200
    turn_on_second_factor(lead_a)  # elsewhere
    response = client.get(reverse("two-factor-setup"))
    assert response["Location"] == CODE_PAGE
    assert client.get(reverse("account"))["Location"].startswith(CODE_PAGE)


def test_someone_without_a_second_factor_signs_in_with_the_password_alone(client, lead_a):
    response = sign_in(client, "lead-a")
    assert response["Location"] == reverse("start")
    assert client.get(reverse("home", args=[SLUG])).status_code == 200


def test_the_check_adds_no_query_to_a_page(client_for, lead_a, settings):
    """Whether the person has a second factor is noted in the session at sign-in."""
    client = client_for(lead_a)
    home = reverse("home", args=[SLUG])
    client.get(home)
    with CaptureQueriesContext(connection) as checked:
        assert client.get(home).status_code == 200
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if not m.startswith("accounts.")]
    with CaptureQueriesContext(connection) as unchecked:
        client.get(home)
    assert len(checked) == len(unchecked)


def test_a_guessed_next_address_elsewhere_is_not_followed(client_for, lead_a, recovery_codes):
    client = client_for(lead_a)
    done = give(client, code_for(app_of(lead_a), steps_ahead=1), next="https://evil.example/")
    assert done.redirect_chain[0][0] == reverse("start")


def test_other_clients_are_not_signed_in_by_one_persons_code(lead_a, recovery_codes):
    mine, theirs = Client(), Client()
    sign_in(mine, "lead-a")
    give(mine, code_for(app_of(lead_a), steps_ahead=1))
    assert theirs.get(CODE_PAGE)["Location"].startswith(reverse("login"))
