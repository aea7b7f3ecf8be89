"""Bulk import of recommendations and actions: template, preview, errors by row and column."""

import csv
import datetime
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from actions.models import Action
from reviews import imports
from reviews.import_files import COLUMNS
from reviews.models import Recommendation
from tests.makers import SLUG, make_agency, make_lead, make_recommendation, make_review, make_theme
from tests.pages import text

pytestmark = pytest.mark.django_db
HEADERS = [c.header for c in COLUMNS]


@pytest.fixture
def review(db):
    make_agency(name="Southampton City Council", short_name="Council")
    police = make_agency(name="Hampshire Constabulary", short_name="Police")
    make_lead(police, "lead-police")
    make_theme("Neglect")
    return make_review(title="Liam")


def row(
    number="1",
    text="Share sooner",
    themes="Neglect",
    agencies="Council; Police",
    action="Agree protocol",
    agency="Police",
    owner="lead-police",
    description="Draft it",
    measure="Signed",
    due="31/03/2027",
):
    return [number, text, themes, agencies, action, agency, owner, description, measure, due]


def csv_file(rows, headers=HEADERS):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(headers)
    writer.writerows(rows)
    return SimpleUploadedFile("import.csv", buffer.getvalue().encode())


def xlsx_file(rows):
    workbook = Workbook()
    workbook.active.append(HEADERS)
    for values in rows:
        workbook.active.append(values)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile("import.xlsx", buffer.getvalue())


def upload(client, review, file):
    return client.post(reverse("review-import", args=[SLUG, review.pk]), {"file": file})


def nothing_saved():
    return not Recommendation.objects.exists() and not Action.objects.exists()


def test_a_good_file_is_previewed_then_saved_all_together(client_for, partnership_officer, review):
    client = client_for(partnership_officer)
    no_action = dict(action="", agency="", owner="", description="", measure="", due="")
    rows = [
        row(),
        row(action="Notify host forces", description="Ask them"),
        row(number="2", text="Train", **no_action),
    ]
    preview = text(upload(client, review, csv_file(rows)).content.decode())
    assert "The file adds 2 recommendations and 2 actions to Liam" in preview
    assert "Agree protocol (Police, lead-police, due 31 Mar 2027)" in preview
    assert nothing_saved()
    response = client.post(reverse("review-import-confirm", args=[SLUG, review.pk]), follow=True)
    assert "Imported 2 recommendations and 2 actions" in response.content.decode()
    first = review.recommendations.get(number=1)
    assert first.text == "Share sooner" and {a.short_name for a in first.agencies.all()} == {
        "Council",
        "Police",
    }
    assert [t.name for t in first.themes.all()] == ["Neglect"]
    action = first.actions.get(title="Agree protocol")
    assert (action.due_date, action.original_due_date) == (datetime.date(2027, 3, 31),) * 2
    assert action.owner.username == "lead-police"
    assert not review.recommendations.get(number=2).actions.exists()
    assert action.history.get().history_user == partnership_officer


def test_an_xlsx_file_with_real_date_cells_imports(client_for, partnership_officer, review):
    client = client_for(partnership_officer)
    upload(client, review, xlsx_file([row(due=datetime.datetime(2027, 3, 31), number=1)]))
    client.post(reverse("review-import-confirm", args=[SLUG, review.pk]))
    assert Action.objects.get().due_date == datetime.date(2027, 3, 31)


