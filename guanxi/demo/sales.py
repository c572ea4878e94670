"""The sales side of the demo: what `make demo` shows on the kanban, the pools and the dashboards.

`make_sales_demo(users)` runs after the demo organization and customers (generate.py) and adds,
in one transaction, once (it does nothing when the database already has leads, opportunities or
pools, so running `guanxi demo-data` again never doubles them):

- exchange rates of USD, EUR, HKD, TWD and JPY against CNY, dated today (demo values, roughly
  the market's in 2026, not a rate feed);
- the default pipeline (from sales migration 0002; made here only when it is missing) and a
  second one, "渠道销售 Channel sales";
- about 60 opportunities of rep1, rep2, rep3 and manager1 across every stage of both pipelines,
  5万–200万, closing over this and next quarter, won and lost ones closed in the last months
  (lost with a reason), each with its stage history (believable days per stage) and contact roles;
- about 80 leads of every source, region, industry and status (converted ones linked to the
  account, contact and opportunity they became; unqualified ones with a reason), some with
  follow-ups, scored by the demo scoring rules;
- scoring rules, assignment rules (广东 → rep3; web-form leads → rep1/rep2 round robin, 30 open
  each at most) and the web form 官网咨询 (`/f/contact-us`) with consent text in three languages;
- two pools: 华东公海 (East customers, with reclaim rules per tier) and 线索公海 (leads, all of
  Sales), each holding about 15 records (owner NULL, pool set), with claims, returns, a reclaim
  and a few locked records among the members';
- targets for this month and quarter for rep1–rep3, manager1, East, South and Sales, set so that
  the forecast's attainment lands between about 40 % and 110 %.

The rows are written with bulk_create, with the same derived fields the services keep
(amount_base, stage_type, probability, stage_entered_at, closed_at, owned_since, score and its
reasons), a "create" audit row per lead and opportunity, and search index entries.

Ownership clock: the pools "started" a few weeks before the demo, so customers are owned since a
date within the last 40 days (generate.owned_since) rather than since their creation, up to two
years ago — otherwise the first nightly reclaim would take back nearly every customer without
an open opportunity. A handful are placed just before a reminder and just past a rule, so that
the first nights show reminders and a reclaim.
"""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from guanxi.audit.services import record_bulk
from guanxi.customers.models import Account, Contact, ContactRole, Industry
from guanxi.engagement.models import Activity, ActivityKind, Direction, Notification
from guanxi.org.models import Department, User
from guanxi.sales.models import (
    AssignmentRule,
    ExchangeRate,
    Lead,
    LeadForm,
    LeadSource,
    LeadStatus,
    Opportunity,
    OpportunityContact,
    OpportunityStageChange,
    Pipeline,
    Pool,
    PoolEvent,
    PoolRule,
    ScoringRule,
    Stage,
    Target,
)
from guanxi.search import services as search

from . import names

DAY = 86400
CENT = Decimal("0.01")

# Demo values, about the market's in 2026 (CNY per unit); not a rate feed.
RATES = {
    "USD": Decimal("7.1200"),
    "EUR": Decimal("7.7500"),
    "HKD": Decimal("0.9150"),
    "TWD": Decimal("0.2200"),
    "JPY": Decimal("0.0475"),
}

DEFAULT_STAGES = [  # (en, zh-hans, zh-hant, type, probability)
    ("Qualification", "初步接洽", "初步接洽", "open", 10),
    ("Needs analysis", "需求分析", "需求分析", "open", 25),
    ("Proposal", "方案报价", "方案報價", "open", 50),
    ("Negotiation", "商务谈判", "商務談判", "open", 75),
    ("Won", "赢单", "贏單", "won", 100),
    ("Lost", "输单", "輸單", "lost", 0),
]
CHANNEL_STAGES = [
    ("Partner contact", "渠道接洽", "渠道接洽", "open", 10),
    ("Joint visit", "联合拜访", "聯合拜訪", "open", 30),
    ("Quotation", "报价", "報價", "open", 60),
    ("Contract review", "合同审批", "合約審批", "open", 80),
    ("Won", "赢单", "贏單", "won", 100),
    ("Lost", "输单", "輸單", "lost", 0),
]
CHANNEL_NAME = ("Channel sales", "渠道销售", "渠道銷售")

