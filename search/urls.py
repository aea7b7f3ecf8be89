from django.urls import path

from search import views
from sscp.permissions import partnership_pages

# A partnership's pages: under /<partnership>/ (sscp.urls). Every member reads it
# (Ability.READ); what it finds is what they may read.
urlpatterns = partnership_pages([path("search/", views.search, name="search")])
