"""The duplicate check (customers/duplicates/selectors.py): what matches, what the caller learns, block mode."""

from __future__ import annotations

import pytest

from guanxi.core.validators import uscc_check_char
from guanxi.customers.directory import services
from guanxi.customers.duplicates import selectors as duplicates
from guanxi.customers.models import Account, Contact, CustomerSettings
from tests.helpers import assert_error, patch_json, post_json, snapshot

# The API operations whose permission matrix is in this module (tests/test_api_matrix_coverage.py).
MATRIX_OPERATIONS = {
    "duplicate_check",
}

CHECK = "/api/v1/duplicates/check"


def make_uscc(body: str = "91330106MA2CFX0Q0") -> str:
    return body + uscc_check_char(body)


def account(owner, name="上海西湖科技有限公司", **data) -> Account:
    return services.account_create(actor=owner, data={"name": name, **data})


def contact(owner, name="王小明", **data) -> Contact:
    return services.contact_create(actor=owner, data={"name": name, **data})


def names(matches) -> list[str]:
    return [m.display_name for m in matches]


@pytest.fixture
def block_mode(db):
    settings = CustomerSettings.load()
    settings.duplicate_mode = CustomerSettings.DuplicateMode.BLOCK
    settings.save()
    return settings


# --- what matches -----------------------------------------------------------------------------


def test_same_uscc_matches_and_the_owner_sees_the_id(org):
    uscc = make_uscc()
    a = account(org["rep1"], uscc=uscc)
    [m] = duplicates.check(org["rep1"], "account", uscc=uscc.lower())
    assert (m.id, m.reason, m.display_name) == (a.pk, "uscc", "上海西湖科技有限公司")
    assert m.owner == {"username": "rep1", "display_name": str(org["rep1"])}


def test_invisible_record_shows_its_owner_and_no_name_nor_id(org):
    """A rep must learn that the customer is someone's already (and whose, to talk to them),
    not its name: else a number guessed from a masked one (159****9689) would say whose it is."""
    uscc = make_uscc()
    account(org["rep1"], uscc=uscc, phone="13800138000", address="秘密地址")
    [m] = duplicates.check(org["rep2"], "account", uscc=uscc)
    assert m.id is None and m.reason == "uscc" and m.owner["username"] == "rep1"
    assert m.display_name == "上***" and not m.in_pool  # the first character, as masking.mask_text
    assert set(m.as_dict()) == {"id", "display_name", "reason", "owner", "in_pool"}
    assert "上海西湖" not in str(m.as_dict())


def test_a_pooled_record_says_it_is_in_a_pool_without_its_name(org):
    from tests.sales.test_pools_rules import make_pool

    a = account(org["rep1"], phone="13800138000")
    Account._base_manager.filter(pk=a.pk).update(owner=None, pool=make_pool(org["admin"]))
    [m] = duplicates.check(org["rep2"], "account", phone="13800138000")
    assert m.as_dict() == {
        "id": None,
        "display_name": "上***",
        "reason": "phone",
        "owner": None,
        "in_pool": True,
    }


@pytest.mark.parametrize(
    "typed", ["13800138000", "138 0013 8000", "+86 138-0013-8000", "008613800138000", "(+86) 13800138000"]
)
def test_phone_in_any_format_matches_the_stored_e164(org, typed):
    a = account(org["rep1"], name="甲公司", phone="+8613800138000")
    c = contact(org["rep1"], name="李雷", mobile="13800138000")
    assert [(m.id, m.reason) for m in duplicates.check(org["rep1"], "account", phone=typed)] == [
        (a.pk, "phone")
    ]
    assert [(m.id, m.reason) for m in duplicates.check(org["rep1"], "contact", phone=typed)] == [
        (c.pk, "phone")
    ]


def test_contact_office_phone_and_mobile_both_match(org):
    c = contact(org["rep1"], name="韩梅梅", phone="02158889999")
    assert [m.id for m in duplicates.check(org["rep1"], "contact", mobile="021-5888 9999")] == [c.pk]


def test_email_matches_in_any_case(org):
    c = contact(org["rep1"], name="Anna Lee", email="Anna.Lee@Example.com")
    [m] = duplicates.check(org["rep1"], "contact", email="  anna.lee@EXAMPLE.COM ")
    assert (m.id, m.reason, m.display_name) == (c.pk, "email", "Anna Lee")


