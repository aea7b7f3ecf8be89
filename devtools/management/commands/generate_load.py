import datetime
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from devtools.loadgen import LoadExists, LoadGenerator
from sscp.database import without_statement_timeout


class Command(BaseCommand):
    help = (
        "Fill a fresh database with synthetic data at scale, for the benchmark: partnerships "
        "(about 140 for 100,000 actions), the agencies serving them, their people, reviews, "
        "recommendations, N actions in every status with their progress, evidence metadata, "
        "decisions and history, sealed into the audit trail. The same N, seed, --today and "
        "--concentrated give the same data."
    )

    def add_arguments(self, parser):
        parser.add_argument("--actions", type=int, required=True, metavar="N")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--today",
            type=datetime.date.fromisoformat,
            metavar="YYYY-MM-DD",
            help="The day the data is generated as of (default: today).",
        )
        parser.add_argument(
            "--concentrated",
            action="store_true",
            help="Put most of the actions (80%%) in one partnership: the benchmark's worst case.",
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="Generate even though DEBUG is off. Never do this on a live service.",
        )

    def handle(self, *args, actions, seed, today, concentrated, force, **options):
        if actions < 1:
            raise CommandError("--actions must be at least 1.")
        if not settings.DEBUG and not force:
            raise CommandError(
                "DEBUG is off, so this looks like a live service: synthetic data would be mixed "
                "with real records. Use --force if you really mean it."
            )
        without_statement_timeout()
        started = time.perf_counter()
        try:
            generator = LoadGenerator(
                actions=actions, seed=seed, today=today, concentrated=concentrated
            )
            counts = generator.run()
        except LoadExists as error:
            raise CommandError(str(error)) from error
        seconds = time.perf_counter() - started
        written = ", ".join(f"{count:,} {name}" for name, count in counts.items())
        self.stdout.write(f"Generated in {seconds:.0f} s: {written}.")
