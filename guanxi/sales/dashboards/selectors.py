"""The sales dashboards' metrics: reads only, always from the access layer.

Every function takes the actor and a `Filters` (the period, the department, the pipeline, as
`parse_filters` made them from the query) and returns plain dicts and lists. Each is a small,
fixed number of GROUP BY / conditional-aggregate queries, whatever the data volume: no per-row
Python over the records. Amounts are Decimal in the base currency (`Opportunity.amount_base`).

Drill-down links (`url` in every row and chart point) lead to the list pages with the same
filters, which apply the same access layer, so a number and its list always agree.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from urllib.parse import urlencode

from django.db.models import Count, DecimalField, DurationField, ExpressionWrapper, F, Q, QuerySet, Sum
from django.db.models.functions import TruncWeek
from django.urls import NoReverseMatch, reverse

from guanxi.customers.models import Account, Contact
from guanxi.engagement.models import Activity, Task
from guanxi.org.models import User
from guanxi.policies import access

from ..models import (
    OPEN_LEAD_STATUSES,
    Lead,
    LeadSource,
    LeadStatus,
    Opportunity,
    OpportunityStageChange,
    Pipeline,
    PoolEvent,
    Stage,
    Target,
)
from .filters import PERIODS, Filters, Period, parse_period, today_for

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
ACTIVITY_WEEKS = 8
TOP_REPS = 30  # the per-rep charts show at most this many reps (the biggest first)


# --- helpers ----------------------------------------------------------------------------------


def _scoped(actor, model, filters: Filters, owner_field: str = "owner") -> QuerySet:
    qs = access.scope(actor, model)
    if filters.department is not None:
        qs = qs.filter(**{f"{owner_field}__department__path__startswith": filters.department.path})
    return qs


def _money(value) -> Decimal:
    return Decimal(value or 0).quantize(CENT, rounding=ROUND_HALF_UP)


def _pct(part, whole) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _link(name: str, fallback: str, **params) -> str:
    try:
        base = reverse(name)
    except NoReverseMatch:
        base = fallback
    params = {k: v for k, v in params.items() if v not in (None, "")}
    return f"{base}?{urlencode(params)}" if params else base


def leads_url(**params) -> str:
    return _link("lead_list", "/sales/leads/", **params)


def opportunities_url(**params) -> str:
    return _link("opportunity_list", "/sales/opportunities/", **params)


def followups_url(**params) -> str:
    return _link("followup_list", "/engagement/follow-ups/", **params)


def _closed_params(period: Period) -> dict:
    # closed_after / closed_before are the first and the last day of the period, both included
    return {"closed_after": period.start.isoformat(), "closed_before": period.end.isoformat()}


def _weighted_expr():
    return ExpressionWrapper(
        F("amount_base") * F("probability"), output_field=DecimalField(max_digits=24, decimal_places=2)
    )


def _user_labels(ids) -> dict[int, tuple[str, str]]:
    """{user id: (label, username)} for the users named in aggregate rows: one query."""
    ids = [i for i in ids if i is not None]
    if not ids:
        return {}
    return {
        u.pk: (str(u), u.username)
        for u in User.objects.filter(pk__in=ids).only(
            "id", "username", "display_name", "first_name", "last_name"
        )
    }


def _stages(pipeline: Pipeline | None) -> list[Stage]:
    if pipeline is None:
        return []
    return list(Stage.objects.filter(pipeline=pipeline, active=True).order_by("order", "id"))


# --- the rep's own panels ---------------------------------------------------------------------


def my_leads(actor, filters: Filters) -> dict:
    """The viewer's open leads: counts by status and the five newest. Two queries."""
    mine = access.scope(actor, Lead).filter(owner_id=actor.pk)
    counts = dict(
        mine.filter(status__in=OPEN_LEAD_STATUSES).values_list("status").annotate(n=Count("id")).order_by()
    )
    labels = dict(LeadStatus.choices)
    by_status = [
        {
            "status": s,
            "label": str(labels[s]),
            "count": counts.get(s, 0),
            "url": leads_url(owner=actor.username, status=s),
        }
        for s in OPEN_LEAD_STATUSES
    ]
    newest = list(
        mine.filter(status__in=OPEN_LEAD_STATUSES)
        .order_by("-created_at", "-id")
        .only("id", "name", "company", "status", "score", "created_at")[:5]
    )
    return {
        "by_status": by_status,
        "total": sum(counts.values()),
        "newest": newest,
        "url": leads_url(owner=actor.username),
    }


