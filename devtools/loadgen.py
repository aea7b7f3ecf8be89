"""
Synthetic data at national scale, for the benchmark: `manage.py generate_load`.

Deterministic for a given number of actions, seed, "today" and spread: partnerships
(about 140 for 100,000 actions, as in England), each with its partnership team, SILG
chairs and themes; agencies serving them — each partnership's own council, health
commissioner and schools, a police force, probation and an NHS trust for every few
partnerships side by side (as in HIPS), an ambulance service for a region, CAFCASS for
all — with their leads, a member of every partnership their agency serves; reviews
(a few commissioned jointly by neighbours), recommendations (some closed), actions in
every status with their progress updates, evidence metadata (no files), sign-off
decisions and extension requests; serious incidents' reviews at every stage of their
statutory journey, with their progress checks (devtools.journeys); learning activities
answering the recommendations, about one for every ten — each with the
history rows the application would have written, all sealed into the audit chain.
Everything is written with bulk inserts, a few thousand rows at a time, so memory stays
flat however many actions are asked for.

Actions are spread over the partnerships, a few hundred to a thousand each; with
`concentrated`, one partnership holds most of them (the benchmark's worst case).
"""

import datetime
import functools
import hashlib
import math
import random
from array import array
from collections import Counter
from contextlib import contextmanager
from decimal import Decimal

from django.db import connection, reset_queries, transaction
from django.utils import timezone

from actions import counts as kept_counts
from actions import reports
from actions.models import Action
from audits.bulk import copy_in
from audits.records import link_accessors
from audits.sealing import seal_written_in_bulk
from devtools import journeys, stories
from learning import services as learning_services
from learning.models import SESSION_KINDS, LearningActivity
from reviews import services as review_services
from reviews.models import Recommendation, Review, Theme
from sscp import roles
from sscp.models import Agency, Membership, Partnership, Sector, User

USERNAME_PREFIX = "load-"
BATCH = 5000
# At national scale, 100,000 actions over about 140 partnerships (England's).
NATIONAL_ACTIONS = 100_000
NATIONAL_PARTNERSHIPS = 140
CONCENTRATION = 0.8  # with `concentrated`, the share of the actions one partnership holds
ACTIONS_PER_REVIEW = 40
RECOMMENDATIONS_PER_REVIEW = 10
LEADS_PER_AGENCY = 3
TEAM_PER_PARTNERSHIP = 3
CHAIRS_PER_PARTNERSHIP = 2
FINISHED_REVIEWS = 0.2  # of reviews over 400 days old, the share whose every action is closed
JOINT_REVIEWS = 0.03  # of reviews, the share commissioned jointly with the neighbours
JOURNEYS_PER_PARTNERSHIP = 4  # serious incidents' reviews on their journey: every stage in all
RECOMMENDATIONS_PER_ACTIVITY = 10  # learning activities: one for about this many recommendations
# The agencies: what each is, its sector, and how many partnerships side by side each
# one serves (None: every partnership).
AGENCY_KINDS = [
    ("council", Sector.LOCAL_AUTHORITY, 1),
    ("health commissioner", Sector.HEALTH, 1),
    ("schools", Sector.EDUCATION, 1),
    ("police force", Sector.POLICE, 4),
    ("probation service", Sector.PROBATION, 4),
    ("NHS trust", Sector.HEALTH, 4),
    ("ambulance service", Sector.AMBULANCE, 14),
    ("CAFCASS", Sector.CAFCASS, None),
]
THEME_NAMES = [
    "Neglect",
    "Domestic abuse",
    "Child exploitation",
    "Child sexual abuse in the family environment",
    "Disguised compliance",
    "Voice of the child",
    "Information sharing",
    "Early help",
    "Mental health",
    "Safer sleeping for babies",
]

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


def partnership_count(actions: int) -> int:
    """How many partnerships share `actions`: about 140 at 100,000, as in England."""
    return max(1, math.ceil(actions * NATIONAL_PARTNERSHIPS / NATIONAL_ACTIONS))


def apportion(total: int, weights: list[float]) -> list[int]:
    """`total` split in proportion to `weights`, in whole numbers that add up to it."""
    whole = sum(weights)
    shares = [math.floor(total * weight / whole) for weight in weights]
    for index in range(total - sum(shares)):
        shares[index % len(shares)] += 1
    return shares


