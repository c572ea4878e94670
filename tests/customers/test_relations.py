"""Relations: a contact's accounts (primary link mirroring Contact.account), parents and
subsidiaries (cycles, depth, visibility), partners, rollups, and the UI panels."""

from __future__ import annotations

import pytest

from guanxi.audit.models import AuditEvent
from guanxi.core.errors import NotFound, PermissionDenied, ValidationFailed, VersionConflict
from guanxi.customers.directory import services
from guanxi.customers.models import Account, Contact, ContactAccount, PartnerLink
from guanxi.customers.relations import selectors as relation_selectors
from guanxi.customers.relations import services as relations
from tests.factories import AccountFactory, ContactFactory


@pytest.fixture(autouse=True)
def _english():
    from django.utils import translation

    with translation.override("en"):  # messages asserted in English
        yield


def links_of(contact) -> list[tuple[int, bool, str, str]]:
    return sorted(
        ContactAccount.objects.filter(contact=contact).values_list(
            "account_id", "is_primary", "role", "title"
        )
    )


def fresh(obj):
    return type(obj)._base_manager.get(pk=obj.pk)


def field_error(exc_info, field: str) -> str:
    assert field in exc_info.value.fields, exc_info.value.fields
    return " ".join(exc_info.value.fields[field])


# --- the primary link mirrors Contact.account ------------------------------------------------


def test_contact_create_with_an_account_creates_the_primary_link(org):
    account = AccountFactory(owner=org["rep1"])
    contact = ContactFactory(owner=org["rep1"], account=account.pk, title="采购经理")
    assert links_of(contact) == [(account.pk, True, "", "采购经理")]
    assert links_of(ContactFactory(owner=org["rep1"])) == []


def test_contact_update_moves_clears_and_promotes_the_primary_link(org):
    rep = org["rep1"]
    a, b, c = (AccountFactory(owner=rep) for _ in range(3))
    contact = ContactFactory(owner=rep, account=a.pk)
    ContactAccount.objects.filter(contact=contact).update(role="buyer", title="经理")
    relations.contact_link_account(actor=rep, contact=contact, data={"account": c.pk, "role": "user"})
    contact = fresh(contact)

    # moved to an account without a link: the primary link moves along, keeping role and title
    services.contact_update(actor=rep, contact=contact, data={"account": b.pk}, version=contact.version)
    assert links_of(contact) == sorted([(b.pk, True, "buyer", "经理"), (c.pk, False, "user", "")])
    # moved to an account already linked: that link becomes primary, the old primary goes
    services.contact_update(actor=rep, contact=contact, data={"account": c.pk}, version=contact.version)
    assert links_of(contact) == [(c.pk, True, "user", "")]
    assert fresh(contact).account_id == c.pk
    # cleared: no primary link
    services.contact_update(actor=rep, contact=contact, data={"account": None}, version=contact.version)
    assert links_of(contact) == []


def test_linking_a_second_account_keeps_the_primary_and_is_audited(org):
    rep = org["rep1"]
    a, b = AccountFactory(owner=rep), AccountFactory(owner=rep, name="第二客户有限公司")
    contact = ContactFactory(owner=rep, account=a.pk)
    version = contact.version
    link = relations.contact_link_account(
        actor=rep,
        contact=contact,
        data={"account": b.pk, "role": "influencer", "title": " 顾问 "},
        version=version,
    )
    assert (link.account_id, link.is_primary, link.role, link.title) == (b.pk, False, "influencer", "顾问")
    after = fresh(contact)
    assert after.account_id == a.pk and after.version == version + 1
    event = AuditEvent.objects.filter(object_type="contact", object_id=contact.pk, verb="update").latest("id")
    assert event.changes["account_links"][0] is None and event.changes["account_links"][1]["id"] == b.pk
    assert "第二客户有限公司" in event.changes["account_links"][1]["label"]


