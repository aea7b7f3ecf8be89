import datetime
from dataclasses import dataclass

from django.conf import settings
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.template.defaultfilters import pluralize
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import slugify
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from actions import services as services_of_actions
from actions.forms import WithdrawForm
from actions.models import Action
from actions.selectors import action_for as get_action
from actions.selectors import own_agency_first, status_counts
from reviews import import_files, imports, journey, recurring, selectors, services
from reviews.filters import RecommendationFilter
from reviews.forms import (
    JOURNEY_QUESTIONS,
    CloseRecommendationForm,
    ImpactCheckForm,
    ImpactDecisionForm,
    ImportConfirmForm,
    ImportForm,
    IncidentForm,
    ProgressCheckForm,
    RecommendationForm,
    RepeatsForm,
    ReviewForm,
    StageForm,
)
from reviews.journey import Standing
from reviews.models import Review
from reviews.selectors import recommendation_for as get_recommendation
from reviews.selectors import review_for as get_review
from sscp.filters import list_filters, sort_links
from sscp.forms import call_service, posted
from sscp.pagination import capped_page_of, page_of, query_without_page
from sscp.pdf import pdf_document, pdf_response
from sscp.permissions import Ability, abilities, has_ability, refuse, require, works_for
from sscp.spreadsheets import Column, csv_response, xlsx_response
from sscp.uploads import download
from sscp.working_days import WorkingDays

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
            **_journey_context(request, review),
        },
    )


