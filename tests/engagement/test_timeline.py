"""The merged 360° timeline: order and cursors across sources, filters, visibility, query counts."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from guanxi.audit.models import AuditEvent
from guanxi.core.errors import ValidationFailed
from guanxi.customers.directory import services as customer_services
from guanxi.customers.models import Account, StageChange
from guanxi.engagement.followups import services, timeline
from guanxi.engagement.models import Activity, ActivityContact, Attachment, Task
from tests.factories import AccountFactory, ContactFactory

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2025, 6, 1, 8, 0, tzinfo=dt.UTC)


@pytest.fixture
def world(org):
    rep1 = org["rep1"]
    account = AccountFactory(owner=rep1, name="时间线测试有限公司")
    contact = ContactFactory(owner=rep1, name="孙八", account=account.pk)
    return {"rep1": rep1, "account": account, "contact": contact}


def _activity(world, at, kind="call", **extra):
    act = services.activity_create(
        actor=world["rep1"],
        data={
            "kind": kind,
            "content": "谈了续约",
            "account": world["account"].pk,
            "contacts": [world["contact"].pk],
            **extra,
        },
    )
    Activity._base_manager.filter(pk=act.pk).update(occurred_at=at)
    ActivityContact.objects.filter(activity=act).update(occurred_at=at)
    return act


def _task(world, at, **extra):
    t = Task._base_manager.create(
        title="回访",
        assignee=world["rep1"],
        owner=world["rep1"],
        account=world["account"],
        contact=world["contact"],
        **extra,
    )
    Task._base_manager.filter(pk=t.pk).update(created_at=at)
    return t


def _file(world, at, **parent):
    f = Attachment.objects.create(
        file="attachments/x",
        name="合同.pdf",
        content_type="application/pdf",
        size=2048,
        sha256="0" * 64,
        owner=world["rep1"],
        **(parent or {"account": world["account"]}),
    )
    Attachment.objects.filter(pk=f.pk).update(created_at=at)
    return f


def _build(world):
    """Entries of every source, many at the very same instant."""
    AuditEvent.objects.filter(object_type__in=["account", "contact"]).update(at=T0)
    for i in range(4):
        _activity(world, T0, kind="visit" if i % 2 else "call")
        _task(world, T0)
        _file(world, T0)
        _file(world, T0, contact=world["contact"])
    for i in range(3):
        _activity(world, T0 - dt.timedelta(hours=i + 1))
        _task(world, T0 + dt.timedelta(minutes=i))
    StageChange.objects.create(
        account=world["account"],
        field="lifecycle_stage",
        old="prospect",
        new="new",
        at=T0,
        automatic=True,
        reason="A follow-up was logged.",
    )
    StageChange.objects.create(
        account=world["account"], field="lifecycle_stage", old="new", new="active", at=T0, automatic=False
    )
    customer_services.account_update(
        actor=world["rep1"],
        account=Account.objects.get(pk=world["account"].pk),
        data={"address": "杭州"},
        version=None,
    )
    AuditEvent.objects.filter(object_type="account").update(at=T0)


def _walk(fetch, limit):
    keys, cursor, pages = [], None, 0
    while True:
        page = fetch(cursor=cursor, limit=limit)
        keys += [(e.type, e.id, e.at) for e in page.entries]
        pages += 1
        assert len(page.entries) <= limit
        if not page.next_cursor:
            return keys, pages
        cursor = page.next_cursor


@pytest.mark.parametrize("limit", [1, 2, 3, 7, 100])
def test_pages_cover_the_stream_once_in_order(world, limit):
    _build(world)
    everything = timeline.account_timeline(world["rep1"], world["account"], limit=100).entries
    expected = [(e.type, e.id, e.at) for e in everything]
    assert len(expected) == len(set(expected))
    ordered = sorted(everything, key=lambda e: (e.at, timeline.RANK[e.type], e.id), reverse=True)
    assert [(e.type, e.id) for e in ordered] == [(e.type, e.id) for e in everything]
    got, pages = _walk(lambda **kw: timeline.account_timeline(world["rep1"], world["account"], **kw), limit)
    assert got == expected
    assert pages == -(-len(expected) // limit)  # no empty last page
    counts = {
        t: sum(1 for k in expected if k[0] == t)
        for t in ("activity", "task", "attachment", "change", "stage")
    }
    # 7 follow-ups, 7 tasks, the account's 4 files (not the contact's), 2 audit rows, 1 automatic stage move
    assert counts == {"activity": 7, "task": 7, "attachment": 4, "change": 2, "stage": 1}


def test_equal_instants_order_by_source_then_id(world):
    _build(world)
    at_t0 = [
        e for e in timeline.account_timeline(world["rep1"], world["account"], limit=100).entries if e.at == T0
    ]
    types = [e.type for e in at_t0]
    assert types == sorted(types, key=lambda t: -timeline.RANK[t])
    acts = [e.id for e in at_t0 if e.type == "activity"]
    assert acts == sorted(acts, reverse=True)


def test_contact_timeline_pages(world):
    _build(world)
    got, _pages = _walk(lambda **kw: timeline.contact_timeline(world["rep1"], world["contact"], **kw), 3)
    types = [k[0] for k in got]
    assert types.count("activity") == 7 and types.count("attachment") == 4 and types.count("task") == 7
    assert "stage" not in types
    assert len(got) == len(set(got))


def test_kind_filter(world):
    _build(world)
    entries = timeline.account_timeline(world["rep1"], world["account"], kind="visit", limit=100).entries
    assert entries and {e.kind for e in entries} == {"visit"}
    entries = timeline.account_timeline(
        world["rep1"], world["account"], kind="tasks,files", limit=100
    ).entries
    assert {e.type for e in entries} == {"task", "attachment"}
    entries = timeline.account_timeline(world["rep1"], world["account"], kind="changes", limit=100).entries
    assert {e.type for e in entries} == {"change", "stage"}
    entries = timeline.account_timeline(
        world["rep1"], world["account"], kind="followups,call", limit=100
    ).entries
    assert {e.kind for e in entries} == {"call", "visit"}
    for bad in ("pigeon", "call,<script>", "x" * 500):
        with pytest.raises(ValidationFailed) as exc:
            timeline.account_timeline(world["rep1"], world["account"], kind=bad)
        assert "kind" in exc.value.fields


@pytest.mark.parametrize(
    "cursor",
    [
        "bogus",
        "eyJ4IjoxfQ",
        "WyJ0bCIsIjIwMjUtMDYtMDFUMDg6MDA6MDAiLDQsMV0",
        "WyJ0bCIsIjIwMjUtMDYtMDFUMDg6MDA6MDArMDA6MDAiLDksMV0",
        "A" * 400,
        "\x00",
    ],
)
def test_bad_cursors_are_400(world, cursor):
    with pytest.raises(ValidationFailed) as exc:
        timeline.account_timeline(world["rep1"], world["account"], cursor=cursor)
    assert "cursor" in exc.value.fields


def test_subsidiaries_are_included_only_when_visible(world, org):
    rep1 = world["rep1"]
    sub = AccountFactory(owner=rep1, name="子公司甲")
    hidden = AccountFactory(owner=org["rep2"], name="子公司乙")
    Account._base_manager.filter(pk__in=[sub.pk, hidden.pk]).update(parent=world["account"])
    services.activity_create(actor=rep1, data={"kind": "call", "subject": "子公司电话", "account": sub.pk})
    services.activity_create(
        actor=org["rep2"], data={"kind": "call", "subject": "看不见", "account": hidden.pk}
    )
    without = timeline.account_timeline(rep1, world["account"], kind="followups").entries
    with_subs = timeline.account_timeline(rep1, world["account"], kind="followups", subsidiaries=True).entries
    assert [e.title for e in without] == []
    assert [e.title for e in with_subs] == ["子公司电话"]


def test_entries_do_not_name_invisible_contacts_or_accounts(world, org):
    rep1, rep2 = world["rep1"], org["rep2"]
    secret_contact = ContactFactory(owner=rep2, name="秘密联系人")
    secret_parent = AccountFactory(owner=rep2, name="秘密母公司")
    # rep2 cannot see rep1's account, so rep1 logs a meeting and the director adds rep2's contact
    act = services.activity_create(
        actor=rep1, data={"kind": "meeting", "subject": "联合会议", "account": world["account"].pk}
    )
    services.activity_update(
        actor=org["director"],
        activity=act,
        data={"contacts": [world["contact"].pk, secret_contact.pk]},
        version=act.version,
    )
    Account._base_manager.filter(pk=world["account"].pk).update(parent=secret_parent)
    from guanxi.audit import services as audit

    audit.record(
        actor=org["director"],
        verb="update",
        obj=world["account"],
        changes={"parent": (None, {"id": secret_parent.pk, "label": secret_parent.name})},
    )
    entries = timeline.account_timeline(rep1, world["account"], limit=100).entries
    text = repr([(e.title, e.summary, e.meta, e.changes, e.ids) for e in entries])
    assert "联合会议" in text and "孙八" in text
    assert "秘密联系人" not in text and "秘密母公司" not in text
    assert all(secret_contact.pk not in e.ids["contacts"] for e in entries if e.type == "activity")
    director = repr(
        [
            (e.meta, e.changes)
            for e in timeline.account_timeline(org["director"], world["account"], limit=100).entries
        ]
    )
    assert "秘密联系人" in director and "秘密母公司" in director


def test_fixed_queries_per_page(world, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count():
        with CaptureQueriesContext(connection) as ctx:
            timeline.account_timeline(world["rep1"], world["account"], limit=20)
        return len(ctx.captured_queries)

    for i in range(3):
        _activity(world, T0 - dt.timedelta(minutes=i))
        _task(world, T0)
    small = count()
    for i in range(40):
        _activity(world, T0 - dt.timedelta(minutes=i))
        _task(world, T0)
        _file(world, T0)
    assert count() == small
    with django_assert_max_num_queries(10):
        timeline.account_timeline(world["rep1"], world["account"], limit=20)


def test_deleted_follow_ups_leave_the_timeline(world):
    act = _activity(world, timezone.now())
    services.activity_delete(actor=world["rep1"], activity=Activity.objects.get(pk=act.pk), version=None)
    assert not [
        e for e in timeline.account_timeline(world["rep1"], world["account"]).entries if e.type == "activity"
    ]
    assert not [
        e for e in timeline.contact_timeline(world["rep1"], world["contact"]).entries if e.type == "activity"
    ]
