"""
The emails about a change of email address, built when the outbox sends them
(sscp.outbox): the link to the new address, and the notice to the old one.

Both are outbox rows of the kind EMAIL_CONFIRMATION about the same EmailChange (the
row's `reference`); which one a row is, is said by its address: the change's new
address gets the link, its old one the notice.
"""

from django.core.mail import EmailMessage

from accounts import services
from accounts.models import EmailChange, email_link_lifetime
from sscp import outbox
from sscp.emails import make_message
from sscp.models import OutgoingEmail
from sscp.templatetags.sscp import in_words


@outbox.builds(OutgoingEmail.Kind.EMAIL_CONFIRMATION)
def email_change_messages(email: OutgoingEmail) -> list[EmailMessage]:
    """The link or the notice this row stands for; none once it is no longer owed (the
    change was cancelled, has expired or been confirmed, the person has left)."""
    change = EmailChange.objects.select_related("user").filter(pk=email.reference).first()
    if change is None or not change.user.is_active:
        return []
    if change.status == EmailChange.Status.CONFIRMED and email.address == change.old_email:
        return [email_changed_notice(change)]
    if change.status == EmailChange.Status.PENDING and email.address == change.new_email:
        return [email_confirmation_link(change)]
    return []


def email_confirmation_link(change: EmailChange) -> EmailMessage:
    """The link to confirm the new address, with a secret made now (only its hash is kept)."""
    context = {
        "user": change.user,
        "change": change,
        "token": services.email_change_link(change),
        "lifetime": in_words(email_link_lifetime()),
    }
    return make_message("email-confirmation", change.new_email, context)


def email_changed_notice(change: EmailChange) -> EmailMessage:
    """To the old address: the account's address was changed, and what to do if the
    person did not change it."""
    context = {"user": change.user, "change": change}
    return make_message("email-confirmation-notice", change.old_email, context)
