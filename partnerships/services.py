"""
Every change the partnership team makes in running its partnership: invitations, people's
roles, leavers, locked-out accounts, agencies, themes and settings. Each is one function,
keyword-only, with `actor=`, atomic, saved through `save_tracked` with the reason on the
history row (and so in the audit log).

Changes to a partnership's people are settled one at a time: each locks the partnership's
row first (then, where a person's account changes, the account's row), so that two people
inviting one address, or removing the last two members of the partnership team, at once
get one outcome and a clear message.

With row-level security (sscp.database) a request reads only its partnership's
memberships. Whether a leaver still belongs to another partnership, and which of the
actions they own stay theirs, are questions about every partnership: they are asked past
the policies (`every_partnership`), and say so in the log.
"""

import datetime
import logging
import secrets
from dataclasses import dataclass
from importlib import import_module

from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib.auth import SESSION_KEY, password_validation
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import DatabaseError, transaction
from django.utils import timezone
from django.utils.formats import date_format

from accounts import services as account_services
from actions import notices
from actions import tasks as action_tasks
from actions.models import Action, Notice
from audits.history import save_tracked, system_user
from partnerships.models import Invitation, InvitationState
from partnerships.selectors import accounts_with_email
from reviews.models import Theme
from sscp import database, roles, tasks
from sscp.models import Agency, ClosureDay, Membership, OutgoingEmail, Partnership, User
from sscp.scope import Scope
from sscp.working_days import WorkingDays

logger = logging.getLogger(__name__)

USERNAME_LENGTH = User._meta.get_field("username").max_length


def invitation_days() -> int:
    return settings.INVITATION_DAYS


def _lock(partnership: Partnership) -> Partnership:
    return Partnership.objects.select_for_update().get(pk=partnership.pk)


def _lock_user(user: User) -> User:
    return User.objects.select_for_update().get(pk=user.pk)


def _name(user: User) -> str:
    return user.get_full_name() or user.username


def _role_label(role: str, agency: Agency | None) -> str:
    label = roles.Role(role).label
    return f"{label}, {agency.short_name}" if agency is not None else label


# Invitations -----------------------------------------------------------------------


def _clean_email(email: str) -> str:
    email = User.objects.normalize_email((email or "").strip())
    try:
        validate_email(email)
    except ValidationError as error:
        message = "Enter an email address in the correct format, like name@example.com"
        raise ValidationError({"email": message}) from error
    if len(email) > USERNAME_LENGTH:  # it becomes a new person's username
        raise ValidationError(
            {"email": f"Email address must be {USERNAME_LENGTH} characters or fewer"}
        )
    return email


def _checked_agency(partnership: Partnership, role: str, agency: Agency | None) -> Agency | None:
    """The agency a membership of `role` needs: an active one serving the partnership for
    an agency lead; none for anyone else."""
    if role not in roles.Role.values:
        raise ValidationError({"role": "Choose the role"})
    if role != roles.AGENCY_LEAD:
        return None
    if agency is None:
        raise ValidationError({"agency": "Choose the agency the agency lead acts for"})
    if not agency.partnerships.filter(pk=partnership.pk).exists():
        raise ValidationError(
            {"agency": f"{agency} does not serve {partnership.short_name}: add it on the "
             "agencies page first"}
        )  # fmt: skip
    if not agency.is_active:
        raise ValidationError({"agency": f"{agency} is no longer active"})
    return agency


def _refuse_members_and_waiting(partnership: Partnership, email: str) -> None:
    members = Membership.objects.filter(
        partnership=partnership, ended_at__isnull=True, user__email__iexact=email
    )
    if members.exists():
        raise ValidationError({"email": f"{email} is already a member of {partnership.short_name}"})
    waiting = Invitation.objects.waiting().filter(partnership=partnership, email__iexact=email)
    if waiting.exists():
        raise ValidationError(
            {"email": f"{email} already has an invitation waiting: send it again from the "
             "list of invitations instead"}
        )  # fmt: skip


def _expiry():
    return timezone.now() + datetime.timedelta(days=invitation_days())


def _send(invitation: Invitation) -> None:
    """Put the invitation's email in the outbox, in place of any still waiting to go."""
    _withdraw_emails(invitation)
    tasks.queue(OutgoingEmail.Kind.INVITATION, invitation.email, reference=invitation.pk)


