"""
Every page type, checked in a real browser with axe-core against the WCAG 2.0, 2.1
and 2.2 A and AA rules, and at 320 CSS pixels wide.

PAGES lists the page types covered; NOT_PAGES the URLs that are not HTML pages.
A test checks the two together name every URL of the app, so a new page without
a check fails it.
"""

import datetime
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from actions.models import Action, Evidence, ExtensionRequest
from learning.models import LearningActivity
from reviews.models import Recommendation, Review
from reviews.selectors import ready_to_close
from sscp.urls import partnership_page_names
from tests.browser.conftest import PASSWORD, SOUTHAMPTON, sign_in
from tests.makers import make_user

pytestmark = pytest.mark.django_db(transaction=True)

AXE = Path(settings.BASE_DIR, "node_modules", "axe-core", "axe.min.js")
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]

# What each URL needs, looked up in the demo data when the page is visited.
OBJECTS = {
    "review": lambda: Review.objects.get(title="Clare").pk,
    "recommendation": lambda: Recommendation.objects.get(review__title="Clare", number=2).pk,
    # The close form is offered only when every action is completed or superseded.
    "ready_recommendation": lambda: (
        ready_to_close(Recommendation.objects.all()).order_by("pk").first().pk
    ),
    "council_action": lambda: (
        Action.objects.get(title="Publish the Unidentified Adults Toolkit").pk
    ),
    "submitted_action": lambda: (
        Action.objects.get(title="Commission Sandstories training on disguised compliance").pk
    ),
    "completed_action": lambda: (
        Action.objects.get(title="Run the multi-agency CSAFE training day").pk
    ),
    "evidence": lambda: (
        Evidence.objects.get(original_name="unidentified-adults-toolkit-draft.pdf").pk
    ),
    "extension": lambda: ExtensionRequest.objects.get(status="pending").pk,
    # Running the partnership (partnerships): a person, an agency, a theme, an invitation.
    "council_lead": lambda: _partnerships_demo("council_lead"),
    "council": lambda: _partnerships_demo("council"),
    "neglect": lambda: _partnerships_demo("neglect"),
    "invitation": lambda: _partnerships_demo("invitation"),
    # A serious incident's review with its local review under way (made once).
    "journey_review": lambda: _journey_review(),
    # Past "complete": a closed recommendation, and one whose impact check awaits the chair.
    "closed_recommendation": lambda: _closed_recommendation().pk,
    "impact_awaiting": lambda: _impact_awaiting(),
    "learning_activity": lambda: (
        LearningActivity.objects.filter(partnership__slug="southampton").order_by("pk").first().pk
    ),
}
# SILG meetings: the demo's, a week ahead, its agenda what awaits the chair; one held
# today, its pack issued and its minutes confirmed (each made once).
OBJECTS["meeting"] = lambda: _meeting(held=False)
OBJECTS["held_meeting"] = lambda: _meeting(held=True)


def _meeting(*, held: bool) -> int:
    from meetings import services
    from meetings.models import Meeting
    from sscp.models import Partnership, User

    southampton = Partnership.objects.get(slug="southampton")
    date = timezone.localdate() + datetime.timedelta(days=0 if held else 7)
    made = Meeting.objects.filter(partnership=southampton, date=date).first()
    if made:
        return made.pk
    team = User.objects.get(username="partnership")
    meeting = services.meeting_create(actor=team, partnership=southampton, date=date)
    if held:
        services.meeting_pack_issue(actor=team, meeting=meeting)
        services.minutes_confirm(actor=team, meeting=meeting)
    return meeting.pk


def _closed_recommendation():
    """A closed recommendation not yet embedded (the demo's Adam & Anna 1)."""
    return (
        Recommendation.objects.filter(
            partnership__slug="southampton", closed_at__isnull=False, embedded_at__isnull=True
        )
        .order_by("pk")
        .first()
    )


