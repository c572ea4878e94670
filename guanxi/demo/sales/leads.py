"""The sales demo's leads (every source, region, industry and status, some converted, some with
follow-ups, scored by the demo rules) and the notifications they bring."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

from guanxi.customers.models import Industry
from guanxi.engagement.models import Activity, ActivityKind, Direction, Notification
from guanxi.org.models import User
from guanxi.sales.models import Lead, LeadForm, LeadSource, LeadStatus, Opportunity, Pool, ScoringRule

from .. import names
from .data import DAY, FORM_CONSENT, LEAD_STATUSES, LEADS, POOLED, PROVINCES, SOURCES, UNQUALIFIED_REASONS


def score(lead: Lead, rules: list[ScoringRule], replied: bool) -> tuple[int, list[dict]]:
    """The demo scoring rules applied as scoring/services.py applies them (rescore() refreshes them
    afterwards once the scoring feature is there)."""
    reasons: list[dict[str, Any]] = []
    for rule in rules:
        if rule.kind == ScoringRule.Kind.ACTIVITY:
            hit = replied
        elif rule.operator == ScoringRule.Operator.NOT_EMPTY:
            hit = bool(getattr(lead, rule.field, ""))
        else:
            hit = getattr(lead, rule.field, None) == rule.value
        if hit:
            reasons.append({"rule": rule.pk, "label": rule.name, "points": rule.points})
    return sum(r["points"] for r in reasons), reasons


def _lead_person(rng: random.Random, i: int) -> dict:
    company = names.company(rng, 900_000 + i)
    city = next((c for c in PROVINCES if company["name"].startswith(c)), None)
    if city is None:
        city = rng.choice(list(PROVINCES))
        company["name"] = f"{city}{rng.choice(names.WORDS)}{rng.choice(names.TRADES)[0]}有限公司"
    person = names.person(rng, "cn")
    return {
        "name": person["name"],
        "company": company["name"],
        "title": person["title"],
        "mobile": person["mobile"].replace(" ", "") if rng.random() < 0.85 else "",
        "email": person["email"] if rng.random() < 0.7 else "",
        "province": PROVINCES[city],
        "city": f"{city}市",
        "industry": company["industry"] if company["industry"] in Industry.values else Industry.OTHER,
    }


def make_leads(
    rng: random.Random, users, form: LeadForm, rules, converted_targets, pool: Pool, now: datetime, clock
) -> tuple[list[Lead], list[Activity]]:
    statuses = [s for s, n in LEAD_STATUSES for _ in range(n)]
    rng.shuffle(statuses)
    leads, activities, replied = [], [], {}
    east_turn = 0
    for i in range(LEADS + POOLED):
        data = _lead_person(rng, i)
        source = rng.choices([s for s, _ in SOURCES], [w for _, w in SOURCES])[0]
        created = now - timedelta(seconds=rng.randrange(2 * 3600, 75 * DAY))
        pooled = i >= LEADS
        status = LeadStatus.NEW if pooled and i % 3 else LeadStatus.WORKING if pooled else statuses[i]
        if data["province"] == "广东省":
            owner = users["rep3"]
        elif source == LeadSource.WEB_FORM:  # the assignment rule's round robin
            owner = users[("rep1", "rep2")[east_turn % 2]]
            east_turn += 1
        else:
            owner = users[rng.choice(["rep1", "rep2", "manager1", "rep3", "director"])]
        lead = Lead(
            **data,
            source=source,
            status=status,
            created_at=created,
            updated_at=created,
            owner=None if pooled else owner,
            created_by=owner,
            pool=pool if pooled else None,
            owned_since=None if pooled else clock(created),
            description="希望了解产品报价与实施周期。" if rng.random() < 0.4 else "",
        )
        if source == LeadSource.WEB_FORM:
            lead.form, lead.consent_text, lead.consent_at = form, FORM_CONSENT["zh_hans"], created
        if status == LeadStatus.UNQUALIFIED:
            lead.unqualified_reason = rng.choice(UNQUALIFIED_REASONS)
        if status == LeadStatus.CONVERTED and converted_targets:
            account, contact, opportunity = converted_targets.pop()
            lead.owner = lead.created_by = users_by_pk(users)[account.owner_id]
            lead.owned_since = clock(created)
            lead.company, lead.name, lead.industry = (
                account.name,
                contact.name,
                account.industry or lead.industry,
            )
            city = next((c for c in PROVINCES if account.name.startswith(c)), None)
            lead.province, lead.city = (PROVINCES[city], f"{city}市") if city else ("", "")
            lead.mobile, lead.email = contact.mobile, contact.email
            lead.account, lead.contact, lead.opportunity = account, contact, opportunity
            lead.converted_at = lead.updated_at = created + timedelta(days=rng.randrange(2, 20))
            lead.converted_by = lead.owner
        elif status == LeadStatus.CONVERTED:
            lead.status = LeadStatus.QUALIFIED
        # follow-ups: most worked leads, some replied within two days of coming in
        touches = 0 if pooled or lead.status == LeadStatus.NEW else rng.randrange(1, 4)
        at = created
        for t in range(touches):
            at = min(now - timedelta(minutes=30), at + timedelta(seconds=rng.randrange(3 * 3600, 6 * DAY)))
            inbound = t == 0 and rng.random() < 0.4
            activities.append(
                Activity(
                    kind=rng.choice([ActivityKind.CALL, ActivityKind.MESSAGE, ActivityKind.EMAIL]),
                    direction=Direction.INBOUND if inbound else Direction.OUTBOUND,
                    lead=lead,
                    subject="客户回电咨询报价"
                    if inbound
                    else rng.choice(["首次电话沟通", "发送产品资料", "微信跟进需求"]),
                    content="客户对方案感兴趣，希望下周安排演示。"
                    if inbound
                    else "介绍了产品功能与成功案例，约定再次沟通。",
                    occurred_at=at,
                    owner=lead.owner or owner,
                    created_by=lead.owner or owner,
                    created_at=at,
                    updated_at=at,
                )
            )
            if inbound and at - created <= timedelta(days=2):
                replied[i] = True
            lead.last_contact_at = at
            lead.updated_at = max(lead.updated_at, at)
        lead.score, lead.score_reasons = score(lead, rules, replied.get(i, False))
        leads.append(lead)
    Lead.objects.bulk_create(leads)
    for activity in activities:
        activity.lead_id = activity.lead.pk  # type: ignore[union-attr]  # each was made for a lead
    Activity.objects.bulk_create(activities)
    for lead in leads:
        if lead.opportunity_id:
            Opportunity.objects.filter(pk=lead.opportunity_id).update(lead=lead)
    return leads, activities


def users_by_pk(users: dict[str, User]) -> dict[int, User]:
    return {u.pk: u for u in users.values()}


def make_notifications(users, leads: list[Lead], now: datetime) -> int:
    rows = []
    for lead in [x for x in leads if x.form_id and x.owner_id and x.status == LeadStatus.NEW][:4]:
        rows.append(
            Notification(
                user_id=lead.owner_id,  # type: ignore[misc]  # only leads with an owner
                kind=Notification.Kind.LEAD_ASSIGNED,
                title=str(lead)[:200],
                url=f"/sales/leads/{lead.pk}/",
                object_type="lead",
                object_id=lead.pk,
                created_at=lead.created_at,
            )
        )
    rows.append(
        Notification(
            user=users["rep1"],
            kind=Notification.Kind.POOL,
            title="1 位客户将在 3 天后收回公海",
            body="超过 30 天未跟进的 A 类客户将自动收回华东公海，请尽快跟进或申请锁定。",
            url="/sales/pools/",
            created_at=now - timedelta(hours=6),
        )
    )
    Notification.objects.bulk_create(rows)
    return len(rows)
