"""The accounts and contacts UI: forms, errors beside fields, delete/restore, transfer, lists."""

import pytest
from django.urls import reverse

from guanxi.audit.models import AuditEvent
from guanxi.core.validators import uscc_check_char
from guanxi.customers.models import Account, Contact
from tests.factories import AccountFactory, ContactFactory

VALID_USCC = "91330106MA2CFK2L" + "0"
VALID_USCC = VALID_USCC[:17] + uscc_check_char(VALID_USCC[:17])


def test_create_account_from_the_form(web, org):
    r = web("rep1").post(
        "/customers/accounts/new/",
        {
            "name": "  杭州西湖科技有限公司 ",
            "uscc": VALID_USCC.lower(),
            "phone": "0571-8888 8000",
            "tier": "A",
            "industry": "it",
            "tags": "重点客户，VIP",
            "website": "xihu.example.com",
        },
    )
    account = Account.objects.get(name="杭州西湖科技有限公司")
    assert r.status_code == 302 and r["Location"] == f"/customers/accounts/{account.pk}/"
    assert account.uscc == VALID_USCC and account.phone == "+8657188888000" and account.owner == org["rep1"]
    assert account.tags == ["重点客户", "VIP"] and account.website == "https://xihu.example.com"
    assert AuditEvent.objects.filter(object_type="account", object_id=account.pk, verb="create").exists()


def test_form_errors_show_beside_their_fields_and_nothing_is_written(web):
    bad_uscc = VALID_USCC[:17] + ("0" if VALID_USCC[17] != "0" else "1")
    r = web("rep1").post(
        "/customers/accounts/new/",
        {"name": "", "uscc": bad_uscc, "phone": "12345", "website": "javascript:alert(1)"},
    )
    html = r.content.decode()
    assert r.status_code == 200
    for field in ("name", "uscc", "phone", "website"):
        assert f'id="id_{field}-error"' in html, field
    assert "check character" in html
    assert Account.objects.count() == 0


def test_edit_with_a_stale_version_is_a_conflict(web, org):
    account = AccountFactory(owner=org["rep1"], name="版本测试有限公司")
    client = web("rep1")
    client.post(f"/customers/accounts/{account.pk}/edit/", {"name": "新名字一", "version": account.version})
    r = client.post(
        f"/customers/accounts/{account.pk}/edit/", {"name": "新名字二", "version": account.version}
    )
    assert r.status_code == 200 and "changed this record" in r.content.decode()
    account.refresh_from_db()
    assert account.name == "新名字一"


def test_edit_records_field_history_shown_on_the_detail_page(web, org):
    account = AccountFactory(owner=org["rep1"], name="历史测试有限公司", tier="C")
    client = web("rep1")
    client.post(
        f"/customers/accounts/{account.pk}/edit/",
        {"name": "历史测试有限公司", "industry": "manufacturing", "tier": "A", "version": account.version},
    )
    event = AuditEvent.objects.get(object_id=account.pk, verb="update")
    assert event.changes == {"tier": ["C", "A"]} and event.actor == org["rep1"]
    html = client.get(f"/customers/accounts/{account.pk}/").content.decode()
    assert "gx-old" in html and ">C<" in html and ">A<" in html


def test_delete_goes_to_the_recycle_bin_and_restore_brings_it_back(web, org):
    account = AccountFactory(owner=org["rep1"], name="回收站测试有限公司")
    client = web("rep1")
    r = client.post(f"/customers/accounts/{account.pk}/delete/", {"version": account.version})
    assert r.status_code == 302
    assert client.get(f"/customers/accounts/{account.pk}/").status_code == 404
    assert "回收站测试有限公司" in client.get("/recycle-bin/?kind=account").content.decode()
    assert "回收站测试有限公司" not in client.get("/customers/accounts/").content.decode()
    client.post(f"/recycle-bin/account/{account.pk}/restore/")
    assert client.get(f"/customers/accounts/{account.pk}/").status_code == 200


def test_the_old_recycle_bin_address_leads_to_the_records_bin(web, org):
    r = web("rep1").get("/customers/recycle-bin/?kind=contact")
    assert r.status_code == 302 and r["Location"] == "/recycle-bin/?kind=contact"
    assert reverse("recycle_bin") == "/customers/recycle-bin/"


