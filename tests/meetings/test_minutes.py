"""A meeting's minutes: the decisions taken on its items' records from the day of the
meeting until they are confirmed, each with who and when; "No decision recorded" for the
rest, carried forward; once confirmed they never change."""

import datetime
import io

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from actions import services as action_services
from meetings.models import MinuteEntry
from reviews import services as review_services
from tests.makers import SLUG, agency_of
from tests.meetings.makers import make_meeting, make_waiting
from tests.pages import text

pytestmark = pytest.mark.django_db


@pytest.fixture
def waiting(lead_a):
    return make_waiting(agency=agency_of(lead_a), lead=lead_a)


def minutes(meeting) -> list[tuple[str, str, object, bool]]:
    return [
        (entry.item_title, entry.decision, entry.decided_by, entry.carried_forward)
        for entry in MinuteEntry.objects.filter(meeting=meeting).order_by("position")
    ]


@pytest.fixture
def held(client_for, partnership_officer, waiting):
    """A meeting today, its pack issued."""
    meeting = make_meeting(partnership_officer, date=timezone.localdate())
    client_for(partnership_officer).post(reverse("meeting-pack-issue", args=[SLUG, meeting.pk]))
    return meeting


def test_the_minutes_list_the_decisions_taken_and_carry_the_rest_forward(
    client_for, partnership_officer, silg_chair, waiting, held
):
    action_services.action_approve(actor=silg_chair, action=waiting.submitted)
    action_services.extension_decline(
        actor=silg_chair, extension=waiting.extension, comment="Find another auditor"
    )
    review_services.impact_decide(
        actor=silg_chair, impact_check=waiting.impact_check, outcome="embedded"
    )
    team = client_for(partnership_officer)

    response = team.post(reverse("meeting-minutes-confirm", args=[SLUG, held.pk]), follow=True)

    assert "Minutes confirmed" in text(response.content.decode())
    items = {item.kind: item.title for item in held.items.all()}
    carried = "No decision recorded: carried forward"
    assert minutes(held) == [
        (items["submission"], "Approved", silg_chair, False),
        (items["extension"], "Extension declined: Find another auditor", silg_chair, False),
        (items["impact_check"], "Embedded", silg_chair, False),
        (items["impact_due"], carried, None, True),
        (items["stage"], carried, None, True),
        (items["overdue"], carried, None, True),
    ]
    page = text(team.get(reverse("meeting-minutes", args=[SLUG, held.pk])).content.decode())
    assert "Sign-off: Train the front door team Approved Sam Chair" in page
    assert "Carried forward No decision recorded: carried forward" in page
    held.refresh_from_db()
    assert held.minutes_confirmed_by == partnership_officer


def test_a_decision_before_the_meeting_day_is_not_in_its_minutes(
    client_for, partnership_officer, silg_chair, waiting
):
    meeting = make_meeting(partnership_officer)  # a week ahead
    client_for(partnership_officer).post(reverse("meeting-pack-issue", args=[SLUG, meeting.pk]))
    action_services.action_approve(actor=silg_chair, action=waiting.submitted)  # before it

    with time_machine.travel(timezone.now() + datetime.timedelta(days=8)):
        stage = waiting.incident
        review_services.journey_record(
            actor=partnership_officer,
            review=stage,
            stage="notification",
            values={"notified_on": timezone.localdate()},
        )
        client_for(partnership_officer).post(
            reverse("meeting-minutes-confirm", args=[SLUG, meeting.pk])
        )

    decided = {title: decision for title, decision, _, _ in minutes(meeting)}
    assert decided["Sign-off: Train the front door team"] == "No decision recorded: carried forward"
    assert decided["Child Q: Notification to the National Panel"] == (
        "Notification to the National Panel recorded"
    )


def test_confirmed_minutes_do_not_change(
    client_for, partnership_officer, silg_chair, waiting, held
):
    team = client_for(partnership_officer)
    url = reverse("meeting-minutes-confirm", args=[SLUG, held.pk])
    team.post(url)
    before = minutes(held)

    action_services.action_approve(actor=silg_chair, action=waiting.submitted)
    response = team.post(url, follow=True)

    assert "The minutes have already been confirmed" in text(response.content.decode())
    assert minutes(held) == before
    assert "Confirm the minutes" not in response.content.decode()


def test_the_minutes_wait_for_the_meeting_and_its_pack(client_for, partnership_officer, waiting):
    team = client_for(partnership_officer)
    ahead = make_meeting(partnership_officer)
    today = make_meeting(partnership_officer, date=timezone.localdate())

    not_issued = team.post(reverse("meeting-minutes-confirm", args=[SLUG, today.pk]), follow=True)
    team.post(reverse("meeting-pack-issue", args=[SLUG, ahead.pk]))
    too_early = team.post(reverse("meeting-minutes-confirm", args=[SLUG, ahead.pk]), follow=True)

    assert "Issue the pack before confirming the minutes" in text(not_issued.content.decode())
    assert (
        f"The minutes can be confirmed on or after the day of the meeting, {ahead.date:%-d %B %Y}"
        in text(too_early.content.decode())
    )
    assert not MinuteEntry.objects.exists()


def test_the_minutes_download_as_a_pdf(client_for, partnership_officer, silg_chair, waiting, held):
    action_services.action_return(
        actor=silg_chair, action=waiting.submitted, comment="Add the register's signatures"
    )
    client_for(partnership_officer).post(reverse("meeting-minutes-confirm", args=[SLUG, held.pk]))

    response = client_for(silg_chair).get(reverse("meeting-minutes-pdf", args=[SLUG, held.pk]))

    reader = PdfReader(io.BytesIO(response.content))
    words = " ".join(" ".join(page.extract_text() for page in reader.pages).split())
    assert "Returned to the agency: Add the register's signatures" in words
    assert words.count("No decision recorded: carried forward") == 5