def test_the_first_link_of_a_contact_without_account_becomes_primary(org):
    rep = org["rep1"]
    a, b = AccountFactory(owner=rep), AccountFactory(owner=rep)
    contact = ContactFactory(owner=rep)
    relations.contact_link_account(actor=rep, contact=contact, data={"account": a.pk})
    assert fresh(contact).account_id == a.pk
    relations.contact_link_account(actor=rep, contact=contact, data={"account": b.pk})
    assert links_of(contact) == sorted([(a.pk, True, "", ""), (b.pk, False, "", "")])
    other = ContactFactory(owner=rep)
    relations.contact_link_account(actor=rep, contact=other, data={"account": a.pk, "is_primary": False})
    assert fresh(other).account_id is None and links_of(other) == [(a.pk, False, "", "")]


def test_make_primary_moves_contact_account_and_keeps_one_primary(org):
    rep = org["rep1"]
    a, b = AccountFactory(owner=rep), AccountFactory(owner=rep)
    contact = ContactFactory(owner=rep, account=a.pk)
    relations.contact_link_account(actor=rep, contact=contact, data={"account": b.pk, "is_primary": True})
    assert fresh(contact).account_id == b.pk
    assert links_of(contact) == sorted([(a.pk, False, "", ""), (b.pk, True, "", "")])
    relations.contact_set_primary(actor=rep, contact=contact, account_id=a.pk)
    assert fresh(contact).account_id == a.pk
    assert ContactAccount.objects.filter(contact=contact, is_primary=True).count() == 1
    event = AuditEvent.objects.filter(object_type="contact", object_id=contact.pk).latest("id")
    assert event.changes["account"][0]["id"] == b.pk and event.changes["account"][1]["id"] == a.pk


def test_an_update_that_changes_nothing_keeps_the_version(org):
    rep = org["rep1"]
    a = AccountFactory(owner=rep)
    contact = ContactFactory(owner=rep, account=a.pk)
    ContactAccount.objects.filter(contact=contact).update(role="buyer")
    events = AuditEvent.objects.count()
    relations.contact_update_link(
        actor=rep,
        contact=contact,
        account_id=a.pk,
        version=contact.version,
        data={"role": "buyer", "is_primary": True},
    )
    assert fresh(contact).version == contact.version and AuditEvent.objects.count() == events
    with pytest.raises(VersionConflict):
        relations.contact_update_link(
            actor=rep, contact=contact, account_id=a.pk, version=contact.version + 1, data={"role": "buyer"}
        )


def test_unlinking_the_primary_leaves_the_contact_without_account(org):
    rep = org["rep1"]
    a, b = AccountFactory(owner=rep), AccountFactory(owner=rep)
    contact = ContactFactory(owner=rep, account=a.pk)
    relations.contact_link_account(actor=rep, contact=contact, data={"account": b.pk})
    contact = fresh(contact)
    relations.contact_unlink_account(actor=rep, contact=contact, account_id=a.pk, version=contact.version)
    assert fresh(contact).account_id is None and links_of(contact) == [(b.pk, False, "", "")]
    relations.contact_unlink_account(actor=rep, contact=contact, account_id=b.pk, version=None)
    assert links_of(contact) == []
    with pytest.raises(NotFound):
        relations.contact_unlink_account(actor=rep, contact=contact, account_id=b.pk, version=None)


def test_contacts_loaded_without_a_link_row_still_show_and_change_their_primary(org):
    """A contact whose primary link row is missing (written around the services)."""
    rep = org["rep1"]
    a, b = AccountFactory(owner=rep), AccountFactory(owner=rep)
    contact = ContactFactory(owner=rep)
    Contact._base_manager.filter(pk=contact.pk).update(account=a)
    contact = fresh(contact)
    page = relation_selectors.contact_accounts_page(rep, contact)
    assert [(x.pk, x.link.is_primary) for x in page.items] == [(a.pk, True)]
    relations.contact_update_link(
        actor=rep, contact=contact, account_id=a.pk, data={"role": "buyer"}, version=None
    )
    assert links_of(contact) == [(a.pk, True, "buyer", "")]
    assert [c.pk for c in relation_selectors.account_contacts_page(rep, a).items] == [contact.pk]
    relations.contact_link_account(
        actor=rep, contact=fresh(contact), data={"account": b.pk, "is_primary": True}
    )
    assert links_of(contact) == sorted([(a.pk, False, "buyer", ""), (b.pk, True, "", "")])


