"""
The benchmark: `manage.py benchmark`, on data from `manage.py generate_load`.

Each main page is requested as a signed-in person through the whole Django
stack (middleware, view, template) with DEBUG off, and beside it its floor: the
one essential query for that page, rendering the same rows in a bare template,
served through the same middleware. Page and floor take turns, so both see the
same machine. The table gives each page's median and 95th percentile, its
queries, and its ratio to the floor; then other pages (searches, sorts, reports)
timed alone, to watch; the exports' peak memory at 5,000 and at 10,000 rows; and
the reminder sweep's rate with sending left out.

Nothing is kept: the pages are measured in one transaction, rolled back at the
end, and each run of the sweep in one of its own, rolled back and then vacuumed.
"""

import csv
import datetime
import os
import platform
import statistics
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models import Count
from django.http import FileResponse, StreamingHttpResponse
from django.shortcuts import render
from django.template.defaultfilters import pluralize
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import include, path, reverse
from django.utils import timezone
from django.utils.http import urlencode
from openpyxl import Workbook

from actions import exports, lifecycle, reminders, reports
from actions.models import Action, Reminder
from actions.selectors import open_review_progress
from actions.views import EXPORT_CHUNK
from audits.models import AuditRecord
from dashboards.views import CHART_BARS
from reviews.models import Recommendation, Review
from search.engine import STOP_WORDS
from sscp import roles
from sscp.filters import date_query
from sscp.models import Membership, Partnership, User
from sscp.permissions import ALL as ALL_PARTNERSHIPS
from sscp.permissions import audit_scope, own_work
from sscp.scope import Scope
from sscp.spreadsheets import Echo

OPEN = Action.OPEN_STATUSES
EXPORT_ROWS = 10_000
SMALL_EXPORT_ROWS = 5_000

# The URLs the benchmark serves: the application's, and one floor per page.
_floors: dict[str, Callable] = {}


def floor_view(request, key):
    return _floors[key](request)


urlpatterns = [
    path("__floor__/<slug:key>/", floor_view),
    path("", include("sscp.urls")),
]


def bare_page(request, rows):
    return render(request, "devtools/floor.html", {"rows": rows})


def bare_csv(request, rows):
    writer = csv.writer(Echo())
    return StreamingHttpResponse((writer.writerow(row) for row in rows), content_type="text/csv")


def bare_xlsx(request, rows):
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Actions")
    for row in rows:
        sheet.append(
            [v.replace(tzinfo=None) if isinstance(v, datetime.datetime) else v for v in row]
        )
    handle = tempfile.TemporaryFile()  # noqa: SIM115 (FileResponse closes it)
    workbook.save(handle)
    handle.seek(0)
    return FileResponse(handle)


# What is measured -------------------------------------------------------------


@dataclass
class Case:
    """A page as one person sees it, and the floor to compare it with."""

    name: str
    user: User
    url: str
    floor_rows: Callable[[], object]  # the essential query, as rows of values
    render_floor: Callable = bare_page
    key: str = ""

    def floor_url(self) -> str:
        return f"/__floor__/{self.key}/"


@dataclass
class Timing:
    samples: list[float] = field(default_factory=list)
    queries: int = 0

    @property
    def median(self) -> float:
        return statistics.median(self.samples)

    @property
    def p95(self) -> float:
        ordered = sorted(self.samples)
        return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


@dataclass
class Result:
    case: Case
    page: Timing
    floor: Timing

    @property
    def ratio(self) -> float:
        return self.page.median / self.floor.median


def _largest_partnership() -> Partnership:
    """The partnership with the most actions: the heaviest lists and dashboards."""
    partnership_id = (
        Action.objects.values("partnership_id")
        .annotate(n=Count("pk"))
        .order_by("-n", "partnership_id")
        .values_list("partnership_id", flat=True)
        .first()
    )
    if partnership_id is None:
        raise LookupError("No data to measure: run generate_load first.")
    return Partnership.objects.get(pk=partnership_id)


def _partnership(slug: str | None) -> Partnership:
    if slug is None:
        return _largest_partnership()
    partnership = Partnership.objects.filter(slug=slug).first()
    if partnership is None:
        raise LookupError(f"There is no partnership “{slug}”.")
    return partnership


