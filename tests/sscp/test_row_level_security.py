"""
The database's own second line (issue 17, item 1): on PostgreSQL, a connection working
for a person of partnership A reads nothing of partnership B, even by a raw query that
names B; a page whose query forgot its filter still shows A's rows only; background work
reads a partnership's rows only through the explicit way past (sscp.database).
"""

import datetime
import json

import pytest
from django.db import DatabaseError, connection, transaction
from django.http import JsonResponse
from django.test import RequestFactory
from django.utils import timezone

from actions import services
from actions.models import (
    Action,
    ClosedYear,
    CompletionTally,
    ExtensionRequest,
    ProgressUpdate,
    Reminder,
)
from audits.models import AuditRecord
from meetings import services as meetings
from reviews.models import Review
from sscp import database, roles
from sscp.models import Membership
from sscp.permissions import in_partnership
from tests.makers import (
    make_action,
    make_agency,
    make_evidence,
    make_partnership,
    make_recommendation,
    make_review,
    make_theme,
    make_user,
    share_review,
)

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

# Every partnership-owned table the policies guard, with how a row names its partnership.
GUARDED = {
    "reviews_review": "partnership_id",
    "reviews_historicalreview": "partnership_id",
    "reviews_recommendation": "partnership_id",
    "reviews_historicalrecommendation": "partnership_id",
    "actions_action": "partnership_id",
    "actions_historicalaction": "partnership_id",
    "actions_reminder": "(SELECT partnership_id FROM actions_action WHERE id = action_id)",
    "actions_notice": "partnership_id",
    "sscp_membership": "partnership_id",
    "audits_auditrecord": "partnership_id",
}
# An action's records keep its partnership (actions/migrations/0021); their history
# rows are reached through their action.
RECORDS = ["progressupdate", "evidence", "signoffdecision", "extensionrequest"]
GUARDED |= {f"actions_{model}": "partnership_id" for model in RECORDS}
GUARDED |= {
    f"actions_historical{model}": "(SELECT partnership_id FROM actions_action WHERE id = action_id)"
    for model in RECORDS
}
# Counts kept and closed years' figures (actions/migrations/0019).
GUARDED |= {"actions_actiontally": "partnership_id", "actions_closedyear": "partnership_id"}
# Open actions by due date and approvals by year (actions/migrations/0031).
GUARDED |= {"actions_duedatetally": "partnership_id", "actions_completiontally": "partnership_id"}
# Reviews by theme and year (reviews/migrations/0022).
GUARDED["reviews_themetally"] = "partnership_id"
# SILG meetings (meetings/migrations/0002): each row names its partnership.
GUARDED |= {
    f"meetings_{history}{model}": "partnership_id"
    for model in ["meeting", "agendaitem", "meetingpack", "minuteentry"]
    for history in ["", "historical"]
}


def _world(partnership):
    """A partnership with a review, an action in progress with its records, and a team."""
    agency = make_agency(partnerships=[partnership])
    team = make_user(role=roles.PARTNERSHIP_TEAM, partnership=partnership)
    chair = make_user(role=roles.SILG_CHAIR, partnership=partnership)
    lead = make_user(role=roles.AGENCY_LEAD, agency=agency, partnership=partnership)
    review = make_review(partnership=partnership, commissioned_on=timezone.localdate())
    review.themes.add(make_theme(partnership=partnership))  # counted by theme and year
    action = make_action(make_recommendation(review, agencies=[agency]), agency=agency)
    services.progress_post(actor=lead, action=action, text="Training booked")
    make_evidence(action, uploaded_by=lead)
    services.extension_request(
        actor=lead,
        action=action,
        requested_due_date=action.due_date + datetime.timedelta(days=30),
        reason="Trainer ill",
    )
    services.action_submit(actor=lead, action=action, completion_statement="Done")
    services.action_return(actor=chair, action=action, comment="Add the register")
    Reminder.objects.create(  # as the sweep records one when the action falls due
        recipient=lead,
        action=action,
        kind=Reminder.Kind.DUE_TODAY,
        reminder_date=action.due_date,
        due_date=action.due_date,
    )
    # A SILG meeting held today (its agenda, pack and minutes), as the team keeps one.
    meeting = meetings.meeting_create(
        actor=team, partnership=partnership, date=timezone.localdate()
    )
    meetings.meeting_pack_issue(actor=team, meeting=meeting)
    meetings.minutes_confirm(actor=team, meeting=meeting)
    # The figures of a year gone by, stored when it closed (actions.reports).
    ClosedYear.objects.create(partnership=partnership, start_year=2024, figures={})
    # An approval of that year, as the year's completions count it (actions.counts).
    CompletionTally.objects.create(partnership=partnership, start_year=2024, on_time=True, count=1)
    return {"team": team, "lead": lead, "review": review, "action": action}


