"""UI views (thin): My day, tasks, notifications (the bell), the calendar and the iCal feed."""

from __future__ import annotations

import calendar as pycalendar
import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from guanxi.core.errors import ApplicationError
from guanxi.core.htmx import errors_to_form, is_htmx
from guanxi.customers.models import Account
from guanxi.engagement.models import CalendarFeed, Priority, Task
from guanxi.org.models import Action
from guanxi.org.selectors import active_users
from guanxi.policies import access

from . import ical, selectors, services
from .forms import QuickTaskForm, TaskForm


def _next(request, default: str) -> str:
    nxt = request.POST.get("next") or request.GET.get("next") or ""
    if nxt and url_has_allowed_host_and_scheme(
        nxt, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return nxt
    return default


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _local_input(value: dt.datetime | None) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%dT%H:%M") if value else ""


# --- My day -----------------------------------------------------------------------------------


@login_required
def my_day(request):
    return render(request, "engagement/tasks/my_day.html", {"day": selectors.my_day(request.user)})


@login_required
def my_day_summary(request):
    """The home page's small "My day" widget (fetched by htmx)."""
    return render(request, "engagement/tasks/my_day_summary.html", {"day": selectors.my_day(request.user)})


# --- tasks ------------------------------------------------------------------------------------

TASK_VIEWS = ("assigned", "created", "all")


@login_required
def task_list(request):
    view = request.GET.get("view") if request.GET.get("view") in TASK_VIEWS else "assigned"
    status = request.GET.get("status") if request.GET.get("status") in ("open", "done", "all") else "open"
    filters = {
        "done": {"open": "false", "done": "true", "all": ""}[status],
        "priority": request.GET.get("priority", "")[:20],
    }
    for key in ("account", "contact"):  # "All tasks" of a 360° page
        if request.GET.get(key):
            filters[key] = request.GET[key][:20]
    if view == "assigned":
        filters["assignee"] = request.user.username
    elif view == "created":
        filters["owner"] = request.user.username
    error, page = None, None
    try:
        page = selectors.task_list(
            request.user, filters=filters, cursor=request.GET.get("cursor") or None, limit=25
        )
    except ApplicationError as exc:
        error = exc
    query = request.GET.copy()
    query.pop("cursor", None)
    template = (
        "engagement/tasks/task_list.html#rows"
        if is_htmx(request) and request.GET.get("cursor")
        else "engagement/tasks/task_list.html"
    )
    return render(
        request,
        template,
        {
            "page": page,
            "error": error,
            "view": view,
            "status": status,
            "priority": filters["priority"],
            "priorities": Priority.choices,
            "query": query.urlencode(),
        },
    )


def _users():
    return active_users()


def _account_choices(user, current=None):
    rows = access.scope(user, Account).order_by("-updated_at", "-id").values_list("id", "name")[:200]
    choices = [(str(i), n) for i, n in rows]
    if current is not None and str(current.pk) not in {c for c, _n in choices}:
        choices.insert(0, (str(current.pk), current.name))
    return choices


@login_required
def task_create(request):
    access.require(request.user, Action.CREATE, model=Task)
    initial = {
        "assignee": request.user.username,
        "priority": Priority.NORMAL,
        "account": request.GET.get("account", ""),
        "contact": request.GET.get("contact", ""),
    }
    form = TaskForm(
        request.POST or None, initial=initial, users=_users(), account_choices=_account_choices(request.user)
    )
    if request.method == "POST" and form.is_valid():
        try:
            task = services.task_create(actor=request.user, data=form.payload())
        except ApplicationError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(request, _("Task “%(name)s” created.") % {"name": task.title})
            return redirect(_next(request, reverse("task_list")))
    return render(
        request, "engagement/tasks/task_form.html", {"form": form, "task": None, "next": _next(request, "")}
    )


@login_required
@require_POST
def task_quick_create(request):
    """The 360° panel's inline form: title and due time, about the page's account or contact."""
    form = QuickTaskForm(request.POST)
    back = _next(request, reverse("my_day"))
    if form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if v}
        data.setdefault("title", "")
        try:
            task = services.task_create(actor=request.user, data=data)
        except ApplicationError as exc:
            messages.error(
                request, "; ".join([str(exc.message), *[m for ms in exc.fields.values() for m in ms]])
            )
        else:
            messages.success(request, _("Task “%(name)s” created.") % {"name": task.title})
    return redirect(back)


