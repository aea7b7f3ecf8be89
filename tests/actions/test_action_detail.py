import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from actions import services
from actions.models import Action, Evidence, ProgressUpdate
from tests.makers import SLUG, agency_of, make_action, make_evidence
from tests.pages import text

pytestmark = pytest.mark.django_db


def test_the_action_page_shows_what_the_agency_must_do_and_when(client_for, members, agency_a):
    today = timezone.localdate()
    action = make_action(
        agency=agency_a,
        title="Publish the Unidentified Adults Toolkit",
        success_measure="Toolkit published and promoted.",
        original_due_date=today - datetime.timedelta(days=40),
        due_date=today - datetime.timedelta(days=10),
    )
    for user in members.values():
        page = client_for(user).get(action.get_absolute_url()).content.decode()
        assert "Publish the Unidentified Adults Toolkit" in page
        assert "Toolkit published and promoted." in page
        assert (today - datetime.timedelta(days=40)).strftime("%-d %B %Y") in page
        assert (today - datetime.timedelta(days=10)).strftime("%-d %B %Y") in page
        assert "10 days overdue" in page
        assert '<strong class="govuk-tag govuk-tag--red">Overdue</strong>' in page
        assert '<strong class="govuk-tag govuk-tag--blue">In progress</strong>' in page


def test_the_action_page_lists_progress_decisions_and_the_change_history(
    client_for, silg_chair, lead_a
):
    action = make_action(agency=agency_of(lead_a), status=Action.Status.NOT_STARTED)
    services.progress_post(actor=lead_a, action=action, text="Draft toolkit written.")
    page = text(client_for(silg_chair).get(action.get_absolute_url()).content.decode())
    assert "Draft toolkit written." in page
    assert "Status: Not started → In progress" in page
    assert "Why: Work started: progress posted" in page
    assert "Alex Lead, " in page


def test_an_unknown_action_is_not_found(client_for, lead_a):
    assert client_for(lead_a).get(reverse("action-detail", args=[SLUG, 999999])).status_code == 404


@pytest.mark.parametrize("rows", [10, 200])
def test_the_action_page_keeps_a_fixed_number_of_queries(
    client_for, silg_chair, lead_a, rows, django_assert_max_num_queries
):
    action = make_action(agency=agency_of(lead_a))
    ProgressUpdate.objects.bulk_create(
        [
            ProgressUpdate(
                action=action,
                partnership_id=action.partnership_id,
                review_id=action.review_id,
                author=lead_a,
                text=f"Update {n}",
            )
            for n in range(rows)
        ]
    )
    evidence = make_evidence(action, uploaded_by=lead_a)
    copies = [
        Evidence(
            **{
                f.attname: getattr(evidence, f.attname)
                for f in Evidence._meta.concrete_fields
                if f.name != "id"
            }
        )
        for _ in range(rows)
    ]
    Evidence.objects.bulk_create(copies)
    client = client_for(silg_chair)
    with django_assert_max_num_queries(14):
        assert client.get(action.get_absolute_url()).status_code == 200
