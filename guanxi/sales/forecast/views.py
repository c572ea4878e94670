"""The forecast page (/sales/forecast/) and the targets grid (/sales/targets/): thin over the
selectors and services of this package."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from guanxi.core.errors import PermissionDenied, ValidationFailed
from guanxi.org.models import Department, User
from guanxi.org.selectors import tree_sorted

from . import periods, selectors, selectors_targets, services

OPPORTUNITIES = "/sales/opportunities/"  # the opportunity list (pipelines): linked by path


def _period(request) -> tuple[periods.Period, ValidationFailed | None]:
    raw = request.GET.get("period", "")
    kind = request.GET.get("kind", "")
    if raw:
        try:
            return periods.parse(raw), None
        except ValidationFailed as exc:
            return periods.current(periods.QUARTER), exc
    return periods.current(kind if kind in (periods.MONTH, periods.YEAR) else periods.QUARTER), None


def _drill(period: periods.Period, username: str, which: str) -> str:
    """The opportunity list filtered to a rep's won (closed in the period) or open deals."""
    params = {"owner": username, "stage_type": which}
    if which == "won":
        params.update(closed_after=period.start.isoformat(), closed_before=period.end.isoformat())
    else:
        params.update(
            expected_close_after=period.start.isoformat(), expected_close_before=period.end.isoformat()
        )
    return f"{OPPORTUNITIES}?{urlencode(params)}"


def _pickers(actor) -> tuple[list[Department], list[User]]:
    visible = selectors.visible_departments(actor)
    depts: list[Any] = tree_sorted(Department.objects.all() if visible is None else visible)  # + indent
    top = min((d.depth for d in depts), default=0)
    for d in depts:
        d.indent = range(d.depth - top)
    ids = selectors.visible_user_ids(actor)
    users = User.objects.filter(is_active=True).order_by("username")
    if ids is not None:
        users = users.filter(pk__in=sorted(ids))
    return depts, list(users)


def _chart(breakdown: dict, leaders: dict) -> dict:
    """Bars per row one level down; with a single row (one top department), per rep instead."""
    total = breakdown["total"]
    if len(breakdown["rows"]) > 1 or not leaders["items"]:
        rows = [{"name": r.label, **r.figures.as_dict(r.target)} for r in breakdown["rows"]]
    else:
        rows = leaders["items"]
    return {
        "labels": [r["name"] for r in rows],
        "won": [str(r["won"]) for r in rows],
        "weighted": [str(r["weighted"]) for r in rows],
        "best_case": [str(r["best_case"]) for r in rows],
        "target": [str(r["target"]) if r["has_target"] else None for r in rows],
        "per_rep": rows is leaders["items"],
        "attainment": str(total["attainment"]) if total["attainment"] is not None else None,
        "names": {
            "won": _("Won"),
            "weighted": _("Weighted pipeline"),
            "best_case": _("Best case"),
            "target": _("Target"),
            "attainment": _("Attainment"),
        },
        "months": {
            "labels": [m["period"] for m in breakdown["months"]],
            "won": [str(m["won"]) for m in breakdown["months"]],
            "weighted": [str(m["weighted"]) for m in breakdown["months"]],
            "target": [str(m["target"]) if m["has_target"] else None for m in breakdown["months"]],
        },
    }