@login_required
def task_edit(request, pk: int):
    task = selectors.task_get(request.user, pk)
    can_update = access.can(request.user, Action.UPDATE, task)
    initial = {
        "title": task.title,
        "description": task.description,
        "due_at": _local_input(task.due_at),
        "remind_at": _local_input(task.remind_at),
        "assignee": task.assignee.username,
        "priority": task.priority,
        "account": str(task.account_id or ""),
        "contact": str(task.contact_id or ""),
        "version": task.version,
    }
    form = TaskForm(
        request.POST or None,
        initial=initial,
        users=_users(),
        account_choices=_account_choices(request.user, task.visible_account),  # type: ignore[attr-defined]
    )
    if request.method == "POST":
        access.require(request.user, Action.UPDATE, task)
        if form.is_valid():
            try:
                services.task_update(
                    actor=request.user,
                    task=task,
                    data=form.payload(editing=True),
                    version=form.cleaned_data.get("version"),
                )
            except ApplicationError as exc:
                errors_to_form(form, exc)
            else:
                messages.success(request, _("Changes saved."))
                return redirect(_next(request, reverse("task_edit", args=[task.pk])))
    return render(
        request,
        "engagement/tasks/task_form.html",
        {
            "form": form,
            "task": task,
            "can_update": can_update,
            "next": _next(request, ""),
            "can_delete": access.can(request.user, Action.DELETE, task),
        },
    )


@login_required
@require_POST
def task_toggle(request, pk: int):
    """Quick complete (and undo) from My day, the lists and the 360° panels; htmx swaps the row."""
    task = selectors.task_get(request.user, pk, action=Action.UPDATE)
    version = _int(request.POST.get("version"))
    try:
        if request.POST.get("done") in ("1", "true", "on"):
            services.task_complete(actor=request.user, task=task, version=version)
        else:
            services.task_reopen(actor=request.user, task=task, version=version)
    except ApplicationError as exc:
        if is_htmx(request):
            return HttpResponse(str(exc.message), status=exc.status)
        messages.error(request, str(exc.message))
    if is_htmx(request):
        selectors.mark_visible_links(request.user, [task])
        return render(
            request,
            "engagement/tasks/task_row.html",
            {"t": task, "compact": request.POST.get("compact") == "1"},
        )
    return redirect(_next(request, reverse("task_list")))


@login_required
@require_POST
def task_delete(request, pk: int):
    task = selectors.task_get(request.user, pk, action=Action.DELETE)
    try:
        services.task_delete(actor=request.user, task=task, version=_int(request.POST.get("version")))
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
        return redirect("task_edit", pk=pk)
    messages.success(request, _("“%(name)s” moved to the recycle bin.") % {"name": task.title})
    return redirect("task_list")


# --- notifications ----------------------------------------------------------------------------


@login_required
def notification_list(request):
    unread = request.GET.get("unread") == "1"
    try:
        page = selectors.notification_list(
            request.user, unread=True if unread else None, cursor=request.GET.get("cursor") or None, limit=30
        )
    except ApplicationError:
        return redirect("notification_list")
    template = (
        "engagement/tasks/notification_list.html#rows"
        if is_htmx(request) and request.GET.get("cursor")
        else "engagement/tasks/notification_list.html"
    )
    return render(request, template, {"page": page, "unread": unread})


@login_required
@never_cache
def notification_bell(request):
    """The top bar's badge, refreshed by htmx every minute."""
    return render(request, "engagement/tasks/bell.html", {"count": selectors.unread_count(request.user)})


@login_required
@require_POST
def notification_open(request, pk: int):
    """Mark read, then go where the notification points (a path inside Guanxi only)."""
    row = services.notification_read(actor=request.user, notification_id=pk)
    if is_htmx(request):
        return render(request, "engagement/tasks/notification_list.html#item", {"n": row})
    return redirect(services.safe_url(row.url) or reverse("notification_list"))


