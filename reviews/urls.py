from django.urls import path

from reviews import views
from sscp.permissions import partnership_pages

# A partnership's pages: under /<partnership>/ (sscp.urls).
urlpatterns = partnership_pages(
    [
        path("reviews/", views.review_list, name="review-list"),
        path("reviews/new/", views.review_create, name="review-create"),
        path("reviews/<int:pk>/", views.review_detail, name="review-detail"),
        path("reviews/incident/new/", views.incident_create, name="incident-create"),
        path(
            "reviews/<int:pk>/journey/checks/new/",
            views.progress_check_create,
            name="progress-check-create",
        ),
        path("reviews/<int:pk>/journey/<str:stage>/", views.review_stage, name="review-stage"),
        path("reviews/<int:pk>/edit/", views.review_edit, name="review-edit"),
        path("reviews/<int:pk>/withdraw/", views.review_withdraw, name="review-withdraw"),
        # Withdrawing what was logged in error: the one page for the three kinds.
        path("actions/<int:pk>/withdraw/", views.action_withdraw, name="action-withdraw"),
        path("withdrawn/", views.withdrawn_list, name="withdrawn-list"),
        path("reviews/<int:pk>/meeting-pack/", views.meeting_pack, name="review-meeting-pack"),
        path(
            "reviews/<int:pk>/meeting-pack.pdf",
            views.meeting_pack_pdf,
            name="review-meeting-pack-pdf",
        ),
        path("reviews/<int:pk>/import/", views.review_import, name="review-import"),
        path(
            "reviews/<int:pk>/import/confirm/",
            views.review_import_confirm,
            name="review-import-confirm",
        ),
        path("import-template.<str:file_format>", views.import_template, name="import-template"),
        path("reviews/<int:pk>/summary/", views.publishable_summary, name="review-summary"),
        path(
            "reviews/<int:pk>/summary.pdf", views.publishable_summary_pdf, name="review-summary-pdf"
        ),
        path(
            "reviews/<int:pk>/recommendations/new/",
            views.recommendation_create,
            name="recommendation-create",
        ),
        path("recommendations/", views.recommendation_list, name="recommendation-list"),
        path(
            "recommendations/<int:pk>/", views.recommendation_detail, name="recommendation-detail"
        ),
        path(
            "recommendations/<int:pk>/edit/", views.recommendation_edit, name="recommendation-edit"
        ),
        path(
            "recommendations/<int:pk>/withdraw/",
            views.recommendation_withdraw,
            name="recommendation-withdraw",
        ),
        path(
            "recommendations/<int:pk>/close/",
            views.recommendation_close,
            name="recommendation-close",
        ),
        path("reports/recurring-learning/", views.recurring_learning, name="recurring-learning"),
        path(
            "recommendations/<int:pk>/repeats/",
            views.recommendation_repeats,
            name="recommendation-repeats",
        ),
        path(
            "recommendations/<int:pk>/impact-check/",
            views.impact_check_create,
            name="impact-check-create",
        ),
        path(
            "recommendations/<int:pk>/impact-check/decide/",
            views.impact_check_decide,
            name="impact-check-decide",
        ),
        path(
            "impact-evidence/<int:pk>/download/",
            views.impact_evidence_download,
            name="impact-evidence-download",
        ),
    ]
)
