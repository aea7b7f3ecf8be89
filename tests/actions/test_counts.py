"""Counts kept, not recounted (issue 21, item 1): the figures Home shows are kept by the
workflow in the transaction of each change, and `verify_counts` recounts them from the
records after every kind of change an action goes through."""

import datetime
import io

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone

from actions import counts, selectors, services, tasks
from actions.models import Action
from reviews import services as review_services
from reviews.models import FinancialYear, Recommendation, Review, Theme
from sscp.celery import app
from sscp.scope import Scope
from tests.makers import (
    SLUG,
    bulk_actions,
    default_partnership,
    make_action,
    make_evidence,
    make_partnership,
    make_recommendation,
    make_review,
    make_theme,
    share_review,
)
from tests.pages import text

pytestmark = pytest.mark.django_db


def verified() -> str:
    out = io.StringIO()
    call_command("verify_counts", stdout=out)
    return out.getvalue()


def home(client) -> str:
    return text(client.get(reverse("home", args=[SLUG])).content.decode())


def by_status(page: str) -> str:
    return page[page.index("All actions by status") :]


def test_every_kind_of_change_keeps_the_counts_home_shows(
    client_for, partnership_officer, silg_chair, lead_a, agency_a, agency_b
):
    recommendation = make_recommendation(
        make_review(title="Child R practice review"), agencies=[agency_a, agency_b]
    )
    today = timezone.localdate()

    def check(change: str):
        assert verified() == "Every kept count matches the records.\n", change

    action = services.action_create(
        actor=partnership_officer,
        recommendation=recommendation,
        agency=agency_a,
        owner=None,
        title="Audit referrals",
        description="Audit a sample of referrals.",
        success_measure="Audit shows referrals shared within a day.",
        due_date=today + datetime.timedelta(days=70),
    )
    check("planned")
    assert "1 Not started" in by_status(home(client_for(partnership_officer)))
    services.progress_post(actor=lead_a, action=action, text="Sample chosen.")
    check("started by progress")
    assert "1 In progress" in by_status(home(client_for(partnership_officer)))
    extension = services.extension_request(
        actor=lead_a,
        action=action,
        requested_due_date=today + datetime.timedelta(days=140),
        reason="The audit team is short-staffed.",
    )
    services.extension_grant(actor=silg_chair, extension=extension)
    check("extension granted: due months later")
    make_evidence(action)
    services.action_submit(actor=lead_a, action=action, completion_statement="Done.")
    check("submitted")
    services.action_return(actor=silg_chair, action=action, comment="Attach the audit.")
    check("returned")
    assert "Returned: 1" in home(client_for(lead_a))  # the lead's chart by rating
    services.action_submit(actor=lead_a, action=action, completion_statement="Attached.")
    services.action_approve(actor=silg_chair, action=action)
    check("approved")
    page = home(client_for(silg_chair))
    assert "Child R practice review, recommendation 1: its one action is completed" in page
    assert "1 Completed" in by_status(page)

    review_services.recommendation_close(
        actor=silg_chair, recommendation=recommendation, impact_statement="Referrals faster."
    )
    check("recommendation closed")
    assert "Child R practice review, recommendation 1" not in home(client_for(silg_chair))
    services.action_reopen(
        actor=silg_chair,
        action=action,
        reason="The re-audit found gaps.",
        due_date=today + datetime.timedelta(days=30),
    )
    check("reopened")
    services.action_correct_due_date(
        actor=partnership_officer,
        action=action,
        due_date=today - datetime.timedelta(days=40),
        reason="Typed wrongly.",
    )
    check("due date corrected into the past")
    assert "Overdue: 1" in home(client_for(lead_a))
    services.action_move(
        actor=partnership_officer, action=action, agency=agency_b, reason="Logged wrongly."
    )
    check("moved to another agency")
    services.action_supersede(actor=partnership_officer, action=action, reason="Replaced.")
    check("superseded")
    assert "Child R practice review, recommendation 1" in home(
        client_for(silg_chair)
    )  # ready again

    second = make_action(recommendation, agency=agency_a, status=Action.Status.NOT_STARTED)
    check("planned directly")
    assert "Child R practice review, recommendation 1" not in home(client_for(silg_chair))
    services.withdraw(actor=partnership_officer, record=second, reason="Logged twice.")
    check("action withdrawn")
    services.withdraw(
        actor=partnership_officer, record=recommendation.review, reason="Wrong review."
    )
    check("review withdrawn with its recommendation and actions")
    assert "0 Superseded" in by_status(home(client_for(partnership_officer)))


