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

from contextlib import contextmanager
from enum import StrEnum
from functools import wraps

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404
from django.urls import URLPattern

from audits.models import AccessEvent, AuditRecord
from audits.services import access_record
from sscp import database, roles, scope
from sscp.models import Membership, Partnership
from sscp.security import client_ip


class Ability(StrEnum):
    READ = "read"
    PLAN = "plan"
    WORK = "work"
    DECIDE = "decide"
    OVERSEE = "oversee"
    SEE_CONFIDENTIAL = "see_confidential"
    MANAGE = "manage"


WHAT_IT_ALLOWS = {
    Ability.READ: "read",
    Ability.PLAN: "plan or edit reviews, recommendations and actions",
    Ability.WORK: "post progress, evidence or submissions for",
    Ability.DECIDE: "make sign-off decisions on",
    Ability.OVERSEE: "oversee sign-off and extensions",
    Ability.SEE_CONFIDENTIAL: "see the progress, evidence and history of",
    Ability.MANAGE: "manage the people, agencies, themes and settings of the partnership",
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


def _partnership_id(obj=None, partnership=None) -> int | None:
    """The partnership a question is asked in: the one given; else the one the request
    works in (its address's); else, in "all", the one through which `obj` is reached;
    else `obj`'s own."""
    if partnership is not None:
        return partnership.pk
    active = scope.active()
    if active is not None and active.current is not None:
        return active.current.pk
    record = getattr(obj, "action", obj)
    if record is None or not hasattr(record, "partnership_id"):
        return None
    if active is not None:
        reached = active.partnership_for(record.partnership_id, scope._review_id(record))
        return reached.pk if reached is not None else None
    return record.partnership_id


def membership(user, obj=None, *, partnership=None) -> Membership | None:
    """The person's current membership of the partnership the question is asked in."""
    if not _active(user):
        return None
    return user.memberships_now.get(_partnership_id(obj, partnership))


def works_for(user, obj=None, *, partnership=None) -> int | None:
    """The agency whose actions the person works on as its lead there, or None."""
    member = membership(user, obj, partnership=partnership)
    return member.agency_id if member is not None and member.role == roles.AGENCY_LEAD else None


def lead_memberships(partnership_ids, agency_ids=None):
    """The current memberships of agency leads (Ability.WORK) in these partnerships, of
    these agencies (None: any), with their people and agencies."""
    leads = Membership.objects.filter(
        role=roles.AGENCY_LEAD,
        ended_at__isnull=True,
        partnership_id__in=partnership_ids,
        user__is_active=True,
    )
    if agency_ids is not None:
        leads = leads.filter(agency_id__in=agency_ids)
    return leads.select_related("user", "agency")


def agency_leads(partnership_ids, agency_id=None):
    """Everyone who may work on an agency's actions as its lead (Ability.WORK) in any of
    these partnerships: to choose an action's owner from, and to tell about it."""
    agencies = None if agency_id is None else [agency_id]
    leads = lead_memberships(partnership_ids, agencies)
    return get_user_model().objects.filter(pk__in=leads.values("user_id"))


def lead_agencies(partnership_ids, agency_ids=None) -> dict[int, dict[int, str]]:
    """For each agency lead in these partnerships, the agencies they lead (id → short name):
    to label a choice of owners, and to check one."""
    agencies: dict[int, dict[int, str]] = {}
    # Each pair once, as plain values: a lead of a national agency has a membership in each of
    # hundreds of partnerships (1,260 memberships read as records took 196 ms).
    pairs = lead_memberships(partnership_ids, agency_ids).values_list(
        "user_id", "agency_id", "agency__short_name"
    )
    for user_id, agency_id, short_name in pairs.order_by().distinct():
        agencies.setdefault(user_id, {})[agency_id] = short_name
    return agencies


def has_ability(user, ability: Ability, obj=None, *, partnership=None) -> bool:
    """Whether `user` may do `ability` to `obj` (a review, recommendation, action, a record
    of an action, or nothing for what is not about one record), in the partnership the
    question is asked in: what a person may do is their role there."""
    member = membership(user, obj, partnership=partnership)
    if member is None:
        return False
    role = member.role
    own_agency = role == roles.AGENCY_LEAD and member.agency_id == agency_of(obj)
    match ability:
        case Ability.READ:
            return True
        case Ability.PLAN | Ability.MANAGE:
            return role == roles.PARTNERSHIP_TEAM
        case Ability.DECIDE:
            return role == roles.SILG_CHAIR
        case Ability.OVERSEE:
            return role in roles.STAFF
        case Ability.WORK:
            return own_agency
        case Ability.SEE_CONFIDENTIAL:
            return role in roles.STAFF or own_agency
    raise ValueError(ability)


def sees_every_agency(user, *, partnership=None) -> bool:
    """The partnership team and the SILG chair read every agency's confidential text."""
    member = membership(user, partnership=partnership)
    return member is not None and member.role in roles.STAFF


def _reached(within: "scope.Scope", member: Membership, partnership: str, review: str) -> Q:
    """What of `within` is reached through one membership's partnership, as a filter."""
    return scope.Scope.of([member.partnership]).q(partnership, review)


def _memberships_within(user, within: "scope.Scope") -> list[Membership]:
    if not _active(user):
        return []
    return [m for pid, m in user.memberships_now.items() if pid in within.partnerships]


def own_work(
    user, within: "scope.Scope", *, partnership="partnership", review="review", agency="agency"
) -> Q:
    """The actions (or, by the paths given, their records) whose confidential text `user`
    may read and whose due dates they follow (their calendar, their reminders page), in
    `within`: every action of a partnership where they are on its staff, their agency's
    where they are a lead; nothing otherwise. The rule of Ability.SEE_CONFIDENTIAL, for
    lists and exports of many actions.
    """
    mine = Q(pk__in=[])
    for member in _memberships_within(user, within):
        reached = _reached(within, member, partnership, review)
        if member.role in roles.STAFF:
            mine |= reached
        elif member.role == roles.AGENCY_LEAD:
            mine |= reached & Q(**{agency: member.agency_id})
    return mine


def abilities(user, obj=None, *, partnership=None) -> dict[str, bool]:
    """Every ability as a dict, for templates deciding which buttons to show."""
    return {
        ability.value: has_ability(user, ability, obj, partnership=partnership)
        for ability in Ability
    }


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


class Withdrawn(Http404):
    """The record asked for was withdrawn as logged in error: its page says so, with why
    (sscp.middleware.WithdrawnMiddleware answers 410 Gone)."""

    def __init__(self, record):
        super().__init__(f"{record} was withdrawn")
        self.record = record


def _withdrawn(request, queryset, pk):
    """The record `pk`, withdrawn, in the request's scope and readable by the person."""
    every = getattr(queryset.model, "every", None)
    if every is None:
        return None
    record = (
        request.scope.filter(every.select_related("withdrawn_by"))
        .filter(pk=pk, withdrawn_at__isnull=False)
        .first()
    )
    return (
        record if record is not None and has_ability(request.user, Ability.READ, record) else None
    )


def get_for_user(request, queryset, pk, ability: Ability = Ability.READ, *, confidential=False):
    """The record `pk` of `queryset` if the person may do `ability` to it.

    1. No such record in the partnership the request works in: 404, on the record. A
       guessed address of another partnership's record is told nothing more. One withdrawn
       as logged in error, that the person may read: 410, saying when, by whom and why.
    2. A record that is itself confidential (`confidential`: evidence) and outside the
       person's view: 404 as well — its existence is not theirs to know.
    3. A record they may read but not do this to: 403, on the record.
    """
    label = queryset.model._meta.verbose_name
    obj = request.scope.filter(queryset).filter(pk=pk).first()
    if obj is None and (withdrawn := _withdrawn(request, queryset, pk)) is not None:
        raise Withdrawn(withdrawn)
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
# What every member of a partnership reads on its pages, so in its audit log too.
PUBLIC_RECORDS = [
    AuditRecord.RecordType.REVIEW,
    AuditRecord.RecordType.RECOMMENDATION,
    AuditRecord.RecordType.PROGRESS_CHECK,
    AuditRecord.RecordType.IMPACT_CHECK,
    AuditRecord.RecordType.LEARNING_ACTIVITY,
]


def audit_scope(user, within: "scope.Scope") -> Q:
    """Which audit records a person may read, as a filter, in the partnerships of `within`.

    In a partnership where they are on the partnership team or the SILG chair, they read
    everything of it: its reviews and all under them, its themes, people and settings,
    the refusals of its pages, the changes to the agencies that serve it, and the refused
    sign-ins of its people. Where they
    are an agency lead, they read the history of reviews and recommendations, and of their
    own agency's actions and all that belongs to them (progress, evidence and its
    downloads, decisions, extensions) — never another agency's (Ability.SEE_CONFIDENTIAL).
    """
    visible = Q(pk__in=[])
    for member in _memberships_within(user, within):
        reached = _reached(within, member, "partnership", "review")
        if member.role in roles.STAFF:
            visible |= reached | _service_wide_records(member.partnership_id)
        elif member.role == roles.AGENCY_LEAD:
            visible |= reached & (
                Q(record_type__in=PUBLIC_RECORDS)
                | Q(record_type__in=AGENCY_RECORDS, agency_id=member.agency_id)
            )
    return visible


def _service_wide_records(partnership_id: int) -> Q:
    """The records of no one partnership its staff read: changes to the agencies that serve
    it, and refusals before any partnership's page (a failed sign-in, a lockout, a form
    refused) by, or against the account of, one of its people."""
    served = Partnership.agencies.through.objects.filter(partnership_id=partnership_id)
    people = Membership.objects.filter(partnership_id=partnership_id).values("user_id")
    unplaced = Q(partnership__isnull=True)
    return (
        unplaced
        & Q(record_type=AuditRecord.RecordType.AGENCY, agency_id__in=served.values("agency_id"))
    ) | (
        unplaced
        & Q(record_type=AuditRecord.RecordType.REQUEST)
        & (Q(user_id__in=people) | Q(object_id__in=people))
    )


# Entering a partnership ----------------------------------------------------------

ALL = "all"  # the address of "every partnership I belong to"


def enter(request, slug: str) -> "scope.Scope":
    """The scope a request to `/<slug>/…` works in: the partnership of that short address,
    or with "all" every one the person belongs to. A partnership they do not belong to
    is, like one that does not exist, a 404 on the record."""
    memberships = user_memberships(request.user)
    if slug == ALL:
        return scope.Scope.of([member.partnership for member in memberships])
    for member in memberships:
        if member.partnership.slug == slug:
            return scope.Scope.of([member.partnership], current=member.partnership)
    refuse(request, status=404, reason=f"{request.user} is not a member of “{slug[:40]}”")


def user_memberships(user) -> list[Membership]:
    """The person's current memberships, their partnerships in name order."""
    if not _active(user):
        return []
    return sorted(user.memberships_now.values(), key=lambda member: member.partnership.name)


def across_partnerships(view):
    """Mark a page that may be asked for at `/all/…`, across the person's partnerships."""
    view.across_partnerships = True
    return view


def in_partnership(view):
    """Wrap a page of a partnership: take the address's `partnership`, enter it (or refuse),
    and run the page with its scope active (request.scope, request.partnership)."""

    @wraps(view)
    def page(request, partnership, *args, **kwargs):
        if partnership == ALL and not getattr(view, "across_partnerships", False):
            refuse(request, status=404, reason="This page is for one partnership at a time")
        return _run_in(enter(request, partnership), view, request, *args, **kwargs)

    return page


def in_own_partnerships(view):
    """Wrap a person's own page (their reminders, their calendar): it reads across every
    partnership they belong to."""

    @wraps(view)
    def page(request, *args, **kwargs):
        return _run_in(person_scope(request.user), view, request, *args, **kwargs)

    return page


def person_scope(user) -> "scope.Scope":
    """Every partnership the person belongs to: for their own pages, feed and reminders."""
    return scope.Scope.of([member.partnership for member in user_memberships(user)])


def partnership_pages(patterns) -> list:
    """A partnership's pages (each app's urls.py): every view wrapped in `in_partnership`,
    to be included under `<slug:partnership>/` (sscp.urls)."""
    return [_wrapped(pattern, in_partnership) for pattern in patterns]


def own_pages(patterns) -> list:
    """A person's own pages, across their partnerships: wrapped in `in_own_partnerships`."""
    return [_wrapped(pattern, in_own_partnerships) for pattern in patterns]


def _wrapped(pattern, decorator):
    return URLPattern(
        pattern.pattern, decorator(pattern.callback), pattern.default_args, pattern.name
    )


def _run_in(within: "scope.Scope", view, request, *args, **kwargs):
    request.scope, request.partnership = within, within.current
    with working_in(within, request.user):
        return view(request, *args, **kwargs)


def streamed_in_scope(request, rows):
    """Rows of a download streamed after its view has returned, read in the request's scope
    still (its row-level security included)."""
    with working_in(request.scope, request.user):
        yield from rows


@contextmanager
def working_in(within: "scope.Scope", user):
    """Work in `within` for `user`: the scope active for the selectors and addresses, and,
    on PostgreSQL, the database's row-level security holding to the same partnerships."""
    with scope.activated(within), database.scoped(within.ids, user_id=user.pk):
        yield within