def followups_due(actor, filters: Filters) -> dict:
    """What the viewer should follow up today or has let slip: own accounts and contacts whose
    next contact is due by tonight, and open tasks assigned to them due by tonight. Three counts."""
    from guanxi.engagement.tasks.selectors import day_bounds, local_today

    start, end = day_bounds(actor, local_today(actor))
    accounts = access.scope(actor, Account).filter(owner_id=actor.pk, next_contact_at__lt=end)
    contacts = access.scope(actor, Contact).filter(owner_id=actor.pk, next_contact_at__lt=end)
    tasks = access.scope(actor, Task).filter(assignee_id=actor.pk, done=False, due_at__lt=end)
    numbers = tasks.aggregate(
        overdue=Count("id", filter=Q(due_at__lt=start)), today=Count("id", filter=Q(due_at__gte=start))
    )
    return {
        "accounts": accounts.count(),
        "contacts": contacts.count(),
        "tasks_overdue": numbers["overdue"],
        "tasks_today": numbers["today"],
    }


def pipeline_by_stage(actor, filters: Filters, *, mine: bool = False) -> dict:
    """Open deals of the pipeline per stage: count, amount and weighted amount. Two queries
    (the stages, one GROUP BY)."""
    stages = [s for s in _stages(filters.pipeline) if s.type == Stage.Type.OPEN]
    if not stages:
        return {"stages": [], "count": 0, "amount": ZERO, "weighted": ZERO}
    qs = _scoped(actor, Opportunity, filters).filter(pipeline=filters.pipeline, stage_type=Stage.Type.OPEN)
    if mine:
        qs = qs.filter(owner_id=actor.pk)
    rows = {
        r["stage_id"]: r
        for r in qs.values("stage_id")
        .annotate(n=Count("id"), amount=Sum("amount_base"), weighted=Sum(_weighted_expr()))
        .order_by()
    }
    owner = actor.username if mine else None
    out = []
    for s in stages:
        r = rows.get(s.pk, {})
        out.append(
            {
                "stage": s.pk,
                "name": s.name,
                "probability": s.probability,
                "count": r.get("n", 0),
                "amount": _money(r.get("amount")),
                "weighted": _money((r.get("weighted") or 0) / Decimal(100)),
                "url": opportunities_url(pipeline=filters.pipeline.pk, stage=s.pk, owner=owner),
            }
        )
    return {
        "stages": out,
        "count": sum(s["count"] for s in out),
        "amount": sum((s["amount"] for s in out), ZERO),
        "weighted": sum((s["weighted"] for s in out), ZERO),
    }


def pipeline_by_rep(actor, filters: Filters) -> dict:
    """Open deals of the pipeline per owner and stage (the stacked bars). Three queries."""
    stages = [s for s in _stages(filters.pipeline) if s.type == Stage.Type.OPEN]
    if not stages:
        return {"reps": [], "series": []}
    qs = _scoped(actor, Opportunity, filters).filter(pipeline=filters.pipeline, stage_type=Stage.Type.OPEN)
    rows = list(
        qs.values("owner_id", "stage_id").annotate(amount=Sum("amount_base"), n=Count("id")).order_by()
    )
    totals: dict[int, Decimal] = {}
    for r in rows:
        totals[r["owner_id"]] = totals.get(r["owner_id"], ZERO) + _money(r["amount"])
    owners = sorted(totals, key=lambda o: (-totals[o], o or 0))[:TOP_REPS]
    labels = _user_labels(owners)
    cells = {(r["owner_id"], r["stage_id"]): r for r in rows}
    reps = [
        {
            "id": o,
            "name": labels.get(o, ("—", ""))[0],
            "username": labels.get(o, ("", ""))[1],
            "amount": totals[o],
        }
        for o in owners
    ]
    series = []
    for s in stages:
        series.append(
            {
                "name": s.name,
                "stage": s.pk,
                "data": [
                    {
                        "value": _money(cells.get((o, s.pk), {}).get("amount")),
                        "url": opportunities_url(
                            pipeline=filters.pipeline.pk, stage=s.pk, owner=labels.get(o, ("", ""))[1]
                        ),
                    }
                    for o in owners
                ],
            }
        )
    return {"reps": reps, "series": series}


def _team_users(actor, filters: Filters) -> QuerySet:
    """The users whose numbers the viewer sees per rep: the owners of the viewer's read scope of
    opportunities (active ones), narrowed to the department."""
    owners = access.owner_ids(actor, "opportunity", "read")
    qs = User.objects.filter(is_active=True)
    if owners is not access.ALL:
        qs = qs.filter(pk__in=sorted(owners))
    if filters.department is not None:
        qs = qs.filter(department__path__startswith=filters.department.path)
    return qs


