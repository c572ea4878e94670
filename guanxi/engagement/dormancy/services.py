"""The dormancy check: which customers are drifting away, in set-based SQL.

A customer's reference time is its last interaction, `coalesce(last_contact_at, created_at)`.
With T the dormancy threshold of its tier (CustomerSettings, per tier A/B/C and "no tier"),
evaluated at the start of the day `as_of` (local time):

    dormant   if reference < as_of − T
    drifting  if reference < as_of − 2T/3
    active    otherwise

`dormancy_check` writes only the accounts whose health changes, in a handful of statements
that each make one pass over the live accounts (no Python loop over accounts):

1. INSERT … SELECT the StageChange rows of the automatic lifecycle moves (drifting → *at risk*
   from new/active/won back; dormant → *dormant* from every stage but prospect and lost);
2. one grouped SELECT: per owner, how many customers became drifting / dormant (a row per
   owner, not per account) → one Notification per owner, in the owner's language;
3. one UPDATE … SET health = CASE …, health_since = now, lifecycle_stage = CASE … for every
   row whose health changes (the stage only where step 1 recorded a move).

Running it twice for the same day changes nothing the second time (every statement is limited
to rows whose health differs from the computed one), so it notifies once. Soft-deleted
accounts are never touched. Jobs act as the system: StageChange rows have no actor.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings as django_settings
from django.db import connection, transaction
from django.db.models import BooleanField, Case, CharField, Count, DateTimeField, F, Q, Value, When
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from guanxi.customers.lifecycle import services as lifecycle
from guanxi.customers.models import Account, CustomerSettings, Health, Lifecycle, StageChange
from guanxi.engagement.models import Notification
from guanxi.org.models import User


@dataclass
class Conditions:
    dormant: Q
    drifting: Q  # drifting and not dormant
    active: Q
    changed: Q  # health differs from the computed one
    to_drifting: Q  # becomes drifting in this run
    to_dormant: Q  # becomes dormant in this run


def _older_than(cutoff: dt.datetime) -> Q:
    """coalesce(last_contact_at, created_at) < cutoff, written so that indexes stay usable."""
    return Q(last_contact_at__lt=cutoff) | Q(last_contact_at__isnull=True, created_at__lt=cutoff)


def _tier(tier: str) -> Q:
    return Q(tier=tier) if tier else ~Q(tier__in=lifecycle.TIERS)


def conditions(*, at: dt.datetime, settings: CustomerSettings) -> Conditions:
    dormant = Q(pk__in=[])
    drifting_or_worse = Q(pk__in=[])
    for tier, days in lifecycle.thresholds(settings).items():
        dormant |= _tier(tier) & _older_than(at - dt.timedelta(days=days))
        drifting_or_worse |= _tier(tier) & _older_than(at - lifecycle.drifting_after(days))
    drifting = drifting_or_worse & ~dormant
    active = ~drifting_or_worse
    to_drifting = drifting & ~Q(health=Health.DRIFTING)
    to_dormant = dormant & ~Q(health=Health.DORMANT)
    changed = to_drifting | to_dormant | (active & ~Q(health=Health.ACTIVE))
    return Conditions(
        dormant=dormant,
        drifting=drifting,
        active=active,
        changed=changed,
        to_drifting=to_drifting,
        to_dormant=to_dormant,
    )


def _stage_moves(c: Conditions) -> Q:
    """Rows whose lifecycle stage the job moves (decided before the health is updated)."""
    return (c.to_drifting & Q(lifecycle_stage__in=lifecycle.ON_DRIFTING_FROM)) | (
        c.to_dormant & ~Q(lifecycle_stage__in=lifecycle.ON_DORMANT_KEEP)
    )


def _insert_select(model, columns: list[str], queryset) -> int:
    """INSERT INTO model (columns) SELECT … — the ORM has no such statement; the SELECT is the
    ORM's own SQL with parameters, so it works the same on SQLite and PostgreSQL."""
    sql, params = queryset.query.sql_with_params()
    table = connection.ops.quote_name(model._meta.db_table)
    cols = ", ".join(connection.ops.quote_name(model._meta.get_field(c).column) for c in columns)
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {table} ({cols}) {sql}", params)
        return cursor.rowcount


def evaluation_time(as_of: dt.date) -> dt.datetime:
    """The instant a day's check is evaluated at: the start of that day, local time."""
    return timezone.make_aware(dt.datetime.combine(as_of, dt.time.min))


