"""The shared pool's screens: my pools, the pool's records (masked), claim and assign from the
list, return with a reason and lock from the account page, the administrators' settings."""

from __future__ import annotations

from tests.sales.test_pools_rules import make_pool, pooled_accounts


def test_pool_pages_mask_until_claimed_and_claim_from_the_list(org, web, django_assert_max_num_queries):
    pool = make_pool(
        org["admin"],
        daily_claim_limit=5,
        ownership_cap=50,
        rules=[{"kind": "no_followup", "days": 30, "tier": "A"}],
    )
    ids = pooled_accounts(org, pool, 3)
    client = web("rep1")
    listing = client.get("/sales/pools/")
    assert listing.status_code == 200 and "华东公海" in listing.content.decode()
    with django_assert_max_num_queries(30):
        page = client.get(f"/sales/pools/{pool.pk}/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "138****5678" in html and "13812345678" not in html and "+86 138" not in html
    assert "z***@example.com" in html and "zhang0@example.com" not in html
    assert "Claimed 0 of 5 today" in html and "Own 0 of 50" in html
    response = client.post(f"/sales/pools/{pool.pk}/claim/", {"ids": [ids[0]]})
    assert response.status_code == 302
    detail = client.get(f"/customers/accounts/{ids[0]}/")
    assert detail.status_code == 200 and "+86 138 1234 5678" in detail.content.decode()
    assert "Claimed 1 of 5 today" in client.get(f"/sales/pools/{pool.pk}/").content.decode()
    # others may not see the pool
    assert web("rep3").get(f"/sales/pools/{pool.pk}/").status_code == 404
    # hostile filters are answered, not 500
    assert client.get(f"/sales/pools/{pool.pk}/", {"tier": "' OR 1=1 --", "q": "<script>"}).status_code == 200


def test_assign_by_pool_admin(org, web):
    from guanxi.customers.models import Account

    pool = make_pool(org["admin"])
    ids = pooled_accounts(org, pool, 1)
    client = web("manager1")
    html = client.get(f"/sales/pools/{pool.pk}/").content.decode()
    assert 'data-testid="assign"' in html and 'data-testid="claim"' not in html
    client.post(f"/sales/pools/{pool.pk}/assign/", {"ids": ids, "owner": "rep2"})
    assert Account._base_manager.get(pk=ids[0]).owner == org["rep2"]


def test_return_and_lock_from_the_account_page(org, web):
    from guanxi.customers.directory import services as customers
    from guanxi.customers.models import Account

    pool = make_pool(org["admin"])
    account = customers.account_create(actor=org["rep1"], data={"name": "详情页退回客户"})
    client = web("rep1")
    html = client.get(f"/customers/accounts/{account.pk}/").content.decode()
    assert 'data-testid="pool-return"' in html and 'data-testid="pool-lock"' in html
    client.post(
        "/sales/pools/lock/",
        {
            "kind": "customer",
            "ids": [account.pk],
            "locked": "1",
            "next": f"/customers/accounts/{account.pk}/",
        },
    )
    assert Account._base_manager.get(pk=account.pk).pool_locked
    # no reason: refused, nothing moves
    response = client.post(
        "/sales/pools/return/", {"pool": pool.pk, "ids": [account.pk], "reason": " "}, follow=True
    )
    assert Account._base_manager.get(pk=account.pk).owner == org["rep1"]
    assert "Say why" in response.content.decode()
    response = client.post(
        "/sales/pools/return/", {"pool": pool.pk, "ids": [account.pk], "reason": "客户已转投竞品"}
    )
    assert response.status_code == 302
    a = Account._base_manager.get(pk=account.pk)
    assert a.owner_id is None and a.pool_id == pool.pk and not a.pool_locked
    # the open redirect is refused
    response = client.post(
        "/sales/pools/lock/", {"kind": "customer", "ids": [1], "next": "https://evil.example/"}
    )
    assert response["Location"] == "/sales/pools/"


def test_admin_pool_settings(org, web):
    from guanxi.sales.models import Pool

    assert web("rep1").get("/admin/pools/").status_code == 403
    client = web("admin")
    assert client.get("/admin/pools/new/").status_code == 200
    bad = client.post("/admin/pools/new/", {"name": "表单公海", "kind": "customer", "members": "rep1, ghost"})
    assert bad.status_code == 200 and "ghost" in bad.content.decode() and not Pool.objects.exists()
    ok = client.post(
        "/admin/pools/new/",
        {
            "name": "表单公海",
            "kind": "customer",
            "members": "rep1, rep2",
            "admins": "manager1",
            "daily_claim_limit": "5",
            "active": "on",
            "mask_contact_info": "on",
            "rule_no_followup_A": "30",
            "rule_not_won_all": "90",
        },
    )
    assert ok.status_code == 302, ok.content.decode()[:2000]
    pool = Pool.objects.get()
    assert pool.daily_claim_limit == 5 and pool.mask_contact_info and not pool.cap_counts_won
    assert {(r.kind, r.tier, r.days) for r in pool.rules.all()} == {
        ("no_followup", "A", 30),
        ("not_won", "", 90),
    }
    edit = client.get(f"/admin/pools/{pool.pk}/")
    assert edit.status_code == 200 and 'value="30"' in edit.content.decode()
    client.post(
        f"/admin/pools/{pool.pk}/",
        {"name": "改名公海", "version": str(pool.version), "members": "rep1", "active": "on"},
    )
    pool.refresh_from_db()
    assert pool.name == "改名公海" and list(pool.members.values_list("username", flat=True)) == ["rep1"]
    assert not pool.rules.exists()
