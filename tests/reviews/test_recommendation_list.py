import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from actions.models import Action
from reviews.models import Recommendation
from reviews.selectors import is_ready_to_close
from tests.makers import (
    SLUG,
    bulk_recommendations,
    make_action,
    make_recommendation,
    make_review,
    make_theme,
    make_user,
)

pytestmark = pytest.mark.django_db


def numbers(response):
    return {(r.review.title, r.number) for r in response.context["page"].object_list}


@pytest.fixture
def world(agency_a, agency_b):
    clare = make_review(title="Clare", kind="scr")
    liam = make_review(title="Liam", kind="cspr")
    theme = make_theme("Domestic abuse")
    open_one = make_recommendation(
        clare, text="Evidence domestic abuse training", agencies=[agency_a]
    )
    open_one.themes.add(theme)
    make_action(open_one, agency=agency_a)
    ready = make_recommendation(clare, text="Commission training", agencies=[agency_b])
    make_action(ready, agency=agency_b, status=Action.Status.COMPLETED)
    closed = make_recommendation(liam, text="Keep contact", agencies=[agency_a])
    make_action(closed, agency=agency_a, status=Action.Status.COMPLETED)
    closed.closed_at, closed.closed_by, closed.impact_statement = (
        timezone.now(),
        make_user(),
        "Done",
    )
    closed.save()
    return theme


@pytest.mark.parametrize(
    "params, expected",
    [
        ({"state": "open"}, {("Clare", 1), ("Clare", 2)}),
        ({"state": "ready"}, {("Clare", 2)}),
        ({"state": "closed"}, {("Liam", 1)}),
        ({"review_kind": "cspr"}, {("Liam", 1)}),
        ({"q": "domestic"}, {("Clare", 1)}),
        # As the search in the header finds words: the start of a stemmed word, in the
        # recommendation or its review.
        ({"q": "trained clare"}, {("Clare", 1), ("Clare", 2)}),
        ({"q": "liam contacts"}, {("Liam", 1)}),
        ({"state": "open", "review_kind": "scr", "q": "training"}, {("Clare", 1), ("Clare", 2)}),
    ],
)
# On PostgreSQL a search's words in few records are read by id (search.engine.found), in
# more row by row: with none read by id, every word is read row by row, as a common one is.
@pytest.mark.parametrize("found_by_id", [1000, 0])
def test_each_filter_narrows_the_list(
    client_for, silg_chair, world, params, expected, found_by_id, monkeypatch
):
    monkeypatch.setattr("reviews.filters.FOUND_BY_ID", found_by_id)
    assert (
        numbers(client_for(silg_chair).get(reverse("recommendation-list", args=[SLUG]), params))
        == expected
    )


def test_a_search_with_no_words_to_find_says_so_at_the_field(client_for, silg_chair, world):
    response = client_for(silg_chair).get(reverse("recommendation-list", args=[SLUG]), {"q": "of"})
    assert numbers(response) == set()
    assert (
        "Enter words to search for, such as ‘neglect’ or ‘supervision’" in response.content.decode()
    )


def test_agency_and_theme_filters(client_for, silg_chair, world, agency_a):
    client = client_for(silg_chair)
    assert numbers(
        client.get(reverse("recommendation-list", args=[SLUG]), {"agency": agency_a.pk})
    ) == {
        ("Clare", 1),
        ("Liam", 1),
    }
    assert numbers(
        client.get(reverse("recommendation-list", args=[SLUG]), {"theme": world.name})
    ) == {("Clare", 1)}


def test_the_list_says_which_are_ready_to_close(client_for, silg_chair, world):
    page = (
        client_for(silg_chair)
        .get(reverse("recommendation-list", args=[SLUG]), {"sort": "number"})
        .content.decode()
    )
    assert "Ready to close" in page and "1 of 1 action open" in page


def test_an_agency_lead_starts_on_their_agency(client_for, lead_a, world):
    assert numbers(client_for(lead_a).get(reverse("recommendation-list", args=[SLUG]))) == {
        ("Clare", 1),
        ("Liam", 1),
    }


@pytest.mark.parametrize("rows", [10, 200])
def test_the_list_keeps_a_fixed_number_of_queries(
    client_for, silg_chair, rows, django_assert_max_num_queries, agency_a
):
    review = make_review()
    bulk_recommendations(review, rows, agencies=[agency_a])
    client = client_for(silg_chair)
    with django_assert_max_num_queries(12):
        client.get(reverse("recommendation-list", args=[SLUG]))


@pytest.mark.postgres
def test_the_planner_knows_how_few_recommendations_are_ready_to_close():
    """Ready to close is open, with actions, none of them open: each common alone, rare
    together. Judged one by one, PostgreSQL took 2,231 of 25,590 recommendations to be
    ready where 17 were, and joined the list of them to every review of the partnership
    (3.9 ms at 100,000 actions); reviews 0021 tells it how the columns go together."""
    review, closer = make_review(), make_user()
    closed = {"closed_at": timezone.now(), "closed_by": closer, "impact_statement": "Embedded"}
    kinds = [({"open_action_count": 1}, 1000), (closed, 990), ({}, 10)]  # open, closed, ready
    Recommendation.objects.bulk_create(
        Recommendation(
            review=review,
            partnership_id=review.partnership_id,
            number=len(kinds) * n + k,
            text="Share sooner",
            action_count=2,
            **{"open_action_count": 0, **fields},
        )
        for k, (fields, count) in enumerate(kinds, start=1)
        for n in range(count)
    )
    ready = Recommendation.objects.filter(is_ready_to_close())
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE reviews_recommendation")
        sql, params = ready.values("pk").query.sql_with_params()
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        [[plan]] = cursor.fetchall()
    assert ready.count() == 10
    # One by one: a half with no open action, of those half not closed: about 500.
    assert plan[0]["Plan"]["Plan Rows"] <= 30, plan
