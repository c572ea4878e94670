"""Custom fields in the UI: the administrators' screens, the account and contact forms, the
detail pages' key facts in the user's language, list columns and filters."""

from __future__ import annotations

import re

import pytest

from guanxi.custom_fields import selectors
from guanxi.custom_fields import services as cf
from guanxi.custom_fields.models import CustomFieldDef
from guanxi.customers.models import Account, Contact
from tests.factories import AccountFactory, ContactFactory

pytestmark = pytest.mark.django_db

REGIONS = [
    {"value": "north", "label": {"en": "North", "zh-hans": "华北", "zh-hant": "華北"}},
    {"value": "south", "label": {"en": "South", "zh-hans": "华南", "zh-hant": "華南"}},
]


def define(org, key, kind, object_type="account", **extra) -> CustomFieldDef:
    data = {
        "object": object_type,
        "key": key,
        "type": kind,
        "label": {"en": f"{key.title()} EN", "zh-hans": f"{key}中文", "zh-hant": f"{key}繁體"},
        **extra,
    }
    return cf.custom_field_create(actor=org["admin"], data=data)


@pytest.fixture
def fields(org):
    return {
        "region": define(org, "region", "choice", choices=REGIONS, required=True),
        "staff": define(org, "staff", "number", help_text="Head count"),
        "channels": define(org, "channels", "multi_choice", choices=["web", "shop"]),
        "vip": define(org, "vip", "boolean"),
        "motto": define(org, "motto", "text"),
        "story": define(org, "story", "long_text"),
        "site": define(org, "site", "url"),
        "founded": define(org, "founded", "date"),
    }


def _field_block(html: str, name: str) -> str:
    """The HTML of one input's column in the form (input, error and help)."""
    start = html.index(f'name="{name}"')
    end = html.find('<div class="col', start)
    return html[html.rfind('<div class="col', 0, start) : end if end > 0 else None]


# --- admin screens --------------------------------------------------------------------------------

ADMIN_PAGES = [
    "/admin/custom-fields/",
    "/admin/custom-fields/?object=contact",
    "/admin/custom-fields/new/",
    "/admin/custom-fields/{id}/",
]


@pytest.mark.parametrize("persona", ["admin", "director", "manager1", "rep1", "agent1", "marketer1"])
def test_admin_screens_are_for_administrators(web, fields, persona):
    client = web(persona)
    region = fields["region"]
    before = list(
        CustomFieldDef.objects.order_by("id").values_list("id", "version", "label_en", "active", "order")
    )
    for url in ADMIN_PAGES:
        assert client.get(url.format(id=region.pk)).status_code == (200 if persona == "admin" else 403), url
    if persona != "admin":
        posts = [
            ("/admin/custom-fields/new/", {"object": "account", "key": "x", "type": "text", "label_en": "X"}),
            (f"/admin/custom-fields/{region.pk}/", {"type": "choice", "label_en": "Hacked", "version": "1"}),
            (f"/admin/custom-fields/{region.pk}/archive/", {"version": "1"}),
            (f"/admin/custom-fields/{region.pk}/move/", {"direction": "down"}),
        ]
        for url, data in posts:
            assert client.post(url, data).status_code == 403, url
        after = list(
            CustomFieldDef.objects.order_by("id").values_list("id", "version", "label_en", "active", "order")
        )
        assert after == before


