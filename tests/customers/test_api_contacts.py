"""/api/v1/contacts: names, phones and emails, the link to an account and what a contact may
reveal about an account its reader cannot see."""

from __future__ import annotations

import pytest

from guanxi.audit.models import AuditEvent
from guanxi.customers.models import Contact
from tests.factories import AccountFactory, ContactFactory
from tests.helpers import assert_error, patch_json, post_json, snapshot

pytestmark = pytest.mark.django_db

CONTACTS = "/api/v1/contacts"


@pytest.mark.parametrize(
    ("payload", "family", "given", "display"),
    [
        ({"name": "王小明"}, "王", "小明", "王小明"),
        ({"name": "欧阳娜娜"}, "欧阳", "娜娜", "欧阳娜娜"),
        ({"name": "歐陽娜娜"}, "歐陽", "娜娜", "歐陽娜娜"),
        ({"name": "Anna Lee"}, "", "", "Anna Lee"),
        ({"name": "Anna Lee", "family_name": "Lee", "given_name": "Anna"}, "Lee", "Anna", "LEE Anna"),
        ({"name": "司马光", "family_name": "司", "given_name": "马光"}, "司", "马光", "司马光"),
    ],
)
def test_names_stored_as_given_and_displayed_family_name_first(api, payload, family, given, display):
    body = post_json(api("rep1"), CONTACTS, payload).json()
    assert body["name"] == payload["name"]
    assert (body["family_name"], body["given_name"], body["display_name"]) == (family, given, display)


def test_renaming_derives_the_name_parts_again(api, org):
    contact = ContactFactory(owner=org["rep1"], name="王小明")
    body = patch_json(api("rep1"), f"{CONTACTS}/{contact.pk}", {"name": "诸葛亮"}, HTTP_IF_MATCH='"1"').json()
    assert (body["family_name"], body["given_name"]) == ("诸葛", "亮")


def test_create_with_every_field_round_trips(api, org):
    account = AccountFactory(owner=org["rep1"], name="联系人的公司")
    client = api("rep1")
    payload = {
        "name": "李雷",
        "account": account.pk,
        "title": "采购经理",
        "mobile": "13800138000",
        "phone": "010-6552 9988",
        "email": "li.lei@Example.CN",
        "wechat": "lilei_88",
        "notes": "喜欢喝茶\n周末不回消息",
        "custom_fields": {},
    }
    response = post_json(client, CONTACTS, payload)
    assert response.status_code == 201, response.content
    body = response.json()
    expected = {**payload, "mobile": "+8613800138000", "phone": "+861065529988", "email": "li.lei@example.cn"}
    assert {k: body[k] for k in expected} == expected
    assert client.get(f"{CONTACTS}/{body['id']}").json() == body
    assert AuditEvent.objects.filter(object_type="contact", object_id=body["id"], verb="create").count() == 1


@pytest.mark.parametrize(
    ("field", "value", "stored"),
    [
        ("mobile", "+86 139 1111 2222", "+8613911112222"),
        ("mobile", "", ""),
        ("email", "new@example.com", "new@example.com"),
        ("email", None, ""),
        ("title", "总经理", "总经理"),
        ("wechat", "", ""),
        ("account", None, None),
    ],
)
def test_patch_one_field(api, org, field, value, stored):
    account = AccountFactory(owner=org["rep1"])
    contact = ContactFactory(
        owner=org["rep1"],
        name="改字段",
        account=account.pk,
        mobile="13800138000",
        email="old@example.com",
        title="经理",
        wechat="wx",
    )
    response = patch_json(api("rep1"), f"{CONTACTS}/{contact.pk}", {field: value}, HTTP_IF_MATCH='"1"')
    assert response.status_code == 200, response.content
    assert response.json()[field] == stored
    assert response.json()["version"] == 2
    row = Contact.objects.get(pk=contact.pk)
    assert (row.account_id if field == "account" else getattr(row, field)) == stored
    assert row.name == "改字段"


def test_link_to_another_visible_account(api, org):
    first = AccountFactory(owner=org["rep1"], name="甲公司")
    second = AccountFactory(owner=org["rep1"], name="乙公司")
    contact = ContactFactory(owner=org["rep1"], account=first.pk)
    body = patch_json(
        api("rep1"), f"{CONTACTS}/{contact.pk}", {"account": second.pk}, HTTP_IF_MATCH='"1"'
    ).json()
    assert body["account"] == second.pk
    assert [c["id"] for c in api("rep1").get(CONTACTS, {"account": second.pk}).json()["items"]] == [
        contact.pk
    ]


