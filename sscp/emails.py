"""
Every email the service sends is built here, from templates in templates/emails/:
`<name>-subject.txt`, `<name>-body.txt` and `<name>-body.html`.
"""

import functools
from itertools import groupby

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.defaultfilters import pluralize
from django.template.loader import render_to_string
from django.utils.formats import date_format

from actions.models import Action


def make_message(name: str, to: str, context: dict) -> EmailMultiAlternatives:
    """One message with a plain-text body and an HTML alternative, all from templates."""
    context = {"site_url": settings.SITE_URL, **context}
    subject = " ".join(render_to_string(f"emails/{name}-subject.txt", context).split())
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string(f"emails/{name}-body.txt", context),
        to=[to],
    )
    message.attach_alternative(render_to_string(f"emails/{name}-body.html", context), "text/html")
    return message


def reminder_digest(recipient, reminders) -> EmailMultiAlternatives:
    """One person's reminders of the day, grouped by review.

    Only what design.md allows leaves the service: the review's name, the
    recommendation number, the action's title, its due date and a link. Nothing
    about the children, no comments, no evidence.
    """
    ordered = sorted(
        reminders,
        key=lambda r: (
            r.action.recommendation.review.title,
            r.action.recommendation.number,
            r.action.due_date,
            r.pk,
        ),
    )
    link = settings.SITE_URL + Action.url_format()
    reviews = [
        {"title": title, "items": [_item(r, link) for r in group]}
        for title, group in groupby(ordered, key=lambda r: r.action.recommendation.review.title)
    ]
    action_count = len({r.action_id for r in reminders})
    return make_message(
        "reminder-digest",
        recipient.email,
        {"recipient": recipient, "reviews": reviews, "action_count": action_count},
    )


def _item(reminder, link: str) -> dict:
    """One line of a digest, its words worked out here: a digest may hold thousands."""
    action = reminder.action
    days_overdue = action.days_overdue(reminder.reminder_date)
    due = f"Due {_long_date(action.due_date)}"
    if days_overdue:
        due += f" ({days_overdue} day{pluralize(days_overdue)} overdue)"
    return {
        "kind": reminder.get_kind_display(),
        "recommendation_number": action.recommendation.number,
        "title": action.title,
        "due": due,
        "url": link.format(action.pk),
    }


@functools.lru_cache(maxsize=1024)
def _long_date(day) -> str:
    return date_format(day, "j F Y")
