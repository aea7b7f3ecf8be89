"""
The load generator's actions go through the lifecycle as real ones do: the same
actions, taken once through the services and once through the generator's steps
(devtools.stories), leave histories of the same shape — the same kinds of record,
changes, statuses and reasons, in the same order. So do its serious incidents'
journeys (devtools.journeys): the same rows, value for value.
"""

import datetime
import random

import pytest
from django.utils import timezone

from actions import services
from actions.models import Action, Evidence, ExtensionRequest, ProgressUpdate, SignOffDecision
from devtools import journeys, stories
from reviews import journey
from reviews import services as review_services
from reviews.models import ProgressCheck, Review
from tests.files import ACCEPTED, upload
from tests.makers import agency_of, default_partnership, make_recommendation

pytestmark = pytest.mark.django_db

DUE = datetime.date(2027, 3, 1)
EXTENSION_REASON = "Waiting for the other forces"
COMMENT = "Add the attendance register"


def through_the_services(steps, recommendation, team, lead, chair):
    action = services.action_create(
        actor=team, recommendation=recommendation, agency=agency_of(lead), owner=lead,
        title="Train the teams", description="d", success_measure="m", due_date=DUE,
    )  # fmt: skip
    for step in steps:
        action = Action.objects.get(pk=action.pk)
        match step:
            case "extension granted" | "extension declined":
                extension = services.extension_request(
                    actor=lead, action=action, requested_due_date=DUE + datetime.timedelta(90),
                    reason=EXTENSION_REASON,
                )  # fmt: skip
                decide = (
                    services.extension_grant if "granted" in step else services.extension_decline
                )
                decide(actor=chair, extension=extension, comment=COMMENT)
            case "progress":
                services.progress_post(actor=lead, action=action, text="Half the teams trained")
            case "submit":
                services.evidence_attach(
                    actor=lead, action=action, description="The register",
                    uploads=[upload("register.pdf", ACCEPTED["report.pdf"])],
                )  # fmt: skip
                services.action_submit(actor=lead, action=action, completion_statement="Done")
            case "approve":
                services.action_approve(actor=chair, action=action)
            case "return":
                services.action_return(actor=chair, action=action, comment=COMMENT)
            case "supersede":
                services.action_supersede(actor=chair, action=action, reason=COMMENT)
    return action


def through_the_generator(steps, recommendation, team, lead, chair):
    now = timezone.now()
    action = Action(
        recommendation_id=recommendation.pk, review_id=recommendation.review_id,
        partnership_id=recommendation.partnership_id, agency_id=agency_of(lead).pk,
        owner_id=lead.pk, title="Train the teams", description="d", success_measure="m",
        original_due_date=DUE, due_date=DUE,
    )  # fmt: skip
    story = stories.plan(action, when=now, who=team.pk)
    for step in steps:
        match step:
            case "extension granted" | "extension declined":
                asked = stories.ask_extension(
                    story, when=now, who=lead.pk, reason=EXTENSION_REASON, days=90
                )
                stories.decide_extension(
                    story, asked, when=now, who=chair.pk, granted="granted" in step, comment=COMMENT
                )
            case "progress":
                stories.post_progress(story, when=now, who=lead.pk, text="Half the teams trained")
            case "submit":
                stories.upload_evidence(
                    story, when=now, who=lead.pk, name="register.pdf", size=1, sha256="0" * 64,
                    what="The register",
                )  # fmt: skip
                stories.submit(story, when=now, who=lead.pk, statement="Done")
            case "approve":
                stories.approve(story, when=now, who=chair.pk)
            case "return":
                stories.return_to_agency(story, when=now, who=chair.pk, comment=COMMENT)
            case "supersede":
                stories.supersede(story, when=now, who=chair.pk, reason=COMMENT)
    return story


def shape(model, versions):
    """(change, status if it has one, reason) of each version, in order."""
    return [(change, values.get("status"), reason) for change, _, _, reason, values in versions]


def history_shape(model, **about):
    rows = model.history.model.objects.filter(**about).order_by("history_id")
    return [
        (row.history_type, getattr(row, "status", None), row.history_change_reason) for row in rows
    ]


CHILDREN = [ProgressUpdate, Evidence, SignOffDecision, ExtensionRequest]


@pytest.mark.parametrize(
    "steps",
    [
        ["progress", "submit", "approve"],
        ["progress", "submit", "return"],
        ["extension granted", "progress", "supersede"],
        ["extension declined", "submit", "approve"],
        [],
    ],
    ids=lambda steps: ", ".join(steps) or "planned only",
)
def test_the_generator_and_the_services_leave_histories_of_the_same_shape(
    steps, partnership_officer, lead_a, silg_chair
):
    recommendation = make_recommendation(agencies=[agency_of(lead_a)])
    people = (recommendation, partnership_officer, lead_a, silg_chair)
    action = through_the_services(steps, *people)
    story = through_the_generator(steps, *people)

    assert shape(Action, story.versions) == history_shape(Action, id=action.pk)
    for model in CHILDREN:
        generated = [
            version
            for obj, versions in story.children
            if type(obj) is model
            for version in versions
        ]
        ids = model.objects.filter(action=action).values("pk")
        assert shape(model, generated) == history_shape(model, id__in=ids), model.__name__
    assert story.action.status == Action.objects.get(pk=action.pk).status


# Serious incidents' journeys (devtools.journeys) --------------------------------------


def journey_through_the_services(story, team, chair):
    """Each step of a generated journey, in the order its story has them, taken through
    the services instead: the incident, then each stage and progress check as recorded."""
    stage_of = {f"{stage.label} recorded": stage for stage in journey.STAGES}
    versions = [*story.versions, *(v for _, versions in story.children for v in versions)]
    steps = [(when, change, reason, values) for change, when, _, reason, values in versions]
    review = None
    for _, change, reason, values in sorted(steps, key=lambda step: step[0]):
        if reason == journeys.PROGRESS_CHECKED:
            review_services.progress_check_record(
                actor=chair, review=review, checked_on=values["checked_on"],
                findings=values["findings"],
            )  # fmt: skip
        elif change == "+":
            review = review_services.incident_record(
                actor=team, partnership=default_partnership(),
                child_pseudonym=values["child_pseudonym"],
                became_aware_on=values["became_aware_on"], summary=values["summary"],
            )  # fmt: skip
        else:
            stage = stage_of[reason]
            review = review_services.journey_record(
                actor=team, review=review, stage=stage.key,
                values={name: values[name] for name in stage.fields},
            )  # fmt: skip
    return review


@pytest.mark.parametrize("end", journeys.ENDS)
def test_a_generated_journey_and_the_services_leave_the_same_history(
    end, partnership_officer, silg_chair
):
    planner = journeys.JourneyPlanner(
        random.Random(end), timezone.localdate(), lambda n: " ".join(["review"] * n)
    )
    team, chair = partnership_officer, silg_chair
    story = planner.story(default_partnership().pk, end, [team.pk], [chair.pk])
    review = journey_through_the_services(story, team, chair)

    rows = review.history.order_by("history_id")
    compared = [name for name in journeys.tracked_fields(Review) if name != "created_at"]
    assert [
        (change, reason, {name: values[name] for name in compared})
        for change, _, _, reason, values in story.versions
    ] == [
        (row.history_type, row.history_change_reason, {n: getattr(row, n) for n in compared})
        for row in rows
    ]
    checks = ProgressCheck.history.filter(review_id=review.pk).order_by("history_id")
    assert [(c.checked_on, c.history_change_reason) for c in checks] == [
        (values["checked_on"], reason)
        for _, versions in story.children
        for _, _, _, reason, values in versions
    ]
