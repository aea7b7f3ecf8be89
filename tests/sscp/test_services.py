"""The real services the app runs on in CI and production: PostgreSQL and Redis."""

import uuid

import pytest
from django.db import IntegrityError, connection, transaction
from kombu import Connection

from sscp.celery import app
from tests.makers import make_action

pytestmark = pytest.mark.django_db


@pytest.mark.postgres
def test_postgresql_enforces_the_status_constraint_even_for_raw_sql():
    action = make_action()
    with (
        pytest.raises(IntegrityError, match="action_status_valid"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("UPDATE actions_action SET status = 'done-ish' WHERE id = %s", [action.pk])


@pytest.mark.redis
def test_celery_sends_and_receives_through_redis(settings):
    assert app.conf.broker_url == settings.REDIS_URL
    queue_name = f"sscp-test-{uuid.uuid4().hex}"
    with Connection(app.conf.broker_url) as conn:
        queue = conn.SimpleQueue(queue_name)
        queue.put({"hello": "redis"})
        message = queue.get(timeout=5)
        assert message.payload == {"hello": "redis"}
        message.ack()
        queue.clear()
        queue.close()
