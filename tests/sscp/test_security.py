"""Deployment settings, headers, sessions and the error page."""

import datetime
import logging
import os
import subprocess
import sys

import pytest
import time_machine
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.makers import make_action

pytestmark = pytest.mark.django_db

PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "k3y-" + "aZ9_" * 15,
    "ALLOWED_HOSTS": "tracker.example.org",
    "SITE_URL": "https://tracker.example.org",
}


def test_production_settings_pass_check_deploy():
    env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY", "HTTPS"}}
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=settings.BASE_DIR,
        env={**env, **PRODUCTION},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


@pytest.fixture
def https(settings):
    """The production security settings, as HTTPS=true gives them."""
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = True


def test_responses_carry_the_security_headers(client, https):
    assert client.get("/sign-in/").status_code == 301  # plain HTTP goes to HTTPS
    response = client.get("/sign-in/", secure=True)
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    cookie = response.cookies["csrftoken"]
    assert cookie["secure"] and cookie["httponly"] and cookie["samesite"] == "Lax"


def test_the_session_cookie_is_secure_httponly_and_samesite(client, https, lead_a):
    client.post("/sign-in/", {"username": "lead-a", "password": "test-pass-1234"}, secure=True)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["secure"] and cookie["httponly"] and cookie["samesite"] == "Lax"


def test_the_evidence_download_keeps_its_own_stricter_policy(client_for, lead_a):
    from tests.makers import make_evidence

    evidence = make_evidence(make_action(agency=lead_a.agency))
    response = client_for(lead_a).get(reverse("evidence-download", args=[evidence.pk]))
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"


def test_signing_in_gives_a_new_session_key(client, lead_a):
    client.get("/sign-in/")
    client.session["before"] = True
    client.session.save()
    before = client.session.session_key
    client.post("/sign-in/", {"username": "lead-a", "password": "test-pass-1234"})
    assert client.session.session_key != before
    assert "_auth_user_id" in client.session


def test_signing_out_ends_the_session_on_the_server(client, lead_a):
    client.post("/sign-in/", {"username": "lead-a", "password": "test-pass-1234"})
    key = client.session.session_key
    assert Session.objects.filter(session_key=key).exists()
    client.post(reverse("logout"))
    assert not Session.objects.filter(session_key=key).exists()
    # Replaying the old cookie does not sign anyone in.
    replay = Client()
    replay.cookies[settings.SESSION_COOKIE_NAME] = key
    assert replay.get(reverse("home")).status_code == 302


def test_a_deactivated_persons_open_session_stops_at_their_next_request(client, lead_a):
    client.post("/sign-in/", {"username": "lead-a", "password": "test-pass-1234"})
    assert client.get(reverse("home")).status_code == 200
    lead_a.is_active = False
    lead_a.save()
    response = client.get(reverse("home"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_a_session_ends_after_30_idle_minutes_and_activity_keeps_it(client, lead_a):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        client.post("/sign-in/", {"username": "lead-a", "password": "test-pass-1234"})
    with time_machine.travel(start + datetime.timedelta(minutes=25), tick=False):
        assert client.get(reverse("home")).status_code == 200  # activity restarts the clock
    with time_machine.travel(start + datetime.timedelta(minutes=50), tick=False):
        assert client.get(reverse("home")).status_code == 200  # 25 idle minutes
    with time_machine.travel(start + datetime.timedelta(minutes=81), tick=False):
        assert client.get(reverse("home")).status_code == 302  # 31 idle minutes: signed out


def test_an_error_shows_a_plain_page_with_a_reference_and_no_traceback(
    client, lead_a, monkeypatch, caplog
):
    from actions import selectors

    def broken():
        raise RuntimeError("secret internals")

    monkeypatch.setattr(selectors, "action_page", broken)
    client = Client(raise_request_exception=False)
    client.force_login(lead_a)
    with caplog.at_level(logging.ERROR, logger="sscp.errors"):
        response = client.get(reverse("action-detail", args=[make_action().pk]))
    page = response.content.decode()
    assert response.status_code == 500
    assert "Sorry, there is a problem with the service" in page
    assert "Traceback" not in page and "secret internals" not in page and "RuntimeError" not in page
    [record] = [r for r in caplog.records if "Unhandled error" in r.getMessage()]
    reference = record.args[-1]
    assert f'<strong class="sscp-reference">{reference}</strong>' in page
    assert record.exc_info[1].args == ("secret internals",)


def test_a_guessed_or_refused_address_is_not_logged_as_an_error(client_for, lead_a, caplog):
    action = make_action()
    guessed = reverse("action-detail", args=[action.pk + 1000])
    refused = reverse("action-edit", args=[action.pk])  # planning is the partnership team's
    client = client_for(lead_a)
    with caplog.at_level(logging.WARNING):
        assert client.get(guessed).status_code == 404
        assert client.get(refused).status_code == 403
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert [r.getMessage() for r in caplog.records if r.name == "django.request"] == [
        f"Not Found: {guessed}",
        f"Forbidden (Permission denied): {refused}",
    ]