def test_link_errors_name_the_field_and_write_nothing(org):
    rep = org["rep1"]
    mine, theirs = AccountFactory(owner=rep), AccountFactory(owner=org["rep3"])
    contact = ContactFactory(owner=rep, account=mine.pk)
    before = (links_of(contact), fresh(contact).version, AuditEvent.objects.count())
    cases = [
        ({"account": theirs.pk}, "account", "cannot see"),
        ({"account": mine.pk}, "account", "already linked"),
        ({"account": "abc"}, "account", "Choose an account"),
        ({"account": True}, "account", "Choose an account"),
        ({"account": 10**30}, "account", "Choose an account"),
        ({"account": -3}, "account", "Choose an account"),
        ({}, "account", "required"),
        ({"account": mine.pk, "role": "boss"}, "role", "Choose one of"),
        ({"account": mine.pk, "title": "x" * 101}, "title", "at most 100"),
        ({"account": mine.pk, "is_primary": "maybe"}, "is_primary", "yes or no"),
        ({"account": mine.pk, "owner": "rep2"}, "owner", "Unknown field"),
    ]
    for data, field, message in cases:
        with pytest.raises(ValidationFailed) as exc:
            relations.contact_link_account(actor=rep, contact=fresh(contact), data=data)
        assert message in field_error(exc, field), (data, exc.value.fields)
    assert (links_of(contact), fresh(contact).version, AuditEvent.objects.count()) == before
    other = AccountFactory(owner=rep)
    link = relations.contact_link_account(
        actor=rep, contact=fresh(contact), data={"account": str(other.pk), "title": "<b>经理</b>\x00\x07"}
    )
    assert link.title == "<b>经理</b>"  # control characters dropped; markup is escaped when shown


def test_link_writes_need_update_rights_on_the_contact_and_a_fresh_version(org):
    a = AccountFactory(owner=org["rep1"])
    b = AccountFactory(owner=org["rep1"])
    contact = ContactFactory(owner=org["rep1"], account=a.pk)
    with pytest.raises(PermissionDenied):  # marketer1 reads everything, updates only its own
        relations.contact_link_account(actor=org["marketer1"], contact=contact, data={"account": b.pk})
    with pytest.raises(PermissionDenied):  # rep2 cannot see rep1's contact
        relations.contact_link_account(actor=org["rep2"], contact=contact, data={"account": b.pk})
    with pytest.raises(VersionConflict):
        relations.contact_link_account(
            actor=org["rep1"], contact=contact, data={"account": b.pk}, version=contact.version - 1 or 99
        )
    assert links_of(contact) == [(a.pk, True, "", "")]
    relations.contact_link_account(actor=org["agent1"], contact=contact, data={"account": b.pk})
    assert len(links_of(contact)) == 2


# --- what a viewer sees ---------------------------------------------------------------------


def test_links_show_only_when_the_viewer_sees_both_ends(org):
    rep1, rep3 = org["rep1"], org["rep3"]
    mine = AccountFactory(owner=rep1, name="我的客户有限公司")
    theirs = AccountFactory(owner=rep3, name="别人的客户有限公司")
    contact = ContactFactory(owner=rep1, account=mine.pk)
    relations.contact_link_account(actor=org["director"], contact=contact, data={"account": theirs.pk})
    # rep1 sees the contact but not rep3's account: only the own account is listed
    assert [a.pk for a in relation_selectors.contact_accounts_page(rep1, contact).items] == [mine.pk]
    assert sorted(
        a.pk for a in relation_selectors.contact_accounts_page(org["director"], contact).items
    ) == sorted([mine.pk, theirs.pk])
    # rep3 sees the account but not rep1's contact
    assert relation_selectors.account_contacts_page(rep3, theirs).items == []
    assert [c.pk for c in relation_selectors.account_contacts_page(org["manager1"], mine).items] == [
        contact.pk
    ]
    # linking to an account one cannot see is refused like an absent one
    with pytest.raises(ValidationFailed) as exc:
        relations.contact_link_account(actor=rep1, contact=contact, data={"account": 10**9})
    assert "cannot see" in field_error(exc, "account")


# --- parents and subsidiaries ---------------------------------------------------------------


