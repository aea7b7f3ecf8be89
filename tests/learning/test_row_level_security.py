"""On PostgreSQL, learning activities and their history are guarded like every
partnership-owned table (learning/migrations/0002): a connection working for partnership A
reads and writes nothing of B's, and the history refuses to be rewritten."""

import pytest
from django.db import DatabaseError, connection, transaction

from learning.models import LearningActivity
from sscp import database, roles
from tests.learning.makers import make_learning_activity
from tests.makers import make_partnership, make_user

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

TABLES = ["learning_learningactivity", "learning_historicallearningactivity"]


def _count(table, partnership_id) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT count(*) FROM {table} WHERE partnership_id = %s",  # noqa: S608 (our names)
            [partnership_id],
        )
        return cursor.fetchone()[0]


def test_a_connection_for_a_reads_nothing_of_bs_activities():
    a, b = make_partnership("alpha"), make_partnership("beta")
    team_a = make_user(role=roles.PARTNERSHIP_TEAM, partnership=a)
    for partnership in (a, b):
        activity = make_learning_activity(partnership=partnership)
        activity.title += " (edited)"
        activity.save()  # a history row too
    assert all(_count(table, b.pk) for table in TABLES)
    with database.scoped([a.pk], user_id=team_a.pk):
        assert [_count(table, b.pk) for table in TABLES] == [0, 0]
        assert all(_count(table, a.pk) for table in TABLES)
        assert set(LearningActivity.objects.values_list("partnership", flat=True)) == {a.pk}
        with pytest.raises(DatabaseError), transaction.atomic():
            LearningActivity.objects.create(
                partnership=b, kind="workshop", title="Sneaked in", held_on="2026-01-05",
                created_by=team_a,
            )  # fmt: skip


def test_the_history_of_an_activity_is_append_only():
    activity = make_learning_activity()
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(
            "UPDATE learning_historicallearningactivity SET title = 'Rewritten' WHERE id = %s",
            [activity.pk],
        )
