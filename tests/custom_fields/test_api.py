"""/api/v1/custom-fields: the permission matrix (reads for every signed-in user, writes for
administrators only), the shape of a definition, and the validation of definitions."""

from __future__ import annotations

import hashlib
import json

import pytest

from guanxi.audit.models import AuditEvent
from guanxi.custom_fields import services as cf
from guanxi.custom_fields.models import CustomFieldDef
from tests.factories import AccountFactory
from tests.helpers import assert_error, patch_json, post_json, snapshot

# The API operations whose permission matrix is in this module (tests/test_api_matrix_coverage.py).
MATRIX_OPERATIONS = {
    "custom_field_list",
    "custom_field_get",
    "custom_field_create",
    "custom_field_update",
    "custom_field_archive",
    "custom_field_reorder",
}

pytestmark = pytest.mark.django_db

PATH = "/api/v1/custom-fields"
PERSONAS = ("admin", "director", "manager1", "rep1", "rep2", "rep3", "agent1", "marketer1", "inactive", None)
UNAUTHENTICATED = {"inactive", None}


def defs_snapshot() -> tuple:
    rows = CustomFieldDef.objects.order_by("id").values_list(
        "id", "version", "key", "type", "label_en", "choices", "required", "order", "active"
    )
    return snapshot(), hashlib.sha256(json.dumps(list(rows), default=str).encode()).hexdigest()


@pytest.fixture
def region(org):
    return cf.custom_field_create(
        actor=org["admin"],
        data={
            "object": "account",
            "key": "region",
            "label": {"en": "Region", "zh-hans": "区域", "zh-hant": "區域"},
            "type": "choice",
            "choices": [{"value": "north", "label": {"en": "North", "zh-hans": "华北"}}, "south"],
        },
    )


def _client(api, persona):
    if persona == "inactive":
        from django.test import Client

        from guanxi.org.models import ApiToken, User

        _row, token = ApiToken.issue(User.objects.get(username="inactive"))
        return Client(HTTP_AUTHORIZATION=f"Bearer {token}", HTTP_ACCEPT_LANGUAGE="en")
    return api(persona)


def _expected(persona, ok):
    if persona in UNAUTHENTICATED:
        return 401
    return ok if persona == "admin" else 403


OPERATIONS = {
    "create": lambda c, d: post_json(
        c, PATH, {"object": "account", "key": "vip", "label": "VIP", "type": "boolean"}
    ),
    "update": lambda c, d: patch_json(c, f"{PATH}/{d.pk}", {"label": "Area"}, HTTP_IF_MATCH='"1"'),
    "update_without_if_match": lambda c, d: patch_json(c, f"{PATH}/{d.pk}", {"label": "Area"}),
    "archive": lambda c, d: c.delete(f"{PATH}/{d.pk}", HTTP_IF_MATCH='"1"'),
    "reorder": lambda c, d: post_json(c, f"{PATH}/reorder", {"object": "account", "keys": ["region"]}),
}
OK = {"create": 201, "update": 200, "update_without_if_match": 428, "archive": 204, "reorder": 200}


@pytest.mark.parametrize("persona", PERSONAS, ids=[str(p) for p in PERSONAS])
@pytest.mark.parametrize("operation", list(OPERATIONS))
def test_write_matrix(api, region, persona, operation):
    client = _client(api, persona)
    before = defs_snapshot()
    response = OPERATIONS[operation](client, region)
    expected = _expected(persona, OK[operation])
    assert response.status_code == expected, (response.status_code, response.content[:300])
    if expected >= 400:
        assert_error(response, expected)
        assert defs_snapshot() == before


@pytest.mark.parametrize("persona", PERSONAS, ids=[str(p) for p in PERSONAS])
def test_read_matrix(api, region, persona):
    client = _client(api, persona)
    before = defs_snapshot()
    listing = client.get(PATH, {"object": "account"})
    detail = client.get(f"{PATH}/{region.pk}")
    if persona in UNAUTHENTICATED:
        assert listing.status_code == detail.status_code == 401
    else:
        assert listing.status_code == 200 and [f["key"] for f in listing.json()["items"]] == ["region"]
        assert detail.status_code == 200 and detail["ETag"] == '"1"'
    assert defs_snapshot() == before


