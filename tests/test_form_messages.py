"""
Every form, posted empty and posted with nonsense, answers in GOV.UK's words: no
message of Django's own ("This field is required.") reaches a page, every error is
tied to its field, and nothing is saved. The forms are found from the URL resolver,
so a new form page is checked without being listed here.
"""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from actions.models import Action, ExtensionRequest
from partnerships.models import Invitation
from reviews.models import Review
from tests import pages
from tests.learning.makers import make_learning_activity
from tests.makers import (
    SLUG,
    agency_of,
    make_action,
    make_evidence,
    make_impact_evidence,
    make_recommendation,
    make_review,
    make_theme,
)
from tests.meetings.makers import make_meeting
from tests.pages import text

pytestmark = pytest.mark.django_db

DJANGO_DEFAULTS = [
    "This field is required.",
    "Ensure this value",
    "Enter a valid",
    "Enter a whole number.",
    "Enter a number.",
    "Select a valid choice",
    "The submitted file is empty.",
    "No file was submitted",
    "The submitted data was not a file",
    "Upload a valid image",
]
# Pages that take a POST but are not forms a person fills in.
NOT_FORMS = {
    "logout",
    "review-import-confirm",
    "my-calendar",
    "password_reset_confirm",
    "closure-day-remove",
}


def url_names(resolver=None, prefix=""):
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            if getattr(pattern, "app_name", None) == "admin":
                continue
            yield from url_names(pattern, prefix)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield pattern.name, pattern


def addressable_names():
    """Every named URL of the app that takes no argument or a record's id."""
    names = []
    for name, pattern in url_names():
        converters = pattern.pattern.converters
        if name in NOT_FORMS or (converters and list(converters) != ["pk"]):
            continue
        names.append(name)
    return sorted(set(names))


@pytest.fixture
def world(lead_a, silg_chair):
    recommendation = make_recommendation(agencies=[agency_of(lead_a)])
    action = make_action(recommendation, agency=agency_of(lead_a), owner=lead_a)
    evidence = make_evidence(action, uploaded_by=lead_a)
    extension = ExtensionRequest.objects.create(
        action=action,
        requested_by=lead_a,
        due_date_at_request=action.due_date,
        requested_due_date=action.due_date + datetime.timedelta(days=30),
        reason="Waiting for the other forces",
    )
    completed = make_action(
        recommendation, agency=agency_of(lead_a), status=Action.Status.COMPLETED
    )
    submitted = make_action(
        recommendation, agency=agency_of(lead_a), status=Action.Status.SUBMITTED
    )
    partnership = recommendation.partnership
    return {
        "action": action,
        "completed": completed,
        "submitted": submitted,
        "evidence": evidence,
        "impact_evidence": make_impact_evidence(recommendation),
        "extension": extension,
        "recommendation": recommendation,
        "review": recommendation.review,
        # A serious incident's review with its local review under way, for its checks.
        "local_review": make_review(
            title="Child L",
            became_aware_on=timezone.localdate() - datetime.timedelta(days=90),
            decision=Review.Decision.LOCAL_REVIEW,
            decided_on=timezone.localdate() - datetime.timedelta(days=60),
            local_review_commissioned_on=timezone.localdate() - datetime.timedelta(days=50),
        ),
        "membership": lead_a.memberships.get(),
        "agency": agency_of(lead_a),
        "theme": make_theme("Neglect", partnership=partnership),
        "learning_activity": make_learning_activity(partnership=partnership),
        "meeting": make_meeting(silg_chair, partnership=partnership),
        "invitation": Invitation.objects.create(
            partnership=partnership,
            email="new@example.org",
            role="chair",
            invited_by=silg_chair,
            expires_at=timezone.now() + datetime.timedelta(days=7),
        ),
    }


# Which object a form's address takes, by the first part of its path.
TARGET = {
    "reviews": "review",
    "recommendations": "recommendation",
    "actions": "action",
    "evidence": "evidence",
    "impact-evidence": "impact_evidence",
    "extensions": "extension",
    "people": "membership",
    "agencies": "agency",
    "themes": "theme",
    "learning": "learning_activity",
    "meetings": "meeting",
}
# Forms that only open for an action in a particular state.
ACTION_IN = {
    "action-reopen": "completed",
    "action-sign-off": "submitted",
    "invitation-resend": "invitation",
    "invitation-cancel": "invitation",
    "progress-check-create": "local_review",
}


