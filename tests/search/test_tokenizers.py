from guanxi.search.tokenizers import Terms, document, parse_query


def tokens(**kw) -> set[str]:
    return set(document(Terms(**kw)).split())


def test_chinese_names_give_characters_bigrams_pinyin_and_initials():
    t = tokens(text=["西湖科技"])
    assert {"西", "湖", "西湖", "湖科", "科技"} <= t
    assert {"xihukeji", "hukeji", "keji"} <= t
    assert {"xhkj", "hkj"} <= t


def test_traditional_characters_get_pinyin_too():
    t = tokens(text=["東亞貿易"])
    assert "dongyamaoyi" in t and "dymy" in t


def test_phone_gives_full_national_and_reversed_digits():
    t = tokens(phones=["+8613800138000"])
    assert {"8613800138000", "13800138000", "r0008310083168"} <= t


def test_email_gives_words_and_whole_address():
    t = tokens(emails=["Zhang.Wei@Example.com"])
    assert {"zhang", "wei", "zhangwei", "example", "com", "zhangweiexamplecom"} <= t


def test_latin_words_are_lower_cased():
    assert {"acme", "trading", "ltd"} <= tokens(text=["ACME Trading Ltd"])


def test_query_parsing():
    terms = parse_query("西湖科技 XH 8000")
    assert [t.alternatives for t in terms] == [
        [("西湖", False)],
        [("湖科", False)],
        [("科技", False)],
        [("xh", True)],
        [("8000", True), ("r0008", True)],
    ]


def test_query_without_searchable_characters_is_empty():
    assert parse_query("'; DROP TABLE --") != []  # words still searched, safely
    assert parse_query("%%% ___ ''") == []
    assert parse_query("") == []


def test_query_is_capped():
    assert len(parse_query(" ".join(f"w{i}" for i in range(50)))) == 8
