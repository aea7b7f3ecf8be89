"""SILG meetings' pages: for the partnership team and the SILG chair (Ability.OVERSEE),
whose agendas name every agency's confidential work; the team arranges them
(Ability.PLAN)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from meetings import pack, selectors, services
from meetings.forms import AgendaItemForm, MeetingForm, MoveForm
from sscp.forms import call_service, posted
from sscp.pagination import page_of
from sscp.pdf import pdf_response
from sscp.permissions import Ability, abilities, require
from sscp.uploads import download

FORM_METHODS = ["GET", "POST"]


@require_GET
def meeting_list(request):
    require(request, Ability.OVERSEE)
    page = page_of(request, selectors.meeting_list(request.scope))
    return render(
        request, "meetings/meeting_list.html", {"page": page, "can": abilities(request.user)}
    )


@require_http_methods(FORM_METHODS)
def meeting_create(request):
    require(request, Ability.PLAN)
    form = MeetingForm(posted(request))
    if request.method == "POST" and form.is_valid():
        meeting = call_service(
            form,
            services.meeting_create,
            actor=request.user,
            partnership=request.partnership,
            date=form.cleaned_data["date"],
        )
        if meeting is not None:
            count = meeting.items.count()
            messages.success(
                request,
                f"{meeting.title} arranged: {count} item{'s' if count != 1 else ''} on its agenda",
            )
            return redirect(meeting)
    return render(
        request,
        "meetings/meeting_form.html",
        {"form": form, "title": "Arrange a SILG meeting", "button": "Arrange the meeting"},
    )


@require_GET
def meeting_detail(request, pk):
    meeting = selectors.meeting_for(request, pk, queryset=selectors.meeting_page())
    return render(
        request,
        "meetings/meeting_detail.html",
        {"meeting": meeting, "pack": meeting.issued_pack, "can": abilities(request.user)},
    )


def _refused(request, error: ValidationError) -> None:
    messages.error(request, " ".join(error.messages))


def _change(request, pk, change, success: str, form_class=None):
    """Run one change to a meeting's agenda from a button on its page, then back to it:
    a refusal (a frozen agenda, an item not on it) is told there, and nothing changes."""
    meeting = selectors.meeting_for(request, pk, Ability.PLAN)
    kwargs = {}
    if form_class is not None:
        form = form_class(request.POST, meeting=meeting)
        if not form.is_valid():
            _refused(
                request, ValidationError([e for errors in form.errors.values() for e in errors])
            )
            return redirect(meeting)
        kwargs = form.cleaned_data
    try:
        result = change(actor=request.user, meeting=meeting, **kwargs)
    except ValidationError as error:
        _refused(request, error)
    else:
        messages.success(request, success(result) if callable(success) else success)
    return redirect(f"{meeting.get_absolute_url()}#agenda")


@require_POST
def meeting_refresh(request, pk):
    def said(added):
        if not added:
            return "The agenda is up to date: nothing new awaits the SILG chair"
        return f"{len(added)} item{'s' if len(added) != 1 else ''} added to the agenda"

    return _change(request, pk, services.agenda_refresh, said)


@require_POST
def meeting_item_move(request, pk):
    def move(*, actor, meeting, item, direction):
        return services.agenda_item_move(
            actor=actor, meeting=meeting, item=item, up=direction == "up"
        )

    return _change(request, pk, move, lambda item: f"“{item.title}” moved", MoveForm)


@require_POST
def meeting_item_remove(request, pk):
    return _change(
        request,
        pk,
        services.agenda_item_remove,
        lambda item: f"“{item.title}” removed from the agenda",
        AgendaItemForm,
    )


@require_POST
def meeting_pack_issue(request, pk):
    return _change(
        request,
        pk,
        services.meeting_pack_issue,
        lambda issued: f"Pack issued: its SHA-256 fingerprint is {issued.sha256}",
    )


@require_GET
def meeting_pack(request, pk):
    """The pack: once issued, the very file issued (its download on the record); before,
    a draft drawn now, marked "Draft" on every page and kept nowhere."""
    meeting = selectors.meeting_for(request, pk, queryset=selectors.meeting_page())
    issued = meeting.issued_pack
    if issued is not None:
        return download(request, issued)
    return pdf_response(pack.render(meeting), f"draft-{pack.file_name(meeting)}")


@require_GET
def meeting_minutes(request, pk):
    meeting = selectors.meeting_for(request, pk, queryset=selectors.meeting_page())
    so_far = []
    if not meeting.minutes_confirmed and meeting.has_taken_place:
        since, now = selectors.start_of(meeting.date), timezone.now()
        so_far = [(item, selectors.decisions_on(item, since, now)) for item in meeting.items.all()]
    return render(
        request,
        "meetings/minutes.html",
        {"meeting": meeting, "so_far": so_far, "can": abilities(request.user)},
    )


@require_POST
def meeting_minutes_confirm(request, pk):
    meeting = selectors.meeting_for(request, pk, Ability.PLAN)
    try:
        services.minutes_confirm(actor=request.user, meeting=meeting)
    except ValidationError as error:
        _refused(request, error)
    else:
        messages.success(request, "Minutes confirmed")
    return redirect("meeting-minutes", request.partnership.slug, meeting.pk)


@require_GET
def meeting_minutes_pdf(request, pk):
    meeting = selectors.meeting_for(request, pk, queryset=selectors.meeting_page())
    return pdf_response(
        pack.render_minutes(meeting), pack.file_name(meeting).replace("-pack", "-minutes")
    )
