"""The API contract of CONTRACT.md for accounts and contacts: tokens, errors, lists and cursors,
ETag / If-Match, soft delete, Idempotency-Key, read-only fields, transfer, search, OpenAPI."""

from __future__ import annotations

import datetime as dt
import json
import uuid

import pytest
from django.test import Client
from django.utils import timezone

from guanxi.audit.models import AuditEvent
from guanxi.customers.models import Account, Contact
from tests.factories import AccountFactory, ContactFactory
from tests.helpers import assert_error, patch_json, post_json, snapshot

pytestmark = pytest.mark.django_db

ACCOUNTS = "/api/v1/accounts"
CONTACTS = "/api/v1/contacts"


def ids_of(response) -> list[int]:
    assert response.status_code == 200, response.content[:300]
    body = response.json()
    assert set(body) == {"items", "next_cursor"}
    return [item["id"] for item in body["items"]]


# --- token ------------------------------------------------------------------------------------


def test_token_for_good_credentials_works_as_bearer(org):
    response = post_json(Client(), "/api/v1/auth/token", {"username": "rep1", "password": "guanxi-demo"})
    assert response.status_code == 200
    body = response.json()
    assert isinstance(body["token"], str) and len(body["token"]) > 20
    mine = AccountFactory(owner=org["rep1"])
    client = Client(HTTP_AUTHORIZATION=f"Bearer {body['token']}")
    assert ids_of(client.get(ACCOUNTS)) == [mine.pk]


@pytest.mark.parametrize(
    "credentials",
    [
        {"username": "rep1", "password": "wrong"},
        {"username": "nobody-here", "password": "guanxi-demo"},
        {"username": "inactive", "password": "guanxi-demo"},
        {"username": "rep1", "password": ""},
    ],
    ids=["bad-password", "unknown-user", "inactive-user", "empty-password"],
)
def test_token_refused_for_bad_credentials(org, credentials):
    response = post_json(Client(), "/api/v1/auth/token", credentials)
    error = assert_error(response, 401)
    assert error["code"] == "invalid_credentials"
    assert "token" not in response.json()


def test_token_logins_are_recorded_with_ip(org):
    from guanxi.audit.models import LoginEvent

    post_json(Client(), "/api/v1/auth/token", {"username": "rep1", "password": "wrong"})
    post_json(Client(), "/api/v1/auth/token", {"username": "rep1", "password": "guanxi-demo"})
    events = list(LoginEvent.objects.filter(username="rep1").order_by("at", "id"))
    assert [(e.success, e.ip, e.user_id) for e in events] == [
        (False, "127.0.0.1", org["rep1"].pk),
        (True, "127.0.0.1", org["rep1"].pk),
    ]


def test_token_body_must_name_username_and_password(org):
    assert_error(post_json(Client(), "/api/v1/auth/token", {"username": "rep1"}), 400, "password")
    assert_error(post_json(Client(), "/api/v1/auth/token", {"password": "x"}), 400, "username")
    assert_error(Client().post("/api/v1/auth/token", data="{", content_type="application/json"), 400)


def test_token_throttled_after_repeated_failures(org):
    from guanxi.org.models import User

    username = f"throttle-{uuid.uuid4().hex[:8]}"
    User.objects.create_user(username, password="right-password")
    client = Client()
    for _ in range(5):
        assert (
            post_json(client, "/api/v1/auth/token", {"username": username, "password": "wrong"}).status_code
            == 401
        )
    response = post_json(client, "/api/v1/auth/token", {"username": username, "password": "right-password"})
    assert assert_error(response, 429)["code"] == "throttled"
    # Other users are not locked out by someone hammering this one.
    assert (
        post_json(client, "/api/v1/auth/token", {"username": "rep2", "password": "guanxi-demo"}).status_code
        == 200
    )


@pytest.mark.parametrize(
    "header",
    [
        None,
        "Bearer",
        "Bearer ",
        "Bearer not-a-token",
        "Basic cmVwMTpndWFueGktZGVtbw==",
        "Bearer " + "x" * 5000,
    ],
)
def test_requests_without_a_valid_token_are_401(org, header):
    client = Client(HTTP_AUTHORIZATION=header) if header is not None else Client()
    for path in (ACCOUNTS, CONTACTS, f"{ACCOUNTS}/1", f"{ACCOUNTS}/export"):
        assert assert_error(client.get(path), 401)["code"] == "unauthenticated"


