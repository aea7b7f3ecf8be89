"""
The database failing: refusing a statement, down, hung, or holding a table locked.

Whatever fails, and wherever (a middleware before the view, the view, a middleware
after it), the person gets the "database" page: 503, Retry-After, and that nothing
was saved; its reference is in the log record with the traceback. The tests at the
end serve the app with gunicorn in a process of its own, against the real test
PostgreSQL through a TCP proxy on loopback that the test cuts and makes hang.
"""

import json
import logging

import psycopg
import pytest
from django.conf import global_settings
from django.db import connection
from django.test import Client
from django.urls import reverse

from actions.models import Action, ProgressUpdate
from tests.faults_support import (
    REFERENCE,
    Browser,
    DatabaseProxy,
    app_server,
    database_refuses,
    database_url,
)
from tests.makers import SLUG, agency_of, make_action, make_lead

FOOTER = "Review tracker for the Safeguarding Children Partnerships."
PASSWORD = "a long test password 15"
CONNECT_TIMEOUT, STATEMENT_TIMEOUT, HEALTHZ_TIMEOUT = 3, 2, 2
SLACK = 2  # seconds for the server to do everything but wait


def error_record(caplog, reference):
    [record] = [r for r in caplog.records if f"reference {reference}" in r.getMessage()]
    return record


@pytest.fixture
def sessions_table_missing(migrated_data):
    """The sessions table is not there (a migration half done): reading a session fails."""
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE django_session RENAME TO django_session_gone")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("ALTER TABLE django_session_gone RENAME TO django_session")


@pytest.mark.django_db(transaction=True)
def test_a_database_error_before_any_view_gets_the_database_page(
    migrated_data, lead_a, request, caplog
):
    """Issue 15, item 4: the session cannot be read, in a middleware before any view:
    503 with Retry-After, not the 500 page; the reference is logged with the error."""
    client = Client(raise_request_exception=False)
    client.force_login(lead_a)
    request.getfixturevalue("sessions_table_missing")
    with caplog.at_level(logging.ERROR, logger="sscp.errors"):
        response = client.get(reverse("home", args=[SLUG]))
    page = response.content.decode()
    assert response.status_code == 503 and response["Retry-After"] == "60"
    assert "Sorry, the service cannot show this page just now" in page
    assert "Nothing was saved or changed" in page
    assert FOOTER in page
    record = error_record(caplog, REFERENCE.search(page).group(1))
    assert "django_session" in str(record.exc_info[1])


@pytest.mark.django_db
def test_a_refused_write_names_the_service_in_the_footer(client_for, lead_a):
    """Issue 15, item 4: the error pages are rendered with the service's names, which
    the context processors would give (they need the database, so are not used)."""
    action = make_action(agency=agency_of(lead_a))
    with database_refuses(ProgressUpdate._meta.db_table):
        response = client_for(lead_a).post(
            reverse("action-progress", args=[SLUG, action.pk]), {"text": "Audit done"}
        )
    page = response.content.decode()
    assert response.status_code == 503 and response["Retry-After"] == "60"
    assert "Your change has not been saved" in page and "nothing was saved" in page
    assert FOOTER in page
    assert "– Review tracker – Safeguarding Children Partnerships</title>" in page


@pytest.mark.django_db
def test_the_500_page_names_the_service_and_logs_its_reference_once(lead_a, monkeypatch, caplog):
    """Issue 15, item 4: one log record per error, with the reference and the traceback."""
    from actions import selectors

    def broken():
        raise RuntimeError("secret internals")

    monkeypatch.setattr(selectors, "action_page", broken)
    client = Client(raise_request_exception=False)
    client.force_login(lead_a)
    with caplog.at_level(logging.ERROR):
        response = client.get(reverse("action-detail", args=[SLUG, make_action().pk]))
    page = response.content.decode()
    assert response.status_code == 500 and FOOTER in page
    reference = REFERENCE.search(page).group(1)
    tracebacks = [r for r in caplog.records if r.exc_info]
    assert [r.getMessage() for r in tracebacks] == [
        f"Unhandled error on GET {response.request['PATH_INFO']}, reference {reference}"
    ]


@pytest.mark.postgres
def test_with_the_database_down_a_signed_in_page_is_503_not_500(migrated_data, lead_a, caplog):
    """Issue 15, item 4: the session cannot be read (in a middleware, before any view).
    Transactional: closed inside a test's transaction, Django would keep the closed
    connection and never try the new port."""
    client = Client(raise_request_exception=False)
    client.force_login(lead_a)
    original = dict(connection.settings_dict)
    connection.close()
    connection.settings_dict["PORT"] = "1"  # nothing listens there
    try:
        with caplog.at_level(logging.ERROR, logger="sscp.errors"):
            response = client.get(reverse("home", args=[SLUG]))
    finally:
        connection.close()
        connection.settings_dict.update(original)
    assert response.status_code == 503 and response["Retry-After"] == "60"
    assert "Nothing was saved or changed" in response.content.decode()
    record = error_record(caplog, REFERENCE.search(response.content.decode()).group(1))
    assert record.exc_info is not None


# The app served in a process of its own -------------------------------------------


