"""The global search finds every kind the registry marks searchable, through the access layer."""

from __future__ import annotations

import pytest

from guanxi.core import registry
from guanxi.search.selectors import global_search
from tests.factories import AccountFactory, ContactFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(org):
    from guanxi.sales.leads.services import lead_create
    from guanxi.sales.pipelines.services import opportunity_create

    rep1, rep2 = org["rep1"], org["rep2"]
    account = AccountFactory(owner=rep1, name="星河环宇科技有限公司", phone="+862188880001")
    ContactFactory(owner=rep1, name="星河联系人", mobile="+8613800000001", account=account.pk)
    lead_create(actor=rep1, data={"name": "星河线索", "company": "星河贸易"})
    opportunity_create(actor=rep1, data={"name": "星河扩容项目", "account": account.pk, "amount": "5000"})
    AccountFactory(owner=rep2, name="星河另一家有限公司")
    return account


def test_every_searchable_kind_is_found_grouped_in_registry_order(world, org):
    groups = global_search(org["rep1"], "星河")
    assert [g["kind"].name for g in groups] == [k.name for k in registry.kinds(searchable=True)]
    titles = {g["kind"].name: [i["title"] for i in g["items"]] for g in groups}
    assert titles["account"] == ["星河环宇科技有限公司"]  # rep2's account is not rep1's to see
    assert titles["opportunity"] == ["星河扩容项目"]
    account = groups[0]["items"][0]
    assert account["url"] == f"/customers/accounts/{world.pk}/" and "+86 21 8888 0001" in account["detail"]
    assert groups[0]["more_url"] == "/customers/accounts/?q=%E6%98%9F%E6%B2%B3"


def test_pinyin_initials_and_phone_digits_find_them_too(world, org):
    assert [g["kind"].name for g in global_search(org["rep1"], "xhhy")] == ["account"]
    assert "account" in [g["kind"].name for g in global_search(org["rep1"], "88880001")]


def test_one_query_per_searchable_kind(world, org, django_assert_max_num_queries):
    from django.contrib.auth import get_user_model

    actor = get_user_model().objects.get(pk=org["rep1"].pk)  # grants not cached yet
    # per kind: the page, and on PostgreSQL the sample count and the ids read from the index
    with django_assert_max_num_queries(2 + 3 * len(registry.kinds(searchable=True))):
        global_search(actor, "星河")


def test_the_page_and_the_palette(world, web):
    page = web("rep1").get("/search/?q=星河").content.decode()
    assert 'data-testid="search-group-lead"' in page and "星河线索 · 星河贸易" in page
    fragment = web("rep2").get("/search/?q=星河", HTTP_HX_REQUEST="true").content.decode()
    assert "星河另一家有限公司" in fragment and "星河环宇" not in fragment and "<html" not in fragment
    assert 'data-testid="search-empty"' in web("rep3").get("/search/?q=星河").content.decode()
