"""At national scale: synthetic data in bulk, and the main pages' queries on indexes."""

import datetime
import hashlib
import io
import itertools
import re

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.db.models import Count, F
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from actions import counts, reports
from actions.models import (
    Action,
    ClosedYear,
    Evidence,
    ExtensionRequest,
    ProgressUpdate,
    Reminder,
    SignOffDecision,
)
from audits.models import AuditRecord
from audits.sealing import verify
from devtools import benchmark, journeys
from devtools.loadgen import LoadGenerator, partnership_count
from learning.models import LearningActivity
from reviews import journey
from reviews.journey import Standing
from reviews.models import ProgressCheck, Recommendation, Review, Theme
from reviews.services import INCIDENT_RECORDED
from sscp import roles
from sscp.models import Agency, Membership, Partnership, User
from sscp.working_days import WorkingDays
from tests.makers import SLUG, default_partnership, make_agency, make_lead, make_user

TODAY = datetime.date(2026, 11, 29)


@pytest.fixture
def development(settings):
    """generate_load runs only where DEBUG is on: never on a live service."""
    settings.DEBUG = True


def generated_data() -> str:
    """A fingerprint of what generate_load wrote, independent of primary keys' start."""
    rows = Action.objects.order_by("pk").values_list(
        "title", "agency__name", "status", "original_due_date", "due_date", "owner__username"
    )
    incidents = Review.objects.filter(became_aware_on__isnull=False).order_by("pk")
    fields = [name for name in journeys.tracked_fields(Review) if name != "partnership_id"]
    journeys_ = incidents.values_list("partnership__slug", *fields)
    checks = ProgressCheck.objects.order_by("pk").values_list("review__title", "checked_on")
    return hashlib.sha256(repr([list(rows), list(journeys_), list(checks)]).encode()).hexdigest()


@pytest.mark.django_db
def test_generate_load_writes_every_kind_of_record_with_a_sealed_history(development, capsys):
    call_command("generate_load", actions=800, seed=7, today=TODAY)
    assert "Generated in" in capsys.readouterr().out
    assert Action.objects.count() == 800
    assert set(Action.objects.values_list("status", flat=True)) == set(Action.Status.values)
    for model in [ProgressUpdate, Evidence, SignOffDecision, ExtensionRequest]:
        assert model.objects.exists(), model
    assert Recommendation.objects.filter(closed_at__isnull=False).exists()
    leads = Membership.objects.filter(role=roles.AGENCY_LEAD)
    assert leads.values("user").distinct().count() >= 3
    # Every action has its history, and every history row its sealed audit record.
    assert Action.history.values("id").distinct().count() == 800
    for model in [Partnership, Agency, Membership, Theme, User]:
        generated = model.objects.exclude(username="system") if model is User else model.objects
        assert model.history.values("id").distinct().count() == generated.count(), model
    # Learning activities, about one for every ten recommendations, each answering some.
    activities = LearningActivity.objects.all()
    assert activities.count() == Recommendation.objects.count() // 10
    assert not activities.filter(recommendations__isnull=True).exists()
    assert LearningActivity.history.values("id").distinct().count() == activities.count()
    assert AuditRecord.objects.count() >= Action.history.count()
    # The year gone by closed for every partnership, as the daily task would have closed it.
    last_year = reports.last_ended_year(TODAY).start_year
    closed = ClosedYear.objects.filter(start_year=last_year)
    assert closed.count() == Partnership.objects.count()
    result = verify()
    assert result.intact, result.problem
    assert result.verified == AuditRecord.objects.count()
    # The counts the dashboards read, kept as the day's count would have left them.
    assert counts.drift() == []
    assert set(Review.objects.values_list("overdue_counted_on", flat=True)) == {TODAY}


@pytest.mark.postgres
@pytest.mark.django_db
def test_generate_load_gives_the_planner_its_statistics_before_it_closes_the_years(development):
    """The closing of a year counts the history's overdue actions at its end: planned
    without statistics of the rows just written, it ran for minutes at 300,000 actions."""
    with CaptureQueriesContext(connection) as queries:
        call_command("generate_load", actions=200, seed=7, today=TODAY)
    statements = [query["sql"] for query in queries.captured_queries]
    analysed = next(i for i, sql in enumerate(statements) if sql.startswith(("ANALYZE", "VACUUM")))
    closing = next(i for i, sql in enumerate(statements) if "actions_closedyear" in sql)
    assert analysed < closing