def test_parent_is_set_on_create_and_update_and_audited(org):
    rep = org["rep1"]
    group = AccountFactory(owner=rep, name="集团总部有限公司")
    sub = AccountFactory(owner=rep, parent=group.pk)
    assert sub.parent_id == group.pk
    other = AccountFactory(owner=rep)
    services.account_update(actor=rep, account=other, data={"parent": str(group.pk)}, version=other.version)
    assert fresh(other).parent_id == group.pk
    event = AuditEvent.objects.filter(object_type="account", object_id=other.pk, verb="update").latest("id")
    assert event.changes == {"parent": [None, {"id": group.pk, "label": "集团总部有限公司"}]}
    services.account_update(actor=rep, account=other, data={"parent": None}, version=fresh(other).version)
    assert fresh(other).parent_id is None


def test_self_parenting_cycles_and_depth_are_refused(org):
    rep = org["rep1"]
    a = AccountFactory(owner=rep)
    b = AccountFactory(owner=rep, parent=a.pk)
    c = AccountFactory(owner=rep, parent=b.pk)
    for target, parent, message in (
        (a, a, "its own parent"),
        (a, c, "its own subsidiaries"),
        (a, b, "its own subsidiaries"),
    ):
        target = fresh(target)
        with pytest.raises(ValidationFailed) as exc:
            services.account_update(
                actor=rep, account=target, data={"parent": parent.pk}, version=target.version
            )
        assert message in field_error(exc, "parent")
    assert fresh(a).parent_id is None

    chain = [a, b, c]
    while len(chain) < relations.MAX_DEPTH:
        chain.append(AccountFactory(owner=rep, parent=chain[-1].pk))
    with pytest.raises(ValidationFailed) as exc:  # an eleventh level
        AccountFactory(owner=rep, parent=chain[-1].pk)
    assert "at most 10 levels" in field_error(exc, "parent")
    top = AccountFactory(owner=rep)
    with pytest.raises(ValidationFailed) as exc:  # putting the 10-level group under another account
        services.account_update(
            actor=rep, account=fresh(a), data={"parent": top.pk}, version=fresh(a).version
        )
    assert "at most 10 levels" in field_error(exc, "parent")


def test_parent_must_be_visible_but_an_unchanged_invisible_parent_is_kept(org):
    group = AccountFactory(owner=org["rep3"])
    mine = AccountFactory(owner=org["rep1"])
    with pytest.raises(ValidationFailed) as exc:
        services.account_update(
            actor=org["rep1"], account=mine, data={"parent": group.pk}, version=mine.version
        )
    assert "cannot see" in field_error(exc, "parent")
    services.account_update(
        actor=org["director"], account=fresh(mine), data={"parent": group.pk}, version=None
    )
    mine = fresh(mine)
    services.account_update(
        actor=org["rep1"],
        account=mine,
        data={"name": "改名有限公司", "parent": group.pk},
        version=mine.version,
    )
    assert fresh(mine).parent_id == group.pk and fresh(mine).name == "改名有限公司"
    assert relation_selectors.visible_parent(org["rep1"], mine) is None
    assert relation_selectors.parent_field_choices(org["rep1"], mine) is None  # the form leaves it alone


def test_rollup_ids_go_three_levels_down_through_visible_subsidiaries(org):
    rep1, rep2 = org["rep1"], org["rep2"]
    top = AccountFactory(owner=rep1)
    l1 = AccountFactory(owner=rep1, parent=top.pk)
    hidden = AccountFactory(owner=rep2)
    below_hidden = AccountFactory(owner=rep1)
    services.account_update(actor=org["director"], account=hidden, data={"parent": top.pk}, version=None)
    services.account_update(
        actor=org["director"], account=below_hidden, data={"parent": hidden.pk}, version=None
    )
    l2 = AccountFactory(owner=rep1, parent=l1.pk)
    l3 = AccountFactory(owner=rep1, parent=l2.pk)
    l4 = AccountFactory(owner=rep1, parent=l3.pk)
    assert relation_selectors.rollup_account_ids(rep1, top) == [top.pk, l1.pk, l2.pk, l3.pk]
    assert sorted(relation_selectors.rollup_account_ids(org["manager1"], top)) == sorted(
        [top.pk, l1.pk, hidden.pk, below_hidden.pk, l2.pk, l3.pk]
    )
    assert l4.pk not in relation_selectors.rollup_account_ids(org["manager1"], top)


