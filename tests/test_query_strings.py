"""
Hostile query strings on every page that takes one (issue 15, item 11).

The pages are found from the URL resolver: every page whose address has no parts to
fill in. Each is asked for with every filter its FilterSet declares, and the paging
and choice parameters every page reads, set to values an attacker would send: numbers
too big for any database column, negative numbers, NUL bytes, digits that are not
ASCII, lists, very long strings. A bad filter may be refused (400) or ignored, or
shown as an error on the page; it may never be a server error. Run on PostgreSQL and
on SQLite, whose integers fail differently.
"""

import re

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from actions.filters import ActionFilter
from actions.models import Action
from dashboards.filters import AuditLogFilter
from reviews.filters import RecommendationFilter
from reviews.models import Recommendation
from sscp.pagination import MAX_PAGE
from sscp.scope import Scope
from tests import pages
from tests.makers import (
    SLUG,
    agency_of,
    default_partnership,
    make_action,
    make_evidence,
    make_review,
)

pytestmark = pytest.mark.django_db

# The FilterSet behind each page with a filter form; every other page is checked to
# have none (test_every_page_with_a_filter_form_is_in_the_matrix).
FILTERSETS = {
    "action-list": (ActionFilter, Action),
    "action-list-csv": (ActionFilter, Action),
    "action-list-xlsx": (ActionFilter, Action),
    "recommendation-list": (RecommendationFilter, Recommendation),
    "audit-log": (AuditLogFilter, None),
    "audit-log-csv": (AuditLogFilter, None),
}
# Pages whose GET form is a plain form (search.forms.SearchForm), not a filter set.
GET_FORMS = {"search": ["q"]}
# What pages read from the URL besides their filters: pages of lists, the year of the
# annual figures, where to go after signing in.
EVERY_PAGE_READS = ["page", "extensions_page", "year", "next"]
HOSTILE = [
    "99999999999999999999999",  # past any integer column
    "-99999999999999999999999",
    "9223372036854775808",  # one past a 64-bit integer
    "-1",
    "²",  # str.isdigit() says yes, int() says no
    "\x00",
    "1\x002",
    "%00",
    "9" * 5000,  # past the digits int() takes
    "A" * 10_000,
    ["99999999999999999999999", "abc", "\x00"],
]
# A page whose filters depend on who is looking: an agency lead sees part of the log, and
# chooses only among the people in that part.
ALSO_AS_A_LEAD = {"audit-log"}


def pages_without_parameters() -> list[str]:
    """The names of every page whose address has nothing to fill in (the admin aside)."""
    names = []

    def walk(patterns, namespace=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                if pattern.namespace != "admin":
                    walk(pattern.url_patterns, pattern.namespace or namespace)
            elif (
                isinstance(pattern, URLPattern)
                and pattern.name
                and not pattern.pattern.converters
                and "(" not in str(pattern.pattern)
            ):
                names.append(f"{namespace}:{pattern.name}" if namespace else pattern.name)

    walk(get_resolver().url_patterns)
    return names


def field_names(filterset_class, model) -> list[str]:
    queryset = model.objects.none() if model else None
    scope = Scope.of([default_partnership()])
    form = filterset_class(queryset=queryset, scope=scope).form
    names = []
    for name, field in form.fields.items():
        parts = getattr(field.widget, "widgets_names", None)
        names += [f"{name}{part}" for part in parts] if parts else [name]
    return names


def query_names(page: str) -> list[str]:
    declared = field_names(*FILTERSETS[page]) if page in FILTERSETS else GET_FORMS.get(page, [])
    return declared + EVERY_PAGE_READS


@pytest.fixture
def world(lead_a, lead_b):
    review = make_review(title="Clare")
    action = make_action(agency=agency_of(lead_a), owner=lead_a, status="in_progress")
    make_action(action.recommendation, agency=agency_of(lead_b), status="submitted")
    make_evidence(action, uploaded_by=lead_a)
    return review


def test_the_matrix_finds_the_list_pages():
    pages = pages_without_parameters()
    for page in FILTERSETS:
        assert page in pages
    assert {"review-list", "sign-off-queue", "my-reminders", "annual-report"} <= set(pages)


def test_every_field_of_every_get_form_is_in_the_matrix(client_for, silg_chair, world):
    """What a page's GET forms send is what the matrix tries (else: add it to FILTERSETS)."""
    client = client_for(silg_chair)
    for page in pages_without_parameters():
        response = client.get(pages.address(page))
        if response.streaming:
            continue  # a download
        html = response.content.decode(errors="replace")
        for form in re.findall(r'<form method="get".*?</form>', html, re.S):
            sent = set(re.findall(r'name="([^"]+)"', form))
            assert sent <= set(query_names(page)), (page, sent - set(query_names(page)))


@pytest.mark.parametrize("page", pages_without_parameters())
def test_no_hostile_query_string_causes_a_server_error(page, personas, world):
    """Issue 15, item 11: every page × every filter it declares × hostile values → no 5xx."""
    failures = []
    for persona in ["chair", "lead_a"] if page in ALSO_AS_A_LEAD else ["chair"]:
        client = Client(raise_request_exception=False)
        client.force_login(personas[persona])
        for name in query_names(page):
            for value in HOSTILE:
                response = client.get(pages.address(page), {name: value})
                if response.status_code >= 500:
                    failures.append(f"{persona} {name}={str(value)[:30]!r}: {response.status_code}")
    assert failures == []


def test_an_agency_id_too_big_for_the_database_is_an_invalid_choice(client_for, silg_chair, world):
    """Issue 15, item 11: the issue's own address answers, saying the choice is not valid."""
    client = client_for(silg_chair)
    for page in ["action-list", "recommendation-list", "audit-log"]:
        response = client.get(pages.address(page), {"agency": "99999999999999999999999"})
        assert response.status_code == 200
        assert "There is a problem" in response.content.decode()


def test_a_page_number_too_big_for_the_database_shows_an_empty_page(client_for, silg_chair, world):
    """Issue 15, item 11: /audit-log/?page=99999999999999999999 was a 503."""
    client = client_for(silg_chair)
    response = client.get(reverse("audit-log", args=[SLUG]), {"page": "99999999999999999999"})
    assert response.status_code == 200
    assert "No records match these filters." in response.content.decode()
    assert response.context["page"].number == MAX_PAGE
    first = client.get(reverse("audit-log", args=[SLUG]), {"page": "-3"})
    assert first.context["page"].number == 1
