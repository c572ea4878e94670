"""The nightly reclaim job: each rule and tier with frozen dates (--as-of), locked records exempt,
the first pool of a member takes their records, reminders once, contacts move along."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone

AS_OF = dt.date(2031, 6, 1)


@pytest.fixture(autouse=True)
def _english_recipients(org):
    """Reminders and notices go out in each owner's language (the demo users have none, so the
    site's zh-hans); the texts are asserted in English here."""
    from guanxi.org.models import User

    User.objects.filter(pk__in=[u.pk for u in org.values()]).update(language="en")


def at(days_before: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(AS_OF, dt.time.min)) - dt.timedelta(days=days_before)


def make_pool(admin, **data):
    from guanxi.sales.pools import services_admin

    payload = {"name": "华东公海", "kind": "customer", "members": ["rep1", "rep2"]}
    payload.update(data)
    return services_admin.pool_create(actor=admin, data=payload)


def account(org, owner, name, *, since_days, contact_days=None, tier="", created_days=None):
    from guanxi.customers.directory import services as customers
    from guanxi.customers.models import Account

    a = customers.account_create(actor=org[owner], data={"name": name, "tier": tier})
    Account._base_manager.filter(pk=a.pk).update(
        owned_since=at(since_days) if since_days is not None else None,
        created_at=at(created_days if created_days is not None else (since_days or 0) + 1),
        last_contact_at=at(contact_days) if contact_days is not None else None,
    )
    return a.pk


def run(as_of=AS_OF) -> str:
    from io import StringIO

    out = StringIO()
    call_command("runjob", "pool-reclaim", "--as-of", as_of.isoformat(), stdout=out)
    return out.getvalue()


def owner_of(pk):
    from guanxi.customers.models import Account

    a = Account._base_manager.get(pk=pk)
    return a.owner.username if a.owner_id else None, a.pool_id


def test_no_followup_per_tier_and_locked_exempt(org):
    from guanxi.audit.models import AuditEvent
    from guanxi.customers.directory import services as customers
    from guanxi.customers.models import Account, Contact
    from guanxi.engagement.models import Notification
    from guanxi.sales.models import PoolEvent
    from guanxi.search.models import SearchDocument

    pool = make_pool(
        org["admin"],
        rules=[
            {"kind": "no_followup", "days": 30, "tier": "A"},
            {"kind": "no_followup", "days": 10, "tier": None},
        ],
    )
    a_old = account(org, "rep1", "A级沉睡客户", since_days=60, contact_days=31, tier="A")
    a_recent = account(org, "rep1", "A级近期客户", since_days=60, contact_days=29, tier="A")
    b_old = account(org, "rep2", "B级沉睡客户", since_days=60, contact_days=11, tier="B")
    b_new_claim = account(org, "rep2", "刚认领的客户", since_days=5, contact_days=100, tier="B")
    never = account(org, "rep1", "从未跟进客户", since_days=None, created_days=40)
    locked = account(org, "rep1", "锁定的客户", since_days=60, contact_days=60, tier="C")
    Account._base_manager.filter(pk=locked).update(pool_locked=True)
    outsider = account(org, "rep3", "非成员客户", since_days=60, contact_days=60)
    contact = customers.contact_create(actor=org["rep1"], data={"name": "随客户回池", "account": a_old})

    summary = run()
    assert "3 records back" in summary
    assert owner_of(a_old) == (None, pool.pk)
    assert owner_of(b_old) == (None, pool.pk)
    assert owner_of(never) == (None, pool.pk)  # owned_since NULL → created_at
    assert owner_of(a_recent) == ("rep1", None)  # tier A has 30 days
    assert owner_of(b_new_claim) == ("rep2", None)  # counted from the later of claim and follow-up
    assert owner_of(locked) == ("rep1", None)
    assert owner_of(outsider) == ("rep3", None)  # not a member of any pool
    assert Contact._base_manager.get(pk=contact.pk).owner_id is None
    event = PoolEvent.objects.get(object_id=a_old, action="reclaim")
    assert event.from_owner == org["rep1"] and event.reason == "No follow-up for 30 days (tier A)"
    assert PoolEvent.objects.get(object_id=b_old, action="reclaim").reason == "No follow-up for 10 days"
    audit = AuditEvent.objects.get(object_type="account", object_id=a_old, verb="transfer")
    assert audit.changes["owner"] == ["rep1", None] and audit.actor_label == "system"
    assert (
        AuditEvent.objects.filter(object_type="contact", object_id=contact.pk, verb="transfer").count() == 1
    )
    assert SearchDocument.objects.get(object_type="account", object_id=a_old).owner_id is None
    notes = Notification.objects.filter(kind="pool").order_by("user__username")
    assert [(n.user.username, n.title) for n in notes] == [
        ("rep1", "2 records went back to the shared pool"),
        ("rep2", "1 record went back to the shared pool"),
    ]
    # twice the same day: nothing more
    assert "0 records back" in run()
    assert Notification.objects.filter(kind="pool").count() == 2


