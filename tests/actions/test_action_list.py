"""The list of actions: every filter narrows, filters combine, columns sort, pages stay small."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from actions.models import Action
from tests.makers import (
    SLUG,
    agency_of,
    bulk_actions,
    default_partnership,
    make_action,
    make_agency,
    make_lead,
    make_recommendation,
    make_review,
    make_theme,
)
from tests.pages import plans_as_read

pytestmark = pytest.mark.django_db


def days(n):
    return timezone.localdate() + datetime.timedelta(days=n)


@pytest.fixture
def world(agency_a, agency_b, lead_a):
    neglect = make_theme("Neglect")
    freddie = make_review(title="Freddie", kind="scr")
    freddie.themes.add(neglect)
    liam = make_review(title="Liam", kind="cspr")
    actions = {
        "audit": make_action(
            make_recommendation(freddie, text="Pace and purpose"),
            agency=agency_a,
            owner=lead_a,
            title="Audit plans for drift",
            due_date=days(-10),
        ),
        "brief": make_action(
            make_recommendation(freddie),
            agency=agency_b,
            title="Brief officers",
            status=Action.Status.COMPLETED,
            due_date=days(-40),
        ),
        "contact": make_action(
            make_recommendation(liam, text="Children placed more than 20 miles away"),
            agency=agency_a,
            title="Agree contact standards",
            due_date=days(12),
        ),
        "notify": make_action(
            make_recommendation(liam),
            agency=agency_b,
            title="Notify host forces",
            status=Action.Status.SUBMITTED,
            due_date=days(120),
        ),
    }
    return actions


def titles(response) -> set[str]:
    return {action.title for action in response.context["page"].object_list}


@pytest.mark.parametrize(
    "params, expected",
    [
        ({"q": "drift"}, {"Audit plans for drift"}),
        ({"q": "20 miles"}, {"Agree contact standards"}),
        ({"q": "freddie brief"}, {"Brief officers"}),
        # Found as the search in the header finds words: the start of a stemmed word.
        ({"q": "drifting audits"}, {"Audit plans for drift"}),
        ({"q": "the DRIFT of"}, {"Audit plans for drift"}),
        ({"review_kind": "cspr"}, {"Agree contact standards", "Notify host forces"}),
        ({"status": ["completed", "submitted"]}, {"Brief officers", "Notify host forces"}),
        ({"rag": "overdue"}, {"Audit plans for drift"}),
        ({"rag": "due_soon"}, {"Agree contact standards"}),
        ({"rag": "complete"}, {"Brief officers"}),
        ({"overdue": "true"}, {"Audit plans for drift"}),
        (
            {
                "due_after_0": "1",
                "due_after_1": "1",
                "due_after_2": "2000",
                "due_before_0": "31",
                "due_before_1": "12",
                "due_before_2": "2099",
                "status": ["in_progress"],
            },
            {"Audit plans for drift", "Agree contact standards"},
        ),
    ],
)
def test_each_filter_narrows_the_list(client_for, silg_chair, world, params, expected):
    assert (
        titles(client_for(silg_chair).get(reverse("action-list", args=[SLUG]), params)) == expected
    )


@pytest.mark.parametrize("typed", ["the and of", "!!!"])
def test_a_search_with_no_words_to_find_says_so_at_the_field(client_for, silg_chair, world, typed):
    response = client_for(silg_chair).get(reverse("action-list", args=[SLUG]), {"q": typed})
    assert titles(response) == set()
    page = response.content.decode()
    assert "There is a problem" in page
    assert "Enter words to search for, such as ‘neglect’ or ‘supervision’" in page
    assert 'href="#id_q"' in page


def test_review_agency_theme_and_owner_filters_and_their_combinations(
    client_for, silg_chair, world, lead_a
):
    client = client_for(silg_chair)
    freddie = world["audit"].recommendation.review
    neglect = freddie.themes.get()
    assert titles(client.get(reverse("action-list", args=[SLUG]), {"review": freddie.pk})) == {
        "Audit plans for drift",
        "Brief officers",
    }
    assert titles(client.get(reverse("action-list", args=[SLUG]), {"theme": neglect.name})) == {
        "Audit plans for drift",
        "Brief officers",
    }
    agency_a = agency_of(lead_a).pk
    assert titles(client.get(reverse("action-list", args=[SLUG]), {"agency": agency_a})) == {
        "Audit plans for drift",
        "Agree contact standards",
    }
    assert titles(client.get(reverse("action-list", args=[SLUG]), {"owner": lead_a.pk})) == {
        "Audit plans for drift"
    }
    both = client.get(
        reverse("action-list", args=[SLUG]),
        {"agency": agency_a, "review": freddie.pk, "rag": "overdue"},
    )
    assert titles(both) == {"Audit plans for drift"}
    assert (
        titles(
            client.get(
                reverse("action-list", args=[SLUG]),
                {"agency": agency_a, "status": ["completed"]},
            )
        )
        == set()
    )


def test_an_agency_lead_starts_on_their_own_agency_and_can_see_all(client_for, lead_a, world):
    client = client_for(lead_a)
    assert titles(client.get(reverse("action-list", args=[SLUG]))) == {
        "Audit plans for drift",
        "Agree contact standards",
    }
    assert len(titles(client.get(reverse("action-list", args=[SLUG]), {"agency": ""}))) == 4


def test_filters_stay_in_the_links_and_exports(client_for, silg_chair, world):
    page = (
        client_for(silg_chair)
        .get(reverse("action-list", args=[SLUG]), {"review_kind": "cspr", "sort": "-due"})
        .content.decode()
    )
    assert 'href="/test/actions/export.csv?review_kind=cspr&amp;sort=-due"' in page
    assert 'href="/test/actions/export.xlsx?review_kind=cspr&amp;sort=-due"' in page
    assert (
        'aria-sort="descending"><a class="govuk-link sscp-sort" '
        'href="?review_kind=cspr&amp;sort=due"' in page
    )


@pytest.mark.parametrize(
    "sort, first",
    [
        ("due", "Brief officers"),
        ("-due", "Notify host forces"),
        ("title", "Agree contact standards"),
        ("-title", "Notify host forces"),
        ("agency", "Audit plans for drift"),
        ("review", "Audit plans for drift"),
    ],
)
def test_columns_sort(client_for, silg_chair, world, sort, first):
    response = client_for(silg_chair).get(reverse("action-list", args=[SLUG]), {"sort": sort})
    assert response.context["page"].object_list[0].title == first


def test_the_list_is_paginated(client_for, silg_chair):
    agency = make_agency()
    recommendation = make_recommendation(agencies=[agency])
    for n in range(55):
        make_action(recommendation, agency=agency, title=f"Action {n:02d}", due_date=days(n))
    client = client_for(silg_chair)
    first = client.get(reverse("action-list", args=[SLUG]), {"sort": "due"})
    assert len(first.context["page"].object_list) == 50
    second = client.get(reverse("action-list", args=[SLUG]), {"sort": "due", "page": 2})
    assert [a.title for a in second.context["page"].object_list] == [
        f"Action {n}" for n in range(50, 55)
    ]
    assert "Page 2 of 2" in second.content.decode()


def test_a_bad_date_filter_is_explained(client_for, silg_chair, world):
    response = client_for(silg_chair).get(
        reverse("action-list", args=[SLUG]),
        {"due_after_0": "31", "due_after_1": "2", "due_after_2": "2027"},
    )
    assert "Due on or after must be a real date" in response.content.decode()
    assert titles(response) == set()


@pytest.mark.parametrize("rows", [10, 200])
def test_the_list_keeps_a_fixed_number_of_queries(
    client_for, silg_chair, rows, django_assert_max_num_queries
):
    for _ in range(3):
        agency = make_agency()
        make_lead(agency)
        bulk_actions(rows // 3 + 1, agency=agency, due_date=lambda n: days(n - 50))
    client = client_for(silg_chair)
    with django_assert_max_num_queries(12):
        client.get(reverse("action-list", args=[SLUG]), {"overdue": "true", "sort": "-due"})


def test_a_review_is_chosen_by_link_and_shown_as_a_box_to_untick(client_for, silg_chair, world):
    """Thousands of reviews make no usable select: the form offers only the one chosen."""
    client = client_for(silg_chair)
    freddie = world["audit"].recommendation.review
    unfiltered = client.get(reverse("action-list", args=[SLUG])).content.decode()
    assert '<input type="hidden" name="review" id="id_review">' in unfiltered
    assert "<option" not in unfiltered.split('name="review_kind"')[0].split('name="q"')[1]

    review_page = client.get(freddie.get_absolute_url()).content.decode()
    assert f'href="/test/actions/?review={freddie.pk}"' in review_page

    chosen = client.get(
        reverse("action-list", args=[SLUG]), {"review": freddie.pk}
    ).content.decode()
    assert f'type="checkbox" name="review" value="{freddie.pk}"' in chosen
    assert f"Review: {freddie.title}" in chosen
    assert "Untick to see every review" in chosen


def test_a_review_that_does_not_exist_is_refused_clearly(client_for, silg_chair, world):
    response = client_for(silg_chair).get(reverse("action-list", args=[SLUG]), {"review": 999999})
    page = response.content.decode()
    assert "Choose the review from the list" in page and "Select a valid choice" not in page
    assert "No actions match these filters." in page


def test_returned_only_lists_what_the_chair_sent_back(client_for, silg_chair, world):
    make_action(title="Sent back", returned_at=timezone.now())
    assert titles(
        client_for(silg_chair).get(reverse("action-list", args=[SLUG]), {"returned": "true"})
    ) == {"Sent back"}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_overdue_list_reads_its_page_from_the_open_actions_in_its_order(
    migrated_data, client_for, silg_chair
):
    """Most actions due longest ago are completed: the list of all actions in due-date order
    walked past every one of them (29,506 at 300,000 actions) to find a page overdue."""
    agency = make_agency()
    # Enough overdue that sorting them all for a page costs more than reading it in order.
    bulk_actions(4000, agency=agency, due_date=lambda n: days(-800 + n % 400), status="completed")
    bulk_actions(1500, agency=agency, due_date=lambda n: days(-300 + n % 290))
    with connection.cursor() as cursor:  # the table's pages all-visible, as autovacuum keeps them
        cursor.execute("VACUUM ANALYZE actions_action")
    with CaptureQueriesContext(connection) as queries:
        page = client_for(silg_chair).get(reverse("action-list", args=[SLUG]), {"overdue": "true"})
    assert page.status_code == 200
    [listed] = [
        q["sql"]
        for q in queries.captured_queries
        if "ORDER BY" in q["sql"] and "actions_action" in q["sql"] and "LIMIT" in q["sql"]
    ]
    [plan] = plans_as_read(
        [listed],
        partnership=default_partnership(),
        user=silg_chair,
        in_order=True,
    )
    # The page's ids straight from the open actions' index, in the list's order: no sort.
    assert "Index Only Scan using action_open_due on actions_action" in plan, plan
    assert "Sort Key: u0.due_date, u0.id" not in plan, plan
