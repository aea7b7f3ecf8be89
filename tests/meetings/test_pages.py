"""The meetings' pages as people use them: arranging a meeting (and the GOV.UK messages
when the date will not do), the list, the navigation, and a button posted wrongly."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from meetings.models import AgendaItem, Meeting
from tests.makers import SLUG, agency_of
from tests.meetings.makers import make_meeting, make_waiting
from tests.pages import text

pytestmark = pytest.mark.django_db


def date_parts(date) -> dict:
    return {"date_0": date.day, "date_1": date.month, "date_2": date.year}


def test_the_team_arranges_a_meeting_and_sees_its_agenda(client_for, partnership_officer, lead_a):
    make_waiting(agency=agency_of(lead_a), lead=lead_a)
    client = client_for(partnership_officer)
    form = client.get(reverse("meeting-create", args=[SLUG]))
    assert "Arrange a SILG meeting" in text(form.content.decode())
    date = timezone.localdate() + datetime.timedelta(days=14)

    response = client.post(reverse("meeting-create", args=[SLUG]), date_parts(date), follow=True)

    meeting = Meeting.objects.get()
    assert response.redirect_chain == [(meeting.get_absolute_url(), 302)]
    page = text(response.content.decode())
    assert f"SILG meeting, {date:%-d %B %Y} arranged: 6 items on its agenda" in page
    assert "1. Sign-off: Train the front door team Submitted for sign-off" in page
    assert "6. Overdue: Publish the toolkit Overdue past the escalation point" in page
    assert "Download a draft of the pack (PDF)" in page and "Issue the pack" in page


@pytest.mark.parametrize(
    "data, message",
    [
        ({}, "Enter the date of the meeting"),
        (date_parts(timezone.localdate() - datetime.timedelta(days=1)),
         "The date of the meeting must be today or in the future"),
        ({"date_0": "31", "date_1": "2", "date_2": "2027"},
         "Date of the meeting must be a real date"),
        ({"date_0": "", "date_1": "2", "date_2": "2027"},
         "Date of the meeting must include a day, month and year"),
    ],
    ids=["empty", "past", "not-a-date", "no-day"],
)  # fmt: skip
def test_a_date_that_will_not_do_is_refused_in_govuk_words(
    client_for, partnership_officer, data, message
):
    response = client_for(partnership_officer).post(reverse("meeting-create", args=[SLUG]), data)

    assert response.status_code == 200
    page = text(response.content.decode())
    assert "There is a problem" in page and message in page
    assert not Meeting.objects.exists()


def test_a_second_meeting_on_the_same_day_is_refused(client_for, partnership_officer):
    meeting = make_meeting(partnership_officer)

    response = client_for(partnership_officer).post(
        reverse("meeting-create", args=[SLUG]), date_parts(meeting.date)
    )

    page = text(response.content.decode())
    assert f"There is already a SILG meeting on {meeting.date:%-d %B %Y}" in page
    assert Meeting.objects.count() == 1


def test_a_move_button_posted_wrongly_changes_nothing(client_for, partnership_officer, lead_a):
    make_waiting(agency=agency_of(lead_a), lead=lead_a)
    meeting = make_meeting(partnership_officer)
    before = list(AgendaItem.history.values_list("history_id", flat=True))
    client = client_for(partnership_officer)
    url = reverse("meeting-item-move", args=[SLUG, meeting.pk])

    sideways = client.post(
        url, {"item": meeting.items.first().pk, "direction": "sideways"}, follow=True
    )
    nothing = client.post(url, {}, follow=True)

    assert "Choose whether to move the item up or down" in text(sideways.content.decode())
    assert "Choose an item on this meeting's agenda" in text(nothing.content.decode())
    assert list(AgendaItem.history.values_list("history_id", flat=True)) == before


def test_the_list_shows_each_meeting_with_its_pack_and_minutes(
    client_for, partnership_officer, silg_chair, lead_a
):
    make_waiting(agency=agency_of(lead_a), lead=lead_a)
    issued = make_meeting(partnership_officer)
    make_meeting(partnership_officer, date=issued.date + datetime.timedelta(days=28))
    client_for(partnership_officer).post(reverse("meeting-pack-issue", args=[SLUG, issued.pk]))

    page = text(client_for(silg_chair).get(reverse("meeting-list", args=[SLUG])).content.decode())

    later = issued.date + datetime.timedelta(days=28)
    assert f"SILG meeting, {later:%-d %B %Y} 6 Not issued Not confirmed" in page
    assert f"SILG meeting, {issued.date:%-d %B %Y} 6 Issued Not confirmed" in page
    assert "Arrange a SILG meeting" not in page  # the chair does not arrange them


def test_silg_meetings_are_in_the_navigation_of_the_team_and_the_chair_only(client_for, personas):
    for role, person in personas.items():
        if role == "no_role":
            continue
        page = client_for(person).get(reverse("home", args=[SLUG])).content.decode()
        shown = f'href="{reverse("meeting-list", args=[SLUG])}"' in page
        assert shown == (role in {"partnership", "chair"}), role


def test_the_list_keeps_a_fixed_number_of_queries(
    client_for, partnership_officer, django_assert_max_num_queries
):
    for days in range(1, 6):
        make_meeting(partnership_officer, date=timezone.localdate() + datetime.timedelta(days=days))
    client = client_for(partnership_officer)
    with django_assert_max_num_queries(12):
        assert client.get(reverse("meeting-list", args=[SLUG])).status_code == 200
