"""Follow-up services: the customer's last contact, summary and next contact; lifecycle; bad input."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from guanxi.audit.models import AuditEvent
from guanxi.core.errors import NotFound, PermissionDenied, ValidationFailed, VersionConflict
from guanxi.customers.models import Account, Contact, Health, Lifecycle, StageChange
from guanxi.engagement.followups import services
from guanxi.engagement.models import Activity, ActivityContact
from tests.factories import AccountFactory, ContactFactory

pytestmark = pytest.mark.django_db

UTC = dt.UTC


def log(actor, **data) -> Activity:
    data.setdefault("kind", "call")
    if not data.keys() & {"subject", "content", "outcome"}:  # a follow-up says what happened
        data["content"] = "谈了续约"
    return services.activity_create(actor=actor, data=data)


@pytest.fixture
def world(org):
    rep1 = org["rep1"]
    account = AccountFactory(owner=rep1, name="上海联系测试有限公司")
    a, b = (ContactFactory(owner=rep1, name=n, account=account.pk) for n in ("王小明", "李华"))
    return {"rep1": rep1, "account": account, "a": a, "b": b}


def _fresh(obj):
    return type(obj)._base_manager.get(pk=obj.pk)


def test_create_sets_last_contact_summary_and_next_contact_on_account_and_contacts(world):
    rep1, account, a = world["rep1"], world["account"], world["a"]
    when = timezone.now() - dt.timedelta(hours=2)
    nxt = timezone.now() + dt.timedelta(days=7)
    activity = log(
        rep1,
        subject="  报价   讨论 ",
        content="细节",
        occurred_at=when.isoformat(),
        next_contact_at=nxt.isoformat(),
        account=account.pk,
        contacts=[a.pk],
        duration_minutes=15,
        direction="outbound",
    )
    assert activity.subject == "报价 讨论" and activity.owner == rep1
    acc, ct = _fresh(account), _fresh(a)
    for rec in (acc, ct):
        assert rec.last_contact_at == when.replace(microsecond=when.microsecond)
        assert rec.last_followup_summary == "报价 讨论"
        assert rec.next_contact_at == nxt
    assert _fresh(world["b"]).last_contact_at is None
    assert ActivityContact.objects.get(activity=activity).occurred_at == activity.occurred_at
    assert acc.version == account.version  # derived fields do not bump the version
    event = AuditEvent.objects.get(object_type="activity", object_id=activity.pk)
    assert event.verb == "create" and event.changes["contacts"] == [None, [a.pk]]


def test_latest_follow_up_wins_and_an_older_one_does_not_override(world):
    rep1, account = world["rep1"], world["account"]
    now = timezone.now()
    log(
        rep1,
        subject="new",
        occurred_at=(now - dt.timedelta(days=1)).isoformat(),
        account=account.pk,
        next_contact_at=(now + dt.timedelta(days=3)).isoformat(),
    )
    log(
        rep1,
        subject="old",
        occurred_at=(now - dt.timedelta(days=30)).isoformat(),
        account=account.pk,
        next_contact_at=(now + dt.timedelta(days=1)).isoformat(),
    )
    acc = _fresh(account)
    assert acc.last_followup_summary == "new"
    assert acc.next_contact_at > now + dt.timedelta(days=2)


def test_summary_falls_back_to_outcome_then_content_on_one_line(world):
    rep1, account = world["rep1"], world["account"]
    log(rep1, content="第一行\n第二行\t结束", account=account.pk)
    assert _fresh(account).last_followup_summary == "第一行 第二行 结束"
    log(rep1, outcome="约好下周见面", content="x", account=account.pk)
    assert _fresh(account).last_followup_summary == "约好下周见面"


def test_update_delete_and_restore_recompute(world):
    rep1, account, a, b = world["rep1"], world["account"], world["a"], world["b"]
    now = timezone.now()
    first = log(rep1, subject="first", occurred_at=(now - dt.timedelta(days=5)).isoformat(), contacts=[a.pk])
    second = log(
        rep1, subject="second", occurred_at=(now - dt.timedelta(days=1)).isoformat(), contacts=[a.pk]
    )
    assert first.account_id == account.pk  # the first contact's primary account
    assert _fresh(a).last_followup_summary == "second"
    services.activity_update(actor=rep1, activity=second, data={"contacts": [b.pk]}, version=second.version)
    assert _fresh(a).last_followup_summary == "first"
    assert _fresh(b).last_followup_summary == "second"
    assert second.version == 2
    second = Activity._base_manager.get(pk=second.pk)
    services.activity_update(
        actor=rep1,
        activity=second,
        data={"occurred_at": (now - dt.timedelta(days=9)).isoformat()},
        version=second.version,
    )
    assert ActivityContact.objects.get(activity=second).occurred_at == now - dt.timedelta(days=9)
    assert _fresh(account).last_followup_summary == "first"
    services.activity_delete(actor=rep1, activity=first, version=first.version)
    assert _fresh(a).last_contact_at is None and _fresh(a).last_followup_summary == ""
    assert _fresh(account).last_followup_summary == "second"
    services.activity_restore(actor=rep1, activity=Activity._base_manager.get(pk=first.pk))
    assert _fresh(a).last_followup_summary == "first"
    verbs = list(
        AuditEvent.objects.filter(object_type="activity", object_id=first.pk).values_list("verb", flat=True)
    )
    assert sorted(verbs) == ["create", "delete", "restore"]


def test_stale_version_is_a_conflict_and_changes_nothing(world):
    act = log(world["rep1"], subject="s", account=world["account"].pk)
    with pytest.raises(VersionConflict):
        services.activity_update(
            actor=world["rep1"], activity=act, data={"subject": "t"}, version=act.version + 5
        )
    assert Activity.objects.get(pk=act.pk).subject == "s"


def test_follow_up_revives_a_dormant_account(world):
    rep1, account = world["rep1"], world["account"]
    Account._base_manager.filter(pk=account.pk).update(
        lifecycle_stage=Lifecycle.DORMANT, health=Health.DORMANT
    )
    account = Account._base_manager.get(pk=account.pk)
    log(rep1, account=account.pk)
    acc = _fresh(account)
    assert acc.lifecycle_stage == Lifecycle.WON_BACK and acc.health == Health.ACTIVE
    assert StageChange.objects.filter(account=account, automatic=True, new=Lifecycle.WON_BACK).exists()


def test_an_old_follow_up_does_not_revive(world):
    rep1, account = world["rep1"], world["account"]
    Account._base_manager.filter(pk=account.pk).update(
        health=Health.DORMANT, lifecycle_stage=Lifecycle.DORMANT
    )
    log(rep1, account=account.pk, occurred_at="2020-01-01T10:00:00+08:00")
    acc = _fresh(account)
    assert (acc.health, acc.lifecycle_stage) == (Health.DORMANT, Lifecycle.DORMANT)
    assert acc.last_contact_at == dt.datetime(2020, 1, 1, 2, 0, tzinfo=UTC)


def test_naive_times_are_in_the_actors_time_zone(world):
    rep1 = world["rep1"]
    rep1.time_zone = "Asia/Shanghai"
    act = log(rep1, account=world["account"].pk, occurred_at="2024-05-01T09:30")
    assert act.occurred_at == dt.datetime(2024, 5, 1, 1, 30, tzinfo=UTC)
    rep1.time_zone = "Europe/Berlin"
    act = log(rep1, account=world["account"].pk, occurred_at="2024-05-01 09:30")
    assert act.occurred_at == dt.datetime(2024, 5, 1, 7, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("occurred_at", "1899-12-31T23:00:00+00:00"),
        ("occurred_at", "IN_3_DAYS"),  # made at run time: ids must be the same on every xdist worker
        ("occurred_at", "0000-01-01T00:00:00Z"),
        ("occurred_at", "2024-02-30T10:00:00Z"),
        ("occurred_at", "yesterday"),
        ("occurred_at", "2024-01-01T10:00:00\x00"),
        ("occurred_at", "9" * 5000),
        ("occurred_at", 12345),
        ("next_contact_at", "1850-01-01"),
        ("next_contact_at", "2199-01-01T00:00:00Z"),
        ("duration_minutes", -1),
        ("duration_minutes", 10081),
        ("duration_minutes", 10**30),
        ("duration_minutes", "12.5"),
        ("duration_minutes", True),
        ("kind", "pigeon"),
        ("kind", ""),
        ("direction", "sideways"),
        ("subject", "x" * 201),
        ("subject", ["a"]),
        ("content", "x" * 20001),
        ("outcome", "x" * 201),
        ("contacts", "1,2"),
        ("contacts", list(range(1, 60))),
        ("contacts", ["'; DROP TABLE x; --"]),
        ("account", "'; DROP TABLE engagement_activity; --"),
        ("account", 2**70),
        ("owner", "rep2"),
        ("version", 3),
    ],
)
def test_bad_input_names_the_field_and_writes_nothing(world, field, value):
    if value == "IN_3_DAYS":
        value = (timezone.now() + dt.timedelta(days=3)).isoformat()
    data = {"kind": "call", "account": world["account"].pk, field: value}
    before = (Activity._base_manager.count(), AuditEvent.objects.count())
    with pytest.raises(ValidationFailed) as exc:
        services.activity_create(actor=world["rep1"], data=data)
    assert field in exc.value.fields, exc.value.fields
    assert (Activity._base_manager.count(), AuditEvent.objects.count()) == before


def test_boundaries_are_accepted(world):
    acc = world["account"].pk
    log(world["rep1"], account=acc, occurred_at="1900-01-01T00:00:00Z", duration_minutes=0)
    log(
        world["rep1"],
        account=acc,
        occurred_at=(timezone.now() + dt.timedelta(hours=23)).isoformat(),
        duration_minutes=10080,
        next_contact_at=(timezone.now() + dt.timedelta(days=3600)).isoformat(),
    )


def test_markup_is_stored_as_text(world):
    act = log(world["rep1"], account=world["account"].pk, subject="<script>alert(1)</script>")
    assert act.subject == "<script>alert(1)</script>"


def test_a_follow_up_needs_a_customer(world):
    with pytest.raises(ValidationFailed) as exc:
        log(world["rep1"])
    assert "account" in exc.value.fields


def test_invisible_customers_are_refused(world, org):
    other = AccountFactory(owner=org["rep2"])
    other_contact = ContactFactory(owner=org["rep2"], name="陌生人")
    with pytest.raises(ValidationFailed) as exc:
        log(world["rep1"], account=other.pk)
    assert "account" in exc.value.fields
    with pytest.raises(ValidationFailed) as exc:
        log(world["rep1"], contacts=[other_contact.pk])
    assert "contacts" in exc.value.fields
    assert not Activity._base_manager.exists()


def test_contact_whose_account_is_invisible_gets_no_account(world, org):
    rep1 = world["rep1"]
    hidden = AccountFactory(owner=org["rep2"])
    mine = ContactFactory(owner=rep1, name="跨界联系人")
    Contact._base_manager.filter(pk=mine.pk).update(account=hidden)
    act = log(rep1, contacts=[mine.pk])
    assert act.account_id is None
    assert _fresh(hidden).last_contact_at is None


def test_permissions(world, org):
    act = log(world["rep1"], account=world["account"].pk)
    with pytest.raises(PermissionDenied):
        services.activity_create(actor=org["inactive"], data={"kind": "call", "account": world["account"].pk})
    with pytest.raises((NotFound, PermissionDenied)):
        services.activity_update(actor=org["rep2"], activity=act, data={"subject": "x"}, version=None)
    with pytest.raises(PermissionDenied):
        services.activity_delete(actor=org["agent1"], activity=act, version=None)
    assert Activity.objects.get(pk=act.pk).deleted_at is None


def test_patching_contacts_keeps_the_ones_the_editor_cannot_see(world, org):
    rep1, rep2, director = world["rep1"], org["rep2"], org["director"]
    theirs = ContactFactory(owner=rep2, name="别人的联系人")
    mine = log(rep1, account=world["account"].pk, contacts=[world["a"].pk])
    services.activity_update(
        actor=director, activity=mine, data={"contacts": [world["a"].pk, theirs.pk]}, version=None
    )
    mine = Activity.objects.get(pk=mine.pk)
    services.activity_update(
        actor=rep1, activity=mine, data={"contacts": [world["b"].pk]}, version=mine.version
    )
    assert sorted(_contact_ids(mine)) == sorted([world["b"].pk, theirs.pk])
    assert _fresh(theirs).last_followup_summary == _fresh(world["b"]).last_followup_summary
    assert _fresh(world["a"]).last_contact_at is None


def _contact_ids(activity):
    return list(ActivityContact.objects.filter(activity=activity).values_list("contact_id", flat=True))


def test_the_contacts_summary_follows_their_latest_live_follow_up_among_many(world):
    rep1, a = world["rep1"], world["a"]
    now = timezone.now()
    acts = [
        log(rep1, subject=f"第{i}次", contacts=[a.pk], occurred_at=(now - dt.timedelta(days=i)).isoformat())
        for i in range(6)
    ]
    assert _fresh(a).last_followup_summary == "第0次"
    services.activity_delete(actor=rep1, activity=acts[0], version=None)
    assert _fresh(a).last_followup_summary == "第1次"
    assert _fresh(a).last_contact_at == now - dt.timedelta(days=1)


@pytest.mark.parametrize("count", [1, 3, 5])
def test_refresh_of_several_customers_at_once(world, count):
    """refresh_customers runs one statement per table for any number of ids (reused with other
    ids once compiled): each customer gets its own latest follow-up, and a customer without
    follow-ups is emptied."""
    rep1 = world["rep1"]
    accounts = [AccountFactory(owner=rep1, name=f"刷新测试{i}有限公司") for i in range(count)]
    contacts = [ContactFactory(owner=rep1, name=f"刷新{i}", account=acc.pk) for i, acc in enumerate(accounts)]
    for i, (acc, ct) in enumerate(zip(accounts, contacts, strict=True)):
        log(rep1, subject=f"第{i}次", account=acc.pk, contacts=[ct.pk])
    empty = AccountFactory(owner=rep1, name="没有跟进有限公司")
    Account._base_manager.filter(pk__in=[a.pk for a in accounts] + [empty.pk]).update(
        last_followup_summary="旧", last_contact_at=timezone.now()
    )
    Contact._base_manager.filter(pk__in=[c.pk for c in contacts]).update(last_followup_summary="旧")
    for _ in range(2):  # compiled the first time, reused the second
        services.refresh_customers(
            account_ids=[a.pk for a in accounts] + [empty.pk], contact_ids=[c.pk for c in contacts]
        )
        assert [_fresh(a).last_followup_summary for a in accounts] == [f"第{i}次" for i in range(count)]
        assert [_fresh(c).last_followup_summary for c in contacts] == [f"第{i}次" for i in range(count)]
        assert _fresh(empty).last_followup_summary == "" and _fresh(empty).last_contact_at is None


def _plans(*records):
    return [_fresh(r).next_contact_at for r in records]


def test_a_follow_up_without_a_next_contact_keeps_the_plan(world):
    rep1, account, a = world["rep1"], world["account"], world["a"]
    now = timezone.now()
    plan = (now + dt.timedelta(days=9)).replace(microsecond=0)
    log(
        rep1,
        subject="约了下次",
        occurred_at=(now - dt.timedelta(days=2)).isoformat(),
        contacts=[a.pk],
        next_contact_at=plan.isoformat(),
    )
    log(rep1, subject="顺便问候", account=account.pk, contacts=[a.pk])
    assert _plans(account, a) == [plan, plan]
    assert _fresh(account).last_followup_summary == "顺便问候"


def test_the_plan_follows_edits_deletes_and_restores(world):
    """The plan is derived from the live follow-ups alone: whichever set it can go and come back."""
    rep1, account, a = world["rep1"], world["account"], world["a"]
    now = timezone.now().replace(microsecond=0)
    first_plan, second_plan, third_plan = (now + dt.timedelta(days=d) for d in (5, 9, 12))
    first = log(
        rep1,
        subject="一",
        occurred_at=(now - dt.timedelta(days=3)).isoformat(),
        contacts=[a.pk],
        next_contact_at=first_plan.isoformat(),
    )
    second = log(
        rep1,
        subject="二",
        occurred_at=(now - dt.timedelta(days=2)).isoformat(),
        contacts=[a.pk],
        next_contact_at=second_plan.isoformat(),
    )
    third = log(rep1, subject="三", occurred_at=(now - dt.timedelta(days=1)).isoformat(), contacts=[a.pk])
    assert _plans(account, a) == [second_plan, second_plan]
    services.activity_delete(actor=rep1, activity=second, version=None)
    assert _plans(account, a) == [first_plan, first_plan]
    services.activity_restore(actor=rep1, activity=Activity._base_manager.get(pk=second.pk))
    assert _plans(account, a) == [second_plan, second_plan]
    third = services.activity_update(
        actor=rep1, activity=third, data={"next_contact_at": third_plan.isoformat()}, version=None
    )
    assert _plans(account, a) == [third_plan, third_plan]
    services.activity_update(actor=rep1, activity=third, data={"next_contact_at": None}, version=None)
    assert _plans(account, a) == [second_plan, second_plan]
    for act in (first, Activity.objects.get(pk=second.pk)):
        services.activity_delete(actor=rep1, activity=act, version=None)
    assert _plans(account, a) == [None, None]


def test_a_plan_is_done_once_a_follow_up_happens_at_or_after_it(world):
    """A call on (or after) the planned day carries the plan out; an older plan that the done one
    had superseded does not come back."""
    rep1, account, a = world["rep1"], world["account"], world["a"]
    now = timezone.now().replace(microsecond=0)
    log(
        rep1,
        subject="旧计划",
        occurred_at=(now - dt.timedelta(days=10)).isoformat(),
        contacts=[a.pk],
        next_contact_at=(now + dt.timedelta(days=20)).isoformat(),
    )
    planned = now - dt.timedelta(days=2)
    log(
        rep1,
        subject="改约",
        occurred_at=(now - dt.timedelta(days=5)).isoformat(),
        contacts=[a.pk],
        next_contact_at=planned.isoformat(),
    )
    assert _plans(account, a) == [planned, planned]  # overdue: nobody called yet
    log(rep1, subject="照计划打了", occurred_at=planned.isoformat(), contacts=[a.pk])
    assert _plans(account, a) == [None, None]


def test_a_follow_up_says_what_happened(world):
    rep1, account = world["rep1"], world["account"]
    before = (Activity._base_manager.count(), AuditEvent.objects.count())
    for blank in ({}, {"subject": "  ", "content": "\n", "outcome": ""}):
        with pytest.raises(ValidationFailed) as exc:
            services.activity_create(actor=rep1, data={"kind": "call", "account": account.pk, **blank})
        assert exc.value.fields == {"content": ["Enter a subject, what happened or an outcome."]}
    assert (Activity._base_manager.count(), AuditEvent.objects.count()) == before
    act = log(rep1, subject="报价", account=account.pk)
    act = services.activity_update(actor=rep1, activity=act, data={"outcome": "同意"}, version=None)
    act = services.activity_update(actor=rep1, activity=act, data={"subject": ""}, version=None)
    with pytest.raises(ValidationFailed) as exc:
        services.activity_update(actor=rep1, activity=act, data={"outcome": " "}, version=None)
    assert "content" in exc.value.fields
    assert Activity.objects.get(pk=act.pk).outcome == "同意"
    # one logged empty before the rule: still editable in what it has
    Activity._base_manager.filter(pk=act.pk).update(outcome="")
    services.activity_update(
        actor=rep1, activity=Activity.objects.get(pk=act.pk), data={"duration_minutes": 5}, version=None
    )


@pytest.mark.parametrize(
    ("zone", "title"), [("Asia/Shanghai", "Call 2026-03-02"), ("America/New_York", "Call 2026-03-01")]
)
def test_the_automatic_title_is_the_day_in_the_actors_time_zone(world, zone, title):
    """17:30 UTC on 1 March is 01:30 on 2 March in Shanghai and 12:30 on 1 March in New York. The
    audit row keeps the actor's day, whatever zone the process has active."""
    rep1 = world["rep1"]
    rep1.time_zone = zone
    other = "UTC" if zone == "Asia/Shanghai" else "Asia/Shanghai"
    with timezone.override(other):
        act = log(rep1, content="没写主题", account=world["account"].pk, occurred_at="2026-03-01T17:30:00Z")
    event = AuditEvent.objects.get(object_type="activity", object_id=act.pk, verb="create")
    assert event.object_label == title
    with timezone.override(zone):  # a page shows the viewer's day
        assert str(act) == title
