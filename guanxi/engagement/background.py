"""Background work of engagement (Celery tasks; eager in embedded mode)."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.utils import timezone, translation

from guanxi.core.background import once


@shared_task(name="guanxi.engagement.tasks.send_notification_email", acks_late=True)
def send_notification_email(notification_id: int) -> str:
    """Email one notification (a task reminder…) to its user, in their language and time zone.
    Safe to run twice: the send is claimed with once(), so a redelivery does not mail again."""
    from guanxi.engagement.models import Notification, Task
    from guanxi.engagement.tasks.services import user_tz

    row = Notification.objects.filter(pk=notification_id).select_related("user").first()
    if row is None:
        return "no such notification"
    user = row.user
    if not user.is_active or not user.email:
        return "no recipient"
    if not once(f"notification-email:{notification_id}"):
        return "already sent"
    task = None
    if row.object_type == "task" and row.object_id:
        task = Task.objects.filter(pk=row.object_id, deleted_at__isnull=True).first()
    site = getattr(settings, "SITE_URL", "").rstrip("/")
    context = {"notification": row, "user": user, "task": task, "link": f"{site}{row.url}" if row.url else ""}
    with translation.override(user.language or settings.LANGUAGE_CODE), timezone.override(user_tz(user)):
        subject = " ".join(
            render_to_string("engagement/tasks/email/notification_subject.txt", context).split()
        )
        body = render_to_string("engagement/tasks/email/notification.txt", context)
    send_mail(subject, body, None, [user.email])
    Notification.objects.filter(pk=row.pk).update(emailed_at=timezone.now())
    return "sent"
