"""The relations API beyond the permission matrix (test_api_relations.py): visibility of links,
bad input, the parent and partner type of accounts, If-Match, idempotency and query counts."""

from __future__ import annotations

import pytest

from tests.helpers import assert_error, patch_json, post_json

from .test_api_permissions import ABSENT_ID
from .test_api_relations import full_snapshot

ACCOUNTS = "/api/v1/accounts"
CONTACTS = "/api/v1/contacts"


# --- visibility across owners -----------------------------------------------------------------


def test_links_to_records_the_reader_cannot_see_are_not_listed(api, org):
    from guanxi.customers.directory import services
    from guanxi.customers.relations import services as relations

    rep1, rep3, director = org["rep1"], org["rep3"], org["director"]
    mine = services.account_create(actor=rep1, data={"name": "我的集团"})
    theirs = services.account_create(actor=rep3, data={"name": "他人公司", "partner_type": "agent"})
    contact = services.contact_create(actor=rep1, data={"name": "王五", "account": mine.pk})
    their_contact = services.contact_create(actor=rep3, data={"name": "赵六"})
    relations.contact_link_account(actor=director, contact=contact, data={"account": theirs.pk})
    relations.contact_link_account(actor=director, contact=their_contact, data={"account": mine.pk})
    services.account_update(actor=director, account=theirs, data={"parent": mine.pk}, version=None)
    relations.partner_link_add(actor=director, customer=mine, data={"partner": theirs.pk})

    rep1_api = api("rep1")
    accounts = rep1_api.get(f"{CONTACTS}/{contact.pk}/accounts").json()["items"]
    assert [a["account"]["id"] for a in accounts] == [mine.pk]
    contacts = rep1_api.get(f"{ACCOUNTS}/{mine.pk}/contacts").json()["items"]
    assert [c["contact"]["id"] for c in contacts] == [contact.pk]
    assert rep1_api.get(f"{ACCOUNTS}/{mine.pk}/subsidiaries").json()["items"] == []
    assert rep1_api.get(f"{ACCOUNTS}/{mine.pk}/partners").json()["items"] == []
    # the link to the invisible account cannot be changed or removed either: 404
    for response in (
        patch_json(
            rep1_api,
            f"{CONTACTS}/{contact.pk}/accounts/{theirs.pk}",
            {"title": "x"},
            HTTP_IF_MATCH=f'"{contact.version + 1}"',
        ),
        rep1_api.delete(f"{CONTACTS}/{contact.pk}/accounts/{theirs.pk}", HTTP_IF_MATCH='"9"'),
    ):
        assert_error(response, 404)
    # linking to it is a 400 naming the field, like an absent account
    before = full_snapshot()
    error = assert_error(
        post_json(rep1_api, f"{CONTACTS}/{contact.pk}/accounts", {"account": theirs.pk}), 400, "account"
    )
    assert "cannot see" in error["fields"]["account"][0]
    error = assert_error(
        post_json(rep1_api, f"{ACCOUNTS}/{mine.pk}/partners", {"partner": theirs.pk}), 400, "partner"
    )
    assert full_snapshot() == before

    # the director sees everything
    boss = api("director")
    assert len(boss.get(f"{CONTACTS}/{contact.pk}/accounts").json()["items"]) == 2
    assert len(boss.get(f"{ACCOUNTS}/{mine.pk}/contacts").json()["items"]) == 2
    assert [s["id"] for s in boss.get(f"{ACCOUNTS}/{mine.pk}/subsidiaries").json()["items"]] == [theirs.pk]


