"""Search against the real database backends (FTS5 on SQLite, GIN tsvector on PostgreSQL)."""

import pytest

from guanxi.customers.directory import selectors
from tests.factories import AccountFactory, ContactFactory


def ids(actor, model_list, q):
    return {r.pk for r in model_list(actor, selectors.ListParams(q=q)).items}


@pytest.fixture
def records(org):
    a = AccountFactory(owner=org["rep1"], name="杭州西湖科技有限公司", phone="0571-88888000")
    b = AccountFactory(owner=org["rep1"], name="宁波东方贸易有限公司")
    c = ContactFactory(
        owner=org["rep1"], name="张伟", mobile="13800138000", email="zhang.wei@example.com", account=a.pk
    )
    hidden = AccountFactory(owner=org["rep3"], name="深圳西湖电子有限公司")
    return {"a": a, "b": b, "c": c, "hidden": hidden}


@pytest.mark.parametrize("q", ["西湖", "xihu", "xh", "hzxh", "西湖科技", "XiHu", "8000", "88888000", "0571"])
def test_account_found_by_chinese_pinyin_initials_and_phone(org, records, q):
    assert records["a"].pk in ids(org["rep1"], selectors.account_list, q)


@pytest.mark.parametrize(
    "q", ["张伟", "zhangwei", "zw", "8000", "138001", "zhang.wei", "zhang.wei@example", "example.com"]
)
def test_contact_found_by_name_phone_and_email(org, records, q):
    assert records["c"].pk in ids(org["rep1"], selectors.contact_list, q)


def test_search_is_scoped_by_the_access_layer(org, records):
    assert records["hidden"].pk not in ids(org["rep1"], selectors.account_list, "西湖")
    assert records["hidden"].pk in ids(org["director"], selectors.account_list, "西湖")


def test_terms_must_all_match(org, records):
    assert ids(org["rep1"], selectors.account_list, "西湖 东方") == set()
    assert ids(org["rep1"], selectors.account_list, "宁波 dongfang") == {records["b"].pk}


def test_hostile_queries_are_harmless(org, records):
    for q in [
        "'; DROP TABLE customers_account; --",
        '"',
        "*",
        '西湖" OR "',
        "a:*|b",
        "NEAR(x y)",
        "\\",
        "%",
        "\x00",
    ]:
        selectors.account_list(org["director"], selectors.ListParams(q=q))  # no exception


def test_index_follows_updates_deletes_and_transfers(org, records):
    from guanxi.customers.directory import services

    a = records["a"]
    services.account_update(
        actor=org["rep1"], account=a, data={"name": "苏州金桥物流有限公司"}, version=a.version
    )
    assert a.pk not in ids(org["rep1"], selectors.account_list, "西湖")
    assert a.pk in ids(org["rep1"], selectors.account_list, "jinqiao")
    services.account_transfer(actor=org["director"], account=a, owner="rep2")
    assert a.pk not in ids(org["rep1"], selectors.account_list, "jinqiao")
    assert a.pk in ids(org["rep2"], selectors.account_list, "jinqiao")
    services.account_delete(actor=org["rep2"], account=a, version=a.version)
    assert a.pk not in ids(org["rep2"], selectors.account_list, "jinqiao")
    services.account_restore(actor=org["rep2"], account=a)
    assert a.pk in ids(org["rep2"], selectors.account_list, "jinqiao")