def _withdraw_emails(invitation: Invitation) -> None:
    # Only rows no worker holds. One being sent at this moment still goes, but the link
    # of the email queued now is made after it, and replaces its link.
    OutgoingEmail.objects.filter(
        kind=OutgoingEmail.Kind.INVITATION,
        reference=invitation.pk,
        status__in=[OutgoingEmail.Status.PENDING, OutgoingEmail.Status.FAILED],
    ).update(status=OutgoingEmail.Status.CANCELLED)


@transaction.atomic
def invitation_create(
    *, actor: User, partnership: Partnership, email: str, role: str, agency: Agency | None = None
) -> Invitation:
    """Invite `email` to join `partnership` as `role` (an agency lead with their `agency`),
    and put the email with its link in the outbox.

    1. Lock the partnership: invitations and acceptances there go one at a time.
    2. Refuse an address that is already a current member here, or has an invitation
       still waiting; and an agency lead without an agency that serves the partnership.
    3. An expired invitation of the address is cancelled: the new one replaces it.
    """
    partnership = _lock(partnership)
    email = _clean_email(email)
    agency = _checked_agency(partnership, role, agency)
    _refuse_members_and_waiting(partnership, email)
    for expired in Invitation.objects.open().filter(partnership=partnership, email__iexact=email):
        _cancel(expired, actor=actor, reason="Expired, and replaced by a new invitation")
    invitation = Invitation(
        partnership=partnership,
        email=email,
        role=role,
        agency=agency,
        invited_by=actor,
        expires_at=_expiry(),
    )
    save_tracked(invitation, actor=actor, reason=f"Invited to join as {_role_label(role, agency)}")
    _send(invitation)
    return invitation


def _locked_invitation(invitation: Invitation) -> Invitation:
    _lock(invitation.partnership)
    return Invitation.objects.select_for_update().get(pk=invitation.pk)


def _refuse_unless_open(invitation: Invitation) -> None:
    if not invitation.is_open:
        state = invitation.state().label.lower()
        raise ValidationError(f"The invitation of {invitation.email} was already {state}")


@transaction.atomic
def invitation_resend(*, actor: User, invitation: Invitation) -> Invitation:
    """Send an invitation again, with a new link, for another INVITATION_DAYS: any link
    sent before stops working now (its hash is forgotten)."""
    invitation = _locked_invitation(invitation)
    _refuse_unless_open(invitation)
    invitation.expires_at = _expiry()
    invitation.token_hash = None
    save_tracked(
        invitation, actor=actor, reason="Invitation sent again: earlier links no longer work"
    )
    _send(invitation)
    return invitation


def _cancel(invitation: Invitation, *, actor: User, reason: str) -> Invitation:
    # The hash is kept, so that the link can say the invitation was cancelled.
    invitation.cancelled_at = timezone.now()
    save_tracked(invitation, actor=actor, reason=reason)
    _withdraw_emails(invitation)
    return invitation


@transaction.atomic
def invitation_cancel(*, actor: User, invitation: Invitation) -> Invitation:
    """Cancel an invitation: its link stops working, and an email not yet sent is not."""
    invitation = _locked_invitation(invitation)
    _refuse_unless_open(invitation)
    return _cancel(invitation, actor=actor, reason="Invitation cancelled")


@transaction.atomic
def invitation_link_make(*, pk: int) -> tuple[Invitation, str] | None:
    """A new one-time secret for the link in a waiting invitation's email, made as the
    email is sent (partnerships.emails); None if the invitation is no longer waiting.

    Only its hash is kept, in place of the last one: the link sent before stops working.
    The sending is the service's own work, recorded against the system user.
    """
    invitation = (
        Invitation.objects.select_for_update(of=("self",))
        .filter(pk=pk)
        .select_related("partnership", "agency", "invited_by")
        .first()
    )
    if invitation is None or invitation.state() != InvitationState.WAITING:
        return None
    secret = secrets.token_urlsafe(32)
    invitation.token_hash = Invitation.hash_of(secret)
    save_tracked(invitation, actor=system_user(), reason="Invitation email sent, with a new link")
    return invitation, secret


def _waiting(invitation: Invitation) -> Invitation:
    """The invitation under lock, if its link may still be used; else why not."""
    invitation = _locked_invitation(invitation)
    state = invitation.state()
    if state != InvitationState.WAITING:
        raise ValidationError(UNUSABLE[state], code=state)
    return invitation


UNUSABLE = {
    InvitationState.EXPIRED: "This invitation has expired: ask for it to be sent again",
    InvitationState.CANCELLED: "This invitation was cancelled",
    InvitationState.ACCEPTED: "This invitation has already been used: sign in instead",
}


