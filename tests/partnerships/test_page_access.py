"""
Who may open the pages for running a partnership: its partnership team only.

For every page of the app: signed out → the sign-in page; a member of the partnership who
is not on its team → 403, on the record, and nothing changed; the team of another
partnership, with this partnership's ids, → 404 and nothing changed; a wrong method →
405. A test checks the list names every page of the app.
"""

import datetime
from dataclasses import dataclass

import pytest
from django.urls import reverse
from django.utils import timezone

from audits.models import AccessEvent
from partnerships import services
from partnerships.urls import urlpatterns
from sscp.working_days import WorkingDays
from tests.makers import SLUG, agency_of, default_partnership, make_theme
from tests.partnerships.conftest import everything

pytestmark = pytest.mark.django_db


@dataclass(frozen=True)
class Page:
    name: str
    target: str | None = None  # which record's id the address needs
    methods: tuple = ("GET", "POST")  # the methods it answers

    def url(self, ids: dict, slug: str = SLUG) -> str:
        args = [slug] + ([ids[self.target]] if self.target else [])
        return reverse(self.name, args=args)


PAGES = [
    Page("people", methods=("GET",)),
    Page("invitation-create"),
    Page("invitation-resend", "invitation", methods=("POST",)),
    Page("invitation-cancel", "invitation"),
    Page("person-detail", "membership", methods=("GET",)),
    Page("person-edit", "membership"),
    Page("person-remove", "membership"),
    Page("person-unlock", "membership", methods=("POST",)),
    Page("person-second-factor-reset", "membership"),
    Page("agency-list", methods=("GET",)),
    Page("agency-create"),
    Page("agency-join"),
    Page("agency-edit", "agency"),
    Page("theme-list", methods=("GET",)),
    Page("theme-create"),
    Page("theme-edit", "theme"),
    Page("partnership-settings"),
    Page("closure-days"),
    Page("closure-day-remove", "closure_day", methods=("POST",)),
    Page("access-review", methods=("GET",)),
    Page("access-review-csv", methods=("GET",)),
]
IDS = [page.name for page in PAGES]


@pytest.fixture
def ids(partnership_officer, lead_a):
    """This partnership's records, one of each kind the pages are about."""
    invitation = services.invitation_create(
        actor=partnership_officer,
        partnership=partnership_officer.memberships.get().partnership,
        email="new@example.org",
        role="team",
    )
    return {
        "invitation": invitation.pk,
        "membership": lead_a.memberships.get().pk,
        "agency": agency_of(lead_a).pk,
        "theme": make_theme("Neglect").pk,
        "closure_day": services.closure_day_add(
            actor=partnership_officer,
            partnership=default_partnership(),
            date=WorkingDays().on_or_after(timezone.localdate() + datetime.timedelta(days=30)),
            reason="Office move",
        ).pk,
    }


def test_the_list_names_every_page_of_the_app():
    assert {page.name for page in PAGES} == {pattern.name for pattern in urlpatterns}


@pytest.mark.parametrize("page", PAGES, ids=IDS)
def test_signed_out_people_are_sent_to_sign_in(client, ids, page):
    before = everything()
    for method in page.methods:
        response = client.generic(method, page.url(ids))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login") + "?next=")
    assert everything() == before


@pytest.mark.parametrize("page", PAGES, ids=IDS)
@pytest.mark.parametrize("persona", ["lead_a", "silg_chair"])
def test_members_not_on_the_team_are_refused_on_the_record(client_for, ids, page, persona, request):
    client = client_for(request.getfixturevalue(persona))
    before = everything()
    for method in page.methods:
        refused = AccessEvent.objects.filter(kind=AccessEvent.Kind.REFUSED).count()
        assert client.generic(method, page.url(ids)).status_code == 403
        assert AccessEvent.objects.filter(kind=AccessEvent.Kind.REFUSED).count() == refused + 1
    assert everything() == before


@pytest.mark.parametrize("page", PAGES, ids=IDS)
def test_another_partnerships_team_gets_404_with_this_partnerships_ids(
    client_for, ids, page, other_team
):
    client = client_for(other_team)
    before = everything()
    for method in page.methods:
        assert client.generic(method, page.url(ids)).status_code == 404
        if page.target:  # in their own partnership, this one's record is not there
            assert client.generic(method, page.url(ids, slug="other")).status_code == 404
    assert everything() == before


@pytest.mark.parametrize("page", PAGES, ids=IDS)
def test_a_wrong_method_is_refused(client_for, ids, page, partnership_officer):
    client = client_for(partnership_officer)
    before = everything()
    for method in {"GET", "POST", "PUT", "DELETE"} - set(page.methods):
        assert client.generic(method, page.url(ids)).status_code == 405
    assert everything() == before


@pytest.mark.parametrize("page", [p for p in PAGES if "GET" in p.methods], ids=lambda p: p.name)
def test_the_team_opens_every_page(client_for, ids, page, partnership_officer):
    assert client_for(partnership_officer).get(page.url(ids)).status_code == 200
