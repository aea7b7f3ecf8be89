"""
Refusals anyone can cause, as often as they like (issue 15, items 12 and 15): guessed
calendar addresses, failed sign-ins, lockouts and CSRF failures. Each is on the sealed
record, but a bounded number of times an hour from each address; past a limit the
address is answered 429.
"""

import io

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from audits.models import AccessEvent, AuditRecord
from audits.sealing import verify
from sscp.security import CALENDAR_GUESS, record_refusal
from tests.makers import SLUG, agency_of, make_action

pytestmark = pytest.mark.django_db

ATTACKER, NEIGHBOUR = "203.0.113.9", "198.51.100.7"


def guess(client, n, address=ATTACKER):
    return client.get(reverse("calendar-feed", args=[f"guessed-token-{n}"]), REMOTE_ADDR=address)


def log_page(client_for, person) -> str:
    return client_for(person).get(reverse("audit-log", args=[SLUG])).content.decode()


def test_guessed_calendar_addresses_are_recorded_boundedly_and_then_refused(settings):
    """Issue 15, item 12: 200 guesses from one address write at most
    ANONYMOUS_REFUSALS_RECORDED + 1 sealed records and end in 429 with Retry-After;
    another address is unaffected; the audit trail verifies."""
    client = Client()
    records_before = AuditRecord.objects.count()
    answers = [guess(client, n).status_code for n in range(200)]
    written = AuditRecord.objects.count() - records_before
    assert written <= settings.ANONYMOUS_REFUSALS_RECORDED + 1
    assert answers[: settings.ANONYMOUS_REFUSAL_BLOCK] == [404] * settings.ANONYMOUS_REFUSAL_BLOCK
    assert set(answers[settings.ANONYMOUS_REFUSAL_BLOCK :]) == {429}
    refused = guess(client, 201)
    assert refused.status_code == 429 and 0 < int(refused["Retry-After"]) <= 3600
    summary = AuditRecord.objects.order_by("-seq").first()
    more = settings.ANONYMOUS_REFUSAL_BLOCK - settings.ANONYMOUS_REFUSALS_RECORDED
    assert summary.description == (
        f"{more} more requests for calendar feed addresses that do not exist "
        f"from {ATTACKER} in the last hour"
    )
    assert guess(client, 202, address=NEIGHBOUR).status_code == 404
    assert AccessEvent.objects.filter(ip_address=NEIGHBOUR).count() == 1
    result = verify()
    assert result.intact, result.problem


def test_a_real_calendar_address_still_works_for_someone_else(lead_a):
    """Issue 15, item 12: the block is the guesser's address only."""
    from sscp.services import calendar_address_renew

    calendar_address_renew(actor=lead_a, user=lead_a)
    lead_a.refresh_from_db()
    make_action(agency=agency_of(lead_a), owner=lead_a)
    client = Client()
    for n in range(settings.ANONYMOUS_REFUSAL_BLOCK + 5):
        guess(client, n)
    feed = reverse("calendar-feed", args=[lead_a.calendar_token])
    assert client.get(feed, REMOTE_ADDR=NEIGHBOUR).status_code == 200
    assert client.get(feed, REMOTE_ADDR=ATTACKER).status_code == 429


def test_each_kind_of_refusal_is_counted_on_its_own(rf, settings):
    """Issue 15, item 12: per kind and address, the first N one by one, then one count."""
    settings.ANONYMOUS_REFUSALS_RECORDED, settings.ANONYMOUS_REFUSAL_BLOCK = 3, 6
    from django.contrib.auth.models import AnonymousUser

    from sscp.security import CSRF_FAILURE

    request = rf.get("/calendar/x.ics", REMOTE_ADDR=ATTACKER)
    request.user = AnonymousUser()
    for _ in range(10):
        record_refusal(request, CALENDAR_GUESS)
    record_refusal(request, CSRF_FAILURE)
    kinds = list(AccessEvent.objects.order_by("pk").values_list("kind", flat=True))
    assert kinds == ["refused"] * 3 + ["refusals_counted", "csrf_failure"]
    assert AuditRecord.objects.filter(record_type="request").count() == 5


def test_a_failed_sign_in_a_lockout_and_a_csrf_failure_are_in_the_audit_log(
    client_for, partnership_officer, lead_a
):
    """Issue 15, item 15: each appears in the partnership team's audit log and in
    verify_audit_trail's count; never what was typed as a username."""
    client = Client()
    client.post(reverse("login"), {"username": "lead-a", "password": "wrong"}, REMOTE_ADDR=ATTACKER)
    client.post(
        reverse("login"),
        {"username": "my-password-typed-here", "password": "x"},
        REMOTE_ADDR=ATTACKER,
    )
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(
            reverse("login"), {"username": "lead-a", "password": "wrong"}, REMOTE_ADDR=NEIGHBOUR
        )
    careful = Client(enforce_csrf_checks=True)
    refused = careful.post(reverse("login"), {"username": "lead-a"}, REMOTE_ADDR=ATTACKER)
    assert refused.status_code == 403
    assert "Your form could not be sent" in refused.content.decode()
    # The partnership's own people's refusals are in its team's log; those of no account,
    # and of no one signed in, belong to no partnership: they are in the sealed trail,
    # which the operator reads in the admin.
    page = log_page(client_for, partnership_officer)
    assert f"Sign-in failed for “lead-a”: POST /sign-in/ from {ATTACKER}" in page
    assert "Sign-in refused: locked out after repeated failures for “lead-a”" in page
    assert f"Sign-in failed: POST /sign-in/ from {ATTACKER}" not in page
    records = list(AuditRecord.objects.values_list("description", "reason"))
    assert (f"Sign-in failed: POST /sign-in/ from {ATTACKER}", "No account has that username") in (
        records
    )
    assert not any("my-password-typed-here" in " ".join(record) for record in records)
    csrf = f"Form refused: its security token was missing or wrong: POST /sign-in/ from {ATTACKER}"
    assert any(description == csrf for description, _ in records)
    kinds = set(AccessEvent.objects.values_list("kind", flat=True))
    assert {"sign_in_failed", "locked_out", "csrf_failure"} <= kinds
    verified = io.StringIO()
    call_command("verify_audit_trail", stdout=verified)
    assert f"intact: {AuditRecord.objects.count()} records verified" in verified.getvalue()
    assert "Sign-in failed" not in log_page(client_for, lead_a)  # for the team and the chair


def test_failed_sign_ins_from_one_address_are_recorded_boundedly(settings):
    """Issue 15, items 12 and 15: a password-guessing run is counted, not sealed each time."""
    settings.AXES_FAILURE_LIMIT = 1000  # the sign-in's own limits are not what is tested
    settings.SIGN_IN_ADDRESS_FAILURE_RATE = "1000/h"
    client = Client()
    for n in range(settings.ANONYMOUS_REFUSAL_BLOCK + 10):
        client.post(
            reverse("login"), {"username": f"user{n}", "password": "x"}, REMOTE_ADDR=ATTACKER
        )
    events = AccessEvent.objects.filter(ip_address=ATTACKER)
    assert events.filter(kind="sign_in_failed").count() == settings.ANONYMOUS_REFUSALS_RECORDED
    assert events.filter(kind="refusals_counted").count() == 1
    assert verify().intact
