"""Reading SILG meetings: the list, one for its page, what awaits the SILG chair (what an
agenda is assembled from) and the decisions taken on an item's record (what the minutes
list)."""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, Prefetch
from django.utils import timezone
from django.utils.formats import date_format

from actions import selectors as action_selectors
from actions.lifecycle import AGENCY_WORKS_ON
from actions.models import Action, ExtensionRequest, SignOffDecision
from meetings.models import AgendaItem, AgendaKind, Meeting, MinuteEntry
from reviews import journey
from reviews.models import ImpactCheck, Recommendation, Review
from reviews.selectors import with_impact_awaiting
from sscp.permissions import Ability, get_for_user
from sscp.working_days import WorkingDays

TITLE_LENGTH = AgendaItem._meta.get_field("title").max_length


def meeting_for(request, pk, ability: Ability = Ability.OVERSEE, queryset=None) -> Meeting:
    """The meeting for a view: 404 if there is none in the partnership, 403 if the person
    may not do this (only the partnership team and the SILG chair read meetings: their
    agendas name every agency's confidential work)."""
    return get_for_user(
        request, Meeting.objects.all() if queryset is None else queryset, pk, ability
    )


def meeting_list(scope):
    """The meetings of `scope`, the latest first, with how many items each agenda has."""
    return (
        scope.filter(Meeting.objects.all())
        .select_related("pack")
        .annotate(item_count=Count("items"))
        .order_by("-date", "-pk")
    )


def _items():
    return AgendaItem.objects.select_related(
        "action__agency",
        "action__recommendation__review",
        "extension_request__action__agency",
        "extension_request__action__recommendation__review",
        "impact_check__recommendation__review",
        "recommendation__review",
        "review",
    ).order_by("position", "pk")


def meeting_page():
    """A meeting with who made it, its pack, its agenda and its minutes."""
    return Meeting.objects.select_related(
        "partnership", "created_by", "minutes_confirmed_by", "pack__issued_by"
    ).prefetch_related(
        Prefetch("items", queryset=_items()),
        Prefetch("minutes", queryset=MinuteEntry.objects.select_related("decided_by")),
    )


# What awaits the SILG chair ---------------------------------------------------------


@dataclass(frozen=True)
class Waiting:
    """Something awaiting the SILG chair: what an agenda item would be about."""

    kind: str
    field: str  # AgendaItem's field naming the record
    record: object
    title: str
    stage: str = ""

    @property
    def key(self) -> tuple[str, int]:
        return self.field, self.record.pk


def _titled(text: str) -> str:
    return text if len(text) <= TITLE_LENGTH else text[: TITLE_LENGTH - 1] + "…"


def _of(recommendation: Recommendation) -> str:
    return f"{recommendation.review.title}, recommendation {recommendation.number}"


def escalated_before(today: datetime.date) -> datetime.date:
    """Actions due before this day are overdue past the point where the reminders escalate
    them to the SILG chair (REMINDER_ESCALATE_TO_CHAIR_DAYS, actions.reminders)."""
    return today - datetime.timedelta(days=settings.REMINDER_ESCALATE_TO_CHAIR_DAYS - 1)


def awaiting_the_chair(scope, today: datetime.date) -> list[Waiting]:
    """Everything of `scope` awaiting the SILG chair `today`, in the agenda's first order:

    1. actions submitted for sign-off, the longest waiting first;
    2. extension requests awaiting a decision, the longest waiting first;
    3. impact checks awaiting a decision, then recommendations whose impact check is due;
    4. serious incidents' reviews whose next stage is due soon or late (reviews.journey);
    5. open actions overdue past the escalation to the SILG chair, the most overdue first.
    """
    Kind = AgendaKind
    waiting = [
        Waiting(Kind.SUBMISSION, "action", a, _titled(f"Sign-off: {a.title}"))
        for a in action_selectors.awaiting_sign_off(scope)
    ]
    waiting += [
        Waiting(
            Kind.EXTENSION,
            "extension_request",
            e,
            _titled(f"Extension to {date_format(e.requested_due_date)}: {e.action.title}"),
        )
        for e in action_selectors.awaiting_extension_decision(scope)
    ]
    waiting += [
        Waiting(
            Kind.IMPACT_CHECK, "impact_check", c, _titled(f"Impact check: {_of(c.recommendation)}")
        )
        for c in impact_checks_awaiting(scope)
    ]
    waiting += [
        Waiting(Kind.IMPACT_CHECK_DUE, "recommendation", r, _titled(f"Impact check due: {_of(r)}"))
        for r in impact_checks_due(scope, today)
    ]
    waiting += [
        Waiting(Kind.STAGE, "review", review, _titled(f"{review.title}: {state.stage.label}"),
                stage=state.stage.key)
        for review, state in stages_near_their_deadline(scope, today)
    ]  # fmt: skip
    waiting += [
        Waiting(Kind.OVERDUE, "action", a, _titled(f"Overdue: {a.title}"))
        for a in overdue_past_escalation(scope, today)
    ]
    return waiting


def impact_checks_awaiting(scope):
    return (
        scope.filter(ImpactCheck.objects.filter(outcome="", recommendation__withdrawn_at=None))
        .select_related("recommendation__review")
        .order_by("recorded_at", "pk")
    )