def _person(role: str, partnership: Partnership, **filters) -> User:
    """The first active person (by username) in `role` in the partnership."""
    member = (
        Membership.objects.filter(
            role=role,
            partnership=partnership,
            ended_at__isnull=True,
            user__is_active=True,
            **filters,
        )
        .select_related("user")
        .order_by("user__username")
        .first()
    )
    if member is None:
        raise LookupError(f"No active {role} in {partnership} to sign in as: run generate_load.")
    return member.user


def _busiest_lead(partnership: Partnership) -> tuple[User, int]:
    """A lead of the agency with the most actions in the partnership, and that agency:
    the heaviest agency dashboard."""
    agency_id = (
        Action.objects.filter(partnership=partnership)
        .values("agency_id")
        .annotate(n=Count("pk"))
        .order_by("-n", "agency_id")
        .values_list("agency_id", flat=True)
        .first()
    )
    return _person(roles.AGENCY_LEAD, partnership, agency_id=agency_id), agency_id


def _due_date_of_row(actions, n: int) -> datetime.date:
    """The due date of the nth of `actions` by due date: exports up to it have at least n rows."""
    return actions.order_by("due_date", "pk").values_list("due_date", flat=True)[n - 1 : n].get()


def _list_rows(actions, limit):
    return list(
        actions.order_by("due_date", "pk").values_list(
            "title",
            "recommendation__review__title",
            "recommendation__number",
            "agency__short_name",
            "due_date",
            "status",
        )[:limit]
    )


def _export_rows(cast: "Cast", due_before, today):
    """The export's one query, as plain rows of the same values."""
    actions = cast.actions().filter(due_date__lte=due_before).order_by("due_date", "pk")
    confidential = own_work(cast.team, cast.scope)
    rows = exports.query(actions, today, confidential).values_list(*exports.FIELDS)
    return rows.iterator(chunk_size=EXPORT_CHUNK)


@dataclass(frozen=True)
class Cast:
    """The partnership the main pages are timed in, its people, and the records they open."""

    partnership: Partnership
    scope: Scope
    lead: User
    agency_id: int  # the lead's agency there
    chair: User
    team: User
    review: Review
    action: Action

    def actions(self):
        """The actions the partnership's pages read: its own, and those of reviews shared
        with it."""
        return self.scope.filter(Action.objects.all())

    def url(self, name: str, *args) -> str:
        return reverse(name, args=[self.partnership.slug, *args])


def _cast(slug: str | None = None) -> Cast:
    partnership = _partnership(slug)
    lead, agency_id = _busiest_lead(partnership)
    review = (
        Review.objects.filter(partnership=partnership, recommendations__actions__status__in=OPEN)
        .order_by("-published_on", "pk")
        .first()
    )
    action = (
        Action.objects.filter(
            partnership=partnership, agency_id=agency_id, status=Action.Status.IN_PROGRESS
        )
        .order_by("due_date", "pk")
        .first()
    )
    chair = _person(roles.SILG_CHAIR, partnership)
    team = _person(roles.PARTNERSHIP_TEAM, partnership)
    scope = Scope.of([partnership], current=partnership)
    return Cast(partnership, scope, lead, agency_id, chair, team, review, action)


def build_cases(cast: Cast, today: datetime.date, export_rows: int) -> list[Case]:
    cases = [
        *_dashboard_cases(cast, today),
        *_list_and_detail_cases(cast, today),
        *_export_cases(cast, today, export_rows),
    ]
    for index, case in enumerate(cases):
        case.key = f"case-{index}"
        _floors[case.key] = lambda request, case=case: case.render_floor(request, case.floor_rows())
    return cases


def _dashboard_cases(cast: Cast, today) -> list[Case]:
    home = cast.url("home")
    return [
        Case(
            "Dashboard, agency lead",
            cast.lead,
            home,
            lambda: _list_rows(cast.actions().open().filter(agency_id=cast.agency_id), 5),
        ),
        Case(
            "Dashboard, SILG chair",
            cast.chair,
            home,
            lambda: list(
                cast.actions()
                .filter(status=Action.Status.SUBMITTED)
                .order_by("submitted_at", "pk")
                .values_list("title", "recommendation__review__title", "agency__short_name")[:10]
            ),
        ),
        Case(
            "Dashboard, partnership team",
            cast.team,
            home,
            lambda: [
                (r.title, r.completed, r.superseded, r.open, r.overdue)
                for r in open_review_progress(cast.scope, today, first=CHART_BARS)[0]
            ],
        ),
    ]