def test_rollup_is_capped(org, monkeypatch):
    rep = org["rep1"]
    top = AccountFactory(owner=rep)
    for _ in range(5):
        AccountFactory(owner=rep, parent=top.pk)
    monkeypatch.setattr(relation_selectors, "ROLLUP_CAP", 4)
    assert len(relation_selectors.rollup_account_ids(rep, top)) == 4


def test_subsidiary_tree_counts_visible_contacts(org):
    rep1, rep2 = org["rep1"], org["rep2"]
    top = AccountFactory(owner=rep1)
    sub = AccountFactory(owner=rep1, parent=top.pk, name="甲子公司")
    grand = AccountFactory(owner=rep1, parent=sub.pk)
    ContactFactory(owner=rep1, account=sub.pk)
    services.contact_update(
        actor=org["director"], contact=ContactFactory(owner=rep2), data={"account": sub.pk}, version=None
    )  # not visible to rep1
    linked = ContactFactory(owner=rep1)
    relations.contact_link_account(actor=rep1, contact=linked, data={"account": sub.pk, "is_primary": False})
    ContactFactory(owner=rep1, account=grand.pk)
    subs, more = relation_selectors.subsidiary_tree(rep1, top)
    assert [s.pk for s in subs] == [sub.pk] and not more
    assert subs[0].contact_count == 2 and [(g.pk, g.contact_count) for g in subs[0].children] == [
        (grand.pk, 1)
    ]
    assert relation_selectors.subsidiary_tree(org["manager1"], top)[0][0].contact_count == 3
    assert (
        relation_selectors.group_contacts(rep1, relation_selectors.rollup_account_ids(rep1, top)).count() == 3
    )


# --- partners -------------------------------------------------------------------------------


def test_partner_links_need_a_partner_type_a_visible_partner_and_update_rights(org):
    rep = org["rep1"]
    customer = AccountFactory(owner=rep)
    agent = AccountFactory(owner=rep, partner_type="agent", name="代理商有限公司")
    plain = AccountFactory(owner=rep)
    hidden = AccountFactory(owner=org["rep3"], partner_type="reseller")
    for data, field, message in (
        ({"partner": plain.pk}, "partner", "not a partner"),
        ({"partner": hidden.pk}, "partner", "cannot see"),
        ({"partner": customer.pk}, "partner", "own partner"),
        ({"partner": agent.pk, "note": "x" * 201}, "note", "at most 200"),
        ({"note": "无"}, "partner", "required"),
    ):
        with pytest.raises(ValidationFailed) as exc:
            relations.partner_link_add(actor=rep, customer=customer, data=data)
        assert message in field_error(exc, field)
    with pytest.raises(PermissionDenied):
        relations.partner_link_add(actor=org["marketer1"], customer=customer, data={"partner": agent.pk})
    assert not PartnerLink.objects.exists()

    link = relations.partner_link_add(
        actor=rep, customer=customer, data={"partner": agent.pk, "note": "华东区域"}
    )
    assert (link.partner_id, link.customer_id, link.note, link.created_by) == (
        agent.pk,
        customer.pk,
        "华东区域",
        rep,
    )
    assert fresh(customer).version == customer.version
    event = AuditEvent.objects.filter(object_type="account", object_id=customer.pk).latest("id")
    assert event.changes == {"partner_links": [None, {"id": agent.pk, "label": "代理商有限公司"}]}
    with pytest.raises(ValidationFailed) as exc:
        relations.partner_link_add(actor=rep, customer=customer, data={"partner": agent.pk})
    assert "already serves" in field_error(exc, "partner")
    assert [ln.partner_id for ln in relation_selectors.partners_page(rep, customer).items] == [agent.pk]
    assert [ln.customer_id for ln in relation_selectors.customers_page(rep, agent).items] == [customer.pk]
    assert relation_selectors.partners_page(org["rep3"], customer).items == []  # rep3 sees neither

    with pytest.raises(ValidationFailed) as exc:  # a partner with customers stays a partner
        services.account_update(actor=rep, account=fresh(agent), data={"partner_type": ""}, version=None)
    assert "still serves" in field_error(exc, "partner_type")
    relations.partner_link_remove(actor=rep, customer=fresh(customer), partner_id=agent.pk, version=None)
    assert not PartnerLink.objects.exists()
    with pytest.raises(NotFound):
        relations.partner_link_remove(actor=rep, customer=fresh(customer), partner_id=agent.pk, version=None)


