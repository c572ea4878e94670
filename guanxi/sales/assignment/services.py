"""Assignment rules: who gets a new lead. Built out by the assignment feature.

Interface the rest of sales relies on:
- route(lead, *, form=None) -> tuple[User | None, Pool | None] — the owner or the pool a new
  lead goes to by the first matching active rule (round robin, fewest open leads, or a pool,
  with per-user capacity caps); (None, None) when no rule matches. It decides only; the caller
  (leads/services.lead_create, lead_capture) stores the answer. Round robin takes its turn with
  one atomic UPDATE … RETURNING on the rule row, so two simultaneous leads never go to the same
  slot twice; capacity is read before, without a lock (leads being saved at that very moment are
  not counted yet, so simultaneous leads may pass a cap by the few in flight).

A rule matches when each of its non-empty condition lists (source, province, city, industry,
form ids) contains the lead's value (text without regard to case and spaces); empty lists match
anything. Methods:
- round_robin: the next of the rule's users after `last_user` (by user id), skipping inactive
  users and users at `capacity` open leads (new, working, qualified);
- fewest_open: the rule's active user with the fewest open leads under capacity (ties: lowest id);
- pool: the rule's pool.
When every user is at capacity the lead goes to the rule's pool if it has one, else the next
rule is tried. Rules are configuration: administrators only (assignment_rule_create/…)."""

from __future__ import annotations

from typing import Any

from django.db import connection, transaction
from django.db.models import Count, OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.audit import services as audit
from guanxi.core import cleaning
from guanxi.core.errors import ValidationFailed, VersionConflict
from guanxi.core.pagination import Page, paginate, parse_limit
from guanxi.core.services import check_version
from guanxi.core.validators import clean_text
from guanxi.customers.models import Industry
from guanxi.org import rights
from guanxi.sales import configuration as c
from guanxi.sales.models import OPEN_LEAD_STATUSES, AssignmentRule, Lead, LeadForm, LeadSource

Method = AssignmentRule.Method
CONDITION_KEYS = ("source", "province", "city", "industry", "form")
WRITABLE = {"name", "order", "active", "conditions", "method", "users", "pool", "capacity"}
ORDERING = {"order": "order", "name": "name", "updated_at": "updated_at"}


# --- routing ----------------------------------------------------------------------------------


def _norm(value) -> str:
    return " ".join(str(value or "").split()).casefold()


def matches(rule: AssignmentRule, lead, form=None) -> bool:
    cond = rule.conditions or {}
    for key in ("source", "province", "city", "industry"):
        wanted = cond.get(key) or []
        if wanted and _norm(getattr(lead, key, "")) not in {_norm(v) for v in wanted}:
            return False
    forms = cond.get("form") or []
    if forms:
        form_id = form.pk if form is not None else getattr(lead, "form_id", None)
        if form_id not in set(forms):
            return False
    return True


