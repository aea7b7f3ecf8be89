"""
Data kept from before partnerships joins one partnership: the first, Southampton's.

On a new database (nothing yet to keep) this does nothing. Otherwise it makes the
partnership, gives it every agency, theme, review, recommendation and action, and turns
each person's role group (and agency) into a membership of it. The partnership asks no
second factor of anyone, as before the upgrade, so nobody is locked out by it; its team
can require one on the partnership's settings page.

History rows written before stay as they were (the audit trail is append-only): they
name no partnership.
"""

from django.db import migrations

FIRST = {
    "name": "Southampton Safeguarding Children Partnership",
    "short_name": "Southampton",
    "slug": "southampton",
    "area": "Southampton",
    "two_factor": "nobody",
}
# The role groups of before, and the membership role each became.
ROLES = {"Partnership team": "team", "SILG chair": "chair", "Agency lead": "lead"}


def _has_data(apps) -> bool:
    return any(
        apps.get_model(app, model).objects.exists()
        for app, model in [("sscp", "Agency"), ("reviews", "Theme"), ("reviews", "Review")]
    ) or apps.get_model("sscp", "User").objects.filter(groups__name__in=ROLES).exists()


def join_first_partnership(apps, schema_editor):
    if not _has_data(apps):
        return
    Partnership = apps.get_model("sscp", "Partnership")
    partnership = Partnership.objects.create(**FIRST)
    for agency in apps.get_model("sscp", "Agency").objects.all():
        agency.partnerships.add(partnership)
    for app, model in [("reviews", "Theme"), ("reviews", "Review"), ("reviews", "Recommendation")]:
        apps.get_model(app, model).objects.update(partnership=partnership)
    Action = apps.get_model("actions", "Action")
    for action in Action.objects.select_related("recommendation").iterator():
        Action.objects.filter(pk=action.pk).update(
            partnership=partnership, review_id=action.recommendation.review_id
        )
    _memberships(apps, partnership)


def _memberships(apps, partnership):
    Membership = apps.get_model("sscp", "Membership")
    User = apps.get_model("sscp", "User")
    for user in User.objects.filter(groups__name__in=ROLES).distinct():
        names = set(user.groups.values_list("name", flat=True))
        role = next(role for group, role in ROLES.items() if group in names)
        if role == "lead" and user.agency_id is None:
            continue  # a lead of no agency could do nothing before either
        Membership.objects.create(
            user=user,
            partnership=partnership,
            role=role,
            agency_id=user.agency_id if role == "lead" else None,
        )


class Migration(migrations.Migration):
    dependencies = [
        ("sscp", "0008_partnerships_and_memberships"),
        ("reviews", "0003_partnerships"),
        ("actions", "0010_partnerships"),
        ("audits", "0005_partnerships"),
    ]

    operations = [migrations.RunPython(join_first_partnership, migrations.RunPython.noop)]
