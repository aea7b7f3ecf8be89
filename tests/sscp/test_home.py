import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from actions.models import Action
from tests.makers import make_action, make_agency
from tests.pages import count_card

pytestmark = pytest.mark.django_db


def test_home_counts_actions_by_status_for_everyone(client_for, personas, agency_a):
    make_action(agency=agency_a, status=Action.Status.SUBMITTED)
    make_action(agency=agency_a, status=Action.Status.SUBMITTED)
    make_action(status=Action.Status.COMPLETED)
    for user in personas.values():
        page = client_for(user).get(reverse("home")).content.decode()
        assert count_card(2, "Submitted for sign-off") in page
        assert count_card(1, "Completed") in page


def test_an_agency_lead_sees_their_agency_open_actions_soonest_first(client_for, lead_a, agency_b):
    agency = lead_a.agency
    today = timezone.localdate()
    later = make_action(
        agency=agency, title="Later action", due_date=today + datetime.timedelta(days=90)
    )
    sooner = make_action(
        agency=agency, title="Sooner action", due_date=today + datetime.timedelta(days=3)
    )
    make_action(agency=agency, title="Finished action", status=Action.Status.COMPLETED)
    make_action(agency=agency_b, title="Another agency's action")
    page = client_for(lead_a).get(reverse("home")).content.decode()
    assert f"Open actions for {agency.name}" in page
    assert page.index(sooner.title) < page.index(later.title)
    assert "Finished action" not in page
    assert "Another agency&#x27;s action" not in page
    assert "Due soon" in page and "On track" in page


@pytest.mark.parametrize("rows", [10, 200])
def test_home_keeps_a_fixed_number_of_queries(
    client_for, lead_a, rows, django_assert_max_num_queries
):
    other = make_agency()
    for _ in range(rows):
        make_action(agency=lead_a.agency)
        make_action(agency=other)
    client = client_for(lead_a)
    with django_assert_max_num_queries(8):
        assert client.get(reverse("home")).status_code == 200
