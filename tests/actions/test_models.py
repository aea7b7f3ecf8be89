import datetime

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from actions.models import Action, Rag
from tests.makers import make_action, make_agency, make_recommendation

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 6, 15)


def days(n):
    return TODAY + datetime.timedelta(days=n)


def test_status_must_be_one_of_the_lifecycle_states():
    action = make_action()
    action.status = "finished-ish"
    with pytest.raises(IntegrityError), transaction.atomic():
        action.save()


def test_due_dates_must_be_present():
    agency = make_agency()
    with pytest.raises(IntegrityError), transaction.atomic():
        Action.objects.create(
            recommendation=make_recommendation(agencies=[agency]),
            agency=agency,
            title="No date",
            description="d",
            success_measure="m",
            original_due_date=None,
            due_date=days(1),
        )


def test_a_submitted_action_needs_a_completion_statement():
    action = make_action()
    action.status = Action.Status.SUBMITTED
    with pytest.raises(IntegrityError), transaction.atomic():
        action.save()


def test_a_completed_action_records_who_approved_it():
    action = make_action(status=Action.Status.SUBMITTED)
    action.status = Action.Status.COMPLETED
    with pytest.raises(IntegrityError), transaction.atomic():
        action.save()


RAG_CASES = [
    (Action.Status.COMPLETED, -100, False, Rag.COMPLETE),
    (Action.Status.SUPERSEDED, -100, False, Rag.SUPERSEDED),
    (Action.Status.IN_PROGRESS, -1, False, Rag.OVERDUE),
    (Action.Status.SUBMITTED, -1, False, Rag.OVERDUE),
    (Action.Status.NOT_STARTED, -90, False, Rag.OVERDUE),
    (Action.Status.IN_PROGRESS, -1, True, Rag.OVERDUE),
    (Action.Status.IN_PROGRESS, 0, False, Rag.DUE_SOON),
    (Action.Status.IN_PROGRESS, 30, False, Rag.DUE_SOON),
    (Action.Status.IN_PROGRESS, 31, False, Rag.ON_TRACK),
    (Action.Status.IN_PROGRESS, 90, True, Rag.RETURNED),
    (Action.Status.IN_PROGRESS, 10, True, Rag.RETURNED),
    (Action.Status.SUBMITTED, 60, False, Rag.ON_TRACK),
]


@pytest.mark.parametrize("status, due_in, returned, expected", RAG_CASES)
def test_rag_rating_in_python_and_in_the_database_agree(status, due_in, returned, expected):
    action = make_action(
        status=status,
        due_date=days(due_in),
        returned_at=timezone.now() if returned else None,
    )
    assert action.rag(TODAY) == expected
    annotated = Action.objects.with_rag(TODAY).get(pk=action.pk)
    assert annotated.rag_value == expected
    assert list(Action.objects.filter_rag(expected, TODAY)) == [action]


def test_each_ratings_filter_finds_exactly_the_actions_of_that_rating():
    rated = {
        make_action(
            status=status, due_date=days(due_in), returned_at=timezone.now() if returned else None
        ).pk: expected
        for status, due_in, returned, expected in RAG_CASES
    }
    for rag in Rag:
        found = set(Action.objects.filter_rag(rag, TODAY).values_list("pk", flat=True))
        assert found == {pk for pk, expected in rated.items() if expected == rag}, rag


def test_days_overdue_counts_from_the_current_due_date():
    action = make_action(due_date=days(-10), original_due_date=days(-40))
    assert action.days_overdue(TODAY) == 10
    assert make_action(due_date=days(5)).days_overdue(TODAY) == 0
    completed = make_action(status=Action.Status.COMPLETED, due_date=days(-10))
    assert completed.days_overdue(TODAY) == 0