def _impact_awaiting() -> int:
    """The closed recommendation, with an impact check recorded (once): visited after the
    page recording one."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from reviews import services
    from sscp.models import User

    recommendation = _closed_recommendation()
    if not recommendation.impact_checks.filter(outcome="").exists():
        services.impact_check_record(
            actor=User.objects.get(username="partnership"),
            recommendation=recommendation,
            method="survey",
            findings="Practitioners surveyed: 31 of 40 use the new pathway.",
            files=[SimpleUploadedFile("survey-results.txt", b"31 of 40 use the new pathway\n")],
        )
    return recommendation.pk


def _journey_review() -> int:
    """Child Q's review in Southampton: notified, rapid review done, a local review
    commissioned and checked once, every date counted back from today."""
    from reviews import services
    from sscp.models import Partnership, User

    southampton = Partnership.objects.get(slug="southampton")
    made = Review.objects.filter(partnership=southampton, child_pseudonym="Child Q").first()
    if made:
        return made.pk
    team, chair = User.objects.get(username="partnership"), User.objects.get(username="silg-chair")
    aware = timezone.localdate() - datetime.timedelta(days=40)

    def on(days):
        return aware + datetime.timedelta(days=days)

    review = services.incident_record(
        actor=team, partnership=southampton, child_pseudonym="Child Q", became_aware_on=aware
    )
    for stage, values in [
        ("notification", {"notified_on": on(2)}),
        ("rapid_review", {"rapid_review_started_on": on(3), "rapid_review_completed_on": on(10),
                          "rapid_review_sent_on": on(10)}),
        ("decision", {"decision": "local_review", "decision_rationale": "Learning about neglect",
                      "decided_on": on(12)}),
        ("local_review", {"local_review_commissioned_on": on(15), "reviewer": "A reviewer"}),
    ]:  # fmt: skip
        services.journey_record(actor=team, review=review, stage=stage, values=values)
    services.progress_check_record(
        actor=chair, review=review, checked_on=on(30), findings="On time; scope agreed."
    )
    return review.pk


def _partnerships_demo(what: str) -> int:
    """The demo's records for the pages of partnerships; an invitation is made once."""
    from partnerships import services
    from partnerships.models import Invitation
    from reviews.models import Theme
    from sscp.models import Agency, Membership, User

    southampton = {"partnership__slug": "southampton"}
    if what == "council_lead":
        return Membership.objects.get(user__username="lead-council", **southampton).pk
    if what == "council":
        return Agency.objects.get(short_name="Council").pk
    if what == "neglect":
        return Theme.objects.get(name="Neglect", **southampton).pk
    team = Membership.objects.get(user__username="partnership", **southampton)
    invitation = Invitation.objects.filter(email="new.person@example.org").first()
    return (
        invitation
        or services.invitation_create(
            actor=User.objects.get(username="partnership"),
            partnership=team.partnership,
            email="new.person@example.org",
            role="team",
        )
    ).pk


@dataclass
class Page:
    label: str
    url_name: str
    user: str | None = None
    target: str | None = None
    query: str = ""
    error_state: list[tuple[str, str]] | None = None  # fields to fill, then submit, to show errors
    url_args: list = field(default_factory=list)
    partnership: str = "southampton"  # a partnership's pages are the demo's Southampton's

    def url(self) -> str:
        args = ([OBJECTS[self.target]()] if self.target else []) + list(self.url_args)
        if self.url_name in partnership_page_names():
            args = [self.partnership, *args]
        return reverse(self.url_name, args=args) + (f"?{self.query}" if self.query else "")


