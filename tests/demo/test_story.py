"""The 360° demo data: follow-ups, tasks, custom fields, links, stages and health that agree
with one another, the same on every run, on SQLite (bulk_create) and PostgreSQL (COPY)."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import timedelta

import pytest
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import Count, Max
from django.utils import timezone

from guanxi.custom_fields.models import CustomFieldDef
from guanxi.customers.models import (
    Account,
    Contact,
    ContactAccount,
    CustomerSettings,
    Health,
    Lifecycle,
    PartnerLink,
    StageChange,
)
from guanxi.demo import generate, story
from guanxi.demo.bigcustomer import NAME as BIG_NAME
from guanxi.engagement.followups.services import refresh_customers
from guanxi.engagement.models import Activity, ActivityContact, Attachment, Notification, Task
from guanxi.search.models import SearchDocument

postgres_only = pytest.mark.skipif("connection.vendor != 'postgresql'", reason="PostgreSQL bulk loading")


def _expected_health(account, now, settings) -> str:
    days = settings.dormancy_days(account.tier)
    silent = now - (account.last_contact_at or account.created_at)
    if silent >= timedelta(days=days):
        return Health.DORMANT
    if silent >= timedelta(days=days) * 2 / 3:
        return Health.DRIFTING
    return Health.ACTIVE


def assert_consistent(now):
    """Every account's and contact's last contact, summary and next contact are what the
    follow-up services derive from its follow-ups, and its health follows the dormancy rule."""
    fields = ("id", "last_contact_at", "last_followup_summary", "next_contact_at")

    def derived():
        return [list(m._base_manager.order_by("id").values_list(*fields)) for m in (Account, Contact)]

    made = derived()
    refresh_customers(account_ids=[r[0] for r in made[0]], contact_ids=[r[0] for r in made[1]])
    assert derived() == made
    assert Account.objects.filter(next_contact_at__isnull=False).exists()
    settings = CustomerSettings.load()
    for account in Account.objects.all():
        if account.last_contact_at:
            assert account.created_at <= account.last_contact_at
        assert account.health == _expected_health(account, now, settings), account.pk


@pytest.mark.django_db
def test_demo_has_follow_ups_tasks_custom_fields_and_drifting_and_dormant_customers():
    before = timezone.now()
    call_command("demo-data")
    accounts = list(Account.objects.all())
    assert len(accounts) == 200

    # follow-ups: 5 … 35 per account, weighted toward call/visit/message/email, over the last year
    per_account = Counter(
        Activity.objects.filter(lead__isnull=True).values_list("account_id", flat=True)
    )  # not the leads
    assert set(per_account) == {a.pk for a in accounts}
    assert min(per_account.values()) >= 5 and max(per_account.values()) <= 35
    kinds = Counter(Activity.objects.values_list("kind", flat=True))
    assert sum(kinds[k] for k in ("call", "visit", "message", "email")) > 0.8 * sum(kinds.values())
    oldest = Activity.objects.order_by("occurred_at").first().occurred_at
    assert oldest >= before - timedelta(days=366)
    assert Activity.objects.filter(next_contact_at__isnull=False).exists()
    assert not Activity.objects.filter(created_at__gt=timezone.now()).exists()
    assert not Activity.objects.filter(occurred_at__gt=timezone.now()).exists()
    assert all("。" in a.content and a.subject for a in Activity.objects.all()[:50])
    assert ActivityContact.objects.count() > Activity.objects.count() * 0.8
    for link in ActivityContact.objects.select_related("activity", "contact")[
        :200
    ]:  # contacts of the same account
        assert (
            link.contact.account_id == link.activity.account_id
            and link.occurred_at == link.activity.occurred_at
        )

    # drifting ~10 %, dormant ~8 %, and the rule holds for every account and contact
    health = Counter(a.health for a in accounts)
    assert 8 <= health[Health.DRIFTING] <= 35 and 5 <= health[Health.DORMANT] <= 30
    assert_consistent(timezone.now())
    stages = Counter(a.lifecycle_stage for a in accounts)
    assert {Lifecycle.ACTIVE, Lifecycle.AT_RISK, Lifecycle.DORMANT, Lifecycle.PROSPECT} <= set(stages)
    assert all(
        a.lifecycle_stage in (Lifecycle.AT_RISK, Lifecycle.PROSPECT, Lifecycle.LOST)
        for a in accounts
        if a.health == Health.DRIFTING
    )
    assert len({a.relationship_level for a in accounts}) == 5
    # the stage history ends where each account stands
    final = {}
    for change in StageChange.objects.filter(field="lifecycle_stage").order_by("account_id", "at", "id"):
        final[change.account_id] = change.new
    assert all(final.get(a.pk, Lifecycle.PROSPECT) == a.lifecycle_stage for a in accounts)

    # custom fields: definitions with labels in three languages, values on most records
    defs = {(d.object_type, d.key): d for d in CustomFieldDef.objects.all()}
    assert set(defs) == {
        ("account", "region"),
        ("account", "annual_revenue"),
        ("account", "key_account"),
        ("contact", "birthday"),
        ("contact", "hobby"),
    }
    region = defs["account", "region"]
    assert region.type == "choice" and {c["label_zh_hans"] for c in region.choices} >= {
        "华东",
        "华南",
        "华北",
    }
    assert all(c["label_en"] and c["label_zh_hant"] for c in region.choices)
    assert sum(1 for a in accounts if a.custom_fields.get("annual_revenue")) > 0.7 * len(accounts)
    assert all(
        a.custom_fields["region"] in {c["value"] for c in region.choices}
        for a in accounts
        if "region" in a.custom_fields
    )
    assert Contact.objects.exclude(custom_fields={}).count() > 0.5 * 600
    from guanxi.custom_fields.values import clean_value  # the values are in their stored form

    for record in [*accounts[:60], *Contact.objects.all()[:60]]:
        for key, value in record.custom_fields.items():
            assert clean_value(defs[record.POLICY_OBJECT_TYPE, key], value) == value, (key, value)

    # links: a primary link per contact mirroring Contact.account, some secondary ones with roles
    primary = dict(ContactAccount.objects.filter(is_primary=True).values_list("contact_id", "account_id"))
    assert primary == dict(Contact.objects.values_list("id", "account_id"))
    secondary = list(ContactAccount.objects.filter(is_primary=False))
    assert secondary and all(link.role for link in secondary)
    parents = Account.objects.annotate(n=Count("subsidiaries")).filter(n__gt=0)
    assert parents.count() == 5 and all(2 <= p.n <= 4 for p in parents)
    partners = Account.objects.exclude(partner_type="")
    assert partners.count() == 5 and PartnerLink.objects.filter(partner__in=partners).count() >= 10

    # tasks of every kind, for the reps and managers, some with reminders
    now = timezone.now()
    days = {
        timezone.localdate(before),
        timezone.localdate(now),
    }  # the demo's today, even if midnight came since
    tasks = list(Task.objects.select_related("assignee"))
    assert {t.assignee.username for t in tasks} <= {"director", "manager1", "rep1", "rep2", "rep3"}
    assert any(t.done and t.done_at for t in tasks)
    assert any(t.is_overdue for t in tasks)
    assert any(not t.done and t.due_at and timezone.localtime(t.due_at).date() in days for t in tasks)
    assert any(not t.done and t.due_at and t.due_at > now + timedelta(days=1) for t in tasks)
    assert any(t.remind_at and t.reminded_at is None and t.remind_at > now for t in tasks)

    assert Notification.objects.filter(user__username="rep1", read_at__isnull=True).exists()
    assert Notification.objects.filter(read_at__isnull=False).exists()

    # --if-empty leaves everything as it was
    counts = (
        Account.objects.count(),
        Activity.objects.count(),
        Task.objects.count(),
        CustomFieldDef.objects.count(),
        StageChange.objects.count(),
        Notification.objects.count(),
    )
    call_command("demo-data", "--if-empty")
    assert counts == (
        Account.objects.count(),
        Activity.objects.count(),
        Task.objects.count(),
        CustomFieldDef.objects.count(),
        StageChange.objects.count(),
        Notification.objects.count(),
    )


@pytest.mark.django_db
def test_the_dormancy_job_agrees_with_the_generated_health():
    from guanxi.core.jobs import REGISTRY, _load, run_job

    _load()
    if "dormancy" not in REGISTRY:
        pytest.skip("the dormancy job is not available")
    generate.generate(120, validate=False)
    before = dict(Account.objects.values_list("id", "health"))
    assert Health.DORMANT in before.values() and Health.DRIFTING in before.values()
    run_job("dormancy")
    assert dict(Account.objects.values_list("id", "health")) == before


def test_the_360_data_of_a_chunk_is_the_same_whichever_process_makes_it():
    plan = generate.Plan(seed=5, owner_ids=[1, 2, 3, 4, 5], now=timezone.now(), validate=False)

    def summary(chunk):
        s = chunk.story
        return (
            [(a.subject, a.occurred_at, a.next_contact_at, a.account.name) for a in s.activities],
            [(t.title, t.due_at, t.assignee_id) for t in s.tasks],
            [a.custom_fields for a in chunk.accounts],
            [(a.health, a.lifecycle_stage) for a in chunk.accounts],
            [(c.name, c.custom_fields, c.last_contact_at) for c in chunk.contacts],
        )

    first = summary(generate.make_chunk(plan, 2, 40))
    assert first == summary(generate.make_chunk(plan, 2, 40))
    assert first != summary(generate.make_chunk(plan, 3, 40))
    assert first[0] and first[1]


def test_activities_per_account_sets_the_average():
    assert story.activity_range(20) == (5, 35)
    assert story.activity_range(1) == (1, 1)
    assert story.activity_range(0) == (0, 0)
    plan = generate.Plan(
        seed=1, owner_ids=[1, 2, 3, 4, 5], now=timezone.now(), validate=False, activities_per_account=4
    )
    chunk = generate.make_chunk(plan, 0, 500)
    assert 3.5 <= len(chunk.story.activities) / 500 <= 4.5


def _check_scale_load(made, *, accounts, entries):
    assert made["accounts"] == Account.objects.count() - 1  # and the big customer
    assert made["activities"] + entries * 96 // 100 == Activity.objects.count()
    big = Account.objects.get(name=BIG_NAME)
    assert big.owner.username == "rep1" and made["big_customer"] == big.pk
    timeline = (
        Activity.objects.filter(account=big).count()
        + Task.objects.filter(account=big).count()
        + Attachment.objects.filter(account=big).count()
    )
    assert timeline == entries
    attachment = Attachment.objects.filter(account=big).first()
    assert attachment and default_storage.exists(attachment.file.name)
    with default_storage.open(attachment.file.name) as f:
        assert len(f.read()) == attachment.size
    # every follow-up's contacts belong to its account; tasks point at live rows
    links = ActivityContact.objects.values_list("activity__account_id", "contact__account_id")
    assert links and all(a == c for a, c in links)
    assert not Task.objects.filter(account__isnull=True).exists()
    assert SearchDocument.objects.count() == Account.objects.count() + Contact.objects.count()
    assert_consistent(timezone.now())


@pytest.mark.django_db
def test_scale_load_with_a_big_customer_on_sqlite_or_postgres(monkeypatch, settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }
    monkeypatch.setattr(generate, "CHUNK", 9)
    made = generate.generate(25, validate=False, activities_per_account=3, big_customer=200)
    _check_scale_load(made, accounts=25, entries=200)


@postgres_only
@pytest.mark.django_db
def test_copy_uses_the_reserved_ids_and_leaves_the_sequences_ahead():
    made = generate.generate(12, validate=False, activities_per_account=2)
    assert made["activities"] == Activity.objects.count()
    # rows made afterwards by the ORM do not collide with the reserved blocks
    account = Account.objects.first()
    extra = Activity.objects.create(kind="call", account=account, owner=account.owner)
    assert extra.pk > Activity.objects.exclude(pk=extra.pk).aggregate(m=Max("id"))["m"]
    assert ContactAccount.objects.filter(is_primary=True).count() == Contact.objects.count()
    by_account = defaultdict(list)
    for a in Activity.objects.exclude(pk=extra.pk):
        by_account[a.account_id].append(a)
    assert len(by_account) == 12


def _schema(tables):
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT pg_get_indexdef(indexrelid) FROM pg_index WHERE indrelid::regclass::text = ANY(%s)
            UNION ALL
            SELECT conname || ' ' || pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid::regclass::text = ANY(%s)
            ORDER BY 1""",
            [tables, tables],
        )
        return [row[0] for row in cursor.fetchall()]


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_bulk_load_mode_puts_back_every_index_of_the_360_tables():
    from guanxi.demo import pgload

    tables = [m._meta.db_table for m in generate.BULK_MODELS]
    before = _schema(tables)
    with pgload.bulk_load_mode(generate.BULK_MODELS):
        assert len(_schema(tables)) < len(before)
    assert _schema(tables) == before


def test_bad_command_options_are_refused():
    with pytest.raises(CommandError, match="activities-per-account"):
        call_command("demo-data", "--activities-per-account", "-1")
    with pytest.raises(CommandError, match="big-customer"):
        call_command("demo-data", "--big-customer", "-5")