def _join(invitation: Invitation, user: User) -> Membership:
    """Make `user` a member as the invitation says, and close the invitation. The caller
    holds the partnership's lock and the account's."""
    partnership = invitation.partnership
    agency = _checked_agency(partnership, invitation.role, invitation.agency)
    current = Membership.objects.filter(user=user, partnership=partnership, ended_at__isnull=True)
    if current.exists():
        raise ValidationError(f"You are already a member of {partnership.short_name}")
    membership = Membership(user=user, partnership=partnership, role=invitation.role, agency=agency)
    inviter = _name(invitation.invited_by)
    save_tracked(membership, actor=user, reason=f"Joined by accepting the invitation of {inviter}")
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user  # the hash is kept: the link says it was used
    save_tracked(invitation, actor=user, reason="Invitation accepted")
    notices.tell(
        Notice.Kind.INVITATION_ACCEPTED,
        actor=user,
        text=f"{_name(user)} accepted your invitation to {partnership.short_name} as "
        f"{_role_label(invitation.role, agency)}",
        invitation=invitation,
    )
    action_tasks.deliver_after_commit()
    return membership


@transaction.atomic
def invitation_accept_existing(*, invitation: Invitation, user: User) -> Membership:
    """The invitee, signed in to their account with the invitation's address, joins.
    The person accepting is the actor."""
    invitation = _waiting(invitation)
    user = _lock_user(user)
    if not user.is_active or user.email.casefold() != invitation.email.casefold():
        raise ValidationError(f"This invitation is for {invitation.email}: sign in as them")
    return _join(invitation, user)


GOVUK_PASSWORD_MESSAGES = {
    "password_too_short": "Password must be %(min_length)d characters or more",
    "password_too_common": "Password is too common: choose one that is harder to guess",
    "password_entirely_numeric": "Password must include letters or symbols, not only numbers",
    "password_too_similar": "Password must not be like your name, username or email address",
}


def _password_errors(password: str, user: User) -> None:
    """Django's password validators (AUTH_PASSWORD_VALIDATORS), in GOV.UK's words."""
    try:
        password_validation.validate_password(password, user)
    except ValidationError as error:
        messages = []
        for problem in error.error_list:
            wanted = GOVUK_PASSWORD_MESSAGES.get(problem.code)
            messages.append(wanted % (problem.params or {}) if wanted else problem.messages[0])
        raise ValidationError({"password": messages}) from error


@transaction.atomic
def invitation_accept_new(
    *, invitation: Invitation, first_name: str, last_name: str, password: str
) -> User:
    """A person with no active account accepts: they choose their name and a password.

    Their username is the invitation's address (nothing new to remember). An account of
    theirs that was deactivated (a leaver coming back) is used again, reactivated with
    the new password, and keeps its username. The person accepting is the actor.
    """
    invitation = _waiting(invitation)
    accounts = accounts_with_email(invitation.email).select_for_update().order_by("-pk")
    if any(account.is_active for account in accounts):
        raise ValidationError("You already have an account: sign in to accept the invitation")
    user = next(iter(accounts), None)
    reason = "Account reactivated by accepting an invitation"
    if user is None:
        user = _new_account(invitation.email)
        reason = f"Account made by accepting an invitation to {invitation.partnership}"
    user.first_name, user.last_name = first_name.strip(), last_name.strip()
    _password_errors(password, user)
    user.set_password(password)
    user.is_active = True
    save_tracked(user, actor=user, reason=reason)
    _join(invitation, user)
    return user


def _new_account(email: str) -> User:
    username = email.lower()
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError(
            "An account already has your email address as its username: ask the partnership "
            "team for help"
        )
    return User(username=username, email=email)


# People ------------------------------------------------------------------------------


def _locked_membership(membership: Membership) -> Membership:
    partnership = _lock(membership.partnership)
    locked = (
        Membership.objects.select_for_update()
        .filter(pk=membership.pk, ended_at__isnull=True)
        .first()
    )
    if locked is None:
        raise ValidationError(f"{membership.user} is no longer a member of {partnership}")
    locked.partnership = partnership
    return locked


def _refuse_last_of_team(membership: Membership, doing: str) -> None:
    """Someone must be left to manage the partnership: its last current member of the
    partnership team (with an active account) cannot be removed or given another role."""
    if membership.role != roles.PARTNERSHIP_TEAM:
        return
    others = Membership.objects.filter(
        partnership_id=membership.partnership_id,
        role=roles.PARTNERSHIP_TEAM,
        ended_at__isnull=True,
        user__is_active=True,
    ).exclude(pk=membership.pk)
    if not others.exists():
        raise ValidationError(
            f"{_name(membership.user)} is the only member of the partnership team, so cannot "
            f"be {doing}: invite or appoint another member of the team first"
        )


