"""The three roles (docs/architecture.md, "Roles"), held as Django groups (a data migration
makes them)."""

PARTNERSHIP_TEAM = "Partnership team"
AGENCY_LEAD = "Agency lead"
SILG_CHAIR = "SILG chair"

ALL = (PARTNERSHIP_TEAM, AGENCY_LEAD, SILG_CHAIR)
