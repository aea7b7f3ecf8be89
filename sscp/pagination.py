"""One page size, and taking a page of a list from the URL: counted, or for very long lists not."""

from dataclasses import dataclass

from django.core.paginator import Paginator

PAGE_SIZE = 50


def page_of(request, items, param: str = "page"):
    """The page of `items` the URL asks for; a missing or bad number gives the first or last."""
    return Paginator(items, PAGE_SIZE).get_page(request.GET.get(param))


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

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    def has_other_pages(self) -> bool:
        return self.has_next or self.has_previous

    def next_page_number(self) -> int:
        return self.number + 1

    def previous_page_number(self) -> int:
        return self.number - 1


def uncounted_page_of(request, items) -> UncountedPage:
    """The page of `items` the URL asks for, without counting them; a bad number gives page 1."""
    try:
        number = max(1, int(request.GET.get("page", 1)))
    except (TypeError, ValueError):
        number = 1
    start = (number - 1) * PAGE_SIZE
    rows = list(items[start : start + PAGE_SIZE + 1])
    return UncountedPage(rows[:PAGE_SIZE], number, has_next=len(rows) > PAGE_SIZE)
