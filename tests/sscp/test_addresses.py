"""A record's address is reversed once for a list's rows (sscp.scope.address): the same
address reverse() gives, under whatever script prefix the service is served at."""

import pytest
from django.urls import reverse, set_script_prefix

from tests.makers import SLUG, make_action

pytestmark = pytest.mark.django_db


def test_each_rows_address_is_the_one_reverse_gives_even_under_a_sub_path():
    first, second = make_action(), make_action()
    assert first.get_absolute_url() == reverse("action-detail", args=[SLUG, first.pk])
    assert second.get_absolute_url() == reverse("action-detail", args=[SLUG, second.pk])
    set_script_prefix("/tracker/")
    try:
        assert second.get_absolute_url() == f"/tracker/{SLUG}/actions/{second.pk}/"
    finally:
        set_script_prefix("/")
    assert second.get_absolute_url() == f"/{SLUG}/actions/{second.pk}/"
