"""Each role's dashboard on the home page."""

import datetime
import re

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from actions import counts, selectors
from actions.models import Action, ExtensionRequest
from dashboards.views import CHART_BARS, SHORTLIST_SIZE
from sscp.scope import Scope
from tests.makers import (
    SLUG,
    agency_of,
    bulk_actions,
    bulk_reviews,
    default_partnership,
    make_action,
    make_agency,
    make_partnership,
    make_recommendation,
    make_review,
    make_user,
    share_review,
)
from tests.pages import count_card, row_security_queries, text

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate


def days(n):
    return TODAY() + datetime.timedelta(days=n)


def test_everyone_sees_actions_by_status(client_for, members, agency_a):
    make_action(agency=agency_a, status=Action.Status.SUBMITTED)
    make_action(agency=agency_a, status=Action.Status.SUBMITTED)
    make_action(status=Action.Status.COMPLETED)
    for user in members.values():
        page = client_for(user).get(reverse("home", args=[SLUG])).content.decode()
        assert count_card(2, "Submitted for sign-off") in page
        assert count_card(1, "Completed") in page


def test_an_agency_lead_sees_their_ratings_next_due_and_returned(client_for, lead_a, agency_b):
    agency = agency_of(lead_a)
    later = make_action(agency=agency, title="Later action", due_date=days(90))
    sooner = make_action(agency=agency, title="Sooner action", due_date=days(3))
    make_action(agency=agency, title="Late action", due_date=days(-5))
    make_action(
        agency=agency, title="Returned action", due_date=days(50), returned_at=timezone.now()
    )
    make_action(agency=agency, title="Finished action", status=Action.Status.COMPLETED)
    make_action(agency=agency_b, title="Another agency's action")
    page = text(client_for(lead_a).get(reverse("home", args=[SLUG])).content.decode())
    assert "Returned to you by the SILG chair" in page
    assert page.index("Returned action") < page.index("Due next")
    due_next = page[page.index("Due next") :]
    assert (
        due_next.index("Late action") < due_next.index(sooner.title) < due_next.index(later.title)
    )
    assert "Finished action" not in due_next.split("by rating")[0]
    assert "Another agency's action" not in page
    # The chart's words and its table: one of each rating.
    for label, count in [
        ("Overdue", 1),
        ("Returned", 1),
        ("Due soon", 1),
        ("On track", 1),
        ("Complete", 1),
    ]:
        assert f"{label}: {count}" in page
        assert f"{label} {count}" in page


def test_the_chair_sees_what_awaits_sign_off_and_what_is_ready_to_close(client_for, silg_chair):
    old = make_action(
        status=Action.Status.SUBMITTED,
        title="Waiting long",
        submitted_at=timezone.now() - datetime.timedelta(days=12),
    )
    make_action(status=Action.Status.SUBMITTED, title="Waiting briefly")
    ready = make_recommendation(make_review(title="Adam & Anna"))
    make_action(ready, status=Action.Status.COMPLETED)
    page = text(client_for(silg_chair).get(reverse("home", args=[SLUG])).content.decode())
    assert page.index("Waiting long") < page.index("Waiting briefly")
    assert f"{old.agency.short_name} 12" in page
    assert "Adam & Anna, recommendation 1: its one action is completed or superseded" in page


def test_the_partnership_team_sees_review_progress_overdue_by_agency_and_due_soon(
    client_for, partnership_officer
):
    review = make_review(title="Clare")
    recommendation = make_recommendation(review)
    police = make_agency(name="Hampshire Constabulary", short_name="Police")
    make_action(recommendation, status=Action.Status.COMPLETED)
    make_action(recommendation, agency=police, due_date=days(-3))
    make_action(recommendation, agency=police, due_date=days(-30))
    make_action(recommendation, due_date=days(10), title="Due in ten days")
    make_action(recommendation, due_date=days(45), title="Due in six weeks")
    page = text(client_for(partnership_officer).get(reverse("home", args=[SLUG])).content.decode())
    assert "Clare: 1 completed, 0 superseded, 2 open on time, 2 overdue" in page
    assert "Police: 2" in page
    soon = page[page.index("Due in the next 30 days") :]
    assert "Due in ten days" in soon and "Due in six weeks" not in soon


