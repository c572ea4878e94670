"""The sales demo's configuration: exchange rates, the two pipelines, scoring and assignment rules,
the web form and the two pools."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from guanxi.customers.models import Industry
from guanxi.org.models import Department, User
from guanxi.sales.models import (
    AssignmentRule,
    ExchangeRate,
    LeadForm,
    LeadSource,
    Pipeline,
    Pool,
    PoolRule,
    ScoringRule,
    Stage,
)

from .data import CHANNEL_NAME, CHANNEL_STAGES, DEFAULT_STAGES, FORM_CONSENT, RATES


def ensure_rates(now: datetime) -> dict[str, Decimal]:
    for currency, rate in RATES.items():
        ExchangeRate.objects.update_or_create(currency=currency, defaults={"rate": rate, "updated_at": now})
    return dict(ExchangeRate.objects.values_list("currency", "rate"))


def _pipeline(names_: tuple[str, str, str], stages, *, default: bool, order: int) -> Pipeline:
    pipeline = Pipeline.objects.create(
        name_en=names_[0], name_zh_hans=names_[1], name_zh_hant=names_[2], is_default=default, order=order
    )
    Stage.objects.bulk_create(
        [
            Stage(
                pipeline=pipeline,
                name_en=en,
                name_zh_hans=hans,
                name_zh_hant=hant,
                type=kind,
                probability=p,
                order=(i + 1) * 10,
            )
            for i, (en, hans, hant, kind, p) in enumerate(stages)
        ]
    )
    return pipeline


def ensure_pipelines() -> tuple[Pipeline, Pipeline]:
    """The default pipeline (from the data migration) and the demo's channel pipeline."""
    default = (
        Pipeline.objects.filter(is_default=True, deleted_at__isnull=True).order_by("order", "id").first()
    )
    if default is None or not default.stages.filter(type=Stage.Type.OPEN).exists():
        default = _pipeline(
            ("Standard sales", "标准销售流程", "標準銷售流程"), DEFAULT_STAGES, default=True, order=0
        )
    channel = Pipeline.objects.filter(name_en=CHANNEL_NAME[0], deleted_at__isnull=True).first() or _pipeline(
        CHANNEL_NAME, CHANNEL_STAGES, default=False, order=10
    )
    return default, channel


def stages_of(pipeline: Pipeline) -> tuple[list[Stage], Stage, Stage]:
    stages = list(pipeline.stages.filter(active=True).order_by("order", "id"))
    return (
        [s for s in stages if s.type == Stage.Type.OPEN],
        next(s for s in stages if s.type == Stage.Type.WON),
        next(s for s in stages if s.type == Stage.Type.LOST),
    )


def make_rules(users: dict[str, User], depts: dict[str, Department]) -> list[ScoringRule]:
    rules = ScoringRule.objects.bulk_create(
        [
            ScoringRule(
                name="制造业 Manufacturing",
                kind=ScoringRule.Kind.FIELD,
                field="industry",
                operator=ScoringRule.Operator.EQUALS,
                value=Industry.MANUFACTURING,
                points=10,
                order=10,
            ),
            ScoringRule(
                name="客户推荐 Referral",
                kind=ScoringRule.Kind.FIELD,
                field="source",
                operator=ScoringRule.Operator.EQUALS,
                value=LeadSource.REFERRAL,
                points=15,
                order=20,
            ),
            ScoringRule(
                name="留了手机号 Mobile given",
                kind=ScoringRule.Kind.FIELD,
                field="mobile",
                operator=ScoringRule.Operator.NOT_EMPTY,
                value="",
                points=5,
                order=30,
            ),
            ScoringRule(
                name="两天内回复 Replied within 2 days",
                kind=ScoringRule.Kind.ACTIVITY,
                field="",
                operator=ScoringRule.Operator.INBOUND_REPLY,
                value=2,
                points=20,
                order=40,
            ),
        ]
    )
    south = AssignmentRule.objects.create(
        name="广东 → 华南销售组 Guangdong to South",
        order=10,
        conditions={"province": ["广东省"]},
        method=AssignmentRule.Method.ROUND_ROBIN,
    )
    south.users.set([users["rep3"]])
    web = AssignmentRule.objects.create(
        name="官网线索 → 华东轮流分配 Web leads to East",
        order=20,
        conditions={"source": [LeadSource.WEB_FORM]},
        method=AssignmentRule.Method.ROUND_ROBIN,
        capacity=30,
        last_user=users["rep2"],
    )
    web.users.set([users["rep1"], users["rep2"]])
    return rules


