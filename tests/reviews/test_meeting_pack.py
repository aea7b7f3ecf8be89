import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from actions import services
from actions.models import Action
from tests.makers import (
    SLUG,
    agency_of,
    bulk_recommendations,
    make_action,
    make_evidence,
    make_lead,
    make_recommendation,
    make_review,
)
from tests.pages import row_security_queries, text

pytestmark = pytest.mark.django_db


@pytest.fixture
def review(lead_a, silg_chair):
    review = make_review(title="Clare", summary="Lessons on disguised compliance.")
    recommendation = make_recommendation(
        review, text="Commission training", agencies=[agency_of(lead_a)]
    )
    action = make_action(
        recommendation,
        agency=agency_of(lead_a),
        owner=lead_a,
        title="Commission Sandstories",
        status=Action.Status.NOT_STARTED,
    )
    services.progress_post(actor=lead_a, action=action, text="Contract agreed with the trainer")
    make_evidence(action, name="attendance-register.pdf", uploaded_by=lead_a)
    services.action_submit(
        actor=lead_a, action=action, completion_statement="Four sessions delivered"
    )
    services.action_return(actor=silg_chair, action=action, comment="Add the attendance register")
    return review


def test_the_meeting_pack_has_everything_for_the_silg(client_for, silg_chair, review):
    page = text(
        client_for(silg_chair)
        .get(reverse("review-meeting-pack", args=[SLUG, review.pk]))
        .content.decode()
    )
    for words in [
        "Clare: SILG meeting pack",
        "Commission training",
        "Commission Sandstories",
        "Contract agreed with the trainer",
        "Alex Lead",
        "Four sessions delivered",
        "Returned to the agency, Sam Chair",
        "Add the attendance register",
        "attendance-register.pdf",
    ]:
        assert words in page, words


def test_each_action_shows_only_its_latest_progress_by_whom_and_when(
    client_for, silg_chair, lead_a
):
    action = make_action(make_recommendation(make_review(), agencies=[agency_of(lead_a)]))
    deputy = make_lead(agency_of(lead_a), "deputy-a")  # no name given: known by username
    services.progress_post(actor=lead_a, action=action, text="Trainer found")
    services.progress_post(actor=deputy, action=action, text="Sessions booked")
    quiet = make_action(action.recommendation, agency=agency_of(lead_a), title="Audit records")
    page = text(
        client_for(silg_chair)
        .get(reverse("review-meeting-pack", args=[SLUG, action.recommendation.review.pk]))
        .content.decode()
    )
    posted = date_format(timezone.localdate())
    assert f"Latest progress Sessions booked deputy-a, {posted}" in page
    assert "Trainer found" not in page
    assert quiet.title in page and "Latest progress None posted" in page


def test_the_publishable_summary_leaves_out_names_comments_and_evidence(client_for, lead_b, review):
    page = text(
        client_for(lead_b).get(reverse("review-summary", args=[SLUG, review.pk])).content.decode()
    )
    assert "Clare: progress on its recommendations" in page and "Commission Sandstories" in page
    for secret in [
        "Alex Lead",
        "Sam Chair",
        "Contract agreed",
        "Add the attendance register",
        "attendance-register.pdf",
        "Four sessions delivered",
    ]:
        assert secret not in page, secret


def test_the_meeting_pack_is_for_the_partnership_team_and_the_chair(client_for, personas, review):
    for role, status in {"partnership": 200, "chair": 200, "lead_a": 403, "no_role": 404}.items():
        response = client_for(personas[role]).get(
            reverse("review-meeting-pack", args=[SLUG, review.pk])
        )
        assert response.status_code == status


def test_the_pack_has_a_print_stylesheet(client_for, silg_chair, review):
    page = (
        client_for(silg_chair)
        .get(reverse("review-meeting-pack", args=[SLUG, review.pk]))
        .content.decode()
    )
    assert 'href="/static/build/print.css" media="print"' in page


@pytest.mark.parametrize("rows", [5, 60])
def test_the_pack_keeps_a_fixed_number_of_queries(
    client_for, silg_chair, lead_a, rows, django_assert_max_num_queries
):
    review = make_review()
    bulk_recommendations(review, rows, agencies=[agency_of(lead_a)])
    client = client_for(silg_chair)
    # The session, the person, their memberships; the review, its themes, recommendations,
    # their agencies and actions (with their latest update), and the actions' decisions and
    # evidence; on
    # PostgreSQL, entering and leaving the partnership's row-level security.
    with django_assert_max_num_queries(10 + row_security_queries()):
        client.get(reverse("review-meeting-pack", args=[SLUG, review.pk]))


# As PDF (issue 20, item 5) ----------------------------------------------------------------


def pdf_text(response) -> tuple[list[str], str]:
    """Each page's text of a downloaded PDF, read back with pypdf, and all of it."""
    import io

    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(response.content))
    pages = [" ".join(page.extract_text().split()) for page in reader.pages]
    return pages, " ".join(pages)


def test_the_meeting_pack_downloads_as_a_pdf_with_contents_and_numbered_pages(
    client_for, silg_chair, review
):
    make_recommendation(review, number=2, text="Share the toolkit with GPs")
    response = client_for(silg_chair).get(
        reverse("review-meeting-pack-pdf", args=[SLUG, review.pk])
    )
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="clare-silg-meeting-pack.pdf"'
    assert response["Cache-Control"] == "no-store"
    pages, everything = pdf_text(response)
    assert len(pages) == 3  # the contents, then each recommendation on a page of its own
    assert "Contents" in pages[0] and "Recommendation 1" in pages[0]
    for number, page in enumerate(pages, start=1):
        assert f"Page {number} of 3" in page
    evidence = review.recommendations.get(number=1).actions.get().evidence.get()
    for words in [
        "Clare: SILG meeting pack",
        "Commission Sandstories",
        "Contract agreed with the trainer",
        "Add the attendance register",
        "attendance-register.pdf",
        evidence.sha256,
        "Share the toolkit with GPs",
    ]:
        assert words in everything.replace(" ", "") or words in everything, words
    assert "Share the toolkit with GPs" in pages[2]


def test_the_summary_pdf_leaves_out_names_comments_and_evidence(client_for, lead_b, review):
    response = client_for(lead_b).get(reverse("review-summary-pdf", args=[SLUG, review.pk]))
    assert response.status_code == 200
    _pages, everything = pdf_text(response)
    assert "Clare: progress on its recommendations" in everything
    for secret in ["Alex Lead", "Sam Chair", "Add the attendance register", "attendance-register"]:
        assert secret not in everything, secret


def test_the_meeting_pack_pdf_is_for_the_partnership_team_and_the_chair(
    client_for, personas, review
):
    address = reverse("review-meeting-pack-pdf", args=[SLUG, review.pk])
    for role, status in {"partnership": 200, "chair": 200, "lead_a": 403, "no_role": 404}.items():
        assert client_for(personas[role]).get(address).status_code == status, role
