"""Withdrawing what was logged in error (issue 20, item 6): the partnership team withdraws
a review, recommendation or action with a reason; it stays on the record (its page says
so, its timeline and history keep it) and leaves every list, count, export, reminder and
figure."""

import datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from actions import reminders, reports, services
from actions.models import Action, ExtensionRequest, Notice, Reminder
from actions.selectors import overdue_by_agency
from reviews import services as review_services
from reviews.models import Recommendation, Review
from sscp import roles
from sscp.scope import Scope
from tests.makers import (
    SLUG,
    agency_of,
    default_partnership,
    make_action,
    make_evidence,
    make_partnership,
    make_recommendation,
    make_review,
    make_user,
)
from tests.pages import text

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 12, 9)  # a Wednesday: reminders go on working days
LATE = TODAY - datetime.timedelta(days=8)  # the day an overdue reminder goes


@pytest.fixture(autouse=True)
def on_a_wednesday():
    with time_machine.travel(datetime.datetime(2026, 12, 9, 9, tzinfo=datetime.UTC), tick=False):
        yield


@pytest.fixture
def logged(lead_a):
    """A review with two recommendations; the first has an action logged twice in error
    ("Zebra crossing audit") beside the real one, both overdue."""
    agency = agency_of(lead_a)
    review = make_review(title="Child Q practice review")
    first = make_recommendation(review, agencies=[agency], text="Share referrals sooner.")
    second = make_recommendation(review, agencies=[agency], text="Train on neglect.")
    real = make_action(first, agency=agency, title="Referral pathway audit", due_date=LATE)
    error = make_action(first, agency=agency, title="Zebra crossing audit", due_date=LATE)
    make_action(second, agency=agency, title="Neglect training", due_date=LATE)
    return {"review": review, "first": first, "second": second, "real": real, "error": error}


def page_text(response) -> str:
    return text(response.content.decode())


def url(name, record):
    return reverse(name, args=[SLUG, record.pk])


def test_a_withdrawn_action_is_in_no_list_count_export_reminder_or_figure(
    client_for, partnership_officer, silg_chair, lead_a, logged
):
    error = logged["error"]
    before = overdue_by_agency(Scope.of([default_partnership()]), TODAY)[0].overdue

    services.withdraw(actor=partnership_officer, record=error, reason="Logged twice")

    assert overdue_by_agency(Scope.of([default_partnership()]), TODAY)[0].overdue == before - 1
    planned = reminders.plan(TODAY)
    assert planned and error.pk not in {row.action_id for row in planned}
    for user in (partnership_officer, silg_chair, lead_a):
        client = client_for(user)
        for page in (
            reverse("action-list", args=[SLUG]),
            reverse("action-list-csv", args=[SLUG]),
            url("review-detail", logged["review"]),
            url("recommendation-detail", logged["first"]),
            reverse("home", args=[SLUG]),
            reverse("search", args=[SLUG]) + "?q=zebra",
        ):
            response = client.get(page)
            assert response.status_code == 200, page
            body = b"".join(response.streaming_content) if response.streaming else response.content
            if user == lead_a and page == reverse("home", args=[SLUG]):
                # Only where the lead is told it was withdrawn (Since your last visit).
                body = body.replace("withdrew “Zebra crossing audit”".encode(), b"")
            assert "Zebra crossing" not in body.decode(), (user, page)
        assert "Referral pathway audit" in page_text(
            client.get(url("recommendation-detail", logged["first"]))
        )


def test_a_withdrawn_approval_leaves_the_annual_figures(partnership_officer, silg_chair, lead_a):
    agency = agency_of(lead_a)
    action = make_action(agency=agency, status=Action.Status.IN_PROGRESS)
    make_evidence(action, uploaded_by=lead_a)
    services.action_submit(actor=lead_a, action=action, completion_statement="Done")
    services.action_approve(actor=silg_chair, action=action)
    year = reports.FinancialYear.containing(TODAY)
    scope = Scope.of([default_partnership()])
    assert reports.annual_figures(year, scope=scope).actions_completed == 1

    services.withdraw(actor=partnership_officer, record=action, reason="Another agency's work")

    assert reports.annual_figures(year, scope=scope).actions_completed == 0