def forecast_by_rep(actor, filters: Filters, *, only_me: bool = False) -> dict:
    """Per rep for the period: won (closed won in the period), weighted open (expected to close in
    the period × probability), best case (won + every open deal expected in the period) and the
    target (the targets lying inside the period: quarters where there are any, else months).
    Four queries."""
    period = filters.period
    users = _team_users(actor, filters)
    if only_me:
        users = users.filter(pk=actor.pk)
    opps = _scoped(actor, Opportunity, filters).filter(owner__in=users.values("pk"))
    won = Q(stage_type=Stage.Type.WON, closed_at__gte=period.start_at, closed_at__lt=period.end_at)
    open_ = Q(stage_type=Stage.Type.OPEN, expected_close__gte=period.start, expected_close__lte=period.end)
    rows = {
        r["owner_id"]: r
        for r in opps.filter(won | open_)
        .values("owner_id")
        .annotate(
            won=Sum("amount_base", filter=won),
            open=Sum("amount_base", filter=open_),
            weighted=Sum(_weighted_expr(), filter=open_),
        )
        .order_by()
    }
    targets: dict[int, dict[str, Decimal]] = {}
    for r in (
        Target.objects.filter(
            user__in=users.values("pk"), starts_on__gte=period.start, ends_on__lte=period.end
        )
        .values("user_id", "kind")
        .annotate(total=Sum("amount"))
        .order_by()
    ):
        targets.setdefault(r["user_id"], {})[r["kind"]] = _money(r["total"])
    ids = set(rows) | set(targets)
    labels = _user_labels(ids)
    reps: list[dict[str, Any]] = []
    for uid in ids:
        r = rows.get(uid, {})
        t = targets.get(uid, {})
        target = t.get(Target.Kind.QUARTER) if Target.Kind.QUARTER in t else t.get(Target.Kind.MONTH)
        won_amount = _money(r.get("won"))
        username = labels.get(uid, ("", ""))[1]
        reps.append(
            {
                "id": uid,
                "name": labels.get(uid, ("—", ""))[0],
                "username": username,
                "won": won_amount,
                "weighted": _money((r.get("weighted") or 0) / Decimal(100)),
                "best_case": won_amount + _money(r.get("open")),
                "target": target,
                "attainment": _pct(won_amount, target) if target else None,
                "url": opportunities_url(owner=username, stage_type=Stage.Type.WON, **_closed_params(period)),
            }
        )
    reps.sort(key=lambda x: (-(x["target"] or ZERO), -x["won"], x["name"]))
    reps = reps[:TOP_REPS]
    return {
        "reps": reps,
        "won": sum((r["won"] for r in reps), ZERO),
        "weighted": sum((r["weighted"] for r in reps), ZERO),
        "best_case": sum((r["best_case"] for r in reps), ZERO),
        "target": sum((r["target"] for r in reps if r["target"] is not None), ZERO),
    }


def my_target(actor, filters: Filters) -> list[dict]:
    """The viewer's won amount against their target, this month and this quarter (the forecast
    feature's numbers: forecast.selectors.forecast). Two forecast reads."""
    from ..forecast import selectors as forecast_selectors

    today = today_for(actor)
    out = []
    for key in ("month", "quarter"):
        period = parse_period(actor, key, today=today)
        numbers = forecast_selectors.forecast(actor, period=period.target_period, user=actor.username)
        target = numbers["target"] if numbers.get("has_target") else None
        attainment = numbers.get("attainment")
        out.append(
            {
                "key": key,
                "label": str(PERIODS[key]),
                "period": period,
                "won": numbers["won"],
                "weighted": numbers["weighted"],
                "best_case": numbers["best_case"],
                "target": target,
                "attainment": attainment,
                "progress": min(int(attainment or 0), 100),
            }
        )
    return out