def recommendation_detail(request, pk):
    recommendation = get_recommendation(request, pk, queryset=selectors.recommendation_page())
    can = abilities(request.user)
    repeats_form = None
    if can["plan"]:  # the team is shown earlier learning like it, to mark a repeat
        suggestions = recurring.similar_earlier(recommendation)
        repeats_form = RepeatsForm(recommendation=recommendation, suggestions=suggestions)
    return render(
        request,
        "reviews/recommendation_detail.html",
        {
            "repeats_form": repeats_form,
            "impact_checks": selectors.impact_checks_of(recommendation),
            "repeated_by": selectors.repeated_by(recommendation),
            "recommendation": recommendation,
            "review": recommendation.review,
            "actions": own_agency_first(recommendation.actions.all(), works_for(request.user)),
            "agency_progress": selectors.agency_progress(
                recommendation, today=timezone.localdate()
            ),
            "close_blocker": services.why_not_closable(
                [action.status for action in recommendation.actions.all()]
            ),
            "can": can,
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
            confirmed=form.confirmed_warnings,
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
            confirmed=form.confirmed_warnings,
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
def review_withdraw(request, pk):
    review = get_review(request, pk, Ability.PLAN)
    recommendations = review.recommendations.count()
    actions = Action.objects.filter(review=review).count()
    with_it = (
        f"Its {recommendations} recommendation{pluralize(recommendations)} and {actions} "
        f"action{pluralize(actions)} are withdrawn with it."
    )
    return _withdraw_page(
        request,
        review,
        then=reverse("review-list", args=[request.partnership.slug]),
        with_it=with_it,
    )


@require_http_methods(FORM_METHODS)
def recommendation_withdraw(request, pk):
    recommendation = get_recommendation(request, pk, Ability.PLAN)
    count = recommendation.actions.count()
    with_it = (
        f"Its {count} action{pluralize(count)} {pluralize(count, 'is,are')} withdrawn with it."
    )
    return _withdraw_page(request, recommendation, then=recommendation.review, with_it=with_it)


@require_http_methods(FORM_METHODS)
def action_withdraw(request, pk):
    action = get_action(request, pk, Ability.PLAN)
    return _withdraw_page(request, action, then=action.recommendation)


def _withdraw_page(request, record, *, then, with_it: str = ""):
    """The one page that withdraws a review, recommendation or action logged in error."""
    form = WithdrawForm(posted(request))
    if (
        request.method == "POST"
        and form.is_valid()
        and call_service(
            form,
            services_of_actions.withdraw,
            actor=request.user,
            record=record,
            **form.cleaned_data,
        )
    ):
        named = f"Action “{record}”" if isinstance(record, Action) else str(record)
        messages.success(request, f"{named} withdrawn: it stays on the record")
        return redirect(then)
    kind = record._meta.verbose_name
    return render(
        request,
        "components/withdraw_form.html",
        {
            "record": record,
            "form": form,
            "title": f"Withdraw the {kind}",
            "button": f"Withdraw the {kind}",
            "button_style": "warning",
            "intro": form.intro,
            "warning": with_it,
        },
    )


@require_GET
def withdrawn_list(request):
    """What the partnership team withdrew as logged in error, newest first: still on the record."""
    require(request, Ability.PLAN)
    withdrawn, cut = selectors.withdrawn(request.scope, first=WITHDRAWN_SHOWN)
    context = {"withdrawn": withdrawn, "cut": cut, "shown": WITHDRAWN_SHOWN}
    return render(request, "reviews/withdrawn_list.html", context)


WITHDRAWN_SHOWN = 200


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
    page = capped_page_of(request, recommendations)
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


@require_GET
def meeting_pack_pdf(request, pk):
    """The meeting pack as a PDF: contents, numbered pages, evidence names and fingerprints."""
    review = get_review(request, pk, Ability.OVERSEE, queryset=selectors.meeting_pack())
    return _pack_pdf(request, review, publishable=False)


@require_GET
def publishable_summary_pdf(request, pk):
    """The summary for publication as a PDF."""
    review = get_review(request, pk, queryset=selectors.meeting_pack())
    return _pack_pdf(request, review, publishable=True)


def _pack_pdf(request, review, *, publishable: bool):
    context = {
        **_meeting_pack_context(review, timezone.localdate()),
        "publishable": publishable,
        "partnership": request.partnership,
    }
    what = "summary-for-publication" if publishable else "silg-meeting-pack"
    return pdf_response(
        pdf_document("reviews/meeting_pack_pdf.html", context),
        f"{slugify(review.title) or 'review'}-{what}.pdf",
    )


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


# A serious incident's statutory journey (reviews.journey) ---------------------------

# How a stage's standing shows in GOV.UK's task list: a coloured tag while it is open,
# plain words once done, grey words while there is nothing to do.
STANDING_TAGS = {
    Standing.LATE: "govuk-tag--red",
    Standing.DUE: "govuk-tag--yellow",
    Standing.UPCOMING: "govuk-tag--blue",
}
NOTHING_TO_DO = {Standing.WAITING, Standing.NOT_NEEDED}


@dataclass(frozen=True)
class JourneyRow:
    """One stage of the review's page's task list."""

    state: journey.StageState
    hint: str
    tag: str  # the tag's colour, or "" for words without a tag
    quiet: bool  # nothing to do yet: no link, grey words
    linked: bool  # the stage's page, for the partnership team


def _journey_context(request, review: Review) -> dict:
    """The journey section of the review's page: nothing for a review that does not follow
    one; else the working days (one query), who recorded each stage (one query) and, for a
    local review, its progress checks (one more)."""
    if not review.follows_journey:
        return {}
    states = journey.journey(review, WorkingDays.of(review.partnership), timezone.localdate())
    recorded_by = _recorded_by(review, [state.stage.done for state in states])
    plans = has_ability(request.user, Ability.PLAN, review)
    checks = (
        list(review.progress_checks.select_related("recorded_by"))
        if review.local_review_commissioned_on
        else []
    )
    last_check = checks[-1].checked_on if checks else None
    return {
        "journey": [_journey_row(review, state, recorded_by, plans) for state in states],
        "journey_facts": list(_journey_facts(review)),
        "progress_checks": checks,
        "holds_local_review": review.decision == Review.Decision.LOCAL_REVIEW,
        "next_check_due": journey.progress_check_due(review, last_check),
        "kept_until": journey.kept_until(review),
        "kept_months": settings.PUBLICATION_KEPT_MONTHS,
    }


def _journey_facts(review: Review):
    """(question, answer in words, whether it is a link) for each thing recorded."""
    for stage in journey.STAGES:
        for name in stage.fields:
            value = getattr(review, name)
            if value in (None, ""):
                continue
            if isinstance(value, datetime.date):
                value = date_format(value)
            elif Review._meta.get_field(name).choices:
                value = getattr(review, f"get_{name}_display")()
            yield JOURNEY_QUESTIONS[name][0], value, name == "published_url"


def _journey_row(review, state, recorded_by, plans) -> JourneyRow:
    quiet = state.standing in NOTHING_TO_DO
    return JourneyRow(
        state=state,
        hint=_stage_hint(review, state, recorded_by.get(state.stage.done)),
        tag=STANDING_TAGS.get(state.standing, ""),
        quiet=quiet,
        linked=plans and not quiet,
    )


def _recorded_by(review: Review, done_fields: list[str]) -> dict:
    """Who recorded each stage, by its `done` field: the person of the latest history row
    of the review that set it, from the review's history read once."""
    rows = Review.history.filter(id=review.pk).select_related("history_user")
    by, before = {}, {}
    for row in rows.order_by("history_date", "history_id"):
        for name in done_fields:
            value = getattr(row, name)
            if value is not None and value != before.get(name):
                by[name] = row.history_user
            before[name] = value
    return by


def _stage_hint(review, state, recorded_by) -> str:
    """ "Done 7 January 2027 by Pat Officer", "Due 7 January 2027: 3 working days left"."""
    if state.done_on is not None:
        return f"Done {date_format(state.done_on)}" + (f" by {recorded_by}" if recorded_by else "")
    if not state.stage.applies(review):
        return "No local review was decided on" if review.decision else "If a local review is held"
    if state.due_on is None:
        return ""
    if state.stage.not_before:  # publication: an earliest day, not a deadline
        return f"Not before {date_format(state.due_on)}"
    due, left = f"Due {date_format(state.due_on)}", state.working_days_left
    if state.standing == Standing.WAITING or left is None:
        return due
    if left < 0:
        return f"{due}: {-left} working day{pluralize(-left)} overdue"
    if left == 0:
        return f"{due}: today"
    return f"{due}: {left} working day{pluralize(left)} left"


def _journey_review(request, pk, ability: Ability) -> Review:
    """A review following a serious incident's journey, for a page recording part of it:
    404 (on the record) for a review of another kind."""
    review = get_review(request, pk, ability)
    if not review.follows_journey:
        refuse(request, status=404, reason=f"{review} has no statutory journey", obj=review)
    return review


@require_http_methods(FORM_METHODS)
def incident_create(request):
    require(request, Ability.PLAN)
    form = IncidentForm(posted(request))
    if request.method == "POST" and form.is_valid():
        review = call_service(
            form,
            services.incident_record,
            actor=request.user,
            partnership=request.partnership,
            confirmed=form.confirmed_warnings,
            **form.cleaned_data,
        )
        if review is not None:
            messages.success(request, f"Serious incident “{review.title}” recorded")
            return redirect(review)
    return render(
        request,
        "reviews/incident_form.html",
        {
            "form": form,
            "title": "Record a serious incident",
            "button": "Record the incident",
            "notification_days": settings.NOTIFICATION_WORKING_DAYS,
        },
    )


@require_http_methods(FORM_METHODS)
def review_stage(request, pk, stage):
    """Record a stage of the review's journey, or correct what was recorded (with a reason)."""
    review = _journey_review(request, pk, Ability.PLAN)
    step = journey.BY_KEY.get(stage)
    if step is None:
        refuse(request, status=404, reason=f"A review's journey has no stage “{stage[:40]}”")
    days = WorkingDays.of(review.partnership)
    form = StageForm(posted(request), stage=step, review=review, days=days)
    if request.method == "POST" and form.is_valid():
        saved = call_service(
            form,
            services.journey_record,
            actor=request.user,
            review=review,
            stage=step.key,
            values=form.stage_values(),
            reason=form.cleaned_data.get("reason", ""),
            confirmed=form.confirmed_warnings,
        )
        if saved is not None:
            messages.success(request, f"{step.label} recorded")
            return redirect(saved)
    return _stage_page(request, form, review, step, days)


def _stage_page(request, form, review, step, days):
    """The stage's form, under where the stage stands: "Due 7 January 2027: 3 working days
    left"."""
    states = journey.journey(review, days, timezone.localdate())
    state = next(state for state in states if state.stage.key == step.key)
    return render(
        request,
        "reviews/stage_form.html",
        {
            "form": form,
            "review": review,
            "title": step.label,
            "button": "Save",
            "hint": _stage_hint(review, state, None),
        },
    )


@require_http_methods(FORM_METHODS)
def progress_check_create(request, pk):
    """The SILG's check of a local review's progress (Regulation 14), recorded by the
    partnership team or the SILG chair."""
    review = _journey_review(request, pk, Ability.OVERSEE)
    form = ProgressCheckForm(posted(request))
    if request.method == "POST" and form.is_valid():
        saved = call_service(
            form,
            services.progress_check_record,
            actor=request.user,
            review=review,
            confirmed=form.confirmed_warnings,
            **form.cleaned_data,
        )
        if saved is not None:
            messages.success(request, "Progress check recorded")
            return redirect(review)
    return render(
        request,
        "reviews/stage_form.html",
        {
            "form": form,
            "review": review,
            "title": "Record a progress check",
            "button": "Record the check",
        },
    )


# Past "complete": the impact checked, then embedded ---------------------------------


@require_http_methods(FORM_METHODS)
def impact_check_create(request, pk):
    """The partnership team records what checking a closed recommendation's impact found."""
    recommendation = get_recommendation(request, pk, Ability.PLAN)
    form = ImpactCheckForm(*posted(request, files=True), recommendation=recommendation)
    if request.method == "POST" and form.is_valid():
        saved = call_service(
            form,
            services.impact_check_record,
            actor=request.user,
            recommendation=recommendation,
            confirmed=form.confirmed_warnings,
            **form.cleaned_data,
        )
        if saved is not None:
            messages.success(request, "Impact check recorded: it awaits the SILG chair")
            return redirect(recommendation)
    return render(
        request,
        "reviews/impact_form.html",
        {
            "form": form,
            "recommendation": recommendation,
            "review": recommendation.review,
            "title": f"Record an impact check of recommendation {recommendation.number}",
            "button": "Record the impact check",
            "multipart": True,
        },
    )


@require_GET
def impact_evidence_download(request, pk):
    return download(request, selectors.impact_evidence_for(request, pk))


@require_http_methods(FORM_METHODS)
def impact_check_decide(request, pk):
    """The SILG chair decides whether a recommendation's learning is embedded."""
    recommendation = get_recommendation(request, pk, Ability.DECIDE)
    check = selectors.impact_awaiting_decision(recommendation)
    if check is None:
        refuse(request, status=404, reason="No impact check awaits a decision", obj=recommendation)
    form = ImpactDecisionForm(posted(request))
    if request.method == "POST" and form.is_valid():
        decided = call_service(
            form,
            services.impact_decide,
            actor=request.user,
            impact_check=check,
            **form.cleaned_data,
        )
        if decided is not None:
            messages.success(
                request, f"Recommendation {recommendation.number}: {decided.get_outcome_display()}"
            )
            return redirect(recommendation)
    return render(
        request,
        "reviews/impact_form.html",
        {
            "form": form,
            "recommendation": recommendation,
            "review": recommendation.review,
            "check": check,
            "can": abilities(request.user, recommendation),
            "title": f"Decide on the impact of recommendation {recommendation.number}",
            "button": "Save the decision",
        },
    )


@require_GET
def recurring_learning(request):
    """Learning made again: recommendations marked as repeating earlier ones, and the themes
    that come back in reviews year on year."""
    require(request, Ability.OVERSEE)
    themes, years = selectors.recurring_themes(request.scope)
    return render(
        request,
        "reviews/recurring_learning.html",
        {
            "repeated": page_of(request, selectors.repeated_learning(request.scope)),
            "themes": themes,
            "years": years,
        },
    )


@require_POST
def recommendation_repeats(request, pk):
    """Mark a recommendation as repeating earlier learning of the partnership, or not."""
    recommendation = get_recommendation(request, pk, Ability.PLAN)
    suggestions = recurring.similar_earlier(recommendation)
    form = RepeatsForm(request.POST, recommendation=recommendation, suggestions=suggestions)
    if form.is_valid():
        saved = call_service(
            form,
            services.recommendation_mark_repeat,
            actor=request.user,
            recommendation=recommendation,
            earlier=form.cleaned_data["repeats"],
        )
        if saved is not None:
            messages.success(request, "Recurring learning saved")
            return redirect(f"{saved.get_absolute_url()}#recurring")
    return render(
        request,
        "reviews/repeats_form.html",
        {
            "form": form,
            "recommendation": recommendation,
            "review": recommendation.review,
            "title": "Recurring learning",
            "button": "Save",
        },
    )