def test_withdrawing_a_review_takes_its_recommendations_and_actions_and_keeps_them_on_record(
    client_for, partnership_officer, lead_a, logged
):
    review = logged["review"]
    client = client_for(partnership_officer)
    response = client.get(url("review-withdraw", review))
    assert "Its 2 recommendations and 3 actions are withdrawn with it." in page_text(response)

    response = client.post(
        url("review-withdraw", review), {"reason": "Entered under the wrong partnership"}
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("review-list", args=[SLUG])
    assert not Review.objects.exists() and not Recommendation.objects.exists()
    assert not Action.objects.exists()
    for record in [review, logged["first"], logged["second"], *Action.every.all()]:
        record.refresh_from_db()
        assert record.withdrawn_by == partnership_officer
        assert record.withdrawal_reason == "Entered under the wrong partnership"
        assert record.history.latest().history_change_reason.startswith("Withdrawn")
    listed = page_text(client.get(reverse("review-list", args=[SLUG])))
    assert "Child Q practice review withdrawn: it stays on the record" in listed  # the message
    assert "No reviews have been logged yet" in listed

    # Its pages say what happened, to everyone who could read it, and link to its timeline.
    for user in (partnership_officer, lead_a):
        response = client_for(user).get(url("action-detail", logged["error"]))
        assert response.status_code == 410
        page = page_text(response)
        assert "This action was withdrawn" in page
        assert (
            "Pat Officer withdrew it on" in page and "Entered under the wrong partnership" in page
        )
    timeline = client_for(partnership_officer).get(url("review-timeline", review))
    assert timeline.status_code == 200 and "Withdrawn as logged in error" in page_text(timeline)
    log = client.get(reverse("audit-log", args=[SLUG]), {"review": review.pk})
    assert log.status_code == 200 and "Withdrawn as logged in error" in page_text(log)

    # The team's list of what was withdrawn, linked from Reviews, names the review, not
    # each row under it again.
    assert (
        reverse("withdrawn-list", args=[SLUG])
        in client.get(reverse("review-list", args=[SLUG])).content.decode()
    )
    listed = page_text(client.get(reverse("withdrawn-list", args=[SLUG])))
    assert "Child Q practice review" in listed and "Zebra crossing" not in listed

    # Its title is free for the review logged properly.
    again = review_services.review_save(
        actor=partnership_officer,
        partnership=default_partnership(),
        title="Child Q practice review",
        kind=Review.Kind.PRACTICE_REVIEW,
    )
    assert again.pk != review.pk


def test_a_recommendation_withdrawn_frees_its_number_and_takes_its_actions(
    partnership_officer, lead_a, logged
):
    services.withdraw(actor=partnership_officer, record=logged["first"], reason="Duplicate of 2")

    assert set(Action.objects.values_list("title", flat=True)) == {"Neglect training"}
    assert list(logged["review"].recommendations.all()) == [logged["second"]]
    replacement = make_recommendation(logged["review"], number=1, agencies=[agency_of(lead_a)])
    assert replacement.number == 1


def test_waiting_extension_requests_close_and_waiting_reminders_are_cancelled(
    partnership_officer, lead_a, logged
):
    error = logged["error"]
    services.extension_request(
        actor=lead_a,
        action=error,
        requested_due_date=TODAY + datetime.timedelta(days=30),
        reason="Staff",
    )
    reminders.record(reminders.plan(TODAY), TODAY)
    assert Reminder.objects.filter(action=error, status=Reminder.Status.PENDING).exists()

    services.withdraw(actor=partnership_officer, record=error, reason="Logged twice")

    extension = ExtensionRequest.objects.get(action=error)
    assert extension.status == ExtensionRequest.Status.CLOSED
    assert set(Reminder.objects.filter(action=error).values_list("status", flat=True)) == {
        Reminder.Status.CANCELLED
    }
    assert Reminder.objects.filter(action=logged["real"], status=Reminder.Status.PENDING).exists()


def test_the_agencys_leads_are_told_of_each_action_withdrawn(partnership_officer, lead_a, logged):
    services.withdraw(actor=partnership_officer, record=logged["first"], reason="Duplicate")

    told = Notice.objects.filter(kind=Notice.Kind.WITHDRAWN)
    assert sorted((n.recipient, n.action.title) for n in told) == [
        (lead_a, "Referral pathway audit"),
        (lead_a, "Zebra crossing audit"),
    ]
    assert told.first().text.startswith("Pat Officer withdrew “")
    assert "as logged in error: no more work is needed on it" in told.first().text


def test_nothing_more_can_be_done_to_a_withdrawn_action(
    client_for, partnership_officer, lead_a, logged
):
    error = logged["error"]
    services.withdraw(actor=partnership_officer, record=error, reason="Logged twice")

    with pytest.raises(ValidationError, match="has been withdrawn"):
        services.progress_post(actor=lead_a, action=error, text="Still going")
    with pytest.raises(ValidationError, match="already been withdrawn"):
        services.withdraw(actor=partnership_officer, record=error, reason="Again")
    assert client_for(lead_a).get(url("action-progress", error)).status_code == 410
    response = client_for(lead_a).post(url("action-progress", error), {"text": "Still going"})
    assert response.status_code == 410
    assert not error.progress_updates.exists()


def test_withdrawing_needs_a_reason_and_changes_nothing_without_one(
    client_for, partnership_officer, logged
):
    for name, record in [
        ("action-withdraw", logged["error"]),
        ("recommendation-withdraw", logged["first"]),
        ("review-withdraw", logged["review"]),
    ]:
        response = client_for(partnership_officer).post(url(name, record), {"reason": "  "})
        assert response.status_code == 200
        assert "Enter the reason it is being withdrawn" in page_text(response)
        record.refresh_from_db()
        assert not record.is_withdrawn
    assert Action.objects.count() == 3


@pytest.mark.parametrize("name", ["action-withdraw", "recommendation-withdraw", "review-withdraw"])
def test_only_the_partnership_team_withdraws(client_for, personas, logged, name):
    record = {"action-withdraw": logged["error"], "recommendation-withdraw": logged["first"]}.get(
        name, logged["review"]
    )
    for role in ("chair", "lead_a", "lead_b"):
        response = client_for(personas[role]).post(url(name, record), {"reason": "Mine to say"})
        assert response.status_code == 403, role
    outsider = make_user("away", role=roles.PARTNERSHIP_TEAM, partnership=make_partnership("away"))
    assert client_for(outsider).post(url(name, record), {"reason": "x"}).status_code == 404
    assert Action.objects.count() == 3 and Review.objects.count() == 1
    assert (
        client_for(personas["lead_a"]).get(reverse("withdrawn-list", args=[SLUG])).status_code
        == 403
    )


def test_the_action_page_offers_the_team_its_withdraw_button(
    client_for, partnership_officer, lead_a, logged
):
    page = url("action-detail", logged["error"])
    assert "Withdraw: logged in error" in page_text(client_for(partnership_officer).get(page))
    assert "Withdraw: logged in error" not in page_text(client_for(lead_a).get(page))