@login_required
@require_POST
def notification_read_all(request):
    n = services.notification_read_all(actor=request.user)
    messages.success(request, _("%(n)d notifications marked read.") % {"n": n})
    return redirect("notification_list")


# --- the calendar -----------------------------------------------------------------------------


@login_required
def calendar(request):
    view = "month" if request.GET.get("view") == "month" else "week"
    try:
        anchor = dt.date.fromisoformat(request.GET.get("date", "")[:10])
    except ValueError:
        anchor = selectors.local_today(request.user)
    if not dt.date(1971, 1, 1) <= anchor <= dt.date(2998, 12, 1):
        anchor = selectors.local_today(request.user)
    week_start = anchor - dt.timedelta(days=anchor.weekday())  # weeks start on Monday, as in China
    if view == "week":
        first, days = week_start, 7
        prev_date, next_date = anchor - dt.timedelta(days=7), anchor + dt.timedelta(days=7)
    else:
        month_first = anchor.replace(day=1)
        first = month_first - dt.timedelta(days=month_first.weekday())
        last = anchor.replace(day=pycalendar.monthrange(anchor.year, anchor.month)[1])
        days = ((last - first).days // 7 + 1) * 7
        prev_date = (month_first - dt.timedelta(days=1)).replace(day=1)
        next_date = last + dt.timedelta(days=1)
    start, _end = selectors.day_bounds(request.user, first)
    end = selectors.day_bounds(request.user, first + dt.timedelta(days=days - 1))[1]
    events = selectors.calendar_events(request.user, start, end)
    by_day: dict[dt.date, list] = {}
    for e in events:
        by_day.setdefault(e.local_day, []).append(e)
    today = selectors.local_today(request.user)
    grid = [
        {
            "date": d,
            "events": by_day.get(d, []),
            "today": d == today,
            "outside": view == "month" and d.month != anchor.month,
        }
        for d in (first + dt.timedelta(days=i) for i in range(days))
    ]
    return render(
        request,
        "engagement/tasks/calendar.html",
        {
            "view": view,
            "anchor": anchor,
            "grid": grid,
            "weeks": [grid[i : i + 7] for i in range(0, len(grid), 7)],
            "weekdays": grid[:7],
            "prev_date": prev_date,
            "next_date": next_date,
            "today": today,
            "has_feed": CalendarFeed.objects.filter(user=request.user).exists(),
        },
    )


@login_required
def calendar_feed_manage(request):
    """Create (the URL is shown once), regenerate or revoke the personal iCal feed."""
    feed_url = None
    if request.method == "POST":
        if request.POST.get("action") == "revoke":
            services.calendar_feed_revoke(actor=request.user)
            messages.success(request, _("The calendar feed was revoked: its address no longer works."))
            return redirect("calendar_feed_manage")
        _row, token = services.calendar_feed_issue(actor=request.user)
        feed_url = request.build_absolute_uri(reverse("calendar_feed", args=[token]))
    feed = CalendarFeed.objects.filter(user=request.user).first()
    return render(request, "engagement/tasks/calendar_feed.html", {"feed": feed, "feed_url": feed_url})


@never_cache
def calendar_feed(request, token: str):
    """GET /calendar/feed/<token>.ics, no login: the token is the key; unknown or revoked → 404."""
    if len(token) > 100 or not token.replace("-", "").replace("_", "").isalnum():
        raise Http404()
    feed = CalendarFeed.objects.select_related("user").filter(digest=CalendarFeed.hash(token)).first()
    if feed is None or not feed.user.is_active:
        raise Http404()
    now = timezone.now()
    if feed.last_used_at is None or now - feed.last_used_at > dt.timedelta(hours=1):
        CalendarFeed.objects.filter(pk=feed.pk).update(last_used_at=now)
    body = ical.feed_for(feed.user, base_url=request.build_absolute_uri("/").rstrip("/"))
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="guanxi.ics"'
    return response
