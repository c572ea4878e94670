"""Turn names, phones and emails into search tokens, and a query into a token expression.

Records are indexed with:
- Chinese characters: every single character and every bigram ("西湖科技" → 西 湖 科 技 西湖 湖科 科技);
- pinyin: the full pinyin from each syllable on ("xihukeji", "hukeji", "keji", "ji") and the
  same for initials ("xhkj", "hkj", "kj"), so a prefix of either finds the record;
- Latin words and numbers, lower-cased;
- phones: all digits, national digits, and the digits reversed behind "r" so that a suffix
  ("8000") becomes a prefix ("r0008");
- emails: each word of the address and the whole address without punctuation.

A query becomes terms that must all match: Chinese runs as exact bigrams (or one character),
Latin and digit runs as prefixes, digit runs also as reversed phone suffixes.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

import phonenumbers
from pypinyin import Style, lazy_pinyin
from pypinyin.seg.simpleseg import seg as pypinyin_words

# phonenumbers compiles its metadata's regular expressions on every call unless asked to keep
# them; keeping them (a few hundred patterns) makes parsing and formatting about a third faster.
phonenumbers.re_util.enable_pattern_cache()

MAX_TOKEN = 40
MAX_QUERY_TERMS = 8
_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+|[a-z0-9]+")
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


def _normalize(text: str) -> str:
    return unicodedata.normalize("NFKC", text or "").lower()


def _pinyin(run: str) -> tuple[str, ...]:
    """The pinyin syllables of a run of Chinese characters: exactly lazy_pinyin(run), faster.

    pypinyin cuts a run into words (a character's reading can depend on its word: 银行 háng,
    行长 xíng) and reads word by word. We cut the same way and cache each word's reading:
    words repeat far more often than whole names, so a name never seen before costs little
    more than the cutting (about 8 times faster than lazy_pinyin on a million company names).
    """
    return tuple(syllable for word in pypinyin_words(run) for syllable in _word_pinyin(word))


@lru_cache(maxsize=100_000)
def _word_pinyin(word: str) -> tuple[str, ...]:
    return tuple(
        s for s in lazy_pinyin(word, style=Style.NORMAL, errors="ignore", v_to_u=False) if s.isascii()
    )


@lru_cache(maxsize=200_000)
def _cjk_tokens(run: str) -> frozenset[str]:
    """The tokens of a run of Chinese characters. Cached: names share their runs (family
    names, given names, company names), and the pinyin is the slow part of indexing."""
    out = set(run)
    out.update(run[i : i + 2] for i in range(len(run) - 1))
    syllables = [s.replace("ü", "v") for s in _pinyin(run)]
    for i in range(len(syllables)):
        out.add("".join(syllables[i:])[:MAX_TOKEN])
        out.add("".join(s[0] for s in syllables[i:] if s)[:MAX_TOKEN])
    return frozenset(out)


def text_tokens(text: str, out: set[str] | None = None) -> set[str]:
    out = set() if out is None else out
    for run in _RUN.findall(_normalize(text)):
        if _CJK.match(run):
            out.update(_cjk_tokens(run))
        else:
            out.add(run[:MAX_TOKEN])
    return out


def phone_tokens(e164: str, national: str = "", out: set[str] | None = None) -> set[str]:
    out = set() if out is None else out
    digits = re.sub(r"\D", "", e164 or "")
    if digits:
        out.add(digits[:MAX_TOKEN])
        out.add("r" + digits[::-1][: MAX_TOKEN - 1])
    national = re.sub(r"\D", "", national or "")
    if national:
        out.add(national[:MAX_TOKEN])
        out.add(national.lstrip("0")[:MAX_TOKEN])
    return out


def email_tokens(email: str, out: set[str] | None = None) -> set[str]:
    out = set() if out is None else out
    email = _normalize(email)
    if not email:
        return out
    words = re.findall(r"[a-z0-9]+", email)
    out.update(w[:MAX_TOKEN] for w in words)
    local = email.partition("@")[0]
    out.add(re.sub(r"[^a-z0-9]", "", local)[:MAX_TOKEN] or "_")
    out.add("".join(words)[:MAX_TOKEN])
    return out


@dataclass
class Terms:
    """What a record contributes to the index. Models return one from search_terms()."""

    text: list[str] = field(default_factory=list)
    phones: list[str] = field(default_factory=list)  # E.164
    emails: list[str] = field(default_factory=list)


def national_digits(e164: str) -> str:
    """The digits as dialled inside the country: +8657188888000 → 057188888000, +8613800138000 → 13800138000."""
    try:
        number = phonenumbers.parse(e164)
    except phonenumbers.NumberParseException:
        return ""
    return re.sub(r"\D", "", phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL))


def document(terms: Terms) -> str:
    out: set[str] = set()
    for text in dict.fromkeys(terms.text):  # a contact's name and family + given name often agree
        text_tokens(text or "", out)
    for phone in terms.phones:
        if phone:
            phone_tokens(phone, national_digits(phone), out)
    for email in terms.emails:
        email_tokens(email or "", out)
    out.discard("")
    return " ".join(sorted(out))


@dataclass
class QueryTerm:
    alternatives: list[tuple[str, bool]]  # (token, is_prefix); any one may match


# A query that is only a phone number as people write or copy it ("+86 138 0013 8000",
# "0571-8888 7777"): searched as one run of digits, not as separate numbers.
_PHONE_QUERY = re.compile(r"\+?[\d\s().-]+")


def parse_query(q: str) -> list[QueryTerm]:
    terms: list[QueryTerm] = []
    q = _normalize(q)[:200].strip()
    if _PHONE_QUERY.fullmatch(q) and sum(c.isdigit() for c in q) >= 7:
        q = re.sub(r"\D", "", q)
    for run in _RUN.findall(q):
        if _CJK.match(run):
            if len(run) == 1:
                terms.append(QueryTerm([(run, False)]))
            else:
                terms.extend(QueryTerm([(run[i : i + 2], False)]) for i in range(len(run) - 1))
        elif run.isdigit() and len(run) >= 3:
            terms.append(QueryTerm([(run[:MAX_TOKEN], True), ("r" + run[::-1][: MAX_TOKEN - 1], True)]))
        else:
            terms.append(QueryTerm([(run[:MAX_TOKEN], True)]))
    # Deduplicate, keep order, and cap the work one query may ask for.
    seen, unique = set(), []
    for t in terms:
        key = tuple(t.alternatives)
        if key not in seen:
            seen.add(key)
            unique.append(t)
    return unique[:MAX_QUERY_TERMS]


def shown_tokens(texts: Iterable[str], masked: Iterable[str]) -> set[str]:
    """The tokens of what a reader sees of a record whose contact details are masked: `texts`
    as the index holds them, and of each masked value ("138****5678", "z***@example.com") only
    what stands around the stars: digits before them as a prefix ("138"), digits after them as a
    suffix ("r8765", as phones are indexed), the words of anything else ("z", "example", "com")."""
    out: set[str] = set()
    for text in texts:
        text_tokens(text or "", out)
    for value in masked:
        if "*" not in (value or ""):
            continue
        head, tail = value.split("*", 1)[0], value.rsplit("*", 1)[1]
        if head.isdigit():
            out.add(head)
        else:
            text_tokens(head, out)
        if tail.isdigit():
            out.add("r" + tail[::-1])
        else:
            text_tokens(tail, out)
    out.discard("")
    return out


def tokens_match(terms: list[QueryTerm], tokens: set[str]) -> bool:
    """Whether a document of these tokens matches the query's terms, as the index would answer."""
    return all(
        any(
            token == text or (prefix and token.startswith(text))
            for text, prefix in term.alternatives
            for token in tokens
        )
        for term in terms
    )
