"""Custom field values on accounts and contacts through the API: every type with good and bad
values, required fields, PATCH merge semantics, archived fields, filters cf_*, search, audit."""

from __future__ import annotations

import pytest

from guanxi.audit.models import AuditEvent
from guanxi.custom_fields import exports
from guanxi.custom_fields import services as cf
from guanxi.custom_fields.models import CustomFieldDef
from guanxi.customers.models import Account, Contact
from tests.factories import AccountFactory, ContactFactory
from tests.helpers import assert_error, patch_json, post_json, snapshot

pytestmark = pytest.mark.django_db

ACCOUNTS = "/api/v1/accounts"
CONTACTS = "/api/v1/contacts"

REGIONS = [
    {"value": "north", "label": {"en": "North", "zh-hans": "华北", "zh-hant": "華北"}},
    {"value": "south", "label": {"en": "South", "zh-hans": "华南", "zh-hant": "華南"}},
]

# key: (type, choices)
DEFS = {
    "motto": ("text", None),
    "story": ("long_text", None),
    "staff": ("number", None),
    "revenue": ("decimal", None),
    "founded": ("date", None),
    "audited_at": ("datetime", None),
    "region": ("choice", REGIONS),
    "channels": ("multi_choice", ["web", "shop", "phone"]),
    "key_account": ("boolean", None),
    "sponsor": ("user", None),
    "homepage": ("url", None),
    "billing_email": ("email", None),
    "hotline": ("phone", None),
}


def make_field(object_type="account", key="motto", kind="text", choices=None, **extra) -> CustomFieldDef:
    from django.contrib.auth import get_user_model

    admin = get_user_model().objects.get(username="admin")
    data = {
        "object": object_type,
        "key": key,
        "label": {"en": key.title(), "zh-hans": f"字段{key}"},
        "type": kind,
        **({"choices": choices} if choices is not None else {}),
        **extra,
    }
    return cf.custom_field_create(actor=admin, data=data)


@pytest.fixture
def fields(org):
    return {key: make_field(key=key, kind=kind, choices=choices) for key, (kind, choices) in DEFS.items()}


GOOD = [
    ("motto", "  诚信   为本 ", "诚信 为本"),
    ("motto", "<script>alert(1)</script>", "<script>alert(1)</script>"),  # stored as text, escaped on output
    ("motto", '=HYPERLINK("http://x")', '=HYPERLINK("http://x")'),
    ("motto", "'; DROP TABLE customers_account; --", "'; DROP TABLE customers_account; --"),
    ("story", "第一行\n第二行", "第一行\n第二行"),
    ("staff", 120, 120),
    ("staff", "120", 120),
    ("staff", -3, -3),
    ("revenue", "12.5", "12.50"),
    ("revenue", 12, "12.00"),
    ("revenue", "1234567.125", "1234567.125"),
    ("revenue", 0.1, "0.10"),
    ("founded", "2026-02-28", "2026-02-28"),
    ("audited_at", "2026-03-01T08:30:00Z", "2026-03-01T08:30:00Z"),
    ("audited_at", "2026-03-01T16:30:00+08:00", "2026-03-01T08:30:00Z"),
    ("region", "north", "north"),
    ("channels", ["shop", "web", "shop"], ["web", "shop"]),
    ("key_account", True, True),
    ("key_account", False, False),
    ("sponsor", "rep2", "rep2"),
    ("homepage", "example.cn/about", "https://example.cn/about"),
    ("billing_email", "Bill@Example.CN", "Bill@example.cn"),
    ("hotline", "0571 8888 7777", "+8657188887777"),
]

