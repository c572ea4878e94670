"""Both ways of answering a search (from the index, or walking the list) give the same records."""

import pytest

from guanxi.customers.directory import selectors
from guanxi.search import selectors as search_selectors
from tests.factories import AccountFactory, ContactFactory

QUERIES = [
    "西湖",
    "xihu",
    "xh",
    "8000",
    "0571",
    "zhang",
    "zhang.wei@example",
    "张伟",
    "宁波 dongfang",
    "nothing",
]


@pytest.fixture
def records(org):
    a = AccountFactory(owner=org["rep1"], name="杭州西湖科技有限公司", phone="0571-88888000")
    AccountFactory(owner=org["rep1"], name="宁波东方贸易有限公司")
    AccountFactory(owner=org["rep2"], name="西湖电子有限公司", phone="0571-87658000")
    AccountFactory(owner=org["rep3"], name="深圳西湖电子有限公司")
    ContactFactory(
        owner=org["rep1"], name="张伟", mobile="13800138000", email="zhang.wei@example.com", account=a.pk
    )
    ContactFactory(owner=org["rep2"], name="张小伟", mobile="13900138000", email="zhang@example.org")


def _results(actor, q):
    return (
        {a.pk for a in selectors.account_list(actor, selectors.ListParams(q=q, limit=500)).items},
        {c.pk for c in selectors.contact_list(actor, selectors.ListParams(q=q, limit=500)).items},
    )


@pytest.mark.parametrize("username", ["director", "manager1", "rep1", "rep3"])
def test_walking_the_list_finds_what_the_index_finds(org, records, monkeypatch, username):
    actor = org[username]
    from_index = {q: _results(actor, q) for q in QUERIES}
    monkeypatch.setattr(search_selectors, "NARROW", -1)  # every search counts as broad: walk
    walking = {q: _results(actor, q) for q in QUERIES}
    assert walking == from_index
    assert any(accounts or contacts for accounts, contacts in from_index.values())


def test_a_broad_search_stays_in_scope(org, records, monkeypatch):
    monkeypatch.setattr(search_selectors, "NARROW", -1)
    rep1_accounts, _contacts = _results(org["rep1"], "西湖")
    director_accounts, _contacts = _results(org["director"], "西湖")
    assert len(rep1_accounts) == 1 and len(director_accounts) == 3


@pytest.mark.parametrize("narrow", [5000, -1])
def test_paging_through_a_search_returns_every_match_once_in_order(org, monkeypatch, narrow):
    monkeypatch.setattr(search_selectors, "NARROW", narrow)
    made = [AccountFactory(owner=org["rep1"], name=f"西湖分页{i}有限公司") for i in range(7)]
    AccountFactory(owner=org["rep2"], name="西湖分页外人有限公司")
    seen, cursor = [], None
    while True:
        page = selectors.account_list(
            org["rep1"], selectors.ListParams(q="西湖分页", ordering="name", cursor=cursor, limit=3)
        )
        seen += [a.name for a in page.items]
        assert all(a.owner_id == org["rep1"].pk for a in page.items)
        cursor = page.next_cursor
        if not cursor:
            break
    assert seen == sorted(a.name for a in made)
