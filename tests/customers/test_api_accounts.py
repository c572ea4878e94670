"""/api/v1/accounts: the round trip of every field, updates with their audit trail, transfer
with contacts, the recycle bin and its scope."""

from __future__ import annotations

import pytest

from guanxi.audit.models import AuditEvent
from guanxi.core.validators import uscc_check_char
from guanxi.customers.models import Account, Contact
from tests.factories import AccountFactory, ContactFactory
from tests.helpers import assert_error, patch_json, post_json, snapshot

pytestmark = pytest.mark.django_db

ACCOUNTS = "/api/v1/accounts"
USCC = "91330106MA27XY5K0"
USCC = USCC[:17] + uscc_check_char(USCC[:17])

FULL = {
    "name": "杭州西湖科技有限公司",
    "uscc": USCC,
    "industry": "it",
    "tier": "A",
    "phone": "0571 8888 7777",
    "website": "https://xihu.example.cn",
    "address": "浙江省杭州市西湖区文三路 1 号",
    "tags": ["重点", "华东"],
    "description": "第一行\n第二行",
    "custom_fields": {},
}


def test_create_with_every_field_round_trips(api, org):
    client = api("rep1")
    response = post_json(client, ACCOUNTS, FULL)
    assert response.status_code == 201, response.content
    body = response.json()
    expected = {**FULL, "phone": "+8657188887777"}
    assert {k: body[k] for k in expected} == expected
    assert body["version"] == 1 and body["deleted_at"] is None
    assert body["owner"] == {"id": org["rep1"].pk, "username": "rep1"}
    assert client.get(f"{ACCOUNTS}/{body['id']}").json() == body
    event = AuditEvent.objects.get(object_type="account", object_id=body["id"], verb="create")
    assert event.actor == org["rep1"]
    assert event.changes["name"] == [None, FULL["name"]]
    assert event.changes["uscc"] == [None, USCC]


def test_create_with_only_a_name_gives_empty_defaults(api):
    body = post_json(api("rep1"), ACCOUNTS, {"name": "最小公司"}).json()
    assert (
        body["uscc"],
        body["industry"],
        body["tier"],
        body["phone"],
        body["website"],
        body["tags"],
        body["custom_fields"],
    ) == ("", "", "", "", "", [], {})


def test_whitespace_in_names_is_tidied(api):
    body = post_json(api("rep1"), ACCOUNTS, {"name": "  杭州   西湖\n科技  "}).json()
    assert body["name"] == "杭州 西湖 科技"


@pytest.mark.parametrize(
    ("field", "value", "stored"),
    [
        ("name", "新名字有限公司", "新名字有限公司"),
        ("uscc", USCC.lower(), USCC),
        ("uscc", "", ""),
        ("uscc", None, ""),
        ("industry", "finance", "finance"),
        ("industry", "", ""),
        ("tier", "C", "C"),
        ("phone", "+86 10 6552 9988", "+861065529988"),
        ("phone", None, ""),
        ("website", "example.org/path", "https://example.org/path"),
        ("address", "上海市", "上海市"),
        ("tags", ["新", "新", " 旧 "], ["新", "旧"]),
        ("tags", [], []),
        ("tags", None, []),
        ("description", "多行\n文本", "多行\n文本"),
        ("custom_fields", {}, {}),
    ],
)
def test_patch_one_field(api, org, field, value, stored):
    account = AccountFactory(owner=org["rep1"], **{k: v for k, v in FULL.items() if k != "custom_fields"})
    client = api("rep1")
    response = patch_json(client, f"{ACCOUNTS}/{account.pk}", {field: value}, HTTP_IF_MATCH='"1"')
    assert response.status_code == 200, response.content
    body = response.json()
    assert body[field] == stored
    untouched = {k: v for k, v in FULL.items() if k not in (field, "phone")}
    assert {k: body[k] for k in untouched} == untouched  # the other fields are kept
    row = Account.objects.get(pk=account.pk)
    assert getattr(row, field) == stored
    changed = field != "custom_fields" and stored != getattr(account, field)
    assert body["version"] == (2 if changed else 1)
    events = AuditEvent.objects.filter(object_type="account", object_id=account.pk, verb="update")
    if changed:
        assert [e.changes for e in events] == [{field: [getattr(account, field), stored]}]
        assert events[0].actor == org["rep1"]
    else:
        assert not events.exists()


