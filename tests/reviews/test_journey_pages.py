"""The pages of a serious incident's journey (issue 18, item 2): recording the incident,
each stage and the SILG's progress checks, and the journey on the review's page — who may
open them, what they show, and bad input refused with nothing saved."""

import datetime

import pytest
import time_machine
from django.urls import reverse

from audits.models import AccessEvent
from reviews import journey, services
from reviews.models import ProgressCheck, Review
from sscp import roles
from sscp.working_days import WorkingDays
from tests.makers import (
    SLUG,
    bulk_recommendations,
    default_partnership,
    make_agency,
    make_closure_day,
    make_partnership,
    make_review,
    make_user,
)
from tests.pages import row_security_queries, text

pytestmark = pytest.mark.django_db

D = datetime.date
TODAY = D(2026, 12, 15)  # a Tuesday
DJANGO_DEFAULTS = ["This field is required.", "Enter a valid", "Select a valid choice"]


@pytest.fixture(autouse=True)
def on_the_15th():
    with time_machine.travel(datetime.datetime(2026, 12, 15, 12, 0), tick=False):
        yield


@pytest.fixture
def incident(partnership_officer):
    """Aware on Monday 14 December 2026: the notification is due on the 21st."""
    return services.incident_record(
        actor=partnership_officer,
        partnership=default_partnership(),
        child_pseudonym="Child A",
        became_aware_on=D(2026, 12, 14),
    )


def dates(name, day) -> dict:
    return {f"{name}_0": day.day, f"{name}_1": day.month, f"{name}_2": day.year}


def stage_url(review, stage):
    return reverse("review-stage", args=[SLUG, review.pk, stage])


def check_url(review):
    return reverse("progress-check-create", args=[SLUG, review.pk])


def page_of(client, review) -> str:
    return text(client.get(review.get_absolute_url()).content.decode())


def record(actor, review, stage, **values):
    return services.journey_record(actor=actor, review=review, stage=stage, values=values)


def through_the_decision(actor, review):
    """Notified, rapid review done, a local review decided on: all on the 14th and 15th."""
    record(actor, review, "notification", notified_on=D(2026, 12, 14))
    record(
        actor, review, "rapid_review", rapid_review_started_on=D(2026, 12, 14),
        rapid_review_completed_on=D(2026, 12, 15), rapid_review_sent_on=D(2026, 12, 15),
    )  # fmt: skip
    record(
        actor, review, "decision", decision=Review.Decision.LOCAL_REVIEW,
        decision_rationale="Learning for the partnership", decided_on=D(2026, 12, 15),
    )  # fmt: skip
    return Review.objects.get(pk=review.pk)


def rows():
    """What a refused post must leave as it was."""
    return (
        list(Review.objects.order_by("pk").values()),
        Review.history.count(),
        list(ProgressCheck.objects.values()),
    )


# Who may open the pages -----------------------------------------------------------------


def addresses(review):
    return [
        reverse("incident-create", args=[SLUG]),
        stage_url(review, "notification"),
        check_url(review),
    ]


def test_signed_out_people_are_sent_to_sign_in(client, incident):
    for url in addresses(incident):
        for method in ["get", "post"]:
            response = getattr(client, method)(url)
            assert response.status_code == 302
            assert response["Location"].startswith(reverse("login") + "?next=")


def test_another_partnerships_member_is_told_nothing(client_for, incident):
    other = make_partnership("other")
    stranger = make_user("other-team", role=roles.PARTNERSHIP_TEAM, partnership=other)
    client, before = client_for(stranger), rows()
    for url in addresses(incident):
        assert client.get(url).status_code == 404
        assert client.post(url, {"notified_on_0": "14"}).status_code == 404
    # At their own partnership's address, this partnership's review is not there either.
    for url in [stage_url(incident, "notification"), check_url(incident)]:
        assert client.get(url.replace(f"/{SLUG}/", "/other/")).status_code == 404
    assert rows() == before


def test_an_agency_lead_is_refused_on_the_record(client_for, lead_a, incident):
    client, before = client_for(lead_a), rows()
    for url in addresses(incident):
        refusals = AccessEvent.objects.filter(kind="refused").count()
        assert client.get(url).status_code == 403
        assert client.post(url, dates("notified_on", TODAY)).status_code == 403
        assert AccessEvent.objects.filter(kind="refused").count() == refusals + 2
    assert rows() == before


