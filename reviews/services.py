"""Every change to reviews and recommendations, each with who and why on the record."""

import datetime

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.template.defaultfilters import pluralize
from django.utils import timezone
from django.utils.formats import date_format

from actions import notices, tasks
from actions.evidence import inspect_upload, store_files
from actions.models import Action, Notice
from audits.history import save_tracked, with_confirmation
from reviews import journey
from reviews.models import ImpactCheck, ImpactEvidence, ProgressCheck, Recommendation, Review, Theme
from sscp.models import Agency, Partnership, User
from sscp.working_days import WorkingDays


@transaction.atomic
def review_save(
    *,
    actor: User,
    partnership: Partnership,
    review: Review | None = None,
    title: str,
    kind: str,
    summary: str = "",
    commissioned_on: datetime.date | None = None,
    published_on: datetime.date | None = None,
    themes: list[Theme] = (),
    joint_partnerships: list[Partnership] = (),
    confirmed=(),
) -> Review:
    """Log a new review of `partnership` (`review=None`) or edit an existing one of it.

    A review commissioned jointly is seen by each partnership in `joint_partnerships`.
    Its themes are its own partnership's.
    """
    creating = review is None
    review = review or Review(partnership=partnership)
    title = title.strip()
    _check_review(review, title, commissioned_on, published_on, themes)
    joint = [p for p in joint_partnerships if p.pk != review.partnership_id]
    shared_before = (
        set(review.joint_partnerships.values_list("pk", flat=True)) if review.pk else set()
    )
    review.title, review.kind, review.summary = title, kind, summary.strip()
    review.commissioned_on, review.published_on = commissioned_on, published_on
    save_tracked(
        review,
        actor=actor,
        reason=with_confirmation(REVIEW_LOGGED if creating else "Review details edited", confirmed),
        m2m={"themes": list(themes), "joint_partnerships": joint},
    )
    share_joint_reviews(shared_before ^ {p.pk for p in joint})
    return review


def _check_review(review: Review, title: str, commissioned_on, published_on, themes) -> None:
    same_title = Review.objects.filter(partnership=review.partnership_id, title__iexact=title)
    if same_title.exclude(pk=review.pk).exists():
        raise ValidationError({"title": f"A review called “{title}” already exists"})
    if any(theme.partnership_id != review.partnership_id for theme in themes):
        raise ValidationError({"themes": "Choose themes of the review's own partnership"})
    if commissioned_on and published_on and published_on < commissioned_on:
        raise ValidationError(
            {"published_on": "Date published must be on or after the date commissioned"}
        )


def share_joint_reviews(partnership_ids) -> None:
    """Keep each partnership's list of the reviews commissioned jointly with it
    (Partnership.joint_review_ids) as Review.joint_partnerships records it: after a
    review's joint partnerships change, for those it was added to or taken from."""
    Shared = Review.joint_partnerships.through
    for partnership in Partnership.objects.select_for_update().filter(pk__in=partnership_ids):
        shared = Shared.objects.filter(partnership=partnership).order_by("review_id")
        partnership.joint_review_ids = list(shared.values_list("review_id", flat=True))
        partnership.skip_history_when_saving = True  # a copy kept for reading, not a change
        partnership.save(update_fields=["joint_review_ids"])


@transaction.atomic
def recommendation_save(
    *,
    actor: User,
    review: Review,
    recommendation: Recommendation | None = None,
    number: int,
    text: str,
    themes: list[Theme] = (),
    agencies: list[Agency] = (),
    confirmed=(),
) -> Recommendation:
    """Log a new recommendation (`recommendation=None`) or edit one that is open."""
    creating = recommendation is None
    recommendation = recommendation or Recommendation(
        review=review, partnership_id=review.partnership_id
    )
    if recommendation.is_closed:
        raise ValidationError("A closed recommendation cannot be edited", code="closed")
    duplicate = Recommendation.objects.filter(review=review, number=number).exclude(
        pk=recommendation.pk
    )
    if duplicate.exists():
        raise ValidationError({"number": f"{review} already has a recommendation {number}"})
    if not creating:
        planned = set(recommendation.actions.values_list("agency_id", flat=True))
        dropped = planned - {agency.pk for agency in agencies}
        if dropped:
            names = ", ".join(str(a) for a in Agency.objects.filter(pk__in=dropped))
            raise ValidationError(
                {
                    "agencies": f"{names} already {'has' if len(dropped) == 1 else 'have'} "
                    "actions for this recommendation, so must stay an owning agency"
                },
            )
    recommendation.number = number
    recommendation.text = text.strip()
    return save_tracked(
        recommendation,
        actor=actor,
        reason=with_confirmation(
            RECOMMENDATION_LOGGED if creating else "Recommendation edited", confirmed
        ),
        m2m={"themes": list(themes), "agencies": list(agencies)},
    )


