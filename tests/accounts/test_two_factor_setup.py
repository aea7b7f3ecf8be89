"""Setting up a second factor: an authenticator app, confirmed by a code, and recovery codes."""

import re
from base64 import b32encode

import pytest
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.views import _qr_svg
from tests.accounts.conftest import code_for, error_summary, page_text, sign_in

pytestmark = pytest.mark.django_db

SET_UP = reverse("two-factor-setup")


def the_app_being_set_up(user) -> TOTPDevice:
    return TOTPDevice.objects.get(user=user, confirmed=False)


def test_the_page_draws_the_qr_code_itself_and_shows_the_key_to_type(client_for, lead_a):
    client = client_for(lead_a)
    response = client.get(SET_UP)
    page = response.content.decode()
    device = the_app_being_set_up(lead_a)
    assert '<svg role="img" aria-label="QR code to scan with your authenticator app"' in page
    assert "<img" not in page.split("<main", 1)[1]  # nothing fetched from anywhere
    assert "'self'" in response["Content-Security-Policy"]
    key = re.search(r'<code class="sscp-wrap" id="two-factor-key">([A-Z2-7 ]+)</code>', page)
    secret = b32encode(device.bin_key).decode()
    assert key.group(1).replace(" ", "") == secret
    address = (
        f"otpauth://totp/Review%20tracker%3Alead-a?secret={secret}&digits=6&period=30"
        "&issuer=Review%20tracker"
    )
    assert _qr_svg(address) in page  # the QR code says the same key
    assert not device.confirmed
    again = client.get(SET_UP).content.decode()
    assert key.group(0) in again  # the same key however often the page is opened
    assert TOTPDevice.objects.filter(user=lead_a).count() == 1


def test_a_right_code_turns_it_on_and_shows_ten_recovery_codes_once(client_for, lead_a):
    client = client_for(lead_a)
    client.get(SET_UP)
    device = the_app_being_set_up(lead_a)
    response = client.post(SET_UP, {"code": code_for(device)}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("two-factor-recovery-codes")
    page = response.content.decode()
    assert "Two-factor authentication is on" in page_text(response)
    shown = re.findall(r"<li><code>([a-z2-7]{8})</code></li>", page)
    stored = StaticToken.objects.filter(device__user=lead_a).values_list("token", flat=True)
    assert len(shown) == 10 and sorted(shown) == sorted(stored)
    device.refresh_from_db()
    assert device.confirmed
    row = lead_a.history.first()
    assert row.history_change_reason == (
        "Two-factor authentication set up: an authenticator app and 10 recovery codes"
    )
    # shown once
    later = page_text(client.get(reverse("two-factor-recovery-codes")))
    assert "You have 10 recovery codes left" in later
    assert not any(code in later for code in shown)
    # this session gave its code: it goes on without being asked again
    account = page_text(client.get(reverse("account")))
    assert "It is on" in account and "You have 10 recovery codes left" in account


@pytest.mark.parametrize(
    "code, message",
    [
        ("", "Enter the 6-digit code from your authenticator app"),
        ("12345", "The code must be 6 digits, like 123456"),
        ("abcdef", "The code must be 6 digits, like 123456"),
    ],
)
def test_a_code_that_is_not_a_code_is_explained(client_for, lead_a, code, message):
    client = client_for(lead_a)
    client.get(SET_UP)
    response = client.post(SET_UP, {"code": code})
    assert message in error_summary(response)
    assert not the_app_being_set_up(lead_a).confirmed


def test_a_wrong_code_turns_nothing_on(client_for, lead_a):
    client = client_for(lead_a)
    client.get(SET_UP)
    device = the_app_being_set_up(lead_a)
    wrong = f"{(int(code_for(device)) + 1) % 1_000_000:06d}"
    rows = lead_a.history.count()
    response = client.post(SET_UP, {"code": wrong})
    assert "The code is not right" in error_summary(response)
    device.refresh_from_db()
    assert not device.confirmed and device.throttling_failure_count == 1
    assert not StaticDevice.objects.exists()
    assert lead_a.history.count() == rows
    assert "It is off" in page_text(client.get(reverse("account")))


def test_new_recovery_codes_replace_the_old_ones(client, lead_a):
    sign_in(client, "lead-a")
    client.get(SET_UP)
    client.post(SET_UP, {"code": code_for(the_app_being_set_up(lead_a))})
    old = set(StaticToken.objects.values_list("token", flat=True))
    response = client.post(reverse("two-factor-recovery-codes"), follow=True)
    page = response.content.decode()
    assert "You have new recovery codes: the earlier ones no longer work" in page_text(response)
    new = set(re.findall(r"<li><code>([a-z2-7]{8})</code></li>", page))
    assert len(new) == 10 and new.isdisjoint(old)
    assert set(StaticToken.objects.values_list("token", flat=True)) == new
    assert lead_a.history.first().history_change_reason == (
        "New recovery codes made: the earlier ones no longer work"
    )


def test_the_set_up_page_of_someone_who_has_a_second_factor_goes_to_their_account(
    client_for, lead_a
):
    client = client_for(lead_a)
    client.get(SET_UP)
    client.post(SET_UP, {"code": code_for(the_app_being_set_up(lead_a))})
    response = client.get(SET_UP, follow=True)
    assert response.redirect_chain[-1][0] == reverse("account")
    assert "Two-factor authentication is already set up" in page_text(response)
    assert TOTPDevice.objects.filter(user=lead_a).count() == 1


def test_recovery_codes_need_a_second_factor(client_for, lead_a):
    response = client_for(lead_a).get(reverse("two-factor-recovery-codes"))
    assert response["Location"] == SET_UP
    assert client_for(lead_a).post(reverse("two-factor-recovery-codes")).status_code == 302
    assert not StaticDevice.objects.exists()
