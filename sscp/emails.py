"""
Every email the service sends is built here, from templates in templates/emails/:
`<name>-subject.txt`, `<name>-body.txt` and `<name>-body.html`.
"""

import functools
from collections import Counter
from itertools import groupby

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.defaultfilters import pluralize
from django.template.loader import render_to_string
from django.utils.formats import date_format

from actions.models import Action, Reminder


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
    """One person's reminders of the day: the most urgent, grouped by review, and counts.

    `reminders` are the outbox's lines (actions.reminders.Line). Only what design.md
    allows leaves the service: the review's name, the recommendation number, the
    action's title, its due date and a link. Nothing about the children, no comments,
    no evidence. Past REMINDER_DIGEST_LINES, the earliest due are listed and the rest
    counted: a digest of thousands of lines is read by nobody.
    """
    most_urgent = sorted(reminders, key=lambda r: (r.action_due_date, r.pk))
    listed = sorted(
        most_urgent[: settings.REMINDER_DIGEST_LINES],
        key=lambda r: (r.review_title, r.recommendation_number, r.action_due_date, r.pk),
    )
    link = settings.SITE_URL + Action.url_format()
    reviews = [
        {"title": title, "items": [_item(r, link) for r in group]}
        for title, group in groupby(listed, key=lambda r: r.review_title)
    ]
    kinds = Counter(r.kind for r in reminders)
    return make_message(
        "reminder-digest",
        recipient.email,
        {
            "recipient": recipient,
            "reviews": reviews,
            "action_count": len({r.action_id for r in reminders}),
            "kind_counts": [(kind.label, kinds[kind]) for kind in Reminder.Kind if kinds[kind]],
            "listed_count": len(listed),
            "unlisted": len(reminders) - len(listed),
        },
    )


def _item(reminder, link: str) -> dict:
    """One line of a digest, its words worked out here rather than in the template."""
    days_overdue = reminder.days_overdue
    due = f"Due {_long_date(reminder.action_due_date)}"
    if days_overdue:
        due += f" ({days_overdue} day{pluralize(days_overdue)} overdue)"
    return {
        "kind": Reminder.Kind(reminder.kind).label,
        "recommendation_number": reminder.recommendation_number,
        "title": reminder.title,
        "due": due,
        "url": link.format(reminder.action_id),
    }


@functools.lru_cache(maxsize=1024)
def _long_date(day) -> str:
    return date_format(day, "j F Y")