def test_anonymous_is_sent_to_sign_in(client, fields):
    response = client.get("/admin/custom-fields/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_sidebar_links_the_screen_for_administrators_only(web, org):
    assert 'href="/admin/custom-fields/"' in web("admin").get("/").content.decode()
    assert 'href="/admin/custom-fields/"' not in web("director").get("/").content.decode()


def test_admin_creates_a_choice_field_with_the_choices_editor(web, org):
    client = web("admin")
    response = client.post(
        "/admin/custom-fields/new/",
        {
            "object": "contact",
            "key": "level",
            "type": "choice",
            "label_en": "Level",
            "label_zh_hans": "级别",
            "label_zh_hant": "級別",
            "choices": "gold | Gold | 金牌 | 金牌\nsilver | Silver\n\nbronze",
            "help_en": "Loyalty level",
            "required": "on",
            "active": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    defn = CustomFieldDef.objects.get(object_type="contact", key="level")
    assert (defn.label_zh_hans, defn.required, defn.active, defn.help_en) == (
        "级别",
        True,
        True,
        "Loyalty level",
    )
    assert defn.choices == [
        {"value": "gold", "label_en": "Gold", "label_zh_hans": "金牌", "label_zh_hant": "金牌"},
        {"value": "silver", "label_en": "Silver", "label_zh_hans": "", "label_zh_hant": ""},
        {"value": "bronze", "label_en": "bronze", "label_zh_hans": "bronze", "label_zh_hant": "bronze"},
    ]
    html = client.get("/admin/custom-fields/?object=contact").content.decode()
    assert "Level" in html and "<code>level</code>" in html
    # the edit form shows the choices as they were typed
    html = client.get(f"/admin/custom-fields/{defn.pk}/").content.decode()
    assert "gold | Gold | 金牌 | 金牌" in html and 'name="key"' not in html


def test_admin_form_shows_service_errors_beside_the_fields(web, org):
    client = web("admin")
    response = client.post(
        "/admin/custom-fields/new/",
        {"object": "account", "key": "Bad Key", "type": "choice", "label_en": "x" * 101, "choices": "a\na"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "lower-case letters" in _field_block(html, "key")
    assert "at most 100 characters" in _field_block(html, "label_en")
    assert not CustomFieldDef.objects.exists()
    response = client.post(
        "/admin/custom-fields/new/",
        {"object": "account", "key": "ok", "type": "choice", "label_en": "OK", "choices": "a\na"},
    )
    assert "Line 2" in _field_block(response.content.decode(), "choices")


def test_admin_edits_archives_and_moves(web, fields, org):
    client = web("admin")
    region, staff = fields["region"], fields["staff"]
    response = client.post(
        f"/admin/custom-fields/{staff.pk}/",
        {
            "type": "number",
            "label_en": "Employees",
            "version": str(staff.version),
            "order": "1",
            "active": "on",
        },
    )
    assert response.status_code == 302
    staff.refresh_from_db()
    assert (staff.label_en, staff.version) == ("Employees", 2)
    # a stale version is a conflict, shown on the form
    response = client.post(
        f"/admin/custom-fields/{staff.pk}/",
        {"type": "number", "label_en": "Stale", "version": "1", "active": "on"},
    )
    assert response.status_code == 200 and "Someone else changed" in response.content.decode()
    assert client.post(f"/admin/custom-fields/{region.pk}/archive/", {"version": "1"}).status_code == 302
    region.refresh_from_db()
    assert region.active is False
    keys = [d.key for d in selectors.definitions("account", include_archived=True)]
    client.post(f"/admin/custom-fields/{fields['vip'].pk}/move/", {"direction": "up"})
    moved = [d.key for d in selectors.definitions("account", include_archived=True)]
    i = keys.index("vip")
    assert moved[i - 1] == "vip" and moved[i] == keys[i - 1]


# --- account and contact forms ----------------------------------------------------------------------


def test_create_an_account_with_custom_fields(web, fields):
    client = web("rep1")
    html = client.get("/customers/accounts/new/").content.decode()
    for name in ("cf_region", "cf_staff", "cf_channels", "cf_vip", "cf_story", "cf_founded"):
        assert f'name="{name}"' in html, name
    assert html.count('name="cf_region"') == 1  # rendered once
    assert "Head count" in html and 'type="date"' in html and 'type="number"' in html
    response = client.post(
        "/customers/accounts/new/",
        {
            "name": "自定义字段有限公司",
            "cf_region": "south",
            "cf_staff": "42",
            "cf_channels": ["shop", "web"],
            "cf_vip": "true",
            "cf_motto": "<b>诚信</b>",
            "cf_story": "一\n二",
            "cf_site": "",
            "cf_founded": "2020-01-31",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    account = Account.objects.get(name="自定义字段有限公司")
    assert account.custom_fields == {
        "region": "south",
        "staff": 42,
        "channels": ["web", "shop"],
        "vip": True,
        "motto": "<b>诚信</b>",
        "story": "一\n二",
        "founded": "2020-01-31",
    }


def test_form_errors_appear_beside_the_custom_field(web, fields):
    client = web("rep1")
    response = client.post("/customers/accounts/new/", {"name": "", "cf_staff": "many", "cf_region": ""})
    assert response.status_code == 200
    html = response.content.decode()
    assert "whole number" in _field_block(html, "cf_staff")
    assert "This field is required." in _field_block(html, "cf_region")
    assert 'is-invalid" type="number" name="cf_staff"' in html
    assert not Account.objects.exists()


def test_edit_form_shows_the_values_and_saves_changes(web, fields, org):
    account = AccountFactory(
        owner=org["rep1"], custom_fields={"region": "north", "staff": 7, "vip": False, "channels": ["web"]}
    )
    client = web("rep1")
    html = client.get(f"/customers/accounts/{account.pk}/edit/").content.decode()
    assert re.search(r'<option value="north" selected>', html)
    assert 'name="cf_staff" id="id_cf_staff" value="7"' in html
    assert re.search(r'<option value="false" selected>', html)
    assert re.search(r'name="cf_channels" value="web" id="[^"]+" checked', html)
    response = client.post(
        f"/customers/accounts/{account.pk}/edit/",
        {
            "name": account.name,
            "industry": account.industry,
            "tier": account.tier,
            "version": "1",
            "cf_region": "north",
            "cf_staff": "",
            "cf_vip": "true",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    account.refresh_from_db()
    assert account.custom_fields == {"region": "north", "vip": True}  # emptied inputs removed their values


def test_archived_values_survive_a_form_edit(web, fields, org):
    motto = fields["motto"]
    account = AccountFactory(owner=org["rep1"], custom_fields={"region": "north", "motto": "旧"})
    cf.custom_field_archive(actor=org["admin"], field=motto, version=motto.version)
    client = web("rep1")
    assert 'name="cf_motto"' not in client.get(f"/customers/accounts/{account.pk}/edit/").content.decode()
    client.post(
        f"/customers/accounts/{account.pk}/edit/", {"name": "新名字", "version": "1", "cf_region": "south"}
    )
    account.refresh_from_db()
    assert account.custom_fields == {"region": "south", "motto": "旧"}


def test_contact_form_has_its_own_fields(web, org):
    define(org, "birthday", "date", object_type="contact")
    define(org, "region", "choice", choices=REGIONS)
    client = web("rep1")
    html = client.get("/customers/contacts/new/").content.decode()
    assert 'name="cf_birthday"' in html and 'name="cf_region"' not in html
    response = client.post("/customers/contacts/new/", {"name": "王小明", "cf_birthday": "1990-02-30"})
    assert "does not exist" in _field_block(response.content.decode(), "cf_birthday")
    client.post("/customers/contacts/new/", {"name": "王小明", "cf_birthday": "1990-02-28"})
    assert Contact.objects.get(name="王小明").custom_fields == {"birthday": "1990-02-28"}


# --- detail pages -----------------------------------------------------------------------------------


def test_detail_shows_values_in_the_users_language(web, fields, org):
    account = AccountFactory(
        owner=org["rep1"],
        custom_fields={
            "region": "north",
            "channels": ["web", "shop"],
            "vip": True,
            "motto": "<img src=x onerror=alert(1)>",
            "story": "第一行\n<script>x</script>",
            "site": "https://example.cn/a?b=1&c=2",
            "staff": 12,
        },
    )
    client = web("rep1")
    html = client.get(f"/customers/accounts/{account.pk}/").content.decode()
    facts = html[html.index('<dl class="gx-facts">') : html.index("</dl>")]
    assert re.search(r"<dt>Region EN</dt><dd[^>]*>North</dd>", facts)
    assert re.search(r"<dt>Vip EN</dt><dd[^>]*>Yes</dd>", facts)
    assert re.search(r"<dt>Founded EN</dt><dd[^>]*>—</dd>", facts)  # every active field, empty ones too
    assert "<img src=x" not in html and "&lt;img src=x onerror=alert(1)&gt;" in facts
    assert "<script>x</script>" not in html and "第一行<br>&lt;script&gt;" in facts
    assert 'href="https://example.cn/a?b=1&amp;c=2" rel="noopener noreferrer"' in facts
    from django.conf import settings

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    html = client.get(f"/customers/accounts/{account.pk}/").content.decode()
    facts = html[html.index('<dl class="gx-facts">') : html.index("</dl>")]
    assert re.search(r"<dt>region中文</dt><dd[^>]*>华北</dd>", facts)
    assert "Region EN" not in facts


def test_detail_hides_archived_fields(web, fields, org):
    account = AccountFactory(owner=org["rep1"], custom_fields={"region": "north", "motto": "旧"})
    motto = fields["motto"]
    cf.custom_field_archive(actor=org["admin"], field=motto, version=motto.version)
    html = web("rep1").get(f"/customers/accounts/{account.pk}/").content.decode()
    facts = html[html.index('<dl class="gx-facts">') : html.index("</dl>")]
    assert "Motto EN" not in facts and "Region EN" in facts
    # the field history still names the archived field its values were recorded under
    history = html[html.index('class="gx-history') :]
    assert "Motto EN" in history


def test_contact_detail_shows_its_fields(web, org):
    define(org, "hobby", "text", object_type="contact")
    contact = ContactFactory(owner=org["rep1"], custom_fields={"hobby": "围棋"})
    html = web("rep1").get(f"/customers/contacts/{contact.pk}/").content.decode()
    assert re.search(r"<dt>Hobby EN</dt><dd[^>]*>围棋</dd>", html)


def test_detail_query_count_is_fixed(web, fields, org, django_assert_max_num_queries):
    define(org, "sponsor", "user")
    account = AccountFactory(owner=org["rep1"], custom_fields={"region": "north", "sponsor": "rep2"})
    client = web("rep1")
    client.get(f"/customers/accounts/{account.pk}/")
    with django_assert_max_num_queries(40) as baseline:
        html = client.get(f"/customers/accounts/{account.pk}/").content.decode()
    assert str(org["rep2"]) in html
    n = len(baseline.captured_queries)
    for i in range(5):
        define(org, f"user{i}", "user")
    with django_assert_max_num_queries(n):
        client.get(f"/customers/accounts/{account.pk}/")


# --- lists ------------------------------------------------------------------------------------------


def test_list_columns_and_filters(web, fields, org):
    AccountFactory(
        owner=org["rep1"], name="北方公司", custom_fields={"region": "north", "channels": ["web"], "staff": 5}
    )
    AccountFactory(owner=org["rep1"], name="南方公司", custom_fields={"region": "south", "vip": True})
    client = web("rep1")
    html = client.get(
        "/customers/accounts/", {"cols": ["cf_region", "cf_channels", "owner"]}
    ).content.decode()
    assert 'value="cf_region"' in html and "Region EN</th>" in html
    assert re.search(r'<td data-label="Region EN">North</td>', html)
    assert '<span class="gx-badge">web</span>' in html
    # the filter selects
    assert 'name="cf_region"' in html and 'name="cf_vip"' in html and 'name="cf_staff"' not in html
    html = client.get("/customers/accounts/", {"cf_region": "south"}).content.decode()
    assert "南方公司" in html and "北方公司" not in html
    html = client.get("/customers/accounts/", {"cf_region": "west"}).content.decode()
    assert "Choose one of: north, south." in html
    html = client.get("/customers/accounts/", {"cf_region": "north", "cf_vip": "true"}).content.decode()
    assert "No accounts match" in html


def test_list_query_count_does_not_grow_with_rows(web, fields, org, django_assert_max_num_queries):
    client = web("rep1")
    AccountFactory(owner=org["rep1"], custom_fields={"region": "north"})
    client.get("/customers/accounts/", {"cols": ["cf_region", "cf_channels", "cf_vip"]})
    with django_assert_max_num_queries(30) as few:
        client.get("/customers/accounts/", {"cf_region": "north"})
    for i in range(10):
        AccountFactory(owner=org["rep1"], custom_fields={"region": "north", "vip": bool(i % 2)})
    with django_assert_max_num_queries(len(few.captured_queries)):
        html = client.get("/customers/accounts/", {"cf_region": "north"}).content.decode()
    assert html.count('data-testid="account-row"') == 11