# The reasons on the history rows of reviews and recommendations.
REVIEW_LOGGED = "Review logged"
RECOMMENDATION_LOGGED = "Recommendation logged"
RECOMMENDATION_CLOSED = "Recommendation closed by the SILG chair"


def why_not_closable(action_statuses: list[str]) -> str | None:
    """Why a recommendation with actions in these statuses cannot be closed, or None.

    The page offers "Close the recommendation" only when this is None, and the
    service refuses on the same rule, so nobody types an impact statement in vain.
    """
    if not action_statuses:
        return "It cannot be closed yet: it has no actions."
    still_open = sum(1 for status in action_statuses if status in Action.OPEN_STATUSES)
    if still_open:
        return (
            f"It can be closed once every action is completed or superseded: {still_open} of "
            f"its {len(action_statuses)} action{pluralize(len(action_statuses))} "
            f"{'is' if still_open == 1 else 'are'} still open."
        )
    return None


@transaction.atomic
def recommendation_close(
    *, actor: User, recommendation: Recommendation, impact_statement: str
) -> Recommendation:
    """The SILG chair closes a recommendation whose actions are all completed or superseded."""
    recommendation = Recommendation.objects.select_for_update().get(pk=recommendation.pk)
    if recommendation.is_closed:
        raise ValidationError("This recommendation is already closed", code="closed")
    statuses = list(
        Action.objects.select_for_update()
        .filter(recommendation=recommendation)
        .values_list("status", flat=True)
    )
    blocker = why_not_closable(statuses)
    if blocker:
        raise ValidationError(blocker, code="not_closable")
    statement = (impact_statement or "").strip()
    if not statement:
        raise ValidationError(
            {"impact_statement": "Enter a statement of the impact the recommendation made"}
        )
    recommendation.closed_at = timezone.now()
    recommendation.closed_by = actor
    recommendation.impact_statement = statement
    recommendation.impact_check_due_on = impact_check_date(timezone.localdate())
    save_tracked(recommendation, actor=actor, reason=RECOMMENDATION_CLOSED)
    _tell(
        Notice.Kind.RECOMMENDATION_CLOSED,
        actor,
        f"{actor} closed {_named(recommendation)}: its impact is to be checked by "
        f"{date_format(recommendation.impact_check_due_on)}",
        recommendation=recommendation,
    )
    return recommendation


def impact_check_date(start: datetime.date) -> datetime.date:
    """When a recommendation closed (or found not yet embedded) on `start` is checked again."""
    return start + relativedelta(months=settings.IMPACT_CHECK_MONTHS)


@transaction.atomic
def recommendation_reopen(*, actor: User, recommendation: Recommendation, because) -> bool:
    """Reopen a closed recommendation because one of its actions (`because`) was reopened;
    whether it was closed. Closing (above) and reopening are the one pair of rules for a
    recommendation's state.

    The action's reason is confidential to its agency: the recommendation's history,
    which everyone reads, says only which action was reopened.
    """
    recommendation = Recommendation.objects.select_for_update().get(pk=recommendation.pk)
    if not recommendation.is_closed:
        return False
    _reopen(recommendation)
    save_tracked(
        recommendation,
        actor=actor,
        reason=f"Reopened because its action “{because.title}” was reopened by the SILG chair",
    )
    return True


def _reopen(recommendation: Recommendation) -> None:
    """Open again: not complete, so not embedded; closing again sets its impact check."""
    recommendation.closed_at = None
    recommendation.closed_by = None
    recommendation.impact_statement = ""
    recommendation.embedded_at = None
    recommendation.embedded_by = None


# Recurring learning ----------------------------------------------------------------


