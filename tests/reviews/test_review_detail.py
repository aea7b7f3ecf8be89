import pytest
from django.urls import reverse

from actions.models import Action
from tests.makers import (
    SLUG,
    bulk_recommendations,
    make_action,
    make_agency,
    make_recommendation,
    make_review,
)
from tests.pages import count_card, row_security_queries

pytestmark = pytest.mark.django_db


def test_the_review_page_lists_recommendations_with_their_actions(client_for, members, agency_a):
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
    for user in members.values():
        page = client_for(user).get(review.get_absolute_url()).content.decode()
        assert '<h1 class="govuk-heading-l">Clare</h1>' in page
        assert "Commission disguised-compliance training." in page
        assert "Commission Sandstories training" in page
        assert "Submitted for sign-off" in page
        assert "No actions have been planned for this recommendation yet." in page
        assert count_card(1, "Submitted for sign-off") in page


def test_an_unknown_review_is_not_found(client_for, lead_a):
    assert client_for(lead_a).get(reverse("review-detail", args=[SLUG, 999999])).status_code == 404


@pytest.mark.parametrize("rows", [10, 200])
def test_the_review_page_keeps_a_fixed_number_of_queries(
    client_for, silg_chair, rows, django_assert_max_num_queries
):
    review = make_review()
    agencies = [make_agency() for _ in range(3)]
    bulk_recommendations(review, rows, agencies=agencies)
    client = client_for(silg_chair)
    # The session, the person and their memberships, the review with its partnership,
    # its joint partnerships, themes, recommendations and their themes, agencies and
    # actions (counted by status as they are). The person comes with their unread notices'
    # count (accounts.backends): no query of its own.
    with django_assert_max_num_queries(10 + row_security_queries()):
        assert client.get(review.get_absolute_url()).status_code == 200


def test_a_joint_review_is_read_by_each_partnership_that_commissioned_it(client_for):
    """Issue 17, item 3: the HIPS Section 11 audit, commissioned by Southampton jointly with
    Portsmouth, is on each partnership's list and page, at each one's own address."""
    from sscp import roles
    from tests.makers import (
        make_agency,
        make_partnership,
        make_recommendation,
        make_review,
        make_user,
        share_review,
    )

    south, ports = make_partnership("south"), make_partnership("ports")
    police = make_agency(name="Hampshire Constabulary", partnerships=[south, ports])
    audit = make_review(title="HIPS Section 11 audit", partnership=south, kind="section11")
    share_review(audit, ports)
    make_recommendation(audit, agencies=[police])
    ports_team = make_user("ports-team", role=roles.PARTNERSHIP_TEAM, partnership=ports)
    client = client_for(ports_team)
    listed = client.get(reverse("review-list", args=["ports"])).content.decode()
    assert f'href="/ports/reviews/{audit.pk}/"' in listed
    page = client.get(reverse("review-detail", args=["ports", audit.pk])).content.decode()
    assert "Commissioned by" in page and "South, jointly with Ports" in page
    assert client.get(reverse("review-detail", args=["south", audit.pk])).status_code == 404
