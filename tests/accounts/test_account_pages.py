"""Your account: what it shows, changing one's name, and who may open the pages."""

import pytest
from django.urls import reverse

from accounts.urls import urlpatterns
from tests.accounts.conftest import (
    error_summary,
    page_text,
    sign_in_with_code,
    turn_on_second_factor,
)
from tests.makers import SLUG

pytestmark = pytest.mark.django_db

ACCOUNT_PAGES = [
    reverse(pattern.name, args=["some-token"] if pattern.pattern.converters else [])
    for pattern in urlpatterns
]


@pytest.mark.parametrize("url", ACCOUNT_PAGES)
def test_someone_signed_out_gets_the_sign_in_page_for_every_account_page(client, url):
    for method in (client.get, client.post):
        response = method(url)
        assert response.status_code == 302, url
        assert response["Location"] == f"{reverse('login')}?next={url}"


def test_the_header_links_to_your_account(client_for, lead_a):
    page = client_for(lead_a).get(reverse("home", args=[SLUG])).content.decode()
    assert f'href="{reverse("account")}">Your account</a>' in page


def test_your_account_shows_who_you_are_and_your_second_factor(client_for, lead_a):
    page = page_text(client_for(lead_a).get(reverse("account")))
    assert "Username lead-a" in page
    assert "Name Alex Lead" in page
    assert "Email address lead-a@example.org" in page
    assert "It is off: you sign in with your password alone." in page
    assert "Test Safeguarding Children Partnership: Agency lead, Agency A" in page


def test_your_account_counts_the_recovery_codes_left(client, lead_a):
    turn_on_second_factor(lead_a)
    sign_in_with_code(client, lead_a)
    page = page_text(client.get(reverse("account")))
    assert "It is on: when you sign in you give a code" in page
    assert "You have 10 recovery codes left" in page
    assert "Set up two-factor authentication" not in page


def test_the_account_page_is_only_read(client_for, lead_a):
    assert client_for(lead_a).post(reverse("account")).status_code == 405


def test_changing_your_name_is_saved_on_the_record_and_shown(client_for, lead_a):
    client = client_for(lead_a)
    form = client.get(reverse("account-name")).content.decode()
    assert 'value="Alex"' in form and 'value="Lead"' in form
    response = client.post(
        reverse("account-name"),
        {"first_name": " Alexandra ", "last_name": "Lead-Smith"},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == reverse("account")
    page = page_text(response)
    assert "Your name has been changed" in page
    assert "Signed in as Alexandra Lead-Smith" in page
    lead_a.refresh_from_db()
    assert (lead_a.first_name, lead_a.last_name) == ("Alexandra", "Lead-Smith")
    row = lead_a.history.first()
    assert (row.history_change_reason, row.history_user) == ("Name changed", lead_a)


@pytest.mark.parametrize(
    "data, message",
    [
        ({"first_name": "", "last_name": "Lead"}, "Enter your first name"),
        ({"first_name": "   ", "last_name": "Lead"}, "Enter your first name"),
        ({"first_name": "A" * 151, "last_name": ""}, "First name must be 150 characters or fewer"),
    ],
)
def test_a_name_that_cannot_be_saved_is_explained_and_nothing_changes(
    client_for, lead_a, data, message
):
    rows = lead_a.history.count()
    response = client_for(lead_a).post(reverse("account-name"), data)
    assert response.status_code == 200
    assert message in error_summary(response)
    lead_a.refresh_from_db()
    assert (lead_a.first_name, lead_a.last_name) == ("Alex", "Lead")
    assert lead_a.history.count() == rows


def test_someone_with_no_partnership_has_an_account_too(client_for, no_role_user):
    page = page_text(client_for(no_role_user).get(reverse("account")))
    assert "You do not belong to any partnership yet" in page
