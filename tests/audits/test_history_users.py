"""Every history row names who acted: the person, the command's --user, or the system user."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from audits.history import acting_as, save_tracked, system_user
from sscp.models import Agency
from tests.makers import SLUG, agency_of, make_action

pytestmark = pytest.mark.django_db


def test_a_web_request_records_the_person(client_for, lead_a):
    action = make_action(agency=agency_of(lead_a), status="not_started")
    client_for(lead_a).post(reverse("action-progress", args=[SLUG, action.pk]), {"text": "Started"})
    assert action.history.order_by("-history_id").first().history_user == lead_a
    assert action.progress_updates.get().history.get().history_user == lead_a


def test_work_outside_a_request_is_recorded_against_the_system_user():
    agency = save_tracked(Agency(name="New", short_name="New", sector="police"), actor=None)
    row = agency.history.get()
    assert row.history_user == system_user()
    assert str(row.history_user) == "System (automatic)"


def test_acting_as_names_the_person_for_everything_inside(partnership_officer):
    with acting_as(partnership_officer):
        agency = save_tracked(Agency(name="New", short_name="New", sector="police"), actor=None)
    assert agency.history.get().history_user == partnership_officer


def test_a_command_records_its_user(settings, partnership_officer):
    settings.DEBUG = True
    call_command("load_demo", "--user", "officer")
    created = Agency.history.filter(history_type="+", history_user=partnership_officer)
    assert created.count() == Agency.objects.count() > 0


def test_a_command_without_user_records_the_system_user(settings):
    settings.DEBUG = True
    call_command("load_demo")
    assert set(Agency.history.values_list("history_user__username", flat=True)) == {"system"}


def test_a_command_refuses_an_unknown_user(settings):
    settings.DEBUG = True
    with pytest.raises(CommandError, match="There is no user “nobody”"):
        call_command("load_demo", "--user", "nobody")
    assert not Agency.objects.exists()


def test_the_system_user_cannot_sign_in(client):
    user = system_user()
    assert not user.is_active and not user.has_usable_password()