def test_a_missing_field_is_404(api, region):
    assert_error(api("rep1").get(f"{PATH}/{region.pk + 1000}"), 404)
    assert_error(
        patch_json(api("admin"), f"{PATH}/{region.pk + 1000}", {"label": "x"}, HTTP_IF_MATCH='"1"'), 404
    )


def test_shape_in_the_requests_language(api, region):
    body = api("rep1").get(f"{PATH}/{region.pk}").json()
    assert body == {
        "id": region.pk,
        "version": 1,
        "object": "account",
        "key": "region",
        "label": "Region",
        "labels": {"en": "Region", "zh-hans": "区域", "zh-hant": "區域"},
        "type": "choice",
        "choices": [
            {"value": "north", "label": "North", "labels": {"en": "North", "zh-hans": "华北", "zh-hant": ""}},
            {
                "value": "south",
                "label": "south",
                "labels": {"en": "south", "zh-hans": "south", "zh-hant": "south"},
            },
        ],
        "required": False,
        "help_text": "",
        "help_texts": {"en": "", "zh-hans": "", "zh-hant": ""},
        "order": 1,
        "active": True,
    }
    client = api("rep1")
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "zh-hant"
    body = client.get(f"{PATH}/{region.pk}").json()
    assert body["label"] == "區域"
    assert body["choices"][0]["label"] == "华北"  # no Traditional label: the Simplified one before English


def test_create_round_trip_and_audit(api, org):
    client = api("admin")
    response = post_json(
        client,
        PATH,
        {
            "object": "contact",
            "key": "hobby",
            "label": "Hobby",
            "type": "text",
            "help_text": {"en": "What they enjoy", "zh-hans": "兴趣"},
            "required": True,
            "order": 7,
        },
        HTTP_IDEMPOTENCY_KEY="k1",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["labels"], body["help_text"], body["required"], body["order"], body["choices"]) == (
        {"en": "Hobby", "zh-hans": "Hobby", "zh-hant": "Hobby"},
        "What they enjoy",
        True,
        7,
        [],
    )
    again = post_json(
        client,
        PATH,
        {
            "object": "contact",
            "key": "hobby",
            "label": "Hobby",
            "type": "text",
            "help_text": {"en": "What they enjoy", "zh-hans": "兴趣"},
            "required": True,
            "order": 7,
        },
        HTTP_IDEMPOTENCY_KEY="k1",
    )
    assert again.status_code == 201 and again.json() == body
    assert CustomFieldDef.objects.count() == 1
    event = AuditEvent.objects.get(object_type="custom_field", object_id=body["id"], verb="create")
    assert event.actor == org["admin"] and event.changes["key"] == [None, "hobby"]