def test_no_opportunity_and_not_won(org):
    from guanxi.customers.models import Account
    from guanxi.sales.models import Opportunity, Pipeline, Stage

    make_pool(
        org["admin"],
        rules=[
            {"kind": "no_opportunity", "days": 20, "tier": None},
            {"kind": "not_won", "days": 90, "tier": None},
        ],
    )
    pipeline = Pipeline.objects.create(name_en="P")
    open_stage = Stage.objects.create(pipeline=pipeline, name_en="Open", type="open", probability=20)
    won_stage = Stage.objects.create(pipeline=pipeline, name_en="Won", type="won", probability=100)

    def deal(pk, stage):
        Opportunity.objects.create(
            name="d",
            account_id=pk,
            pipeline=pipeline,
            stage=stage,
            stage_type=stage.type,
            probability=stage.probability,
            owner=org["rep1"],
        )

    without = account(org, "rep1", "无商机", since_days=21, contact_days=1)
    with_open = account(org, "rep1", "有商机", since_days=21, contact_days=1)
    deal(with_open, open_stage)
    long_open = account(org, "rep1", "久未成交", since_days=91, contact_days=1)
    deal(long_open, open_stage)
    long_won = account(org, "rep1", "已成交", since_days=91, contact_days=1)
    deal(long_won, won_stage)
    deal(long_won, open_stage)
    run()
    assert Account._base_manager.get(pk=without).owner_id is None
    assert Account._base_manager.get(pk=with_open).owner_id == org["rep1"].pk
    assert Account._base_manager.get(pk=long_open).owner_id is None
    assert Account._base_manager.get(pk=long_won).owner_id == org["rep1"].pk


def test_first_pool_of_a_member_takes_their_records(org):
    first = make_pool(
        org["admin"],
        name="第一",
        order=1,
        members=["rep1"],
        rules=[{"kind": "no_followup", "days": 10, "tier": None}],
    )
    second = make_pool(
        org["admin"],
        name="第二",
        order=2,
        members=["rep1", "rep2"],
        rules=[{"kind": "no_followup", "days": 10, "tier": None}],
    )
    a = account(org, "rep1", "甲", since_days=30)
    b = account(org, "rep2", "乙", since_days=30)
    run()
    assert owner_of(a) == (None, first.pk)
    assert owner_of(b) == (None, second.pk)


def test_reminders_once_per_record_with_a_task(org):
    from guanxi.engagement.models import Notification, Task
    from guanxi.sales.models import PoolEvent

    make_pool(org["admin"], reminder_days=3, rules=[{"kind": "no_followup", "days": 30, "tier": None}])
    soon = account(org, "rep1", "快到期客户", since_days=60, contact_days=28)
    later = account(org, "rep1", "还早的客户", since_days=60, contact_days=10)
    run()
    assert owner_of(soon) == ("rep1", None)
    tasks = list(Task._base_manager.filter(account_id__in=[soon, later]))
    assert len(tasks) == 1 and tasks[0].account_id == soon and tasks[0].assignee == org["rep1"]
    assert "before 2031-06-04" in tasks[0].title and "returns to the pool" in tasks[0].title
    assert Notification.objects.filter(user=org["rep1"], kind="pool").count() == 1
    run(AS_OF + dt.timedelta(days=1))  # the next night: not again
    assert Task._base_manager.filter(account_id=soon).count() == 1
    assert PoolEvent.objects.filter(object_id=soon, action="remind").count() == 1
    run(AS_OF + dt.timedelta(days=3))  # reclaim day
    assert owner_of(soon)[0] is None


def test_lead_pools(org):
    from guanxi.sales.models import Lead

    pool = make_pool(
        org["admin"],
        kind="lead",
        name="线索池",
        rules=[
            {"kind": "no_followup", "days": 7, "tier": None},
            {"kind": "no_opportunity", "days": 1, "tier": None},
        ],
    )
    old = Lead.objects.create(name="老线索", owner=org["rep1"], owned_since=at(30), created_at=at(30))
    fresh = Lead.objects.create(name="新线索", owner=org["rep1"], owned_since=at(2), created_at=at(30))
    converted = Lead.objects.create(
        name="已转化", owner=org["rep1"], owned_since=at(30), created_at=at(30), status="converted"
    )
    run()
    old.refresh_from_db()
    fresh.refresh_from_db()
    converted.refresh_from_db()
    assert old.owner_id is None and old.pool_id == pool.pk
    assert fresh.owner_id == org["rep1"].pk  # no_opportunity does not apply to leads
    assert converted.owner_id == org["rep1"].pk


def test_reclaim_query_uses_an_index_on_postgresql(org):
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    from guanxi.sales.pools import reclaim

    pool = make_pool(org["admin"], rules=[{"kind": "no_followup", "days": 30, "tier": None}])
    [(pool, members)] = reclaim.pool_plan()
    cond = reclaim._conditions(pool, at(0))[0][0]
    qs = reclaim._owned_base(pool, members).filter(cond)
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        plan = qs.explain()
        cursor.execute("RESET enable_seqscan")
    assert "Index" in plan and "Seq Scan" not in plan, plan  # an index serves the owners' records
