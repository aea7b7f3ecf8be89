"""The periodic access review: everyone with access, their role and last sign-in, and
who has not signed in for ACCESS_REVIEW_DAYS (or never), on the page and as CSV."""

import csv
import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from partnerships import services
from sscp import roles
from tests.makers import SLUG, make_user
from tests.pages import text

pytestmark = pytest.mark.django_db


def signed_in(user, days_ago):
    user.last_login = timezone.now() - datetime.timedelta(days=days_ago)
    user.save()


@pytest.fixture
def people(partnership_officer, lead_a, silg_chair, other_team):
    signed_in(partnership_officer, 1)
    signed_in(lead_a, 120)  # silg_chair never has
    signed_in(other_team, 200)
    left = make_user("left", role=roles.SILG_CHAIR, first_name="Lee", last_name="Ver")
    services.membership_end(actor=partnership_officer, membership=left.memberships.get())
    make_user("inactive", role=roles.SILG_CHAIR, first_name="Ina", is_active=False)


def test_the_review_lists_everyone_with_access_longest_unseen_first(
    client_for, partnership_officer, people, django_assert_max_num_queries
):
    client = client_for(partnership_officer)
    with django_assert_max_num_queries(12):
        page = text(client.get(reverse("access-review", args=[SLUG])).content.decode())
    assert "2 people have not signed in for 90 days, or never." in page
    rows = page.split("Last signed in", 1)[1]
    assert rows.index("Sam Chair") < rows.index("Alex Lead") < rows.index("Pat Officer")
    assert "Sam Chair chair@example.org SILG chair Never Not in 90 days" in rows
    assert "Alex Lead lead-a@example.org Agency lead Agency A" in rows
    for absent in ["Lee Ver", "Ina", "Other-Officer", "other-officer"]:
        assert absent not in rows


def test_the_review_shows_only_those_not_signed_in(client_for, partnership_officer, people):
    page = text(
        client_for(partnership_officer)
        .get(reverse("access-review", args=[SLUG]), {"show": "dormant"})
        .content.decode()
    )
    rows = page.split("Last signed in", 1)[1]
    assert "Sam Chair" in rows and "Alex Lead" in rows and "Pat Officer" not in rows
    assert "Show everyone" in page


def test_the_period_is_a_setting(client_for, partnership_officer, people, settings):
    settings.ACCESS_REVIEW_DAYS = 180
    page = text(
        client_for(partnership_officer).get(reverse("access-review", args=[SLUG])).content.decode()
    )
    assert "1 person has not signed in for 180 days, or never." in page


def read_csv(response) -> list[dict]:
    body = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(body)))


def test_the_review_downloads_as_csv(client_for, partnership_officer, people):
    response = client_for(partnership_officer).get(reverse("access-review-csv", args=[SLUG]))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert f"access-review-{SLUG}-" in response["Content-Disposition"]
    rows = read_csv(response)
    assert [row["Username"] for row in rows] == ["chair", "lead-a", "officer"]
    chair, lead, officer = rows
    assert (
        chair["Last signed in"] == "Never" and chair["Not signed in for the review period"] == "Yes"
    )
    assert (lead["Role"], lead["Agency"], lead["Email"]) == (
        "Agency lead",
        "Agency A",
        "lead-a@example.org",
    )
    assert officer["Not signed in for the review period"] == "No"
    assert officer["Last signed in"].startswith(str(timezone.localdate()))  # signing in now


def test_the_csv_follows_the_filter(client_for, partnership_officer, people):
    response = client_for(partnership_officer).get(
        reverse("access-review-csv", args=[SLUG]), {"show": "dormant"}
    )
    assert [row["Username"] for row in read_csv(response)] == ["chair", "lead-a"]