@pytest.mark.parametrize(
    "bad_row, column, message",
    [
        (row(number="2", due="31/02/2027"), "Due date", "“31/02/2027” is not a real date"),
        (row(number="2", agency="Fire"), "Action agency", "There is no agency called “Fire”"),
        (
            row(number="2", agencies="Council; Ambulance"),
            "Owning agencies",
            "There is no agency called “Ambulance”",
        ),
        (row(number="3"), "Recommendation number", "Liam already has a recommendation 3"),
        (row(number="2", text=""), "Recommendation", "Enter the recommendation"),
        (row(number="2", measure=""), "Success measure", "Enter the success measure"),
        (row(number="x"), "Recommendation number", "“x” is not a whole number"),
        (row(number="2", themes="Nonsense"), "Themes", "There is no theme called “Nonsense”"),
        (row(number="2", owner="nobody"), "Action owner", "“nobody” is not a lead of Police"),
        (
            row(number="2", agencies="Council"),
            "Action agency",
            "Police is not one of the recommendation's owning agencies",
        ),
        (
            row(number="1", agencies="Council"),
            "Owning agencies",
            "Differs from recommendation 1 on row 2",
        ),
    ],
)
def test_every_error_is_shown_by_row_and_column_and_nothing_is_saved(
    client_for, partnership_officer, review, bad_row, column, message
):
    make_recommendation(review, number=3)
    before = (Recommendation.objects.count(), Action.objects.count())
    client = client_for(partnership_officer)
    page = text(upload(client, review, csv_file([row(number="1"), bad_row])).content.decode())
    assert "nothing has been imported" in page
    assert f"Row Column Problem 3 {column} {message}" in page  # the file's third row
    assert (Recommendation.objects.count(), Action.objects.count()) == before
    response = client.post(reverse("review-import-confirm", args=[SLUG, review.pk]), follow=True)
    assert "upload the file again" in response.content.decode()
    assert (Recommendation.objects.count(), Action.objects.count()) == before


def test_one_number_with_two_texts_is_an_error(client_for, partnership_officer, review):
    page = text(
        upload(
            client_for(partnership_officer), review, csv_file([row(), row(text="Other")])
        ).content.decode()
    )
    assert "3 Recommendation Differs from recommendation 1 on row 2" in page
    assert nothing_saved()


def test_a_file_without_the_template_columns_is_refused(client_for, partnership_officer, review):
    response = upload(
        client_for(partnership_officer), review, csv_file([["1", "x"]], headers=["Number", "Text"])
    )
    page = text(response.content.decode())
    assert "There is a problem" in page and "missing: Recommendation number" in page
    assert nothing_saved()


def test_a_file_that_is_not_a_spreadsheet_is_refused(client_for, partnership_officer, review):
    fake = SimpleUploadedFile("import.xlsx", b"PK\x03\x04not really a zip")
    page = text(upload(client_for(partnership_officer), review, fake).content.decode())
    assert "There is a problem" in page and "not a real Excel (XLSX) file" in page
    assert nothing_saved()


def test_a_failure_while_saving_leaves_nothing_saved(
    client_for, partnership_officer, review, monkeypatch
):
    client = client_for(partnership_officer)
    upload(client, review, csv_file([row(), row(number="2", text="Train")]))
    from actions import services

    real_create = services.action_create
    calls = []

    def fail_on_second(**kwargs):
        calls.append(kwargs)
        if len(calls) == 2:
            raise RuntimeError("database went away")
        return real_create(**kwargs)

    monkeypatch.setattr(services, "action_create", fail_on_second)
    with pytest.raises(RuntimeError):
        client.post(reverse("review-import-confirm", args=[SLUG, review.pk]))
    assert nothing_saved()


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_the_template_has_every_column(client_for, partnership_officer, file_format):
    response = client_for(partnership_officer).get(
        reverse("import-template", args=[SLUG, file_format])
    )
    content = b"".join(response.streaming_content)
    if file_format == "csv":
        header = next(csv.reader(io.StringIO(content.decode())))
    else:
        header = [cell.value for cell in load_workbook(io.BytesIO(content)).active[1]]
    assert header == HEADERS


def test_only_the_partnership_team_imports(client_for, personas, review):
    for role, status in {"chair": 403, "lead_a": 403, "no_role": 404}.items():
        assert (
            client_for(personas[role])
            .get(reverse("review-import", args=[SLUG, review.pk]))
            .status_code
            == status
        )


def test_a_row_missing_two_fields_reports_both(client_for, partnership_officer, review):
    """Issue 15, item 19: every problem of a row, not only the first."""
    bad = row(number="", text="", measure="")
    page = text(upload(client_for(partnership_officer), review, csv_file([bad])).content.decode())
    assert "2 Recommendation number Enter the recommendation number" in page
    assert "2 Recommendation Enter the recommendation" in page
    assert "2 Success measure Enter the success measure" in page
    assert nothing_saved()


