"""Past "complete" (issue 19, item 1): closing a recommendation sets the date its impact is
checked; the partnership team records the impact check; the SILG chair confirms it
Embedded (a blue tag) or Not yet embedded, which reopens it with a new check date. Each
step on the record, refused to anyone else, and known to the list, the export, the meeting
pack, the dashboard, the reminders and the annual figures."""

import csv
import datetime
import hashlib
import io
import zoneinfo

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from actions import notices, reminders
from actions.reports import FinancialYear, annual_figures
from audits.models import AuditRecord
from reviews import services
from reviews.models import ImpactCheck, ImpactEvidence, Recommendation
from sscp import roles
from sscp.scope import Scope
from tests.conftest import stored_evidence
from tests.files import ACCEPTED, upload
from tests.makers import (
    SLUG,
    agency_of,
    default_partnership,
    make_action,
    make_partnership,
    make_recommendation,
    make_review,
    make_user,
)
from tests.pages import text

pytestmark = pytest.mark.django_db

D = datetime.date
LONDON = zoneinfo.ZoneInfo("Europe/London")
CLOSED_ON = D(2026, 6, 1)  # a Monday
CHECK_DUE = D(2026, 12, 1)  # six months later, a Tuesday


def at(day, hour=12):
    return time_machine.travel(
        datetime.datetime.combine(day, datetime.time(hour), LONDON), tick=False
    )


@pytest.fixture
def closed(silg_chair, lead_a):
    """Recommendation 2 of “Clare”, its one action signed off, closed on 1 June 2026."""
    with at(CLOSED_ON):
        clare = make_review(title="Clare")
        recommendation = make_recommendation(clare, number=2, text="Share the toolkit with GPs")
        make_action(recommendation, agency=agency_of(lead_a), status="completed")
        closed = services.recommendation_close(
            actor=silg_chair, recommendation=recommendation, impact_statement="GPs use it"
        )
        notices.deliver()  # the notice of its closing, told at once: not what is tested here
        mail.outbox.clear()
        return closed


def url(name, recommendation):
    return reverse(name, args=[SLUG, recommendation.pk])


def record_check(client, recommendation, **data):
    data = {"method": "re_audit", "findings": "18 of 20 case files use the toolkit"} | data
    return client.post(url("impact-check-create", recommendation), data)


def decide(client, recommendation, **data):
    return client.post(url("impact-check-decide", recommendation), data)


def rows():
    """What a refused post must leave as it was."""
    return (
        list(Recommendation.objects.order_by("pk").values()),
        list(ImpactCheck.objects.order_by("pk").values()),
        Recommendation.history.count(),
    )


def test_closing_sets_the_date_its_impact_is_checked(client_for, closed, partnership_officer):
    assert closed.impact_check_due_on == CHECK_DUE
    with at(D(2026, 7, 1)):
        page = text(client_for(partnership_officer).get(closed.get_absolute_url()).content.decode())
    assert "Impact to be checked by 1 December 2026" in page
    assert "Status Closed" in page
    with at(CHECK_DUE):
        page = text(client_for(partnership_officer).get(closed.get_absolute_url()).content.decode())
    assert "Status Impact check due" in page


def test_the_team_records_the_check_and_the_chair_confirms_it_embedded(
    client_for, closed, partnership_officer, silg_chair
):
    with at(CHECK_DUE):
        team = client_for(partnership_officer)
        response = record_check(team, closed)
        assert response.status_code == 302
        page = text(team.get(closed.get_absolute_url()).content.decode())
        assert "Status Impact awaiting confirmation" in page
        assert "How it was checked Re-audit of case files" in page
        assert "Decide whether it is embedded" not in page  # the chair's, not the team's

        chair = client_for(silg_chair)
        home = text(chair.get(reverse("home", args=[SLUG])).content.decode())
        assert "Impact awaiting your confirmation Clare, recommendation 2" in home
        response = decide(chair, closed, outcome="embedded")
        assert response.status_code == 302
        html = chair.get(closed.get_absolute_url()).content.decode()
    assert '<strong class="govuk-tag govuk-tag--blue">Embedded</strong>' in html
    assert "Embedded Confirmed by Sam Chair on 1 December 2026" in text(html)
    closed.refresh_from_db()
    assert closed.is_embedded and closed.embedded_by == silg_chair
    reasons = list(
        Recommendation.history.filter(id=closed.pk).values_list("history_change_reason", flat=True)
    )
    assert reasons[0] == "Embedded: confirmed by the SILG chair"
    check = ImpactCheck.objects.get()
    assert check.history.latest().history_change_reason == "Impact check decided: Embedded"


