"""The one record lifecycle (guanxi/records/lifecycle.py): bin, restore, transfer, for any kind."""

from __future__ import annotations

import pytest

from guanxi.audit.models import AuditEvent
from guanxi.core.errors import PermissionDenied, ValidationFailed, VersionConflict
from guanxi.customers.models import Account, Contact
from guanxi.engagement.models import Activity, Attachment, Task
from guanxi.records import lifecycle
from guanxi.records.models import OutboxEvent
from guanxi.sales.models import Lead, Opportunity
from guanxi.search.models import SearchDocument

pytestmark = pytest.mark.django_db


def fresh(obj):
    return type(obj)._base_manager.get(pk=obj.pk)


def indexed(kind: str, pk: int) -> bool:
    return SearchDocument.objects.filter(object_type=kind, object_id=pk).exists()


def test_an_account_goes_to_the_bin_with_its_deals_and_files_and_leaves_the_rest(customer):
    c, rep = customer, customer["rep"]
    account = c["account"]
    assert indexed("opportunity", c["opportunity"].pk)

    lifecycle.delete(actor=rep, obj=account, version=account.version)

    account, deal, stored = fresh(account), fresh(c["opportunity"]), fresh(c["attachment"])
    assert account.deleted_at is not None and account.deleted_by == rep
    # binned with it, at the same moment, with their own audit rows and out of the index
    assert deal.deleted_at == account.deleted_at and stored.deleted_at == account.deleted_at
    assert AuditEvent.objects.filter(verb="delete", object_type="opportunity", object_id=deal.pk).exists()
    assert not indexed("account", account.pk) and not indexed("opportunity", deal.pk)
    # what is only linked to it stays as it was
    for obj in (c["contact"], c["activity"], c["task"], c["lead"]):
        assert fresh(obj).deleted_at is None
    event = OutboxEvent.objects.get(name="record_deleted", object_type="account", object_id=account.pk)
    assert event.payload["with_it"] == {"opportunity": [deal.pk], "attachment": [stored.pk]}


def test_restore_brings_back_what_went_with_the_record_and_not_what_went_alone(customer):
    c, rep = customer, customer["rep"]
    other_deal = Opportunity._base_manager.get(pk=c["opportunity"].pk)
    lifecycle.delete(actor=rep, obj=other_deal, version=other_deal.version)  # binned on its own first
    account = c["account"]
    lifecycle.delete(actor=rep, obj=account, version=account.version)
    account = fresh(account)

    lifecycle.restore(actor=rep, obj=account, version=account.version)

    assert fresh(account).deleted_at is None and indexed("account", account.pk)
    assert fresh(c["attachment"]).deleted_at is None  # went with it, back with it
    assert fresh(other_deal).deleted_at is not None  # went alone earlier: stays in the bin


def test_a_record_that_went_with_its_parent_comes_back_only_with_it(customer):
    rep, account = customer["rep"], customer["account"]
    lifecycle.delete(actor=rep, obj=account, version=account.version)
    deal = fresh(customer["opportunity"])
    with pytest.raises(ValidationFailed) as err:
        lifecycle.restore(actor=rep, obj=deal)
    assert "account" in err.value.fields
    assert fresh(deal).deleted_at is not None


def test_versions_are_checked_on_delete_restore_and_transfer(customer, org):
    rep, contact = customer["rep"], customer["contact"]
    with pytest.raises(VersionConflict):
        lifecycle.delete(actor=rep, obj=contact, version=contact.version - 1)
    assert fresh(contact).deleted_at is None
    lifecycle.delete(actor=rep, obj=contact, version=contact.version)
    contact = fresh(contact)
    with pytest.raises(VersionConflict):
        lifecycle.restore(actor=rep, obj=contact, version=contact.version - 1)
    lifecycle.restore(actor=rep, obj=contact, version=contact.version)
    contact = fresh(contact)
    with pytest.raises(VersionConflict):
        lifecycle.transfer(actor=rep, obj=contact, owner="rep2", version=contact.version - 1)
    assert fresh(contact).owner == rep