@transaction.atomic
def recommendation_mark_repeat(
    *, actor: User, recommendation: Recommendation, earlier: Recommendation | None
) -> Recommendation:
    """Mark `recommendation` as repeating the learning of an `earlier` one of its
    partnership, from another review (or, with None, as new learning after all)."""
    recommendation = Recommendation.objects.select_for_update().get(pk=recommendation.pk)
    if earlier is not None:
        if earlier.partnership_id != recommendation.partnership_id:
            raise ValidationError("Choose a recommendation of this partnership")
        if earlier.review_id == recommendation.review_id:
            raise ValidationError("Choose a recommendation of another review")
        if earlier.repeats_id == recommendation.pk:
            raise ValidationError(
                f"{earlier.review.title} recommendation {earlier.number} already repeats this "
                "one: mark it on the later of the two"
            )
    if recommendation.repeats_id == (earlier.pk if earlier else None):
        return recommendation
    recommendation.repeats = earlier
    why = (
        f"Marked as repeating the learning of {earlier.review.title} recommendation "
        f"{earlier.number}"
        if earlier
        else "Marked as new learning, repeating no earlier recommendation"
    )
    return save_tracked(recommendation, actor=actor, reason=why)


# Past "complete": the impact checked, then embedded ---------------------------------


@transaction.atomic
def impact_check_record(
    *,
    actor: User,
    recommendation: Recommendation,
    method: str,
    findings: str,
    learning_activities=(),
    files=(),
    confirmed=(),
) -> ImpactCheck:
    """The partnership team records what checking a closed recommendation's impact found,
    and the files that show it (checked and stored as an action's evidence is), for the
    SILG chair to decide whether its learning is embedded: all of it, or nothing."""
    recommendation = Recommendation.objects.select_for_update().get(pk=recommendation.pk)
    if recommendation.is_embedded:
        raise ValidationError("This recommendation is already embedded")
    if not recommendation.is_closed:
        raise ValidationError("Record an impact check once the recommendation is closed")
    if recommendation.impact_checks.filter(outcome="").exists():
        raise ValidationError("An impact check of this recommendation awaits the SILG chair")
    findings = (findings or "").strip()
    errors = {}
    if method not in ImpactCheck.Method.values:
        errors["method"] = "Choose how the impact was checked"
    if not findings:
        errors["findings"] = "Enter what the impact check found"
    if any(a.partnership_id != recommendation.partnership_id for a in learning_activities):
        errors["learning_activities"] = "Choose learning activities of this partnership"
    if errors:
        raise ValidationError(errors)
    try:
        inspected = [inspect_upload(upload) for upload in files]
    except ValidationError as error:
        raise ValidationError({"files": error.messages}) from error
    check = save_tracked(
        ImpactCheck(
            recommendation=recommendation,
            review_id=recommendation.review_id,
            partnership_id=recommendation.partnership_id,
            method=method,
            findings=findings,
            recorded_by=actor,
        ),
        actor=actor,
        reason=with_confirmation(IMPACT_CHECKED, confirmed),
        m2m={"learning_activities": list(learning_activities)},
    )
    store_files(
        files,
        inspected,
        lambda facts: ImpactEvidence(
            impact_check=check,
            review_id=check.review_id,
            partnership_id=check.partnership_id,
            original_name=facts.display_name,
            content_type=facts.content_type,
            size=facts.size,
            sha256=facts.sha256,
            uploaded_by=actor,
        ),
        lambda evidence: save_tracked(evidence, actor=actor, reason=IMPACT_EVIDENCE_ADDED),
    )
    return check


@transaction.atomic
def impact_decide(
    *, actor: User, impact_check: ImpactCheck, outcome: str, decision_comment: str = ""
) -> ImpactCheck:
    """The SILG chair decides on an impact check: the learning is embedded (a blue tag), or
    not yet, which reopens the recommendation for follow-up actions with a new check date."""
    check = ImpactCheck.objects.select_for_update().get(pk=impact_check.pk)
    recommendation = Recommendation.objects.select_for_update().get(pk=check.recommendation_id)
    if check.is_decided:
        raise ValidationError("This impact check has already been decided")
    if not recommendation.is_closed:
        raise ValidationError("The recommendation was reopened: close it again first")
    comment = (decision_comment or "").strip()
    if outcome not in ImpactCheck.Outcome.values:
        raise ValidationError({"outcome": "Choose whether the learning is embedded"})
    if outcome == ImpactCheck.Outcome.NOT_YET_EMBEDDED and not comment:
        raise ValidationError({"decision_comment": "Enter what still needs to change"})
    check.outcome, check.decision_comment = outcome, comment
    check.decided_by, check.decided_at = actor, timezone.now()
    save_tracked(check, actor=actor, reason=f"Impact check decided: {check.get_outcome_display()}")
    if outcome == ImpactCheck.Outcome.EMBEDDED:
        recommendation.embedded_at, recommendation.embedded_by = check.decided_at, actor
        why = "Embedded: confirmed by the SILG chair"
        kind = Notice.Kind.EMBEDDED
        told = f"{actor} confirmed the learning of {_named(recommendation)} embedded"
    else:
        _reopen(recommendation)
        recommendation.impact_check_due_on = impact_check_date(timezone.localdate())
        why = (
            "Not yet embedded: reopened for follow-up actions, its impact to be checked "
            f"again by {date_format(recommendation.impact_check_due_on)}"
        )
        kind = Notice.Kind.NOT_YET_EMBEDDED
        told = (
            f"{actor} found the learning of {_named(recommendation)} not yet embedded: reopened "
            "for follow-up actions, its impact to be checked again by "
            f"{date_format(recommendation.impact_check_due_on)}"
        )
    save_tracked(recommendation, actor=actor, reason=why)
    _tell(kind, actor, told, recommendation=recommendation)
    return check


