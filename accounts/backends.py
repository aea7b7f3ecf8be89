"""Signing in: Django's ModelBackend, reading the signed-in person once a request together
with how many of their notifications they have not read (the header's count), in the same
query, so that no page pays a query of its own for it."""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce

from actions.models import Notice


class SignedInBackend(ModelBackend):
    def get_user(self, user_id):
        unread = (
            Notice.objects.filter(recipient=OuterRef("pk"), read_at__isnull=True)
            .order_by()
            .values("recipient")
            .annotate(count=Count("pk"))
            .values("count")
        )
        user = (
            get_user_model()
            ._default_manager.annotate(unread_notices=Coalesce(Subquery(unread), 0))
            .filter(pk=user_id)
            .first()
        )
        return user if user is not None and self.user_can_authenticate(user) else None
