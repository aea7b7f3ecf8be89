"""The benchmark's yardsticks: Django's admin beside the pages, two sizes side by side, and
words to search for that find rows. (test_scale.py runs the whole benchmark.)"""

import datetime

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import Count
from django.test import Client
from django.test.utils import CaptureQueriesContext

from actions.models import Action
from devtools import benchmark
from search.engine import ACTIONS, STOP_WORDS, matches, words_in
from sscp.middleware import IDLE_CLOCK_KEY
from sscp.models import Agency, Partnership, User

TODAY = datetime.date(2026, 11, 29)
WITH_ADMIN = {
    "Dashboard, agency lead",
    "Dashboard, SILG chair",
    "Actions: agency, overdue (lead)",
    "Actions: in progress (team)",
}


@pytest.fixture
def loaded(settings):
    """Two partnerships: one of 640 actions, one of 160."""
    settings.DEBUG = True  # generate_load runs only where DEBUG is on
    call_command("generate_load", "--concentrated", actions=800, seed=2, today=TODAY)


def measure(**options) -> benchmark.Report:
    return benchmark.run(runs=1, warmup=0, today=TODAY, export_rows=(20, 100), **options)


@pytest.mark.django_db
def test_the_admin_and_a_lean_admin_are_timed_beside_the_lists_and_dashboards(loaded):
    report = measure(sweep=False)
    table = benchmark.table(report)
    assert "| admin ms |" in table and "| lean admin ms |" in table
    assert {r.case.name for r in report.results if r.admin} == WITH_ADMIN
    for result in report.results:
        if result.admin is None:
            assert result.lean is None
            continue
        for timing in [result.admin, result.lean]:
            assert timing.samples and timing.queries, result.case.name
        # The lean admin has no filters to list and counts only the rows it filters.
        assert result.lean.queries < result.admin.queries, table
    assert report.sweep is None and "Reminder sweep" not in table
    assert not User.objects.filter(username="benchmark-operator").exists()  # rolled back


@pytest.mark.django_db
def test_the_admins_show_the_rows_the_page_does(loaded, settings):
    """Filtered as the page is, and not hidden by the partnerships' row-level security."""
    settings.ROOT_URLCONF = benchmark.__name__
    cast = benchmark._cast()
    in_progress = benchmark.Case(
        "In progress",
        cast.team,
        "",
        list,
        admin_query=cast.admin_query(status__exact=Action.Status.IN_PROGRESS),
    )
    operator = Client()
    operator.force_login(benchmark._operator())
    shown = Action.objects.filter(partnership=cast.partnership, status=Action.Status.IN_PROGRESS)
    assert shown.count() > 100
    # The project's admin shows 100 actions a page, the lean one 50, as the page does.
    assert benchmark._admin_rows(operator, in_progress.admin_url()) == 100
    assert benchmark._admin_rows(operator, in_progress.admin_url(benchmark.LEAN_ADMIN)) == 50


@pytest.mark.django_db
def test_the_agency_lead_is_a_member_of_as_few_partnerships_at_every_size(loaded):
    """The dashboards' lead is of the busiest agency serving one partnership alone, so that
    two sizes of load compare two such people; a lead of an agency serving every
    partnership (CAFCASS) is timed apart, their count in the page's name."""
    cast = benchmark._cast()
    served = Agency.partnerships.through.objects
    reach = served.values("agency_id").annotate(n=Count("*"))
    here = reach.filter(agency_id__in=served.filter(partnership=cast.partnership).values("agency"))
    local = [row["agency_id"] for row in here if row["n"] == 1]
    assert len(local) > 1 and cast.agency_id in local
    actions = Action.objects.filter(partnership=cast.partnership)
    busiest = actions.filter(agency_id__in=local).values("agency_id").annotate(n=Count("pk"))
    assert busiest.order_by("-n", "agency_id")[0]["agency_id"] == cast.agency_id
    assert cast.lead.memberships.filter(ended_at__isnull=True).count() == 1
    assert cast.widest_reach == Partnership.objects.count() == 2
    assert cast.widest_lead.memberships.filter(ended_at__isnull=True).count() == 2
    names = {page.name: page.user for page in benchmark.build_other_pages(cast, TODAY)}
    assert names["Home (lead in 2 partnerships)"] == cast.widest_lead
    assert names["Actions in all their partnerships (lead in 2)"] == cast.widest_lead


@pytest.mark.django_db
def test_a_pages_queries_leave_out_the_sessions_once_a_minute_save(loaded, settings):
    settings.ROOT_URLCONF = benchmark.__name__
    cast = benchmark._cast()
    client = Client()
    client.force_login(cast.team)
    home = cast.url("home")
    client.get(home)
    steady = len(queries_of(client, home))
    session = client.session
    session[IDLE_CLOCK_KEY] = 0  # the clock last restarted long ago: this request saves
    session.save()
    saving = queries_of(client, home)
    assert len(saving) > steady and any("django_session" in q["sql"] for q in saving[-4:])
    session[IDLE_CLOCK_KEY] = 0
    session.save()
    assert benchmark._queries(client, home) == steady


def queries_of(client, url) -> list[dict]:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return queries.captured_queries


@pytest.mark.django_db
def test_the_typical_partnership_is_the_median_sized_one(loaded):
    report = measure(typical=True, sweep=False)
    sizes = Action.objects.values("partnership").annotate(n=Count("pk")).order_by("n")
    assert report.partnership.pk == sizes[0]["partnership"] and sizes[0]["n"] == 160
    assert "the median-sized partnership" in benchmark.table(report)


