"""The personal data guard on every form with free text about a review, recommendation,
action or its progress, and on the review import (issue 18, item 6): text that looks like
personal data is not saved until the person confirms it, and then the record says what
they confirmed, masked; text without it saves as before."""

import csv
import datetime
import io
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from actions.models import Action, ExtensionRequest, ProgressUpdate
from reviews import imports
from reviews.import_files import COLUMNS
from reviews.models import Recommendation, Review
from tests.makers import SLUG, agency_of, make_action, make_evidence, make_recommendation
from tests.pages import text

pytestmark = pytest.mark.django_db

POSTCODE = "Moved to SO14 7LY last month"
ADVICE = "Do not record details that could identify a child or family."
CONFIRM = {"confirm": "on"}


def confirmed(label: str) -> str:
    return f"(confirmed: {label}: this looks like a postcode (•••• •LY). {ADVICE})"


@dataclass
class Case:
    """One form: who posts it where, with what, and the records it saves."""

    who: str  # a persona fixture
    url: Callable
    data: Callable  # the fields, given the world, with `field` set by the test
    field: str
    label: str
    saved: Callable  # the world → a queryset of what the form saves


def _due(name, day):
    return {f"{name}_0": day.day, f"{name}_1": day.month, f"{name}_2": day.year}


def _action_data(world):
    later = timezone.localdate() + datetime.timedelta(days=90)
    return {
        "agency": world["agency"].pk,
        "title": "Agree protocol",
        "description": "Draft it",
        "success_measure": "Signed",
        **_due("due_date", later),
    }


CASES = {
    "review": Case(
        "partnership_officer",
        lambda w: reverse("review-create", args=[SLUG]),
        lambda w: {"title": "Freddie", "kind": "cspr"},
        "summary",
        "Summary",
        lambda w: Review.objects.filter(title="Freddie"),
    ),
    "recommendation": Case(
        "partnership_officer",
        lambda w: reverse("recommendation-create", args=[SLUG, w["review"].pk]),
        lambda w: {"number": 7, "agencies": [w["agency"].pk]},
        "text",
        "Recommendation",
        lambda w: Recommendation.objects.filter(number=7),
    ),
    "action": Case(
        "partnership_officer",
        lambda w: reverse("action-create", args=[SLUG, w["recommendation"].pk]),
        _action_data,
        "description",
        "Description",
        lambda w: Action.objects.filter(title="Agree protocol"),
    ),
    "action edit": Case(
        "partnership_officer",
        lambda w: reverse("action-edit", args=[SLUG, w["action"].pk]),
        lambda w: {"title": "Renamed", "description": "Draft it", "success_measure": "Signed"},
        "success_measure",
        "Success measure",
        lambda w: Action.objects.filter(title="Renamed"),
    ),
    "progress": Case(
        "lead_a",
        lambda w: reverse("action-progress", args=[SLUG, w["action"].pk]),
        lambda w: {},
        "text",
        "Progress update",
        lambda w: ProgressUpdate.objects.all(),
    ),
    "submission": Case(
        "lead_a",
        lambda w: reverse("action-submit", args=[SLUG, w["action"].pk]),
        lambda w: {},
        "completion_statement",
        "Completion statement",
        lambda w: Action.objects.filter(status=Action.Status.SUBMITTED),
    ),
    "extension": Case(
        "lead_a",
        lambda w: reverse("extension-request", args=[SLUG, w["action"].pk]),
        lambda w: _due("requested_due_date", w["action"].due_date + datetime.timedelta(days=45)),
        "reason",
        "Why more time is needed",
        lambda w: ExtensionRequest.objects.all(),
    ),
}


@pytest.fixture
def world(lead_a):
    agency = agency_of(lead_a)
    recommendation = make_recommendation(agencies=[agency])
    action = make_action(recommendation, agency=agency, owner=lead_a, title="First")
    make_evidence(action, uploaded_by=lead_a)
    return {
        "agency": agency,
        "review": recommendation.review,
        "recommendation": recommendation,
        "action": action,
    }


@pytest.fixture(params=list(CASES), ids=list(CASES))
def case(request):
    return CASES[request.param]


@pytest.fixture
def post(case, world, client_for, request):
    client = client_for(request.getfixturevalue(case.who))

    def post(value, extra=None):
        data = case.data(world) | {case.field: value} | (extra or {})
        return client.post(case.url(world), data)

    return post


def test_personal_data_is_not_saved_without_confirming_it(case, world, post):
    response = post(POSTCODE)
    assert response.status_code == 200
    page = text(response.content.decode())
    assert "There is a problem Tick the box to confirm, or change your answers" in page
    assert f"{case.label}: this looks like a postcode (•••• •LY). {ADVICE}" in page
    assert "Yes, I have checked and want to continue" in page
    assert not case.saved(world).exists()


def test_once_confirmed_it_is_saved_and_the_record_says_what_was_confirmed(case, world, post):
    response = post(POSTCODE, CONFIRM)
    assert response.status_code == 302
    record = case.saved(world).get()
    assert getattr(record, case.field) == POSTCODE  # what the person chose to keep
    reason = record.history.latest().history_change_reason
    assert reason.endswith(confirmed(case.label))
    assert "SO14" not in reason and "7LY" not in reason