def _list_and_detail_cases(cast: Cast, today) -> list[Case]:
    actions_url = cast.url("action-list")
    overdue = {"agency": cast.agency_id, "overdue": "true"}
    review, action = cast.review, cast.action
    return [
        Case(
            "Actions: agency, overdue (lead)",
            cast.lead,
            f"{actions_url}?{urlencode(overdue)}",
            lambda: _list_rows(
                cast.actions().open().filter(agency_id=cast.agency_id, due_date__lt=today), 50
            ),
        ),
        Case(
            "Actions: in progress (team)",
            cast.team,
            f"{actions_url}?status=in_progress",
            lambda: _list_rows(cast.actions().filter(status=Action.Status.IN_PROGRESS), 50),
        ),
        Case(
            "Review detail (chair)",
            cast.chair,
            cast.url("review-detail", review.pk),
            lambda: list(
                Action.objects.filter(recommendation__review=review)
                .order_by("recommendation__number", "due_date", "pk")
                .values_list(
                    "recommendation__number", "title", "agency__short_name", "due_date", "status"
                )
            ),
        ),
        Case(
            "Action detail (lead)",
            cast.lead,
            cast.url("action-detail", action.pk),
            lambda: list(
                Action.objects.filter(pk=action.pk).values_list(
                    "title", "description", "success_measure", "due_date", "status"
                )
            ),
        ),
        Case(
            "Audit log (team)", cast.team, cast.url("audit-log"), lambda: _log_rows(cast, cast.team)
        ),
        Case(
            "Audit log (lead)", cast.lead, cast.url("audit-log"), lambda: _log_rows(cast, cast.lead)
        ),
    ]


def _export_url(cast: Cast, url_name: str, due_before: datetime.date) -> str:
    return f"{cast.url(url_name)}?{urlencode(date_query('due_before', due_before))}"


def _export_cases(cast: Cast, today, export_rows: int) -> list[Case]:
    export_to = _due_date_of_row(cast.actions(), export_rows)
    return [
        Case(
            f"{kind} export, {export_rows:,}+ rows",
            cast.team,
            _export_url(cast, url_name, export_to),
            lambda: _export_rows(cast, export_to, today),
            floor,
        )
        for kind, url_name, floor in [
            ("CSV", "action-list-csv", bare_csv),
            ("XLSX", "action-list-xlsx", bare_xlsx),
        ]
    ]


@dataclass
class OtherPage:
    """A page timed without a floor: filters and reports off the main path, to watch."""

    name: str
    user: User
    url: str
    timing: Timing = field(default_factory=Timing)


def build_other_pages(cast: Cast, today: datetime.date) -> list[OtherPage]:
    chair, team, lead = cast.chair, cast.team, cast.lead
    actions_url, search_url = cast.url("action-list"), cast.url("search")
    # The last words of the first action's title that a search looks for (not "of", "the").
    title = cast.actions().order_by("pk").values_list("title", flat=True).first()
    words = [word for word in title.split() if word.lower() not in STOP_WORDS]
    one, two = words[-1], " ".join(words[-2:])
    # The newest review with recommendations: a serious incident's on its journey has none yet.
    review = Review.objects.filter(partnership=cast.partnership, recommendations__number=1)
    review = review.order_by("-published_on", "pk")
    recommendation = (
        Recommendation.objects.filter(partnership=cast.partnership).order_by("-pk").first()
    )
    this_year = reports.FinancialYear.containing(today)
    last_year = reports.FinancialYear(this_year.start_year - 1)
    annual_url = cast.url("annual-report")
    return [
        OtherPage(
            f"Actions: search “{one}” (team)", team, f"{actions_url}?{urlencode({'q': one})}"
        ),
        OtherPage(
            f"Actions: search “{two}” (team)", team, f"{actions_url}?{urlencode({'q': two})}"
        ),
        OtherPage(f"Search “{one}” (team)", team, f"{search_url}?{urlencode({'q': one})}"),
        OtherPage(f"Search “{two}” (team)", team, f"{search_url}?{urlencode({'q': two})}"),
        OtherPage("Actions: due soon (team)", team, f"{actions_url}?rag=due_soon"),
        OtherPage("Actions: sorted by title (team)", team, f"{actions_url}?sort=title"),
        OtherPage(
            "Actions in all their partnerships (lead)",
            lead,
            reverse("action-list", args=[ALL_PARTNERSHIPS]),
        ),
        OtherPage("Reviews (team)", team, cast.url("review-list")),
        OtherPage(
            "Recommendations ready to close (chair)",
            chair,
            f"{cast.url('recommendation-list')}?state=ready",
        ),
        OtherPage("Sign-off queue (chair)", chair, cast.url("sign-off-queue")),
        OtherPage(
            "Meeting pack, newest review (chair)",
            chair,
            cast.url("review-meeting-pack", review.first().pk),
        ),
        OtherPage(
            f"Annual figures {this_year.label} (team)",
            team,
            f"{annual_url}?year={this_year.start_year}",
        ),
        OtherPage(
            f"Annual figures {last_year.label} (team)",
            team,
            f"{annual_url}?year={last_year.start_year}",
        ),
        OtherPage("Recurring learning (chair)", chair, cast.url("recurring-learning")),
        # Its page shows the team the earlier learning like it (search.engine.similar).
        OtherPage(
            "Recommendation, with earlier learning like it (team)",
            team,
            cast.url("recommendation-detail", recommendation.pk),
        ),
        OtherPage("Learning activities (team)", team, cast.url("learning-list")),
    ]