def _named(recommendation: Recommendation) -> str:
    return f"{recommendation.review.title}, recommendation {recommendation.number}"


def _tell(kind, actor: User, text: str, **about) -> None:
    """Tell those the decision affects (actions.notices), by email once it commits."""
    notices.tell(kind, actor=actor, text=text, **about)
    tasks.deliver_after_commit()


# A serious incident's statutory journey (reviews.journey) ---------------------------


@transaction.atomic
def incident_record(
    *,
    actor: User,
    partnership: Partnership,
    child_pseudonym: str,
    became_aware_on: datetime.date,
    summary: str = "",
    confirmed=(),
) -> Review:
    """Log a serious incident: a rapid review of `partnership`, its statutory clock running
    from the day the local authority became aware. Named by the child's pseudonym."""
    pseudonym = (child_pseudonym or "").strip()
    if not pseudonym:
        raise ValidationError({"child_pseudonym": "Enter the child's pseudonym"})
    _check_pseudonym(Review(partnership=partnership), pseudonym)
    _not_in_the_future({"became_aware_on": became_aware_on})
    review = Review(
        partnership=partnership,
        title=pseudonym,
        kind=Review.Kind.RAPID_REVIEW,
        summary=summary.strip(),
        child_pseudonym=pseudonym,
        became_aware_on=became_aware_on,
    )
    return save_tracked(review, actor=actor, reason=with_confirmation(INCIDENT_RECORDED, confirmed))


@transaction.atomic
def journey_record(
    *, actor: User, review: Review, stage: str, values: dict, reason: str = "", confirmed=()
) -> Review:
    """Record a stage of a serious incident's journey (or correct what was recorded).

    1. The stage must apply to the review (a local review only once one is decided on).
    2. What it cannot be recorded without must be there; no date may be in the future, or
       before the day the local authority became aware, or before the step it follows.
    3. Changing a date or a decision already recorded needs a reason, on the record.
    """
    review = Review.objects.select_for_update().get(pk=review.pk)
    step = journey.BY_KEY[stage]
    done_before = getattr(review, step.done)
    if not step.applies(review) and not _decides_a_local_review(step, values):
        if review.decision:
            raise ValidationError(f"{step.label} is not needed: no local review was decided on")
        raise ValidationError(
            f"{step.label} cannot start yet: record the decision on a local review first"
        )
    values = {name: values.get(name) for name in step.fields}
    if isinstance(values.get("child_pseudonym"), str):
        values["child_pseudonym"] = values["child_pseudonym"].strip()
    _check_stage(review, step, values)
    corrected = _corrected(review, step, values)
    if corrected and not (reason or "").strip():
        raise ValidationError({"reason": "Enter the reason for changing what was recorded"})
    if "child_pseudonym" in corrected:
        _check_pseudonym(review, values["child_pseudonym"])
        if review.title == review.child_pseudonym:  # named by it: the name follows
            review.title = values["child_pseudonym"]
    for name, value in values.items():
        setattr(review, name, value if value is not None else _empty(name))
    if values.get("decision") == Review.Decision.LOCAL_REVIEW:
        review.kind = Review.Kind.PRACTICE_REVIEW  # the incident's review becomes the CSPR
    why = f"{step.label} corrected: {reason.strip()}" if corrected else f"{step.label} recorded"
    save_tracked(review, actor=actor, reason=with_confirmation(why, confirmed))
    # Told only when the stage is first recorded, not when a date of it is corrected.
    if done_before is None and (late := _working_days_late(review, step)):
        _tell(
            Notice.Kind.STAGE_LATE,
            actor,
            f"{actor} recorded {step.label} of {review.title} {late} working "
            f"day{pluralize(late)} late",
            review=review,
        )
    return review


