from django.shortcuts import render
from django.utils import timezone

from actions.models import Action
from actions.selectors import status_counts
from reviews import selectors


def review_list(request):
    reviews = selectors.review_list(today=timezone.localdate())
    return render(request, "reviews/review_list.html", {"reviews": reviews})


def review_detail(request, pk):
    review = selectors.review_detail(pk)
    return render(
        request,
        "reviews/review_detail.html",
        {
            "review": review,
            "recommendations": review.recommendations.all(),
            "status_counts": status_counts(Action.objects.filter(recommendation__review=review)),
        },
    )


def recommendation_detail(request, pk):
    recommendation = selectors.recommendation_detail(pk)
    return render(
        request,
        "reviews/recommendation_detail.html",
        {"recommendation": recommendation, "review": recommendation.review},
    )
