import pytest
from django.urls import reverse

from actions.models import Action
from tests.makers import (
    bulk_recommendations,
    make_action,
    make_agency,
    make_recommendation,
    make_review,
)
from tests.pages import count_card

pytestmark = pytest.mark.django_db


def test_the_review_page_lists_recommendations_with_their_actions(client_for, personas, agency_a):
    review = make_review(title="Clare", summary="Lessons about disguised compliance.")
    first = make_recommendation(
        review, text="Commission disguised-compliance training.", agencies=[agency_a]
    )
    make_action(
        first,
        agency=agency_a,
        title="Commission Sandstories training",
        status=Action.Status.SUBMITTED,
    )
    make_recommendation(review, text="Produce the Unidentified Adults Toolkit.")
    for user in personas.values():
        page = client_for(user).get(review.get_absolute_url()).content.decode()
        assert '<h1 class="govuk-heading-l">Clare</h1>' in page
        assert "Commission disguised-compliance training." in page
        assert "Commission Sandstories training" in page
        assert "Submitted for sign-off" in page
        assert "No actions have been planned for this recommendation yet." in page
        assert count_card(1, "Submitted for sign-off") in page


def test_an_unknown_review_is_not_found(client_for, lead_a):
    assert client_for(lead_a).get(reverse("review-detail", args=[999999])).status_code == 404


@pytest.mark.parametrize("rows", [10, 200])
def test_the_review_page_keeps_a_fixed_number_of_queries(
    client_for, silg_chair, rows, django_assert_max_num_queries
):
    review = make_review()
    agencies = [make_agency() for _ in range(3)]
    bulk_recommendations(review, rows, agencies=agencies)
    client = client_for(silg_chair)
    with django_assert_max_num_queries(10):
        assert client.get(review.get_absolute_url()).status_code == 200
