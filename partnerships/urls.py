from django.urls import path

from partnerships import views
from sscp.permissions import partnership_pages

# A partnership's pages for running it, for its partnership team: under /<partnership>/
# (sscp.urls).
urlpatterns = partnership_pages(
    [
        path("people/", views.people, name="people"),
        path("people/invite/", views.invitation_create, name="invitation-create"),
        path(
            "people/invitations/<int:pk>/send-again/",
            views.invitation_resend,
            name="invitation-resend",
        ),
        path(
            "people/invitations/<int:pk>/cancel/",
            views.invitation_cancel,
            name="invitation-cancel",
        ),
        path("people/<int:pk>/", views.person_detail, name="person-detail"),
        path("people/<int:pk>/role/", views.person_edit, name="person-edit"),
        path("people/<int:pk>/remove/", views.person_remove, name="person-remove"),
        path("people/<int:pk>/unlock/", views.person_unlock, name="person-unlock"),
        path(
            "people/<int:pk>/second-factor/",
            views.person_second_factor_reset,
            name="person-second-factor-reset",
        ),
        path("agencies/", views.agency_list, name="agency-list"),
        path("agencies/new/", views.agency_create, name="agency-create"),
        path("agencies/add-existing/", views.agency_join, name="agency-join"),
        path("agencies/<int:pk>/edit/", views.agency_edit, name="agency-edit"),
        path("themes/", views.theme_list, name="theme-list"),
        path("themes/new/", views.theme_create, name="theme-create"),
        path("themes/<int:pk>/edit/", views.theme_edit, name="theme-edit"),
        path("settings/", views.partnership_settings, name="partnership-settings"),
        path("settings/closure-days/", views.closure_days, name="closure-days"),
        path(
            "settings/closure-days/<int:pk>/remove/",
            views.closure_day_remove,
            name="closure-day-remove",
        ),
        path("access-review/", views.access_review, name="access-review"),
        path("access-review/export.csv", views.access_review_csv, name="access-review-csv"),
    ]
)
