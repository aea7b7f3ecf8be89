"""The three roles of design.md, held as Django groups (created by a data migration)."""

PARTNERSHIP_TEAM = "Partnership team"
AGENCY_LEAD = "Agency lead"
SILG_CHAIR = "SILG chair"

ALL = (PARTNERSHIP_TEAM, AGENCY_LEAD, SILG_CHAIR)
