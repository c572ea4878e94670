"""The pools themselves (公海): create, change, delete and restore a pool, administrators only
(moving records in and out of pools is services.py)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.audit import services as audit
from guanxi.core import cleaning as c
from guanxi.core.errors import NotFound, ValidationFailed
from guanxi.core.services import model_update
from guanxi.customers.models import Tier
from guanxi.org import rights
from guanxi.org.models import Department, User
from guanxi.policies import access
from guanxi.records import lifecycle

from ..models import Pool, PoolRule


def _count(label: str, *, minimum: int = 0, maximum: int = 1_000_000, nullable: bool = True):
    def clean(value):
        if value is None and nullable:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValidationError(_("Enter a whole number."))
        if not minimum <= value <= maximum:
            raise ValidationError(
                _("Enter a number from %(min)d to %(max)d.") % {"min": minimum, "max": maximum}
            )
        return value

    return clean


def _flag(value):
    if not isinstance(value, bool):
        raise ValidationError(_("Enter true or false."))
    return value


def _usernames(value):
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value) or len(value) > 1000:
        raise ValidationError(_("Enter a list of usernames."))
    names = list(dict.fromkeys(v.strip() for v in value if v.strip()))
    users = {u.username: u for u in User.objects.filter(username__in=names, is_active=True)}
    unknown = [n for n in names if n not in users]
    if unknown:
        raise ValidationError(_("No active user is called: %(names)s.") % {"names": ", ".join(unknown[:10])})
    return [users[n] for n in names]


def _departments(value):
    if value is None:
        return []
    if not isinstance(value, list) or len(value) > 1000:
        raise ValidationError(_("Enter a list of department ids."))
    ids = []
    for v in value:
        pk = access.record_id(v)
        if pk is None or isinstance(v, str):
            raise ValidationError(_("Department ids are whole numbers."))
        ids.append(pk)
    found = {d.pk: d for d in Department.objects.filter(pk__in=ids)}
    missing = [str(i) for i in ids if i not in found]
    if missing:
        raise ValidationError(_("No such department: %(ids)s.") % {"ids": ", ".join(missing[:10])})
    return [found[i] for i in dict.fromkeys(ids)]


def _rules(value):
    if value is None:
        return []
    if not isinstance(value, list) or len(value) > 50:
        raise ValidationError(_("Enter a list of at most 50 rules."))
    cleaned, seen = [], set()
    for i, rule in enumerate(value, start=1):
        if not isinstance(rule, dict) or set(rule) - {"kind", "days", "tier"}:
            raise ValidationError(_("Rule %(n)d: give kind, days and tier only.") % {"n": i})
        kind, days, tier = rule.get("kind"), rule.get("days"), rule.get("tier")
        if kind not in PoolRule.Kind.values:
            raise ValidationError(
                _("Rule %(n)d: the kind is one of %(choices)s.")
                % {"n": i, "choices": ", ".join(PoolRule.Kind.values)}
            )
        if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= 3650:
            raise ValidationError(_("Rule %(n)d: days is a whole number from 1 to 3650.") % {"n": i})
        tier = tier or ""
        if tier not in ("", *Tier.values):
            raise ValidationError(_("Rule %(n)d: the tier is A, B, C or null (every tier).") % {"n": i})
        if (kind, tier) in seen:
            raise ValidationError(
                _("Rule %(n)d: there is already a rule of this kind for this tier.") % {"n": i}
            )
        seen.add((kind, tier))
        cleaned.append({"kind": kind, "days": days, "tier": tier})
    return cleaned


POOL_CLEANERS: dict[str, Any] = {
    "name": c.text(100, required=True),
    "kind": c.choice(Pool.Kind.choices),
    "description": c.text(500),
    "members": _usernames,
    "member_departments": _departments,
    "admins": _usernames,
    "daily_claim_limit": _count("daily_claim_limit", minimum=1),
    "ownership_cap": _count("ownership_cap", minimum=1),
    "cap_counts_won": _flag,
    "former_owner_cooldown_days": _count("former_owner_cooldown_days", maximum=3650, nullable=False),
    "reminder_days": _count("reminder_days", maximum=365, nullable=False),
    "lock_limit": _count("lock_limit"),
    "mask_contact_info": _flag,
    "active": _flag,
    "order": _count("order", nullable=False),
    "rules": _rules,
}

SCALARS = [
    "name",
    "kind",
    "description",
    "daily_claim_limit",
    "ownership_cap",
    "cap_counts_won",
    "former_owner_cooldown_days",
    "reminder_days",
    "lock_limit",
    "mask_contact_info",
    "active",
    "order",
]
RELATIONS = ["members", "member_departments", "admins"]


def _clean_pool(data: dict, *, partial: bool) -> dict:
    cleaned = c.clean_payload(data, POOL_CLEANERS, required={"name", "kind"}, partial=partial)
    if "kind" in cleaned and not cleaned["kind"]:
        raise ValidationFailed(fields={"kind": [_("This field is required.")]})
    return cleaned


def _set_relations(pool: Pool, cleaned: dict) -> dict:
    changes = {}
    for name in RELATIONS:
        if name in cleaned:
            manager = getattr(pool, name)
            old = sorted(str(x) for x in manager.all())
            manager.set(cleaned[name])
            new = sorted(str(x) for x in cleaned[name])
            if old != new:
                changes[name] = (old, new)
    if "rules" in cleaned:
        old = [str(r) for r in pool.rules.all()]
        pool.rules.all().delete()
        PoolRule.objects.bulk_create([PoolRule(pool=pool, **r) for r in cleaned["rules"]])
        new = [str(r) for r in pool.rules.all()]
        if old != new:
            changes["rules"] = (old, new)
    pool.__dict__.pop("_gx_members", None)
    return changes


@transaction.atomic
def pool_create(*, actor, data: dict) -> Pool:
    rights.require(actor, "manage_pools")
    cleaned = _clean_pool(dict(data), partial=False)
    pool = Pool(**{k: v for k, v in cleaned.items() if k in SCALARS})
    pool.full_clean()
    pool.save()
    _set_relations(pool, cleaned)
    audit.record(
        actor=actor,
        verb="create",
        obj=pool,
        changes={k: (None, v) for k, v in cleaned.items() if k in SCALARS and v not in ("", None)},
    )
    return pool


@transaction.atomic
def pool_update(*, actor, pool: Pool, data: dict, version: int | None) -> Pool:
    rights.require(actor, "manage_pools")
    cleaned = _clean_pool(dict(data), partial=True)
    if "kind" in cleaned and cleaned["kind"] != pool.kind:
        raise ValidationFailed(fields={"kind": [_("The kind of a pool cannot change.")]})
    changes = model_update(
        pool, fields=[f for f in SCALARS if f != "kind"], data=cleaned, expected_version=version
    )
    relation_changes = _set_relations(pool, cleaned)
    if relation_changes and not changes:  # still a new version: the members or rules changed
        Pool.objects.filter(pk=pool.pk).update(version=F("version") + 1, updated_at=timezone.now())
        pool.version += 1
    if changes or relation_changes:
        audit.record(actor=actor, verb="update", obj=pool, changes={**changes, **relation_changes})
    return pool


@transaction.atomic
def pool_delete(*, actor, pool: Pool, version: int | None) -> None:
    lifecycle.delete(actor=actor, obj=pool, version=version)


@transaction.atomic
def pool_restore(*, actor, pool: Pool, version: int | None = None) -> Pool:
    rights.require(actor, "manage_pools")
    if pool.deleted_at is None:  # only a pool in the bin has a restore (its API path says so)
        raise NotFound()
    return lifecycle.restore(actor=actor, obj=pool, version=version)