def test_the_silg_chair_checks_progress_but_does_not_record_stages(
    client_for, silg_chair, incident
):
    client = client_for(silg_chair)
    assert client.get(reverse("incident-create", args=[SLUG])).status_code == 403
    assert client.get(stage_url(incident, "notification")).status_code == 403
    assert client.get(check_url(incident)).status_code == 200


def test_a_wrong_method_is_refused(client_for, partnership_officer, incident):
    client = client_for(partnership_officer)
    for url in addresses(incident):
        assert client.put(url).status_code == 405


def test_an_unknown_stage_is_not_found(client_for, partnership_officer, incident):
    client = client_for(partnership_officer)
    assert client.get(stage_url(incident, "tea-break")).status_code == 404
    assert client.post(stage_url(incident, "tea-break"), {}).status_code == 404
    assert AccessEvent.objects.filter(kind="refused", status_code=404).count() == 2


def test_a_review_of_another_kind_has_no_journey_pages(client_for, partnership_officer):
    audit = make_review(title="Section 11", kind=Review.Kind.SECTION_11_AUDIT)
    client = client_for(partnership_officer)
    assert client.get(stage_url(audit, "notification")).status_code == 404
    assert client.get(check_url(audit)).status_code == 404
    assert "Statutory journey" not in page_of(client, audit)


# Recording the incident -----------------------------------------------------------------


def test_the_team_records_a_serious_incident_from_the_reviews_list(client_for, partnership_officer):
    client = client_for(partnership_officer)
    listed = client.get(reverse("review-list", args=[SLUG])).content.decode()
    new = reverse("incident-create", args=[SLUG])
    assert f'href="{new}"' in listed and "Record a serious incident" in listed
    form = text(client.get(new).content.decode())
    assert "Never a real name" in form
    response = client.post(
        new, {"child_pseudonym": "Child A", **dates("became_aware_on", D(2026, 12, 14))}
    )
    review = Review.objects.get(title="Child A")
    assert response["Location"] == review.get_absolute_url()
    assert (review.kind, review.child_pseudonym) == (Review.Kind.RAPID_REVIEW, "Child A")
    page = page_of(client, review)
    assert "Serious incident “Child A” recorded" in page
    assert "Statutory journey" in page
    assert "Serious incident Done 14 December 2026 by Pat Officer Completed" in page
    assert "Due 21 December 2026: 4 working days left Due soon" in page
    assert "Rapid review Due 14 January 2027 Cannot start yet" in page


def test_the_lead_sees_the_journey_without_links(client_for, lead_a, incident):
    response = client_for(lead_a).get(incident.get_absolute_url())
    page = response.content.decode()
    assert "Statutory journey" in page
    assert stage_url(incident, "notification") not in page


def test_a_serious_incident_needs_a_pseudonym_and_a_past_date(client_for, partnership_officer):
    client, before = client_for(partnership_officer), rows()
    new = reverse("incident-create", args=[SLUG])
    page = text(client.post(new, {}).content.decode())
    assert "Enter the child's pseudonym" in page
    assert "Enter the date the local authority became aware" in page
    tomorrow = TODAY + datetime.timedelta(days=1)
    page = text(
        client.post(
            new, {"child_pseudonym": "Child B", **dates("became_aware_on", tomorrow)}
        ).content.decode()
    )
    assert "Date the local authority became aware must be today or in the past" in page
    assert rows() == before