BAD = [
    ("motto", 42, "Enter text."),
    ("motto", "x" * 501, "at most 500"),
    ("motto", ["a"], "Enter text."),
    ("story", "x" * 5001, "at most 5000"),
    ("staff", "abc", "whole number"),
    ("staff", 1.5, "whole number"),
    ("staff", True, "whole number"),
    ("staff", 10**15, "between"),
    ("staff", 10**40, "between"),
    ("staff", {"n": 1}, "whole number"),
    ("revenue", "1.2345678", "6 decimal places"),
    ("revenue", "abc", "such as 12.50"),
    ("revenue", "NaN", "such as 12.50"),
    ("revenue", "Infinity", "such as 12.50"),
    ("revenue", "1e20", "digits before"),
    ("revenue", True, "such as 12.50"),
    ("revenue", "9" * 100, "such as 12.50"),
    ("founded", "2026-13-01", "does not exist"),
    ("founded", "2026-02-30", "does not exist"),
    ("founded", "01/02/2026", "YYYY-MM-DD"),
    ("founded", 20260101, "YYYY-MM-DD"),
    ("audited_at", "yesterday", "ISO 8601"),
    ("audited_at", "2026-03-01T25:00:00Z", "ISO 8601"),
    ("region", "west", "Choose one of: north, south."),
    ("region", ["north"], "Choose one of"),
    ("region", "North", "Choose one of"),
    ("channels", "web", "list of values"),
    ("channels", ["web", "fax"], "Choose one of: web, shop, phone."),
    ("channels", [1], "list of values"),
    ("key_account", "maybe", "yes or no"),
    ("key_account", 1, "yes or no"),
    ("sponsor", "nobody", "No active user"),
    ("sponsor", "inactive", "No active user"),
    ("sponsor", 7, "username"),
    ("homepage", "javascript:alert(1)", "valid URL"),
    ("homepage", "not a url", "valid URL"),
    ("billing_email", "not-an-email", "valid email"),
    ("billing_email", "<script>@example.com", "valid email"),
    ("hotline", "12345", "phone number"),
    ("hotline", "手机", "phone number"),
]


@pytest.mark.parametrize(("key", "value", "stored"), GOOD, ids=[f"{k}={v!r}"[:40] for k, v, _s in GOOD])
def test_good_values_are_stored_normalized(api, fields, key, value, stored):
    client = api("rep1")
    response = post_json(client, ACCOUNTS, {"name": "好值公司", "custom_fields": {key: value}})
    assert response.status_code == 201, response.content
    assert response.json()["custom_fields"] == {key: stored}
    assert Account.objects.get(pk=response.json()["id"]).custom_fields == {key: stored}


@pytest.mark.parametrize(("key", "value", "message"), BAD, ids=[f"{k}={v!r}"[:40] for k, v, _m in BAD])
def test_bad_values_are_400_naming_the_field(api, org, fields, key, value, message):
    client = api("rep1")
    account = AccountFactory(owner=org["rep1"], custom_fields={"motto": "原值"})
    before = snapshot()
    error = assert_error(
        post_json(client, ACCOUNTS, {"name": "坏值公司", "custom_fields": {key: value}}),
        400,
        f"custom_fields.{key}",
    )
    assert message in " ".join(error["fields"][f"custom_fields.{key}"])
    error = assert_error(
        patch_json(client, f"{ACCOUNTS}/{account.pk}", {"custom_fields": {key: value}}, HTTP_IF_MATCH='"1"'),
        400,
        f"custom_fields.{key}",
    )
    assert snapshot() == before
    account.refresh_from_db()
    assert account.custom_fields == {"motto": "原值"} and account.version == 1


def test_choice_error_message_lists_the_values(api, fields):
    error = assert_error(
        post_json(api("rep1"), ACCOUNTS, {"name": "x", "custom_fields": {"region": "west"}}), 400
    )
    assert error["fields"] == {"custom_fields.region": ["Choose one of: north, south."]}


def test_unknown_and_hostile_keys_are_refused(api, fields):
    before = snapshot()
    error = assert_error(
        post_json(
            api("rep1"),
            ACCOUNTS,
            {"name": "x", "custom_fields": {"nope": 1, "<b>x</b>": "y", "k" * 500: 1, "motto": "好"}},
        ),
        400,
    )
    assert set(error["fields"]) == {
        "custom_fields.nope",
        "custom_fields.<b>x</b>",
        "custom_fields." + "k" * 60,
    }
    assert snapshot() == before


def test_a_custom_field_of_the_other_object_is_unknown(api, fields):
    error = assert_error(
        post_json(api("rep1"), CONTACTS, {"name": "王五", "custom_fields": {"region": "north"}}), 400
    )
    assert "custom_fields.region" in error["fields"]


def test_custom_and_builtin_errors_are_reported_together(api, fields):
    error = assert_error(
        post_json(api("rep1"), ACCOUNTS, {"name": "", "phone": "123", "custom_fields": {"staff": "many"}}),
        400,
    )
    assert {"name", "phone", "custom_fields.staff"} <= set(error["fields"])


def test_custom_fields_must_be_an_object(api, fields):
    for bad in ("x", [1], 3):
        assert_error(
            post_json(api("rep1"), ACCOUNTS, {"name": "x", "custom_fields": bad}), 400, "custom_fields"
        )


