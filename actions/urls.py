from django.urls import path

from actions import views
from sscp.permissions import partnership_pages

# A partnership's pages: under /<partnership>/ (sscp.urls).
urlpatterns = partnership_pages(
    [
        path("actions/", views.action_list, name="action-list"),
        path("actions/export.csv", views.action_list_csv, name="action-list-csv"),
        path("actions/export.xlsx", views.action_list_xlsx, name="action-list-xlsx"),
        path("actions/<int:pk>/", views.action_detail, name="action-detail"),
        path("recommendations/<int:pk>/actions/new/", views.action_create, name="action-create"),
        path("actions/<int:pk>/edit/", views.action_edit, name="action-edit"),
        path("actions/<int:pk>/due-date/", views.due_date_correct, name="action-due-date"),
        path("actions/<int:pk>/move/", views.action_move, name="action-move"),
        path("actions/<int:pk>/progress/", views.progress_create, name="action-progress"),
        path("actions/<int:pk>/evidence/", views.evidence_upload, name="evidence-upload"),
        path("evidence/<int:pk>/withdraw/", views.evidence_withdraw, name="evidence-withdraw"),
        path("evidence/<int:pk>/download/", views.evidence_download, name="evidence-download"),
        path("actions/<int:pk>/submit/", views.action_submit, name="action-submit"),
        path("actions/<int:pk>/extension/", views.extension_request, name="extension-request"),
        path("actions/<int:pk>/sign-off/", views.action_sign_off, name="action-sign-off"),
        path("actions/<int:pk>/reopen/", views.action_reopen, name="action-reopen"),
        path("actions/<int:pk>/supersede/", views.action_supersede, name="action-supersede"),
        path("extensions/<int:pk>/decide/", views.extension_decide, name="extension-decide"),
        path("sign-off/", views.sign_off_queue, name="sign-off-queue"),
        path("reports/annual/", views.annual_report, name="annual-report"),
        path("reports/annual/figures.csv", views.annual_report_csv, name="annual-report-csv"),
        path("reports/annual/figures.xlsx", views.annual_report_xlsx, name="annual-report-xlsx"),
    ]
)