@transaction.atomic
def membership_change(
    *, actor: User, membership: Membership, role: str, agency: Agency | None = None
) -> Membership:
    """Change a person's role (and agency, for an agency lead) in this partnership only.

    An agency lead who stops leading an agency here stops owning its actions here: they
    fall back to every lead of that agency (`_release_actions`).
    """
    membership = _locked_membership(membership)
    agency = _checked_agency(membership.partnership, role, agency)
    if role == membership.role and getattr(agency, "pk", None) == membership.agency_id:
        raise ValidationError("Change the role or the agency, or cancel")
    if role != roles.PARTNERSHIP_TEAM:
        _refuse_last_of_team(membership, "given another role")
    before = _role_label(membership.role, membership.agency)
    old_agency = membership.agency if membership.role == roles.AGENCY_LEAD else None
    membership.role, membership.agency = role, agency
    save_tracked(
        membership,
        actor=actor,
        reason=f"Role changed from {before} to {_role_label(role, agency)}",
    )
    if old_agency is not None and getattr(agency, "pk", None) != old_agency.pk:
        _release_actions(
            actor=actor,
            user=membership.user,
            partnership=membership.partnership,
            why=f"Owner is no longer a lead of {old_agency} in {membership.partnership.short_name}",
        )
    return membership


@dataclass
class Leaving:
    """What ending a membership did."""

    membership: Membership
    released: list[Action]  # the actions that now belong to every lead of their agency
    deactivated: bool  # the person belongs to no partnership now: their account is off


@transaction.atomic
def membership_end(*, actor: User, membership: Membership) -> Leaving:
    """Remove a person from this partnership (a leaver).

    1. Lock the partnership, the membership and the person's account; refuse to remove
       the last member of the partnership team.
    2. End the membership: it stays, with the date it ended.
    3. The open actions they own here that they may no longer own fall back to every
       lead of the action's agency, each with the reason on its history.
    4. With no current membership left anywhere, their account is deactivated: sign-in
       stops at once, their next request is signed out, their sessions are deleted once
       this commits, and the reminders (which read only active accounts' current
       memberships) stop.
    """
    membership = _locked_membership(membership)
    user = _lock_user(membership.user)
    _refuse_last_of_team(membership, "removed")
    membership.ended_at = timezone.now()
    save_tracked(membership, actor=actor, reason="Removed from the partnership: a leaver")
    released = _release_actions(
        actor=actor,
        user=user,
        partnership=membership.partnership,
        why="Owner left the partnership",
    )
    return Leaving(membership, released, _deactivate_if_no_partnership_left(actor, user))


def _release_actions(*, actor: User, user: User, partnership: Partnership, why: str):
    """Clear the owner of the open actions `user` owns among those `partnership` reaches
    (its own, and those of reviews it commissioned jointly), unless they are still a lead
    of the action's agency in a partnership that commissioned its review."""
    with database.every_partnership("the actions a person no longer leads"):
        still_leads = set(
            Membership.objects.filter(
                user=user, role=roles.AGENCY_LEAD, ended_at__isnull=True
            ).values_list("partnership_id", "agency_id")
        )
        owned = (
            Action.objects.open()
            .filter(Scope.of([partnership]).q("partnership", "review"), owner=user)
            .select_related("agency", "review")
            .select_for_update(of=("self",))
        )
        released = []
        for action in owned:
            commissioners = action.review.commissioners()
            if any((pk, action.agency_id) in still_leads for pk in commissioners):
                continue
            action.owner = None
            reason = f"{why}: every lead of {action.agency} is responsible now"
            released.append(save_tracked(action, actor=actor, reason=reason))
    return released


def _deactivate_if_no_partnership_left(actor: User, user: User) -> bool:
    with database.every_partnership("whether a leaver belongs to another partnership"):
        belongs = Membership.objects.filter(user=user, ended_at__isnull=True).exists()
    if belongs or not user.is_active:
        return False
    user.is_active = False
    save_tracked(user, actor=actor, reason="Account deactivated: removed from every partnership")
    transaction.on_commit(lambda: end_sessions(user.pk))
    return True


DATABASE_SESSIONS = {
    "django.contrib.sessions.backends.db",
    "django.contrib.sessions.backends.cached_db",
}