def test_nul_in_a_value_is_refused(api, fields):
    before = snapshot()
    response = api("rep1").post(
        ACCOUNTS,
        data='{"name": "x", "custom_fields": {"motto": "a\\u0000b"}}',
        content_type="application/json",
    )
    assert_error(response, 400)
    assert snapshot() == before


# --- required fields ------------------------------------------------------------------------------


def test_required_field_needs_a_value_on_create(api, org):
    make_field(key="region", kind="choice", choices=REGIONS, required=True)
    client = api("rep1")
    for payload in (
        {"name": "x"},
        {"name": "x", "custom_fields": {}},
        {"name": "x", "custom_fields": {"region": None}},
        {"name": "x", "custom_fields": {"region": ""}},
    ):
        error = assert_error(post_json(client, ACCOUNTS, payload), 400, "custom_fields.region")
        assert error["fields"]["custom_fields.region"] == ["This field is required."]
    assert not Account.objects.exists()
    assert post_json(client, ACCOUNTS, {"name": "x", "custom_fields": {"region": "south"}}).status_code == 201


def test_required_field_cannot_be_removed_but_other_edits_pass(api, org):
    client = api("rep1")
    account = AccountFactory(owner=org["rep1"])  # made before the field was required
    make_field(key="region", kind="choice", choices=REGIONS, required=True)
    response = patch_json(client, f"{ACCOUNTS}/{account.pk}", {"tier": "A"}, HTTP_IF_MATCH='"1"')
    assert response.status_code == 200, response.content
    assert_error(
        patch_json(
            client, f"{ACCOUNTS}/{account.pk}", {"custom_fields": {"region": None}}, HTTP_IF_MATCH='"2"'
        ),
        400,
        "custom_fields.region",
    )
    assert (
        patch_json(
            client, f"{ACCOUNTS}/{account.pk}", {"custom_fields": {"region": "north"}}, HTTP_IF_MATCH='"2"'
        ).status_code
        == 200
    )


def test_a_required_yes_no_field_accepts_no(api, org):
    make_field(key="vip", kind="boolean", required=True)
    response = post_json(api("rep1"), ACCOUNTS, {"name": "x", "custom_fields": {"vip": False}})
    assert response.status_code == 201 and response.json()["custom_fields"] == {"vip": False}


# --- PATCH merges ---------------------------------------------------------------------------------


def test_patch_merges_keys_and_null_removes(api, fields, org):
    client = api("rep1")
    account = AccountFactory(owner=org["rep1"], custom_fields={"motto": "一", "staff": 5, "region": "north"})
    body = patch_json(
        client,
        f"{ACCOUNTS}/{account.pk}",
        {"custom_fields": {"staff": 6, "region": None}},
        HTTP_IF_MATCH='"1"',
    ).json()
    assert body["custom_fields"] == {"motto": "一", "staff": 6}
    assert body["version"] == 2
    event = AuditEvent.objects.filter(object_type="account", object_id=account.pk, verb="update").get()
    assert event.changes == {"custom_fields.staff": [5, 6], "custom_fields.region": ["north", None]}
    # the same values again: nothing changes, no new version, no audit row
    body = patch_json(
        client, f"{ACCOUNTS}/{account.pk}", {"custom_fields": {"staff": 6}}, HTTP_IF_MATCH='"2"'
    ).json()
    assert body["version"] == 2
    assert AuditEvent.objects.filter(object_type="account", object_id=account.pk, verb="update").count() == 1


def test_patch_without_custom_fields_keeps_them(api, fields, org):
    account = AccountFactory(owner=org["rep1"], custom_fields={"motto": "一"})
    body = patch_json(api("rep1"), f"{ACCOUNTS}/{account.pk}", {"name": "新名字"}, HTTP_IF_MATCH='"1"').json()
    assert body["custom_fields"] == {"motto": "一"}


def test_create_audit_names_each_custom_value(api, fields, org):
    body = post_json(api("rep1"), ACCOUNTS, {"name": "审计", "custom_fields": {"staff": 3}}).json()
    event = AuditEvent.objects.get(object_type="account", object_id=body["id"], verb="create")
    assert event.changes["custom_fields.staff"] == [None, 3]


