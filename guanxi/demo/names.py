"""Building blocks of realistic, mixed customer data (mainland, Hong Kong, Taiwan, English)."""

from __future__ import annotations

import random

from guanxi.core.validators import USCC_CHARSET, uscc_check_char

CITIES = [
    "杭州",
    "上海",
    "苏州",
    "南京",
    "宁波",
    "深圳",
    "广州",
    "东莞",
    "佛山",
    "厦门",
    "北京",
    "天津",
    "成都",
    "重庆",
    "武汉",
    "西安",
    "青岛",
    "济南",
    "合肥",
    "长沙",
    "无锡",
    "温州",
    "福州",
    "昆明",
]
REGION_CODES = {
    "杭州": "330106",
    "上海": "310115",
    "苏州": "320505",
    "南京": "320106",
    "宁波": "330203",
    "深圳": "440300",
    "广州": "440106",
    "东莞": "441900",
    "佛山": "440604",
    "厦门": "350203",
    "北京": "110108",
    "天津": "120116",
    "成都": "510107",
    "重庆": "500112",
    "武汉": "420106",
    "西安": "610113",
    "青岛": "370212",
    "济南": "370102",
    "合肥": "340104",
    "长沙": "430104",
    "无锡": "320214",
    "温州": "330302",
    "福州": "350102",
    "昆明": "530102",
}
WORDS = [
    "西湖",
    "东方",
    "华夏",
    "星辰",
    "瑞丰",
    "恒通",
    "宏达",
    "鼎盛",
    "金桥",
    "远航",
    "博雅",
    "天成",
    "汇通",
    "新锐",
    "卓越",
    "云帆",
    "海纳",
    "明德",
    "长江",
    "泰和",
    "嘉禾",
    "锦程",
    "启明",
    "拓维",
    "智联",
    "永信",
    "佳禾",
    "众诚",
    "鸿运",
    "安泰",
    "弘毅",
    "睿思",
    "腾飞",
    "万象",
    "光华",
    "青松",
]
TRADES = [
    ("科技", "it"),
    ("软件", "it"),
    ("信息技术", "it"),
    ("智能制造", "manufacturing"),
    ("机械", "manufacturing"),
    ("电子", "manufacturing"),
    ("精密仪器", "manufacturing"),
    ("贸易", "retail"),
    ("商贸", "retail"),
    ("物流", "logistics"),
    ("供应链", "logistics"),
    ("医疗器械", "healthcare"),
    ("生物医药", "healthcare"),
    ("教育科技", "education"),
    ("建设工程", "construction"),
    ("置业", "construction"),
    ("能源", "energy"),
    ("新能源", "energy"),
    ("农业发展", "agriculture"),
    ("文化传媒", "media"),
    ("咨询", "services"),
    ("金融服务", "finance"),
    ("融资租赁", "finance"),
]
SUFFIXES = ["有限公司", "有限公司", "有限公司", "股份有限公司", "集团有限公司"]
HK_TW = [
    (
        "香港",
        "852",
        ["恒生", "東亞", "永安", "新鴻", "利豐", "九龍", "太平", "維多利"],
        ["貿易有限公司", "實業有限公司", "科技有限公司", "控股有限公司"],
    ),
    (
        "台北",
        "886",
        ["台灣", "鴻海", "華碩", "統一", "遠東", "國泰", "長榮", "聯發"],
        ["股份有限公司", "科技股份有限公司", "企業股份有限公司"],
    ),
]
EN_NAMES = [
    "Acme",
    "Northwind",
    "Globex",
    "Initech",
    "Umbrella",
    "Stark",
    "Wayne",
    "Contoso",
    "Fabrikam",
    "Tailspin",
    "Litware",
    "Proseware",
    "Adventure",
    "Blue Yonder",
    "Coho",
    "Wingtip",
    "Alpine",
    "Lucerne",
]
EN_SUFFIXES = [
    "Trading Ltd",
    "Technologies Inc.",
    "Holdings Limited",
    "Logistics GmbH",
    "Systems Pte. Ltd.",
    "Partners LLC",
]
EN_DOMAINS = ["example.com", "example.org", "example.net"]

FAMILY = [
    "王",
    "李",
    "张",
    "刘",
    "陈",
    "杨",
    "黄",
    "赵",
    "吴",
    "周",
    "徐",
    "孙",
    "马",
    "朱",
    "胡",
    "郭",
    "何",
    "高",
    "林",
    "罗",
    "郑",
    "梁",
    "谢",
    "宋",
    "唐",
    "许",
    "韩",
    "冯",
    "邓",
    "曹",
    "欧阳",
    "司马",
]
GIVEN = [
    "伟",
    "芳",
    "娜",
    "敏",
    "静",
    "丽",
    "强",
    "磊",
    "军",
    "洋",
    "勇",
    "艳",
    "杰",
    "娟",
    "涛",
    "明",
    "超",
    "秀英",
    "霞",
    "平",
    "刚",
    "桂英",
    "晓明",
    "建华",
    "志强",
    "海燕",
    "文博",
    "子涵",
    "浩然",
    "雨萱",
    "思远",
    "嘉怡",
]
FAMILY_TRAD = ["陳", "黃", "張", "劉", "林", "吳", "鄭", "謝"]
GIVEN_TRAD = ["志明", "淑芬", "家豪", "美玲", "俊傑", "雅婷", "冠宇", "怡君"]
EN_FIRST = ["Anna", "James", "Emily", "Michael", "Sophie", "Daniel", "Olivia", "Thomas", "Grace", "Lucas"]
EN_LAST = ["Lee", "Smith", "Brown", "Wilson", "Taylor", "Müller", "Martin", "Chan", "Wong", "Garcia"]
TITLES = [
    "总经理",
    "采购经理",
    "技术总监",
    "财务经理",
    "销售总监",
    "行政主管",
    "IT 经理",
    "项目经理",
    "董事长助理",
    "运营总监",
]
TITLES_EN = ["CEO", "Purchasing Manager", "CTO", "Head of Finance", "Operations Director", "IT Manager"]
PINYIN_FOR_EMAIL = ["zhang", "wang", "li", "liu", "chen", "yang", "huang", "zhao", "wu", "zhou", "xu", "sun"]
MOBILE_PREFIXES = [
    "138",
    "139",
    "137",
    "136",
    "135",
    "150",
    "151",
    "152",
    "158",
    "159",
    "186",
    "187",
    "188",
    "177",
    "199",
]


