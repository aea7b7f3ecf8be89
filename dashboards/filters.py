import django_filters
from django.db.models import Exists, OuterRef

from audits.models import AuditRecord
from reviews.models import Review
from sscp.filters import ChosenRecordFilter, GovukDateFilter, GovukFilterSet
from sscp.models import Agency, User


class AuditLogFilter(GovukFilterSet):
    """The audit log's filters; every one is kept in the URL, so a view can be shared.

    Built on the records the person may read (`queryset`), it offers only what they
    may see: "Who" resolves only people with a record among them, so that a person's
    name cannot be learnt from their id (`?user=7`) by someone who has never seen it.
    """

    from_date = GovukDateFilter(field_name="at", lookup_expr="date__gte", label="From")
    to_date = GovukDateFilter(field_name="at", lookup_expr="date__lte", label="To")
    user = ChosenRecordFilter(
        label="Who",
        queryset=User.objects.none(),  # set for each person, in __init__
        hint="Untick to see everyone's records. Choose a person by their name in the log.",
    )
    agency = django_filters.ModelChoiceFilter(
        queryset=Agency.objects.all(), empty_label="Any agency"
    )
    review = ChosenRecordFilter(
        label="Review",
        queryset=Review.every.all(),  # a review withdrawn as logged in error too: on the record
        hint="Untick to see the records of every review.",
    )
    record_type = django_filters.ChoiceFilter(
        label="Kind of record",
        choices=AuditRecord.RecordType.choices,
        empty_label="Any kind of record",
    )
    change = django_filters.ChoiceFilter(
        label="Kind of change", choices=AuditRecord.Change.choices, empty_label="Any kind of change"
    )

    class Meta:
        model = AuditRecord
        fields = []

    def __init__(self, *args, scope, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["agency"].queryset = Agency.objects.filter(
            partnerships__in=scope.ids
        ).distinct()
        self.filters["review"].queryset = scope.filter(Review.every.all())
        self.filters["user"].queryset = User.objects.filter(
            Exists(self.queryset.filter(user=OuterRef("pk")))
        )