def test_a_count_that_drifted_is_reported_and_repaired(agency_a):
    recommendation = make_recommendation(agencies=[agency_a])
    action = make_action(recommendation, agency=agency_a, status=Action.Status.IN_PROGRESS)
    with connection.cursor() as cursor:  # behind the application's back
        cursor.execute(
            "UPDATE actions_action SET status = 'not_started' WHERE id = %s", [action.pk]
        )
    with pytest.raises(CommandError, match="2 kept counts differ from the records"):
        verified()
    out = io.StringIO()
    call_command("verify_counts", "--repair", stdout=out)
    assert "kept 1, counted from the records 0" in out.getvalue()
    assert "Repaired: 2 counts written afresh." in out.getvalue()
    assert verified() == "Every kept count matches the records.\n"


def test_open_actions_by_due_date_and_approvals_by_year_that_drifted_are_reported_and_repaired(
    agency_a, silg_chair
):
    recommendation = make_recommendation(agencies=[agency_a])
    due = timezone.localdate() + datetime.timedelta(days=20)
    action = make_action(recommendation, agency=agency_a, due_date=due, status="submitted")
    services.action_approve(actor=silg_chair, action=action)
    make_action(recommendation, agency=agency_a, due_date=due, status=Action.Status.IN_PROGRESS)
    assert counts.drift() == []
    year = FinancialYear.containing(timezone.localdate()).start_year
    with connection.cursor() as cursor:  # behind the application's back
        cursor.execute("UPDATE actions_duedatetally SET count = 3")
        cursor.execute("UPDATE actions_completiontally SET on_time = false")
    with pytest.raises(CommandError, match="3 kept counts differ from the records"):
        verified()
    out = io.StringIO()
    call_command("verify_counts", "--repair", stdout=out)
    report = out.getvalue()
    assert f"open actions due ({default_partnership().pk}, {due!r}): kept 3, counted" in report
    assert f"approvals in a year ({default_partnership().pk}, {year}, True): kept 0," in report
    assert verified() == "Every kept count matches the records.\n"


def test_a_recommendation_saved_later_keeps_the_counts_moved_meanwhile(
    partnership_officer, agency_a
):
    """A recommendation read before its action changed writes everything but the counts."""
    recommendation = make_recommendation(agencies=[agency_a])
    stale = Recommendation.objects.get(pk=recommendation.pk)
    make_action(recommendation, agency=agency_a)
    stale.text = "Share referrals within a day."
    stale.save()
    recommendation.refresh_from_db()
    assert (recommendation.action_count, recommendation.open_action_count) == (1, 1)
    assert counts.drift() == []


def test_the_rating_chart_counts_every_month_the_same_as_the_actions(client_for, lead_a, agency_a):
    """Months wholly past or ahead are read from the tallies, the months "due soon" spans
    from the actions: each rating the same as Action.rag gives each action."""
    today = timezone.localdate()
    recommendation = make_recommendation(agencies=[agency_a])
    for days in (-400, -35, -1, 0, 3, 13, 14, 15, 31, 45, 90, 400):
        make_action(recommendation, agency=agency_a, due_date=today + datetime.timedelta(days=days))
    returned = make_action(
        recommendation, agency=agency_a, due_date=today + datetime.timedelta(days=200)
    )
    returned.returned_at = timezone.now()
    returned.save()
    make_action(recommendation, agency=agency_a, status=Action.Status.COMPLETED)
    scope = Scope.of([recommendation.partnership], current=recommendation.partnership)
    kept = counts.rag_counts(scope, today, agency_id=agency_a.pk)
    rated = {}
    for action in Action.objects.filter(agency=agency_a):
        rated[action.rag(today)] = rated.get(action.rag(today), 0) + 1
    assert {rag: n for rag, n in kept.items() if n} == rated