def impact_checks_due(scope, today: datetime.date):
    """Closed recommendations not yet embedded whose impact check is due, with none
    awaiting a decision (reviews.models.assurance_of: "Impact check due")."""
    due = Recommendation.objects.filter(
        closed_at__isnull=False, embedded_at__isnull=True, impact_check_due_on__lte=today
    )
    return (
        with_impact_awaiting(scope.filter(due))
        .filter(impact_awaiting_decision=False)
        .select_related("review")
        .order_by("impact_check_due_on", "pk")
    )


NEAR = {journey.Standing.DUE, journey.Standing.LATE}


def stages_near_their_deadline(scope, today: datetime.date) -> list[tuple[Review, object]]:
    """Serious incidents' reviews whose next deadline is due soon or past, as the journey
    stands them (reviews.journey: "Due soon" within the stage reminders' window), with
    that stage: the late first, then the soonest due."""
    reviews = list(scope.filter(Review.objects.filter(became_aware_on__isnull=False)))
    days = WorkingDays.of_each({r.partnership_id for r in reviews}, scope.partnerships)
    near = []
    for review in reviews:
        state = journey.next_deadline(journey.journey(review, days[review.partnership_id], today))
        if state is not None and state.standing in NEAR:
            near.append((review, state))
    return sorted(near, key=lambda pair: (pair[1].due_on, pair[0].title))


def overdue_past_escalation(scope, today: datetime.date):
    """Open actions the agency still works on, overdue past the escalation to the SILG
    chair (actions.reminders sends it from REMINDER_ESCALATE_TO_CHAIR_DAYS overdue)."""
    return (
        scope.filter(
            Action.objects.filter(status__in=AGENCY_WORKS_ON, due_date__lt=escalated_before(today))
        )
        .select_related("recommendation__review", "agency")
        .order_by("due_date", "pk")
    )


# Decisions taken on an item's record --------------------------------------------------


@dataclass(frozen=True)
class Decision:
    """A decision on an agenda item's record, in words."""

    text: str
    by: object
    at: datetime.datetime


def start_of(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def decisions_on(item: AgendaItem, since: datetime.datetime, until: datetime.datetime):
    """The decisions taken on `item`'s record from `since` to `until`, oldest first."""
    window = {"decided_at__gte": since, "decided_at__lte": until}
    found = DECISIONS[item.kind](item, window)
    return sorted(found, key=lambda decision: decision.at)


def _sign_off(action_id: int, window: dict) -> list[Decision]:
    decisions = SignOffDecision.objects.filter(action_id=action_id, **window)
    return [
        Decision(
            decision.get_outcome_display() + (f": {decision.comment}" if decision.comment else ""),
            decision.decided_by,
            decision.decided_at,
        )
        for decision in decisions.select_related("decided_by")
    ]


def _extension_decisions(extensions, window: dict) -> list[Decision]:
    decided = extensions.filter(**window).exclude(status=ExtensionRequest.Status.PENDING)
    decisions = []
    for extension in decided.select_related("decided_by"):
        text = f"Extension {extension.get_status_display().lower()}"
        if extension.status == ExtensionRequest.Status.GRANTED:
            text += f": now due {date_format(extension.requested_due_date)}"
        elif extension.decision_comment:
            text += f": {extension.decision_comment}"
        decisions.append(Decision(text, extension.decided_by, extension.decided_at))
    return decisions


def _on_action(item, window):
    extensions = ExtensionRequest.objects.filter(action_id=item.action_id)
    return _sign_off(item.action_id, window) + _extension_decisions(extensions, window)


def _on_extension(item, window):
    return _extension_decisions(
        ExtensionRequest.objects.filter(pk=item.extension_request_id), window
    )


def _impact_decisions(checks, window) -> list[Decision]:
    return [
        Decision(
            check.get_outcome_display()
            + (f": {check.decision_comment}" if check.decision_comment else ""),
            check.decided_by,
            check.decided_at,
        )
        for check in checks.filter(**window).select_related("decided_by")
    ]


def _on_impact_check(item, window):
    return _impact_decisions(ImpactCheck.objects.filter(pk=item.impact_check_id), window)


def _on_impact_due(item, window):
    checks = ImpactCheck.objects.filter(recommendation_id=item.recommendation_id)
    recorded = checks.filter(
        recorded_at__gte=window["decided_at__gte"], recorded_at__lte=window["decided_at__lte"]
    ).select_related("recorded_by")
    return [
        Decision(f"Impact check recorded: {c.get_method_display()}", c.recorded_by, c.recorded_at)
        for c in recorded
    ] + _impact_decisions(checks, window)


def _on_stage(item, window):
    """The stage recorded (or corrected) on the review, from the review's history."""
    label = journey.BY_KEY[item.stage].label
    rows = Review.history.filter(
        id=item.review_id,
        history_date__gte=window["decided_at__gte"],
        history_date__lte=window["decided_at__lte"],
        history_change_reason__startswith=label,
    ).select_related("history_user")
    return [Decision(row.history_change_reason, row.history_user, row.history_date) for row in rows]


DECISIONS = {
    AgendaKind.SUBMISSION: _on_action,
    AgendaKind.OVERDUE: _on_action,
    AgendaKind.EXTENSION: _on_extension,
    AgendaKind.IMPACT_CHECK: _on_impact_check,
    AgendaKind.IMPACT_CHECK_DUE: _on_impact_due,
    AgendaKind.STAGE: _on_stage,
}
