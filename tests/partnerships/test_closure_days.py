"""A partnership's closure days (issue 18, item 1): its team adds and removes them on a page
of its settings; the statutory deadlines skip them; a removal stays on the record and the
audit trail still verifies. (Who may open the pages: tests/partnerships/test_page_access.py.)"""

import datetime

import pytest
import time_machine
from django.urls import reverse

from audits.sealing import verify
from partnerships import services
from sscp.models import ClosureDay
from sscp.working_days import WorkingDays
from tests.makers import SLUG, default_partnership
from tests.pages import text

pytestmark = pytest.mark.django_db

D = datetime.date
PAGE = reverse("closure-days", args=[SLUG])


@pytest.fixture(autouse=True)
def on_the_1st():
    with time_machine.travel(datetime.datetime(2026, 12, 1, 12, 0), tick=False):
        yield


def dates(day) -> dict:
    return {"date_0": day.day, "date_1": day.month, "date_2": day.year}


def remove_url(day) -> str:
    return reverse("closure-day-remove", args=[SLUG, day.pk])


def closures() -> list:
    return list(ClosureDay.objects.order_by("pk").values())


def test_the_settings_page_links_to_the_closure_days(client_for, partnership_officer):
    page = client_for(partnership_officer).get(reverse("partnership-settings", args=[SLUG]))
    assert f'href="{PAGE}"' in page.content.decode()


def test_the_team_adds_a_closure_day_and_deadlines_skip_it(client_for, partnership_officer):
    client = client_for(partnership_officer)
    response = client.post(PAGE, dates(D(2026, 12, 24)) | {"reason": "Office closed"})
    assert response.status_code == 302 and response["Location"] == PAGE
    page = text(client.get(PAGE).content.decode())
    assert "24 December 2026 added as a closure day" in page
    assert "Thursday 24 December 2026 Office closed Remove" in page
    day = ClosureDay.objects.get()
    assert day.history.get().history_change_reason == "Closure day added: Office closed"
    assert WorkingDays.of(default_partnership()).add(D(2026, 12, 21), 3) == D(2026, 12, 29)
    assert WorkingDays().add(D(2026, 12, 21), 3) == D(2026, 12, 24)


@pytest.mark.parametrize(
    "data, message",
    [
        ({}, "Enter the date the office is closed"),
        (dates(D(2026, 12, 24)), "Enter the reason the office is closed"),
        (dates(D(2026, 11, 30)) | {"reason": "x"}, "Monday 30 November 2026 has passed"),
        (dates(D(2026, 12, 26)) | {"reason": "x"}, "is not a working day anyway"),
        (dates(D(2026, 12, 25)) | {"reason": "x"}, "is not a working day anyway"),
        (dates(D(2031, 1, 6)) | {"reason": "x"}, "must be on or before 1 December 2028"),
        ({"date_0": "31", "date_1": "2", "date_2": "2027", "reason": "x"}, "must be a real date"),
    ],
    ids=["empty", "no reason", "past", "a Saturday", "Christmas", "too far", "not a date"],
)
def test_bad_closure_days_are_refused_at_their_field(
    client_for, partnership_officer, data, message
):
    before = closures()
    response = client_for(partnership_officer).post(PAGE, data)
    assert response.status_code == 200
    assert message in text(response.content.decode())
    assert closures() == before


def test_a_day_cannot_be_closed_twice(client_for, partnership_officer):
    services.closure_day_add(
        actor=partnership_officer, partnership=default_partnership(), date=D(2026, 12, 24),
        reason="Office closed",
    )  # fmt: skip
    before = closures()
    response = client_for(partnership_officer).post(
        PAGE, dates(D(2026, 12, 24)) | {"reason": "Again"}
    )
    assert "Thursday 24 December 2026 is already a closure day" in text(response.content.decode())
    assert closures() == before


def test_a_removed_day_counts_again_and_stays_on_the_record(client_for, partnership_officer):
    day = services.closure_day_add(
        actor=partnership_officer, partnership=default_partnership(), date=D(2026, 12, 24),
        reason="Office closed",
    )  # fmt: skip
    client = client_for(partnership_officer)
    response = client.post(remove_url(day))
    assert response.status_code == 302
    assert "24 December 2026 is no longer a closure day" in text(client.get(PAGE).content.decode())
    assert not ClosureDay.objects.exists()
    removal = ClosureDay.history.filter(id=day.pk).latest()
    assert (removal.history_type, removal.history_user) == ("-", partnership_officer)
    assert removal.history_change_reason == "Closure day removed: Office closed"
    assert WorkingDays.of(default_partnership()).is_working_day(D(2026, 12, 24))
    assert verify().intact


def test_a_past_closure_day_stays(client_for, partnership_officer):
    day = services.closure_day_add(
        actor=partnership_officer, partnership=default_partnership(), date=D(2026, 12, 2),
        reason="Training day",
    )  # fmt: skip
    with time_machine.travel(datetime.datetime(2026, 12, 3, 12, 0), tick=False):
        client = client_for(partnership_officer)
        page = text(client.get(PAGE).content.decode())
        assert "Past closure days Wednesday 2 December 2026 Training day" in page
        assert remove_url(day) not in client.get(PAGE).content.decode()
        response = client.post(remove_url(day), follow=True)
    assert "2 December 2026 has passed: it has been counted, so it stays" in text(
        response.content.decode()
    )
    assert ClosureDay.objects.filter(pk=day.pk).exists()