def test_account_parent_and_partner_type_in_and_out(api, org):
    from guanxi.customers.directory import services
    from guanxi.customers.models import Account

    rep1 = api("rep1")
    group = post_json(rep1, ACCOUNTS, {"name": "母集团有限公司"}).json()
    r = post_json(rep1, ACCOUNTS, {"name": "子公司一号", "parent": group["id"], "partner_type": "wholesaler"})
    assert (
        r.status_code == 201
        and r.json()["parent"] == group["id"]
        and r.json()["partner_type"] == "wholesaler"
    )
    sub = r.json()
    assert rep1.get(f"{ACCOUNTS}/{sub['id']}").json()["parent"] == group["id"]
    listed = rep1.get(f"{ACCOUNTS}?parent={group['id']}").json()["items"]
    assert [a["id"] for a in listed] == [sub["id"]]
    assert [a["id"] for a in rep1.get(f"{ACCOUNTS}?partner_type=wholesaler").json()["items"]] == [sub["id"]]
    # a cycle is a 400 naming parent
    r = patch_json(
        rep1, f"{ACCOUNTS}/{group['id']}", {"parent": sub["id"]}, HTTP_IF_MATCH=f'"{group["version"]}"'
    )
    assert "subsidiaries" in assert_error(r, 400, "parent")["fields"]["parent"][0]
    r = patch_json(
        rep1, f"{ACCOUNTS}/{group['id']}", {"parent": group["id"]}, HTTP_IF_MATCH=f'"{group["version"]}"'
    )
    assert "own parent" in assert_error(r, 400, "parent")["fields"]["parent"][0]
    # clearing
    r = patch_json(rep1, f"{ACCOUNTS}/{sub['id']}", {"parent": None}, HTTP_IF_MATCH=f'"{sub["version"]}"')
    assert r.status_code == 200 and r.json()["parent"] is None

    # a parent the reader cannot see is shown as null, and filtering by it finds nothing
    hidden = services.account_create(actor=org["rep3"], data={"name": "隐藏母公司"})
    services.account_update(
        actor=org["director"],
        account=Account.objects.get(pk=sub["id"]),
        data={"parent": hidden.pk},
        version=None,
    )
    assert rep1.get(f"{ACCOUNTS}/{sub['id']}").json()["parent"] is None
    assert rep1.get(f"{ACCOUNTS}?parent={hidden.pk}").json()["items"] == []
    assert api("director").get(f"{ACCOUNTS}?parent={hidden.pk}").json()["items"][0]["parent"] == hidden.pk


BAD_ACCOUNT_FIELDS = [
    ("parent", "abc"),
    ("parent", True),
    ("parent", 1.5),
    ("parent", "7"),
    ("parent", [1]),
    ("parent", 10**30),
    ("parent", -1),
    ("parent", 0),
    ("parent", ABSENT_ID),
    ("parent", "1; DROP TABLE customers_account"),
    ("partner_type", "distributor"),
    ("partner_type", "<script>alert(1)</script>"),
    ("partner_type", 3),
    ("partner_type", "agent\u0000"),
]


@pytest.mark.parametrize(("field", "value"), BAD_ACCOUNT_FIELDS)
def test_bad_parent_and_partner_type_are_400_naming_the_field(api, org, field, value):
    rep1 = api("rep1")
    account = post_json(rep1, ACCOUNTS, {"name": "坏输入公司"}).json()
    before = full_snapshot()
    assert_error(post_json(rep1, ACCOUNTS, {"name": "新公司", field: value}), 400, field)
    assert_error(
        patch_json(
            rep1, f"{ACCOUNTS}/{account['id']}", {field: value}, HTTP_IF_MATCH=f'"{account["version"]}"'
        ),
        400,
        field,
    )
    assert full_snapshot() == before


