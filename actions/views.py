from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.views.decorators.http import require_GET, require_http_methods

from actions import calendar, exports, lifecycle, reminders, reports, selectors, services
from actions.filters import ActionFilter
from actions.forms import (
    ActionForm,
    DueDateCorrectionForm,
    EvidenceForm,
    ExtensionDecisionForm,
    ExtensionRequestForm,
    MoveForm,
    ProgressForm,
    ReasonForm,
    ReminderFrequencyForm,
    ReopenForm,
    SignOffForm,
    SubmitForm,
)
from actions.models import Reminder
from actions.selectors import action_for as get_action
from actions.selectors import evidence_for as get_evidence
from actions.selectors import extension_for as get_extension
from audits.selectors import timeline
from reviews.selectors import recommendation_for as get_recommendation
from sscp.filters import list_filters, sort_links
from sscp.forms import call_service, posted
from sscp.models import User
from sscp.pagination import capped_page_of, page_of, query_without_page
from sscp.permissions import (
    ALL,
    Ability,
    abilities,
    across_partnerships,
    allowed,
    audit_scope,
    own_work,
    person_scope,
    require,
    streamed_in_scope,
    working_in,
)
from sscp.security import CALENDAR_GUESS, refusals_limited
from sscp.services import (
    calendar_address_renew,
    calendar_address_revoke,
    user_set_reminder_frequency,
)
from sscp.spreadsheets import csv_response, xlsx_response
from sscp.uploads import download

FORM_METHODS = ["GET", "POST"]


def action_detail(request, pk):
    action = get_action(request, pk, queryset=selectors.action_page())
    can = abilities(request.user, action)
    if can["see_confidential"]:
        selectors.load_confidential(action)
    possible = {t.name: t for t in allowed(request.user, action, lifecycle.TRANSITIONS)}
    context = {
        "action": action,
        "recommendation": action.recommendation,
        "review": action.recommendation.review,
        "can": can,
        "buttons": lifecycle.buttons(possible.values()),
        "extension_counts": selectors.extension_counts(action),
    }
    if can["see_confidential"]:
        context |= {
            "can_change_evidence": "withdraw_evidence" in possible,
            "returned_decision": selectors.latest_return(action),
            "latest_changes": list(
                timeline(audit_scope(request.user, request.scope), action=action).reverse()[:5]
            ),
        }
    return render(request, "actions/action_detail.html", context)


def _form_page(request, action, form, perform, *, title, button, success, template=None, **extra):
    """The shape every one-form page about an action shares.

    Show the form; on a valid POST run `perform` (a service call), then go back
    to the action with a message. A refusal from the service shows the page
    again with the reason in the error summary, and nothing changes.
    """
    if request.method == "POST" and form.is_valid() and call_service(form, perform) is not None:
        messages.success(request, success)
        return redirect(action)
    context = {"action": action, "form": form, "title": title, "button": button, **extra}
    return render(request, template or "actions/action_form.html", context)


@require_http_methods(FORM_METHODS)
def action_create(request, pk):
    recommendation = get_recommendation(request, pk, Ability.PLAN)
    form = ActionForm(posted(request), recommendation=recommendation)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        action = call_service(
            form,
            services.action_create,
            actor=request.user,
            recommendation=recommendation,
            confirmed=form.confirmed_warnings,
            **data,
        )
        if action is not None:
            messages.success(request, f"Action “{action.title}” planned for {action.agency}")
            return redirect(action)
    return render(
        request,
        "actions/action_plan_form.html",
        {
            "form": form,
            "recommendation": recommendation,
            "title": "Plan an action",
            "button": "Plan the action",
        },
    )


@require_http_methods(FORM_METHODS)
def action_edit(request, pk):
    action = get_action(request, pk, Ability.PLAN)
    initial = {f: getattr(action, f) for f in ("owner", "title", "description", "success_measure")}
    initial["agency"] = action.agency
    form = ActionForm(
        posted(request), initial=initial, recommendation=action.recommendation, editing=True
    )
    return _form_page(
        request,
        action,
        form,
        lambda: services.action_update(
            actor=request.user,
            action=action,
            confirmed=form.confirmed_warnings,
            **form.cleaned_data,
        ),
        title="Edit the action",
        button="Save changes",
        success="Action updated",
    )


@require_http_methods(FORM_METHODS)
def due_date_correct(request, pk):
    action = get_action(request, pk, Ability.PLAN)
    form = DueDateCorrectionForm(posted(request), initial={"due_date": action.due_date})
    return _form_page(
        request,
        action,
        form,
        lambda: services.action_correct_due_date(
            actor=request.user,
            action=action,
            confirmed=form.confirmed_warnings,
            **form.cleaned_data,
        ),
        title="Correct the due date",
        button="Change the due date",
        success="Due date changed",
        intro=f"The original due date, {date_format(action.original_due_date)}, is kept and shown.",
    )


