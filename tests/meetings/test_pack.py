"""A meeting's pack, read back from the PDF as a reader would: a contents page, each item on
its own numbered page with its facts and its evidence files' names and SHA-256; the file
issued is kept, served byte for byte, and its fingerprint shown on the meeting's page."""

import hashlib
import io
import re

import pytest
from django.urls import reverse
from pypdf import PdfReader

from audits.models import AccessEvent
from meetings.models import MeetingPack
from tests.makers import SLUG, agency_of
from tests.meetings.makers import EVIDENCE_CONTENT, make_meeting, make_waiting
from tests.pages import text

pytestmark = pytest.mark.django_db


@pytest.fixture
def waiting(lead_a):
    return make_waiting(agency=agency_of(lead_a), lead=lead_a)


def pages_of(content: bytes) -> list[str]:
    """Each page's text, whitespace collapsed (pypdf breaks lines where the PDF does)."""
    reader = PdfReader(io.BytesIO(content))
    return [" ".join(page.extract_text().split()) for page in reader.pages]


def sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def test_the_issued_pack_has_contents_numbered_pages_and_every_items_facts(
    client_for, partnership_officer, silg_chair, waiting
):
    meeting = make_meeting(partnership_officer)
    client_for(partnership_officer).post(reverse("meeting-pack-issue", args=[SLUG, meeting.pk]))

    download = client_for(silg_chair).get(reverse("meeting-pack", args=[SLUG, meeting.pk]))
    content = b"".join(download.streaming_content)
    pages = pages_of(content)

    items = list(meeting.items.order_by("position"))
    assert len(pages) == 1 + len(items)  # the contents, then an item a page
    contents = pages[0]
    assert "Contents" in contents and meeting.title in contents
    assert "Draft" not in contents and "Issued by Pat Officer" in contents
    for number, (item, page) in enumerate(zip(items, pages[1:], strict=True), start=1):
        # The contents give the page each item starts on, and the page says so too.
        assert re.search(rf"{re.escape(item.title)}\W*\.*\W*{number + 1}\b", contents), item.title
        assert page.startswith(f"{number}. {item.title}"), page[:120]
        assert page.endswith(f"Page {number + 1} of {len(pages)}"), page[-60:]
    submission = pages[1]
    assert "Completion statement All 42 practitioners trained" in submission
    assert agency_of(waiting.submitted.owner).name in submission
    for name in waiting.evidence_names:
        assert name in submission
        assert sha256(EVIDENCE_CONTENT + name.encode()) in submission
    extension = pages[2]
    assert "The auditor is on leave until March" in extension
    impact = pages[3]
    assert "re-audit.pdf" in impact
    assert waiting.impact_check.files.get().sha256 in impact
    assert "Notification to the National Panel" in pages[5] and "Overdue" in pages[5]
    assert "56 days overdue" in pages[6]


def test_the_stored_copy_is_what_is_downloaded_and_what_the_page_shows(
    client_for, partnership_officer, silg_chair, waiting
):
    meeting = make_meeting(partnership_officer)
    team = client_for(partnership_officer)
    response = team.post(reverse("meeting-pack-issue", args=[SLUG, meeting.pk]), follow=True)
    pack = MeetingPack.objects.get(meeting=meeting)
    assert f"Pack issued: its SHA-256 fingerprint is {pack.sha256}" in text(
        response.content.decode()
    )

    with pack.file.open("rb") as stored:
        stored_bytes = stored.read()
    first = b"".join(team.get(reverse("meeting-pack", args=[SLUG, meeting.pk])).streaming_content)
    chair = client_for(silg_chair)
    again = chair.get(reverse("meeting-pack", args=[SLUG, meeting.pk]))
    second = b"".join(again.streaming_content)

    assert sha256(stored_bytes) == sha256(first) == sha256(second) == pack.sha256
    assert first == second == stored_bytes and len(first) == pack.size
    assert again["Content-Type"] == "application/pdf"
    assert again["Content-Disposition"].startswith("attachment")
    assert pack.original_name in again["Content-Disposition"]
    page = chair.get(reverse("meeting-detail", args=[SLUG, meeting.pk])).content.decode()
    assert re.search(rf'id="pack-sha256">{pack.sha256}<', page)
    downloads = AccessEvent.objects.filter(kind="download", object_type="meetingpack")
    assert downloads.count() == 2
    assert pack.sha256 in downloads.latest("pk").detail


def test_issuing_twice_is_refused_and_keeps_the_first(client_for, partnership_officer, waiting):
    meeting = make_meeting(partnership_officer)
    team = client_for(partnership_officer)
    url = reverse("meeting-pack-issue", args=[SLUG, meeting.pk])
    team.post(url)
    first = MeetingPack.objects.get(meeting=meeting)

    response = team.post(url, follow=True)

    assert "The pack has already been issued" in text(response.content.decode())
    assert list(MeetingPack.objects.values_list("pk", "sha256")) == [(first.pk, first.sha256)]


def test_before_it_is_issued_the_pack_downloads_as_a_draft_kept_nowhere(
    client_for, silg_chair, partnership_officer, waiting
):
    meeting = make_meeting(partnership_officer)

    response = client_for(silg_chair).get(reverse("meeting-pack", args=[SLUG, meeting.pk]))

    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith('attachment; filename="draft-')
    pages = pages_of(response.content)
    assert all("Draft: not issued" in page for page in pages)
    assert not MeetingPack.objects.exists()


def test_an_empty_agenda_cannot_be_issued(client_for, partnership_officer):
    meeting = make_meeting(partnership_officer)  # nothing awaits the chair

    response = client_for(partnership_officer).post(
        reverse("meeting-pack-issue", args=[SLUG, meeting.pk]), follow=True
    )

    assert "Add something to the agenda before issuing the pack" in text(response.content.decode())
    assert not MeetingPack.objects.exists()
