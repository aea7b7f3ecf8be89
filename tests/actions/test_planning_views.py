"""The partnership team plans and corrects actions."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from actions.models import Action
from tests.makers import SLUG, agency_of, make_action, make_lead, make_recommendation

pytestmark = pytest.mark.django_db


def date_parts(name, date):
    return {f"{name}_0": date.day, f"{name}_1": date.month, f"{name}_2": date.year}


def test_planning_an_action_for_an_owning_agency(client_for, partnership_officer, lead_a):
    recommendation = make_recommendation(agencies=[agency_of(lead_a)])
    due = timezone.localdate() + datetime.timedelta(days=100)
    response = client_for(partnership_officer).post(
        reverse("action-create", args=[SLUG, recommendation.pk]),
        {
            "agency": agency_of(lead_a).pk,
            "owner": lead_a.pk,
            "title": "Audit child protection plans",
            "description": "Audit 30 plans.",
            "success_measure": "Fewer than 10% drifting.",
            **date_parts("due_date", due),
        },
        follow=True,
    )
    page = response.content.decode()
    assert "Action “Audit child protection plans” planned for Agency A" in page
    action = Action.objects.get()
    assert (action.owner, action.original_due_date, action.due_date) == (lead_a, due, due)


def test_the_owner_list_offers_only_the_owning_agencies_leads(
    client_for, partnership_officer, lead_a, lead_b
):
    recommendation = make_recommendation(agencies=[agency_of(lead_a)])
    page = (
        client_for(partnership_officer)
        .get(reverse("action-create", args=[SLUG, recommendation.pk]))
        .content.decode()
    )
    assert "Alex Lead (Agency A)" in page
    assert "Bea Lead" not in page


def test_an_owner_from_another_agency_is_refused(client_for, partnership_officer, lead_a, agency_b):
    other_lead = make_lead(agency_b, first_name="Other")
    recommendation = make_recommendation(agencies=[agency_of(lead_a), agency_b])
    response = client_for(partnership_officer).post(
        reverse("action-create", args=[SLUG, recommendation.pk]),
        {
            "agency": agency_of(lead_a).pk,
            "owner": other_lead.pk,
            "title": "t",
            "description": "d",
            "success_measure": "m",
            **date_parts("due_date", timezone.localdate()),
        },
    )
    assert "Choose an owner from the leads of Agency A" in response.content.decode()
    assert not Action.objects.exists()


def test_a_missing_field_shows_every_error_in_the_summary(client_for, partnership_officer, lead_a):
    recommendation = make_recommendation(agencies=[agency_of(lead_a)])
    response = client_for(partnership_officer).post(
        reverse("action-create", args=[SLUG, recommendation.pk]), {}
    )
    page = response.content.decode()
    assert "There is a problem" in page
    for target in [
        "#id_agency",
        "#id_title",
        "#id_description",
        "#id_success_measure",
        "#id_due_date_0",
    ]:
        assert f'href="{target}"' in page


def test_correcting_the_due_date_shows_both_dates(client_for, partnership_officer):
    action = make_action()
    original = action.original_due_date
    new_date = original + datetime.timedelta(days=21)
    response = client_for(partnership_officer).post(
        reverse("action-due-date", args=[SLUG, action.pk]),
        {**date_parts("due_date", new_date), "reason": "The board agreed a later date"},
        follow=True,
    )
    page = response.content.decode()
    assert "Due date changed" in page
    assert f"{original:%-d %B %Y}" in page and f"{new_date:%-d %B %Y}" in page
    assert "The board agreed a later date" in page


def test_a_due_date_correction_needs_a_reason(client_for, partnership_officer):
    action = make_action()
    response = client_for(partnership_officer).post(
        reverse("action-due-date", args=[SLUG, action.pk]), date_parts("due_date", action.due_date)
    )
    assert "Enter the reason for changing the due date" in response.content.decode()


def test_editing_an_action_keeps_its_agency_and_dates(client_for, partnership_officer, lead_a):
    action = make_action(agency=agency_of(lead_a))
    response = client_for(partnership_officer).post(
        reverse("action-edit", args=[SLUG, action.pk]),
        {"title": "Sharper title", "description": "d", "success_measure": "m", "owner": lead_a.pk},
        follow=True,
    )
    assert "Sharper title" in response.content.decode()
    action.refresh_from_db()
    assert (action.title, action.owner, action.agency) == (
        "Sharper title",
        lead_a,
        agency_of(lead_a),
    )
