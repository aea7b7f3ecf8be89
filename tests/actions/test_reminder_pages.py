import datetime

import pytest
from django.urls import reverse

from actions import reminders
from tests.makers import agency_of, make_action

pytestmark = pytest.mark.django_db
DAY = datetime.date(2026, 12, 2)


def test_people_see_the_reminders_sent_to_them(client_for, lead_a, lead_b):
    action = make_action(agency=agency_of(lead_a), owner=lead_a, due_date=DAY, title="Audit plans")
    reminders.sweep(day=DAY)
    page = client_for(lead_a).get(reverse("my-reminders")).content.decode()
    assert "Due today" in page and "Audit plans" in page and "2 December 2026" in page
    assert "Audit plans" not in client_for(lead_b).get(reverse("my-reminders")).content.decode()
    assert action.pk


def test_the_action_page_shows_the_reminders_sent_for_it(client_for, lead_a, lead_b):
    action = make_action(agency=agency_of(lead_a), owner=lead_a, due_date=DAY)
    reminders.sweep(day=DAY)
    page = client_for(lead_a).get(action.get_absolute_url()).content.decode()
    assert "2 December 2026: due today, to Alex Lead" in page
    # Issue 15, item 7: reminders are part of the action's record, for its own agency.
    page = client_for(lead_b).get(action.get_absolute_url()).content.decode()
    assert "due today, to Alex Lead" not in page


def test_choosing_weekly_reminders(client_for, lead_a):
    client = client_for(lead_a)
    response = client.post(reverse("my-reminders"), {"reminder_frequency": "weekly"}, follow=True)
    assert "Your reminder preferences are saved" in response.content.decode()
    lead_a.refresh_from_db()
    assert lead_a.reminder_frequency == "weekly"
    assert lead_a.history.first().history_change_reason == "Reminder preference changed"


def test_an_unknown_frequency_is_refused(client_for, lead_a):
    response = client_for(lead_a).post(reverse("my-reminders"), {"reminder_frequency": "hourly"})
    assert "There is a problem" in response.content.decode()
    lead_a.refresh_from_db()
    assert lead_a.reminder_frequency == "daily"
