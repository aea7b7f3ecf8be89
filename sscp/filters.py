"""Pieces shared by the FilterSets of the lists: GOV.UK dates, sortable columns, records
chosen by their id in the URL."""

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db import connection
from django_filters.fields import ModelChoiceField

from sscp import roles
from sscp.forms import GovukDateField, govuk_error_messages
from sscp.pagination import query_without_page
from sscp.permissions import user_memberships

# More digits than any primary key has: int() of a very long string is slow, or refused.
MAX_ID_DIGITS = 20


class GovukDateFilter(django_filters.DateFilter):
    field_class = GovukDateField


def date_query(name: str, day) -> dict[str, int]:
    """A GovukDateFilter's value for a URL: the day, month and year boxes it reads."""
    return {f"{name}_0": day.day, f"{name}_1": day.month, f"{name}_2": day.year}


def list_filters(request):
    """A list's filters from the URL; an agency lead who gives none starts on their own
    agency's records ("Clear filters" shows every agency's), in the partnership or, at
    /all/, in every partnership they lead it in."""
    led = {
        member.agency_id
        for member in user_memberships(request.user)
        if member.partnership_id in request.scope.partnerships and member.role == roles.AGENCY_LEAD
    }
    if not request.GET and len(led) == 1:
        return {"agency": str(next(iter(led)))}
    return request.GET


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
        query = query_without_page(request.GET)
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


def record_id(value, model) -> int | None:
    """`value` (from a URL) as a primary key that `model` could have, else None.

    Only plain digits, and no more than the database's column can hold: a larger
    number matches nothing on PostgreSQL but fails on SQLite, and "²" passes
    str.isdigit() but not int().
    """
    text = str(value).strip()
    if not (text.isascii() and text.isdigit() and len(text) <= MAX_ID_DIGITS):
        return None
    _lowest, highest = connection.ops.integer_field_range(model._meta.pk.get_internal_type())
    number = int(text)
    return number if 0 < number <= highest else None


class RecordChoiceField(ModelChoiceField):
    """A choice of record by id that refuses, as an invalid choice, an id no record can have
    (see `record_id`) before it reaches the database."""

    def to_python(self, value):
        model = self.queryset.model
        chosen_none = self.null_label is not None and value == self.null_value
        if value in self.empty_values or isinstance(value, model) or chosen_none:
            return super().to_python(value)
        if record_id(value, model) is None:
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return super().to_python(value)


class ChosenRecordWidget(forms.CheckboxInput):
    """A ticked box that keeps a record chosen elsewhere; unticking it drops the filter."""

    def format_value(self, value):
        return None if value in (None, "") else str(value)

    def value_from_datadict(self, data, files, name):
        return data.get(name)

    def value_omitted_from_data(self, data, files, name):
        return name not in data


class ChosenRecordFilter(django_filters.ModelChoiceFilter):
    """A filter by one of thousands of records (a review, a person), chosen by following a link.

    A select of every review would be too long to use and to send. The value in
    the URL is checked against the whole queryset; the form shows only the record
    already chosen, as a ticked box, and a free-text search finds the rest.
    """

    field_class = RecordChoiceField

    def __init__(self, *args, hint="", **kwargs):
        self.hint = hint
        super().__init__(*args, **kwargs)


class GovukFilterSet(django_filters.FilterSet):
    """A FilterSet whose form fits a narrow column: full-width selects, chosen records as boxes.

    Every choice of a record by id (each ModelChoiceFilter) refuses ids that no record
    can have as invalid choices (RecordChoiceField), so that no value in a URL can make
    the database fail.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for filter_ in self.filters.values():
            if filter_.field_class is ModelChoiceField:
                filter_.field_class = RecordChoiceField  # this instance's copy of the filter

    @property
    def form(self):
        if not hasattr(self, "_form"):
            self.tailor_form(super().form)
        return self._form

    def tailor_form(self, form):
        """Adjust the form once, as it is built and before it is validated."""
        for name, field in form.fields.items():
            if isinstance(field.widget, forms.Select):
                field.widget.attrs.setdefault("class", "govuk-!-width-full")
            field.error_messages.update(govuk_error_messages(name, field))
        _show_chosen_records(self, form)


def _show_chosen_records(filterset, form):
    """Show each ChosenRecordFilter as a ticked box if a record is chosen, else not at all."""
    for name, filter_ in filterset.filters.items():
        if not isinstance(filter_, ChosenRecordFilter):
            continue
        field = form.fields[name]
        value = form.data.get(form.add_prefix(name)) if form.is_bound else None
        if value in (None, ""):
            field.widget = forms.HiddenInput()
            continue
        field.widget = ChosenRecordWidget(check_test=lambda value: True)
        try:
            field.label = f"{filter_.label}: {field.clean(value)}"
            field.help_text = filter_.hint
        except ValidationError:
            pass  # the form's validation reports it, on this box
    return form
