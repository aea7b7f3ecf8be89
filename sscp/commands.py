from django.core.management.base import BaseCommand, CommandError

from audits.history import acting_as, system_user
from sscp.models import User


class TrackedCommand(BaseCommand):
    """A management command whose changes are recorded against a named person.

    `--user USERNAME` names them; without it, the system user. Subclasses write
    `handle_tracked` instead of `handle`.
    """

    def create_parser(self, prog_name, subcommand, **kwargs):
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        parser.add_argument(
            "--user",
            metavar="USERNAME",
            help="Record the changes as made by this person (default: the system user).",
        )
        return parser

    def handle(self, *args, user=None, **options):
        actor = system_user()
        if user:
            actor = User.objects.filter(username=user).first()
            if actor is None:
                raise CommandError(f"There is no user “{user}”.")
        with acting_as(actor):
            return self.handle_tracked(*args, **options)

    def handle_tracked(self, *args, **options):
        raise NotImplementedError
