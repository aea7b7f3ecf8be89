"""
One upload carries at most EVIDENCE_MAX_FILES files and EVIDENCE_MAX_UPLOAD_BYTES in
all. Past either, the request is parsed by Django's real multipart parser with the
project's upload handlers, nothing is kept, and the person is told why on the form.
"""

import tracemalloc

import pytest
from django.test import Client, RequestFactory
from django.urls import reverse

from actions.models import Evidence
from sscp.uploads import RefusedUpload
from tests.conftest import stored_evidence
from tests.files import ACCEPTED, upload
from tests.makers import SLUG, agency_of, make_action

pytestmark = pytest.mark.django_db


def csv_files(count: int, size: int = 100):
    line = b"response,104\n"
    return [upload(f"records-{n}.csv", line * (size // len(line) + 1)) for n in range(count)]


def post_with_csrf(user, action, files):
    """Post the upload form as a browser does: the CSRF check on, its token first."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    address = reverse("evidence-upload", args=[SLUG, action.pk])
    assert client.get(address).status_code == 200
    return client.post(
        address,
        {
            "csrfmiddlewaretoken": client.cookies["csrftoken"].value,
            "files": files,
            "description": "Training records",
        },
    )


@pytest.mark.parametrize("count", [11, 100])
def test_more_files_than_allowed_are_refused_on_the_form_not_with_a_400(lead_a, count):
    """Issue 15, item 9: 11 or 100 files in one POST get the GOV.UK message, and nothing
    is stored (Django's TooManyFilesSent used to answer a bare 400 from the CSRF check)."""
    action = make_action(agency=agency_of(lead_a))
    response = post_with_csrf(lead_a, action, csv_files(count))
    page = response.content.decode()
    assert response.status_code == 200
    assert "You can only select up to 10 files at the same time" in page
    assert 'class="govuk-error-summary"' in page
    assert not Evidence.objects.exists() and stored_evidence() == []


def test_the_allowed_number_of_files_is_accepted(lead_a):
    """Issue 15, item 9: EVIDENCE_MAX_FILES files in one upload are all stored."""
    action = make_action(agency=agency_of(lead_a))
    response = post_with_csrf(lead_a, action, csv_files(10))
    assert response.status_code == 302
    assert Evidence.objects.count() == 10 and len(stored_evidence()) == 10


def test_an_upload_bigger_in_total_than_allowed_is_refused_on_the_form(lead_a, settings):
    """Issue 15, item 9: files each within EVIDENCE_MAX_BYTES but together over
    EVIDENCE_MAX_UPLOAD_BYTES are refused with the GOV.UK message."""
    settings.EVIDENCE_MAX_UPLOAD_BYTES = 100 * 1024
    action = make_action(agency=agency_of(lead_a))
    response = post_with_csrf(lead_a, action, csv_files(3, size=40 * 1024))
    page = response.content.decode()
    assert response.status_code == 200
    assert "The selected files must be smaller than 100 KB in total" in page
    assert not Evidence.objects.exists() and stored_evidence() == []


def test_files_over_the_total_are_not_kept_while_the_request_is_read(settings):
    """Issue 15, item 9: past the limit, no file's content is held in memory or in a
    temporary file: each is read and dropped, a RefusedUpload standing in its place."""
    settings.EVIDENCE_MAX_UPLOAD_BYTES = 1024 * 1024
    big = [upload(f"records-{n}.csv", b"x" * (2 * 1024 * 1024)) for n in range(3)]
    request = RequestFactory().post("/", {"files": big, "description": "d"})
    tracemalloc.start()
    try:
        files = request.FILES.getlist("files")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert [type(f) for f in files] == [RefusedUpload] * 3
    assert [f.size for f in files] == [2 * 1024 * 1024] * 3
    assert request.POST["description"] == "d"
    assert peak < 1024 * 1024


def test_a_refused_upload_reaching_the_evidence_check_is_refused_there_too(
    client_for, partnership_officer, settings
):
    """Issue 15, item 9: a form with a plain file field (the review import) refuses an
    upload the handler refused, with the handler's words."""
    settings.EVIDENCE_MAX_UPLOAD_BYTES = 1024
    review = make_action().recommendation.review
    response = client_for(partnership_officer).post(
        reverse("review-import", args=[SLUG, review.pk]),
        {"file": upload("import.csv", ACCEPTED["long-records.csv"])},
    )
    assert "The selected files must be smaller than 1 KB in total" in response.content.decode()
