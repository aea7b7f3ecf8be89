"""Two people acting on one action at the same moment get one outcome, settled by the database."""

import contextlib
import datetime
import threading
import time

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

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


def test_two_changes_moving_counts_opposite_ways_at_once_both_succeed(monkeypatch):
    """Issue 21: each change moves its action's counts out of one tally row and into
    another. Two at once going opposite ways (January to March, March to January), each
    pausing after its first row, both succeed and the counts stay right: the audit trail's
    seal lock, taken when the action's history row is written, already orders them, so
    neither can hold a tally row the other is waiting for."""
    from actions import counts
    from actions.models import ActionTally

    officer = make_user("officer-races", role=roles.PARTNERSHIP_TEAM)
    january, march = datetime.date(2027, 1, 15), datetime.date(2027, 3, 15)
    agency = make_action().agency
    first = make_action(agency=agency, due_date=january)
    second = make_action(agency=agency, due_date=march)
    both_hold_one = threading.Barrier(2, timeout=3)
    add = ActionTally._add.__func__
    calls = threading.local()

    def add_then_wait(cls, at, delta):
        add(cls, at, delta)
        calls.n = getattr(calls, "n", 0) + 1
        if calls.n == 1:  # each holds its first row: wait until the other holds its own
            # Broken: the other is already waiting on this one's row, so go on.
            with contextlib.suppress(threading.BrokenBarrierError):
                both_hold_one.wait()

    monkeypatch.setattr(ActionTally, "_add", classmethod(add_then_wait))
    failures = []

    def correct(action, due_date):
        def work():
            try:
                services.action_correct_due_date(
                    actor=officer, action=action, due_date=due_date, reason="Typed wrongly."
                )
            except Exception as error:  # noqa: BLE001 (the test reports what was refused)
                failures.append(error)

        return work

    threads = [
        in_own_connection(correct(first, march))[0],
        in_own_connection(correct(second, january))[0],
    ]
    for thread in threads:
        thread.join(timeout=30)
    assert failures == []
    assert counts.drift() == []


def test_counting_the_overdue_actions_waits_for_a_change_in_flight(monkeypatch):
    """Issue 21: the daily count of each review's overdue actions locks the reviews
    before counting, so an action closed while it runs is counted as it is once its
    change commits, not as the count's snapshot saw it."""
    from actions import counts
    from actions.models import ActionTally

    officer = make_user("officer-count", role=roles.PARTNERSHIP_TEAM)
    today = timezone.localdate()
    action = make_action(due_date=today + datetime.timedelta(days=1))
    holding = threading.Event()
    go_on = threading.Event()
    move = ActionTally._move_overdue

    def move_then_wait(before, after):
        move(before, after)  # the review's row is held from here until the change commits
        holding.set()
        go_on.wait(timeout=10)

    monkeypatch.setattr(ActionTally, "_move_overdue", staticmethod(move_then_wait))
    change, _ = in_own_connection(
        lambda: services.action_supersede(actor=officer, action=action, reason="Replaced.")
    )
    assert holding.wait(timeout=10)
    counting, counted = in_own_connection(
        lambda: counts.count_overdue(today + datetime.timedelta(days=3))
    )
    time.sleep(1)  # the count reaches the review's row and waits for it
    go_on.set()
    for thread in (change, counting):
        thread.join(timeout=30)
    assert counted["result"] >= 1
    assert counts.drift() == []
    action.review.refresh_from_db()
    assert action.review.overdue_counted == 0  # superseded: no longer open
