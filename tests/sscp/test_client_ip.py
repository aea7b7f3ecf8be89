"""
The client's real address behind a load balancer (sscp.security.client_ip): what the
audit trail records and what refusals are counted against (issue 15, items 12 and 15).
"""

import pytest
from django.test import Client
from django.urls import reverse

from audits.models import AccessEvent
from sscp.security import client_ip
from tests.makers import SLUG

pytestmark = pytest.mark.django_db

BALANCER = "10.0.0.2"


@pytest.fixture
def behind_one_proxy(settings):
    settings.TRUSTED_PROXY_COUNT = 1


def test_the_address_is_the_one_the_trusted_proxy_saw(rf, behind_one_proxy):
    # The client may write anything at the left of X-Forwarded-For; the proxy adds, at the
    # right, the address it was connected from.
    request = rf.get("/", REMOTE_ADDR=BALANCER, HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.9")
    assert client_ip(request) == "203.0.113.9"


def test_without_a_proxy_the_header_is_ignored(rf, settings):
    settings.TRUSTED_PROXY_COUNT = 0
    request = rf.get("/", REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR="1.2.3.4")
    assert client_ip(request) == "203.0.113.9"


def test_a_refusal_records_the_clients_address_not_the_balancers(
    client_for, lead_a, behind_one_proxy
):
    """Issue 15, item 15: the audit trail says where a refused request came from."""
    client = client_for(lead_a)
    response = client.get(
        reverse("action-detail", args=[SLUG, 999_999]),
        REMOTE_ADDR=BALANCER,
        HTTP_X_FORWARDED_FOR="203.0.113.9",
    )
    assert response.status_code == 404
    assert AccessEvent.objects.get().ip_address == "203.0.113.9"


def test_failed_sign_ins_are_counted_per_client_not_per_balancer(settings, behind_one_proxy):
    """Issue 15, item 12: everyone behind a load balancer does not share one count."""
    settings.AXES_FAILURE_LIMIT = 1000
    settings.SIGN_IN_ADDRESS_FAILURE_RATE = "1000/h"
    client = Client()
    for n in range(settings.ANONYMOUS_REFUSALS_RECORDED + 5):
        client.post(
            reverse("login"),
            {"username": f"user{n}", "password": "x"},
            REMOTE_ADDR=BALANCER,
            HTTP_X_FORWARDED_FOR="203.0.113.9",
        )
    client.post(
        reverse("login"),
        {"username": "someone", "password": "x"},
        REMOTE_ADDR=BALANCER,
        HTTP_X_FORWARDED_FOR="198.51.100.7",
    )
    recorded = AccessEvent.objects.filter(kind=AccessEvent.Kind.SIGN_IN_FAILED)
    assert recorded.filter(ip_address="203.0.113.9").count() == settings.ANONYMOUS_REFUSALS_RECORDED
    assert recorded.filter(ip_address="198.51.100.7").count() == 1
    assert not recorded.filter(ip_address=BALANCER).exists()


@pytest.mark.parametrize(
    "forwarded_for, proxies, expected",
    [
        ("203.0.113.9", 1, "203.0.113.9"),  # what a load balancer sends
        ("1.2.3.4, 203.0.113.9", 1, "203.0.113.9"),  # with a value the client wrote
        ("203.0.113.9, 10.0.0.7", 2, "203.0.113.9"),  # a CDN, then the balancer
        ("1.2.3.4, 203.0.113.9, 10.0.0.7", 2, "203.0.113.9"),
        ("not an address", 1, BALANCER),
        ("", 1, BALANCER),
    ],
)
def test_the_client_is_as_many_addresses_from_the_right_as_there_are_proxies(
    rf, settings, forwarded_for, proxies, expected
):
    """Issue 15, items 12 and 13: a load balancer's own header, X-Forwarded-For: <client>,
    must give the client, not the balancer (django-ipware's strict count gave the balancer)."""
    settings.TRUSTED_PROXY_COUNT = proxies
    request = rf.get("/", REMOTE_ADDR=BALANCER, HTTP_X_FORWARDED_FOR=forwarded_for)
    assert client_ip(request) == expected
