from pathlib import Path

from django.core.management.base import BaseCommand

from devtools import recurring


class Command(BaseCommand):
    help = (
        "Measure how well recurring learning is found: top-3 recall and precision of the "
        "matcher on the labelled set (fixtures/recurring_learning.toml). Changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("--file", type=Path, default=recurring.LABELLED_SET)
        parser.add_argument(
            "--missed", action="store_true", help="List each labelled pair not found."
        )

    def handle(self, *args, file, missed, **options):
        accuracy = recurring.measure(file)
        self.stdout.write(accuracy.summary(file))
        if missed:
            for pair in accuracy.missed:
                self.stdout.write(f"  missed {pair}")
