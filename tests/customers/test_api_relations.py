"""The relations API: a permission matrix over every new endpoint (persona × operation × whose
record → status, database unchanged after every denial), visibility of links, bad input, the
parent and partner type of accounts, If-Match and query counts."""

from __future__ import annotations

import hashlib
import json

import pytest

from tests.helpers import assert_error, module_transaction, patch_json, post_json, snapshot

from .test_api_permissions import ABSENT_ID, MAY, OWNERS, PERSONAS, UNAUTHENTICATED, client_for

# The API operations whose permission matrix is in this module (tests/test_api_matrix_coverage.py).
MATRIX_OPERATIONS = {
    "account_contacts",
    "contact_accounts",
    "contact_link_account",
    "contact_update_link",
    "contact_unlink_account",
    "account_subsidiaries",
    "account_partners",
    "partner_link_add",
    "partner_link_remove",
    "partner_customers",
}

ACCOUNTS = "/api/v1/accounts"
CONTACTS = "/api/v1/contacts"
MARK = {"rep1": "甲", "rep2": "乙", "rep3": "丙"}


def full_snapshot() -> tuple:
    """snapshot() of the helpers, plus the link tables."""
    from guanxi.customers.models import ContactAccount, PartnerLink

    def digest(rows) -> str:
        return hashlib.sha256(json.dumps(list(rows), default=str).encode()).hexdigest()

    return (
        snapshot(),
        digest(
            ContactAccount.objects.order_by("id").values_list(
                "contact_id", "account_id", "role", "title", "is_primary"
            )
        ),
        digest(PartnerLink.objects.order_by("id").values_list("partner_id", "customer_id", "note")),
    )


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """Per rep: an account with a subsidiary, a contact whose primary account it is, a spare
    account to link, and two agents, one already serving the account. Rolled back at the end."""
    from guanxi.customers.directory import services
    from guanxi.customers.relations import services as relations
    from guanxi.demo.org import ensure_demo_org
    from guanxi.org.models import ApiToken, User

    with module_transaction(django_db_blocker):
        with django_db_blocker.unblock():
            users = ensure_demo_org()
            users["inactive"] = User.objects.create_user("inactive", password="guanxi-demo", is_active=False)
            tokens = {name: ApiToken.issue(user)[1] for name, user in users.items()}
            tokens["forged"] = "gx_" + "x" * 43
            ids: dict[tuple[str, str], int] = {}
            for owner in OWNERS:
                actor, m = users[owner], MARK[owner]
                account = services.account_create(actor=actor, data={"name": f"关系{m}集团"})
                sub = services.account_create(
                    actor=actor, data={"name": f"关系{m}子公司", "parent": account.pk}
                )
                spare = services.account_create(actor=actor, data={"name": f"关系{m}备用公司"})
                agent = services.account_create(
                    actor=actor, data={"name": f"关系{m}代理", "partner_type": "agent"}
                )
                agent2 = services.account_create(
                    actor=actor, data={"name": f"关系{m}经销", "partner_type": "reseller"}
                )
                contact = services.contact_create(
                    actor=actor, data={"name": f"关系{m}先生", "account": account.pk}
                )
                relations.partner_link_add(
                    actor=actor, customer=account, data={"partner": agent.pk, "note": "老伙伴"}
                )
                for key, obj in (
                    ("account", account),
                    ("sub", sub),
                    ("spare", spare),
                    ("agent", agent),
                    ("agent2", agent2),
                    ("contact", contact),
                ):
                    ids[key, owner] = obj.pk
        yield {"users": users, "tokens": tokens, "ids": ids}


def version_of(model_name: str, pk: int) -> int:
    from guanxi.customers.models import Account, Contact

    model = {"account": Account, "contact": Contact}[model_name]
    row = model._base_manager.filter(pk=pk).first()
    return row.version if row else 1


OPS = {
    # op: (method, action needed on the record the path names, success status)
    "account_contacts": ("read", 200),
    "contact_accounts": ("read", 200),
    "link": ("update", 201),
    "patch_link": ("update", 200),
    "unlink": ("update", 204),
    "subsidiaries": ("read", 200),
    "partners": ("read", 200),
    "partner_add": ("update", 201),
    "partner_remove": ("update", 204),
    "customers": ("read", 200),
}


def expected(op: str, persona, target: str) -> int:
    if persona in UNAUTHENTICATED:
        return 401
    if target == "absent" or target not in MAY[persona]["read"]:
        return 404
    action, success = OPS[op]
    return success if target in MAY[persona][action] else 403


CASES = [
    pytest.param(op, persona, target, id=f"{op}-{'anonymous' if persona is None else persona}-{target}")
    for op in OPS
    for persona in PERSONAS
    for target in (*OWNERS, "absent")
]


