"""
The benchmark: `manage.py benchmark`, on data from `manage.py generate_load`.

Each main page is requested as a signed-in person through the whole Django
stack (middleware, view, template) with DEBUG off, and beside it its floor: the
one essential query for that page, rendering the same rows in a bare template,
served through the same middleware. Page and floor take turns, so both see the
same machine. The table gives each page's median and 95th percentile, its
queries, and its ratio to the floor; beside the list pages and dashboards, Django's
admin showing the same rows (its changelist of actions, filtered the same way, as an
operator) and a lean admin (the page's columns, no filters, no full count); then
other pages (searches, sorts, reports) timed alone, to watch; the exports' peak memory
at 5,000 and at 10,000 rows; and the reminder sweep's rate with sending left out.

`compare` measures the same on two databases (two sizes of load) and `comparison`
gives each page's growth from the smaller to the larger.

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
from collections import Counter
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.contrib import admin
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
from search.engine import words_in
from sscp import roles
from sscp.filters import date_query
from sscp.models import Agency, Membership, Partnership, User
from sscp.permissions import ALL as ALL_PARTNERSHIPS
from sscp.permissions import audit_scope, own_work
from sscp.scope import Scope
from sscp.spreadsheets import Echo

OPEN = Action.OPEN_STATUSES
EXPORT_ROWS = 10_000
SMALL_EXPORT_ROWS = 5_000

# The URLs the benchmark serves: the application's, one floor per page, and the lean admin.
_floors: dict[str, Callable] = {}


def floor_view(request, key):
    return _floors[key](request)


class LeanActionAdmin(admin.ModelAdmin):
    """Django's admin at its leanest for a list page's rows: the page's columns, by due
    date, 50 to a page; no filters, no count of every row, no bulk actions."""

    list_display = [
        "title",
        "recommendation__review__title",
        "recommendation__number",
        "agency__short_name",
        "due_date",
        "status",
    ]
    list_select_related = ["recommendation__review", "agency"]
    ordering = ["due_date", "pk"]
    list_per_page = 50
    show_full_result_count = False
    actions = None


LEAN_ADMIN = "lean_admin"
lean_admin = admin.AdminSite(name=LEAN_ADMIN)
lean_admin.register(Action, LeanActionAdmin)

urlpatterns = [
    path("__floor__/<slug:key>/", floor_view),
    path("__lean_admin__/", lean_admin.urls),
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
    # The admin's changelist of actions filtered to the same rows, as its query; None
    # where the admin has nothing like the page.
    admin_query: dict | None = None

    def floor_url(self) -> str:
        return f"/__floor__/{self.key}/"

    def admin_url(self, site: str = "admin") -> str:
        """The changelist of actions on the site (`admin`, or LEAN_ADMIN), filtered."""
        changelist = reverse(f"{site}:actions_action_changelist")
        return f"{changelist}?{urlencode(self.admin_query)}"


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
    admin: Timing | None = None  # Django's admin, as the project configures it
    lean: Timing | None = None  # the lean admin (LeanActionAdmin)

    @classmethod
    def of(cls, case: Case) -> "Result":
        admin = case.admin_query is not None
        return cls(case, Timing(), Timing(), *((Timing(), Timing()) if admin else ()))

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


def _typical_partnership() -> Partnership:
    """The median-sized partnership by actions (the smaller of two middle ones): the pages
    as most partnerships see them."""
    sizes = (
        Action.objects.values("partnership_id")
        .annotate(n=Count("pk"))
        .order_by("n", "partnership_id")
        .values_list("partnership_id", flat=True)
    )
    sizes = list(sizes)
    if not sizes:
        raise LookupError("No data to measure: run generate_load first.")
    return Partnership.objects.get(pk=sizes[(len(sizes) - 1) // 2])


def _partnership(slug: str | None, typical: bool = False) -> Partnership:
    if typical:
        return _typical_partnership()
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


def _agencies_by_reach(partnership: Partnership) -> list[tuple[int, int, int]]:
    """(how many partnerships it serves, its actions in this one, id) of each agency
    serving the partnership."""
    served = Agency.partnerships.through.objects
    here = served.filter(partnership=partnership).values("agency_id")
    reach = dict(
        served.filter(agency_id__in=here)
        .values("agency_id")
        .annotate(n=Count("*"))
        .values_list("agency_id", "n")
    )
    actions = dict(
        Action.objects.filter(partnership=partnership)
        .values("agency_id")
        .annotate(n=Count("pk"))
        .values_list("agency_id", "n")
    )
    return [(reach[pk], actions.get(pk, 0), pk) for pk in reach]


def _busiest_lead(partnership: Partnership) -> tuple[User, int]:
    """A lead of the agency with the most actions in the partnership of those that serve
    the fewest partnerships (a council's, say), and that agency: the heaviest agency
    dashboard, as a lead who is a member of as many partnerships at every size of load.
    (The lead of an agency serving every partnership is timed apart: _widest_lead.)"""
    _reach, _n, agency_id = min(
        _agencies_by_reach(partnership), key=lambda agency: (agency[0], -agency[1], agency[2])
    )
    return _person(roles.AGENCY_LEAD, partnership, agency_id=agency_id), agency_id


def _widest_lead(partnership: Partnership) -> tuple[User, int]:
    """A lead of the agency, of those serving the partnership, that serves the most
    partnerships (CAFCASS serves every one in England), and how many: a member of each,
    whose every request reads all those memberships."""
    reach, _n, agency_id = max(
        _agencies_by_reach(partnership), key=lambda agency: (agency[0], agency[1], -agency[2])
    )
    return _person(roles.AGENCY_LEAD, partnership, agency_id=agency_id), reach


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
    widest_lead: User  # a lead of an agency serving every partnership, or the most
    widest_reach: int  # the partnerships that lead is a member of
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

    def admin_query(self, **lookups) -> dict:
        """The admin's filters for the partnership's own actions and `lookups`, as its
        filter links and query string write them. (The pages read the actions of reviews
        shared with the partnership too; the admin has no such filter.)"""
        return {"partnership__id__exact": self.partnership.pk, **lookups}


def _cast(slug: str | None = None, typical: bool = False) -> Cast:
    partnership = _partnership(slug, typical)
    lead, agency_id = _busiest_lead(partnership)
    widest_lead, widest_reach = _widest_lead(partnership)
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
    return Cast(
        partnership, scope, lead, agency_id, widest_lead, widest_reach, chair, team, review, action
    )


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
            admin_query=cast.admin_query(
                agency__id__exact=cast.agency_id, status__in=",".join(OPEN)
            ),
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
            admin_query=cast.admin_query(status__exact=Action.Status.SUBMITTED),
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
            admin_query=cast.admin_query(
                agency__id__exact=cast.agency_id,
                status__in=",".join(OPEN),
                due_date__lt=today.isoformat(),
            ),
        ),
        Case(
            "Actions: in progress (team)",
            cast.team,
            f"{actions_url}?status=in_progress",
            lambda: _list_rows(cast.actions().filter(status=Action.Status.IN_PROGRESS), 50),
            admin_query=cast.admin_query(status__exact=Action.Status.IN_PROGRESS),
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
    chair, team, widest = cast.chair, cast.team, cast.widest_reach
    actions_url, search_url = cast.url("action-list"), cast.url("search")
    one, other = search_words(cast.actions())
    two = f"{one} {other}"
    # The newest review with recommendations: a serious incident's on its journey has none yet.
    review = Review.objects.filter(partnership=cast.partnership, recommendations__number=1)
    review = review.order_by("-published_on", "pk")
    recommendation = (
        Recommendation.objects.filter(partnership=cast.partnership).order_by("-pk").first()
    )
    # A word of that review's title alone (its number, in the generated load): a search
    # that finds few of many actions.
    rare = words_in(review.first().title).terms[-1]
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
        OtherPage(
            f"Actions: search “{rare}”, in few (team)",
            team,
            f"{actions_url}?{urlencode({'q': rare})}",
        ),
        OtherPage(f"Search “{one}” (team)", team, f"{search_url}?{urlencode({'q': one})}"),
        OtherPage(f"Search “{two}” (team)", team, f"{search_url}?{urlencode({'q': two})}"),
        OtherPage(f"Search “{rare}” (team)", team, f"{search_url}?{urlencode({'q': rare})}"),
        OtherPage("Actions: due soon (team)", team, f"{actions_url}?rag=due_soon"),
        OtherPage("Actions: sorted by title (team)", team, f"{actions_url}?sort=title"),
        OtherPage(f"Home (lead in {widest} partnerships)", cast.widest_lead, cast.url("home")),
        OtherPage(
            f"Actions in all their partnerships (lead in {widest})",
            cast.widest_lead,
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


SEARCHED_TITLES = 20_000  # the titles read for words to search for: plenty to count


def _words(title: str) -> tuple[str, ...]:
    """The words a search would look for in a title, each once: no stop words, no numbers."""
    return tuple(word for word in words_in(title).terms if len(word) > 2 and not word.isdigit())


def search_words(actions) -> tuple[str, str]:
    """Two different words to search the actions for: see `commonest_pair`."""
    titles = actions.order_by("pk").values_list("title", flat=True)[:SEARCHED_TITLES]
    return commonest_pair([_words(title) for title in titles])


def commonest_pair(titles: list[tuple[str, ...]]) -> tuple[str, str]:
    """The word in the most titles, and the word found with it in the most titles (so
    that searching for both finds rows too), or if none is, the next commonest word;
    ties to the first alphabetically."""
    common = _commonest(word for words in titles for word in words)
    if len(common) < 2:
        raise LookupError("Too few words in the actions' titles to search for.")
    one = common[0]
    beside = _commonest(word for words in titles if one in words for word in words)
    beside = [word for word in beside if word != one]
    return one, (beside or common[1:])[0]


def _commonest(words) -> list[str]:
    """Each word once, the commonest first, ties alphabetically."""
    counts = Counter(words)
    return sorted(counts, key=lambda word: (-counts[word], word))


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
    """The page's own queries: the fewer of two requests, as a request that restarts the
    session's idle clock (sscp.middleware, at most once a minute) saves the session too."""
    counts = []
    for _ in range(2):
        with CaptureQueriesContext(connection) as queries:
            _fetch(client, url)
        counts.append(len(queries))
    return min(counts)


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
    typical: bool = False  # the median-sized partnership's people, not the largest's
    database: str = ""  # its name


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
    typical: bool = False,
    sweep: bool = True,
) -> Report:
    """Measure everything once, on the data in the database, as people of one partnership
    (by its short address; by default the one with the most actions, or with `typical`
    the median-sized one); `export_rows` are the smaller and the larger export whose
    memory is compared. Without `sweep`, the reminder sweep is left out."""
    today = today or timezone.localdate()
    with (
        override_settings(DEBUG=False, ALLOWED_HOSTS=["testserver"], ROOT_URLCONF=__name__),
        transaction.atomic(),
    ):
        report = _run(
            runs=runs,
            warmup=warmup,
            today=today,
            export_rows=export_rows,
            slug=partnership,
            typical=typical,
        )
        transaction.set_rollback(True)
    if sweep:
        with override_settings(DEBUG=False):
            report.sweep = measure_sweep(today, runs=slow_runs(runs))
    report.database = str(connection.settings_dict["NAME"])
    return report


