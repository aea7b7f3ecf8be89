"""Deployment settings, headers, sessions and the error page."""

import datetime
import logging
import os
import re
import subprocess
import sys

import pytest
import time_machine
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from partnerships.models import Invitation
from tests.learning.makers import make_learning_activity
from tests.makers import (
    SLUG,
    agency_of,
    default_partnership,
    make_action,
    make_closure_day,
    make_theme,
)
from tests.meetings.makers import make_meeting

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

    evidence = make_evidence(make_action(agency=agency_of(lead_a)))
    response = client_for(lead_a).get(reverse("evidence-download", args=[SLUG, evidence.pk]))
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
    assert replay.get(reverse("home", args=[SLUG])).status_code == 302


def test_a_deactivated_persons_open_session_stops_at_their_next_request(client, lead_a):
    client.post("/sign-in/", {"username": "lead-a", "password": "test-pass-1234"})
    assert client.get(reverse("home", args=[SLUG])).status_code == 200
    lead_a.is_active = False
    lead_a.save()
    response = client.get(reverse("home", args=[SLUG]))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_a_session_ends_after_30_idle_minutes_and_activity_keeps_it(client, lead_a):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        client.post("/sign-in/", {"username": "lead-a", "password": "test-pass-1234"})
    with time_machine.travel(start + datetime.timedelta(minutes=25), tick=False):
        assert (
            client.get(reverse("home", args=[SLUG])).status_code == 200
        )  # activity restarts the clock
    with time_machine.travel(start + datetime.timedelta(minutes=50), tick=False):
        assert client.get(reverse("home", args=[SLUG])).status_code == 200  # 25 idle minutes
    with time_machine.travel(start + datetime.timedelta(minutes=81), tick=False):
        assert (
            client.get(reverse("home", args=[SLUG])).status_code == 302
        )  # 31 idle minutes: signed out


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
        response = client.get(reverse("action-detail", args=[SLUG, make_action().pk]))
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
    guessed = reverse("action-detail", args=[SLUG, action.pk + 1000])
    refused = reverse("action-edit", args=[SLUG, action.pk])  # planning is the partnership team's
    client = client_for(lead_a)
    with caplog.at_level(logging.WARNING):
        assert client.get(guessed).status_code == 404
        assert client.get(refused).status_code == 403
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert [r.getMessage() for r in caplog.records if r.name == "django.request"] == [
        f"Not Found: {guessed}",
        f"Forbidden (Permission denied): {refused}",
    ]


# Cache-Control (issue 15, item 14) ------------------------------------------------


def every_page(objects) -> list[str]:
    """Every address the URL resolver has, filled in with real records: the admin's lists
    and forms, and every page of the app. An address with a part this does not know how
    to fill in fails the test, so that a new page cannot be left out."""
    from django.apps import apps
    from django.urls import URLPattern, URLResolver, get_resolver

    addresses = []

    def value(route: str, name: str):
        segments = route.split("/")
        if segments[0] in {"<slug:partnership>", SLUG}:  # a partnership's page: the tests' own
            if name == "partnership":
                return SLUG
            segments = segments[1:]
        if segments[0] == "admin" and name in {"object_id", "id"} and segments[1] != "r":
            model = apps.get_model(segments[1], segments[2])  # admin/<app>/<model>/<id>/…
            first = model._default_manager.order_by("pk").values_list("pk", flat=True).first()
            return first or 1  # none yet (axes' lockouts): the page answers all the same
        return objects.get((segments[0], name), objects.get(name))

    def fill(route: str, converters) -> str:
        for name in converters:
            filled = value(route, name)
            assert filled is not None, f"nothing to fill <{name}> of {route} with"
            route = re.sub(rf"<(\w+:)?{name}>", str(filled), route, count=1)
        return "/" + route

    def walk(patterns, prefix=""):
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, route)
            elif isinstance(pattern, URLPattern) and "(" not in route and "^" not in route:
                addresses.append(fill(route, re.findall(r"<(?:\w+:)?(\w+)>", route)))

    walk(get_resolver().url_patterns)
    return addresses


