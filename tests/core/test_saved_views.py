"""Saved views (core/saved_views.py): private and shared, validated against the list, API and UI."""

from __future__ import annotations

import pytest

from guanxi.core import saved_views
from guanxi.core.models import SavedView
from tests.helpers import assert_error, patch_json, post_json

# The API operations whose permission matrix is in this module (tests/test_api_matrix_coverage.py).
MATRIX_OPERATIONS = {
    "saved_view_list",
    "saved_view_create",
    "saved_view_get",
    "saved_view_update",
    "saved_view_delete",
}

PATH = "/api/v1/saved-views"
QUERY = {
    "q": "科技",
    "filters": {"tier": "A", "industry": "it"},
    "columns": ["tier", "owner"],
    "ordering": "-name",
}


def view(user, name="A 级", shared=False, object_type="account", query=None):
    return saved_views.saved_view_create(
        actor=user, object_type=object_type, name=name, query=query or QUERY, shared=shared
    )


def state() -> list:
    return list(SavedView.objects.order_by("id").values_list("id", "version", "name", "shared", "query"))


def test_private_views_are_their_creators_and_shared_ones_everyones(org, api):
    mine = view(org["rep1"], "我的")
    shared = view(org["rep1"], "共享", shared=True)
    view(org["rep1"], "联系人", object_type="contact", query={"filters": {"has_email": "1"}})
    names = lambda persona, **q: [v["name"] for v in api(persona).get(PATH, q).json()["items"]]  # noqa: E731
    assert names("rep1", object="account") == ["共享", "我的"]
    assert names("rep2", object="account") == ["共享"]
    assert names("admin") == ["共享"]
    assert_error(api("rep2").get(f"{PATH}/{mine.pk}"), 404)
    body = api("rep2").get(f"{PATH}/{shared.pk}").json()
    assert body["mine"] is False and body["owner"] == "rep1" and body["version"] == 1
    assert (
        body["querystring"] == "q=%E7%A7%91%E6%8A%80&industry=it&tier=A&ordering=-name&cols=tier&cols=owner"
    )


@pytest.mark.parametrize(
    "persona,status", [("rep1", 200), ("admin", 200), ("rep2", 403), ("director", 403), ("marketer1", 403)]
)
def test_shared_views_are_edited_by_their_creator_or_an_administrator(org, api, persona, status):
    shared = view(org["rep1"], shared=True)
    before = state()
    response = patch_json(api(persona), f"{PATH}/{shared.pk}", {"name": "改名"}, HTTP_IF_MATCH='"1"')
    assert response.status_code == status, response.content
    if status == 200:
        assert response.json()["name"] == "改名" and response["ETag"] == '"2"'
    else:
        assert_error(response, 403)
        assert state() == before
        assert_error(api(persona).delete(f"{PATH}/{shared.pk}", HTTP_IF_MATCH='"1"'), 403)
        assert state() == before


@pytest.mark.parametrize(
    "persona", ["rep1", "rep2", "rep3", "manager1", "director", "admin", "agent1", "marketer1"]
)
def test_permission_matrix_on_a_private_view(org, api, persona):
    private = view(org["rep1"])
    before = state()
    client = api(persona)
    ops = {
        "get": lambda: client.get(f"{PATH}/{private.pk}"),
        "patch": lambda: patch_json(client, f"{PATH}/{private.pk}", {"shared": True}, HTTP_IF_MATCH='"1"'),
        "delete": lambda: client.delete(
            f"{PATH}/{private.pk}", HTTP_IF_MATCH='"2"' if persona == "rep1" else '"1"'
        ),  # rep1's patch bumped it
    }
    for op, call in ops.items():
        response = call()
        if persona == "rep1":
            assert response.status_code in (200, 204), (op, response.content)
        else:
            assert_error(response, 404)
            assert state() == before


def test_unauthenticated_401(org, api):
    assert_error(api(None).get(PATH), 401)
    assert_error(post_json(api(None), PATH, {"object": "account", "name": "x", "query": {}}), 401)


