"""Engagement tells the apps above it what happened through domain events (records/events.py)
instead of importing them: sales rescores a lead after a follow-up on it is committed, and the bell
rings for a finished export; every event is kept in the outbox."""

from __future__ import annotations

import pytest

from guanxi.engagement.followups import services as followups
from guanxi.records.models import OutboxEvent
from tests.sales.test_scoring_rules import fresh, make_lead, make_rule

pytestmark = pytest.mark.django_db


def test_a_follow_up_on_a_lead_rescores_it_after_commit(org, django_capture_on_commit_callbacks):
    make_rule(org, name="Replied", kind="activity", operator="inbound_reply", value=2, points=20)
    lead = make_lead(org)
    with django_capture_on_commit_callbacks() as callbacks:
        activity = followups.activity_create(
            actor=org["rep1"],
            data={"kind": "call", "direction": "inbound", "lead": lead.pk, "subject": "回电"},
        )
        assert fresh(lead).score == 0  # not yet: sales hears of it once the follow-up is committed
    assert fresh(lead).last_contact_at == activity.occurred_at  # engagement's own summary: at once
    event = OutboxEvent.objects.get(name="activity_logged", object_type="activity", object_id=activity.pk)
    assert event.payload == {"account": None, "contacts": [], "lead": lead.pk}
    assert event.actor == org["rep1"]
    for callback in callbacks:
        callback()
    assert fresh(lead).score == 20


def test_a_follow_up_moved_off_or_binned_rescores_its_lead(org, django_capture_on_commit_callbacks):
    make_rule(org, name="Replied", kind="activity", operator="inbound_reply", value=2, points=20)
    lead = make_lead(org)
    with django_capture_on_commit_callbacks(execute=True):
        activity = followups.activity_create(
            actor=org["rep1"],
            data={"kind": "call", "direction": "inbound", "lead": lead.pk, "subject": "回电"},
        )
    assert fresh(lead).score == 20
    with django_capture_on_commit_callbacks(execute=True):
        followups.activity_delete(actor=org["rep1"], activity=activity, version=activity.version)
    assert fresh(lead).score == 0
    with django_capture_on_commit_callbacks(execute=True):
        followups.activity_restore(actor=org["rep1"], activity=activity, version=activity.version)
    assert fresh(lead).score == 20
    with django_capture_on_commit_callbacks(execute=True):
        followups.activity_update(
            actor=org["rep1"], activity=activity, version=activity.version, data={"direction": "outbound"}
        )
    assert fresh(lead).score == 0
    event = OutboxEvent.objects.filter(name="activity_updated", object_id=activity.pk).get()
    assert event.payload == {"fields": ["direction"], "leads": [lead.pk]}


def test_a_rolled_back_follow_up_rescores_nothing(org, django_capture_on_commit_callbacks):
    from django.db import transaction

    make_rule(org, name="Replied", kind="activity", operator="inbound_reply", value=2, points=20)
    lead = make_lead(org)
    with django_capture_on_commit_callbacks() as callbacks:
        try:
            with transaction.atomic():
                followups.activity_create(
                    actor=org["rep1"],
                    data={"kind": "call", "direction": "inbound", "lead": lead.pk, "subject": "回电"},
                )
                raise RuntimeError("rolled back")
        except RuntimeError:
            pass
    assert callbacks == []
    assert not OutboxEvent.objects.filter(name="activity_logged").exists()
    assert fresh(lead).score == 0


def test_a_finished_export_rings_the_bell(org):
    from guanxi.core.models import ExportJob
    from guanxi.engagement.models import Notification
    from guanxi.records.exports import run_export
    from tests.factories import AccountFactory

    AccountFactory(owner=org["rep1"], name="导出通知有限公司")
    job = ExportJob.objects.create(user=org["director"], object_type="account", format="csv", params={})
    assert run_export(job.pk).startswith("done")
    bell = Notification.objects.get(user=org["director"], kind="export_ready")
    assert (bell.object_type, bell.object_id) == ("export_job", job.pk)
    assert bell.url == f"/exports/{job.pk}/"
    event = OutboxEvent.objects.get(name="export_ready")
    assert (event.object_type, event.object_id, event.actor_id, event.payload["url"]) == (
        "export_job",
        job.pk,
        org["director"].pk,
        f"/exports/{job.pk}/",
    )
