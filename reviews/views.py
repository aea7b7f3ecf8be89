from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from actions.models import Action
from actions.permissions import Ability, abilities, require
from actions.permissions import recommendation_for as get_recommendation
from actions.permissions import review_for as get_review
from actions.selectors import own_agency_first, status_counts
from reviews import selectors, services
from reviews.forms import CloseRecommendationForm, RecommendationForm, ReviewForm
from sscp.forms import call_service, posted

FORM_METHODS = ["GET", "POST"]


def review_list(request):
    reviews = selectors.review_list(today=timezone.localdate())
    return render(
        request, "reviews/review_list.html", {"reviews": reviews, "can": abilities(request.user)}
    )


def review_detail(request, pk):
    review = get_review(request, pk, queryset=selectors.review_page())
    recommendations = [
        (recommendation, own_agency_first(recommendation.actions.all(), request.user))
        for recommendation in review.recommendations.all()
    ]
    return render(
        request,
        "reviews/review_detail.html",
        {
            "review": review,
            "recommendations": recommendations,
            "status_counts": status_counts(Action.objects.filter(recommendation__review=review)),
            "can": abilities(request.user),
        },
    )


def recommendation_detail(request, pk):
    recommendation = get_recommendation(request, pk, queryset=selectors.recommendation_page())
    return render(
        request,
        "reviews/recommendation_detail.html",
        {
            "recommendation": recommendation,
            "review": recommendation.review,
            "actions": own_agency_first(recommendation.actions.all(), request.user),
            "agency_progress": selectors.agency_progress(
                recommendation, today=timezone.localdate()
            ),
            "can": abilities(request.user),
        },
    )


def _review_form_page(request, form, review=None):
    if request.method == "POST" and form.is_valid():
        saved = call_service(
            form, services.review_save, actor=request.user, review=review, **form.cleaned_data
        )
        if saved is not None:
            messages.success(request, f"Review “{saved.title}” saved")
            return redirect(saved)
    title = "Log a review" if review is None else f"Edit {review.title}"
    return render(
        request,
        "reviews/review_form.html",
        {"form": form, "review": review, "title": title, "button": "Save the review"},
    )


@require_http_methods(FORM_METHODS)
def review_create(request):
    require(request, Ability.PLAN)
    return _review_form_page(request, ReviewForm(posted(request)))


@require_http_methods(FORM_METHODS)
def review_edit(request, pk):
    review = get_review(request, pk, Ability.PLAN)
    initial = {
        "title": review.title,
        "kind": review.kind,
        "summary": review.summary,
        "commissioned_on": review.commissioned_on,
        "published_on": review.published_on,
        "themes": review.themes.all(),
    }
    return _review_form_page(request, ReviewForm(posted(request), initial=initial), review)


def _recommendation_form_page(request, form, review, recommendation=None):
    if request.method == "POST" and form.is_valid():
        saved = call_service(
            form,
            services.recommendation_save,
            actor=request.user,
            review=review,
            recommendation=recommendation,
            **form.cleaned_data,
        )
        if saved is not None:
            messages.success(request, f"Recommendation {saved.number} saved")
            return redirect(saved)
    title = (
        "Add a recommendation"
        if recommendation is None
        else f"Edit recommendation {recommendation.number}"
    )
    return render(
        request,
        "reviews/recommendation_form.html",
        {
            "form": form,
            "review": review,
            "recommendation": recommendation,
            "title": title,
            "button": "Save the recommendation",
        },
    )


@require_http_methods(FORM_METHODS)
def recommendation_create(request, pk):
    review = get_review(request, pk, Ability.PLAN)
    next_number = (
        review.recommendations.order_by("-number").values_list("number", flat=True).first() or 0
    ) + 1
    form = RecommendationForm(posted(request), initial={"number": next_number})
    return _recommendation_form_page(request, form, review)


@require_http_methods(FORM_METHODS)
def recommendation_edit(request, pk):
    recommendation = get_recommendation(request, pk, Ability.PLAN)
    initial = {
        "number": recommendation.number,
        "text": recommendation.text,
        "themes": recommendation.themes.all(),
        "agencies": recommendation.agencies.all(),
    }
    form = RecommendationForm(posted(request), initial=initial)
    return _recommendation_form_page(request, form, recommendation.review, recommendation)


@require_http_methods(FORM_METHODS)
def recommendation_close(request, pk):
    recommendation = get_recommendation(
        request, pk, Ability.DECIDE, queryset=selectors.recommendation_page()
    )
    form = CloseRecommendationForm(posted(request))
    if request.method == "POST" and form.is_valid():
        closed = call_service(
            form,
            services.recommendation_close,
            actor=request.user,
            recommendation=recommendation,
            **form.cleaned_data,
        )
        if closed is not None:
            messages.success(request, f"Recommendation {closed.number} closed")
            return redirect(closed)
    return render(
        request,
        "reviews/recommendation_close.html",
        {
            "form": form,
            "recommendation": recommendation,
            "review": recommendation.review,
            "title": f"Close recommendation {recommendation.number}",
            "button": "Close the recommendation",
        },
    )