@pytest.mark.parametrize(
    "typed",
    [
        "上海西湖科技股份有限公司",
        "上海西湖科技(集团)",
        "上海西湖科技（集团）有限公司",
        "上海 西湖 科技",
        "上海西湖科技有限公司",
    ],
)
def test_company_names_compare_without_suffixes(org, typed):
    a = account(org["rep1"])
    [m] = duplicates.check(org["rep1"], "account", name=typed)
    assert (m.id, m.reason) == (a.pk, "name")


def test_traditional_and_simplified_characters_compare_equal(org):
    a = account(org["rep1"], name="台湾精密机械有限公司")
    c = contact(org["rep1"], name="张伟")
    assert [m.id for m in duplicates.check(org["rep2"], "account", name="臺灣精密機械股份有限公司")] == [None]
    assert [m.id for m in duplicates.check(org["rep1"], "account", name="臺灣精密機械股份有限公司")] == [a.pk]
    assert [m.id for m in duplicates.check(org["rep1"], "contact", name="張偉")] == [c.pk]


def test_similar_names_while_typing_ranked_best_first(org):
    exact = account(org["rep1"], name="杭州云栖数据有限公司")
    longer = account(org["rep2"], name="杭州云栖数据服务有限公司")
    account(org["rep3"], name="北京东方电气有限公司")
    found = duplicates.check(org["rep1"], "account", name="杭州云栖数据")
    assert [m.display_name for m in found] == [exact.name, "杭***"]  # rep2's is not rep1's to read
    assert [m.id for m in found] == [exact.pk, None]
    assert names(duplicates.check(org["director"], "account", name="杭州云栖数据")) == [
        exact.name,
        longer.name,
    ]
    # typing the start of the name already warns; a name in the middle comes from the search index
    assert names(duplicates.check(org["rep1"], "account", name="杭州云栖")) == [exact.name, "杭***"]
    assert exact.name in names(duplicates.check(org["rep1"], "account", name="云栖数据"))
    assert duplicates.check(org["rep1"], "account", name="上海浦东发展") == []


def test_strongest_reason_wins_and_at_most_ten(org):
    uscc = make_uscc()
    a = account(org["rep1"], name="宁波港机有限公司", uscc=uscc)
    for i in range(12):
        account(org["rep1"], name=f"宁波港机{i}")
    found = duplicates.check(org["rep1"], "account", name="宁波港机", uscc=uscc)
    assert len(found) == 10
    assert (found[0].id, found[0].reason) == (a.pk, "uscc")


@pytest.mark.parametrize("name", ["上", "a", " 上 ", "有限公司", ""])
def test_names_under_two_characters_are_not_compared(org, name):
    account(org["rep1"], name="上海西湖科技有限公司")
    account(org["rep1"], name="上")
    account(org["rep1"], name="A")
    assert duplicates.check(org["rep1"], "account", name=name) == []


@pytest.mark.parametrize("value", ["1380013", "not a phone", "x" * 5000, "138\x00138000", "+86 ☎"])
def test_invalid_phone_email_uscc_are_ignored(org, value):
    account(org["rep1"], phone="13800138000", uscc=make_uscc())
    assert duplicates.check(org["rep1"], "account", phone=value, uscc=value[:17]) == []
    assert duplicates.check(org["rep1"], "contact", email=value) == []


@pytest.mark.parametrize(
    "name",
    [
        "%' OR 1=1 --",
        "_%",
        "<script>alert(1)</script>",
        "上海%",
        "'; DROP TABLE x; --",
        "上海\x00西湖",
        "\\",
        "上海西湖" * 200,
    ],
)
def test_hostile_names_are_just_names(org, api, name):
    account(org["rep1"])
    duplicates.check(org["rep1"], "account", name=name)
    response = api("rep1").get(CHECK, {"object": "account", "name": name})
    if "\x00" in name:  # the API refuses NUL in any query parameter; the check itself ignores it
        assert_error(response, 400, "name")
        return
    assert response.status_code == 200, response.content
    body = response.json()
    assert all(m["display_name"] == "上海西湖科技有限公司" for m in body["matches"])
    assert all(
        m["display_name"] == "上***"
        for m in api("rep2").get(CHECK, {"object": "account", "name": name}).json()["matches"]
    )