@require_http_methods(FORM_METHODS)
def action_move(request, pk):
    action = get_action(request, pk, Ability.PLAN)
    form = MoveForm(posted(request), action=action)
    return _form_page(
        request,
        action,
        form,
        lambda: services.action_move(actor=request.user, action=action, **form.cleaned_data),
        title="Move to another agency",
        button="Move the action",
        success="Action moved: the agency's leads have been told",
        intro=f"It is now {action.agency}'s. Its progress, evidence and history move with it; "
        "it has no single owner at the new agency until you name one.",
    )


@require_http_methods(FORM_METHODS)
def progress_create(request, pk):
    action = get_action(request, pk, Ability.WORK)
    form = ProgressForm(posted(request))
    return _form_page(
        request,
        action,
        form,
        lambda: services.progress_post(
            actor=request.user,
            action=action,
            confirmed=form.confirmed_warnings,
            **form.cleaned_data,
        ),
        title="Post a progress update",
        button="Post update",
        success="Progress update posted",
    )


@require_http_methods(FORM_METHODS)
def evidence_upload(request, pk):
    action = get_action(request, pk, Ability.WORK)
    form = EvidenceForm(*posted(request, files=True))
    return _form_page(
        request,
        action,
        form,
        lambda: services.evidence_attach(
            actor=request.user,
            action=action,
            uploads=form.cleaned_data["files"],
            description=form.cleaned_data["description"],
        ),
        title="Upload evidence",
        button="Upload",
        success="Evidence uploaded",
        multipart=True,
    )


@require_http_methods(FORM_METHODS)
def evidence_withdraw(request, pk):
    evidence = get_evidence(request, pk, Ability.WORK)
    form = ReasonForm(posted(request), label="Reason for withdrawing it")
    return _form_page(
        request,
        evidence.action,
        form,
        lambda: services.evidence_withdraw(
            actor=request.user, evidence=evidence, reason=form.cleaned_data["reason"]
        ),
        title=f"Withdraw “{evidence.original_name}”",
        button="Withdraw evidence",
        success=f"“{evidence.original_name}” withdrawn",
        intro="The file is kept and shown as withdrawn; it no longer counts as evidence.",
    )


@require_GET
def evidence_download(request, pk):
    return download(request, get_evidence(request, pk))


@require_http_methods(FORM_METHODS)
def action_submit(request, pk):
    action = get_action(request, pk, Ability.WORK)
    form = SubmitForm(posted(request))
    return _form_page(
        request,
        action,
        form,
        lambda: services.action_submit(
            actor=request.user,
            action=action,
            confirmed=form.confirmed_warnings,
            **form.cleaned_data,
        ),
        title="Submit for sign-off",
        button="Submit for sign-off",
        success="Submitted to the SILG chair for sign-off",
        template="actions/action_submit.html",
    )


@require_http_methods(FORM_METHODS)
def extension_request(request, pk):
    action = get_action(request, pk, Ability.WORK)
    form = ExtensionRequestForm(posted(request))
    return _form_page(
        request,
        action,
        form,
        lambda: services.extension_request(
            actor=request.user,
            action=action,
            confirmed=form.confirmed_warnings,
            **form.cleaned_data,
        ),
        title="Ask for an extension",
        button="Ask for the extension",
        success="Extension requested: the SILG chair will decide",
        intro=f"The action is due on {date_format(action.due_date)}.",
    )


@require_http_methods(FORM_METHODS)
def action_sign_off(request, pk):
    action = get_action(request, pk, Ability.DECIDE, queryset=selectors.action_page())
    selectors.load_confidential(action)

    def decide():
        data = form.cleaned_data
        if data["decision"] == SignOffForm.APPROVE:
            return services.action_approve(
                actor=request.user, action=action, comment=data["comment"]
            )
        return services.action_return(actor=request.user, action=action, comment=data["comment"])

    form = SignOffForm(posted(request))
    success = "Approved: the action is completed"
    if request.POST.get("decision") == SignOffForm.RETURN:
        success = "Returned to the agency with your comment"
    pending = selectors.pending_extension(action)
    warning = ""
    if pending is not None:
        warning = (
            f"An extension request to {date_format(pending.requested_due_date)} is awaiting "
            "your decision. If you approve the action, the request is closed without a "
            "decision: it is not counted as declined."
        )
    return _form_page(
        request,
        action,
        form,
        decide,
        title="Sign off the action",
        button="Record the decision",
        success=success,
        template="actions/action_sign_off.html",
        warning=warning,
    )