EMPTY = []  # submit the form as it is
PAGES = [
    Page("Sign-in", "login", error_state=EMPTY),
    Page("Reset your password", "password_reset", error_state=[("#id_email", "not an address")]),
    Page("Password reset sent", "password_reset_done"),
    Page("Password reset link expired", "password_reset_confirm", url_args=["MQ", "expired-token"]),
    Page("Password changed", "password_reset_complete"),
    Page("Accessibility statement", "accessibility"),
    # Signed out, the code page is the sign-in page; the code page itself, the set-up
    # with its QR code and the recovery codes are checked in test_two_factor.py.
    Page("Enter your code (signed out)", "two-factor-verify"),
    Page("Dashboard, partnership team", "home", "partnership"),
    Page("Dashboard, SILG chair", "home", "silg-chair"),
    Page("Dashboard, agency lead", "home", "lead-council"),
    Page("Reviews in progress", "reviews-in-progress", "silg-chair"),
    Page("Your partnerships, none yet", "start", "no-role"),
    Page("Your partnerships, two", "start", "lead-police"),
    Page("Dashboard, Portsmouth's team", "home", "portsmouth-team", partnership="portsmouth"),
    Page("Reviews", "review-list", "partnership"),
    Page("Search, results", "search", "lead-council", query="q=neglect"),
    Page("Search, no words to search for", "search", "lead-council", query="q=the+and+of"),
    Page("Search, nothing found", "search", "partnership", query="q=zebra"),
    Page("Review", "review-detail", "partnership", "review"),
    Page("Log a review", "review-create", "partnership", error_state=EMPTY),
    # A serious incident's journey: its record, the review's task list, and its forms.
    Page("Record a serious incident", "incident-create", "partnership", error_state=EMPTY),
    Page("Review, statutory journey", "review-detail", "partnership", "journey_review"),
    Page("Statutory journey, as the chair", "review-detail", "silg-chair", "journey_review"),
    Page(
        "Record the notification",
        "review-stage",
        "partnership",
        "journey_review",
        url_args=["notification"],
        error_state=[("#id_notified_on_0", "")],
    ),
    Page(
        "Record the decision",
        "review-stage",
        "partnership",
        "journey_review",
        url_args=["decision"],
        error_state=[("#id_decision_rationale", "")],
    ),
    Page(
        "Record the local review",
        "review-stage",
        "partnership",
        "journey_review",
        url_args=["local_review"],
        error_state=[("#id_local_review_commissioned_on_0", "")],
    ),
    Page(
        "Record the publication",
        "review-stage",
        "partnership",
        "journey_review",
        url_args=["publication"],
        error_state=[("#id_published_url", "not an address")],
    ),
    Page(
        "Record a progress check",
        "progress-check-create",
        "silg-chair",
        "journey_review",
        error_state=EMPTY,
    ),
    Page("Edit a review", "review-edit", "partnership", "review", error_state=[("#id_title", "")]),
    Page("Review timeline", "review-timeline", "silg-chair", "review"),
    Page("Meeting pack", "review-meeting-pack", "silg-chair", "review"),
    Page("Summary for publication", "review-summary", "lead-police", "review"),
    Page("Import", "review-import", "partnership", "review", error_state=EMPTY),
    Page(
        "Recommendations, filtered",
        "recommendation-list",
        "partnership",
        query="state=open&review_kind=scr",
    ),
    Page("Recommendation", "recommendation-detail", "lead-council", "recommendation"),
    Page(
        "Add a recommendation", "recommendation-create", "partnership", "review", error_state=EMPTY
    ),
    Page(
        "Edit a recommendation",
        "recommendation-edit",
        "partnership",
        "recommendation",
        error_state=[("#id_text", "")],
    ),
    Page(
        "Close a recommendation",
        "recommendation-close",
        "silg-chair",
        "ready_recommendation",
        error_state=EMPTY,
    ),
    Page("Recommendation timeline", "recommendation-timeline", "partnership", "recommendation"),
    Page(
        "Actions, filtered",
        "action-list",
        "lead-council",
        query="status=in_progress&rag=overdue&sort=-due",
    ),
    Page("Actions in all your partnerships", "action-list", "lead-police", partnership="all"),
    Page("Action", "action-detail", "lead-council", "council_action"),
    Page("Action timeline", "action-timeline", "lead-council", "council_action"),
    Page("Plan an action", "action-create", "partnership", "recommendation", error_state=EMPTY),
    Page(
        "Edit an action",
        "action-edit",
        "partnership",
        "council_action",
        error_state=[("#id_title", "")],
    ),
    Page(
        "Correct a due date",
        "action-due-date",
        "partnership",
        "council_action",
        error_state=[("#id_due_date_0", "")],
    ),
    Page("Move an action", "action-move", "partnership", "council_action", error_state=EMPTY),
    Page(
        "Withdraw an action", "action-withdraw", "partnership", "council_action", error_state=EMPTY
    ),
    Page(
        "Withdraw a recommendation",
        "recommendation-withdraw",
        "partnership",
        "recommendation",
        error_state=EMPTY,
    ),
    Page("Withdraw a review", "review-withdraw", "partnership", "review", error_state=EMPTY),
    Page("Withdrawn as logged in error", "withdrawn-list", "partnership"),
    Page("Post progress", "action-progress", "lead-council", "council_action", error_state=EMPTY),
    Page("Upload evidence", "evidence-upload", "lead-council", "council_action", error_state=EMPTY),
    Page("Withdraw evidence", "evidence-withdraw", "lead-council", "evidence", error_state=EMPTY),
    Page(
        "Submit for sign-off", "action-submit", "lead-council", "council_action", error_state=EMPTY
    ),
    Page(
        "Ask for an extension",
        "extension-request",
        "lead-council",
        "council_action",
        error_state=EMPTY,
    ),
    Page("Sign off", "action-sign-off", "silg-chair", "submitted_action", error_state=EMPTY),
    Page("Reopen", "action-reopen", "silg-chair", "completed_action", error_state=EMPTY),
    Page("Supersede", "action-supersede", "silg-chair", "council_action", error_state=EMPTY),
    Page("Decide an extension", "extension-decide", "silg-chair", "extension", error_state=EMPTY),
    Page("Awaiting sign-off", "sign-off-queue", "silg-chair"),
    Page("Your reminders", "my-reminders", "lead-council", error_state=[("uncheck radios", "")]),
    Page("Your calendar feed", "my-calendar", "lead-council"),
    Page("Notifications", "notifications", "lead-council"),
    Page("Your account", "account", "lead-council"),
    Page("Change your name", "account-name", "lead-council", error_state=[("#id_first_name", "")]),
    Page("Change your email address", "account-email", "lead-council", error_state=EMPTY),
    Page(
        "Email confirmation link not right",
        "account-email-confirm",
        "lead-council",
        url_args=["not-a-real-token"],
    ),
    Page("Change your password", "account-password", "lead-council", error_state=EMPTY),
    Page("Set up two-factor authentication", "two-factor-setup", "lead-council", error_state=EMPTY),
    # Without a second factor, the recovery codes page is the set-up page.
    Page("Recovery codes (none yet)", "two-factor-recovery-codes", "lead-council"),
    Page("Annual figures", "annual-report", "partnership", query="year=2020"),
    Page("Recurring learning", "recurring-learning", "silg-chair"),
    Page(
        "Record an impact check",
        "impact-check-create",
        "partnership",
        "closed_recommendation",
        error_state=EMPTY,
    ),
    Page(
        "Decide on an impact check",
        "impact-check-decide",
        "silg-chair",
        "impact_awaiting",
        error_state=EMPTY,
    ),
    Page("Learning activities", "learning-list", "lead-council"),
    Page("A learning activity", "learning-detail", "lead-council", "learning_activity"),
    Page("Record a learning activity", "learning-create", "partnership", error_state=EMPTY),
    Page("Edit a learning activity", "learning-edit", "partnership", "learning_activity"),
    Page("SILG meetings", "meeting-list", "partnership"),
    Page("Arrange a SILG meeting", "meeting-create", "partnership", error_state=EMPTY),
    Page("A SILG meeting's agenda", "meeting-detail", "partnership", "meeting"),
    Page("Minutes not confirmed", "meeting-minutes", "partnership", "meeting"),
    Page("A SILG meeting held, as the chair", "meeting-detail", "silg-chair", "held_meeting"),
    Page("Minutes confirmed", "meeting-minutes", "silg-chair", "held_meeting"),
    Page(
        "Audit log, filtered", "audit-log", "silg-chair", query="record_type=action&change=changed"
    ),
    # Running the partnership (partnerships), by its team; then an invitation's link.
    Page("People", "people", "partnership"),
    Page("Invite a person", "invitation-create", "partnership", error_state=EMPTY),
    Page("Cancel an invitation", "invitation-cancel", "partnership", "invitation"),
    Page("A person", "person-detail", "partnership", "council_lead"),
    Page(
        "Change a person's role",
        "person-edit",
        "partnership",
        "council_lead",
        error_state=[("uncheck radios", "")],
    ),
    Page("Remove a person", "person-remove", "partnership", "council_lead"),
    Page(
        "Reset a second factor",
        "person-second-factor-reset",
        "partnership",
        "council_lead",
        error_state=EMPTY,
    ),
    Page("Agencies", "agency-list", "partnership"),
    Page("Add a new agency", "agency-create", "partnership", error_state=EMPTY),
    Page("Add an existing agency", "agency-join", "partnership", error_state=EMPTY),
    Page("Edit an agency", "agency-edit", "partnership", "council", error_state=[("#id_name", "")]),
    Page("Themes", "theme-list", "partnership"),
    Page("Add a theme", "theme-create", "partnership", error_state=EMPTY),
    Page("Edit a theme", "theme-edit", "partnership", "neglect", error_state=[("#id_name", "")]),
    Page("Settings", "partnership-settings", "partnership", error_state=[("#id_name", "")]),
    Page("Closure days", "closure-days", "partnership", error_state=EMPTY),
    Page("Access review, not signed in", "access-review", "partnership", query="show=dormant"),
    Page("Invitation link not right", "invitation-accept", url_args=["not-a-real-link"]),
]
NOT_PAGES = {
    "logout": "signing out is a POST that redirects to the sign-in page",
    "evidence-download": "a file download",
    "impact-evidence-download": "a file download",
    "annual-report-csv": "a file download",
    "session-keep": "not a page: 'Stay signed in' restarts the idle clock (test_timeout.py)",
    "review-meeting-pack-pdf": "a file download",
    "review-summary-pdf": "a file download",
    "annual-report-xlsx": "a file download",
    "action-list-csv": "a CSV download",
    "action-list-xlsx": "an XLSX download",
    "audit-log-csv": "a CSV download",
    "import-template": "a CSV or XLSX download",
    "calendar-feed": "an iCalendar feed",
    "review-import-confirm": "a POST that redirects",
    "healthz": "JSON for load balancers",
    "invitation-resend": "a POST that redirects",
    "person-unlock": "a POST that redirects",
    "closure-day-remove": "a POST that redirects",
    "recommendation-repeats": "a POST from the recommendation's page (its form is on it)",
    "access-review-csv": "a CSV download",
    "meeting-pack": "a PDF download",
    "meeting-minutes-pdf": "a PDF download",
    "meeting-refresh": "a POST from the meeting's page that redirects",
    "meeting-item-move": "a POST from the meeting's page that redirects",
    "meeting-item-remove": "a POST from the meeting's page that redirects",
    "meeting-pack-issue": "a POST from the meeting's page that redirects",
    "meeting-minutes-confirm": "a POST from the minutes page that redirects",
}