def _run(*, runs, warmup, today, export_rows, slug, typical) -> Report:
    cast = _cast(slug, typical)
    actions = cast.actions().count()
    if actions < 2:
        raise LookupError(f"Too little data to measure in {cast.partnership}.")
    history_rows = AuditRecord.objects.count()
    large_rows = min(export_rows[1], actions)  # a smaller partnership exports what it has
    small_rows = max(1, min(export_rows[0], large_rows // 2))
    results = [Result.of(case) for case in build_cases(cast, today, large_rows)]
    others = build_other_pages(cast, today)
    clients = _signed_in([r.case.user for r in results] + [page.user for page in others])
    operator = Client()
    operator.force_login(_operator())
    _check_admin_rows(results, operator)
    _time_cases(results, clients, operator, runs=runs, warmup=warmup)
    _time_others(others, clients, runs=runs, warmup=warmup)
    memory = _export_memory(cast, clients[cast.team.pk], (small_rows, large_rows))
    return Report(
        results=results,
        memory=memory,
        actions=Action.objects.count(),
        history_rows=history_rows,
        runs=runs,
        others=others,
        partnership=cast.partnership,
        partnership_actions=actions,
        partnerships=Partnership.objects.count(),
        typical=typical,
    )


def _operator() -> User:
    """A superuser to open the admin as: made in the benchmark's transaction, and rolled
    back with it. The admin is not a partnership's page (sscp.urls): its requests work as
    the connection does, past the partnerships' row-level security."""
    return User.objects.create_superuser(
        "benchmark-operator", "benchmark-operator@example.invalid", None
    )


def _admin_rows(client: Client, url: str) -> int:
    """How many actions an admin changelist shows."""
    response = client.get(url, secure=True)
    if response.status_code != 200:
        raise RuntimeError(f"{url} answered {response.status_code}")
    return response.content.count(b'class="field-due_date')


def _check_admin_rows(results: list[Result], operator: Client) -> None:
    """Each admin shows rows where the page's floor does: its filters are the admin's own,
    and nothing hides the rows from it."""
    for result in results:
        if result.admin is None or not list(result.case.floor_rows()):
            continue
        for site in ["admin", LEAN_ADMIN]:
            url = result.case.admin_url(site)
            if not _admin_rows(operator, url):
                raise RuntimeError(f"{url} shows no actions where {result.case.name} does")


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


def _turns(result: Result, clients, operator: Client) -> list[tuple[Timing, Client, str]]:
    """What is timed for a case, in turn: its page, its floor, and the two admins."""
    client, case = clients[result.case.user.pk], result.case
    turns = [(result.page, client, case.url), (result.floor, client, case.floor_url())]
    if result.admin is not None:
        turns.append((result.admin, operator, case.admin_url()))
        turns.append((result.lean, operator, case.admin_url(LEAN_ADMIN)))
    return turns


def _time_cases(results: list[Result], clients, operator, *, runs: int, warmup: int) -> None:
    """Each page, its floor and its admins, taking turns: their queries once, then their
    times."""
    export_runs = slow_runs(runs)
    for result in results:
        for timing, client, url in _turns(result, clients, operator):
            timing.queries = _queries(client, url)
    for iteration in range(warmup + runs):
        for result in results:
            if result.case.render_floor is not bare_page and iteration >= warmup + export_runs:
                continue  # an export takes seconds: fewer runs of it say as much
            times = [
                (timing, _timed(client, url))
                for timing, client, url in _turns(result, clients, operator)
            ]
            if iteration >= warmup:
                for timing, ms in times:
                    timing.samples.append(ms)


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


def _ms(timing: Timing | None, width: int) -> str:
    return f"{timing.median:>{width}.1f}" if timing is not None else f"{'—':>{width}}"


def _q(timing: Timing | None, width: int) -> str:
    return f"{timing.queries:>{width}}" if timing is not None else f"{'—':>{width}}"


def whom(report: Report) -> str:
    size = "the median-sized partnership" if report.typical else "the largest partnership"
    return f"{report.partnership} ({size}, {report.partnership_actions:,} actions)"


def table(report: Report) -> str:
    lines = [
        f"{report.actions:,} actions in {report.partnerships:,} "
        f"partnership{pluralize(report.partnerships)}, {report.history_rows:,} audit records; "
        f"pages as people of {report.partnership} ({report.partnership_actions:,} actions"
        f"{', the median-sized partnership' if report.typical else ''}); "
        f"{report.runs} runs of each page ({slow_runs(report.runs)} of each export and of the "
        "sweep), page, floor and admins taking turns; DEBUG off.",
        machine(),
        "",
        f"| {'Page':<34} | {'median ms':>9} | {'p95 ms':>7} | {'queries':>7} "
        f"| {'floor ms':>8} | {'floor q':>7} | {'ratio':>5} | {'admin ms':>8} | {'admin q':>7} "
        f"| {'lean admin ms':>13} | {'lean q':>6} |",
        f"|{'-' * 36}|{'-' * 11}:|{'-' * 8}:|{'-' * 8}:|{'-' * 9}:|{'-' * 8}:|{'-' * 6}:"
        f"|{'-' * 9}:|{'-' * 8}:|{'-' * 14}:|{'-' * 7}:|",
    ]
    for r in report.results:
        lines.append(
            f"| {r.case.name:<34} | {r.page.median:>9.1f} | {r.page.p95:>7.1f} "
            f"| {r.page.queries:>7} | {r.floor.median:>8.1f} | {r.floor.queries:>7} "
            f"| {r.ratio:>5.2f} | {_ms(r.admin, 8)} | {_q(r.admin, 7)} "
            f"| {_ms(r.lean, 13)} | {_q(r.lean, 6)} |"
        )
    lines += [
        "",
        "Admin: Django's admin of actions as the project has it (/admin/actions/action/), "
        "filtered to the same rows (the partnership's own actions), as a superuser; lean "
        "admin: the page's columns, 50 a page by due date, no filters, no full count.",
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
    if report.sweep is not None:
        lines += ["", _sweep_line(report.sweep)]
    return "\n".join(lines)


def _sweep_line(sweep: SweepFigures) -> str:
    return (
        f"Reminder sweep over {sweep.actions:,} actions (digests built, not sent): "
        f"{sweep.total_ms:,.0f} ms = {sweep.actions_per_second:,.0f} actions a second; "
        f"planning and recording {sweep.recorded:,} reminders {sweep.plan_ms:,.0f} ms, "
        f"building {sweep.emails} digests {sweep.deliver_ms:,.0f} ms; "
        f"its one essential query {sweep.floor_ms:.0f} ms."
    )


def misses(report: Report, *, ratio=2.5, p95_ms=100.0, queries=12, rate=40_000) -> list[str]:
    """The targets of the performance issue that this run did not meet."""
    missed = []
    for r in report.results:
        if r.ratio > ratio:
            missed.append(f"{r.case.name}: {r.ratio:.2f}× its floor (target {ratio}×)")
        if r.lean is not None and r.page.median >= r.lean.median:
            missed.append(
                f"{r.case.name}: {r.page.median:.1f} ms, the lean admin {r.lean.median:.1f} ms "
                "(target: faster than the lean admin)"
            )
        if r.page.p95 > p95_ms and r.case.render_floor is bare_page:
            missed.append(f"{r.case.name}: p95 {r.page.p95:.0f} ms (target {p95_ms:.0f} ms)")
        if r.page.queries > queries:
            missed.append(f"{r.case.name}: {r.page.queries} queries (target {queries})")
    if report.sweep is not None and report.sweep.actions_per_second < rate:
        missed.append(f"sweep: {report.sweep.actions_per_second:,.0f} actions/s (target {rate:,})")
    return missed


# Two sizes --------------------------------------------------------------------


def database_name(given: str) -> str:
    """A database named for `compare`: a bare number of actions stands for the database
    `make compare` loads them into (100000: sscp_bench_100k)."""
    given = given.strip()
    if given.isdigit():
        return f"sscp_bench_{int(given) // 1000}k"
    return given


@contextmanager
def database(name: str):
    """The default database connection works on the database `name`, on the same server
    with the same settings, for the block; then on its own again. Each switch closes the
    connection: the next query opens one to the other database."""
    settings = connection.settings_dict
    own = settings["NAME"]
    try:
        if name != own:
            connection.close()
            settings["NAME"] = name
        yield
    finally:
        if settings["NAME"] != own:
            connection.close()
            settings["NAME"] = own


def compare(names: list[str], *, prepare: Callable = lambda: None, **options) -> list[Report]:
    """Measure on each database in turn, as people of the largest partnership and of the
    median-sized one; the sweep once a database. `prepare` readies each connection."""
    reports = []
    for name in names:
        with database(name):
            prepare()
            for typical in [False, True]:
                reports.append(run(**options, typical=typical, sweep=not typical))
    return reports


def comparison(reports: list[Report]) -> str:
    """Each page's median at the smaller and at the larger size, and its growth (larger ÷
    smaller); the same for the two admins. One table for the largest partnership's people,
    one for the median-sized one's; then the sweep at each size."""
    lines = []
    for typical in [False, True]:
        pair = sorted((r for r in reports if r.typical == typical), key=_size)
        if len(pair) == 2:
            lines += [*_growth_table(*pair), ""]
    sweeps = sorted((r for r in reports if r.sweep is not None), key=_size)
    lines += [f"{report.database}: {_sweep_line(report.sweep)}" for report in sweeps]
    if len(sweeps) == 2:
        small, large = sweeps
        lines.append(
            f"The sweep took {large.sweep.total_ms / small.sweep.total_ms:.2f}× as long "
            f"for {large.actions / small.actions:.2f}× the actions."
        )
    return "\n".join(lines)


def _growth_table(small: Report, large: Report) -> list[str]:
    a, b = _short(small.actions), _short(large.actions)
    heads = [a, b, "growth", f"admin {a}", f"admin {b}", "growth", f"lean {a}", f"lean {b}"]
    heads.append("growth")
    rows = [
        (before.case.name, [(before.page, after.page), (before.admin, after.admin),
                            (before.lean, after.lean)])
        for before, after in zip(small.results, large.results, strict=True)
    ]  # fmt: skip
    nothing = (None, None)
    rows += [
        (_both(before.name, after.name), [(before.timing, after.timing), nothing, nothing])
        for before, after in zip(small.others, large.others, strict=True)
    ]
    n = max(len(name) for name, _ in rows)
    lines = [
        f"Medians in ms as people of {whom(small)} at {small.actions:,} actions "
        f"({small.database}), and of {whom(large)} at {large.actions:,} ({large.database}); "
        "growth = larger ÷ smaller.",
        "",
        f"| {'Page':<{n}} | " + " | ".join(f"{head:>7}" for head in heads) + " |",
        "|" + "|".join(["-" * (n + 2)] + [f"{'-' * (max(7, len(h)) + 1)}:" for h in heads]) + "|",
    ]
    for name, pairs in rows:
        cells = [cell for one, two in pairs for cell in [one, two, _growth(one, two)]]
        cells = [
            f"{cell if isinstance(cell, str) else _ms(cell, 0):>{max(7, len(head))}}"
            for cell, head in zip(cells, heads, strict=True)
        ]
        lines.append(f"| {name:<{n}} | " + " | ".join(cells) + " |")
    return lines


def _both(before: str, after: str) -> str:
    """A page's name at both sizes: the words searched for may differ with the data."""
    return before if before == after else f"{before} / {after}"


def _short(actions: int) -> str:
    """A number of actions as a column's heading: 100k, 300k; 800."""
    return f"{actions / 1000:.0f}k" if actions >= 10_000 else f"{actions:,}"


def _size(report: Report) -> int:
    return report.actions


def _growth(before: Timing | None, after: Timing | None) -> str:
    if before is None or after is None:
        return "—"
    return f"{after.median / before.median:.2f}×"
