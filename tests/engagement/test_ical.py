"""The personal iCal feed: secret, hashed, revocable, and readable by calendar apps."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from icalendar import Calendar

from guanxi.engagement.models import Activity, CalendarFeed
from guanxi.engagement.tasks import services

pytestmark = pytest.mark.django_db


def test_feed_lists_tasks_meetings_and_planned_contacts_and_parses_back(org, web, client):
    rep1 = org["rep1"]
    now = timezone.now()
    services.task_create(
        actor=rep1, data={"title": "交报价, 含税; 明天", "due_at": (now + dt.timedelta(days=1)).isoformat()}
    )
    services.task_create(
        actor=rep1, data={"title": "太久以后", "due_at": (now + dt.timedelta(days=200)).isoformat()}
    )
    services.task_create(actor=org["rep2"], data={"title": "别人的", "due_at": now.isoformat()})
    Activity.objects.create(
        kind="visit", subject="拜访", owner=rep1, occurred_at=now + dt.timedelta(days=2), duration_minutes=90
    )
    page = web("rep1").post("/calendar/feed/", {"action": "create"})
    assert page.status_code == 200
    url = page.context["feed_url"]
    assert url.startswith("http://testserver/calendar/feed/") and url.endswith(".ics")
    token = url.rsplit("/", 1)[1][:-4]
    assert CalendarFeed.objects.get(user=rep1).digest == CalendarFeed.hash(token)  # only the hash is kept
    assert token not in web("rep1").get("/calendar/feed/").content.decode()  # shown once

    response = client.get(f"/calendar/feed/{token}.ics")  # no login
    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    cal = Calendar.from_ical(response.content)
    events = {str(e["summary"]): e for e in cal.walk("VEVENT")}
    assert set(events) == {"交报价, 含税; 明天", "拜访"}
    visit = events["拜访"]
    assert visit.decoded("dtend") - visit.decoded("dtstart") == dt.timedelta(minutes=90)
    assert str(events["交报价, 含税; 明天"]["uid"]).startswith("task-")
    assert CalendarFeed.objects.get(user=rep1).last_used_at is not None


def test_regenerate_and_revoke(org, web, client):
    browser = web("rep1")
    first = browser.post("/calendar/feed/", {"action": "create"}).context["feed_url"].rsplit("/", 1)[1]
    second = browser.post("/calendar/feed/", {"action": "regenerate"}).context["feed_url"].rsplit("/", 1)[1]
    assert client.get(f"/calendar/feed/{first}").status_code == 404
    assert client.get(f"/calendar/feed/{second}").status_code == 200
    browser.post("/calendar/feed/", {"action": "revoke"})
    assert client.get(f"/calendar/feed/{second}").status_code == 404
    assert not CalendarFeed.objects.exists()


def test_bad_tokens_and_inactive_users_are_404(org, client):
    _row, token = services.calendar_feed_issue(actor=org["rep1"])
    for bad in ("nope", "x" * 200, "%00", "..%2F..", token[:-1]):
        assert client.get(f"/calendar/feed/{bad}.ics").status_code == 404, bad
    org["rep1"].is_active = False
    org["rep1"].save(update_fields=["is_active"])
    assert client.get(f"/calendar/feed/{token}.ics").status_code == 404


def test_the_feed_page_needs_a_login(client):
    response = client.get("/calendar/feed/")
    assert response.status_code == 302 and "login" in response["Location"]
