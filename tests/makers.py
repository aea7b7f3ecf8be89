"""Small helpers that make the objects tests need. `fixtures/` is for the demo only."""

import datetime
import hashlib
import itertools

from django.core.files.base import ContentFile
from django.utils import timezone

from actions import counts
from actions.models import Action, Evidence
from reviews.models import ImpactCheck, ImpactEvidence, Recommendation, Review, Theme
from sscp import roles
from sscp.models import Agency, ClosureDay, Membership, Partnership, User

_sequence = itertools.count(1)

# The partnership every maker puts things in unless told otherwise, and its short address.
SLUG = "test"


def make_partnership(slug=None, **fields) -> Partnership:
    slug = slug or f"partnership-{next(_sequence)}"
    fields.setdefault("name", f"{slug.title()} Safeguarding Children Partnership")
    fields.setdefault("short_name", slug.title())
    fields.setdefault("two_factor", Partnership.TwoFactor.NOBODY)
    return Partnership.objects.create(slug=slug, **fields)


def default_partnership() -> Partnership:
    """The partnership of the personas and of everything made without one."""
    partnership = Partnership.objects.filter(slug=SLUG).first()
    return partnership or make_partnership(SLUG, name="Test Safeguarding Children Partnership")


PDF_BYTES = (
    b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n2 0 obj\n"
    b"<< /Type /Pages /Kids [] /Count 0 >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
)


def make_agency(*, partnerships=None, **fields) -> Agency:
    """An agency serving `partnerships` (by default the default partnership)."""
    n = next(_sequence)
    fields.setdefault("name", f"Agency {n}")
    fields.setdefault("short_name", f"A{n}")
    fields.setdefault("sector", Agency.Sector.HEALTH)
    agency = Agency.objects.create(**fields)
    agency.partnerships.set(partnerships if partnerships is not None else [default_partnership()])
    return agency


def make_membership(user, *, role, agency=None, partnership=None) -> Membership:
    partnership = partnership or default_partnership()
    if agency is not None:
        agency.partnerships.add(partnership)
    return Membership.objects.create(
        user=user,
        partnership=partnership,
        role=role,
        agency=agency if role == roles.AGENCY_LEAD else None,
    )


def make_user(username=None, *, role=None, agency=None, partnership=None, **fields) -> User:
    """A person; with a `role`, a member of `partnership` (by default the default one)."""
    username = username or f"user{next(_sequence)}"
    fields.setdefault("email", f"{username}@example.org")
    user = User.objects.create_user(username=username, password="test-pass-1234", **fields)
    if role:
        make_membership(user, role=role, agency=agency, partnership=partnership)
    return user


def agency_of(lead, partnership=None) -> Agency:
    """The agency a person leads in `partnership` (by default the default one)."""
    partnership = partnership or default_partnership()
    return lead.memberships.get(partnership=partnership, ended_at__isnull=True).agency


def make_lead(agency, username=None, **fields) -> User:
    return make_user(username, role=roles.AGENCY_LEAD, agency=agency, **fields)


def make_theme(name=None, *, partnership=None) -> Theme:
    return Theme.objects.create(
        name=name or f"Theme {next(_sequence)}", partnership=partnership or default_partnership()
    )


def make_closure_day(partnership=None, date=None, reason="Office closed") -> ClosureDay:
    """A closure day, with the dates its partnership carries kept, as the service keeps them
    (which refuses a day past)."""
    partnership = partnership or default_partnership()
    day = ClosureDay.objects.create(partnership=partnership, date=date, reason=reason)
    partnership.keep_closure_dates()
    return day


def make_review(**fields) -> Review:
    fields.setdefault("title", f"Review {next(_sequence)}")
    fields.setdefault("kind", Review.Kind.PRACTICE_REVIEW)
    if "partnership" not in fields and "partnership_id" not in fields:
        fields["partnership"] = default_partnership()
    return Review.objects.create(**fields)


def share_review(review, *partnerships) -> Review:
    """Make `review` commissioned jointly with `partnerships` too (as reviews.services does)."""
    from reviews.services import share_joint_reviews

    review.joint_partnerships.add(*partnerships)
    share_joint_reviews([p.pk for p in partnerships])
    return review


def make_recommendation(review=None, *, agencies=(), number=None, **fields) -> Recommendation:
    review = review or make_review()
    if number is None:
        number = review.recommendations.count() + 1
    fields.setdefault("text", "Agencies should share information sooner.")
    recommendation = Recommendation.objects.create(
        review=review, partnership_id=review.partnership_id, number=number, **fields
    )
    recommendation.agencies.set(agencies)
    return recommendation


