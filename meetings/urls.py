from django.urls import path

from meetings import views
from sscp.permissions import partnership_pages

# A partnership's pages: under /<partnership>/ (sscp.urls).
urlpatterns = partnership_pages(
    [
        path("meetings/", views.meeting_list, name="meeting-list"),
        path("meetings/new/", views.meeting_create, name="meeting-create"),
        path("meetings/<int:pk>/", views.meeting_detail, name="meeting-detail"),
        path("meetings/<int:pk>/refresh/", views.meeting_refresh, name="meeting-refresh"),
        path("meetings/<int:pk>/move/", views.meeting_item_move, name="meeting-item-move"),
        path("meetings/<int:pk>/remove/", views.meeting_item_remove, name="meeting-item-remove"),
        path("meetings/<int:pk>/issue/", views.meeting_pack_issue, name="meeting-pack-issue"),
        path("meetings/<int:pk>/pack.pdf", views.meeting_pack, name="meeting-pack"),
        path("meetings/<int:pk>/minutes/", views.meeting_minutes, name="meeting-minutes"),
        path(
            "meetings/<int:pk>/minutes/confirm/",
            views.meeting_minutes_confirm,
            name="meeting-minutes-confirm",
        ),
        path(
            "meetings/<int:pk>/minutes.pdf", views.meeting_minutes_pdf, name="meeting-minutes-pdf"
        ),
    ]
)