def test_text_without_personal_data_saves_with_no_warning(case, world, post):
    response = post("Agreed at the panel on 3 April 2021; 12 of 20 cases audited")
    assert response.status_code == 302
    record = case.saved(world).get()
    assert "confirmed" not in record.history.latest().history_change_reason


def test_changing_the_text_instead_saves_it_unconfirmed(case, world, post):
    assert post(POSTCODE).status_code == 200
    assert post("Moved to another area last month").status_code == 302
    assert "confirmed" not in case.saved(world).get().history.latest().history_change_reason


@pytest.mark.parametrize("case", [CASES["progress"]], ids=["progress"])
def test_the_warning_and_the_box_are_on_the_page(case, world, post):
    """The confirmation shows as on the other form pages: in the error summary, linked to
    the box, the warning as the box's hint, the box to tick; the page repeats only the
    masked value in its warning (the text box keeps what was typed, to change it)."""
    page = post("Mum's mobile is 07700 900123").content.decode()
    assert '<a href="#id_confirm">Tick the box to confirm, or change your answers</a>' in page
    assert (
        '<div id="id_confirm_helptext" class="govuk-hint">Progress update: this looks like a '
        f"phone number (••••• ••0123). {ADVICE}</div>"
    ) in page
    assert '<input type="checkbox" name="confirm"' in page
    assert page.count("900123") == 1  # in the text box, not in the warning


def test_a_past_due_date_and_personal_data_are_confirmed_together(
    client_for, partnership_officer, world
):
    client = client_for(partnership_officer)
    url = reverse("action-create", args=[SLUG, world["recommendation"].pk])
    past = timezone.localdate() - datetime.timedelta(days=30)
    data = _action_data(world) | _due("due_date", past) | {"title": "Call 07700 900123"}
    page = text(client.post(url, data).content.decode())
    assert "is in the past" in page and "Title: this looks like a phone number" in page
    assert client.post(url, data | CONFIRM).status_code == 302
    reason = Action.objects.get(due_date=past).history.get().history_change_reason
    assert reason.startswith("Action planned (confirmed: The due date")
    assert reason.endswith(f"Title: this looks like a phone number (••••• ••0123). {ADVICE})")


# The review import ----------------------------------------------------------------


def _import_file(rows):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([c.header for c in COLUMNS])
    writer.writerows(rows)
    return SimpleUploadedFile("import.csv", buffer.getvalue().encode())


def _row(number="8", text="Share sooner", action="Agree protocol", description="Draft it"):
    due = (timezone.localdate() + datetime.timedelta(days=90)).strftime("%d/%m/%Y")
    return [number, text, "", "A", action, "A", "", description, "Signed", due]


@pytest.fixture
def review(world):
    world["agency"].short_name = "A"
    world["agency"].save()
    return world["review"]


def test_the_import_preview_warns_of_personal_data_and_needs_the_tick(
    client_for, partnership_officer, review
):
    client = client_for(partnership_officer)
    rows = [
        _row(number="5", text="Ask Liam's school (SO14 7LY)"),
        _row(number="5", text="", action="Phone him", description="On 07700 900123"),
    ]
    preview = text(
        client.post(
            reverse("review-import", args=[SLUG, review.pk]), {"file": _import_file(rows)}
        ).content.decode()
    )
    assert "2 cells look like they hold details that could identify a child or family" in preview
    assert f"Row 2: recommendation: this looks like a postcode (•••• •LY). {ADVICE}" in preview
    assert "Row 3: action description: this looks like a phone number (••••• ••0123)" in preview
    assert "due in the past" not in preview
    confirm = reverse("review-import-confirm", args=[SLUG, review.pk])
    refused = text(client.post(confirm, {}).content.decode())
    assert "Tick the box to confirm, or change your answers" in refused
    assert not Recommendation.objects.filter(number=5).exists()
    assert client.post(confirm, CONFIRM).status_code == 302
    recommendation = Recommendation.objects.get(number=5)
    assert recommendation.history.get().history_change_reason == (
        f"Recommendation logged {confirmed('Recommendation')}"
    )
    phoned = Action.objects.get(title="Phone him").history.get().history_change_reason
    assert phoned == (
        "Action planned (confirmed: Action description: this looks like a phone number "
        f"(••••• ••0123). {ADVICE})"
    )
    assert Action.objects.get(title="Agree protocol").history.get().history_change_reason == (
        "Action planned"
    )


def test_an_import_without_personal_data_needs_no_tick(client_for, partnership_officer, review):
    client = client_for(partnership_officer)
    client.post(reverse("review-import", args=[SLUG, review.pk]), {"file": _import_file([_row()])})
    response = client.post(reverse("review-import-confirm", args=[SLUG, review.pk]))
    assert response.status_code == 302
    assert Recommendation.objects.get(number=8).history.get().history_change_reason == (
        "Recommendation logged"
    )


def test_the_import_is_not_saved_with_personal_data_unconfirmed(partnership_officer, review):
    keys = [c.key for c in COLUMNS]
    plan = imports.plan_import(review, [dict(zip(keys, _row(text="DOB 3/4/2015"), strict=True))])
    assert plan.warnings == [
        f"Row 2: recommendation: this looks like a date of birth (•/•/••15). {ADVICE}"
    ]
    with pytest.raises(Exception, match="Confirm what the preview warned of"):
        imports.apply_import(review, plan, actor=partnership_officer)
    assert not Recommendation.objects.filter(number=8).exists()
