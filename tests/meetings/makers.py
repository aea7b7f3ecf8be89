"""What awaits the SILG chair, one of each kind, for the meetings' tests (tests/makers.py
has the rest)."""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

from actions import services as action_services
from actions.models import Action, ExtensionRequest
from meetings import services
from meetings.models import Meeting
from reviews.models import ImpactCheck, Recommendation, Review
from sscp import roles
from tests.makers import (
    default_partnership,
    make_action,
    make_agency,
    make_evidence,
    make_impact_evidence,
    make_recommendation,
    make_review,
    make_user,
)

EVIDENCE_CONTENT = b"%PDF-1.4\nThe training register, 42 practitioners\n%%EOF\n"


@dataclass
class Waiting:
    """One record of each kind awaiting the SILG chair in a partnership, and one that is
    not yet (overdue, but not past the escalation)."""

    submitted: Action
    evidence_names: list[str]
    extension: ExtensionRequest
    impact_check: ImpactCheck
    impact_due: Recommendation
    incident: Review
    overdue: Action
    not_yet_escalated: Action


def _closed(review, *, by, due_in_days: int, number=None) -> Recommendation:
    return make_recommendation(
        review,
        number=number,
        closed_at=timezone.now() - datetime.timedelta(days=200),
        closed_by=by,
        impact_statement="Chronologies are in use across agencies",
        impact_check_due_on=timezone.localdate() + datetime.timedelta(days=due_in_days),
    )


def make_waiting(partnership=None, *, agency=None, lead=None, prefix="") -> Waiting:
    """Everything of one kind each awaiting the SILG chair in `partnership`."""
    partnership = partnership or default_partnership()
    agency = agency or make_agency(partnerships=[partnership])
    lead = lead or make_user(role=roles.AGENCY_LEAD, agency=agency, partnership=partnership)
    chair = make_user(role=roles.SILG_CHAIR, partnership=partnership)
    review = make_review(partnership=partnership, title=f"{prefix}Child D")
    recommendation = make_recommendation(review, agencies=[agency])
    today = timezone.localdate()

    submitted = make_action(
        recommendation, agency=agency, owner=lead, title=f"{prefix}Train the front door team"
    )
    names = ["training-register.pdf", "attendance.pdf"]
    for name in names:
        make_evidence(
            submitted, name=name, content=EVIDENCE_CONTENT + name.encode(), uploaded_by=lead
        )
    action_services.action_submit(
        actor=lead, action=submitted, completion_statement="All 42 practitioners trained"
    )

    needs_time = make_action(recommendation, agency=agency, title=f"{prefix}Audit the referrals")
    extension = action_services.extension_request(
        actor=lead,
        action=needs_time,
        requested_due_date=needs_time.due_date + datetime.timedelta(days=30),
        reason="The auditor is on leave until March",
    )

    checked = _closed(review, by=chair, due_in_days=-10)
    make_impact_evidence(checked, name="re-audit.pdf", by=lead)
    impact_due = _closed(review, by=chair, due_in_days=-5)
    _closed(review, by=chair, due_in_days=60)  # its check not due yet

    incident = make_review(
        partnership=partnership,
        title=f"{prefix}Child Q",
        became_aware_on=today - datetime.timedelta(days=12),  # its notification is late
    )
    make_review(  # notified, its rapid review not due for weeks
        partnership=partnership,
        title=f"{prefix}Child R",
        became_aware_on=today - datetime.timedelta(days=1),
        notified_on=today,
    )

    escalation = settings.REMINDER_ESCALATE_TO_CHAIR_DAYS
    overdue = make_action(
        recommendation,
        agency=agency,
        title=f"{prefix}Publish the toolkit",
        due_date=today - datetime.timedelta(days=escalation),
    )
    not_yet = make_action(
        recommendation,
        agency=agency,
        title=f"{prefix}Brief the GPs",
        due_date=today - datetime.timedelta(days=escalation - 1),
    )
    return Waiting(
        submitted=submitted,
        evidence_names=names,
        extension=extension,
        impact_check=checked.impact_checks.get(),
        impact_due=impact_due,
        incident=incident,
        overdue=overdue,
        not_yet_escalated=not_yet,
    )


def make_meeting(actor, *, partnership=None, date=None) -> Meeting:
    """A meeting arranged through the service, its agenda assembled."""
    return services.meeting_create(
        actor=actor,
        partnership=partnership or default_partnership(),
        date=date or timezone.localdate() + datetime.timedelta(days=7),
    )
