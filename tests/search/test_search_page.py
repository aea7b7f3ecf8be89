"""The search in the header: what a member of the partnership may read, ranked across
kinds, highlighted, in pages, in a fixed number of queries; never another
partnership's records nor another agency's confidential text; a helpful answer to
a search with no words."""

import datetime

import pytest
from django.db import connection
from django.urls import reverse

from actions.models import ProgressUpdate
from learning.models import LearningActivity
from sscp import roles
from tests.makers import (
    SLUG,
    agency_of,
    bulk_actions,
    default_partnership,
    make_action,
    make_partnership,
    make_recommendation,
    make_review,
    make_user,
    share_review,
)

pytestmark = pytest.mark.django_db
URL = reverse("search", args=[SLUG])
# The session, the person and their memberships; the count and the page of results; the
# records of the page, one query for each kind on it; on PostgreSQL, entering and leaving
# the partnership's row-level security (sscp.database), and the records found by id past
# it (search.engine.found).
QUERIES = 8 + (3 if connection.vendor == "postgresql" else 0)


def search(client, typed, **params):
    return client.get(URL, {"q": typed, **params})


def found(response) -> list[tuple[str, str]]:
    return [(result.kind.name, str(result.record)) for result in response.context["results"]]


@pytest.fixture
def world(agency_a, agency_b):
    freddie = make_review(title="Freddie", summary="Neglect of a baby over many months")
    clare = make_review(title="Clare", summary="Domestic abuse and a move between areas")
    first = make_recommendation(freddie, text="Supervision should challenge drift in neglect")
    second = make_recommendation(clare, text="Share information when a family moves")
    return {
        "freddie": freddie,
        "clare": clare,
        "neglect_toolkit": make_action(
            first, agency=agency_a, title="Neglect toolkit", description="Train staff"
        ),
        "transfer": make_action(
            second,
            agency=agency_b,
            title="Transfer protocol",
            description="Agree how records move, including neglect history",
        ),
    }


def test_signed_out_people_are_asked_to_sign_in(client):
    response = client.get(URL, {"q": "neglect"})
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_a_person_outside_the_partnership_is_told_nothing(client_for, no_role_user, world):
    assert search(client_for(no_role_user), "neglect").status_code == 404


def test_only_get_is_allowed(client_for, lead_a, world):
    assert client_for(lead_a).post(URL, {"q": "neglect"}).status_code == 405


def test_every_member_finds_reviews_recommendations_and_actions_best_first(
    client_for, members, world
):
    for user in members.values():
        response = search(client_for(user), "neglect")
        assert response.status_code == 200
        results = found(response)
        assert set(results) == {
            ("review", "Freddie"),
            ("recommendation", "Freddie recommendation 1"),
            ("action", "Neglect toolkit"),
            ("action", "Transfer protocol"),
        }
        # A word in a title ranks above a passing mention in a description.
        assert results.index(("action", "Neglect toolkit")) < results.index(
            ("action", "Transfer protocol")
        )
        assert "4 results for ‘neglect’" in response.text


def test_each_result_shows_its_kind_links_to_its_record_and_marks_the_words(
    client_for, silg_chair, world
):
    response = search(client_for(silg_chair), "neglect")
    text = response.text
    action = world["transfer"]
    assert f'href="{action.get_absolute_url()}"' in text
    assert f'href="{world["freddie"].get_absolute_url()}"' in text
    assert '<strong class="govuk-tag govuk-tag--yellow">Action</strong>' in text
    assert ">Recommendation</strong>" in text and ">Review</strong>" in text
    assert "including <mark>neglect</mark> history" in text
    assert "<mark>Neglect</mark> of a baby" in text


def test_a_title_written_as_html_is_shown_as_text(client_for, silg_chair, world):
    make_action(
        world["transfer"].recommendation,
        title="<script>alert('x')</script> Escalation",
        description="<img src=x onerror=alert(1)> escalation policy",
    )
    text = search(client_for(silg_chair), "escalation").text
    assert "<script>alert" not in text and "<img" not in text
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; Escalation" in text
    assert "&lt;img src=x onerror=alert(1)&gt; <mark>escalation</mark> policy" in text


def test_another_partnerships_records_are_never_found_but_a_joint_review_is(
    client_for, lead_a, world
):
    portsmouth = make_partnership("portsmouth")
    theirs = make_review(title="Neglect in Portsmouth", partnership=portsmouth)
    make_action(make_recommendation(theirs, text="Neglect"), title="Their neglect action")
    joint = make_review(title="Joint neglect audit", partnership=portsmouth)
    make_recommendation(joint, text="Neglect screening in every partnership")
    share_review(joint, world["freddie"].partnership)
    results = found(search(client_for(lead_a), "neglect"))
    assert ("review", "Joint neglect audit") in results
    assert ("recommendation", "Joint neglect audit recommendation 1") in results
    assert not any("Portsmouth" in title or "Their" in title for _, title in results)


def test_an_agency_lead_never_finds_another_agencys_confidential_text(
    client_for, lead_a, lead_b, world
):
    transfer = world["transfer"]  # agency B's
    ProgressUpdate.objects.create(action=transfer, author=lead_b, text="Quarantined chronology")
    transfer.completion_statement = "Quarantined statement"
    transfer.save()
    for user in (lead_a, lead_b):
        response = search(client_for(user), "quarantined")
        assert response.context["results"] == []
        assert "There are no results for ‘quarantined’" in response.text


