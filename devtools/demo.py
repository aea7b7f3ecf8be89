"""
Demo data from `fixtures/demo.toml`, loaded through the app's own services.

Loading is idempotent: partnerships, agencies, themes, users, memberships, reviews,
recommendations, actions, serious incidents and learning activities are found by their
natural keys, and
only what is missing is created, so a second run changes nothing. A database upgraded from before
partnerships (where a migration made Southampton from the data it had) gets what is
missing of the rest: Portsmouth, its people, and the links to it.
"""

import datetime
import tomllib
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.db.models import DateField
from django.utils import timezone

from actions import services as action_services
from actions.models import Action, Evidence, ExtensionRequest, ProgressUpdate, SignOffDecision
from audits.history import acting_as, save_tracked
from devtools.journeys import working_days_from
from learning import services as learning_services
from learning.models import LearningActivity
from meetings import services as meeting_services
from meetings.models import Meeting
from reviews import journey
from reviews import services as review_services
from reviews.models import ImpactCheck, ProgressCheck, Recommendation, Review, Theme
from sscp import roles
from sscp.models import Agency, Membership, Partnership, User
from sscp.working_days import WorkingDays

FIXTURES_DIR = Path(settings.BASE_DIR) / "fixtures"
DEMO_FILE = FIXTURES_DIR / "demo.toml"
EVIDENCE_DIR = FIXTURES_DIR / "evidence"
LOADED = "Demo data loaded"


@dataclass
class DemoLoad:
    created: Counter = field(default_factory=Counter)


@dataclass
class Demo:
    """What is loaded so far, by natural key, for the records that refer to it."""

    today: datetime.date
    result: DemoLoad
    partnerships: dict = field(default_factory=dict)  # slug → Partnership
    agencies: dict = field(default_factory=dict)  # short name → Agency
    themes: dict = field(default_factory=dict)  # (slug, name) → Theme
    users: dict = field(default_factory=dict)  # username → User
    staff: dict = field(default_factory=dict)  # (slug, role) → the demo user in it

    def created(self, what: str) -> None:
        self.result.created[what] += 1


def load_demo(*, password: str, today: datetime.date | None = None) -> DemoLoad:
    """Create whatever part of the demo data is missing. Returns what was created."""
    data = tomllib.loads(DEMO_FILE.read_text())
    demo = Demo(today=today or timezone.localdate(), result=DemoLoad())
    with transaction.atomic():
        for item in data["partnerships"]:
            demo.partnerships[item["slug"]] = _partnership(item, demo)
        for item in data["agencies"]:
            demo.agencies[item["short_name"]] = _agency(item, demo)
        for item in data["themes"]:
            demo.themes[item["partnership"], item["name"]] = _theme(item, demo)
        for item in data["users"]:
            demo.users[item["username"]] = _user(item, password, demo)
            _memberships(demo.users[item["username"]], item.get("memberships", []), demo)
        for item in data["reviews"]:
            with acting_as(demo.staff[item["partnership"], roles.PARTNERSHIP_TEAM]):
                _review(item, demo)
        for item in data["incidents"]:
            with acting_as(demo.staff[item["partnership"], roles.PARTNERSHIP_TEAM]):
                _incident(item, demo)
        for item in data["learning_activities"]:
            with acting_as(demo.staff[item["partnership"], roles.PARTNERSHIP_TEAM]):
                _learning_activity(item, demo)
        for item in data["impact_checks"]:
            _impact_check(item, demo)
        for item in data["meetings"]:
            _meeting(item, demo)
    return demo.result


def _meeting(data: dict, demo: Demo) -> None:
    """Arrange the partnership's next SILG meeting through the service, as its demo team,
    unless it has one."""
    partnership = demo.partnerships[data["partnership"]]
    if Meeting.objects.filter(partnership=partnership).exists():
        return
    meeting_services.meeting_create(
        actor=demo.staff[partnership.slug, roles.PARTNERSHIP_TEAM],
        partnership=partnership,
        date=demo.today + datetime.timedelta(days=data["in_days"]),
    )
    demo.created("SILG meetings")


def _partnership(data: dict, demo: Demo) -> Partnership:
    partnership = Partnership.objects.filter(slug=data["slug"]).first()
    if partnership is None:
        partnership = save_tracked(Partnership(**data), actor=None, reason=LOADED)
        demo.created("partnerships")
    return partnership


