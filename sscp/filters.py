"""Pieces shared by the FilterSets of the lists: GOV.UK dates, sortable columns."""

import django_filters
from django import forms

from sscp.forms import GovukDateField


class GovukDateFilter(django_filters.DateFilter):
    field_class = GovukDateField


def full_width_selects(form):
    for field in form.fields.values():
        if isinstance(field.widget, forms.Select):
            field.widget.attrs.setdefault("class", "govuk-!-width-full")
    return form


def sort_links(request, ordering_param: str, columns: dict[str, str]) -> dict[str, dict]:
    """For each sortable column, the link that sorts by it and its aria-sort state.

    `columns` maps a column's key to its OrderingFilter value, e.g. {"due": "due"}.
    Clicking a sorted column again reverses it; other filters in the URL are kept.
    """
    current = request.GET.get(ordering_param, "")
    links = {}
    for key, value in columns.items():
        ascending = current == value
        descending = current == f"-{value}"
        query = request.GET.copy()
        query.pop("page", None)
        query[ordering_param] = f"-{value}" if ascending else value
        links[key] = {
            "url": f"?{query.urlencode()}",
            "aria_sort": "ascending" if ascending else "descending" if descending else "none",
        }
    return links


class StableOrderingFilter(django_filters.OrderingFilter):
    """Sorting by a column, with the primary key last, so pages never shuffle rows between them."""

    def filter(self, qs, value):
        qs = super().filter(qs, value)
        if value:
            qs = qs.order_by(*qs.query.order_by, "pk")
        return qs
