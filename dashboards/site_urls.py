from django.urls import path

from dashboards import views

# The service's own pages, whatever partnership.
urlpatterns = [
    path("", views.start, name="start"),
    path("accessibility/", views.accessibility, name="accessibility"),
]
