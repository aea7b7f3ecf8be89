import datetime

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from reviews.models import Recommendation, Review
from tests.makers import make_action, make_recommendation, make_review, make_user

pytestmark = pytest.mark.django_db


def test_recommendation_numbers_are_unique_within_a_review():
    review = make_review()
    make_recommendation(review, number=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        Recommendation.objects.create(review=review, number=1, text="Again")
    make_recommendation(make_review(), number=1)  # the same number in another review is fine


def test_a_review_kind_must_be_one_of_the_kinds():
    with pytest.raises(IntegrityError), transaction.atomic():
        Review.objects.create(title="Unknown", kind="gossip")


def test_a_review_cannot_be_published_before_it_was_commissioned():
    with pytest.raises(IntegrityError), transaction.atomic():
        Review.objects.create(
            title="Backwards",
            kind=Review.Kind.SERIOUS_CASE_REVIEW,
            commissioned_on=datetime.date(2021, 1, 1),
            published_on=datetime.date(2020, 1, 1),
        )


def test_a_closed_recommendation_needs_who_when_and_an_impact_statement():
    recommendation = make_recommendation()
    recommendation.closed_at = timezone.now()
    with pytest.raises(IntegrityError), transaction.atomic():
        recommendation.save()
    recommendation.closed_by = make_user()
    recommendation.impact_statement = "Practitioners now use chronologies."
    recommendation.save()
    assert recommendation.is_closed


def test_a_review_is_complete_only_when_every_recommendation_is_closed():
    review = make_review()
    assert not review.is_complete  # nothing to close yet
    first = make_recommendation(review)
    make_action(first)
    second = make_recommendation(review)
    for recommendation in (first, second):
        recommendation.closed_at = timezone.now()
        recommendation.closed_by = make_user()
        recommendation.impact_statement = "Done."
    first.save()
    assert not Review.objects.get(pk=review.pk).is_complete
    second.save()
    assert Review.objects.get(pk=review.pk).is_complete