@pytest.mark.parametrize(
    "typed", ["the and of", "!!!", "'", '" OR', "*", "NOT", "%_", "'; DROP TABLE", "x" * 50_000]
)
def test_a_search_with_no_words_is_told_so_helpfully(client_for, lead_a, world, typed):
    response = search(client_for(lead_a), typed)
    assert response.status_code == 200
    assert not response.context["results"]
    text = response.text
    if typed == "'; DROP TABLE":  # "drop" and "table" are words, found nowhere
        assert "There are no results for" in text
    else:
        assert "There are no words to search for in" in text
        assert "Common words such as ‘the’, ‘and’ and ‘of’, and symbols" in text


def test_an_empty_search_asks_for_words(client_for, lead_a, world):
    for params in ({}, {"q": ""}, {"q": "   "}):
        response = client_for(lead_a).get(URL, params)
        assert response.status_code == 200
        assert "Enter words to search for" in response.text


def test_results_come_in_pages_that_keep_the_search(client_for, partnership_officer, agency_a):
    bulk_actions(60, agency=agency_a)  # "Bulk action 0", …
    client = client_for(partnership_officer)
    first = search(client, "bulk")
    assert len(first.context["results"]) == 50
    assert "60 results for ‘bulk’, best first: page 1 of 2" in first.text
    assert 'href="?q=bulk&amp;page=2"' in first.text
    second = search(client, "bulk", page=2)
    assert len(second.context["results"]) == 10
    assert {r.record.pk for r in first.context["results"]}.isdisjoint(
        r.record.pk for r in second.context["results"]
    )


def test_so_many_found_that_only_the_first_of_each_kind_are_ranked_says_so(
    client_for, partnership_officer, agency_a, monkeypatch
):
    monkeypatch.setattr("search.selectors.RANKED_AT_MOST", 25)
    bulk_actions(30, agency=agency_a)
    page = search(client_for(partnership_officer), "bulk")
    assert len(page.context["results"]) == 25
    assert (
        "only the first 25 of each kind are ranked (actions). Add words to narrow the search."
        in (page.text)
    )
    assert "Add words to narrow" not in search(client_for(partnership_officer), "bulk 7").text


def test_many_found_in_all_but_none_of_a_kind_past_the_limit_says_nothing_of_it(
    client_for, partnership_officer, agency_a, monkeypatch
):
    monkeypatch.setattr("search.selectors.RANKED_AT_MOST", 25)
    for n in range(15):
        recommendation = make_recommendation(text=f"Chronology practice {n}")
        make_action(recommendation, agency=agency_a, title=f"Chronology audit {n}")
    page = search(client_for(partnership_officer), "chronology")
    assert page.context["page"].paginator.count == 30  # 15 actions and 15 recommendations
    assert "Add words to narrow" not in page.text


@pytest.mark.parametrize("rows", [2, 60])
def test_the_queries_are_as_few_however_many_are_found(
    client_for, partnership_officer, agency_a, rows, django_assert_max_num_queries
):
    review = make_review(title="Bulk review", summary="Of bulk actions")
    recommendation = make_recommendation(review, text="Bulk actions should be few")
    bulk_actions(rows, recommendation=recommendation, agency=agency_a)
    client = client_for(partnership_officer)
    search(client, "bulk")  # the session, warm
    with django_assert_max_num_queries(QUERIES):
        response = search(client, "bulk actions")
    assert len(response.context["results"]) == min(rows + 2, 50)


def test_the_header_has_a_search_box_on_a_partnerships_pages(client_for, lead_a, world):
    home = client_for(lead_a).get(reverse("home", args=[SLUG])).text
    assert 'role="search"' in home
    assert f'action="{URL}"' in home
    assert '<label class="govuk-visually-hidden" for="header-search">' in home
    assert 'name="q"' in home
    # On the search page itself its own box replaces the header's.
    page = search(client_for(lead_a), "neglect").text
    assert 'id="header-search"' not in page and 'id="search-words"' in page


def test_there_is_no_search_box_outside_a_partnership(client, client_for):
    assert 'role="search"' not in client.get(reverse("login")).text
    person = make_user("two-partnerships", role=roles.PARTNERSHIP_TEAM)
    make_user(role=roles.PARTNERSHIP_TEAM, partnership=make_partnership("other"))
    assert 'role="search"' not in client_for(person).get(reverse("account")).text


def test_the_lead_of_an_agency_finds_the_same_as_everyone(client_for, lead_a, lead_b, world):
    assert agency_of(lead_a) != agency_of(lead_b)
    assert set(found(search(client_for(lead_a), "transfer protocol"))) == {
        ("action", "Transfer protocol")
    }


def make_activity(title, description="", partnership=None) -> LearningActivity:
    return LearningActivity.objects.create(
        partnership=partnership or default_partnership(),
        kind=LearningActivity.Kind.BRIEFING,
        title=title,
        description=description,
        held_on=datetime.date(2021, 11, 3),
        created_by=make_user(),
    )


def test_learning_activities_are_found_too_but_never_another_partnerships(
    client_for, lead_a, world
):
    briefing = make_activity("Neglect briefing", "Spotlight on <b>neglect</b> for practitioners")
    make_activity("Neglect workshop elsewhere", partnership=make_partnership("elsewhere"))
    response = search(client_for(lead_a), "neglect briefing")
    assert found(response) == [("learning", "Neglect briefing")]
    text = response.text
    assert '<strong class="govuk-tag govuk-tag--magenta">Learning activity</strong>' in text
    assert f'href="{briefing.get_absolute_url()}"' in text
    assert "Spotlight on &lt;b&gt;<mark>neglect</mark>&lt;/b&gt; for practitioners" in text