def test_patch_changes_label_and_bumps_version(api, region):
    client = api("admin")
    response = patch_json(
        client,
        f"{PATH}/{region.pk}",
        {"label": {"en": "Sales region"}, "required": True},
        HTTP_IF_MATCH='"1"',
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["version"] == 2 and body["label"] == "Sales region" and body["required"] is True
    assert response["ETag"] == '"2"'
    assert_error(patch_json(client, f"{PATH}/{region.pk}", {"label": "x"}, HTTP_IF_MATCH='"1"'), 412)
    assert (
        AuditEvent.objects.filter(object_type="custom_field", object_id=region.pk, verb="update").count() == 1
    )


def test_delete_archives_and_keeps_values(api, region, org):
    account = AccountFactory(owner=org["rep1"], custom_fields={"region": "north"})
    assert api("admin").delete(f"{PATH}/{region.pk}", HTTP_IF_MATCH='"1"').status_code == 204
    region.refresh_from_db()
    assert region.active is False
    account.refresh_from_db()
    assert account.custom_fields == {"region": "north"}
    assert api("rep1").get(PATH, {"object": "account"}).json()["items"] == []
    archived = api("rep1").get(PATH, {"object": "account", "include_archived": "true"}).json()["items"]
    assert [f["key"] for f in archived] == ["region"]
    assert api("rep1").get(f"/api/v1/accounts/{account.pk}").json()["custom_fields"] == {"region": "north"}
    # and back
    response = patch_json(api("admin"), f"{PATH}/{region.pk}", {"active": True}, HTTP_IF_MATCH='"2"')
    assert response.status_code == 200 and response.json()["active"] is True


def test_reorder(api, org, region):
    client = api("admin")
    post_json(client, PATH, {"object": "account", "key": "vip", "label": "VIP", "type": "boolean"})
    post_json(client, PATH, {"object": "account", "key": "size", "label": "Size", "type": "number"})
    body = post_json(client, f"{PATH}/reorder", {"object": "account", "keys": ["size", "region"]}).json()
    assert [f["key"] for f in body["items"]] == ["size", "region", "vip"]
    assert [f["key"] for f in client.get(PATH, {"object": "account"}).json()["items"]] == [
        "size",
        "region",
        "vip",
    ]
    assert_error(post_json(client, f"{PATH}/reorder", {"object": "account", "keys": ["nope"]}), 400, "keys")
    assert_error(
        post_json(client, f"{PATH}/reorder", {"object": "account", "keys": ["vip", "vip"]}), 400, "keys"
    )


BAD_CREATE = [
    ({"key": "Region"}, "key"),
    ({"key": "1region"}, "key"),
    ({"key": "re-gion"}, "key"),
    ({"key": "r" * 41}, "key"),
    ({"key": "region\n"}, "key"),
    ({"key": "<script>"}, "key"),
    ({"key": "'; DROP TABLE x; --"}, "key"),
    ({"key": 5}, "key"),
    ({"object": "lead"}, "object"),
    ({"type": "blob"}, "type"),
    ({"type": 3}, "type"),
    ({"label": ""}, "label"),
    ({"label": "x" * 101}, "label.en"),
    ({"label": {"fr": "Région"}}, "label.fr"),
    ({"label": {"en": 5}}, "label.en"),
    ({"label": ["x"]}, "label"),
    ({"help_text": "h" * 301}, "help_text.en"),
    ({"required": "yes"}, "required"),
    ({"required": 1}, "required"),
    ({"order": "3"}, "order"),
    ({"order": -1}, "order"),
    ({"order": 10**12}, "order"),
    ({"choices": ["a"]}, "choices"),  # a text field has no choices
    ({"type": "choice"}, "choices"),  # a choice field needs them
    ({"type": "choice", "choices": []}, "choices"),
    ({"type": "choice", "choices": "a,b"}, "choices"),
    ({"type": "choice", "choices": ["a", "a"]}, "choices.1"),
    ({"type": "choice", "choices": [""]}, "choices.0"),
    ({"type": "choice", "choices": [{"value": "a", "colour": "red"}]}, "choices.0"),
    ({"type": "choice", "choices": [{"value": 1}]}, "choices.0"),
    ({"type": "choice", "choices": ["v" * 101]}, "choices.0"),
    ({"type": "multi_choice", "choices": [f"c{i}" for i in range(201)]}, "choices"),
    ({"unknown": 1}, "unknown"),
    ({"version": 3}, "version"),
]


@pytest.mark.parametrize(("change", "field"), BAD_CREATE, ids=[repr(c)[:40] for c, _f in BAD_CREATE])
def test_bad_definitions_are_400_naming_the_field(api, org, change, field):
    payload = {"object": "account", "key": "region", "label": "Region", "type": "text", **change}
    before = defs_snapshot()
    assert_error(post_json(api("admin"), PATH, payload), 400, field)
    assert defs_snapshot() == before


def test_key_is_unique_per_object(api, region):
    client = api("admin")
    assert_error(
        post_json(client, PATH, {"object": "account", "key": "region", "label": "x", "type": "text"}),
        400,
        "key",
    )
    assert (
        post_json(
            client, PATH, {"object": "contact", "key": "region", "label": "x", "type": "text"}
        ).status_code
        == 201
    )


def test_key_and_object_cannot_change(api, region):
    client = api("admin")
    before = defs_snapshot()
    assert_error(patch_json(client, f"{PATH}/{region.pk}", {"key": "area"}, HTTP_IF_MATCH='"1"'), 400, "key")
    assert_error(
        patch_json(client, f"{PATH}/{region.pk}", {"object": "contact"}, HTTP_IF_MATCH='"1"'), 400, "object"
    )
    assert defs_snapshot() == before
    # sent unchanged: fine
    assert (
        patch_json(
            client, f"{PATH}/{region.pk}", {"key": "region", "label": "R"}, HTTP_IF_MATCH='"1"'
        ).status_code
        == 200
    )


def test_type_change_only_without_values_or_when_compatible(api, org):
    client = api("admin")
    motto = post_json(
        client, PATH, {"object": "account", "key": "motto", "label": "Motto", "type": "text"}
    ).json()
    size = post_json(
        client, PATH, {"object": "account", "key": "size", "label": "Size", "type": "text"}
    ).json()
    AccountFactory(owner=org["rep1"], custom_fields={"motto": "诚信", "size": "12"})
    assert_error(
        patch_json(client, f"{PATH}/{size['id']}", {"type": "number"}, HTTP_IF_MATCH='"1"'), 400, "type"
    )
    response = patch_json(client, f"{PATH}/{motto['id']}", {"type": "long_text"}, HTTP_IF_MATCH='"1"')
    assert response.status_code == 200 and response.json()["type"] == "long_text"
    empty = post_json(
        client, PATH, {"object": "account", "key": "unused", "label": "U", "type": "text"}
    ).json()
    response = patch_json(
        client, f"{PATH}/{empty['id']}", {"type": "choice", "choices": ["a", "b"]}, HTTP_IF_MATCH='"1"'
    )
    assert response.status_code == 200, response.content
    assert [c["value"] for c in response.json()["choices"]] == ["a", "b"]
    response = patch_json(client, f"{PATH}/{empty['id']}", {"type": "number"}, HTTP_IF_MATCH='"2"')
    assert response.status_code == 200 and response.json()["choices"] == []


def test_a_choice_in_use_cannot_be_removed(api, region, org):
    client = api("admin")
    AccountFactory(owner=org["rep1"], custom_fields={"region": "north"})
    assert_error(
        patch_json(client, f"{PATH}/{region.pk}", {"choices": ["south"]}, HTTP_IF_MATCH='"1"'), 400, "choices"
    )
    response = patch_json(client, f"{PATH}/{region.pk}", {"choices": ["north", "east"]}, HTTP_IF_MATCH='"1"')
    assert response.status_code == 200, response.content
    assert [c["value"] for c in response.json()["choices"]] == ["north", "east"]


def test_a_multi_choice_in_use_cannot_be_removed(api, org):
    client = api("admin")
    tags = post_json(
        client,
        PATH,
        {
            "object": "account",
            "key": "channels",
            "label": "C",
            "type": "multi_choice",
            "choices": ["web", "shop"],
        },
    ).json()
    AccountFactory(owner=org["rep1"], custom_fields={"channels": ["web"]})
    assert_error(
        patch_json(client, f"{PATH}/{tags['id']}", {"choices": ["shop"]}, HTTP_IF_MATCH='"1"'), 400, "choices"
    )
    assert (
        patch_json(client, f"{PATH}/{tags['id']}", {"choices": ["web"]}, HTTP_IF_MATCH='"1"').status_code
        == 200
    )


def test_list_filters_by_object(api, region):
    client = api("admin")
    post_json(client, PATH, {"object": "contact", "key": "hobby", "label": "Hobby", "type": "text"})
    assert [f["key"] for f in client.get(PATH).json()["items"]] == ["region", "hobby"]
    assert [f["key"] for f in client.get(PATH, {"object": "contact"}).json()["items"]] == ["hobby"]
    assert_error(client.get(PATH, {"object": "lead"}), 400, "object")


def test_list_query_count_is_fixed(api, region, django_assert_max_num_queries):
    client = api("rep1")
    client.get(PATH)
    with django_assert_max_num_queries(4):
        assert client.get(PATH).status_code == 200
