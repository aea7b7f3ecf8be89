"""An agency lead's actions across every partnership they lead in, in one list, each with
its partnership (issue 17, item 2); nothing of a partnership they do not belong to."""

import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from sscp import roles
from tests.makers import (
    make_action,
    make_agency,
    make_membership,
    make_partnership,
    make_recommendation,
    make_review,
    make_theme,
    make_user,
)
from tests.pages import plans_as_read, text

pytestmark = pytest.mark.django_db


@pytest.fixture
def police_in_three():
    south, ports, wight = (make_partnership(slug) for slug in ["south", "ports", "wight"])
    police = make_agency(
        name="Hampshire Constabulary", short_name="Police", partnerships=[south, ports, wight]
    )
    lead = make_user("police", role=roles.AGENCY_LEAD, agency=police, partnership=south)
    make_membership(lead, role=roles.AGENCY_LEAD, agency=police, partnership=ports)
    actions = {
        p.slug: make_action(
            make_recommendation(
                make_review(partnership=p, title=f"{p.slug} review"), agencies=[police]
            ),
            agency=police,
            title=f"Police action in {p.slug}",
        )
        for p in [south, ports, wight]
    }
    return lead, actions


def test_the_list_shows_each_partnership_the_lead_belongs_to_labelled(client_for, police_in_three):
    lead, actions = police_in_three
    page = client_for(lead).get(reverse("action-list", args=["all"])).content.decode()
    words = text(page)
    assert "Actions in all your partnerships" in words
    assert "Police action in south" in words and "Police action in ports" in words
    assert "Police action in wight" not in words  # not a partnership of theirs
    assert f'href="/south/actions/{actions["south"].pk}/"' in page
    assert f'href="/ports/actions/{actions["ports"].pk}/"' in page
    assert "South" in words and "Ports" in words  # the partnership column


def test_its_export_holds_the_same_and_links_each_in_its_partnership(client_for, police_in_three):
    lead, actions = police_in_three
    response = client_for(lead).get(reverse("action-list-csv", args=["all"]))
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert sorted(row["Action"] for row in rows) == [
        "Police action in ports",
        "Police action in south",
    ]
    links = {row["Action"]: row["Link"] for row in rows}
    assert links["Police action in ports"].endswith(f"/ports/actions/{actions['ports'].pk}/")


def test_only_the_list_is_for_all_partnerships(client_for, police_in_three):
    lead, actions = police_in_three
    client = client_for(lead)
    assert client.get(reverse("home", args=["all"])).status_code == 404
    assert (
        client.get(reverse("action-detail", args=["all", actions["south"].pk])).status_code == 404
    )


def test_a_theme_each_partnership_has_is_offered_once_and_finds_the_actions_of_each(
    client_for, police_in_three
):
    """Each partnership has its own themes; across partnerships the same word is one choice
    (a lead in 420 partnerships was offered "Neglect" 420 times), and it finds the actions
    under each partnership's theme of that name, and none in a partnership not theirs."""
    lead, actions = police_in_three
    for action in actions.values():
        action.review.themes.add(make_theme("Neglect", partnership=action.partnership))
    make_theme("Exploitation", partnership=actions["south"].partnership)
    client = client_for(lead)
    page = client.get(reverse("action-list", args=["all"])).content.decode()
    assert page.count('<option value="Neglect"') == 1
    assert '<option value="Exploitation"' in page

    listed = text(
        client.get(reverse("action-list", args=["all"]), {"theme": "Neglect"}).content.decode()
    )
    assert "Police action in south" in listed and "Police action in ports" in listed
    assert "Police action in wight" not in listed
    other = text(
        client.get(reverse("action-list", args=["all"]), {"theme": "Exploitation"}).content.decode()
    )
    assert "Police action in" not in other


def test_the_agencies_and_owners_offered_are_each_read_once(client_for, police_in_three):
    """Each agency offered once, and the owners of the agency chosen read once for the
    choices and their labels: across 420 partnerships the agencies (1,606) were read twice
    as records, and the owners' memberships twice, at about 30 ms each."""
    lead, actions = police_in_three
    police = actions["south"].agency
    make_agency(
        name="Wessex Ambulance", short_name="Ambulance", partnerships=[police.partnerships.first()]
    )
    url = reverse("action-list", args=["all"])
    with CaptureQueriesContext(connection) as queries:
        page = client_for(lead).get(url, {"agency": police.pk}).content.decode()
    reads = [query["sql"] for query in queries.captured_queries]
    assert len([sql for sql in reads if 'FROM "sscp_agency"' in sql]) == 1
    owners = f"\"role\" = '{roles.AGENCY_LEAD}'"
    assert len([sql for sql in reads if owners in sql]) == 1
    assert page.count(">Hampshire Constabulary</option>") == 1
    assert ">Wessex Ambulance</option>" in page
    assert f'<option value="{lead.pk}">' in page  # the owner choice, labelled with the agency
    assert f"{lead} (Police)" in page


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_list_and_its_count_are_read_from_the_agencys_index_alone(
    migrated_data, client_for, police_in_three
):
    """Not every action of the agency sent to the table for its partnership and review."""
    lead, actions = police_in_three
    with connection.cursor() as cursor:  # the table's pages all-visible, as autovacuum keeps them
        cursor.execute("VACUUM ANALYZE actions_action")
    with CaptureQueriesContext(connection) as queries:
        assert client_for(lead).get(reverse("action-list", args=["all"])).status_code == 200
    [count] = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("SELECT COUNT")]
    [listed] = [
        q["sql"]
        for q in queries.captured_queries
        if "ORDER BY" in q["sql"] and "LIMIT" in q["sql"] and "actions_action" in q["sql"]
    ]
    plans = plans_as_read(
        [count, listed], partnership=actions["south"].partnership, user=lead, in_order=True
    )
    for plan in plans:
        assert "Index Only Scan using action_agency_due on actions_action" in plan, plan
