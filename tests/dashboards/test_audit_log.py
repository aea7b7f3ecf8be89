"""The site-wide audit log: filters, scope by role, reads on the record, streamed CSV."""

import csv
import datetime
import io
import re

import pytest
import time_machine
from django.http import StreamingHttpResponse
from django.urls import reverse

from actions import services
from audits.history import acting_as
from audits.models import AuditRecord
from sscp.pagination import PAGE_SIZE
from tests.makers import (
    SLUG,
    agency_of,
    default_partnership,
    make_action,
    make_evidence,
    make_recommendation,
    make_review,
    make_user,
)
from tests.pages import text

pytestmark = pytest.mark.django_db


def log_text(client, **params):
    """What the log shows: its records (not the filter form's options)."""
    page = client.get(reverse("audit-log", args=[SLUG]), params).content.decode()
    errors = re.search(r'<div class="govuk-error-summary".*?</ul>', page, re.S)
    table = re.search(r"<table.*</table>", page, re.S)
    return text(" ".join(m.group(0) for m in (errors, table) if m))


def records_shown(client, **params) -> int:
    page = client.get(reverse("audit-log", args=[SLUG]), params).content.decode()
    return page.count('<tr class="govuk-table__row">') - 1  # less the header row


def csv_rows(client, **params):
    response = client.get(reverse("audit-log-csv", args=[SLUG]), params)
    assert isinstance(response, StreamingHttpResponse)
    body = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(body)))


@pytest.fixture
def activity(lead_a, lead_b, silg_chair, partnership_officer):
    """Two agencies' actions on two reviews, a day apart, with progress, evidence and sign-off."""
    with time_machine.travel(datetime.datetime(2026, 3, 2, 10, tzinfo=datetime.UTC), tick=False):
        action_a = make_action(
            agency=agency_of(lead_a), title="Agency A's action", status="not_started",
            recommendation=None,
        )  # fmt: skip
        services.progress_post(actor=lead_a, action=action_a, text="A started")
    with time_machine.travel(datetime.datetime(2026, 3, 3, 10, tzinfo=datetime.UTC), tick=False):
        action_b = make_action(
            agency=agency_of(lead_b), title="Agency B's action", status="not_started"
        )
        services.progress_post(actor=lead_b, action=action_b, text="B started")
        evidence_b = make_evidence(action_b, name="b-evidence.pdf", uploaded_by=lead_b)
        services.action_submit(actor=lead_b, action=action_b, completion_statement="Done")
        services.action_approve(actor=silg_chair, action=action_b)
    return action_a, action_b, evidence_b


def test_the_chair_and_the_partnership_team_see_everything(client_for, personas, activity):
    for role in ["chair", "partnership"]:
        page = log_text(client_for(personas[role]))
        assert "Agency A's action" in page and "Agency B's action" in page
        assert "b-evidence.pdf" in page


def test_an_agency_lead_sees_only_reviews_recommendations_and_their_own_agency(
    client_for, lead_a, activity
):
    page = log_text(client_for(lead_a))
    assert "Agency A's action" in page and "A started" in page
    assert "Agency B's action" not in page and "B started" not in page
    assert "b-evidence.pdf" not in page
    assert "recommendation 1" in page  # recommendations are for everyone


@pytest.mark.parametrize(
    "params, present, absent",
    [
        (
            {"from_date_0": "3", "from_date_1": "3", "from_date_2": "2026"},
            ["B started"],
            ["A started"],
        ),
        ({"to_date_0": "2", "to_date_1": "3", "to_date_2": "2026"}, ["A started"], ["B started"]),
        ({"record_type": "progressupdate"}, ["Progress update on"], ["Created: Action"]),
        (
            {"change": "changed"},
            ["Status: Not started → In progress"],
            ["Created: Progress update"],
        ),
    ],
)
def test_each_filter_narrows_the_log(client_for, silg_chair, activity, params, present, absent):
    page = log_text(client_for(silg_chair), **params)
    for words in present:
        assert words in page
    for words in absent:
        assert words not in page


def test_filters_by_user_agency_and_review_combine(client_for, silg_chair, lead_b, activity):
    _, action_b, _ = activity
    client = client_for(silg_chair)
    by_user = AuditRecord.objects.filter(user=lead_b).count()
    assert records_shown(client, user=lead_b.pk) == by_user
    agency_page = log_text(client, agency=agency_of(lead_b).pk)
    assert "Agency B's action" in agency_page and "Agency A's action" not in agency_page
    review = action_b.recommendation.review
    both = log_text(client, review=review.pk, change="created", record_type="evidence")
    assert records_shown(client, review=review.pk, change="created", record_type="evidence") == 1
    assert "b-evidence.pdf" in both
    other_review = log_text(client, review=make_review(title="Unrelated").pk)
    assert "Review “Unrelated”" in other_review
    assert records_shown(client, review=make_review(title="Unrelated too").pk) == 1


def test_a_bad_filter_is_explained(client_for, silg_chair, activity):
    page = log_text(client_for(silg_chair), from_date_0="31", from_date_1="2", from_date_2="2026")
    assert "There is a problem" in page and "From must be a real date" in page


def test_long_changes_are_cut_short_in_the_log_and_kept_whole_in_the_csv(
    client_for, silg_chair, lead_a
):
    action = make_action(agency=agency_of(lead_a), description="Short before")
    services.action_update(
        actor=lead_a, action=action, owner=None, title="Renamed",
        description="word " * 40, success_measure=action.success_measure,
    )  # fmt: skip
    page = log_text(client_for(silg_chair))
    assert f"Description: Short before → {('word ' * 24)[:119]}…" in page
    assert f"Title: {action.title} → Renamed" in page
    assert any(
        ("word " * 40).strip() in cell for row in csv_rows(client_for(silg_chair)) for cell in row
    )


