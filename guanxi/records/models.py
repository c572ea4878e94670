"""The outbox of domain events (records/events.py)."""

from django.conf import settings
from django.db import models
from django.utils import timezone


class OutboxEvent(models.Model):
    """A domain event, stored in the transaction that caused it: what webhooks, the change feed and
    automation rules read (by id, in order), so none is lost when a process dies after commit."""

    name = models.CharField(max_length=60)
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField(max_length=150)  # "system" for jobs
    object_type = models.CharField(max_length=40, blank=True)
    object_id = models.BigIntegerField(null=True, blank=True)
    payload = models.JSONField(default=dict)

    class Meta:
        indexes = [
            models.Index(fields=["name", "id"], name="outbox_name_idx"),
            models.Index(fields=["object_type", "object_id", "id"], name="outbox_object_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.object_type}#{self.object_id}"