def _agency(data: dict, demo: Demo) -> Agency:
    data = dict(data)
    served = [demo.partnerships[slug] for slug in data.pop("partnerships")]
    agency = Agency.objects.filter(name=data["name"]).first()
    if agency is None:
        agency = save_tracked(
            Agency(**data), actor=None, reason=LOADED, m2m={"partnerships": served}
        )
        demo.created("agencies")
    elif not set(served) <= set(agency.partnerships.all()):
        every = {*agency.partnerships.all(), *served}
        save_tracked(agency, actor=None, reason=LOADED, m2m={"partnerships": list(every)})
        demo.created("agencies joining a partnership")
    return agency


def _theme(data: dict, demo: Demo) -> Theme:
    data = dict(data)
    partnership = demo.partnerships[data.pop("partnership")]
    theme = Theme.objects.filter(partnership=partnership, name=data["name"]).first()
    if theme is None:
        theme = Theme(partnership=partnership, **data)
        theme = save_tracked(theme, actor=None, reason=LOADED)
        demo.created("themes")
    return theme


def _user(data: dict, password: str, demo: Demo) -> User:
    user = User.objects.filter(username=data["username"]).first()
    if user is None:
        user = User(
            username=data["username"],
            first_name=data["first_name"],
            last_name=data["last_name"],
            email=f"{data['username']}@example.org",
            is_staff=data.get("operator", False),
            is_superuser=data.get("operator", False),
        )
        user.set_password(password)
        save_tracked(user, actor=None, reason="Demo user created")
        demo.created("users")
    return user


def _memberships(user: User, memberships: list[dict], demo: Demo) -> None:
    """The person's roles, one a partnership; a role they already hold there is kept."""
    for item in memberships:
        partnership = demo.partnerships[item["partnership"]]
        role = roles.Role(item["role"])
        demo.staff.setdefault((partnership.slug, role), user)
        if user.memberships.filter(partnership=partnership, ended_at__isnull=True).exists():
            continue
        membership = Membership(
            user=user,
            partnership=partnership,
            role=role,
            agency=demo.agencies[item["agency"]] if "agency" in item else None,
        )
        save_tracked(membership, actor=None, reason="Demo member joined the partnership")
        demo.created("memberships")


def _review(data: dict, demo: Demo) -> None:
    partnership = demo.partnerships[data["partnership"]]
    joint = [demo.partnerships[slug] for slug in data.get("joint_partnerships", [])]
    review = Review.objects.filter(partnership=partnership, title=data["title"]).first()
    if review is None:
        review = review_services.review_save(
            actor=demo.staff[partnership.slug, roles.PARTNERSHIP_TEAM],
            partnership=partnership,
            title=data["title"],
            kind=data["kind"],
            summary=data.get("summary", ""),
            commissioned_on=data.get("commissioned_on"),
            published_on=data.get("published_on"),
            themes=[demo.themes[partnership.slug, name] for name in data.get("themes", [])],
            joint_partnerships=joint,
        )
        demo.created("reviews")
    elif not set(joint) <= set(review.joint_partnerships.all()):
        _share(review, joint, demo)
    for item in data.get("recommendations", []):
        _recommendation(review, item, demo)


def _share(review: Review, joint: list[Partnership], demo: Demo) -> None:
    """A review loaded before partnerships, shared now with those that commissioned it
    jointly; otherwise as it stands."""
    review_services.review_save(
        actor=demo.staff[review.partnership.slug, roles.PARTNERSHIP_TEAM],
        partnership=review.partnership,
        review=review,
        title=review.title,
        kind=review.kind,
        summary=review.summary,
        commissioned_on=review.commissioned_on,
        published_on=review.published_on,
        themes=list(review.themes.all()),
        joint_partnerships=[*review.joint_partnerships.all(), *joint],
    )
    demo.created("reviews shared with another partnership")


def _recommendation(review: Review, data: dict, demo: Demo) -> None:
    team = demo.staff[review.partnership.slug, roles.PARTNERSHIP_TEAM]
    recommendation = Recommendation.objects.filter(review=review, number=data["number"]).first()
    if recommendation is None:
        recommendation = review_services.recommendation_save(
            actor=team,
            review=review,
            number=data["number"],
            text=data["text"],
            themes=[demo.themes[review.partnership.slug, n] for n in data.get("themes", [])],
            agencies=[demo.agencies[name] for name in data.get("agencies", [])],
        )
        demo.created("recommendations")
    for item in data.get("actions", []):
        _action(recommendation, item, demo)
    if "close_with" in data and not recommendation.is_closed:
        review_services.recommendation_close(
            actor=demo.staff[review.partnership.slug, roles.SILG_CHAIR],
            recommendation=recommendation,
            impact_statement=data["close_with"],
        )


