"""
Who may see and do what: the one module every view, list, export, feed, button and
audit-log page asks. docs/architecture.md has the table of roles.

Everyone signed in reads reviews, recommendations, and each action's title,
description, success measure, status, rating and dates, so that agencies can
coordinate. The partnership team plans (reviews, recommendations, actions, due-date
corrections); an agency lead works on their own agency's actions; the SILG chair
decides (sign-off, extensions, reopening, superseding, closing). What is
confidential to an action — its progress, completion statement, the chair's
comments, extension reasons and decisions, evidence, reminders and history — is for
the leads of its agency, the partnership team and the SILG chair only
(Ability.SEE_CONFIDENTIAL).

The rules read records by their fields only (`agency_id`, `action`), so this module
imports no model of the apps above it, and every app can ask it.

Views fetch records through `get_for_user`, which answers 404 when the record does
not exist or is outside the person's view, and 403 when they may see it but not do
what they asked. Every refusal is recorded in the audit log before it is raised.
Templates use `abilities` and `allowed` only to hide buttons; hiding is never the
protection.
"""

from enum import StrEnum

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404

from audits.models import AccessEvent, AuditRecord
from audits.services import access_record
from sscp import roles
from sscp.security import client_ip


class Ability(StrEnum):
    READ = "read"
    PLAN = "plan"
    WORK = "work"
    DECIDE = "decide"
    OVERSEE = "oversee"
    SEE_CONFIDENTIAL = "see_confidential"


WHAT_IT_ALLOWS = {
    Ability.READ: "read",
    Ability.PLAN: "plan or edit reviews, recommendations and actions",
    Ability.WORK: "post progress, evidence or submissions for",
    Ability.DECIDE: "make sign-off decisions on",
    Ability.OVERSEE: "oversee sign-off and extensions",
    Ability.SEE_CONFIDENTIAL: "see the progress, evidence and history of",
}


def agency_of(obj) -> int | None:
    """The agency an action, or a record of an action (evidence, an extension request),
    belongs to; None for what belongs to no agency (a review, a recommendation)."""
    if obj is None:
        return None
    if hasattr(obj, "agency_id"):
        return obj.agency_id
    action = getattr(obj, "action", None)
    return getattr(action, "agency_id", None)


def _active(user) -> bool:
    return user.is_authenticated and user.is_active


def works_for(user) -> int | None:
    """The agency whose actions the person works on as its lead, or None."""
    return user.agency_id if _active(user) and user.is_agency_lead else None


def agency_leads():
    """Everyone who may work on an agency's actions as its lead (Ability.WORK): to choose
    an action's owner from, and to tell about it."""
    return get_user_model().objects.filter(groups__name=roles.AGENCY_LEAD, agency__isnull=False)


def sees_every_agency(user) -> bool:
    """The partnership team and the SILG chair read every agency's confidential text."""
    return _active(user) and (user.is_partnership_team or user.is_silg_chair)


def has_ability(user, ability: Ability, obj=None) -> bool:
    """Whether `user` may do `ability` to `obj` (a review, recommendation, action, a record
    of an action, or nothing for what is not about one record)."""
    if not _active(user):
        return False
    agency = works_for(user)
    own_agency = agency is not None and agency == agency_of(obj)
    match ability:
        case Ability.READ:
            return True
        case Ability.PLAN:
            return user.is_partnership_team
        case Ability.DECIDE:
            return user.is_silg_chair
        case Ability.OVERSEE:
            return user.is_silg_chair or user.is_partnership_team
        case Ability.WORK:
            return own_agency
        case Ability.SEE_CONFIDENTIAL:
            return sees_every_agency(user) or own_agency
    raise ValueError(ability)


def confidential_agency_ids(user) -> set[int] | None:
    """The agencies whose actions' confidential text `user` may read; None means every one.

    The same rule as Ability.SEE_CONFIDENTIAL, for lists and exports of many actions.
    """
    if sees_every_agency(user):
        return None
    agency = works_for(user)
    return {agency} if agency is not None else set()


def followed_agency_ids(user) -> set[int] | None:
    """The agencies whose due dates the person follows (their calendar, their home page):
    an agency lead their own; the partnership team and the SILG chair every one (None);
    anyone else none."""
    return confidential_agency_ids(user)


def abilities(user, obj=None) -> dict[str, bool]:
    """Every ability as a dict, for templates deciding which buttons to show."""
    return {ability.value: has_ability(user, ability, obj) for ability in Ability}


def allowed(user, obj, transitions) -> list:
    """The transitions of a lifecycle table (actions.lifecycle) that `user` may take on
    `obj` now: theirs to take by ability, and possible from its status."""
    return [t for t in transitions if obj.status in t.sources and has_ability(user, t.ability, obj)]


# Refusing and fetching ---------------------------------------------------------


def refuse(request, *, status: int, reason: str, obj=None):
    """Record the refused request in the audit log, then refuse it."""
    access_record(
        request,
        kind=AccessEvent.Kind.REFUSED,
        status_code=status,
        ip_address=client_ip(request),
        obj=obj,
        detail=reason,
    )
    if status == 404:
        raise Http404(reason)
    raise PermissionDenied(reason)


def require(request, ability: Ability, obj=None):
    """Refuse with 403, on the record, unless the person may do `ability` to `obj`."""
    if not has_ability(request.user, ability, obj):
        target = f" {obj}" if obj is not None else ""
        refuse(
            request,
            status=403,
            reason=f"{request.user} may not {WHAT_IT_ALLOWS[ability]}{target}",
            obj=obj,
        )


def get_for_user(request, queryset, pk, ability: Ability = Ability.READ, *, confidential=False):
    """The record `pk` of `queryset` if the person may do `ability` to it.

    1. No such record: 404, on the record.
    2. A record that is itself confidential (`confidential`: evidence) and outside the
       person's view: 404 as well — its existence is not theirs to know.
    3. A record they may read but not do this to: 403, on the record.
    """
    label = queryset.model._meta.verbose_name
    obj = queryset.filter(pk=pk).first()
    if obj is None:
        refuse(request, status=404, reason=f"There is no {label} {pk}")
    if confidential and not has_ability(request.user, Ability.SEE_CONFIDENTIAL, obj):
        of = getattr(obj, "action", obj)
        refuse(
            request, status=404, reason=f"{request.user} may not see the {label} of {of}", obj=obj
        )
    require(request, ability, obj)
    return obj


# The audit log -----------------------------------------------------------------

AGENCY_RECORDS = [
    AuditRecord.RecordType.ACTION,
    AuditRecord.RecordType.PROGRESS,
    AuditRecord.RecordType.EVIDENCE,
    AuditRecord.RecordType.DECISION,
    AuditRecord.RecordType.EXTENSION,
]
PUBLIC_RECORDS = [AuditRecord.RecordType.REVIEW, AuditRecord.RecordType.RECOMMENDATION]


def audit_scope(user) -> Q:
    """Which audit records a person may read, as a filter.

    The partnership team and the SILG chair read everything. An agency lead reads
    the history of reviews and recommendations, and of their own agency's actions
    and all that belongs to them (progress, evidence and its downloads, decisions,
    extensions) — never another agency's (Ability.SEE_CONFIDENTIAL). Anyone else
    signed in reads the history of reviews and recommendations.
    """
    agencies = confidential_agency_ids(user)
    if agencies is None:
        return Q()
    scope = Q(record_type__in=PUBLIC_RECORDS)
    if agencies:
        scope |= Q(record_type__in=AGENCY_RECORDS, agency_id__in=agencies)
    return scope
