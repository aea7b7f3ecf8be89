"""The three roles (docs/architecture.md, "Roles"). A person holds one role in each
partnership they belong to (sscp.models.Membership); an agency lead's role names the
agency they act for there."""

from django.db import models


class Role(models.TextChoices):
    PARTNERSHIP_TEAM = "team", "Partnership team"
    AGENCY_LEAD = "lead", "Agency lead"
    SILG_CHAIR = "chair", "SILG chair"


PARTNERSHIP_TEAM = Role.PARTNERSHIP_TEAM
AGENCY_LEAD = Role.AGENCY_LEAD
SILG_CHAIR = Role.SILG_CHAIR

ALL = tuple(Role)
# The partnership's own staff: they see every agency's work in their partnership.
STAFF = frozenset({Role.PARTNERSHIP_TEAM, Role.SILG_CHAIR})
