"""
Who is reached about an action or a review: its owners (the leads of its agency), the
partnership team and the SILG chair, in every partnership that commissioned its review.
The reminders (actions.reminders) and the decision notices (actions.notices) both ask here.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from enum import StrEnum
from typing import NamedTuple

from django.db.models import Q

from reviews.models import Review
from sscp import roles
from sscp.models import Membership, User
from sscp.scope import Scope


class Audience(StrEnum):
    OWNERS = "owners"  # the owner, or every lead of the owning agency
    PARTNERSHIP = "partnership"
    CHAIR = "chair"


@dataclass
class People:
    """Everyone who can receive reminders in some partnerships, in a fixed number of queries.

    A person is reached through their role in a partnership: an action's owners are the
    leads of its agency in the partnerships that commissioned its review, its escalations
    go to those partnerships' teams and SILG chairs.
    """

    by_id: dict[int, User] = field(default_factory=dict)
    # person → their partnerships among these (id → row)
    partnerships_of: dict[int, dict] = field(default_factory=lambda: defaultdict(dict))
    # (partnership, agency) → its leads there
    leads: dict[tuple[int, int], list[User]] = field(default_factory=lambda: defaultdict(list))
    teams: dict[int, list[User]] = field(default_factory=lambda: defaultdict(list))
    chairs: dict[int, list[User]] = field(default_factory=lambda: defaultdict(list))
    # Reviews commissioned jointly: review → the other partnerships that commissioned it.
    joint: dict[int, list[int]] = field(default_factory=dict)

    @classmethod
    def load(cls, partnership_ids) -> "People":
        partnership_ids = set(partnership_ids)
        Joint = Review.joint_partnerships.through
        joint = defaultdict(list)
        for review_id, partnership_id in Joint.objects.filter(
            Q(partnership_id__in=partnership_ids) | Q(review__partnership_id__in=partnership_ids)
        ).values_list("review_id", "partnership_id"):
            joint[review_id].append(partnership_id)
        everyone = partnership_ids | {p for ids in joint.values() for p in ids}
        people = cls(
            {},
            defaultdict(dict),
            defaultdict(list),
            defaultdict(list),
            defaultdict(list),
            dict(joint),
        )
        memberships = Membership.objects.filter(
            partnership_id__in=everyone, ended_at__isnull=True, user__is_active=True
        ).exclude(user__email="")
        for member in memberships.select_related("user", "partnership").order_by("user_id"):
            user = people.by_id.setdefault(member.user_id, member.user)
            people._add(member, user)
        return people

    def _add(self, member: Membership, user: User) -> None:
        self.partnerships_of[user.pk][member.partnership_id] = member.partnership
        if member.role == roles.AGENCY_LEAD:
            self.leads[(member.partnership_id, member.agency_id)].append(user)
        elif member.role == roles.PARTNERSHIP_TEAM:
            self.teams[member.partnership_id].append(user)
        elif member.role == roles.SILG_CHAIR:
            self.chairs[member.partnership_id].append(user)

    def scope_of(self, user: User) -> Scope:
        """The person's scope, from the memberships read already: for their digest."""
        return Scope.of(self.partnerships_of.get(user.pk, {}).values())

    def commissioners(self, partnership_id: int, review_id: int) -> list[int]:
        return [partnership_id, *self.joint.get(review_id, ())]

    def owners_of(self, about: "About") -> list[User]:
        """The owner when set and still a lead of the agency there, reachable by email;
        else every such lead of the agency."""
        leads = _unique(
            user
            for partnership_id in self.commissioners(about.partnership_id, about.review_id)
            for user in self.leads.get((partnership_id, about.agency_id), ())
        )
        owner = next((user for user in leads if user.pk == about.owner_id), None)
        return [owner] if owner is not None else leads

    def audience(self, about: "About", audience: Audience) -> list[User]:
        if audience == Audience.OWNERS:
            return self.owners_of(about)
        staff = self.teams if audience == Audience.PARTNERSHIP else self.chairs
        return _unique(
            user
            for partnership_id in self.commissioners(about.partnership_id, about.review_id)
            for user in staff.get(partnership_id, ())
        )


class About(NamedTuple):
    """What finding a reminder's recipients needs to know of its action or review."""

    agency_id: int | None  # None for a review
    owner_id: int | None
    partnership_id: int
    review_id: int


def _unique(users) -> list[User]:
    return list({user.pk: user for user in users}.values())
