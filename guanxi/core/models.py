"""Base model mixins shared by every domain record."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class TimeStamped(models.Model):
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now, editable=False)

    class Meta:
        abstract = True


class Versioned(models.Model):
    """Optimistic concurrency: every update states the version it started from."""
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        abstract = True


class SoftDeletable(models.Model):
    """Deletes go to the recycle bin; a periodic job purges them after RECYCLE_BIN_DAYS."""
    deleted_at = models.DateTimeField(null=True, blank=True, editable=False)
    deleted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, editable=False,
                                   on_delete=models.SET_NULL, related_name="+")

    class Meta:
        abstract = True


class Owned(models.Model):
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.PROTECT,
                              related_name="+", editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                   related_name="+", editable=False)

    class Meta:
        abstract = True


class CustomerRecord(TimeStamped, Versioned, SoftDeletable, Owned):
    """A customer-data record: owned, versioned, soft-deletable, with custom fields."""
    custom_fields = models.JSONField(default=dict, blank=True, editable=False)

    class Meta:
        abstract = True


class IdempotencyKey(models.Model):
    """The first response to a POST with an Idempotency-Key, replayed for repeats."""
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=200)
    path = models.CharField(max_length=300)
    body_hash = models.CharField(max_length=64)
    status = models.PositiveSmallIntegerField()
    response = models.JSONField()
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key", "path"], name="idempotency_unique")]


class JobRun(models.Model):
    """One run of a periodic job, so the embedded scheduler never runs a period twice."""
    name = models.CharField(max_length=100)
    period = models.CharField(max_length=40)  # e.g. the day "2026-11-23"
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True)
    result = models.TextField(blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["name", "period"], name="jobrun_unique_period")]


class TaskMark(models.Model):
    """A side effect that has happened (an email sent…), so a task run twice does it once."""
    key = models.CharField(max_length=200, unique=True)
    done_at = models.DateTimeField(default=timezone.now)
