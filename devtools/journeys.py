"""
Serious incidents' journeys for the load generator (reviews.journey): a review taken as
far as a stage of its journey, as the partnership's people would have recorded it.

A journey's story is the review as each recording left it — (change, when, who, reason,
values), with the services' own reasons in the services' order
(reviews.services.incident_record, journey_record, progress_check_record) — and its
progress checks with theirs. Its dates are placed in working days (sscp.working_days)
back from the day the load is generated as of, a few of them late, so the load holds
reviews at every stage, due, due soon and overdue. Nothing is saved here: the load
generator writes the stories in bulk.

tests/devtools/test_stories.py takes journeys to each stage through these steps and
through the services, and checks they leave the same history rows, value for value.
"""

import datetime
import functools
import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils import timezone

from reviews import journey
from reviews import services as review_services
from reviews.models import ProgressCheck, Review
from sscp.working_days import WorkingDays

# How far a journey has got: every stage, and both decisions.
INCIDENT_ONLY = "serious incident recorded"
NOTIFIED = "notified"
RAPID_REVIEW_SENT = "rapid review sent"
NO_LOCAL_REVIEW = "decided: no local review"
LOCAL_REVIEW_DECIDED = "decided: a local review"
LOCAL_REVIEW_RUNNING = "local review commissioned"
LOCAL_REVIEW_COMPLETED = "local review completed"
REPORT_SENT = "final report sent"
PUBLISHED = "published"
ENDS = (
    INCIDENT_ONLY, NOTIFIED, RAPID_REVIEW_SENT, NO_LOCAL_REVIEW, LOCAL_REVIEW_DECIDED,
    LOCAL_REVIEW_RUNNING, LOCAL_REVIEW_COMPLETED, REPORT_SENT, PUBLISHED,
)  # fmt: skip
# Working days since the last step, by how far the journey has got: short where the next
# deadline is near, so that some are due soon and some are late; long once it is over.
SINCE = {
    INCIDENT_ONLY: (0, 7),
    NOTIFIED: (0, 4),
    RAPID_REVIEW_SENT: (0, 3),
    NO_LOCAL_REVIEW: (0, 250),
    LOCAL_REVIEW_DECIDED: (0, 10),
    LOCAL_REVIEW_RUNNING: (0, 40),
    LOCAL_REVIEW_COMPLETED: (0, 10),
    REPORT_SENT: (0, 6),
    PUBLISHED: (0, 250),
}
# After the progress checks: (the journey's end it is reached by, the step, its gap).
LATER_STEPS = [
    (LOCAL_REVIEW_COMPLETED, "local review completed", (10, 40)),
    (REPORT_SENT, "final report received", (0, 10)),
    (REPORT_SENT, "final report sent", (1, 10)),
    (PUBLISHED, "published", (7, 30)),
]
PROGRESS_CHECKED = review_services.PROGRESS_CHECKED


def working_days_from(days: WorkingDays, day: datetime.date, n: int) -> datetime.date:
    """The `n`th working day after `day`, or before it when `n` is negative."""
    if n >= 0:
        return days.add(day, n)
    while n < 0:
        day -= datetime.timedelta(days=1)
        n += days.is_working_day(day)
    return day


@functools.cache
def tracked_fields(model) -> tuple[str, ...]:
    """The values a history row keeps, but the record's id and its review's, which are
    known only once the records are written (the load generator fills them in then)."""
    unknown = {model._meta.pk.attname, "review_id"}
    return tuple(f.attname for f in model.history.model.tracked_fields if f.attname not in unknown)


def snapshot(obj) -> dict:
    return {name: getattr(obj, name) for name in tracked_fields(type(obj))}


@dataclass
class JourneyStory:
    """A review, its versions — (change, when, who, reason, values) — and its progress
    checks with theirs."""

    review: Review
    versions: list = field(default_factory=list)
    children: list = field(default_factory=list)  # (progress check, its versions)


