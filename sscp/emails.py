"""
Every email the service sends is built here, from templates in templates/emails/:
`<name>-subject.txt`, `<name>-body.txt` and `<name>-body.html`.
"""

from itertools import groupby

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string


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
    reviews = [
        {"title": title, "items": [_item(r) for r in group]}
        for title, group in groupby(ordered, key=lambda r: r.action.recommendation.review.title)
    ]
    action_count = len({r.action_id for r in reminders})
    return make_message(
        "reminder-digest",
        recipient.email,
        {"recipient": recipient, "reviews": reviews, "action_count": action_count},
    )


def _item(reminder) -> dict:
    action = reminder.action
    return {
        "kind": reminder.get_kind_display(),
        "recommendation_number": action.recommendation.number,
        "title": action.title,
        "due_date": action.due_date,
        "days_overdue": action.days_overdue(reminder.reminder_date),
        "url": settings.SITE_URL + action.get_absolute_url(),
    }
