"""The partnership team resets a person's second factor (accounts.services.second_factor_reset)."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import has_second_factor
from accounts.services import second_factor_reset
from audits.models import AuditRecord
from sscp import roles
from tests.accounts.conftest import app_of, code_for, sign_in
from tests.makers import SLUG, make_partnership, make_user

pytestmark = pytest.mark.django_db


def test_a_reset_removes_the_devices_on_the_record(
    client, lead_a, partnership_officer, recovery_codes
):
    second_factor_reset(actor=partnership_officer, user=lead_a, reason="Lost their phone")
    assert not TOTPDevice.objects.filter(user=lead_a).exists()
    assert not StaticDevice.objects.filter(user=lead_a).exists()
    assert not has_second_factor(lead_a)
    row = lead_a.history.first()
    assert (row.history_change_reason, row.history_user) == (
        "Second factor reset: Lost their phone",
        partnership_officer,
    )
    record = AuditRecord.objects.filter(record_type="user", object_id=lead_a.pk).latest("seq")
    assert record.reason == "Second factor reset: Lost their phone"
    # the next sign-in needs the password alone
    assert sign_in(client, "lead-a")["Location"] == reverse("start")


def test_a_session_that_gave_a_code_goes_on_without_one(
    client, lead_a, partnership_officer, recovery_codes
):
    sign_in(client, "lead-a")
    client.post(reverse("two-factor-verify"), {"code": code_for(app_of(lead_a), steps_ahead=1)})
    second_factor_reset(actor=partnership_officer, user=lead_a, reason="Lost their phone")
    response = client.get(reverse("home", args=[SLUG]), follow=True)
    assert response.redirect_chain[-1][0] == reverse("home", args=[SLUG])
    assert response.status_code == 200


def test_only_the_partnership_team_of_the_persons_partnership_may_reset(
    lead_a, lead_b, silg_chair, recovery_codes
):
    elsewhere = make_user(
        "team-elsewhere", role=roles.PARTNERSHIP_TEAM, partnership=make_partnership()
    )
    for actor in (lead_b, silg_chair, elsewhere):
        with pytest.raises(PermissionDenied):
            second_factor_reset(actor=actor, user=lead_a, reason="Lost their phone")
    assert has_second_factor(lead_a)


def test_a_reset_needs_a_reason(lead_a, partnership_officer, recovery_codes):
    with pytest.raises(ValidationError) as refused:
        second_factor_reset(actor=partnership_officer, user=lead_a, reason="  ")
    assert refused.value.message_dict == {"reason": ["Enter why the second factor is being reset"]}
    assert has_second_factor(lead_a)


def test_there_must_be_a_second_factor_to_reset(lead_a, partnership_officer):
    rows = lead_a.history.count()
    with pytest.raises(ValidationError, match="Alex Lead has no second factor to reset"):
        second_factor_reset(actor=partnership_officer, user=lead_a, reason="Lost their phone")
    assert lead_a.history.count() == rows