@login_required
def forecast_page(request):
    actor = request.user
    period, error = _period(request)
    user, department = request.GET.get("user", ""), request.GET.get("department", "")
    try:
        breakdown = selectors.forecast_breakdown(actor, period=period, user=user, department=department)
        leaders = selectors.leaderboard(actor, period=period, user=user, department=department)
    except ValidationFailed as exc:  # both a user and a department: show the default instead
        error, user, department = exc, "", ""
        breakdown = selectors.forecast_breakdown(actor, period=period)
        leaders = selectors.leaderboard(actor, period=period)
    entity = breakdown["entity"]
    rows = []
    for r in breakdown["rows"]:
        figures = r.figures.as_dict(r.target)
        if r.kind == selectors.USER:
            link = f"?{urlencode({'period': period.code, 'user': r.obj.username})}"
            won_url, open_url = _drill(period, r.obj.username, "won"), _drill(period, r.obj.username, "open")
        else:
            link = f"?{urlencode({'period': period.code, 'department': r.obj.pk})}"
            won_url = open_url = ""
        rows.append({"row": r, "f": figures, "link": link, "won_url": won_url, "open_url": open_url})
    for item in leaders["items"]:
        item["won_url"] = _drill(period, item["username"], "won")
    chart = _chart(breakdown, leaders)
    depts, users = _pickers(actor)
    keep = {"user": user} if user else {"department": department} if department else {}
    context = {
        "period": period,
        "error": error,
        "entity": entity,
        "total": breakdown["total"],
        "rows": rows,
        "months": breakdown["months"],
        "leaders": leaders["items"],
        "currency": breakdown["currency"],
        "chart": chart,
        "departments": depts,
        "users": users,
        "selected_user": user,
        "selected_department": department,
        "prev_url": "?" + urlencode({"period": period.previous().code, **keep}),
        "next_url": "?" + urlencode({"period": period.next().code, **keep}),
        "kinds": [
            (periods.MONTH, _("Month"), periods.containing(period.start, periods.MONTH).code),
            (periods.QUARTER, _("Quarter"), periods.containing(period.start, periods.QUARTER).code),
            (periods.YEAR, _("Year"), periods.containing(period.start, periods.YEAR).code),
        ],
        "keep": keep,
        "can_set_targets": selectors_targets.may_set_any(actor),
    }
    return render(request, "sales/forecast/forecast.html", context)


def _grid_params(request) -> tuple[int, str]:
    try:
        year = int(request.GET.get("year") or periods.current().year)
    except ValueError:
        year = periods.current().year
    year = min(max(year, periods.MIN_YEAR), periods.MAX_YEAR)
    kind = (
        request.GET.get("kind")
        if request.GET.get("kind") in (periods.MONTH, periods.QUARTER)
        else periods.QUARTER
    )
    return year, kind


@login_required
def targets_page(request):
    actor = request.user
    year, kind = _grid_params(request)
    # Everyone reaches the page from the sidebar; those who manage nobody see the empty state.
    grid = (
        selectors_targets.target_grid(actor, year=year, kind=kind)
        if selectors_targets.may_set_any(actor)
        else {"year": year, "kind": kind, "columns": [], "rows": []}
    )
    return render(
        request,
        "sales/forecast/targets.html",
        {
            "grid": grid,
            "year": year,
            "kind": kind,
            "prev_year": max(year - 1, periods.MIN_YEAR),
            "next_year": min(year + 1, periods.MAX_YEAR),
            "currency": settings.BASE_CURRENCY,
        },
    )


@login_required
@require_POST
def target_cell(request):
    """Save one cell of the grid (htmx): an amount sets the target, an empty one removes it.
    Answers the cell again, with the error beside the input when the service refused."""
    actor = request.user
    user, department = request.POST.get("user", ""), request.POST.get("department", "")
    amount = request.POST.get("amount", "").strip()[:60]
    try:
        period = periods.parse(request.POST.get("period", ""), allow_year=False)
    except ValidationFailed as exc:
        return HttpResponse(str(exc.message), status=400)
    entity = selectors.resolve_entity(
        actor, user=user or None, department=department or None
    )  # 404 when invisible
    if entity.kind == selectors.COMPANY:
        return HttpResponse(status=400)
    who = {"user": entity.user} if entity.kind == selectors.USER else {"department": entity.department}
    error, target = None, None
    try:
        if amount:
            target, _created = services.target_set(actor=actor, **who, period=period.code, amount=amount)
        else:
            existing = selectors_targets.target_queryset(actor).filter(**who, period=period.code).first()
            if existing is not None:
                services.target_delete(actor=actor, target=existing, version=None)
    except (ValidationFailed, PermissionDenied) as exc:
        error = exc
        target = selectors_targets.target_queryset(actor).filter(**who, period=period.code).first()
    row = {"kind": entity.kind, "obj": entity.user or entity.department}
    return render(
        request,
        "sales/forecast/targets.html#cell",
        {
            "row": row,
            "cell": {"period": period, "target": target},
            "error": error,
            "saved": error is None,
            "value": amount,
        },
    )
