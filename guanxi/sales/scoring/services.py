"""Lead scoring: rules add points for field values and activity; the score and its reasons are
kept on the lead (Lead.score, Lead.score_reasons). Built out by the scoring feature.

Interface the rest of sales relies on:
- rescore(leads) — recompute and store the score of these leads (a Lead, or an iterable /
  queryset of them); called by leads/services.py after every create and update and by the
  follow-up service after a follow-up on a lead; set-based for many leads.
- score_new(lead) — the score of a lead about to be inserted, in memory (web-form captures).

Rules (ScoringRule, administrators only):
- field rules: `field` (SCORABLE_FIELDS) `operator` equals / in / contains / not_empty `value`;
  text compares without case and surrounding spaces, e.g. "industry is manufacturing +10";
- activity rules on the lead's live follow-ups (engagement.Activity.lead):
  followup_within_days N (the first follow-up within N days of the lead's creation),
  followups_at_least N, inbound_reply N (an inbound follow-up within N days of creation),
  e.g. "replied within 2 days +20".
The score is the sum of the points of the active rules that hold (it can be negative);
`score_reasons` lists them: [{"rule": id, "label": name, "points": n}]. A score is derived
state: storing it bumps neither `version` nor `updated_at`.

Cost: one lead is one query for the rules, one aggregate over its follow-ups (only when an
activity rule exists) and one UPDATE when the score changed. Many leads go in batches of
BATCH: one query reads the batch with its follow-up figures as subqueries, one bulk UPDATE
writes the changed rows. When rules change, every open lead is rescored after commit in the
background (start_rescore_all)."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

from django.conf import settings
from django.db import connections, transaction
from django.db.models import Count, IntegerField, Min, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guanxi.audit import services as audit
from guanxi.core import cleaning
from guanxi.core.errors import ValidationFailed, VersionConflict
from guanxi.core.pagination import Page, paginate, parse_limit
from guanxi.core.services import check_version
from guanxi.core.validators import clean_text
from guanxi.customers.models import Industry
from guanxi.sales.models import OPEN_LEAD_STATUSES, Lead, LeadSource, ScoringRule
from guanxi.sales.webforms import common as c

Op = ScoringRule.Operator
FIELD_OPERATORS = (Op.EQUALS, Op.IN, Op.CONTAINS, Op.NOT_EMPTY)
ACTIVITY_OPERATORS = (Op.FOLLOWUP_WITHIN_DAYS, Op.FOLLOWUPS_AT_LEAST, Op.INBOUND_REPLY)
SCORABLE_FIELDS: dict[str, Any] = {
    "source": gettext_lazy("Source"),
    "industry": gettext_lazy("Industry"),
    "province": gettext_lazy("Province"),
    "city": gettext_lazy("City"),
    "title": gettext_lazy("Job title"),
    "company": gettext_lazy("Company"),
    "name": gettext_lazy("Name"),
    "email": gettext_lazy("Email"),
    "mobile": gettext_lazy("Mobile"),
    "phone": gettext_lazy("Office phone"),
    "wechat": gettext_lazy("WeChat ID"),
    "description": gettext_lazy("Description"),
}
CHOICES = {"source": set(LeadSource.values), "industry": set(Industry.values)}
BATCH = 2000
WRITABLE = {"name", "kind", "field", "operator", "value", "points", "active", "order"}
ORDERING = {"order": "order", "name": "name", "updated_at": "updated_at"}


# --- computing scores -------------------------------------------------------------------------


def _active_rules() -> list[ScoringRule]:
    return list(ScoringRule.objects.filter(active=True).order_by("order", "id"))


def _norm(value) -> str:
    return " ".join(str(value or "").split()).casefold()


def _field_holds(rule: ScoringRule, lead) -> bool:
    have = _norm(getattr(lead, rule.field, ""))
    if rule.operator == Op.NOT_EMPTY:
        return bool(have)
    if rule.operator == Op.EQUALS:
        return have == _norm(rule.value)
    if rule.operator == Op.IN:
        return have in {_norm(v) for v in (rule.value or [])}
    if rule.operator == Op.CONTAINS:
        needle = _norm(rule.value)
        return bool(needle) and needle in have
    return False


def _activity_holds(rule: ScoringRule, lead, stats: dict) -> bool:
    n = int(rule.value or 0)
    if rule.operator == Op.FOLLOWUPS_AT_LEAST:
        return stats["count"] >= n
    first = stats["first_at"] if rule.operator == Op.FOLLOWUP_WITHIN_DAYS else stats["first_inbound_at"]
    return first is not None and first <= lead.created_at + dt.timedelta(days=n)


def score_of(lead, rules: list[ScoringRule], stats: dict | None) -> tuple[int, list[dict]]:
    """(score, reasons) of a lead under these rules; `stats` = its follow-up figures."""
    stats = stats or {"count": 0, "first_at": None, "first_inbound_at": None}
    reasons: list[dict[str, Any]] = []
    for rule in rules:
        holds = (
            _field_holds(rule, lead)
            if rule.kind == ScoringRule.Kind.FIELD
            else _activity_holds(rule, lead, stats)
        )
        if holds:
            reasons.append({"rule": rule.pk, "label": rule.name, "points": rule.points})
    return sum(r["points"] for r in reasons), reasons


def _activities():
    from guanxi.engagement.models import Activity, Direction

    return Activity._base_manager.filter(deleted_at__isnull=True), Direction.INBOUND


def _stats_one(lead) -> dict:
    qs, inbound = _activities()
    return qs.filter(lead_id=lead.pk).aggregate(
        count=Count("id"),
        first_at=Min("occurred_at"),
        first_inbound_at=Min("occurred_at", filter=Q(direction=inbound)),
    )


def _with_stats(qs: QuerySet) -> QuerySet:
    acts, inbound = _activities()
    per_lead = acts.filter(lead_id=OuterRef("pk")).order_by()
    return qs.annotate(
        sc_count=Coalesce(
            Subquery(per_lead.values("lead_id").annotate(n=Count("id")).values("n")[:1]),
            Value(0),
            output_field=IntegerField(),
        ),
        sc_first_at=Subquery(per_lead.order_by("occurred_at").values("occurred_at")[:1]),
        sc_first_inbound_at=Subquery(
            per_lead.filter(direction=inbound).order_by("occurred_at").values("occurred_at")[:1]
        ),
    )


_READ = ("id", "created_at", "score", "score_reasons", *SCORABLE_FIELDS)


def rescore(leads) -> None:
    """Recompute and store the score of these leads (a Lead, or an iterable / queryset of them)."""
    rules = _active_rules()
    if isinstance(leads, Lead):
        stats = _stats_one(leads) if any(r.kind == ScoringRule.Kind.ACTIVITY for r in rules) else None
        score, reasons = score_of(leads, rules, stats)
        if score != leads.score or reasons != (leads.score_reasons or []):
            Lead._base_manager.filter(pk=leads.pk).update(score=score, score_reasons=reasons)
            leads.score, leads.score_reasons = score, reasons
        return
    if isinstance(leads, QuerySet):
        ids_query = leads.order_by().values_list("pk", flat=True)
        ids = None
    else:
        ids = sorted({x.pk if isinstance(x, Lead) else int(x) for x in leads})
        ids_query = None
    if ids is not None:
        for i in range(0, len(ids), BATCH):
            _rescore_batch(Lead._base_manager.filter(pk__in=ids[i : i + BATCH]), rules)
        return
    last = 0
    while True:  # keyset over the ids, so a huge queryset is read a batch at a time
        chunk = list(ids_query.filter(pk__gt=last).order_by("pk")[:BATCH])
        if not chunk:
            return
        _rescore_batch(Lead._base_manager.filter(pk__in=chunk), rules)
        last = chunk[-1]


def score_new(lead: Lead) -> None:
    """Set the score of a lead not saved yet, in memory (it goes into the INSERT): one query for
    the rules, none for follow-ups — a brand-new lead has none, so no activity rule holds (the
    follow-up service rescores it when its first follow-up is logged)."""
    lead.score, lead.score_reasons = score_of(lead, _active_rules(), None)


def _rescore_batch(qs: QuerySet, rules: list[ScoringRule]) -> int:
    activity = any(r.kind == ScoringRule.Kind.ACTIVITY for r in rules)
    qs = qs.only(*_READ)
    if activity:
        qs = _with_stats(qs)
    changed = []
    for lead in qs:
        stats = (
            {
                "count": lead.sc_count,
                "first_at": lead.sc_first_at,
                "first_inbound_at": lead.sc_first_inbound_at,
            }
            if activity
            else None
        )
        score, reasons = score_of(lead, rules, stats)
        if score != lead.score or reasons != (lead.score_reasons or []):
            lead.score, lead.score_reasons = score, reasons
            changed.append(lead)
    if changed:
        Lead._base_manager.bulk_update(changed, ["score", "score_reasons"], batch_size=500)
    return len(changed)


def rescore_open_leads() -> int:
    """Every open lead (new, working, qualified) under the current rules, a batch at a time,
    each batch in its own transaction. Returns how many scores changed."""
    rules = _active_rules()
    base = Lead._base_manager.filter(deleted_at__isnull=True, status__in=OPEN_LEAD_STATUSES)
    last, changed = 0, 0
    while True:
        chunk = list(base.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:BATCH])
        if not chunk:
            return changed
        with transaction.atomic():
            changed += _rescore_batch(Lead._base_manager.filter(pk__in=chunk), rules)
        last = chunk[-1]


def start_rescore_all() -> None:
    """After a rule change has committed. With a broker a Celery worker rescores; in embedded
    mode (tasks eager, i.e. inside the request) a daemon thread does, so saving a rule does not
    wait for half a million leads (as customers/background.start_export does for exports)."""
    from .background import rescore_open_leads_task

    if settings.CELERY_TASK_ALWAYS_EAGER:

        def run() -> None:
            try:
                rescore_open_leads()
            finally:
                connections.close_all()

        threading.Thread(target=run, name="rescore-leads", daemon=True).start()
    else:
        rescore_open_leads_task.delay()


# --- rules: administrators --------------------------------------------------------------------


def _value(kind: str, field: str, operator: str, value):
    if kind == ScoringRule.Kind.ACTIVITY:
        high = 1000 if operator == Op.FOLLOWUPS_AT_LEAST else 3650
        if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit() and len(value) < 8:
            value = int(value.strip())
        return c.whole_number(value, "value", 1, high)
    if operator == Op.NOT_EMPTY:
        return ""
    allowed = CHOICES.get(field)
    if operator == Op.IN:
        if isinstance(value, str):
            value = value.replace("，", ",").split(",")
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ValidationFailed(fields={"value": [_("Enter a list of values.")]})
        items = []
        for v in value:
            v = clean_text(v)
            if v and v not in items:
                items.append(v)
        if not items or len(items) > 50 or any(len(v) > 200 for v in items):
            raise ValidationFailed(
                fields={"value": [_("Enter 1 to 50 values of at most 200 characters each.")]}
            )
        if allowed and any(v not in allowed for v in items):
            raise ValidationFailed(
                fields={"value": [_("Choose among: %(choices)s.") % {"choices": ", ".join(sorted(allowed))}]}
            )
        return items
    if not isinstance(value, str):
        raise ValidationFailed(fields={"value": [_("Enter text.")]})
    value = clean_text(value)
    if not value or len(value) > 200:
        raise ValidationFailed(fields={"value": [_("Enter a value of 1 to 200 characters.")]})
    if allowed and operator == Op.EQUALS and value not in allowed:
        raise ValidationFailed(
            fields={"value": [_("Choose among: %(choices)s.") % {"choices": ", ".join(sorted(allowed))}]}
        )
    return value


def _clean(data: dict, *, current: ScoringRule | None) -> dict[str, Any]:
    """The rule's attributes after applying `data`; every error at once."""
    errors = c.unknown_fields(data, WRITABLE)
    partial = current is not None
    out = cleaning.collect(
        data,
        {
            "name": c.name_text,
            "points": lambda v: c.whole_number(v, "points", -1000, 1000),
            "active": lambda v: c.boolean(v, "active"),
            "order": lambda v: c.whole_number(v, "order", 0, 1_000_000),
        },
        errors,
    )
    if not partial:
        for name in ("name", "points"):
            if name not in data:
                errors[name] = [_("This field is required.")]
    if out.get("points") == 0:
        errors["points"] = [_("A rule of 0 points changes nothing; enter points from -1000 to 1000.")]
    kind = data.get("kind", current.kind if current else ScoringRule.Kind.FIELD)
    if kind not in ScoringRule.Kind.values:
        errors["kind"] = [_("Choose one of: %(choices)s.") % {"choices": ", ".join(ScoringRule.Kind.values)}]
    else:
        out["kind"] = kind
        default_op = Op.EQUALS if kind == ScoringRule.Kind.FIELD else Op.FOLLOWUP_WITHIN_DAYS
        keep = current is not None and current.kind == kind
        operator = data.get("operator", current.operator if keep else default_op)
        allowed_ops = FIELD_OPERATORS if kind == ScoringRule.Kind.FIELD else ACTIVITY_OPERATORS
        if operator not in allowed_ops:
            errors["operator"] = [_("Choose one of: %(choices)s.") % {"choices": ", ".join(allowed_ops)}]
        if kind == ScoringRule.Kind.FIELD:
            field = data.get("field", current.field if keep else "")
            if not isinstance(field, str) or field not in SCORABLE_FIELDS:
                errors["field"] = [_("Choose one of: %(choices)s.") % {"choices": ", ".join(SCORABLE_FIELDS)}]
        else:
            field = data.get("field") or ""
            if field:
                errors["field"] = [_("Activity rules have no field.")]
        out["field"] = field if isinstance(field, str) else ""
        out["operator"] = operator
        if not errors.keys() & {"operator", "field"}:
            if "value" in data or not keep or operator != current.operator or field != current.field:
                raw = data.get("value", current.value if keep else None)
                if raw is None and operator != Op.NOT_EMPTY:
                    errors["value"] = [_("This field is required.")]
                else:
                    try:
                        out["value"] = _value(kind, field, operator, raw)
                    except ValidationFailed as exc:
                        errors.update(exc.fields)
    if errors:
        raise ValidationFailed(_("Some fields are not valid."), fields=errors)
    return out