def app_url_names(resolver=None):
    for pattern in (resolver or get_resolver()).url_patterns:
        if isinstance(pattern, URLResolver):
            if pattern.app_name != "admin":  # Django's own admin, for staff only
                yield from app_url_names(pattern)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield pattern.name


def test_every_page_of_the_app_has_an_accessibility_check():
    covered = {page.url_name for page in PAGES}
    assert covered.isdisjoint(NOT_PAGES)
    assert covered | set(NOT_PAGES) == set(app_url_names())


def axe_violations(page) -> list[str]:
    page.evaluate(AXE.read_text())
    result = page.evaluate(
        "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_AA
    )
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at "
        + ", ".join(node["target"][0] for node in v["nodes"][:3])
        for v in result["violations"]
    ]


def scrolls_sideways(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth > window.innerWidth")


@pytest.mark.browser
def test_every_page_type_passes_axe_and_fits_320_pixels(page, demo):
    no_role = make_user("no-role")
    no_role.set_password(PASSWORD)
    no_role.save()
    checked, problems = [], []
    signed_in_as = None
    for page_type in PAGES:
        if page_type.user != signed_in_as:
            if page_type.user:
                sign_in(page, page_type.user)
            else:
                page.context.clear_cookies()
            signed_in_as = page_type.user
        url = page_type.url()
        states = [("empty", None)] + (
            [("errors", page_type.error_state)] if page_type.error_state is not None else []
        )
        for state, fills in states:
            page.set_viewport_size({"width": 1100, "height": 900})
            response = page.goto(url)
            assert response.status == 200, f"{page_type.label}: {response.status}"
            if fills is not None:
                for selector, value in fills:
                    if selector == "uncheck radios":  # a choice a person cannot unmake
                        page.evaluate(
                            "document.querySelectorAll('main [type=radio]')"
                            ".forEach(r => r.checked = false)"
                        )
                    else:
                        page.fill(selector, value)
                page.locator("main form button[type=submit]").last.click()
                page.wait_for_selector(".govuk-error-summary")
            problems += [f"{page_type.label} ({state}): {v}" for v in axe_violations(page)]
            page.set_viewport_size({"width": 320, "height": 900})
            if scrolls_sideways(page):
                width = page.evaluate("document.documentElement.scrollWidth")
                problems.append(f"{page_type.label} ({state}): the page is {width}px wide at 320px")
            checked.append(f"{page_type.label} ({state})")
    print(
        f"\nChecked {len(checked)} page states of {len(PAGES)} page types; "
        f"problems: {len(problems)}"
    )
    assert not problems, "\n".join(problems)


@pytest.mark.browser
@pytest.mark.parametrize(
    "status, url", [(404, "/no-such-page/"), (403, "sign-off"), (410, "withdrawn")]
)
def test_error_pages_pass_axe(page, demo, status, url):
    sign_in(page, "lead-council")
    if url == "sign-off":
        url = reverse("action-sign-off", args=[SOUTHAMPTON, OBJECTS["submitted_action"]()])
    if url == "withdrawn":  # an action withdrawn as logged in error: the page says why
        withdrawn = Action.every.get(title="Run a Section 11 purpose workshop (entered twice)")
        url = reverse("action-detail", args=[SOUTHAMPTON, withdrawn.pk])
    response = page.goto(url)
    assert response.status == status
    assert axe_violations(page) == []
    page.set_viewport_size({"width": 320, "height": 900})
    assert not scrolls_sideways(page)


@pytest.mark.browser
def test_the_accessibility_statement_is_linked_from_every_page(page, demo):
    sign_in(page, "lead-council")
    page.click("footer >> text=Accessibility statement")
    assert page.inner_text("h1") == "Accessibility statement for the review tracker"
    for heading in [
        "How accessible this service is",
        "Reporting accessibility problems with this service",
        "Enforcement procedure",
        "Compliance status",
        "Preparation of this accessibility statement",
    ]:
        assert page.is_visible(f"h2:has-text('{heading}'), h3:has-text('{heading}')")


@pytest.mark.browser
def test_the_check_finds_a_real_violation(page, demo):
    """So that zero violations means the pages pass, not that the check is blind."""
    sign_in(page, "lead-council")
    page.evaluate(
        "document.querySelector('main').insertAdjacentHTML('beforeend', '<img src=\"x.png\">')"
    )
    assert any(v.startswith("image-alt") for v in axe_violations(page))