def address(name, world):
    pattern = dict(url_names())[name]
    if not pattern.pattern.converters:
        return pages.address(name)
    first = str(pattern.pattern).split("/")[0]
    target = ACTION_IN.get(name, TARGET[first])
    return pages.address(name, world[target].pk)


NONSENSE = {"number": "x", "due_date_0": "99", "agency": "99999", "decision": "maybe"}


@pytest.mark.parametrize("name", addressable_names())
@pytest.mark.parametrize("data", [{}, NONSENSE], ids=["empty", "nonsense"])
def test_every_form_answers_in_govuk_words(name, data, world, personas, client):
    """Issue 15, item 18: every page that takes a POST, posted empty or with nonsense by
    each persona, shows no default message of Django's."""
    url = address(name, world)
    for persona in personas.values():
        client.force_login(persona)
        response = client.post(url, data)
        if response.status_code != 200:
            continue
        page = response.content.decode()
        for default in DJANGO_DEFAULTS:
            assert default not in page, f"{name} as {persona}: {default}"


@pytest.mark.parametrize(
    "name",
    [
        "action-create",
        "review-create",
        "evidence-upload",
        "action-reopen",
        "extension-request",
        "recommendation-close",
        "action-sign-off",
    ],
)
def test_the_forms_are_reached_not_refused(name, world, personas, client):
    """The test above reaches the app's forms: posted empty, each of these shows its error
    summary to a persona allowed to use it. Each asks for itself: the suite runs in several
    processes, which share nothing of what another test saw."""
    url = address(name, world)
    answered = []
    for persona in personas.values():
        client.force_login(persona)
        response = client.post(url, {})
        page = response.content.decode()
        answered.append(response.status_code == 200 and "There is a problem" in page)
    assert any(answered), name


def test_plan_an_action_names_each_missing_field(client_for, partnership_officer, world):
    """Issue 15, item 18: four different messages, each saying which field."""
    response = client_for(partnership_officer).post(
        reverse("action-create", args=[SLUG, world["recommendation"].pk]), {}
    )
    page = text(response.content.decode())
    for message in [
        "Choose the agency",
        "Enter the title",
        "Enter the description",
        "Enter the success measure",
        "Enter the due date",
    ]:
        assert message in page
    assert page.count("This field is required") == 0


def test_a_duplicate_number_is_shown_at_the_number(client_for, partnership_officer, world):
    """Issue 15, item 18: the service's refusal is tied to the field it is about."""
    recommendation = world["recommendation"]
    response = client_for(partnership_officer).post(
        reverse("recommendation-create", args=[SLUG, recommendation.review.pk]),
        {"number": recommendation.number, "text": "Again", "agencies": [world["action"].agency_id]},
    )
    page = response.content.decode()
    assert 'href="#id_number"' in page  # the error summary links to the field
    assert 'id="id_number_error"' in page


@pytest.mark.parametrize("page_name", ["review-create", "review-edit"])
def test_a_duplicate_review_title_is_shown_at_the_title(client_for, partnership_officer, page_name):
    """Issue 15, item 18: "A review called … already exists" is an error of the title field,
    linked from the error summary and written above the title box, on the new review page
    and when another review is renamed."""
    make_review(title="Clare")
    other = make_review(title="Liam")
    url = reverse(page_name, args=[SLUG, other.pk] if page_name == "review-edit" else [SLUG])
    response = client_for(partnership_officer).post(url, {"title": "clare", "kind": "scr"})
    page = response.content.decode()
    assert '<a href="#id_title">A review called “clare” already exists</a>' in page
    field = page[page.index('id="id_title_error"') :]
    assert field.index("A review called “clare” already exists") < field.index('name="title"')
    assert sorted(Review.objects.values_list("title", flat=True)) == ["Clare", "Liam"]