def make_form(admin: User, now: datetime) -> LeadForm:
    def field(name, required, en, hans, hant):
        return {
            "name": name,
            "required": required,
            "label_en": en,
            "label_zh_hans": hans,
            "label_zh_hant": hant,
        }

    return LeadForm.objects.create(
        name="官网咨询 Website enquiry",
        slug="contact-us",
        created_by=admin,
        created_at=now - timedelta(days=60),
        fields=[
            field("name", True, "Your name", "您的姓名", "您的姓名"),
            field("company", True, "Company", "公司名称", "公司名稱"),
            field("mobile", False, "Mobile", "手机号码", "手機號碼"),
            field("email", False, "Email", "电子邮箱", "電子郵箱"),
            field("province", False, "Province", "所在省份", "所在省份"),
            field("city", False, "City", "所在城市", "所在城市"),
            field("industry", False, "Industry", "所属行业", "所屬行業"),
            field("description", False, "How can we help?", "您的需求", "您的需求"),
        ],
        title_en="Talk to our sales team",
        title_zh_hans="联系我们的销售顾问",
        title_zh_hant="聯繫我們的銷售顧問",
        consent_text_en=FORM_CONSENT["en"],
        consent_text_zh_hans=FORM_CONSENT["zh_hans"],
        consent_text_zh_hant=FORM_CONSENT["zh_hant"],
        success_message_en="Thank you! A sales consultant will contact you within one working day.",
        success_message_zh_hans="感谢您的咨询！销售顾问将在一个工作日内与您联系。",
        success_message_zh_hant="感謝您的諮詢！銷售顧問將在一個工作日內與您聯繫。",
        source=LeadSource.WEB_FORM,
        submissions=0,
    )


def make_pools(users: dict[str, User], depts: dict[str, Department], since: datetime) -> tuple[Pool, Pool]:
    east = Pool.objects.create(
        name="华东公海 East customer pool",
        kind=Pool.Kind.CUSTOMER,
        created_at=since,
        updated_at=since,
        description="华东销售组的客户公海：长期未跟进、无商机或未成交的客户自动收回，组内成员可领取。",
        daily_claim_limit=5,
        ownership_cap=50,
        cap_counts_won=True,
        former_owner_cooldown_days=7,
        reminder_days=3,
        lock_limit=3,
        mask_contact_info=True,
        order=10,
    )
    east.member_departments.set([depts["east"]])
    east.admins.set([users["manager1"]])
    PoolRule.objects.bulk_create(
        [
            PoolRule(pool=east, kind=PoolRule.Kind.NO_FOLLOWUP, days=30, tier="A"),
            PoolRule(pool=east, kind=PoolRule.Kind.NO_FOLLOWUP, days=45, tier="B"),
            PoolRule(pool=east, kind=PoolRule.Kind.NO_FOLLOWUP, days=60, tier="C"),
            PoolRule(pool=east, kind=PoolRule.Kind.NO_OPPORTUNITY, days=60, tier=""),
            PoolRule(pool=east, kind=PoolRule.Kind.NOT_WON, days=180, tier=""),
        ]
    )
    leads = Pool.objects.create(
        name="线索公海 Lead pool",
        kind=Pool.Kind.LEAD,
        created_at=since,
        updated_at=since,
        description="全体销售共享的线索池：官网与展会线索在此等待领取，30 天未跟进的线索自动收回。",
        daily_claim_limit=10,
        ownership_cap=60,
        former_owner_cooldown_days=3,
        reminder_days=3,
        lock_limit=5,
        mask_contact_info=True,
        order=20,
    )
    leads.member_departments.set([depts["sales"]])
    leads.admins.set([users["director"], users["manager1"]])
    PoolRule.objects.create(pool=leads, kind=PoolRule.Kind.NO_FOLLOWUP, days=30, tier="")
    return east, leads
