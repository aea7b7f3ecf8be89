"""Pages that fit their screen (issue 15, item 25), measured in a real browser."""

import pytest
from django.urls import reverse

from actions import services
from sscp.models import User
from tests.browser.conftest import SOUTHAMPTON, sign_in
from tests.files import ACCEPTED, upload
from tests.makers import agency_of, make_action, make_recommendation, make_review

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LONG_WORD = "Unbroken" * 64  # 512 characters without a space


def page_width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def test_an_unbroken_title_wraps_instead_of_widening_the_page(page, demo):
    """Issue 15, item 25: a 500-character title made a page 4,962 px wide."""
    lead = User.objects.get(username="lead-council")
    review = make_review(title=f"Review {LONG_WORD[:150]}")
    recommendation = make_recommendation(review, agencies=[agency_of(lead)])
    action = make_action(
        recommendation, agency=agency_of(lead), title=LONG_WORD[:200], description=LONG_WORD
    )
    sign_in(page, "lead-council")
    for width in (1280, 320):
        page.set_viewport_size({"width": width, "height": 900})
        for url in [
            action.get_absolute_url(),
            review.get_absolute_url(),
            reverse("action-list", args=[SOUTHAMPTON]),
        ]:
            page.goto(url)
            wide = page.evaluate(
                "w => [...document.querySelectorAll('body *')].filter(e => "
                "e.getBoundingClientRect().right > w + 1).slice(0, 5).map(e => "
                "e.tagName + '.' + e.className)",
                width,
            )
            assert page_width(page) <= width, f"{url} at {width}px: {page_width(page)}px: {wide}"


def test_the_audit_log_fits_its_column_at_1280_pixels(page, demo):
    """Issue 15, item 25: a SHA-256 fingerprint in a change widened the log's table."""
    lead = User.objects.get(username="lead-council")
    action = make_action(agency=agency_of(lead))
    services.evidence_attach(
        actor=lead,
        action=action,
        uploads=[upload("report.pdf", ACCEPTED["report.pdf"])],
        description="The audit",
    )
    sign_in(page, "silg-chair")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(reverse("audit-log", args=[SOUTHAMPTON]))
    wrapper = page.locator(".sscp-table-wrapper").first
    sizes = wrapper.evaluate("w => [w.scrollWidth, w.clientWidth]")
    assert sizes[0] <= sizes[1], f"the table is {sizes[0]}px in a {sizes[1]}px column"


def test_a_table_wider_than_a_narrow_screen_says_it_scrolls(page, demo):
    """Issue 15, item 25: at 320 px the Due and Status columns were out of sight, unsaid."""
    sign_in(page, "partnership")
    page.set_viewport_size({"width": 320, "height": 900})
    page.goto(reverse("action-list", args=[SOUTHAMPTON]))
    wrapper = page.locator(".sscp-table-wrapper").first
    assert wrapper.evaluate("w => w.scrollWidth > w.clientWidth")
    hint = page.locator(".sscp-table-hint").first
    assert "scroll sideways to see every column" in hint.inner_text()
    assert wrapper.get_attribute("tabindex") == "0" and wrapper.get_attribute("role") == "region"
    wrapper.focus()
    for _ in range(5):
        page.keyboard.press("ArrowRight")
    page.wait_for_function(  # the keyboard scrolls it (smoothly: wait for it to move)
        "() => document.querySelector('.sscp-table-wrapper').scrollLeft > 0"
    )
    assert page_width(page) <= 320
