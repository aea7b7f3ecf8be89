"""Script written into the record never runs in a browser: escaped, and refused by the CSP."""

import pytest
from django.urls import reverse

from actions import services
from sscp.models import User
from tests.browser.conftest import SOUTHAMPTON, sign_in
from tests.makers import agency_of, make_action, make_recommendation, make_review

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PAYLOAD = '<script>alert("x")</script><img src=x onerror="alert(1)"><svg onload=alert(2)>'


def test_no_script_from_the_record_runs_on_any_page(page, demo):
    lead = User.objects.get(username="lead-council")
    review = make_review(title=f"Hostile {PAYLOAD}", summary=PAYLOAD)
    recommendation = make_recommendation(review, text=PAYLOAD, agencies=[agency_of(lead)])
    action = make_action(
        recommendation, agency=agency_of(lead), title=f"Act {PAYLOAD}", status="not_started"
    )
    services.progress_post(actor=lead, action=action, text=PAYLOAD)
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    sign_in(page, "silg-chair")
    for url in [
        review.get_absolute_url(),
        recommendation.get_absolute_url(),
        action.get_absolute_url(),
        reverse("action-list", args=[SOUTHAMPTON]) + "?q=Act",
        reverse("audit-log", args=[SOUTHAMPTON]),
        reverse("action-timeline", args=[SOUTHAMPTON, action.pk]),
        reverse("review-meeting-pack", args=[SOUTHAMPTON, review.pk]),
        reverse("review-summary", args=[SOUTHAMPTON, review.pk]),
    ]:
        response = page.goto(url)
        assert "unsafe-inline" not in response.headers["content-security-policy"]
        page.wait_for_timeout(100)
        assert PAYLOAD.split("<img")[0] in page.inner_text("main") or "Hostile" in page.inner_text(
            "main"
        )
    assert dialogs == []
