"""What the pages for running a partnership read, each within the request's partnership."""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Prefetch
from django.utils import timezone
from django_otp import user_has_device

from actions.models import Action
from audits.history import SYSTEM_USERNAME
from partnerships.models import Invitation
from reviews.models import Theme
from sscp import roles
from sscp.models import Agency, ClosureDay, Membership, Partnership, User
from sscp.permissions import Ability, get_for_user, refuse, require

PEOPLE_ORDER = ("user__first_name", "user__last_name", "user__username")


def access_review_days() -> int:
    return settings.ACCESS_REVIEW_DAYS


# One record, for a view ------------------------------------------------------------


def membership_for(request, pk) -> Membership:
    """A current member of the request's partnership, by their membership's id, for the
    partnership team: 404 (on the record) for any other id, 403 for anyone else."""
    member = (
        Membership.objects.filter(partnership=request.partnership, ended_at__isnull=True, pk=pk)
        .select_related("user", "agency", "partnership")
        .first()
    )
    if member is None:
        refuse(request, status=404, reason=f"There is no member {pk} of {request.partnership}")
    require(request, Ability.MANAGE, member)
    return member


def invitation_for(request, pk) -> Invitation:
    queryset = Invitation.objects.select_related("agency", "invited_by", "partnership")
    return get_for_user(request, queryset, pk, Ability.MANAGE)


def theme_for(request, pk) -> Theme:
    return get_for_user(request, Theme.objects.all(), pk, Ability.MANAGE)


def closure_day_for(request, pk) -> ClosureDay:
    return get_for_user(request, ClosureDay.objects.all(), pk, Ability.MANAGE)


def agency_for(request, pk) -> Agency:
    """An agency that serves the request's partnership, for its team to edit: 404 (on
    the record) for any other, 403 for anyone else."""
    agency = Agency.objects.filter(partnerships=request.partnership, pk=pk).first()
    if agency is None:
        refuse(request, status=404, reason=f"No agency {pk} serves {request.partnership}")
    require(request, Ability.MANAGE, agency)
    return agency


def invitation_by_token(token: str) -> Invitation | None:
    """The invitation whose last emailed link holds `token`, if any."""
    if not token or len(token) > 100:
        return None
    return (
        Invitation.objects.filter(token_hash=Invitation.hash_of(token))
        .select_related("partnership", "agency", "invited_by")
        .first()
    )


def accounts_with_email(email: str):
    """The accounts whose address is `email`, whatever its case (never the system's own)."""
    return User.objects.filter(email__iexact=email).exclude(username=SYSTEM_USERNAME)


# Lists -------------------------------------------------------------------------------


def current_members(partnership: Partnership):
    """The partnership's current members with their accounts and agencies, by name."""
    return (
        Membership.objects.filter(partnership=partnership, ended_at__isnull=True)
        .select_related("user", "agency")
        .order_by(*PEOPLE_ORDER, "pk")
    )


def open_invitations(partnership: Partnership):
    """Invitations neither accepted nor cancelled, expired ones included (they may be
    sent again), newest first."""
    return (
        Invitation.objects.open()
        .filter(partnership=partnership)
        .select_related("agency", "invited_by")
        .order_by("-created_at", "-pk")
    )


def agencies_serving(partnership: Partnership):
    """The agencies that serve the partnership, each with its current leads there
    (`leads_here`)."""
    leads = (
        Membership.objects.filter(
            partnership=partnership, role=roles.AGENCY_LEAD, ended_at__isnull=True
        )
        .select_related("user")
        .order_by(*PEOPLE_ORDER)
    )
    return Agency.objects.filter(partnerships=partnership).prefetch_related(
        Prefetch("memberships", queryset=leads, to_attr="leads_here")
    )


def agencies_to_add(partnership: Partnership):
    """Active agencies of the service that do not serve the partnership yet."""
    return Agency.objects.filter(is_active=True).exclude(partnerships=partnership)


def themes(partnership: Partnership):
    return Theme.objects.filter(partnership=partnership).order_by("name")


def closure_days(partnership: Partnership, *, today: datetime.date) -> dict[str, list]:
    """The partnership's closure days: those to come (which may be removed) and past ones."""
    days = list(ClosureDay.objects.filter(partnership=partnership).order_by("date"))
    return {
        "coming": [day for day in days if day.date >= today],
        "past": [day for day in days if day.date < today][::-1],
    }


# A person ------------------------------------------------------------------------------


def is_locked_out(username: str, now: datetime.datetime | None = None) -> bool:
    """Whether django-axes is refusing sign-in to this username now (from some address)."""
    from axes.models import AccessAttempt

    since = (now or timezone.now()) - settings.AXES_COOLOFF_TIME
    return AccessAttempt.objects.filter(
        username=username,
        failures_since_start__gte=settings.AXES_FAILURE_LIMIT,
        attempt_time__gte=since,
    ).exists()


def has_second_factor(user: User) -> bool:
    return user_has_device(user, confirmed=True)


def open_actions_owned(membership: Membership) -> int:
    """How many open actions of the partnership the member owns: they fall back to their
    agency's leads if the member leaves."""
    owned = Action.objects.open().filter(partnership=membership.partnership_id)
    return owned.filter(owner=membership.user_id).count()


# The access review ---------------------------------------------------------------------


@dataclass(frozen=True)
class Access:
    """One person with access to the partnership, for the access review."""

    membership: Membership
    not_signed_in_since: datetime.datetime  # the review's threshold

    @property
    def user(self) -> User:
        return self.membership.user

    @property
    def last_sign_in(self) -> datetime.datetime | None:
        return self.membership.user.last_login

    @property
    def is_dormant(self) -> bool:
        """Never signed in, or not within ACCESS_REVIEW_DAYS."""
        last = self.last_sign_in
        return last is None or last < self.not_signed_in_since


def access_review(partnership: Partnership, *, dormant_only=False, now=None) -> list[Access]:
    """Everyone with access to the partnership now (a current membership, an active
    account), longest since signing in first; with `dormant_only`, only those who have
    not signed in for ACCESS_REVIEW_DAYS, or never."""
    since = (now or timezone.now()) - datetime.timedelta(days=access_review_days())
    members = current_members(partnership).filter(user__is_active=True)
    rows = [Access(member, since) for member in members]
    rows.sort(key=lambda row: (row.last_sign_in is not None, row.last_sign_in or since))
    return [row for row in rows if row.is_dormant] if dormant_only else rows
