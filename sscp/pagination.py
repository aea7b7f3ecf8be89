"""One page size, and taking a page of a list from the URL: counted, or for very long lists not."""

from dataclasses import dataclass

from django.core.paginator import Paginator
from django.db.models import QuerySet, Subquery
from django.db.models.sql.where import WhereNode
from django.http import QueryDict

PAGE_SIZE = 50
# The furthest page a URL may ask for: its rows start at an offset the databases can
# take (a 64-bit integer); a larger number asks for this page, which is empty.
MAX_PAGE = (2**63 - 1) // PAGE_SIZE
MAX_PAGE_DIGITS = len(str(MAX_PAGE))
# Long lists are counted this far and no further: past it they say "more than 1,000" and
# go on page by page, so that a count never reads every row of a partnership's actions.
COUNT_CAP = 1_000


def page_of(request, items, param: str = "page", *, count: int | None = None):
    """The page of `items` the URL asks for; a missing or bad number gives the first or last.
    `count`, when the items are counted already (actions.counts), saves counting them again."""
    paginator = KeyedPaginator(items, PAGE_SIZE)
    if count is not None:
        paginator.count = count  # cached_property: already known
    return paginator.get_page(request.GET.get(param))


def walked(items, start: int, stop: int):
    """Rows `start` to `stop` of `items`: their keys first, read in order from their own
    table alone, then the rows joined to what each shows.

    Joined from the start, under row-level security the planner cannot tell how many rows
    each joined table holds, and joins every row of a long list to sort it instead of
    walking an index for the few shown (measured at 240,000 actions in one partnership:
    411 ms for a page of actions in progress, 0.8 ms this way). Same rows, same order, the
    same one query. The list's filters choose the keys and are not asked again of the rows
    (a search asked again of every action of the partnership: 420 ms for 50 rows), unless
    a filter joins what could repeat a row, which the keys alone would not.
    """
    if not isinstance(items, QuerySet) or not items.query.select_related:
        return items[start:stop]
    keys = Subquery(items.values("pk")[start:stop])
    rows = items.all()
    if not _repeats_rows(rows.query):
        rows.query.where = WhereNode()
    return rows.filter(pk__in=keys)


def _repeats_rows(query) -> bool:
    """Whether a join of `query` reaches across a to-many relation."""
    return query.distinct or any(
        field.many_to_many or field.one_to_many
        for field in (getattr(join, "join_field", None) for join in query.alias_map.values())
        if field is not None
    )


class KeyedPaginator(Paginator):
    """A Paginator whose pages are `walked`."""

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        return self._get_page(walked(self.object_list, bottom, top), number, self)


@dataclass
class UncountedPage:
    """A page of a list too long to count on every request, such as the audit log.

    It knows whether there is a next page by asking for one row more than it shows,
    so no COUNT over the whole list is needed. It has no paginator and no total.
    """

    object_list: list
    number: int
    has_next: bool
    paginator = None
    more_than: int | None = None  # a list counted up to COUNT_CAP and found longer

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    def has_other_pages(self) -> bool:
        return self.has_next or self.has_previous

    def next_page_number(self) -> int:
        return self.number + 1

    def previous_page_number(self) -> int:
        return self.number - 1


def page_number(value) -> int:
    """A page number from a URL: 1 unless it is plain digits, and at most MAX_PAGE."""
    text = str(value or "").strip()
    if not (text.isascii() and text.isdigit()):
        return 1
    if len(text) > MAX_PAGE_DIGITS:
        return MAX_PAGE
    return min(max(1, int(text)), MAX_PAGE)


def uncounted_page_of(request, items) -> UncountedPage:
    """The page of `items` the URL asks for, without counting them; a bad number gives page 1."""
    number = page_number(request.GET.get("page"))
    start = (number - 1) * PAGE_SIZE
    rows = list(walked(items, start, start + PAGE_SIZE + 1))
    return UncountedPage(rows[:PAGE_SIZE], number, has_next=len(rows) > PAGE_SIZE)


def capped_page_of(request, items):
    """The page of `items` the URL asks for, counted as a Paginator's when they are at most
    COUNT_CAP; past that, an UncountedPage that says there are `more_than` COUNT_CAP."""
    counted = items.order_by()[: COUNT_CAP + 1].count()  # any COUNT_CAP + 1 rows will do
    if counted <= COUNT_CAP:
        paginator = KeyedPaginator(items, PAGE_SIZE)
        paginator.count = counted  # cached_property: already known
        return paginator.get_page(request.GET.get("page"))
    page = uncounted_page_of(request, items)
    page.more_than = COUNT_CAP
    return page


def query_without_page(data, page_param: str = "page") -> QueryDict:
    """The query string of a list (its filters, its sort) without its page number, for
    links to other pages and other sorts. `data` is a QueryDict or a plain dict."""
    query = QueryDict(mutable=True)
    for key in data:
        if key != page_param:
            query.setlist(key, data.getlist(key) if hasattr(data, "getlist") else [data[key]])
    return query
