"""The action lifecycle: every transition, who and why on the record, and what is refused."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from actions import services
from actions.models import Action, Evidence, ExtensionRequest, SignOffDecision
from reviews import services as review_services
from tests.conftest import stored_evidence
from tests.files import ACCEPTED, REFUSED, upload
from tests.makers import agency_of, make_action, make_evidence, make_lead, make_recommendation

pytestmark = pytest.mark.django_db
Status = Action.Status


def latest_history(obj):
    return obj.history.order_by("-history_id").first()


@pytest.fixture
def action(lead_a):
    return make_action(agency=agency_of(lead_a), owner=lead_a, status=Status.NOT_STARTED)


def submitted(action, lead):
    make_evidence(action, uploaded_by=lead)
    return services.action_submit(actor=lead, action=action, completion_statement="All done.")


def test_planning_an_action_keeps_the_original_due_date(partnership_officer, lead_a):
    recommendation = make_recommendation(agencies=[agency_of(lead_a)])
    due = timezone.localdate() + datetime.timedelta(days=90)
    action = services.action_create(
        actor=partnership_officer,
        recommendation=recommendation,
        agency=agency_of(lead_a),
        owner=lead_a,
        title="Audit plans",
        description="Audit 30 plans.",
        success_measure="Audit reported.",
        due_date=due,
    )
    assert action.original_due_date == action.due_date == due
    row = latest_history(action)
    assert (row.history_type, row.history_user, row.history_change_reason) == (
        "+",
        partnership_officer,
        "Action planned",
    )


def test_an_action_can_only_be_planned_for_an_owning_agency(partnership_officer, agency_b):
    recommendation = make_recommendation()
    with pytest.raises(ValidationError, match="not an owning agency"):
        services.action_create(
            actor=partnership_officer,
            recommendation=recommendation,
            agency=agency_b,
            owner=None,
            title="t",
            description="d",
            success_measure="m",
            due_date=timezone.localdate(),
        )
    assert not Action.objects.exists()


def test_the_owner_must_be_a_lead_of_the_agency(partnership_officer, lead_a, lead_b):
    recommendation = make_recommendation(agencies=[agency_of(lead_a)])
    with pytest.raises(ValidationError, match="must be an agency lead of Agency A"):
        services.action_create(
            actor=partnership_officer,
            recommendation=recommendation,
            agency=agency_of(lead_a),
            owner=lead_b,
            title="t",
            description="d",
            success_measure="m",
            due_date=timezone.localdate(),
        )


def test_correcting_the_due_date_keeps_the_original_and_records_the_reason(
    partnership_officer, action
):
    original = action.original_due_date
    new_date = original + datetime.timedelta(days=14)
    services.action_correct_due_date(
        actor=partnership_officer, action=action, due_date=new_date, reason="Typo in the plan"
    )
    action.refresh_from_db()
    assert (action.original_due_date, action.due_date) == (original, new_date)
    assert "Typo in the plan" in latest_history(action).history_change_reason


def test_progress_starts_an_action_that_had_not_started(lead_a, action):
    services.progress_post(actor=lead_a, action=action, text="Sample drawn.")
    action.refresh_from_db()
    assert action.status == Status.IN_PROGRESS
    assert action.progress_updates.get().author == lead_a


def test_uploading_evidence_stores_files_under_random_names(lead_a, action):
    files = [
        upload("report.pdf", ACCEPTED["report.pdf"]),
        upload("chart.png", ACCEPTED["chart.png"]),
    ]
    stored = services.evidence_attach(
        actor=lead_a, action=action, uploads=files, description="Audit report and chart"
    )
    assert [e.original_name for e in stored] == ["report.pdf", "chart.png"]
    for evidence in stored:
        assert "report" not in evidence.file.name and "chart" not in evidence.file.name
        assert evidence.file.storage.exists(evidence.file.name)
    action.refresh_from_db()
    assert action.status == Status.IN_PROGRESS


def test_one_bad_file_refuses_the_whole_upload_and_stores_nothing(lead_a, action, tmp_path):
    files = [upload("report.pdf", ACCEPTED["report.pdf"]), upload(*REFUSED["exe named pdf"])]
    with pytest.raises(ValidationError):
        services.evidence_attach(actor=lead_a, action=action, uploads=files, description="Two")
    assert not Evidence.objects.exists()
    assert stored_evidence() == []


def test_withdrawn_evidence_is_kept_and_marked(lead_a, action):
    evidence = make_evidence(action, uploaded_by=lead_a)
    services.evidence_withdraw(actor=lead_a, evidence=evidence, reason="Wrong file")
    evidence.refresh_from_db()
    assert evidence.is_withdrawn and evidence.withdrawal_reason == "Wrong file"
    assert evidence.file.storage.exists(evidence.file.name)


def test_submitting_needs_evidence_that_is_not_withdrawn(lead_a, action):
    evidence = make_evidence(action, uploaded_by=lead_a)
    services.evidence_withdraw(actor=lead_a, evidence=evidence, reason="Wrong file")
    with pytest.raises(ValidationError, match="Upload at least one evidence file"):
        services.action_submit(actor=lead_a, action=action, completion_statement="Done")
    action.refresh_from_db()
    assert action.status == Status.NOT_STARTED


def test_submitting_needs_a_completion_statement(lead_a, action):
    make_evidence(action, uploaded_by=lead_a)
    with pytest.raises(ValidationError, match="Enter a completion statement"):
        services.action_submit(actor=lead_a, action=action, completion_statement="   ")


def test_approval_completes_the_action_with_who_and_when(lead_a, silg_chair, action):
    submitted(action, lead_a)
    services.action_approve(actor=silg_chair, action=action)
    action.refresh_from_db()
    assert action.status == Status.COMPLETED
    assert action.completed_by == silg_chair and action.completed_at is not None
    decision = action.decisions.get()
    assert (decision.outcome, decision.decided_by) == ("approved", silg_chair)
    assert latest_history(action).history_user == silg_chair


def test_returning_needs_a_comment_and_marks_the_action_returned(lead_a, silg_chair, action):
    submitted(action, lead_a)
    with pytest.raises(ValidationError, match="Enter a comment"):
        services.action_return(actor=silg_chair, action=action, comment="")
    services.action_return(actor=silg_chair, action=action, comment="Upload the final toolkit")
    action.refresh_from_db()
    assert action.status == Status.IN_PROGRESS and action.returned_at is not None
    assert "Upload the final toolkit" in latest_history(action).history_change_reason
    services.action_submit(actor=lead_a, action=action, completion_statement="Final attached")
    action.refresh_from_db()
    assert action.returned_at is None


OPEN = {Status.NOT_STARTED, Status.IN_PROGRESS, Status.SUBMITTED}


@pytest.mark.parametrize(
    "service, kwargs, statuses",
    [
        (services.action_approve, {}, {Status.SUBMITTED}),
        (services.action_return, {"comment": "Because"}, {Status.SUBMITTED}),
        (
            services.action_reopen,
            {"reason": "Because", "due_date": timezone.localdate() + datetime.timedelta(days=30)},
            {Status.COMPLETED},
        ),
        (services.action_supersede, {"reason": "Because"}, OPEN),
    ],
)
def test_impossible_transitions_are_refused_and_change_nothing(
    silg_chair, service, kwargs, statuses
):
    for status in set(Status) - statuses:
        action = make_action(status=status)
        history_rows = action.history.count()
        with pytest.raises(ValidationError, match=f"now “{status.label.lower()}”"):
            service(actor=silg_chair, action=action, **kwargs)
        action.refresh_from_db()
        assert action.status == status
        assert action.history.count() == history_rows
        assert not SignOffDecision.objects.filter(action=action).exists()


@pytest.mark.parametrize("status", [Status.COMPLETED, Status.SUPERSEDED])
def test_completed_and_superseded_actions_are_read_only(lead_a, partnership_officer, status):
    action = make_action(agency=agency_of(lead_a), status=status)
    evidence = make_evidence(action, uploaded_by=lead_a)
    attempts = [
        lambda: services.progress_post(actor=lead_a, action=action, text="More"),
        lambda: services.evidence_attach(
            actor=lead_a, action=action, uploads=[upload("r.pdf", ACCEPTED["report.pdf"])],
            description="More",
        ),
        lambda: services.evidence_withdraw(actor=lead_a, evidence=evidence, reason="Oops"),
        lambda: services.action_update(
            actor=partnership_officer, action=action, owner=None, title="New",
            description="d", success_measure="m",
        ),
        lambda: services.action_correct_due_date(
            actor=partnership_officer, action=action, due_date=timezone.localdate(), reason="r"
        ),
    ]  # fmt: skip
    for attempt in attempts:
        with pytest.raises(ValidationError):
            attempt()
    evidence.refresh_from_db()
    assert not evidence.is_withdrawn
    assert action.evidence.count() == 1 and not action.progress_updates.exists()


def test_reopening_a_completed_action_reopens_its_closed_recommendation(lead_a, silg_chair, action):
    submitted(action, lead_a)
    services.action_approve(actor=silg_chair, action=action)
    review_services.recommendation_close(
        actor=silg_chair, recommendation=action.recommendation, impact_statement="Plans reviewed."
    )
    new_due = timezone.localdate() + datetime.timedelta(days=45)
    _, reopened = services.action_reopen(
        actor=silg_chair, action=action, reason="Re-audit found drift", due_date=new_due
    )
    action.refresh_from_db()
    action.recommendation.refresh_from_db()
    assert action.status == Status.IN_PROGRESS and action.completed_at is None
    assert action.due_date == new_due and reopened
    assert not action.recommendation.is_closed
    # Issue 15, item 6: the chair's reason is the action's, confidential to its agency; the
    # recommendation's history, which every agency reads, only says the action was reopened.
    reason = latest_history(action.recommendation).history_change_reason
    assert "Re-audit found drift" not in reason
    assert reason == f"Reopened because its action “{action.title}” was reopened by the SILG chair"
    assert "Re-audit found drift" in latest_history(action).history_change_reason


def test_extension_requests_are_kept_and_counted(lead_a, silg_chair, action):
    first_date = action.due_date + datetime.timedelta(days=30)
    first = services.extension_request(
        actor=lead_a, action=action, requested_due_date=first_date, reason="Forces not replied"
    )
    with pytest.raises(ValidationError, match="already awaiting a decision"):
        services.extension_request(
            actor=lead_a, action=action, requested_due_date=first_date, reason="Again"
        )
    services.extension_decline(actor=silg_chair, extension=first, comment="Chase them")
    action.refresh_from_db()
    assert action.due_date == action.original_due_date

    second = services.extension_request(
        actor=lead_a, action=action, requested_due_date=first_date, reason="Still waiting"
    )
    services.extension_grant(actor=silg_chair, extension=second)
    action.refresh_from_db()
    assert action.due_date == first_date
    assert action.original_due_date == first_date - datetime.timedelta(days=30)
    statuses = sorted(action.extension_requests.values_list("status", flat=True))
    assert statuses == ["declined", "granted"]


def test_an_extension_must_move_the_date_later(lead_a, action):
    with pytest.raises(ValidationError, match="must be after the current one"):
        services.extension_request(
            actor=lead_a, action=action, requested_due_date=action.due_date, reason="r"
        )
    assert not ExtensionRequest.objects.exists()


def test_declining_needs_a_reason_and_a_decided_request_cannot_be_decided_again(
    lead_a, silg_chair, action
):
    extension = services.extension_request(
        actor=lead_a, action=action, requested_due_date=action.due_date + datetime.timedelta(1),
        reason="r",
    )  # fmt: skip
    with pytest.raises(ValidationError, match="Enter the reason for declining"):
        services.extension_decline(actor=silg_chair, extension=extension, comment="")
    services.extension_grant(actor=silg_chair, extension=extension)
    with pytest.raises(ValidationError, match="already been granted"):
        services.extension_decline(actor=silg_chair, extension=extension, comment="No")


def test_a_recommendation_closes_only_when_every_action_is_completed_or_superseded(
    lead_a, silg_chair
):
    recommendation = make_recommendation(agencies=[agency_of(lead_a)])
    done = make_action(recommendation, agency=agency_of(lead_a), status=Status.COMPLETED)
    still_open = make_action(recommendation, agency=agency_of(lead_a))
    with pytest.raises(ValidationError, match="once every action is completed or superseded"):
        review_services.recommendation_close(
            actor=silg_chair, recommendation=recommendation, impact_statement="Impact"
        )
    services.action_supersede(actor=silg_chair, action=still_open, reason="Replaced")
    with pytest.raises(ValidationError, match="statement of the impact"):
        review_services.recommendation_close(
            actor=silg_chair, recommendation=recommendation, impact_statement=""
        )
    review_services.recommendation_close(
        actor=silg_chair, recommendation=recommendation, impact_statement="Chronologies in use."
    )
    recommendation.refresh_from_db()
    assert recommendation.is_closed and recommendation.closed_by == silg_chair
    assert done.pk


def test_a_recommendation_with_no_actions_cannot_be_closed(silg_chair):
    with pytest.raises(ValidationError, match="no actions"):
        review_services.recommendation_close(
            actor=silg_chair, recommendation=make_recommendation(), impact_statement="Impact"
        )


def test_an_agency_with_actions_must_stay_an_owning_agency(partnership_officer, lead_a, agency_b):
    recommendation = make_recommendation(agencies=[agency_of(lead_a), agency_b])
    make_action(recommendation, agency=agency_of(lead_a))
    with pytest.raises(ValidationError, match="Agency A already has actions"):
        review_services.recommendation_save(
            actor=partnership_officer, review=recommendation.review,
            recommendation=recommendation, number=1, text="t", agencies=[agency_b],
        )  # fmt: skip


def test_recommendation_numbers_are_refused_when_taken(partnership_officer):
    recommendation = make_recommendation(number=3)
    with pytest.raises(ValidationError, match="already has a recommendation 3"):
        review_services.recommendation_save(
            actor=partnership_officer, review=recommendation.review, number=3, text="Another"
        )


def test_a_lead_of_another_agency_is_not_an_owner(partnership_officer, agency_a, agency_b):
    lead = make_lead(agency_b)
    action = make_action(agency=agency_a)
    with pytest.raises(ValidationError, match="must be an agency lead of Agency A"):
        services.action_update(
            actor=partnership_officer, action=action, owner=lead, title="t",
            description="d", success_measure="m",
        )  # fmt: skip
