"""
Evidence storage that fills up part way through a write: a real full disk, a small
tmpfs the test mounts (it runs as root) as the evidence folder.
"""

import os
import subprocess
from contextlib import contextmanager

import pytest
from django.urls import reverse

from actions.models import Evidence
from reviews import services as review_services
from reviews.models import ImpactCheck, ImpactEvidence
from tests.conftest import stored_evidence, use_evidence_storage
from tests.files import upload
from tests.makers import SLUG, agency_of, make_action, make_recommendation

pytestmark = pytest.mark.django_db

DISK_BYTES = 256 * 1024
STORAGE_FAILED = "The file could not be stored just now, so nothing has been saved"


@contextmanager
def small_disk(folder, size=DISK_BYTES):
    """A tmpfs of `size` bytes mounted at `folder`, unmounted afterwards whatever happens."""
    folder.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)], check=True)
    try:
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=True)


@pytest.fixture
def full_disk(settings, tmp_path):
    """Evidence is stored on a 256 KB disk; yields a function giving its free bytes."""
    with small_disk(tmp_path / "small-disk") as folder:
        use_evidence_storage(settings, folder)

        def free_bytes():
            status = os.statvfs(folder)
            return status.f_bavail * status.f_frsize

        yield free_bytes


def csv_of(size: int) -> bytes:
    line = b"response,104\n"
    return line * (size // len(line))


def post_files(client, action, files):
    return client.post(
        reverse("evidence-upload", args=[SLUG, action.pk]),
        {"files": files, "description": "Training records"},
    )


@pytest.mark.parametrize(
    "size",
    [400 * 1024, 3 * 1024 * 1024],
    ids=["held in memory", "spooled to a temporary file"],
)
def test_a_file_that_does_not_fit_on_the_disk_leaves_nothing_behind(
    client_for, lead_a, full_disk, size
):
    """Issue 15, item 5: the write that fills the disk is removed, so the disk is as
    free as before; no row, and the person is told nothing was saved."""
    action = make_action(agency=agency_of(lead_a))
    free_before = full_disk()
    response = post_files(client_for(lead_a), action, [upload("records.csv", csv_of(size))])
    assert response.status_code == 200
    assert STORAGE_FAILED in response.content.decode()
    assert stored_evidence() == []
    assert full_disk() == free_before
    assert not Evidence.objects.exists() and not Evidence.history.exists()


def test_when_the_second_of_two_files_does_not_fit_neither_is_left(client_for, lead_a, full_disk):
    """Issue 15, item 5: the first file (stored) and the second's fragment are both
    removed; no row for either."""
    action = make_action(agency=agency_of(lead_a), status="not_started")
    free_before = full_disk()
    files = [upload("first.csv", csv_of(100 * 1024)), upload("second.csv", csv_of(300 * 1024))]
    response = post_files(client_for(lead_a), action, files)
    assert STORAGE_FAILED in response.content.decode()
    assert stored_evidence() == []
    assert full_disk() == free_before
    assert not Evidence.objects.exists() and not Evidence.history.exists()
    action.refresh_from_db()
    assert action.status == "not_started"  # the upload did not start the work either


def test_files_that_fit_are_stored_on_the_same_disk(client_for, lead_a, full_disk):
    """Issue 15, item 5: the small disk itself works; only what does not fit fails."""
    action = make_action(agency=agency_of(lead_a))
    response = post_files(client_for(lead_a), action, [upload("records.csv", csv_of(50 * 1024))])
    assert response.status_code == 302
    assert len(stored_evidence()) == 1 and Evidence.objects.count() == 1


def test_an_impact_check_whose_second_file_does_not_fit_is_not_saved_at_all(
    client_for, partnership_officer, silg_chair, full_disk
):
    """Issue 19: the check is recorded with its files or not at all, and the disk is as
    free as before."""
    recommendation = make_recommendation()
    make_action(recommendation, status="completed")
    review_services.recommendation_close(
        actor=silg_chair, recommendation=recommendation, impact_statement="Done"
    )
    free_before = full_disk()
    files = [upload("first.csv", csv_of(100 * 1024)), upload("second.csv", csv_of(300 * 1024))]
    response = client_for(partnership_officer).post(
        reverse("impact-check-create", args=[SLUG, recommendation.pk]),
        {"method": "re_audit", "findings": "Better", "files": files},
    )
    assert STORAGE_FAILED in response.content.decode()
    assert stored_evidence() == []
    assert full_disk() == free_before
    assert not ImpactCheck.objects.exists() and not ImpactEvidence.history.exists()
