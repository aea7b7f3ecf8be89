"""A meeting's agenda: assembled from what awaits the SILG chair, in the partnership's own
records only; reordered, pruned and refreshed by the team; frozen once the pack is issued."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from actions import services as action_services
from meetings import services
from meetings.models import AgendaItem, Meeting
from tests.makers import SLUG, make_partnership
from tests.meetings.makers import make_meeting, make_waiting
from tests.pages import text

pytestmark = pytest.mark.django_db


def agenda(meeting) -> list[tuple[str, str]]:
    return [(item.kind, item.title) for item in meeting.items.order_by("position", "pk")]


@pytest.fixture
def waiting(lead_a):
    from tests.makers import agency_of

    return make_waiting(agency=agency_of(lead_a), lead=lead_a)


def test_the_agenda_holds_each_kind_of_thing_awaiting_the_chair(partnership_officer, waiting):
    meeting = make_meeting(partnership_officer)

    asked = f"{waiting.extension.requested_due_date:%-d %B %Y}"
    checked = waiting.impact_check.recommendation.number
    assert agenda(meeting) == [
        ("submission", "Sign-off: Train the front door team"),
        ("extension", f"Extension to {asked}: Audit the referrals"),
        ("impact_check", f"Impact check: Child D, recommendation {checked}"),
        ("impact_due", f"Impact check due: Child D, recommendation {waiting.impact_due.number}"),
        ("stage", "Child Q: Notification to the National Panel"),
        ("overdue", "Overdue: Publish the toolkit"),
    ]  # fmt: skip
    items = list(meeting.items.order_by("position"))
    assert [item.position for item in items] == [1, 2, 3, 4, 5, 6]
    assert [item.record for item in items] == [
        waiting.submitted,
        waiting.extension,
        waiting.impact_check,
        waiting.impact_due,
        waiting.incident,
        waiting.overdue,
    ]
    assert items[4].stage == "notification"
    assert meeting.title == f"SILG meeting, {meeting.date:%-d %B %Y}"


def test_nothing_of_another_partnership_is_on_the_agenda(partnership_officer, waiting):
    other = make_partnership("beta")
    make_waiting(other, prefix="Beta ")

    meeting = make_meeting(partnership_officer)

    assert len(agenda(meeting)) == 6
    assert not any("Beta" in title for _, title in agenda(meeting))
    beta_meeting = make_meeting(partnership_officer, partnership=other)
    assert len(agenda(beta_meeting)) == 6
    assert all("Beta" in title for _, title in agenda(beta_meeting))


def test_reordering_moves_an_item_and_persists(client_for, partnership_officer, waiting):
    meeting = make_meeting(partnership_officer)
    overdue = meeting.items.get(kind="overdue")
    client = client_for(partnership_officer)
    url = reverse("meeting-item-move", args=[SLUG, meeting.pk])

    for _ in range(5):
        response = client.post(url, {"item": overdue.pk, "direction": "up"})
        assert response.status_code == 302
    client.post(url, {"item": meeting.items.get(kind="submission").pk, "direction": "down"})

    kinds = [kind for kind, _ in agenda(Meeting.objects.get(pk=meeting.pk))]
    assert kinds == ["overdue", "extension", "submission", "impact_check", "impact_due", "stage"]
    page = text(client.get(reverse("meeting-detail", args=[SLUG, meeting.pk])).content.decode())
    assert page.index("1. Overdue: Publish the toolkit") < page.index("3. Sign-off: Train")


def test_moving_the_first_item_up_is_refused_and_changes_nothing(
    client_for, partnership_officer, waiting
):
    meeting = make_meeting(partnership_officer)
    first = meeting.items.get(position=1)
    before = agenda(meeting)

    response = client_for(partnership_officer).post(
        reverse("meeting-item-move", args=[SLUG, meeting.pk]),
        {"item": first.pk, "direction": "up"},
        follow=True,
    )

    assert "“Sign-off: Train the front door team” is already first" in text(
        response.content.decode()
    )
    assert agenda(meeting) == before


def test_refreshing_adds_what_came_in_later_without_duplicates(
    client_for, partnership_officer, lead_a, waiting
):
    meeting = make_meeting(partnership_officer)
    later = waiting.extension.action  # its lead submits it after the agenda was assembled
    from tests.makers import make_evidence

    make_evidence(later, uploaded_by=lead_a)
    action_services.action_submit(actor=lead_a, action=later, completion_statement="Audit done")
    client = client_for(partnership_officer)
    url = reverse("meeting-refresh", args=[SLUG, meeting.pk])

    response = client.post(url, follow=True)
    assert "1 item added to the agenda" in text(response.content.decode())
    response = client.post(url, follow=True)
    assert "The agenda is up to date: nothing new awaits the SILG chair" in text(
        response.content.decode()
    )

    titles = [title for _, title in agenda(meeting)]
    assert titles[-1] == "Sign-off: Audit the referrals"
    assert len(titles) == len(set(titles)) == 7


def test_a_removed_item_comes_back_on_refresh_only_if_it_still_waits(
    client_for, partnership_officer, waiting
):
    meeting = make_meeting(partnership_officer)
    client = client_for(partnership_officer)
    stage = meeting.items.get(kind="stage")

    response = client.post(
        reverse("meeting-item-remove", args=[SLUG, meeting.pk]), {"item": stage.pk}, follow=True
    )

    assert "“Child Q: Notification to the National Panel” removed from the agenda" in text(
        response.content.decode()
    )
    assert not AgendaItem.objects.filter(pk=stage.pk).exists()
    history = AgendaItem.history.filter(id=stage.pk).latest("history_id")
    assert (history.history_type, history.history_change_reason) == ("-", "Removed from the agenda")
    assert history.history_user == partnership_officer
    services.agenda_refresh(actor=partnership_officer, meeting=meeting)
    assert meeting.items.filter(kind="stage").count() == 1


def test_what_is_withdrawn_as_logged_in_error_leaves_the_agenda_and_its_pack(
    partnership_officer, waiting
):
    meeting = make_meeting(partnership_officer)
    action_services.withdraw(
        actor=partnership_officer, record=waiting.overdue, reason="Logged twice"
    )
    action_services.withdraw(
        actor=partnership_officer,
        record=waiting.impact_check.recommendation,
        reason="Belongs to another review",
    )

    services.meeting_pack_issue(actor=partnership_officer, meeting=meeting)

    kinds = [kind for kind, _title in agenda(meeting)]
    assert "overdue" not in kinds and "impact_check" not in kinds
    assert "submission" in kinds
    gone = AgendaItem.history.filter(history_type="-").values_list(
        "history_change_reason", flat=True
    )
    assert list(gone) == ["Removed from the agenda: withdrawn as logged in error"] * 2
    fresh = services.meeting_create(
        actor=partnership_officer,
        partnership=meeting.partnership,
        date=meeting.date + datetime.timedelta(days=1),
    )
    assert "Overdue: Publish the toolkit" not in [title for _kind, title in agenda(fresh)]
    assert "impact_check" not in [kind for kind, _title in agenda(fresh)]


def test_the_agenda_is_frozen_once_the_pack_is_issued(
    client_for, partnership_officer, lead_a, waiting
):
    meeting = make_meeting(partnership_officer)
    client = client_for(partnership_officer)
    client.post(reverse("meeting-pack-issue", args=[SLUG, meeting.pk]))
    before = agenda(meeting)
    item = meeting.items.get(position=2)
    later = waiting.extension.action
    from tests.makers import make_evidence

    make_evidence(later, uploaded_by=lead_a)
    action_services.action_submit(actor=lead_a, action=later, completion_statement="Audit done")

    for name, data in [
        ("meeting-item-move", {"item": item.pk, "direction": "up"}),
        ("meeting-item-remove", {"item": item.pk}),
        ("meeting-refresh", {}),
    ]:
        response = client.post(reverse(name, args=[SLUG, meeting.pk]), data, follow=True)
        page = text(response.content.decode())
        assert "The pack has been issued, so the agenda can no longer be changed" in page, name

    assert agenda(meeting) == before
    page = client.get(reverse("meeting-detail", args=[SLUG, meeting.pk])).content.decode()
    assert "Move up" not in page and "Refresh the agenda" not in page


def test_an_item_of_another_meeting_cannot_be_moved_from_this_one(
    client_for, partnership_officer, waiting
):
    meeting = make_meeting(partnership_officer)
    other = make_meeting(partnership_officer, date=meeting.date + datetime.timedelta(days=1))
    before = agenda(other)

    response = client_for(partnership_officer).post(
        reverse("meeting-item-move", args=[SLUG, meeting.pk]),
        {"item": other.items.get(position=2).pk, "direction": "up"},
        follow=True,
    )

    assert "Choose an item on this meeting's agenda" in text(response.content.decode())
    assert agenda(other) == before


def test_a_meeting_needs_a_date_today_or_later_and_one_a_day(partnership_officer):
    with pytest.raises(ValidationError) as past:
        services.meeting_create(
            actor=partnership_officer,
            partnership=partnership_officer.memberships.get().partnership,
            date=timezone.localdate() - datetime.timedelta(days=1),
        )
    assert past.value.message_dict == {
        "date": ["The date of the meeting must be today or in the future"]
    }
    meeting = make_meeting(partnership_officer, date=timezone.localdate())
    with pytest.raises(ValidationError) as twice:
        make_meeting(partnership_officer, date=meeting.date)
    assert twice.value.message_dict == {
        "date": [f"There is already a SILG meeting on {meeting.date:%-d %B %Y}"]
    }
    assert Meeting.objects.count() == 1
