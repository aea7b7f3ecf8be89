from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from sscp import views

urlpatterns = [
    path("", views.home, name="home"),
    path("accessibility/", views.accessibility, name="accessibility"),
    path("sign-in/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("sign-out/", auth_views.LogoutView.as_view(), name="logout"),
    path("", include("reviews.urls")),
    path("", include("actions.urls")),
    path("", include("audits.urls")),
    path("admin/", admin.site.urls),
]

admin.site.site_header = "SSCP review tracker administration"
admin.site.site_title = "SSCP review tracker"
