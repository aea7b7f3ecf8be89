"""
Every email the service sends is built here, from templates in templates/emails/:
`<name>-subject.txt`, `<name>-body.txt` and `<name>-body.html` (the HTML ones extend
emails/layout.html: the service's name, a readable width, a viewport for phones).

This module knows nothing of reviews or actions: what a reminder digest says is
worked out by actions.reminders and handed over as the template's context.
"""

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

SERVICE_NAME = "SSCP review tracker"


def make_message(name: str, to: str, context: dict) -> EmailMultiAlternatives:
    """One message with a plain-text body and an HTML alternative, all from templates."""
    context = {"site_url": settings.SITE_URL, "service_name": SERVICE_NAME, **context}
    subject = " ".join(render_to_string(f"emails/{name}-subject.txt", context).split())
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string(f"emails/{name}-body.txt", context),
        to=[to],
    )
    message.attach_alternative(render_to_string(f"emails/{name}-body.html", context), "text/html")
    return message


def reminder_digest(recipient, digest: dict) -> EmailMultiAlternatives:
    """One person's reminders of the day. `digest` (from actions.reminders.digest) holds
    only what may leave the service (docs/architecture.md): review names, recommendation numbers,
    action titles, dates and links."""
    return make_message("reminder-digest", recipient.email, {"recipient": recipient, **digest})


def decision_notices(recipient, notices: list[dict]) -> EmailMultiAlternatives:
    """The decisions on a person's work not yet emailed to them. Each of `notices` (from
    actions.notices) holds only what may leave the service: its kind, the partnership,
    when, what happened in words without comments, and a link."""
    return make_message(
        "decision-notices", recipient.email, {"recipient": recipient, "notices": notices}
    )


def password_reset(user) -> EmailMultiAlternatives:
    """A link for choosing a new password, made now: the outbox row holds no secret.

    The same token Django's PasswordResetView would make: it works once, and for
    PASSWORD_RESET_TIMEOUT from now.
    """
    context = {
        "user": user,
        "uid": urlsafe_base64_encode(force_bytes(user.pk)),
        "token": default_token_generator.make_token(user),
    }
    return make_message("password-reset", getattr(user, user.get_email_field_name()), context)
