"""UI views (thin): log and edit follow-ups, the follow-ups list, timeline fragments."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from guanxi.core.errors import ApplicationError
from guanxi.core.htmx import errors_to_form, is_htmx
from guanxi.customers.directory import selectors as customer_selectors
from guanxi.customers.models import Account, Contact
from guanxi.org.models import Action
from guanxi.org.selectors import active_users
from guanxi.policies import access

from ..models import Activity, ActivityKind
from . import selectors, services
from .forms import FollowupForm
from .panels import _timeline, timeline_fragment_context

LIST_FILTERS = ("kind", "owner", "occurred_after", "occurred_before", "account", "contact")


def _int(value) -> int | None:
    try:
        value = int(value)
    except (TypeError, ValueError):
        return None
    return value if 0 < value < 2**63 else None


def _safe_next(request, value: str | None, fallback: str) -> str:
    if value and url_has_allowed_host_and_scheme(
        value, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return value
    return fallback


def _done(request, url: str) -> HttpResponse:
    if is_htmx(request):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return redirect(url)


def _record_url(activity: Activity, actor) -> str:
    if activity.account_id and access.scope(actor, Account).filter(pk=activity.account_id).exists():
        return reverse("account_detail", args=[activity.account_id])
    return reverse("followup_list")


def _contact_choices(actor, *, account_id=None, selected=()) -> list[tuple[str, str]]:
    """The account's visible contacts, plus those already chosen (if visible)."""
    qs = access.scope(actor, Contact).only("id", "name", "family_name", "given_name")
    rows = list(qs.filter(account_id=account_id).order_by("name", "id")[:50]) if account_id else []
    have = {c.pk for c in rows}
    extra = [int(s) for s in selected if str(s).isdigit() and int(s) not in have]
    if extra:
        rows += list(qs.filter(pk__in=extra[:50]))
    return [(str(c.pk), c.display_name) for c in rows]


@login_required
def followup_create(request):
    """The form behind "Log follow-up" (also shown inline in the 360° pages' quick actions)."""
    access.require(request.user, Action.CREATE, model=Activity)
    source = request.POST if request.method == "POST" else request.GET
    account_id = _int(source.get("account"))
    contact_id = _int(request.GET.get("contact"))
    if contact_id and not account_id:
        contact = access.scope(request.user, Contact).filter(pk=contact_id).first()
        account_id = contact.account_id if contact else None
    selected = (
        source.getlist("contacts") if request.method == "POST" else ([str(contact_id)] if contact_id else [])
    )
    form = FollowupForm(
        request.POST or None,
        contact_choices=_contact_choices(request.user, account_id=account_id, selected=selected),
        initial={"account": str(account_id or ""), "contacts": selected, "next": request.GET.get("next", "")},
    )
    if request.method == "POST" and form.is_valid():
        try:
            activity = services.activity_create(actor=request.user, data=form.payload())
        except ApplicationError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(request, _("Follow-up logged."))
            return _done(
                request,
                _safe_next(request, form.cleaned_data.get("next"), _record_url(activity, request.user)),
            )
    template = (
        "engagement/followups/followup_form.html#form"
        if is_htmx(request)
        else "engagement/followups/followup_form.html"
    )
    return render(request, template, {"form": form, "activity": None, "action": reverse("followup_create")})


@login_required
def followup_edit(request, pk: int):
    activity = selectors.activity_get(request.user, pk)
    can_update = access.can(request.user, Action.UPDATE, activity)
    chosen = [str(i) for i in activity.contact_links.order_by("id").values_list("contact_id", flat=True)]
    selected = request.POST.getlist("contacts") if request.method == "POST" else chosen
    initial = {
        k: getattr(activity, k)
        for k in (
            "kind",
            "direction",
            "subject",
            "content",
            "outcome",
            "occurred_at",
            "duration_minutes",
            "next_contact_at",
        )
    }
    initial.update(version=activity.version, contacts=chosen, account=str(activity.account_id or ""))
    form = FollowupForm(
        request.POST or None,
        initial=initial,
        contact_choices=_contact_choices(request.user, account_id=activity.account_id, selected=selected),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.activity_update(
                actor=request.user,
                activity=activity,
                data=form.payload(partial=True),
                version=form.cleaned_data.get("version"),
            )
        except ApplicationError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(request, _("Changes saved."))
            return redirect(_record_url(activity, request.user))
    links = selectors.links_for(request.user, [activity])[activity.pk]
    return render(
        request,
        "engagement/followups/followup_form.html",
        {
            "form": form,
            "activity": activity,
            "account": links["account"],
            "can_update": can_update,
            "can_delete": access.can(request.user, Action.DELETE, activity),
            "action": reverse("followup_edit", args=[activity.pk]),
        },
    )


@login_required
@require_POST
def followup_delete(request, pk: int):
    activity = selectors.activity_get(request.user, pk, action=Action.DELETE)
    back = _record_url(activity, request.user)
    try:
        services.activity_delete(
            actor=request.user, activity=activity, version=_int(request.POST.get("version"))
        )
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
        return redirect("followup_edit", pk=pk)
    messages.success(request, _("Follow-up moved to the recycle bin."))
    return redirect(back)


@login_required
def followup_list(request):
    """Recent follow-ups the viewer may see (their own and their team's), with filters."""
    filters = {k: request.GET.get(k, "")[:200] for k in LIST_FILTERS}
    params = selectors.ListParams(
        ordering=selectors.DEFAULT_ORDERING,
        cursor=request.GET.get("cursor") or None,
        limit=25,
        filters=filters,
    )
    error = page = None
    try:
        page = selectors.activity_list(request.user, params)
    except ApplicationError as exc:
        error = exc
    links = selectors.links_for(request.user, page.items) if page else {}
    query = request.GET.copy()
    query.pop("cursor", None)
    owners = access.owner_ids(request.user, Activity.POLICY_OBJECT_TYPE, Action.READ)
    users = active_users()
    ctx = {
        "page": page,
        "error": error,
        "filters": filters,
        "links": links,
        "query": query.urlencode(),
        "kinds": ActivityKind.choices,
        "owners": users if owners is None else users.filter(pk__in=owners),
    }
    template = (
        "engagement/followups/followup_list.html#rows"
        if is_htmx(request) and request.GET.get("cursor")
        else "engagement/followups/followup_list.html"
    )
    return render(request, template, ctx)


@login_required
@require_GET
def timeline_fragment(request, kind: str, pk: int):
    """The timeline of an account or contact as an htmx fragment: a filter (whole body) or the next page."""
    record: Any
    if kind == "account":
        record = customer_selectors.account_get(request.user, pk)
    elif kind == "contact":
        record = customer_selectors.contact_get(request.user, pk)
    else:
        return HttpResponse(status=404)
    cursor = request.GET.get("cursor") or None
    try:
        page = _timeline(
            request.user,
            record,
            kind=request.GET.get("kind", ""),
            cursor=cursor,
            subsidiaries=request.GET.get("subsidiaries") == "1",
        )
    except ApplicationError as exc:
        return HttpResponse(str(exc.message), status=400)
    ctx = {**timeline_fragment_context(request.user, record, page), "record": record}
    part = "items" if cursor else "body"
    return render(request, f"engagement/partials/timeline.html#{part}", ctx)