def test_expired_token_is_401(org):
    from guanxi.org.models import ApiToken

    row, token = ApiToken.issue(org["rep1"], ttl_days=1)
    ApiToken.objects.filter(pk=row.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert_error(Client(HTTP_AUTHORIZATION=f"Bearer {token}").get(ACCOUNTS), 401)


# --- errors and detail ------------------------------------------------------------------------


def test_error_shape_for_not_found(api):
    error = assert_error(api("rep1").get(f"{ACCOUNTS}/999999"), 404)
    assert error["code"] == "not_found"
    assert_error(api("rep1").get(f"{CONTACTS}/999999"), 404)


def test_non_numeric_id_is_not_found_not_500(api):
    response = api("rep1").get(f"{ACCOUNTS}/abc")
    assert response.status_code == 404


def test_detail_carries_etag_of_version(api):
    client = api("rep1")
    created = post_json(client, ACCOUNTS, {"name": "版本测试公司"})
    assert created.status_code == 201
    body = created.json()
    assert body["version"] == 1 and isinstance(body["id"], int)
    detail = client.get(f"{ACCOUNTS}/{body['id']}")
    assert detail["ETag"] == '"1"'
    updated = patch_json(client, f"{ACCOUNTS}/{body['id']}", {"tier": "A"}, HTTP_IF_MATCH='"1"')
    assert updated.status_code == 200
    assert updated.json()["version"] == 2
    assert updated["ETag"] == '"2"'
    assert client.get(f"{ACCOUNTS}/{body['id']}")["ETag"] == '"2"'


def test_record_fields_in_output(api, org):
    client = api("rep1")
    account = post_json(
        client, ACCOUNTS, {"name": "字段公司", "tags": ["重点", "华东"], "industry": "it"}
    ).json()
    assert {
        "id",
        "version",
        "name",
        "uscc",
        "industry",
        "tier",
        "phone",
        "website",
        "address",
        "tags",
        "custom_fields",
        "owner",
        "created_at",
        "updated_at",
    } <= set(account)
    assert account["owner"] == {"id": org["rep1"].pk, "username": "rep1"}
    assert account["tags"] == ["重点", "华东"]
    contact = post_json(client, CONTACTS, {"name": "欧阳娜娜", "account": account["id"]}).json()
    assert contact["account"] == account["id"]
    assert (contact["family_name"], contact["given_name"], contact["display_name"]) == (
        "欧阳",
        "娜娜",
        "欧阳娜娜",
    )
    assert contact["owner"]["username"] == "rep1"


# --- If-Match ---------------------------------------------------------------------------------


@pytest.fixture
def account(org):
    return AccountFactory(owner=org["rep1"], name="并发测试公司")


@pytest.fixture
def contact(org, account):
    return ContactFactory(owner=org["rep1"], name="并发测试人", account=account.pk)


def _target(request, name):
    return request.getfixturevalue(name)


@pytest.mark.parametrize(("path", "fixture"), [(ACCOUNTS, "account"), (CONTACTS, "contact")])
def test_patch_without_if_match_is_428(api, request, path, fixture):
    record = _target(request, fixture)
    before = snapshot()
    response = patch_json(api("rep1"), f"{path}/{record.pk}", {"name": "改了"})
    assert assert_error(response, 428)["code"] == "precondition_required"
    assert snapshot() == before


@pytest.mark.parametrize(("path", "fixture"), [(ACCOUNTS, "account"), (CONTACTS, "contact")])
@pytest.mark.parametrize("tag", ['"0"', '"2"', '"99"', "abc", '"1', '"-1"', '"1.0"', '"１"', '"1", "2"', "*"])
def test_patch_with_stale_or_bad_if_match_is_412(api, request, path, fixture, tag):
    record = _target(request, fixture)
    before = snapshot()
    response = patch_json(api("rep1"), f"{path}/{record.pk}", {"name": "改了"}, HTTP_IF_MATCH=tag)
    assert assert_error(response, 412)["code"] == "version_conflict"
    assert snapshot() == before


@pytest.mark.parametrize(("path", "fixture"), [(ACCOUNTS, "account"), (CONTACTS, "contact")])
def test_patch_after_someone_else_changed_it_is_412(api, request, path, fixture):
    record = _target(request, fixture)
    first, second = api("rep1"), api("rep1")
    assert patch_json(first, f"{path}/{record.pk}", {"name": "甲改"}, HTTP_IF_MATCH='"1"').status_code == 200
    before = snapshot()
    assert_error(patch_json(second, f"{path}/{record.pk}", {"name": "乙改"}, HTTP_IF_MATCH='"1"'), 412)
    assert snapshot() == before
    assert type(record)._base_manager.get(pk=record.pk).name == "甲改"


@pytest.mark.parametrize(("path", "fixture"), [(ACCOUNTS, "account"), (CONTACTS, "contact")])
def test_weak_etag_accepted(api, request, path, fixture):
    record = _target(request, fixture)
    response = patch_json(api("rep1"), f"{path}/{record.pk}", {"name": "弱标签"}, HTTP_IF_MATCH='W/"1"')
    assert response.status_code == 200
    assert response.json()["version"] == 2


@pytest.mark.parametrize(("path", "fixture"), [(ACCOUNTS, "account"), (CONTACTS, "contact")])
def test_delete_needs_current_if_match(api, request, path, fixture):
    record = _target(request, fixture)
    client = api("rep1")
    before = snapshot()
    assert_error(client.delete(f"{path}/{record.pk}"), 428)
    assert snapshot() == before
    assert_error(client.delete(f"{path}/{record.pk}", HTTP_IF_MATCH='"7"'), 412)
    assert snapshot() == before
    assert client.delete(f"{path}/{record.pk}", HTTP_IF_MATCH='"1"').status_code == 204


def test_noop_patch_keeps_version(api, account):
    client = api("rep1")
    response = patch_json(client, f"{ACCOUNTS}/{account.pk}", {"name": account.name}, HTTP_IF_MATCH='"1"')
    assert response.status_code == 200
    assert response.json()["version"] == 1


# --- soft delete and restore ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "fixture", "q"), [(ACCOUNTS, "account", "并发"), (CONTACTS, "contact", "并发")]
)
def test_soft_delete_then_restore(api, request, path, fixture, q):
    record = _target(request, fixture)
    client = api("rep1")
    assert client.delete(f"{path}/{record.pk}", HTTP_IF_MATCH='"1"').status_code == 204
    row = type(record)._base_manager.get(pk=record.pk)
    assert row.deleted_at is not None and row.version == 2  # kept, in the recycle bin
    assert_error(client.get(f"{path}/{record.pk}"), 404)
    assert record.pk not in ids_of(client.get(path))
    assert record.pk not in ids_of(client.get(path, {"q": q}))
    assert ids_of(client.get(f"{path}/recycle-bin")) == [record.pk]
    assert_error(client.delete(f"{path}/{record.pk}", HTTP_IF_MATCH='"2"'), 404)  # already gone
    assert AuditEvent.objects.filter(object_id=record.pk, verb="delete").count() == 1

    restored = client.post(f"{path}/{record.pk}/restore")
    assert restored.status_code == 200
    assert restored.json()["deleted_at"] is None
    assert restored.json()["version"] == 3
    assert restored["ETag"] == '"3"'
    assert client.get(f"{path}/{record.pk}").status_code == 200
    assert record.pk in ids_of(client.get(path, {"q": q}))
    assert ids_of(client.get(f"{path}/recycle-bin")) == []
    assert AuditEvent.objects.filter(object_id=record.pk, verb="restore").count() == 1
    # restoring what is not in the recycle bin is a 404
    assert_error(client.post(f"{path}/{record.pk}/restore"), 404)