def test_a_pseudonym_already_used_is_refused_at_its_field(
    client_for, partnership_officer, incident
):
    client, before = client_for(partnership_officer), rows()
    response = client.post(
        reverse("incident-create", args=[SLUG]),
        {"child_pseudonym": " child a ", **dates("became_aware_on", TODAY)},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert '<a href="#id_child_pseudonym">A review called “child a” already exists' in html
    assert rows() == before


def test_correcting_the_pseudonym_renames_the_review(client_for, partnership_officer, incident):
    other = services.incident_record(
        actor=partnership_officer, partnership=default_partnership(),
        child_pseudonym="Child B", became_aware_on=D(2026, 12, 14),
    )  # fmt: skip
    client = client_for(partnership_officer)
    taken = {"child_pseudonym": "Child B", **dates("became_aware_on", D(2026, 12, 14))}
    response = client.post(stage_url(incident, "incident"), taken | {"reason": "Typo"})
    page = text(response.content.decode())
    assert "A review called “Child B” already exists" in page
    renamed = {"child_pseudonym": "Child C", **dates("became_aware_on", D(2026, 12, 14))}
    response = client.post(stage_url(incident, "incident"), renamed | {"reason": "Mixed up"})
    assert response.status_code == 302
    incident.refresh_from_db()
    other.refresh_from_db()
    assert (incident.title, incident.child_pseudonym) == ("Child C", "Child C")
    assert (other.title, other.child_pseudonym) == ("Child B", "Child B")
    assert "Child C" in page_of(client, incident)


# Recording each stage -------------------------------------------------------------------


def test_each_stage_recorded_shows_on_the_review_page(client_for, partnership_officer, incident):
    client = client_for(partnership_officer)
    steps = [
        ("notification", dates("notified_on", D(2026, 12, 14))),
        (
            "rapid_review",
            dates("rapid_review_started_on", D(2026, 12, 14))
            | dates("rapid_review_completed_on", D(2026, 12, 15))
            | dates("rapid_review_sent_on", D(2026, 12, 15)),
        ),
        (
            "decision",
            {"decision": "local_review", "decision_rationale": "Learning about neglect"}
            | dates("decided_on", D(2026, 12, 15))
            | {"panel_response": ""},
        ),
        (
            "local_review",
            dates("local_review_commissioned_on", D(2026, 12, 15))
            | {"reviewer": "Independent reviewer", "terms_of_reference": "Agencies' contact"},
        ),
    ]
    for stage, data in steps:
        response = client.post(stage_url(incident, stage), data)
        assert response.status_code == 302, text(response.content.decode())
        label = journey.BY_KEY[stage].label
        page = page_of(client, incident)
        assert f"{label} recorded" in page
    page = page_of(client, incident)
    assert "Notification to the National Panel Done 14 December 2026 by Pat Officer" in page
    assert "Rapid review Done 15 December 2026 by Pat Officer Completed" in page
    assert "Decision on a local review Done 15 December 2026 by Pat Officer Completed" in page
    # Six months from the decision, 15 June 2027, a Tuesday.
    assert "Due 15 June 2027: 123 working days left Not yet due" in page
    assert "Learning about neglect" in page  # what was recorded
    assert "No progress checks have been recorded yet" in page
    review = Review.objects.get(pk=incident.pk)
    assert review.kind == Review.Kind.PRACTICE_REVIEW
    assert review.reviewer == "Independent reviewer"


def test_who_recorded_a_stage_is_who_last_set_its_date(client_for, partnership_officer, incident):
    other = make_user("other", role=roles.PARTNERSHIP_TEAM, first_name="Kim", last_name="Other")
    record(partnership_officer, incident, "notification", notified_on=D(2026, 12, 14))
    services.journey_record(
        actor=other, review=incident, stage="notification",
        values={"notified_on": D(2026, 12, 15)}, reason="Sent the next morning",
    )  # fmt: skip
    page = page_of(client_for(partnership_officer), incident)
    assert "Done 15 December 2026 by Kim Other" in page


def test_a_stage_page_shows_what_is_recorded(client_for, partnership_officer, incident):
    record(partnership_officer, incident, "notification", notified_on=D(2026, 12, 14))
    page = client_for(partnership_officer).get(stage_url(incident, "notification"))
    html = page.content.decode()
    assert 'name="notified_on_0" value="14"' in html
    assert "Reason for the change" in text(html)
    fresh = client_for(partnership_officer).get(stage_url(incident, "rapid_review"))
    assert "Reason for the change" not in text(fresh.content.decode())


def test_a_correction_without_a_reason_is_refused_at_its_field(
    client_for, partnership_officer, incident
):
    record(partnership_officer, incident, "notification", notified_on=D(2026, 12, 14))
    client, before = client_for(partnership_officer), rows()
    response = client.post(
        stage_url(incident, "notification"), dates("notified_on", D(2026, 12, 15))
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert '<a href="#id_reason">Enter the reason for changing what was recorded</a>' in html
    assert 'id="id_reason_error"' in html
    assert rows() == before
    response = client.post(
        stage_url(incident, "notification"),
        dates("notified_on", D(2026, 12, 15)) | {"reason": "The email went the next morning"},
    )
    assert response.status_code == 302
    latest = Review.history.filter(id=incident.pk).latest()
    assert latest.history_change_reason == (
        "Notification to the National Panel corrected: The email went the next morning"
    )


def test_a_future_date_is_refused(client_for, partnership_officer, incident):
    client, before = client_for(partnership_officer), rows()
    tomorrow = TODAY + datetime.timedelta(days=1)
    response = client.post(stage_url(incident, "notification"), dates("notified_on", tomorrow))
    page = text(response.content.decode())
    assert "Date the notification was sent to the National Panel must be today or in the past" in (
        page
    )
    assert rows() == before


def test_a_completion_before_the_start_is_refused(client_for, partnership_officer, incident):
    client, before = client_for(partnership_officer), rows()
    response = client.post(
        stage_url(incident, "rapid_review"),
        dates("rapid_review_started_on", D(2026, 12, 15))
        | dates("rapid_review_completed_on", D(2026, 12, 14)),
    )
    html = response.content.decode()
    assert "must be on or after the rapid review started, 15 December 2026" in text(html)
    assert 'href="#id_rapid_review_completed_on_0"' in html
    assert rows() == before


def test_a_decision_without_a_rationale_is_refused(client_for, partnership_officer, incident):
    client, before = client_for(partnership_officer), rows()
    response = client.post(
        stage_url(incident, "decision"),
        {"decision": "local_review"} | dates("decided_on", D(2026, 12, 15)),
    )
    assert "Enter the reasons for the decision" in text(response.content.decode())
    assert rows() == before


def test_a_stage_not_needed_is_refused_with_the_reason(client_for, partnership_officer, incident):
    client, before = client_for(partnership_officer), rows()
    publish = dates("published_on", D(2026, 12, 15))
    response = client.post(stage_url(incident, "publication"), publish)
    assert response.status_code == 200
    page = text(response.content.decode())
    assert "Publication cannot start yet: record the decision on a local review first" in page
    record(partnership_officer, incident, "notification", notified_on=D(2026, 12, 14))
    record(partnership_officer, incident, "rapid_review", rapid_review_started_on=D(2026, 12, 14))
    record(
        partnership_officer, incident, "decision", decision="no_local_review",
        decision_rationale="Learning is captured by the rapid review", decided_on=TODAY,
    )  # fmt: skip
    response = client.post(stage_url(incident, "publication"), publish)
    assert "Publication is not needed" in text(response.content.decode())
    assert Review.history.count() == before[1] + 3  # the three stages, not the refusals


@pytest.mark.parametrize("stage", [stage.key for stage in journey.STAGES])
def test_every_stage_form_answers_in_govuk_words(client_for, partnership_officer, stage):
    review = make_review(
        title="Child W", became_aware_on=D(2026, 12, 1), decision="local_review",
        decided_on=D(2026, 12, 10), local_review_commissioned_on=D(2026, 12, 11),
    )  # fmt: skip
    client, before = client_for(partnership_officer), rows()
    nonsense = {"decision": "maybe", "panel_response": "perhaps", "published_url": "not a url"}
    for data in [{}, nonsense | {f"{field}_0": "99" for field in journey.ORDER}]:
        page = client.post(stage_url(review, stage), data).content.decode()
        assert "There is a problem" in page
        for default in DJANGO_DEFAULTS:
            assert default not in page, (stage, default)
    assert rows() == before


# Publication ----------------------------------------------------------------------------


@pytest.fixture
def report_sent(partnership_officer, incident):
    """A local review whose final report went to the Panel on Monday 14 December."""
    review = through_the_decision(partnership_officer, incident)
    record(
        partnership_officer, review, "local_review", local_review_commissioned_on=TODAY,
        local_review_completed_on=TODAY,
    )  # fmt: skip
    review.final_report_received_on = review.final_report_sent_on = D(2026, 12, 15)
    review.save()
    return review


def test_publication_shows_the_earliest_day_not_a_deadline(
    client_for, partnership_officer, report_sent
):
    page = page_of(client_for(partnership_officer), report_sent)
    # 7 working days after Tuesday 15 December: Thursday 24 December.
    assert "Publication Not before 24 December 2026 Not yet due" in page
    assert "Due 24 December 2026" not in page


def test_an_early_publication_must_be_confirmed(client_for, partnership_officer, report_sent):
    client, before = client_for(partnership_officer), rows()
    data = dates("published_on", TODAY) | {"published_url": "https://example.org/child-a.pdf"}
    page = text(client.post(stage_url(report_sent, "publication"), data).content.decode())
    assert (
        "The date published, 15 December 2026, is less than 7 working days after the final "
        "report was sent to the Panel and the Secretary of State, on 15 December 2026." in page
    )
    assert "Tick the box to confirm, or change your answers" in page
    assert rows() == before
    response = client.post(stage_url(report_sent, "publication"), data | {"confirm": "on"})
    assert response.status_code == 302
    review = Review.objects.get(pk=report_sent.pk)
    assert review.published_url == "https://example.org/child-a.pdf"
    reason = Review.history.filter(id=review.pk).latest().history_change_reason
    assert reason.startswith("Publication recorded (confirmed: The date published")
    page = page_of(client, review)
    assert "Kept available until 15 December 2027" in page
    assert "https://example.org/child-a.pdf" in page


def test_a_publication_seven_working_days_on_needs_no_confirmation(
    client_for, partnership_officer, report_sent
):
    published = WorkingDays().add(D(2026, 12, 15), 7)
    assert published == D(2026, 12, 24)
    with time_machine.travel(datetime.datetime(2026, 12, 24, 12, 0), tick=False):
        response = client_for(partnership_officer).post(
            stage_url(report_sent, "publication"), dates("published_on", published)
        )
    assert response.status_code == 302


# Progress checks ------------------------------------------------------------------------


def test_the_chair_records_a_progress_check(client_for, silg_chair, partnership_officer, incident):
    review = through_the_decision(partnership_officer, incident)
    record(partnership_officer, review, "local_review", local_review_commissioned_on=TODAY)
    client = client_for(silg_chair)
    page = page_of(client, review)
    assert "Next check due 26 January 2027" in page  # six weeks from the commissioning
    response = client.post(
        check_url(review), dates("checked_on", TODAY) | {"findings": "On time; scope agreed."}
    )
    assert response.status_code == 302
    page = page_of(client, review)
    assert "Progress check recorded" in page
    assert "On time; scope agreed. Recorded by Sam Chair" in page
    assert "Next check due 26 January 2027" in page


def test_a_progress_check_needs_its_findings(client_for, silg_chair, partnership_officer, incident):
    review = through_the_decision(partnership_officer, incident)
    record(partnership_officer, review, "local_review", local_review_commissioned_on=TODAY)
    client, before = client_for(silg_chair), rows()
    page = text(client.post(check_url(review), {}).content.decode())
    assert "Enter the date of the check" in page and "Enter what the check found" in page
    assert rows() == before


def test_progress_is_checked_only_while_a_local_review_runs(
    client_for, partnership_officer, incident
):
    client, before = client_for(partnership_officer), rows()
    response = client.post(check_url(incident), dates("checked_on", TODAY) | {"findings": "x"})
    assert "Progress is checked while a local review is in progress" in text(
        response.content.decode()
    )
    assert rows() == before


# Closure days count ---------------------------------------------------------------------


def test_a_closure_day_moves_the_due_date_on_the_page(client_for, partnership_officer, incident):
    make_closure_day(partnership=default_partnership(), date=D(2026, 12, 16), reason="x")
    page = page_of(client_for(partnership_officer), incident)
    assert "Due 22 December 2026" in page


# Queries --------------------------------------------------------------------------------


@pytest.mark.parametrize("stage", ["incident", "local_review"])
def test_the_journey_adds_at_most_its_queries_to_the_review_page(
    client_for, silg_chair, partnership_officer, incident, stage, django_assert_max_num_queries
):
    """As tests/reviews/test_review_detail.py pins, plus the partnership's closure days and
    the review's history (who recorded each stage); a local review adds its checks."""
    if stage == "local_review":
        through_the_decision(partnership_officer, incident)
        record(partnership_officer, incident, "local_review", local_review_commissioned_on=TODAY)
        services.progress_check_record(
            actor=silg_chair, review=incident, checked_on=TODAY, findings="Fine"
        )
    bulk_recommendations(incident, 10, agencies=[make_agency() for _ in range(3)])
    client = client_for(silg_chair)
    journey_queries = 2 if stage == "incident" else 3
    with django_assert_max_num_queries(10 + journey_queries + row_security_queries()):
        assert client.get(incident.get_absolute_url()).status_code == 200