def test_deleted_records_and_the_record_itself_are_not_duplicates(org):
    a = account(org["rep1"], phone="13800138000")
    assert [m.id for m in duplicates.check(org["rep1"], "account", name=a.name)] == [a.pk]
    assert duplicates.check(org["rep1"], "account", name=a.name, phone="13800138000", exclude_id=a.pk) == []
    services.account_delete(actor=org["rep1"], account=a, version=a.version)
    assert duplicates.check(org["rep1"], "account", name=a.name, phone="13800138000") == []


def test_unowned_record_says_so(org):
    a = account(org["rep1"])
    found = duplicates.find(Account, duplicates.probe("account", name=a.name))
    obj = found[0][0]
    obj.owner_id, obj.owner = None, None  # the shared pool (later) holds records without owner
    assert duplicates._owner(obj) is None


def test_name_key_follows_the_name(org):
    a = account(org["rep1"], name="苏州園區电子有限公司")
    assert Account.objects.get(pk=a.pk).name_key == "苏州园区电子"
    services.account_update(
        actor=org["rep1"], account=a, data={"name": "无锡新区电子集团"}, version=a.version
    )
    assert Account.objects.get(pk=a.pk).name_key == "无锡新区电子"
    c = contact(org["rep1"], name="Anna  LEE")
    assert Contact.objects.get(pk=c.pk).name_key == "annalee"
    services.contact_update(actor=org["rep1"], contact=c, data={"name": "歐陽娜娜"}, version=c.version)
    assert Contact.objects.get(pk=c.pk).name_key == "欧阳娜娜"


def test_query_count_is_fixed(org, django_assert_max_num_queries):
    for i in range(30):
        account(org["rep1" if i % 2 else "rep3"], name=f"杭州云栖数据{i}号有限公司", phone=f"1380013{i:04d}")
    actor = org["manager1"]
    duplicates.check(actor, "account", name="杭州")  # warm the actor's grant cache like a session would
    with django_assert_max_num_queries(8):
        found = duplicates.check(
            actor, "account", name="杭州云栖数据1号", phone="13800130001", uscc=make_uscc()
        )
    assert found and found[0].reason == "phone"


def test_an_actor_who_reads_everything_needs_no_visibility_query(org, django_assert_max_num_queries):
    for i in range(30):
        account(org["rep1" if i % 2 else "rep3"], name=f"杭州云栖数据{i}号有限公司", phone=f"1380013{i:04d}")
    actor = org["director"]
    duplicates.check(actor, "account", name="杭州")  # warm the actor's grant cache like a session would
    with django_assert_max_num_queries(
        5
    ):  # exact, prefix, and on PostgreSQL the search's sample, ids, candidates
        found = duplicates.check(
            actor, "account", name="杭州云栖数据1号", phone="13800130001", uscc=make_uscc()
        )
    assert found and found[0].reason == "phone" and all(m.id for m in found)


# --- the API ----------------------------------------------------------------------------------

PERSONAS = ["admin", "director", "manager1", "rep1", "rep2", "rep3", "agent1", "marketer1"]


@pytest.mark.parametrize("persona", [*PERSONAS, "inactive", "forged", None])
@pytest.mark.parametrize("object_type", ["account", "contact"])
def test_permission_matrix(org, api, persona, object_type):
    from django.test import Client

    a = account(org["rep1"], phone="13800138000")
    c = contact(org["rep1"], name="王小明", mobile="13800138000")
    before = snapshot()
    client = (
        Client(HTTP_AUTHORIZATION="Bearer gx_" + "x" * 43)
        if persona == "forged"
        else api(None if persona == "inactive" else persona)
    )
    if persona == "inactive":
        from guanxi.org.models import ApiToken

        _row, token = ApiToken.issue(org["inactive"])
        client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    response = client.get(CHECK, {"object": object_type, "phone": "138 0013 8000"})
    if persona in (None, "inactive", "forged"):
        assert_error(response, 401)
    else:
        assert response.status_code == 200, response.content
        [m] = response.json()["matches"]
        sees = persona in ("admin", "director", "manager1", "rep1", "agent1", "marketer1")
        expected_id = (a.pk if object_type == "account" else c.pk) if sees else None
        name = "上海西湖科技有限公司" if object_type == "account" else "王小明"
        assert m == {
            "id": expected_id,
            "display_name": name if sees else f"{name[0]}***",
            "reason": "phone",
            "owner": {"username": "rep1", "display_name": str(org["rep1"])},
            "in_pool": False,
        }
    assert snapshot() == before