def test_deleting_an_account_keeps_its_contacts(api, account, contact):
    client = api("rep1")
    assert client.delete(f"{ACCOUNTS}/{account.pk}", HTTP_IF_MATCH='"1"').status_code == 204
    assert client.get(f"{CONTACTS}/{contact.pk}").status_code == 200


# --- Idempotency-Key --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "model"), [(ACCOUNTS, Account), (CONTACTS, Contact)], ids=["accounts", "contacts"]
)
def test_idempotency_key_replays_first_response(api, path, model):
    client = api("rep1")
    payload = {"name": "幂等测试"}
    first = post_json(client, path, payload, HTTP_IDEMPOTENCY_KEY="key-1")
    assert first.status_code == 201
    again = post_json(client, path, payload, HTTP_IDEMPOTENCY_KEY="key-1")
    assert again.status_code == 201
    assert again.json() == first.json()
    assert model._base_manager.filter(name="幂等测试").count() == 1

    before = snapshot()
    other = post_json(client, path, {"name": "另一个"}, HTTP_IDEMPOTENCY_KEY="key-1")
    assert assert_error(other, 422)["code"] == "idempotency_mismatch"
    assert snapshot() == before

    third = post_json(client, path, payload, HTTP_IDEMPOTENCY_KEY="key-2")
    assert third.status_code == 201 and third.json()["id"] != first.json()["id"]
    assert post_json(client, path, payload).json()["id"] not in (first.json()["id"], third.json()["id"])