def _log_rows(cast: Cast, user):
    return list(
        AuditRecord.objects.filter(audit_scope(user, cast.scope))
        .order_by("-seq")
        .values_list("seq", "at", "user__username", "description")[:50]
    )


# Running ----------------------------------------------------------------------


def _fetch(client: Client, url: str) -> int:
    """Request `url` and read the whole body, as the server would send it."""
    response = client.get(url, secure=True)
    if response.status_code != 200:
        raise RuntimeError(f"{url} answered {response.status_code}")
    if response.streaming:
        return sum(len(chunk) for chunk in response.streaming_content)
    return len(response.content)


def _timed(client, url) -> float:
    started = time.perf_counter()
    _fetch(client, url)
    return (time.perf_counter() - started) * 1000


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        _fetch(client, url)
    return len(queries)


def peak_memory(client, url) -> int:
    """The peak of Python memory allocated while serving `url`, in bytes."""
    tracemalloc.start()
    try:
        _fetch(client, url)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@dataclass
class SweepFigures:
    actions: int
    plan_ms: float  # deciding what is due and recording it in the outbox
    deliver_ms: float  # building each person's digest from the outbox; sending left out
    floor_ms: float
    recorded: int
    emails: int

    @property
    def total_ms(self) -> float:
        return self.plan_ms + self.deliver_ms

    @property
    def actions_per_second(self) -> float:
        return self.actions / (self.total_ms / 1000)


def measure_sweep(day: datetime.date, runs: int) -> SweepFigures:
    """The reminder sweep over every action, with emails built but not sent.

    The sweep's own two steps are timed apart: planning and recording (what the
    policy makes due, into the outbox) and delivering (a digest per person).
    """
    plans, deliveries, floors = [], [], []
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"):
        for _ in range(runs + 1):  # the first run warms up
            with transaction.atomic():
                started = time.perf_counter()
                recorded = reminders.record(reminders.plan(day), day)
                planned = time.perf_counter()
                result = reminders.deliver()
                plans.append((planned - started) * 1000)
                deliveries.append((time.perf_counter() - planned) * 1000)
                transaction.set_rollback(True)
            _vacuum(Reminder)
            started = time.perf_counter()
            list(
                Action.objects.filter(
                    status__in=lifecycle.AGENCY_WORKS_ON,
                    due_date__in=reminders.dates_with_reminders(day),
                ).values_list("pk", "due_date", "agency_id", "owner_id")
            )
            floors.append((time.perf_counter() - started) * 1000)
    return SweepFigures(
        actions=Action.objects.count(),
        plan_ms=statistics.median(plans[1:]),
        deliver_ms=statistics.median(deliveries[1:]),
        floor_ms=statistics.median(floors[1:]),
        recorded=recorded,
        emails=result.emails,
    )


def _vacuum(model) -> None:
    """Clear away the rows a rolled-back run left dead, as autovacuum would between days:
    run after run, tens of thousands of them would slow each run more than the last."""
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute(f"VACUUM {connection.ops.quote_name(model._meta.db_table)}")


