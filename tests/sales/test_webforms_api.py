"""/api/v1/lead-forms: shapes, validation, versions, recycle bin; the admin screens."""

from __future__ import annotations

import pytest

from tests.helpers import assert_error, patch_json, post_json

URL = "/api/v1/lead-forms"
BASE = {
    "name": "Expo 2026",
    "slug": "expo-2026",
    "fields": ["name", "company", "mobile", "email"],
    "consent_text": "I agree to be contacted.",
    "pool": None,
}


@pytest.mark.django_db
def test_create_with_plain_names_and_objects(api, org):
    from guanxi.audit.models import AuditEvent

    r = post_json(
        api("admin"),
        URL,
        {
            **BASE,
            "fields": [
                "name",
                {"name": "mobile", "required": True, "label_zh_hans": "手机", "label_en": "Cell"},
                "email",
            ],
            "title": {"en": "Expo", "zh-hans": "展会"},
            "success_message": "Thanks!",
            "source": "trade_show",
            "owner": "rep1",
        },
    )
    assert r.status_code == 201, r.content
    body = r.json()
    assert [(f["name"], f["required"], f["label"]) for f in body["fields"]] == [
        ("name", True, "Name"),
        ("mobile", True, "Cell"),
        ("email", False, "Email"),
    ]
    assert body["fields"][1]["labels"] == {"en": "Cell", "zh-hans": "手机", "zh-hant": ""}
    assert body["titles"] == {"en": "Expo", "zh-hans": "展会", "zh-hant": ""}
    assert body["consent_texts"]["zh-hant"] == "I agree to be contacted."
    assert (body["owner"]["username"], body["source"], body["active"], body["version"]) == (
        "rep1",
        "trade_show",
        True,
        1,
    )
    assert body["url"] == "http://testserver/f/expo-2026" and body["embed_url"].endswith("?embed=1")
    assert AuditEvent.objects.filter(object_type="lead_form", verb="create").count() == 1