def open_leads(user_ids) -> dict[int, int]:
    """{user id: open leads} for these users (one grouped query on lead_owner_status_idx)."""
    rows = (
        Lead._base_manager.filter(
            owner_id__in=list(user_ids), status__in=OPEN_LEAD_STATUSES, deleted_at__isnull=True
        )
        .values("owner_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {r["owner_id"]: r["n"] for r in rows}


def _pool_usable(pool) -> bool:
    return pool is not None and pool.deleted_at is None and pool.active


def route(lead, *, form=None):
    """(user, None), (None, pool) or (None, None): where a new lead goes by the first matching
    active rule. Decides only; round robin moves its pointer (in the caller's transaction)."""
    rules = list(
        AssignmentRule.objects.filter(active=True)
        .select_related("pool")
        .prefetch_related("users")
        .order_by("order", "id")
    )
    for rule in rules:
        if not matches(rule, lead, form):
            continue
        if rule.method == Method.POOL:
            if _pool_usable(rule.pool):
                return None, rule.pool
            continue
        users = sorted((u for u in rule.users.all() if u.is_active), key=lambda u: u.pk)
        if not users:
            if _pool_usable(rule.pool):
                return None, rule.pool
            continue
        if rule.method == Method.ROUND_ROBIN:
            user = _next_in_turn(rule, users)
        else:
            counts = open_leads([u.pk for u in users])
            eligible = [u for u in users if rule.capacity is None or counts.get(u.pk, 0) < rule.capacity]
            user = min(eligible, key=lambda u: (counts.get(u.pk, 0), u.pk)) if eligible else None
        if user is not None:
            return user, None
        if _pool_usable(rule.pool):
            return None, rule.pool
    return None, None


def at_capacity(user_ids, capacity: int) -> set[int]:
    """The ids of these users holding `capacity` open leads or more: one query that reads at
    most `capacity` index entries per user (is there a capacity-th open lead?), not a full count."""
    from guanxi.org.models import User

    nth = (
        Lead._base_manager.filter(
            owner_id=OuterRef("pk"), status__in=OPEN_LEAD_STATUSES, deleted_at__isnull=True
        )
        .order_by()
        .values("pk")[capacity - 1 : capacity]
    )
    return set(
        User._base_manager.filter(pk__in=list(user_ids))
        .annotate(nth=Subquery(nth))
        .filter(nth__isnull=False)
        .values_list("pk", flat=True)
    )


def _next_in_turn(rule: AssignmentRule, users: list) -> Any:
    """The user after the rule's pointer, moving the pointer. Capacity is checked first, without
    any lock (against committed leads); the turn is then taken by one UPDATE … RETURNING that
    computes the next eligible user from the pointer it finds, so two leads routed at once never
    take the same turn (PostgreSQL re-reads the row the other writer committed; SQLite serializes
    writers). The row stays locked until the caller's transaction ends: callers that route
    inside a longer transaction should route last, or before it (lead_capture does)."""
    full = at_capacity([u.pk for u in users], rule.capacity) if rule.capacity is not None else set()
    eligible = sorted((u for u in users if u.pk not in full), key=lambda u: u.pk)
    if not eligible:
        return None
    ids = [u.pk for u in eligible]
    table, column = AssignmentRule._meta.db_table, AssignmentRule._meta.get_field("last_user").column
    cases = " ".join(f"WHEN {column} < %s THEN %s" for _ in ids)
    params = [x for pk in ids for x in (pk, pk)] + [ids[0], rule.pk]
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET {column} = CASE {cases} ELSE %s END WHERE id = %s "  # noqa: S608
            f"RETURNING {column}",
            params,
        )
        row = cursor.fetchone()
    if row is None:  # the rule was deleted meanwhile
        return None
    rule.last_user_id = row[0]
    return next(u for u in eligible if u.pk == row[0])


# --- rules: administrators --------------------------------------------------------------------


def _texts(value, field: str, allowed: set[str] | None = None) -> list[str]:
    if value in (None, ""):
        return []
    if isinstance(value, str):
        value = value.replace("，", ",").split(",")
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValidationFailed(fields={field: [_("Enter a list of values.")]})
    out = []
    for v in value:
        v = clean_text(v)
        if v and v not in out:
            out.append(v)
    if len(out) > 100 or any(len(v) > 100 for v in out):
        raise ValidationFailed(
            fields={field: [_("Enter at most 100 values of at most 100 characters each.")]}
        )
    if allowed is not None and any(v not in allowed for v in out):
        raise ValidationFailed(
            fields={field: [_("Choose among: %(choices)s.") % {"choices": ", ".join(sorted(allowed))}]}
        )
    return out


def _form_ids(value) -> list[int]:
    if value in (None, ""):
        return []
    if not isinstance(value, list) or not all(isinstance(v, int) and not isinstance(v, bool) for v in value):
        raise ValidationFailed(fields={"conditions.form": [_("Enter a list of web form ids.")]})
    ids = sorted(set(value))
    if len(ids) > 100:
        raise ValidationFailed(fields={"conditions.form": [_("Enter at most 100 web forms.")]})
    found = set(
        LeadForm._base_manager.filter(pk__in=[i for i in ids if 0 < i < 2**63]).values_list("pk", flat=True)
    )
    if set(ids) - found:
        raise ValidationFailed(
            fields={"conditions.form": [_("No web form has the id %(id)s.") % {"id": min(set(ids) - found)}]}
        )
    return ids


def _conditions(value) -> dict:
    if value is None:
        value = {}
    if not isinstance(value, dict):
        raise ValidationFailed(
            fields={
                "conditions": [_("Enter an object with the keys source, province, city, industry and form.")]
            }
        )
    errors = {
        f"conditions.{str(k)[:40]}": [_("Unknown condition; use source, province, city, industry or form.")]
        for k in value
        if k not in CONDITION_KEYS
    }
    out = {}
    steps = {
        "source": lambda v: _texts(v, "conditions.source", set(LeadSource.values)),
        "province": lambda v: _texts(v, "conditions.province"),
        "city": lambda v: _texts(v, "conditions.city"),
        "industry": lambda v: _texts(v, "conditions.industry", set(Industry.values)),
        "form": _form_ids,
    }
    for key, func in steps.items():
        try:
            out[key] = func(value.get(key))
        except ValidationFailed as exc:
            errors.update(exc.fields)
    if errors:
        raise ValidationFailed(fields=errors)
    return out


def _users(value) -> list:
    from guanxi.org.models import User

    if value in (None, ""):
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value) or len(value) > 200:
        raise ValidationFailed(fields={"users": [_("Enter a list of usernames.")]})
    names = list(dict.fromkeys(value))
    found = {
        u.username: u for u in User.objects.filter(username__in=[n[:150] for n in names], is_active=True)
    }
    missing = [n for n in names if n not in found]
    if missing:
        raise ValidationFailed(
            fields={"users": [_("No active user has the username %(name)s.") % {"name": missing[0][:60]}]}
        )
    return [found[n] for n in names]


