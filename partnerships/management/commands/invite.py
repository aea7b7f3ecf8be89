from django.core.exceptions import ValidationError
from django.core.management.base import CommandError
from django.utils import timezone
from django.utils.formats import date_format

from audits.history import get_history_user
from partnerships import services
from sscp import roles
from sscp.commands import TrackedCommand
from sscp.models import Agency, Partnership


class Command(TrackedCommand):
    help = (
        "Invite a person by email to a partnership, in a role: the operator's way to invite a "
        "new partnership's first member of its partnership team. The email goes through the "
        "outbox, like an invitation made in the app."
    )

    def add_arguments(self, parser):
        parser.add_argument("--partnership", required=True, metavar="SLUG")
        parser.add_argument("--email", required=True)
        parser.add_argument("--role", required=True, choices=roles.Role.values)
        parser.add_argument(
            "--agency", metavar="SHORT_NAME", help="For an agency lead: the agency's short name."
        )

    def handle_tracked(self, *args, partnership, email, role, agency=None, **options):
        found = Partnership.objects.filter(slug=partnership).first()
        if found is None:
            raise CommandError(f"There is no partnership with the short address “{partnership}”.")
        try:
            invitation = services.invitation_create(
                actor=get_history_user(),
                partnership=found,
                email=email,
                role=role,
                agency=_agency(agency),
            )
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        expires = date_format(timezone.localtime(invitation.expires_at), "DATETIME_FORMAT")
        self.stdout.write(
            f"Invited {invitation.email} to {found.name} as {invitation.role_label}. "
            f"The email is in the outbox; its link works until {expires}."
        )


def _agency(short_name: str | None) -> Agency | None:
    if not short_name:
        return None
    agency = Agency.objects.filter(short_name__iexact=short_name).first()
    if agency is None:
        raise CommandError(f"There is no agency with the short name “{short_name}”.")
    return agency