def test_charts_are_images_with_a_text_alternative_and_a_table(client_for, partnership_officer):
    make_action(due_date=days(-3))
    page = client_for(partnership_officer).get(reverse("home", args=[SLUG])).content.decode()
    assert '<svg class="sscp-chart__svg"' in page and 'role="img"' in page
    assert 'aria-labelledby="overdue-by-agency-title overdue-by-agency-desc"' in page
    assert "The same numbers are in the table that follows." in page
    assert 'fill="url(#overdue-by-agency-hatched)"' in page  # a pattern, not only a colour


@pytest.mark.parametrize("shared", [False, True])
@pytest.mark.parametrize("rows", [10, 200])
@pytest.mark.parametrize("role", ["lead_a", "chair", "partnership"])
def test_dashboards_keep_a_fixed_number_of_queries(
    client_for, personas, rows, role, shared, django_assert_max_num_queries
):
    """At most 12 on PostgreSQL (issue 21), a review shared from another partnership or not."""
    if shared:
        joint = share_review(make_review(partnership=make_partnership()), default_partnership())
        make_action(make_recommendation(joint), due_date=days(-5))
    other = make_agency()
    lead_agency = agency_of(personas["lead_a"])
    bulk_actions(rows, agency=lead_agency, due_date=lambda n: days(n - 20))
    bulk_actions(
        rows,
        agency=other,
        status=lambda n: Action.Status.SUBMITTED if n % 2 else Action.Status.IN_PROGRESS,
    )
    client = client_for(personas[role])
    with django_assert_max_num_queries(10 + row_security_queries()):
        assert client.get(reverse("home", args=[SLUG])).status_code == 200


def test_long_lists_show_the_first_few_and_link_to_the_rest(client_for, personas):
    """At national scale a dashboard stays one short page: each list links to the whole of it."""
    lead = personas["lead_a"]
    bulk_actions(SHORTLIST_SIZE + 3, agency=agency_of(lead), returned_at=timezone.now())
    bulk_actions(SHORTLIST_SIZE + 4, agency=make_agency(), status=Action.Status.SUBMITTED)
    bulk_actions(SHORTLIST_SIZE + 5, agency=make_agency(), due_date=days(5))

    lead_page = client_for(lead).get(reverse("home", args=[SLUG])).content.decode()
    returned = lead_page[lead_page.index("Returned to you") : lead_page.index("Due next")]
    assert returned.count('<tr class="govuk-table__row">') == SHORTLIST_SIZE + 1
    assert f"See all {SHORTLIST_SIZE + 3} returned actions" in returned
    link = re.search(r'href="([^"]+)">See all \d+ returned', returned).group(1)
    listed = client_for(lead).get(link.replace("&amp;", "&")).content.decode()
    assert f"{SHORTLIST_SIZE + 3} actions." in listed

    chair_page = client_for(personas["chair"]).get(reverse("home", args=[SLUG])).content.decode()
    assert f"See all {SHORTLIST_SIZE + 4} actions awaiting sign-off" in chair_page

    team_page = (
        client_for(personas["partnership"]).get(reverse("home", args=[SLUG])).content.decode()
    )
    due_soon = team_page[team_page.index("Due in the next 30 days") :]
    assert f"See all {SHORTLIST_SIZE + 5} actions due in the next 30 days" in due_soon
    link = re.search(r'href="([^"]+)">See all \d+ actions due', due_soon).group(1)
    listed = client_for(personas["partnership"]).get(link.replace("&amp;", "&")).content.decode()
    assert f"{SHORTLIST_SIZE + 5} actions." in listed


