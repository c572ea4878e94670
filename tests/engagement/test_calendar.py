"""My day and the calendar: what they show, to whom, and at a fixed number of queries."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from guanxi.customers.models import Account, Contact
from guanxi.engagement.models import Activity
from guanxi.engagement.tasks import selectors, services
from tests.factories import AccountFactory, ContactFactory

pytestmark = pytest.mark.django_db


def make_task(actor, **data):
    data.setdefault("title", "回访客户")
    return services.task_create(actor=actor, data=data)


@pytest.fixture
def day(org):
    """rep1's data around 2026-12-10 (Asia/Shanghai)."""
    rep1 = org["rep1"]
    tz = services.user_tz(rep1)

    def at(d, h=10):
        return dt.datetime(2026, 12, d, h, 0, tzinfo=tz)

    account = AccountFactory(owner=rep1, name="西湖科技有限公司")
    contact = ContactFactory(owner=rep1, name="王小明", account=account.pk)
    Account.objects.filter(pk=account.pk).update(next_contact_at=at(10, 15))
    Contact.objects.filter(pk=contact.pk).update(next_contact_at=at(8))
    AccountFactory(owner=org["rep2"])  # rep2's, never shown to rep1
    tasks = {
        "overdue": make_task(rep1, title="上周的", due_at=at(3), account=account.pk),
        "today": make_task(rep1, title="今天的", due_at=at(10, 9), contact=contact.pk),
        "upcoming": make_task(rep1, title="下周的", due_at=at(15)),
        "far": make_task(rep1, title="一个月后", due_at=at(31)),
        "done": make_task(rep1, title="做完了", due_at=at(10, 11), done=True),
        "given": make_task(org["rep2"], title="王芳交给我的", assignee="rep1", due_at=at(10, 16)),
        "other": make_task(org["rep2"], title="王芳自己的", due_at=at(10)),
    }
    meeting = Activity.objects.create(
        kind="meeting", subject="季度会议", owner=rep1, account=account, occurred_at=at(11, 14)
    )
    Activity.objects.create(kind="call", subject="电话", owner=rep1, account=account, occurred_at=at(11, 15))
    Activity.objects.create(kind="visit", subject="王芳的拜访", owner=org["rep2"], occurred_at=at(11, 15))
    return {"at": at, "tasks": tasks, "account": account, "contact": contact, "meeting": meeting}


def test_my_day_sections(org, day, django_assert_max_num_queries):
    rep1 = org["rep1"]
    with django_assert_max_num_queries(8):
        result = selectors.my_day(rep1, dt.date(2026, 12, 10))
    titles = {
        k: [t.title for t in v]
        for k, v in (("overdue", result.overdue), ("today", result.due_today), ("upcoming", result.upcoming))
    }
    assert titles == {"overdue": ["上周的"], "today": ["今天的", "王芳交给我的"], "upcoming": ["下周的"]}
    assert [str(r) for r in result.contacts_due] == ["王小明", "西湖科技有限公司"]
    assert result.overdue[0].visible_account == day["account"]


def test_my_day_costs_the_same_with_more_data(org, day, django_assert_max_num_queries):
    for i in range(40):
        make_task(org["rep1"], title=f"多{i}", due_at=day["at"](10, 12), account=day["account"].pk)
    with django_assert_max_num_queries(8):
        result = selectors.my_day(org["rep1"], dt.date(2026, 12, 10))
    assert len(result.due_today) == 42


def test_calendar_events(org, day, django_assert_max_num_queries):
    at = day["at"]
    with django_assert_max_num_queries(6):
        events = selectors.calendar_events(org["rep1"], at(7, 0), at(14, 0))
    assert [(e.kind, e.title) for e in events] == [
        ("contact", "王小明"),
        ("task", "今天的"),
        ("task", "做完了"),
        ("contact", "西湖科技有限公司"),
        ("task", "王芳交给我的"),
        ("meeting", "季度会议"),
    ]
    assert next(e for e in events if e.title == "做完了").done
    assert selectors.calendar_events(org["rep3"], at(1, 0), at(31, 23)) == []


def test_a_visit_without_subject_is_titled_with_the_owners_day(org):
    """What the iCal feed shows has no request behind it: the owner's zone, not the process's.
    17:30 UTC on 1 March is 2 March in Shanghai, still 1 March in New York."""
    rep1 = org["rep1"]
    rep1.time_zone = "America/New_York"
    moment = dt.datetime(2026, 3, 1, 17, 30, tzinfo=dt.UTC)
    Activity.objects.create(kind="visit", owner=rep1, occurred_at=moment)
    with timezone.override("Asia/Shanghai"):
        events = selectors.calendar_events(rep1, moment - dt.timedelta(days=1), moment + dt.timedelta(days=1))
    assert [e.title for e in events] == ["Visit 2026-03-01"]


def test_calendar_pages_week_and_month(org, day, web, django_assert_max_num_queries):
    client = web("rep1")
    with django_assert_max_num_queries(15):
        week = client.get("/calendar/?view=week&date=2026-12-10")
    html = week.content.decode()
    assert week.status_code == 200 and html.count('class="gx-cal-day') == 7
    assert "季度会议" in html and "今天的" in html and "王芳自己的" not in html and "王芳的拜访" not in html
    month = client.get("/calendar/?view=month&date=2026-12-10").content.decode()
    assert month.count('class="gx-cal-day') == 35 and "一个月后" in month and "上周的" in month
    for bad in ("date=garbage", "date=0001-01-01", "view=year&date=2026-12-10", "date=9999-12-31"):
        assert client.get(f"/calendar/?{bad}").status_code == 200, bad


def test_my_day_page_query_count(org, day, web, django_assert_max_num_queries):
    client = web("rep1")
    client.get("/my-day/")
    with django_assert_max_num_queries(16):
        response = client.get("/my-day/")
    assert response.status_code == 200


def test_the_360_panel_costs_a_fixed_number_of_queries(org, day, web, django_assert_max_num_queries):
    client = web("rep1")
    url = f"/customers/accounts/{day['account'].pk}/"
    client.get(url)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for i in range(15):
        make_task(org["rep1"], title=f"面板{i}", account=day["account"].pk)
    with django_assert_max_num_queries(len(few.captured_queries)):
        html = client.get(url).content.decode()
    assert "面板14" in html
