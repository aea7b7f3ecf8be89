"""Each person's private iCalendar feed of due dates, for Outlook and other calendars."""

import datetime

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar, Event

from actions.models import Action
from sscp.permissions import followed_agency_ids

PAST_DAYS = 90
AHEAD_DAYS = 366
MAX_EVENTS = 2000


def feed_actions(user):
    """The due dates a person's calendar shows: the open actions of the agencies they
    follow (sscp.permissions.followed_agency_ids). Those who follow every agency see
    those due from 90 days ago to a year ahead."""
    actions = Action.objects.open().select_related("recommendation__review", "agency")
    agencies = followed_agency_ids(user)
    if agencies is None:
        today = timezone.localdate()
        actions = actions.filter(
            due_date__gte=today - datetime.timedelta(days=PAST_DAYS),
            due_date__lte=today + datetime.timedelta(days=AHEAD_DAYS),
        )
    else:
        actions = actions.filter(agency_id__in=agencies)
    return actions.order_by("due_date", "pk")[:MAX_EVENTS]


def describe_feed(user) -> str:
    """What the person's feed shows, in words, from the same rule as `feed_actions`."""
    agencies = followed_agency_ids(user)
    if agencies is None:
        return "It shows every open action due from 90 days ago to a year ahead."
    if agencies:
        return "It shows your agency's open actions."
    return "It shows nothing until you have a role."


def feed(user) -> bytes:
    """The feed as iCalendar text. Like the reminder emails, it names no child."""
    calendar = Calendar()
    calendar.add("prodid", "-//Southampton Safeguarding Children Partnership//Review tracker//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", "SSCP review tracker: due dates")
    calendar.add("x-wr-timezone", settings.TIME_ZONE)
    host = settings.SITE_URL.split("://")[-1]
    stamp = timezone.now()
    for action in feed_actions(user):
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