def reached(review: Review) -> str:
    """How far a review has got on its journey (devtools.journeys.ENDS)."""
    if review.decision == Review.Decision.NO_LOCAL_REVIEW:
        return journeys.NO_LOCAL_REVIEW
    for date, end in [
        ("published_on", journeys.PUBLISHED),
        ("final_report_sent_on", journeys.REPORT_SENT),
        ("local_review_completed_on", journeys.LOCAL_REVIEW_COMPLETED),
        ("local_review_commissioned_on", journeys.LOCAL_REVIEW_RUNNING),
        ("decided_on", journeys.LOCAL_REVIEW_DECIDED),
        ("rapid_review_sent_on", journeys.RAPID_REVIEW_SENT),
        ("notified_on", journeys.NOTIFIED),
    ]:
        if getattr(review, date):
            return end
    return journeys.INCIDENT_ONLY


@pytest.mark.django_db
def test_generate_load_takes_serious_incidents_to_every_stage_of_their_journey(development):
    call_command("generate_load", actions=800, seed=7, today=TODAY)
    incidents = list(Review.objects.filter(became_aware_on__isnull=False))
    assert {reached(review) for review in incidents} == set(journeys.ENDS)
    # Spread over the partnerships: each has reviews at several stages.
    for partnership in Partnership.objects.all():
        ends = {reached(r) for r in incidents if r.partnership_id == partnership.pk}
        assert len(ends) >= 4, partnership
    # Every date is in order, none after the day generated as of; a few late, a few due soon.
    days, standings = WorkingDays(), set()
    for review in incidents:
        for name, follows in journey.ORDER.items():
            day, before = getattr(review, name), getattr(review, follows or "became_aware_on")
            assert day is None or before <= day <= TODAY, (review, name)
        states = journey.journey(review, days, TODAY)
        standings |= {state.standing for state in states}
    assert {Standing.DONE, Standing.DUE, Standing.LATE, Standing.NOT_NEEDED} <= standings
    # Progress checks while a local review ran, by a SILG chair of its partnership.
    checks = ProgressCheck.objects.select_related("review")
    assert checks.filter(review__local_review_completed_on__isnull=True).exists()
    for check in checks:
        assert check.review.local_review_commissioned_on < check.checked_on
        assert check.partnership_id == check.review.partnership_id
        assert Membership.objects.filter(
            user=check.recorded_by, partnership=check.partnership, role=roles.SILG_CHAIR
        ).exists()
    # The history the services write, sealed: "<Stage label> recorded", one row a step.
    labels = {f"{stage.label} recorded" for stage in journey.STAGES}
    for review in incidents:
        rows = list(review.history.order_by("history_id"))
        assert (rows[0].history_type, rows[0].history_change_reason) == ("+", INCIDENT_RECORDED)
        assert {row.history_change_reason for row in rows[1:]} <= labels
        assert [row.history_date for row in rows] == sorted(row.history_date for row in rows)
        assert rows[-1].history_date.date() <= TODAY
        assert Membership.objects.filter(
            user=rows[0].history_user, partnership=review.partnership, role=roles.PARTNERSHIP_TEAM
        ).exists()
    assert set(ProgressCheck.history.values_list("history_change_reason", flat=True)) == {
        journeys.PROGRESS_CHECKED
    }
    for model in [Review, ProgressCheck]:
        history = model.history.model
        sealed = AuditRecord.objects.filter(source=f"reviews.{history.__name__}")
        assert sealed.count() == history.objects.count(), model
    out = io.StringIO()
    call_command("verify_audit_trail", stdout=out)
    assert "The audit trail is intact" in out.getvalue()


def test_at_national_scale_the_actions_are_spread_over_about_140_partnerships():
    assert partnership_count(100_000) == 140
    assert partnership_count(800) == 2 and partnership_count(1) == 1
    quotas = LoadGenerator(actions=100_000).quotas(140)
    assert sum(quotas) == 100_000
    assert min(quotas) >= 300 and max(quotas) <= 1_000
    concentrated = LoadGenerator(actions=100_000, concentrated=True).quotas(140)
    assert sum(concentrated) == 100_000 and concentrated[0] == 80_000


