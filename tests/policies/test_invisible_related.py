"""Nothing names a record the reader cannot see: every API answer and every page that rep1 can
open about rep1's records is read for the names and ids of related records that only rep3 may
see (rep3 works in another department). The relations are made the way they arise: rep1 links
its records, then the linked ones are transferred to rep3."""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client

from tests.helpers import module_transaction

HIDDEN = "隐秘"  # every record rep1 must not see has it in its name


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    from django.test import override_settings

    from guanxi.customers.directory import services as customers
    from guanxi.customers.models import Account, Contact
    from guanxi.customers.relations import services as relations
    from guanxi.demo.org import ensure_demo_org
    from guanxi.demo.sales import ensure_pipelines
    from guanxi.engagement.followups import services as followups
    from guanxi.engagement.models import Activity
    from guanxi.engagement.tasks import services as tasks
    from guanxi.org.models import ApiToken
    from guanxi.sales.leads import conversion
    from guanxi.sales.leads import services as leads
    from guanxi.sales.models import Lead, Opportunity
    from guanxi.sales.pipelines import services as pipelines

    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        with module_transaction(django_db_blocker), django_db_blocker.unblock():
            users = ensure_demo_org()
            rep1, rep3 = users["rep1"], users["rep3"]
            ensure_pipelines()
            seen = customers.account_create(actor=rep1, data={"name": "可见客户公司"})
            hidden_account = customers.account_create(actor=rep1, data={"name": "隐秘母公司"})
            contact = customers.contact_create(actor=rep1, data={"name": "可见联系人", "account": seen.pk})
            hidden_contact = customers.contact_create(
                actor=rep1, data={"name": "隐秘联系人", "account": seen.pk}
            )
            relations.contact_link_account(actor=rep1, contact=contact, data={"account": hidden_account.pk})
            lead = leads.lead_create(actor=rep1, data={"name": "可见线索"})
            hidden_lead = leads.lead_create(actor=rep1, data={"name": "隐秘线索"})
            opportunity = pipelines.opportunity_create(
                actor=rep1,
                data={
                    "name": "可见商机",
                    "account": seen.pk,
                    "amount": "1000",
                    "contacts": [{"contact": contact.pk}, {"contact": hidden_contact.pk}],
                },
            )
            activity = followups.activity_create(
                actor=rep1,
                data={
                    "kind": "call",
                    "subject": "可见跟进",
                    "account": seen.pk,
                    "contacts": [contact.pk, hidden_contact.pk],
                    "lead": hidden_lead.pk,
                },
            )
            task = tasks.task_create(
                actor=rep1,
                data={
                    "title": "可见任务",
                    "account": seen.pk,
                    "contact": hidden_contact.pk,
                    "lead": hidden_lead.pk,
                },
            )
            lead_task = tasks.task_create(actor=rep1, data={"title": "线索任务", "lead": hidden_lead.pk})
            orphan = customers.contact_create(
                actor=rep1, data={"name": "可见联系人二", "account": hidden_account.pk}
            )
            followups.activity_create(
                actor=rep1,
                data={
                    "kind": "visit",
                    "subject": "可见拜访",
                    "account": hidden_account.pk,
                    "contacts": [orphan.pk],
                },
            )
            tasks.task_create(
                actor=rep1, data={"title": "可见任务二", "account": hidden_account.pk, "contact": orphan.pk}
            )
            deal_on_theirs = pipelines.opportunity_create(
                actor=rep1, data={"name": "可见商机二", "account": hidden_account.pk, "amount": "2000"}
            )
            pipelines.opportunity_contacts_set(
                actor=rep1,
                opportunity=deal_on_theirs,
                contacts=[{"contact": hidden_contact.pk, "role": "buyer"}],
            )
            converted_lead = leads.lead_create(actor=rep1, data={"name": "转换线索", "company": "转换公司"})
            made = conversion.lead_convert(actor=rep1, lead=converted_lead)
            Account._base_manager.filter(pk=made["account"]).update(owner=rep3)
            Contact._base_manager.filter(pk=made["contact"]).update(owner=rep3)
            # the linked records go to a rep of another department; the links stay
            Opportunity._base_manager.filter(pk=opportunity.pk).update(lead=hidden_lead)
            Account._base_manager.filter(pk=seen.pk).update(parent=hidden_account)
            Account._base_manager.filter(pk=hidden_account.pk).update(owner=rep3)
            Contact._base_manager.filter(pk=hidden_contact.pk).update(owner=rep3)
            Lead._base_manager.filter(pk=hidden_lead.pk).update(owner=rep3)
            # rep3's own follow-up and deal on rep1's customer: rep1 sees them through the account
            theirs = followups.activity_create(
                actor=users["admin"],
                data={
                    "kind": "visit",
                    "subject": "他人跟进",
                    "account": hidden_account.pk,
                    "contacts": [contact.pk],
                },
            )
            Activity._base_manager.filter(pk=theirs.pk).update(owner=rep3)
            their_deal = pipelines.opportunity_create(
                actor=users["admin"],
                data={
                    "name": "他人商机",
                    "account": seen.pk,
                    "amount": "5",
                    "contacts": [{"contact": hidden_contact.pk}],
                },
            )
            Opportunity._base_manager.filter(pk=their_deal.pk).update(owner=rep3, lead=hidden_lead)
            yield {
                "token": ApiToken.issue(rep1)[1],
                "rep1": rep1,
                "ids": {
                    "account_id": seen.pk,
                    "pk": seen.pk,
                    "contact_id": contact.pk,
                    "lead_id": lead.pk,
                    "opportunity_id": opportunity.pk,
                    "activity_id": activity.pk,
                    "task_id": task.pk,
                    "orphan_id": orphan.pk,
                },
                "hidden": {
                    "account": {hidden_account.pk, made["account"]},
                    "contact": {hidden_contact.pk, made["contact"]},
                    "lead": {hidden_lead.pk},
                },
                "pages": {
                    "account": seen.pk,
                    "contact": contact.pk,
                    "opportunity": opportunity.pk,
                    "their_deal": their_deal.pk,
                    "activity": activity.pk,
                    "their_activity": theirs.pk,
                    "task": task.pk,
                    "lead_task": lead_task.pk,
                    "lead": lead.pk,
                    "converted_lead": converted_lead.pk,
                    "deal_on_theirs": deal_on_theirs.pk,
                    "orphan": orphan.pk,
                },
            }