def end_sessions(user_id: int) -> int:
    """Delete a person's sessions now; how many. Django already refuses an inactive
    account on its next request: this also removes what the sessions hold.

    With sessions in the database (the default), the unexpired ones are read and the
    person's deleted: as many as people active within SESSION_COOKIE_AGE, so cheap.
    With another engine, nothing is done here.
    """
    if settings.SESSION_ENGINE not in DATABASE_SESSIONS:
        return 0
    store = import_module(settings.SESSION_ENGINE).SessionStore
    ended = 0
    try:
        live = Session.objects.filter(expire_date__gt=timezone.now())
        for session in live.iterator(chunk_size=500):
            if session.get_decoded().get(SESSION_KEY) == str(user_id):
                store(session.session_key).delete()
                ended += 1
    except DatabaseError:
        logger.warning("Could not delete the sessions of user %s", user_id, exc_info=True)
    return ended


def _on_record(membership: Membership, *, actor: User, reason: str) -> None:
    """Put something done to a person's account on the record of their membership here,
    where the partnership's audit log shows it (the account's own record belongs to no
    one partnership)."""
    save_tracked(membership, actor=actor, reason=reason)


@transaction.atomic
def account_unlock(*, actor: User, membership: Membership) -> int:
    """Let a person locked out after repeated failed sign-ins (django-axes, per username
    and client address) try again now; how many lockout records were cleared.

    What sscp.accounts counts per client address, whatever the username, is not a
    lockout of the person's account, and is left to run out.
    """
    membership = _locked_membership(membership)
    cleared = axes_reset(username=membership.user.username)
    if not cleared:
        raise ValidationError(f"{_name(membership.user)} is not locked out: nothing to unlock")
    _on_record(membership, actor=actor, reason="Sign-in unlocked after repeated failures")
    return cleared


@transaction.atomic
def second_factor_reset(*, actor: User, membership: Membership, reason: str) -> Membership:
    """Reset a member's second factor (accounts.services), on the partnership's record too."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Enter why the second factor is being reset"})
    membership = _locked_membership(membership)
    account_services.second_factor_reset(actor=actor, user=membership.user, reason=reason)
    _on_record(membership, actor=actor, reason=f"Second factor reset: {reason}")
    return membership


# Agencies ------------------------------------------------------------------------------


def _refuse_taken_agency_names(agency: Agency, name: str, short_name: str) -> None:
    others = Agency.objects.exclude(pk=agency.pk)
    errors = {}
    if others.filter(name__iexact=name).exists():
        errors["name"] = (
            f"An agency called “{name}” already uses the service: add it from the "
            "list of existing agencies instead"
        )
    if others.filter(short_name__iexact=short_name).exists():
        errors["short_name"] = f"Another agency already has the short name “{short_name}”"
    if errors:
        raise ValidationError(errors)


def _set_agency_details(agency: Agency, *, name, short_name, sector, board_position) -> None:
    name, short_name = name.strip(), short_name.strip()
    _refuse_taken_agency_names(agency, name, short_name)
    agency.name, agency.short_name = name, short_name
    agency.sector, agency.board_position = sector, board_position.strip()


@transaction.atomic
def agency_create(
    *,
    actor: User,
    partnership: Partnership,
    name: str,
    short_name: str,
    sector: str,
    board_position: str = "",
) -> Agency:
    """Add an agency new to the service; it serves `partnership`."""
    agency = Agency()
    _set_agency_details(
        agency, name=name, short_name=short_name, sector=sector, board_position=board_position
    )
    return save_tracked(
        agency,
        actor=actor,
        reason=f"Agency added by the partnership team of {partnership.short_name}",
        m2m={"partnerships": [partnership]},
    )


@transaction.atomic
def agency_join(*, actor: User, partnership: Partnership, agency: Agency) -> Agency:
    """An agency already using the service starts serving `partnership` too."""
    agency = Agency.objects.select_for_update().get(pk=agency.pk)
    serving = list(agency.partnerships.all())
    if partnership in serving:
        raise ValidationError({"agency": f"{agency} already serves {partnership.short_name}"})
    if not agency.is_active:
        raise ValidationError({"agency": f"{agency} is no longer active"})
    return save_tracked(
        agency,
        actor=actor,
        reason=f"Now serves {partnership.short_name}",
        m2m={"partnerships": [*serving, partnership]},
    )


@transaction.atomic
def agency_update(
    *,
    actor: User,
    agency: Agency,
    name: str,
    short_name: str,
    sector: str,
    board_position: str = "",
    is_active: bool = True,
) -> Agency:
    """Edit an agency's details: the team of any partnership it serves may."""
    agency = Agency.objects.select_for_update().get(pk=agency.pk)
    _set_agency_details(
        agency, name=name, short_name=short_name, sector=sector, board_position=board_position
    )
    agency.is_active = is_active
    return save_tracked(agency, actor=actor, reason="Agency details edited")


