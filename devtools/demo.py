"""
Demo data from `fixtures/demo.toml`, loaded through the app's own services.

Loading is idempotent: agencies, themes, users, reviews, recommendations and
actions are found by their natural keys, and only what is missing is created, so
a second run changes nothing.
"""

import datetime
import tomllib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.files import File
from django.db import transaction
from django.utils import timezone

from actions import services as action_services
from actions.models import Action, Evidence, ExtensionRequest, ProgressUpdate, SignOffDecision
from audits.history import acting_as, save_tracked
from reviews import services as review_services
from reviews.models import Recommendation, Review, Theme
from sscp.models import Agency, User

FIXTURES_DIR = Path(settings.BASE_DIR) / "fixtures"
DEMO_FILE = FIXTURES_DIR / "demo.toml"
EVIDENCE_DIR = FIXTURES_DIR / "evidence"


@dataclass
class DemoLoad:
    created: Counter = field(default_factory=Counter)


def load_demo(*, password: str, today: datetime.date | None = None) -> DemoLoad:
    """Create whatever part of the demo data is missing. Returns what was created."""
    data = tomllib.loads(DEMO_FILE.read_text())
    today = today or timezone.localdate()
    result = DemoLoad()
    with transaction.atomic():
        agencies = {a["short_name"]: _agency(a, result) for a in data["agencies"]}
        themes = {t["name"]: _theme(t, result) for t in data["themes"]}
        users = {u["username"]: _user(u, agencies, password, result) for u in data["users"]}
        with acting_as(users["partnership"]):
            for review_data in data["reviews"]:
                _review(review_data, agencies, themes, users, today, result)
    return result


def _agency(data: dict, result: DemoLoad) -> Agency:
    agency = Agency.objects.filter(name=data["name"]).first()
    if agency is None:
        agency = save_tracked(Agency(**data), actor=None, reason="Demo data loaded")
        result.created["agencies"] += 1
    return agency


def _theme(data: dict, result: DemoLoad) -> Theme:
    theme = Theme.objects.filter(name=data["name"]).first()
    if theme is None:
        theme = save_tracked(Theme(**data), actor=None, reason="Demo data loaded")
        result.created["themes"] += 1
    return theme


def _user(data: dict, agencies: dict, password: str, result: DemoLoad) -> User:
    user = User.objects.filter(username=data["username"]).first()
    if user is None:
        user = User(
            username=data["username"],
            first_name=data["first_name"],
            last_name=data["last_name"],
            email=f"{data['username']}@example.org",
            agency=agencies.get(data.get("agency")),
            is_staff=data.get("operator", False),
            is_superuser=data.get("operator", False),
        )
        user.set_password(password)
        save_tracked(user, actor=None, reason="Demo user created")
        if "role" in data:
            user.groups.add(Group.objects.get(name=data["role"]))
        result.created["users"] += 1
    return user


def _review(data, agencies, themes, users, today, result) -> None:
    review = Review.objects.filter(title=data["title"]).first()
    if review is None:
        review = review_services.review_save(
            actor=users["partnership"],
            title=data["title"],
            kind=data["kind"],
            summary=data.get("summary", ""),
            commissioned_on=data.get("commissioned_on"),
            published_on=data.get("published_on"),
            themes=[themes[name] for name in data.get("themes", [])],
        )
        result.created["reviews"] += 1
    for rec_data in data.get("recommendations", []):
        _recommendation(review, rec_data, agencies, themes, users, today, result)


def _recommendation(review, data, agencies, themes, users, today, result) -> None:
    recommendation = Recommendation.objects.filter(review=review, number=data["number"]).first()
    if recommendation is None:
        recommendation = review_services.recommendation_save(
            actor=users["partnership"],
            review=review,
            number=data["number"],
            text=data["text"],
            themes=[themes[name] for name in data.get("themes", [])],
            agencies=[agencies[name] for name in data.get("agencies", [])],
        )
        result.created["recommendations"] += 1
    for action_data in data.get("actions", []):
        _action(recommendation, action_data, agencies, users, today, result)
    if "close_with" in data and not recommendation.is_closed:
        review_services.recommendation_close(
            actor=users["silg-chair"],
            recommendation=recommendation,
            impact_statement=data["close_with"],
        )


def _action(recommendation, data, agencies, users, today, result) -> None:
    if Action.objects.filter(recommendation=recommendation, title=data["title"]).exists():
        return
    agency_lead = users[data["owner"]]
    action = action_services.action_create(
        actor=users["partnership"],
        recommendation=recommendation,
        agency=agencies[data["agency"]],
        owner=agency_lead,
        title=data["title"],
        description=data["description"],
        success_measure=data["success_measure"],
        due_date=today + datetime.timedelta(days=data["due_in_days"]),
    )
    result.created["actions"] += 1
    _play_scenario(action, data, agency_lead, users["silg-chair"], today)


def _play_scenario(action, data, agency_lead, chair, today) -> None:
    """Take the action to its demo state through the same steps a person would."""
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
    elif state == "in_progress" and not data.get("progress") and not data.get("evidence"):
        action_services.progress_post(
            actor=agency_lead, action=action, text="Work has started; a first update will follow."
        )


def demo_counts() -> dict[str, int]:
    """Row counts of everything the demo creates, to show that a second load adds nothing."""
    models = [
        Agency, Theme, User, Review, Recommendation, Action,
        ProgressUpdate, Evidence, SignOffDecision, ExtensionRequest,
    ]  # fmt: skip
    return {model._meta.verbose_name_plural: model.objects.count() for model in models}
