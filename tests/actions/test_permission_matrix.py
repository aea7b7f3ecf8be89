"""
Every state-changing URL and every evidence download, for every role, for an
action of the person's own agency and of another, in every status.

Each case asserts the exact outcome — allowed (redirect, and the database
changed), 403, 404, or refused by the lifecycle (the page again with the reason)
— and, whenever it is not allowed, that nothing in the database changed and the
refusal is on the record.
"""

import datetime
from dataclasses import dataclass, field

import pytest
from django.urls import reverse
from django.utils import timezone

from actions.models import Action, Evidence, ExtensionRequest, ProgressUpdate, SignOffDecision
from audits.models import AccessEvent
from reviews.models import Recommendation, Review
from sscp.models import Agency
from sscp.permissions import Ability
from tests.files import ACCEPTED, upload
from tests.makers import (
    SLUG,
    agency_of,
    make_action,
    make_agency,
    make_evidence,
    make_recommendation,
)

pytestmark = pytest.mark.django_db

Status = Action.Status
ALL = set(Status)
OPEN = {Status.NOT_STARTED, Status.IN_PROGRESS, Status.SUBMITTED}
BEFORE_SUBMISSION = {Status.NOT_STARTED, Status.IN_PROGRESS}
CLOSED = {Status.COMPLETED, Status.SUPERSEDED}
ROLES = ["partnership", "chair", "lead_a", "lead_b", "no_role"]
ALLOWED, REFUSED = "allowed", "refused by the lifecycle"

TRACKED = [
    Review,
    Recommendation,
    Action,
    ProgressUpdate,
    Evidence,
    SignOffDecision,
    ExtensionRequest,
]


def snapshot():
    """Every row of every tracked model and of its history."""
    models = TRACKED + [model.history.model for model in TRACKED]
    return {model.__name__: list(model._base_manager.order_by("pk").values()) for model in models}


def _in_a_month():
    return timezone.localdate() + datetime.timedelta(days=30)


def date_parts(name, date):
    return {f"{name}_0": date.day, f"{name}_1": date.month, f"{name}_2": date.year}


@dataclass
class World:
    """An action of agency A in one status, with evidence and a pending extension request."""

    action: Action
    evidence: Evidence
    extension: ExtensionRequest


@dataclass
class Case:
    url_name: str
    ability: Ability
    possible_in: set
    target: str = "action"  # which object's pk the URL takes
    data: object = field(default=lambda world: {})
    statuses: tuple = tuple(Status)
    variant: str = ""

    @property
    def id(self):
        return f"{self.url_name}-{self.variant}" if self.variant else self.url_name

    def url(self, world, pk=None):
        if self.target == "personal":
            return reverse(self.url_name)
        if self.target == "none":
            return reverse(self.url_name, args=[SLUG])
        objects = {
            "action": world.action,
            "evidence": world.evidence,
            "extension": world.extension,
            "recommendation": world.action.recommendation,
            "review": world.action.recommendation.review,
        }
        return reverse(self.url_name, args=[SLUG, pk or objects[self.target].pk])


def _action_fields(world):
    return {"title": "Renamed", "description": "d", "success_measure": "m", "owner": ""}


def _new_action(world):
    due = timezone.localdate() + datetime.timedelta(days=120)
    return {
        **_action_fields(world),
        "agency": world.action.agency_id,
        **date_parts("due_date", due),
    }


def _move(world):
    """To the recommendation's other owning agency (make_world names it)."""
    other = world.action.recommendation.agencies.exclude(pk=world.action.agency_id).get()
    return {"agency": other.pk, "reason": "Logged against the wrong agency"}


def _recommendation(number):
    def data(world):
        return {"number": number, "text": "Share sooner.", "agencies": [world.action.agency_id]}

    return data


