"""The partnership team helps a person sign in: unlocking a locked-out account, and
resetting a second factor (accounts.services.second_factor_reset), each on the record."""

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

import accounts.services
from tests.makers import SLUG
from tests.pages import text
from tests.partnerships.conftest import everything

pytestmark = pytest.mark.django_db


def url(name, user):
    return reverse(name, args=[SLUG, user.memberships.get().pk])


def sign_in(username, password):
    return Client().post(reverse("login"), {"username": username, "password": password})


def lock_out(settings, username):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(username, "wrong-password")


def test_a_locked_out_person_is_unlocked_on_the_record(
    client_for, partnership_officer, lead_a, settings
):
    lock_out(settings, "lead-a")
    assert sign_in("lead-a", "test-pass-1234").status_code == 429  # the right password, refused
    client = client_for(partnership_officer)
    page = text(client.get(url("person-detail", lead_a)).content.decode())
    assert "Signing in Locked out after repeated failed sign-ins Unlock Alex Lead's sign-in" in page

    response = client.post(url("person-unlock", lead_a), follow=True)
    page = text(response.content.decode())
    assert "Alex Lead can sign in again" in page and "Not locked out" in page
    assert lead_a.memberships.get().history.first().history_change_reason == (
        "Sign-in unlocked after repeated failures"
    )
    assert sign_in("lead-a", "test-pass-1234").status_code == 302


def test_unlocking_someone_not_locked_out_changes_nothing(client_for, partnership_officer, lead_a):
    before = everything()
    response = client_for(partnership_officer).post(url("person-unlock", lead_a), follow=True)
    assert "Alex Lead is not locked out: nothing to unlock" in text(response.content.decode())
    assert everything() == before


@pytest.fixture
def with_second_factor(lead_a):
    TOTPDevice.objects.create(user=lead_a, name="Phone", confirmed=True)
    return lead_a


@pytest.fixture
def reset_calls(monkeypatch):
    """accounts.services.second_factor_reset, standing in for the accounts app's own."""
    calls = []

    def second_factor_reset(*, actor, user, reason):
        calls.append((actor, user, reason))

    monkeypatch.setattr(
        accounts.services, "second_factor_reset", second_factor_reset, raising=False
    )
    return calls


def test_the_team_resets_a_second_factor_with_a_reason(
    client_for, partnership_officer, with_second_factor, reset_calls
):
    client = client_for(partnership_officer)
    page = text(client.get(url("person-detail", with_second_factor)).content.decode())
    assert "Second factor Set up Reset second factor" in page
    form = client.get(url("person-second-factor-reset", with_second_factor)).content.decode()
    assert "Reset Alex Lead&#x27;s second factor" in form
    response = client.post(
        url("person-second-factor-reset", with_second_factor),
        {"reason": "Lost phone; confirmed by a call to their desk"},
        follow=True,
    )
    assert "Alex Lead's second factor is reset" in text(response.content.decode())
    assert reset_calls == [
        (partnership_officer, with_second_factor, "Lost phone; confirmed by a call to their desk")
    ]
    assert with_second_factor.memberships.get().history.first().history_change_reason == (
        "Second factor reset: Lost phone; confirmed by a call to their desk"
    )


def test_a_reset_needs_a_reason(client_for, partnership_officer, with_second_factor, reset_calls):
    before = everything()
    response = client_for(partnership_officer).post(
        url("person-second-factor-reset", with_second_factor), {"reason": "  "}
    )
    assert "Enter why the second factor is being reset" in text(response.content.decode())
    assert reset_calls == [] and everything() == before


@pytest.mark.skipif(
    not hasattr(accounts.services, "second_factor_reset"),
    reason="accounts.services.second_factor_reset is being written by the accounts app",
)
def test_a_reset_removes_the_second_factor(client_for, partnership_officer, with_second_factor):
    client_for(partnership_officer).post(
        url("person-second-factor-reset", with_second_factor), {"reason": "Lost phone"}
    )
    assert not TOTPDevice.objects.filter(user=with_second_factor, confirmed=True).exists()