def test_not_yet_embedded_reopens_it_with_a_new_check_date(
    client_for, closed, partnership_officer, silg_chair
):
    with at(CHECK_DUE):
        record_check(client_for(partnership_officer), closed)
        chair, before = client_for(silg_chair), rows()
        page = text(decide(chair, closed, outcome="not_yet_embedded").content.decode())
        assert "Enter what still needs to change" in page
        assert rows() == before
        response = decide(
            chair, closed, outcome="not_yet_embedded", decision_comment="Health visitors next"
        )
        assert response.status_code == 302
        page = text(chair.get(closed.get_absolute_url()).content.decode())
    closed.refresh_from_db()
    assert not closed.is_closed and closed.impact_check_due_on == D(2027, 6, 1)
    assert "Status Open" in page and "Impact to be checked by 1 June 2027" in page
    assert "Not yet embedded 1 December 2026 by Sam Chair Health visitors next" in page
    assert "Plan an action" not in page  # the chair's page: the team plans the follow-up
    latest = Recommendation.history.filter(id=closed.pk).latest().history_change_reason
    assert latest == (
        "Not yet embedded: reopened for follow-up actions, its impact to be checked again by "
        "1 June 2027"
    )


def test_an_impact_check_needs_its_findings_and_method(client_for, closed, partnership_officer):
    client, before = client_for(partnership_officer), rows()
    page = text(record_check(client, closed, findings="  ", method="").content.decode())
    assert "Enter what the impact check found" in page
    assert "Choose how the impact was checked" in page
    assert rows() == before


def test_an_open_recommendation_has_no_impact_check_yet(partnership_officer, client_for):
    recommendation = make_recommendation()
    client, before = client_for(partnership_officer), rows()
    page = text(record_check(client, recommendation).content.decode())
    assert "Record an impact check once the recommendation is closed" in page
    assert rows() == before


def test_only_the_chair_confirms_and_only_the_team_records(
    client_for, closed, partnership_officer, silg_chair, lead_a
):
    with at(CHECK_DUE):
        assert record_check(client_for(lead_a), closed).status_code == 403
        assert record_check(client_for(silg_chair), closed).status_code == 403
        record_check(client_for(partnership_officer), closed)
        before = rows()
        for person in (partnership_officer, lead_a):
            assert decide(client_for(person), closed, outcome="embedded").status_code == 403
        assert rows() == before
        stranger = make_user(
            "other-team", role=roles.PARTNERSHIP_TEAM, partnership=make_partnership("o")
        )
        other = client_for(stranger)
        for name in ("impact-check-create", "impact-check-decide"):
            assert other.get(reverse(name, args=["o", closed.pk])).status_code == 404
        assert rows() == before


def test_with_nothing_to_decide_the_decision_page_is_not_found(client_for, closed, silg_chair):
    assert client_for(silg_chair).get(url("impact-check-decide", closed)).status_code == 404


def test_the_list_the_export_and_the_meeting_pack_know_embedded(
    client_for, closed, partnership_officer, silg_chair
):
    with at(CHECK_DUE):
        record_check(client_for(partnership_officer), closed)
        decide(client_for(silg_chair), closed, outcome="embedded")
        client = client_for(silg_chair)
        listed = client.get(reverse("recommendation-list", args=[SLUG]) + "?state=embedded")
        exported = client.get(reverse("action-list-csv", args=[SLUG]))
        pack = client.get(reverse("review-meeting-pack", args=[SLUG, closed.review_id]))
    assert "Embedded" in text(listed.content.decode())
    assert "Share the toolkit with GPs" in text(listed.content.decode())
    [row] = list(csv.DictReader(io.StringIO(b"".join(exported.streaming_content).decode())))
    assert row["Recommendation status"] == "Embedded"
    assert "Embedded: confirmed by Sam Chair on 1 December 2026" in text(pack.content.decode())


def test_the_team_is_reminded_once_when_the_check_falls_due(closed, partnership_officer):
    with at(CHECK_DUE - datetime.timedelta(days=1), hour=7):
        reminders.sweep()
    assert mail.outbox == []
    with at(CHECK_DUE, hour=7):
        reminders.sweep()
        reminders.sweep()
    [digest] = mail.outbox
    assert digest.to == [partnership_officer.email]
    body = digest.body
    assert body.count("Impact check of recommendation 2") == 1
    assert "due 1 December 2026 (today)" in body


def test_a_check_recorded_before_delivery_cancels_the_reminder(closed, partnership_officer):
    with at(CHECK_DUE, hour=6):
        planned = reminders.plan(CHECK_DUE)
        reminders.record(planned, CHECK_DUE)
        services.impact_check_record(
            actor=partnership_officer, recommendation=closed, method="survey", findings="Used"
        )
        reminders.deliver()
    assert mail.outbox == []