def _rules_changed() -> None:
    transaction.on_commit(start_rescore_all)


@transaction.atomic
def scoring_rule_create(*, actor, data: dict) -> ScoringRule:
    c.require_admin(actor)
    values = _clean(data, current=None)
    if "order" not in values:
        last = ScoringRule.objects.order_by("-order").values_list("order", flat=True).first()
        values["order"] = (last or 0) + 1
    rule = ScoringRule.objects.create(**values)
    audit.record(actor=actor, verb="create", obj=rule, changes={k: (None, v) for k, v in values.items()})
    _rules_changed()
    return rule


@transaction.atomic
def scoring_rule_update(*, actor, rule: ScoringRule, data: dict, version: int | None) -> ScoringRule:
    c.require_admin(actor)
    check_version(rule, version)
    values = _clean(data, current=rule)
    changes = {k: (getattr(rule, k), v) for k, v in values.items() if getattr(rule, k) != v}
    if not changes:
        return rule
    for k, (_old, new) in changes.items():
        setattr(rule, k, new)
    from django.utils import timezone

    old = rule.version
    rule.version, rule.updated_at = old + 1, timezone.now()
    if not ScoringRule.objects.filter(pk=rule.pk, version=old).update(
        **{k: getattr(rule, k) for k in changes}, version=rule.version, updated_at=rule.updated_at
    ):
        raise VersionConflict()
    audit.record(actor=actor, verb="update", obj=rule, changes=changes)
    _rules_changed()
    return rule