def test_a_concurrent_writer_loses_instead_of_overwriting(customer):
    rep, account = customer["rep"], customer["account"]
    stale = Account._base_manager.get(pk=account.pk)
    lifecycle.transfer(actor=rep, obj=account, owner="rep2")
    with pytest.raises(VersionConflict):
        lifecycle.delete(actor=rep, obj=stale, version=None)  # it read version n, the row is at n + 1


def test_transfer_moves_the_owner_with_audit_index_and_event(customer, org):
    rep, deal = customer["rep"], customer["opportunity"]
    lifecycle.transfer(actor=rep, obj=deal, owner="rep2", reason="休假")
    deal = fresh(deal)
    assert deal.owner == org["rep2"]
    row = AuditEvent.objects.filter(verb="transfer", object_type="opportunity", object_id=deal.pk).get()
    assert row.changes == {"owner": ["rep1", "rep2"], "reason": [None, "休假"]}
    assert SearchDocument.objects.get(object_type="opportunity", object_id=deal.pk).owner_id == org["rep2"].pk
    assert OutboxEvent.objects.filter(name="record_transferred", object_id=deal.pk).exists()
    # the same owner again changes nothing
    version = deal.version
    lifecycle.transfer(actor=org["rep2"], obj=deal, owner=org["rep2"])
    assert fresh(deal).version == version


@pytest.mark.parametrize("owner", ["", "nobody", "inactive", "rep2\x00", None, 7])
def test_transfer_to_no_active_user_is_a_field_error(customer, owner):
    with pytest.raises(ValidationFailed) as err:
        lifecycle.transfer(actor=customer["rep"], obj=customer["contact"], owner=owner)
    assert err.value.fields == {"owner": ["Choose an active user."]}


def test_permission_is_checked_before_anything_is_written(customer, org):
    account = customer["account"]
    for user in ("rep2", "agent1", "marketer1"):  # agent1 and marketer1 may read, not delete
        with pytest.raises(PermissionDenied):
            lifecycle.delete(actor=org[user], obj=account, version=account.version)
    with pytest.raises(PermissionDenied):
        lifecycle.transfer(actor=org["agent1"], obj=account, owner="agent1")
    assert fresh(account).deleted_at is None and fresh(account).owner == customer["rep"]
    assert not AuditEvent.objects.filter(object_type="account", verb__in=["delete", "transfer"]).exists()


def test_a_protecting_parent_cannot_go_to_the_bin_while_records_point_at_it(org):
    from guanxi.sales.models import Pool
    from guanxi.sales.pools import services_admin as pools

    pool = pools.pool_create(actor=org["admin"], data={"name": "线索公海", "kind": "lead"})
    lead = Lead.objects.create(name="公海线索", pool=pool)
    with pytest.raises(lifecycle.Protected) as err:
        lifecycle.delete(actor=org["admin"], obj=pool, version=pool.version)
    assert err.value.status == 409 and "pool" in err.value.fields
    assert Pool._base_manager.get(pk=pool.pk).deleted_at is None
    Lead._base_manager.filter(pk=lead.pk).update(pool=None, owner=org["rep1"])
    lifecycle.delete(actor=org["admin"], obj=pool, version=pool.version)
    assert Pool._base_manager.get(pk=pool.pk).deleted_at is not None


def test_files_follow_their_own_rule_and_have_no_version(customer, org):
    stored = customer["attachment"]
    with pytest.raises(PermissionDenied):
        lifecycle.delete(actor=org["rep3"], obj=stored, version=None)
    lifecycle.delete(actor=customer["rep"], obj=stored, version=None)
    assert fresh(stored).deleted_at is not None
    lifecycle.restore(actor=customer["rep"], obj=fresh(stored))
    assert fresh(stored).deleted_at is None


def test_unused_models_are_untouched(customer):
    assert Contact.objects.count() == 1 and Activity.objects.count() == 1 and Task.objects.count() == 1
    assert Attachment.objects.count() == 1
