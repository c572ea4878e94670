"""The personal iCal feed (RFC 5545) that calendar apps subscribe to, built with `icalendar`.

Everything is a VEVENT (tasks at their due time too): the common calendar apps, Google's
among them, ignore VTODO in subscribed feeds. The window is the past 30 and the next 90 days.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from icalendar import Calendar, Event

from . import selectors

PAST_DAYS = 30
FUTURE_DAYS = 90


def feed_for(user, *, base_url: str = "", now: dt.datetime | None = None) -> bytes:
    now = now or timezone.now()
    with translation.override(user.language or settings.LANGUAGE_CODE):
        events = selectors.calendar_events(
            user, now - dt.timedelta(days=PAST_DAYS), now + dt.timedelta(days=FUTURE_DAYS)
        )
        cal = Calendar()
        cal.add("prodid", "-//Guanxi CRM//guanxi//EN")
        cal.add("version", "2.0")
        cal.add("calscale", "GREGORIAN")
        cal.add("method", "PUBLISH")
        cal.add("x-wr-calname", _("Guanxi: %(name)s") % {"name": str(user)})
        cal.add("x-published-ttl", "PT1H")
        kinds = {"task": _("Task"), "contact": _("Planned contact")}
        for e in events:
            ev = Event()
            ev.add("uid", f"{e.uid}@guanxi")
            ev.add("dtstamp", now)
            ev.add("dtstart", e.start)
            ev.add("dtend", e.end)
            prefix = "✓ " if e.done else ""
            ev.add("summary", f"{prefix}{e.title}")
            ev.add("categories", [kinds.get(e.kind, e.detail or e.kind)])
            if e.detail:
                ev.add("description", e.detail)
            if e.url and base_url:
                ev.add("url", f"{base_url}{e.url}")
            if e.kind == "task":
                ev.add("status", "CONFIRMED")
                ev.add("transp", "TRANSPARENT")
            cal.add_component(ev)
    return cal.to_ical()