def test_an_empty_file_is_refused_in_govuk_words(client_for, lead_a, partnership_officer, world):
    """Issue 15, item 18: not Django's "The submitted file is empty.", on evidence and on
    an import, each at its file field."""
    action = make_action(world["recommendation"], agency=agency_of(lead_a), owner=lead_a)
    response = client_for(lead_a).post(
        reverse("evidence-upload", args=[SLUG, action.pk]),
        {"files": SimpleUploadedFile("minutes.pdf", b""), "description": "Minutes"},
    )
    page = response.content.decode()
    assert '<a href="#id_files">The selected file is empty</a>' in page
    assert "The submitted file is empty" not in page
    assert not action.evidence.exists()
    response = client_for(partnership_officer).post(
        reverse("review-import", args=[SLUG, world["review"].pk]),
        {"file": SimpleUploadedFile("import.csv", b"")},
    )
    page = response.content.decode()
    assert '<a href="#id_file">The selected file is empty</a>' in page
    assert "The submitted file is empty" not in page


def test_a_number_below_one_says_so_in_words(client_for, partnership_officer, world):
    response = client_for(partnership_officer).post(
        reverse("recommendation-create", args=[SLUG, world["review"].pk]),
        {"number": "0", "text": "x", "agencies": [world["action"].agency_id]},
    )
    assert "Recommendation number must be 1 or more" in text(response.content.decode())


def test_the_extension_date_is_written_in_words(client_for, lead_a, world):
    """Issue 15, item 18: "28 February 2027", as everywhere else, and at the date field."""
    action = world["action"]
    other = make_action(world["recommendation"], agency=agency_of(lead_a), owner=lead_a)
    earlier = other.due_date - datetime.timedelta(days=1)
    response = client_for(lead_a).post(
        reverse("extension-request", args=[SLUG, other.pk]),
        {
            "requested_due_date_0": earlier.day,
            "requested_due_date_1": earlier.month,
            "requested_due_date_2": earlier.year,
            "reason": "More time",
        },
    )
    page = response.content.decode()
    written = f"{other.due_date.day} {other.due_date:%B %Y}"
    assert f"must be after the current one, {written}" in page
    assert other.due_date.strftime("%d/%m/%Y") not in page
    assert 'href="#id_requested_due_date_0"' in page
    assert action.pk


def test_an_impossible_due_date_is_refused_and_a_past_one_must_be_confirmed(
    client_for, partnership_officer, world
):
    """Issue 15, item 20: 1 January 1990 cannot be a due date; last month can, once confirmed."""
    client = client_for(partnership_officer)
    url = reverse("action-create", args=[SLUG, world["recommendation"].pk])
    base = {
        "agency": world["action"].agency_id,
        "title": "Late plan",
        "description": "d",
        "success_measure": "m",
    }

    def due(day):
        return {"due_date_0": day.day, "due_date_1": day.month, "due_date_2": day.year}

    before = Action.objects.count()
    page = text(client.post(url, base | due(datetime.date(1990, 1, 1))).content.decode())
    assert "Due date must be on or after 1 January 2000" in page
    past = timezone.localdate() - datetime.timedelta(days=31)
    page = text(client.post(url, base | due(past)).content.decode())
    assert "is in the past" in page and "Tick the box to confirm" in page
    assert Action.objects.count() == before
    response = client.post(url, base | due(past) | {"confirm": "on"})
    assert response.status_code == 302
    action = Action.objects.get(title="Late plan")
    assert action.due_date == past
    reason = action.history.latest().history_change_reason
    assert reason.startswith("Action planned (confirmed: The due date") and "in the past" in reason


def test_a_publication_date_in_the_future_is_refused(client_for, partnership_officer, world):
    """Issue 15, item 20: a review cannot have been published in 2099."""
    response = client_for(partnership_officer).post(
        reverse("review-create", args=[SLUG]),
        {
            "title": "Future",
            "kind": "cspr",
            "published_on_0": "1",
            "published_on_1": "1",
            "published_on_2": "2099",
        },
    )
    assert "Date published must be today or in the past" in text(response.content.decode())