def test_api_without_create_or_update_right_is_403(org, api):
    from guanxi.org.models import Grant

    Grant.objects.filter(
        role__users=org["marketer1"], object_type="account", action__in=["create", "update"]
    ).delete()
    assert_error(api("marketer1").get(CHECK, {"object": "account", "name": "上海西湖"}), 403)
    assert api("marketer1").get(CHECK, {"object": "contact", "name": "王小明"}).status_code == 200


@pytest.mark.parametrize(
    "query,field",
    [
        ({}, "object"),
        ({"object": "lead"}, "object"),
        ({"object": ""}, "object"),
        ({"object": "account", "exclude": "abc"}, "exclude"),
        ({"object": "account", "exclude": str(10**30)}, "exclude"),
        ({"object": "account", "exclude": "-1"}, "exclude"),
    ],
)
def test_api_bad_input_is_400_naming_the_field(org, api, query, field):
    assert_error(api("rep1").get(CHECK, query), 400, field)


def test_api_one_character_is_an_empty_answer(org, api):
    account(org["rep1"])
    response = api("rep1").get(CHECK, {"object": "account", "name": "上"})
    assert response.status_code == 200 and response.json() == {"matches": []}


# --- block mode -------------------------------------------------------------------------------


def test_warn_mode_never_blocks(org, api):
    uscc = make_uscc()
    account(org["rep1"], uscc=uscc)
    response = post_json(api("rep2"), "/api/v1/accounts", {"name": "另一家公司", "uscc": uscc})
    assert response.status_code == 201


def test_block_mode_refuses_exact_uscc_and_phone_via_api(org, api, block_mode):
    uscc = make_uscc()
    account(org["rep1"], uscc=uscc, phone="13800138000")
    before = snapshot()
    error = assert_error(
        post_json(api("rep2"), "/api/v1/accounts", {"name": "另一家公司", "uscc": uscc}), 400, "uscc"
    )
    assert error["fields"]["uscc"] == [f"An account with this USCC already exists (owner: {org['rep1']})."]
    error = assert_error(
        post_json(api("rep2"), "/api/v1/accounts", {"name": "另一家公司", "phone": "+86 138 0013 8000"}),
        400,
        "phone",
    )
    assert "already exists" in error["fields"]["phone"][0]
    assert snapshot() == before
    # a similar name alone never blocks
    assert post_json(api("rep2"), "/api/v1/accounts", {"name": "上海西湖科技股份有限公司"}).status_code == 201


def test_block_mode_contacts_by_mobile_phone_and_email(org, api, block_mode):
    contact(org["rep1"], mobile="13800138000", email="anna@example.com")
    before = snapshot()
    for payload, field in [
        ({"mobile": "13800138000"}, "mobile"),
        ({"phone": "+8613800138000"}, "phone"),
        ({"email": "ANNA@example.com"}, "email"),
    ]:
        assert_error(post_json(api("rep3"), "/api/v1/contacts", {"name": "李雷", **payload}), 400, field)
    assert snapshot() == before


def test_block_mode_on_update_only_when_the_field_changes(org, api, block_mode):
    first = account(org["rep1"], name="甲公司", phone="13800138000")
    CustomerSettings.objects.filter(pk=1).update(duplicate_mode="warn")
    second = account(org["rep1"], name="乙公司", phone="13800138000")  # existed before block mode
    third = account(org["rep1"], name="丙公司")
    CustomerSettings.objects.filter(pk=1).update(duplicate_mode="block")
    client = api("rep1")
    response = patch_json(
        client, f"/api/v1/accounts/{second.pk}", {"tier": "A"}, HTTP_IF_MATCH=f'"{second.version}"'
    )
    assert response.status_code == 200, response.content
    response = patch_json(
        client, f"/api/v1/accounts/{first.pk}", {"phone": "13800138000"}, HTTP_IF_MATCH=f'"{first.version}"'
    )
    assert response.status_code == 200  # its own number
    before = snapshot()
    assert_error(
        patch_json(
            client,
            f"/api/v1/accounts/{third.pk}",
            {"phone": "138-0013-8000"},
            HTTP_IF_MATCH=f'"{third.version}"',
        ),
        400,
        "phone",
    )
    assert snapshot() == before


