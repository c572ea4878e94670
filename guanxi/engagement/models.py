"""Follow-ups (activities), tasks, attachments, notifications and calendar feeds.

Visibility (policies.access): an activity, task or attachment is seen by whoever may read the
account or a contact it belongs to, and by whoever's own data scope covers its owner (tasks:
also by their assignee). Writes follow the owner's scope.
"""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from guanxi.core.models import CustomerRecord, SoftDeletable, TimeStamped
from guanxi.customers.models import Account, Contact

LIVE = Q(deleted_at__isnull=True)


class ActivityKind(models.TextChoices):
    CALL = "call", _("Call")
    VISIT = "visit", _("Visit")
    MEETING = "meeting", _("Meeting")
    EMAIL = "email", _("Email")
    MESSAGE = "message", _("Message (WeChat/SMS)")
    FAX = "fax", _("Fax")
    WEB = "web", _("Web/portal")
    NOTE = "note", _("Note")


class Direction(models.TextChoices):
    INBOUND = "inbound", _("Inbound")
    OUTBOUND = "outbound", _("Outbound")


class Activity(CustomerRecord):
    """A follow-up (跟进记录): one interaction with a customer, on any channel."""

    POLICY_OBJECT_TYPE = "activity"
    POLICY_VIA = ("account", "contacts", "lead")  # readable by whoever may read these (policies.access)

    kind = models.CharField(_("kind"), max_length=20, choices=ActivityKind.choices)
    direction = models.CharField(_("direction"), max_length=10, blank=True, choices=Direction.choices)
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    content = models.TextField(_("content"), max_length=20000, blank=True)
    occurred_at = models.DateTimeField(_("when"), default=timezone.now)
    duration_minutes = models.PositiveIntegerField(_("duration (minutes)"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=200, blank=True)
    next_contact_at = models.DateTimeField(_("next contact"), null=True, blank=True)
    account = models.ForeignKey(
        Account,
        verbose_name=_("account"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="activities",
    )
    contacts = models.ManyToManyField(
        Contact, verbose_name=_("contacts"), through="ActivityContact", related_name="activities", blank=True
    )
    lead = models.ForeignKey(
        "sales.Lead",
        verbose_name=_("lead"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="activities",
    )

    class Meta:
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        indexes = [
            models.Index(
                fields=["account", "-occurred_at", "-id"], condition=LIVE, name="activity_account_idx"
            ),
            models.Index(
                fields=["account", "kind", "-occurred_at", "-id"],
                condition=LIVE,
                name="activity_account_kind_idx",
            ),
            models.Index(fields=["owner", "-occurred_at", "-id"], condition=LIVE, name="activity_owner_idx"),
            models.Index(fields=["-occurred_at", "-id"], condition=LIVE, name="activity_occurred_idx"),
            models.Index(
                fields=["owner", "next_contact_at"],
                condition=LIVE & Q(next_contact_at__isnull=False),
                name="activity_next_contact_idx",
            ),
            models.Index(
                fields=["deleted_at"], condition=Q(deleted_at__isnull=False), name="activity_bin_idx"
            ),
            models.Index(
                fields=["lead", "-occurred_at", "-id"],
                condition=LIVE & Q(lead__isnull=False),
                name="activity_lead_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.title()

    def title(self, zone=None) -> str:
        """The subject, else the kind and the day it happened in `zone` (default: the active
        time zone, the viewer's in a request; services pass the actor's)."""
        if self.subject:
            return self.subject
        return f"{self.get_kind_display()} {timezone.localtime(self.occurred_at, zone):%Y-%m-%d}"

    @property
    def summary(self) -> str:
        """One line for the customer's "last follow-up" and the timeline."""
        text = self.subject or self.outcome or self.content
        return " ".join(text.split())[:300]


class ActivityContact(models.Model):
    """The contacts involved in a follow-up; `occurred_at` copied so a contact's timeline is one index range."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="contact_links")
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="activity_links")
    occurred_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["activity", "contact"], name="activity_contact_unique")
        ]
        indexes = [
            models.Index(fields=["contact", "-occurred_at", "-activity"], name="activity_contact_time_idx")
        ]


class Priority(models.TextChoices):
    LOW = "low", _("Low")
    NORMAL = "normal", _("Normal")
    HIGH = "high", _("High")
    URGENT = "urgent", _("Urgent")


class Task(CustomerRecord):
    """A to-do with a due time, assigned to a user, usually about a customer."""

    POLICY_OBJECT_TYPE = "task"
    POLICY_VIA = ("account", "contact", "lead")
    POLICY_ASSIGNEE = "assignee"  # the assignee sees the task and may update (complete) it

    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), max_length=5000, blank=True)
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    remind_at = models.DateTimeField(_("remind at"), null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True, editable=False)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("assignee"), on_delete=models.PROTECT, related_name="tasks"
    )
    account = models.ForeignKey(
        Account,
        verbose_name=_("account"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tasks",
    )
    contact = models.ForeignKey(
        Contact,
        verbose_name=_("contact"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tasks",
    )
    activity = models.ForeignKey(
        Activity,
        verbose_name=_("follow-up"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tasks",
    )
    lead = models.ForeignKey(
        "sales.Lead",
        verbose_name=_("lead"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tasks",
    )
    priority = models.CharField(
        _("priority"), max_length=10, choices=Priority.choices, default=Priority.NORMAL
    )
    done = models.BooleanField(_("done"), default=False)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        indexes = [
            models.Index(
                fields=["assignee", "done", "due_at", "id"], condition=LIVE, name="task_assignee_due_idx"
            ),
            models.Index(fields=["account", "-created_at", "-id"], condition=LIVE, name="task_account_idx"),
            models.Index(fields=["contact", "-created_at", "-id"], condition=LIVE, name="task_contact_idx"),
            models.Index(fields=["owner", "-created_at", "-id"], condition=LIVE, name="task_owner_idx"),
            models.Index(
                fields=["remind_at"],
                condition=LIVE & Q(done=False, reminded_at__isnull=True, remind_at__isnull=False),
                name="task_reminder_due_idx",
            ),
            models.Index(fields=["deleted_at"], condition=Q(deleted_at__isnull=False), name="task_bin_idx"),
            models.Index(
                fields=["lead", "-created_at", "-id"],
                condition=LIVE & Q(lead__isnull=False),
                name="task_lead_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_overdue(self) -> bool:
        return not self.done and self.due_at is not None and self.due_at < timezone.now()


def attachment_path(instance, filename: str) -> str:
    """A random storage name: the uploaded name is never part of a path."""
    return f"attachments/{timezone.now():%Y/%m}/{secrets.token_hex(16)}"


class Attachment(TimeStamped, SoftDeletable):
    """A file on an account, a contact or a follow-up (exactly one)."""

    POLICY_OBJECT_TYPE = "attachment"

    file = models.FileField(upload_to=attachment_path, max_length=200)
    name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size"))
    sha256 = models.CharField(max_length=64)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    account = models.ForeignKey(
        Account, null=True, blank=True, on_delete=models.CASCADE, related_name="attachments"
    )
    contact = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.CASCADE, related_name="attachments"
    )
    activity = models.ForeignKey(
        Activity, null=True, blank=True, on_delete=models.CASCADE, related_name="attachments"
    )

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(account__isnull=False, contact__isnull=True, activity__isnull=True)
                    | Q(account__isnull=True, contact__isnull=False, activity__isnull=True)
                    | Q(account__isnull=True, contact__isnull=True, activity__isnull=False)
                ),
                name="attachment_one_parent",
            )
        ]
        indexes = [
            models.Index(
                fields=["account", "-created_at", "-id"],
                condition=LIVE & Q(account__isnull=False),
                name="attachment_account_idx",
            ),
            models.Index(
                fields=["contact", "-created_at", "-id"],
                condition=LIVE & Q(contact__isnull=False),
                name="attachment_contact_idx",
            ),
            models.Index(
                fields=["activity", "-created_at"],
                condition=LIVE & Q(activity__isnull=False),
                name="attachment_activity_idx",
            ),
            models.Index(
                fields=["deleted_at"], condition=Q(deleted_at__isnull=False), name="attachment_bin_idx"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def parent(self):
        return self.account or self.contact or self.activity


class Notification(models.Model):
    """An in-app notification (the bell); some are also sent by email."""

    class Kind(models.TextChoices):
        REMINDER = "reminder", _("Reminder")
        TASK_ASSIGNED = "task_assigned", _("Task assigned")
        DORMANCY = "dormancy", _("Customers drifting away")
        EXPORT_READY = "export_ready", _("Export ready")
        LEAD_ASSIGNED = "lead_assigned", _("Lead assigned")
        POOL = "pool", _("Shared pool")
        OPPORTUNITY = "opportunity", _("Opportunity")
        OTHER = "other", _("Other")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.OTHER)
    title = models.CharField(max_length=200)
    body = models.CharField(max_length=1000, blank=True)
    url = models.CharField(max_length=300, blank=True)  # a path inside Guanxi, never an outside address
    object_type = models.CharField(max_length=40, blank=True)
    object_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["user", "-created_at", "-id"], name="notification_user_idx"),
            models.Index(fields=["user"], condition=Q(read_at__isnull=True), name="notification_unread_idx"),
        ]

    def __str__(self) -> str:
        return self.title


class CalendarFeed(models.Model):
    """A user's secret iCal feed URL. Only a hash is stored; revoking deletes the row."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feeds"
    )
    digest = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)

    @staticmethod
    def hash(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()

    @classmethod
    def issue(cls, user) -> tuple[CalendarFeed, str]:
        token = secrets.token_urlsafe(32)
        return cls.objects.create(user=user, digest=cls.hash(token), prefix=token[:8]), token
