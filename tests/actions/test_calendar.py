"""Each person's private calendar feed of due dates."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from actions.models import Action
from audits.models import AccessEvent
from tests.makers import agency_of, make_action

pytestmark = pytest.mark.django_db


def days(n):
    return timezone.localdate() + datetime.timedelta(days=n)


def turn_on(client):
    client.post(reverse("my-calendar"), {"change": "renew"})
    return client.get(reverse("my-calendar")).context["address"]


def fetch(client, address):
    client.logout()  # calendar apps do not sign in: the address is the key
    return client.get(address.removeprefix("http://127.0.0.1:8000"))


def test_a_leads_feed_is_valid_icalendar_of_their_agencys_due_dates(client_for, lead_a, agency_b):
    mine = make_action(agency=agency_of(lead_a), title="Audit plans", due_date=days(10))
    make_action(agency=agency_of(lead_a), status=Action.Status.COMPLETED, title="Done already")
    make_action(agency=agency_b, title="Another agency's")
    client = client_for(lead_a)
    response = fetch(client, turn_on(client))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    calendar = Calendar.from_ical(response.content)
    events = calendar.walk("VEVENT")
    assert [str(e["summary"]) for e in events] == ["Due: Audit plans (Agency A)"]
    event = events[0]
    assert event.decoded("dtstart") == days(10) and event.decoded("dtend") == days(11)
    assert str(event["uid"]) == f"action-{mine.pk}-due@127.0.0.1:8000"
    assert str(event["url"]) == f"http://127.0.0.1:8000/test/actions/{mine.pk}/"
    assert str(calendar["version"]) == "2.0" and "prodid" in calendar


def test_renewing_the_address_stops_the_old_one(client_for, lead_a):
    client = client_for(lead_a)
    old = turn_on(client)
    client.force_login(lead_a)
    new = turn_on(client)
    assert old != new
    assert fetch(client, new).status_code == 200
    assert fetch(client, old).status_code == 404
    assert AccessEvent.objects.filter(kind="refused", status_code=404).exists()


def test_turning_the_feed_off_stops_its_address(client_for, lead_a):
    client = client_for(lead_a)
    address = turn_on(client)
    client.force_login(lead_a)
    client.post(reverse("my-calendar"), {"change": "revoke"})
    assert "Your calendar feed is off." in client.get(reverse("my-calendar")).content.decode()
    assert fetch(client, address).status_code == 404


def test_a_deactivated_persons_feed_stops(client_for, lead_a):
    client = client_for(lead_a)
    address = turn_on(client)
    lead_a.is_active = False
    lead_a.save()
    assert fetch(client, address).status_code == 404


def test_the_partnership_feed_covers_every_open_action_in_the_window(
    client_for, partnership_officer
):
    make_action(title="Soon", due_date=days(30))
    make_action(title="Long ago", due_date=days(-200))
    client = client_for(partnership_officer)
    events = Calendar.from_ical(fetch(client, turn_on(client)).content).walk("VEVENT")
    assert [str(e["summary"]).split(" (")[0] for e in events] == ["Due: Soon"]


def test_the_secret_never_enters_the_history(client_for, lead_a):
    client = client_for(lead_a)
    address = turn_on(client)
    token = address.rsplit("/", 1)[-1].removesuffix(".ics")
    row = lead_a.history.order_by("-history_id").first()
    assert row.history_change_reason == "Calendar feed address renewed"
    assert not hasattr(row, "calendar_token")
    assert token not in str(row.__dict__)


def test_turning_the_feed_on_the_first_time_says_so(client_for, lead_a):
    """Issue 15, item 27: no "any old one no longer works" when there was none."""
    client = client_for(lead_a)
    page = client.post(reverse("my-calendar"), {"change": "renew"}, follow=True).content.decode()
    assert "Your calendar feed is turned on" in page and "no longer works" not in page
    page = client.post(reverse("my-calendar"), {"change": "renew"}, follow=True).content.decode()
    assert "the old one no longer works" in page
