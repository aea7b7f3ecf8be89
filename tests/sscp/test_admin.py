"""The Django admin covers every model, with its history, and cannot go around the workflow."""

import datetime

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from actions import services
from actions.models import Action, ClosedYear, ExtensionRequest, Reminder
from audits.models import AccessEvent, AuditRecord
from audits.sealing import verify
from learning import services as learning_services
from meetings import services as meeting_services
from partnerships import services as partnership_services
from reviews import services as review_services
from reviews.models import Recommendation, Review
from sscp import roles
from sscp.models import Membership, OutgoingEmail, Partnership, User
from sscp.working_days import WorkingDays
from tests.files import pdf, upload
from tests.makers import (
    SLUG,
    agency_of,
    make_action,
    make_evidence,
    make_recommendation,
    make_review,
    make_theme,
    make_user,
)

pytestmark = pytest.mark.django_db

OUR_APPS = {"sscp", "reviews", "actions", "audits", "learning"}
OUR_APPS |= {"meetings"}
# Set up by an operator in the admin: added and changed there, with history. Everything
# else a partnership's team manages in the app (people, agencies, themes).
SET_UP_IN_THE_ADMIN = {Partnership, User}


def our_models():
    return [
        model
        for model in apps.get_models()
        if model._meta.app_label in OUR_APPS and not model.__name__.startswith("Historical")
    ]


def test_every_model_is_in_the_admin_with_history_where_it_keeps_one():
    for model in our_models():
        assert admin.site.is_registered(model), model
        if hasattr(model, "history"):
            assert hasattr(admin.site._registry[model], "history_view"), model


def test_an_administrator_can_open_every_list_and_history_page(client):
    action = make_action()
    make_evidence(action)
    client.force_login(make_user("admin", is_staff=True, is_superuser=True))
    for model in our_models():
        meta = model._meta
        changelist = reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")
        assert client.get(changelist).status_code == 200, changelist
        obj = model.objects.first()
        if obj is not None and hasattr(model, "history"):
            history = reverse(f"admin:{meta.app_label}_{meta.model_name}_history", args=[obj.pk])
            assert client.get(history).status_code == 200, history
        if obj is not None:
            change = reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[obj.pk])
            assert client.get(change).status_code == 200, change


@pytest.fixture
def every_kind_of_record(lead_a, silg_chair):
    """One record of every model, made through the services where there is one."""
    theme = make_theme("Neglect")
    action = make_action(
        make_recommendation(make_review(commissioned_on=timezone.localdate())),
        agency=agency_of(lead_a),
        status="in_progress",
    )
    action.recommendation.review.themes.add(theme)  # counted in the year it was commissioned
    services.progress_post(actor=lead_a, action=action, text="Started")
    make_evidence(action, uploaded_by=lead_a)
    services.extension_request(
        actor=lead_a,
        action=action,
        requested_due_date=action.due_date.replace(year=action.due_date.year + 1),
        reason="Trainer ill",
    )
    services.action_submit(actor=lead_a, action=action, completion_statement="Done")
    services.action_return(actor=silg_chair, action=action, comment="Add the register")
    Reminder.objects.create(
        recipient=lead_a,
        action=action,
        kind=Reminder.Kind.OVERDUE,
        reminder_date=action.due_date,
        due_date=action.due_date,
    )
    OutgoingEmail.objects.create(kind=OutgoingEmail.Kind.PASSWORD_RESET, address="a@example.org")
    review = action.recommendation.review
    review.became_aware_on = review.local_review_commissioned_on = datetime.date(2026, 6, 1)
    review.save()
    review_services.progress_check_record(
        actor=silg_chair, review=review, checked_on=datetime.date(2026, 9, 1), findings="On track"
    )
    partnership_services.closure_day_add(
        actor=silg_chair,
        partnership=review.partnership,
        date=WorkingDays().on_or_after(timezone.localdate() + datetime.timedelta(days=30)),
        reason="Office move",
    )
    learning_services.learning_activity_save(
        actor=silg_chair,
        partnership=review.partnership,
        kind="training_day",
        title="CSAFE training day",
        held_on=datetime.date(2026, 9, 2),
        places_offered=40,
        attended=38,
        recommendations=[action.recommendation],
    )
    closed = make_recommendation(review, number=9)
    signed_off = make_action(closed, agency=agency_of(lead_a), status="submitted")
    services.action_approve(actor=silg_chair, action=signed_off)  # a year's completion kept
    review_services.recommendation_close(
        actor=silg_chair, recommendation=closed, impact_statement="Done"
    )
    review_services.impact_check_record(
        actor=silg_chair,
        recommendation=closed,
        method="survey",
        findings="Used",
        files=[upload("survey.pdf", pdf())],
    )
    # A SILG meeting held today: its agenda, its pack and its minutes.
    meeting = meeting_services.meeting_create(
        actor=silg_chair, partnership=review.partnership, date=timezone.localdate()
    )
    meeting_services.meeting_pack_issue(actor=silg_chair, meeting=meeting)
    meeting_services.minutes_confirm(actor=silg_chair, meeting=meeting)
    ClosedYear.objects.create(partnership=review.partnership, start_year=2024, figures={})
    return action


def _snapshot() -> dict:
    """Every row of every model, column by column (signing in is not a change)."""

    def columns(obj):
        return tuple(
            getattr(obj, f.attname) for f in obj._meta.concrete_fields if f.name != "last_login"
        )

    return {
        model: sorted(columns(obj) for obj in model._default_manager.all())
        for model in our_models()
    }