def test_the_log_is_paginated(client_for, silg_chair, activity):
    for n in range(60):
        make_review(title=f"Paginated {n}")
    client = client_for(silg_chair)
    first = client.get(reverse("audit-log", args=[SLUG])).content.decode()
    assert "Page 1" in first and 'rel="next"' in first
    second = client.get(
        reverse("audit-log", args=[SLUG]), {"page": 2, "record_type": "review"}
    ).content.decode()
    assert "Page 2" in second and "record_type=review&amp;page=1" in second
    assert 'rel="next"' not in second  # 60 reviews and the activity's: two pages
    assert records_shown(client, page=2, record_type="review") == 61 + 1 - PAGE_SIZE


def test_downloads_and_refusals_are_on_the_record(client_for, silg_chair, lead_a, activity):
    _, action_b, evidence_b = activity
    client_for(silg_chair).get(reverse("evidence-download", args=[SLUG, evidence_b.pk]))
    client_for(lead_a).get(reverse("evidence-download", args=[SLUG, evidence_b.pk]))  # refused: 404
    client_for(lead_a).post(
        reverse("action-sign-off", args=[SLUG, action_b.pk]), {"decision": "approve"}
    )
    page = log_text(client_for(silg_chair))
    assert "Downloaded: Evidence “b-evidence.pdf” on “Agency B's action”" in page
    assert f"Refused: GET /test/evidence/{evidence_b.pk}/download/ (404)" in page
    assert f"Refused: POST /test/actions/{action_b.pk}/sign-off/ (403)" in page
    assert "Why: Alex Lead may not see the evidence of Agency B's action" in page
    lead_page = log_text(client_for(lead_a))
    assert "Refused" not in lead_page  # security records are for the partnership and the chair


def test_the_csv_export_streams_the_filtered_log(client_for, silg_chair, lead_b, activity):
    rows = csv_rows(client_for(silg_chair), agency=agency_of(lead_b).pk, change="changed")
    header, body = rows[0], rows[1:]
    assert header[:6] == ["Record", "When", "Who", "Kind of record", "Change", "What"]
    assert body and all(row[4] == "Changed" and row[8] == "Agency B" for row in body)
    assert any("Status: Submitted for sign-off → Completed" in row[6] for row in body)
    assert all(len(row[10]) == 64 for row in body)  # each record's seal


def test_the_csv_export_keeps_to_the_persons_scope(client_for, lead_a, activity):
    rows = csv_rows(client_for(lead_a))[1:]
    agency_records = [row for row in rows if row[3] in {"Action", "Progress update", "Evidence"}]
    assert agency_records and {row[8] for row in agency_records} == {"Agency A"}
    assert not any("b-evidence.pdf" in cell for row in rows for cell in row)


def test_the_csv_export_disarms_formulas(client_for, silg_chair, lead_a):
    formula = '=HYPERLINK("http://evil.example","Click")'
    make_action(
        make_recommendation(make_review(title=formula), agencies=[agency_of(lead_a)]),
        agency=agency_of(lead_a),
    )
    rows = csv_rows(client_for(silg_chair), record_type="action")
    assert rows[1][9] == "'" + formula  # the Review column, shown as text, not run
    for row in rows:
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@"))


def test_a_review_timeline_leads_to_its_records_in_the_log(client_for, silg_chair):
    review = make_review(title="Clare")
    client = client_for(silg_chair)
    timeline = client.get(reverse("review-timeline", args=[SLUG, review.pk])).content.decode()
    link = f'href="{reverse("audit-log", args=[SLUG])}?review={review.pk}"'
    assert link in timeline
    log = client.get(reverse("audit-log", args=[SLUG]), {"review": review.pk}).content.decode()
    assert "Review: Clare" in log
    assert f'type="checkbox" name="review" value="{review.pk}"' in log


def test_who_names_only_people_whose_records_the_viewer_may_see(client_for, lead_a, silg_chair):
    """Issue 15, item 16: `?user=<id>` of an operator whose records an agency lead cannot see
    does not name them to the lead; the chair, who sees their records, gets the filter."""
    operator = make_user(
        "operator", first_name="Olive", last_name="Operator", is_staff=True, is_superuser=True
    )
    client = client_for(operator)
    partnership = default_partnership()
    response = client.post(
        reverse("admin:sscp_partnership_change", args=[partnership.pk]),
        {
            "name": partnership.name,
            "short_name": partnership.short_name,
            "slug": partnership.slug,
            "area": "Test Town",
            "two_factor": partnership.two_factor,
        },
    )
    assert response.status_code == 302
    assert AuditRecord.objects.filter(user=operator).exists()
    lead_page = client_for(lead_a).get(reverse("audit-log", args=[SLUG]), {"user": operator.pk})
    assert lead_page.status_code == 200
    assert "Olive" not in lead_page.content.decode()
    assert "Operator" not in lead_page.content.decode()
    chair_page = client_for(silg_chair).get(
        reverse("audit-log", args=[SLUG]), {"user": operator.pk}
    )
    assert "Who: Olive Operator" in chair_page.content.decode()
    assert "Partnership “Test Safeguarding Children Partnership”" in log_text(
        client_for(silg_chair), user=operator.pk
    )


def test_who_still_finds_people_in_the_leads_part_of_the_log(client_for, lead_a, silg_chair):
    """Issue 15, item 16: someone whose review records a lead reads is still found by id."""
    officer = make_user("officer-2", first_name="Pat", last_name="Planner")
    with acting_as(officer):
        make_review(title="Planned by Pat")
    page = (
        client_for(lead_a)
        .get(reverse("audit-log", args=[SLUG]), {"user": officer.pk})
        .content.decode()
    )
    assert "Who: Pat Planner" in page