def test_archived_field_keeps_its_value_but_cannot_change(api, org):
    motto = make_field(key="motto")
    client = api("rep1")
    account = AccountFactory(owner=org["rep1"], custom_fields={"motto": "旧"})
    cf.custom_field_archive(actor=org["admin"], field=motto, version=motto.version)
    error = assert_error(
        patch_json(
            client, f"{ACCOUNTS}/{account.pk}", {"custom_fields": {"motto": "新"}}, HTTP_IF_MATCH='"1"'
        ),
        400,
        "custom_fields.motto",
    )
    assert "archived" in error["fields"]["custom_fields.motto"][0]
    # sent back unchanged (a client echoing what it read) is fine; the value stays in the output
    body = patch_json(
        client,
        f"{ACCOUNTS}/{account.pk}",
        {"name": "改名", "custom_fields": {"motto": "旧"}},
        HTTP_IF_MATCH='"1"',
    ).json()
    assert body["custom_fields"] == {"motto": "旧"} and body["name"] == "改名"


def test_user_value_stays_after_the_user_is_deactivated(api, fields, org):
    account = AccountFactory(owner=org["rep1"], custom_fields={"sponsor": "rep2"})
    org["rep2"].is_active = False
    org["rep2"].save()
    response = patch_json(
        api("rep1"),
        f"{ACCOUNTS}/{account.pk}",
        {"custom_fields": {"sponsor": "rep2", "staff": 1}},
        HTTP_IF_MATCH='"1"',
    )
    assert response.status_code == 200, response.content


def test_contact_custom_fields(api, org):
    make_field(object_type="contact", key="birthday", kind="date")
    client = api("rep1")
    body = post_json(client, CONTACTS, {"name": "王小明", "custom_fields": {"birthday": "1990-05-04"}}).json()
    assert body["custom_fields"] == {"birthday": "1990-05-04"}
    body = patch_json(
        client, f"{CONTACTS}/{body['id']}", {"custom_fields": {"birthday": None}}, HTTP_IF_MATCH='"1"'
    ).json()
    assert body["custom_fields"] == {}
    assert Contact.objects.get(pk=body["id"]).custom_fields == {}


# --- filters --------------------------------------------------------------------------------------


def _names(response) -> set[str]:
    assert response.status_code == 200, response.content
    return {a["name"] for a in response.json()["items"]}


def test_filters_by_custom_values(api, fields, org):
    AccountFactory(
        owner=org["rep1"],
        name="北一",
        custom_fields={
            "region": "north",
            "staff": 10,
            "key_account": True,
            "channels": ["web", "shop"],
            "revenue": "12.50",
            "hotline": "+8657188887777",
            "sponsor": "rep2",
        },
    )
    AccountFactory(
        owner=org["rep1"],
        name="南二",
        custom_fields={
            "region": "south",
            "staff": 11,
            "key_account": False,
            "channels": ["shop"],
            "motto": "诚信",
        },
    )
    AccountFactory(owner=org["rep1"], name="空三")
    AccountFactory(owner=org["rep2"], name="别人的北", custom_fields={"region": "north"})
    client = api("rep1")
    assert _names(client.get(ACCOUNTS, {"cf_region": "north"})) == {"北一"}
    assert _names(client.get(ACCOUNTS, {"cf_staff": "11"})) == {"南二"}
    assert _names(client.get(ACCOUNTS, {"cf_key_account": "true"})) == {"北一"}
    assert _names(client.get(ACCOUNTS, {"cf_key_account": "false"})) == {"南二"}
    assert _names(client.get(ACCOUNTS, {"cf_channels": "shop"})) == {"北一", "南二"}
    assert _names(client.get(ACCOUNTS, {"cf_channels": "web"})) == {"北一"}
    assert _names(client.get(ACCOUNTS, {"cf_revenue": "12.5"})) == {"北一"}
    assert _names(client.get(ACCOUNTS, {"cf_hotline": "0571-88887777"})) == {"北一"}
    assert _names(client.get(ACCOUNTS, {"cf_motto": "诚信"})) == {"南二"}
    assert _names(client.get(ACCOUNTS, {"cf_sponsor": "rep2"})) == {"北一"}
    assert _names(client.get(ACCOUNTS, {"cf_region": "north", "cf_staff": "11"})) == set()
    assert _names(client.get(ACCOUNTS, {"cf_region": ""})) == {"北一", "南二", "空三"}
    assert _names(api("director").get(ACCOUNTS, {"cf_region": "north"})) == {"北一", "别人的北"}


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"cf_nope": "1"}, "cf_nope"),
        ({"cf_region": "west"}, "cf_region"),
        ({"cf_staff": "abc"}, "cf_staff"),
        ({"cf_key_account": "maybe"}, "cf_key_account"),
        ({"cf_story": "x"}, "cf_story"),  # long text: not filterable
        ({"cf_audited_at": "2026-01-01T00:00:00Z"}, "cf_audited_at"),
        ({"cf_motto": "a\x00b"}, "cf_motto"),
        ({"cf_' OR 1=1 --": "1"}, "cf_' OR 1=1 --"),
    ],
)
def test_bad_filters_are_400_naming_them(api, fields, params, field):
    assert_error(api("rep1").get(ACCOUNTS, params), 400, field)