def activity_by_rep(actor, filters: Filters) -> dict:
    """Follow-ups per rep per week, the last eight weeks up to the period's end (or today). One
    query grouped by owner and week."""
    end = min(filters.period.end, today_for(actor))
    monday = end - dt.timedelta(days=end.weekday())
    first = monday - dt.timedelta(weeks=ACTIVITY_WEEKS - 1)
    zone = filters.period.zone
    start_at = dt.datetime.combine(first, dt.time.min, tzinfo=zone)
    end_at = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
    qs = _scoped(actor, Activity, filters).filter(occurred_at__gte=start_at, occurred_at__lt=end_at)
    rows = list(
        qs.annotate(week=TruncWeek("occurred_at", tzinfo=zone))
        .values("owner_id", "week")
        .annotate(n=Count("id"))
        .order_by()
    )
    weeks = [first + dt.timedelta(weeks=i) for i in range(ACTIVITY_WEEKS)]
    totals: dict[int, int] = {}
    cells: dict[tuple[int, dt.date], int] = {}
    for r in rows:
        week = r["week"].date() if isinstance(r["week"], dt.datetime) else r["week"]
        cells[(r["owner_id"], week)] = cells.get((r["owner_id"], week), 0) + r["n"]
        totals[r["owner_id"]] = totals.get(r["owner_id"], 0) + r["n"]
    owners = sorted(totals, key=lambda o: (-totals[o], o))[:TOP_REPS]
    labels = _user_labels(owners)
    series = []
    for o in owners:
        username = labels.get(o, ("", ""))[1]
        series.append(
            {
                "name": labels.get(o, ("—", ""))[0],
                "username": username,
                "total": totals[o],
                "data": [
                    {
                        "value": cells.get((o, w), 0),
                        "url": followups_url(
                            owner=username,
                            occurred_after=w.isoformat(),
                            occurred_before=(w + dt.timedelta(days=7)).isoformat(),
                        ),
                    }
                    for w in weeks
                ],
            }
        )
    return {"weeks": [w.isoformat() for w in weeks], "series": series}


def pool_statistics(actor, filters: Filters) -> dict:
    """The pools the viewer belongs to (records in each: the pools feature's pool_stats), and how
    many records the viewer's team claimed (or was assigned), lost to automatic reclaim or
    returned in the period: one grouped query on PoolEvent."""
    from ..pools import selectors as pool_selectors

    pools = pool_selectors.pool_stats(actor)
    owners = access.owner_ids(actor, "account", "read")
    events = PoolEvent.objects.filter(
        created_at__gte=filters.period.start_at, created_at__lt=filters.period.end_at
    )
    if owners is not access.ALL:
        events = events.filter(Q(to_owner_id__in=sorted(owners)) | Q(from_owner_id__in=sorted(owners)))
    if filters.department is not None:
        team = User.objects.filter(department__path__startswith=filters.department.path).values("pk")
        events = events.filter(Q(to_owner__in=team) | Q(from_owner__in=team))
    numbers = events.aggregate(
        claimed=Count("id", filter=Q(action__in=[PoolEvent.Action.CLAIM, PoolEvent.Action.ASSIGN])),
        reclaimed=Count("id", filter=Q(action=PoolEvent.Action.RECLAIM)),
        returned=Count("id", filter=Q(action=PoolEvent.Action.RETURN)),
    )
    return {"pools": pools, "in_pools": sum(p["in_pool"] for p in pools), **numbers}


# --- analytics --------------------------------------------------------------------------------


def funnel(actor, filters: Filters) -> dict:
    """Deals of the pipeline that reached each stage in the period: distinct opportunities with a
    stage change (in the period) into that stage or a later one; lost stages are not steps. With
    the conversion from each step to the next and the drop-off. Two queries (the stages, one
    conditional aggregate)."""
    steps = [s for s in _stages(filters.pipeline) if s.type != Stage.Type.LOST]
    if not steps:
        return {"steps": [], "first": 0}
    period = filters.period
    changes = OpportunityStageChange.objects.filter(
        opportunity__in=_scoped(actor, Opportunity, filters).filter(pipeline=filters.pipeline).values("pk"),
        at__gte=period.start_at,
        at__lt=period.end_at,
    ).exclude(to_stage__type=Stage.Type.LOST)
    counts = changes.aggregate(
        **{
            f"s{s.pk}": Count("opportunity_id", distinct=True, filter=Q(to_stage__order__gte=s.order))
            for s in steps
        }
    )
    out = []
    for i, s in enumerate(steps):
        n = counts[f"s{s.pk}"] or 0
        nxt = (counts[f"s{steps[i + 1].pk}"] or 0) if i + 1 < len(steps) else None
        params = {"pipeline": filters.pipeline.pk, "stage": s.pk}
        if s.type == Stage.Type.WON:
            params.update(stage_type=Stage.Type.WON, **_closed_params(period))
        out.append(
            {
                "stage": s.pk,
                "name": s.name,
                "type": s.type,
                "count": n,
                "conversion": _pct(nxt, n) if nxt is not None else None,
                "drop_off": (n - nxt) if nxt is not None else None,
                "of_first": _pct(n, counts[f"s{steps[0].pk}"]),
                "url": opportunities_url(**params),
            }
        )
    return {"steps": out, "first": out[0]["count"]}