def _clean(data: dict, *, current: AssignmentRule | None) -> dict[str, Any]:
    def method(v):
        if v not in Method.values:
            raise ValidationFailed(
                fields={"method": [_("Choose one of: %(choices)s.") % {"choices": ", ".join(Method.values)}]}
            )
        return v

    errors = c.unknown_fields(data, WRITABLE)
    out = cleaning.collect(
        data,
        {
            "name": c.name_text,
            "order": lambda v: c.whole_number(v, "order", 0, 1_000_000),
            "active": lambda v: c.boolean(v, "active"),
            "conditions": _conditions,
            "users": _users,
            "pool": lambda v: c.lead_pool(v),
            "capacity": lambda v: c.whole_number(v, "capacity", 1, 100_000, allow_none=True),
            "method": method,
        },
        errors,
    )
    if current is None and "name" not in data:
        errors["name"] = [_("This field is required.")]
    if not errors:
        m = out.get("method", current.method if current else Method.ROUND_ROBIN)
        users = out["users"] if "users" in out else (list(current.users.all()) if current else [])
        pool = out["pool"] if "pool" in out else (current.pool if current else None)
        if m == Method.POOL and pool is None:
            errors["pool"] = [_("Choose the pool the leads go to.")]
        if m != Method.POOL and not users:
            errors["users"] = [_("Choose at least one user to share the leads.")]
    if errors:
        raise ValidationFailed(_("Some fields are not valid."), fields=errors)
    return out


def _plain(values: dict) -> dict:
    out = dict(values)
    if "users" in out:
        out["users"] = [u.username for u in out["users"]]
    return out