def test_block_mode_in_the_ui_shows_the_error_beside_the_field(org, web, block_mode):
    uscc = make_uscc()
    account(org["rep1"], uscc=uscc)
    before = snapshot()
    response = web("rep2").post("/customers/accounts/new/", {"name": "另一家公司", "uscc": uscc})
    assert response.status_code == 200
    assert "An account with this USCC already exists (owner: " in response.content.decode()
    assert snapshot() == before


# --- the hint in the forms --------------------------------------------------------------------


def test_forms_wire_the_hint(org, web):
    a = account(org["rep1"])
    page = web("rep1").get("/customers/accounts/new/").content.decode()
    assert 'hx-get="/customers/duplicates/check/?object=account"' in page
    assert "from:#id_uscc" in page and 'hx-include="#id_name, #id_uscc, #id_phone"' in page
    page = web("rep1").get(f"/customers/accounts/{a.pk}/edit/").content.decode()
    assert f"object=account&amp;exclude={a.pk}" in page
    page = web("rep1").get("/customers/contacts/new/").content.decode()
    assert "object=contact" in page and "from:#id_email" in page and "from:#id_mobile" in page


def test_hint_fragment_links_only_visible_records(org, web):
    a = account(org["rep1"], phone="13800138000")
    url = "/customers/duplicates/check/"
    mine = web("rep1").get(url, {"object": "account", "name": "上海西湖科技股份"}).content.decode()
    assert (
        "Possible duplicate:" in mine
        and f'href="/customers/accounts/{a.pk}/"' in mine
        and "similar name" in mine
    )
    theirs = web("rep2").get(url, {"object": "account", "phone": "13800138000"}).content.decode()
    assert "上***" in theirs and "上海西湖" not in theirs and f"/customers/accounts/{a.pk}/" not in theirs
    assert f"owner: {org['rep1']}" in theirs and "same phone number" in theirs
    assert web("rep1").get(url, {"object": "account", "name": "上"}).content.decode().strip() == ""
    assert web("rep1").get(url, {"object": "nonsense", "name": "上海西湖"}).status_code == 200
    assert web("rep1").get(url, {"object": "account", "exclude": "x"}).status_code == 200


# --- rate limit -----------------------------------------------------------------------------


def test_checks_are_rate_limited_per_user(org, api, web, settings):
    """Guessing the 10,000 numbers behind 159****9689 takes hours, not minutes; other users are
    not slowed down, and the UI says why the hint went quiet."""
    settings.DUPLICATE_CHECK_RATE_PER_MINUTE = 3
    account(org["rep1"], phone="13800138000")
    client = api("rep2")
    for _ in range(3):
        assert client.get(CHECK, {"object": "account", "phone": "13800138000"}).status_code == 200
    error = assert_error(client.get(CHECK, {"object": "account", "phone": "13800138001"}), 429)
    assert error["code"] == "throttled" and "minute" in error["message"]
    hint = web("rep2").get("/customers/duplicates/check/", {"object": "account", "phone": "13800138000"})
    assert hint.status_code == 200 and "Too many duplicate checks" in hint.content.decode()
    assert api("rep3").get(CHECK, {"object": "account", "phone": "13800138000"}).status_code == 200


def test_the_hourly_limit_holds_too(org, api, settings):
    settings.DUPLICATE_CHECK_RATE_PER_MINUTE = 100
    settings.DUPLICATE_CHECK_RATE_PER_HOUR = 2
    client = api("rep2")
    assert [client.get(CHECK, {"object": "contact", "name": "王小明"}).status_code for _ in range(3)] == [
        200,
        200,
        429,
    ]


def test_block_mode_is_not_rate_limited(org, api, block_mode, settings):
    """The services' own check (block mode) is not the oracle: it runs on a save, which writes."""
    settings.DUPLICATE_CHECK_RATE_PER_MINUTE = 1
    account(org["rep1"], phone="13800138000")
    for _ in range(3):
        assert_error(
            post_json(api("rep2"), "/api/v1/accounts", {"name": "另一家", "phone": "13800138000"}),
            400,
            "phone",
        )
