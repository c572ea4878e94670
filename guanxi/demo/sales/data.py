"""The sales demo's fixed data (names, amounts, regions, reasons…) and small helpers."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.utils import timezone

from guanxi.sales.models import LeadSource, LeadStatus

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
