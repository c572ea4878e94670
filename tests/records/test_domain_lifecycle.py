"""Every domain's delete, restore and transfer go through records.lifecycle: a stale version is a
conflict for all of them (the customers' transfer and restore used to bump the version without
checking the one the caller started from), and an unchanged version goes through."""

from __future__ import annotations

import pytest

from guanxi.core.errors import VersionConflict
from guanxi.customers.directory import services as customers
from guanxi.engagement.followups import services as followups
from guanxi.engagement.models import Task
from guanxi.engagement.tasks import services as tasks
from guanxi.records.models import OutboxEvent
from tests.factories import AccountFactory, ContactFactory


@pytest.fixture
def records(org):
    rep = org["rep1"]
    account = AccountFactory(owner=rep, name="版本检查有限公司")
    return {
        "account": (account, customers.account_transfer, customers.account_restore, customers.account_delete),
        "contact": (
            ContactFactory(owner=rep, name="版本联系人", account=account.pk),
            customers.contact_transfer,
            customers.contact_restore,
            customers.contact_delete,
        ),
        "activity": (
            followups.activity_create(
                actor=rep, data={"kind": "call", "account": account.pk, "subject": "回访"}
            ),
            followups.activity_transfer,
            followups.activity_restore,
            followups.activity_delete,
        ),
    }


def _call(service, kind, **kw):
    return service(**{kind: kw.pop("obj")}, **kw)


@pytest.mark.parametrize("kind", ["account", "contact", "activity"])
def test_a_stale_transfer_is_a_conflict(records, org, kind):
    obj, transfer, _restore, _delete = records[kind]
    stale = obj.version - 1 if obj.version > 1 else obj.version + 1
    with pytest.raises(VersionConflict):
        _call(transfer, kind, actor=org["manager1"], obj=obj, owner="rep2", version=stale)
    obj.refresh_from_db()
    assert obj.owner == org["rep1"]
    _call(transfer, kind, actor=org["manager1"], obj=obj, owner="rep2", version=obj.version)
    obj.refresh_from_db()
    assert obj.owner == org["rep2"]
    assert OutboxEvent.objects.filter(name="record_transferred", object_id=obj.pk, object_type=kind).exists()


@pytest.mark.parametrize("kind", ["account", "contact", "activity"])
def test_a_stale_restore_is_a_conflict(records, org, kind):
    obj, _transfer, restore, delete = records[kind]
    rep = org["rep1"]
    _call(delete, kind, actor=rep, obj=obj, version=obj.version)
    binned = type(obj)._base_manager.get(pk=obj.pk)
    with pytest.raises(VersionConflict):
        _call(restore, kind, actor=rep, obj=binned, version=binned.version - 1)
    assert type(obj)._base_manager.get(pk=obj.pk).deleted_at is not None
    _call(restore, kind, actor=rep, obj=binned, version=binned.version)
    assert type(obj)._base_manager.get(pk=obj.pk).deleted_at is None


def test_a_task_restore_checks_the_version(org):
    rep = org["rep1"]
    task = Task.objects.create(title="准备报价", owner=rep, assignee=rep)
    tasks.task_delete(actor=rep, task=task, version=task.version)
    with pytest.raises(VersionConflict):
        tasks.task_restore(actor=rep, task=task, version=task.version - 1)
    tasks.task_restore(actor=rep, task=task, version=task.version)
    task.refresh_from_db()
    assert task.deleted_at is None
    assert OutboxEvent.objects.filter(name="record_restored", object_type="task", object_id=task.pk).exists()


def test_a_transfer_with_contacts_moves_the_contacts_too(records, org):
    account, *_ = records["account"]
    contact, *_ = records["contact"]
    customers.account_transfer(actor=org["manager1"], account=account, owner="rep2", with_contacts=True)
    contact.refresh_from_db()
    assert contact.owner == org["rep2"]


@pytest.mark.parametrize("resource", ["accounts", "contacts"])
def test_the_api_refuses_a_stale_transfer_or_restore_with_412(api, org, resource):
    from tests.helpers import assert_error, post_json

    factory = AccountFactory if resource == "accounts" else ContactFactory
    record = factory(owner=org["rep1"], name="过期版本有限公司")
    client = api("manager1")
    path = f"/api/v1/{resource}/{record.pk}"
    stale = f'"{record.version + 5}"'
    assert_error(post_json(client, f"{path}/transfer", {"owner": "rep2"}, HTTP_IF_MATCH=stale), 412)
    response = post_json(client, f"{path}/transfer", {"owner": "rep2"}, HTTP_IF_MATCH=f'"{record.version}"')
    assert response.status_code == 200 and response.json()["owner"]["username"] == "rep2"
    version = response.json()["version"]
    assert client.delete(path, HTTP_IF_MATCH=f'"{version}"').status_code == 204
    assert_error(client.post(f"{path}/restore", HTTP_IF_MATCH=f'"{version}"'), 412)  # the delete moved it
    response = client.post(f"{path}/restore", HTTP_IF_MATCH=f'"{version + 1}"')
    assert response.status_code == 200 and response["ETag"] == f'"{version + 2}"'
