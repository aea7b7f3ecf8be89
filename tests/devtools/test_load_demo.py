import datetime

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.utils import timezone

from actions.models import Action, Evidence, ExtensionRequest, Rag
from devtools.demo import demo_counts, load_demo
from reviews.models import Recommendation, Review
from sscp.models import Agency, User

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo():
    load_demo(password="demo-pass")


def test_loading_twice_leaves_the_same_counts(demo):
    first = demo_counts()
    result = load_demo(password="demo-pass")
    assert sum(result.created.values()) == 0
    assert demo_counts() == first


def test_every_board_member_agency_is_there(demo):
    names = set(Agency.objects.values_list("short_name", flat=True))
    assert {"Council", "Police", "CCG", "Probation", "UHS", "Solent", "Southern Health",
            "Ambulance", "CAFCASS", "SVS", "Schools", "NHS England", "CRC"} <= names  # fmt: skip


def test_the_reviews_named_in_the_annual_report(demo):
    reviews = {r.title: r for r in Review.objects.all()}
    assert reviews["Freddie"].kind == Review.Kind.SERIOUS_CASE_REVIEW
    assert reviews["Freddie"].published_on == datetime.date(2020, 8, 26)
    assert reviews["Clare"].published_on.strftime("%Y-%m") == "2020-11"
    assert reviews["Liam"].kind == Review.Kind.PRACTICE_REVIEW
    assert reviews["Adam & Anna"].published_on.year == 2019
    assert reviews["SPIG thematic audit: child sexual abuse in the family environment"].kind == (
        Review.Kind.THEMATIC_AUDIT
    )
    assert any(r.kind == Review.Kind.SECTION_11_AUDIT for r in reviews.values())
    clare_texts = " ".join(
        Recommendation.objects.filter(review__title="Clare").values_list("text", flat=True)
    )
    assert "disguised compliance" in clare_texts
    assert "Unidentified Adults Toolkit" in clare_texts
    assert "domestic abuse" in clare_texts
    assert Recommendation.objects.filter(review__title="Liam", text__contains="20 miles").exists()


def test_the_demo_shows_every_kind_of_progress(demo):
    today = timezone.localdate()
    actions = list(Action.objects.all())
    rags = {action.rag(today) for action in actions}
    assert {Rag.OVERDUE, Rag.DUE_SOON, Rag.ON_TRACK, Rag.RETURNED, Rag.COMPLETE} <= rags
    overdue_days = [a.days_overdue(today) for a in actions if a.is_open]
    assert any(days > 56 for days in overdue_days)
    assert any(28 < days <= 56 for days in overdue_days)
    statuses = {a.status for a in actions}
    assert {"not_started", "in_progress", "submitted", "completed", "superseded"} <= statuses
    assert len({a.agency_id for a in actions}) >= 3
    assert ExtensionRequest.objects.filter(status=ExtensionRequest.Status.PENDING).exists()
    assert Recommendation.objects.filter(closed_at__isnull=False).exists()


def test_actions_that_need_evidence_have_stored_files(demo):
    for action in Action.objects.filter(status__in=["submitted", "completed"]):
        files = Evidence.objects.filter(action=action, withdrawn_at__isnull=True)
        assert files.exists(), action
        for evidence in files:
            assert evidence.file.storage.exists(evidence.file.name)


def test_demo_users_sign_in_with_the_demo_password(demo):
    for username in ["partnership", "silg-chair", "lead-council", "lead-police", "lead-health"]:
        client = Client()
        client.post("/sign-in/", {"username": username, "password": "demo-pass"})
        assert "_auth_user_id" in client.session, username
    assert User.objects.get(username="lead-police").agency.short_name == "Police"


def test_the_command_refuses_to_run_with_debug_off(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG is off"):
        call_command("load_demo")
    assert not Review.objects.exists()


def test_the_command_runs_with_debug_off_when_forced(settings, capsys):
    settings.DEBUG = False
    call_command("load_demo", "--force")
    assert Review.objects.filter(title="Freddie").exists()
    assert "Created: 13 agencies" in capsys.readouterr().out


def test_the_demo_operator_reaches_the_admin(demo, client):
    """Issue 15, item 29: an operator signs in to /admin/ with the demo password."""
    client.post("/sign-in/", {"username": "operator", "password": "demo-pass"})
    response = client.get("/admin/")
    assert response.status_code == 200 and "Site administration" in response.content.decode()
    for username in ["partnership", "silg-chair", "lead-council"]:
        assert not User.objects.get(username=username).is_staff
