"""Changing one's password while signed in."""

import pytest
from django.urls import reverse

from tests.accounts.conftest import PASSWORD, error_summary, page_text, sign_in

pytestmark = pytest.mark.django_db

NEW = "a-Much-better-passphrase-9"


def change(client, old=PASSWORD, new=NEW, again=None):
    data = {"old_password": old, "new_password1": new, "new_password2": again or new}
    return client.post(reverse("account-password"), data, follow=True)


def test_the_page_asks_for_the_current_and_new_passwords(client_for, lead_a):
    page = client_for(lead_a).get(reverse("account-password")).content.decode()
    assert "Change your password" in page
    assert 'autocomplete="current-password"' in page and 'autocomplete="new-password"' in page


def test_a_new_password_is_saved_on_the_record_and_this_session_stays_signed_in(client, lead_a):
    sign_in(client, "lead-a")
    response = change(client)
    assert response.redirect_chain[-1][0] == reverse("account")
    assert "Your password has been changed" in page_text(response)
    assert client.get(reverse("account")).status_code == 200  # still signed in
    lead_a.refresh_from_db()
    assert lead_a.check_password(NEW)
    row = lead_a.history.first()
    assert (row.history_change_reason, row.history_user) == ("Password changed", lead_a)

    client.post(reverse("logout"))
    assert sign_in(client, "lead-a").status_code == 200  # the old password is refused
    assert sign_in(client, "lead-a", NEW).status_code == 302


def test_other_sessions_end(client_for, lead_a):
    from django.test import Client

    other = Client()
    other.force_login(lead_a)
    change(client_for(lead_a))
    assert other.get(reverse("account")).status_code == 302


@pytest.mark.parametrize(
    "old, new, again, field, message",
    [
        ("", NEW, NEW, "old_password", "Enter your current password"),
        ("wrong", NEW, NEW, "old_password", "Your current password is not right: type it again"),
        (PASSWORD, "", NEW, "new_password1", "Enter a new password"),
        (PASSWORD, NEW, "other-Passphrase-1", "new_password2", "The two passwords do not match"),
        (PASSWORD, "short", "short", "new_password1", "This password is too short"),
        (PASSWORD, "password123", "password123", "new_password1", "This password is too common"),
    ],
)
def test_bad_passwords_are_explained_at_their_field_and_nothing_changes(
    client_for, lead_a, old, new, again, field, message
):
    rows = lead_a.history.count()
    response = change(client_for(lead_a), old, new, again)
    assert response.status_code == 200
    assert message in error_summary(response)
    assert f'<a href="#id_{field}">' in response.content.decode()
    lead_a.refresh_from_db()
    assert lead_a.check_password(PASSWORD)
    assert lead_a.history.count() == rows