@pytest.fixture
def two_partnerships(db):
    a, b = make_partnership("alpha"), make_partnership("beta")
    return a, b, _world(a), _world(b)


def _count(table, column, partnership_id):
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT count(*) FROM {table} WHERE {column} = %s",  # noqa: S608 (our own names)
            [partnership_id],
        )
        return cursor.fetchone()[0]


def test_a_raw_query_as_a_person_of_a_reads_nothing_of_b(two_partnerships):
    a, b, world_a, _ = two_partnerships
    unguarded = {table: _count(table, column, b.pk) for table, column in GUARDED.items()}
    assert all(unguarded.values()), unguarded  # B has rows in every guarded table
    with database.scoped([a.pk], user_id=world_a["team"].pk):
        seen_of_b = {table: _count(table, column, b.pk) for table, column in GUARDED.items()}
        seen_of_a = {table: _count(table, column, a.pk) for table, column in GUARDED.items()}
    assert seen_of_b == dict.fromkeys(GUARDED, 0)
    assert all(seen_of_a.values()), seen_of_a


def test_a_page_whose_query_forgot_its_filter_still_shows_only_its_partnership(
    two_partnerships,
):
    a, b, world_a, world_b = two_partnerships

    def forgetful(request):
        """A page that reads every action and audit record, unfiltered: a bug."""
        actions = list(Action.objects.values_list("pk", flat=True))
        records = set(AuditRecord.objects.values_list("partnership_id", flat=True))
        return JsonResponse({"actions": actions, "records": sorted(records, key=str)})

    request = RequestFactory().get("/alpha/forgetful/")
    request.user = world_a["team"]
    response = in_partnership(forgetful)(request, partnership="alpha")

    shown = json.loads(response.content)
    assert shown["actions"] == [world_a["action"].pk]
    assert b.pk not in shown["records"]
    assert Action.objects.count() == 2  # outside the page, the owner reads both


def test_a_request_across_partnerships_reads_each_of_them_and_no_other(two_partnerships):
    """The policies ask for the first partnership and for the others apart (actions
    migration 0026): each of the request's partnerships is read, whichever comes first."""
    a, b, _, _ = two_partnerships
    c = make_partnership("gamma")
    _world(c)
    for within, outside in (([a, b], c), ([b, c], a), ([c], b)):
        with database.scoped([p.pk for p in within]):
            seen = {
                p: {table: _count(table, column, p.pk) for table, column in GUARDED.items()}
                for p in [*within, outside]
            }
        assert all(all(seen[p].values()) for p in within), seen
        assert seen[outside] == dict.fromkeys(GUARDED, 0)


def test_the_planner_counts_a_partnerships_rows_once():
    """A policy asking for the first partnership before a list that named it again would
    have the planner count its rows twice (300 of 1,000 taken for 510), and choose scans
    for far more rows than there are."""
    a, b = make_partnership("alpha"), make_partnership("beta")
    agency = make_agency(partnerships=[a, b])
    with connection.cursor() as cursor:
        for partnership, months in ((a, 300), (b, 700)):
            cursor.execute(
                "INSERT INTO actions_actiontally (partnership_id, agency_id, status, returned, "
                "due_month, count) SELECT %s, %s, 'not_started', false, "
                "date '2000-01-01' + make_interval(months => n), 1 "
                "FROM generate_series(1, %s) AS n",
                [partnership.pk, agency.pk, months],
            )
        cursor.execute("ANALYZE actions_actiontally")
        with database.scoped([a.pk]):
            cursor.execute("EXPLAIN (FORMAT JSON) SELECT * FROM actions_actiontally")
            estimate = cursor.fetchone()[0][0]["Plan"]["Plan Rows"]
    assert 250 <= estimate <= 350


def test_a_review_commissioned_jointly_is_seen_by_each_partnership(two_partnerships):
    a, b, world_a, world_b = two_partnerships
    share_review(world_b["review"], a)
    with database.scoped([a.pk], user_id=world_a["team"].pk):
        reviews = set(Review.objects.values_list("pk", flat=True))
        updates = ProgressUpdate.objects.filter(action=world_b["action"]).count()
    assert reviews == {world_a["review"].pk, world_b["review"].pk}
    assert updates == 1


