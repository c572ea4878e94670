"""Customer settings: GET/PATCH /api/v1/settings/customers and /admin/customer-settings/."""

from __future__ import annotations

import json

import pytest

from guanxi.customers.models import CustomerSettings
from tests.helpers import assert_error, patch_json, snapshot

# The API operations whose permission matrix is in this module (tests/test_api_matrix_coverage.py).
MATRIX_OPERATIONS = {
    "customer_settings_get",
    "customer_settings_update",
}

URL = "/api/v1/settings/customers"
PAGE = "/admin/customer-settings/"
PERSONAS = ("admin", "director", "manager1", "rep1", "rep2", "rep3", "agent1", "marketer1")


def row():
    return list(
        CustomerSettings.objects.values_list(
            "dormancy_days_a",
            "dormancy_days_b",
            "dormancy_days_c",
            "dormancy_days_other",
            "duplicate_mode",
            "version",
        )
    )


@pytest.fixture
def current(db):
    return CustomerSettings.load()


@pytest.mark.django_db
@pytest.mark.parametrize("persona", [*PERSONAS, "inactive", None])
def test_get_matrix(api, current, persona):
    response = api(persona).get(URL)
    if persona in (None, "inactive"):
        assert_error(response, 401)
        return
    assert response.status_code == 200
    assert response.json() == {
        "id": current.pk,
        "version": 1,
        "dormancy_days_a": 30,
        "dormancy_days_b": 60,
        "dormancy_days_c": 90,
        "dormancy_days_other": 90,
        "duplicate_mode": "warn",
        "updated_at": response.json()["updated_at"],
    }
    assert response["ETag"] == '"1"'


@pytest.mark.django_db
@pytest.mark.parametrize("persona", [*PERSONAS, "inactive", None])
def test_patch_matrix(api, current, persona):
    before = (snapshot(), row())
    response = patch_json(
        api(persona), URL, {"dormancy_days_a": 14, "duplicate_mode": "block"}, HTTP_IF_MATCH='"1"'
    )
    if persona == "admin":
        assert response.status_code == 200, response.content
        body = response.json()
        assert (
            body["dormancy_days_a"],
            body["dormancy_days_b"],
            body["duplicate_mode"],
            body["version"],
        ) == (14, 60, "block", 2)
        assert response["ETag"] == '"2"'
        assert row() == [(14, 60, 90, 90, "block", 2)]
        return
    assert_error(response, 401 if persona in (None, "inactive") else 403)
    assert (snapshot(), row()) == before


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"dormancy_days_a": 0}, "dormancy_days_a"),
        ({"dormancy_days_b": -5}, "dormancy_days_b"),
        ({"dormancy_days_c": 99999}, "dormancy_days_c"),
        ({"dormancy_days_other": 3651}, "dormancy_days_other"),
        ({"dormancy_days_a": "text"}, "dormancy_days_a"),
        ({"dormancy_days_a": 30.5}, "dormancy_days_a"),
        ({"dormancy_days_a": True}, "dormancy_days_a"),
        ({"dormancy_days_a": None}, "dormancy_days_a"),
        ({"dormancy_days_a": 10**40}, "dormancy_days_a"),
        ({"dormancy_days_a": "３０"}, "dormancy_days_a"),  # full-width digits are not ASCII digits
        ({"dormancy_days_a": "30; DROP TABLE x"}, "dormancy_days_a"),
        ({"dormancy_days_a": "a\x00"}, "dormancy_days_a"),
        ({"dormancy_days_a": [30]}, "dormancy_days_a"),
        ({"duplicate_mode": "ignore"}, "duplicate_mode"),
        ({"duplicate_mode": ""}, "duplicate_mode"),
        ({"duplicate_mode": "<script>"}, "duplicate_mode"),
        ({"version": 5}, "version"),
        ({"dormancy_days_x": 5}, "dormancy_days_x"),
    ],
)
def test_patch_bad_input(api, current, body, field):
    before = (snapshot(), row())
    assert_error(patch_json(api("admin"), URL, body, HTTP_IF_MATCH='"1"'), 400, field)
    assert (snapshot(), row()) == before


@pytest.mark.django_db
def test_patch_reports_every_bad_field_and_writes_none(api, current):
    response = patch_json(
        api("admin"),
        URL,
        {"dormancy_days_a": 0, "dormancy_days_b": 45, "duplicate_mode": "x"},
        HTTP_IF_MATCH='"1"',
    )
    error = assert_error(response, 400)
    assert set(error["fields"]) == {"dormancy_days_a", "duplicate_mode"}
    assert error["fields"]["dormancy_days_a"] == ["Enter a number from 1 to 3650."]
    assert row()[0][1] == 60