def _working_days_late(review: Review, step) -> int:
    """How many working days after its deadline a stage was done (0: on time, or no
    deadline)."""
    done_on = getattr(review, step.done)
    if done_on is None or step.not_before or not review.follows_journey:
        return 0
    days = WorkingDays.of(review.partnership)
    due_on = step.due(review, days)
    if due_on is None or done_on <= due_on:
        return 0
    return max(days.between(due_on, done_on), 1)


def _check_pseudonym(review: Review, pseudonym: str) -> None:
    """A serious incident's review is named by the child's pseudonym, so it must be unique
    among the partnership's reviews."""
    same_title = Review.objects.filter(partnership=review.partnership_id, title__iexact=pseudonym)
    if same_title.exclude(pk=review.pk).exists():
        raise ValidationError(
            {
                "child_pseudonym": f"A review called “{pseudonym}” already exists: "
                "give this child another pseudonym, like “Child D”"
            }
        )


def _decides_a_local_review(step, values) -> bool:
    return step.key == "decision" and values.get("decision") == Review.Decision.LOCAL_REVIEW


def _empty(name: str):
    field = Review._meta.get_field(name)
    return "" if not field.null else None


def _corrected(review: Review, step, values: dict) -> list[str]:
    """The fields of the stage already recorded that this would change."""
    return [
        name
        for name, value in values.items()
        if getattr(review, name) not in (None, "") and getattr(review, name) != value
    ]


def _check_stage(review: Review, step, values: dict) -> None:
    missing = {
        name: f"Enter the {Review._meta.get_field(name).verbose_name}"
        for name in step.required
        if values.get(name) in (None, "")
    }
    if missing:
        raise ValidationError(missing)
    dates = {name: value for name, value in values.items() if isinstance(value, datetime.date)}
    _not_in_the_future(dates)
    for name, earliest, after in _date_order(review, values):
        if dates.get(name) and earliest and dates[name] < earliest:
            label = Review._meta.get_field(name).verbose_name
            raise ValidationError({name: f"The {label} must be on or after {after}"})


def _date_order(review: Review, values: dict):
    """(field, earliest date it may be, that date in words) for each date of a stage."""
    merged = {name: getattr(review, name) for name in journey.ORDER} | {
        name: value for name, value in values.items() if name in journey.ORDER
    }
    aware = review.became_aware_on
    for name, follows in journey.ORDER.items():
        earliest = merged.get(follows) if follows else aware
        if follows and earliest is None:
            earliest, follows = aware, "became_aware_on"
        label = Review._meta.get_field(follows or "became_aware_on").verbose_name
        yield name, earliest, f"the {label}" + (f", {date_format(earliest)}" if earliest else "")


def _not_in_the_future(dates: dict) -> None:
    today = timezone.localdate()
    future = {
        name: f"The {Review._meta.get_field(name).verbose_name} cannot be in the future"
        for name, value in dates.items()
        if value and value > today
    }
    if future:
        raise ValidationError(future)


@transaction.atomic
def progress_check_record(
    *, actor: User, review: Review, checked_on: datetime.date, findings: str, confirmed=()
) -> ProgressCheck:
    """The SILG checks a local review's progress (Regulation 14)."""
    review = Review.objects.select_for_update().get(pk=review.pk)
    if review.local_review_commissioned_on is None or review.local_review_completed_on:
        raise ValidationError("Progress is checked while a local review is in progress")
    findings = (findings or "").strip()
    if not findings:
        raise ValidationError({"findings": "Enter what the check found"})
    _not_in_the_future({"checked_on": checked_on})
    check = ProgressCheck(
        review=review,
        partnership_id=review.partnership_id,
        checked_on=checked_on,
        findings=findings,
        recorded_by=actor,
    )
    return save_tracked(
        check,
        actor=actor,
        reason=with_confirmation(PROGRESS_CHECKED, confirmed),
    )


INCIDENT_RECORDED = "Serious incident recorded"
PROGRESS_CHECKED = "Progress of the local review checked"
IMPACT_CHECKED = "Impact check recorded"
IMPACT_EVIDENCE_ADDED = "File recorded with an impact check"
