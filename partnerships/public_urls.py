from django.urls import path

from partnerships import views

# Pages reached by an emailed link (an invitation), before the person is a member.
urlpatterns = [
    path("invitations/<str:token>/", views.invitation_accept, name="invitation-accept"),
]
