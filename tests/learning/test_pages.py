"""The learning activity pages (issue 19, item 2): the partnership team records and edits
activities; every member reads them; another partnership's people are told nothing; bad
input gets GOV.UK messages at its field and saves nothing."""

import datetime

import pytest
import time_machine
from django.urls import reverse

from learning.models import LearningActivity
from learning.selectors import activities_of
from sscp import roles
from tests.learning.makers import make_learning_activity
from tests.makers import (
    SLUG,
    default_partnership,
    make_partnership,
    make_recommendation,
    make_review,
    make_user,
)
from tests.pages import row_security_queries, text

pytestmark = pytest.mark.django_db

D = datetime.date
LIST = reverse("learning-list", args=[SLUG])
CREATE = reverse("learning-create", args=[SLUG])


@pytest.fixture(autouse=True)
def on_the_7th():
    with time_machine.travel(datetime.datetime(2027, 1, 7, 12, 0), tick=False):
        yield


def detail(activity) -> str:
    return reverse("learning-detail", args=[SLUG, activity.pk])


def edit(activity) -> str:
    return reverse("learning-edit", args=[SLUG, activity.pk])


def form_data(**fields) -> dict:
    return {
        "kind": "training_day",
        "title": "Child sexual abuse in the family environment (CSAFE)",
        "held_on_0": "9",
        "held_on_1": "12",
        "held_on_2": "2026",
        "audience": "Multi-agency practitioners",
        "places_offered": "40",
        "attended": "38",
        "no_shows": "2",
        "average_score": "4.7",
    } | fields


def activities() -> list:
    return list(LearningActivity.objects.order_by("pk").values())


def test_the_team_records_an_activity_answering_recommendations(client_for, partnership_officer):
    review = make_review(title="Clare")
    recommendation = make_recommendation(review, number=2)
    client = client_for(partnership_officer)
    form = text(client.get(CREATE).content.decode())
    assert "Clare, recommendation 2" in form
    response = client.post(CREATE, form_data(recommendations=[recommendation.pk]))
    activity = LearningActivity.objects.get()
    assert response.status_code == 302 and response["Location"] == detail(activity)
    page = text(client.get(detail(activity)).content.decode())
    assert "Learning activity “Child sexual abuse in the family environment (CSAFE)” saved" in page
    assert "Held 9 December 2026" in page
    assert "Places offered 40 Attended 38 No-shows 2" in page
    assert "Average evaluation score 4.7 out of 5" in page
    assert "Clare, recommendation 2" in page
    assert activity.history.get().history_user == partnership_officer


def test_the_team_edits_an_activity(client_for, partnership_officer):
    activity = make_learning_activity(places_offered=40, attended=30)
    client = client_for(partnership_officer)
    form = client.get(edit(activity)).content.decode()
    assert 'value="30"' in form
    response = client.post(edit(activity), form_data(title="CSAFE training day", attended="43",
                                                     places_offered="45"))  # fmt: skip
    assert response.status_code == 302
    activity.refresh_from_db()
    assert (activity.title, activity.attended) == ("CSAFE training day", 43)
    assert activity.history.latest().history_change_reason == "Learning activity edited"


@pytest.mark.parametrize("persona", ["chair", "lead_a", "lead_b"])
def test_every_member_reads_but_only_the_team_records(client_for, members, persona):
    activity = make_learning_activity(title="Spotlight on Neglect")
    client = client_for(members[persona])
    assert "Spotlight on Neglect" in text(client.get(LIST).content.decode())
    page = text(client.get(detail(activity)).content.decode())
    assert "Spotlight on Neglect" in page and "Edit the learning activity" not in page
    assert "Record a learning activity" not in text(client.get(LIST).content.decode())
    before = activities()
    assert client.get(CREATE).status_code == 403
    assert client.post(CREATE, form_data()).status_code == 403
    assert client.get(edit(activity)).status_code == 403
    assert client.post(edit(activity), form_data(title="Changed")).status_code == 403
    assert activities() == before


def test_the_team_sees_the_buttons(client_for, partnership_officer):
    activity = make_learning_activity()
    client = client_for(partnership_officer)
    assert "Record a learning activity" in text(client.get(LIST).content.decode())
    assert "Edit the learning activity" in text(client.get(detail(activity)).content.decode())


def test_another_partnerships_people_are_told_nothing(client_for):
    other = make_partnership("other")
    theirs = make_learning_activity(partnership=other, title="Their workshop")
    ours = make_learning_activity(title="Our workshop")
    outsider = make_user("other-team", role=roles.PARTNERSHIP_TEAM, partnership=other)
    client = client_for(outsider)
    assert client.get(detail(ours)).status_code == 404
    assert client.get(edit(ours)).status_code == 404
    assert client.get(LIST).status_code == 404  # not a member of this partnership at all
    # In their own partnership, only their own: our activity's id there is a 404 too.
    theirs_list = text(client.get(reverse("learning-list", args=["other"])).content.decode())
    assert "Their workshop" in theirs_list and "Our workshop" not in theirs_list
    assert client.get(reverse("learning-detail", args=["other", ours.pk])).status_code == 404
    assert client.get(reverse("learning-detail", args=["other", theirs.pk])).status_code == 200


