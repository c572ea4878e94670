"""The nightly reclaim (`guanxi runjob pool-reclaim`): records their owners neglect go back to
the pool, in set-based SQL.

Which records: those owned by a pool's members (a member of several pools of one kind belongs
to the first by `order`, id), not locked, live, of the rule's tier (rule tier "" = every tier without a
rule of that kind of its own),
evaluated at the start of the day `as_of` (local time) with cutoff = that instant − N days:

    no_followup     greatest(last_contact_at, owned_since) < cutoff  (owned_since NULL → created_at)
    no_opportunity  owned_since < cutoff and no open opportunity (accounts only)
    not_won         owned_since < cutoff and no won opportunity (leads: not converted)

For each pool the owners' records are walked in id ranges of BATCH; per range, in one
transaction and without a Python loop over rows: INSERT … SELECT the PoolEvent rows (the reason
per row names the first rule that matched), INSERT … SELECT the audit `transfer` rows (JSON
built in SQL), the search index's owner, the accounts' contacts that belong to the same owner
(audit, index, owner), then one UPDATE of the range's records. Each former owner is told once
(one notification with the count). Running it twice changes nothing the second time: reclaimed
records have no owner any more.

Reminders: with `reminder_days` R, records that the same rules would reclaim at as_of + R get a
task for their owner (due then: "Follow up … before it returns to the pool") and the owner one
notification with the count. A record is reminded once per ownership and follow-up: a new
reminder needs a PoolEvent `remind` older than both its owned_since and its last follow-up, so
the nightly run does not remind again every day.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings as django_settings
from django.db import connection, transaction
from django.db.models import (
    Case,
    CharField,
    Count,
    DateTimeField,
    Exists,
    F,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Q,
    Value,
    When,
)
from django.db.models.functions import Coalesce, JSONArray, JSONObject
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from guanxi.audit.models import AuditEvent
from guanxi.customers.models import Account, Contact
from guanxi.org.models import User
from guanxi.search.models import SearchDocument

from ..models import Lead, LeadStatus, Opportunity, Pool, PoolEvent, PoolRule, Stage
from . import services

BATCH = 100_000


def evaluation_time(as_of: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(as_of, dt.time.min))


def _since_before(cutoff: dt.datetime) -> Q:
    return Q(owned_since__lt=cutoff) | Q(owned_since__isnull=True, created_at__lt=cutoff)


def _opportunities(stage_type: str):
    return Opportunity._base_manager.filter(
        account=OuterRef("pk"), deleted_at__isnull=True, stage_type=stage_type
    )


def rule_condition(pool: Pool, rule: PoolRule, at: dt.datetime) -> Q | None:
    """The records `rule` reclaims at `at`, or None when it does not apply to the pool's kind."""
    cutoff = at - dt.timedelta(days=rule.days)
    customers = pool.kind == Pool.Kind.CUSTOMER
    if rule.tier and not customers:
        return None  # leads have no tier
    tier: Any = Q(tier=rule.tier) if rule.tier else Q()  # Any: & with Exists is a Q
    if rule.kind == PoolRule.Kind.NO_FOLLOWUP:
        return (
            tier & (Q(last_contact_at__lt=cutoff) | Q(last_contact_at__isnull=True)) & _since_before(cutoff)
        )
    if rule.kind == PoolRule.Kind.NO_OPPORTUNITY:
        return (
            (tier & _since_before(cutoff) & ~Exists(_opportunities(Stage.Type.OPEN))) if customers else None
        )
    if rule.kind == PoolRule.Kind.NOT_WON:
        return tier & _since_before(cutoff) & (~Exists(_opportunities(Stage.Type.WON)) if customers else Q())
    return None


def rule_reason(rule: PoolRule) -> str:
    labels: dict[str, str] = {
        PoolRule.Kind.NO_FOLLOWUP: _("No follow-up for %(days)d days"),
        PoolRule.Kind.NO_OPPORTUNITY: _("No open opportunity %(days)d days after claim"),
        PoolRule.Kind.NOT_WON: _("Not won %(days)d days after claim"),
    }
    text = labels[rule.kind] % {"days": rule.days}
    return f"{text} ({_('tier')} {rule.tier})" if rule.tier else text