def _action(recommendation: Recommendation, data: dict, demo: Demo) -> None:
    if Action.every.filter(recommendation=recommendation, title=data["title"]).exists():
        return
    slug = recommendation.partnership.slug
    agency_lead = demo.users[data["owner"]] if "owner" in data else None
    action = action_services.action_create(
        actor=demo.staff[slug, roles.PARTNERSHIP_TEAM],
        recommendation=recommendation,
        agency=demo.agencies[data["agency"]],
        owner=agency_lead,
        title=data["title"],
        description=data["description"],
        success_measure=data["success_measure"],
        due_date=demo.today + datetime.timedelta(days=data["due_in_days"]),
    )
    demo.created("actions")
    _play_scenario(
        action,
        data,
        agency_lead,
        demo.staff[slug, roles.SILG_CHAIR],
        demo.staff[slug, roles.PARTNERSHIP_TEAM],
    )


def _play_scenario(action, data, agency_lead, chair, team) -> None:
    """Take the action to its demo state through the same steps a person would: its lead's
    (an action without an owner in the demo stays not started), the SILG chair's and the
    partnership team's."""
    for text in data.get("progress", []):
        action_services.progress_post(actor=agency_lead, action=action, text=text)
    for item in data.get("evidence", []):
        with (EVIDENCE_DIR / item["file"]).open("rb") as handle:
            action_services.evidence_attach(
                actor=agency_lead,
                action=action,
                uploads=[File(handle, name=item["file"])],
                description=item["description"],
            )
    if "extension" in data:
        action.refresh_from_db()
        action_services.extension_request(
            actor=agency_lead,
            action=action,
            requested_due_date=action.due_date + datetime.timedelta(days=data["extension"]["days"]),
            reason=data["extension"]["reason"],
        )
    state = data["state"]
    if state in {"submitted", "returned", "completed"}:
        action_services.action_submit(
            actor=agency_lead, action=action, completion_statement=data["completion_statement"]
        )
    if state == "returned":
        action_services.action_return(actor=chair, action=action, comment=data["return_comment"])
    elif state == "completed":
        action_services.action_approve(actor=chair, action=action)
    elif state == "superseded":
        action_services.action_supersede(
            actor=chair, action=action, reason=data["supersede_reason"]
        )
    elif state == "withdrawn":
        action_services.withdraw(actor=team, record=action, reason=data["withdrawal_reason"])
    elif state == "in_progress" and not data.get("progress") and not data.get("evidence"):
        action_services.progress_post(
            actor=agency_lead, action=action, text="Work has started; a first update will follow."
        )


# A serious incident's statutory journey (reviews.journey) --------------------------


def _incident(data: dict, demo: Demo) -> None:
    """Record a serious incident and each stage of its journey as far as the demo takes
    it, through the services, unless the partnership has recorded it already."""
    partnership = demo.partnerships[data["partnership"]]
    pseudonym = data["child_pseudonym"]
    if Review.objects.filter(partnership=partnership, child_pseudonym=pseudonym).exists():
        return
    values, checks = incident_plan(data, WorkingDays.of(partnership), demo.today)
    team = demo.staff[partnership.slug, roles.PARTNERSHIP_TEAM]
    review = _incident_review(partnership, data, values, team)
    demo.created("serious incidents")
    for stage in journey.STAGES[1:]:
        recorded = {name: values[name] for name in stage.fields if name in values}
        if stage.key == "local_review" and checks:
            # Progress is checked while the local review runs: its completion comes after.
            running = {name: value for name, value in recorded.items() if name != stage.done}
            _record_stage(review, stage, running, team)
            _check_progress(review, checks, demo)
        _record_stage(review, stage, recorded, team)


def _incident_review(partnership: Partnership, data: dict, values: dict, team: User) -> Review:
    """The incident's review: a new one named by the pseudonym, or a review already loaded
    (Liam's) that the journey led to."""
    if "review" not in data:
        return review_services.incident_record(
            actor=team,
            partnership=partnership,
            child_pseudonym=data["child_pseudonym"],
            became_aware_on=values["became_aware_on"],
            summary=data.get("summary", ""),
        )
    return review_services.journey_record(
        actor=team,
        review=Review.objects.get(partnership=partnership, title=data["review"]),
        stage="incident",
        values={
            "child_pseudonym": data["child_pseudonym"],
            "became_aware_on": values["became_aware_on"],
        },
    )


