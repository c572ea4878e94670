"""The word-by-word pinyin cache must read exactly as pypinyin reads a whole run."""

import random

from pypinyin import Style, lazy_pinyin

from guanxi.demo import names
from guanxi.search.tokenizers import _pinyin


def reference(run: str) -> tuple[str, ...]:
    return tuple(
        s for s in lazy_pinyin(run, style=Style.NORMAL, errors="ignore", v_to_u=False) if s.isascii()
    )


def test_words_whose_reading_depends_on_the_word():
    for run in [
        "银行",
        "行长",
        "重庆",
        "重要",
        "长江",
        "长大",
        "中国银行杭州分行",
        "音乐",
        "快乐",
        "朝阳",
        "朝代",
    ]:
        assert _pinyin(run) == reference(run), run


def test_rare_and_traditional_characters():
    for run in ["東亞貿易", "鴻海", "㐀㐁", "龘", "欧阳司马"]:
        assert _pinyin(run) == reference(run), run


def test_generated_company_and_person_names():
    rng = random.Random(11)
    for i in range(2000):
        company = names.company(rng, i)
        person = names.person(rng, company["region"])
        for text in (company["name"], company["address"], person["name"]):
            for run in filter(None, "".join(c if "\u3400" <= c <= "\u9fff" else " " for c in text).split()):
                assert _pinyin(run) == reference(run), run