@dataclass
class Result:
    reclaimed: int = 0
    contacts: int = 0
    reminded: int = 0
    notifications: int = 0
    per_owner: dict[int, int] = field(default_factory=dict)

    def summary(self, as_of: dt.date) -> str:
        return (
            f"pool-reclaim as of {as_of.isoformat()}: {self.reclaimed} records back in their pools "
            f"({self.contacts} contacts with them), {self.reminded} reminders, {self.notifications} notifications"
        )


def _insert_select(model, columns: list[str], queryset) -> int:
    """INSERT INTO model (columns) SELECT … with the ORM's own SQL and parameters (both databases)."""
    sql, params = queryset.query.sql_with_params()
    table = connection.ops.quote_name(model._meta.db_table)
    cols = ", ".join(connection.ops.quote_name(model._meta.get_field(c).column) for c in columns)
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {table} ({cols}) {sql}", params)
        return cursor.rowcount


def pool_plan(as_of_pools=None) -> list[tuple[Pool, set[int]]]:
    """Each active pool with the members whose records it reclaims (first pool of a kind wins)."""
    taken: dict[str, set[int]] = {k: set() for k in Pool.Kind.values}
    plan = []
    pools = (
        as_of_pools if as_of_pools is not None else Pool.objects.filter(active=True, deleted_at__isnull=True)
    )
    for pool in pools.order_by("order", "id").prefetch_related("rules"):
        members = services.member_ids(pool) - taken[pool.kind]
        taken[pool.kind] |= members
        plan.append((pool, members))
    return plan


def _owned_base(pool: Pool, members: set[int]):
    model = services.model_for(pool.kind)
    qs = model._base_manager.filter(deleted_at__isnull=True, owner_id__in=sorted(members), pool_locked=False)
    if pool.kind == Pool.Kind.LEAD:
        qs = qs.exclude(status=LeadStatus.CONVERTED)
    return qs


def _conditions(pool: Pool, at: dt.datetime) -> list[tuple[Q, str]]:
    out = []
    rules = list(pool.rules.all())
    specific = {(r.kind, r.tier) for r in rules if r.tier}
    for rule in rules:
        cond = rule_condition(pool, rule, at)
        if cond is not None and not rule.tier and pool.kind == Pool.Kind.CUSTOMER:
            # a rule for every tier applies to the tiers without a rule of their own of that kind
            own = [tier for kind, tier in specific if kind == rule.kind]
            if own:
                cond &= ~Q(tier__in=own)
        if cond is not None:
            out.append((cond, rule_reason(rule)))
    return out