PROJECTS = [
    "ERP 升级项目",
    "CRM 系统采购",
    "MES 生产管理系统",
    "数据中台建设",
    "云服务器扩容",
    "年度运维服务",
    "智能仓储改造",
    "视频会议系统",
    "信息安全等保项目",
    "供应链协同平台",
    "OA 办公系统",
    "财务共享中心",
    "生产设备采购",
    "门店收银系统",
    "工业物联网试点",
    "员工培训平台",
]
CHANNEL_PROJECTS = ["区域代理合作", "经销商年度框架协议", "渠道备货订单", "联合解决方案推广", "分销系统授权"]
COMPETITORS = ["用友", "金蝶", "SAP", "Oracle", "Salesforce", "纷享销客", "销售易", "鼎捷"]
LOSS_REASONS = [
    "价格高于竞品约 15%，客户选择了用友",
    "客户预算冻结，项目暂停",
    "竞品提供了免费试用期",
    "决策人变更，新领导倾向原有供应商",
    "交付周期无法满足客户要求",
]
WIN_REASONS = ["方案贴合业务流程，客户认可实施团队", "价格与服务综合最优", "老客户推荐，信任度高"]
NEXT_STEPS = [
    "下周二上门演示",
    "发送修订版报价单",
    "约技术负责人电话会议",
    "准备合同草案",
    "安排客户参观样板工厂",
    "确认采购流程与审批人",
]
UNQUALIFIED_REASONS = ["无预算", "仅为学生调研", "同行咨询", "需求不在我们的产品范围", "联系方式无效"]
RETURN_REASONS = [
    "客户暂无采购计划，一年内不考虑",
    "客户已与竞品签约",
    "联系人离职，暂无新的对接人",
    "客户在外地，不便跟进",
    "客户规模太小，不符合重点客户标准",
]
PROVINCES = {
    "杭州": "浙江省",
    "宁波": "浙江省",
    "温州": "浙江省",
    "上海": "上海市",
    "苏州": "江苏省",
    "南京": "江苏省",
    "无锡": "江苏省",
    "深圳": "广东省",
    "广州": "广东省",
    "东莞": "广东省",
    "佛山": "广东省",
    "厦门": "福建省",
    "福州": "福建省",
    "北京": "北京市",
    "天津": "天津市",
    "成都": "四川省",
    "重庆": "重庆市",
    "武汉": "湖北省",
    "西安": "陕西省",
    "青岛": "山东省",
    "济南": "山东省",
    "合肥": "安徽省",
    "长沙": "湖南省",
    "昆明": "云南省",
}
SOURCES = [
    (LeadSource.WEB_FORM, 8),
    (LeadSource.WEBSITE, 3),
    (LeadSource.PHONE, 3),
    (LeadSource.REFERRAL, 4),
    (LeadSource.CAMPAIGN, 2),
    (LeadSource.TRADE_SHOW, 3),
    (LeadSource.ADVERTISING, 2),
    (LeadSource.PARTNER, 2),
    (LeadSource.COLD_CALL, 2),
]
LEAD_STATUSES = [
    (LeadStatus.NEW, 22),
    (LeadStatus.WORKING, 22),
    (LeadStatus.QUALIFIED, 13),
    (LeadStatus.UNQUALIFIED, 11),
    (LeadStatus.CONVERTED, 12),
]
OPPORTUNITY_OWNERS = ["rep1", "rep2", "rep3", "manager1"]
LEAD_OWNERS = {"east": ["rep1", "rep2", "manager1"], "south": ["rep3"]}
LEADS = 80
OPPORTUNITIES = {"default": 42, "channel": 18}
POOLED = 15  # records per pool

FORM_CONSENT = {
    "en": "I agree that Guanxi may store my details to answer this enquiry and contact me about it. "
    "I can withdraw my consent at any time.",
    "zh_hans": "我同意 Guanxi 保存我提交的信息，用于答复本次咨询并与我联系。我可以随时撤回同意。",
    "zh_hant": "我同意 Guanxi 保存我提交的資料，用於答覆本次諮詢並與我聯繫。我可以隨時撤回同意。",
}