def test_idempotency_key_is_per_user_and_per_path(api):
    first = post_json(api("rep1"), ACCOUNTS, {"name": "幂等甲"}, HTTP_IDEMPOTENCY_KEY="shared")
    second = post_json(api("rep2"), ACCOUNTS, {"name": "幂等甲"}, HTTP_IDEMPOTENCY_KEY="shared")
    assert first.status_code == second.status_code == 201
    assert first.json()["id"] != second.json()["id"]
    assert second.json()["owner"]["username"] == "rep2"
    contact = post_json(api("rep1"), CONTACTS, {"name": "幂等甲"}, HTTP_IDEMPOTENCY_KEY="shared")
    assert contact.status_code == 201


def test_failed_create_is_not_remembered_under_its_key(api):
    client = api("rep1")
    bad = post_json(client, ACCOUNTS, {"name": "坏的", "uscc": "123"}, HTTP_IDEMPOTENCY_KEY="retry-me")
    assert_error(bad, 400, "uscc")
    good = post_json(client, ACCOUNTS, {"name": "坏的", "uscc": ""}, HTTP_IDEMPOTENCY_KEY="retry-me")
    assert good.status_code == 201


def test_overlong_idempotency_key_is_400(api):
    before = snapshot()
    response = post_json(api("rep1"), ACCOUNTS, {"name": "长键"}, HTTP_IDEMPOTENCY_KEY="k" * 201)
    assert_error(response, 400, "Idempotency-Key")
    assert snapshot() == before


# --- read-only fields -------------------------------------------------------------------------

READ_ONLY = {
    "owner": "rep2",
    "version": 99,
    "id": 12345,
    "created_by": 1,
    "created_at": "2020-01-01T00:00:00Z",
    "updated_at": "2020-01-01T00:00:00Z",
    "deleted_at": None,
    "role": "admin",
    "department": 1,
    "owner_id": 1,
}


@pytest.mark.parametrize("field", list(READ_ONLY))
@pytest.mark.parametrize("path", [ACCOUNTS, CONTACTS], ids=["accounts", "contacts"])
def test_read_only_fields_rejected_on_create(api, path, field):
    before = snapshot()
    response = post_json(api("rep1"), path, {"name": "只读字段", field: READ_ONLY[field]})
    assert_error(response, 400, field)
    assert snapshot() == before


@pytest.mark.parametrize("field", list(READ_ONLY))
@pytest.mark.parametrize(("path", "fixture"), [(ACCOUNTS, "account"), (CONTACTS, "contact")])
def test_read_only_fields_rejected_on_patch(api, request, path, fixture, field):
    record = _target(request, fixture)
    before = snapshot()
    response = patch_json(
        api("rep1"), f"{path}/{record.pk}", {"name": "改名", field: READ_ONLY[field]}, HTTP_IF_MATCH='"1"'
    )
    assert_error(response, 400, field)
    assert snapshot() == before


# --- transfer ---------------------------------------------------------------------------------


