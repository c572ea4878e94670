"""The recycle bin's purge (guanxi/records/purge.py): every kind, after RECYCLE_BIN_DAYS, with its audit
row, no search row left behind, and never a live record taken along."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from guanxi.audit.models import AuditEvent
from guanxi.core import registry
from guanxi.core.jobs import run_job
from guanxi.customers.models import Account
from guanxi.engagement.models import Activity, Attachment, Task
from guanxi.records import lifecycle
from guanxi.records.purge import purge, purge_order
from guanxi.sales.models import Lead, Opportunity
from guanxi.search.models import SearchDocument

pytestmark = pytest.mark.django_db

LONG_AGO = dt.timedelta(days=40)


def age(obj, by=LONG_AGO):
    """Move a record in the bin back in time (as if deleted `by` ago), with what went there with it."""
    moment = type(obj)._base_manager.get(pk=obj.pk).deleted_at
    for kind in registry.kinds(recycle_bin=True):
        kind.model_class._base_manager.filter(deleted_at=moment).update(deleted_at=moment - by)


def alive(obj) -> bool:
    return type(obj)._base_manager.filter(pk=obj.pk).exists()


def purged_with_audit(kind: str, pk: int) -> bool:
    return AuditEvent.objects.filter(verb="purge", object_type=kind, object_id=pk).exists()


def test_an_account_binned_with_its_deals_and_files_goes_with_them_and_leaves_its_live_records(
    customer, media, django_capture_on_commit_callbacks
):
    c, rep = customer, customer["rep"]
    account = c["account"]
    lifecycle.delete(actor=rep, obj=account, version=account.version)
    age(account)
    stored_name = c["attachment"].file.name
    assert (media / stored_name).exists()

    with django_capture_on_commit_callbacks(execute=True):
        summary = run_job("purge-recycle-bin", as_of=timezone.localdate())

    assert "account=1" in summary and "opportunity=1" in summary and "attachment=1" in summary
    for kind, obj in (
        ("account", account),
        ("opportunity", c["opportunity"]),
        ("attachment", c["attachment"]),
    ):
        assert not alive(obj) and purged_with_audit(kind, obj.pk)
        assert not SearchDocument.objects.filter(object_type=kind, object_id=obj.pk).exists()
    assert not (media / stored_name).exists()  # the stored file went after commit
    # the live records that only pointed at it stay, detached
    for obj in (c["contact"], c["activity"], c["task"], c["lead"]):
        row = type(obj)._base_manager.get(pk=obj.pk)
        assert row.deleted_at is None and row.account_id is None
    assert "purged nothing" in run_job("purge-recycle-bin", as_of=timezone.localdate())  # idempotent


def test_purging_an_account_whose_opportunities_are_live_keeps_them_and_the_account(customer):
    """Data loss before the record platform: the account's purge deleted its live deals by cascade."""
    c, rep = customer, customer["rep"]
    account, deal = c["account"], c["opportunity"]
    # binned the old way (customers' own soft delete): the deal stayed live
    Account._base_manager.filter(pk=account.pk).update(deleted_at=timezone.now() - LONG_AGO, deleted_by=rep)

    counts = purge(older_than=timezone.now() - dt.timedelta(days=30))

    assert alive(deal) and Opportunity.objects.filter(pk=deal.pk, deleted_at__isnull=True).exists()
    assert alive(account) and counts.get("kept") == 1 and "account" not in counts
    assert not purged_with_audit("opportunity", deal.pk)
    assert SearchDocument.objects.filter(object_type="opportunity", object_id=deal.pk).exists()


def test_records_not_yet_due_stay_and_hold_what_they_depend_on(customer):
    rep, account, deal = customer["rep"], customer["account"], customer["opportunity"]
    lifecycle.delete(actor=rep, obj=deal, version=deal.version)  # binned yesterday
    Account._base_manager.filter(pk=account.pk).update(deleted_at=timezone.now() - LONG_AGO)
    counts = purge(older_than=timezone.now() - dt.timedelta(days=30))
    assert alive(deal) and alive(account) and counts == {"kept": 1}


def test_every_kind_with_a_recycle_bin_is_purged_after_30_days(customer, org, media):
    from guanxi.sales.pipelines.services_admin import pipeline_create
    from guanxi.sales.pools.services_admin import pool_create
    from guanxi.sales.webforms.services import lead_form_create

    admin = org["admin"]
    stages = [
        {"name": "A", "type": "open", "probability": 10},
        {"name": "W", "type": "won"},
        {"name": "L", "type": "lost"},
    ]
    records = {
        "pool": pool_create(actor=admin, data={"name": "过期公海", "kind": "customer"}),
        "lead_form": lead_form_create(
            actor=admin, data={"name": "Old", "slug": "old-form", "fields": ["name"]}
        ),
        "pipeline": pipeline_create(actor=admin, data={"name": "旧流程", "stages": stages}),
        **{
            k: customer[k]
            for k in ("account", "contact", "activity", "task", "attachment", "lead", "opportunity")
        },
    }
    assert set(records) == {k.name for k in registry.kinds(recycle_bin=True)}, "a kind without a purge test"
    for kind in purge_order()[::-1]:  # parents first: their dependents go to the bin with them
        obj = type(records[kind.name])._base_manager.get(pk=records[kind.name].pk)
        if obj.deleted_at is None:
            lifecycle.delete(actor=admin, obj=obj, version=getattr(obj, "version", None))
    for model in {type(o) for o in records.values()}:
        model._base_manager.update(deleted_at=timezone.now() - LONG_AGO)

    counts = purge(older_than=timezone.now() - dt.timedelta(days=30))

    for kind, obj in records.items():
        assert not alive(obj), kind
        assert purged_with_audit(kind, obj.pk), kind
    assert not SearchDocument.objects.exists()
    assert "kept" not in counts
    assert not (Activity._base_manager.exists() or Task._base_manager.exists() or Lead._base_manager.exists())
    assert not Attachment._base_manager.exists()
