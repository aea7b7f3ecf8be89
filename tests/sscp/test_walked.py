"""A page of a list read by its keys first (sscp.pagination.walked): the same rows in the
same order as the list's own slice, and its filters asked once, of the keys."""

import pytest

from actions.models import Action
from reviews.models import Recommendation
from sscp.pagination import walked
from tests.makers import make_action, make_agency, make_recommendation

pytestmark = pytest.mark.django_db


def test_a_page_of_a_filtered_list_is_its_slice_and_asks_the_filter_once():
    for n in range(5):
        make_action(title=f"Fire safety check {n}" if n % 2 else f"Home visit {n}")
    actions = (
        Action.objects.select_related("agency", "recommendation__review")
        .filter(title__contains="Fire safety")
        .order_by("-title", "pk")
    )
    page = walked(actions, 0, 5)
    assert [a.title for a in page] == ["Fire safety check 3", "Fire safety check 1"]
    assert [a.pk for a in page] == [a.pk for a in actions[0:5]]
    assert str(page.query).count("Fire safety") == 1  # of the keys, not again of the rows


def test_a_list_a_filter_repeats_rows_of_is_walked_as_it_stands():
    """A filter across a to-many relation lists a recommendation once for each agency it
    matches; walking the list keeps that filter, so the page is still the slice."""
    police, health = make_agency(), make_agency()
    both = make_recommendation(agencies=[police, health])
    make_recommendation(agencies=[police])
    listed = (
        Recommendation.objects.select_related("review")
        .filter(agencies__in=[police, health])
        .order_by("pk")
    )
    page = list(walked(listed, 0, 10))
    assert [r.pk for r in page] == [r.pk for r in listed[0:10]]
    assert [r.pk for r in page].count(both.pk) == 2