def test_partner_type_is_a_choice(org):
    with pytest.raises(ValidationFailed) as exc:
        AccountFactory(owner=org["rep1"], partner_type="distributor")
    assert "Choose one of" in field_error(exc, "partner_type")
    assert AccountFactory(owner=org["rep1"], partner_type="wholesaler").partner_type == "wholesaler"


# --- UI ---------------------------------------------------------------------------------------


def _group(org, n_subs: int, n_contacts: int):
    rep = org["rep1"]
    top = AccountFactory(owner=rep, name="集团有限公司")
    agent = AccountFactory(owner=rep, partner_type="agent")
    relations.partner_link_add(actor=rep, customer=top, data={"partner": agent.pk})
    for _i in range(n_subs):
        sub = AccountFactory(owner=rep, parent=top.pk)
        AccountFactory(owner=rep, parent=sub.pk)
        for _ in range(n_contacts):
            ContactFactory(owner=rep, account=sub.pk)
        other = AccountFactory(owner=rep, partner_type="reseller")
        relations.partner_link_add(actor=rep, customer=fresh(top), data={"partner": other.pk})
    return fresh(top)


def test_account_page_shows_group_partners_and_rollup(web, org):
    top = _group(org, 2, 2)
    AccountFactory(owner=org["rep1"], partner_type="wholesaler", name="可选批发商有限公司")
    html = web("rep1").get(f"/customers/accounts/{top.pk}/").content.decode()
    assert 'data-testid="account-relations"' in html and 'data-testid="subsidiaries"' in html
    assert "2 contacts" in html and "4 contacts across the group" in html
    assert (
        'data-testid="rollup-link"' in html
        and 'data-testid="partner-form"' in html
        and "可选批发商有限公司" in html
    )
    r = web("rep1").get(f"/customers/accounts/{top.pk}/group/contacts/")
    assert r.status_code == 200 and r.content.decode().count('class="gx-row-link"') == 4
    assert web("rep3").get(f"/customers/accounts/{top.pk}/group/contacts/").status_code == 404


def test_account_page_query_count_does_not_grow_with_the_group(web, org, django_assert_max_num_queries):
    small = _group(org, 1, 1)
    client = web("rep1")
    client.get(f"/customers/accounts/{small.pk}/")  # warm caches (session, content types)
    with django_assert_max_num_queries(60) as few:
        client.get(f"/customers/accounts/{small.pk}/")
    big = _group(org, 6, 3)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(f"/customers/accounts/{big.pk}/").status_code == 200


