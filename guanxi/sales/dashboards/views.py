"""The sales dashboard: a fast page shell whose panels load one by one over htmx.

/sales/dashboard/?period=&start=&end=&department=&pipeline= renders the filters and one empty
card per panel; each card fetches /sales/dashboard/panel/<name>/ with the same query
(hx-trigger="load"), so a slow panel never holds up the others. The numbers come from
dashboards/selectors.py; this module only turns them into chart data for dashboards.js.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from guanxi.core.errors import ValidationFailed

from ..models import Stage
from . import selectors as s
from .filters import DIRECTOR, MANAGER, PERIODS, REP, parse_filters, view_of, visible_departments

# Which panels each kind of viewer sees, in order: (name, column class).
PANELS = {
    REP: [("mine", "col-12"), ("my_pipeline", "col-lg-7"), ("my_target", "col-lg-5")],
    MANAGER: [
        ("team_pipeline", "col-12"),
        ("forecast", "col-lg-7"),
        ("pools", "col-lg-5"),
        ("activity", "col-12"),
    ],
}
PANELS[DIRECTOR] = PANELS[MANAGER]
ANALYTICS = [("wins", "col-12"), ("funnel", "col-lg-6"), ("leads", "col-lg-6"), ("followups", "col-12")]
ALL_PANELS = {name for rows in (*PANELS.values(), ANALYTICS) for name, _col in rows}


def _error_message(exc: ValidationFailed) -> str:
    parts = [str(m) for messages in (exc.fields or {}).values() for m in messages]
    return " ".join(dict.fromkeys(parts)) or str(exc.message)


@login_required
@require_GET
def dashboard(request):
    try:
        filters = parse_filters(request.user, request.GET)
        error = None
    except ValidationFailed as exc:
        filters, error = None, _error_message(exc)
    view = view_of(request.user)
    ctx = {
        "filters": filters,
        "error": error,
        "view": view,
        "periods": list(PERIODS.items()),
        "raw": {k: request.GET.get(k, "")[:40] for k in ("period", "start", "end", "department", "pipeline")},
        "panels": PANELS[view],
        "analytics": ANALYTICS,
        "departments": visible_departments(request.user) if filters is None else filters.departments,
    }
    return render(request, "sales/dashboards/dashboard.html", ctx, status=400 if error else 200)


@login_required
@require_GET
def panel(request, panel: str):
    if panel not in ALL_PANELS:
        raise Http404()
    try:
        filters = parse_filters(request.user, request.GET)
    except ValidationFailed as exc:
        return render(
            request, "sales/dashboards/panels.html#error", {"error": _error_message(exc)}, status=400
        )
    ctx = {
        "filters": filters,
        "name": panel,
        "currency": settings.BASE_CURRENCY,
        **BUILDERS[panel](request.user, filters),
    }
    return render(request, f"sales/dashboards/panels.html#{panel}", ctx)


@login_required
@require_GET
def home_widget(request):
    """The home page's "My sales" card: my open pipeline and this month's target."""
    filters = parse_filters(request.user, {})
    ctx = {
        "pipeline": s.pipeline_by_stage(request.user, filters, mine=True),
        "targets": s.my_target(request.user, filters),
        "leads": s.my_leads(request.user, filters),
    }
    return render(request, "sales/dashboards/home_widget.html#widget", ctx)


# --- chart data for dashboards.js -------------------------------------------------------------
# {"type": "bar" | "funnel" | "pie", "categories": [...], "series": [{"name", "stack"?, "data":
#  [{"value", "url"}]}], "markers": [{"value"}] (targets), "money": bool, "horizontal": bool}


def _bar(categories, series, **options) -> dict:
    return {"type": "bar", "categories": categories, "series": series, **options}


def _mine(actor, filters):
    return {"leads": s.my_leads(actor, filters), "due": s.followups_due(actor, filters)}


def _my_pipeline(actor, filters):
    data = s.pipeline_by_stage(actor, filters, mine=True)
    chart = _bar(
        [x["name"] for x in data["stages"]],
        [{"name": _("Amount"), "data": [{"value": x["amount"], "url": x["url"]} for x in data["stages"]]}],
        money=True,
    )
    return {"pipeline": data, "chart": chart}


def _my_target(actor, filters):
    return {"targets": s.my_target(actor, filters)}


def _team_pipeline(actor, filters):
    stages = s.pipeline_by_stage(actor, filters)
    by_rep = s.pipeline_by_rep(actor, filters)
    stage_chart = _bar(
        [x["name"] for x in stages["stages"]],
        [{"name": _("Amount"), "data": [{"value": x["amount"], "url": x["url"]} for x in stages["stages"]]}],
        money=True,
    )
    rep_chart = _bar(
        [r["name"] for r in by_rep["reps"]],
        [{"name": x["name"], "stack": "stage", "data": x["data"]} for x in by_rep["series"]],
        money=True,
        horizontal=True,
    )
    return {"pipeline": stages, "by_rep": by_rep, "stage_chart": stage_chart, "rep_chart": rep_chart}


def _forecast(actor, filters):
    data = s.forecast_by_rep(actor, filters)
    reps = data["reps"]
    chart = _bar(
        [r["name"] for r in reps],
        [
            {"name": _("Won"), "data": [{"value": r["won"], "url": r["url"]} for r in reps]},
            {
                "name": _("Weighted pipeline"),
                "data": [{"value": r["weighted"], "url": r["url"]} for r in reps],
            },
        ],
        markers=[{"value": r["target"]} for r in reps],
        marker_name=_("Target"),
        money=True,
    )
    return {"forecast": data, "chart": chart}


def _activity(actor, filters):
    data = s.activity_by_rep(actor, filters)
    chart = _bar(data["weeks"], [{"name": x["name"], "data": x["data"]} for x in data["series"]], line=True)
    return {"activity": data, "chart": chart}


def _pools(actor, filters):
    return {"pools": s.pool_statistics(actor, filters)}


def _wins(actor, filters):
    return {"wins": s.win_stats(actor, filters)}


def _funnel(actor, filters):
    data = s.funnel(actor, filters)
    chart = {
        "type": "funnel",
        "data": [{"name": x["name"], "value": x["count"], "url": x["url"]} for x in data["steps"]],
    }
    return {"funnel": data, "chart": chart, "won_type": Stage.Type.WON}


def _leads(actor, filters):
    data = s.leads_by_source(actor, filters)
    chart = {
        "type": "pie",
        "data": [{"name": x["name"], "value": x["count"], "url": x["url"]} for x in data["sources"]],
    }
    return {"leads": data, "chart": chart}


def _followups(actor, filters):
    data = s.followups_by_rep(actor, filters)
    chart = _bar(
        [r["name"] for r in data["reps"]],
        [{"name": _("Follow-ups"), "data": [{"value": r["count"], "url": r["url"]} for r in data["reps"]]}],
    )
    return {"followups": data, "chart": chart}


BUILDERS = {
    "mine": _mine,
    "my_pipeline": _my_pipeline,
    "my_target": _my_target,
    "team_pipeline": _team_pipeline,
    "forecast": _forecast,
    "activity": _activity,
    "pools": _pools,
    "wins": _wins,
    "funnel": _funnel,
    "leads": _leads,
    "followups": _followups,
}