BAD_LINKS = [
    ({"account": "abc"}, "account"),
    ({"account": True}, "account"),
    ({"account": None}, "account"),
    ({"account": 10**30}, "account"),
    ({"account": -5}, "account"),
    ({"account": ABSENT_ID}, "account"),
    ({"account": "1 OR 1=1"}, "account"),
    ({}, "account"),
    ({"account": "SPARE", "role": "boss"}, "role"),
    ({"account": "SPARE", "role": "<b>x</b>"}, "role"),
    ({"account": "SPARE", "role": 1}, "role"),
    ({"account": "SPARE", "title": "x" * 101}, "title"),
    ({"account": "SPARE", "title": "a\u0000b"}, "title"),
    ({"account": "SPARE", "title": ["x"]}, "title"),
    ({"account": "SPARE", "is_primary": "yes"}, "is_primary"),
    ({"account": "SPARE", "is_primary": 1}, "is_primary"),
    ({"account": "SPARE", "version": 3}, "version"),
    ({"account": "OWN"}, "account"),  # already linked (its primary account)
]


@pytest.mark.parametrize(
    ("payload", "field"), BAD_LINKS, ids=[f"{f}-{i}" for i, (_p, f) in enumerate(BAD_LINKS)]
)
def test_bad_link_input_is_400_naming_the_field(api, org, payload, field):
    from guanxi.customers.directory import services

    account = services.account_create(actor=org["rep1"], data={"name": "链接公司"})
    spare = services.account_create(actor=org["rep1"], data={"name": "备用公司"})
    contact = services.contact_create(actor=org["rep1"], data={"name": "钱七", "account": account.pk})
    payload = {
        k: {"SPARE": spare.pk, "OWN": account.pk}.get(v, v) if isinstance(v, str) else v
        for k, v in payload.items()
    }
    before = full_snapshot()
    assert_error(post_json(api("rep1"), f"{CONTACTS}/{contact.pk}/accounts", payload), 400, field)
    assert full_snapshot() == before


def test_bad_bodies_and_missing_or_stale_if_match(api, org):
    from guanxi.customers.directory import services

    account = services.account_create(actor=org["rep1"], data={"name": "版本公司"})
    agent = services.account_create(actor=org["rep1"], data={"name": "版本代理", "partner_type": "agent"})
    plain = services.account_create(actor=org["rep1"], data={"name": "普通公司"})
    contact = services.contact_create(actor=org["rep1"], data={"name": "孙八", "account": account.pk})
    rep1 = api("rep1")
    link_path = f"{CONTACTS}/{contact.pk}/accounts/{account.pk}"
    before = full_snapshot()
    assert_error(
        rep1.post(f"{CONTACTS}/{contact.pk}/accounts", data="[1]", content_type="application/json"),
        400,
        "body",
    )
    assert_error(
        rep1.post(f"{CONTACTS}/{contact.pk}/accounts", data="{nope", content_type="application/json"),
        400,
        "body",
    )
    assert_error(patch_json(rep1, link_path, {"title": "x"}), 428)
    assert_error(patch_json(rep1, link_path, {"title": "x"}, HTTP_IF_MATCH=f'"{contact.version + 5}"'), 412)
    assert_error(
        patch_json(rep1, link_path, {"account": plain.pk}, HTTP_IF_MATCH=f'"{contact.version}"'),
        400,
        "account",
    )
    assert_error(rep1.delete(link_path), 428)
    assert_error(rep1.delete(link_path, HTTP_IF_MATCH='"abc"'), 412)
    assert_error(post_json(rep1, f"{ACCOUNTS}/{account.pk}/partners", {"partner": plain.pk}), 400, "partner")
    assert_error(
        post_json(rep1, f"{ACCOUNTS}/{account.pk}/partners", {"partner": account.pk}), 400, "partner"
    )
    assert_error(
        post_json(rep1, f"{ACCOUNTS}/{account.pk}/partners", {"partner": agent.pk, "note": "x" * 201}),
        400,
        "note",
    )
    assert_error(
        post_json(rep1, f"{ACCOUNTS}/{account.pk}/partners", {"partner": agent.pk}, HTTP_IF_MATCH='"99"'), 412
    )
    assert_error(
        rep1.delete(f"{ACCOUNTS}/{account.pk}/partners/{agent.pk}", HTTP_IF_MATCH=f'"{account.version}"'), 404
    )
    assert_error(rep1.delete(f"{ACCOUNTS}/{account.pk}/partners/{agent.pk}"), 428)
    assert_error(rep1.get(f"{ACCOUNTS}/{account.pk}/contacts?limit=0"), 400, "limit")
    assert_error(rep1.get(f"{ACCOUNTS}/{account.pk}/contacts?cursor=%00%00"), 400, "cursor")
    assert_error(rep1.get(f"{ACCOUNTS}?parent=abc"), 400, "parent")
    assert_error(rep1.get(f"{ACCOUNTS}?partner_type=x"), 400, "partner_type")
    assert full_snapshot() == before


