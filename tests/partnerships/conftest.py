"""What the tests of running a partnership share: another partnership and its team, and
a look at every record the pages may change, to show that a refusal changed nothing."""

import pytest

from partnerships.models import Invitation
from reviews.models import Theme
from sscp import roles
from sscp.models import Agency, ClosureDay, Membership, OutgoingEmail, Partnership, User
from tests.makers import make_partnership, make_user


@pytest.fixture
def other(db):
    """Another partnership of the service."""
    return make_partnership("other")


@pytest.fixture
def other_team(other):
    """The partnership team of the other partnership: a stranger to the tests' one."""
    return make_user("other-officer", role=roles.PARTNERSHIP_TEAM, partnership=other)


def everything() -> dict:
    """Every record the pages of this app may change, as plain values."""
    return {
        "memberships": list(Membership.objects.order_by("pk").values()),
        "invitations": list(Invitation.objects.order_by("pk").values()),
        "agencies": list(Agency.objects.order_by("pk").values()),
        "served": sorted(Agency.partnerships.through.objects.values_list("agency", "partnership")),
        "themes": list(Theme.objects.order_by("pk").values()),
        "closure_days": list(ClosureDay.objects.order_by("pk").values()),
        "partnerships": list(Partnership.objects.order_by("pk").values()),
        "users": list(User.objects.order_by("pk").values("pk", "is_active", "password")),
        "emails": OutgoingEmail.objects.count(),
    }
