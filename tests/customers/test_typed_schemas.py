"""The request bodies of accounts, contacts, follow-ups, tasks and settings are typed in the OpenAPI
document (enums, integers, what is required), while the services keep their own messages and
report every bad field at once."""

from __future__ import annotations

import pytest

from tests.helpers import assert_error, patch_json, post_json

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def schemas():
    from guanxi.config.api import api

    return api.get_openapi_schema()["components"]["schemas"]


def _enum(prop: dict) -> list:
    return next(branch["enum"] for branch in [prop, *prop.get("anyOf", [])] if "enum" in branch)


def test_choices_are_documented_as_enums(schemas):
    assert _enum(schemas["AccountIn"]["properties"]["tier"]["anyOf"][0]) == ["A", "B", "C", ""]
    assert "it" in _enum(schemas["AccountPatch"]["properties"]["industry"])
    assert _enum(schemas["ActivityIn"]["properties"]["kind"])[0] == "call"
    assert "urgent" in _enum(schemas["TaskIn"]["properties"]["priority"])
    assert _enum(schemas["CustomerSettingsPatch"]["properties"]["duplicate_mode"]) == ["warn", "block"]
    assert _enum(schemas["LifecycleStageIn"]["properties"]["field"]) == [
        "lifecycle_stage",
        "relationship_level",
    ]
    assert _enum(schemas["ShareIn"]["properties"]["access"]) == ["read", "write"]
    assert schemas["CustomerSettingsPatch"]["properties"]["dormancy_days_a"]["type"] == "integer"


def test_required_fields_are_marked(schemas):
    assert schemas["AccountIn"]["required"] == ["name"]
    assert schemas["ContactIn"]["required"] == ["name"]
    assert schemas["ActivityIn"]["required"] == ["kind"]
    assert schemas["TaskIn"]["required"] == ["title"]
    assert "required" not in schemas["AccountPatch"]


def test_no_request_field_is_untyped(schemas):
    names = ["AccountIn", "AccountPatch", "ContactIn", "ContactPatch", "ActivityIn", "ActivityPatch"]
    names += ["TaskIn", "TaskPatch", "CustomerSettingsPatch", "LifecycleStageIn", "ExportJobIn"]
    for name in names:
        for field, prop in schemas[name]["properties"].items():
            if field == "custom_fields":  # any JSON value per key, checked against its definition
                continue
            assert "type" in prop or "anyOf" in prop or "$ref" in prop, (name, field)


def test_a_wrong_choice_keeps_the_services_message_beside_the_other_errors(api, org):
    error = assert_error(
        post_json(api("rep1"), "/api/v1/accounts", {"name": "", "tier": "Z", "industry": "spaceflight"}), 400
    )
    assert {"name", "tier", "industry"} <= set(error["fields"])
    assert error["fields"]["tier"][0].startswith("Choose one of")


@pytest.mark.parametrize("value", [[], {}, ["warn"]])
def test_a_list_or_an_object_for_a_choice_is_a_400(api, org, value):
    response = patch_json(
        api("admin"), "/api/v1/settings/customers", {"duplicate_mode": value}, HTTP_IF_MATCH='"1"'
    )
    assert_error(response, 400, "duplicate_mode")
    error = assert_error(post_json(api("rep1"), "/api/v1/activities", {"kind": value, "subject": "x"}), 400)
    assert "kind" in error["fields"]