# keys of JSON answers that name another record, by the kind of record they name
KEYS = {
    "account": "account",
    "parent": "account",
    "partner": "account",
    "customer": "account",
    "contact": "contact",
    "contacts": "contact",
    "lead": "lead",
}


def _named(data, out: list, key: str | None = None):
    """(kind, id) of every record a JSON answer names under a relation key."""
    if isinstance(data, dict):
        for k, v in data.items():
            _named(v, out, k if k in KEYS else None if isinstance(v, (dict, list)) and k != "ids" else k)
    elif isinstance(data, list):
        for item in data:
            _named(item, out, key)
    elif key in KEYS and isinstance(data, int) and not isinstance(data, bool):
        out.append((KEYS[key], data))


def _leaks(world, body: bytes, as_json: bool) -> list[str]:
    text = body.decode("utf-8", "replace")
    found = [f"name {m}" for m in re.findall(f'{HIDDEN}[^"<\\s]*', text)]
    paths = {"account": "/customers/accounts/", "contact": "/customers/contacts/", "lead": "/sales/leads/"}
    for kind, ids in world["hidden"].items():
        found += [f"link to {kind} {pk}" for pk in ids if f'{paths[kind]}{pk}/"' in text]
    if as_json:
        named: list = []
        _named(json.loads(text), named)
        found += [f"{kind} id {pk}" for kind, pk in named if pk in world["hidden"][kind]]
    return found


def test_no_api_answer_names_a_record_the_reader_cannot_see(world, db):
    from guanxi.config.api import api

    client = Client(HTTP_AUTHORIZATION=f"Bearer {world['token']}", HTTP_ACCEPT_LANGUAGE="en")
    leaks, read = [], 0
    for path, operations in api.get_openapi_schema()["paths"].items():
        if "get" not in operations or path.endswith(("/download", "/export")):
            continue
        names = re.findall(r"{([a-z_]+)}", path)
        if any(n not in world["ids"] for n in names):
            continue
        url = re.sub(r"{([a-z_]+)}", lambda m: str(world["ids"][m.group(1)]), path)
        for query in ({}, {"subsidiaries": "true"} if path.endswith("/timeline") else None):
            if query is None:
                continue
            response = client.get(url, query)
            if response.status_code != 200:
                continue
            read += 1
            leaks += [f"GET {url} {query}: {leak}" for leak in _leaks(world, response.content, True)]
    assert read > 25
    assert leaks == [], "\n".join(leaks)


