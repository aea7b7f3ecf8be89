"""A serious incident's statutory journey: its stages, their deadlines in working days, and
recording them through the services (issue 18, items 1 and 2; bad input)."""

import datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError

from reviews import journey, services
from reviews.journey import Standing
from reviews.models import Review
from sscp.working_days import WorkingDays
from tests.makers import default_partnership

pytestmark = pytest.mark.django_db

D = datetime.date
TODAY = D(2026, 12, 15)


@pytest.fixture(autouse=True)
def on_the_15th():
    with time_machine.travel(datetime.datetime(2026, 12, 15, 12, 0), tick=False):
        yield


@pytest.fixture
def incident(partnership_officer):
    return services.incident_record(
        actor=partnership_officer,
        partnership=default_partnership(),
        child_pseudonym="Child A",
        became_aware_on=D(2026, 12, 14),
    )


def states(review, today=TODAY):
    return {s.stage.key: s for s in journey.journey(review, WorkingDays(), today)}


def record(actor, review, stage, reason="", **values):
    return services.journey_record(
        actor=actor, review=review, stage=stage, values=values, reason=reason
    )


def test_a_new_incident_is_due_its_notification_in_five_working_days(incident):
    now = states(incident)
    assert now["incident"].standing == Standing.DONE
    assert now["notification"].due_on == D(2026, 12, 21)
    assert now["notification"].working_days_left == 4
    assert now["notification"].standing == Standing.DUE
    assert now["rapid_review"].due_on == D(2027, 1, 14)  # 15 from the notification's due date
    assert now["rapid_review"].standing == Standing.WAITING
    assert now["local_review"].standing == Standing.WAITING  # until a decision


def test_notified_the_same_day_the_rapid_review_is_due_on_7_january(incident, partnership_officer):
    record(partnership_officer, incident, "notification", notified_on=D(2026, 12, 14))
    now = states(Review.objects.get(pk=incident.pk))
    assert now["notification"].standing == Standing.DONE
    assert now["rapid_review"].due_on == D(2027, 1, 7)


def test_late_stages_say_by_how_many_working_days(incident):
    later = states(incident, today=D(2026, 12, 23))  # due the 21st: the 22nd and 23rd late
    assert later["notification"].standing == Standing.LATE
    assert later["notification"].working_days_left == -2


def test_a_decision_to_hold_a_local_review_sets_its_six_months(incident, partnership_officer):
    record(partnership_officer, incident, "notification", notified_on=D(2026, 12, 14))
    record(
        partnership_officer, incident, "rapid_review",
        rapid_review_started_on=D(2026, 12, 14), rapid_review_completed_on=D(2026, 12, 15),
        rapid_review_sent_on=D(2026, 12, 15),
    )  # fmt: skip
    record(
        partnership_officer, incident, "decision", decision="local_review",
        decision_rationale="Learning for several agencies", decided_on=D(2026, 12, 15),
    )  # fmt: skip
    review = Review.objects.get(pk=incident.pk)
    assert review.kind == Review.Kind.PRACTICE_REVIEW
    now = states(review)
    assert now["local_review"].due_on == D(2027, 6, 15)
    assert now["final_report"].standing == Standing.WAITING


def test_a_completion_before_the_start_is_refused_and_nothing_saved(incident, partnership_officer):
    with pytest.raises(ValidationError) as refused:
        record(
            partnership_officer, incident, "rapid_review",
            rapid_review_started_on=D(2026, 12, 15), rapid_review_completed_on=D(2026, 12, 14),
        )  # fmt: skip
    assert "must be on or after the rapid review started" in str(refused.value)
    assert Review.objects.get(pk=incident.pk).rapid_review_started_on is None


def test_a_decision_without_a_rationale_is_refused(incident, partnership_officer):
    with pytest.raises(ValidationError, match="Enter the reasons for the decision"):
        record(
            partnership_officer, incident, "decision",
            decision="no_local_review", decided_on=D(2026, 12, 15),
        )  # fmt: skip


def test_a_date_in_the_future_is_refused(incident, partnership_officer):
    with pytest.raises(ValidationError, match="cannot be in the future"):
        record(partnership_officer, incident, "notification", notified_on=D(2026, 12, 16))


def test_correcting_a_recorded_date_needs_a_reason_on_the_record(incident, partnership_officer):
    record(partnership_officer, incident, "notification", notified_on=D(2026, 12, 15))
    with pytest.raises(ValidationError, match="reason for changing"):
        record(partnership_officer, incident, "notification", notified_on=D(2026, 12, 14))
    record(
        partnership_officer, incident, "notification", notified_on=D(2026, 12, 14),
        reason="Sent the day we became aware; the form was filled in late",
    )  # fmt: skip
    row = Review.history.filter(id=incident.pk).latest("history_id")
    assert row.history_change_reason.startswith("Notification to the National Panel corrected: ")


def test_a_local_review_is_not_recorded_before_it_is_decided_on(incident, partnership_officer):
    with pytest.raises(ValidationError, match="record the decision on a local review first"):
        record(partnership_officer, incident, "local_review", local_review_commissioned_on=TODAY)


def test_a_deadline_passed_over_a_weekend_is_late_on_the_saturday(incident):
    """Due Monday 21 December; on Saturday 26th no working day has passed since, but the
    deadline has: overdue, not due soon."""
    with time_machine.travel(datetime.datetime(2026, 12, 26, 12, 0), tick=False):
        state = states(incident, today=D(2026, 12, 26))["notification"]
    assert state.standing == Standing.LATE


def test_publication_has_an_earliest_date_not_a_deadline(incident):
    review = incident
    review.decision = Review.Decision.LOCAL_REVIEW
    for name in ["notified_on", "rapid_review_sent_on", "decided_on",
                 "local_review_completed_on"]:  # fmt: skip
        setattr(review, name, D(2026, 12, 14))
    review.final_report_sent_on = D(2026, 12, 14)
    now = states(review, today=D(2027, 2, 1))
    assert now["publication"].due_on == D(2026, 12, 23)  # 7 working days after it went
    assert now["publication"].standing == Standing.READY
    assert now["publication"].deadline is None
    assert journey.next_deadline(list(now.values())) is None