def test_patch_empty_body_changes_nothing(api, org):
    account = AccountFactory(owner=org["rep1"])
    before = snapshot()
    response = patch_json(api("rep1"), f"{ACCOUNTS}/{account.pk}", {}, HTTP_IF_MATCH='"1"')
    assert response.status_code == 200 and response.json()["version"] == 1
    assert snapshot() == before


def test_patch_cannot_blank_the_name(api, org):
    account = AccountFactory(owner=org["rep1"])
    before = snapshot()
    for value in ("", None, "  "):
        assert_error(
            patch_json(api("rep1"), f"{ACCOUNTS}/{account.pk}", {"name": value}, HTTP_IF_MATCH='"1"'),
            400,
            "name",
        )
    assert snapshot() == before


def test_manager_edits_and_director_restores_a_reps_account(api, org):
    account = AccountFactory(owner=org["rep1"], name="团队公司")
    assert (
        patch_json(
            api("manager1"), f"{ACCOUNTS}/{account.pk}", {"tier": "A"}, HTTP_IF_MATCH='"1"'
        ).status_code
        == 200
    )
    assert api("manager1").delete(f"{ACCOUNTS}/{account.pk}", HTTP_IF_MATCH='"2"').status_code == 204
    # the owner sees it in their recycle bin, and so does the director
    assert [a["id"] for a in api("rep1").get(f"{ACCOUNTS}/recycle-bin").json()["items"]] == [account.pk]
    assert [a["id"] for a in api("rep3").get(f"{ACCOUNTS}/recycle-bin").json()["items"]] == []
    assert api("director").post(f"{ACCOUNTS}/{account.pk}/restore").status_code == 200
    verbs = list(
        AuditEvent.objects.filter(object_id=account.pk, object_type="account")
        .order_by("id")
        .values_list("verb", "actor__username")
    )
    assert verbs == [
        ("create", "rep1"),
        ("update", "manager1"),
        ("delete", "manager1"),
        ("restore", "director"),
    ]


def test_transfer_with_contacts_moves_only_this_accounts_contacts(api, org):
    account = AccountFactory(owner=org["rep1"], name="转移公司")
    linked = ContactFactory(owner=org["rep1"], name="随行", account=account.pk)
    other = ContactFactory(owner=org["rep1"], name="留下")
    response = post_json(
        api("rep1"), f"{ACCOUNTS}/{account.pk}/transfer", {"owner": "rep2", "with_contacts": True}
    )
    assert response.status_code == 200
    assert Contact.objects.get(pk=linked.pk).owner == org["rep2"]
    assert Contact.objects.get(pk=other.pk).owner == org["rep1"]
    assert [c["id"] for c in api("rep2").get("/api/v1/contacts", {"q": "随行"}).json()["items"]] == [
        linked.pk
    ]


def test_transfer_without_contacts_leaves_them(api, org):
    account = AccountFactory(owner=org["rep1"], name="只转公司")
    linked = ContactFactory(owner=org["rep1"], name="不动", account=account.pk)
    assert post_json(api("rep1"), f"{ACCOUNTS}/{account.pk}/transfer", {"owner": "rep2"}).status_code == 200
    assert Contact.objects.get(pk=linked.pk).owner == org["rep1"]


def test_transfer_of_a_deleted_account_is_404(api, org):
    account = AccountFactory(owner=org["rep1"])
    api("rep1").delete(f"{ACCOUNTS}/{account.pk}", HTTP_IF_MATCH='"1"')
    before = snapshot()
    assert_error(post_json(api("rep1"), f"{ACCOUNTS}/{account.pk}/transfer", {"owner": "rep2"}), 404)
    assert_error(patch_json(api("rep1"), f"{ACCOUNTS}/{account.pk}", {"name": "x"}, HTTP_IF_MATCH='"2"'), 404)
    assert snapshot() == before


def test_export_lists_what_the_filters_select(api, org):
    AccountFactory(owner=org["rep1"], name="导出甲", industry="it")
    AccountFactory(owner=org["rep2"], name="导出乙", industry="finance")
    response = api("director").get(f"{ACCOUNTS}/export", {"industry": "it"})
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    assert "导出甲" in text and "导出乙" not in text
    assert_error(api("director").get(f"{ACCOUNTS}/export", {"industry": "nope"}), 400, "industry")