@require_http_methods(FORM_METHODS)
def action_reopen(request, pk):
    action = get_action(request, pk, Ability.DECIDE)
    form = ReopenForm(posted(request))
    if request.method == "POST" and form.is_valid():
        reopened = call_service(
            form,
            services.action_reopen,
            actor=request.user,
            action=action,
            confirmed=form.confirmed_warnings,
            **form.cleaned_data,
        )
        if reopened is not None:
            action, recommendation_reopened = reopened
            message = f"Action reopened, due {date_format(action.due_date)}"
            if recommendation_reopened:
                number = action.recommendation.number
                message += f". Recommendation {number} was reopened too, as it had been closed"
            messages.success(request, message)
            return redirect(action)
    context = {
        "action": action,
        "form": form,
        "title": "Reopen the action",
        "button": "Reopen",
        "intro": "Give the action a new due date: its old one, "
        f"{date_format(action.due_date)}, may already have passed.",
    }
    if action.recommendation.is_closed:
        context["warning"] = (
            f"Recommendation {action.recommendation.number} is closed: it will be reopened too."
        )
    return render(request, "actions/action_form.html", context)


@require_http_methods(FORM_METHODS)
def action_supersede(request, pk):
    action = get_action(request, pk, Ability.DECIDE)
    form = ReasonForm(posted(request), label="Reason it is superseded")
    return _form_page(
        request,
        action,
        form,
        lambda: services.action_supersede(
            actor=request.user, action=action, reason=form.cleaned_data["reason"]
        ),
        title="Mark the action superseded",
        button="Mark superseded",
        success="Action marked superseded",
        intro="A superseded action is closed without being completed, and becomes read-only.",
    )


@require_http_methods(FORM_METHODS)
def extension_decide(request, pk):
    extension = get_extension(request, pk, Ability.DECIDE)
    action = extension.action

    def decide():
        data = form.cleaned_data
        service = (
            services.extension_grant
            if data["decision"] == ExtensionDecisionForm.GRANT
            else services.extension_decline
        )
        return service(actor=request.user, extension=extension, comment=data["comment"])

    if extension.status != extension.Status.PENDING:
        return render(
            request,
            "actions/extension_decide.html",
            {
                "action": action,
                "extension": extension,
                "decided": True,
                "title": "Extension request",
            },
        )
    form = ExtensionDecisionForm(posted(request))
    return _form_page(
        request,
        action,
        form,
        decide,
        title="Decide on the extension request",
        button="Record the decision",
        success="Extension decision recorded",
        template="actions/extension_decide.html",
        extension=extension,
    )


@require_GET
def sign_off_queue(request):
    require(request, Ability.OVERSEE)
    return render(
        request,
        "actions/sign_off_queue.html",
        {
            "submitted": page_of(
                request,
                selectors.awaiting_sign_off(request.scope),
                count=selectors.awaiting_sign_off_count(request.scope),
            ),
            "extensions": page_of(
                request, selectors.awaiting_extension_decision(request.scope), "extensions_page"
            ),
            "can": abilities(request.user),
        },
    )


@require_http_methods(FORM_METHODS)
def my_reminders(request):
    """The reminders sent to the signed-in person, how often they want them, and when they
    want emails about decisions on their work."""
    form = ReminderFrequencyForm(
        posted(request),
        initial={
            "reminder_frequency": request.user.reminder_frequency,
            "decision_emails": request.user.decision_emails,
        },
    )
    if request.method == "POST" and form.is_valid():
        call_service(
            form,
            user_set_reminder_frequency,
            actor=request.user,
            user=request.user,
            frequency=form.cleaned_data["reminder_frequency"],
            decision_emails=form.cleaned_data["decision_emails"],
        )
        messages.success(request, "Your reminder preferences are saved")
        return redirect("my-reminders")
    sent = (
        Reminder.objects.filter(recipient=request.user)
        .exclude(status=Reminder.Status.CANCELLED)
        .select_related("action__recommendation__review", "action__partnership", "review")
        .order_by("-reminder_date", "-pk")
    )
    page = page_of(request, sent)
    for reminder in page.object_list:
        if reminder.review_id:  # a review's deadline: which stage, in words
            reminder.stage_label = reminders.stage_label(reminder.stage)
    return render(request, "actions/my_reminders.html", {"form": form, "page": page})


@require_GET
def notifications(request):
    """The decisions on the person's work, newest first; the ones shown are then read."""
    page = page_of(request, selectors.notices_of(request))
    unread = {notice.pk for notice in page.object_list if notice.read_at is None}
    read = services.notices_read(user=request.user, notices=page.object_list)
    # The header's count was read with the person, before these were marked.
    request.user.unread_notices = max(getattr(request.user, "unread_notices", 0) - read, 0)
    return render(request, "actions/notifications.html", {"page": page, "unread": unread})


ACTION_SORT_COLUMNS = {
    "title": "title",
    "review": "review",
    "agency": "agency",
    "due": "due",
    "status": "status",
}
EXPORT_CHUNK = 2000