def test_transfer_changes_owner_and_is_audited(api, org, account):
    response = post_json(api("rep1"), f"{ACCOUNTS}/{account.pk}/transfer", {"owner": "rep2"})
    assert response.status_code == 200
    assert response.json()["owner"] == {"id": org["rep2"].pk, "username": "rep2"}
    assert response.json()["version"] == 2
    assert response["ETag"] == '"2"'
    assert Account.objects.get(pk=account.pk).owner == org["rep2"]
    event = AuditEvent.objects.get(object_type="account", object_id=account.pk, verb="transfer")
    assert event.actor == org["rep1"]
    assert event.changes == {"owner": ["rep1", "rep2"]}
    # the old owner lost sight of it; the new one has it, in lists and search alike
    assert_error(api("rep1").get(f"{ACCOUNTS}/{account.pk}"), 404)
    assert ids_of(api("rep1").get(ACCOUNTS, {"q": "并发"})) == []
    assert ids_of(api("rep2").get(ACCOUNTS, {"q": "并发"})) == [account.pk]


def test_transfer_with_contacts(api, org, account, contact):
    response = post_json(
        api("rep1"), f"{ACCOUNTS}/{account.pk}/transfer", {"owner": "rep2", "with_contacts": True}
    )
    assert response.status_code == 200
    assert Contact.objects.get(pk=contact.pk).owner == org["rep2"]
    assert AuditEvent.objects.filter(object_type="contact", object_id=contact.pk, verb="transfer").exists()


def test_contact_transfer(api, org, contact):
    response = post_json(api("rep1"), f"{CONTACTS}/{contact.pk}/transfer", {"owner": "rep3"})
    assert response.status_code == 200
    assert Contact.objects.get(pk=contact.pk).owner == org["rep3"]
    assert AuditEvent.objects.filter(object_type="contact", object_id=contact.pk, verb="transfer").exists()


@pytest.mark.parametrize("owner", ["no-such-user", "inactive", "", "rep1\x00", 42, None, ["rep2"]])
@pytest.mark.parametrize(("path", "fixture"), [(ACCOUNTS, "account"), (CONTACTS, "contact")])
def test_transfer_to_a_bad_owner_is_400(api, request, path, fixture, owner):
    record = _target(request, fixture)
    before = snapshot()
    response = post_json(api("rep1"), f"{path}/{record.pk}/transfer", {"owner": owner})
    assert_error(response, 400, "owner")
    assert snapshot() == before


def test_transfer_rejects_unknown_fields(api, account):
    before = snapshot()
    response = post_json(api("rep1"), f"{ACCOUNTS}/{account.pk}/transfer", {"owner": "rep2", "version": 1})
    assert_error(response, 400, "version")
    assert snapshot() == before


def test_transfer_to_current_owner_changes_nothing(api, account):
    before = snapshot()
    response = post_json(api("rep1"), f"{ACCOUNTS}/{account.pk}/transfer", {"owner": "rep1"})
    assert response.status_code == 200
    assert snapshot() == before


# --- phones, emails ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "e164"),
    [
        ("13800138000", "+8613800138000"),
        ("138 0013 8000", "+8613800138000"),
        ("+86 138-0013-8000", "+8613800138000"),
        ("0086 13800138000", "+8613800138000"),
        ("１３８００１３８０００", "+8613800138000"),
        ("+852 9123 4567", "+85291234567"),
        ("+1 (415) 555-2671", "+14155552671"),
    ],
)
def test_mobile_comes_back_in_e164(api, given, e164):
    client = api("rep1")
    response = post_json(client, CONTACTS, {"name": "手机", "mobile": given})
    assert response.status_code == 201, response.content
    assert response.json()["mobile"] == e164
    assert client.get(f"{CONTACTS}/{response.json()['id']}").json()["mobile"] == e164


def test_account_phone_and_email_normalized(api):
    client = api("rep1")
    account = post_json(
        client, ACCOUNTS, {"name": "座机公司", "phone": "(010) 6552 9988", "website": "example.cn"}
    )
    assert account.status_code == 201
    assert account.json()["phone"] == "+861065529988"
    assert account.json()["website"] == "https://example.cn"
    contact = post_json(client, CONTACTS, {"name": "邮箱", "email": "  Wang.Fang@Example.COM "})
    assert contact.json()["email"] == "Wang.Fang@example.com"


# --- search -----------------------------------------------------------------------------------