# --- helpers ------------------------------------------------------------------------------------


def money(value) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def base_amount(amount: Decimal, currency: str, rates: dict[str, Decimal]) -> Decimal:
    return money(amount * (rates.get(currency) or Decimal(1)))


def quarter_bounds(day: date, offset: int = 0) -> tuple[date, date, str]:
    """First day, last day (inclusive) and the period code ("2026-Q4") of day's quarter + offset."""
    index = (day.year * 4 + (day.month - 1) // 3) + offset
    year, q = divmod(index, 4)
    start = date(year, q * 3 + 1, 1)
    nxt = date(year + (q == 3), (q * 3 + 3) % 12 + 1, 1)
    return start, nxt - timedelta(days=1), f"{year}-Q{q + 1}"


def month_bounds(day: date) -> tuple[date, date, str]:
    start = day.replace(day=1)
    nxt = date(day.year + (day.month == 12), day.month % 12 + 1, 1)
    return start, nxt - timedelta(days=1), f"{day.year}-{day.month:02d}"


def short_name(company: str) -> str:
    for suffix in (
        "集团有限公司",
        "股份有限公司",
        "科技股份有限公司",
        "企業股份有限公司",
        "有限公司",
        "Holdings Limited",
        "Trading Ltd",
        "Technologies Inc.",
        "Partners LLC",
        "Systems Pte. Ltd.",
        "Logistics GmbH",
    ):
        if company.endswith(suffix):
            return company[: -len(suffix)].strip()
    return company


def local_dt(day: date, rng: random.Random) -> datetime:
    return timezone.make_aware(
        datetime.combine(day, datetime.min.time())
        + timedelta(hours=rng.randrange(9, 18), minutes=rng.randrange(60))
    )


# --- configuration: rates, pipelines, rules, form, pools ---------------------------------------


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


# --- opportunities ------------------------------------------------------------------------------


class Timeline:
    """The stage path of one deal, backwards from where it is now."""

    def __init__(self, rng: random.Random, now: datetime):
        self.rng, self.now = rng, now

    def path(self, open_stages: list[Stage], won: Stage, lost: Stage, outcome: str) -> list[Stage]:
        if outcome == "won":
            return [*open_stages, won] if self.rng.random() < 0.7 else [*open_stages[1:], won]
        if outcome == "lost":
            return [*open_stages[: self.rng.randrange(1, len(open_stages) + 1)], lost]
        # open deals cycle through the stages (more of them early in the funnel), so every column has cards
        self.opened = getattr(self, "opened", -1) + 1
        return open_stages[: min(len(open_stages), (1, 2, 3, 4, 2, 1, 3, 2)[self.opened % 8])]

    def moments(self, steps: int, end: datetime, *, open_: bool) -> list[datetime]:
        """When each stage of the path was entered: 3–25 days per stage, the last one (an open
        deal's current stage) entered 1–20 days before `end`."""
        at = end - timedelta(seconds=self.rng.randrange(1 * DAY, 20 * DAY)) if open_ else end
        moments = [at]
        for _ in range(steps - 1):
            at -= timedelta(seconds=self.rng.randrange(3 * DAY, 25 * DAY))
            moments.append(at)
        return moments[::-1]


def make_opportunities(
    rng: random.Random, users, pipelines, rates, accounts_by_owner, now: datetime, today: date
) -> list[Opportunity]:
    q_start, _q_end, _ = quarter_bounds(today)
    _n_start, next_q_end, _ = quarter_bounds(today, 1)
    m_start, _m_end, _ = month_bounds(today)
    timeline = Timeline(rng, now)
    opportunities, changes, roles = [], [], []
    for key, count in OPPORTUNITIES.items():
        pipeline = pipelines[key]
        open_stages, won, lost = stages_of(pipeline)
        for i in range(count):
            owner = users[OPPORTUNITY_OWNERS[i % len(OPPORTUNITY_OWNERS)]]
            if not accounts_by_owner[owner.pk]:
                continue
            account = rng.choice(accounts_by_owner[owner.pk])
            j = i // len(OPPORTUNITY_OWNERS)  # each owner's j-th deal: a few won, fewer lost, most open
            outcome = "won" if j % 4 == 1 else "lost" if j % 6 == 3 else "open"
            path = timeline.path(open_stages, won, lost, outcome)
            if outcome == "open":
                moments = timeline.moments(len(path), now, open_=True)
                expected = today + timedelta(days=rng.randrange(3, max(4, (next_q_end - today).days + 1)))
                closed_at = None
            else:
                # closed in the last months; some this month and this quarter for the forecast
                window_start = (
                    m_start if j % 3 == 0 else q_start if j % 3 == 1 else q_start - timedelta(days=75)
                )
                span = int((now - local_dt(window_start, rng)).total_seconds()) - 3600
                if span < 7200:  # early on the window's first day: lately, but not before that day
                    since = now - timezone.make_aware(datetime.combine(window_start, datetime.min.time()))
                    span = max(1, min(7200, int(since.total_seconds())))
                closed_at = now - timedelta(seconds=rng.randrange(min(600, span - 1), span))
                moments = timeline.moments(len(path), closed_at, open_=False)
                expected = timezone.localdate(closed_at)
            currency = "CNY" if rng.random() < 0.85 else rng.choice(["USD", "HKD", "EUR"])
            cny = Decimal(
                int(50000 * (40 ** rng.random())) // 1000 * 1000
            )  # 5万–200万, more small than large
            amount = cny if currency == "CNY" else (cny / rates[currency] / 100).quantize(Decimal(1)) * 100
            stage = path[-1]
            probability = stage.probability
            manual = outcome == "open" and rng.random() < 0.1
            if manual:
                probability = min(95, stage.probability + 15)
            projects = CHANNEL_PROJECTS if key == "channel" else PROJECTS
            opp = Opportunity(
                name=f"{short_name(account.name)} {rng.choice(projects)}"[:200],
                account=account,
                owner=owner,
                created_by=owner,
                amount=money(amount),
                currency=currency,
                amount_base=base_amount(money(amount), currency, rates),
                pipeline=pipeline,
                stage=stage,
                stage_type=stage.type,
                probability=probability,
                probability_manual=manual,
                expected_close=expected,
                next_step=rng.choice(NEXT_STEPS) if outcome == "open" else "",
                competitors=rng.sample(COMPETITORS, rng.randrange(0, 3)),
                loss_reason=rng.choice(LOSS_REASONS) if outcome == "lost" else "",
                win_reason=rng.choice(WIN_REASONS) if outcome == "won" else "",
                created_at=moments[0],
                updated_at=moments[-1],
                stage_entered_at=moments[-1],
                closed_at=closed_at,
            )
            opportunities.append(opp)
            previous = None
            for at, step in zip(moments, path, strict=True):
                changes.append(
                    OpportunityStageChange(
                        opportunity=opp,
                        from_stage=previous[1] if previous else None,
                        to_stage=step,
                        at=at,
                        actor=owner,
                        seconds_in_stage=int((at - previous[0]).total_seconds()) if previous else None,
                        amount=opp.amount,
                        probability=step.probability,
                        reason=opp.loss_reason if step.type == Stage.Type.LOST else "",
                    )
                )
                previous = (at, step)
    Opportunity.objects.bulk_create(opportunities)
    for change in changes:
        change.opportunity_id = change.opportunity.pk
    OpportunityStageChange.objects.bulk_create(changes)
    contacts = defaultdict(list)
    for contact in Contact.objects.filter(account__in=[o.account_id for o in opportunities]).order_by("id"):
        contacts[contact.account_id].append(contact)
    role_choices = [
        ContactRole.DECISION_MAKER,
        ContactRole.INFLUENCER,
        ContactRole.TECHNICAL,
        ContactRole.BUYER,
        ContactRole.FINANCE,
    ]
    for opp in opportunities:
        for j, contact in enumerate(contacts[opp.account_id][: rng.randrange(1, 4)]):
            roles.append(
                OpportunityContact(
                    opportunity=opp, contact=contact, role=role_choices[(opp.pk + j) % 5], is_primary=j == 0
                )
            )
    OpportunityContact.objects.bulk_create(roles)
    return opportunities


# --- leads ----------------------------------------------------------------------------------------


def score(lead: Lead, rules: list[ScoringRule], replied: bool) -> tuple[int, list[dict]]:
    """The demo scoring rules applied as scoring/services.py applies them (rescore() refreshes them
    afterwards once the scoring feature is there)."""
    reasons = []
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
        activity.lead_id = activity.lead.pk
    Activity.objects.bulk_create(activities)
    for lead in leads:
        if lead.opportunity_id:
            Opportunity.objects.filter(pk=lead.opportunity_id).update(lead=lead)
    return leads, activities


def users_by_pk(users: dict[str, User]) -> dict[int, User]:
    return {u.pk: u for u in users.values()}


# --- pools: records in them, claims, returns, locks -----------------------------------------------


def fill_pools(
    rng: random.Random, users, east: Pool, lead_pool: Pool, leads: list[Lead], busy: set[int], now: datetime
) -> dict[str, int]:
    east_ids = [users[u].pk for u in ("manager1", "rep1", "rep2")]
    members = list(
        Account.objects.filter(owner_id__in=east_ids, deleted_at__isnull=True)
        .exclude(pk__in=busy)
        .order_by("id")
    )
    rng.shuffle(members)
    pooled, rest = members[:POOLED], members[POOLED:]
    events = []
    for j, account in enumerate(pooled):
        former = account.owner_id
        when = (
            now - timedelta(seconds=rng.randrange(9 * DAY, 50 * DAY))
            if j > 1
            else now - timedelta(seconds=rng.randrange(DAY, 4 * DAY))
        )  # two recent returns: the former owner waits 7 days
        action = PoolEvent.Action.RECLAIM if j % 5 == 4 else PoolEvent.Action.RETURN
        reason = (
            (
                f"No follow-up for {60 if account.tier == 'C' else 45 if account.tier == 'B' else 30} days "
                f"(tier {account.tier or '—'})"
            )
            if action == PoolEvent.Action.RECLAIM
            else rng.choice(RETURN_REASONS)
        )
        events.append(
            PoolEvent(
                pool=east,
                object_type="account",
                object_id=account.pk,
                action=action,
                actor_id=None if action == PoolEvent.Action.RECLAIM else former,
                from_owner_id=former,
                reason=reason,
                created_at=when,
            )
        )
    Account.objects.filter(pk__in=[a.pk for a in pooled]).update(
        owner=None, pool=east, owned_since=None, pool_locked=False
    )
    Contact.objects.filter(account__in=[a.pk for a in pooled]).update(owner=None)
    search.SearchDocument.objects.filter(
        Q(object_type="account", object_id__in=[a.pk for a in pooled])
        | Q(
            object_type="contact",
            object_id__in=Contact.objects.filter(account__in=[a.pk for a in pooled]).values("pk"),
        )
    ).update(owner_id=None)
    # Claims and an assignment among the members' own customers (owned since then), and locks.
    for j, account in enumerate(rest[:5]):
        when = now - timedelta(seconds=rng.randrange(2 * DAY, 20 * DAY))
        assign = j == 4
        events.append(
            PoolEvent(
                pool=east,
                object_type="account",
                object_id=account.pk,
                action=PoolEvent.Action.ASSIGN if assign else PoolEvent.Action.CLAIM,
                actor_id=users["manager1"].pk if assign else account.owner_id,
                to_owner_id=account.owner_id,
                created_at=when,
                reason="客户所在区域由该销售负责" if assign else "",
            )
        )
        Account.objects.filter(pk=account.pk).update(owned_since=when)
    locked = sorted(rest[5:], key=lambda a: a.tier or "Z")[:3]  # key customers first
    for account in locked:
        events.append(
            PoolEvent(
                pool=east,
                object_type="account",
                object_id=account.pk,
                action=PoolEvent.Action.LOCK,
                actor_id=account.owner_id,
                to_owner_id=account.owner_id,
                reason="重点跟进中的大客户",
                created_at=now - timedelta(days=rng.randrange(3, 15)),
            )
        )
    Account.objects.filter(pk__in=[a.pk for a in locked]).update(pool_locked=True)
    # The lead pool: returns and a reclaim for the leads in it.
    for j, lead in enumerate(x for x in leads if x.pool_id):
        former = users[rng.choice(["rep1", "rep2", "rep3"])].pk
        reclaim = j % 4 == 3
        events.append(
            PoolEvent(
                pool=lead_pool,
                object_type="lead",
                object_id=lead.pk,
                action=PoolEvent.Action.RECLAIM
                if reclaim
                else PoolEvent.Action.ENTER
                if j % 4 == 0
                else PoolEvent.Action.RETURN,
                actor_id=None if reclaim else former,
                from_owner_id=None if j % 4 == 0 else former,
                reason="No follow-up for 30 days"
                if reclaim
                else ""
                if j % 4 == 0
                else rng.choice(UNQUALIFIED_REASONS[:2] + RETURN_REASONS[:2]),
                created_at=max(lead.created_at, now - timedelta(seconds=rng.randrange(DAY, 20 * DAY))),
            )
        )
    PoolEvent.objects.bulk_create(events)
    return {"pooled_accounts": len(pooled), "locked": len(locked), "pool_events": len(events)}


def ownership_clock(users, busy: set[int], now: datetime) -> None:
    """generate.owned_since() spread the ownership over the last weeks; here two silent East
    customers are put past a reclaim rule and three just before a reminder, so that the first
    nights show a reclaim and reminders."""
    east_ids = [users[u].pk for u in ("manager1", "rep1", "rep2")]
    silent = list(
        Account.objects.filter(owner_id__in=east_ids, deleted_at__isnull=True, pool_locked=False)
        .exclude(pk__in=busy)
        .filter(Q(last_contact_at__isnull=True) | Q(last_contact_at__lt=now - timedelta(days=70)))
        .order_by("tier", "id")
        .values_list("pk", "tier")
    )
    overdue = [pk for pk, tier in silent if tier == "C"][:2]
    due = [pk for pk, tier in silent if tier == "A"][:3]
    Account.objects.filter(pk__in=overdue).update(owned_since=now - timedelta(days=75))
    Account.objects.filter(pk__in=due).update(owned_since=now - timedelta(days=28))


# --- targets -------------------------------------------------------------------------------------


def round_to(value: Decimal, step: int) -> Decimal:
    return money((value / step).quantize(Decimal(1), rounding=ROUND_HALF_UP) * step)


def make_targets(
    rng: random.Random, users, depts, opportunities: list[Opportunity], today: date, admin
) -> int:
    """Each rep's target set from what they won in the period, so that attainment (won against
    target, as the forecast shows it) lands between about 40 % and 110 %; departments' targets
    are their people's together (Sales a little more)."""
    rows = []
    for start, end, code in (quarter_bounds(today), month_bounds(today)):
        kind = Target.Kind.QUARTER if "Q" in code else Target.Kind.MONTH
        mine = {}
        for username in OPPORTUNITY_OWNERS:
            user = users[username]
            won = sum(
                (
                    o.amount_base
                    for o in opportunities
                    if o.owner_id == user.pk
                    and o.stage_type == "won"
                    and start <= timezone.localdate(o.closed_at) <= end
                ),
                Decimal(0),
            )
            basis = won or Decimal(300000 if kind == Target.Kind.MONTH else 900000)
            mine[username] = max(Decimal(50000), round_to(basis / Decimal(str(rng.uniform(0.4, 1.1))), 10000))
            rows.append(
                Target(
                    user=user,
                    period=code,
                    kind=kind,
                    starts_on=start,
                    ends_on=end,
                    amount=mine[username],
                    created_by=admin,
                )
            )
        east = sum(mine[u] for u in ("rep1", "rep2", "manager1"))
        south = mine["rep3"]
        for dept, amount in (("east", east), ("south", south), ("sales", (east + south) * Decimal("1.05"))):
            rows.append(
                Target(
                    department=depts[dept],
                    period=code,
                    kind=kind,
                    starts_on=start,
                    ends_on=end,
                    amount=round_to(amount, 10000),
                    created_by=admin,
                )
            )
    Target.objects.bulk_create(rows)
    return len(rows)


# --- notifications ------------------------------------------------------------------------------------


def make_notifications(users, leads: list[Lead], now: datetime) -> int:
    rows = []
    for lead in [x for x in leads if x.form_id and x.owner_id and x.status == LeadStatus.NEW][:4]:
        rows.append(
            Notification(
                user_id=lead.owner_id,
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


# --- the whole story ------------------------------------------------------------------------------------


def already_there() -> bool:
    return Pool._base_manager.exists() or Opportunity._base_manager.exists() or Lead._base_manager.exists()


def make_sales_demo(
    users: dict[str, User], *, seed: int = 2026, now: datetime | None = None
) -> dict[str, int]:
    """The demo's sales data, once (an empty dict when sales data is already there)."""
    if already_there():
        return {}
    now = now or timezone.now()
    today = timezone.localdate(now)
    rng = random.Random(f"{seed}:sales")
    depts = {
        key: users[u].department
        for key, u in (("sales", "director"), ("east", "manager1"), ("south", "rep3"))
    }
    admin = users["admin"]
    with transaction.atomic():
        rates = ensure_rates(now)
        default, channel = ensure_pipelines()
        rules = make_rules(users, depts)
        form = make_form(admin, now)
        east, lead_pool = make_pools(users, depts, now - timedelta(days=28))
        owners = [users[u].pk for u in OPPORTUNITY_OWNERS]
        accounts_by_owner = defaultdict(list)
        for account in Account.objects.filter(owner_id__in=owners, deleted_at__isnull=True).order_by("id"):
            accounts_by_owner[account.owner_id].append(account)
        # Deals on a third of each owner's customers; the pool is filled from the others.
        for pk in owners:
            accounts_by_owner[pk] = accounts_by_owner[pk][: max(3, len(accounts_by_owner[pk]) // 3)]
        opportunities = make_opportunities(
            rng, users, {"default": default, "channel": channel}, rates, accounts_by_owner, now, today
        )
        busy = {a.pk for group in accounts_by_owner.values() for a in group}
        won_targets = []
        first_contacts = {c.account_id: c for c in Contact.objects.filter(account__in=busy).order_by("-id")}
        for opp in opportunities[::5]:
            if opp.account_id in first_contacts:
                won_targets.append(
                    (opp.account, first_contacts[opp.account_id], opp if len(won_targets) % 2 else None)
                )
        leads, lead_activities = make_leads(
            rng,
            users,
            form,
            rules,
            won_targets,
            lead_pool,
            now,
            clock=lambda created: max(created, now - timedelta(days=27)),
        )
        LeadForm.objects.filter(pk=form.pk).update(submissions=sum(1 for x in leads if x.form_id))
        made = fill_pools(rng, users, east, lead_pool, leads, busy, now)
        ownership_clock(users, busy, now)
        made["targets"] = make_targets(rng, users, depts, opportunities, today, admin)
        made["notifications"] = make_notifications(users, leads, now)
        search.bulk_index([*leads, *opportunities])
        by_owner = defaultdict(list)
        for obj in [*leads, *opportunities]:
            by_owner[obj.created_by_id].append(obj)
        for owner_pk, objs in by_owner.items():
            record_bulk(
                actor=users_by_pk(users)[owner_pk],
                verb="create",
                objs=objs,
                changes_for=lambda o: {"name": (None, o.name)},
            )
        _rescore(leads)
    return {
        "leads": len(leads),
        "lead_followups": len(lead_activities),
        "opportunities": len(opportunities),
        "pipelines": 2,
        "scoring_rules": len(rules),
        **made,
    }


def _rescore(leads: list[Lead]) -> None:
    """Once the scoring feature is there, its own computation replaces the demo's."""
    from guanxi.sales.scoring.services import rescore

    rescore(Lead.objects.filter(pk__in=[x.pk for x in leads]))
