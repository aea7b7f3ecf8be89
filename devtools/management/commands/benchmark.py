from django.core.management.base import BaseCommand, CommandError

from devtools import benchmark
from devtools.database import without_statement_timeout


class Command(BaseCommand):
    help = (
        "Time each main page as each role of one partnership (the one with the most actions, "
        "or --partnership) against its floor (its one essential query rendered bare), the "
        "exports' memory and the reminder sweep, on the data in the database (see "
        "generate_load), and print the table. Changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("--runs", type=int, default=30, help="Timed runs of each page.")
        parser.add_argument(
            "--partnership",
            metavar="SLUG",
            help="The short address of the partnership whose people the pages are timed as "
            "(default: the one with the most actions).",
        )
        parser.add_argument(
            "--check",
            action="store_true",
            help="Exit non-zero if a target is missed: 2× the floor, p95 150 ms, 12 queries, "
            "20,000 actions a second swept.",
        )

    def handle(self, *args, runs, check, partnership, **options):
        if runs < 1:
            raise CommandError("--runs must be at least 1.")
        without_statement_timeout()
        try:
            report = benchmark.run(runs=runs, partnership=partnership)
        except LookupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(benchmark.table(report))
        missed = benchmark.misses(report)
        for miss in missed:
            self.stdout.write(f"Missed: {miss}")
        if check and missed:
            raise CommandError(f"{len(missed)} target(s) missed.")
