"""
An action's story for the load generator: the versions it went through and the
records of its own (progress, evidence, decisions, extension requests), each change
made by the lifecycle's own functions (actions.lifecycle) with the services'
reasons, in the services' order. Nothing is saved here: the load generator writes
the stories in bulk.

tests/devtools/test_stories.py takes a few actions through the services and
through these steps and checks their histories have the same shape.
"""

import datetime
import functools
from dataclasses import dataclass, field

from actions import lifecycle
from actions.models import Action, Evidence, ExtensionRequest, ProgressUpdate, SignOffDecision
from sscp.models import User

Outcome = SignOffDecision.Outcome


@functools.cache
def tracked_fields(model) -> tuple[str, ...]:
    """The values a history row keeps, but the record's id and its action's, which are
    known only once the records are written (the load generator fills them in then)."""
    unknown = {model._meta.pk.attname, "action_id"}
    return tuple(f.attname for f in model.history.model.tracked_fields if f.attname not in unknown)


def snapshot(obj) -> dict:
    """A record's values as a history row keeps them, now."""
    return {name: getattr(obj, name) for name in tracked_fields(type(obj))}


@dataclass
class Story:
    """An action, its versions — (change, when, who, reason, values) — and its records'."""

    action: Action
    versions: list = field(default_factory=list)
    children: list = field(default_factory=list)  # (record, its versions)

    def change(self, when, who: int, reason: str | None) -> None:
        if reason:  # None: the step changed nothing of the action itself
            self.versions.append(("~", when, who, reason, snapshot(self.action)))

    def record(self, obj, when, who: int, reason: str) -> list:
        """A record of the action's own, created; its versions, to add later ones to."""
        obj.action = self.action
        obj.take_from(self.action)
        versions = [("+", when, who, reason, snapshot(obj))]
        self.children.append((obj, versions))
        return versions


def plan(action: Action, *, when, who: int) -> Story:
    action.status = Action.Status.NOT_STARTED
    return Story(action, [("+", when, who, lifecycle.PLANNED, snapshot(action))])


def ask_extension(story: Story, *, when, who: int, reason: str, days: int) -> tuple:
    action = story.action
    request = ExtensionRequest(
        requested_by_id=who,
        requested_at=when,
        due_date_at_request=action.due_date,
        requested_due_date=action.due_date + datetime.timedelta(days=days),
        reason=reason,
    )
    return request, story.record(request, when, who, lifecycle.EXTENSION_REQUESTED)


def decide_extension(story: Story, asked: tuple, *, when, who: int, granted: bool, comment: str):
    request, versions = asked
    request.status = (
        ExtensionRequest.Status.GRANTED if granted else ExtensionRequest.Status.DECLINED
    )
    request.decided_by_id, request.decided_at, request.decision_comment = who, when, comment
    if granted:  # the services' order: the request decided, then the due date moved
        versions.append(("~", when, who, lifecycle.extension_decided("Granted"), snapshot(request)))
        due_date = request.requested_due_date
        moved = lifecycle.move_due_date(story.action, due_date=due_date, why="Extension granted")
        story.change(when, who, f"{moved}: {request.reason}")
    else:
        versions.append(
            ("~", when, who, lifecycle.extension_decided("Declined"), snapshot(request))
        )


def post_progress(story: Story, *, when, who: int, text: str) -> None:
    update = ProgressUpdate(author_id=who, text=text, created_at=when)
    story.record(update, when, who, lifecycle.PROGRESS_POSTED)
    story.change(when, who, lifecycle.start(story.action, by="progress posted"))


def upload_evidence(story: Story, *, when, who: int, name: str, size: int, sha256: str, what: str):
    evidence = Evidence(
        file=f"load/{story.action.recommendation_id}/{name}",
        original_name=name,
        description=what,
        content_type="application/pdf",
        size=size,
        sha256=sha256,
        uploaded_by_id=who,
        uploaded_at=when,
    )
    story.record(evidence, when, who, lifecycle.EVIDENCE_UPLOADED)
    story.change(when, who, lifecycle.start(story.action, by="evidence uploaded"))


def submit(story: Story, *, when, who: int, statement: str) -> None:
    story.change(when, who, lifecycle.submit(story.action, now=when, statement=statement))


def _decision(story: Story, outcome, *, when, who: int, comment: str = "") -> None:
    decision = SignOffDecision(outcome=outcome, comment=comment, decided_by_id=who, decided_at=when)
    story.record(decision, when, who, lifecycle.decided(outcome.label))


def approve(story: Story, *, when, who: int) -> None:
    story.change(when, who, lifecycle.approve(story.action, actor=User(pk=who), now=when))
    _decision(story, Outcome.APPROVED, when=when, who=who)


def return_to_agency(story: Story, *, when, who: int, comment: str) -> None:
    story.change(when, who, lifecycle.return_to_agency(story.action, now=when, comment=comment))
    _decision(story, Outcome.RETURNED, when=when, who=who, comment=comment)


def supersede(story: Story, *, when, who: int, reason: str) -> None:
    story.change(when, who, lifecycle.supersede(story.action, reason=reason))
    _decision(story, Outcome.SUPERSEDED, when=when, who=who, comment=reason)
