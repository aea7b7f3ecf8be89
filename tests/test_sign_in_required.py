"""Every page needs sign-in: walk the URL configuration so a new page cannot be missed."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from sscp.urls import partnership_page_names
from tests.makers import (
    SLUG,
    make_action,
    make_evidence,
)

pytestmark = pytest.mark.django_db

# Pages anyone may open, and why.
PUBLIC = {
    "login": "the sign-in page itself",
    "accessibility": "the accessibility statement must be reachable by everyone",
    "healthz": "load balancers check it; it says nothing sensitive",
    "password_reset": "for people who cannot sign in",
    "password_reset_done": "for people who cannot sign in",
    "password_reset_complete": "for people who cannot sign in",
}
# Pages whose secret address is the key, because their callers cannot sign in.
SECRET_ADDRESS = {
    "calendar-feed": "calendar apps fetch the feed; its address holds a secret only its owner has",
    "password_reset_confirm": "the emailed link holds a one-time secret",
    "invitation-accept": "the emailed invitation holds a one-time secret",
}


def named_patterns(resolver=None, namespace=""):
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            if pattern.app_name == "admin":
                continue  # the admin has its own sign-in, tested below
            yield from named_patterns(pattern, namespace)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield pattern


@pytest.fixture
def sample_kwargs():
    action = make_action()
    evidence = make_evidence(action)
    return {"pk": action.pk, "evidence_pk": evidence.pk}


def url_for(pattern, sample_kwargs):
    kwargs = {
        name: sample_kwargs.get(name, sample_kwargs["pk"]) for name in pattern.pattern.converters
    }
    if pattern.name in partnership_page_names():
        kwargs["partnership"] = SLUG
    return reverse(pattern.name, kwargs=kwargs)


def test_every_page_redirects_to_sign_in_when_signed_out(client, sample_kwargs):
    checked = 0
    for pattern in named_patterns():
        if pattern.name in PUBLIC or pattern.name in SECRET_ADDRESS:
            continue
        url = url_for(pattern, sample_kwargs)
        for method in (client.get, client.post):
            response = method(url)
            assert response.status_code == 302, url
            assert response["Location"].startswith(reverse("login") + "?next="), url
        checked += 1
    assert checked >= 5


def test_public_pages_open_without_sign_in(client):
    for name in PUBLIC:
        assert client.get(reverse(name)).status_code == 200


def test_a_secret_address_without_its_secret_gives_nothing_away(client):
    assert client.get(reverse("calendar-feed", args=["guessed"])).status_code == 404
    page = client.get(
        reverse("password_reset_confirm", args=["MQ", "guessed-token"])
    ).content.decode()
    assert "This link has expired" in page


def test_the_admin_needs_staff_sign_in(client):
    response = client.get("/admin/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
