"""The partnership team logs and edits reviews and recommendations."""

import pytest
from django.urls import reverse

from reviews.models import Recommendation, Review
from tests.makers import SLUG, agency_of, make_action, make_recommendation, make_review, make_theme

pytestmark = pytest.mark.django_db


def test_logging_a_review(client_for, partnership_officer):
    theme = make_theme("Neglect")
    response = client_for(partnership_officer).post(
        reverse("review-create", args=[SLUG]),
        {
            "title": "Freddie",
            "kind": "scr",
            "summary": "Pace and purpose.",
            "published_on_0": "26",
            "published_on_1": "8",
            "published_on_2": "2020",
            "themes": [theme.pk],
        },
        follow=True,
    )
    page = response.content.decode()
    assert "Review “Freddie” saved" in page
    assert "26 August 2020" in page and "Neglect" in page
    review = Review.objects.get()
    assert review.history.get().history_change_reason == "Review logged"


def test_a_review_title_must_be_new(client_for, partnership_officer):
    make_review(title="Clare")
    response = client_for(partnership_officer).post(
        reverse("review-create", args=[SLUG]), {"title": "clare", "kind": "scr"}
    )
    assert "A review called “clare” already exists" in response.content.decode()
    assert Review.objects.count() == 1


def test_publication_before_commissioning_is_refused(client_for, partnership_officer):
    response = client_for(partnership_officer).post(
        reverse("review-create", args=[SLUG]),
        {
            "title": "Liam", "kind": "cspr",
            "commissioned_on_0": "1", "commissioned_on_1": "9", "commissioned_on_2": "2021",
            "published_on_0": "1", "published_on_1": "9", "published_on_2": "2020",
        },
    )  # fmt: skip
    page = response.content.decode()
    assert "Date published must be on or after the date commissioned" in page
    assert 'href="#id_published_on_0"' in page
    assert not Review.objects.exists()


def test_an_empty_review_form_lists_what_is_missing(client_for, partnership_officer):
    page = (
        client_for(partnership_officer)
        .post(reverse("review-create", args=[SLUG]), {})
        .content.decode()
    )
    assert "Enter the review&#x27;s title" in page
    assert "Choose the kind of review" in page


def test_adding_a_recommendation_suggests_the_next_number(
    client_for, partnership_officer, agency_a
):
    review = make_review()
    make_recommendation(review, number=1)
    client = client_for(partnership_officer)
    page = client.get(reverse("recommendation-create", args=[SLUG, review.pk])).content.decode()
    assert 'value="2"' in page
    response = client.post(
        reverse("recommendation-create", args=[SLUG, review.pk]),
        {"number": 2, "text": "Share information sooner.", "agencies": [agency_a.pk]},
        follow=True,
    )
    assert "Recommendation 2 saved" in response.content.decode()
    assert list(Recommendation.objects.get(number=2).agencies.all()) == [agency_a]


def test_a_duplicate_recommendation_number_is_refused(client_for, partnership_officer, agency_a):
    review = make_review(title="Clare")
    make_recommendation(review, number=1)
    response = client_for(partnership_officer).post(
        reverse("recommendation-create", args=[SLUG, review.pk]),
        {"number": 1, "text": "Again", "agencies": [agency_a.pk]},
    )
    assert "Clare already has a recommendation 1" in response.content.decode()
    assert review.recommendations.count() == 1


def test_the_recommendation_page_flags_an_owning_agency_with_no_action(
    client_for, lead_a, agency_b
):
    recommendation = make_recommendation(agencies=[agency_of(lead_a), agency_b])
    make_action(recommendation, agency=agency_of(lead_a))
    page = client_for(lead_a).get(recommendation.get_absolute_url()).content.decode()
    assert '<strong class="govuk-tag govuk-tag--red">No action planned</strong>' in page
    assert '<strong class="govuk-tag govuk-tag--green">In progress</strong>' in page
