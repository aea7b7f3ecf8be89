"""`manage.py invite`: the operator invites a new partnership's first team member."""

import io
import re

import pytest
from django.core import mail
from django.core.management import CommandError, call_command

from audits.history import SYSTEM_USERNAME
from partnerships.models import Invitation
from sscp import outbox
from tests.makers import make_agency, make_partnership, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def portsmouth(db):
    return make_partnership("portsmouth", name="Portsmouth Safeguarding Children Partnership")


def invite(*args):
    out = io.StringIO()
    call_command("invite", *args, stdout=out)
    return out.getvalue()


def test_the_operator_invites_the_first_team_member(portsmouth):
    said = invite("--partnership", "portsmouth", "--email", "first@example.org", "--role", "team")
    assert re.match(
        r"Invited first@example.org to Portsmouth Safeguarding Children Partnership as "
        r"Partnership team\. The email is in the outbox; its link works until ",
        said,
    )
    invitation = Invitation.objects.get()
    assert invitation.invited_by.username == SYSTEM_USERNAME
    assert invitation.history.get().history_user.username == SYSTEM_USERNAME
    outbox.deliver_waiting()
    [email] = mail.outbox
    assert "The service's operator has invited you" in email.body
    assert "as a member of the partnership team" in email.body


def test_the_invitation_is_recorded_against_the_user_named(portsmouth):
    operator = make_user("operator", first_name="Olu", last_name="Operator")
    police = make_agency(
        name="Hampshire Constabulary", short_name="Police", partnerships=[portsmouth]
    )
    invite(
        "--partnership", "portsmouth", "--email", "lead@example.org", "--role", "lead",
        "--agency", "police", "--user", "operator",
    )  # fmt: skip
    invitation = Invitation.objects.get()
    assert (invitation.invited_by, invitation.agency) == (operator, police)


@pytest.mark.parametrize(
    "args, message",
    [
        (["--partnership", "nowhere", "--email", "a@example.org", "--role", "team"],
         "There is no partnership with the short address “nowhere”."),
        (["--partnership", "portsmouth", "--email", "a@example.org", "--role", "lead"],
         "Choose the agency the agency lead acts for"),
        (["--partnership", "portsmouth", "--email", "a@example.org", "--role", "lead",
          "--agency", "nobody"], "There is no agency with the short name “nobody”."),
        (["--partnership", "portsmouth", "--email", "not-an-address", "--role", "team"],
         "Enter an email address in the correct format"),
    ],
)  # fmt: skip
def test_bad_input_is_refused_and_nothing_is_made(portsmouth, args, message):
    with pytest.raises(CommandError, match=re.escape(message)):
        invite(*args)
    assert not Invitation.objects.exists()
