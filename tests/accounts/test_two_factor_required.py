"""A partnership that requires a second factor: its people set one up before anything else."""

import pytest
from django.urls import reverse

from sscp import roles
from sscp.models import Partnership
from tests.accounts.conftest import code_for, page_text, sign_in
from tests.makers import SLUG, default_partnership, make_membership, make_partnership

pytestmark = pytest.mark.django_db

SET_UP = reverse("two-factor-setup")


def require(policy, partnership=None):
    partnership = partnership or default_partnership()
    partnership.two_factor = policy
    partnership.save()
    return partnership


@pytest.fixture
def staff_must(db):
    return require(Partnership.TwoFactor.STAFF)


def test_signing_in_leads_to_the_set_up_and_nowhere_else(client, partnership_officer, staff_must):
    response = client.post(
        reverse("login"), {"username": "officer", "password": "test-pass-1234"}, follow=True
    )
    assert response.redirect_chain[-1][0] == SET_UP
    page = page_text(response)
    assert "Test Safeguarding Children Partnership asks everyone in your role" in page
    for name, args in [
        ("home", [SLUG]),
        ("review-list", [SLUG]),
        ("start", []),
        ("account", []),
        ("account-email", []),
        ("my-reminders", []),
        ("two-factor-recovery-codes", []),
    ]:
        assert client.get(reverse(name, args=args))["Location"] == SET_UP, name


def test_signing_out_and_the_accessibility_statement_stay_open(
    client_for, partnership_officer, staff_must
):
    client = client_for(partnership_officer)
    assert client.get(reverse("accessibility")).status_code == 200
    assert client.get(reverse("healthz")).status_code == 200
    assert client.post(reverse("logout"))["Location"] == reverse("login")
    assert "_auth_user_id" not in client.session


def test_once_set_up_the_partnership_is_open(client_for, partnership_officer, staff_must):
    client = client_for(partnership_officer)
    client.get(SET_UP)
    device = partnership_officer.totpdevice_set.get()
    client.post(SET_UP, {"code": code_for(device)})
    assert client.get(reverse("home", args=[SLUG])).status_code == 200


def test_staff_only_leaves_agency_leads_their_choice(client_for, lead_a, staff_must):
    assert client_for(lead_a).get(reverse("home", args=[SLUG])).status_code == 200


def test_everyone_means_agency_leads_too(client_for, lead_a):
    require(Partnership.TwoFactor.EVERYONE)
    assert client_for(lead_a).get(reverse("home", args=[SLUG]))["Location"] == SET_UP


def test_nobody_means_no_one_is_sent_to_set_up(client_for, partnership_officer):
    require(Partnership.TwoFactor.NOBODY)
    assert client_for(partnership_officer).get(reverse("home", args=[SLUG])).status_code == 200


def test_any_one_partnership_requiring_it_is_enough(client_for, lead_a):
    """Alex leads agency A here (no second factor asked) and is on the team of another
    partnership that asks it of its team: Alex needs one everywhere."""
    other = make_partnership("other", two_factor=Partnership.TwoFactor.STAFF)
    make_membership(lead_a, role=roles.PARTNERSHIP_TEAM, partnership=other)
    assert client_for(lead_a).get(reverse("home", args=[SLUG]))["Location"] == SET_UP


def test_an_ended_membership_requires_nothing(client_for, lead_a):
    from django.utils import timezone

    other = make_partnership("other", two_factor=Partnership.TwoFactor.EVERYONE)
    membership = make_membership(lead_a, role=roles.PARTNERSHIP_TEAM, partnership=other)
    membership.ended_at = timezone.now()
    membership.save()
    assert client_for(lead_a).get(reverse("home", args=[SLUG])).status_code == 200


def test_someone_of_no_partnership_is_never_required(client, no_role_user):
    assert sign_in(client, "no-role")["Location"] == reverse("start")
    assert client.get(reverse("start")).status_code == 200
