"""The 360° side of the demo: what happened with each customer, made alongside its records.

`add_story()` is called by generate.make_chunk() for every chunk. From the chunk's accounts
and contacts it makes (all unsaved, seeded from the chunk's own random generator, so a chunk
is the same in whatever process it is made):

- custom field values (custom_fields.py; the definitions come from its `ensure_custom_fields()`, once per run);
- a primary ContactAccount link per contact, and some secondary links with roles;
- a few groups (a parent with 2–4 subsidiaries) and partners (agent, wholesaler, reseller)
  linked to customers;
- follow-ups over the last 12 months (kinds weighted toward call, visit, message and email)
  with their contacts, and each account's and contact's last contact, last follow-up summary
  and next contact taken from its latest follow-up;
- health by the dormancy rule (the threshold per tier from CustomerSettings; drifting past 2/3
  of it, dormant past it, counted from the last contact or else the creation), with about
  10 % of the accounts silent past 2/3 of their threshold and 8 % past it;
- lifecycle stages and relationship levels with their StageChange history;
- tasks: done, overdue, due today, upcoming and undated, some with reminders.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from itertools import accumulate

from django.db.models.base import ModelState
from django.utils import timezone

from guanxi.customers.lifecycle.services import REASON_DORMANT, REASON_DRIFTING, REASON_FOLLOWUP
from guanxi.customers.models import (
    Account,
    Contact,
    ContactAccount,
    ContactRole,
    Health,
    Lifecycle,
    PartnerLink,
    PartnerType,
    RelationshipLevel,
    StageChange,
)
from guanxi.engagement.followups.services import plan_after
from guanxi.engagement.models import Activity, ActivityContact, ActivityKind, Direction, Priority, Task

from .custom_fields import account_values, contact_values

DAY = 86400


# --- fast unsaved instances ------------------------------------------------------------------------------
#
# A benchmark load makes some 50 million follow-up, contact-link and task rows; Model.__init__
# (signals, descriptors, a default per field) was most of its time. `instance()` fills an instance's
# __dict__ directly, as Model.from_db does for rows read from the database. A related instance
# is kept in the instance's relation cache with its id column empty, exactly as assigning it to
# the attribute would: bulk_create takes the id from it once it is saved, pgload._point copies
# it after ids are reserved.

_DEFAULTS: dict[type, tuple[dict, frozenset[str]]] = {}


def instance(model, **values):
    if model not in _DEFAULTS:
        fields = model._meta.concrete_fields
        _DEFAULTS[model] = (
            {f.attname: f.get_default() for f in fields},
            frozenset(f.name for f in fields if f.is_relation),
        )
    defaults, relations = _DEFAULTS[model]
    obj = model.__new__(model)
    obj._state = ModelState()
    d = obj.__dict__
    d.update(defaults)
    cache = obj._state.fields_cache
    for key, value in values.items():
        if key in relations:
            d[key + "_id"] = value.pk if value is not None else None
            if value is not None:
                cache[key] = value
        else:
            d[key] = value
    return obj


# --- follow-ups ---------------------------------------------------------------------------------------

KINDS = [
    ActivityKind.CALL,
    ActivityKind.VISIT,
    ActivityKind.MESSAGE,
    ActivityKind.EMAIL,
    ActivityKind.MEETING,
    ActivityKind.NOTE,
    ActivityKind.WEB,
    ActivityKind.FAX,
]
KIND_WEIGHTS = list(accumulate([35, 20, 20, 15, 5, 3, 1, 1]))  # cumulative: random.choices' fast path
TOPICS = [
    "报价",
    "合同条款",
    "交货时间",
    "付款进度",
    "新产品需求",
    "售后问题",
    "年度采购计划",
    "样品反馈",
    "技术方案",
    "续约事宜",
    "发票信息",
    "培训安排",
    "项目验收",
    "价格调整",
    "竞品情况",
]
SUBJECTS = {
    ActivityKind.CALL: ["电话沟通{t}", "电话回访：{t}", "确认{t}"],
    ActivityKind.VISIT: ["拜访客户，洽谈{t}", "上门拜访：{t}", "现场交流{t}"],
    ActivityKind.MESSAGE: ["微信沟通{t}", "微信跟进{t}", "短信提醒{t}"],
    ActivityKind.EMAIL: ["邮件发送{t}资料", "邮件回复：{t}", "邮件确认{t}"],
    ActivityKind.MEETING: ["召开{t}会议", "视频会议：{t}", "{t}评审会"],
    ActivityKind.NOTE: ["备注：{t}", "内部记录：{t}"],
    ActivityKind.WEB: ["客户门户提交{t}"],
    ActivityKind.FAX: ["传真发送{t}文件"],
}
OUTCOMES = [
    "客户有意向，等待内部审批",
    "客户要求重新报价",
    "已确认下周签约",
    "客户暂无需求，三个月后再联系",
    "需要技术部门支持",
    "已发送资料，等待反馈",
    "价格仍有分歧",
    "客户表示满意",
    "客户已下单",
    "决策人出差，改期再谈",
    "对交付周期有顾虑",
    "同意试用一个月",
]
NEXT_STEPS = [
    "发送正式报价单",
    "安排技术交流会",
    "邀请客户参观工厂",
    "寄送样品",
    "跟进合同审批",
    "确认发票信息",
    "约定下次拜访时间",
    "准备演示方案",
]
VERBS = {
    ActivityKind.CALL: "电话沟通了",
    ActivityKind.VISIT: "当面讨论了",
    ActivityKind.MESSAGE: "通过微信确认了",
    ActivityKind.EMAIL: "通过邮件说明了",
    ActivityKind.MEETING: "开会讨论了",
    ActivityKind.NOTE: "记录了",
    ActivityKind.WEB: "在线提交了",
    ActivityKind.FAX: "传真确认了",
}
TIMED = {ActivityKind.CALL: (3, 40), ActivityKind.VISIT: (30, 180), ActivityKind.MEETING: (30, 120)}


def make_activity(
    rng: random.Random,
    *,
    account: Account,
    contacts: list[Contact],
    at: datetime,
    owner_id: int | None,
    next_contact: bool,
    now: datetime,
) -> tuple[Activity, list[ActivityContact]]:
    kind = rng.choices(KINDS, cum_weights=KIND_WEIGHTS)[0]
    topic = rng.choice(TOPICS)
    outcome = rng.choice(OUTCOMES)
    step = rng.choice(NEXT_STEPS)
    involved = (
        []
        if kind == ActivityKind.NOTE or not contacts
        else rng.sample(contacts, 1 if rng.random() < 0.8 else min(2, len(contacts)))
    )
    who = involved[0].name if involved else "客户"
    if kind in (ActivityKind.CALL, ActivityKind.EMAIL, ActivityKind.MESSAGE):
        direction = Direction.OUTBOUND if rng.random() < 0.7 else Direction.INBOUND
    elif kind in (ActivityKind.VISIT, ActivityKind.MEETING):
        direction = Direction.OUTBOUND
    else:
        direction = ""  # type: ignore[assignment]  # no direction: the field allows blank
    minutes = rng.randint(*TIMED[kind]) if kind in TIMED else None
    created = min(
        now, at + timedelta(minutes=rng.randint(1, 240))
    )  # logged a little after, never in the future
    activity = instance(
        Activity,
        kind=kind,
        direction=direction,
        subject=rng.choice(SUBJECTS[kind]).format(t=topic),
        content=f"与{who}{VERBS[kind]}{topic}。{outcome}。下一步：{step}。",
        occurred_at=at,
        duration_minutes=minutes,
        outcome=outcome,
        next_contact_at=at + timedelta(days=rng.randint(3, 30), hours=rng.randint(0, 8))
        if next_contact
        else None,
        account=account,
        owner_id=owner_id,
        created_by_id=owner_id,
        created_at=created,
        updated_at=created,
    )
    return activity, [
        instance(ActivityContact, activity=activity, contact=c, occurred_at=at) for c in involved
    ]


# --- tasks ----------------------------------------------------------------------------------------------

TASK_TITLES = [
    "给{a}发送报价单",
    "回访{a}",
    "准备{a}的合同",
    "安排拜访{a}",
    "跟进{a}的付款",
    "整理{a}的需求",
    "邀请{a}参加展会",
    "确认{a}的交货日期",
]


def _task_state(rng: random.Random) -> str:
    return rng.choices(["done", "overdue", "today", "upcoming", "undated"], [35, 15, 12, 30, 8])[0]


def make_task(
    rng: random.Random,
    *,
    plan,
    account: Account,
    contacts: list[Contact],
    owner_id: int | None,
    assignee_id: int | None,
    activity: Activity | None = None,
    state: str | None = None,
) -> Task:
    now = plan.now
    state = state or _task_state(rng)
    local_today = timezone.localtime(now).date()
    due = remind = done_at = reminded = None
    if state == "done":
        due = now - timedelta(days=rng.randint(1, 120))
        done_at = due - timedelta(hours=rng.randint(0, 48))
    elif state == "overdue":
        due = now - timedelta(days=rng.randint(1, 20), hours=rng.randint(0, 12))
    elif state == "today":
        due = timezone.make_aware(
            datetime.combine(local_today, time(rng.randint(9, 18), rng.choice([0, 30])))
        )
    elif state == "upcoming":
        due = now + timedelta(days=rng.randint(1, 30), hours=rng.randint(0, 8))
    if due is not None and state != "done" and rng.random() < 0.5:
        remind = due - timedelta(hours=rng.choice([1, 2, 24]))
        reminded = remind if remind <= now else None  # reminders already due count as sent
    created = min(now, (due or now) - timedelta(days=rng.randint(1, 14)))
    created = max(created, account.created_at)
    return instance(
        Task,
        title=rng.choice(TASK_TITLES).format(a=account.name[:60]),
        description=f"{rng.choice(NEXT_STEPS)}。" if rng.random() < 0.5 else "",
        due_at=due,
        remind_at=remind,
        reminded_at=reminded,
        assignee_id=assignee_id,
        account=account,
        contact=rng.choice(contacts) if contacts and rng.random() < 0.5 else None,
        activity=activity,
        priority=rng.choices(Priority.values, [15, 55, 22, 8])[0],
        done=state == "done",
        done_at=done_at,
        owner_id=owner_id,
        created_by_id=owner_id,
        created_at=created,
        updated_at=done_at or created,
    )


# --- the story of a chunk ----------------------------------------------------------------------------------


@dataclass
class Story:
    links: list[ContactAccount] = field(default_factory=list)
    parents: list[tuple[Account, Account]] = field(default_factory=list)  # (subsidiary, parent)
    partner_links: list[PartnerLink] = field(default_factory=list)
    activities: list[Activity] = field(default_factory=list)
    activity_contacts: list[ActivityContact] = field(default_factory=list)
    tasks: list[Task] = field(default_factory=list)
    stage_changes: list[StageChange] = field(default_factory=list)


LEVELS = list(RelationshipLevel.values)
LEVEL_WEIGHTS = {
    "A": [5, 15, 30, 35, 15],
    "B": [20, 30, 30, 15, 5],
    "C": [40, 30, 20, 8, 2],
    "": [45, 30, 15, 8, 2],
}


def activity_range(per_account: int) -> tuple[int, int]:
    """Follow-ups per account: uniform between these, averaging `per_account` (20 → 5 … 35)."""
    if per_account <= 0:
        return 0, 0
    low = max(1, round(per_account / 4))
    return low, 2 * per_account - low


def health_for(reference: datetime, now: datetime, threshold_days: int) -> tuple[str, datetime | None]:
    """The dormancy rule: drifting past 2/3 of the threshold, dormant past it. Returns the
    health and since when it holds."""
    silent = (now - reference).total_seconds() / DAY
    if silent >= threshold_days:
        return Health.DORMANT, reference + timedelta(days=threshold_days)
    if silent >= threshold_days * 2 / 3:
        return Health.DRIFTING, reference + timedelta(days=threshold_days * 2 / 3)
    return Health.ACTIVE, None


def _silence(rng: random.Random, threshold: int) -> tuple[str, float]:
    """The planned days since the last contact: 8 % dormant, 10 % drifting, the rest active,
    kept a day away from the boundaries so the dormancy job agrees on any evaluation hour."""
    roll = rng.random()
    if roll < 0.08:
        return "dormant", threshold + 1 + rng.random() * 150
    if roll < 0.18:
        return "drifting", threshold * 2 / 3 + 1 + rng.random() * (threshold / 3 - 2)
    return "active", rng.random() * (threshold * 2 / 3 - 1)


def add_story(
    rng: random.Random,
    plan,
    accounts: list[Account],
    contacts: list[Contact],
    account_contacts: list[list[Contact]],
) -> Story:
    story = Story()
    now = plan.now
    low, high = activity_range(plan.activities_per_account)
    managers = plan.manager_ids or plan.owner_ids[:2]

    # groups and partners: disjoint sets of accounts of this chunk
    n = len(accounts)
    groups = n // 40
    partners = n // 40
    picked = rng.sample(range(n), min(n, groups * 5 + partners))
    cursor = 0
    for _ in range(groups):
        size = rng.randint(3, 5)
        members = [accounts[i] for i in picked[cursor : cursor + size]]
        cursor += size
        if len(members) < 2:
            break
        parent = members[0]
        parent.relationship_level = (
            RelationshipLevel.PARTNERSHIP if rng.random() < 0.3 else parent.relationship_level
        )
        for sub in members[1:]:
            story.parents.append((sub, parent))
    partner_set = set()
    for i in picked[cursor : cursor + partners]:
        partner = accounts[i]
        partner.partner_type = rng.choice(PartnerType.values)
        partner_set.add(i)
        for j in rng.sample(range(n), min(n, rng.randint(3, 8))):
            if j != i and j not in partner_set:
                story.partner_links.append(
                    PartnerLink(
                        partner=partner,
                        customer=accounts[j],
                        note=rng.choice(["区域代理", "负责华东地区分销", "二级经销商", "项目合作伙伴", ""]),
                        created_at=partner.created_at,
                        created_by_id=partner.owner_id,
                    )
                )

    for index, account in enumerate(accounts):
        own = account_contacts[index]
        account.custom_fields = account_values(rng, account)
        for c in own:
            c.custom_fields = contact_values(rng)
            story.links.append(
                instance(
                    ContactAccount,
                    contact=c,
                    account=account,
                    is_primary=True,
                    title=c.title,
                    role=rng.choice(ContactRole.values) if rng.random() < 0.7 else "",
                    created_at=c.created_at,
                )
            )
        if rng.random() < 0.08 and n > 1:  # a contact who also works with another account of the chunk
            other = accounts[rng.randrange(n)]
            if other is not account and own:
                c = rng.choice(own)
                story.links.append(
                    instance(
                        ContactAccount,
                        contact=c,
                        account=other,
                        is_primary=False,
                        role=rng.choice(ContactRole.values),
                        title=c.title,
                        created_at=max(c.created_at, other.created_at),
                    )
                )

        threshold = plan.thresholds.get(account.tier, plan.thresholds[""])
        count = rng.randint(low, high) if high else 0
        last_activity = None
        if count:
            plan_state, silent_days = _silence(rng, threshold)
            last = now - timedelta(seconds=silent_days * DAY)
            if account.created_at > last - timedelta(days=7):  # the customer existed before its follow-ups
                account.created_at = last - timedelta(days=rng.randint(7, 300))
            start = max(account.created_at, now - timedelta(days=365))
            span = max(0.0, (last - start).total_seconds())
            times = sorted(start + timedelta(seconds=rng.random() * span) for _ in range(count - 1))
            times.append(last)
            for k, at in enumerate(times):
                latest = k == len(times) - 1
                owner = account.owner_id if rng.random() < 0.85 else rng.choice(plan.owner_ids)
                activity, involved = make_activity(
                    rng,
                    account=account,
                    contacts=own,
                    at=at,
                    owner_id=owner,
                    next_contact=rng.random() < (0.6 if latest else 0.25),
                    now=now,
                )
                story.activities.append(activity)
                story.activity_contacts.extend(involved)
                for link in involved:
                    c = link.contact
                    if c.last_contact_at is None or at >= c.last_contact_at:
                        c.last_contact_at, c.last_followup_summary = at, activity.summary
                        c.next_contact_at = plan_after(c.next_contact_at, activity)
                account.next_contact_at = plan_after(account.next_contact_at, activity)
            last_activity = story.activities[-1]
            account.last_contact_at = last_activity.occurred_at
            account.last_followup_summary = last_activity.summary
        account.updated_at = max(
            account.updated_at,
            account.created_at,
            last_activity.created_at if last_activity else account.created_at,
        )
        for c in own:
            c.created_at = account.created_at
            c.updated_at = max(c.updated_at, c.created_at)
        account.health, account.health_since = health_for(
            account.last_contact_at or account.created_at, now, threshold
        )
        _lifecycle(rng, story, account, threshold, last_activity, now)

        for _ in range(rng.choices([0, 1, 2, 3], [30, 40, 20, 10])[0]):
            assignee = account.owner_id if rng.random() < 0.8 else rng.choice(managers)
            story.tasks.append(
                make_task(
                    rng,
                    plan=plan,
                    account=account,
                    contacts=own,
                    owner_id=account.owner_id,
                    assignee_id=assignee,
                    activity=last_activity if last_activity and rng.random() < 0.2 else None,
                )
            )
    return story


def _lifecycle(
    rng, story: Story, account: Account, threshold: int, last: Activity | None, now: datetime
) -> None:
    """Stage and level with their history, consistent with the follow-ups and the health."""

    def change(field_name, old, new, at, automatic=False, reason=""):
        story.stage_changes.append(
            instance(
                StageChange,
                account=account,
                field=field_name,
                old=old,
                new=new,
                at=min(at, now),
                actor_id=None if automatic else account.owner_id,
                automatic=automatic,
                reason=reason,
            )
        )

    level = rng.choices(LEVELS, LEVEL_WEIGHTS.get(account.tier, LEVEL_WEIGHTS[""]))[0]
    if account.relationship_level == RelationshipLevel.PARTNERSHIP:
        level = RelationshipLevel.PARTNERSHIP
    if level != RelationshipLevel.BASIC:
        change(
            StageChange.Field.LEVEL,
            RelationshipLevel.BASIC,
            level,
            account.created_at + (now - account.created_at) * rng.random(),
        )
    account.relationship_level = level

    LC = StageChange.Field.LIFECYCLE
    if last is None or rng.random() < 0.1:  # never got going: still a prospect (or lost long ago)
        stage = (
            Lifecycle.LOST if account.health == Health.DORMANT and rng.random() < 0.3 else Lifecycle.PROSPECT
        )
        if stage == Lifecycle.LOST:
            change(
                LC,
                Lifecycle.PROSPECT,
                Lifecycle.LOST,
                account.health_since or now,
                reason="客户已选择竞争对手",
            )
        account.lifecycle_stage = stage
        return
    # by hand, in order, before the latest follow-up; the automatic moves come after it
    lived = last.occurred_at - account.created_at
    became_new = account.created_at + lived * rng.uniform(0.02, 0.3)
    change(LC, Lifecycle.PROSPECT, Lifecycle.NEW, became_new, reason="首单成交")
    stage = Lifecycle.NEW
    if lived > timedelta(days=60) or rng.random() < 0.5:
        became_active = became_new + (last.occurred_at - became_new) * rng.uniform(0.1, 0.8)
        change(LC, Lifecycle.NEW, Lifecycle.ACTIVE, became_active)
        stage = Lifecycle.ACTIVE
        if (
            account.health == Health.ACTIVE and rng.random() < 0.08
        ):  # went dormant once, won back by a follow-up
            change(
                LC,
                Lifecycle.ACTIVE,
                Lifecycle.DORMANT,
                last.occurred_at - (last.occurred_at - became_active) * 0.2,
                automatic=True,
                reason=REASON_DORMANT,
            )
            change(
                LC,
                Lifecycle.DORMANT,
                Lifecycle.WON_BACK,
                last.occurred_at,
                automatic=True,
                reason=REASON_FOLLOWUP,
            )
            stage = Lifecycle.WON_BACK
    if account.health in (Health.DRIFTING, Health.DORMANT):
        drifting_from = account.last_contact_at + timedelta(  # type: ignore[operator]  # drifting: contacted once
            days=threshold * 2 / 3
        )
        change(LC, stage, Lifecycle.AT_RISK, drifting_from, automatic=True, reason=REASON_DRIFTING)
        stage = Lifecycle.AT_RISK
        if account.health == Health.DORMANT:
            change(LC, stage, Lifecycle.DORMANT, account.health_since, automatic=True, reason=REASON_DORMANT)
            stage = Lifecycle.DORMANT
    account.lifecycle_stage = stage
