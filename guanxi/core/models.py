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
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        abstract = True


class Owned(models.Model):
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )

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


class SavedView(models.Model):
    """A list's filters, columns and sorting saved under a name, private or shared with everyone."""

    POLICY_OBJECT_TYPE = "saved_view"  # the audit's object type (core/saved_views.py)

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_views")
    object_type = models.CharField(max_length=40)  # "account", "contact", …
    name = models.CharField(_("name"), max_length=100)
    # {"q": "", "filters": {...}, "columns": [...], "ordering": "-updated_at"}
    query = models.JSONField(default=dict)
    shared = models.BooleanField(_("shared with everyone"), default=False)
    version = models.PositiveIntegerField(default=1, editable=False)  # If-Match on PATCH/DELETE
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "id"]
        indexes = [
            models.Index(fields=["object_type", "user"], name="saved_view_user_idx"),
            models.Index(
                fields=["object_type"], condition=models.Q(shared=True), name="saved_view_shared_idx"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ExportJob(models.Model):
    """A large export running in the background: progress for the bar, a file when done."""

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting")
        RUNNING = "running", _("running")
        DONE = "done", _("done")
        FAILED = "failed", _("failed")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="export_jobs")
    object_type = models.CharField(max_length=40)
    format = models.CharField(max_length=10)  # csv, xlsx
    params = models.JSONField(default=dict)  # {"q": …, "filters": {…}}
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    total = models.PositiveIntegerField(default=0)
    done_rows = models.PositiveIntegerField(default=0)
    file = models.FileField(upload_to="exports/", max_length=200, blank=True)
    file_name = models.CharField(max_length=200, blank=True)
    error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["user", "-created_at"], name="export_job_user_idx")]

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        return min(99, int(100 * self.done_rows / self.total)) if self.total else 0
