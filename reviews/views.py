from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.template.defaultfilters import pluralize
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from actions.selectors import own_agency_first, status_counts
from reviews import import_files, imports, selectors, services
from reviews.filters import RecommendationFilter
from reviews.forms import (
    CloseRecommendationForm,
    ImportConfirmForm,
    ImportForm,
    RecommendationForm,
    ReviewForm,
)
from reviews.selectors import recommendation_for as get_recommendation
from reviews.selectors import review_for as get_review
from sscp.filters import list_filters, sort_links
from sscp.forms import call_service, posted
from sscp.pagination import page_of, query_without_page
from sscp.permissions import Ability, abilities, require, works_for
from sscp.spreadsheets import Column, csv_response, xlsx_response

FORM_METHODS = ["GET", "POST"]


def review_list(request):
    reviews = selectors.review_list(request.scope, today=timezone.localdate())
    page = page_of(request, reviews)
    return render(
        request, "reviews/review_list.html", {"page": page, "can": abilities(request.user)}
    )


def review_detail(request, pk):
    review = get_review(request, pk, queryset=selectors.review_page())
    recommendations = [
        (recommendation, own_agency_first(recommendation.actions.all(), works_for(request.user)))
        for recommendation in review.recommendations.all()
    ]
    return render(
        request,
        "reviews/review_detail.html",
        {
            "review": review,
            "recommendations": recommendations,
            "status_counts": status_counts(
                action
                for recommendation in review.recommendations.all()
                for action in recommendation.actions.all()
            ),
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
            "actions": own_agency_first(recommendation.actions.all(), works_for(request.user)),
            "agency_progress": selectors.agency_progress(
                recommendation, today=timezone.localdate()
            ),
            "close_blocker": services.why_not_closable(
                [action.status for action in recommendation.actions.all()]
            ),
            "can": abilities(request.user),
        },
    )


def _review_form_page(request, form, review=None):
    if request.method == "POST" and form.is_valid():
        saved = call_service(
            form,
            services.review_save,
            actor=request.user,
            partnership=review.partnership if review else request.partnership,
            review=review,
            **form.cleaned_data,
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
    return _review_form_page(request, ReviewForm(posted(request), partnership=request.partnership))


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
        "joint_partnerships": review.joint_partnerships.all(),
    }
    form = ReviewForm(posted(request), initial=initial, partnership=review.partnership)
    return _review_form_page(request, form, review)


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
    form = RecommendationForm(posted(request), initial={"number": next_number}, review=review)
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
    form = RecommendationForm(posted(request), initial=initial, review=recommendation.review)
    return _recommendation_form_page(request, form, recommendation.review, recommendation)


@require_http_methods(FORM_METHODS)
def recommendation_close(request, pk):
    recommendation = get_recommendation(
        request, pk, Ability.DECIDE, queryset=selectors.recommendation_page()
    )
    form = CloseRecommendationForm(posted(request))
    blocker = services.why_not_closable([a.status for a in recommendation.actions.all()])
    if request.method == "POST" and blocker:
        form.add_error(None, blocker)
    elif request.method == "POST" and form.is_valid():
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
            "blocker": blocker,
        },
    )


RECOMMENDATION_SORT_COLUMNS = {"review": "review", "number": "number", "closed": "closed"}


@require_GET
def recommendation_list(request):
    recommendation_filter = RecommendationFilter(
        list_filters(request),
        queryset=selectors.recommendation_list(request.scope),
        scope=request.scope,
    )
    recommendations = (
        recommendation_filter.qs
        if recommendation_filter.is_valid()
        else recommendation_filter.queryset.none()
    )
    page = page_of(request, recommendations)
    return render(
        request,
        "reviews/recommendation_list.html",
        {
            "filter": recommendation_filter,
            "form": recommendation_filter.form,
            "page": page,
            "query": query_without_page(request.GET).urlencode(),
            "sort": sort_links(request, "sort", RECOMMENDATION_SORT_COLUMNS),
        },
    )


def _meeting_pack_context(review, today):
    recommendations = [
        (recommendation, selectors.agency_progress(recommendation, today=today))
        for recommendation in review.recommendations.all()
    ]
    return {
        "review": review,
        "recommendations": recommendations,
        "status_counts": status_counts(
            action
            for recommendation in review.recommendations.all()
            for action in recommendation.actions.all()
        ),
        "today": today,
    }


@require_GET
def meeting_pack(request, pk):
    """Everything about one review for a SILG meeting, to read on screen or print."""
    review = get_review(request, pk, Ability.OVERSEE, queryset=selectors.meeting_pack())
    context = _meeting_pack_context(review, timezone.localdate())
    return render(request, "reviews/meeting_pack.html", {**context, "publishable": False})


@require_GET
def publishable_summary(request, pk):
    """The meeting pack for the partnership's website: no names, comments or evidence."""
    review = get_review(request, pk, queryset=selectors.meeting_pack())
    context = _meeting_pack_context(review, timezone.localdate())
    return render(request, "reviews/meeting_pack.html", {**context, "publishable": True})


def _import_session_key(review) -> str:
    return f"import-rows-{review.pk}"


@require_http_methods(FORM_METHODS)
def review_import(request, pk):
    """Upload a file, see every problem by row and column or a preview; nothing is saved yet."""
    review = get_review(request, pk, Ability.PLAN)
    form = ImportForm(*posted(request, files=True))
    plan = confirm_form = None
    if request.method == "POST" and form.is_valid():
        plan = imports.plan_import(review, form.rows)
        if not plan.errors:
            request.session[_import_session_key(review)] = form.rows
            confirm_form = ImportConfirmForm(warnings=plan.warnings)
    return _import_page(request, review, form, plan, confirm_form)


def _import_page(request, review, form, plan, confirm_form):
    return render(
        request,
        "reviews/review_import.html",
        {
            "review": review,
            "form": form,
            "plan": plan,
            "confirm_form": confirm_form,
            "columns": import_files.COLUMNS,
        },
    )


@require_http_methods(["POST"])
def review_import_confirm(request, pk):
    """Save the previewed import, all or nothing, after checking it again."""
    review = get_review(request, pk, Ability.PLAN)
    rows = request.session.get(_import_session_key(review))
    if not rows:
        messages.info(
            request,
            "The import was already saved, or its preview has expired: upload the file again",
        )
        return redirect("review-import", request.partnership.slug, review.pk)
    plan = imports.plan_import(review, rows)
    if plan.errors:
        messages.info(request, "The review has changed since the preview: upload the file again")
        return redirect("review-import", request.partnership.slug, review.pk)
    confirm_form = ImportConfirmForm(request.POST, warnings=plan.warnings)
    if not confirm_form.is_valid():
        return _import_page(request, review, ImportForm(), plan, confirm_form)
    imports.apply_import(
        review, plan, actor=request.user, confirmed=confirm_form.confirmed_warnings
    )
    del request.session[_import_session_key(review)]
    made = len(plan.recommendations)
    messages.success(
        request,
        f"Imported {made} recommendation{pluralize(made)} "
        f"and {plan.action_count} action{pluralize(plan.action_count)}",
    )
    return redirect(review)


@require_GET
def import_template(request, file_format):
    require(request, Ability.PLAN)
    columns = [Column(c.header, 24) for c in import_files.COLUMNS]
    if file_format == "csv":
        return csv_response("import-template.csv", columns, iter(import_files.template_rows()))
    if file_format == "xlsx":
        return xlsx_response(
            "import-template.xlsx", "Recommendations", columns, iter(import_files.template_rows())
        )
    raise Http404("No such template")
