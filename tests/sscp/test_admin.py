"""The Django admin covers every model, with its history."""

import pytest
from django.apps import apps
from django.contrib import admin
from django.urls import reverse

from tests.makers import make_action, make_evidence, make_user

pytestmark = pytest.mark.django_db

OUR_APPS = {"sscp", "reviews", "actions", "audits"}


def our_models():
    return [
        model
        for model in apps.get_models()
        if model._meta.app_label in OUR_APPS and not model.__name__.startswith("Historical")
    ]


def test_every_model_is_in_the_admin_with_history_where_it_keeps_one():
    for model in our_models():
        assert admin.site.is_registered(model), model
        if hasattr(model, "history"):
            assert hasattr(admin.site._registry[model], "history_view"), model


def test_an_administrator_can_open_every_list_and_history_page(client):
    action = make_action()
    make_evidence(action)
    client.force_login(make_user("admin", is_staff=True, is_superuser=True))
    for model in our_models():
        meta = model._meta
        changelist = reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")
        assert client.get(changelist).status_code == 200, changelist
        obj = model.objects.first()
        if obj is not None and hasattr(model, "history"):
            history = reverse(f"admin:{meta.app_label}_{meta.model_name}_history", args=[obj.pk])
            assert client.get(history).status_code == 200, history