def made_up_report(actions: int, *, typical: bool, ms: float) -> benchmark.Report:
    case = benchmark.Case("Actions: in progress (team)", None, "", list, admin_query={})
    other = benchmark.OtherPage("Reviews (team)", None, "", timing(ms * 3))
    sweep = None if typical else benchmark.SweepFigures(actions, ms * 100, 0, 1, 0, 0)
    return benchmark.Report(
        results=[
            benchmark.Result(case, timing(ms), timing(ms / 2), timing(ms * 4), timing(ms * 2)),
        ],
        memory={},
        actions=actions,
        history_rows=0,
        runs=1,
        others=[other],
        sweep=sweep,
        partnership=Partnership(name="Load partnership 000"),
        partnership_actions=actions // 2,
        typical=typical,
        database=f"sscp_bench_{actions // 1000}k",
    )


def test_compare_measures_on_each_database_and_gives_each_pages_growth(monkeypatch):
    own = connection.settings_dict["NAME"]
    measured = []

    def run(*, typical, sweep, **options):
        measured.append((connection.settings_dict["NAME"], typical, sweep, options))
        actions = 300_000 if len(measured) > 2 else 100_000
        return made_up_report(actions, typical=typical, ms=30 if actions > 100_000 else 20)

    monkeypatch.setattr(benchmark, "run", run)
    reports = benchmark.compare(["sscp_bench_100k", "sscp_bench_300k"], runs=5)
    # As the largest partnership's people and the median-sized one's, on each database in
    # turn; the sweep once a database.
    assert measured == [
        (name, typical, not typical, {"runs": 5})
        for name in ["sscp_bench_100k", "sscp_bench_300k"]
        for typical in [False, True]
    ]
    assert connection.settings_dict["NAME"] == own
    text = benchmark.comparison(list(reversed(reports)))  # the smaller first, whatever order
    lines = text.splitlines()

    def cells(line: str) -> list[str]:
        return [cell.strip() for cell in line.split("|")[1:-1]]

    assert cells(lines[2]) == ["Page", "100k", "300k", "growth", "admin 100k", "admin 300k"] + [
        "growth",
        "lean 100k",
        "lean 300k",
        "growth",
    ]
    assert cells(lines[4]) == [
        "Actions: in progress (team)",
        "20.0", "30.0", "1.50×",  # the page
        "80.0", "120.0", "1.50×",  # the admin
        "40.0", "60.0", "1.50×",  # the lean admin
    ]  # fmt: skip
    # Other pages have no admin beside them.
    assert cells(lines[5]) == ["Reviews (team)", "60.0", "90.0", "1.50×"] + ["—"] * 6
    assert "the median-sized partnership, 50,000 actions" in text
    assert "The sweep took 1.50× as long for 3.00× the actions." in text
    # The words searched for may differ with the data: both are named.
    assert benchmark._both("Search “a” (team)", "Search “b” (team)") == (
        "Search “a” (team) / Search “b” (team)"
    )
    assert benchmark.database_name("300000") == "sscp_bench_300k"
    assert benchmark.database_name(" sscp_other ") == "sscp_other"


@pytest.mark.django_db
def test_the_words_searched_for_differ_and_find_rows(loaded):
    actions = benchmark._cast().actions()
    one, other = benchmark.search_words(actions)
    assert one != other and one not in STOP_WORDS and other not in STOP_WORDS
    for typed in [one, other, f"{one} {other}"]:
        assert matches(actions, ACTIONS, words_in(typed)).exists(), typed


def test_the_words_are_the_commonest_and_the_commonest_beside_it():
    titles = [("plan", "supervision"), ("audit", "plan"), ("audit",), ("neglect", "toolkit")]
    assert benchmark.commonest_pair(titles) == ("audit", "plan")
    # Where no title has another word beside the commonest: the next commonest.
    assert benchmark.commonest_pair([("audit",), ("audit",), ("plan",)]) == ("audit", "plan")
    with pytest.raises(LookupError):
        benchmark.commonest_pair([("audit",), ()])


def timing(ms: float, queries: int = 5) -> benchmark.Timing:
    return benchmark.Timing([ms], queries)


def test_the_targets_are_the_issues():
    fast = benchmark.Case("Fast page", None, "", list, admin_query={})
    slow = benchmark.Case("Slow page", None, "", list, admin_query={})
    alone = benchmark.Case("Page without an admin", None, "", list)
    sweep = benchmark.SweepFigures(39_000, 900, 100, 10, 0, 0)
    report = benchmark.Report(
        results=[
            benchmark.Result(fast, timing(20), timing(10), timing(80), timing(40)),
            benchmark.Result(slow, timing(60, 13), timing(20), timing(80), timing(50)),
            benchmark.Result(alone, timing(101), timing(50)),
        ],
        memory={},
        actions=39_000,
        history_rows=0,
        runs=1,
        sweep=sweep,
    )
    assert benchmark.misses(report) == [
        "Slow page: 3.00× its floor (target 2.5×)",
        "Slow page: 60.0 ms, the lean admin 50.0 ms (target: faster than the lean admin)",
        "Slow page: 13 queries (target 12)",
        "Page without an admin: p95 101 ms (target 100 ms)",
        "sweep: 39,000 actions/s (target 40,000)",
    ]


def test_compare_takes_two_databases():
    with pytest.raises(CommandError, match="two databases"):
        call_command("benchmark", "--compare", "100000")
    with pytest.raises(CommandError, match="not allowed with"):
        call_command("benchmark", "--compare", "100000,300000", "--typical")
