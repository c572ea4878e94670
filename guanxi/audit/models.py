from django.conf import settings
from django.db import models
from django.utils import timezone

from guanxi.core import registry


class AuditEvent(models.Model):
    """One write: who, when, what, and old → new values per field."""

    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField(max_length=150)  # kept when the user is gone; "system" for jobs
    verb = models.CharField(max_length=20)  # declared with core.registry.verb(); label: verb_label
    object_type = models.CharField(max_length=40)
    object_id = models.BigIntegerField()
    object_label = models.CharField(max_length=300, blank=True)
    changes = models.JSONField(default=dict)  # {"field": [old, new]}

    class Meta:
        indexes = [
            models.Index(fields=["object_type", "object_id", "-at"], name="audit_object_idx"),
            models.Index(fields=["actor", "-at"], name="audit_actor_idx"),
        ]
        ordering = ["-at", "-id"]

    @property
    def verb_label(self) -> str:
        """The verb as people read it ("moved to the recycle bin"), as the app that uses it declared."""
        return str(registry.verbs().get(self.verb, self.verb))


class LoginEvent(models.Model):
    at = models.DateTimeField(default=timezone.now, db_index=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    username = models.CharField(max_length=150)
    success = models.BooleanField()
    ip = models.GenericIPAddressField(null=True)
    user_agent = models.CharField(max_length=300, blank=True)
    method = models.CharField(max_length=20, default="password")  # password, api-token

    class Meta:
        ordering = ["-at"]
        indexes = [models.Index(fields=["user", "-at"], name="login_user_idx")]
