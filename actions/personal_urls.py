from django.urls import path

from actions import views
from sscp.permissions import own_pages

# A person's own pages, across their partnerships, and their calendar feed.
urlpatterns = [
    *own_pages(
        [
            path("account/reminders/", views.my_reminders, name="my-reminders"),
            path("account/calendar/", views.my_calendar, name="my-calendar"),
            path("account/notifications/", views.notifications, name="notifications"),
        ]
    ),
    # Calendar apps cannot sign in: the feed's secret address is the key.
    path("calendar/<str:token>.ics", views.calendar_feed, name="calendar-feed"),
]