def test_no_page_names_a_record_the_reader_cannot_see(world, db):
    from guanxi.sales.dashboards.views import ALL_PANELS

    client = Client()
    client.force_login(world["rep1"])
    p = world["pages"]
    urls = [
        "/",
        "/customers/accounts/",
        f"/customers/accounts/{p['account']}/",
        f"/customers/accounts/{p['account']}/edit/",
        "/customers/contacts/",
        f"/customers/contacts/{p['contact']}/",
        f"/customers/contacts/{p['contact']}/edit/",
        f"/customers/contacts/{p['orphan']}/",
        f"/customers/contacts/{p['orphan']}/edit/",
        f"/engagement/timeline/contact/{p['orphan']}/",
        "/customers/drifting/",
        f"/engagement/timeline/account/{p['account']}/",
        f"/engagement/timeline/account/{p['account']}/?subsidiaries=1",
        f"/engagement/timeline/contact/{p['contact']}/",
        "/engagement/follow-ups/",
        f"/engagement/follow-ups/{p['activity']}/",
        f"/engagement/follow-ups/{p['their_activity']}/",
        "/tasks/",
        "/tasks/?view=created",
        f"/tasks/{p['task']}/",
        f"/tasks/{p['lead_task']}/",
        "/my-day/",
        "/calendar/",
        "/notifications/",
        "/sales/leads/",
        f"/sales/leads/{p['lead']}/",
        f"/sales/leads/{p['converted_lead']}/",
        f"/sales/opportunities/{p['deal_on_theirs']}/",
        "/sales/opportunities/",
        f"/sales/opportunities/{p['opportunity']}/",
        f"/sales/opportunities/{p['their_deal']}/",
        f"/sales/opportunities/{p['opportunity']}/edit/",
        f"/sales/opportunities/{p['their_deal']}/edit/",
        "/sales/pipelines/board/",
        "/sales/forecast/",
        "/sales/dashboard/",
        "/sales/dashboard/home-widget/",
        *[f"/sales/dashboard/panel/{panel}/" for panel in sorted(ALL_PANELS)],
        f"/customers/accounts/{p['account']}/group/contacts/",
        f"/customers/accounts/{p['account']}/subsidiaries/",
        "/my-day/summary/",
        "/search/?q=可见",
    ]
    leaks, read = [], 0
    for url in urls:
        response = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
        if response.status_code != 200:
            continue
        read += 1
        leaks += [f"GET {url}: {leak}" for leak in _leaks(world, response.content, False)]
    assert read >= len(urls) - 3, read
    assert leaks == [], "\n".join(leaks)


def test_a_lead_names_its_pool_and_form_only_to_who_may_see_them(org, api):
    from guanxi.sales.leads import services as leads
    from guanxi.sales.models import Lead, LeadForm
    from tests.sales.test_pools_rules import make_pool

    pool = make_pool(org["admin"], name="华南线索池", kind="lead", members=["rep3"], admins=[])
    form = LeadForm.objects.create(name="展会表单", slug="expo")
    lead = leads.lead_create(actor=org["rep1"], data={"name": "来自公海的线索"})
    Lead._base_manager.filter(pk=lead.pk).update(pool=pool, form=form)
    body = api("rep1").get(f"/api/v1/leads/{lead.pk}").json()
    assert (body["pool"], body["form"]) == (None, None)
    body = api("admin").get(f"/api/v1/leads/{lead.pk}").json()
    assert (body["pool"], body["form"]) == (pool.pk, form.pk)


def test_pool_events_name_only_records_still_in_the_pool_or_readable(org, api):
    from guanxi.sales.pools import services as pools
    from tests.sales.test_pools_rules import make_pool, pooled_accounts

    pool = make_pool(org["admin"], members=["rep1", "rep3"])
    claimed, waiting = pooled_accounts(org, pool, 2)
    pools.pool_claim(actor=org["rep3"], pool=pool, ids=[claimed])
    events = api("rep1").get(f"/api/v1/pools/{pool.pk}/events").json()["items"]
    named = {e["object_id"] for e in events}
    assert waiting in named and claimed not in named and None in named
    assert claimed in {
        e["object_id"] for e in api("rep3").get(f"/api/v1/pools/{pool.pk}/events").json()["items"]
    }


def test_a_deals_history_names_its_contacts_as_far_as_the_reader_may_see_them(world, db):
    """The field history recorded the contacts as ids ([[2, "buyer"]]): shown as names, and as
    "(a record you cannot see)" for those the reader may not read."""
    client = Client()
    client.force_login(world["rep1"])
    html = client.get(f"/sales/opportunities/{world['pages']['deal_on_theirs']}/", HTTP_ACCEPT_LANGUAGE="en")
    text = html.content.decode()
    assert "(a record you cannot see) buyer" in text and "&#x27;buyer&#x27;" not in text
