import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from actions.models import Action
from sscp.pagination import PAGE_SIZE
from tests.makers import (
    SLUG,
    bulk_reviews,
    default_partnership,
    make_action,
    make_agency,
    make_recommendation,
    make_review,
    make_theme,
)
from tests.pages import plans_as_read, row_security_queries

pytestmark = pytest.mark.django_db


def test_the_list_shows_each_review_with_its_progress(client_for, members):
    review = make_review(title="Freddie", published_on=datetime.date(2020, 8, 26))
    review.themes.add(make_theme("Neglect"))
    recommendation = make_recommendation(review)
    make_action(recommendation, status=Action.Status.COMPLETED)
    make_action(recommendation, due_date=timezone.localdate() - datetime.timedelta(days=3))
    for user in members.values():
        page = client_for(user).get(reverse("review-list", args=[SLUG])).content.decode()
        assert f'href="{review.get_absolute_url()}">Freddie</a>' in page
        assert "26 August 2020" in page
        assert "Neglect" in page
        assert "0 of 1" in page  # recommendations closed
        assert "1 of 2" in page  # actions completed


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_list_reads_its_page_in_order_and_counts_actions_from_indexes(
    migrated_data, client_for, members
):
    bulk_reviews(PAGE_SIZE * 4, agency=make_agency())  # a page is a quarter of them
    with connection.cursor() as cursor:  # the tables' pages all-visible, as autovacuum keeps them
        cursor.execute("VACUUM ANALYZE reviews_review, actions_action")
    team = members["partnership"]
    with CaptureQueriesContext(connection) as queries:
        assert client_for(team).get(reverse("review-list", args=[SLUG])).status_code == 200
    [listed] = [q["sql"] for q in queries.captured_queries if q["sql"].count("actions_action") >= 3]
    [plan] = plans_as_read(
        [listed],
        partnership=default_partnership(),
        user=team,
        in_order=True,
    )
    # The page's reviews newest first from the index, not every review sorted to find them.
    assert "Index Scan using review_listed on reviews_review" in plan, plan
    assert "Sort Key: reviews_review.published_on" not in plan, plan
    # Their actions, those overdue and those completed: each counted from an index alone.
    reads = re.findall(
        r"(Index Only Scan|Index Scan|Seq Scan|Bitmap Heap Scan)(?: using \S+)? on actions_action",
        plan,
    )
    assert reads == ["Index Only Scan"] * 3, plan


@pytest.mark.parametrize("rows", [10, 200])
def test_the_list_keeps_a_fixed_number_of_queries(
    client_for, silg_chair, rows, django_assert_max_num_queries
):
    bulk_reviews(rows, agency=make_agency())
    client = client_for(silg_chair)
    with django_assert_max_num_queries(6 + row_security_queries()):
        response = client.get(reverse("review-list", args=[SLUG]))
    page = response.content.decode()
    assert page.count("govuk-table__row") == min(rows, PAGE_SIZE) + 1
    assert f"{rows} reviews." in page


def test_the_list_comes_in_pages(client_for, silg_chair):
    bulk_reviews(PAGE_SIZE + 5, agency=make_agency())
    client = client_for(silg_chair)
    first = client.get(reverse("review-list", args=[SLUG])).content.decode()
    second = client.get(reverse("review-list", args=[SLUG]), {"page": 2}).content.decode()
    assert "Page 1 of 2" in first
    assert first.count("govuk-table__row") == PAGE_SIZE + 1
    assert second.count("govuk-table__row") == 5 + 1
    assert 'rel="prev"' in second
