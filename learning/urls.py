from django.urls import path

from learning import views
from sscp.permissions import partnership_pages

# A partnership's pages: under /<partnership>/ (sscp.urls).
urlpatterns = partnership_pages(
    [
        path("learning/", views.activity_list, name="learning-list"),
        path("learning/new/", views.activity_create, name="learning-create"),
        path("learning/<int:pk>/", views.activity_detail, name="learning-detail"),
        path("learning/<int:pk>/edit/", views.activity_edit, name="learning-edit"),
    ]
)
