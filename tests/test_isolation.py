"""
Partnerships are sealed off from each other (issue 17, item 1): for every page the URL
resolver has under a partnership's address, a person of partnership A asking for
partnership B's records — at A's address with B's ids, or at B's own address — gets 404,
is told nothing more, leaves the refusal on the record, and changes nothing. Generated
from the resolver: a new page fails here until its records are known below.
"""

import datetime
import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from actions import services
from actions.models import Action, Evidence, ExtensionRequest, ProgressUpdate, SignOffDecision
from audits.models import AccessEvent
from meetings.models import AgendaItem, Meeting, MeetingPack, MinuteEntry
from partnerships.models import Invitation
from reviews.models import ProgressCheck, Recommendation, Review, Theme
from sscp import roles
from sscp.models import Agency, ClosureDay, Membership, Partnership, User
from sscp.urls import PARTNERSHIP
from tests.learning.makers import make_learning_activity
from tests.makers import (
    make_action,
    make_agency,
    make_closure_day,
    make_evidence,
    make_impact_evidence,
    make_partnership,
    make_recommendation,
    make_review,
    make_theme,
    make_user,
)
from tests.meetings.makers import make_meeting

pytestmark = pytest.mark.django_db

ROLES = [roles.PARTNERSHIP_TEAM, roles.SILG_CHAIR, roles.AGENCY_LEAD]
WATCHED = [
    Partnership, Membership, Agency, Theme, Review, Recommendation, Action,
    ProgressUpdate, Evidence, SignOffDecision, ExtensionRequest, User, ClosureDay,
    ProgressCheck,
]  # fmt: skip
WATCHED += [Meeting, AgendaItem, MeetingPack, MinuteEntry]  # SILG meetings


def partnership_routes() -> list[tuple[str, str]]:
    """(name, route) of every page under a partnership's address."""
    routes = []

    def walk(patterns, prefix=""):
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, route)
            elif isinstance(pattern, URLPattern) and pattern.name:
                routes.append((pattern.name, route))

    top = next(p for p in get_resolver().url_patterns if str(p.pattern) == PARTNERSHIP)
    walk(top.url_patterns, PARTNERSHIP)
    return routes


def snapshot():
    """Every row of the records a guess could touch (signing in, which the test itself
    does, changes a person's last sign-in only)."""
    rows = {}
    for model in WATCHED:
        fields = [f.attname for f in model._meta.concrete_fields if f.attname != "last_login"]
        rows[model.__name__] = list(model._default_manager.order_by("pk").values(*fields))
    return rows


@pytest.fixture
def beta():
    """Partnership B with one of everything, its records the ones guessed at."""
    partnership = make_partnership("beta")
    agency = make_agency(partnerships=[partnership])
    lead = make_user("beta-lead", role=roles.AGENCY_LEAD, agency=agency, partnership=partnership)
    # A serious incident's review, so that its journey's pages have something to guard.
    review = make_review(
        partnership=partnership,
        title="Beta's review",
        became_aware_on=timezone.localdate() - datetime.timedelta(days=60),
        decision=Review.Decision.LOCAL_REVIEW,
        decided_on=timezone.localdate() - datetime.timedelta(days=30),
        local_review_commissioned_on=timezone.localdate() - datetime.timedelta(days=20),
    )
    action = make_action(make_recommendation(review, agencies=[agency]), agency=agency)
    evidence = make_evidence(action, uploaded_by=lead)
    extension = services.extension_request(
        actor=lead,
        action=action,
        requested_due_date=action.due_date + datetime.timedelta(days=30),
        reason="More time",
    )
    return {
        "slug": partnership.slug,
        "reviews": review.pk,
        "recommendations": action.recommendation_id,
        "actions": action.pk,
        "evidence": evidence.pk,
        "impact-evidence": make_impact_evidence(action.recommendation, by=lead).pk,
        "extensions": extension.pk,
        "themes": make_theme("Beta's theme", partnership=partnership).pk,
        "agencies": agency.pk,
        "learning": make_learning_activity(partnership=partnership, title="Beta's briefing").pk,
        "meetings": make_meeting(
            make_user("beta-team", role=roles.PARTNERSHIP_TEAM, partnership=partnership),
            partnership=partnership,
        ).pk,
        "closure-days": make_closure_day(
            partnership=partnership,
            date=timezone.localdate() + datetime.timedelta(days=30),
            reason="Beta's office move",
        ).pk,
        "people": lead.memberships.get().pk,
        "invitations": Invitation.objects.create(
            partnership=partnership,
            email="new@example.org",
            role=roles.SILG_CHAIR,
            invited_by=lead,
            expires_at=timezone.now() + datetime.timedelta(days=7),
        ).pk,
    }


def fill(route: str, records: dict, slug: str) -> str:
    """The address of `route` in partnership `slug`, with B's records for its ids: the kind
    of record an id is of is named by the part of the address before it."""
    parts = route.split("/")
    for name in re.findall(r"<(?:\w+:)?(\w+)>", route):
        if name == "partnership":
            value = slug
        elif name == "pk":
            kind = parts[parts.index("<int:pk>") - 1]
            value = records.get(kind)
            assert value is not None, f"no record of partnership B for <pk> of {route}"
        else:
            value = {"file_format": "csv", "stage": "notification"}.get(name)
            assert value is not None, f"nothing to fill <{name}> of {route} with"
        route = re.sub(rf"<(\w+:)?{name}>", str(value), route, count=1)
    return "/" + route


@pytest.fixture
def alpha_people():
    alpha = make_partnership("alpha")
    agency = make_agency(partnerships=[alpha])
    return [
        make_user(f"alpha-{role}", role=role, partnership=alpha, agency=agency) for role in ROLES
    ]


@pytest.mark.parametrize(("name", "route"), partnership_routes(), ids=lambda v: str(v))
def test_a_person_of_a_reaches_nothing_of_b(name, route, beta, alpha_people, client):
    before, refusals = snapshot(), AccessEvent.objects.filter(kind="refused").count()
    for person in alpha_people:
        client.force_login(person)
        for slug in ["alpha", beta["slug"]]:  # A's address with B's ids, and B's own
            address = fill(route, beta, slug)
            if "<int:pk>" not in route and slug == "alpha":
                continue  # a page with no record in it is A's own: not a guess at B
            got, posted = client.get(address), client.post(address, {"text": "x"})
            # A page may refuse a method it never takes first (405): that says nothing
            # either. The method it takes is refused as not found.
            answers = {got.status_code, posted.status_code}
            assert 404 in answers and answers <= {404, 405}, f"{person} {answers} {address}"
            for response in [got, posted]:
                assert "Beta" not in response.content.decode()
    assert snapshot() == before
    assert AccessEvent.objects.filter(kind="refused").count() > refusals