@pytest.fixture
def proxy():
    proxy = DatabaseProxy(int(connection.settings_dict["PORT"] or 5432))
    yield proxy
    proxy.close()


@pytest.fixture
def server(proxy, migrated_data):
    """gunicorn serving the app, on the test database through the proxy."""
    environment = {
        "DATABASE_URL": database_url(proxy.port),
        "DATABASE_CONNECT_TIMEOUT": str(CONNECT_TIMEOUT),
        "DATABASE_STATEMENT_TIMEOUT": str(STATEMENT_TIMEOUT),
        "HEALTHZ_DATABASE_TIMEOUT": str(HEALTHZ_TIMEOUT),
    }
    with app_server(environment) as (port, log):
        yield Browser(port), log


@pytest.fixture
def signed_in(server, settings, agency_a):
    """A lead signed in through the sign-in page while the database is up."""
    settings.PASSWORD_HASHERS = global_settings.PASSWORD_HASHERS  # as the server checks
    browser, log = server
    lead = make_lead(agency_a, "lead-faults")
    lead.set_password(PASSWORD)
    lead.save()
    browser.sign_in("lead-faults", PASSWORD)
    assert browser.get("/test/").status == 200
    return browser, log, make_action(agency=agency_a, owner=lead)


def assert_database_page(answer, log, *, heading):
    assert answer.status == 503, answer.text
    assert answer.headers["Retry-After"] == "60"
    assert heading in answer.text and "nothing was saved" in answer.text.lower()
    record = log.record(f"reference {answer.reference()}")
    assert record[0].split(" ", 3)[2:3] == ["ERROR"]
    assert record[1] == "Traceback (most recent call last):"
    assert any(line.startswith("django.db.utils.OperationalError") for line in record), record


@pytest.mark.postgres
def test_with_the_database_down_pages_and_posts_answer_503_saying_nothing_was_saved(
    signed_in, proxy
):
    """Issue 15, item 4: the database stops listening. A page and a POST are 503 with
    Retry-After and "nothing was saved", and each reference is in the server's log in
    the record of its traceback (they used to be a 500 whose reference was nowhere)."""
    browser, log, action = signed_in
    proxy.refuse()
    page = browser.get("/test/")
    assert_database_page(page, log, heading="Sorry, the service cannot show this page just now")
    posted = browser.post(f"/test/actions/{action.pk}/progress/", {"text": "Training done"})
    assert_database_page(posted, log, heading="Your change has not been saved")
    assert "Review tracker for the Safeguarding Children Partnerships" in page.text
    health = Browser(browser.port).get("/healthz")  # as a load balancer: no cookies
    assert health.status == 503 and json.loads(health.text)["database"] == "unavailable"

    proxy.forward()
    assert browser.get("/test/").status == 200  # still signed in: nothing was lost
    assert not ProgressUpdate.objects.filter(action=action).exists()


@pytest.mark.postgres
def test_with_the_database_hung_healthz_and_pages_answer_503_within_their_timeouts(
    signed_in, proxy
):
    """Issue 15, item 4: the database accepts connections and never answers. /healthz
    answers 503 within HEALTHZ_DATABASE_TIMEOUT, a page within the connect timeout."""
    browser, log, action = signed_in
    proxy.hang()
    health = Browser(browser.port).get("/healthz")
    assert health.status == 503 and health.seconds < HEALTHZ_TIMEOUT + SLACK
    page = browser.get(f"/test/actions/{action.pk}/")
    assert_database_page(page, log, heading="Sorry, the service cannot show this page just now")
    assert page.seconds < CONNECT_TIMEOUT + SLACK
    posted = browser.post(f"/test/actions/{action.pk}/progress/", {"text": "Training done"})
    assert_database_page(posted, log, heading="Your change has not been saved")
    assert posted.seconds < CONNECT_TIMEOUT + SLACK


@pytest.fixture
def sessions_locked():
    """Another connection holds the sessions table locked, as a stuck migration would."""
    db = connection.settings_dict
    holder = psycopg.connect(
        host=db["HOST"] or "127.0.0.1",
        port=db["PORT"] or 5432,
        dbname=db["NAME"],
        user=db["USER"],
        password=db["PASSWORD"] or None,
    )
    try:
        holder.execute("LOCK TABLE django_session IN ACCESS EXCLUSIVE MODE")
        yield
    finally:
        holder.rollback()
        holder.close()


@pytest.mark.postgres
def test_a_statement_waiting_on_a_locked_table_ends_at_the_statement_timeout(signed_in, request):
    """Issue 15, item 4: reading the session waits on a lock; the statement timeout
    ends it and the page is 503 in that time. /healthz reads the same table, and
    answers within its own timeout."""
    browser, log, action = signed_in
    request.getfixturevalue("sessions_locked")
    page = browser.get(f"/test/actions/{action.pk}/")
    assert page.status == 503 and page.seconds < STATEMENT_TIMEOUT + SLACK
    record = log.record(f"reference {page.reference()}")
    assert any("canceling statement due to statement timeout" in line for line in record)
    health = Browser(browser.port).get("/healthz")
    assert health.status == 503 and health.seconds < HEALTHZ_TIMEOUT + SLACK
    assert Action.objects.filter(pk=action.pk).exists()
