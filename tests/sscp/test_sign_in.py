import pytest
from django.urls import reverse

from tests.makers import SLUG

pytestmark = pytest.mark.django_db


def test_sign_in_page_is_the_start_for_a_signed_out_visitor(client):
    response = client.get("/", follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse("login"))
    assert b'<h1 class="govuk-heading-l">Sign in</h1>' in response.content


def test_signing_in_goes_home_and_names_the_person(client, lead_a):
    response = client.post(
        reverse("login"), {"username": "lead-a", "password": "test-pass-1234"}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("home", args=[SLUG])
    assert "Alex Lead" in response.content.decode()
    assert "Agency lead, Agency A" in response.content.decode()


def test_a_wrong_password_shows_the_error_summary_and_signs_nobody_in(client, lead_a):
    response = client.post(reverse("login"), {"username": "lead-a", "password": "nope"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in page
    assert "govuk-error-summary" in page
    assert "_auth_user_id" not in client.session


def test_sign_out_ends_the_session(client_for, lead_a):
    client = client_for(lead_a)
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session
    assert client.get(reverse("home", args=[SLUG])).status_code == 302


def test_sign_out_by_get_is_refused(client_for, lead_a):
    client = client_for(lead_a)
    assert client.get(reverse("logout")).status_code == 405
    assert "_auth_user_id" in client.session