def test_the_annual_figures_give_the_share_embedded_and_the_checks_overdue(
    closed, partnership_officer, silg_chair, lead_a
):
    with at(CLOSED_ON):
        other = make_recommendation(closed.review, number=3)
        make_action(other, agency=agency_of(lead_a), status="completed")
        services.recommendation_close(actor=silg_chair, recommendation=other, impact_statement="x")
    with at(CHECK_DUE):
        check = services.impact_check_record(
            actor=partnership_officer, recommendation=closed, method="indicator", findings="Up"
        )
        services.impact_decide(actor=silg_chair, impact_check=check, outcome="embedded")
    scope = Scope.of([default_partnership()])
    with at(D(2027, 3, 31)):
        figures = annual_figures(FinancialYear(2026), scope=scope)
    assert (figures.closed_by_year_end, figures.embedded_by_year_end) == (2, 1)
    assert figures.embedded_percent == 50
    assert figures.impact_checks_overdue == 1  # recommendation 3, due 1 December


# The files that show it ------------------------------------------------------------


def record_with_files(client, recommendation, *files, **data):
    data = {"method": "re_audit", "findings": "18 of 20 case files use the toolkit"} | data
    return client.post(url("impact-check-create", recommendation), data | {"files": list(files)})


def test_the_checks_files_are_stored_and_opened_only_by_the_team_and_the_chair(
    client_for, closed, partnership_officer, silg_chair, lead_a
):
    audit, survey = ACCEPTED["report.pdf"], ACCEPTED["minutes.txt"]
    with at(CHECK_DUE):
        team = client_for(partnership_officer)
        response = record_with_files(
            team, closed, upload("Re-audit.pdf", audit), upload("survey.txt", survey)
        )
        assert response.status_code == 302
        check = ImpactCheck.objects.get()
        files = list(check.files.order_by("pk"))
        assert [(f.original_name, f.sha256) for f in files] == [
            ("Re-audit.pdf", hashlib.sha256(audit).hexdigest()),
            ("survey.txt", hashlib.sha256(survey).hexdigest()),
        ]
        assert sorted(stored_evidence()) == sorted(f.file.name for f in files)
        reasons = {f.history.get().history_change_reason for f in files}
        assert reasons == {"File recorded with an impact check"}

        chair = client_for(silg_chair)
        page = text(chair.get(url("impact-check-decide", closed)).content.decode())
        assert f"Re-audit.pdf (download) ({len(audit)} bytes)" in page
        assert f"SHA-256: {files[0].sha256}" in page
        response = chair.get(files[0].get_absolute_url())
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == audit
        assert response["Content-Disposition"] == 'attachment; filename="Re-audit.pdf"'
        assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
        download = AuditRecord.objects.filter(change=AuditRecord.Change.DOWNLOADED).get()
        assert download.user == silg_chair and files[0].sha256 in download.reason

        # An agency lead reads the check, not the files: their names may name a child.
        lead = client_for(lead_a)
        page = text(lead.get(closed.get_absolute_url()).content.decode())
        assert "Files that show it 2 files, which only the partnership team" in page
        assert "Re-audit.pdf" not in page
        assert lead.get(files[0].get_absolute_url()).status_code == 404


def test_a_file_that_is_not_what_it_claims_is_refused_and_nothing_is_saved(
    client_for, closed, partnership_officer
):
    client, before = client_for(partnership_officer), rows()
    with at(CHECK_DUE):
        response = record_with_files(
            client,
            closed,
            upload("survey.txt", ACCEPTED["minutes.txt"]),
            upload("audit.pdf", b"not a PDF at all"),
        )
    page = text(response.content.decode())
    assert "There is a problem" in page
    assert "The selected file is not a real PDF file, or it is damaged" in page
    assert rows() == before and not ImpactEvidence.objects.exists()
    assert stored_evidence() == []


def test_a_checks_file_opens_for_the_team_and_the_chair_and_is_unknown_to_everyone_else(
    client_for, closed, personas, partnership_officer
):
    """The download, for every role, another partnership's team and a guessed number."""
    with at(CHECK_DUE):
        record_with_files(
            client_for(partnership_officer), closed, upload("Re-audit.pdf", ACCEPTED["report.pdf"])
        )
    evidence = ImpactEvidence.objects.get()
    address = reverse("impact-evidence-download", args=[SLUG, evidence.pk])
    for role, person in personas.items():
        expected = 200 if role in {"partnership", "chair"} else 404
        assert client_for(person).get(address).status_code == expected, role
        assert client_for(person).post(address).status_code in {403, 404, 405}, role
    stranger = make_user(
        "other-team", role=roles.PARTNERSHIP_TEAM, partnership=make_partnership("o")
    )
    other = client_for(stranger)
    assert (
        other.get(reverse("impact-evidence-download", args=["o", evidence.pk])).status_code == 404
    )
    guessed = reverse("impact-evidence-download", args=[SLUG, evidence.pk + 1])
    assert client_for(partnership_officer).get(guessed).status_code == 404
