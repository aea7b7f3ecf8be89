"""An agency lead's work on their action: progress, evidence, withdrawal, submission, extensions."""

import datetime

import pytest
from django.urls import reverse

from actions.models import Action, Evidence, ExtensionRequest
from tests.conftest import stored_evidence
from tests.files import ACCEPTED, REFUSED, upload
from tests.makers import SLUG, agency_of, make_action, make_evidence

pytestmark = pytest.mark.django_db


@pytest.fixture
def action(lead_a):
    return make_action(agency=agency_of(lead_a), owner=lead_a, status=Action.Status.NOT_STARTED)


def test_the_lead_sees_the_buttons_for_their_work(client_for, lead_a, lead_b, action):
    page = client_for(lead_a).get(action.get_absolute_url()).content.decode()
    for label in [
        "Upload evidence",
        "Submit for sign-off",
        "Post a progress update",
        "Ask for an extension",
    ]:
        assert label in page
    other = client_for(lead_b).get(action.get_absolute_url()).content.decode()
    assert "Upload evidence" not in other and "Submit for sign-off" not in other


def test_posting_progress_shows_it_on_the_action(client_for, lead_a, action):
    client = client_for(lead_a)
    response = client.post(
        reverse("action-progress", args=[SLUG, action.pk]),
        {"text": "Audit tool agreed."},
        follow=True,
    )
    page = response.content.decode()
    assert "Progress update posted" in page
    assert "Audit tool agreed." in page
    assert '<strong class="govuk-tag govuk-tag--blue">In progress</strong>' in page


def test_an_empty_progress_update_shows_the_error_summary(client_for, lead_a, action):
    response = client_for(lead_a).post(
        reverse("action-progress", args=[SLUG, action.pk]), {"text": " "}
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in page and 'href="#id_text"' in page
    assert "Enter the progress update" in page
    assert not action.progress_updates.exists()


def test_uploading_several_files_lists_each_with_its_checksum(client_for, lead_a, action):
    files = [
        upload("audit.pdf", ACCEPTED["report.pdf"]),
        upload("figures.xlsx", ACCEPTED["figures.xlsx"]),
    ]
    response = client_for(lead_a).post(
        reverse("evidence-upload", args=[SLUG, action.pk]),
        {"files": files, "description": "Audit and figures"},
        follow=True,
    )
    page = response.content.decode()
    assert "Evidence uploaded" in page
    for evidence in Evidence.objects.filter(action=action):
        assert evidence.original_name in page
        assert evidence.sha256 in page
    assert Evidence.objects.filter(action=action).count() == 2


@pytest.mark.parametrize(
    "case", ["png header then html", "any zip posing as docx", "exe named pdf"]
)
def test_a_disguised_file_is_refused_and_nothing_is_stored(
    client_for, lead_a, action, case, tmp_path
):
    response = client_for(lead_a).post(
        reverse("evidence-upload", args=[SLUG, action.pk]),
        {"files": upload(*REFUSED[case]), "description": "Evidence"},
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in page and "is not a real" in page
    assert not Evidence.objects.exists()
    assert stored_evidence() == []


def test_an_oversize_file_is_refused(client_for, lead_a, action, settings):
    settings.EVIDENCE_MAX_BYTES = 100
    response = client_for(lead_a).post(
        reverse("evidence-upload", args=[SLUG, action.pk]),
        {"files": upload("report.pdf", ACCEPTED["report.pdf"]), "description": "Evidence"},
    )
    assert "must be smaller than 100" in response.content.decode()
    assert not Evidence.objects.exists()


def test_uploading_without_a_file_asks_for_one(client_for, lead_a, action):
    response = client_for(lead_a).post(
        reverse("evidence-upload", args=[SLUG, action.pk]), {"description": "x"}
    )
    assert "Choose at least one file to upload" in response.content.decode()


def test_withdrawn_evidence_stays_listed_as_withdrawn(client_for, lead_a, action):
    evidence = make_evidence(action, name="draft.pdf", uploaded_by=lead_a)
    response = client_for(lead_a).post(
        reverse("evidence-withdraw", args=[SLUG, evidence.pk]),
        {"reason": "Uploaded the draft by mistake"},
        follow=True,
    )
    page = response.content.decode()
    assert "“draft.pdf” withdrawn" in page
    assert "Withdrawn</strong>" in page and "Uploaded the draft by mistake" in page
    assert Evidence.objects.filter(pk=evidence.pk).exists()


def test_submitting_without_evidence_is_refused_with_a_message(client_for, lead_a, action):
    response = client_for(lead_a).post(
        reverse("action-submit", args=[SLUG, action.pk]), {"completion_statement": "Done"}
    )
    assert "Upload at least one evidence file before submitting" in response.content.decode()
    action.refresh_from_db()
    assert action.status == Action.Status.NOT_STARTED


def test_submitting_with_evidence_sends_it_for_sign_off(client_for, lead_a, action):
    make_evidence(action, uploaded_by=lead_a)
    response = client_for(lead_a).post(
        reverse("action-submit", args=[SLUG, action.pk]),
        {"completion_statement": "Four sessions delivered."},
        follow=True,
    )
    page = response.content.decode()
    assert "Submitted to the SILG chair for sign-off" in page
    assert "Four sessions delivered." in page
    assert "Submitted for sign-off</strong>" in page


def test_asking_for_an_extension_is_shown_and_counted(client_for, lead_a, action):
    new_date = action.due_date + datetime.timedelta(days=45)
    response = client_for(lead_a).post(
        reverse("extension-request", args=[SLUG, action.pk]),
        {
            "requested_due_date_0": new_date.day,
            "requested_due_date_1": new_date.month,
            "requested_due_date_2": new_date.year,
            "reason": "Waiting for the regional meeting",
        },
        follow=True,
    )
    page = response.content.decode()
    assert "Extension requested" in page
    assert "0 granted, 1 awaiting a decision" in page
    assert "Waiting for the regional meeting" in page
    assert ExtensionRequest.objects.get().requested_due_date == new_date


@pytest.mark.parametrize(
    "parts, message",
    [
        (("31", "2", "2027"), "New due date must be a real date"),
        (("", "2", "2027"), "New due date must include a day, month and year"),
        (("1", "2", "27"), "New due date must be a real date"),
        (("", "", ""), "Enter the new due date"),
    ],
)
def test_a_bad_extension_date_is_refused_with_a_clear_message(
    client_for, lead_a, action, parts, message
):
    data = {f"requested_due_date_{i}": part for i, part in enumerate(parts)}
    response = client_for(lead_a).post(
        reverse("extension-request", args=[SLUG, action.pk]), {**data, "reason": "More time"}
    )
    page = response.content.decode()
    assert message in page
    assert 'href="#id_requested_due_date_0"' in page
    assert not ExtensionRequest.objects.exists()


def test_an_upload_with_neither_file_nor_description_says_both(client_for, lead_a):
    """Issue 15, item 19: both missing answers, not only the description."""
    action = make_action(agency=agency_of(lead_a))
    response = client_for(lead_a).post(reverse("evidence-upload", args=[SLUG, action.pk]), {})
    page = response.content.decode()
    assert "Choose at least one file to upload" in page and "Describe what the files show" in page
    assert not action.evidence.exists()