def test_archived_field_is_not_a_filter(api, fields, org):
    region = fields["region"]
    cf.custom_field_archive(actor=org["admin"], field=region, version=region.version)
    assert_error(api("rep1").get(ACCOUNTS, {"cf_region": "north"}), 400, "cf_region")


def test_contact_filters(api, org):
    make_field(object_type="contact", key="vip", kind="boolean")
    ContactFactory(owner=org["rep1"], name="贵宾", custom_fields={"vip": True})
    ContactFactory(owner=org["rep1"], name="普通")
    assert {c["name"] for c in api("rep1").get(CONTACTS, {"cf_vip": "yes"}).json()["items"]} == {"贵宾"}


def test_filtered_list_query_count_is_fixed(api, fields, org, django_assert_max_num_queries):
    client = api("rep1")
    for i in range(3):
        AccountFactory(owner=org["rep1"], custom_fields={"region": "north", "staff": i})
    client.get(ACCOUNTS, {"cf_region": "north"})
    with django_assert_max_num_queries(8) as few:
        assert len(client.get(ACCOUNTS, {"cf_region": "north"}).json()["items"]) == 3
    for i in range(10):
        AccountFactory(owner=org["rep1"], custom_fields={"region": "north", "staff": i})
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(client.get(ACCOUNTS, {"cf_region": "north"}).json()["items"]) == 13


# --- search ---------------------------------------------------------------------------------------


def test_search_finds_text_email_and_phone_values(api, fields, org):
    AccountFactory(
        owner=org["rep1"],
        name="甲公司",
        custom_fields={"motto": "天道酬勤", "billing_email": "ap@jiakeji.cn", "hotline": "+8657188887777"},
    )
    AccountFactory(owner=org["rep1"], name="乙公司", custom_fields={"region": "north"})
    client = api("rep1")
    assert _names(client.get(ACCOUNTS, {"q": "酬勤"})) == {"甲公司"}
    assert _names(client.get(ACCOUNTS, {"q": "jiakeji"})) == {"甲公司"}
    assert _names(client.get(ACCOUNTS, {"q": "88887777"})) == {"甲公司"}
    assert _names(client.get(ACCOUNTS, {"q": "north"})) == set()  # choice values are not search terms


def test_search_follows_an_update_of_a_custom_value(api, fields, org):
    account = AccountFactory(owner=org["rep1"], name="丙公司", custom_fields={"motto": "天道酬勤"})
    patch_json(
        api("rep1"), f"{ACCOUNTS}/{account.pk}", {"custom_fields": {"motto": "厚德载物"}}, HTTP_IF_MATCH='"1"'
    )
    assert _names(api("rep1").get(ACCOUNTS, {"q": "酬勤"})) == set()
    assert _names(api("rep1").get(ACCOUNTS, {"q": "载物"})) == {"丙公司"}


# --- helpers for the exports ------------------------------------------------------------------------


def test_export_helpers(fields, org):
    from django.utils import translation

    with translation.override("zh-hans"):
        columns = dict(exports.export_columns("account"))
    assert columns["region"] == "字段region"
    assert list(columns)[:3] == ["motto", "story", "staff"]
    with translation.override("en"):
        assert exports.export_value(fields["region"], "north") == "North"
        assert exports.export_value(fields["channels"], ["web", "shop"]) == "web, shop"
        assert exports.export_value(fields["key_account"], True) == "Yes"
        assert exports.export_value(fields["revenue"], "12.50") == "12.50"
        assert exports.export_value(fields["founded"], "2026-02-28") == "2026-02-28"
        assert exports.export_value(fields["motto"], None) == ""