def test_others_cannot_delete_or_restore(web, org):
    account = AccountFactory(owner=org["rep1"], name="别人的客户有限公司")
    assert web("rep2").post(f"/customers/accounts/{account.pk}/delete/", {"version": 1}).status_code == 404
    assert Account.objects.get(pk=account.pk).deleted_at is None
    web("rep1").post(f"/customers/accounts/{account.pk}/delete/", {"version": account.version})
    assert web("rep2").post(f"/recycle-bin/account/{account.pk}/restore/").status_code == 404
    assert "别人的客户有限公司" not in web("rep2").get("/recycle-bin/?kind=account").content.decode()


def test_transfer_with_contacts(web, org):
    account = AccountFactory(owner=org["rep1"], name="转移测试有限公司")
    contact = ContactFactory(owner=org["rep1"], name="王五", account=account.pk)
    r = web("manager1").post(
        f"/customers/accounts/{account.pk}/transfer/", {"owner": "rep2", "with_contacts": "on"}
    )
    assert r.status_code == 302
    assert Account.objects.get(pk=account.pk).owner == org["rep2"]
    assert Contact.objects.get(pk=contact.pk).owner == org["rep2"]
    # rep1 no longer sees them; a rep may not transfer what is not theirs
    assert web("rep1").get(f"/customers/accounts/{account.pk}/").status_code == 404
    assert web("rep3").get(f"/customers/accounts/{account.pk}/transfer/").status_code == 404


def test_list_filters_sorting_columns_and_cursor(web, org):
    for i in range(30):
        AccountFactory(owner=org["rep1"], name=f"列表测试{i:02d}有限公司", tier="A" if i % 2 else "C")
    client = web("rep1")
    html = client.get("/customers/accounts/?tier=A&ordering=name").content.decode()
    assert html.count('data-testid="account-row"') == 15
    assert html.index("列表测试01") < html.index("列表测试03")
    assert "列表测试00" not in html
    html = client.get("/customers/accounts/?ordering=name").content.decode()
    assert html.count('data-testid="account-row"') == 25 and "Load more" in html
    html = client.get("/customers/accounts/?cols=uscc&cols=tags").content.decode()
    assert '<th scope="col">USCC</th>' in html or "USCC" in html
    assert "cols" not in client.get("/customers/accounts/").request["QUERY_STRING"]
    assert client.session["cols:accounts"] == ["uscc", "tags"]  # the choice is remembered
    bad = client.get("/customers/accounts/?ordering=password").content.decode()
    assert "alert-warning" in bad


def test_load_more_returns_only_rows_over_htmx(web, org):
    for i in range(30):
        AccountFactory(owner=org["rep1"], name=f"分页{i:02d}有限公司")
    client = web("rep1")
    first = client.get("/customers/accounts/?ordering=name")
    cursor = first.context["page"].next_cursor
    more = client.get(
        f"/customers/accounts/?ordering=name&cursor={cursor}", HTTP_HX_REQUEST="true"
    ).content.decode()
    assert "<html" not in more and more.count('data-testid="account-row"') == 5 and "分页29" in more


def test_contact_form_offers_only_visible_accounts(web, org):
    mine = AccountFactory(owner=org["rep1"], name="我的客户有限公司")
    theirs = AccountFactory(owner=org["rep3"], name="别人的客户有限公司")
    client = web("rep1")
    html = client.get("/customers/contacts/new/").content.decode()
    assert "我的客户有限公司" in html and "别人的客户有限公司" not in html
    r = client.post("/customers/contacts/new/", {"name": "张三", "account": theirs.pk})
    assert r.status_code == 200 and 'id="id_account-error"' in r.content.decode()
    assert not Contact.objects.exists()
    r = client.post("/customers/contacts/new/", {"name": "张三", "account": mine.pk, "mobile": "13800138000"})
    contact = Contact.objects.get(name="张三")
    assert contact.account == mine and contact.family_name == "张" and contact.mobile == "+8613800138000"


def test_contact_list_hides_names_of_accounts_the_viewer_cannot_see(web, org):
    theirs = AccountFactory(owner=org["rep3"], name="看不见的客户有限公司")
    contact = ContactFactory(owner=org["rep3"], name="赵六", account=theirs.pk)
    from guanxi.customers.directory import services

    services.contact_transfer(actor=org["director"], contact=contact, owner="rep1")
    html = web("rep1").get("/customers/contacts/").content.decode()
    assert "赵六" in html and "看不见的客户有限公司" not in html


