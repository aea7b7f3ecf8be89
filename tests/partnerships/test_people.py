"""The people of a partnership: who belongs, a person's page, and changing their role."""

import pytest
from django.urls import reverse
from django.utils import timezone

from partnerships import services
from sscp import roles
from tests.makers import SLUG, agency_of, make_action, make_agency, make_user
from tests.pages import text
from tests.partnerships.conftest import everything

pytestmark = pytest.mark.django_db


def person_url(name, user, *extra):
    return reverse(name, args=[SLUG, user.memberships.get(ended_at=None).pk, *extra])


def test_the_people_page_lists_members_and_waiting_invitations(
    client_for, partnership_officer, lead_a, silg_chair, other_team, django_assert_max_num_queries
):
    lead_a.last_login = timezone.make_aware(timezone.datetime(2026, 3, 2, 9, 30))
    lead_a.save()
    services.invitation_create(
        actor=partnership_officer,
        partnership=lead_a.memberships.get().partnership,
        email="new@example.org",
        role="chair",
    )
    client = client_for(partnership_officer)
    with django_assert_max_num_queries(12):
        page = text(client.get(reverse("people", args=[SLUG])).content.decode())
    assert "Alex Lead Agency lead, Agency A lead-a@example.org 2 Mar 2026, 09:30" in page
    assert "Sam Chair SILG chair chair@example.org Never" in page
    assert "new@example.org SILG chair" in page and "by Pat Officer Waiting" in page
    assert "Other-Officer" not in page and "other-officer" not in page


def test_the_people_page_takes_the_same_queries_however_many_people(
    client_for, partnership_officer, django_assert_max_num_queries
):
    for n in range(30):
        make_user(f"person-{n}", role=roles.SILG_CHAIR)
    client = client_for(partnership_officer)
    with django_assert_max_num_queries(12):
        client.get(reverse("people", args=[SLUG]))


def test_a_persons_page_shows_their_account(client_for, partnership_officer, lead_a):
    page = text(
        client_for(partnership_officer).get(person_url("person-detail", lead_a)).content.decode()
    )
    for expected in [
        "Alex Lead",
        "Role Agency lead, Agency A Change role",
        "Username lead-a",
        "Email lead-a@example.org",
        "Last signed in Never",
        "Signing in Not locked out",
        "Second factor Not set up",
        "Remove from the partnership",
    ]:
        assert expected in page


def test_changing_a_leads_agency(client_for, partnership_officer, lead_a, agency_b):
    owned = make_action(agency=agency_of(lead_a), owner=lead_a)
    response = client_for(partnership_officer).post(
        person_url("person-edit", lead_a), {"role": "lead", "agency": agency_b.pk}, follow=True
    )
    assert "Alex Lead's role is now Agency lead, Agency B" in text(response.content.decode())
    membership = lead_a.memberships.get()
    assert membership.agency == agency_b
    assert membership.history.first().history_change_reason == (
        "Role changed from Agency lead, Agency A to Agency lead, Agency B"
    )
    owned.refresh_from_db()
    assert owned.owner is None
    assert owned.history.first().history_change_reason == (
        "Owner is no longer a lead of Agency A in Test: every lead of Agency A is responsible now"
    )


def test_making_a_lead_the_silg_chair_drops_the_agency(client_for, partnership_officer, lead_a):
    client_for(partnership_officer).post(
        person_url("person-edit", lead_a), {"role": "chair", "agency": agency_of(lead_a).pk}
    )
    membership = lead_a.memberships.get()
    assert (membership.role, membership.agency) == (roles.SILG_CHAIR, None)


@pytest.mark.parametrize(
    "data, message",
    [
        ({"role": "lead", "agency": ""}, "Choose the agency the agency lead acts for"),
        ({"role": ""}, "Choose the role"),
        ({"role": "lead", "agency": "agency-a"}, "Change the role or the agency, or cancel"),
        ({"role": "lead", "agency": "elsewhere"}, "Elsewhere Trust does not serve Test"),
    ],
)
def test_a_bad_role_change_is_explained_and_changes_nothing(
    client_for, partnership_officer, lead_a, other, data, message
):
    elsewhere = make_agency(name="Elsewhere Trust", partnerships=[other])
    agencies = {"agency-a": agency_of(lead_a).pk, "elsewhere": elsewhere.pk}
    data = {k: agencies.get(v, v) for k, v in data.items()}
    before = everything()
    response = client_for(partnership_officer).post(person_url("person-edit", lead_a), data)
    page = text(response.content.decode())
    assert "There is a problem" in page and message in page
    assert everything() == before


def test_the_last_of_the_team_cannot_be_given_another_role(client_for, partnership_officer):
    make_user("gone", role=roles.PARTNERSHIP_TEAM, is_active=False)  # cannot sign in
    before = everything()
    response = client_for(partnership_officer).post(
        person_url("person-edit", partnership_officer), {"role": "chair"}
    )
    assert (
        "Pat Officer is the only member of the partnership team, so cannot be given another "
        "role: invite or appoint another member of the team first"
    ) in text(response.content.decode())
    assert everything() == before


def test_one_of_two_team_members_may_become_the_chair(client_for, partnership_officer):
    make_user("second", role=roles.PARTNERSHIP_TEAM)
    client_for(partnership_officer).post(
        person_url("person-edit", partnership_officer), {"role": "chair"}
    )
    assert partnership_officer.memberships.get().role == roles.SILG_CHAIR
