"""The partnership team's pages for running its partnership (Ability.MANAGE), and the page
an invitation's link opens."""

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.template.defaultfilters import pluralize
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from partnerships import selectors, services
from partnerships.forms import (
    AgencyEditForm,
    AgencyForm,
    AgencyJoinForm,
    ClosureDayForm,
    ConfirmForm,
    InvitationForm,
    NewAccountForm,
    PartnershipForm,
    ReasonForm,
    RoleForm,
    ThemeForm,
)
from partnerships.models import InvitationState
from sscp.forms import call_service, posted
from sscp.permissions import Ability, require, streamed_in_scope
from sscp.spreadsheets import Column, csv_response

FORM_METHODS = ["GET", "POST"]


def _to(name: str, request, *args):
    return redirect(reverse(name, args=[request.partnership.slug, *args]))


def _form_page(request, form, *, title, button, back, **context):
    return render(
        request,
        context.pop("template", "partnerships/form.html"),
        {"form": form, "title": title, "button": button, "back_url": back, **context},
    )


def _back(request, name: str, *args) -> str:
    return reverse(name, args=[request.partnership.slug, *args])


# People -------------------------------------------------------------------------------


@require_GET
def people(request):
    require(request, Ability.MANAGE)
    partnership = request.partnership
    return render(
        request,
        "partnerships/people.html",
        {
            "members": selectors.current_members(partnership),
            "invitations": selectors.open_invitations(partnership),
        },
    )


@require_http_methods(FORM_METHODS)
def invitation_create(request):
    require(request, Ability.MANAGE)
    form = InvitationForm(posted(request), partnership=request.partnership)
    if request.method == "POST" and form.is_valid():
        invitation = call_service(
            form,
            services.invitation_create,
            actor=request.user,
            partnership=request.partnership,
            **form.cleaned_data,
        )
        if invitation is not None:
            messages.success(request, f"Invitation sent to {invitation.email}")
            return _to("people", request)
    return _form_page(
        request,
        form,
        title="Invite a person",
        button="Send the invitation",
        back=_back(request, "people"),
        intro=f"They get an email with a link to join {request.partnership.short_name}. "
        f"It works once, for {services.invitation_days()} days.",
    )


@require_POST
def invitation_resend(request, pk):
    invitation = selectors.invitation_for(request, pk)
    try:
        services.invitation_resend(actor=request.user, invitation=invitation)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request, f"Invitation sent again to {invitation.email}: earlier links no longer work"
        )
    return _to("people", request)


@require_http_methods(FORM_METHODS)
def invitation_cancel(request, pk):
    invitation = selectors.invitation_for(request, pk)
    form = ConfirmForm(posted(request))
    if request.method == "POST" and form.is_valid():
        cancelled = call_service(
            form, services.invitation_cancel, actor=request.user, invitation=invitation
        )
        if cancelled is not None:
            messages.success(request, f"Invitation of {invitation.email} cancelled")
            return _to("people", request)
    return _form_page(
        request,
        form,
        title=f"Cancel the invitation of {invitation.email}",
        button="Cancel the invitation",
        back=_back(request, "people"),
        intro="The link in the email will stop working. You can invite them again later.",
        warning_button=True,
    )


@require_GET
def person_detail(request, pk):
    member = selectors.membership_for(request, pk)
    return render(
        request,
        "partnerships/person_detail.html",
        {
            "member": member,
            "person": member.user,
            "locked_out": selectors.is_locked_out(member.user.username),
            "has_second_factor": selectors.has_second_factor(member.user),
        },
    )


@require_http_methods(FORM_METHODS)
def person_edit(request, pk):
    member = selectors.membership_for(request, pk)
    initial = {"role": member.role, "agency": member.agency}
    form = RoleForm(posted(request), initial=initial, partnership=request.partnership)
    if request.method == "POST" and form.is_valid():
        changed = call_service(
            form,
            services.membership_change,
            actor=request.user,
            membership=member,
            **form.cleaned_data,
        )
        if changed is not None:
            messages.success(request, f"{member.user}'s role is now {changed.role_label}")
            return _to("person-detail", request, member.pk)
    return _form_page(
        request,
        form,
        title=f"Change {member.user}'s role",
        button="Save the role",
        back=_back(request, "person-detail", member.pk),
        intro=f"Their role in {request.partnership.short_name} only.",
    )