def win_stats(actor, filters: Filters) -> dict:
    """Deals closed in the period: won and lost counts, win rate, won amount, average deal size
    (won) and sales cycle (days from creation to close of the won ones). One query."""
    period = filters.period
    qs = _scoped(actor, Opportunity, filters).filter(
        closed_at__gte=period.start_at,
        closed_at__lt=period.end_at,
        stage_type__in=[Stage.Type.WON, Stage.Type.LOST],
    )
    if filters.pipeline is not None:
        qs = qs.filter(pipeline=filters.pipeline)
    won = Q(stage_type=Stage.Type.WON)
    cycle = ExpressionWrapper(F("closed_at") - F("created_at"), output_field=DurationField())
    r = qs.aggregate(
        won=Count("id", filter=won),
        lost=Count("id", filter=Q(stage_type=Stage.Type.LOST)),
        amount=Sum("amount_base", filter=won),
        cycle=Sum(cycle, filter=won),
    )
    won_n, lost_n = r["won"], r["lost"]
    amount = _money(r["amount"])
    cycle_days = None
    if won_n and r["cycle"] is not None:
        total = (
            r["cycle"] if isinstance(r["cycle"], dt.timedelta) else dt.timedelta(microseconds=int(r["cycle"]))
        )
        cycle_days = (Decimal(total.total_seconds()) / Decimal(86400) / won_n).quantize(
            Decimal("0.1"), rounding=ROUND_HALF_UP
        )
    closed = _closed_params(period)
    pipeline = filters.pipeline.pk if filters.pipeline else None
    return {
        "won": won_n,
        "lost": lost_n,
        "win_rate": _pct(won_n, won_n + lost_n),
        "won_amount": amount,
        "average_deal": (amount / won_n).quantize(CENT, rounding=ROUND_HALF_UP) if won_n else None,
        "cycle_days": cycle_days,
        "won_url": opportunities_url(pipeline=pipeline, stage_type=Stage.Type.WON, **closed),
        "lost_url": opportunities_url(pipeline=pipeline, stage_type=Stage.Type.LOST, **closed),
    }


def followups_by_rep(actor, filters: Filters) -> dict:
    """Follow-ups logged in the period per owner (the follow-ups the viewer can read). Two queries."""
    period = filters.period
    qs = _scoped(actor, Activity, filters).filter(
        occurred_at__gte=period.start_at, occurred_at__lt=period.end_at
    )
    rows = list(qs.values("owner_id").annotate(n=Count("id")).order_by("-n", "owner_id")[:TOP_REPS])
    labels = _user_labels([r["owner_id"] for r in rows])
    after, before = period.start.isoformat(), (period.end + dt.timedelta(days=1)).isoformat()
    reps = [
        {
            "id": r["owner_id"],
            "name": labels.get(r["owner_id"], ("—", ""))[0],
            "count": r["n"],
            "url": followups_url(
                owner=labels.get(r["owner_id"], ("", ""))[1], occurred_after=after, occurred_before=before
            ),
        }
        for r in rows
    ]
    return {
        "reps": reps,
        "total": sum(r["count"] for r in reps),
        "url": followups_url(occurred_after=after, occurred_before=before),
    }


def leads_by_source(actor, filters: Filters) -> dict:
    """Leads created in the period per source, and how many of them are converted (the
    conversion rate). One query."""
    period = filters.period
    qs = _scoped(actor, Lead, filters).filter(created_at__gte=period.start_at, created_at__lt=period.end_at)
    rows = list(
        qs.values("source")
        .annotate(n=Count("id"), converted=Count("id", filter=Q(status=LeadStatus.CONVERTED)))
        .order_by("-n", "source")
    )
    labels = dict(LeadSource.choices)
    # the lead list has no creation-date filter: the drill-down lists the source's leads
    sources = [
        {
            "source": r["source"],
            "name": str(labels.get(r["source"], r["source"])),
            "count": r["n"],
            "converted": r["converted"],
            "conversion": _pct(r["converted"], r["n"]),
            "url": leads_url(source=r["source"]),
        }
        for r in rows
    ]
    total = sum(s["count"] for s in sources)
    converted = sum(s["converted"] for s in sources)
    return {
        "sources": sources,
        "total": total,
        "converted": converted,
        "conversion": _pct(converted, total),
        "converted_url": leads_url(status=LeadStatus.CONVERTED),
    }