CASES = [
    Case("action-edit", Ability.PLAN, OPEN, data=_action_fields),
    Case(
        "action-due-date",
        Ability.PLAN,
        OPEN,
        data=lambda w: {
            **date_parts("due_date", w.action.due_date + datetime.timedelta(days=9)),
            "reason": "Board moved the date",
        },
    ),
    Case("action-move", Ability.PLAN, OPEN, data=_move),
    Case("action-withdraw", Ability.PLAN, ALL, data=lambda w: {"reason": "Logged twice"}),
    Case(
        "recommendation-withdraw",
        Ability.PLAN,
        ALL,
        target="recommendation",
        data=lambda w: {"reason": "Logged twice"},
    ),  # fmt: skip
    Case(
        "review-withdraw",
        Ability.PLAN,
        ALL,
        target="review",
        data=lambda w: {"reason": "Logged under the wrong partnership"},
        statuses=(Status.IN_PROGRESS, Status.COMPLETED),
    ),  # fmt: skip
    Case("action-progress", Ability.WORK, OPEN, data=lambda w: {"text": "More done"}),
    Case(
        "evidence-upload",
        Ability.WORK,
        BEFORE_SUBMISSION,
        data=lambda w: {"files": upload("report.pdf", ACCEPTED["report.pdf"]), "description": "R"},
    ),
    Case(
        "evidence-withdraw",
        Ability.WORK,
        BEFORE_SUBMISSION,
        target="evidence",
        data=lambda w: {"reason": "Wrong file"},
    ),  # fmt: skip
    Case(
        "action-submit",
        Ability.WORK,
        BEFORE_SUBMISSION,
        data=lambda w: {"completion_statement": "Done"},
    ),  # fmt: skip
    Case(
        "extension-request",
        Ability.WORK,
        set(),  # the world already has a request awaiting a decision
        data=lambda w: {
            **date_parts("requested_due_date", w.action.due_date + datetime.timedelta(days=30)),
            "reason": "More time",
        },
    ),
    Case(
        "action-sign-off",
        Ability.DECIDE,
        {Status.SUBMITTED},
        variant="approve",
        data=lambda w: {"decision": "approve"},
    ),  # fmt: skip
    Case(
        "action-sign-off",
        Ability.DECIDE,
        {Status.SUBMITTED},
        variant="return",
        data=lambda w: {"decision": "return", "comment": "Upload the final version"},
    ),  # fmt: skip
    Case(
        "action-reopen",
        Ability.DECIDE,
        {Status.COMPLETED},
        data=lambda w: {"reason": "Drift", **date_parts("due_date", _in_a_month())},
    ),
    Case("action-supersede", Ability.DECIDE, OPEN, data=lambda w: {"reason": "Replaced"}),
    Case(
        "extension-decide",
        Ability.DECIDE,
        OPEN,
        target="extension",
        variant="grant",
        data=lambda w: {"decision": "grant"},
    ),  # fmt: skip
    Case(
        "extension-decide",
        Ability.DECIDE,
        ALL,
        target="extension",
        variant="decline",
        data=lambda w: {"decision": "decline", "comment": "Not yet"},
    ),  # fmt: skip
    Case(
        "recommendation-close",
        Ability.DECIDE,
        CLOSED,
        target="recommendation",
        data=lambda w: {"impact_statement": "Chronologies in use"},
    ),  # fmt: skip
    Case(
        "action-create",
        Ability.PLAN,
        ALL,
        target="recommendation",
        data=_new_action,
        statuses=(Status.IN_PROGRESS,),
    ),  # fmt: skip
    Case(
        "recommendation-edit",
        Ability.PLAN,
        ALL,
        target="recommendation",
        data=_recommendation(1),
        statuses=(Status.IN_PROGRESS,),
    ),  # fmt: skip
    Case(
        "recommendation-create",
        Ability.PLAN,
        ALL,
        target="review",
        data=_recommendation(2),
        statuses=(Status.IN_PROGRESS,),
    ),  # fmt: skip
    Case(
        "review-edit",
        Ability.PLAN,
        ALL,
        target="review",
        data=lambda w: {"title": "Renamed review", "kind": "cspr"},
        statuses=(Status.IN_PROGRESS,),
    ),  # fmt: skip
    Case(
        "review-create",
        Ability.PLAN,
        ALL,
        target="none",
        data=lambda w: {"title": "New review", "kind": "scr"},
        statuses=(Status.IN_PROGRESS,),
    ),  # fmt: skip
    Case(
        "incident-create",
        Ability.PLAN,
        ALL,
        target="none",
        data=lambda w: {
            "child_pseudonym": "Child Q",
            **date_parts("became_aware_on", timezone.localdate()),
        },
        statuses=(Status.IN_PROGRESS,),
    ),  # fmt: skip
]


