from django.conf import settings
from django.db import models
from django.db.models import Q


class AccessEvent(models.Model):
    """A read that is on the record: an evidence download, or a refused request.

    Written once, never changed: changes to records are in their history instead.
    """

    class Kind(models.TextChoices):
        DOWNLOAD = "download", "Evidence downloaded"
        REFUSED = "refused", "Request refused"

    kind = models.CharField(max_length=20, choices=Kind.choices)
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=500)
    status_code = models.PositiveSmallIntegerField()
    object_type = models.CharField(max_length=50, blank=True)
    object_id = models.PositiveBigIntegerField(null=True, blank=True)
    detail = models.TextField(blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["download", "refused"]), name="access_event_kind_valid"
            ),
        ]
        indexes = [models.Index(fields=["object_type", "object_id"], name="access_event_object")]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.method} {self.path} by {self.user or 'anonymous'}"

    @classmethod
    def record(cls, request, *, kind, status_code, obj=None, detail=""):
        user = request.user if request.user.is_authenticated else None
        return cls.objects.create(
            kind=kind,
            user=user,
            method=request.method[:10],
            path=request.get_full_path()[:500],
            status_code=status_code,
            object_type=obj._meta.model_name if obj is not None else "",
            object_id=obj.pk if obj is not None else None,
            detail=detail,
            ip_address=request.META.get("REMOTE_ADDR") or None,
        )
