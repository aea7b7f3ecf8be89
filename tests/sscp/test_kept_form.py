"""A form posted after its session ended (issue 20, item 3): what was typed is kept on the
server for the person whose session it was, and only for them; never in a cookie."""

import datetime
from urllib.parse import parse_qs, urlparse

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.urls import reverse
from django.utils import timezone

from sscp.middleware import KEPT
from tests.makers import SLUG, agency_of, make_action, make_lead

pytestmark = pytest.mark.django_db

TYPED = "Training booked for 14 March; the register will follow."


def end_the_session(client) -> None:
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    Session.objects.filter(session_key=key).update(
        expire_date=timezone.now() - datetime.timedelta(minutes=1)
    )


def post_after_the_session_ended(client, lead_a):
    action = make_action(agency=agency_of(lead_a), owner=lead_a, status="in_progress")
    address = reverse("action-progress", args=[SLUG, action.pk])
    client.force_login(lead_a)
    end_the_session(client)
    response = client.post(address, {"text": TYPED})
    return address, response


def test_what_was_typed_comes_back_to_the_same_person_after_signing_in(client, lead_a):
    address, response = post_after_the_session_ended(client, lead_a)
    assert response.status_code == 302
    location = urlparse(response["Location"])
    assert location.path == reverse("login")
    back = parse_qs(location.query)["next"][0]
    assert back.startswith(f"{address}?{KEPT}=")
    assert all(TYPED not in morsel.value for morsel in client.cookies.values())
    client.force_login(lead_a)
    page = client.get(back).content.decode()
    assert TYPED in page and "You were signed out before this was saved" in page


def test_someone_else_signing_in_on_that_browser_does_not_see_it(client, lead_a):
    colleague = make_lead(agency_of(lead_a), "lead-a2")  # who may open the same form
    _address, response = post_after_the_session_ended(client, lead_a)
    back = parse_qs(urlparse(response["Location"]).query)["next"][0]
    client.force_login(colleague)
    response = client.get(back)
    assert response.status_code == 200 and TYPED not in response.content.decode()


def test_a_post_with_no_session_behind_it_keeps_nothing(client, lead_a):
    action = make_action(agency=agency_of(lead_a), owner=lead_a, status="in_progress")
    response = client.post(reverse("action-progress", args=[SLUG, action.pk]), {"text": TYPED})
    assert response.status_code == 302 and KEPT not in response["Location"]