def case_id(case):
    return case.id


def expected_outcome(case, role, status):
    if role == "no_role":
        return 404  # a partnership they do not belong to, told nothing more
    if case.target == "evidence" and role == "lead_b":
        return 404  # the evidence of another agency is outside their view
    permitted = {
        Ability.PLAN: role == "partnership",
        Ability.WORK: role == "lead_a",
        Ability.DECIDE: role == "chair",
    }[case.ability]
    if not permitted:
        return 403
    return ALLOWED if status in case.possible_in else REFUSED


def make_world(status, lead_a) -> World:
    action = make_action(agency=agency_of(lead_a), owner=lead_a, status=status)
    # A second owning agency, for the action to move to.
    other = Agency.objects.exclude(pk=action.agency_id).order_by("pk").first()
    action.recommendation.agencies.add(other or make_agency(name="Agency C"))
    evidence = make_evidence(action, uploaded_by=lead_a)
    extension = ExtensionRequest.objects.create(
        action=action,
        requested_by=lead_a,
        due_date_at_request=action.due_date,
        requested_due_date=action.due_date + datetime.timedelta(days=30),
        reason="Waiting for the other forces",
    )
    return World(action, evidence, extension)


MATRIX = [
    pytest.param(case, role, status, id=f"{case.id}-{role}-{status.value}")
    for case in CASES
    for role in ROLES
    for status in case.statuses
]


@pytest.mark.parametrize("case, role, status", MATRIX)
def test_post(case, role, status, personas, client):
    world = make_world(status, personas["lead_a"])
    user = personas[role]
    client.force_login(user)
    before = snapshot()
    refusals_before = AccessEvent.objects.filter(kind="refused").count()

    response = client.post(case.url(world), case.data(world))

    outcome = expected_outcome(case, role, status)
    if outcome == ALLOWED:
        assert response.status_code == 302, response.content.decode()[:2000]
        assert snapshot() != before
        return
    assert snapshot() == before
    if outcome == REFUSED:
        assert response.status_code == 200
        assert "There is a problem" in response.content.decode()
    else:
        assert response.status_code == outcome
        refusal = AccessEvent.objects.filter(kind="refused").latest("pk")
        assert AccessEvent.objects.filter(kind="refused").count() == refusals_before + 1
        assert (refusal.user, refusal.method, refusal.status_code) == (user, "POST", outcome)
        assert refusal.path == case.url(world)


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_form_pages_open_only_for_those_who_may_use_them(case, personas, client):
    world = make_world(Status.IN_PROGRESS, personas["lead_a"])
    for role in ROLES:
        client.force_login(personas[role])
        expected = expected_outcome(case, role, Status.IN_PROGRESS)
        response = client.get(case.url(world))
        assert response.status_code == (200 if expected in {ALLOWED, REFUSED} else expected), role


@pytest.mark.parametrize("case", [c for c in CASES if c.target != "none"], ids=case_id)
def test_guessed_ids_are_not_found_for_everyone_and_change_nothing(case, personas, client):
    world = make_world(Status.IN_PROGRESS, personas["lead_a"])
    before = snapshot()
    for role in ROLES:
        client.force_login(personas[role])
        response = client.post(case.url(world, pk=999_999), case.data(world))
        assert response.status_code == 404, role
    assert snapshot() == before
    assert AccessEvent.objects.filter(kind="refused", status_code=404).count() == len(ROLES)


@pytest.mark.parametrize("status", list(Status), ids=lambda s: s.value)
@pytest.mark.parametrize("owner", ["own", "other"])
@pytest.mark.parametrize("role", ROLES)
def test_evidence_download(role, owner, status, personas, client, agency_b, lead_b):
    agency = agency_of(personas["lead_a"]) if owner == "own" else agency_b
    action = make_action(agency=agency, status=status)
    evidence = make_evidence(action, uploaded_by=personas["lead_a"])
    client.force_login(personas[role])

    response = client.get(reverse("evidence-download", args=[SLUG, evidence.pk]))

    sees_evidence = role in {"partnership", "chair"} or (role == "lead_a" and owner == "own")
    sees_evidence |= role == "lead_b" and owner == "other"
    expected_kind = "download" if sees_evidence else "refused"
    assert response.status_code == (200 if sees_evidence else 404)
    event = AccessEvent.objects.latest("pk")
    # Someone of no partnership is refused at its door, before any record is looked up.
    refused_at = None if role == "no_role" else evidence.pk
    expected_object = evidence.pk if sees_evidence else refused_at
    assert (event.kind, event.user, event.object_id) == (
        expected_kind,
        personas[role],
        expected_object,
    )


