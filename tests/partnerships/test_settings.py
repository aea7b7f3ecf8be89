"""A partnership's settings: its names, area, and who must use a second factor."""

import pytest
from django.urls import reverse

from sscp.models import Partnership
from tests.makers import SLUG
from tests.pages import text
from tests.partnerships.conftest import everything

pytestmark = pytest.mark.django_db

SETTINGS = {
    "name": "Test Safeguarding Children Partnership",
    "short_name": "Testshire",
    "area": "Testshire County",
    "two_factor": "everyone",
}


def test_the_page_shows_the_short_address_without_changing_it(client_for, partnership_officer):
    page = text(
        client_for(partnership_officer)
        .get(reverse("partnership-settings", args=[SLUG]))
        .content.decode()
    )
    assert "Short address /test/" in page and "is not changed here" in page
    assert "Who must use a second factor to sign in" in page


def test_saving_the_settings(client_for, partnership_officer):
    response = client_for(partnership_officer).post(
        reverse("partnership-settings", args=[SLUG]), SETTINGS | {"slug": "hijack"}, follow=True
    )
    assert "Settings saved" in text(response.content.decode())
    partnership = Partnership.objects.get(slug=SLUG)
    assert (partnership.short_name, partnership.area, partnership.two_factor) == (
        "Testshire",
        "Testshire County",
        "everyone",
    )
    assert partnership.history.first().history_change_reason == "Partnership settings changed"


@pytest.mark.parametrize(
    "change, message",
    [
        ({"name": "other safeguarding children partnership"}, "Another partnership is already"),
        ({"short_name": "OTHER"}, "Another partnership already has the short name “OTHER”"),
        ({"two_factor": "sometimes"}, "Choose who must use a second factor"),
        ({"short_name": ""}, "Enter the partnership&#x27;s short name"),
    ],
)
def test_bad_settings_are_explained_and_change_nothing(
    client_for, partnership_officer, other, change, message
):
    before = everything()
    response = client_for(partnership_officer).post(
        reverse("partnership-settings", args=[SLUG]), SETTINGS | change
    )
    page = response.content.decode()
    assert "There is a problem" in page and message in page
    assert everything() == before