def _admin_urls(model, obj) -> dict[str, str]:
    info = f"admin:{model._meta.app_label}_{model._meta.model_name}"
    return {
        "add": reverse(f"{info}_add"),
        "change": reverse(f"{info}_change", args=[obj.pk]),
        "delete": reverse(f"{info}_delete", args=[obj.pk]),
        "changelist": reverse(f"{info}_changelist"),
    }


def test_the_admin_refuses_every_change_to_the_workflow_and_every_delete(
    client, every_kind_of_record, lead_b
):
    """Issue 15, item 8: as a superuser, through the real admin pages, every add, change,
    delete and revert of a workflow record is refused (403); agencies, themes and people
    cannot be deleted; nothing changes and the audit trail still verifies."""
    client.force_login(make_user("operator", is_staff=True, is_superuser=True))
    client.get(reverse("action-edit", args=[SLUG, every_kind_of_record.pk]))  # an access event
    assert client.get(reverse("admin:index")).status_code == 200
    AccessEvent.objects.get()  # the refusal above is on the record (an operator has no role)
    before, records_before = _snapshot(), AuditRecord.objects.count()
    refused = []
    for model in our_models():
        obj = model._default_manager.order_by("pk").first()
        assert obj is not None, f"the fixture makes no {model.__name__}"
        urls = _admin_urls(model, obj)
        attempts = [
            ("GET", urls["delete"], {}),
            ("POST", urls["delete"], {"post": "yes"}),
        ]
        if model not in SET_UP_IN_THE_ADMIN:
            attempts += [
                ("GET", urls["add"], {}),
                ("POST", urls["add"], {"status": "completed", "name": "X", "title": "X"}),
                ("POST", urls["change"], {"status": "completed", "name": "X", "title": "X"}),
            ]
        for method, url, data in attempts:
            response = client.get(url) if method == "GET" else client.post(url, data)
            if response.status_code != 403:
                refused.append(f"{method} {url}: {response.status_code}")
        # The changelist's bulk delete is not offered, and posting it deletes nothing.
        page = client.get(urls["changelist"]).content.decode()
        assert 'value="delete_selected"' not in page, model
        client.post(
            urls["changelist"],
            {"action": "delete_selected", "_selected_action": [obj.pk], "post": "yes"},
        )
    assert refused == []
    assert _snapshot() == before
    assert AuditRecord.objects.count() == records_before
    result = verify()
    assert result.intact, result.problem


def test_the_admin_cannot_revert_a_record_to_an_earlier_version(client, every_kind_of_record):
    """Issue 15, item 8: the history pages show each version; posting one back is refused."""
    action = every_kind_of_record
    client.force_login(make_user("operator", is_staff=True, is_superuser=True))
    agency = action.agency
    for obj in [action, agency]:
        row = obj.history.order_by("history_id").first()
        meta = obj._meta
        url = reverse(
            f"admin:{meta.app_label}_{meta.model_name}_simple_history",
            args=[obj.pk, row.history_id],
        )
        assert client.get(url).status_code == 200
        fields = {f.name: getattr(row, f.attname) for f in meta.concrete_fields}
        response = client.post(url, {k: "" if v is None else v for k, v in fields.items()})
        assert response.status_code == 403, url
    action.refresh_from_db()
    assert action.status == Action.Status.IN_PROGRESS


def test_roles_agencies_and_themes_change_only_in_the_app(client, lead_a):
    """Issue 15, item 8 (and issue 17): a person's role, an agency or a theme has a
    partnership's workflow now: the admin only shows them."""
    client.force_login(make_user("operator", is_staff=True, is_superuser=True))
    membership = lead_a.memberships.get()
    theme = make_theme("Neglect")
    for obj, data in [
        (membership, {"role": roles.SILG_CHAIR}),
        (agency_of(lead_a), {"name": "Renamed"}),
        (theme, {"name": "Renamed"}),
    ]:
        meta = obj._meta
        change = reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[obj.pk])
        add = reverse(f"admin:{meta.app_label}_{meta.model_name}_add")
        assert client.post(change, data).status_code == 403, change
        assert client.post(add, data).status_code == 403, add
    assert Membership.objects.get(pk=membership.pk).role == roles.AGENCY_LEAD
    assert not Group.objects.exists()  # roles are memberships, not groups


def test_partnerships_and_people_are_set_up_in_the_admin_with_history(client):
    """Issue 15, item 8: what has no workflow is still added and changed there, on the record."""
    operator = make_user("operator", is_staff=True, is_superuser=True)
    client.force_login(operator)
    response = client.post(
        reverse("admin:sscp_partnership_add"),
        {
            "name": "Isle of Wight Safeguarding Children Partnership",
            "short_name": "Isle of Wight",
            "slug": "isle-of-wight",
            "area": "Isle of Wight",
            "two_factor": "staff",
        },
    )
    assert response.status_code == 302
    partnership = Partnership.objects.get(slug="isle-of-wight")
    assert partnership.history.get().history_user == operator
    person = make_user("new-person")
    response = client.post(
        reverse("admin:sscp_user_change", args=[person.pk]),
        {
            "username": "new-person",
            "first_name": "New",
            "last_name": "Person",
            "email": "new@example.org",
            "is_active": "on",
            "date_joined_0": "2026-01-01",
            "date_joined_1": "09:00:00",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    assert User.history.filter(id=person.pk).latest().history_user == operator
    assert not Review.objects.exists() and not Recommendation.objects.exists()
    assert not ExtensionRequest.objects.exists()
    assert verify().intact
