import json

import pytest
from django.db import connection

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


@pytest.mark.postgres
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
