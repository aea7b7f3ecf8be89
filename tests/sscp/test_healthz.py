import json
import time

import pytest
from django.db import connection

from tests.faults_support import DatabaseProxy

pytestmark = pytest.mark.django_db


def test_healthz_answers_without_sign_in(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response["Cache-Control"].startswith("max-age=0")
    body = json.loads(response.content)
    assert body["status"] == "ok" and body["database"] == "ok"
    assert body["broker"] in {"ok", "unavailable"}
    assert set(body) == {"status", "database", "broker"}  # nothing else: no hosts, no versions


def test_an_unreachable_broker_is_reported_but_does_not_fail_the_check(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    response = client.get("/healthz")
    assert response.status_code == 200
    assert json.loads(response.content)["broker"] == "unavailable"


# Transactional: closed inside a test's transaction, Django would keep the closed
# connection and never try the new port.
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_healthz_is_503_when_the_database_does_not_answer(client):
    original = dict(connection.settings_dict)
    connection.close()
    connection.settings_dict["PORT"] = "1"  # nothing listens there
    try:
        response = client.get("/healthz")
    finally:
        connection.close()
        connection.settings_dict.update(original)
    assert response.status_code == 503
    assert json.loads(response.content) == {
        "status": "unavailable",
        "database": "unavailable",
        "broker": json.loads(response.content)["broker"],
    }


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_healthz_answers_503_within_its_own_timeout_when_the_database_hangs(client, settings):
    """Issue 15, item 4: a database that accepts connections and never answers holds the
    check for HEALTHZ_DATABASE_TIMEOUT (2 s), not the pages' connect timeout (5 s)."""
    proxy = DatabaseProxy(int(connection.settings_dict["PORT"] or 5432))
    proxy.hang()
    original = dict(connection.settings_dict)
    connection.close()
    connection.settings_dict.update(HOST="127.0.0.1", PORT=str(proxy.port))
    try:
        start = time.monotonic()
        response = client.get("/healthz")
        seconds = time.monotonic() - start
    finally:
        connection.close()
        connection.settings_dict.update(original)
        proxy.close()
    assert response.status_code == 503
    assert json.loads(response.content)["database"] == "unavailable"
    assert seconds < settings.HEALTHZ_DATABASE_TIMEOUT + 1.5
