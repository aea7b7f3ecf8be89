"""Each person's private iCalendar feed of due dates, for Outlook and other calendars."""

import datetime

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar, Event

from actions.models import Action
from sscp import roles
from sscp.permissions import own_work, user_memberships

PAST_DAYS = 90
AHEAD_DAYS = 366
MAX_EVENTS = 2000


def _on_staff(user) -> bool:
    return any(member.role in roles.STAFF for member in user_memberships(user))


def feed_actions(user, within):
    """The due dates a person's calendar shows: the open actions they follow in the
    partnerships of `within` (sscp.permissions.own_work). Someone on a partnership's
    staff sees those due from 90 days ago to a year ahead."""
    actions = (
        Action.objects.open()
        .filter(own_work(user, within))
        .select_related("recommendation__review", "agency", "partnership")
    )
    if _on_staff(user):
        today = timezone.localdate()
        actions = actions.filter(
            due_date__gte=today - datetime.timedelta(days=PAST_DAYS),
            due_date__lte=today + datetime.timedelta(days=AHEAD_DAYS),
        )
    return actions.order_by("due_date", "pk")[:MAX_EVENTS]


def describe_feed(user, within) -> str:
    """What the person's feed shows, in words, from the same rule as `feed_actions`."""
    if not within.partnerships:
        return "It shows nothing until you have a role."
    if _on_staff(user):
        return "It shows every open action due from 90 days ago to a year ahead."
    return "It shows your agency's open actions."


def feed(user, within) -> bytes:
    """The feed as iCalendar text. Like the reminder emails, it names no child."""
    calendar = Calendar()
    calendar.add("prodid", "-//Safeguarding Children Partnerships//Review tracker//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", "SSCP review tracker: due dates")
    calendar.add("x-wr-timezone", settings.TIME_ZONE)
    host = settings.SITE_URL.split("://")[-1]
    stamp = timezone.now()
    for action in feed_actions(user, within):
        recommendation = action.recommendation
        url = settings.SITE_URL + action.get_absolute_url()
        event = Event()
        event.add("uid", f"action-{action.pk}-due@{host}")
        event.add("dtstamp", stamp)
        event.add("dtstart", action.due_date)
        event.add("dtend", action.due_date + datetime.timedelta(days=1))
        event.add("summary", f"Due: {action.title} ({action.agency.short_name})")
        event.add(
            "description",
            f"{recommendation.review.title}, recommendation {recommendation.number}\n{url}",
        )
        event.add("url", url)
        event.add("transp", "TRANSPARENT")
        calendar.add_component(event)
    return calendar.to_ical()
