"""Past "complete" in a real browser (issue 19, item 1, "How it is judged"): the SILG chair
closes a recommendation, the partnership team records the impact evidence, the chair
confirms it embedded, and the blue tag shows in the list, the export and the meeting pack;
axe finds nothing on the new forms."""

import csv
import io

import pytest

from reviews.models import Review
from tests.browser.conftest import SOUTHAMPTON, banner, sign_in
from tests.browser.test_accessibility import axe_violations
from tests.makers import make_action, make_recommendation

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TEXT = "Make the toolkit part of every GP practice's induction"
AUDIT_NAME = "public-protection-briefing-note.txt"
AUDIT = f"fixtures/evidence/{AUDIT_NAME}"


@pytest.fixture
def ready(demo):
    """A recommendation of a Southampton review whose one action is signed off."""
    review = Review.objects.filter(partnership__slug=SOUTHAMPTON).order_by("pk").first()
    number = review.recommendations.count() + 10
    recommendation = make_recommendation(review, number=number, text=TEXT)
    agency = review.partnership.agencies.order_by("pk").first()
    make_action(recommendation, agency=agency, status="completed")
    return recommendation


def test_closed_then_checked_then_embedded_shows_blue_everywhere(page, ready):
    address = f"/{SOUTHAMPTON}/recommendations/{ready.pk}/"

    # The SILG chair closes it: its impact is to be checked in six months.
    sign_in(page, "silg-chair")
    page.goto(address)
    page.click("text=Close the recommendation")
    page.fill("#id_impact_statement", "Every practice inducts new staff with the toolkit.")
    page.click("button:has-text('Close the recommendation')")
    assert banner(page) == f"Recommendation {ready.number} closed"
    assert "Impact to be checked by" in page.inner_text("main")

    # The partnership team records what the impact check found: the method forgotten first.
    sign_in(page, "partnership")
    page.goto(address)
    page.click("text=Record an impact check")
    page.fill("#id_findings", "A re-audit of 20 case files found the toolkit used in 18.")
    page.click("button:has-text('Record the impact check')")
    assert "Choose how the impact was checked" in page.inner_text(".govuk-error-summary")
    assert axe_violations(page) == []
    page.check("label:has-text('Re-audit of case files')")
    page.set_input_files("#id_files", AUDIT)  # with the file the re-audit wrote up
    page.click("button:has-text('Record the impact check')")
    assert banner(page) == "Impact check recorded: it awaits the SILG chair"
    assert "Impact awaiting confirmation" in page.inner_text("main")

    # The SILG chair finds it on Home and confirms it embedded.
    sign_in(page, "silg-chair")
    page.goto(f"/{SOUTHAMPTON}/")
    waiting = page.locator(
        "li", has_text=f"recommendation {ready.number}: is its learning embedded"
    )
    waiting.locator("a").click()
    assert "A re-audit of 20 case files" in page.inner_text("main")
    assert axe_violations(page) == []
    with page.expect_download() as download:
        page.click(f"a:has-text('{AUDIT_NAME}')")
    with open(download.value.path(), "rb") as opened, open(AUDIT, "rb") as uploaded:
        assert opened.read() == uploaded.read()
    page.check("label:has-text('Embedded')")
    page.click("button:has-text('Save the decision')")
    assert banner(page) == f"Recommendation {ready.number}: Embedded"
    tag = page.locator("dd .govuk-tag").first
    assert tag.inner_text() == "Embedded" and "govuk-tag--blue" in tag.get_attribute("class")
    assert axe_violations(page) == []

    # The list, filtered to embedded recommendations: the blue tag.
    page.goto(f"/{SOUTHAMPTON}/recommendations/?state=embedded")
    row = page.locator("tr", has_text=TEXT[:30])
    assert "govuk-tag--blue" in row.locator(".govuk-tag").get_attribute("class")

    # The export: the recommendation's status in its own column.
    page.goto(f"/{SOUTHAMPTON}/actions/")
    with page.expect_download() as download:
        page.click("a:has-text('CSV')")
    with open(download.value.path(), encoding="utf-8-sig") as exported:
        rows = [r for r in csv.DictReader(io.StringIO(exported.read()))]
    [exported_row] = [r for r in rows if r["Recommendation text"] == TEXT]
    assert exported_row["Recommendation status"] == "Embedded"

    # The meeting pack.
    page.goto(f"/{SOUTHAMPTON}/reviews/{ready.review_id}/meeting-pack/")
    section = page.locator(f"#rec-{ready.pk}")
    assert "govuk-tag--blue" in section.locator(".govuk-tag").first.get_attribute("class")
    assert "Embedded: confirmed by" in page.inner_text("main")