def _left_message(leaving) -> str:
    person = leaving.membership.user
    words = [f"{person} removed from the partnership."]
    if leaving.released:
        count = len(leaving.released)
        words.append(
            f"{count} action{pluralize(count)} they owned now belong{pluralize(count, 's,')} "
            "to every lead of the agency."
        )
    if leaving.deactivated:
        words.append("They belong to no other partnership, so their account is deactivated.")
    return " ".join(words)


@require_http_methods(FORM_METHODS)
def person_remove(request, pk):
    member = selectors.membership_for(request, pk)
    form = ConfirmForm(posted(request))
    if request.method == "POST" and form.is_valid():
        leaving = call_service(form, services.membership_end, actor=request.user, membership=member)
        if leaving is not None:
            messages.success(request, _left_message(leaving))
            if leaving.membership.user_id == request.user.pk:
                return redirect("start")  # they removed themselves: nothing here is theirs now
            return _to("people", request)
    return _form_page(
        request,
        form,
        title=f"Remove {member.user} from the partnership",
        button="Remove from the partnership",
        back=_back(request, "person-detail", member.pk),
        template="partnerships/person_remove.html",
        member=member,
        owned=selectors.open_actions_owned(member),
        warning_button=True,
    )


@require_POST
def person_unlock(request, pk):
    member = selectors.membership_for(request, pk)
    try:
        services.account_unlock(actor=request.user, membership=member)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"{member.user} can sign in again")
    return _to("person-detail", request, member.pk)


@require_http_methods(FORM_METHODS)
def person_second_factor_reset(request, pk):
    member = selectors.membership_for(request, pk)
    form = ReasonForm(posted(request))
    if request.method == "POST" and form.is_valid():
        done = call_service(
            form,
            services.second_factor_reset,
            actor=request.user,
            membership=member,
            reason=form.cleaned_data["reason"],
        )
        if done is not None:
            messages.success(
                request, f"{member.user}'s second factor is reset: they set up a new one next"
            )
            return _to("person-detail", request, member.pk)
    return _form_page(
        request,
        form,
        title=f"Reset {member.user}'s second factor",
        button="Reset the second factor",
        back=_back(request, "person-detail", member.pk),
        intro="Do this only when you are sure who is asking: for example, after speaking to "
        "them. They will set up a new second factor the next time they sign in.",
        warning_button=True,
    )


# The invitation's link ---------------------------------------------------------------


@login_not_required
@require_http_methods(FORM_METHODS)
def invitation_accept(request, token):
    """The page an invitation's emailed link opens, before the person is a member.

    The link's secret is the key: an unknown, replaced, expired, cancelled or used one
    gets a page saying so, and changes nothing. Someone with an account with the
    address signs in to it and accepts; anyone else chooses a password.
    """
    invitation = selectors.invitation_by_token(token)
    if invitation is None or invitation.state() != InvitationState.WAITING:
        return render(request, "partnerships/invitation_unusable.html", {"invitation": invitation})
    account = selectors.accounts_with_email(invitation.email).filter(is_active=True).first()
    signed_in = request.user.is_authenticated
    if signed_in and request.user.email.casefold() != invitation.email.casefold():
        return render(request, "partnerships/invitation_other_account.html", _about(invitation))
    if account is not None:
        return _accept_into_account(request, invitation)
    return _accept_as_new(request, invitation)


def _about(invitation, **context):
    return {"invitation": invitation, "joining": invitation.partnership, **context}


def _accept_into_account(request, invitation):
    if not request.user.is_authenticated:
        sign_in = f"{reverse('login')}?next={request.path}"
        return render(
            request,
            "partnerships/invitation_sign_in.html",
            _about(invitation, sign_in=sign_in),
        )
    form = ConfirmForm(posted(request))
    if request.method == "POST" and form.is_valid():
        joined = call_service(
            form, services.invitation_accept_existing, invitation=invitation, user=request.user
        )
        if joined is not None:
            messages.success(request, f"You have joined {joined.partnership.name}")
            return redirect("home", joined.partnership.slug)
    return render(request, "partnerships/invitation_accept.html", _about(invitation, form=form))