def _reclaim_range(
    pool: Pool, selected, *, now: dt.datetime, reasons: list[tuple[Q, str]], result: Result
) -> None:
    model = services.model_for(pool.kind)
    object_type = model.POLICY_OBJECT_TYPE
    reason = Case(
        *[When(cond, then=Value(text[:500])) for cond, text in reasons],
        default=Value(""),
        output_field=CharField(),
    )
    plain = selected.order_by()
    events = plain.annotate(
        gx_pool=Value(pool.pk, output_field=IntegerField()),
        gx_type=Value(object_type, output_field=CharField()),
        gx_action=Value(PoolEvent.Action.RECLAIM.value, output_field=CharField()),
        gx_reason=reason,
        gx_at=Value(now, output_field=DateTimeField()),
    ).values_list("gx_pool", "gx_type", "id", "gx_action", "owner_id", "gx_reason", "gx_at")
    n = _insert_select(
        PoolEvent,
        ["pool", "object_type", "object_id", "action", "from_owner", "reason", "created_at"],
        events,
    )
    if not n:
        return
    label = F("name") if pool.kind == Pool.Kind.CUSTOMER else F("name")
    audits = plain.annotate(
        gx_label=Value("system", output_field=CharField()),
        gx_verb=Value("transfer", output_field=CharField()),
        gx_type=Value(object_type, output_field=CharField()),
        gx_object_label=label,
        gx_changes=JSONObject(
            owner=JSONArray(F("owner__username"), Value(None, output_field=CharField())),
            pool=JSONArray(Value(None, output_field=CharField()), Value(pool.name)),
            reason=JSONArray(Value(""), reason),
        ),
        gx_at=Value(now, output_field=DateTimeField()),
    ).values_list("gx_label", "gx_verb", "gx_type", "id", "gx_object_label", "gx_changes", "gx_at")
    _insert_select(
        AuditEvent,
        ["actor_label", "verb", "object_type", "object_id", "object_label", "changes", "at"],
        audits,
    )
    SearchDocument.objects.filter(object_type=object_type, object_id__in=plain.values("id")).update(
        owner_id=None
    )
    if pool.kind == Pool.Kind.CUSTOMER:
        contacts = Contact._base_manager.filter(
            Exists(plain.filter(pk=OuterRef("account_id"), owner_id=OuterRef("owner_id"))),
            deleted_at__isnull=True,
        )
        contact_audits = (
            contacts.order_by()
            .annotate(
                gx_label=Value("system", output_field=CharField()),
                gx_verb=Value("transfer", output_field=CharField()),
                gx_type=Value(Contact.POLICY_OBJECT_TYPE, output_field=CharField()),
                gx_changes=JSONObject(
                    owner=JSONArray(F("owner__username"), Value(None, output_field=CharField()))
                ),
                gx_at=Value(now, output_field=DateTimeField()),
            )
            .values_list("gx_label", "gx_verb", "gx_type", "id", "name", "gx_changes", "gx_at")
        )
        _insert_select(
            AuditEvent,
            ["actor_label", "verb", "object_type", "object_id", "object_label", "changes", "at"],
            contact_audits,
        )
        SearchDocument.objects.filter(
            object_type=Contact.POLICY_OBJECT_TYPE, object_id__in=contacts.values("id")
        ).update(owner_id=None)
        result.contacts += contacts.update(owner=None, version=F("version") + 1, updated_at=now)
    for row in plain.values("owner_id").annotate(n=Count("id")):
        result.per_owner[row["owner_id"]] = result.per_owner.get(row["owner_id"], 0) + row["n"]
    result.reclaimed += plain.update(
        owner=None, pool=pool, pool_locked=False, version=F("version") + 1, updated_at=now
    )


def reclaim(*, as_of: dt.date) -> Result:
    """Reclaim, then remind (see the module docstring)."""
    at = evaluation_time(as_of)
    now = timezone.now()
    result = Result()
    plan = pool_plan()
    for pool, members in plan:
        reasons = _conditions(pool, at)
        if not members or not reasons:
            continue
        cond = Q(pk__in=[])
        for c, _text in reasons:
            cond |= c
        base = _owned_base(pool, members)
        bounds = base.aggregate(lo=Min("id"), hi=Max("id"))
        if bounds["lo"] is None:
            continue
        for lo in range(bounds["lo"], bounds["hi"] + 1, BATCH):
            with transaction.atomic():
                selected = base.filter(cond, pk__gte=lo, pk__lt=lo + BATCH)
                _reclaim_range(pool, selected, now=now, reasons=reasons, result=result)
    with transaction.atomic():
        result.notifications += _notify_reclaimed(result.per_owner, now=now)
        for pool, members in plan:
            if pool.reminder_days and members:
                _remind(pool, members, at=at, now=now, result=result)
    return result


def _languages(owner_ids) -> dict[int, str]:
    return dict(User.objects.filter(pk__in=list(owner_ids), is_active=True).values_list("id", "language"))


def _notify_reclaimed(per_owner: dict[int, int], *, now: dt.datetime) -> int:
    from guanxi.engagement.models import Notification
    from guanxi.engagement.tasks.services import notify_many

    languages = _languages(per_owner)
    rows = []
    for owner_id, n in per_owner.items():
        if owner_id not in languages:
            continue
        with translation.override(languages[owner_id] or django_settings.LANGUAGE_CODE):
            rows.append(
                {
                    "user": owner_id,
                    "kind": Notification.Kind.POOL,
                    "title": ngettext(
                        "%(n)d record went back to the shared pool",
                        "%(n)d records went back to the shared pool",
                        n,
                    )
                    % {"n": n},
                    "body": _("Nobody had followed them up in time, so other colleagues may claim them now."),
                }
            )
    notify_many(rows)
    return len(rows)


