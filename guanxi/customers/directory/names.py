"""Name keys for the duplicate check: 上海西湖科技有限公司, 上海西湖科技股份有限公司 and
上海西湖科技(集团) compare equal, and so do 臺灣 and 台湾.

A key is NFKC-normalized, lower-cased, converted to simplified characters (zhconv), stripped
of punctuation and spaces, and of the legal-form suffixes companies add to their names.
"""

from __future__ import annotations

import re
import unicodedata

import zhconv

# Longest first, so 股份有限公司 is taken whole before 有限公司 or 公司 could match.
COMPANY_SUFFIXES = sorted(
    {
        "股份有限公司",
        "有限责任公司",
        "集团有限公司",
        "集团股份有限公司",
        "有限公司",
        "集团公司",
        "控股集团",
        "控股有限公司",
        "集团",
        "公司",
        "分公司",
        "总公司",
        "厂",
        "商行",
        "工作室",
        "合伙企业",
        "有限合伙",
        "co ltd",
        "co., ltd",
        "company limited",
        "limited",
        "ltd",
        "inc",
        "corp",
        "corporation",
        "llc",
        "gmbh",
        "group",
        "co",
    },
    key=len,
    reverse=True,
)
_PUNCT = re.compile(r"[\s\W_]+", re.UNICODE)
_SUFFIX = re.compile("(?:" + "|".join(re.escape(_PUNCT.sub("", s)) for s in COMPANY_SUFFIXES) + ")+$")


def simplified(text: str) -> str:
    return zhconv.convert(unicodedata.normalize("NFKC", text or ""), "zh-hans")


def person_key(name: str) -> str:
    """A person's name compared across scripts, case and spacing: 張偉 = 张伟, "Anna  Lee" = "anna lee"."""
    return _PUNCT.sub("", simplified(name).lower())[:100]


def company_key(name: str) -> str:
    """A company's name without punctuation, brackets and legal-form suffixes."""
    key = _PUNCT.sub("", simplified(name).lower())
    stripped = _SUFFIX.sub("", key)
    return (stripped or key)[:200]