def test_overdue_by_agency_counts_every_month_and_joint_reviews_as_the_actions_do(
    partnership_officer, agency_a, agency_b
):
    """Past months from the tallies, this month from the actions, and a joint review's
    actions kept by the partnership that commissioned it: each agency's overdue count on
    the team's Home the same as its open actions past due, withdrawn ones left out."""
    today = timezone.localdate()
    ours = make_recommendation(agencies=[agency_a, agency_b])
    for days in (-400, -35, -1, 0, 1, 20):
        make_action(ours, agency=agency_a, due_date=today + datetime.timedelta(days=days))
    make_action(ours, agency=agency_b, due_date=today - datetime.timedelta(days=60))
    make_action(ours, agency=agency_b, due_date=today - datetime.timedelta(days=2))
    make_action(
        ours,
        agency=agency_b,
        status=Action.Status.COMPLETED,
        due_date=today.replace(day=1) - datetime.timedelta(days=1),
    )
    logged_in_error = make_action(
        ours, agency=agency_b, due_date=today - datetime.timedelta(days=90)
    )
    services.withdraw(actor=partnership_officer, record=logged_in_error, reason="Logged twice")
    other = make_partnership("neighbours")
    joint = share_review(make_review(partnership=other), ours.partnership)
    theirs = make_recommendation(joint, agencies=[agency_b])
    make_action(theirs, agency=agency_b, due_date=today - datetime.timedelta(days=45))
    make_action(theirs, agency=agency_b, due_date=today + datetime.timedelta(days=5))

    ours.partnership.refresh_from_db()  # the joint reviews it now reaches
    scope = Scope.of([ours.partnership], current=ours.partnership)
    shown = {
        agency.short_name: agency.overdue for agency in selectors.overdue_by_agency(scope, today)
    }

    assert shown == {"Agency A": 3, "Agency B": 3}
    past_due = Action.objects.open().filter(due_date__lt=today)
    assert shown["Agency B"] == past_due.filter(agency=agency_b).count()


def test_a_long_list_says_more_than_a_thousand_and_goes_on_page_by_page(
    client_for, partnership_officer, agency_a
):
    """Lists count no further than 1,000 rows (item 2): a count never reads them all."""
    bulk_actions(1_001, agency=agency_a)
    client = client_for(partnership_officer)
    url = reverse("action-list", args=[SLUG])
    first = text(client.get(url).content.decode())
    assert "More than 1,000 actions." in first
    assert "Page 1 of" not in first and "Next page" in first
    last = text(client.get(f"{url}?page=21").content.decode())
    assert "Page 21" in last and "Next page" not in last and "Previous page" in last


def test_a_list_of_a_thousand_is_counted_in_full(client_for, partnership_officer, agency_a):
    bulk_actions(1_000, agency=agency_a)
    page = text(
        client_for(partnership_officer).get(reverse("action-list", args=[SLUG])).content.decode()
    )
    assert "1,000 actions." in page and "Page 1 of 20" in page


def test_an_action_read_back_and_saved_moves_its_counts_from_where_it_is(agency_a):
    action = make_action(make_recommendation(agencies=[agency_a]), agency=agency_a)
    other = Action.objects.get(pk=action.pk)
    other.status = Action.Status.NOT_STARTED
    other.save()
    action.refresh_from_db()
    action.status = Action.Status.IN_PROGRESS
    action.save()
    assert counts.drift() == []


