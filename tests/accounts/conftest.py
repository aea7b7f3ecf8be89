"""Helpers for the tests of a person's own account and second factor."""

import re

import pytest
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import services
from tests.pages import text

PASSWORD = "test-pass-1234"  # tests.makers.make_user's


def code_for(device: TOTPDevice, steps_ahead: int = 0) -> str:
    """The code the person's app shows now (or `steps_ahead` 30-second steps later)."""
    value = totp(device.bin_key, device.step, device.t0, device.digits, device.drift + steps_ahead)
    return f"{value:06d}"


def turn_on_second_factor(user) -> list[str]:
    """Set up the person's second factor through the services; their recovery codes."""
    device = services.second_factor_start(user=user)
    turned_on = services.second_factor_confirm(actor=user, user=user, code=code_for(device))
    return turned_on.recovery_codes


def app_of(user) -> TOTPDevice:
    return TOTPDevice.objects.get(user=user, confirmed=True)


def sign_in(client, username, password=PASSWORD, **extra):
    return client.post(reverse("login"), {"username": username, "password": password}, **extra)


def sign_in_with_code(client, user):
    """Sign in with the password, then a code from the person's app."""
    sign_in(client, user.username)
    code = code_for(app_of(user), steps_ahead=1)  # the set-up used this step's
    return client.post(reverse("two-factor-verify"), {"code": code})


def error_summary(response) -> str:
    found = re.search(
        r'<div class="govuk-error-summary".*?</div>\s*</div>', response.content.decode(), re.S
    )
    return text(found.group(0)) if found else ""


def page_text(response) -> str:
    return text(response.content.decode())


@pytest.fixture
def recovery_codes(lead_a):
    """Alex Lead (agency A) has a second factor; these are their recovery codes."""
    return turn_on_second_factor(lead_a)