@dataclass
class Result:
    drifting: int = 0
    dormant: int = 0
    active: int = 0
    stage_changes: int = 0
    notifications: int = 0

    def summary(self, as_of: dt.date) -> str:
        return (
            f"dormancy as of {as_of.isoformat()}: {self.drifting} became drifting, {self.dormant} dormant, "
            f"{self.active} active again; {self.stage_changes} stage changes; {self.notifications} notifications"
        )


@transaction.atomic
def dormancy_check(*, as_of: dt.date, actor=None) -> Result:
    """Evaluate every live account's health as of `as_of` (see the module docstring)."""
    settings = CustomerSettings.load()
    at = evaluation_time(as_of)
    now = timezone.now()
    c = conditions(at=at, settings=settings)
    live = Account._base_manager.filter(deleted_at__isnull=True)
    result = Result()

    # 1. history of the lifecycle moves, straight from the accounts table
    new_stage = Case(
        When(c.dormant, then=Value(Lifecycle.DORMANT.value)),
        default=Value(Lifecycle.AT_RISK.value),
        output_field=CharField(),
    )
    reason = Case(
        When(c.dormant, then=Value(lifecycle.REASON_DORMANT)),
        default=Value(lifecycle.REASON_DRIFTING),
        output_field=CharField(),
    )
    source = (
        live.filter(_stage_moves(c))
        .order_by()
        .annotate(
            gx_field=Value(StageChange.Field.LIFECYCLE.value, output_field=CharField()),
            gx_new=new_stage,
            gx_at=Value(now, output_field=DateTimeField()),
            gx_automatic=Value(True, output_field=BooleanField()),
            gx_reason=reason,
        )
        .values_list("id", "gx_field", "lifecycle_stage", "gx_new", "gx_at", "gx_automatic", "gx_reason")
    )
    result.stage_changes = _insert_select(
        StageChange, ["account", "field", "old", "new", "at", "automatic", "reason"], source
    )

    # 2. who to tell: one grouped row per owner
    per_owner = list(
        live.filter(c.to_drifting | c.to_dormant)
        .order_by()
        .values("owner_id")
        .annotate(drifting=Count("id", filter=c.to_drifting), dormant=Count("id", filter=c.to_dormant))
    )
    result.drifting = sum(row["drifting"] for row in per_owner)
    result.dormant = sum(row["dormant"] for row in per_owner)
    result.notifications = _notify(per_owner, now=now)

    # 3. one UPDATE for the health and the lifecycle moves: health and stage are indexed, so each
    # write of a row is a new row version in every index; writing both at once halves that work
    health = Case(
        When(c.dormant, then=Value(Health.DORMANT.value)),
        When(c.drifting, then=Value(Health.DRIFTING.value)),
        default=Value(Health.ACTIVE.value),
        output_field=CharField(),
    )
    stage = Case(
        When(_stage_moves(c), then=new_stage), default=F("lifecycle_stage"), output_field=CharField()
    )
    changed = live.filter(c.changed).update(health=health, health_since=now, lifecycle_stage=stage)
    result.active = changed - result.drifting - result.dormant
    return result


def _notify(per_owner: Sequence[Mapping[str, Any]], *, now: dt.datetime) -> int:
    """One notification per owner, in the owner's language, linking to the drifting list."""
    if not per_owner:
        return 0
    languages = dict(
        User.objects.filter(pk__in=[row["owner_id"] for row in per_owner], is_active=True).values_list(
            "id", "language"
        )
    )
    url = reverse("drifting_list")
    notes = []
    for row in per_owner:
        if row["owner_id"] not in languages:
            continue  # deactivated owners get no notifications
        with translation.override(languages[row["owner_id"]] or django_settings.LANGUAGE_CODE):
            parts = []
            if row["drifting"]:
                parts.append(
                    ngettext(
                        "%(n)d customer is drifting away",
                        "%(n)d customers are drifting away",
                        row["drifting"],
                    )
                    % {"n": row["drifting"]}
                )
            if row["dormant"]:
                parts.append(
                    ngettext(
                        "%(n)d customer has gone dormant", "%(n)d customers have gone dormant", row["dormant"]
                    )
                    % {"n": row["dormant"]}
                )
            title = "; ".join(parts)
            body = _("They have not heard from you for a while. Get in touch before they go quiet for good.")
        notes.append(
            Notification(
                user_id=row["owner_id"],
                kind=Notification.Kind.DORMANCY,
                title=title[:200],
                body=body,
                url=url,
                created_at=now,
            )
        )
    Notification.objects.bulk_create(notes, batch_size=1000)
    return len(notes)