@transaction.atomic
def assignment_rule_create(*, actor, data: dict) -> AssignmentRule:
    rights.require(actor, "manage_assignment_rules")
    values = _clean(data, current=None)
    users = values.pop("users", [])
    if "order" not in values:
        last = AssignmentRule.objects.order_by("-order").values_list("order", flat=True).first()
        values["order"] = (last or 0) + 1
    rule = AssignmentRule.objects.create(**values)
    rule.users.set(users)
    audit.record(
        actor=actor,
        verb="create",
        obj=rule,
        changes={k: (None, v) for k, v in _plain({**values, "users": users}).items()},
    )
    return rule


@transaction.atomic
def assignment_rule_update(*, actor, rule: AssignmentRule, data: dict, version: int | None) -> AssignmentRule:
    rights.require(actor, "manage_assignment_rules")
    check_version(rule, version)
    values = _clean(data, current=rule)
    changes: dict[str, tuple] = {}
    users = values.pop("users", None)
    if users is not None:
        old = sorted(u.username for u in rule.users.all())
        if old != sorted(u.username for u in users):
            changes["users"] = (old, [u.username for u in users])
    for k, v in values.items():
        if getattr(rule, k) != v:
            changes[k] = (getattr(rule, k), v)
            setattr(rule, k, v)
    if not changes:
        return rule
    old_version = rule.version
    rule.version, rule.updated_at = old_version + 1, timezone.now()
    fields = {
        AssignmentRule._meta.get_field(k).attname: getattr(rule, AssignmentRule._meta.get_field(k).attname)
        for k in changes
        if k != "users"
    }
    if not AssignmentRule.objects.filter(pk=rule.pk, version=old_version).update(
        **fields, version=rule.version, updated_at=rule.updated_at
    ):
        raise VersionConflict()
    if users is not None and "users" in changes:
        rule.users.set(users)
    audit.record(actor=actor, verb="update", obj=rule, changes=changes)
    return rule


@transaction.atomic
def assignment_rule_delete(*, actor, rule: AssignmentRule, version: int | None) -> None:
    rights.require(actor, "manage_assignment_rules")
    check_version(rule, version)
    audit.record(
        actor=actor,
        verb="delete",
        obj=rule,
        changes={"name": (rule.name, None), "method": (rule.method, None)},
    )
    AssignmentRule.objects.filter(pk=rule.pk).delete()


@transaction.atomic
def assignment_rule_reorder(*, actor, ids: list) -> list[AssignmentRule]:
    """Put the named rules first, in this order; the others follow as they were. Order is not a
    versioned edit (it changes no rule's content), so it bumps no version."""
    rights.require(actor, "manage_assignment_rules")
    if not isinstance(ids, list) or not all(isinstance(i, int) and not isinstance(i, bool) for i in ids):
        raise ValidationFailed(fields={"ids": [_("Enter a list of rule ids.")]})
    rules = list(AssignmentRule.objects.order_by("order", "id"))
    by_id = {r.pk: r for r in rules}
    if len(set(ids)) != len(ids) or any(i not in by_id for i in ids):
        raise ValidationFailed(fields={"ids": [_("Name every rule once, by the ids of existing rules.")]})
    ordered = [by_id[i] for i in ids] + [r for r in rules if r.pk not in set(ids)]
    changed = []
    for position, rule in enumerate(ordered, start=1):
        if rule.order != position:
            rule.order = position
            changed.append(rule)
    if changed:
        AssignmentRule.objects.bulk_update(changed, ["order"])
        for rule in changed:
            audit.record(actor=actor, verb="update", obj=rule, changes={"order": (None, rule.order)})
    return ordered


def assignment_rule_get(actor, pk) -> AssignmentRule:
    rights.require(actor, "manage_assignment_rules")
    return c.get_or_404(AssignmentRule, pk)


def assignment_rule_list(actor, *, ordering: str = "order", cursor: str | None = None, limit=None) -> Page:
    rights.require(actor, "manage_assignment_rules")
    qs = AssignmentRule.objects.select_related("pool", "last_user").prefetch_related("users")
    return paginate(
        qs, ordering=ordering or "order", allowed=ORDERING, cursor=cursor, limit=parse_limit(limit)
    )
