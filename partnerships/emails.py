"""The invitation email, built when the outbox sends it (sscp.outbox): its link's secret
is made then, never stored (only its hash is kept, partnerships.services)."""

from django.core.mail import EmailMessage

from partnerships import services
from sscp import database, outbox
from sscp.emails import make_message
from sscp.models import OutgoingEmail


@outbox.builds(OutgoingEmail.Kind.INVITATION)
def invitation_messages(email: OutgoingEmail) -> list[EmailMessage]:
    """The invitation's email with a new one-time link; none (the outbox row is cancelled)
    when the invitation was cancelled, accepted or has expired."""
    # A worker's connection reads no partnership's rows: sending is the service's own work.
    with database.every_partnership("sending an invitation email"):
        made = services.invitation_link_make(pk=email.reference)
    if made is None:
        return []
    invitation, secret = made
    context = {"invitation": invitation, "token": secret}
    return [make_message("invitation", invitation.email, context)]
