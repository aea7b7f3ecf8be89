"""Exports of a filtered list of actions, as CSV and as XLSX."""

import csv
import datetime
import io

import pytest
from django.http import StreamingHttpResponse
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from actions import services
from actions.exports import COLUMNS
from actions.models import ExtensionRequest
from tests.makers import SLUG, agency_of, make_action, make_recommendation, make_review

pytestmark = pytest.mark.django_db
DUE = datetime.date(2027, 3, 31)


@pytest.fixture
def exported(lead_a, agency_b, silg_chair):
    review = make_review(title="Clare", kind="scr")
    action = make_action(
        make_recommendation(review, number=2, text="Produce the toolkit"),
        agency=agency_of(lead_a),
        owner=lead_a,
        title="Publish the toolkit",
        due_date=DUE,
        original_due_date=datetime.date(2027, 1, 31),
        success_measure="Toolkit published",
    )
    services.progress_post(actor=lead_a, action=action, text="Draft written")
    ExtensionRequest.objects.create(
        action=action,
        requested_by=lead_a,
        due_date_at_request=datetime.date(2027, 1, 31),
        requested_due_date=DUE,
        reason="r",
        status="granted",
        decided_by=silg_chair,
        decided_at=timezone.now(),
    )
    make_action(agency=agency_b, title="Another agency's action")
    return action


def test_the_xlsx_has_a_header_real_dates_frozen_panes_and_widths(
    client_for, silg_chair, exported, lead_a
):
    response = client_for(silg_chair).get(
        reverse("action-list-xlsx", args=[SLUG]), {"agency": agency_of(lead_a).pk}
    )
    assert (
        response["Content-Type"]
        == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert response["Content-Disposition"].startswith('attachment; filename="actions-')
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    sheet = workbook.active
    assert [cell.value for cell in sheet[1]] == [column.header for column in COLUMNS]
    assert sheet[1][0].font.bold
    assert sheet.freeze_panes == "A2"
    assert sheet.column_dimensions["D"].width == 50
    assert sheet.max_row == 2  # the filter kept only agency A's action
    row = {column.header: cell.value for column, cell in zip(COLUMNS, sheet[2], strict=True)}
    assert row["Review"] == "Clare" and row["Recommendation"] == 2
    assert row["Action"] == "Publish the toolkit" and row["Owner"] == "Alex Lead"
    assert row["Original due date"] == datetime.datetime(2027, 1, 31)  # a real date, not text
    assert row["Current due date"] == datetime.datetime(2027, 3, 31)
    assert sheet.cell(row=2, column=11).number_format == "d mmm yyyy"
    assert row["Extensions granted"] == 1 and row["Days overdue"] == 0
    assert row["Latest progress"] == "Draft written"
    assert row["Link"] == f"http://127.0.0.1:8000/test/actions/{exported.pk}/"


def test_the_csv_streams_the_same_columns(client_for, silg_chair, exported):
    response = client_for(silg_chair).get(reverse("action-list-csv", args=[SLUG]), {"q": "toolkit"})
    assert isinstance(response, StreamingHttpResponse)
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0] == [column.header for column in COLUMNS]
    assert len(rows) == 2 and rows[1][4] == "Publish the toolkit" and rows[1][10] == "2027-03-31"


def test_an_agency_lead_exports_their_agency_by_default(client_for, lead_a, exported):
    response = client_for(lead_a).get(reverse("action-list-csv", args=[SLUG]))
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [row[4] for row in rows[1:]] == ["Publish the toolkit"]


def test_formulas_in_exported_text_are_disarmed(client_for, silg_chair, lead_a):
    make_action(
        agency=agency_of(lead_a), title='=HYPERLINK("http://evil.example","Click")', description="d"
    )
    xlsx = client_for(silg_chair).get(reverse("action-list-xlsx", args=[SLUG]))
    sheet = load_workbook(io.BytesIO(b"".join(xlsx.streaming_content))).active
    assert sheet.cell(row=2, column=5).value == '\'=HYPERLINK("http://evil.example","Click")'
    assert sheet.cell(row=2, column=5).data_type == "s"
    csv_response = client_for(silg_chair).get(reverse("action-list-csv", args=[SLUG]))
    rows = list(csv.reader(io.StringIO(b"".join(csv_response.streaming_content).decode())))
    assert rows[1][4].startswith("'=")
