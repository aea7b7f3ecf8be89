import pytest
from django.urls import reverse

from tests.makers import (
    SLUG,
    bulk_actions,
    make_action,
    make_agency,
    make_recommendation,
    make_review,
)
from tests.pages import row_security_queries

pytestmark = pytest.mark.django_db


def test_the_recommendation_page_shows_its_text_agencies_and_actions(client_for, members, agency_a):
    recommendation = make_recommendation(
        make_review(title="Liam"),
        text="Keep contact with children placed more than 20 miles away.",
        agencies=[agency_a],
    )
    make_action(recommendation, agency=agency_a, title="Agree contact standards")
    for user in members.values():
        page = client_for(user).get(recommendation.get_absolute_url()).content.decode()
        assert "Recommendation 1" in page
        assert "more than 20 miles away" in page
        assert "Agency A" in page
        assert "Agree contact standards" in page


def test_an_unknown_recommendation_is_not_found(client_for, lead_a):
    assert (
        client_for(lead_a).get(reverse("recommendation-detail", args=[SLUG, 999999])).status_code
        == 404
    )


@pytest.mark.parametrize("rows", [10, 200])
def test_the_recommendation_page_keeps_a_fixed_number_of_queries(
    client_for, silg_chair, rows, django_assert_max_num_queries
):
    agency = make_agency()
    recommendation = make_recommendation(agencies=[agency])
    bulk_actions(rows, agency=agency, recommendation=recommendation)
    client = client_for(silg_chair)
    with django_assert_max_num_queries(10 + row_security_queries()):
        assert client.get(recommendation.get_absolute_url()).status_code == 200
