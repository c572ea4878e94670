"""The follow-ups' parts of the 360° pages: the timeline and the quick "log a follow-up" form.

Declared in engagement/registry.py. Fixed query count: the timeline's
first page (one query per source + a few, see timeline.py) and the record's visible contacts."""

from __future__ import annotations

from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from guanxi.core import panels
from guanxi.core.errors import ApplicationError
from guanxi.customers.models import Account, Contact
from guanxi.org.models import Action
from guanxi.policies import access

from ..models import Activity
from . import timeline
from .forms import FollowupForm

CONTACT_CHOICES = 50


def _try_reverse(name: str) -> str | None:
    try:
        return reverse(name)
    except NoReverseMatch:
        return None


def timeline_context(request, record, *, kind: str = "", subsidiaries: bool = False) -> dict:
    kind = (request.GET.get("kind") or kind or "")[:200]
    try:
        page = _timeline(request.user, record, kind=kind, subsidiaries=subsidiaries)
    except ApplicationError:  # a bad ?kind= on the page: show everything
        kind = ""
        page = _timeline(request.user, record, kind="", subsidiaries=subsidiaries)
    return timeline_fragment_context(request.user, record, page)


def _timeline(actor, record, *, kind, subsidiaries, cursor=None):
    if record.POLICY_OBJECT_TYPE == "account":
        return timeline.account_timeline(actor, record, kind=kind, cursor=cursor, subsidiaries=subsidiaries)
    return timeline.contact_timeline(actor, record, kind=kind, cursor=cursor)


def _has_visible_subsidiaries(actor, account) -> bool:
    tree = panels.already_read(account, "subsidiary_tree")  # the relations panel's, on the 360° page
    if tree is not None:
        return bool(tree[0])
    return access.scope(actor, Account).filter(parent=account).exists()


def timeline_fragment_context(actor, record, page: timeline.TimelinePage) -> dict:
    from django.http import QueryDict

    url = reverse("timeline_fragment", args=[record.POLICY_OBJECT_TYPE, record.pk])

    def link(**params) -> str:
        q = QueryDict(mutable=True)
        for k, v in params.items():
            if v:
                q[k] = v
        return f"{url}?{q.urlencode()}" if q else url

    subs = "1" if page.subsidiaries else ""
    page_url = reverse(
        f"{record.POLICY_OBJECT_TYPE}_detail", args=[record.pk]
    )  # without htmx: the whole page

    def page_link(**params) -> str:
        q = QueryDict(mutable=True)
        for k, v in params.items():
            if v:
                q[k] = v
        return f"{page_url}?{q.urlencode()}#gx-timeline" if q else f"{page_url}#gx-timeline"

    chips = [
        {
            "value": v,
            "label": label,
            "url": link(kind=v, subsidiaries=subs),
            "active": v == page.kind,
            "href": page_link(kind=v, subsidiaries=subs),
        }
        for v, label in timeline.chips(record.POLICY_OBJECT_TYPE)
    ]
    return {
        "timeline": page,
        "timeline_chips": chips,
        "timeline_record": record,
        "timeline_more_url": link(kind=page.kind, subsidiaries=subs, cursor=page.next_cursor)
        if page.next_cursor
        else None,
        "timeline_subsidiaries_url": link(kind=page.kind, subsidiaries="" if subs else "1"),
        "timeline_subsidiaries_href": page_link(kind=page.kind, subsidiaries="" if subs else "1"),
        "timeline_has_subsidiaries": record.POLICY_OBJECT_TYPE == "account"
        and (page.subsidiaries or _has_visible_subsidiaries(actor, record)),
    }


def quick_actions_context(request, record) -> dict:
    actor = request.user
    can_log = access.scope_level(actor, Activity.POLICY_OBJECT_TYPE, Action.CREATE) > 0
    ctx: dict = {"can_log_followup": can_log}
    if not can_log:
        return ctx
    if record.POLICY_OBJECT_TYPE == "account":
        contacts = list(
            access.scope(actor, Contact)
            .filter(account=record)
            .order_by("name", "id")
            .only("id", "name", "family_name", "given_name")[:CONTACT_CHOICES]
        )
        initial = {"account": str(record.pk), "contacts": []}
    else:
        contacts = [record]
        initial = {"contacts": [str(record.pk)]}
    initial["next"] = request.get_full_path()
    form = FollowupForm(initial=initial, contact_choices=[(str(c.pk), c.display_name) for c in contacts])
    ctx.update(followup_form=form, followup_action=reverse("followup_create"))
    task_url = _try_reverse("task_create")
    if task_url:
        ctx["quick_task_url"] = f"{task_url}?{record.POLICY_OBJECT_TYPE}={record.pk}"
    return ctx


def timeline_panel(request, record) -> dict:
    """The timeline's first page (slot "main"); on an account, ?subsidiaries=1 adds theirs."""
    subsidiaries = record.POLICY_OBJECT_TYPE == "account" and request.GET.get("subsidiaries") == "1"
    return timeline_context(request, record, subsidiaries=subsidiaries)


def facts_panel(request, record) -> dict:
    """The follow-up services' key facts (slot "facts"): overdue is relative to now."""
    return {"now_for_facts": timezone.now()}