def test_a_row_of_another_partnership_cannot_be_written(two_partnerships):
    a, b, world_a, world_b = two_partnerships
    with database.scoped([a.pk], user_id=world_a["team"].pk):
        with pytest.raises(DatabaseError, match="row-level security"), transaction.atomic():
            make_review(partnership=b, title="Slipped in")
        # Another partnership's action is not there to change.
        changed = ExtensionRequest.objects.filter(action=world_b["action"]).count()
    assert changed == 0
    assert not Review.objects.filter(title="Slipped in").exists()


def test_a_record_naming_its_own_partnership_cannot_join_another_partnerships_action(
    two_partnerships,
):
    """Read from the row (actions 0021), written only with its action's partnership: a
    progress update saying partnership A, put on B's action, is refused."""
    a, b, world_a, world_b = two_partnerships
    with (
        database.scoped([a.pk], user_id=world_a["lead"].pk),
        pytest.raises(DatabaseError, match="row-level security"),
        transaction.atomic(),
    ):
        # In bulk: no history row, whose own policy would refuse it first.
        ProgressUpdate.objects.bulk_create(
            [
                ProgressUpdate(
                    action_id=world_b["action"].pk,
                    partnership=a,
                    review=world_a["review"],
                    author=world_a["lead"],
                    text="Slipped in",
                )
            ]
        )
    assert not ProgressUpdate.objects.filter(text="Slipped in").exists()


def test_a_workers_connection_reads_nothing_until_it_says_why(two_partnerships):
    """A Celery worker's connections start restricted (sscp.celery); the reminder sweep and
    deliveries read past the policies with every_partnership, which logs its reason."""
    database.restrict_new_connection(sender=None, connection=connection)
    try:
        assert Action.objects.count() == 0
        assert Membership.objects.count() == 0
        with database.every_partnership("a test of the worker's way past"):
            assert Action.objects.count() == 2
        assert Action.objects.count() == 0  # restricted again after the block
    finally:
        database._put_back(None)
    assert Action.objects.count() == 2


def test_the_person_sees_their_own_memberships_of_other_partnerships(two_partnerships):
    a, b, world_a, _ = two_partnerships
    person = world_a["lead"]
    Membership.objects.create(user=person, partnership=b, role=roles.PARTNERSHIP_TEAM)
    with database.scoped([a.pk], user_id=person.pk):
        own = set(Membership.objects.filter(user=person).values_list("partnership_id", flat=True))
        of_b = Membership.objects.filter(partnership=b).exclude(user=person).count()
    assert own == {a.pk, b.pk}
    assert of_b == 0


def test_changes_made_under_the_policies_keep_the_audit_chain_whole(two_partnerships, client):
    """Sealing reads the chain's head past the policies (audit_chain_head()): a change in
    A, made while B's records are the last of the chain, still verifies."""
    from audits.sealing import verify

    a, b, world_a, _ = two_partnerships
    client.force_login(world_a["lead"])
    response = client.post(
        f"/alpha/actions/{world_a['action'].pk}/progress/", {"text": "Register added"}
    )
    assert response.status_code == 302
    assert verify().intact


def test_the_way_past_puts_a_request_back_to_its_own_partnerships(two_partnerships):
    """Inside a request (notify the owners of a returned action, end a membership) the way
    past is for its block only: afterwards the request reads its own partnership again."""
    a, b, world_a, _ = two_partnerships
    with database.scoped([a.pk], user_id=world_a["team"].pk):
        with database.every_partnership("a test of a request's way past"):
            assert Action.objects.count() == 2
        assert list(Action.objects.values_list("pk", flat=True)) == [world_a["action"].pk]
    assert Action.objects.count() == 2


def test_every_policy_reads_the_partnerships_where_the_planner_can_see_them():
    """Issue 21: as a sub-select the partnerships were a parameter the planner could not
    estimate, and it sorted a partnership's every action in progress to count 1,001 of
    them (159 ms at 240,000 actions) instead of walking an index (1–2 ms)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT polrelid::regclass::text, pg_get_expr(polqual, polrelid) FROM pg_policy"
        )
        policies = cursor.fetchall()
    assert set(GUARDED) <= {table for table, _ in policies}
    assert not [table for table, rule in policies if "sscp_partnerships()" in (rule or "")]
    # The first partnership as a single number, then the others (actions migration 0026).
    assert "current_setting('sscp.partnership'" in dict(policies)["actions_action"]
    assert "current_setting('sscp.other_partnerships'" in dict(policies)["actions_action"]
    assert not [table for table, rule in policies if "'sscp.partnerships'" in (rule or "")]