def _action_filter(request) -> ActionFilter:
    """The list's filters from the URL; an agency lead with none starts on their own agency."""
    return ActionFilter(
        list_filters(request),
        queryset=selectors.action_list(request.scope),
        request=request,
        scope=request.scope,
    )


@across_partnerships
@require_GET
def action_list(request):
    action_filter = _action_filter(request)
    actions = action_filter.qs if action_filter.is_valid() else action_filter.queryset.none()
    page = capped_page_of(request, actions)
    return render(
        request,
        "actions/action_list.html",
        {
            "filter": action_filter,
            "form": action_filter.form,
            "page": page,
            "query": query_without_page(action_filter.data).urlencode(),
            "sort": sort_links(request, "sort", ACTION_SORT_COLUMNS),
            "scope_slug": request.partnership.slug if request.partnership else ALL,
        },
    )


def _exported_rows(request):
    action_filter = _action_filter(request)
    actions = action_filter.qs if action_filter.is_valid() else action_filter.queryset.none()
    today = timezone.localdate()
    confidential = own_work(request.user, request.scope)
    actions = exports.query(actions, today, confidential).iterator(chunk_size=EXPORT_CHUNK)
    rows = exports.rows(actions, site_url=settings.SITE_URL, today=today, scope=request.scope)
    return streamed_in_scope(request, rows)


@across_partnerships
@require_GET
def action_list_csv(request):
    filename = f"actions-{timezone.localdate():%Y-%m-%d}.csv"
    return csv_response(filename, exports.COLUMNS, _exported_rows(request))


@across_partnerships
@require_GET
def action_list_xlsx(request):
    filename = f"actions-{timezone.localdate():%Y-%m-%d}.xlsx"
    return xlsx_response(filename, "Actions", exports.COLUMNS, _exported_rows(request))


@require_GET
def annual_report(request):
    """Figures for the annual report, for one financial year chosen from those with data."""
    figures, years = _annual_figures(request)
    return render(
        request,
        "actions/annual_report.html",
        {"figures": figures, "years": years, "definitions": reports.FIGURE_DEFINITIONS},
    )


@require_GET
def annual_report_csv(request):
    figures, _years = _annual_figures(request)
    return csv_response(
        _annual_file(figures, "csv"), reports.FIGURE_COLUMNS, reports.figure_rows(figures)
    )


@require_GET
def annual_report_xlsx(request):
    figures, _years = _annual_figures(request)
    return xlsx_response(
        _annual_file(figures, "xlsx"),
        f"Annual figures {figures.year.label.replace('/', '-')}",
        reports.FIGURE_COLUMNS,
        reports.figure_rows(figures),
    )


def _annual_figures(request) -> tuple[reports.AnnualFigures, list]:
    """The figures of the year the address names (`year`), or of the latest with data;
    and the years with data, to choose from."""
    require(request, Ability.OVERSEE)
    today = timezone.localdate()
    years = reports.years_with_data(request.scope, today)
    chosen = request.GET.get("year", "")
    year = next((y for y in years if str(y.start_year) == chosen), years[0])
    return reports.annual_figures(year, scope=request.scope, today=today), years


def _annual_file(figures, extension: str) -> str:
    return f"annual-figures-{figures.year.label.replace('/', '-')}.{extension}"


@require_http_methods(FORM_METHODS)
def my_calendar(request):
    """The person's private calendar address: see it, renew it, or turn it off."""
    if request.method == "POST":
        if request.POST.get("change") == "revoke":
            calendar_address_revoke(actor=request.user, user=request.user)
            messages.success(
                request, "Your calendar feed is turned off: its address no longer works"
            )
        else:
            had_one = bool(request.user.calendar_token)
            calendar_address_renew(actor=request.user, user=request.user)
            messages.success(
                request,
                "Your calendar feed has a new address: the old one no longer works"
                if had_one
                else "Your calendar feed is turned on: add its address to your calendar",
            )
        return redirect("my-calendar")
    token = request.user.calendar_token
    address = settings.SITE_URL + reverse("calendar-feed", args=[token]) if token else ""
    return render(
        request,
        "actions/my_calendar.html",
        {"address": address, "shows": calendar.describe_feed(request.user, request.scope)},
    )


@login_not_required
@refusals_limited(CALENDAR_GUESS)
@require_GET
def calendar_feed(request, token):
    """The feed itself. Calendar apps cannot sign in, so the secret address is the key."""
    user = User.objects.filter(calendar_token=token, is_active=True).first() if token else None
    if user is None:
        # Recorded by refusals_limited, boundedly: a guessed address is a guess of many.
        raise Http404("A calendar feed address that is not (or no longer) valid")
    with working_in(person_scope(user), user) as within:
        body = calendar.feed(user, within)
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="sscp-due-dates.ics"'
    response["Cache-Control"] = "private, no-store"
    return response
