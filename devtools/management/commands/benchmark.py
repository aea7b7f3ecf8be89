from django.core.management.base import BaseCommand, CommandError

from devtools import benchmark
from sscp.database import without_statement_timeout


class Command(BaseCommand):
    help = (
        "Time each main page as each role of one partnership (the one with the most actions, "
        "--typical for the median-sized one, or --partnership) against its floor (its one "
        "essential query rendered bare) and, for the lists and dashboards, against Django's "
        "admin showing the same rows and a lean admin; the exports' memory and the reminder "
        "sweep, on the data in the database (see generate_load), and print the table. With "
        "--compare, the same on two databases (two sizes), and each page's growth. Changes "
        "nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("--runs", type=int, default=30, help="Timed runs of each page.")
        whom = parser.add_mutually_exclusive_group()
        whom.add_argument(
            "--partnership",
            metavar="SLUG",
            help="The short address of the partnership whose people the pages are timed as "
            "(default: the one with the most actions).",
        )
        whom.add_argument(
            "--typical",
            action="store_true",
            help="Time the pages as people of the median-sized partnership (by actions), as "
            "most partnerships see them, rather than of the largest.",
        )
        whom.add_argument(
            "--compare",
            metavar="DATABASE,DATABASE",
            help="Measure on two databases on DATABASE_URL's server, by name (a bare number "
            "of actions N stands for sscp_bench_<N/1000>k, as `make load300` loads them: "
            "--compare 100000,300000), each as people of the largest and of the median-sized "
            "partnership, and print each page's median at both sizes and its growth (larger "
            "÷ smaller). The connection's database NAME is switched between the runs; the "
            "databases must be migrated alike.",
        )
        parser.add_argument(
            "--check",
            action="store_true",
            help="Exit non-zero if a target is missed: 2.5× the floor, faster than the lean "
            "admin, p95 100 ms (not exports), 12 queries, 40,000 actions a second swept.",
        )

    def handle(self, *args, runs, check, partnership, typical, compare, **options):
        if runs < 1:
            raise CommandError("--runs must be at least 1.")
        try:
            if compare:
                reports = self.compare(compare, runs)
            else:
                without_statement_timeout()
                reports = [benchmark.run(runs=runs, partnership=partnership, typical=typical)]
                self.stdout.write(benchmark.table(reports[0]))
        except LookupError as error:
            raise CommandError(str(error)) from error
        missed = [
            f"{report.database}, as people of {benchmark.whom(report)}: {miss}" if compare else miss
            for report in reports
            for miss in benchmark.misses(report)
        ]
        for miss in missed:
            self.stdout.write(f"Missed: {miss}")
        if check and missed:
            raise CommandError(f"{len(missed)} target(s) missed.")

    def compare(self, given: str, runs: int) -> list:
        names = [benchmark.database_name(name) for name in given.split(",")]
        if len(names) != 2:
            raise CommandError("--compare takes two databases: --compare 100000,300000.")
        reports = benchmark.compare(names, runs=runs, prepare=without_statement_timeout)
        for report in reports:
            self.stdout.write(f"\n## {report.database}\n\n{benchmark.table(report)}")
        self.stdout.write(f"\n## Growth\n\n{benchmark.comparison(reports)}")
        return reports