def test_contact_page_query_count_does_not_grow_with_links(web, org, django_assert_max_num_queries):
    rep = org["rep1"]
    contact = ContactFactory(owner=rep, account=AccountFactory(owner=rep).pk)
    client = web("rep1")
    client.get(f"/customers/contacts/{contact.pk}/")
    with django_assert_max_num_queries(60) as few:
        client.get(f"/customers/contacts/{contact.pk}/")
    for _ in range(5):
        relations.contact_link_account(
            actor=rep, contact=fresh(contact), data={"account": AccountFactory(owner=rep).pk, "role": "buyer"}
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        html = client.get(f"/customers/contacts/{contact.pk}/").content.decode()
    assert html.count('bi-star"') == 5 and 'data-testid="primary-badge"' in html


def test_contact_panel_forms_link_edit_make_primary_and_remove(web, org):
    rep = org["rep1"]
    a, b = AccountFactory(owner=rep), AccountFactory(owner=rep, name="新东家有限公司")
    contact = ContactFactory(owner=rep, account=a.pk)
    client = web("rep1")
    html = client.get(f"/customers/contacts/{contact.pk}/").content.decode()
    assert 'data-testid="link-account-form"' in html and "新东家有限公司" in html
    r = client.post(
        f"/customers/contacts/{contact.pk}/accounts/",
        {"account": b.pk, "role": "technical", "title": "技术总监", "version": fresh(contact).version},
    )
    assert r.status_code == 302 and r["Location"].endswith(f"/customers/contacts/{contact.pk}/#relations")
    assert (b.pk, False, "technical", "技术总监") in links_of(contact)
    client.post(
        f"/customers/contacts/{contact.pk}/accounts/{b.pk}/",
        {"role": "buyer", "title": "采购", "version": fresh(contact).version},
    )
    assert (b.pk, False, "buyer", "采购") in links_of(contact)
    client.post(
        f"/customers/contacts/{contact.pk}/accounts/{b.pk}/",
        {"is_primary": "on", "version": fresh(contact).version},
    )
    assert fresh(contact).account_id == b.pk
    # a stale version is refused with a message and changes nothing
    r = client.post(f"/customers/contacts/{contact.pk}/accounts/{a.pk}/remove/", {"version": 1}, follow=True)
    assert "changed this record" in r.content.decode() and (a.pk, False, "", "") in links_of(contact)
    client.post(
        f"/customers/contacts/{contact.pk}/accounts/{a.pk}/remove/", {"version": fresh(contact).version}
    )
    assert links_of(contact) == [(b.pk, True, "buyer", "采购")]
    # errors show as a message; nothing written
    r = client.post(
        f"/customers/contacts/{contact.pk}/accounts/", {"account": "<script>", "version": ""}, follow=True
    )
    assert "Choose an account" in r.content.decode() and "<script>" not in r.content.decode()
    # someone who may only read gets no forms and a 403 when posting
    assert (
        'data-testid="link-account-form"'
        not in web("marketer1").get(f"/customers/contacts/{contact.pk}/").content.decode()
    )
    r = web("marketer1").post(f"/customers/contacts/{contact.pk}/accounts/", {"account": a.pk}, follow=True)
    assert "permission" in r.content.decode() and len(links_of(contact)) == 1
    assert (
        web("rep3").post(f"/customers/contacts/{contact.pk}/accounts/", {"account": a.pk}).status_code == 404
    )


def test_account_panel_forms_add_partner_and_link_contact(web, org):
    rep = org["rep1"]
    customer = AccountFactory(owner=rep)
    agent = AccountFactory(owner=rep, partner_type="agent")
    contact = ContactFactory(owner=rep, name="李四")
    client = web("rep1")
    r = client.post(
        f"/customers/accounts/{customer.pk}/partners/",
        {"partner": agent.pk, "note": "华南", "version": customer.version},
    )
    assert (
        r.status_code == 302
        and PartnerLink.objects.filter(partner=agent, customer=customer, note="华南").exists()
    )
    html = client.get(f"/customers/accounts/{agent.pk}/").content.decode()
    assert 'data-testid="served-customers"' in html and customer.name in html
    r = client.post(
        f"/customers/accounts/{customer.pk}/contacts/link/", {"contact": contact.pk, "role": "finance"}
    )
    assert r.status_code == 302 and links_of(contact) == [(customer.pk, True, "finance", "")]
    r = client.post(
        f"/customers/accounts/{customer.pk}/contacts/link/", {"contact": "999999999"}, follow=True
    )
    assert "Choose a contact" in r.content.decode()
    r = client.post(
        f"/customers/accounts/{customer.pk}/partners/{agent.pk}/remove/",
        {"version": fresh(customer).version, "back": "partner"},
    )
    assert (
        r["Location"].endswith(f"/customers/accounts/{agent.pk}/#relations")
        and not PartnerLink.objects.exists()
    )


def test_account_form_sets_parent_and_partner_type(web, org):
    rep = org["rep1"]
    group = AccountFactory(owner=rep, name="母公司有限公司")
    client = web("rep1")
    html = client.get("/customers/accounts/new/").content.decode()
    assert 'name="parent"' in html and "母公司有限公司" in html and 'name="partner_type"' in html
    r = client.post(
        "/customers/accounts/new/", {"name": "子公司有限公司", "parent": group.pk, "partner_type": "reseller"}
    )
    sub = Account.objects.get(name="子公司有限公司")
    assert r.status_code == 302 and sub.parent_id == group.pk and sub.partner_type == "reseller"
    html = client.get(f"/customers/accounts/{sub.pk}/edit/").content.decode()
    assert f'<option value="{group.pk}" selected>' in html
    # the parent's own form offers no cycle: choosing its subsidiary is an error beside the field
    r = client.post(
        f"/customers/accounts/{group.pk}/edit/",
        {"name": group.name, "parent": sub.pk, "version": group.version},
    )
    assert 'id="id_parent-error"' in r.content.decode() and fresh(group).parent_id is None


def test_history_hides_names_of_parents_and_partners_the_viewer_cannot_see(web, org):
    mine = AccountFactory(owner=org["rep1"])
    secret = AccountFactory(owner=org["rep3"], name="保密母公司", partner_type="agent")
    services.account_update(actor=org["director"], account=mine, data={"parent": secret.pk}, version=None)
    relations.partner_link_add(actor=org["director"], customer=fresh(mine), data={"partner": secret.pk})
    html = web("rep1").get(f"/customers/accounts/{mine.pk}/").content.decode()
    assert "保密母公司" not in html and "(a record you cannot see)" in html
    assert "保密母公司" in web("director").get(f"/customers/accounts/{mine.pk}/").content.decode()


UI_POSTS = (
    "contact_link",
    "contact_link_update",
    "contact_unlink",
    "account_link_contact",
    "partner_add",
    "partner_remove",
)
# persona → what its POST does to rep1's records: "ok" (written), "denied" (a message, nothing
# written) or 404 (cannot see them)
UI_EXPECT = {
    "rep1": "ok",
    "manager1": "ok",
    "director": "ok",
    "agent1": "ok",
    "marketer1": "denied",
    "rep2": 404,
    "rep3": 404,
}


@pytest.mark.parametrize("persona", list(UI_EXPECT))
@pytest.mark.parametrize("view", UI_POSTS)
def test_panel_forms_permission_matrix(web, org, view, persona):
    from .test_api_relations import full_snapshot

    rep = org["rep1"]
    account, spare = AccountFactory(owner=rep), AccountFactory(owner=rep)
    agent, agent2 = (
        AccountFactory(owner=rep, partner_type="agent"),
        AccountFactory(owner=rep, partner_type="reseller"),
    )
    contact = ContactFactory(owner=rep, account=account.pk)
    loose = ContactFactory(owner=rep)
    relations.partner_link_add(actor=rep, customer=account, data={"partner": agent.pk})
    account, contact = fresh(account), fresh(contact)
    url, data = {
        "contact_link": (
            f"/customers/contacts/{contact.pk}/accounts/",
            {"account": spare.pk, "version": contact.version},
        ),
        "contact_link_update": (
            f"/customers/contacts/{contact.pk}/accounts/{account.pk}/",
            {"title": "新职位"},
        ),
        "contact_unlink": (f"/customers/contacts/{contact.pk}/accounts/{account.pk}/remove/", {}),
        "account_link_contact": (f"/customers/accounts/{account.pk}/contacts/link/", {"contact": loose.pk}),
        "partner_add": (f"/customers/accounts/{account.pk}/partners/", {"partner": agent2.pk}),
        "partner_remove": (
            f"/customers/accounts/{account.pk}/partners/{agent.pk}/remove/",
            {"version": account.version},
        ),
    }[view]
    before = full_snapshot()
    client = web(persona)
    r = client.post(url, data)
    outcome = UI_EXPECT[persona]
    if outcome == 404:
        assert r.status_code == 404 and full_snapshot() == before
        return
    assert r.status_code == 302 and r["Location"].endswith("#relations")
    page = client.get(r["Location"]).content.decode()
    if outcome == "denied":
        assert "permission" in page and full_snapshot() == before
    else:
        assert "permission" not in page and full_snapshot() != before


@pytest.mark.parametrize(
    "persona,status", [("rep1", 200), ("manager1", 200), ("marketer1", 200), ("rep2", 404), ("rep3", 404)]
)
def test_group_pages_follow_the_account_visibility(web, org, persona, status):
    top = AccountFactory(owner=org["rep1"])
    AccountFactory(owner=org["rep1"], parent=top.pk, name="可见子公司有限公司")
    for path in ("group/contacts/", "subsidiaries/"):
        r = web(persona).get(f"/customers/accounts/{top.pk}/{path}")
        assert r.status_code == status
    if status == 200:
        assert "可见子公司有限公司" in r.content.decode()
    assert web("rep1").get(f"/customers/accounts/{top.pk}/subsidiaries/?cursor=bad").status_code == 302
