"""The demo's custom fields: the definitions (ensure_custom_fields(), once per run) and the values
the story gives accounts and contacts."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from decimal import Decimal

from guanxi.custom_fields.models import CustomFieldDef
from guanxi.customers.models import Account

REGIONS = [  # value, en, zh-hans, zh-hant, cities
    (
        "east",
        "East China",
        "华东",
        "華東",
        {"杭州", "上海", "苏州", "南京", "宁波", "无锡", "温州", "合肥", "济南", "青岛", "福州", "厦门"},
    ),
    ("south", "South China", "华南", "華南", {"深圳", "广州", "东莞", "佛山", "香港", "台北"}),
    ("north", "North China", "华北", "華北", {"北京", "天津"}),
    (
        "central",
        "Central and West China",
        "华中及西部",
        "華中及西部",
        {"武汉", "长沙", "成都", "重庆", "西安", "昆明"},
    ),
]
HOBBIES = [
    "高尔夫",
    "羽毛球",
    "摄影",
    "茶道",
    "钓鱼",
    "登山",
    "书法",
    "马拉松",
    "红酒",
    "围棋",
    "旅行",
    "音乐",
]


# (object type, key, en, zh-hans, zh-hant, type, choices, order)
CUSTOM_FIELDS = [
    (
        "account",
        "region",
        "Region",
        "区域",
        "區域",
        "choice",
        [
            {"value": v, "label_en": en, "label_zh_hans": hans, "label_zh_hant": hant}
            for v, en, hans, hant, _c in REGIONS
        ],
        1,
    ),
    (
        "account",
        "annual_revenue",
        "Annual revenue (CNY)",
        "年营业额（元）",
        "年營業額（元）",
        "decimal",
        [],
        2,
    ),
    ("account", "key_account", "Key account", "重点客户", "重點客戶", "boolean", [], 3),
    ("contact", "birthday", "Birthday", "生日", "生日", "date", [], 1),
    ("contact", "hobby", "Hobby", "爱好", "愛好", "text", [], 2),
]


def ensure_custom_fields() -> None:
    """The demo's custom field definitions; idempotent (keyed by object type and key)."""
    for object_type, key, en, hans, hant, kind, choices, order in CUSTOM_FIELDS:
        CustomFieldDef.objects.update_or_create(
            object_type=object_type,
            key=key,
            defaults={
                "label_en": en,
                "label_zh_hans": hans,
                "label_zh_hant": hant,
                "type": kind,
                "choices": choices,
                "order": order,
                "active": True,
            },
        )


def _region(address: str) -> str | None:
    for value, _en, _hans, _hant, cities in REGIONS:
        if any(address.startswith(city) for city in cities):
            return value
    return None


def account_values(rng: random.Random, account: Account) -> dict:
    if rng.random() < 0.15:
        return {}
    values: dict = {}
    region = _region(account.address)
    if region:
        values["region"] = region
    scale = {"A": 9, "B": 8, "C": 7}.get(account.tier, 7)
    revenue = Decimal(rng.randrange(10 ** (scale - 1), 10**scale)) / 100 * 100
    values["annual_revenue"] = str(revenue.quantize(Decimal("0.01")))  # decimals travel as strings in JSON
    values["key_account"] = account.tier == "A" or rng.random() < 0.1
    return values


def contact_values(rng: random.Random) -> dict:
    if rng.random() < 0.3:
        return {}
    born = datetime(1960, 1, 1) + timedelta(days=rng.randrange(0, 40 * 365))
    values = {"birthday": born.date().isoformat()}
    if rng.random() < 0.6:
        values["hobby"] = rng.choice(HOBBIES)
    return values
