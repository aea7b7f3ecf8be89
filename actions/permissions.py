"""
Who may do what: the one place every view asks.

Roles (design.md): everyone signed in reads reviews, recommendations, actions
and their status; the partnership team plans (reviews, recommendations, actions,
due-date corrections); an agency lead works on their own agency's actions; the
SILG chair decides (sign-off, extensions, reopening, superseding, closing).

Everyone signed in reads an action's title, description, success measure,
status, rating and dates, so that agencies can coordinate. What is confidential
to the action — its progress, completion statement, the SILG chair's comments,
extension reasons and decisions, evidence, reminders and history — is seen only
by the leads of the action's agency, the partnership team and the SILG chair:
`Ability.SEE_CONFIDENTIAL`, the one rule that pages, exports, timelines, the
audit log, the meeting pack and emails all ask.

Views fetch objects through the `*_for` functions below, which answer 404 when
the object does not exist or its evidence is outside the person's view, and 403
when they may see it but not do what they asked. Every refusal is recorded in
the audit log before it is raised. Templates use `abilities` only to hide
buttons; hiding is never the protection.
"""

from enum import StrEnum

from django.core.exceptions import PermissionDenied
from django.db.models import Model, Q
from django.http import Http404

from actions.models import Action, Evidence, ExtensionRequest
from audits.models import AccessEvent, AuditRecord
from audits.services import access_record
from reviews.models import Recommendation, Review


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


def is_lead_of_agency(user, action: Action | None) -> bool:
    return action is not None and user.is_agency_lead and user.agency_id == action.agency_id


def has_ability(user, ability: Ability, action: Action | None = None) -> bool:
    if not (user.is_authenticated and user.is_active):
        return False
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
            return is_lead_of_agency(user, action)
        case Ability.SEE_CONFIDENTIAL:
            return sees_every_agency(user) or is_lead_of_agency(user, action)
    raise ValueError(ability)


def sees_every_agency(user) -> bool:
    """The partnership team and the SILG chair read every agency's confidential text."""
    return user.is_partnership_team or user.is_silg_chair


def confidential_agency_ids(user) -> set[int] | None:
    """The agencies whose actions' confidential text `user` may read; None means every one.

    The same rule as Ability.SEE_CONFIDENTIAL, for lists and exports of many actions.
    """
    if not (user.is_authenticated and user.is_active):
        return set()
    if sees_every_agency(user):
        return None
    return {user.agency_id} if user.is_agency_lead else set()


def abilities(user, action: Action | None = None) -> dict[str, bool]:
    """Every ability as a dict, for templates deciding which buttons to show."""
    return {ability.value: has_ability(user, ability, action) for ability in Ability}


def refuse(request, *, status: int, reason: str, obj: Model | None = None):
    """Record the refused request in the audit log, then refuse it."""
    access_record(
        request, kind=AccessEvent.Kind.REFUSED, status_code=status, obj=obj, detail=reason
    )
    if status == 404:
        raise Http404(reason)
    raise PermissionDenied(reason)


def require(request, ability: Ability, action: Action | None = None, obj: Model | None = None):
    if not has_ability(request.user, ability, action):
        target = f" {action}" if action is not None else ""
        refuse(
            request,
            status=403,
            reason=f"{request.user} may not {WHAT_IT_ALLOWS[ability]}{target}",
            obj=obj or action,
        )


def _fetch(request, queryset, pk, label: str):
    obj = queryset.filter(pk=pk).first()
    if obj is None:
        refuse(request, status=404, reason=f"There is no {label} {pk}")
    return obj


def action_for(request, pk, ability: Ability = Ability.READ, queryset=None) -> Action:
    if queryset is None:
        queryset = Action.objects.select_related("recommendation__review", "agency", "owner")
    action = _fetch(request, queryset, pk, "action")
    require(request, ability, action)
    return action


def evidence_for(request, pk, ability: Ability = Ability.SEE_CONFIDENTIAL) -> Evidence:
    """Evidence outside the person's view answers 404: its existence is not theirs to know."""
    queryset = Evidence.objects.select_related("action__agency", "action__recommendation__review")
    evidence = _fetch(request, queryset, pk, "evidence")
    if not has_ability(request.user, Ability.SEE_CONFIDENTIAL, evidence.action):
        refuse(
            request,
            status=404,
            reason=f"{request.user} may not see the evidence of {evidence.action}",
            obj=evidence,
        )
    require(request, ability, evidence.action, obj=evidence)
    return evidence


def extension_for(request, pk, ability: Ability) -> ExtensionRequest:
    queryset = ExtensionRequest.objects.select_related(
        "action__agency", "action__recommendation__review", "requested_by"
    )
    extension = _fetch(request, queryset, pk, "extension request")
    require(request, ability, extension.action, obj=extension)
    return extension


def recommendation_for(
    request, pk, ability: Ability = Ability.READ, queryset=None
) -> Recommendation:
    if queryset is None:
        queryset = Recommendation.objects.select_related("review")
    recommendation = _fetch(request, queryset, pk, "recommendation")
    require(request, ability, obj=recommendation)
    return recommendation


def review_for(request, pk, ability: Ability = Ability.READ, queryset=None) -> Review:
    review = _fetch(request, Review.objects.all() if queryset is None else queryset, pk, "review")
    require(request, ability, obj=review)
    return review


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