def _record_stage(review: Review, stage: journey.Stage, recorded: dict, team: User) -> None:
    if recorded:
        review_services.journey_record(actor=team, review=review, stage=stage.key, values=recorded)


def _check_progress(review: Review, checks: list[tuple], demo: Demo) -> None:
    chair = demo.staff[review.partnership.slug, roles.SILG_CHAIR]
    for checked_on, findings in checks:
        review_services.progress_check_record(
            actor=chair, review=review, checked_on=checked_on, findings=findings
        )
        demo.created("progress checks")


def incident_plan(data: dict, days: WorkingDays, today: datetime.date) -> tuple[dict, list]:
    """What an incident's stages record, and its progress checks (date, findings), with
    each date counted in working days from the day of loading or from the decision
    (fixtures/demo.toml, "Serious incidents")."""
    anchors = {"today": today}
    if "local_review_due_in" in data:
        anchors["decision"] = decision_day(days, today, data["local_review_due_in"])

    def day(counted) -> datetime.date:
        anchor, n = next(iter(counted.items())) if isinstance(counted, dict) else ("today", counted)
        return working_days_from(days, anchors[anchor], n)

    values = {
        name: day(value) if isinstance(Review._meta.get_field(name), DateField) else value
        for name, value in data["journey"].items()
    }
    checks = [
        (day(check["checked_on"]), check["findings"]) for check in data.get("progress_checks", [])
    ]
    return values, checks


def decision_day(days: WorkingDays, today: datetime.date, due_in: int) -> datetime.date:
    """The latest working day on which deciding to hold a local review puts its deadline
    (reviews.journey: LOCAL_REVIEW_MONTHS later, on a working day) at most `due_in` working
    days after `today`."""
    deadline = journey.BY_KEY["local_review"].due
    day = working_days_from(days, today, due_in) - relativedelta(
        months=settings.LOCAL_REVIEW_MONTHS
    )
    day += datetime.timedelta(days=14)  # past it, to walk back from
    while True:
        day -= datetime.timedelta(days=1)
        due = deadline(Review(decided_on=day), days)
        if days.is_working_day(day) and days.between(today, due) <= due_in:
            return day


# Learning activities (learning) ------------------------------------------------------


def _learning_activity(data: dict, demo: Demo) -> None:
    """Record an activity of the annual report's Workforce Development through the service,
    as the partnership's demo team, unless it is there already."""
    data = dict(data)
    partnership = demo.partnerships[data.pop("partnership")]
    key = {"partnership": partnership, "title": data["title"], "held_on": data["held_on"]}
    if LearningActivity.objects.filter(**key).exists():
        return
    answers = [
        Recommendation.objects.get(
            partnership=partnership, review__title=item["review"], number=item["number"]
        )
        for item in data.pop("recommendations", [])
    ]
    if "average_score" in data:
        data["average_score"] = Decimal(str(data["average_score"]))
    learning_services.learning_activity_save(
        actor=demo.staff[partnership.slug, roles.PARTNERSHIP_TEAM],
        partnership=partnership,
        recommendations=answers,
        **data,
    )
    demo.created("learning activities")


def _impact_check(data: dict, demo: Demo) -> None:
    """A closed recommendation's impact checked by the team, and the SILG chair's decision,
    through the services, unless it is there already."""
    partnership = demo.partnerships[data["partnership"]]
    recommendation = Recommendation.objects.get(
        partnership=partnership, review__title=data["review"], number=data["number"]
    )
    if recommendation.impact_checks.exists():
        return
    check = review_services.impact_check_record(
        actor=demo.staff[partnership.slug, roles.PARTNERSHIP_TEAM],
        recommendation=recommendation,
        method=data["method"],
        findings=data["findings"],
        learning_activities=LearningActivity.objects.filter(
            partnership=partnership, title__in=data.get("learning_activities", [])
        ),
    )
    if "outcome" in data:
        review_services.impact_decide(
            actor=demo.staff[partnership.slug, roles.SILG_CHAIR],
            impact_check=check,
            outcome=data["outcome"],
            decision_comment=data.get("comment", ""),
        )
    demo.created("impact checks")


def demo_counts() -> dict[str, int]:
    """Row counts of everything the demo creates, to show that a second load adds nothing."""
    models = [
        Partnership, Agency, Theme, User, Membership, Review, Recommendation, Action,
        ProgressUpdate, Evidence, SignOffDecision, ExtensionRequest, ProgressCheck,
        LearningActivity, ImpactCheck,
    ]  # fmt: skip
    return {model._meta.verbose_name_plural: model.objects.count() for model in models}