def test_create_update_delete_with_versions(org, api):
    client = api("rep2")
    response = post_json(
        client,
        PATH,
        {"object": "contact", "name": " 有邮箱 ", "query": {"filters": {"has_email": "1"}}, "shared": True},
        HTTP_IDEMPOTENCY_KEY="k1",
    )
    assert response.status_code == 201, response.content
    created = response.json()
    assert (created["name"], created["shared"], created["version"]) == ("有邮箱", True, 1)
    assert (
        post_json(
            client,
            PATH,
            {
                "object": "contact",
                "name": " 有邮箱 ",
                "query": {"filters": {"has_email": "1"}},
                "shared": True,
            },
            HTTP_IDEMPOTENCY_KEY="k1",
        ).json()["id"]
        == created["id"]
    )
    url = f"{PATH}/{created['id']}"
    assert_error(patch_json(client, url, {"name": "x"}), 428)
    assert_error(patch_json(client, url, {"name": "x"}, HTTP_IF_MATCH='"7"'), 412)
    assert (
        patch_json(client, url, {"query": {"ordering": "name"}}, HTTP_IF_MATCH='"1"').json()["version"] == 2
    )
    assert_error(client.delete(url, HTTP_IF_MATCH='"1"'), 412)
    assert client.delete(url, HTTP_IF_MATCH='"2"').status_code == 204
    assert not SavedView.objects.exists()


@pytest.mark.parametrize(
    "payload,field",
    [
        ({"object": "lead", "name": "x", "query": {}}, "object"),
        ({"object": "account", "name": "", "query": {}}, "name"),
        ({"object": "account", "name": "x" * 101, "query": {}}, "name"),
        ({"object": "account", "name": "x", "query": {"filters": {"password": "1"}}}, "query.filters"),
        ({"object": "account", "name": "x", "query": {"filters": {"tier": ["A"]}}}, "query.filters"),
        ({"object": "account", "name": "x", "query": {"filters": "tier=A"}}, "query.filters"),
        ({"object": "account", "name": "x", "query": {"columns": ["secret"]}}, "query.columns"),
        ({"object": "account", "name": "x", "query": {"ordering": "owner__password"}}, "query.ordering"),
        ({"object": "account", "name": "x", "query": {"q": "x" * 201}}, "query.q"),
        ({"object": "account", "name": "x", "query": {"sql": "DROP"}}, "query"),
        ({"object": "account", "name": "x", "query": {}, "user": "rep2"}, "user"),
        ({"object": "account", "name": "x", "query": {}, "shared": "yes"}, "shared"),
        ({"object": "account", "name": 5, "query": {}}, "name"),
    ],
)
def test_bad_input_is_400_naming_the_field(org, api, payload, field):
    assert_error(post_json(api("rep1"), PATH, payload), 400, field)
    assert not SavedView.objects.exists()


def test_markup_in_a_name_is_text(org, web):
    view(org["rep1"], "<script>alert(1)</script>")
    page = web("rep1").get("/customers/accounts/").content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert(1)" not in page


def test_ui_save_apply_and_delete(org, web):
    client = web("rep1")
    response = client.post(
        "/saved-views/",
        {
            "object_type": "account",
            "name": "A 级客户",
            "shared": "on",
            "query": "tier=A&q=%E7%A7%91&cursor=abc",
            "cols": ["tier", "phone"],
        },
    )
    saved = SavedView.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/saved-views/{saved.pk}/"
    assert saved.query == {"q": "科", "filters": {"tier": "A"}, "columns": ["tier", "phone"], "ordering": ""}
    assert saved.shared and saved.user == org["rep1"]
    applied = client.get(f"/saved-views/{saved.pk}/")
    assert applied["Location"] == "/customers/accounts/?q=%E7%A7%91&tier=A&cols=tier&cols=phone"
    page = client.get("/customers/accounts/").content.decode()
    assert "A 级客户" in page and f'action="/saved-views/{saved.pk}/delete/"' in page
    other = web("rep2").get("/customers/accounts/").content.decode()
    assert "A 级客户" in other and f"/saved-views/{saved.pk}/delete/" not in other
    assert web("rep2").post(f"/saved-views/{saved.pk}/delete/", {"version": "1"}).status_code == 302
    assert SavedView.objects.exists()  # refused: not the creator
    assert client.post(f"/saved-views/{saved.pk}/delete/", {"version": "1"}).status_code == 302
    assert not SavedView.objects.exists()


def test_ui_bad_view_goes_back_with_a_message(org, web):
    response = web("rep1").post(
        "/saved-views/", {"object_type": "account", "name": "", "query": "tier=A"}, follow=True
    )
    assert "This field is required." in response.content.decode()
    assert not SavedView.objects.exists()
    assert web("rep2").get("/saved-views/999/").status_code == 404


def test_list_page_query_count(org, web, django_assert_max_num_queries):
    for i in range(5):
        view(org["rep1"], f"视图{i}", shared=bool(i % 2))
    client = web("rep2")
    client.get("/customers/accounts/")
    with django_assert_max_num_queries(25):
        client.get("/customers/accounts/")
