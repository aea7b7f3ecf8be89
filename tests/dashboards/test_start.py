"""The front page: each person's partnerships, and the way into each (issue 17, item 2)."""

import pytest
from django.urls import reverse

from sscp import roles
from tests.makers import (
    SLUG,
    make_agency,
    make_membership,
    make_partnership,
    make_user,
)
from tests.pages import text

pytestmark = pytest.mark.django_db


def test_a_person_of_one_partnership_goes_straight_to_it(client_for, partnership_officer):
    response = client_for(partnership_officer).get(reverse("start"))
    assert response.status_code == 302
    assert response["Location"] == reverse("home", args=[SLUG])


def test_a_person_of_several_chooses_and_a_lead_can_see_all_their_actions(client_for):
    south, ports = make_partnership("south"), make_partnership("ports")
    police = make_agency(name="Hampshire Constabulary", partnerships=[south, ports])
    lead = make_user("police", role=roles.AGENCY_LEAD, agency=police, partnership=south)
    make_membership(lead, role=roles.AGENCY_LEAD, agency=police, partnership=ports)
    page = client_for(lead).get(reverse("start")).content.decode()
    assert f'href="{reverse("home", args=["south"])}"' in page
    assert f'href="{reverse("home", args=["ports"])}"' in page
    assert f'href="{reverse("action-list", args=["all"])}"' in page
    words = text(page)
    assert "Agency lead, " in words and "Your partnerships" in words


def test_someone_of_no_partnership_is_told_so(client_for, no_role_user):
    page = text(client_for(no_role_user).get(reverse("start")).content.decode())
    assert "You do not belong to any partnership yet" in page


def test_the_header_says_which_partnership_a_page_shows(client_for, partnership_officer):
    page = client_for(partnership_officer).get(reverse("home", args=[SLUG])).content.decode()
    assert "Test Safeguarding Children Partnership" in page
    assert "<title>Home – Review tracker – Test Safeguarding Children Partnership</title>" in page
