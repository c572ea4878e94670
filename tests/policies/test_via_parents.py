"""Records that belong to customers (follow-ups, tasks) are read through their customers.

policies.access: POLICY_VIA widens *reads* to whoever may read the linked account or contact;
POLICY_ASSIGNEE lets a task's assignee read and update it. Writes stay with the owner's scope.
"""

import pytest
from django.utils import timezone

from guanxi.engagement.models import Activity, ActivityContact, Task
from guanxi.policies import access
from tests.factories import AccountFactory, ContactFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def records(org):
    account = AccountFactory(owner=org["rep1"])
    contact = ContactFactory(owner=org["rep2"])
    on_account = Activity.objects.create(kind="call", owner=org["rep3"], account=account)
    on_contact = Activity.objects.create(kind="visit", owner=org["rep3"])
    ActivityContact.objects.create(activity=on_contact, contact=contact, occurred_at=timezone.now())
    # linked to the same contact twice over (account and contact): still one row in a scope
    ActivityContact.objects.create(activity=on_account, contact=contact, occurred_at=timezone.now())
    return {"account": account, "contact": contact, "on_account": on_account, "on_contact": on_contact}


def _visible(user, model=Activity):
    return list(access.scope(user, model).order_by("id").values_list("id", flat=True))


def test_reads_follow_the_customer(org, records):
    a, c = records["on_account"].pk, records["on_contact"].pk
    assert _visible(org["rep1"]) == [a]  # reads the account only
    assert _visible(org["rep2"]) == [a, c]  # reads the contact, linked from both
    assert _visible(org["rep3"]) == [a, c]  # owns both
    assert _visible(org["manager1"]) == [a, c]  # East team's account and contact
    assert _visible(org["director"]) == [a, c]
    assert _visible(org["inactive"]) == []


def test_can_matches_scope(org, records):
    for user in ("rep1", "rep2", "rep3", "manager1", "agent1", "marketer1", "inactive"):
        for activity in (records["on_account"], records["on_contact"]):
            assert access.can(org[user], "read", activity) == (activity.pk in _visible(org[user])), user


def test_writes_stay_with_the_owner_scope(org, records):
    activity = records["on_account"]
    assert not access.can(org["rep1"], "update", activity)
    assert not access.can(org["rep1"], "delete", activity)
    assert access.can(org["rep3"], "update", activity)
    assert not access.scope(org["rep1"], Activity, "delete").exists()


def test_a_deleted_customer_no_longer_opens_the_way(org, records):
    from guanxi.customers.models import Account

    Account._base_manager.filter(pk=records["account"].pk).update(deleted_at=timezone.now())
    assert _visible(org["rep1"]) == []


def test_assignee_reads_and_updates_a_task(org, records):
    task = Task.objects.create(title="回访", owner=org["rep3"], assignee=org["rep1"])
    assert _visible(org["rep1"], Task) == [task.pk]
    assert access.can(org["rep1"], "update", task)
    assert not access.can(org["rep1"], "delete", task)
    assert _visible(org["rep2"], Task) == []
