from django.urls import path

from dashboards import views
from sscp.permissions import partnership_pages

# A partnership's pages: under /<partnership>/ (sscp.urls).
urlpatterns = partnership_pages(
    [
        path("", views.home, name="home"),
        path("reviews/in-progress/", views.reviews_in_progress_page, name="reviews-in-progress"),
        path("audit-log/", views.audit_log, name="audit-log"),
        path("audit-log/export.csv", views.audit_log_csv, name="audit-log-csv"),
        path("reviews/<int:pk>/timeline/", views.review_timeline, name="review-timeline"),
        path(
            "recommendations/<int:pk>/timeline/",
            views.recommendation_timeline,
            name="recommendation-timeline",
        ),
        path("actions/<int:pk>/timeline/", views.action_timeline, name="action-timeline"),
    ]
)
