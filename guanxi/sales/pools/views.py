"""The shared pools' screens: my pools, one pool's records (claim, assign), the detail pages'
pool actions (return, lock, claim) and the administrators' settings. Thin: one service or
selector per request."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from guanxi.core.errors import ApplicationError, PermissionDenied
from guanxi.customers.models import Industry, Tier
from guanxi.org.models import Department

from ..models import LeadSource, Pool, PoolRule
from . import reclaim, selectors, services, services_admin


def _back(request, fallback: str):
    nxt = request.POST.get("next") or request.GET.get("next") or ""
    if nxt and url_has_allowed_host_and_scheme(
        nxt, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(nxt)
    return redirect(fallback)


def _error(request, exc: ApplicationError) -> None:
    detail = " ".join(m for ms in exc.fields.values() for m in ms if m != str(exc.message))
    messages.error(request, f"{exc.message} {detail}".strip())


@login_required
def pool_list(request):
    pools = selectors.pool_list(request.user)
    counts = selectors.pool_counts(pools)
    for p in pools:
        p.record_count = counts.get(p.pk, 0)
    return render(request, "sales/pools/pool_list.html", {"pools": pools})


@login_required
def pool_detail(request, pk: int):
    pool = selectors.pool_get(request.user, pk)
    filters = {k: request.GET.get(k, "") for k in selectors.RECORD_FILTERS[pool.kind]}
    error = None
    try:
        page = selectors.pool_records(
            request.user,
            pool,
            selectors.ListParams(
                q=request.GET.get("q", ""), cursor=request.GET.get("cursor") or None, filters=filters
            ),
        )
    except ApplicationError as exc:
        error, page = exc, None
    contacts = selectors.pooled_contacts(pool, [r.pk for r in page.items]) if page else {}
    if page:
        for row in page.items:
            row.pool_contacts = contacts.get(row.pk, [])
    limits = selectors.my_limits(request.user, pool)
    rules = list(pool.rules.all())
    for rule in rules:
        rule.label = reclaim.rule_reason(rule)  # type: ignore[attr-defined]  # for the page
    query = urlencode({k: v for k, v in {"q": request.GET.get("q", ""), **filters}.items() if v})
    context = {
        "pool": pool,
        "page": page,
        "error": error,
        "limits": limits,
        "filters": filters,
        "query": query,
        "rules": rules,
        "industries": Industry.choices,
        "tiers": Tier.choices,
        "sources": LeadSource.choices,
        "members": selectors._member_choices(pool) if limits["is_admin"] else [],
    }
    if request.headers.get("HX-Request") and request.GET.get("cursor"):
        return render(request, "sales/pools/pool_detail.html#rows", context)
    return render(request, "sales/pools/pool_detail.html", context)


@login_required
@require_POST
def pool_claim(request, pk: int):
    pool = selectors.pool_get(request.user, pk)
    try:
        rows = services.pool_claim(actor=request.user, pool=pool, ids=request.POST.getlist("ids"))
    except ApplicationError as exc:
        _error(request, exc)
        return _back(request, f"/sales/pools/{pool.pk}/")
    messages.success(
        request,
        ngettext("You claimed %(n)d record.", "You claimed %(n)d records.", len(rows)) % {"n": len(rows)},
    )
    return _back(request, f"/sales/pools/{pool.pk}/")


@login_required
@require_POST
def pool_assign(request, pk: int):
    pool = selectors.pool_get(request.user, pk)
    try:
        rows = services.pool_assign(
            actor=request.user,
            pool=pool,
            ids=request.POST.getlist("ids"),
            owner=request.POST.get("owner", ""),
        )
    except ApplicationError as exc:
        _error(request, exc)
        return _back(request, f"/sales/pools/{pool.pk}/")
    messages.success(
        request,
        ngettext("%(n)d record assigned to %(user)s.", "%(n)d records assigned to %(user)s.", len(rows))
        % {"n": len(rows), "user": rows[0].owner},
    )
    return _back(request, f"/sales/pools/{pool.pk}/")


@login_required
@require_POST
def pool_return(request):
    try:
        pool = selectors.pool_get(request.user, request.POST.get("pool"))
        services.pool_return(
            actor=request.user,
            pool=pool,
            ids=request.POST.getlist("ids"),
            reason=request.POST.get("reason", ""),
        )
    except ApplicationError as exc:
        _error(request, exc)
        return _back(request, "/sales/pools/")
    messages.success(request, _("Returned to the pool “%(pool)s”.") % {"pool": pool.name})
    return redirect("pool_detail", pk=pool.pk)


@login_required
@require_POST
def pool_lock(request):
    locked = request.POST.get("locked") == "1"
    try:
        services.pool_lock(
            actor=request.user,
            kind=request.POST.get("kind", ""),
            ids=request.POST.getlist("ids"),
            locked=locked,
        )
    except ApplicationError as exc:
        _error(request, exc)
        return _back(request, "/sales/pools/")
    messages.success(
        request, _("Locked: it will not be reclaimed automatically.") if locked else _("Unlocked.")
    )
    return _back(request, "/sales/pools/")


# --- administrators ---------------------------------------------------------------------------


def _superuser(request) -> None:
    if not request.user.is_superuser:
        raise PermissionDenied()


RULE_KINDS = PoolRule.Kind.choices
RULE_TIERS = [("", _("Every tier")), *Tier.choices]


def _form_payload(post) -> dict:
    def number(name):
        raw = (post.get(name) or "").strip()
        if not raw:
            return None
        return int(raw) if raw.isdigit() else raw

    data = {
        "name": post.get("name", ""),
        "description": post.get("description", ""),
        "members": [
            u for u in (post.get("members") or "").replace("，", ",").replace(" ", ",").split(",") if u
        ],
        "admins": [
            u for u in (post.get("admins") or "").replace("，", ",").replace(" ", ",").split(",") if u
        ],
        "member_departments": [int(d) for d in post.getlist("member_departments") if d.isdigit()],
        "daily_claim_limit": number("daily_claim_limit"),
        "ownership_cap": number("ownership_cap"),
        "lock_limit": number("lock_limit"),
        "former_owner_cooldown_days": number("former_owner_cooldown_days") or 0,
        "reminder_days": number("reminder_days") or 0,
        "cap_counts_won": post.get("cap_counts_won") == "on",
        "mask_contact_info": post.get("mask_contact_info") == "on",
        "active": post.get("active") == "on",
        "order": number("order") or 0,
        "rules": [],
    }
    for kind, _label in RULE_KINDS:
        for tier, _t in RULE_TIERS:
            days = number(f"rule_{kind}_{tier or 'all'}")
            if days is not None:
                data["rules"].append({"kind": kind, "days": days, "tier": tier or None})
    if post.get("kind"):
        data["kind"] = post.get("kind")
    return data


@login_required
def admin_pool_list(request):
    _superuser(request)
    pools = selectors.pool_list(request.user)
    counts = selectors.pool_counts(pools)
    for p in pools:
        p.record_count = counts.get(p.pk, 0)
    return render(request, "sales/pools/admin_pool_list.html", {"pools": pools})


@login_required
def admin_pool_edit(request, pk: int | None = None):
    _superuser(request)
    pool = selectors.pool_get(request.user, pk) if pk else None
    error = None
    if request.method == "POST":
        data = _form_payload(request.POST)
        try:
            if pool is None:
                pool = services_admin.pool_create(actor=request.user, data=data)
            else:
                version = request.POST.get("version", "")
                data.pop("kind", None)
                services_admin.pool_update(
                    actor=request.user,
                    pool=pool,
                    data=data,
                    version=int(version) if version.isdigit() else None,
                )
            messages.success(request, _("Pool “%(name)s” saved.") % {"name": pool.name})
            return redirect("admin_pool_list")
        except ApplicationError as exc:
            error = exc
            values = request.POST
    if pool is not None and request.method != "POST":
        detail = selectors.pool_detail(pool)
        values = {
            "name": pool.name,
            "description": pool.description,
            "kind": pool.kind,
            "members": ", ".join(detail["members"]),
            "admins": ", ".join(detail["admins"]),
            "daily_claim_limit": pool.daily_claim_limit or "",
            "ownership_cap": pool.ownership_cap or "",
            "lock_limit": pool.lock_limit or "",
            "former_owner_cooldown_days": pool.former_owner_cooldown_days,
            "reminder_days": pool.reminder_days,
            "order": pool.order,
            "cap_counts_won": "on" if pool.cap_counts_won else "",
            "active": "on" if pool.active else "",
            "mask_contact_info": "on" if pool.mask_contact_info else "",
        }
        for r in pool.rules.all():
            values[f"rule_{r.kind}_{r.tier or 'all'}"] = r.days
        chosen = [str(d) for d in detail["member_departments"]]
    elif request.method != "POST":
        values = {"active": "on", "mask_contact_info": "on", "cap_counts_won": "on", "kind": "customer"}
        chosen = []
    else:
        chosen = request.POST.getlist("member_departments")
    rule_rows = [
        {
            "kind": k,
            "label": label,
            "cells": [
                {
                    "name": f"rule_{k}_{t or 'all'}",
                    "tier": tl,
                    "value": values.get(f"rule_{k}_{t or 'all'}", ""),
                }
                for t, tl in RULE_TIERS
            ],
        }
        for k, label in RULE_KINDS
    ]
    return render(
        request,
        "sales/pools/admin_pool_form.html",
        {
            "pool": pool,
            "values": values,
            "error": error,
            "departments": list(Department.objects.order_by("path")),
            "chosen": chosen,
            "kinds": Pool.Kind.choices,
            "rule_rows": rule_rows,
            "tiers": RULE_TIERS,
        },
    )