def _not_reminded(object_type: str):
    """No reminder yet since the record's owner took it and since its last follow-up."""
    reminders = PoolEvent.objects.filter(
        object_type=object_type,
        object_id=OuterRef("pk"),
        action=PoolEvent.Action.REMIND,
        to_owner_id=OuterRef("owner_id"),
        created_at__gte=Coalesce(OuterRef("owned_since"), OuterRef("created_at")),
    )
    return (Q(last_contact_at__isnull=True) & ~Exists(reminders)) | (
        Q(last_contact_at__isnull=False)
        & ~Exists(reminders.filter(created_at__gte=OuterRef("last_contact_at")))
    )


def _remind(pool: Pool, members: set[int], *, at: dt.datetime, now: dt.datetime, result: Result) -> None:
    from guanxi.engagement.models import Notification, Task
    from guanxi.engagement.tasks.services import notify_many

    reasons = _conditions(pool, at + dt.timedelta(days=pool.reminder_days))
    if not reasons:
        return
    cond = Q(pk__in=[])
    for c, _text in reasons:
        cond |= c
    model = services.model_for(pool.kind)
    object_type = model.POLICY_OBJECT_TYPE
    due = at + dt.timedelta(days=pool.reminder_days)
    rows = list(
        _owned_base(pool, members)
        .filter(cond)
        .filter(_not_reminded(object_type))
        .order_by("id")
        .values_list("id", "owner_id", "name")
    )
    if not rows:
        return
    languages = _languages({owner for _pk, owner, _name in rows})
    link = "account_id" if pool.kind == Pool.Kind.CUSTOMER else "lead_id"
    per_owner: dict[Any, Any] = {}
    tasks, events = [], []
    local_due = timezone.localtime(due).date().isoformat()
    for pk, owner_id, name in rows:
        # at the evaluation instant when that is later (a preview with --as-of ahead), so that
        # the next night's run sees the reminder as given after the record's claim and follow-up
        events.append(
            PoolEvent(
                pool=pool,
                object_type=object_type,
                object_id=pk,
                action=PoolEvent.Action.REMIND,
                to_owner_id=owner_id,
                from_owner_id=owner_id,
                reason=local_due,
                created_at=max(now, at),
            )
        )
        if owner_id not in languages:
            continue
        per_owner[owner_id] = per_owner.get(owner_id, 0) + 1
        with translation.override(languages[owner_id] or django_settings.LANGUAGE_CODE):
            title = _("Follow up “%(name)s” before %(date)s, or it returns to the pool") % {
                "name": name,
                "date": local_due,
            }
        tasks.append(
            Task(
                title=title[:200],
                due_at=due,
                assignee_id=owner_id,
                owner_id=owner_id,
                created_at=now,
                updated_at=now,
                **{link: pk},
            )
        )
    Task._base_manager.bulk_create(tasks, batch_size=1000)
    PoolEvent.objects.bulk_create(events, batch_size=1000)
    notes = []
    for owner_id, n in per_owner.items():
        with translation.override(languages[owner_id] or django_settings.LANGUAGE_CODE):
            notes.append(
                {
                    "user": owner_id,
                    "kind": Notification.Kind.POOL,
                    "title": ngettext(
                        "%(n)d record returns to the pool “%(pool)s” on %(date)s unless you follow it up",
                        "%(n)d records return to the pool “%(pool)s” on %(date)s unless you follow them up",
                        n,
                    )
                    % {"n": n, "pool": pool.name, "date": local_due},
                }
            )
    notify_many(notes)
    result.reminded += len(tasks)
    result.notifications += len(notes)


# Lead and Account are both reached through services.model_for; named here for readers.
__all__ = ["reclaim", "rule_condition", "Account", "Lead"]