def agency_plan(partnership_ids: list[int]) -> list[tuple[Agency, list[int]]]:
    """Each agency of each kind (AGENCY_KINDS), unsaved, and the ids of the partnerships
    side by side that it serves."""
    plan = []
    for kind, sector, span in AGENCY_KINDS:
        span = span or len(partnership_ids)
        for k, start in enumerate(range(0, len(partnership_ids), span)):
            name = f"Load {kind} {k:03d}"
            agency = Agency(name=name, short_name=name, sector=sector)
            plan.append((agency, partnership_ids[start : start + span]))
    return plan


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
    def __init__(
        self,
        *,
        actions: int,
        seed: int = 1,
        today: datetime.date | None = None,
        concentrated: bool = False,
    ):
        self.total = actions
        self.concentrated = concentrated
        self.random = random.Random(seed)
        # The journeys draw their own numbers: the rest of the load is as it was without them.
        self.journey_random = random.Random(f"journeys {seed}")
        self.learning_random = random.Random(f"learning {seed}")
        self.today = today or timezone.localdate()
        self.now = timezone.make_aware(datetime.datetime.combine(self.today, datetime.time(9)))
        self.counts = Counter()

    def run(self) -> Counter:
        if User.objects.filter(username__startswith=USERNAME_PREFIX).exists():
            raise LoadExists(
                "This database already holds generated data; generate into a fresh database."
            )
        with (
            transaction.atomic(),
            given_timestamps(Partnership, Review, Recommendation, Action, LearningActivity),
        ):
            self.system_user = User.objects.get(username="system")
            self.partnerships_and_agencies()
            self.people()
            self.themes()
            self.reviews()
            self.recommendations()
            self.journeys()
            self.learning_activities()
            for start in range(0, self.total, BATCH):
                self.actions(range(start, min(start + BATCH, self.total)))
            kept_counts.rebuild()  # written in bulk, not one by one: counted once at the end
            kept_counts.count_overdue(self.today)  # as the daily count would have that day
        self.counts["audit records"] = seal_written_in_bulk()
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                # The planner's statistics and the visibility map for the rows just written, as
                # autovacuum would leave them: index-only scans then skip the table itself.
                # VACUUM cannot run inside a transaction (a test's): there, statistics only.
                # Before the years are closed: without statistics, the history's count of
                # overdue actions at a year's end ran for minutes at 300,000 actions, not 18 s.
                cursor.execute("ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE")
        # The years gone by closed, as the daily task would have closed them (close-years).
        self.counts["closed years"] = len(reports.close_years(today=self.today))
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

    def created_by_the_system(self, records, when) -> None:
        """The history rows of records set up before the work began."""
        self.record_history(
            [self.history_row(r, when=when, user_id=self.system_user.pk) for r in records]
        )

    def insert_history_with_links(self, history_rows, links: dict) -> None:
        """History rows of a model with many-to-many fields, and the links each row keeps.

        `links[field name][record id]` are the through-model rows linked when the row
        was written.
        """
        rows = self.create(history_rows)
        if not rows:
            return
        history_model = type(rows[0])
        for name in link_accessors(history_model):
            link_model = getattr(history_model, name).model
            through = getattr(history_model.instance_type, name).through
            columns = [f.attname for f in through._meta.concrete_fields]
            link_model._default_manager.bulk_create(
                [
                    link_model(history_id=row.history_id, **{c: getattr(link, c) for c in columns})
                    for row in rows
                    for link in links[name].get(row.id, [])
                ],
                batch_size=BATCH,
            )

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

    # Partnerships and agencies ------------------------------------------------

    def partnerships_and_agencies(self):
        count = partnership_count(self.total)
        self.joined = self.days_ago(2000, 2500)
        self.partnerships = self.create(
            [
                Partnership(
                    name=f"Load Safeguarding Children Partnership {n:03d}",
                    short_name=f"Load {n:03d}",
                    slug=f"load-{n:03d}",
                    area=f"Load area {n:03d}",
                    # The benchmark signs its people in without a second factor.
                    two_factor=Partnership.TwoFactor.NOBODY,
                    created_at=self.joined,
                )
                for n in range(count)
            ]
        )
        self.created_by_the_system(self.partnerships, self.joined)
        self.agencies()
        self.action_plan(self.quotas(count))

    def agencies(self):
        """Each kind of agency, one for every few partnerships side by side (AGENCY_KINDS)."""
        ids = [p.pk for p in self.partnerships]
        plan = agency_plan(ids)
        self.agency_list = self.create([agency for agency, _ in plan])
        self.serves = {agency.pk: served for agency, served in plan}
        self.served_by = {pk: [] for pk in ids}  # partnership id → agency ids, in plan order
        # partnership id → the others its police force serves: those it may review jointly with
        self.neighbours = {}
        for agency, served in plan:
            for pk in served:
                self.served_by[pk].append(agency.pk)
                if agency.sector == Sector.POLICE:
                    self.neighbours[pk] = [other for other in served if other != pk]
        links = self.links(Agency.partnerships.through, "agency_id", "partnership_id", self.serves)
        rows = [
            self.history_row(a, when=self.joined, user_id=self.system_user.pk)
            for a in self.agency_list
        ]
        self.insert_history_with_links(rows, {"partnerships": links})

    def quotas(self, count: int) -> list[int]:
        """How many actions each partnership has: a few hundred to a thousand at national
        scale; with `concentrated`, most of them in the first."""
        weights = [self.random.uniform(0.45, 1.0) for _ in range(count)]
        if not self.concentrated or count == 1:
            return apportion(self.total, weights)
        first = round(self.total * CONCENTRATION)
        return [first, *apportion(self.total - first, weights[1:])]

    def action_plan(self, quotas: list[int]) -> None:
        """Which partnership each action is of, by its number: shuffled, so that each
        partnership's actions are written over the whole load, as they come in life."""
        self.quota = dict(zip((p.pk for p in self.partnerships), quotas, strict=True))
        self.plan = array("H", (n for n, quota in enumerate(quotas) for _ in range(quota)))
        self.random.shuffle(self.plan)

    # People -------------------------------------------------------------------

    def person(self, username: str) -> User:
        user = User(
            username=f"{USERNAME_PREFIX}{username}",
            first_name=self.random.choice(FIRST_NAMES),
            last_name=self.random.choice(LAST_NAMES),
            email=f"{username}@load.example",
        )
        user.set_unusable_password()
        return user

    def people(self):
        """Each agency's leads, a member of every partnership it serves; each partnership's
        team and SILG chairs."""
        staff = []  # (person, role, agency id or None, the ids of their partnerships)
        for n, agency in enumerate(self.agency_list):
            for k in range(LEADS_PER_AGENCY):
                lead = self.person(f"lead-{n:04d}-{k}")
                staff.append((lead, roles.AGENCY_LEAD, agency.pk, self.serves[agency.pk]))
        for n, partnership in enumerate(self.partnerships):
            for role, count in [
                (roles.PARTNERSHIP_TEAM, TEAM_PER_PARTNERSHIP),
                (roles.SILG_CHAIR, CHAIRS_PER_PARTNERSHIP),
            ]:
                for k in range(count):
                    person = self.person(f"{role.value}-{n:03d}-{k}")
                    staff.append((person, role, None, [partnership.pk]))
        users = self.create([person for person, *_ in staff])
        self.created_by_the_system(users, self.joined)
        self.memberships(staff)

    def memberships(self, staff) -> None:
        memberships = self.create(
            [
                Membership(
                    user_id=person.pk,
                    partnership_id=partnership_id,
                    role=role,
                    agency_id=agency_id,
                    created_at=self.joined,
                )
                for person, role, agency_id, partnership_ids in staff
                for partnership_id in partnership_ids
            ]
        )
        self.created_by_the_system(memberships, self.joined)
        self.leads = {}  # agency id → its leads' ids
        self.team = {p.pk: [] for p in self.partnerships}  # partnership id → its team's ids
        self.chairs = {p.pk: [] for p in self.partnerships}
        for person, role, agency_id, partnership_ids in staff:
            if role == roles.AGENCY_LEAD:
                self.leads.setdefault(agency_id, []).append(person.pk)
            else:
                people = self.team if role == roles.PARTNERSHIP_TEAM else self.chairs
                people[partnership_ids[0]].append(person.pk)

    def themes(self):
        """Each partnership's own list of themes."""
        themes = self.create(
            [
                Theme(partnership_id=p.pk, name=name)
                for p in self.partnerships
                for name in THEME_NAMES
            ]
        )
        self.created_by_the_system(themes, self.joined)
        self.themes_of = {}
        for theme in themes:
            self.themes_of.setdefault(theme.partnership_id, []).append(theme.pk)

    # Reviews and recommendations ----------------------------------------------

    def reviews(self):
        reviews = []
        for partnership in self.partnerships:
            count = max(1, math.ceil(self.quota[partnership.pk] / ACTIONS_PER_REVIEW))
            reviews += [self.review(partnership, len(reviews) + k) for k in range(count)]
        self.review_list = self.create(reviews)
        self.finished_reviews = {
            r.pk
            for r in self.review_list
            if (self.today - r.published_on).days > 400 and self.random.random() < FINISHED_REVIEWS
        }
        self.commissioners = {r.pk: [r.partnership_id] for r in self.review_list}
        for review in self.review_list:
            if self.random.random() < JOINT_REVIEWS:
                self.commissioners[review.pk] += self.neighbours[review.partnership_id]
        self.review_history()

    def review(self, partnership: Partnership, n: int) -> Review:
        published = self.today - datetime.timedelta(days=self.random.randint(60, 6 * 365))
        return Review(
            partnership_id=partnership.pk,
            title=f"Load review {n:05d}",
            kind=self.random.choice(Review.Kind.values),
            summary=self.words(30),
            commissioned_on=published - datetime.timedelta(days=self.random.randint(90, 500)),
            published_on=published,
            created_at=self.now - (self.today - published),
        )

    def review_history(self):
        themes = {
            r.pk: self.random.sample(self.themes_of[r.partnership_id], k=self.random.randint(1, 3))
            for r in self.review_list
        }
        joint = {pk: ids[1:] for pk, ids in self.commissioners.items() if len(ids) > 1}
        links = {
            "themes": self.links(Review.themes.through, "review_id", "theme_id", themes),
            "joint_partnerships": self.links(
                Review.joint_partnerships.through, "review_id", "partnership_id", joint
            ),
        }
        review_services.share_joint_reviews({p for ids in joint.values() for p in ids})
        rows = [
            self.history_row(
                r,
                when=r.created_at,
                user_id=self.random.choice(self.team[r.partnership_id]),
                reason=review_services.REVIEW_LOGGED,
            )
            for r in self.review_list
        ]
        self.insert_history_with_links(rows, links)

    def recommendations(self):
        self.recommendation_list = self.create(
            [
                self.recommendation(review, number)
                for review in self.review_list
                for number in range(1, RECOMMENDATIONS_PER_REVIEW + 1)
            ]
        )
        self.recommendations_of = {p.pk: [] for p in self.partnerships}
        for r in self.recommendation_list:
            self.recommendations_of[r.partnership_id].append(r)
        self.actions_planned = Counter()  # partnership id → actions so far
        self.owners = {r.pk: self.owners_for(r) for r in self.recommendation_list}
        themes = {
            r.pk: [self.random.choice(self.themes_of[r.partnership_id])]
            for r in self.recommendation_list
        }
        Through = Recommendation.agencies.through
        links = {
            "agencies": self.links(Through, "recommendation_id", "agency_id", self.owners),
            "themes": self.links(
                Recommendation.themes.through, "recommendation_id", "theme_id", themes
            ),
        }
        self.recommendation_history(links)

    def recommendation(self, review: Review, number: int) -> Recommendation:
        recommendation = Recommendation(
            review_id=review.pk,
            partnership_id=review.partnership_id,
            number=number,
            text=self.words(18),
            created_at=review.created_at,
        )
        if review.pk in self.finished_reviews:
            # Closed after the last of its actions was approved.
            age = (self.today - review.published_on).days
            recommendation.closed_at = self.days_ago(1, age - 300)
            recommendation.closed_by_id = self.random.choice(self.chairs[review.partnership_id])
            recommendation.impact_statement = self.words(20)
        return recommendation

    def owners_for(self, recommendation: Recommendation) -> list[int]:
        """One to three agencies, each serving every partnership that commissioned the review."""
        first, *others = self.commissioners[recommendation.review_id]
        serving = [a for a in self.served_by[first] if all(p in self.serves[a] for p in others)]
        return self.random.sample(serving, k=min(len(serving), self.random.randint(1, 3)))

    def recommendation_history(self, links: dict) -> None:
        history = []
        for r in self.recommendation_list:
            history.append(
                self.history_row(
                    r,
                    when=r.created_at,
                    user_id=self.random.choice(self.team[r.partnership_id]),
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
        self.insert_history_with_links(history, links)

    # Serious incidents on their journey ----------------------------------------

    def journeys(self):
        """Reviews of serious incidents taken to every stage of their journey, the stages
        in turn and the partnerships in turn, recorded by each partnership's people."""
        planner = journeys.JourneyPlanner(self.journey_random, self.today, self.journey_words)
        count = max(len(journeys.ENDS), JOURNEYS_PER_PARTNERSHIP * len(self.partnerships))
        made = []
        for n in range(count):
            # Shifted each round of the stages, so each stage comes to every partnership.
            turn = (n + n // len(journeys.ENDS)) % len(self.partnerships)
            pk = self.partnerships[turn].pk
            end = journeys.ENDS[n % len(journeys.ENDS)]
            made.append(planner.story(pk, end, self.team[pk], self.chairs[pk]))
        self.write([(story.review, story.versions) for story in made])
        self.write([child for story in made for child in story.children])

    def journey_words(self, count: int) -> str:
        words = self.journey_random.choices(WORDS, k=count)
        return " ".join(words).capitalize() + "."

    # Learning activities -------------------------------------------------------

    def learning_activities(self):
        """About one learning activity for every RECOMMENDATIONS_PER_ACTIVITY recommendations
        of each partnership, each answering one to three of them, recorded by its team after
        their review was published."""
        published = {r.pk: r.published_on for r in self.review_list}
        activities, answers = [], []
        for partnership in self.partnerships:
            recommendations = self.recommendations_of[partnership.pk]
            for _ in range(max(1, len(recommendations) // RECOMMENDATIONS_PER_ACTIVITY)):
                k = self.learning_random.randint(1, min(3, len(recommendations)))
                answered = self.learning_random.sample(recommendations, k=k)
                since = max(published[r.review_id] for r in answered)
                activities.append(self.learning_activity(partnership.pk, since))
                answers.append([r.pk for r in answered])
        activities = self.create(activities)
        Through = LearningActivity.recommendations.through
        links = self.links(
            Through,
            "learningactivity_id",
            "recommendation_id",
            {activity.pk: ids for activity, ids in zip(activities, answers, strict=True)},
        )
        rows = [
            self.history_row(
                a,
                when=a.created_at,
                user_id=a.created_by_id,
                reason=learning_services.LEARNING_ACTIVITY_RECORDED,
            )
            for a in activities
        ]
        self.insert_history_with_links(rows, {"recommendations": links})

    def learning_activity(self, partnership_id: int, since: datetime.date) -> LearningActivity:
        choose = self.learning_random
        kind = choose.choice(LearningActivity.Kind.values)
        held_on = min(self.today, since + datetime.timedelta(days=choose.randint(14, 400)))
        activity = LearningActivity(
            partnership_id=partnership_id,
            kind=kind,
            title=" ".join(choose.choices(WORDS, k=5)).capitalize(),
            description=" ".join(choose.choices(WORDS, k=25)).capitalize() + ".",
            held_on=held_on,
            audience="Multi-agency practitioners",
            created_by_id=choose.choice(self.team[partnership_id]),
            created_at=min(
                self.now,
                timezone.make_aware(datetime.datetime.combine(held_on, datetime.time(17))),
            ),
        )
        if kind in SESSION_KINDS:
            activity.places_offered = choose.randint(15, 60)
            activity.attended = choose.randint(
                activity.places_offered // 2, activity.places_offered
            )
            activity.no_shows = choose.randint(0, activity.places_offered - activity.attended)
            if choose.random() < 0.8:
                activity.average_score = Decimal(choose.randint(30, 50)) / 10
        return activity

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
        recommendation = self.next_recommendation(self.partnerships[self.plan[n]].pk)
        partnership_id = recommendation.partnership_id
        agency = self.random.choice(self.owners[recommendation.pk])
        owner = self.random.choice(self.leads[agency]) if self.random.random() < 0.7 else None
        status, created, moments = self.timing(recommendation)
        due = created.date() + datetime.timedelta(days=self.random.randint(60, 540))
        action = Action(
            recommendation_id=recommendation.pk,
            review_id=recommendation.review_id,
            partnership_id=partnership_id,
            agency_id=agency,
            owner_id=owner,
            title=self.words(6)[:-1],
            description=self.words(25),
            success_measure=self.words(12),
            original_due_date=due,
            due_date=due,
            created_at=created,
        )
        team = self.random.choice(self.team[partnership_id])
        story = stories.plan(action, when=created, who=team)
        people = (owner or self.leads[agency][0], self.random.choice(self.chairs[partnership_id]))
        if self.random.random() < 0.1:
            self.extension(story, status, moments, people)
        if status != Status.NOT_STARTED:
            self.work(story, status, moments, people, n)
        return story

    def next_recommendation(self, partnership_id: int) -> Recommendation:
        """The partnership's recommendations take its actions in turn."""
        recommendations = self.recommendations_of[partnership_id]
        turn = self.actions_planned[partnership_id]
        self.actions_planned[partnership_id] += 1
        return recommendations[turn % len(recommendations)]

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