def test_a_download_by_post_is_refused(client_for, lead_a):
    evidence = make_evidence(make_action(agency=agency_of(lead_a)))
    response = client_for(lead_a).post(reverse("evidence-download", args=[SLUG, evidence.pk]))
    assert response.status_code == 405


def test_an_agency_lead_cannot_plan_even_for_their_own_recommendation(client_for, lead_a):
    recommendation = make_recommendation(agencies=[agency_of(lead_a)])
    response = client_for(lead_a).get(reverse("action-create", args=[SLUG, recommendation.pk]))
    assert response.status_code == 403


# Pages that only read, with who may open them: READ (everyone signed in), OVERSEE (the
# partnership team and the SILG chair), PLAN (the partnership team), SEE_CONFIDENTIAL
# of agency A's action (its leads, the team and the chair; 404 for others, as evidence).
@dataclass
class Page:
    url_name: str
    ability: Ability = Ability.READ
    target: str = "none"


PAGES = [
    Page("home"),
    Page("review-list"),
    Page("review-detail", target="review"),
    Page("review-summary", target="review"),
    Page("review-meeting-pack", Ability.OVERSEE, target="review"),
    Page("review-meeting-pack-pdf", Ability.OVERSEE, target="review"),
    Page("review-summary-pdf", target="review"),
    Page("review-timeline", target="review"),
    Page("review-import", Ability.PLAN, target="review"),
    Page("recommendation-list"),
    Page("recommendation-detail", target="recommendation"),
    Page("recommendation-timeline", target="recommendation"),
    Page("action-list"),
    Page("action-list-csv"),
    Page("action-list-xlsx"),
    Page("action-detail", target="action"),
    Page("action-timeline", target="action"),
    Page("evidence-download", Ability.SEE_CONFIDENTIAL, target="evidence"),
    Page("sign-off-queue", Ability.OVERSEE),
    Page("annual-report", Ability.OVERSEE),
    Page("annual-report-csv", Ability.OVERSEE),
    Page("annual-report-xlsx", Ability.OVERSEE),
    Page("reviews-in-progress", Ability.OVERSEE),
    Page("recurring-learning", Ability.OVERSEE),
    Page("learning-list"),
    Page("learning-create", Ability.PLAN),
    Page("meeting-list", Ability.OVERSEE),
    Page("meeting-create", Ability.PLAN),
    Page("withdrawn-list", Ability.PLAN),
    Page("search"),
    Page("audit-log"),
    Page("audit-log-csv"),
    Page("my-reminders", target="personal"),
    Page("my-calendar", target="personal"),
    Page("notifications", target="personal"),
    Page("account", target="personal"),
    Page("account-name", target="personal"),
    Page("account-email", target="personal"),
    Page("account-password", target="personal"),
    Page("two-factor-setup", target="personal"),
]
# Running a partnership (people, agencies, themes, settings): its own matrix, every page
# for every role, in tests/partnerships/test_page_access.py.
PARTNERSHIP_MANAGEMENT = [
    "people", "invitation-create", "invitation-resend", "invitation-cancel", "person-detail",
    "person-edit", "person-remove", "person-unlock", "person-second-factor-reset",
    "agency-list", "agency-create", "agency-join", "agency-edit", "theme-list",
    "theme-create", "theme-edit", "partnership-settings", "access-review", "access-review-csv",
    "closure-days", "closure-day-remove",
]  # fmt: skip
# Named URLs outside both matrices, and why.
NOT_IN_THE_MATRIX = {
    "login": "the sign-in page: anyone (tests/test_sign_in_required.py)",
    "start": "the front page: each person's own partnerships (tests/dashboards/test_start.py)",
    "logout": "signing out, for anyone signed in",
    "accessibility": "the accessibility statement: anyone",
    "healthz": "for load balancers: anyone",
    "password_reset": "for people who cannot sign in",
    "password_reset_done": "for people who cannot sign in",
    "password_reset_confirm": "its emailed one-time secret is the key",
    "password_reset_complete": "for people who cannot sign in",
    "calendar-feed": "its secret address is the key (tests/actions/test_calendar.py)",
    "import-template": "the import's template: the team's (tests/reviews/test_import.py)",
    "review-import-confirm": "a POST after the import's preview (tests/reviews/test_import.py)",
    "invitation-accept": "its emailed one-time secret is the key (tests/partnerships)",
    "account-email-confirm": "its emailed one-time secret is the key (tests/accounts)",
    "two-factor-verify": "the second step of signing in (tests/accounts)",
    "session-keep": "restarts the person's own idle clock (tests/browser/test_timeout.py)",
    "two-factor-recovery-codes": "only with a second factor set up (tests/accounts)",
    # A serious incident's journey: a review that follows one, every role, in its own test.
    "review-stage": "tests/reviews/test_journey_pages.py",
    "progress-check-create": "tests/reviews/test_journey_pages.py",
    # Past "complete": a closed recommendation's impact, every role, in its own test.
    "impact-check-create": "tests/reviews/test_impact.py",
    "impact-check-decide": "tests/reviews/test_impact.py",
    "impact-evidence-download": "tests/reviews/test_impact.py",
    "recommendation-repeats": "a POST from its page (tests/reviews/test_recurring.py)",
    # A learning activity's own pages, every role, in their own test.
    "learning-detail": "tests/learning/test_pages.py",
    "learning-edit": "tests/learning/test_pages.py",
    # A SILG meeting's own pages, every role, in their own test.
    "meeting-detail": "tests/meetings/test_permissions.py",
    "meeting-refresh": "tests/meetings/test_permissions.py",
    "meeting-item-move": "tests/meetings/test_permissions.py",
    "meeting-item-remove": "tests/meetings/test_permissions.py",
    "meeting-pack-issue": "tests/meetings/test_permissions.py",
    "meeting-pack": "tests/meetings/test_permissions.py",
    "meeting-minutes": "tests/meetings/test_permissions.py",
    "meeting-minutes-confirm": "tests/meetings/test_permissions.py",
    "meeting-minutes-pdf": "tests/meetings/test_permissions.py",
    **dict.fromkeys(PARTNERSHIP_MANAGEMENT, "tests/partnerships/test_page_access.py"),
}
MAY_OPEN = {
    Ability.READ: set(ROLES) - {"no_role"},  # a member of the partnership, in any role
    Ability.OVERSEE: {"partnership", "chair"},
    Ability.PLAN: {"partnership"},
    Ability.SEE_CONFIDENTIAL: {"partnership", "chair", "lead_a"},
}