def make_action(
    recommendation=None,
    *,
    agency=None,
    status=Action.Status.IN_PROGRESS,
    due_date=None,
    **fields,
) -> Action:
    """An action in any status, built directly (not through the services) for speed."""
    agency = agency or make_agency()
    recommendation = recommendation or make_recommendation(agencies=[agency])
    recommendation.agencies.add(agency)
    due_date = due_date or timezone.localdate() + datetime.timedelta(days=60)
    fields.setdefault("title", f"Action {next(_sequence)}")
    fields.setdefault("description", "Do the thing the review asked for.")
    fields.setdefault("success_measure", "Audit shows it done.")
    fields.setdefault("original_due_date", due_date)
    now = timezone.now()
    if status in {Action.Status.SUBMITTED, Action.Status.COMPLETED}:
        fields.setdefault("submitted_at", now)
        fields.setdefault("completion_statement", "Done, as the evidence shows.")
    if status == Action.Status.COMPLETED:
        fields.setdefault("completed_at", now)
        fields.setdefault("completed_by", make_user())
    return Action.objects.create(
        recommendation=recommendation,
        review_id=recommendation.review_id,
        partnership_id=recommendation.partnership_id,
        agency=agency,
        status=status,
        due_date=due_date,
        **fields,
    )


def make_evidence(
    action, *, name="report.pdf", content=PDF_BYTES, uploaded_by=None, **fields
) -> Evidence:
    evidence = Evidence(
        action=action,
        original_name=name,
        description=fields.pop("description", "The audit report"),
        content_type="application/pdf",
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        uploaded_by=uploaded_by or make_user(),
        **fields,
    )
    evidence.file.save(name, ContentFile(content), save=False)
    evidence.save()
    return evidence


def make_impact_evidence(recommendation, *, name="re-audit.pdf", content=PDF_BYTES, by=None):
    """A file of an impact check of `recommendation` (recorded if it has none), stored."""
    by = by or make_user()
    check = recommendation.impact_checks.first() or ImpactCheck.objects.create(
        recommendation=recommendation,
        review_id=recommendation.review_id,
        partnership_id=recommendation.partnership_id,
        method=ImpactCheck.Method.RE_AUDIT,
        findings="Case files show the change",
        recorded_by=by,
    )
    evidence = ImpactEvidence(
        impact_check=check,
        review_id=check.review_id,
        partnership_id=check.partnership_id,
        original_name=name,
        content_type="application/pdf",
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        uploaded_by=by,
    )
    evidence.file.save(name, ContentFile(content), save=False)
    evidence.save()
    return evidence


def bulk_actions(
    count, *, agency, recommendation=None, due_date=None, status=None, **fields
) -> list[Action]:
    """Many actions in one insert, without history rows: for tests of query counts at scale.

    `due_date` and `status` may be functions of the row number.
    """
    recommendation = recommendation or make_recommendation(agencies=[agency])
    default_due = timezone.localdate() + datetime.timedelta(days=60)
    actions = []
    approver = None
    for n in range(count):
        due = due_date(n) if callable(due_date) else (due_date or default_due)
        state = status(n) if callable(status) else (status or Action.Status.IN_PROGRESS)
        extra = {}
        if state in {Action.Status.SUBMITTED, Action.Status.COMPLETED}:
            extra = {"submitted_at": timezone.now(), "completion_statement": "Done"}
        if state == Action.Status.COMPLETED:
            approver = approver or make_user()
            extra |= {"completed_at": timezone.now(), "completed_by": approver}
        actions.append(
            Action(
                recommendation=recommendation,
                review_id=recommendation.review_id,
                partnership_id=recommendation.partnership_id,
                agency=agency,
                title=f"Bulk action {n}",
                description="d",
                success_measure="m",
                original_due_date=due,
                due_date=due,
                status=state,
                **extra,
                **fields,
            )
        )
    created = Action.objects.bulk_create(actions)
    counts.rebuild()  # bulk_create saves no action one by one: count them afresh
    return created


def bulk_reviews(count, *, agency) -> list[Review]:
    """Many reviews, each with a recommendation and an action, without history rows."""
    partnership = default_partnership()
    reviews = Review.objects.bulk_create(
        [
            Review(
                title=f"Bulk review {next(_sequence)}",
                kind=Review.Kind.PRACTICE_REVIEW,
                partnership=partnership,
            )
            for _ in range(count)
        ]
    )
    recommendations = Recommendation.objects.bulk_create(
        [
            Recommendation(review=review, partnership=partnership, number=1, text="Share sooner")
            for review in reviews
        ]
    )
    for recommendation in recommendations:
        bulk_actions(1, agency=agency, recommendation=recommendation)
    return reviews


def bulk_recommendations(review, count, *, agencies, with_actions=True) -> list[Recommendation]:
    """Many recommendations of one review, owned by `agencies`, each with an action; no history."""
    start = review.recommendations.count() + 1
    recommendations = Recommendation.objects.bulk_create(
        [
            Recommendation(
                review=review,
                partnership_id=review.partnership_id,
                number=start + n,
                text="Share sooner",
            )
            for n in range(count)
        ]
    )
    Owners = Recommendation.agencies.through
    Owners.objects.bulk_create(
        [Owners(recommendation=r, agency=a) for r in recommendations for a in agencies]
    )
    if with_actions:
        for n, recommendation in enumerate(recommendations):
            bulk_actions(1, agency=agencies[n % len(agencies)], recommendation=recommendation)
    return recommendations