@pytest.mark.django_db
def test_patch_needs_current_version(api, current):
    client = api("admin")
    assert_error(patch_json(client, URL, {"dormancy_days_a": 10}), 428)
    assert_error(patch_json(client, URL, {"dormancy_days_a": 10}, HTTP_IF_MATCH='"7"'), 412)
    assert row()[0][0] == 30
    assert patch_json(client, URL, {"dormancy_days_a": 10}, HTTP_IF_MATCH='"1"').status_code == 200
    assert_error(patch_json(client, URL, {"dormancy_days_a": 11}, HTTP_IF_MATCH='"1"'), 412)  # now stale


@pytest.mark.django_db
def test_patch_accepts_bounds_and_is_audited(api, current):
    from guanxi.audit.models import AuditEvent

    response = patch_json(
        api("admin"), URL, {"dormancy_days_a": 1, "dormancy_days_other": 3650}, HTTP_IF_MATCH='"1"'
    )
    assert response.status_code == 200
    event = AuditEvent.objects.get(object_type="customer_settings")
    assert event.changes == {"dormancy_days_a": [30, 1], "dormancy_days_other": [90, 3650]}
    assert event.actor_label == "admin"


@pytest.mark.django_db
def test_dormancy_job_uses_new_thresholds(api, current, org):
    """The setting is what the job reads."""
    import datetime as dt

    from django.utils import timezone

    from guanxi.customers.models import Account, Health
    from guanxi.engagement.dormancy.services import dormancy_check
    from tests.factories import AccountFactory

    account = AccountFactory(owner=org["rep1"], tier="A")
    Account._base_manager.filter(pk=account.pk).update(last_contact_at=timezone.now() - dt.timedelta(days=8))
    assert patch_json(api("admin"), URL, {"dormancy_days_a": 6}, HTTP_IF_MATCH='"1"').status_code == 200
    dormancy_check(as_of=timezone.localdate())
    assert Account._base_manager.get(pk=account.pk).health == Health.DORMANT


# --- UI ---------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("persona", PERSONAS)
def test_page_matrix(web, current, persona):
    client = web(persona)
    response = client.get(PAGE)
    posted = client.post(
        PAGE,
        {
            "dormancy_days_a": "20",
            "dormancy_days_b": "60",
            "dormancy_days_c": "90",
            "dormancy_days_other": "90",
            "duplicate_mode": "block",
            "version": "1",
        },
    )
    if persona == "admin":
        assert response.status_code == 200
        assert b"Tier A" in response.content and b'name="duplicate_mode"' in response.content
        assert posted.status_code == 302
        assert row() == [(20, 60, 90, 90, "block", 2)]
    else:
        assert response.status_code == 403 and posted.status_code == 403
        assert row() == [(30, 60, 90, 90, "warn", 1)]


@pytest.mark.django_db
def test_page_shows_errors_beside_fields(web, current):
    response = web("admin").post(
        PAGE,
        {
            "dormancy_days_a": "0",
            "dormancy_days_b": "abc",
            "dormancy_days_c": "99999",
            "dormancy_days_other": "90",
            "duplicate_mode": "warn",
            "version": "1",
        },
    )
    assert response.status_code == 200
    assert response.content.count(b"Enter a number from 1 to 3650.") == 2
    assert b"Enter a whole number." in response.content
    assert row() == [(30, 60, 90, 90, "warn", 1)]


@pytest.mark.django_db
def test_page_stale_version(web, current, api):
    assert patch_json(api("admin"), URL, {"dormancy_days_a": 12}, HTTP_IF_MATCH='"1"').status_code == 200
    response = web("admin").post(
        PAGE,
        {
            "dormancy_days_a": "20",
            "dormancy_days_b": "60",
            "dormancy_days_c": "90",
            "dormancy_days_other": "90",
            "duplicate_mode": "warn",
            "version": "1",
        },
    )
    assert response.status_code == 200 and b"Someone else changed" in response.content
    assert row()[0][0] == 12


@pytest.mark.django_db
def test_sidebar_link_only_for_administrators(web, current):
    assert PAGE.encode() in web("admin").get("/").content
    assert PAGE.encode() not in web("director").get("/").content


def test_openapi_lists_settings(api, db):
    paths = json.loads(api("admin").get("/api/v1/openapi.json").content)["paths"]
    assert "/api/v1/settings/customers" in paths
