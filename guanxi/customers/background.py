"""Background work of the customers app."""

from celery import shared_task
from django.core.mail import send_mail
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