def test_contact_does_not_reveal_an_account_its_reader_cannot_see(api, org):
    """rep1's contact works at an account that later went to rep3: rep1 keeps the contact but
    learns nothing of the account, in detail, lists and export alike; the link is kept."""
    account = AccountFactory(owner=org["rep1"], name="转走的公司")
    contact = ContactFactory(owner=org["rep1"], name="留下的人", account=account.pk)
    assert (
        post_json(api("rep1"), f"/api/v1/accounts/{account.pk}/transfer", {"owner": "rep3"}).status_code
        == 200
    )
    rep1 = api("rep1")
    assert rep1.get(f"{CONTACTS}/{contact.pk}").json()["account"] is None
    assert [c["account"] for c in rep1.get(CONTACTS).json()["items"]] == [None]
    # the owner of the account and the director still see the link
    assert api("director").get(f"{CONTACTS}/{contact.pk}").json()["account"] == account.pk
    # editing other fields keeps the link
    assert (
        patch_json(rep1, f"{CONTACTS}/{contact.pk}", {"title": "顾问"}, HTTP_IF_MATCH='"1"').status_code
        == 200
    )
    assert Contact.objects.get(pk=contact.pk).account_id == account.pk


def test_contacts_of_a_deleted_account_lose_sight_of_it(api, org):
    account = AccountFactory(owner=org["rep1"], name="要删的公司")
    contact = ContactFactory(owner=org["rep1"], account=account.pk)
    assert api("rep1").delete(f"/api/v1/accounts/{account.pk}", HTTP_IF_MATCH='"1"').status_code == 204
    assert api("rep1").get(f"{CONTACTS}/{contact.pk}").json()["account"] is None
    assert api("rep1").post(f"/api/v1/accounts/{account.pk}/restore").status_code == 200
    assert api("rep1").get(f"{CONTACTS}/{contact.pk}").json()["account"] == account.pk


def test_cannot_link_to_a_deleted_account(api, org):
    account = AccountFactory(owner=org["rep1"])
    api("rep1").delete(f"/api/v1/accounts/{account.pk}", HTTP_IF_MATCH='"1"')
    before = snapshot()
    assert_error(post_json(api("rep1"), CONTACTS, {"name": "迟到", "account": account.pk}), 400, "account")
    assert snapshot() == before


def test_search_by_wechat_and_email_domain(api, org):
    contact = ContactFactory(
        owner=org["rep1"], name="微信用户", wechat="tea_lover_88", email="chen@longjing.example"
    )
    ContactFactory(owner=org["rep1"], name="别人")
    client = api("rep1")
    for q in ("tea", "lover", "longjing", "chen@longjing"):
        assert [c["id"] for c in client.get(CONTACTS, {"q": q}).json()["items"]] == [contact.pk], q


def test_search_combines_terms(api, org):
    wang = ContactFactory(owner=org["rep1"], name="王西湖", mobile="13800138000")
    ContactFactory(owner=org["rep1"], name="王东", mobile="13900138000")
    client = api("rep1")
    assert [c["id"] for c in client.get(CONTACTS, {"q": "wang 138"}).json()["items"]] == [wang.pk]
    assert len(client.get(CONTACTS, {"q": "wang"}).json()["items"]) == 2


@pytest.mark.parametrize("path", [CONTACTS, "/api/v1/accounts"])
def test_list_query_count_does_not_grow_with_rows(api, org, django_assert_max_num_queries, path):
    client = api("rep1")
    accounts = [AccountFactory(owner=org["rep1"], name=f"计数{i}") for i in range(3)]
    for i in range(3):
        ContactFactory(owner=org["rep1"], name=f"计数{i}", account=accounts[i].pk)
    client.get(path)  # warm the token's last-used stamp
    with django_assert_max_num_queries(6) as few:
        assert len(client.get(path).json()["items"]) == 3
    for i in range(30):
        ContactFactory(owner=org["rep1"], name=f"更多{i}", account=accounts[i % 3].pk)
        AccountFactory(owner=org["rep1"], name=f"更多{i}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(client.get(path).json()["items"]) == 33
