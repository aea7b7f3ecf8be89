"""Two people acting on one action at the same moment get one outcome, settled by the database."""

import threading
import time

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction

from actions import services
from actions.models import Action, SignOffDecision
from sscp import roles
from tests.makers import make_action, make_evidence, make_user

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("migrated_data"),
]


def in_own_connection(work):
    """Run `work` in a thread, which Django gives its own database connection."""
    outcome = {}

    def run():
        try:
            outcome["result"] = work()
        except ValidationError as error:
            outcome["error"] = error
        finally:
            outcome["finished"] = time.monotonic()
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, outcome


@pytest.fixture
def submitted_action():
    action = make_action(status=Action.Status.SUBMITTED)
    make_evidence(action)
    return action


@pytest.mark.parametrize("first, second", [("approve", "return"), ("return", "approve")])
def test_two_chairs_deciding_at_once_give_exactly_one_decision(submitted_action, first, second):
    chairs = {name: make_user(f"chair-{name}", role=roles.SILG_CHAIR) for name in (first, second)}
    decide = {
        "approve": lambda: services.action_approve(
            actor=chairs["approve"], action=submitted_action
        ),
        "return": lambda: services.action_return(
            actor=chairs["return"], action=submitted_action, comment="Needs the final version"
        ),
    }
    holding_lock = threading.Event()

    def first_decision():
        # Take the row lock the service takes, and keep it a moment, so the
        # second chair's decision is certain to arrive while the first is undecided.
        with transaction.atomic():
            Action.objects.select_for_update().get(pk=submitted_action.pk)
            holding_lock.set()
            time.sleep(0.5)
            result = decide[first]()
            committed_at = time.monotonic()
        return result, committed_at

    thread_a, outcome_a = in_own_connection(first_decision)
    holding_lock.wait(timeout=10)
    thread_b, outcome_b = in_own_connection(decide[second])
    thread_a.join(timeout=20)
    thread_b.join(timeout=20)

    assert "error" not in outcome_a
    _, committed_at = outcome_a["result"]
    assert outcome_b["finished"] >= committed_at  # the second waited for the first to commit
    assert "It is now" in outcome_b["error"].messages[0]

    decisions = SignOffDecision.objects.filter(action=submitted_action)
    assert decisions.count() == 1
    expected_outcome = {"approve": "approved", "return": "returned"}[first]
    assert decisions.get().outcome == expected_outcome
    submitted_action.refresh_from_db()
    expected_status = {"approve": "completed", "return": "in_progress"}[first]
    assert submitted_action.status == expected_status


def test_simultaneous_submissions_record_one(submitted_action):
    """Two leads' submissions racing from 'in progress': one submits, one is told."""
    submitted_action.status = Action.Status.IN_PROGRESS
    submitted_action.save()
    lead = make_user("lead", role=roles.AGENCY_LEAD, agency=submitted_action.agency)
    start = threading.Barrier(2)

    def submit():
        start.wait(timeout=10)
        return services.action_submit(
            actor=lead, action=submitted_action, completion_statement="Done"
        )

    threads = [in_own_connection(submit) for _ in range(2)]
    for thread, _ in threads:
        thread.join(timeout=20)
    outcomes = [outcome for _, outcome in threads]
    assert sum("result" in outcome for outcome in outcomes) == 1
    assert sum("error" in outcome for outcome in outcomes) == 1
    assert (
        submitted_action.history.filter(history_change_reason="Submitted for sign-off").count() == 1
    )