def test_link_lifecycle_make_primary_and_idempotent_create(api, org):
    from guanxi.customers.directory import services
    from guanxi.customers.models import Contact, ContactAccount

    a = services.account_create(actor=org["rep1"], data={"name": "甲方公司"})
    b = services.account_create(actor=org["rep1"], data={"name": "乙方公司"})
    contact = services.contact_create(actor=org["rep1"], data={"name": "周九", "account": a.pk})
    rep1 = api("rep1")
    path = f"{CONTACTS}/{contact.pk}/accounts"
    first = post_json(rep1, path, {"account": b.pk, "role": "technical"}, HTTP_IDEMPOTENCY_KEY="k-1")
    again = post_json(rep1, path, {"account": b.pk, "role": "technical"}, HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == again.status_code == 201 and first.json() == again.json()
    assert ContactAccount.objects.filter(contact=contact).count() == 2
    version = first.json()["version"]
    r = patch_json(rep1, f"{path}/{b.pk}", {"is_primary": True}, HTTP_IF_MATCH=f'"{version}"')
    assert r.status_code == 200 and r.json()["is_primary"] is True and r["ETag"] == f'"{version + 1}"'
    assert Contact.objects.get(pk=contact.pk).account_id == b.pk
    assert rep1.get(f"{CONTACTS}/{contact.pk}").json()["account"] == b.pk
    items = rep1.get(path).json()["items"]
    assert [(i["account"]["name"], i["is_primary"], i["role"]) for i in items] == [
        ("乙方公司", True, "technical"),
        ("甲方公司", False, ""),
    ]


def test_relation_lists_use_a_fixed_number_of_queries(api, org, django_assert_max_num_queries):
    from guanxi.customers.directory import services
    from guanxi.customers.models import Account, Contact
    from guanxi.customers.relations import services as relations

    rep = org["rep1"]
    group = services.account_create(actor=rep, data={"name": "查询集团"})
    contact = services.contact_create(actor=rep, data={"name": "查询人", "account": group.pk})
    client = api("rep1")

    def grow(i):
        sub = services.account_create(actor=rep, data={"name": f"查询子公司{i}", "parent": group.pk})
        agent = services.account_create(actor=rep, data={"name": f"查询代理{i}", "partner_type": "agent"})
        relations.partner_link_add(
            actor=rep, customer=Account.objects.get(pk=group.pk), data={"partner": agent.pk}
        )
        relations.contact_link_account(
            actor=rep, contact=Contact.objects.get(pk=contact.pk), data={"account": sub.pk, "role": "user"}
        )
        services.contact_create(actor=rep, data={"name": f"查询人{i}", "account": group.pk})

    grow(0)
    paths = [
        f"{ACCOUNTS}/{group.pk}/contacts",
        f"{CONTACTS}/{contact.pk}/accounts",
        f"{ACCOUNTS}/{group.pk}/subsidiaries",
        f"{ACCOUNTS}/{group.pk}/partners",
    ]
    counts = {}
    for path in paths:
        client.get(path)
        with django_assert_max_num_queries(12) as few:
            assert client.get(path).status_code == 200
        counts[path] = len(few.captured_queries)
    for i in range(1, 7):
        grow(i)
    for path in paths:
        with django_assert_max_num_queries(counts[path]):
            assert len(client.get(path).json()["items"]) >= 6