def incident(review: Review, *, when, who: int) -> JourneyStory:
    """incident_record: a rapid review named by the child's pseudonym."""
    review.kind = Review.Kind.RAPID_REVIEW
    review.title = review.child_pseudonym
    review.created_at = when
    return JourneyStory(
        review, [("+", when, who, review_services.INCIDENT_RECORDED, snapshot(review))]
    )


def record_stage(story: JourneyStory, key: str, values: dict, *, when, who: int) -> None:
    """journey_record: every field of the stage set, those not given emptied."""
    stage, review = journey.BY_KEY[key], story.review
    for name in stage.fields:
        empty = None if Review._meta.get_field(name).null else ""
        setattr(review, name, values.get(name, empty))
    if values.get("decision") == Review.Decision.LOCAL_REVIEW:
        review.kind = Review.Kind.PRACTICE_REVIEW
    story.versions.append(("~", when, who, f"{stage.label} recorded", snapshot(review)))


def check_progress(story: JourneyStory, *, checked_on, findings: str, when, who: int) -> None:
    """progress_check_record, by the SILG."""
    check = ProgressCheck(
        partnership_id=story.review.partnership_id,
        checked_on=checked_on,
        findings=findings,
        recorded_by_id=who,
    )
    check.review = story.review
    story.children.append((check, [("+", when, who, PROGRESS_CHECKED, snapshot(check))]))


