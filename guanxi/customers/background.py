"""Background work of the customers app."""

import threading

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.db import connections
from django.template.loader import render_to_string
from django.utils import translation

from guanxi.audit.models import AuditEvent
from guanxi.core.background import once
from guanxi.org.models import User


@shared_task(name="guanxi.customers.tasks.send_transfer_notice", acks_late=True)
def send_transfer_notice(event_id: int) -> str:
    """Tell the new owner, in their language, that a record was transferred to them."""
    event = AuditEvent.objects.filter(pk=event_id, verb="transfer").select_related("actor").first()
    if event is None:
        return "no such event"
    new_owner = User.objects.filter(
        username=event.changes.get("owner", [None, None])[1], is_active=True
    ).first()
    if new_owner is None or not new_owner.email:
        return "no recipient"
    if not once(f"transfer-notice:{event_id}"):
        return "already sent"
    with translation.override(new_owner.language or None):
        context = {"event": event, "owner": new_owner}
        subject = render_to_string("customers/email/transfer_notice_subject.txt", context).strip()
        body = render_to_string("customers/email/transfer_notice.txt", context)
    send_mail(subject, body, None, [new_owner.email])
    return "sent"


def notify_new_owner(event) -> None:
    """Handler of `record_transferred` (records/events.py, after commit) for the kinds whose new
    owner is told by mail: a record handed to someone else than the actor is announced to them."""
    new_owner = event.payload.get("new_owner")
    if new_owner is not None and new_owner != getattr(event.actor, "pk", None):
        send_transfer_notice.delay(event.payload["audit_event"])


# --- export jobs (customers/exports.py) ---------------------------------------------------------


@shared_task(name="guanxi.customers.tasks.run_export_job", acks_late=True)
def run_export_job(job_id: int) -> str:
    """Write a queued export's file; safe to deliver twice (only one run claims the job)."""
    from .exports import run_export

    return run_export(job_id)


def start_export(job_id: int) -> None:
    """Start a queued export (called after the job's transaction has committed).

    With a broker, a Celery worker runs it. In embedded mode (no REDIS_URL) Celery runs tasks
    eagerly, i.e. inside the request that asked; an export of 100,000 rows would hold that
    request for a minute and the progress page could never show. So embedded mode runs it in
    a daemon thread of the serving process instead: the request returns at once and the page
    polls the job. (A job that dies with its process stays "running"; exports are re-asked.)
    """
    if settings.CELERY_TASK_ALWAYS_EAGER:
        _in_thread(job_id)
    else:
        run_export_job.delay(job_id)


def _in_thread(job_id: int) -> None:
    def run() -> None:
        try:
            run_export_job(job_id)
        finally:
            connections.close_all()  # the thread's own database connections

    threading.Thread(target=run, name=f"export-{job_id}", daemon=True).start()