@pytest.mark.django_db
def test_generate_load_spreads_the_work_over_partnerships_with_their_own_people(development):
    call_command("generate_load", actions=2_200, seed=5, today=TODAY)
    partnerships = list(Partnership.objects.all())
    assert len(partnerships) == 4
    for partnership in partnerships:
        assert 300 <= Action.objects.filter(partnership=partnership).count() <= 1_000
        members = Membership.objects.filter(partnership=partnership)
        assert {roles.PARTNERSHIP_TEAM, roles.SILG_CHAIR, roles.AGENCY_LEAD} <= set(
            members.values_list("role", flat=True)
        )
        assert Theme.objects.filter(partnership=partnership).exists()
        assert partnership.two_factor == Partnership.TwoFactor.NOBODY
    # Every row carries the partnership (and an action its review) of what it is under.
    assert not Recommendation.objects.exclude(partnership=F("review__partnership")).exists()
    assert not Action.objects.exclude(review=F("recommendation__review")).exists()
    assert not Action.objects.exclude(partnership=F("recommendation__partnership")).exists()
    # A police force serves the four partnerships side by side; each lead is a member of
    # every partnership their agency serves, for that agency.
    police = Agency.objects.get(sector=Agency.Sector.POLICE)
    assert police.partnerships.count() == 4
    for member in Membership.objects.filter(role=roles.AGENCY_LEAD):
        assert member.agency.partnerships.filter(pk=member.partnership_id).exists()
    lead = Membership.objects.filter(agency=police).values("user").first()["user"]
    assert Membership.objects.filter(user=lead).count() == 4
    # An action's owner leads its agency in a partnership of its review.
    for action in Action.objects.filter(owner__isnull=False).select_related("review")[:200]:
        commissioners = action.review.commissioners()
        assert Membership.objects.filter(
            user=action.owner, agency=action.agency, partnership__in=commissioners
        ).exists()
    assert verify().intact


@pytest.mark.django_db
def test_generate_load_can_put_most_actions_in_one_partnership(development):
    call_command("generate_load", "--concentrated", actions=1_500, seed=5, today=TODAY)
    per_partnership = sorted(
        Action.objects.values("partnership").annotate(n=Count("pk")).values_list("n", flat=True)
    )
    assert len(per_partnership) == 3 and per_partnership[-1] == 1_200


@pytest.mark.django_db
def test_generate_load_is_deterministic(development):
    fingerprints = []
    for _ in range(2):
        with transaction.atomic():
            call_command("generate_load", actions=120, seed=3, today=TODAY)
            fingerprints.append(generated_data())
            transaction.set_rollback(True)
    assert fingerprints[0] == fingerprints[1]
    with transaction.atomic():
        call_command("generate_load", actions=120, seed=4, today=TODAY)
        assert generated_data() != fingerprints[0]
        transaction.set_rollback(True)


@pytest.mark.django_db
def test_generate_load_refuses_to_mix_with_generated_or_live_data(development, settings):
    call_command("generate_load", actions=10, today=TODAY)
    with pytest.raises(CommandError, match="already holds generated data"):
        call_command("generate_load", actions=10, today=TODAY)
    settings.DEBUG = False
    with pytest.raises(CommandError, match="looks like a live service"):
        call_command("generate_load", actions=10, today=TODAY)
    with pytest.raises(CommandError, match="at least 1"):
        call_command("generate_load", actions=0)


# The indexes: EXPLAIN on PostgreSQL -------------------------------------------

SCALE = 30_000
# Real actions have a paragraph or two of description and success measure: rows
# that wide make reading a narrow index cheaper than reading the table.
DESCRIPTION = "Audit a sample of child protection plans for drift and report to SILG. " * 6


def _many_actions(agencies, recommendations, count):
    statuses = itertools.cycle(
        ["not_started"] * 2 + ["in_progress"] * 5 + ["submitted", "completed", "superseded"]
    )
    closer = make_user()
    moment = datetime.datetime(2026, 11, 1, 10, tzinfo=datetime.UTC)
    for start in range(0, count, 5000):
        batch = []
        for n in range(start, min(start + 5000, count)):
            status = next(statuses)
            recommendation = recommendations[n % len(recommendations)]
            due = TODAY + datetime.timedelta(days=(n * 7919) % 1460 - 730)
            done = status in {"submitted", "completed"}
            batch.append(
                Action(
                    recommendation=recommendation,
                    review_id=recommendation.review_id,
                    partnership_id=recommendation.partnership_id,
                    agency=agencies[n % len(agencies)],
                    title=f"Action {n}",
                    description=DESCRIPTION,
                    success_measure=DESCRIPTION,
                    original_due_date=due,
                    due_date=due,
                    status=status,
                    submitted_at=moment if done else None,
                    completion_statement="Done" if done else "",
                    completed_at=moment if status == "completed" else None,
                    completed_by=closer if status == "completed" else None,
                )
            )
        Action.objects.bulk_create(batch)
    counts.rebuild()


