from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from actions.permissions import action_for, recommendation_for, review_for
from audits import selectors
from audits.filters import AuditLogFilter
from sscp.pagination import uncounted_page_of
from sscp.spreadsheets import Column, csv_response

CSV_COLUMNS = [
    Column(header)
    for header in [
        "Record", "When", "Who", "Kind of record", "Change", "What", "Changes", "Reason",
        "Agency", "Review", "Seal",
    ]
]  # fmt: skip


def _query_without_page(request) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


@require_GET
def audit_log(request):
    log = AuditLogFilter(request.GET, queryset=selectors.visible_records(request.user))
    records = log.qs if log.is_valid() else log.queryset.none()
    page = uncounted_page_of(request, records)
    return render(
        request,
        "audits/audit_log.html",
        {"filter": log, "form": log.form, "page": page, "query": _query_without_page(request)},
    )


def _csv_row(record) -> list:
    changes = "; ".join(f"{label}: {before} → {after}" for label, before, after in record.changes)
    return [
        record.seq,
        timezone.localtime(record.at).isoformat(timespec="seconds"),
        str(record.user or ("Not signed in" if record.record_type == "request" else "System")),
        record.get_record_type_display(),
        record.get_change_display(),
        record.description,
        changes,
        record.reason,
        str(record.agency or ""),
        str(record.review or ""),
        record.seal,
    ]


@require_GET
def audit_log_csv(request):
    """The filtered log as CSV, streamed a chunk at a time so a large log never sits in memory."""
    log = AuditLogFilter(request.GET, queryset=selectors.visible_records(request.user))
    records = log.qs if log.is_valid() else log.queryset.none()
    rows = map(_csv_row, records.iterator(chunk_size=2000))
    return csv_response(f"audit-log-{timezone.localdate():%Y-%m-%d}.csv", CSV_COLUMNS, rows)


def _timeline_page(request, obj, records, *, title, back_url, log_url=""):
    return render(
        request,
        "audits/timeline.html",
        {
            "object": obj,
            "records": records,
            "title": title,
            "back_url": back_url,
            "log_url": log_url,
        },
    )


@require_GET
def review_timeline(request, pk):
    review = review_for(request, pk)
    records = selectors.timeline(request.user, review=review)
    return _timeline_page(
        request,
        review,
        records,
        title=f"Timeline of {review.title}",
        back_url=review.get_absolute_url(),
        log_url=f"{reverse('audit-log')}?review={review.pk}",
    )


@require_GET
def recommendation_timeline(request, pk):
    recommendation = recommendation_for(request, pk)
    records = selectors.timeline(request.user, recommendation=recommendation)
    return _timeline_page(
        request,
        recommendation,
        records,
        title=f"Timeline of {recommendation}",
        back_url=recommendation.get_absolute_url(),
    )


@require_GET
def action_timeline(request, pk):
    action = action_for(request, pk)
    records = selectors.timeline(request.user, action=action)
    return _timeline_page(
        request,
        action,
        records,
        title=f"Timeline of “{action.title}”",
        back_url=action.get_absolute_url(),
    )
