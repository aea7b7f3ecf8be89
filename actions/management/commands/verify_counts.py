from django.core.management.base import BaseCommand, CommandError
from django.template.defaultfilters import pluralize

from actions import counts
from sscp.database import every_partnership


class Command(BaseCommand):
    help = (
        "Recount the counts the dashboards read (actions by partnership, agency, status and "
        "month due; each recommendation's actions and open actions; each review's "
        "recommendations, closed recommendations and overdue actions as of the day they "
        "were counted, and the themes of it and its recommendations) from the records. Exits 0 "
        "when every kept count is right; exits 1 listing each that drifted. With --repair, "
        "writes them afresh from the records after listing them."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--repair", action="store_true", help="Rewrite every kept count from the records."
        )

    def handle(self, *args, repair=False, **options):
        with every_partnership("verifying the kept counts of every partnership"):
            drifted = counts.drift()
            for drift in drifted:
                self.stdout.write(str(drift))
            if drifted and repair:
                counts.rebuild()
                self.stdout.write(
                    f"Repaired: {len(drifted)} count{pluralize(len(drifted))} written afresh."
                )
                return
        if drifted:
            raise CommandError(
                f"{len(drifted)} kept count{pluralize(len(drifted))} "
                f"{pluralize(len(drifted), 'differs,differ')} from the records.",
                returncode=1,
            )
        self.stdout.write("Every kept count matches the records.")