@pytest.fixture
def one_of_everything(lead_a, silg_chair):
    from django.contrib.contenttypes.models import ContentType

    from actions import services
    from actions.models import Action
    from sscp.services import calendar_address_renew
    from tests.makers import make_evidence, make_impact_evidence

    action = make_action(agency=agency_of(lead_a), owner=lead_a)
    evidence = make_evidence(action, uploaded_by=lead_a)
    extension = services.extension_request(
        actor=lead_a,
        action=action,
        requested_due_date=action.due_date + datetime.timedelta(days=30),
        reason="Trainer ill",
    )
    calendar_address_renew(actor=lead_a, user=lead_a)
    lead_a.refresh_from_db()
    return {
        ("actions", "pk"): action.pk,
        ("recommendations", "pk"): action.recommendation_id,
        ("reviews", "pk"): action.recommendation.review_id,
        ("evidence", "pk"): evidence.pk,
        ("impact-evidence", "pk"): make_impact_evidence(action.recommendation).pk,
        ("extensions", "pk"): extension.pk,
        ("people", "pk"): lead_a.memberships.get().pk,
        ("agencies", "pk"): agency_of(lead_a).pk,
        ("themes", "pk"): make_theme("Neglect").pk,
        ("learning", "pk"): make_learning_activity().pk,
        ("meetings", "pk"): make_meeting(silg_chair).pk,
        ("invitations", "pk"): Invitation.objects.create(
            partnership=default_partnership(),
            email="new@example.org",
            role="chair",
            invited_by=lead_a,
            expires_at=timezone.now() + datetime.timedelta(days=7),
        ).pk,
        "token": lead_a.calendar_token,
        "uidb64": "MQ",
        "file_format": "csv",
        "stage": "notification",  # a review's journey (its pages 404 for this review)
        ("settings", "pk"): make_closure_day(
            partnership=default_partnership(),
            date=timezone.localdate() + datetime.timedelta(days=30),
            reason="Office move",
        ).pk,
        # The admin's "view on site" link: a content type, then an object of it.
        ("admin", "content_type_id"): ContentType.objects.get_for_model(Action).pk,
        ("admin", "object_id"): action.pk,
    }


def test_no_signed_in_page_is_kept_by_the_browser(client, one_of_everything, lead_a):
    """Issue 15, item 14: every page the resolver has, signed in (as an agency lead, and as
    an operator for the admin), answers Cache-Control: no-store (and a page, private)."""
    from tests.makers import make_user

    operator = make_user("operator", is_staff=True, is_superuser=True)
    kept = []
    for person in [lead_a, operator]:
        client.force_login(person)
        for address in every_page(one_of_everything):
            response = client.get(address)
            directives = {d.strip() for d in response.get("Cache-Control", "").split(",")}
            page = response.get("Content-Type", "").startswith("text/html")
            if "no-store" not in directives or (page and "private" not in directives):
                kept.append(f"{person} {address} {response.status_code}: {directives}")
    assert kept == []


def test_the_sign_in_and_password_pages_are_not_kept_either(client):
    """Issue 15, item 14: what someone typed into them must not come back with Back."""
    for name in ["login", "password_reset", "password_reset_done", "password_reset_complete"]:
        response = client.get(reverse(name))
        assert response.status_code == 200, name
        assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    assert "Cache-Control" not in client.get(reverse("accessibility"))


def test_downloads_keep_their_own_headers(client_for, lead_a):
    """Issue 15, item 14: a download is still a download, and is not kept either."""
    from tests.makers import make_evidence

    evidence = make_evidence(make_action(agency=agency_of(lead_a)), uploaded_by=lead_a)
    client = client_for(lead_a)
    download = client.get(reverse("evidence-download", args=[SLUG, evidence.pk]))
    assert download["Content-Disposition"].startswith("attachment")
    assert download["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert download["Cache-Control"] == "no-store"  # its own, as the view wrote it
    export = client.get(reverse("action-list-csv", args=[SLUG]))
    assert export["Content-Disposition"].startswith("attachment")
    assert "no-store" in export["Cache-Control"]


def test_static_files_stay_cacheable_when_signed_in(settings, lead_a):
    """Issue 15, item 14: no-store is for what a person saw, not the stylesheet."""
    settings.WHITENOISE_USE_FINDERS = True  # serve from the source folders, as in development
    client = Client()  # a new client: WhiteNoise reads its settings when it starts
    client.force_login(lead_a)
    response = client.get("/static/govuk/all.bundle.js")
    assert response.status_code == 200
    assert "no-store" not in response["Cache-Control"]
    assert "public" in response["Cache-Control"] and "max-age" in response["Cache-Control"]
