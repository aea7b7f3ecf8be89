"""A partnership's own list of themes: listed, added and edited by its team."""

import pytest
from django.urls import reverse

from reviews.models import Theme
from tests.makers import SLUG, make_theme
from tests.pages import text
from tests.partnerships.conftest import everything

pytestmark = pytest.mark.django_db


def test_the_list_shows_only_this_partnerships_themes(client_for, partnership_officer, other):
    make_theme("Neglect")
    make_theme("Exploitation", partnership=other)
    page = text(
        client_for(partnership_officer).get(reverse("theme-list", args=[SLUG])).content.decode()
    )
    assert "Neglect No description Edit Neglect" in page
    assert "Exploitation" not in page


def test_adding_a_theme(client_for, partnership_officer):
    response = client_for(partnership_officer).post(
        reverse("theme-create", args=[SLUG]),
        {"name": " Disguised compliance ", "description": "Parents appearing to cooperate."},
        follow=True,
    )
    page = text(response.content.decode())
    assert "Theme “Disguised compliance” saved" in page
    assert "Disguised compliance Parents appearing to cooperate." in page
    theme = Theme.objects.get()
    assert theme.partnership.slug == SLUG
    assert theme.history.get().history_change_reason == "Theme added"


def test_a_theme_name_is_unique_in_the_partnership_whatever_its_case(
    client_for, partnership_officer
):
    make_theme("Neglect")
    before = everything()
    response = client_for(partnership_officer).post(
        reverse("theme-create", args=[SLUG]), {"name": "NEGLECT"}
    )
    page = response.content.decode()
    assert "A theme called “NEGLECT” already exists" in page and 'href="#id_name"' in page
    assert everything() == before


def test_another_partnership_may_use_the_same_name(client_for, other_team):
    make_theme("Neglect")
    client_for(other_team).post(reverse("theme-create", args=["other"]), {"name": "Neglect"})
    assert Theme.objects.filter(name="Neglect").count() == 2


def test_editing_a_theme(client_for, partnership_officer):
    theme = make_theme("Neglect")
    make_theme("Exploitation")
    client = client_for(partnership_officer)
    url = reverse("theme-edit", args=[SLUG, theme.pk])
    assert 'value="Neglect"' in client.get(url).content.decode()
    assert "already exists" in client.post(url, {"name": "exploitation"}).content.decode()
    client.post(url, {"name": "Neglect", "description": "Persistent failure to meet needs."})
    theme.refresh_from_db()
    assert theme.description == "Persistent failure to meet needs."
    assert theme.history.first().history_change_reason == "Theme edited"
