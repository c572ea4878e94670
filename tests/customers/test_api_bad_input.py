"""Bad input through the API: every case answers 400 (413 for an oversized body) with the error
shape naming the field, never a 500, and writes nothing. Hostile but valid text (HTML, SQL,
formulas) is stored as given, returned as a JSON string and neutralized in CSV exports."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from guanxi.core.validators import USCC_CHARSET, uscc_check_char
from guanxi.customers.models import Account, Contact
from tests.helpers import assert_error, module_transaction, patch_json, post_json, snapshot

ACCOUNTS = "/api/v1/accounts"
CONTACTS = "/api/v1/contacts"

USCC_17 = "91330106MA2CFXXX1"  # organization code part chosen freely; check char computed below
VALID_USCC = USCC_17 + uscc_check_char(USCC_17)
FLIPPED_USCC = USCC_17 + next(c for c in USCC_CHARSET if c != VALID_USCC[-1])


@pytest.fixture(scope="module")
def data(django_db_setup, django_db_blocker):
    from guanxi.customers.directory import services
    from guanxi.demo.org import ensure_demo_org
    from guanxi.org.models import ApiToken

    with module_transaction(django_db_blocker):
        with django_db_blocker.unblock():
            users = ensure_demo_org()
            account = services.account_create(actor=users["rep1"], data={"name": "原始公司"})
            contact = services.contact_create(
                actor=users["rep1"], data={"name": "原始联系人", "account": account.pk}
            )
            other = services.account_create(actor=users["rep2"], data={"name": "同事公司"})
            tokens = {name: ApiToken.issue(users[name])[1] for name in ("rep1", "director", "marketer1")}
        yield {
            "users": users,
            "tokens": tokens,
            "account": account.pk,
            "contact": contact.pk,
            "other": other.pk,
        }


@pytest.fixture
def client(data, db):
    def make(persona: str = "rep1") -> Client:
        return Client(HTTP_AUTHORIZATION=f"Bearer {data['tokens'][persona]}")

    return make


def refused(response, field: str, status: int = 400) -> dict:
    """The error names `field`, or for an object one of its keys (custom_fields.<key>)."""
    error = assert_error(response, status)
    assert field in error["fields"] or any(f.startswith(f"{field}.") for f in error["fields"]), error
    return error


# --- field values, on create and on update ----------------------------------------------------

ACCOUNT_BAD = [
    ("uscc", "91330106MA2CFXXX"),  # 16 characters
    ("uscc", VALID_USCC + "0"),  # 19
    ("uscc", "91330106MA2CFXXXI" + "0"),  # I is not in the character set
    ("uscc", "91330106MA2CFXXXO1"),
    ("uscc", "9133010６MA2CFXXX1Z"),
    ("uscc", FLIPPED_USCC),
    ("uscc", "' OR 1=1 --"),
    ("uscc", 913301060000000000),
    ("phone", "12345"),
    ("phone", "+86 000 0000 0000"),
    ("phone", "not a phone"),
    ("phone", "+999 1234 5678"),
    ("phone", "1" * 41),
    ("phone", "=1+1"),
    ("phone", 13800138000),
    ("website", "javascript:alert(1)"),
    ("website", "http://"),
    ("website", "ftp://example.com"),
    ("website", "x" * 301),
    ("industry", "spaceflight"),
    ("industry", 1),
    ("tier", "Z"),
    ("tier", "a"),
    ("address", "地" * 501),
    ("description", "x" * 5001),
    ("tags", "x"),
    ("tags", [1, 2]),
    ("tags", [["nested"]]),
    ("tags", {"a": "b"}),
    ("tags", ["x" * 31]),
    ("tags", [f"t{i}" for i in range(21)]),
    ("custom_fields", {"unknown": 1}),
    ("custom_fields", "x"),
    ("custom_fields", [1]),
    ("name", 123),
    ("name", True),
    ("name", ["名"]),
    ("name", {"zh": "名"}),
    ("name", ""),
    ("name", "   "),
    ("name", "名" * 10_000),
    ("name", "a" * 201),
    ("name", None),
]

CONTACT_BAD = [
    ("mobile", "12345"),
    ("mobile", "+86 138 0013 800"),  # one digit short
    ("mobile", "+86 238 0013 8000"),  # no such prefix
    ("mobile", "手机"),
    ("mobile", "+8613800138000" * 3),
    ("mobile", ["+8613800138000"]),
    ("phone", "000"),
    ("email", "not-an-email"),
    ("email", "a@"),
    ("email", "@example.com"),
    ("email", "a b@example.com"),
    ("email", "a@b@example.com"),
    ("email", "x" * 250 + "@example.com"),
    ("email", "<script>@example.com"),
    ("email", "wang@example..com"),
    ("email", 42),
    ("account", "abc"),
    ("account", 1.5),
    ("account", 10**30),
    ("account", -1),
    ("account", 0),
    ("account", [1]),
    ("title", "x" * 101),
    ("wechat", "w" * 51),
    ("notes", "n" * 5001),
    ("family_name", "x" * 51),
    ("custom_fields", {"unknown": 1}),
    ("name", 123),
    ("name", "名" * 10_000),
    ("name", "a" * 101),
    ("name", ""),
    ("name", None),
]


def _case_id(case) -> str:
    field, value = case
    text = repr(value)
    return f"{field}={text[:25]}{'…' if len(text) > 25 else ''}"


@pytest.mark.parametrize("case", ACCOUNT_BAD, ids=[_case_id(c) for c in ACCOUNT_BAD])
def test_account_create_refuses_bad_field(client, case):
    field, value = case
    payload = {"name": "坏输入公司", field: value}
    before = snapshot()
    refused(post_json(client(), ACCOUNTS, payload), field)
    assert snapshot() == before


@pytest.mark.parametrize("case", ACCOUNT_BAD, ids=[_case_id(c) for c in ACCOUNT_BAD])
def test_account_update_refuses_bad_field(client, data, case):
    field, value = case
    before = snapshot()
    refused(patch_json(client(), f"{ACCOUNTS}/{data['account']}", {field: value}, HTTP_IF_MATCH='"1"'), field)
    assert snapshot() == before


@pytest.mark.parametrize("case", CONTACT_BAD, ids=[_case_id(c) for c in CONTACT_BAD])
def test_contact_create_refuses_bad_field(client, case):
    field, value = case
    before = snapshot()
    refused(post_json(client(), CONTACTS, {"name": "坏输入", field: value}), field)
    assert snapshot() == before


@pytest.mark.parametrize("case", CONTACT_BAD, ids=[_case_id(c) for c in CONTACT_BAD])
def test_contact_update_refuses_bad_field(client, data, case):
    field, value = case
    before = snapshot()
    refused(patch_json(client(), f"{CONTACTS}/{data['contact']}", {field: value}, HTTP_IF_MATCH='"1"'), field)
    assert snapshot() == before


def test_contact_cannot_point_at_a_colleagues_account(client, data):
    before = snapshot()
    refused(post_json(client(), CONTACTS, {"name": "越权", "account": data["other"]}), "account")
    refused(
        patch_json(
            client(), f"{CONTACTS}/{data['contact']}", {"account": data["other"]}, HTTP_IF_MATCH='"1"'
        ),
        "account",
    )
    assert snapshot() == before


def test_every_bad_field_is_reported_at_once(client):
    before = snapshot()
    error = refused(
        post_json(
            client(),
            ACCOUNTS,
            {"name": "", "uscc": FLIPPED_USCC, "phone": "123", "website": "javascript:x", "tier": "Z"},
        ),
        "name",
    )
    assert {"name", "uscc", "phone", "website", "tier"} <= set(error["fields"])
    assert snapshot() == before


def test_one_bad_field_writes_none_of_the_good_ones(client, data):
    before = snapshot()
    refused(
        patch_json(
            client(),
            f"{ACCOUNTS}/{data['account']}",
            {"name": "好名字", "uscc": FLIPPED_USCC},
            HTTP_IF_MATCH='"1"',
        ),
        "uscc",
    )
    assert snapshot() == before
    assert Account.objects.get(pk=data["account"]).name == "原始公司"


def test_uscc_messages_tell_length_characters_and_check_apart(client):
    messages = set()
    for value in ("91330106MA2CFXXX", "91330106MA2CFXXXI0", FLIPPED_USCC):
        messages.add(
            refused(post_json(client(), ACCOUNTS, {"name": "码", "uscc": value}), "uscc")["fields"]["uscc"][0]
        )
    assert len(messages) == 3


@pytest.mark.parametrize("given", [VALID_USCC, VALID_USCC.lower(), f" {VALID_USCC[:6]}-{VALID_USCC[6:]} "])
def test_valid_uscc_is_accepted_and_normalized(client, given):
    response = post_json(client(), ACCOUNTS, {"name": "好码公司", "uscc": given})
    assert response.status_code == 201, response.content
    assert response.json()["uscc"] == VALID_USCC


# --- hostile but valid text -------------------------------------------------------------------

HOSTILE_NAMES = [
    "<script>alert('x')</script>",
    '"><img src=x onerror=alert(1)>',
    "Robert'); DROP TABLE customers_account;--",
    "' OR '1'='1",
    "%_\\",
    "{{ 7*7 }} {% debug %}",
    "${jndi:ldap://x}",
    "王小明 & Sons <b>Ltd</b>",
    "🙂 emoji 公司",
    "مرحبا",
    "\u202egnp.exe",
]


@pytest.mark.parametrize("name", HOSTILE_NAMES)
@pytest.mark.parametrize("path", [ACCOUNTS, CONTACTS])
def test_hostile_names_are_stored_and_returned_as_given(client, path, name):
    rep1 = client()
    response = post_json(rep1, path, {"name": name})
    assert response.status_code == 201, response.content
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["name"] == name
    detail = rep1.get(f"{path}/{response.json()['id']}")
    assert detail.json()["name"] == name
    assert (Account if path == ACCOUNTS else Contact).objects.get(pk=response.json()["id"]).name == name


def test_control_characters_are_removed_from_names(client):
    response = post_json(client(), ACCOUNTS, {"name": "西湖\x01科技\x07有限\x1b公司\t "})
    assert response.status_code == 201, response.content
    assert response.json()["name"] == "西湖科技有限公司"


@pytest.mark.parametrize(
    ("path", "field"),
    [
        (ACCOUNTS, "name"),
        (ACCOUNTS, "uscc"),
        (ACCOUNTS, "tags"),
        (CONTACTS, "name"),
        (CONTACTS, "email"),
        (CONTACTS, "wechat"),
    ],
)
def test_nul_is_400_naming_the_field(client, path, field):
    """PostgreSQL cannot store NUL; the API refuses it wherever it appears, on either database."""
    value = ["a\x00b"] if field == "tags" else "a\x00b"
    payload = {"name": "空字符", field: value} if field != "name" else {"name": value}
    before = snapshot()
    refused(post_json(client(), path, payload), field)
    assert snapshot() == before


@pytest.mark.parametrize(
    "value",
    [
        "' OR 1=1 --",
        "'; DROP TABLE customers_account; --",
        "%",
        "_",
        "\\",
        '"',
        "*",
        "NEAR(a b)",
        'a" OR "b',
        "a AND NOT b",
        "^x",
        "col:x",
        "-x",
        "!x",
        "a & b | c",
        "(",
        ")",
        ":*",
        "x:* & y",
        "\x00",
        "西湖' --",
        "1=1",
        "%00",
        "\\x00",
        "\ufffd",
        "x" * 5000,
        "西" * 5000,
        "a " * 300,
    ],
)
@pytest.mark.parametrize("path", [ACCOUNTS, CONTACTS])
def test_sql_and_search_syntax_in_q_is_harmless(client, path, value):
    response = client().get(path, {"q": value})
    if "\x00" in value:  # no text with NUL reaches the database (PostgreSQL refuses it)
        assert_error(response, 400, "q")
        return
    assert response.status_code == 200, response.content[:300]
    owners = {item["owner"]["username"] for item in response.json()["items"]}
    assert owners <= {"rep1"}


def test_sql_metacharacters_in_fields_are_stored_as_text(client):
    rep1 = client()
    name = "x'); DELETE FROM customers_account; --"
    response = post_json(rep1, CONTACTS, {"name": name, "title": "'||'", "wechat": "a%_b", "notes": "\\'\""})
    assert response.status_code == 201
    body = response.json()
    assert (body["name"], body["title"], body["wechat"], body["notes"]) == (name, "'||'", "a%_b", "\\'\"")
    assert Account.objects.filter(name="原始公司").exists()


# --- formulas in CSV --------------------------------------------------------------------------

FORMULAS = ["=1+1", "+1", "-1", "@SUM(A1)", '=HYPERLINK("http://x")', "=cmd|' /C calc'!A0"]


@pytest.mark.parametrize("persona", ["director", "marketer1"])
def test_export_neutralizes_formula_prefixes(client, persona):
    rep1 = client()
    ids = {}
    for formula in FORMULAS:
        response = post_json(rep1, ACCOUNTS, {"name": formula, "address": formula, "tags": [formula]})
        assert response.status_code == 201
        assert response.json()["name"] == formula  # stored as given
        ids[response.json()["id"]] = formula
        contact = post_json(rep1, CONTACTS, {"name": formula, "title": formula, "wechat": formula})
        assert contact.status_code == 201
        ids[contact.json()["id"], "contact"] = formula

    for path, key in ((ACCOUNTS, lambda i: i), (CONTACTS, lambda i: (i, "contact"))):
        response = client(persona).get(f"{path}/export")
        assert response.status_code == 200
        text = b"".join(response.streaming_content).decode("utf-8-sig")
        rows = list(csv.DictReader(io.StringIO(text)))
        found = 0
        for row in rows:
            formula = ids.get(key(int(row["id"])))
            if formula is None:
                continue
            found += 1
            assert row["name"] == "'" + formula
            for column in ("address", "tags", "title", "wechat"):
                if column in row:
                    assert row[column] == "'" + formula, (column, row[column])
        assert found == len(FORMULAS)
        for row in rows:
            for value in row.values():
                assert not value.startswith(("=", "+", "-", "@", "\t", "\r")), value


def test_export_format_must_be_csv_or_xlsx(client):
    assert_error(client("director").get(f"{ACCOUNTS}/export", {"format": "pdf"}), 400, "format")


# --- bodies -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b'{"name": "\xff\xfe"}', "application/json"),
        (b'{"name": "\xc3\x28"}', "application/json"),
        (b"name=abc", "application/json"),
        (b"name=abc", "application/x-www-form-urlencoded"),
        (b"<name>abc</name>", "application/xml"),
        (b'{"name": "abc"', "application/json"),
        (b'{"name": "abc"}}', "application/json"),
        (b"", "application/json"),
        (b"null", "application/json"),
        (b"[]", "application/json"),
        (b'"name"', "application/json"),
        (b"123", "application/json"),
        (b'{"name": NaN}', "application/json"),
        (b'{"name": "a", "name": 1}', "application/json"),
        (b"[" * 100_000 + b"]" * 100_000, "application/json"),
        (b'{"name":' * 50_000 + b'"x"' + b"}" * 50_000, "application/json"),
    ],
    ids=[
        "invalid-utf8",
        "invalid-utf8-2",
        "form-as-json",
        "form",
        "xml",
        "truncated",
        "trailing",
        "empty",
        "null",
        "array",
        "string",
        "number",
        "nan",
        "duplicate-key-wrong-type",
        "deep-array",
        "deep-object",
    ],
)
@pytest.mark.parametrize("path", [ACCOUNTS, CONTACTS])
def test_unparseable_bodies_are_400(client, path, body, content_type):
    before = snapshot()
    response = client().post(path, data=body, content_type=content_type)
    error = assert_error(response, 400)
    assert error["fields"], error
    assert snapshot() == before


@pytest.mark.parametrize("path", [ACCOUNTS, CONTACTS])
def test_invalid_utf8_body_names_the_body(client, path):
    before = snapshot()
    refused(client().post(path, data=b'{"name": "\xff"}', content_type="application/json"), "body")
    assert snapshot() == before


@pytest.mark.parametrize("path", [ACCOUNTS, CONTACTS])
def test_non_json_body_names_the_body(client, path):
    before = snapshot()
    refused(client().post(path, data=b"name=abc", content_type="application/json"), "body")
    assert snapshot() == before


@pytest.mark.parametrize("size_mb", [2, 5])
@pytest.mark.parametrize("path", [ACCOUNTS, CONTACTS])
def test_several_megabyte_body_is_refused(client, path, size_mb):
    before = snapshot()
    body = json.dumps({"name": "大", "notes": "x" * (size_mb * 1024 * 1024)}).encode()
    response = client().post(path, data=body, content_type="application/json")
    assert response.status_code in (400, 413)
    assert_error(response, response.status_code)
    assert snapshot() == before


def test_several_megabyte_patch_is_refused(client, data):
    before = snapshot()
    body = json.dumps({"description": "x" * (3 * 1024 * 1024)}).encode()
    response = client().patch(
        f"{ACCOUNTS}/{data['account']}", data=body, content_type="application/json", HTTP_IF_MATCH='"1"'
    )
    assert response.status_code in (400, 413)
    assert_error(response, response.status_code)
    assert snapshot() == before


@pytest.mark.parametrize("text", ["\ud800", "a\udfffb", "\udbff\udbff"])
@pytest.mark.parametrize(
    ("path", "field"),
    [
        (ACCOUNTS, "name"),
        (ACCOUNTS, "address"),
        (ACCOUNTS, "tags"),
        (ACCOUNTS, "uscc"),
        (ACCOUNTS, "website"),
        (CONTACTS, "name"),
        (CONTACTS, "email"),
        (CONTACTS, "mobile"),
        (CONTACTS, "notes"),
    ],
)
def test_lone_surrogates_are_400_naming_the_field(client, path, field, text):
    """JSON may escape half a UTF-16 pair ("\\ud800"); that is not text and cannot be stored."""
    value = [text] if field == "tags" else text
    payload = {"name": "代理对", field: value} if field != "name" else {"name": value}
    raw = json.dumps(payload)  # ensure_ascii keeps the escape as \\udXXX in the body
    before = snapshot()
    refused(client().post(path, data=raw, content_type="application/json"), field)
    assert snapshot() == before


@pytest.mark.parametrize(
    ("path", "payload", "field"),
    [
        (ACCOUNTS, {"name": "x", "unknown": 1}, "unknown"),
        (ACCOUNTS, {"name": "x", "Name": "y"}, "Name"),
        (ACCOUNTS, {"name": "x", "custom_fields": {"vip": True}}, "custom_fields"),
        (ACCOUNTS, {"name": "x", "__proto__": {}}, "__proto__"),
        (ACCOUNTS, {"name": "x", "contacts": []}, "contacts"),
        (CONTACTS, {"name": "x", "display_name": "y"}, "display_name"),
        (CONTACTS, {"name": "x", "account_id": 1}, "account_id"),
        (CONTACTS, {"name": "x", "owner": {"id": 1}}, "owner"),
        (CONTACTS, {"name": "x", "deleted_by": 1}, "deleted_by"),
        (CONTACTS, {"name": "x", "custom_fields": {"unknown": "y"}}, "custom_fields"),
    ],
)
def test_unknown_fields_are_400_naming_them(client, path, payload, field):
    before = snapshot()
    refused(post_json(client(), path, payload), field)
    assert snapshot() == before


def test_missing_name_is_400(client):
    before = snapshot()
    refused(post_json(client(), ACCOUNTS, {"industry": "it"}), "name")
    refused(post_json(client(), CONTACTS, {}), "name")
    assert snapshot() == before


@pytest.mark.parametrize(
    ("path", "payload", "field"),
    [
        ("transfer", {"owner": "rep2", "with_contacts": "maybe"}, "with_contacts"),
        ("transfer", {"owner": "rep2\x00"}, "owner"),
        ("transfer", {"owner": "x" * 10_000}, "owner"),
        ("transfer", {"owner": "\ud800"}, "owner"),
        ("transfer", {}, "owner"),
    ],
)
def test_transfer_bad_input(client, data, path, payload, field):
    before = snapshot()
    response = client().post(
        f"{ACCOUNTS}/{data['account']}/{path}", data=json.dumps(payload), content_type="application/json"
    )
    refused(response, field)
    assert snapshot() == before


@pytest.mark.parametrize("header", ["\x00", "a\x00b", "é" * 300, "k" * 201])
def test_bad_idempotency_keys_are_refused_or_ignored_never_500(client, header):
    before = snapshot()
    try:
        response = post_json(client(), ACCOUNTS, {"name": "键"}, HTTP_IDEMPOTENCY_KEY=header)
    except UnicodeEncodeError:  # the test client itself cannot send it
        return
    assert response.status_code in (201, 400)
    if response.status_code == 400:
        assert_error(response, 400, "Idempotency-Key")
        assert snapshot() == before


@pytest.mark.parametrize("value", ["\x00", "rep1\x00", "\ud800", "x" * 10_000, "' OR 1=1 --"])
def test_token_endpoint_bad_input_is_never_500(db, value):
    for payload in ({"username": value, "password": "guanxi-demo"}, {"username": "rep1", "password": value}):
        response = Client().post(
            "/api/v1/auth/token", data=json.dumps(payload), content_type="application/json"
        )
        assert response.status_code in (400, 401), response.content
        assert_error(response, response.status_code)


@pytest.mark.parametrize(
    ("method", "suffix", "payload", "field"),
    [
        ("post", "", {"user": "rep2\x00", "access": "read"}, "user"),
        ("post", "", {"user": "\ud800", "access": "read"}, "user"),
        ("post", "", {"user": "rep2", "access": "owner"}, "access"),
        ("post", "", {"user": ["rep2"], "access": "read"}, "user"),
        ("delete", "/rep2%00", None, "user"),
        ("delete", "/no-such-user", None, "user"),
    ],
)
def test_sharing_bad_input(client, data, method, suffix, payload, field):
    path = f"{ACCOUNTS}/{data['account']}/collaborators{suffix}"
    before = snapshot()
    if method == "post":
        response = client().post(path, data=json.dumps(payload), content_type="application/json")
    else:
        response = client().delete(path)
    refused(response, field)
    assert snapshot() == before


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/accounts/99999999999999999999999",
        "/api/v1/contacts/-1",
        "/api/v1/accounts/0",
        "/api/v1/accounts/1%00",
        "/api/v1/accounts/%F0%9F%99%82",
    ],
)
def test_odd_ids_in_paths_are_404(client, path):
    rep1 = client()
    assert rep1.get(path).status_code == 404
    assert rep1.delete(path, HTTP_IF_MATCH='"1"').status_code == 404
    assert rep1.post(f"{path}/restore").status_code == 404


def test_huge_id_in_path_is_404_for_every_method(client):
    path = f"{ACCOUNTS}/{2**64}"
    before = snapshot()
    rep1 = client()
    assert_error(rep1.get(path), 404)
    assert_error(patch_json(rep1, path, {"name": "x"}, HTTP_IF_MATCH='"1"'), 404)
    assert_error(rep1.delete(path, HTTP_IF_MATCH='"1"'), 404)
    assert_error(rep1.post(f"{path}/restore"), 404)
    assert_error(post_json(rep1, f"{path}/transfer", {"owner": "rep2"}), 404)
    assert snapshot() == before


# --- properties -------------------------------------------------------------------------------

PROPERTY_SETTINGS = settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@PROPERTY_SETTINGS
@given(name=st.text(alphabet=st.characters(codec=None, exclude_categories=[]), max_size=300))
def test_any_text_as_name_is_201_or_400(client, name):
    """Arbitrary Unicode, control characters, surrogates included: never a 500, never half-written."""
    before = snapshot()
    response = client().post(ACCOUNTS, data=json.dumps({"name": name}), content_type="application/json")
    assert response.status_code in (201, 400), response.content[:300]
    if response.status_code == 400:
        assert_error(response, 400, "name")
        assert snapshot() == before
    else:
        stored = Account.objects.get(pk=response.json()["id"])
        assert stored.name == response.json()["name"]
        assert 0 < len(stored.name) <= 200
        assert "\x00" not in stored.name


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=50),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=10,
)
CONTACT_FIELDS = [
    "name",
    "family_name",
    "given_name",
    "account",
    "title",
    "mobile",
    "phone",
    "email",
    "wechat",
    "notes",
    "custom_fields",
]


@PROPERTY_SETTINGS
@given(
    payload=st.dictionaries(st.sampled_from(CONTACT_FIELDS) | st.text(max_size=8), JSON_VALUES, max_size=5)
)
def test_any_json_object_as_contact_is_201_or_400(client, payload):
    before = snapshot()
    response = post_json(client(), CONTACTS, payload)
    assert response.status_code in (201, 400), response.content[:300]
    if response.status_code == 400:
        error = assert_error(response, 400)
        assert error["fields"]
        assert snapshot() == before


@PROPERTY_SETTINGS
@given(q=st.text(max_size=60), ordering=st.sampled_from(["", "name", "-updated_at"]) | st.text(max_size=10))
def test_any_query_is_200_or_400_and_stays_in_scope(client, q, ordering):
    response = client().get(ACCOUNTS, {"q": q, "ordering": ordering})
    assert response.status_code in (200, 400), response.content[:300]
    if response.status_code == 200:
        assert {i["owner"]["username"] for i in response.json()["items"]} <= {"rep1"}
    else:
        assert_error(response, 400, "q" if "\x00" in q else "ordering")
