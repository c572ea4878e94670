"""The shared pool's services: claim, assign, return, lock with their rules, masking, and the
claim race (PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection
from django.utils import timezone

from tests.helpers import assert_error, post_json

URL = "/api/v1/pools"


def make_pool(admin, **data):
    from guanxi.sales.pools import services_admin

    payload = {"name": "华东公海", "kind": "customer", "members": ["rep1", "rep2"], "admins": ["manager1"]}
    payload.update(data)
    return services_admin.pool_create(actor=admin, data=payload)


def pooled_accounts(org, pool, n, *, owner="rep3", **extra):
    """n accounts created by `owner`, then returned to the pool (owner NULL, pool set)."""
    from guanxi.customers.directory import services as customers
    from guanxi.customers.models import Account
    from guanxi.sales.models import PoolEvent

    ids = []
    for i in range(n):
        a = customers.account_create(
            actor=org[owner], data={"name": f"池中客户{i}号有限公司", "phone": "13812345678", **extra}
        )
        customers.contact_create(
            actor=org[owner],
            data={
                "name": f"联系人{i}",
                "account": a.pk,
                "mobile": "13900001111",
                "email": f"zhang{i}@example.com",
            },
        )
        ids.append(a.pk)
    Account._base_manager.filter(pk__in=ids).update(owner=None, pool=pool)
    from guanxi.customers.models import Contact

    Contact._base_manager.filter(account_id__in=ids).update(owner=None)
    PoolEvent.objects.bulk_create(
        [PoolEvent(pool=pool, object_type="account", object_id=i, action="enter") for i in ids]
    )
    return ids


def test_claim_sets_owner_contacts_events_audit_and_index(org, api):
    from guanxi.audit.models import AuditEvent
    from guanxi.customers.models import Account, Contact
    from guanxi.sales.models import PoolEvent
    from guanxi.search.models import SearchDocument

    pool = make_pool(org["admin"])
    ids = pooled_accounts(org, pool, 2)
    response = post_json(api("rep1"), f"{URL}/{pool.pk}/claim", {"ids": ids})
    assert response.status_code == 200, response.content
    assert response.json() == {"ids": ids, "owner": "rep1"}
    for a in Account._base_manager.filter(pk__in=ids):
        assert a.owner_id == org["rep1"].pk and a.pool_id is None and a.owned_since is not None
    assert set(Contact._base_manager.filter(account_id__in=ids).values_list("owner_id", flat=True)) == {
        org["rep1"].pk
    }
    assert PoolEvent.objects.filter(action="claim", to_owner=org["rep1"], object_id__in=ids).count() == 2
    audit = AuditEvent.objects.filter(verb="transfer", object_type="account", object_id=ids[0]).get()
    assert audit.changes["owner"] == [None, "rep1"]
    assert set(
        SearchDocument.objects.filter(object_type="account", object_id__in=ids).values_list(
            "owner_id", flat=True
        )
    ) == {org["rep1"].pk}
    # now visible in rep1's accounts, unmasked
    body = api("rep1").get(f"/api/v1/accounts/{ids[0]}").json()
    assert body["phone"] == "+8613812345678"
    # a second claim of the same records: already claimed
    again = post_json(api("rep2"), f"{URL}/{pool.pk}/claim", {"ids": ids})
    assert assert_error(again, 409, "ids")["code"] == "already_claimed"


def test_daily_claim_limit_names_the_rule_and_its_numbers_and_is_all_or_nothing(org, api):
    from guanxi.customers.models import Account

    pool = make_pool(org["admin"], daily_claim_limit=3)
    ids = pooled_accounts(org, pool, 5)
    assert post_json(api("rep1"), f"{URL}/{pool.pk}/claim", {"ids": ids[:2]}).status_code == 200
    response = post_json(api("rep1"), f"{URL}/{pool.pk}/claim", {"ids": ids[2:4]})
    error = assert_error(response, 400, "ids")
    assert error["code"] == "pool_rule"
    assert error["message"].startswith("Daily claim limit: you have claimed 2 of 3 today.")
    assert (
        Account._base_manager.filter(pk__in=ids[2:4], owner__isnull=True, pool=pool).count() == 2
    )  # none taken
    assert post_json(api("rep1"), f"{URL}/{pool.pk}/claim", {"ids": ids[2:3]}).status_code == 200
    # assignments by an admin count towards the day too, but the limit does not bind the admin's assign
    assert (
        post_json(api("manager1"), f"{URL}/{pool.pk}/assign", {"ids": ids[3:4], "owner": "rep1"}).status_code
        == 200
    )
    error = assert_error(post_json(api("rep1"), f"{URL}/{pool.pk}/claim", {"ids": ids[4:]}), 400, "ids")
    assert "4 of 3" in error["message"]


def test_ownership_cap_with_and_without_won_customers(org, api):
    from guanxi.customers.directory import services as customers
    from guanxi.sales.models import Opportunity, Pipeline, Stage

    pool = make_pool(org["admin"], ownership_cap=2)
    mine = customers.account_create(actor=org["rep1"], data={"name": "已成交客户甲"})
    customers.account_create(actor=org["rep1"], data={"name": "普通客户乙"})
    ids = pooled_accounts(org, pool, 2)
    error = assert_error(post_json(api("rep1"), f"{URL}/{pool.pk}/claim", {"ids": ids[:1]}), 400, "ids")
    assert error["code"] == "pool_rule"
    assert error["message"] == "Ownership cap: you own 2 of at most 2; 1 more would be too many."
    # won customers do not count when the pool says so
    pipeline = Pipeline.objects.create(name_en="P")
    won = Stage.objects.create(pipeline=pipeline, name_en="Won", type="won", probability=100)
    Opportunity.objects.create(
        name="deal",
        account=mine,
        pipeline=pipeline,
        stage=won,
        stage_type="won",
        probability=100,
        owner=org["rep1"],
    )
    from guanxi.sales.pools import services_admin

    services_admin.pool_update(
        actor=org["admin"], pool=pool, data={"cap_counts_won": False}, version=pool.version
    )
    assert post_json(api("rep1"), f"{URL}/{pool.pk}/claim", {"ids": ids[:1]}).status_code == 200
    error = assert_error(post_json(api("rep1"), f"{URL}/{pool.pk}/claim", {"ids": ids[1:]}), 400, "ids")
    assert "you own 2 of at most 2" in error["message"]
    # assign: the member's cap, named on `owner`
    error = assert_error(
        post_json(api("manager1"), f"{URL}/{pool.pk}/assign", {"ids": ids[1:], "owner": "rep1"}), 400, "owner"
    )
    assert "rep1 owns 2 of at most 2" in error["message"]


def test_return_needs_a_reason_and_the_former_owner_waits(org, api):
    from guanxi.customers.directory import services as customers
    from guanxi.customers.models import Account, Contact
    from guanxi.sales.models import PoolEvent

    pool = make_pool(org["admin"], former_owner_cooldown_days=7)
    account = customers.account_create(actor=org["rep1"], data={"name": "退回测试客户"})
    contact = customers.contact_create(actor=org["rep1"], data={"name": "王五", "account": account.pk})
    other = customers.contact_create(actor=org["rep1"], data={"name": "赵六", "account": account.pk})
    Contact._base_manager.filter(pk=other.pk).update(owner=org["rep2"])
    for reason in (None, "", "   "):
        body = {"ids": [account.pk]} if reason is None else {"ids": [account.pk], "reason": reason}
        assert_error(post_json(api("rep1"), f"{URL}/{pool.pk}/return", body), 400, "reason")
    # someone else's record: not yours to return
    assert_error(
        post_json(api("rep2"), f"{URL}/{pool.pk}/return", {"ids": [account.pk], "reason": "x"}), 400, "ids"
    )
    response = post_json(
        api("rep1"), f"{URL}/{pool.pk}/return", {"ids": [account.pk], "reason": "=cmd|' /C calc'!A0"}
    )
    assert response.status_code == 200, response.content
    account.refresh_from_db()
    assert account.owner_id is None and account.pool_id == pool.pk
    assert Contact._base_manager.get(pk=contact.pk).owner_id is None
    assert Contact._base_manager.get(pk=other.pk).owner_id == org["rep2"].pk  # not the account owner's: stays
    event = PoolEvent.objects.get(object_id=account.pk, action="return")
    assert event.reason == "=cmd|' /C calc'!A0" and event.from_owner == org["rep1"]
    # invisible now to rep1's account list
    assert api("rep1").get(f"/api/v1/accounts/{account.pk}").status_code == 404
    error = assert_error(post_json(api("rep1"), f"{URL}/{pool.pk}/claim", {"ids": [account.pk]}), 400, "ids")
    assert error["code"] == "pool_rule" and "again 7 days after" in error["message"]
    PoolEvent.objects.filter(pk=event.pk).update(created_at=timezone.now() - dt.timedelta(days=8))
    assert post_json(api("rep1"), f"{URL}/{pool.pk}/claim", {"ids": [account.pk]}).status_code == 200
    assert Account._base_manager.get(pk=account.pk).owner_id == org["rep1"].pk


def test_lock_limit_from_the_reclaiming_pool(org, api):
    from guanxi.customers.directory import services as customers
    from guanxi.customers.models import Account

    make_pool(org["admin"], lock_limit=1)
    a = customers.account_create(actor=org["rep1"], data={"name": "锁定甲"})
    b = customers.account_create(actor=org["rep1"], data={"name": "锁定乙"})
    assert post_json(api("rep1"), f"{URL}/lock", {"kind": "customer", "ids": [a.pk]}).status_code == 200
    error = assert_error(
        post_json(api("rep1"), f"{URL}/lock", {"kind": "customer", "ids": [b.pk]}), 400, "ids"
    )
    assert error["message"] == "Lock limit: 1 of 1 locked already; 1 more would be too many."
    assert (
        post_json(
            api("rep1"), f"{URL}/lock", {"kind": "customer", "ids": [a.pk], "locked": False}
        ).status_code
        == 200
    )
    assert post_json(api("rep1"), f"{URL}/lock", {"kind": "customer", "ids": [b.pk]}).status_code == 200
    assert list(
        Account._base_manager.filter(pk__in=[a.pk, b.pk]).order_by("id").values_list("pool_locked", flat=True)
    ) == [False, True]
    # someone else's record
    assert_error(post_json(api("rep2"), f"{URL}/lock", {"kind": "customer", "ids": [a.pk]}), 400, "ids")
    assert_error(post_json(api("rep1"), f"{URL}/lock", {"kind": "bogus", "ids": [a.pk]}), 400, "kind")


@pytest.mark.parametrize(
    "ids", [[], "1", [True], [0], [-3], [10**30], ["<b>1</b>"], [1.5], list(range(1, 600)), None]
)
def test_bad_ids_are_field_errors(org, api, ids):
    pool = make_pool(org["admin"])
    assert_error(post_json(api("rep1"), f"{URL}/{pool.pk}/claim", {"ids": ids}), 400, "ids")


def test_records_are_masked_until_claimed(org, api):
    pool = make_pool(org["admin"])
    ids = pooled_accounts(org, pool, 1)
    body = api("rep1").get(f"{URL}/{pool.pk}/records").json()
    item = body["items"][0]
    assert item["id"] == ids[0] and item["phone"] == "138****5678"
    assert (
        item["contacts"][0]["mobile"] == "139****1111" and item["contacts"][0]["email"] == "z***@example.com"
    )
    assert "13812345678" not in str(body)
    from guanxi.sales.pools import services_admin

    services_admin.pool_update(
        actor=org["admin"], pool=pool, data={"mask_contact_info": False}, version=pool.version
    )
    item = api("rep1").get(f"{URL}/{pool.pk}/records").json()["items"][0]
    assert item["phone"] == "+8613812345678"


def test_maskers():
    from guanxi.policies.masking import mask_email, mask_phone, mask_text

    assert mask_phone("+8613812345678") == "138****5678"
    assert mask_phone("+8657188888000") == "057****8000"
    assert mask_phone("") == "" and mask_phone("12") == "****"
    assert mask_email("zhang.wei@example.com") == "z***@example.com"
    assert mask_email("<script>@x.cn") == "<***@x.cn"
    assert mask_text("wxid_abc") == "w***"


def test_pool_settings_validation_names_fields(org, api):
    client = api("admin")
    cases = [
        ({"name": "x", "kind": "customer", "members": ["nobody'; DROP TABLE"]}, "members"),
        ({"name": "x", "kind": "customer", "admins": "rep1"}, "admins"),
        ({"name": "x", "kind": "customer", "member_departments": [10**9]}, "member_departments"),
        ({"name": "x", "kind": "dungeon"}, "kind"),
        ({"name": "", "kind": "lead"}, "name"),
        ({"name": "x", "kind": "customer", "rules": [{"kind": "no_followup", "days": 0}]}, "rules"),
        ({"name": "x", "kind": "customer", "rules": [{"kind": "bogus", "days": 3}]}, "rules"),
        ({"name": "x", "kind": "customer", "rules": [{"kind": "not_won", "days": 3, "tier": "Z"}]}, "rules"),
        (
            {
                "name": "x",
                "kind": "customer",
                "rules": [{"kind": "not_won", "days": 3}, {"kind": "not_won", "days": 4}],
            },
            "rules",
        ),
        ({"name": "x", "kind": "customer", "daily_claim_limit": -1}, "daily_claim_limit"),
        ({"name": "x", "kind": "customer", "ownership_cap": "5"}, "ownership_cap"),
        ({"name": "x", "kind": "customer", "mask_contact_info": "yes"}, "mask_contact_info"),
        ({"name": "x", "kind": "customer", "owner": "rep1"}, "owner"),
    ]
    from guanxi.sales.models import Pool

    for body, field in cases:
        assert_error(post_json(client, URL, body), 400, field)
    assert Pool.objects.count() == 0
    ok = post_json(
        client,
        URL,
        {
            "name": "<b>公海</b>",
            "kind": "customer",
            "members": ["rep1"],
            "member_departments": [org["rep3"].department_id],
            "admins": ["manager1"],
            "rules": [
                {"kind": "no_followup", "days": 30, "tier": "A"},
                {"kind": "no_followup", "days": 15, "tier": None},
            ],
        },
    )
    assert ok.status_code == 201, ok.content
    body = ok.json()
    assert body["name"] == "<b>公海</b>" and body["members"] == ["rep1"] and body["admins"] == ["manager1"]
    assert {(r["kind"], r["days"], r["tier"]) for r in body["rules"]} == {
        ("no_followup", 30, "A"),
        ("no_followup", 15, None),
    }
    # rep3 is a member through the South department
    assert api("rep3").get(f"{URL}/{body['id']}").status_code == 200
    assert api("rep2").get(f"{URL}/{body['id']}").status_code == 404


@pytest.mark.django_db(transaction=True)
def test_two_reps_racing_for_one_record_exactly_one_wins(org):
    if connection.vendor != "postgresql":
        pytest.skip("the race needs two real connections (PostgreSQL)")
    from django.db import connections

    from guanxi.customers.models import Account
    from guanxi.sales.models import PoolEvent
    from guanxi.sales.pools import services

    pool = make_pool(org["admin"])
    [record] = pooled_accounts(org, pool, 1)
    barrier = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def claim(username):
        from guanxi.org.models import User

        try:
            actor = User.objects.get(username=username)
            barrier.wait()
            services.pool_claim(actor=actor, pool=pool, ids=[record])
            outcomes[username] = "won"
        except services.AlreadyClaimed:
            outcomes[username] = "lost"
        except Exception as exc:  # pragma: no cover - shown in the assertion
            outcomes[username] = repr(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=claim, args=(u,)) for u in ("rep1", "rep2")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(outcomes.values()) == ["lost", "won"], outcomes
    winner = next(u for u, o in outcomes.items() if o == "won")
    account = Account._base_manager.get(pk=record)
    assert account.owner.username == winner and account.pool_id is None
    assert PoolEvent.objects.filter(object_id=record, action="claim").count() == 1