@transaction.atomic
def scoring_rule_delete(*, actor, rule: ScoringRule, version: int | None) -> None:
    """Deletes for good (a rule has no history worth a recycle bin; the audit keeps what it was)."""
    c.require_admin(actor)
    check_version(rule, version)
    audit.record(
        actor=actor,
        verb="delete",
        obj=rule,
        changes={
            k: (getattr(rule, k), None) for k in ("name", "kind", "field", "operator", "value", "points")
        },
    )
    ScoringRule.objects.filter(pk=rule.pk).delete()
    _rules_changed()


def scoring_rule_get(actor, pk) -> ScoringRule:
    c.require_admin(actor)
    return c.get_or_404(ScoringRule, pk)


def scoring_rule_list(actor, *, ordering: str = "order", cursor: str | None = None, limit=None) -> Page:
    c.require_admin(actor)
    return paginate(
        ScoringRule.objects.all(),
        ordering=ordering or "order",
        allowed=ORDERING,
        cursor=cursor,
        limit=parse_limit(limit),
    )


def describe(rule: ScoringRule) -> str:
    """The rule in words, in the active language: "Industry is one of manufacturing, it"."""
    if rule.kind == ScoringRule.Kind.ACTIVITY:
        return _("%(condition)s (N = %(n)s)") % {"condition": rule.get_operator_display(), "n": rule.value}
    field = str(SCORABLE_FIELDS.get(rule.field, rule.field))
    if rule.operator == Op.NOT_EMPTY:
        return _("%(field)s is filled in") % {"field": field}
    value = ", ".join(rule.value) if isinstance(rule.value, list) else str(rule.value)
    return f"{field} {rule.get_operator_display()} {value}"