def test_a_fake_spreadsheet_is_refused_in_an_imports_words(client_for, partnership_officer, review):
    """Issue 15, item 19: an import is told what an import takes, not the evidence list."""
    fake = SimpleUploadedFile("import.xlsx", b"PK\x03\x04not really a zip")
    page = text(upload(client_for(partnership_officer), review, fake).content.decode())
    assert "not a real Excel (XLSX) file" in page and "as CSV or Excel (XLSX)" in page
    assert "PDF" not in page and "PowerPoint" not in page
    not_a_table = SimpleUploadedFile("import.pdf", b"%PDF-1.4")
    page = text(upload(client_for(partnership_officer), review, not_a_table).content.decode())
    assert "The file must be a CSV or an Excel (XLSX) file" in page and "PowerPoint" not in page


def _in_years(years):
    today = timezone.localdate()
    return today.replace(year=today.year + years, day=min(today.day, 28))


@pytest.mark.parametrize(
    "due, message",
    [
        ("01/01/1900", "Due date must be on or after 1 January 2000"),
        ("1999-12-31", "Due date must be on or after 1 January 2000"),
        (_in_years(11).strftime("%d/%m/%Y"), "Due date must be on or before "),
    ],
    ids=["1900", "1999", "11 years ahead"],
)
def test_an_impossible_due_date_is_refused_at_its_row_and_column(
    client_for, partnership_officer, review, due, message
):
    """Issue 15, item 20: the import refuses the due dates the action form refuses, and
    saves nothing, even when the person tries to import anyway."""
    client = client_for(partnership_officer)
    rows = [row(), row(number="2", due=due)]
    page = text(upload(client, review, csv_file(rows)).content.decode())
    assert "The file has 1 problem: nothing has been imported" in page
    assert f"Row Column Problem 3 Due date {message}" in page
    assert "Import them" not in page
    response = client.post(
        reverse("review-import-confirm", args=[SLUG, review.pk]), {"confirm": "on"}, follow=True
    )
    assert "upload the file again" in response.content.decode()
    assert nothing_saved()


def test_a_due_date_in_the_past_is_imported_only_once_confirmed(
    client_for, partnership_officer, review
):
    """Issue 15, item 20: a past due date is a warning in the preview, naming its row; the
    import is refused until the box is ticked, as on the action form, and the record says
    what was confirmed."""
    client = client_for(partnership_officer)
    rows = [row(due="01/01/2020"), row(action="Notify host forces")]
    preview = text(upload(client, review, csv_file(rows)).content.decode())
    assert "1 action is due in the past" in preview
    assert "Agree protocol (Police, lead-police, due 1 Jan 2020, in the past)" in preview
    assert "Row 2: the due date, 1 January 2020, is in the past." in preview
    assert "Yes, I have checked and want to continue" in preview
    assert "There is a problem" not in preview  # not an error until they try to import
    confirm = reverse("review-import-confirm", args=[SLUG, review.pk])
    refused = client.post(confirm, {})
    assert refused.status_code == 200
    page = text(refused.content.decode())
    assert "There is a problem Tick the box to confirm, or change your answers" in page
    assert nothing_saved()
    response = client.post(confirm, {"confirm": "on"}, follow=True)
    assert "Imported 1 recommendation and 2 actions" in response.content.decode()
    action = Action.objects.get(title="Agree protocol")
    assert action.due_date == datetime.date(2020, 1, 1)
    reason = action.history.get().history_change_reason
    assert reason == ("Action planned (confirmed: The due date, 1 January 2020, is in the past.)")
    assert Action.objects.get(title="Notify host forces").history.get().history_change_reason == (
        "Action planned"
    )


def test_the_import_is_not_saved_with_a_past_due_date_unconfirmed(partnership_officer, review):
    """Issue 15, item 20: the rule is the import's, not only its page's."""
    keys = [c.key for c in COLUMNS]
    plan = imports.plan_import(review, [dict(zip(keys, row(due="2020-01-01"), strict=True))])
    assert plan.warnings == ["Row 2: the due date, 1 January 2020, is in the past."]
    with pytest.raises(ValidationError):
        imports.apply_import(review, plan, actor=partnership_officer)
    assert nothing_saved()
