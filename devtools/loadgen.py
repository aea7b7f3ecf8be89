"""
Synthetic data at national scale, for the benchmark: `manage.py generate_load`.

Deterministic for a given number of actions, seed and "today": agencies and their
staff, reviews, recommendations (some closed), actions in every status with their
progress updates, evidence metadata (no files), sign-off decisions and extension
requests — each with the history rows the application would have written, all
sealed into the audit chain. Everything is written with bulk inserts, a few
thousand rows at a time, so memory stays flat however many actions are asked for.
"""

import datetime
import functools
import hashlib
import math
import random
from collections import Counter
from contextlib import contextmanager

from django.contrib.auth.models import Group
from django.db import connection, reset_queries, transaction
from django.utils import timezone

from actions.models import Action
from audits.bulk import copy_in
from audits.records import link_accessors
from audits.sealing import seal_written_in_bulk
from devtools import stories
from reviews import services as review_services
from reviews.models import Recommendation, Review, Theme
from sscp import roles
from sscp.models import Agency, Sector, User

USERNAME_PREFIX = "load-"
BATCH = 5000
ACTIONS_PER_AGENCY = 2000
ACTIONS_PER_REVIEW = 40
RECOMMENDATIONS_PER_REVIEW = 10
LEADS_PER_AGENCY = 3
FINISHED_REVIEWS = 0.2  # of reviews over 400 days old, the share whose every action is closed

Status = Action.Status
OPEN_STATUS_WEIGHTS = {
    Status.NOT_STARTED: 20,
    Status.IN_PROGRESS: 55,
    Status.SUBMITTED: 8,
    Status.COMPLETED: 14,
    Status.SUPERSEDED: 3,
}
WORDS = [
    "audit",
    "plan",
    "chronology",
    "training",
    "briefing",
    "supervision",
    "toolkit",
    "protocol",
    "strategy",
    "neglect",
    "exploitation",
    "domestic",
    "abuse",
    "voice",
    "of",
    "the",
    "child",
    "information",
    "sharing",
    "early",
    "help",
    "thresholds",
    "safeguarding",
    "partnership",
    "agency",
    "practitioners",
    "review",
    "assurance",
    "escalation",
    "health",
    "visiting",
    "school",
    "nursing",
    "police",
    "referral",
    "assessment",
]
FIRST_NAMES = [
    "Amira",
    "Ben",
    "Chloe",
    "Dev",
    "Ellen",
    "Femi",
    "Grace",
    "Hamid",
    "Isla",
    "Jon",
    "Kiran",
    "Leah",
    "Musa",
    "Nia",
    "Owen",
]
LAST_NAMES = [
    "Ahmed",
    "Brown",
    "Clarke",
    "Davies",
    "Evans",
    "Forde",
    "Green",
    "Hughes",
    "Iqbal",
    "Jones",
    "Khan",
    "Lewis",
]


@functools.cache
def history_model_of(model):
    return model.history.model  # the descriptor builds a manager each time it is read


class LoadExists(Exception):
    """The database already holds generated data."""


@contextmanager
def given_timestamps(*models):
    """Let bulk inserts keep the creation times given, instead of stamping the present."""
    fields = [f for model in models for f in model._meta.fields if getattr(f, "auto_now_add", 0)]
    for f in fields:
        f.auto_now_add = False
    try:
        yield
    finally:
        for f in fields:
            f.auto_now_add = True