# Themes and settings -----------------------------------------------------------------


@transaction.atomic
def theme_save(
    *,
    actor: User,
    partnership: Partnership,
    theme: Theme | None = None,
    name: str,
    description: str = "",
) -> Theme:
    """Add a theme to the partnership's list (`theme=None`) or edit one of it."""
    creating = theme is None
    theme = theme or Theme(partnership=partnership)
    name = name.strip()
    same = Theme.objects.filter(partnership=theme.partnership_id, name__iexact=name)
    if same.exclude(pk=theme.pk).exists():
        raise ValidationError({"name": f"A theme called “{name}” already exists"})
    theme.name, theme.description = name, description.strip()
    return save_tracked(theme, actor=actor, reason="Theme added" if creating else "Theme edited")


@transaction.atomic
def partnership_update(
    *,
    actor: User,
    partnership: Partnership,
    name: str,
    short_name: str,
    area: str = "",
    two_factor: str,
) -> Partnership:
    """Change the partnership's name, short name, area and who must use a second factor.
    Its short address (slug) is every page's address, and is not changed here."""
    partnership = _lock(partnership)
    name, short_name = name.strip(), short_name.strip()
    others = Partnership.objects.exclude(pk=partnership.pk)
    errors = {}
    if others.filter(name__iexact=name).exists():
        errors["name"] = f"Another partnership is already called “{name}”"
    if others.filter(short_name__iexact=short_name).exists():
        errors["short_name"] = f"Another partnership already has the short name “{short_name}”"
    if two_factor not in Partnership.TwoFactor.values:
        errors["two_factor"] = "Choose who must use a second factor"
    if errors:
        raise ValidationError(errors)
    partnership.name, partnership.short_name = name, short_name
    partnership.area, partnership.two_factor = area.strip(), two_factor
    return save_tracked(partnership, actor=actor, reason="Partnership settings changed")


# Closure days ----------------------------------------------------------------------------


@transaction.atomic
def closure_day_add(
    *, actor: User, partnership: Partnership, date: datetime.date, reason: str
) -> ClosureDay:
    """A day the partnership's office is closed: the statutory clock of its reviews does
    not count it (sscp.working_days). Only today or a day to come: a day already past has
    been counted in deadlines and figures, which must not change behind them."""
    partnership = _lock(partnership)
    reason = (reason or "").strip()
    _check_closure_day(partnership, date, reason)
    day = save_tracked(
        ClosureDay(partnership=partnership, date=date, reason=reason),
        actor=actor,
        reason=f"Closure day added: {reason}",
    )
    partnership.keep_closure_dates()
    return day


def _check_closure_day(partnership: Partnership, date: datetime.date, reason: str) -> None:
    in_words = date_format(date, "l j F Y")
    if not reason:
        raise ValidationError({"reason": "Enter the reason the office is closed"})
    if date < timezone.localdate():
        raise ValidationError({"date": f"{in_words} has passed: add today or a day to come"})
    if not WorkingDays().is_working_day(date):
        raise ValidationError(
            {"date": f"{in_words} is not a working day anyway: a weekend or a bank holiday"}
        )
    if ClosureDay.objects.filter(partnership=partnership, date=date).exists():
        raise ValidationError({"date": f"{in_words} is already a closure day"})


@transaction.atomic
def closure_day_remove(*, actor: User, closure_day: ClosureDay) -> ClosureDay:
    """Take back a closure day not yet come (one added in error, or the office open after
    all). The row is deleted; its history keeps it, with who removed it (the audit trail
    seals history rows, so it still verifies). A day already past stays: it has been
    counted."""
    partnership = _lock(closure_day.partnership)
    day = ClosureDay.objects.select_for_update().filter(pk=closure_day.pk).first()
    if day is None:
        raise ValidationError("That closure day was already removed")
    if day.date < timezone.localdate():
        raise ValidationError(
            f"{date_format(day.date)} has passed: it has been counted, so it stays"
        )
    day._history_user = actor
    day._change_reason = f"Closure day removed: {day.reason}"
    day.delete()
    partnership.keep_closure_dates()
    return day
