"""One page size and one way to take a page of any list from the URL."""

from django.core.paginator import Paginator

PAGE_SIZE = 50


def page_of(request, items, param: str = "page"):
    """The page of `items` the URL asks for; a missing or bad number gives the first or last."""
    return Paginator(items, PAGE_SIZE).get_page(request.GET.get(param))
