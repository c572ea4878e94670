"""The follow-up UI: the quick form on the 360° pages, logging, editing, the list, the fragments."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from guanxi.core.cleaning import user_zone
from guanxi.customers.models import Account
from guanxi.engagement.followups import services
from guanxi.engagement.models import Activity
from tests.factories import AccountFactory, ContactFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def account(org):
    acc = AccountFactory(owner=org["rep1"], name="杭州快速跟进有限公司")
    ContactFactory(owner=org["rep1"], name="赵六", account=acc.pk)
    return acc


def test_account_page_has_quick_form_with_call_preselected_and_key_facts(web, account):
    html = web("rep1").get(reverse("account_detail", args=[account.pk])).content.decode()
    assert 'data-testid="log-followup"' in html
    assert 'id="gx-kind-call" value="call" autocomplete="off" checked' in html
    assert "赵六" in html  # the account's contacts to tick
    assert 'data-testid="fact-last-contact"' in html and "never" in html
    assert 'data-testid="timeline"' in html


def test_logging_from_the_account_page_updates_the_page(web, account, org):
    client = web("rep1")
    url = reverse("account_detail", args=[account.pk])
    response = client.post(
        reverse("followup_create"),
        {"kind": "visit", "subject": "上门拜访", "account": account.pk, "next": url},
    )
    assert response.status_code == 302 and response["Location"] == url
    html = client.get(url).content.decode()
    assert "上门拜访" in html and "Follow-up logged." in html
    assert 'data-testid="fact-last-followup">上门拜访<' in html


def test_htmx_post_redirects_by_header_and_errors_come_back_in_the_form(web, account):
    client = web("rep1")
    ok = client.post(
        reverse("followup_create"),
        {"kind": "call", "content": "谈了续约", "account": account.pk, "next": "https://evil.example/"},
        HTTP_HX_REQUEST="true",
    )
    assert ok.status_code == 204 and ok["HX-Redirect"] == reverse("account_detail", args=[account.pk])
    bad = client.post(
        reverse("followup_create"),
        {"kind": "call", "content": "谈了续约", "account": account.pk, "occurred_at": "1850-01-01T10:00"},
        HTTP_HX_REQUEST="true",
    )
    assert bad.status_code == 200
    html = bad.content.decode()
    assert "Enter a date from 1900-01-01 on." in html and "<html" not in html
    assert Activity.objects.count() == 1


def test_the_quick_form_refuses_an_empty_follow_up_and_keeps_the_plan(web, account, org):
    """Open, tap "call", save: nothing said what happened, so the form asks for it; a follow-up
    that sets no next contact leaves the planned one on the page."""
    client = web("rep1")
    plan = (timezone.now() + dt.timedelta(days=9)).replace(microsecond=0)
    services.activity_create(
        actor=org["rep1"],
        data={
            "kind": "call",
            "subject": "约好回访",
            "account": account.pk,
            "next_contact_at": plan.isoformat(),
        },
    )
    url = reverse("account_detail", args=[account.pk])
    empty = client.post(
        reverse("followup_create"),
        {"kind": "call", "account": account.pk, "next": url},
        HTTP_HX_REQUEST="true",
    )
    assert empty.status_code == 200
    assert (
        '<div class="invalid-feedback d-block" data-testid="error-content">'
        "Enter a subject, what happened or an outcome.</div>" in empty.content.decode()
    )
    assert Activity.objects.count() == 1
    client.post(reverse("followup_create"), {"kind": "note", "subject": "顺路问候", "account": account.pk})
    local = timezone.localtime(plan, user_zone(org["rep1"]))
    assert (
        f'data-testid="fact-next-contact"><time datetime="{local.isoformat()}">'
        in client.get(url).content.decode()
    )


def test_a_follow_up_without_subject_is_titled_with_the_viewers_day(web, account, org):
    """17:30 UTC on 1 March is 2 March in Shanghai, still 1 March in New York."""
    rep1 = org["rep1"]
    act = services.activity_create(
        actor=rep1,
        data={"kind": "call", "content": "无主题", "account": account.pk, "occurred_at": "2026-03-01T17:30Z"},
    )
    for zone, title in (("Asia/Shanghai", "Call 2026-03-02"), ("America/New_York", "Call 2026-03-01")):
        rep1.time_zone = zone
        rep1.save(update_fields=["time_zone"])
        client = web("rep1")
        assert f">{title}</a>" in client.get(reverse("followup_list")).content.decode()
        assert f"<h1>{title}</h1>" in client.get(reverse("followup_edit", args=[act.pk])).content.decode()


def test_contact_page_prefills_the_contact(web, org):
    contact = ContactFactory(owner=org["rep1"], name="钱七")
    html = web("rep1").get(reverse("contact_detail", args=[contact.pk])).content.decode()
    assert f'value="{contact.pk}"' in html and "checked" in html
    web("rep1").post(
        reverse("followup_create"), {"kind": "call", "subject": "电话", "contacts": [contact.pk]}
    )
    assert Activity.objects.get().contact_links.get().contact_id == contact.pk


def test_edit_and_delete(web, account, org):
    act = services.activity_create(
        actor=org["rep1"], data={"kind": "call", "subject": "旧", "account": account.pk}
    )
    client = web("rep1")
    page = client.get(reverse("followup_edit", args=[act.pk]))
    assert page.status_code == 200 and "旧" in page.content.decode()
    response = client.post(
        reverse("followup_edit", args=[act.pk]), {"kind": "meeting", "subject": "新", "version": act.version}
    )
    assert response.status_code == 302
    act.refresh_from_db()
    assert (act.kind, act.subject, act.version) == ("meeting", "新", 2)
    stale = client.post(
        reverse("followup_edit", args=[act.pk]), {"kind": "note", "subject": "x", "version": 1}
    )
    assert stale.status_code == 200 and "Someone else changed this record" in stale.content.decode()
    client.post(reverse("followup_delete", args=[act.pk]), {"version": act.version})
    assert Activity._base_manager.get(pk=act.pk).deleted_at is not None


def test_other_reps_follow_up_is_404(web, account, org):
    act = services.activity_create(
        actor=org["rep1"], data={"kind": "call", "subject": "电话", "account": account.pk}
    )
    assert web("rep2").get(reverse("followup_edit", args=[act.pk])).status_code == 404
    assert web("rep2").post(reverse("followup_delete", args=[act.pk]), {"version": 1}).status_code == 404
    assert web("rep2").get(reverse("timeline_fragment", args=["account", account.pk])).status_code == 404
    assert Activity.objects.filter(pk=act.pk).exists()


def test_list_page_shows_team_follow_ups_with_filters(web, account, org):
    services.activity_create(
        actor=org["rep1"], data={"kind": "call", "subject": "甲电话", "account": account.pk}
    )
    other = AccountFactory(owner=org["rep3"])
    services.activity_create(
        actor=org["rep3"], data={"kind": "visit", "subject": "南方拜访", "account": other.pk}
    )
    html = web("manager1").get(reverse("followup_list")).content.decode()
    assert "甲电话" in html and "南方拜访" not in html
    html = web("director").get(reverse("followup_list") + "?kind=visit").content.decode()
    assert "南方拜访" in html and "甲电话" not in html
    bad = web("director").get(reverse("followup_list") + "?kind=pigeon")
    assert bad.status_code == 200 and "Choose one of" in bad.content.decode()


def test_timeline_fragments(web, account, org):
    for i in range(25):
        services.activity_create(
            actor=org["rep1"],
            data={"kind": "call" if i % 2 else "visit", "subject": f"第{i}次", "account": account.pk},
        )
    client = web("rep1")
    url = reverse("timeline_fragment", args=["account", account.pk])
    body = client.get(url + "?kind=visit", HTTP_HX_REQUEST="true").content.decode()
    assert 'id="gx-timeline-body"' in body and "第0次" in body and "第1次" not in body
    first = client.get(reverse("account_detail", args=[account.pk])).content.decode()
    assert 'data-testid="timeline-more"' in first
    import re

    more = re.search(r'hx-get="([^"]+cursor=[^"]+)"', first).group(1).replace("&amp;", "&")
    page2 = client.get(more, HTTP_HX_REQUEST="true").content.decode()
    assert 'id="gx-timeline-body"' not in page2 and 'data-testid="timeline-entry"' in page2
    assert client.get(url + "?cursor=bogus").status_code == 400
    assert client.get(url + "?kind=pigeon").status_code == 400


def _detail_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_account_page_query_count_does_not_grow_with_the_timeline(
    web, account, org, django_assert_max_num_queries
):
    client = web("rep1")
    url = reverse("account_detail", args=[account.pk])
    for _ in range(5):
        services.activity_create(
            actor=org["rep1"],
            data={
                "kind": "call",
                "subject": "电话",
                "account": account.pk,
                "contacts": [account.contacts.get().pk],
            },
        )
    client.get(url)  # warm caches (content types, sessions)
    five = _detail_queries(client, url)
    for _ in range(45):
        services.activity_create(
            actor=org["rep1"],
            data={
                "kind": "email",
                "subject": "邮件",
                "account": account.pk,
                "contacts": [account.contacts.get().pk],
            },
        )
    fifty = _detail_queries(client, url)
    assert five == fifty
    with django_assert_max_num_queries(60):
        client.get(url)


def test_contact_page_query_count_does_not_grow_with_the_timeline(web, org):
    contact = ContactFactory(owner=org["rep1"], name="固定查询")
    client = web("rep1")
    url = reverse("contact_detail", args=[contact.pk])

    def add(n):
        for _ in range(n):
            services.activity_create(
                actor=org["rep1"], data={"kind": "call", "subject": "电话", "contacts": [contact.pk]}
            )

    add(5)
    client.get(url)
    five = _detail_queries(client, url)
    add(45)
    assert _detail_queries(client, url) == five


def test_restoring_from_the_recycle_bin_page_brings_the_plan_back(web, account, org):
    """The recycle bin page restores through records.lifecycle, not the follow-up services."""
    rep1 = org["rep1"]
    plan = (timezone.now() + dt.timedelta(days=9)).replace(microsecond=0)
    planned = services.activity_create(
        actor=rep1,
        data={
            "kind": "call",
            "subject": "约好回访",
            "account": account.pk,
            "next_contact_at": plan.isoformat(),
        },
    )
    services.activity_delete(actor=rep1, activity=planned, version=None)
    assert Account.objects.get(pk=account.pk).next_contact_at is None
    response = web("rep1").post(reverse("records_restore", args=["activity", planned.pk]))
    assert response.status_code == 302
    restored = Account.objects.get(pk=account.pk)
    assert (restored.next_contact_at, restored.last_followup_summary) == (plan, "约好回访")
