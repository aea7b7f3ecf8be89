import datetime
import tomllib

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from actions import counts
from actions.models import Action, Evidence, ExtensionRequest, Rag
from devtools.demo import DEMO_FILE, demo_counts, incident_plan, load_demo
from reviews import journey
from reviews.journey import Standing
from reviews.models import ProgressCheck, Recommendation, Review, Theme
from sscp import personal_data, roles
from sscp.models import Agency, Membership, Partnership, User
from sscp.working_days import WorkingDays

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo():
    load_demo(password="demo-pass")


def test_loading_twice_leaves_the_same_counts(demo):
    first = demo_counts()
    result = load_demo(password="demo-pass")
    assert sum(result.created.values()) == 0
    assert demo_counts() == first
    assert first["memberships"] == 8


def test_the_demo_keeps_every_count_the_dashboards_read(demo):
    """Loaded through the services, the demo's kept counts match its records."""
    assert counts.drift() == []
    assert Review.objects.filter(recommendation_count__gt=0).exists()


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


DEMO_USERS = ["partnership", "silg-chair", "lead-council", "lead-police", "lead-health",
              "portsmouth-team", "portsmouth-chair"]  # fmt: skip


def test_demo_users_sign_in_with_the_demo_password(demo):
    for username in DEMO_USERS:
        client = Client()
        client.post("/sign-in/", {"username": username, "password": "demo-pass"})
        assert "_auth_user_id" in client.session, username


def roles_of(username) -> set[tuple]:
    memberships = Membership.objects.filter(user__username=username, ended_at__isnull=True)
    return set(memberships.values_list("partnership__slug", "role", "agency__short_name"))


def test_southampton_keeps_its_five_demo_users_in_their_roles(demo):
    assert roles_of("partnership") == {("southampton", roles.PARTNERSHIP_TEAM, None)}
    assert roles_of("silg-chair") == {("southampton", roles.SILG_CHAIR, None)}
    assert roles_of("lead-council") == {("southampton", roles.AGENCY_LEAD, "Council")}
    assert roles_of("lead-health") == {("southampton", roles.AGENCY_LEAD, "CCG")}
    assert roles_of("operator") == set()


def test_lead_police_leads_the_police_in_both_partnerships(demo):
    assert roles_of("lead-police") == {
        ("southampton", roles.AGENCY_LEAD, "Police"),
        ("portsmouth", roles.AGENCY_LEAD, "Police"),
    }
    police = Action.objects.filter(agency__short_name="Police")
    assert set(police.values_list("partnership__slug", flat=True)) == {"southampton", "portsmouth"}


def test_portsmouth_people_belong_to_portsmouth_only(demo):
    assert roles_of("portsmouth-team") == {("portsmouth", roles.PARTNERSHIP_TEAM, None)}
    assert roles_of("portsmouth-chair") == {("portsmouth", roles.SILG_CHAIR, None)}


def test_no_demo_partnership_asks_for_a_second_factor(demo):
    partnerships = Partnership.objects.all()
    assert {p.slug for p in partnerships} == {"southampton", "portsmouth"}
    for partnership in partnerships:
        assert partnership.two_factor == Partnership.TwoFactor.NOBODY
        assert not any(partnership.requires_two_factor(role) for role in roles.ALL)


def test_agencies_serve_the_partnerships_they_work_in(demo):
    def served(short_name):
        return set(
            Agency.objects.get(short_name=short_name).partnerships.values_list("slug", flat=True)
        )

    for across in ["Police", "Probation", "CRC", "NHS England", "CAFCASS", "Ambulance"]:
        assert served(across) == {"southampton", "portsmouth"}, across
    for own in ["Council", "CCG", "UHS"]:
        assert served(own) == {"southampton"}, own
    assert served("Portsmouth Council") == {"portsmouth"}


def test_portsmouth_has_its_own_themes_reviews_and_actions(demo):
    portsmouth = Partnership.objects.get(slug="portsmouth")
    assert Theme.objects.filter(partnership=portsmouth).count() >= 3
    reviews = Review.objects.filter(partnership=portsmouth)
    assert 1 <= reviews.filter(became_aware_on__isnull=True).count() <= 2
    assert set(reviews.exclude(child_pseudonym="").values_list("title", flat=True)) == {"Child P"}
    assert all(t.partnership == portsmouth for r in reviews for t in r.themes.all())
    actions = Action.objects.filter(partnership=portsmouth)
    assert actions.exists()
    assert all(a.review.partnership == portsmouth for a in actions)
    assert all(a.review_id == a.recommendation.review_id for a in Action.objects.all())
    assert all(r.partnership_id == r.review.partnership_id for r in Recommendation.objects.all())