def _accept_as_new(request, invitation):
    returning = selectors.accounts_with_email(invitation.email).order_by("-pk").first()
    initial = {}
    if returning is not None:  # a leaver invited back: their account is used again
        initial = {"first_name": returning.first_name, "last_name": returning.last_name}
    form = NewAccountForm(posted(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        data = {k: form.cleaned_data[k] for k in ("first_name", "last_name", "password")}
        user = call_service(form, services.invitation_accept_new, invitation=invitation, **data)
        if user is not None:
            messages.success(
                request,
                f"Your account is ready. Sign in with your username, {user.username}, "
                "and the password you chose.",
            )
            home = reverse("home", args=[invitation.partnership.slug])
            return redirect(f"{reverse('login')}?next={home}")
    return render(
        request,
        "partnerships/invitation_new_account.html",
        _about(invitation, form=form, returning=returning),
    )


# Agencies ------------------------------------------------------------------------------


@require_GET
def agency_list(request):
    require(request, Ability.MANAGE)
    return render(
        request,
        "partnerships/agency_list.html",
        {
            "agencies": selectors.agencies_serving(request.partnership),
            "can_add_existing": selectors.agencies_to_add(request.partnership).exists(),
        },
    )


@require_http_methods(FORM_METHODS)
def agency_create(request):
    require(request, Ability.MANAGE)
    form = AgencyForm(posted(request))
    if request.method == "POST" and form.is_valid():
        agency = call_service(
            form,
            services.agency_create,
            actor=request.user,
            partnership=request.partnership,
            **form.cleaned_data,
        )
        if agency is not None:
            messages.success(request, f"{agency} added: it serves {request.partnership.short_name}")
            return _to("agency-list", request)
    return _form_page(
        request,
        form,
        title="Add a new agency",
        button="Add the agency",
        back=_back(request, "agency-list"),
        intro="For an agency that does not use the service yet. One that serves another "
        "partnership already is added from the list of existing agencies.",
    )


@require_http_methods(FORM_METHODS)
def agency_join(request):
    require(request, Ability.MANAGE)
    form = AgencyJoinForm(posted(request), agencies=selectors.agencies_to_add(request.partnership))
    if request.method == "POST" and form.is_valid():
        agency = call_service(
            form,
            services.agency_join,
            actor=request.user,
            partnership=request.partnership,
            agency=form.cleaned_data["agency"],
        )
        if agency is not None:
            messages.success(request, f"{agency} now serves {request.partnership.short_name}")
            return _to("agency-list", request)
    return _form_page(
        request,
        form,
        title="Add an existing agency",
        button="Add the agency",
        back=_back(request, "agency-list"),
        intro="Agencies that already use the service for another partnership.",
    )


@require_http_methods(FORM_METHODS)
def agency_edit(request, pk):
    agency = selectors.agency_for(request, pk)
    initial = {
        "name": agency.name,
        "short_name": agency.short_name,
        "sector": agency.sector,
        "board_position": agency.board_position,
        "is_active": agency.is_active,
    }
    form = AgencyEditForm(posted(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        saved = call_service(
            form, services.agency_update, actor=request.user, agency=agency, **form.cleaned_data
        )
        if saved is not None:
            messages.success(request, f"{saved} saved")
            return _to("agency-list", request)
    return _form_page(
        request,
        form,
        title=f"Edit {agency}",
        button="Save the agency",
        back=_back(request, "agency-list"),
        warning="Every partnership the agency serves sees these details.",
    )


# Themes --------------------------------------------------------------------------------


@require_GET
def theme_list(request):
    require(request, Ability.MANAGE)
    return render(
        request, "partnerships/theme_list.html", {"themes": selectors.themes(request.partnership)}
    )


def _theme_form_page(request, form, theme=None):
    if request.method == "POST" and form.is_valid():
        saved = call_service(
            form,
            services.theme_save,
            actor=request.user,
            partnership=request.partnership,
            theme=theme,
            **form.cleaned_data,
        )
        if saved is not None:
            messages.success(request, f"Theme “{saved.name}” saved")
            return _to("theme-list", request)
    return _form_page(
        request,
        form,
        title="Add a theme" if theme is None else f"Edit the theme “{theme.name}”",
        button="Save the theme",
        back=_back(request, "theme-list"),
    )


@require_http_methods(FORM_METHODS)
def theme_create(request):
    require(request, Ability.MANAGE)
    return _theme_form_page(request, ThemeForm(posted(request)))


@require_http_methods(FORM_METHODS)
def theme_edit(request, pk):
    theme = selectors.theme_for(request, pk)
    initial = {"name": theme.name, "description": theme.description}
    return _theme_form_page(request, ThemeForm(posted(request), initial=initial), theme)


# Settings ------------------------------------------------------------------------------


@require_http_methods(FORM_METHODS)
def partnership_settings(request):
    require(request, Ability.MANAGE)
    partnership = request.partnership
    initial = {
        "name": partnership.name,
        "short_name": partnership.short_name,
        "area": partnership.area,
        "two_factor": partnership.two_factor,
    }
    form = PartnershipForm(posted(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        saved = call_service(
            form,
            services.partnership_update,
            actor=request.user,
            partnership=partnership,
            **form.cleaned_data,
        )
        if saved is not None:
            messages.success(request, "Settings saved")
            return _to("partnership-settings", request)
    return _form_page(
        request,
        form,
        title="Settings",
        button="Save the settings",
        back=_back(request, "home"),
        template="partnerships/settings.html",
    )


@require_http_methods(FORM_METHODS)
def closure_days(request):
    """The days the partnership's office is closed, which its reviews' deadlines skip."""
    require(request, Ability.MANAGE)
    form = ClosureDayForm(posted(request))
    if request.method == "POST" and form.is_valid():
        added = call_service(
            form,
            services.closure_day_add,
            actor=request.user,
            partnership=request.partnership,
            **form.cleaned_data,
        )
        if added is not None:
            messages.success(request, f"{date_format(added.date)} added as a closure day")
            return _to("closure-days", request)
    return render(
        request,
        "partnerships/closure_days.html",
        {
            "form": form,
            "button": "Add the closure day",
            **selectors.closure_days(request.partnership, today=timezone.localdate()),
        },
    )


@require_POST
def closure_day_remove(request, pk):
    day = selectors.closure_day_for(request, pk)
    try:
        services.closure_day_remove(actor=request.user, closure_day=day)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"{date_format(day.date)} is no longer a closure day")
    return _to("closure-days", request)


# The access review ---------------------------------------------------------------------


def _dormant_only(request) -> bool:
    return request.GET.get("show") == "dormant"


@require_GET
def access_review(request):
    require(request, Ability.MANAGE)
    dormant_only = _dormant_only(request)
    rows = selectors.access_review(request.partnership, dormant_only=dormant_only)
    dormant = rows if dormant_only else [row for row in rows if row.is_dormant]
    return render(
        request,
        "partnerships/access_review.html",
        {
            "rows": rows,
            "dormant_count": len(dormant),
            "dormant_only": dormant_only,
            "days": selectors.access_review_days(),
        },
    )


ACCESS_COLUMNS = [
    Column("Name", 25),
    Column("Username", 20),
    Column("Email", 30),
    Column("Role", 18),
    Column("Agency", 20),
    Column("Member since", 18),
    Column("Last signed in", 18),
    Column("Not signed in for the review period", 12),
]


def _access_rows(rows):
    for row in rows:
        person, member = row.user, row.membership
        yield [
            person.get_full_name(),
            person.username,
            person.email,
            member.get_role_display(),
            member.agency.name if member.agency_id else "",
            timezone.localtime(member.created_at),
            timezone.localtime(row.last_sign_in) if row.last_sign_in else "Never",
            "Yes" if row.is_dormant else "No",
        ]


@require_GET
def access_review_csv(request):
    require(request, Ability.MANAGE)
    rows = selectors.access_review(request.partnership, dormant_only=_dormant_only(request))
    filename = f"access-review-{request.partnership.slug}-{timezone.localdate():%Y-%m-%d}.csv"
    return csv_response(filename, ACCESS_COLUMNS, streamed_in_scope(request, _access_rows(rows)))