def request(client, world, op: str, target: str):
    ids = world["ids"]
    pick = (lambda key: ABSENT_ID) if target == "absent" else (lambda key: ids[key, target])
    account, contact = pick("account"), pick("contact")
    contact_match = {"HTTP_IF_MATCH": f'"{version_of("contact", contact)}"'}
    account_match = {"HTTP_IF_MATCH": f'"{version_of("account", account)}"'}
    if op == "account_contacts":
        return client.get(f"{ACCOUNTS}/{account}/contacts")
    if op == "contact_accounts":
        return client.get(f"{CONTACTS}/{contact}/accounts")
    if op == "link":
        spare = ids["spare", target] if target != "absent" else ids["spare", "rep1"]
        return post_json(
            client, f"{CONTACTS}/{contact}/accounts", {"account": spare, "role": "buyer", "title": "采购"}
        )
    if op == "patch_link":
        return patch_json(
            client, f"{CONTACTS}/{contact}/accounts/{account}", {"title": "总经理"}, **contact_match
        )
    if op == "unlink":
        return client.delete(f"{CONTACTS}/{contact}/accounts/{account}", **contact_match)
    if op == "subsidiaries":
        return client.get(f"{ACCOUNTS}/{account}/subsidiaries")
    if op == "partners":
        return client.get(f"{ACCOUNTS}/{account}/partners")
    if op == "partner_add":
        agent2 = ids["agent2", target] if target != "absent" else ids["agent2", "rep1"]
        return post_json(client, f"{ACCOUNTS}/{account}/partners", {"partner": agent2, "note": "新伙伴"})
    if op == "partner_remove":
        agent = ids["agent", target] if target != "absent" else ids["agent", "rep1"]
        return client.delete(f"{ACCOUNTS}/{account}/partners/{agent}", **account_match)
    if op == "customers":
        agent = ABSENT_ID if target == "absent" else ids["agent", target]
        return client.get(f"{ACCOUNTS}/{agent}/customers")
    raise AssertionError(op)


@pytest.mark.parametrize(("op", "persona", "target"), CASES)
def test_permission_matrix(world, db, op, persona, target):
    from guanxi.customers.models import Contact, ContactAccount, PartnerLink

    client = client_for(world, persona)
    before = full_snapshot()
    response = request(client, world, op, target)
    status = expected(op, persona, target)
    if status >= 400:
        assert_error(response, status)
        assert full_snapshot() == before, "a denied request changed the database"
        return
    assert response.status_code == status, response.content[:300]
    ids = world["ids"]
    m = MARK[target]
    if op == "account_contacts":
        assert [i["contact"]["display_name"] for i in response.json()["items"]] == [f"关系{m}先生"]
        assert response.json()["items"][0]["is_primary"] is True
    elif op == "contact_accounts":
        assert [(i["account"]["name"], i["is_primary"]) for i in response.json()["items"]] == [
            (f"关系{m}集团", True)
        ]
        assert response["ETag"] == f'"{version_of("contact", ids["contact", target])}"'
    elif op == "link":
        body = response.json()
        assert body["account"] == {"id": ids["spare", target], "name": f"关系{m}备用公司"}
        assert (body["role"], body["title"], body["is_primary"]) == ("buyer", "采购", False)
        assert body["version"] == version_of("contact", ids["contact", target])
        assert ContactAccount.objects.filter(
            contact_id=ids["contact", target], account_id=ids["spare", target]
        ).exists()
    elif op == "patch_link":
        assert response.json()["title"] == "总经理"
        assert (
            ContactAccount.objects.get(
                contact_id=ids["contact", target], account_id=ids["account", target]
            ).title
            == "总经理"
        )
    elif op == "unlink":
        assert Contact.objects.get(pk=ids["contact", target]).account_id is None
        assert not ContactAccount.objects.filter(contact_id=ids["contact", target]).exists()
    elif op == "subsidiaries":
        items = response.json()["items"]
        assert [(i["name"], i["parent"]) for i in items] == [(f"关系{m}子公司", ids["account", target])]
    elif op == "partners":
        assert [
            (i["partner"]["name"], i["partner"]["partner_type"], i["note"]) for i in response.json()["items"]
        ] == [(f"关系{m}代理", "agent", "老伙伴")]
    elif op == "partner_add":
        assert response.json()["partner"]["id"] == ids["agent2", target]
        assert PartnerLink.objects.filter(customer_id=ids["account", target]).count() == 2
    elif op == "partner_remove":
        assert not PartnerLink.objects.filter(customer_id=ids["account", target]).exists()
    elif op == "customers":
        assert [i["customer"]["name"] for i in response.json()["items"]] == [f"关系{m}集团"]