@dataclass
class Report:
    results: list[Result]
    memory: dict[str, tuple[tuple[int, int], ...]]  # export: (rows, peak bytes), smaller first
    actions: int
    history_rows: int
    runs: int
    others: list[OtherPage] = field(default_factory=list)
    sweep: SweepFigures | None = None  # measured after the pages, in transactions of its own
    partnership: Partnership | None = None  # the partnership whose people the pages are for
    partnership_actions: int = 0  # the actions its pages read
    partnerships: int = 0  # on the service


def slow_runs(runs: int) -> int:
    """How many times to time what takes seconds (exports, the sweep): fewer say as much."""
    return max(3, runs // 6)


def other_runs(runs: int) -> int:
    """How many times to time each other page: some take a good part of a second."""
    return max(1, runs // 3)


def run(
    *,
    runs: int = 30,
    warmup: int = 3,
    today: datetime.date | None = None,
    export_rows: tuple[int, int] = (SMALL_EXPORT_ROWS, EXPORT_ROWS),
    partnership: str | None = None,
) -> Report:
    """Measure everything once, on the data in the database, as people of one partnership
    (by its short address; by default the one with the most actions); `export_rows` are
    the smaller and the larger export whose memory is compared."""
    today = today or timezone.localdate()
    with (
        override_settings(DEBUG=False, ALLOWED_HOSTS=["testserver"], ROOT_URLCONF=__name__),
        transaction.atomic(),
    ):
        report = _run(
            runs=runs, warmup=warmup, today=today, export_rows=export_rows, slug=partnership
        )
        transaction.set_rollback(True)
    with override_settings(DEBUG=False):
        report.sweep = measure_sweep(today, runs=slow_runs(runs))
    return report


def _run(*, runs, warmup, today, export_rows, slug) -> Report:
    cast = _cast(slug)
    actions = cast.actions().count()
    if actions < 2:
        raise LookupError(f"Too little data to measure in {cast.partnership}.")
    large_rows = min(export_rows[1], actions)  # a smaller partnership exports what it has
    small_rows = max(1, min(export_rows[0], large_rows // 2))
    results = [Result(case, Timing(), Timing()) for case in build_cases(cast, today, large_rows)]
    others = build_other_pages(cast, today)
    clients = _signed_in([r.case.user for r in results] + [page.user for page in others])
    _time_cases(results, clients, runs=runs, warmup=warmup)
    _time_others(others, clients, runs=runs, warmup=warmup)
    memory = _export_memory(cast, clients[cast.team.pk], (small_rows, large_rows))
    return Report(
        results=results,
        memory=memory,
        actions=Action.objects.count(),
        history_rows=AuditRecord.objects.count(),
        runs=runs,
        others=others,
        partnership=cast.partnership,
        partnership_actions=actions,
        partnerships=Partnership.objects.count(),
    )


def _export_memory(cast: Cast, client: Client, row_counts) -> dict:
    """Each export's peak memory at each number of rows, smaller first."""
    memory = {}
    for name, url_name in [("CSV", "action-list-csv"), ("XLSX", "action-list-xlsx")]:
        memory[name] = tuple(
            (rows, peak_memory(client, _export_url(cast, url_name, day)))
            for rows, day in [(n, _due_date_of_row(cast.actions(), n)) for n in row_counts]
        )
    return memory


def _signed_in(users) -> dict[int, Client]:
    """A client signed in as each person, by their id."""
    clients = {}
    for user in users:
        if user.pk not in clients:
            clients[user.pk] = Client()
            clients[user.pk].force_login(user)
    return clients


def _time_cases(results: list[Result], clients, *, runs: int, warmup: int) -> None:
    """Each page and its floor, taking turns: their queries once, then their times."""
    export_runs = slow_runs(runs)
    for result in results:
        client = clients[result.case.user.pk]
        result.page.queries = _queries(client, result.case.url)
        result.floor.queries = _queries(client, result.case.floor_url())
    for iteration in range(warmup + runs):
        for result in results:
            if result.case.render_floor is not bare_page and iteration >= warmup + export_runs:
                continue  # an export takes seconds: fewer runs of it say as much
            client = clients[result.case.user.pk]
            page_ms = _timed(client, result.case.url)
            floor_ms = _timed(client, result.case.floor_url())
            if iteration >= warmup:
                result.page.samples.append(page_ms)
                result.floor.samples.append(floor_ms)


def _time_others(others: list[OtherPage], clients, *, runs: int, warmup: int) -> None:
    for page in others:
        client = clients[page.user.pk]
        page.timing.queries = _queries(client, page.url)
        for iteration in range(warmup + other_runs(runs)):
            page_ms = _timed(client, page.url)
            if iteration >= warmup:
                page.timing.samples.append(page_ms)


# Printing ---------------------------------------------------------------------


def machine() -> str:
    database = f"{connection.display_name} {connection.get_database_version()}"
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as info:
            cpu = next(line.split(":", 1)[1].strip() for line in info if "model name" in line)
    except (OSError, StopIteration):
        pass
    return (
        f"{cpu}, {os.cpu_count()} cores; Python {platform.python_version()}; "
        f"Django {__import__('django').get_version()}; {database}"
    )


def table(report: Report) -> str:
    lines = [
        f"{report.actions:,} actions in {report.partnerships:,} "
        f"partnership{pluralize(report.partnerships)}, {report.history_rows:,} audit records; "
        f"pages as people of {report.partnership} ({report.partnership_actions:,} actions); "
        f"{report.runs} runs of each page ({slow_runs(report.runs)} of each export and of the "
        "sweep), page and floor taking turns; DEBUG off.",
        machine(),
        "",
        f"| {'Page':<34} | {'median ms':>9} | {'p95 ms':>7} | {'queries':>7} "
        f"| {'floor ms':>8} | {'floor q':>7} | {'ratio':>5} |",
        f"|{'-' * 36}|{'-' * 11}:|{'-' * 8}:|{'-' * 8}:|{'-' * 9}:|{'-' * 8}:|{'-' * 6}:|",
    ]
    for r in report.results:
        lines.append(
            f"| {r.case.name:<34} | {r.page.median:>9.1f} | {r.page.p95:>7.1f} "
            f"| {r.page.queries:>7} | {r.floor.median:>8.1f} | {r.floor.queries:>7} "
            f"| {r.ratio:>5.2f} |"
        )
    lines += [
        "",
        f"Other pages, without a floor ({other_runs(report.runs)} "
        f"run{pluralize(other_runs(report.runs))} of each):",
        "",
        f"| {'Page':<46} | {'median ms':>9} | {'p95 ms':>7} | {'queries':>7} |",
        f"|{'-' * 48}|{'-' * 11}:|{'-' * 8}:|{'-' * 8}:|",
    ]
    for page in report.others:
        lines.append(
            f"| {page.name:<46} | {page.timing.median:>9.1f} | {page.timing.p95:>7.1f} "
            f"| {page.timing.queries:>7} |"
        )
    lines.append("")
    lines.append("Peak Python memory while streaming an export (tracemalloc):")
    for name, ((small_rows, small), (large_rows, large)) in report.memory.items():
        lines.append(
            f"- {name}: {small / 2**20:.1f} MiB at {small_rows:,} rows, "
            f"{large / 2**20:.1f} MiB at {large_rows:,} rows"
        )
    sweep = report.sweep
    lines.append("")
    lines.append(
        f"Reminder sweep over {sweep.actions:,} actions (digests built, not sent): "
        f"{sweep.total_ms:,.0f} ms = {sweep.actions_per_second:,.0f} actions a second; "
        f"planning and recording {sweep.recorded:,} reminders {sweep.plan_ms:,.0f} ms, "
        f"building {sweep.emails} digests {sweep.deliver_ms:,.0f} ms; "
        f"its one essential query {sweep.floor_ms:.0f} ms."
    )
    return "\n".join(lines)


def misses(report: Report, *, ratio=2.0, p95_ms=150.0, queries=12, rate=20_000) -> list[str]:
    """The targets of the performance issue that this run did not meet."""
    missed = []
    for r in report.results:
        if r.ratio > ratio:
            missed.append(f"{r.case.name}: {r.ratio:.2f}× its floor (target {ratio}×)")
        if r.page.p95 > p95_ms and r.case.render_floor is bare_page:
            missed.append(f"{r.case.name}: p95 {r.page.p95:.0f} ms (target {p95_ms:.0f} ms)")
        if r.page.queries > queries:
            missed.append(f"{r.case.name}: {r.page.queries} queries (target {queries})")
    if report.sweep.actions_per_second < rate:
        missed.append(f"sweep: {report.sweep.actions_per_second:,.0f} actions/s (target {rate:,})")
    return missed