class LoadGenerator:
    def __init__(self, *, actions: int, seed: int = 1, today: datetime.date | None = None):
        self.total = actions
        self.random = random.Random(seed)
        self.today = today or timezone.localdate()
        self.now = timezone.make_aware(datetime.datetime.combine(self.today, datetime.time(9)))
        self.counts = Counter()

    def run(self) -> Counter:
        if User.objects.filter(username__startswith=USERNAME_PREFIX).exists():
            raise LoadExists(
                "This database already holds generated data; generate into a fresh database."
            )
        with transaction.atomic(), given_timestamps(Review, Recommendation, Action):
            self.system_user = User.objects.get(username="system")
            self.people()
            self.themes = list(Theme.objects.all()) or self.themes_of_our_own()
            self.reviews()
            self.recommendations()
            for start in range(0, self.total, BATCH):
                self.actions(range(start, min(start + BATCH, self.total)))
        self.counts["audit records"] = seal_written_in_bulk()
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                # The planner's statistics and the visibility map for the rows just written, as
                # autovacuum would leave them: index-only scans then skip the table itself.
                # VACUUM cannot run inside a transaction (a test's): there, statistics only.
                cursor.execute("ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE")
        return self.counts

    # Helpers ------------------------------------------------------------------

    def words(self, count: int) -> str:
        return " ".join(self.random.choice(WORDS) for _ in range(count)).capitalize() + "."

    def days_ago(self, low: int, high: int) -> datetime.datetime:
        return self.now - datetime.timedelta(
            days=self.random.randint(low, high), minutes=self.random.randint(0, 480)
        )

    def between(self, start, end, count: int) -> list[datetime.datetime]:
        """`count` moments, in order, between `start` and `end`."""
        span = (end - start).total_seconds()
        return sorted(
            start + datetime.timedelta(seconds=self.random.uniform(0, span)) for _ in range(count)
        )

    def history_row(self, obj, *, when, user_id, change="+", reason="", then=None):
        """The history row the application wrote when it saved `obj`.

        As `obj` stands now, or as it stood then: `then` holds the values that
        have changed since.
        """
        history_model = history_model_of(type(obj))
        values = {f.attname: getattr(obj, f.attname) for f in history_model.tracked_fields}
        return history_model(
            **(values | (then or {})),
            history_date=when,
            history_type=change,
            history_user_id=user_id,
            history_change_reason=reason,
        )

    def create(self, objects) -> list:
        """Insert records, returning them with their primary keys."""
        if not objects:
            return []
        model = type(objects[0])
        created = model._default_manager.bulk_create(objects, batch_size=BATCH)
        reset_queries()  # with DEBUG on, Django would keep the SQL of every large insert
        self.counts[
            "history rows"
            if hasattr(model, "instance_type")
            else str(model._meta.verbose_name_plural)
        ] += len(created)
        return created

    def record_history(self, history_rows):
        self.counts["history rows"] += copy_in(history_rows)

    def insert_history_with_links(self, history_rows, links_of):
        """History rows of a model with many-to-many fields, and the links each row keeps.

        `links_of(row, field_name)` gives the through-model rows linked when the row was written.
        """
        rows = self.create(history_rows)
        if not rows:
            return
        history_model = type(rows[0])
        for name in link_accessors(history_model):
            link_model = getattr(history_model, name).model
            columns = [
                f.attname
                for f in getattr(history_model.instance_type, name).through._meta.concrete_fields
            ]
            link_model._default_manager.bulk_create(
                [
                    link_model(history_id=row.history_id, **{c: getattr(link, c) for c in columns})
                    for row in rows
                    for link in links_of(row, name)
                ],
                batch_size=BATCH,
            )

    # People -------------------------------------------------------------------

    def person(self, username: str, **fields) -> User:
        user = User(
            username=f"{USERNAME_PREFIX}{username}",
            first_name=self.random.choice(FIRST_NAMES),
            last_name=self.random.choice(LAST_NAMES),
            email=f"{username}@load.example",
            **fields,
        )
        user.set_unusable_password()
        return user

    def people(self):
        count = max(13, math.ceil(self.total / ACTIONS_PER_AGENCY))
        self.agencies = self.create(
            [
                Agency(
                    name=f"Load agency {n:04d}",
                    short_name=f"Load {n:04d}",
                    sector=self.random.choice(Sector.values),
                )
                for n in range(count)
            ]
        )
        staff = {
            roles.AGENCY_LEAD: [
                self.person(f"lead-{n:04d}-{k}", agency=agency)
                for n, agency in enumerate(self.agencies)
                for k in range(LEADS_PER_AGENCY)
            ],
            roles.PARTNERSHIP_TEAM: [self.person(f"partnership-{k}") for k in range(3)],
            roles.SILG_CHAIR: [self.person(f"chair-{k}") for k in range(2)],
        }
        users = self.create([user for people in staff.values() for user in people])
        joined = self.days_ago(2000, 2500)
        for records in (self.agencies, users):
            self.record_history(
                [self.history_row(r, when=joined, user_id=self.system_user.pk) for r in records]
            )
        memberships = [
            User.groups.through(user_id=user.pk, group_id=Group.objects.get(name=role).pk)
            for role, people in staff.items()
            for user in people
        ]
        User.groups.through.objects.bulk_create(memberships, batch_size=BATCH)
        self.leads = {}
        for lead in staff[roles.AGENCY_LEAD]:
            self.leads.setdefault(lead.agency_id, []).append(lead.pk)
        self.partnership = [u.pk for u in staff[roles.PARTNERSHIP_TEAM]]
        self.chairs = [u.pk for u in staff[roles.SILG_CHAIR]]

    def themes_of_our_own(self) -> list[Theme]:
        themes = self.create([Theme(name=f"Load theme {n}") for n in range(12)])
        when = self.days_ago(2000, 2500)
        self.record_history(
            [self.history_row(t, when=when, user_id=self.system_user.pk) for t in themes]
        )
        return themes

    # Reviews and recommendations ----------------------------------------------

    def links(self, through, owner_column: str, target_column: str, targets: dict) -> dict:
        """Insert many-to-many links; return them by owner."""
        created = through.objects.bulk_create(
            [
                through(**{owner_column: owner, target_column: target})
                for owner, target_ids in targets.items()
                for target in target_ids
            ],
            batch_size=BATCH,
        )
        by_owner = {}
        for link in created:
            by_owner.setdefault(getattr(link, owner_column), []).append(link)
        return by_owner

    def reviews(self):
        count = max(1, math.ceil(self.total / ACTIONS_PER_REVIEW))
        reviews = []
        for n in range(count):
            published = self.today - datetime.timedelta(days=self.random.randint(60, 6 * 365))
            reviews.append(
                Review(
                    title=f"Load review {n:05d}",
                    kind=self.random.choice(Review.Kind.values),
                    summary=self.words(30),
                    commissioned_on=published
                    - datetime.timedelta(days=self.random.randint(90, 500)),
                    published_on=published,
                    created_at=self.now - (self.today - published),
                )
            )
        self.review_list = self.create(reviews)
        self.finished_reviews = {
            r.pk
            for r in self.review_list
            if (self.today - r.published_on).days > 400 and self.random.random() < FINISHED_REVIEWS
        }
        themes = {
            r.pk: [
                t.pk
                for t in self.random.sample(
                    self.themes, k=min(len(self.themes), self.random.randint(1, 3))
                )
            ]
            for r in self.review_list
        }
        links = self.links(Review.themes.through, "review_id", "theme_id", themes)
        self.insert_history_with_links(
            [
                self.history_row(
                    r,
                    when=r.created_at,
                    user_id=self.random.choice(self.partnership),
                    reason=review_services.REVIEW_LOGGED,
                )
                for r in self.review_list
            ],
            lambda row, name: links[row.id],
        )

    def recommendations(self):
        recommendations = []
        for review in self.review_list:
            for number in range(1, RECOMMENDATIONS_PER_REVIEW + 1):
                recommendation = Recommendation(
                    review_id=review.pk,
                    number=number,
                    text=self.words(18),
                    created_at=review.created_at,
                )
                if review.pk in self.finished_reviews:
                    # Closed after the last of its actions was approved.
                    age = (self.today - review.published_on).days
                    recommendation.closed_at = self.days_ago(1, age - 300)
                    recommendation.closed_by_id = self.random.choice(self.chairs)
                    recommendation.impact_statement = self.words(20)
                recommendations.append(recommendation)
        self.recommendation_list = self.create(recommendations)
        owners = {
            r.pk: [a.pk for a in self.random.sample(self.agencies, k=self.random.randint(1, 3))]
            for r in self.recommendation_list
        }
        themes = {r.pk: [self.random.choice(self.themes).pk] for r in self.recommendation_list}
        links = {
            "agencies": self.links(
                Recommendation.agencies.through, "recommendation_id", "agency_id", owners
            ),
            "themes": self.links(
                Recommendation.themes.through, "recommendation_id", "theme_id", themes
            ),
        }
        self.owners = owners
        history = []
        for r in self.recommendation_list:
            history.append(
                self.history_row(
                    r,
                    when=r.created_at,
                    user_id=self.random.choice(self.partnership),
                    reason=review_services.RECOMMENDATION_LOGGED,
                    then={"closed_at": None, "closed_by_id": None, "impact_statement": ""},
                )
            )
            if r.closed_at:
                history.append(
                    self.history_row(
                        r,
                        when=r.closed_at,
                        user_id=r.closed_by_id,
                        change="~",
                        reason=review_services.RECOMMENDATION_CLOSED,
                    )
                )
        self.insert_history_with_links(history, lambda row, name: links[name][row.id])

    # Actions and the work on them ---------------------------------------------

    def actions(self, numbers: range):
        stories = [self.action_story(n) for n in numbers]
        self.write([(story.action, story.versions) for story in stories])
        self.write([child for story in stories for child in story.children])

    def write(self, stories):
        """Insert records, model by model, then the history rows of each version of them.

        A story is a record as it stands now and its versions: (change, when, who,
        reason, the values it had then).
        """
        by_model = {}
        for obj, versions in stories:
            by_model.setdefault(type(obj), []).append((obj, versions))
        for model_stories in by_model.values():
            self.create([obj for obj, _ in model_stories])
            self.record_history(
                [
                    self.history_row(
                        obj, change=change, when=when, user_id=who, reason=why, then=then
                    )
                    for obj, versions in model_stories
                    for change, when, who, why, then in versions
                ]
            )

    def action_story(self, n: int) -> stories.Story:
        """An action taken to its status by the lifecycle's steps (devtools.stories)."""
        recommendation = self.recommendation_list[n % len(self.recommendation_list)]
        agency = self.random.choice(self.owners[recommendation.pk])
        owner = self.random.choice(self.leads[agency]) if self.random.random() < 0.7 else None
        status, created, moments = self.timing(recommendation)
        due = created.date() + datetime.timedelta(days=self.random.randint(60, 540))
        action = Action(
            recommendation_id=recommendation.pk,
            agency_id=agency,
            owner_id=owner,
            title=self.words(6)[:-1],
            description=self.words(25),
            success_measure=self.words(12),
            original_due_date=due,
            due_date=due,
            created_at=created,
        )
        story = stories.plan(action, when=created, who=self.random.choice(self.partnership))
        people = (owner or self.leads[agency][0], self.random.choice(self.chairs))
        if self.random.random() < 0.1:
            self.extension(story, status, moments, people)
        if status != Status.NOT_STARTED:
            self.work(story, status, moments, people, n)
        return story

    def timing(self, recommendation):
        """An action's status, when it was planned, and the moments of its steps."""
        if recommendation.closed_at:
            status = Status.COMPLETED if self.random.random() < 0.9 else Status.SUPERSEDED
            created = recommendation.created_at + datetime.timedelta(
                days=self.random.randint(1, 30)
            )
            return status, created, iter(self.between(created, recommendation.closed_at, 6))
        status = self.random.choices(list(OPEN_STATUS_WEIGHTS), OPEN_STATUS_WEIGHTS.values())[0]
        created = max(
            recommendation.created_at + datetime.timedelta(days=1), self.days_ago(10, 600)
        )
        return status, created, iter(self.between(created, self.now, 6))

    def extension(self, story, status, moments, people) -> None:
        """An extension request: left waiting on an open action, or decided."""
        lead, chair = people
        asked = stories.ask_extension(
            story, when=next(moments), who=lead, reason=self.words(12), days=90
        )
        if status in Action.OPEN_STATUSES and self.random.random() < 0.4:
            return
        stories.decide_extension(
            story,
            asked,
            when=next(moments),
            who=chair,
            granted=self.random.random() < 0.5,
            comment=self.words(8),
        )

    def work(self, story, status, moments, people, n: int) -> None:
        """The agency's work and the SILG chair's decisions that bring it to `status`."""
        lead, chair = people
        stories.post_progress(story, when=next(moments), who=lead, text=self.words(30))
        returned = status == Status.IN_PROGRESS and self.random.random() < 0.1
        if status in (Status.SUBMITTED, Status.COMPLETED) or returned:
            when = next(moments)
            name = f"{self.words(2)[:-1].lower().replace(' ', '-')}.pdf"
            stories.upload_evidence(
                story,
                when=when,
                who=lead,
                name=name,
                size=self.random.randint(20_000, 2_000_000),
                sha256=hashlib.sha256(f"{n}".encode()).hexdigest(),
                what=self.words(8),
            )
            stories.submit(story, when=when, who=lead, statement=self.words(20))
        if returned:
            stories.return_to_agency(story, when=next(moments), who=chair, comment=self.words(10))
        elif status == Status.COMPLETED:
            stories.approve(story, when=next(moments), who=chair)
        elif status == Status.SUPERSEDED:
            stories.supersede(
                story, when=next(moments), who=chair, reason="Replaced by a later action."
            )
