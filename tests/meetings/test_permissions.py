"""Every page of SILG meetings, for every role: the partnership team arranges and changes
meetings (Ability.PLAN); the team and the SILG chair read them (Ability.OVERSEE), their
agendas naming every agency's confidential work; agency leads are refused (403), someone of
no partnership is told nothing (404); a refusal changes nothing and is on the record."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from audits.models import AccessEvent
from meetings.models import AgendaItem, Meeting, MeetingPack, MinuteEntry
from tests.makers import SLUG, agency_of
from tests.meetings.makers import make_meeting, make_waiting

pytestmark = pytest.mark.django_db

ROLES = ["partnership", "chair", "lead_a", "lead_b", "no_role"]
READERS = {"partnership", "chair"}
PLANNERS = {"partnership"}

# (url name, method, who may, the data posted)
PAGES = [
    ("meeting-list", "get", READERS, None),
    ("meeting-create", "get", PLANNERS, None),
    ("meeting-detail", "get", READERS, None),
    ("meeting-pack", "get", READERS, None),
    ("meeting-minutes", "get", READERS, None),
    ("meeting-minutes-pdf", "get", READERS, None),
]
CHANGES = [
    ("meeting-create", lambda meeting: {
        **dict(zip(["date_0", "date_1", "date_2"], _in_a_month_parts(), strict=True))}),
    ("meeting-refresh", lambda meeting: {}),
    ("meeting-item-move", lambda meeting: {"item": _second(meeting), "direction": "up"}),
    ("meeting-item-remove", lambda meeting: {"item": _second(meeting)}),
    ("meeting-pack-issue", lambda meeting: {}),
    ("meeting-minutes-confirm", lambda meeting: {}),
]  # fmt: skip


def _in_a_month_parts():
    date = timezone.localdate() + datetime.timedelta(days=30)
    return [date.day, date.month, date.year]


def _second(meeting):
    return meeting.items.order_by("position")[1].pk


def snapshot():
    models = [Meeting, AgendaItem, MeetingPack, MinuteEntry]
    models += [model.history.model for model in models]
    return {model.__name__: list(model.objects.order_by("pk").values()) for model in models}


@pytest.fixture
def meeting(partnership_officer, lead_a):
    """A meeting today with an agenda; for confirming its minutes, one with its pack issued."""
    make_waiting(agency=agency_of(lead_a), lead=lead_a)
    return make_meeting(partnership_officer, date=timezone.localdate())


def _url(name, meeting):
    if name in {"meeting-list", "meeting-create"}:
        return reverse(name, args=[SLUG])
    return reverse(name, args=[SLUG, meeting.pk])


@pytest.mark.parametrize("name, method, may, data", PAGES, ids=[p[0] for p in PAGES])
def test_each_page_opens_only_for_those_who_may_read_it(
    name, method, may, data, personas, client, meeting
):
    for role in ROLES:
        client.force_login(personas[role])
        response = client.get(_url(name, meeting))
        expected = 200 if role in may else 404 if role == "no_role" else 403
        assert response.status_code == expected, role


@pytest.mark.parametrize("name, data", CHANGES, ids=[c[0] for c in CHANGES])
@pytest.mark.parametrize("role", ROLES)
def test_each_change_is_for_the_partnership_team_only(name, data, role, personas, client, meeting):
    from meetings import services

    team = personas["partnership"]
    if name == "meeting-minutes-confirm":
        services.meeting_pack_issue(actor=team, meeting=meeting)
    if name == "meeting-refresh":  # something to add: an item taken off, still waiting
        services.agenda_item_remove(actor=team, meeting=meeting, item=meeting.items.first())
    client.force_login(personas[role])
    before, refusals = snapshot(), AccessEvent.objects.filter(kind="refused").count()

    response = client.post(_url(name, meeting), data(meeting))

    if role in PLANNERS:
        assert response.status_code == 302
        assert snapshot() != before
        return
    assert response.status_code == (404 if role == "no_role" else 403)
    assert snapshot() == before
    assert AccessEvent.objects.filter(kind="refused").count() == refusals + 1


@pytest.mark.parametrize("name", [c[0] for c in CHANGES if c[0] != "meeting-create"])
def test_a_change_by_get_is_refused(name, client_for, partnership_officer, meeting):
    assert client_for(partnership_officer).get(_url(name, meeting)).status_code == 405


@pytest.mark.parametrize("name", [p[0] for p in PAGES if p[0] != "meeting-create"])
def test_a_page_by_post_is_refused(name, client_for, partnership_officer, meeting):
    assert client_for(partnership_officer).post(_url(name, meeting)).status_code == 405


@pytest.mark.parametrize("name", sorted({p[0] for p in PAGES} | {c[0] for c in CHANGES}))
def test_signed_out_goes_to_sign_in(name, client, meeting):
    response = client.get(_url(name, meeting))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


OF_A_MEETING = sorted(
    ({p[0] for p in PAGES} | {c[0] for c in CHANGES}) - {"meeting-list", "meeting-create"}
)


@pytest.mark.parametrize("name", OF_A_MEETING)
def test_a_guessed_meeting_is_not_found(name, client_for, partnership_officer, meeting):
    before = snapshot()
    url = reverse(name, args=[SLUG, 999_999])
    client = client_for(partnership_officer)
    assert client.get(url).status_code in {404, 405}
    assert client.post(url).status_code in {404, 405}
    assert snapshot() == before