def app_url_names():
    from django.urls import URLPattern, URLResolver, get_resolver

    def walk(resolver):
        for pattern in resolver.url_patterns:
            if isinstance(pattern, URLResolver):
                if pattern.app_name != "admin":  # Django's own admin, for the operator
                    yield from walk(pattern)
            elif isinstance(pattern, URLPattern) and pattern.name:
                yield pattern.name

    return set(walk(get_resolver()))


def test_every_url_of_the_app_is_in_the_permission_matrix():
    """A new page or form fails this until its permissions are in a matrix."""
    covered = {case.url_name for case in CASES} | {page.url_name for page in PAGES}
    assert covered.isdisjoint(NOT_IN_THE_MATRIX)
    assert covered | set(NOT_IN_THE_MATRIX) == app_url_names()


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.url_name)
def test_pages_open_only_for_those_who_may_read_them(page, personas, client):
    world = make_world(Status.IN_PROGRESS, personas["lead_a"])
    case = Case(page.url_name, page.ability, set(Status), target=page.target)
    for role in ROLES:
        client.force_login(personas[role])
        response = client.get(case.url(world))
        if role in MAY_OPEN[page.ability] or page.target == "personal":
            assert response.status_code == 200, role
        elif role == "no_role" or page.target == "evidence":
            assert response.status_code == 404, role  # not theirs to know of
        else:
            assert response.status_code == 403, role
