from django.urls import path

from actions import views

urlpatterns = [
    path("actions/<int:pk>/", views.action_detail, name="action-detail"),
]