def _plans(client, url) -> list[tuple[str, str]]:
    """The plan PostgreSQL chooses for each query a page makes that reads the actions."""
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url, secure=True).status_code == 200
    plans = []
    with connection.cursor() as cursor:
        for query in queries.captured_queries:
            sql = query["sql"]
            if sql.startswith("SELECT") and "actions_action" in sql:
                cursor.execute(f"EXPLAIN {sql}")
                plans.append((sql, "\n".join(row[0] for row in cursor.fetchall())))
    return plans


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_main_pages_read_the_actions_through_indexes(migrated_data, time_machine):
    time_machine.move_to(datetime.datetime(2026, 11, 29, 12, tzinfo=datetime.UTC))
    agencies = [make_agency() for _ in range(20)]
    partnership = default_partnership()
    reviews = Review.objects.bulk_create(
        [
            Review(title=f"Review {n}", kind=Review.Kind.PRACTICE_REVIEW, partnership=partnership)
            for n in range(300)
        ]
    )
    recommendations = Recommendation.objects.bulk_create(
        [
            Recommendation(review=r, partnership=partnership, number=k, text="Share sooner")
            for r in reviews
            for k in (1, 2)
        ]
    )
    _many_actions(agencies, recommendations, SCALE)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    lead = make_lead(agencies[0])
    people = {
        "lead": lead,
        "chair": make_user(role=roles.SILG_CHAIR),
        "team": make_user(role=roles.PARTNERSHIP_TEAM),
    }
    actions = reverse("action-list", args=[SLUG])
    pages = [
        ("lead", reverse("home", args=[SLUG])),
        ("chair", reverse("home", args=[SLUG])),
        ("team", reverse("home", args=[SLUG])),
        ("lead", actions),
        ("lead", f"{actions}?agency={agencies[0].pk}&overdue=true"),
        ("team", f"{actions}?agency="),
        ("team", f"{actions}?status=in_progress"),
        ("team", f"{actions}?status=submitted&sort=-due"),
        ("team", f"{actions}?sort=title"),
        ("team", f"{actions}?rag=due_soon"),
        ("team", f"{actions}?rag=complete"),
        ("team", f"{actions}?review={reviews[0].pk}"),
        ("chair", reverse("sign-off-queue", args=[SLUG])),
        ("team", reverse("review-list", args=[SLUG])),
        ("team", reverse("recommendation-list", args=[SLUG]) + "?state=ready"),
        ("lead", reverse("search", args=[SLUG]) + "?q=12345"),
        ("lead", reverse("search", args=[SLUG]) + "?q=1234+12345"),
    ]
    checked = 0
    for who, url in pages:
        client = Client()
        client.force_login(people[who])
        for sql, plan in _plans(client, url):
            assert not re.search(r"Seq Scan on actions_action\b", plan), f"{url}\n{sql}\n{plan}"
            checked += 1
    assert checked >= len(pages)


@pytest.mark.django_db(transaction=True)
def test_the_benchmark_measures_every_page_against_its_floor_and_changes_nothing(
    migrated_data, settings
):
    """Its figures belong in the benchmark's table, not in a test: this checks it runs."""
    settings.DEBUG = True
    call_command("generate_load", "--concentrated", actions=800, seed=2, today=TODAY)
    actions, records = Action.objects.count(), AuditRecord.objects.count()
    report = benchmark.run(runs=1, warmup=0, today=TODAY, export_rows=(20, 100))
    table = benchmark.table(report)
    for name in ["Dashboard, agency lead", "Dashboard, SILG chair", "Dashboard, partnership team",
                 "Review detail", "Action detail", "Audit log (lead)", "CSV export, 100+ rows",
                 "XLSX export, 100+ rows", "Reminder sweep over 800 actions", "Actions: search",
                 "Search “", "Recurring learning (chair)",
                 "Recommendation, with earlier learning like it (team)",
                 "Learning activities (team)",
                 "Sign-off queue (chair)", "Annual figures", "Actions in all their partnerships",
                 "Home (lead in 2 partnerships)",
                 "800 actions in 2 partnerships"]:  # fmt: skip
        assert name in table
    assert all(page.timing.samples and page.timing.queries for page in report.others)
    assert all(r.page.queries and r.floor.queries for r in report.results)
    assert all(r.page.queries <= 12 for r in report.results), table
    # The header's search for one common word, two, and a word of one review alone.
    searches = [page for page in report.others if page.name.startswith("Search “")]
    assert len(searches) == 3 and all(page.timing.queries <= 12 for page in searches), table
    assert "Actions: search “" in table and ", in few (team)" in table
    # As people of one partnership, the one with the most actions, at its addresses.
    largest = Partnership.objects.annotate(n=Count("reviews__recommendations__actions"))
    largest = largest.order_by("-n").first()
    assert report.partnership == largest and report.partnership_actions == 640
    assert f"pages as people of {largest} (640 actions)" in table
    for result in report.results:
        assert result.case.url.startswith(f"/{largest.slug}/")
        assert result.case.user.memberships.filter(partnership=largest).exists()
    assert (Action.objects.count(), AuditRecord.objects.count()) == (actions, records)
    assert not Reminder.objects.exists()  # the sweep's writes were rolled back