def test_the_chair_sees_the_first_recommendations_ready_to_close_and_how_many(
    client_for, silg_chair
):
    chair = client_for(silg_chair)
    assert "No recommendation is ready to close." in text(
        chair.get(reverse("home", args=[SLUG])).content.decode()
    )
    review = make_review(title="Liam")
    for _ in range(SHORTLIST_SIZE + 2):
        make_action(make_recommendation(review), status=Action.Status.COMPLETED)
    make_action(make_recommendation(review), status=Action.Status.IN_PROGRESS)
    page = text(chair.get(reverse("home", args=[SLUG])).content.decode())
    assert page.count("completed or superseded") == SHORTLIST_SIZE
    assert f"See all {SHORTLIST_SIZE + 2} recommendations ready to close" in page


def test_large_counts_are_written_with_thousands_separators(client_for, partnership_officer):
    bulk_actions(1_234, agency=make_agency(), due_date=days(5))
    page = text(client_for(partnership_officer).get(reverse("home", args=[SLUG])).content.decode())
    assert "1,234 In progress" in page
    assert "See all 1,234 actions due in the next 30 days" in page


def test_the_review_chart_shows_the_most_overdue_reviews(client_for, partnership_officer):
    agency = make_agency()
    for review in bulk_reviews(CHART_BARS + 2, agency=agency):
        review.title = f"Quiet {review.title}"
        review.save()
    late = make_recommendation(make_review(title="Most overdue"))
    bulk_actions(3, agency=agency, recommendation=late, due_date=days(-10))
    page = text(client_for(partnership_officer).get(reverse("home", args=[SLUG])).content.decode())
    chart = page[page.index("Progress of open reviews") : page.index("Overdue actions by agency")]
    assert chart.index("Most overdue") < chart.index("Quiet")
    assert f"These are {CHART_BARS} of {CHART_BARS + 3} open reviews." in chart


def test_the_most_overdue_reviews_are_ranked_among_every_open_review():
    """Only the reviews that may be shown are read (issue 21): ties at the last place
    shown go by title, a review with no recommendations yet counts as open, and one with
    none open is left out however overdue its actions (as if a recommendation had been
    closed over an action left open: the others are then read after all)."""
    agency = make_agency()

    def review(title, overdue):
        recommendation = make_recommendation(make_review(title=title))
        if overdue:
            bulk_actions(overdue, agency=agency, recommendation=recommendation, due_date=days(-3))
        return recommendation.review

    closed = review("Closed", 9)
    for title, overdue in [("A", 5), ("B", 3), ("D", 2), ("C", 2), ("E", 1), ("F", 0)]:
        review(title, overdue)
    make_review(title="No recommendations yet")
    partnership = default_partnership()
    scope = Scope.of([partnership], current=partnership)

    def ranked(first):
        progress, open_reviews = selectors.open_review_progress(scope, TODAY(), first=first)
        return [row.title for row in progress], open_reviews

    assert ranked(3) == (["Closed", "A", "B"], 8)
    assert ranked(4) == (["Closed", "A", "B", "C"], 8)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE reviews_recommendation SET closed_at = %s, closed_by_id = %s, "
            "impact_statement = 'Closed' WHERE review_id = %s",
            [timezone.now(), make_user().pk, closed.pk],
        )
    counts.rebuild()  # the review's kept counts follow the records
    assert ranked(3) == (["A", "B", "C"], 7)
    assert ranked(9) == (["A", "B", "C", "D", "E", "F", "No recommendations yet"], 7)


def test_home_and_the_reviews_list_count_a_reviews_actions_the_same_way(
    client_for, partnership_officer
):
    """Issue 15, item 24: one definition. The HIPS audit with a superseded action, one not
    started and one submitted has none completed, on Home and on Reviews alike."""
    review = make_review(title="HIPS Section 11 audit")
    recommendation = make_recommendation(review)
    make_action(recommendation, status=Action.Status.SUPERSEDED)
    make_action(recommendation, status=Action.Status.NOT_STARTED)
    make_action(recommendation, status=Action.Status.SUBMITTED)
    client = client_for(partnership_officer)
    home = text(client.get(reverse("home", args=[SLUG])).content.decode())
    assert "HIPS Section 11 audit: 0 completed, 1 superseded, 2 open on time, 0 overdue" in home
    reviews = text(client.get(reverse("review-list", args=[SLUG])).content.decode())
    assert (
        "HIPS Section 11 audit Child safeguarding practice review Not yet published 0 of 1 0 of 3 0"
        in reviews
    )