def test_a_review_counts_its_recommendations_as_each_changes(
    partnership_officer, silg_chair, agency_a
):
    """A review is open while a recommendation is still to close, or none is logged yet;
    the team's Home counts the open reviews from the counts on the row."""
    review = make_review(title="Child S practice review")
    partnership = review.partnership
    scope = Scope.of([partnership], current=partnership)

    def stands(change: str):
        assert verified() == "Every kept count matches the records.\n", change
        review.refresh_from_db()
        _, open_reviews = selectors.open_review_progress(scope, timezone.localdate(), first=5)
        return review.closed_recommendation_count, review.recommendation_count, open_reviews

    assert stands("logged") == (0, 0, 1)
    first = review_services.recommendation_save(
        actor=partnership_officer, review=review, number=1, text="Share referrals sooner."
    )
    second = review_services.recommendation_save(
        actor=partnership_officer, review=review, number=2, text="Train the front door."
    )
    assert stands("two recommendations logged") == (0, 2, 1)
    action = make_action(first, agency=agency_a, status=Action.Status.COMPLETED)
    review_services.recommendation_close(
        actor=silg_chair, recommendation=first, impact_statement="Referrals faster."
    )
    assert stands("one closed") == (1, 2, 1)
    services.withdraw(actor=partnership_officer, record=second, reason="Logged twice.")
    assert stands("the other withdrawn") == (1, 1, 0)
    services.action_reopen(
        actor=silg_chair,
        action=Action.objects.get(pk=action.pk),
        reason="The re-audit found gaps.",
        due_date=timezone.localdate() + datetime.timedelta(days=30),
    )
    assert stands("reopened with its action") == (0, 1, 1)


def test_a_review_read_before_its_recommendations_changed_keeps_their_counts(
    partnership_officer,
):
    review = make_review()
    stale = type(review).objects.get(pk=review.pk)
    make_recommendation(review)
    stale.reviewer = "An independent reviewer"
    stale.save()
    review.refresh_from_db()
    assert (review.reviewer, review.recommendation_count) == ("An independent reviewer", 1)
    assert counts.drift() == []


def test_a_review_count_that_drifted_is_reported_and_repaired(silg_chair):
    recommendation = make_recommendation()
    with connection.cursor() as cursor:  # behind the application's back
        cursor.execute(
            "UPDATE reviews_recommendation SET closed_at = %s, closed_by_id = %s, "
            "impact_statement = 'Closed' WHERE id = %s",
            [timezone.now(), silg_chair.pk, recommendation.pk],
        )
    with pytest.raises(CommandError, match="1 kept count differs from the records"):
        verified()
    out = io.StringIO()
    call_command("verify_counts", "--repair", stdout=out)
    assert (
        f"review closed recommendation count ({recommendation.review_id},): kept 0, "
        "counted from the records 1" in out.getvalue()
    )
    assert verified() == "Every kept count matches the records.\n"


def test_a_review_keeps_its_themes_and_its_recommendations_as_each_changes(
    partnership_officer,
):
    """Recurring learning counts each review's themes as kept (Review.all_themes): set by the
    services, from the theme's side, or withdrawn with a recommendation."""
    neglect, exploitation, housing = (
        make_theme("Neglect"),
        make_theme("Exploitation"),
        make_theme("Housing"),
    )
    partnership = default_partnership()
    review = review_services.review_save(
        actor=partnership_officer,
        partnership=partnership,
        title="Child T practice review",
        kind=Review.Kind.PRACTICE_REVIEW,
        themes=[neglect],
    )

    def kept(change: str) -> set[str]:
        assert verified() == "Every kept count matches the records.\n", change
        return set(review.all_themes.values_list("name", flat=True))

    assert kept("logged with a theme") == {"Neglect"}
    recommendation = review_services.recommendation_save(
        actor=partnership_officer,
        review=review,
        number=1,
        text="Share referrals sooner.",
        themes=[exploitation, neglect],
    )
    assert kept("a recommendation with two themes") == {"Neglect", "Exploitation"}
    review_services.review_save(
        actor=partnership_officer,
        partnership=partnership,
        review=review,
        title=review.title,
        kind=review.kind,
        themes=[],
    )
    assert kept("the review's own theme taken off") == {"Neglect", "Exploitation"}
    housing.recommendations.add(recommendation)
    assert kept("added from the theme's side") == {"Neglect", "Exploitation", "Housing"}
    exploitation.recommendations.clear()
    assert kept("cleared from the theme's side") == {"Neglect", "Housing"}
    services.withdraw(actor=partnership_officer, record=recommendation, reason="Logged twice.")
    assert kept("the recommendation withdrawn") == set()


