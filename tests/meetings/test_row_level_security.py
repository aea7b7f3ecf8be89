"""On PostgreSQL, SILG meetings and all that belongs to them (agenda items, packs, minutes)
and their history are guarded like every partnership-owned table
(meetings/migrations/0002): a connection working for partnership A reads and writes nothing
of B's, and the history refuses to be rewritten."""

import datetime

import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from meetings import services
from meetings.models import Meeting
from sscp import database, roles
from tests.makers import make_partnership, make_user
from tests.meetings.makers import make_meeting, make_waiting

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

MODELS = ["meeting", "agendaitem", "meetingpack", "minuteentry"]
TABLES = [f"meetings_{m}" for m in MODELS] + [f"meetings_historical{m}" for m in MODELS]


def _count(table, partnership_id) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT count(*) FROM {table} WHERE partnership_id = %s",  # noqa: S608 (our names)
            [partnership_id],
        )
        return cursor.fetchone()[0]


def _held(partnership):
    """A meeting of `partnership` held today: its agenda, its pack, its minutes."""
    team = make_user(role=roles.PARTNERSHIP_TEAM, partnership=partnership)
    make_waiting(partnership, prefix=f"{partnership.slug} ")
    meeting = make_meeting(team, partnership=partnership, date=timezone.localdate())
    services.meeting_pack_issue(actor=team, meeting=meeting)
    services.minutes_confirm(actor=team, meeting=meeting)
    return team, meeting


def test_a_connection_for_a_reads_nothing_of_bs_meetings():
    a, b = make_partnership("alpha"), make_partnership("beta")
    team_a, _ = _held(a)
    _held(b)
    assert all(_count(table, b.pk) for table in TABLES)
    with database.scoped([a.pk], user_id=team_a.pk):
        assert [_count(table, b.pk) for table in TABLES] == [0] * len(TABLES)
        assert all(_count(table, a.pk) for table in TABLES)
        assert set(Meeting.objects.values_list("partnership", flat=True)) == {a.pk}
        with pytest.raises(DatabaseError), transaction.atomic():
            Meeting.objects.create(
                partnership=b,
                date=timezone.localdate() + datetime.timedelta(days=100),
                title="Sneaked in",
                created_by=team_a,
            )


def test_the_history_of_a_meeting_is_append_only():
    team, meeting = _held(make_partnership("alpha"))
    for table in [f"meetings_historical{m}" for m in MODELS]:
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(
                f"DELETE FROM {table} WHERE partnership_id = %s", [meeting.partnership_id]
            )  # noqa: S608
