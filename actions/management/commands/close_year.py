from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from actions import reports
from sscp.models import Partnership


class Command(BaseCommand):
    help = (
        "Store each partnership's annual figures of a financial year that has ended (by "
        "default the last one), as the year's page then shows them. Years stored already "
        "are left as they are; --recompute counts them again and prints each figure that "
        "differs."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--year",
            type=int,
            help="The year the financial year starts in: 2025 for 2025/26 (default: the last "
            "one ended).",
        )
        parser.add_argument(
            "--partnership", metavar="SLUG", help="Only this partnership (default: every one)."
        )
        parser.add_argument(
            "--recompute",
            action="store_true",
            help="Count stored years again, print the differences and store the new figures.",
        )

    def handle(self, *args, year=None, partnership=None, recompute=False, **options):
        try:
            closings = reports.close_years(
                today=timezone.localdate(),
                year=reports.FinancialYear(year) if year else None,
                partnerships=self._partnerships(partnership),
                recompute=recompute,
            )
        except reports.YearNotEnded as error:
            raise CommandError(str(error)) from error
        for closing in closings:
            for line in closing.lines():
                self.stdout.write(line)
        if recompute and not any(closing.differences for closing in closings):
            self.stdout.write("No differences")
        if any(closing.outcome == "failed" for closing in closings):
            raise CommandError("Some partnerships' figures could not be counted")

    @staticmethod
    def _partnerships(slug: str | None):
        if slug is None:
            return None
        chosen = Partnership.objects.filter(slug=slug)
        if not chosen.exists():
            raise CommandError(f"No partnership has the address “{slug}”")
        return chosen