BAD = [
    ({"slug": "Expo"}, "slug"),
    ({"slug": "expo_2026"}, "slug"),
    ({"slug": "-expo"}, "slug"),
    ({"slug": "expo--x"}, "slug"),
    ({"slug": "a" * 61}, "slug"),
    ({"slug": "<script>"}, "slug"),
    ({"slug": 7}, "slug"),
    ({"slug": ""}, "slug"),
    ({"fields": ["name", "owner"]}, "fields"),
    ({"fields": ["name", "score"]}, "fields"),
    ({"fields": ["company"]}, "fields"),
    ({"fields": []}, "fields"),
    ({"fields": "name,email"}, "fields"),
    ({"fields": ["name", "name"]}, "fields"),
    ({"fields": [{"name": "mobile", "required": "yes"}, "name"]}, "fields"),
    ({"fields": [{"name": "mobile", "colour": "red"}, "name"]}, "fields"),
    ({"fields": [{"name": "mobile", "label": "x" * 101}, "name"]}, "fields"),
    ({"fields": ["name", "email'; DROP TABLE x; --"]}, "fields"),
    ({"name": ""}, "name"),
    ({"name": "x" * 101}, "name"),
    ({"consent_text": "x" * 2001}, "consent_text.en"),
    ({"consent_text": {"fr": "oui"}}, "consent_text.fr"),
    ({"consent_text": 5}, "consent_text"),
    ({"title": {"en": ["x"]}}, "title.en"),
    ({"source": "carrier_pigeon"}, "source"),
    ({"pool": 999999}, "pool"),
    ({"pool": "1"}, "pool"),
    ({"owner": "nobody"}, "owner"),
    ({"owner": "inactive"}, "owner"),
    ({"active": "yes"}, "active"),
    ({"submissions": 5}, "submissions"),
    ({"created_by": "rep1"}, "created_by"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("change", "field"), BAD)
def test_bad_forms_are_400_naming_the_field(api, org, change, field):
    from guanxi.sales.models import LeadForm

    assert_error(post_json(api("admin"), URL, {**BASE, **change}), 400, field)
    assert LeadForm._base_manager.count() == 0


@pytest.mark.django_db
def test_missing_required_fields(api, org):
    error = assert_error(post_json(api("admin"), URL, {"consent_text": "x"}), 400)
    assert {"name", "slug", "fields"} <= set(error["fields"])


@pytest.mark.django_db
def test_slug_unique_also_against_binned_forms(api, org):
    client = api("admin")
    first = post_json(client, URL, BASE).json()
    assert_error(post_json(client, URL, {**BASE, "name": "Other"}), 400, "slug")
    assert client.delete(f"{URL}/{first['id']}", HTTP_IF_MATCH='"1"').status_code == 204
    assert_error(post_json(client, URL, {**BASE, "name": "Other"}), 400, "slug")
    other = post_json(client, URL, {**BASE, "slug": "other"}).json()
    assert_error(
        patch_json(client, f"{URL}/{other['id']}", {"slug": "expo-2026"}, HTTP_IF_MATCH='"1"'), 400, "slug"
    )


@pytest.mark.django_db
def test_pool_or_owner_not_both_and_lead_pools_only(api, org):
    from guanxi.sales.models import Pool

    lead_pool = Pool.objects.create(name="线索池", kind=Pool.Kind.LEAD)
    customers = Pool.objects.create(name="客户公海", kind=Pool.Kind.CUSTOMER)
    client = api("admin")
    assert_error(post_json(client, URL, {**BASE, "pool": customers.pk}), 400, "pool")
    assert_error(post_json(client, URL, {**BASE, "pool": lead_pool.pk, "owner": "rep1"}), 400, "pool")
    body = post_json(client, URL, {**BASE, "pool": lead_pool.pk}).json()
    assert body["pool"] == lead_pool.pk
    assert_error(
        patch_json(client, f"{URL}/{body['id']}", {"owner": "rep1"}, HTTP_IF_MATCH='"1"'), 400, "pool"
    )
    r = patch_json(client, f"{URL}/{body['id']}", {"owner": "rep1", "pool": None}, HTTP_IF_MATCH='"1"')
    assert r.status_code == 200 and r.json()["owner"]["username"] == "rep1" and r.json()["pool"] is None


@pytest.mark.django_db
def test_update_versions_delete_and_restore(api, org):
    client = api("admin")
    body = post_json(client, URL, BASE).json()
    url = f"{URL}/{body['id']}"
    assert client.get(url)["ETag"] == '"1"'
    assert_error(patch_json(client, url, {"name": "New"}), 428)
    assert_error(patch_json(client, url, {"name": "New"}, HTTP_IF_MATCH='"5"'), 412)
    r = patch_json(client, url, {"name": "New", "fields": ["email", "name"]}, HTTP_IF_MATCH='"1"')
    assert r.status_code == 200 and r["ETag"] == '"2"'
    assert [f["name"] for f in r.json()["fields"]] == ["email", "name"]
    same = patch_json(client, url, {"name": "New"}, HTTP_IF_MATCH='"2"')
    assert same.json()["version"] == 2  # nothing changed: no new version
    assert_error(client.delete(url), 428)
    assert client.delete(url, HTTP_IF_MATCH='"2"').status_code == 204
    assert_error(client.get(url), 404)
    assert client.get("/f/expo-2026").status_code == 404
    assert [f["id"] for f in client.get(f"{URL}/recycle-bin").json()["items"]] == [body["id"]]
    assert client.get(URL).json()["items"] == []
    r = client.post(f"{url}/restore")
    assert r.status_code == 200 and r.json()["deleted_at"] is None and r.json()["version"] == 4
    assert_error(client.post(f"{url}/restore"), 404)
    assert client.get("/f/expo-2026").status_code == 200


@pytest.mark.django_db
def test_list_pages_and_query_count(api, org, django_assert_max_num_queries):
    client = api("admin")
    for i in range(7):
        post_json(client, URL, {**BASE, "name": f"Form {i}", "slug": f"form-{i}", "owner": "rep1"})
    with django_assert_max_num_queries(6):
        first = client.get(f"{URL}?limit=5").json()
    assert [f["name"] for f in first["items"]] == [f"Form {i}" for i in range(5)] and first["next_cursor"]
    second = client.get(f"{URL}?limit=5&cursor={first['next_cursor']}").json()
    assert [f["name"] for f in second["items"]] == ["Form 5", "Form 6"] and second["next_cursor"] is None
    assert len(client.get(f"{URL}?q=form-3").json()["items"]) == 1
    assert_error(client.get(f"{URL}?ordering=password"), 400, "ordering")
    assert_error(client.get(f"{URL}?cursor=garbage"), 400)


@pytest.mark.django_db
def test_admin_screens_build_a_form_and_show_the_snippets(web, org):
    from guanxi.sales.models import LeadForm

    client = web("admin")
    assert client.get("/admin/lead-forms/").status_code == 200
    assert client.get("/admin/lead-forms/new/").status_code == 200
    data = {
        "name": "Expo",
        "slug": "expo",
        "source": "trade_show",
        "pool": "",
        "owner": "",
        "active": "on",
        "o_name": "2",
        "f_company": "on",
        "o_company": "3",
        "f_mobile": "on",
        "r_mobile": "on",
        "o_mobile": "1",
        "l_mobile_zh_hans": "手机",
        "title_en": "Meet us",
        "consent_text_en": "I agree.",
        "consent_text_zh_hans": "我同意。",
        "success_message_en": "Thanks",
    }
    r = client.post("/admin/lead-forms/new/", data)
    assert r.status_code == 302, r.content.decode()[:3000]
    form = LeadForm.objects.get()
    assert [(f["name"], f["required"]) for f in form.fields] == [
        ("mobile", True),
        ("name", True),
        ("company", False),
    ]
    assert form.fields[0]["label_zh_hans"] == "手机" and form.consent_text_zh_hans == "我同意。"
    page = client.get(f"/admin/lead-forms/{form.pk}/").content.decode()
    assert (
        "http://testserver/f/expo" in page
        and "&lt;iframe src=&quot;http://testserver/f/expo?embed=1&quot;" in page
    )
    assert "&lt;form method=&quot;post&quot; action=&quot;http://testserver/f/expo&quot;" in page
    assert "name=&quot;mobile&quot; required" in page and "name=&quot;website&quot;" in page
    assert "data-gx-copy" in page and "style=" not in page
    r = client.post(f"/admin/lead-forms/{form.pk}/", {**data, "slug": "Bad Slug", "version": form.version})
    assert r.status_code == 200 and "Use lower-case letters" in r.content.decode()
    r = client.post(
        f"/admin/lead-forms/{form.pk}/", {**data, "version": form.version - 1 if form.version > 1 else 99}
    )
    assert r.status_code == 200 and "Someone else changed" in r.content.decode()
    assert client.post(f"/admin/lead-forms/{form.pk}/delete/", {"version": form.version}).status_code == 302
    assert "Expo" in client.get("/admin/lead-forms/?deleted=1").content.decode()
    assert client.post(f"/admin/lead-forms/{form.pk}/restore/").status_code == 302
    for persona in ("director", "manager1", "rep1", "marketer1"):
        assert web(persona).get("/admin/lead-forms/").status_code == 403
        assert web(persona).post("/admin/lead-forms/new/", data).status_code == 403
    assert LeadForm.objects.count() == 1
