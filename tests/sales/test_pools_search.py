"""Searching a pool that masks contact details matches only what its members see: names, and of a
masked phone or email the parts around the stars. Otherwise the search is an oracle: a member
recovered 025****2204 digit by digit in 31 requests (suffix searches), an email in ~700."""

from __future__ import annotations

import pytest

from tests.sales.test_pools_rules import make_pool

URL = "/api/v1/pools"


def _pooled_account(org, pool, name: str, phone: str) -> int:
    from guanxi.customers.directory import services as customers
    from guanxi.customers.models import Account

    account = customers.account_create(actor=org["rep3"], data={"name": name, "phone": phone})
    Account._base_manager.filter(pk=account.pk).update(owner=None, pool=pool)
    return account.pk


def _pooled_lead(org, pool, **data) -> int:
    from guanxi.sales.leads import services as leads
    from guanxi.sales.models import Lead

    lead = leads.lead_create(actor=org["rep3"], data=data)
    Lead._base_manager.filter(pk=lead.pk).update(owner=None, pool=pool)
    return lead.pk


def _found(api, pool, q: str) -> list[int]:
    response = api("rep1").get(f"{URL}/{pool.pk}/records", {"q": q})
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()["items"]]


@pytest.fixture
def customers(org):
    pool = make_pool(org["admin"])
    landline = _pooled_account(org, pool, "南京西湖科技有限公司", "025 5220 2204")
    _pooled_account(org, pool, "苏州东山贸易有限公司", "0512 6688 1234")
    return pool, landline


@pytest.mark.parametrize("q", ["02204", "202204", "0255", "02552", "2552202204", "8625"])
def test_hidden_digits_of_a_masked_phone_match_nothing(api, customers, q):
    pool, _landline = customers
    assert _found(api, pool, q) == []


@pytest.mark.parametrize("q", ["2204", "204", "025", "南京", "xihu", "xhkj", "西湖科技"])
def test_what_members_see_still_matches(api, customers, q):
    pool, landline = customers
    assert _found(api, pool, q) == [landline]


def test_an_unmasked_pool_matches_the_whole_number(org, api, customers):
    from guanxi.sales.pools import services_admin as services

    pool, landline = customers
    services.pool_update(
        actor=org["admin"], pool=pool, data={"mask_contact_info": False}, version=pool.version
    )
    assert _found(api, pool, "02204") == [landline]
    assert _found(api, pool, "0255") == [landline]


def test_a_masked_email_matches_only_its_first_letter_and_domain(org, api):
    pool = make_pool(org["admin"], name="线索公海", kind="lead")
    lead = _pooled_lead(
        org, pool, name="王芳", company="西湖科技", email="zhang.wei@example.com", mobile="13812345678"
    )
    for hidden in ("zhang", "zhangw", "wei", "zhangweiexample", "1381", "38123", "812345678"):
        assert _found(api, pool, f"王芳 {hidden}") == [], hidden
    for shown in ("王芳", "wangfang", "西湖", "example", "王芳 example", "138", "5678", "王芳 5678"):
        assert _found(api, pool, shown) == [lead], shown


def test_the_pool_page_searches_the_same_way(web, customers):
    pool, landline = customers
    client = web("rep1")
    html = client.get(f"/sales/pools/{pool.pk}/", {"q": "02204"}).content.decode()
    assert "南京西湖科技有限公司" not in html
    html = client.get(f"/sales/pools/{pool.pk}/", {"q": "2204"}).content.decode()
    assert "南京西湖科技有限公司" in html


def test_pages_of_a_masked_search_follow_each_other(org, api):
    """Rows that match only through hidden digits are skipped without breaking the pages."""
    pool = make_pool(org["admin"])
    shown = [_pooled_account(org, pool, f"可见{i}号公司", f"1381234{i:04d}") for i in range(5)]
    for i in range(12):  # "1234" is hidden in these: 139 1234 0000 shows as 139****0000
        _pooled_account(org, pool, f"隐藏{i}号公司", f"1391234{9000 + i:04d}")
    seen, cursor = [], None
    while True:
        params = {"q": "公司 138", "limit": 2, **({"cursor": cursor} if cursor else {})}
        body = api("rep1").get(f"{URL}/{pool.pk}/records", params).json()
        seen += [item["id"] for item in body["items"]]
        cursor = body["next_cursor"]
        if not cursor:
            break
    assert sorted(seen) == sorted(shown)
    assert _found(api, pool, "1234") == []  # only the hidden middle digits