def test_home_has_one_heading_of_the_largest_size(client_for, members):
    """Issue 15, item 25: one H1-sized heading on Home, whatever the role."""
    for user in members.values():
        page = client_for(user).get(reverse("home", args=[SLUG])).content.decode()
        assert page.count("govuk-heading-l") == 1 and page.count("govuk-heading-xl") == 0


def test_an_agency_leads_overdue_bar_is_hatched_red_as_on_the_teams_chart(client_for, lead_a):
    """Issue 15, item 25: the same thing drawn the same way on every chart."""
    make_action(agency=agency_of(lead_a), due_date=days(-3))
    page = client_for(lead_a).get(reverse("home", args=[SLUG])).content.decode()
    chart = page[page.index('id="agency-rag-caption"') :]
    assert 'fill="url(#agency-rag-hatched)"' in chart


def test_a_closed_action_shows_its_status_once(client_for, lead_a):
    """Issue 15, item 25: not "Completed" and "Complete", or "Superseded" twice."""
    done = make_action(agency=agency_of(lead_a), status=Action.Status.COMPLETED, title="Done one")
    page = text(client_for(lead_a).get(done.get_absolute_url()).content.decode())
    assert "Completed Complete" not in page and "Completed" in page
    gone = make_action(agency=agency_of(lead_a), status=Action.Status.SUPERSEDED)
    page = text(client_for(lead_a).get(gone.get_absolute_url()).content.decode())
    assert "Superseded Superseded" not in page


def test_one_action_ready_to_close_is_not_all_1(client_for, silg_chair):
    """Issue 15, item 25: "its one action", not "all 1 action"."""
    recommendation = make_recommendation(make_review(title="Freddie"))
    make_action(recommendation, status=Action.Status.COMPLETED)
    page = text(client_for(silg_chair).get(reverse("home", args=[SLUG])).content.decode())
    assert "its one action is completed or superseded" in page and "all 1 action" not in page
    two = make_recommendation(make_review(title="Liam"))
    make_action(two, status=Action.Status.COMPLETED)
    make_action(two, status=Action.Status.SUPERSEDED)
    page = text(client_for(silg_chair).get(reverse("home", args=[SLUG])).content.decode())
    assert "Liam, recommendation 1: all 2 actions completed or superseded" in page


def ask_for_extensions(count, lead):
    for _ in range(count):
        action = make_action(agency=agency_of(lead))
        ExtensionRequest.objects.create(
            action=action, requested_by=lead, due_date_at_request=action.due_date,
            requested_due_date=action.due_date + datetime.timedelta(days=30), reason="Forces",
        )  # fmt: skip


@pytest.mark.parametrize(
    "waiting, home_says, queue_says",
    [
        (1, "1 extension request awaiting your decision", "1 request waiting."),
        (2, "2 extension requests awaiting your decision", "2 requests waiting."),
    ],
)
def test_one_extension_request_is_counted_in_the_singular(
    client_for, silg_chair, lead_a, waiting, home_says, queue_says
):
    """Issue 15, item 25: "1 extension request", never "1 extension requests", on Home
    and on the sign-off queue (the two places a count of them is written)."""
    ask_for_extensions(waiting, lead_a)
    client = client_for(silg_chair)
    home = text(client.get(reverse("home", args=[SLUG])).content.decode())
    assert home_says in home and "1 extension requests" not in home
    queue = text(client.get(reverse("sign-off-queue", args=[SLUG])).content.decode())
    assert f"Extension requests {queue_says}" in queue