@pytest.fixture
def searchable(api):
    client = api("rep1")
    account = post_json(client, ACCOUNTS, {"name": "杭州西湖科技有限公司", "phone": "0571-8888 7777"}).json()
    contact = post_json(
        client,
        CONTACTS,
        {
            "name": "王西湖",
            "mobile": "+8613800138000",
            "email": "wang.xihu@hz-lake.example.com",
            "account": account["id"],
        },
    ).json()
    # noise that must not match
    post_json(client, ACCOUNTS, {"name": "宁波东方贸易有限公司", "phone": "0574-8765 4321"})
    post_json(
        client, CONTACTS, {"name": "李东", "mobile": "+8613911112222", "email": "li@ningbo.example.com"}
    )
    return client, account["id"], contact["id"]


@pytest.mark.parametrize("q", ["西湖", "xihu", "xh", "XiHu", "杭州西湖", "hzxh", "西湖科技", " 西湖 "])
def test_search_accounts_by_characters_and_pinyin(searchable, q):
    client, account_id, _contact_id = searchable
    assert ids_of(client.get(ACCOUNTS, {"q": q})) == [account_id]


@pytest.mark.parametrize(
    "q",
    [
        "西湖",
        "xihu",
        "xh",
        "wangxihu",
        "wxh",
        "8000",
        "138000",
        "13800138000",
        "+86 138 0013 8000",
        "wang.xihu",
        "hz-lake",
        "lake",
        "wang.xihu@hz-lake.example.com",
    ],
)
def test_search_contacts_by_name_pinyin_phone_email(searchable, q):
    client, _account_id, contact_id = searchable
    assert ids_of(client.get(CONTACTS, {"q": q})) == [contact_id]


def test_search_account_by_phone_suffix(searchable):
    client, account_id, _ = searchable
    assert ids_of(client.get(ACCOUNTS, {"q": "7777"})) == [account_id]


@pytest.mark.parametrize("q", ["西溪", "xixi", "9999", "nobody@nowhere", "湖西"])
def test_search_without_match_is_empty(searchable, q):
    client, *_ = searchable
    assert ids_of(client.get(CONTACTS, {"q": q})) == []


def test_search_follows_updates(api, searchable):
    client, account_id, _ = searchable
    version = client.get(f"{ACCOUNTS}/{account_id}").json()["version"]
    patch_json(client, f"{ACCOUNTS}/{account_id}", {"name": "杭州钱塘有限公司"}, HTTP_IF_MATCH=f'"{version}"')
    assert ids_of(client.get(ACCOUNTS, {"q": "西湖"})) == []
    assert ids_of(client.get(ACCOUNTS, {"q": "qiantang"})) == [account_id]


def test_search_only_in_scope(api, searchable):
    _client, account_id, contact_id = searchable
    for persona in ("rep2", "rep3"):
        assert ids_of(api(persona).get(ACCOUNTS, {"q": "西湖"})) == []
        assert ids_of(api(persona).get(CONTACTS, {"q": "8000"})) == []
    assert ids_of(api("manager1").get(CONTACTS, {"q": "8000"})) == [contact_id]
    assert ids_of(api("director").get(ACCOUNTS, {"q": "xh"})) == [account_id]


# --- OpenAPI ----------------------------------------------------------------------------------


def test_openapi_lists_paths():
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    paths = set(schema["paths"])
    for path in (
        "/api/v1/auth/token",
        "/api/v1/accounts",
        "/api/v1/accounts/{account_id}",
        "/api/v1/accounts/{account_id}/transfer",
        "/api/v1/accounts/{account_id}/restore",
        "/api/v1/accounts/export",
        "/api/v1/accounts/recycle-bin",
        "/api/v1/contacts",
        "/api/v1/contacts/{contact_id}",
        "/api/v1/contacts/{contact_id}/transfer",
        "/api/v1/contacts/{contact_id}/restore",
        "/api/v1/contacts/export",
        "/api/v1/contacts/recycle-bin",
    ):
        assert path in paths, path
    create = schema["paths"]["/api/v1/accounts"]["post"]
    assert "requestBody" in create, "the create body must be documented as a JSON body"
    assert not any(p["name"] == "payload" for p in create.get("parameters", []))
    assert "bearer" in json.dumps(schema.get("components", {}).get("securitySchemes", {})).lower()


def test_docs_page():
    response = Client().get("/api/v1/docs")
    assert response.status_code == 200
    assert b"openapi.json" in response.content