class JourneyPlanner:
    """Journeys to each of ENDS, deterministic for its random numbers and day."""

    def __init__(self, rng: random.Random, today: datetime.date, words: Callable[[int], str]):
        self.random, self.today, self.words = rng, today, words
        self.days = WorkingDays()  # generated partnerships have no closure days
        self.named = Counter()  # partnership id → incidents so far
        self.last = None  # when the journey's last step was recorded

    def story(self, partnership_id: int, end: str, team: list[int], chairs: list[int]):
        """A review of `partnership_id` taken to `end`, recorded by its team and chairs."""
        steps = self.steps(end)
        dates = self.dates([gap for _, gap in steps], self.gap(*SINCE[end]))
        self.last = None
        on = dict(zip((name for name, _ in steps), dates, strict=True))
        review = Review(
            partnership_id=partnership_id,
            child_pseudonym=self.pseudonym(partnership_id),
            became_aware_on=on["aware"],
            summary=self.words(20),
        )
        story = incident(review, when=self.moment(on["aware"]), who=self.random.choice(team))
        self.record(story, end, on, lambda: self.random.choice(team), self.random.choice(chairs))
        return story

    def steps(self, end: str) -> list[tuple[str, int]]:
        """Each step up to `end` and the working days since the one before, some late."""
        reach = ENDS.index(end)
        steps = [("aware", 0)]
        if reach >= ENDS.index(NOTIFIED):
            steps.append(("notified", self.gap(1, 5, late=(6, 9), odds=0.2)))
        if reach >= ENDS.index(RAPID_REVIEW_SENT):
            steps += [
                ("rapid review started", self.gap(0, 3)),
                ("rapid review completed", self.gap(6, 12, late=(13, 20), odds=0.15)),
                ("rapid review sent", self.gap(0, 2)),
            ]
        if reach >= ENDS.index(NO_LOCAL_REVIEW) and self.random.random() < 0.8:
            steps.append(("panel response", self.gap(5, 15)))
        if reach >= ENDS.index(LOCAL_REVIEW_RUNNING):
            steps.append(("commissioned", self.gap(10, 30)))
            checks = self.random.randint(1, 3)
            steps += [(f"progress check {n}", self.gap(28, 32)) for n in range(checks)]
        for at, name, gap in LATER_STEPS:
            if reach >= ENDS.index(at):
                steps.append((name, self.gap(*gap)))
        return steps

    def gap(self, low: int, high: int, late=None, odds: float = 0.0) -> int:
        if late and self.random.random() < odds:
            return self.random.randint(*late)
        return self.random.randint(low, high)

    def dates(self, gaps: list[int], since: int) -> list[datetime.date]:
        """Working days `gaps` working days apart, the last `since` working days before
        today (or the last working day before it, on a day off)."""
        day = self.today
        while not self.days.is_working_day(day):
            day -= datetime.timedelta(days=1)
        day = working_days_from(self.days, day, -(sum(gaps) + since))
        dates = []
        for gap in gaps:
            day = self.days.add(day, gap)
            dates.append(day)
        return dates

    def pseudonym(self, partnership_id: int) -> str:
        n = self.named[partnership_id]
        self.named[partnership_id] += 1
        return f"Child {chr(ord('A') + n % 26)}{n // 26 or ''}"

    def moment(self, day: datetime.date) -> datetime.datetime:
        """When a step of `day` was recorded: in working hours, after the one before, and
        today before nine, when the load is generated as of."""
        hour, minutes = (8, 50) if day == self.today else (9, 480)
        start = datetime.datetime.combine(day, datetime.time(hour))
        when = timezone.make_aware(start) + datetime.timedelta(
            minutes=self.random.randint(0, minutes)
        )
        if self.last and when <= self.last:
            when = self.last + datetime.timedelta(minutes=1)
        self.last = when
        return when

    def record(self, story: JourneyStory, end: str, on: dict, team: Callable, chair: int):
        """Each stage recorded as the steps came: the rapid review when it started and
        when it was sent, the decision with it and again with the Panel's response, the
        local review when commissioned and when completed, with progress checks between.
        Each recording gives the whole stage, as the services are given it."""
        values = {}
        for name, day in on.items():
            if name.startswith("progress check"):
                when, findings = self.moment(day), self.words(15)
                check_progress(story, checked_on=day, findings=findings, when=when, who=chair)
            for key, recorded in self.recordings(name, day, on, end):
                values.update(recorded)
                chosen = {n: values[n] for n in journey.BY_KEY[key].fields if n in values}
                record_stage(story, key, chosen, when=self.moment(day), who=team())

    def recordings(self, name: str, day: datetime.date, on: dict, end: str) -> list[tuple]:
        """What a step records: (stage, the values it adds), in order."""
        if name == "notified":
            return [("notification", {"notified_on": day})]
        if name == "rapid review started":
            return [("rapid_review", {"rapid_review_started_on": day})]
        if name == "rapid review sent":
            completed = on["rapid review completed"]
            sent = {"rapid_review_completed_on": completed, "rapid_review_sent_on": day}
            if ENDS.index(end) < ENDS.index(NO_LOCAL_REVIEW):
                return [("rapid_review", sent)]
            return [("rapid_review", sent), ("decision", self.decision(end, completed))]
        if name == "panel response":
            agrees = self.random.random() < 0.85
            response = Review.Response.AGREES if agrees else Review.Response.DISAGREES
            return [("decision", {"panel_response": response, "panel_response_on": day})]
        if name == "commissioned":
            return [("local_review", self.commission(day))]
        field_of = {
            "local review completed": ("local_review", "local_review_completed_on"),
            "final report received": ("final_report", "final_report_received_on"),
            "final report sent": ("final_report", "final_report_sent_on"),
        }
        if name in field_of:
            key, date_field = field_of[name]
            return [(key, {date_field: day})]
        if name == "published":
            return [("publication", {"published_on": day, "published_url": self.address()})]
        return []  # became aware (the incident itself), the rapid review's completion

    def commission(self, day: datetime.date) -> dict:
        return {
            "local_review_commissioned_on": day,
            "reviewer": f"Load reviewer {self.random.randint(1, 300):03d}",
            "terms_of_reference": self.words(25),
        }

    def address(self) -> str:
        return f"https://example.org/load/reports/{self.random.randint(1, 10**6):06d}"

    def decision(self, end: str, day: datetime.date) -> dict:
        """Decided at the rapid review: a local review, or none."""
        local = end != NO_LOCAL_REVIEW
        return {
            "decision": Review.Decision.LOCAL_REVIEW if local else Review.Decision.NO_LOCAL_REVIEW,
            "decision_rationale": self.words(20),
            "decided_on": day,
        }