def test_the_hips_section_11_audit_is_joint_with_portsmouth(demo):
    audit = Review.objects.get(kind=Review.Kind.SECTION_11_AUDIT)
    assert audit.partnership.slug == "southampton"
    assert set(audit.joint_partnerships.values_list("slug", flat=True)) == {"portsmouth"}
    actions = Action.objects.filter(review=audit)
    assert set(actions.values_list("partnership__slug", flat=True)) == {"southampton"}


def test_southampton_holds_what_it_held_before_partnerships(demo):
    southampton = Partnership.objects.get(slug="southampton")
    titles = set(Review.objects.filter(partnership=southampton).values_list("title", flat=True))
    assert titles == {
        "Freddie", "Clare", "Liam", "Adam & Anna",
        "SPIG thematic audit: child sexual abuse in the family environment",
        "HIPS Keeping Children Safe (Section 11) audit 2020/21",
        "Child R", "Child T",  # serious incidents of issue 18, on their journey
    }  # fmt: skip
    assert Action.objects.filter(partnership=southampton).count() == 22
    assert Theme.objects.filter(partnership=southampton).count() == 13


def test_the_command_refuses_to_run_with_debug_off(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG is off"):
        call_command("load_demo")
    assert not Review.objects.exists()


def test_the_command_runs_with_debug_off_when_forced(settings, capsys):
    settings.DEBUG = False
    call_command("load_demo", "--force")
    assert Review.objects.filter(title="Freddie").exists()
    out = capsys.readouterr().out
    assert "Created: 2 partnerships, 15 agencies" in out


def test_the_demo_operator_reaches_the_admin(demo, client):
    """Issue 15, item 29: an operator signs in to /admin/ with the demo password."""
    client.post("/sign-in/", {"username": "operator", "password": "demo-pass"})
    response = client.get("/admin/")
    assert response.status_code == 200 and "Site administration" in response.content.decode()
    for username in ["partnership", "silg-chair", "lead-council"]:
        assert not User.objects.get(username=username).is_staff


def test_a_database_from_before_partnerships_gets_what_it_is_missing(demo):
    """Migration 0009 put the demo loaded before partnerships into Southampton: loading again
    shares the HIPS audit with Portsmouth and has the agencies serve it, on the record."""
    portsmouth = Partnership.objects.get(slug="portsmouth")
    Review.joint_partnerships.through.objects.filter(partnership=portsmouth).delete()
    Agency.partnerships.through.objects.filter(partnership=portsmouth).delete()
    result = load_demo(password="demo-pass")
    assert result.created == {
        "reviews shared with another partnership": 1,
        "agencies joining a partnership": 9,
    }
    audit = Review.objects.get(kind=Review.Kind.SECTION_11_AUDIT)
    assert list(audit.joint_partnerships.all()) == [portsmouth]
    assert audit.history.latest().history_user.username == "partnership"
    assert portsmouth.agencies.count() == 9
    assert sum(load_demo(password="demo-pass").created.values()) == 0


def test_lead_police_sees_the_police_actions_of_both_partnerships_in_one_list(demo, client):
    client.force_login(User.objects.get(username="lead-police"))
    page = client.get(reverse("action-list", args=["all"])).content.decode()
    for action in Action.objects.filter(agency__short_name="Police"):
        assert escape(action.title) in page, action.partnership
    assert client.get(reverse("home", args=["portsmouth"])).status_code == 200


def test_lead_council_sees_southampton_only(demo, client):
    client.force_login(User.objects.get(username="lead-council"))
    assert client.get(reverse("home", args=["southampton"])).status_code == 200
    assert client.get(reverse("home", args=["portsmouth"])).status_code == 404


# Serious incidents on their statutory journey (issue 18, item 7) ---------------------

LOAD_DAYS = {
    "a Monday": datetime.date(2026, 9, 7),
    "a Friday": datetime.date(2027, 1, 8),  # counted back over Christmas and New Year
    "the day before Christmas": datetime.date(2026, 12, 24),
    "Easter Monday": datetime.date(2027, 3, 29),  # a bank holiday
}


@pytest.fixture(params=LOAD_DAYS.values(), ids=LOAD_DAYS.keys())
def load_day(request):
    """The demo loaded on the day, the day frozen."""
    with time_machine.travel(
        datetime.datetime.combine(request.param, datetime.time(12)), tick=False
    ):
        load_demo(password="demo-pass")
        yield request.param


def journey_of(pseudonym: str, slug: str = "southampton"):
    review = Review.objects.get(partnership__slug=slug, child_pseudonym=pseudonym)
    states = journey.journey(review, WorkingDays.of(review.partnership), timezone.localdate())
    return review, {state.stage.key: state for state in states}, journey.next_deadline(states)


def dates_of(review: Review) -> list[datetime.date]:
    names = ["became_aware_on", *journey.ORDER]
    return [getattr(review, name) for name in names if getattr(review, name)]


def liam_waits_for_the_final_report_to_go_to_the_panel(load_day):
    liam, stages, next_deadline = journey_of("Liam")
    assert liam.title == "Liam" and liam.kind == Review.Kind.PRACTICE_REVIEW
    for key in ["incident", "notification", "rapid_review", "decision", "local_review"]:
        assert stages[key].standing == Standing.DONE, key
    assert next_deadline.stage.key == "final_report"
    assert next_deadline.standing == Standing.DUE and 1 <= next_deadline.working_days_left <= 5
    assert liam.final_report_received_on and liam.final_report_sent_on is None
    assert stages["publication"].standing == Standing.WAITING
    assert liam.decision == Review.Decision.LOCAL_REVIEW and liam.decision_rationale
    assert liam.panel_response == Review.Response.AGREES and liam.panel_response_on
    assert liam.reviewer and liam.terms_of_reference
    # On time until now: notified within 5 working days, the rapid review within 15.
    assert stages["notification"].done_on <= stages["notification"].due_on
    assert stages["rapid_review"].done_on <= stages["rapid_review"].due_on
    assert max(dates_of(liam)) <= load_day
    checks = list(ProgressCheck.objects.filter(review=liam))
    assert 1 <= len(checks) <= 2
    for check in checks:
        assert liam.local_review_commissioned_on < check.checked_on
        assert check.checked_on < liam.local_review_completed_on
        assert check.recorded_by.username == "silg-chair"
    # Its recommendations and actions are as they were.
    assert liam.recommendations.count() == 2
    assert Action.objects.filter(review=liam).count() == 3


def child_r_has_a_rapid_review_due_within_a_few_working_days(load_day):
    child_r, stages, next_deadline = journey_of("Child R")
    assert child_r.kind == Review.Kind.RAPID_REVIEW and child_r.rapid_review_started_on
    assert next_deadline.stage.key == "rapid_review"
    assert next_deadline.standing == Standing.DUE and 1 <= next_deadline.working_days_left <= 5
    assert stages["notification"].done_on <= stages["notification"].due_on
    assert max(dates_of(child_r)) <= load_day


def child_t_was_notified_late_and_its_rapid_review_is_overdue(load_day):
    child_t, stages, next_deadline = journey_of("Child T")
    notification = stages["notification"]
    assert notification.standing == Standing.DONE
    assert notification.done_on > notification.due_on  # after its 5 working days
    days = WorkingDays.of(child_t.partnership)
    assert days.between(child_t.became_aware_on, child_t.notified_on) > 5
    assert next_deadline.stage.key == "rapid_review"
    assert next_deadline.standing == Standing.LATE
    assert max(dates_of(child_t)) <= load_day


def portsmouth_has_an_incident_of_its_own_with_no_local_review():
    child_p, stages, next_deadline = journey_of("Child P", slug="portsmouth")
    assert child_p.decision == Review.Decision.NO_LOCAL_REVIEW
    assert child_p.panel_response == Review.Response.AGREES
    assert stages["decision"].standing == Standing.DONE
    for key in ["local_review", "final_report", "publication"]:
        assert stages[key].standing == Standing.NOT_NEEDED, key
    assert next_deadline is None
    assert child_p.history.earliest().history_user.username == "portsmouth-team"


def test_the_journeys_stand_where_the_demo_puts_them_whatever_the_day(load_day):
    """Counted back in working days from the day of loading: a final report and a rapid
    review due soon, a rapid review overdue."""
    liam_waits_for_the_final_report_to_go_to_the_panel(load_day)
    child_r_has_a_rapid_review_due_within_a_few_working_days(load_day)
    child_t_was_notified_late_and_its_rapid_review_is_overdue(load_day)
    portsmouth_has_an_incident_of_its_own_with_no_local_review()


def test_each_stage_is_on_the_record_as_the_partnership_team_recorded_it(demo):
    liam = Review.objects.get(child_pseudonym="Liam")
    rows = liam.history.order_by("history_id")
    journey_rows = rows.filter(history_change_reason__endswith=" recorded")
    reasons = list(dict.fromkeys(journey_rows.values_list("history_change_reason", flat=True)))
    assert reasons == [f"{stage.label} recorded" for stage in journey.STAGES[:-1]]
    assert {row.history_user.username for row in journey_rows} == {"partnership"}
    assert rows.first().history_change_reason == "Review logged"  # before the journey
    incident = Review.objects.get(child_pseudonym="Child R").history.earliest()
    assert incident.history_change_reason == "Serious incident recorded"
    checks = ProgressCheck.history.filter(review_id=liam.pk)
    assert set(checks.values_list("history_change_reason", flat=True)) == {
        "Progress of the local review checked"
    }


def test_a_second_load_days_later_records_no_incident_again(demo):
    before = {r.pk: dates_of(r) for r in Review.objects.exclude(child_pseudonym="")}
    assert len(before) == 4
    history = Review.history.count()
    later = timezone.now() + datetime.timedelta(days=9)
    with time_machine.travel(later, tick=False):
        assert sum(load_demo(password="demo-pass").created.values()) == 0
    assert {r.pk: dates_of(r) for r in Review.objects.exclude(child_pseudonym="")} == before
    assert Review.history.count() == history


def test_the_demo_plan_holds_on_every_day_of_three_years():
    """No date after the day of loading (the services refuse one), and the same stages
    due, due soon and late, whatever the day: weekends, bank holidays, leap years."""
    incidents = tomllib.loads(DEMO_FILE.read_text())["incidents"]
    days = WorkingDays()
    for offset in range(3 * 366):
        today = datetime.date(2026, 1, 1) + datetime.timedelta(days=offset)
        for item in incidents:
            values, checks = incident_plan(item, days, today)
            review = Review(**values)
            assert max([*dates_of(review), *(day for day, _ in checks)]) <= today, item
            for name, follows in journey.ORDER.items():
                before = getattr(review, follows or "became_aware_on")
                assert not getattr(review, name) or before <= getattr(review, name), name
            for checked_on, _ in checks:
                assert review.local_review_commissioned_on < checked_on
                assert checked_on < review.local_review_completed_on
            states = journey.journey(review, days, today)
            deadline = journey.next_deadline(states)
            expected = {"Liam": Standing.DUE, "Child R": Standing.DUE, "Child T": Standing.LATE}
            assert (deadline and deadline.standing) == expected.get(item["child_pseudonym"])


def test_the_demo_text_holds_no_personal_data():
    """The personal data guard (sscp.personal_data) finds nothing to warn about."""

    def texts(value):
        if isinstance(value, str):
            yield value
        elif isinstance(value, dict):
            for item in value.values():
                yield from texts(item)
        elif isinstance(value, list):
            for item in value:
                yield from texts(item)

    for text in texts(tomllib.loads(DEMO_FILE.read_text())):
        assert personal_data.findings(text) == [], text


# Learning activities (issue 19, item 2) ----------------------------------------------


def test_the_workforce_development_of_the_annual_report_is_there(demo):
    from learning.models import LearningActivity
    from learning.selectors import annual_totals
    from sscp.scope import Scope

    southampton = Partnership.objects.get(slug="southampton")
    activities = {a.title: a for a in LearningActivity.objects.filter(partnership=southampton)}
    csafe = activities["Child sexual abuse in the family environment (CSAFE)"]
    assert csafe.kind == LearningActivity.Kind.TRAINING_DAY
    assert (csafe.attended, str(csafe.average_score)) == (43, "4.7")
    assert {str(r) for r in csafe.recommendations.all()} == {
        "Freddie recommendation 2",
        "Adam & Anna recommendation 1",
    }
    spotlight = activities["Spotlight on Neglect"]
    assert spotlight.kind == LearningActivity.Kind.SPOTLIGHT and spotlight.places_offered is None
    assert {a.kind for a in activities.values()} >= {"training_day", "workshop", "spotlight"}
    assert all(a.history.get().history_user.username == "partnership" for a in activities.values())
    year = annual_totals(Scope.of([southampton]), datetime.date(2020, 4, 1),
                         datetime.date(2021, 3, 31))  # fmt: skip
    assert year.attended == 43 + 24 and year.sessions == 3
    portsmouth = LearningActivity.objects.filter(partnership__slug="portsmouth")
    assert [a.title for a in portsmouth] == ["Spotlight on Safer Sleep"]
    assert all(
        r.partnership.slug == "portsmouth" for a in portsmouth for r in a.recommendations.all()
    )


def test_freddies_csafe_learning_is_embedded_and_adam_and_annas_awaits_its_check(demo):
    freddie = Recommendation.objects.get(review__title="Freddie", number=2)
    assert freddie.is_embedded and freddie.embedded_by.username == "silg-chair"
    [check] = freddie.impact_checks.all()
    assert check.recorded_by.username == "partnership" and check.outcome == "embedded"
    assert [a.title for a in check.learning_activities.all()] == [
        "Child sexual abuse in the family environment (CSAFE)"
    ]
    adam_and_anna = Recommendation.objects.get(review__title="Adam & Anna", number=1)
    assert adam_and_anna.is_closed and not adam_and_anna.is_embedded
    assert adam_and_anna.impact_check_due_on > datetime.date.today()