def uscc(rng: random.Random, region: str) -> str:
    body = rng.choice(["91", "91", "92", "93", "11", "12", "52"]) + region
    body += "".join(rng.choices(USCC_CHARSET, k=9))
    return body + uscc_check_char(body)


def mainland_mobile(rng: random.Random) -> str:
    return "+86" + rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"


def company(rng: random.Random, i: int) -> dict:
    """One company; about 80 % mainland, 10 % HK/TW (traditional characters), 10 % English."""
    roll = rng.random()
    if roll < 0.8:
        city = rng.choice(CITIES)
        word = rng.choice(WORDS)
        trade, industry = rng.choice(TRADES)
        name = f"{city}{word}{trade}{rng.choice(SUFFIXES)}"
        return {
            "name": name,
            "uscc": uscc(rng, REGION_CODES[city]),
            "industry": industry,
            "phone": "+86"
            + rng.choice(["571", "21", "512", "25", "755", "20", "10"])
            + f"{rng.randrange(10**7, 10**8):08d}",
            "address": f"{city}市{rng.choice(['滨江区', '西湖区', '浦东新区', '南山区', '天河区', '海淀区'])}"
            f"{rng.choice(['文三路', '科技路', '世纪大道', '创新大道', '中山路'])}{rng.randrange(1, 999)}号",
            "region": "cn",
        }
    if roll < 0.9:
        place, cc, words, suffixes = rng.choice(HK_TW)
        name = f"{rng.choice(words)}{rng.choice(suffixes)}"
        phone = (
            f"+852{rng.choice('2359')}{rng.randrange(10**6, 10**7):07d}"
            if cc == "852"
            else f"+8862{rng.randrange(10**7, 10**8):08d}"
        )
        return {
            "name": name,
            "uscc": "",
            "industry": rng.choice(["retail", "finance", "it", "manufacturing"]),
            "phone": phone,
            "address": f"{place}{rng.choice(['中環', '信義區', '灣仔', '大安區'])}",
            "region": cc,
        }
    base = rng.choice(EN_NAMES)
    return {
        "name": f"{base} {rng.choice(EN_SUFFIXES)}",
        "uscc": "",
        "industry": rng.choice(["it", "logistics", "services", "manufacturing"]),
        "phone": f"+49 30 {rng.randrange(1000000, 9999999)}"
        if rng.random() < 0.5
        else f"+1 415 555 {rng.randrange(1000, 9999)}",
        "address": f"{rng.randrange(1, 300)} {rng.choice(['Market St', 'Main Road', 'Harbour Rd'])}",
        "region": "en",
        "website": f"https://www.{base.lower().replace(' ', '')}.example.com",
    }


def person(rng: random.Random, region: str) -> dict:
    if region == "en":
        first, last = rng.choice(EN_FIRST), rng.choice(EN_LAST)
        return {
            "name": f"{first} {last}",
            "family_name": last,
            "given_name": first,
            "title": rng.choice(TITLES_EN),
            "email": f"{first.lower()}.{last.lower().replace('ü', 'ue')}@{rng.choice(EN_DOMAINS)}",
            "mobile": f"+44 7700 900{rng.randrange(100, 999)}",
        }
    if region in ("852", "886"):
        family, given = rng.choice(FAMILY_TRAD), rng.choice(GIVEN_TRAD)
        mobile = (
            f"+852{rng.choice('569')}{rng.randrange(10**6, 10**7):07d}"
            if region == "852"
            else f"+8869{rng.randrange(10**7, 10**8):08d}"
        )
        return {
            "name": family + given,
            "family_name": family,
            "given_name": given,
            "title": rng.choice(TITLES),
            "email": f"{rng.choice(PINYIN_FOR_EMAIL)}{rng.randrange(1, 999)}@{rng.choice(EN_DOMAINS)}",
            "mobile": mobile,
        }
    family, given = rng.choice(FAMILY), rng.choice(GIVEN)
    return {
        "name": family + given,
        "family_name": family,
        "given_name": given,
        "title": rng.choice(TITLES),
        "email": f"{rng.choice(PINYIN_FOR_EMAIL)}.{rng.randrange(1, 9999)}@{rng.choice(EN_DOMAINS)}",
        "mobile": mainland_mobile(rng),
    }