def test_signed_out_people_are_sent_to_sign_in(client):
    activity = make_learning_activity()
    for url in [LIST, CREATE, detail(activity), edit(activity)]:
        response = client.get(url)
        assert response.status_code == 302 and "/sign-in/" in response["Location"], url


def test_the_pages_refuse_the_wrong_method(client_for, partnership_officer):
    activity = make_learning_activity()
    client = client_for(partnership_officer)
    assert client.post(LIST).status_code == 405
    assert client.post(detail(activity)).status_code == 405
    assert client.delete(edit(activity)).status_code == 405


@pytest.mark.parametrize(
    "fields, message",
    [
        (
            {"attended": "43"},
            "The number who attended must be no more than the places offered (40)",
        ),
        ({"average_score": "7"}, "The average evaluation score must be from 1 to 5, like 4.7"),
        ({"average_score": "four"}, "The average evaluation score must be a number from 1 to 5"),
        ({"average_score": "4.75"}, "must have one decimal place at most, like 4.7"),
        ({"title": ""}, "Enter the title of the activity"),
        ({"kind": ""}, "Choose the kind of activity"),
        ({"held_on_0": "31", "held_on_1": "2"}, "Date held or published must be a real date"),
        ({"places_offered": "lots"}, "Places offered must be a whole number, like 3"),
        ({"no_shows": "-1"}, "Number of no-shows must be 0 or more"),
        (
            {"kind": "toolkit", "attended": "", "no_shows": ""},
            "A toolkit is published, not held: leave the places offered empty",
        ),
    ],
    ids=[
        "more attended than places",
        "score above 5",
        "score not a number",
        "score to two places",
        "no title",
        "no kind",
        "not a date",
        "places not a number",
        "negative no-shows",
        "places for a toolkit",
    ],  # fmt: skip
)
def test_bad_input_gets_a_govuk_message_and_nothing_is_saved(
    client_for, partnership_officer, fields, message
):
    activity = make_learning_activity(places_offered=40, attended=30)
    before = activities()
    client = client_for(partnership_officer)
    for url in [CREATE, edit(activity)]:
        response = client.post(url, form_data(**fields))
        assert response.status_code == 200, url
        page = text(response.content.decode())
        assert "There is a problem" in page and message in page, url
        assert "This field is required" not in page and "Enter a number" not in page
    assert activities() == before


def test_a_recommendation_of_another_partnership_is_not_offered(client_for, partnership_officer):
    other = make_partnership("other")
    theirs = make_recommendation(make_review(partnership=other, title="Ruby"))
    client = client_for(partnership_officer)
    assert "Ruby, recommendation" not in text(client.get(CREATE).content.decode())
    response = client.post(CREATE, form_data(recommendations=[theirs.pk]))
    assert "Choose the recommendations it answers from the list" in text(response.content.decode())
    assert not LearningActivity.objects.exists()


def test_personal_data_in_the_description_is_confirmed_first(client_for, partnership_officer):
    client = client_for(partnership_officer)
    data = form_data(description="Held for the team at SO14 7LY")
    page = text(client.post(CREATE, data).content.decode())
    assert "this looks like a postcode" in page
    assert not LearningActivity.objects.exists()
    assert client.post(CREATE, data | {"confirm": "on"}).status_code == 302
    reason = LearningActivity.objects.get().history.get().history_change_reason
    assert reason.startswith("Learning activity recorded (confirmed: Description:")


def test_the_list_shows_the_newest_first_in_a_fixed_number_of_queries(
    client_for, partnership_officer, django_assert_max_num_queries
):
    recommendation = make_recommendation()
    for day in range(1, 16):
        make_learning_activity(title=f"Workshop {day:02d}", held_on=D(2026, 11, day),
                               recommendations=[recommendation])  # fmt: skip
    client = client_for(partnership_officer)
    client.get(LIST)
    with django_assert_max_num_queries(12 + row_security_queries()):
        page = text(client.get(LIST).content.decode())
    assert page.index("Workshop 15") < page.index("Workshop 01")
    assert "15 November 2026" in page


def test_a_recommendation_lists_the_activities_answering_it(client_for, partnership_officer):
    """The include a recommendation's page shows (templates/learning/
    recommendation_activities.html), from learning.selectors.activities_of."""
    from django.template.loader import render_to_string

    recommendation = make_recommendation()
    make_learning_activity(title="CSAFE training day", held_on=D(2026, 12, 9), attended=43,
                           average_score="4.7", recommendations=[recommendation])  # fmt: skip
    make_learning_activity(title="Unrelated workshop")
    html = render_to_string(
        "learning/recommendation_activities.html",
        {"activities": activities_of(recommendation), "partnership": default_partnership()},
    )
    shown = text(html)
    assert (
        "CSAFE training day (Training day, held 9 December 2026, 43 attended, "
        "evaluated 4.7 out of 5)" in shown
    )
    assert "Unrelated workshop" not in shown
