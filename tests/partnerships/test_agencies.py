"""The agencies that serve a partnership: listed with their leads, added new or from
those already using the service, and edited by the team of any partnership they serve."""

import pytest
from django.urls import reverse

from sscp import roles
from sscp.models import Agency
from tests.makers import SLUG, make_agency, make_lead, make_membership, make_user
from tests.pages import text
from tests.partnerships.conftest import everything

pytestmark = pytest.mark.django_db

NEW_AGENCY = {
    "name": "Solent NHS Trust",
    "short_name": "Solent",
    "sector": "health",
    "board_position": "Designated nurse",
}


def test_the_list_shows_each_agency_with_its_leads_here(
    client_for, partnership_officer, lead_a, agency_b, other, django_assert_max_num_queries
):
    elsewhere = make_agency(name="Elsewhere Trust", partnerships=[other])
    make_user(role=roles.AGENCY_LEAD, agency=elsewhere, partnership=other)
    make_membership(lead_a, role=roles.AGENCY_LEAD, agency=agency_b, partnership=other)
    for n in range(10):
        make_lead(agency_b, f"b-{n}")
    client = client_for(partnership_officer)
    with django_assert_max_num_queries(12):
        page = text(client.get(reverse("agency-list", args=[SLUG])).content.decode())
    assert "Agency A Health Not recorded Alex Lead lead-a@example.org Edit Agency A" in page
    assert "Agency B Health Not recorded b-0 b-0@example.org" in page
    assert "Elsewhere" not in page
    assert "Alex Lead" not in page.split("Agency B", 1)[1]  # a lead of B in the other one only
    assert "Add an existing agency" in page


def test_adding_a_new_agency_makes_it_serve_the_partnership(client_for, partnership_officer):
    response = client_for(partnership_officer).post(
        reverse("agency-create", args=[SLUG]), NEW_AGENCY, follow=True
    )
    page = text(response.content.decode())
    assert "Solent NHS Trust added: it serves Test" in page
    assert "Solent NHS Trust Solent Health Designated nurse No leads yet" in page
    agency = Agency.objects.get(name="Solent NHS Trust")
    assert [p.slug for p in agency.partnerships.all()] == [SLUG]
    assert (
        agency.history.get().history_change_reason == "Agency added by the partnership team of Test"
    )


@pytest.mark.parametrize(
    "change, field, message",
    [
        ({"name": "AGENCY a"}, "name", "An agency called “AGENCY a” already uses the service"),
        ({"short_name": "agency A"}, "short_name", "Another agency already has the short name"),
        ({"sector": "pirates"}, "sector", "Choose the sector from the list"),
        ({"name": ""}, "name", "Enter the agency&#x27;s name"),
    ],
)
def test_an_agency_name_is_unique_across_the_service(
    client_for, partnership_officer, agency_a, other, change, field, message
):
    make_agency(name="Someone Else's", partnerships=[other])
    before = everything()
    response = client_for(partnership_officer).post(
        reverse("agency-create", args=[SLUG]), NEW_AGENCY | change
    )
    page = response.content.decode()
    assert "There is a problem" in page and message in page
    assert f'href="#id_{field}' in page
    assert everything() == before


def test_an_agency_of_another_partnership_is_added_to_this_one(
    client_for, partnership_officer, agency_a, other
):
    police = make_agency(name="Hampshire Constabulary", short_name="Police", partnerships=[other])
    make_agency(name="Closed Trust", partnerships=[other], is_active=False)
    client = client_for(partnership_officer)
    form = text(client.get(reverse("agency-join", args=[SLUG])).content.decode())
    assert "Hampshire Constabulary" in form
    assert "Agency A" not in form.split("Agency", 1)[1] and "Closed Trust" not in form
    response = client.post(reverse("agency-join", args=[SLUG]), {"agency": police.pk}, follow=True)
    assert "Hampshire Constabulary now serves Test" in text(response.content.decode())
    assert sorted(police.partnerships.values_list("slug", flat=True)) == ["other", SLUG]
    assert police.history.first().history_change_reason == "Now serves Test"


def test_an_agency_already_serving_is_not_offered_again(client_for, partnership_officer, agency_a):
    before = everything()
    response = client_for(partnership_officer).post(
        reverse("agency-join", args=[SLUG]), {"agency": agency_a.pk}
    )
    assert "Choose the agency from the list" in response.content.decode()
    assert everything() == before


def test_editing_an_agency(client_for, partnership_officer, agency_a):
    response = client_for(partnership_officer).post(
        reverse("agency-edit", args=[SLUG, agency_a.pk]),
        NEW_AGENCY | {"is_active": ""},
        follow=True,
    )
    assert "Solent NHS Trust saved" in text(response.content.decode())
    agency_a.refresh_from_db()
    assert (agency_a.name, agency_a.short_name, agency_a.is_active) == (
        "Solent NHS Trust",
        "Solent",
        False,
    )
    assert agency_a.history.first().history_change_reason == "Agency details edited"


def test_the_team_of_any_partnership_an_agency_serves_may_edit_it(client_for, agency_a, other):
    agency_a.partnerships.add(other)
    other_team = make_user("other-officer", role=roles.PARTNERSHIP_TEAM, partnership=other)
    response = client_for(other_team).post(
        reverse("agency-edit", args=["other", agency_a.pk]), NEW_AGENCY | {"is_active": "on"}
    )
    assert response.status_code == 302
    agency_a.refresh_from_db()
    assert agency_a.name == "Solent NHS Trust"


def test_an_edit_keeps_names_unique(client_for, partnership_officer, agency_a, agency_b):
    before = everything()
    response = client_for(partnership_officer).post(
        reverse("agency-edit", args=[SLUG, agency_a.pk]),
        NEW_AGENCY | {"name": "Agency B", "short_name": "Agency A"},
    )
    page = response.content.decode()
    assert "An agency called “Agency B” already uses the service" in page
    assert "Another agency already has the short name" not in page  # its own is fine
    assert everything() == before