def test_global_search_fragment(web, org):
    AccountFactory(owner=org["rep1"], name="杭州西湖科技有限公司")
    AccountFactory(owner=org["rep2"], name="杭州西湖贸易有限公司")
    html = web("rep1").get("/search/?q=hzxh", HTTP_HX_REQUEST="true").content.decode()
    assert "杭州西湖科技有限公司" in html and "杭州西湖贸易有限公司" not in html and "<html" not in html
    html = web("rep1").get("/search/?q=zzzz", HTTP_HX_REQUEST="true").content.decode()
    assert 'data-testid="search-empty"' in html


def test_user_input_is_escaped_everywhere(web, org):
    evil = "<img src=x onerror=alert(1)>\"'&"
    account = AccountFactory(owner=org["rep1"], name=evil + "有限公司", address=evil)
    client = web("rep1")
    for url in [f"/customers/accounts/{account.pk}/", "/customers/accounts/", "/search/?q=youxian", "/"]:
        html = client.get(url).content.decode()
        assert "<img src=x" not in html, url


# 26: one query for the shared pools the viewer may return the account to (sales/pools record_actions)
@pytest.mark.parametrize(("url", "queries"), [("/customers/accounts/{a}/", 26), ("/customers/accounts/", 14)])
def test_pages_use_a_fixed_number_of_queries(web, org, django_assert_max_num_queries, url, queries):
    account = AccountFactory(owner=org["rep1"], name="查询次数有限公司")
    for i in range(12):
        ContactFactory(owner=org["rep1"], name=f"联系人{i}", account=account.pk)
        AccountFactory(owner=org["rep1"], name=f"其他客户{i}有限公司")
    client = web("rep1")
    client.get(url.format(a=account.pk))  # warm caches (session, content types)
    with django_assert_max_num_queries(queries):
        assert client.get(url.format(a=account.pk)).status_code == 200


def test_contact_list_query_count_does_not_grow_with_rows(web, org, django_assert_max_num_queries):
    account = AccountFactory(owner=org["rep1"], name="联系人列表有限公司")
    for i in range(25):
        ContactFactory(owner=org["rep1"], name=f"联系人{i}", account=account.pk, email=f"c{i}@example.com")
    client = web("rep1")
    client.get("/customers/contacts/")
    with django_assert_max_num_queries(12):
        assert client.get("/customers/contacts/?has_email=true&ordering=name").status_code == 200


def test_hostile_form_input_gets_field_errors_not_500(web):
    client = web("rep1")
    cases = [
        {"name": "名" * 10000},
        {"name": "x", "phone": "=cmd|' /C calc'!A0"},
        {"name": "x", "uscc": "' OR 1=1 --"},
        {"name": "x", "website": "http://" + "a" * 3000 + ".com"},
        {"name": "x", "tags": ",".join(f"t{i}" for i in range(50))},
    ]
    for data in cases:
        r = client.post("/customers/accounts/new/", data)
        assert r.status_code == 200 and "invalid-feedback" in r.content.decode(), data
    assert not Account.objects.exists()
    r = client.post(
        "/customers/accounts/new/", b"name=\xff\xfe", content_type="application/x-www-form-urlencoded"
    )
    assert r.status_code in (200, 302, 400)


def test_formula_names_are_kept_but_neutralized_in_csv(web, org):
    AccountFactory(owner=org["director"], name='=HYPERLINK("http://evil")')
    body = b"".join(web("director").get("/customers/accounts/export.csv").streaming_content).decode(
        "utf-8-sig"
    )
    assert "'=HYPERLINK" in body


def test_contact_history_hides_names_of_accounts_the_viewer_cannot_see(web, org):
    from guanxi.customers.directory import services

    theirs = AccountFactory(owner=org["rep3"], name="保密客户有限公司")
    contact = ContactFactory(owner=org["rep3"], name="钱七", account=theirs.pk)
    services.contact_transfer(actor=org["director"], contact=contact, owner="rep1")
    html = web("rep1").get(f"/customers/contacts/{contact.pk}/").content.decode()
    assert "钱七" in html and "保密客户有限公司" not in html and "(a record you cannot see)" in html
    assert "保密客户有限公司" in web("director").get(f"/customers/contacts/{contact.pk}/").content.decode()


def test_contact_export_query_count_does_not_grow_with_rows(web, org, django_assert_max_num_queries):
    account = AccountFactory(owner=org["director"], name="导出测试有限公司")
    for i in range(30):
        ContactFactory(owner=org["director"], name=f"导出{i}", account=account.pk)
    client = web("director")
    with django_assert_max_num_queries(12):
        body = b"".join(client.get("/customers/contacts/export.csv").streaming_content).decode("utf-8-sig")
    assert body.count(f',"{account.pk}",') == 30