def test_a_reviews_themes_that_drifted_are_reported_and_repaired():
    review = make_review()
    make_recommendation(review).themes.add(make_theme("Neglect"))
    with connection.cursor() as cursor:  # behind the application's back
        cursor.execute("DELETE FROM reviews_review_all_themes WHERE review_id = %s", [review.pk])
    with pytest.raises(CommandError, match="1 kept count differs from the records"):
        verified()
    out = io.StringIO()
    call_command("verify_counts", "--repair", stdout=out)
    theme = Theme.objects.get(name="Neglect")
    assert f"review themes ({review.pk},): kept [], counted from the records [{theme.pk}]" in (
        out.getvalue()
    )
    assert verified() == "Every kept count matches the records.\n"


def counted_from_the_actions(scope, day) -> dict:
    overdue = scope.filter(Action.objects.open()).filter(due_date__lt=day)
    return dict(overdue.order_by().values_list("review").annotate(n=Count("*")))


def test_a_reviews_overdue_actions_are_right_on_any_day_counted_or_not(
    partnership_officer, agency_a
):
    """Each review keeps its overdue actions as of the day they were counted; on a day
    the daily count has not reached, or a day gone by, the actions that fell due between
    the two days are counted from the actions, so the figure is right on any day."""
    today = timezone.localdate()

    def on(days):
        return today + datetime.timedelta(days=days)

    partnership = default_partnership()
    scope = Scope.of([partnership], current=partnership)
    first = make_recommendation(make_review(title="Child T"), agencies=[agency_a])
    second = make_recommendation(make_review(title="Child U"), agencies=[agency_a])
    late = make_action(first, agency=agency_a, due_date=on(-10))
    make_action(first, agency=agency_a, due_date=on(3))
    make_action(second, agency=agency_a, due_date=on(-1))
    make_action(second, agency=agency_a, due_date=on(-40), status=Action.Status.COMPLETED)

    def right_on(*days):
        for days_on in days:
            assert counts.overdue_by_review(scope, on(days_on)) == counted_from_the_actions(
                scope, on(days_on)
            ), days_on
        assert counts.drift() == []

    right_on(-20, -5, 0, 2, 4, 30)
    services.action_correct_due_date(
        actor=partnership_officer, action=late, due_date=on(1), reason="Typed wrongly."
    )
    right_on(-5, 0, 2, 4)
    assert counts.count_overdue(on(4)) == 2
    assert counts.count_overdue(on(4)) == 0  # counted already that day
    first.review.refresh_from_db()
    assert (first.review.overdue_counted, first.review.overdue_counted_on) == (2, on(4))
    right_on(-5, 0, 2, 4, 30)
    services.action_supersede(actor=partnership_officer, action=late, reason="Replaced.")
    right_on(0, 4, 30)
    with connection.cursor() as cursor:  # behind the application's back
        cursor.execute(
            "UPDATE reviews_review SET overdue_counted = 7 WHERE id = %s", [first.review_id]
        )
    with pytest.raises(CommandError, match="1 kept count differs from the records"):
        verified()


def test_beat_counts_the_overdue_actions_just_after_midnight(agency_a):
    today = timezone.localdate()
    make_action(agency=agency_a, due_date=today - datetime.timedelta(days=2))
    with connection.cursor() as cursor:  # as if counted yesterday
        cursor.execute(
            "UPDATE reviews_review SET overdue_counted_on = %s",
            [today - datetime.timedelta(days=1)],
        )
    assert tasks.count_overdue() == "counted the overdue actions of 1 review"
    assert tasks.count_overdue() == "counted the overdue actions of 0 reviews"
    assert counts.drift() == []
    entry = settings.CELERY_BEAT_SCHEDULE["count-overdue"]
    assert entry["task"] == "actions.tasks.count_overdue" and entry["task"] in app.tasks
    assert (entry["schedule"].hour, entry["schedule"].minute) == ({0}, {5})
