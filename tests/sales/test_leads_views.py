"""Lead pages: list (query count pinned, filters, load more), form, detail with status actions
and follow-ups, convert page, recycle bin; invisible leads are 404."""

from __future__ import annotations

import pytest


@pytest.fixture
def leads(org):
    from guanxi.sales.leads import services

    return [
        services.lead_create(
            actor=org["rep1"],
            data={
                "name": f"线索{i}",
                "company": f"公司{i}",
                "mobile": f"1380013{i:04d}",
                "province": "浙江省",
            },
        )
        for i in range(30)
    ]


def test_list_pages_and_query_count(org, web, leads, django_assert_max_num_queries):
    client = web("rep1")
    with django_assert_max_num_queries(12):
        r = client.get("/sales/leads/")
    assert r.status_code == 200
    body = r.content.decode()
    assert (
        body.count('data-testid="lead-row"') == 25 and "Load more" in body and 'data-label="Status"' in body
    )
    with django_assert_max_num_queries(12):
        r = client.get("/sales/leads/?status=new&province=浙江省&ordering=-score")
    assert r.status_code == 200
    r = client.get("/sales/leads/?status=bogus")
    assert r.status_code == 200 and b"alert-warning" in r.content
    assert web("rep3").get("/sales/leads/").content.decode().count('data-testid="lead-row"') == 0


def test_create_and_edit_form(org, web):
    from guanxi.sales.models import Lead

    client = web("rep2")
    r = client.post("/sales/leads/new/", {"name": "", "mobile": "abc", "source": "other"})
    assert r.status_code == 200 and b"invalid-feedback" in r.content and not Lead.objects.exists()
    r = client.post("/sales/leads/new/", {"name": "韩梅梅", "company": "北方公司", "source": "referral"})
    lead = Lead.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/sales/leads/{lead.pk}/" and lead.owner == org["rep2"]
    r = client.post(
        f"/sales/leads/{lead.pk}/edit/",
        {"name": "韩梅梅", "company": "南方公司", "source": "referral", "version": lead.version},
    )
    lead.refresh_from_db()
    assert r.status_code == 302 and lead.company == "南方公司"
    r = client.post(f"/sales/leads/{lead.pk}/edit/", {"name": "x", "source": "referral", "version": 1})
    assert r.status_code == 200  # stale version: shown on the form, not saved
    lead.refresh_from_db()
    assert lead.name == "韩梅梅"


def test_detail_status_followup_and_404(org, web, leads, django_assert_max_num_queries):
    lead = leads[0]
    client = web("rep1")
    with django_assert_max_num_queries(20):
        r = client.get(f"/sales/leads/{lead.pk}/")
    assert (
        r.status_code == 200
        and b'data-testid="status-working"' in r.content
        and b'id="gx-unqualify"' in r.content
    )
    assert web("rep3").get(f"/sales/leads/{lead.pk}/").status_code == 404
    r = client.post(
        f"/sales/leads/{lead.pk}/status/", {"status": "unqualified", "reason": "", "version": lead.version}
    )
    lead.refresh_from_db()
    assert r.status_code == 302 and lead.status == "new"
    client.post(
        f"/sales/leads/{lead.pk}/status/",
        {"status": "unqualified", "reason": "没有预算", "version": lead.version},
    )
    lead.refresh_from_db()
    assert lead.status == "unqualified" and lead.unqualified_reason == "没有预算"
    r = client.post(f"/sales/leads/{lead.pk}/follow-up/", {"kind": "call", "subject": "<b>回访</b>"})
    assert r.status_code == 302
    page = client.get(f"/sales/leads/{lead.pk}/").content.decode()
    assert "&lt;b&gt;回访&lt;/b&gt;" in page and "<b>回访</b>" not in page
    assert web("rep3").post(f"/sales/leads/{lead.pk}/status/", {"status": "working"}).status_code == 404


def test_convert_page_offers_duplicates_and_converts(org, web, leads):
    from guanxi.customers.directory import services as customers

    lead = leads[1]
    account = customers.account_create(actor=org["rep1"], data={"name": "公司1"})
    client = web("rep1")
    r = client.get(f"/sales/leads/{lead.pk}/convert/")
    assert r.status_code == 200 and f'data-testid="match-{account.pk}"'.encode() in r.content
    r = client.get(f"/sales/leads/{lead.pk}/convert/?q=公司1")
    assert f'data-testid="found-{account.pk}"'.encode() in r.content
    r = client.post(f"/sales/leads/{lead.pk}/convert/", {"account": str(account.pk)})
    assert r.status_code == 302
    lead.refresh_from_db()
    assert lead.status == "converted" and lead.account == account
    page = client.get(f"/sales/leads/{lead.pk}/").content.decode()
    assert 'data-testid="converted"' in page and f"/customers/accounts/{account.pk}/" in page
    assert 'data-testid="convert-lead"' not in page
    r = client.get(f"/sales/leads/{lead.pk}/convert/")
    assert r.status_code == 302
    assert web("marketer1").get(f"/sales/leads/{leads[2].pk}/convert/").status_code == 403


def test_convert_page_shows_errors(org, web, leads):
    lead = leads[3]
    r = web("rep1").post(f"/sales/leads/{lead.pk}/convert/", {"account": "999999999"})
    assert r.status_code == 200 and b'data-testid="convert-error"' in r.content
    lead.refresh_from_db()
    assert lead.status == "new"


def test_delete_restore_and_transfer(org, web, leads):
    lead = leads[4]
    client = web("rep1")
    r = client.post(f"/sales/leads/{lead.pk}/delete/", {"version": lead.version})
    assert r.status_code == 302
    assert str(lead.name).encode() in client.get("/sales/leads/recycle-bin/").content
    client.post(f"/sales/leads/{lead.pk}/restore/")
    lead.refresh_from_db()
    assert lead.deleted_at is None
    r = client.post(f"/sales/leads/{lead.pk}/transfer/", {"owner": "rep3"})
    lead.refresh_from_db()
    assert lead.owner == org["rep3"] and r["Location"] == "/sales/leads/"
