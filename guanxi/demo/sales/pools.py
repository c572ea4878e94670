"""The sales demo's pools filled: records in them, claims, returns, a reclaim and locks; and the
ownership clock of the customers."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from django.db.models import Q

from guanxi.customers.models import Account, Contact
from guanxi.sales.models import Lead, Pool, PoolEvent
from guanxi.search.models import SearchDocument

from .data import DAY, POOLED, RETURN_REASONS, UNQUALIFIED_REASONS


def fill_pools(
    rng: random.Random, users, east: Pool, lead_pool: Pool, leads: list[Lead], busy: set[int], now: datetime
) -> dict[str, int]:
    east_ids = [users[u].pk for u in ("manager1", "rep1", "rep2")]
    members = list(
        Account.objects.filter(owner_id__in=east_ids, deleted_at__isnull=True)
        .exclude(pk__in=busy)
        .order_by("id")
    )
    rng.shuffle(members)
    pooled, rest = members[:POOLED], members[POOLED:]
    events = []
    for j, account in enumerate(pooled):
        former = account.owner_id
        when = (
            now - timedelta(seconds=rng.randrange(9 * DAY, 50 * DAY))
            if j > 1
            else now - timedelta(seconds=rng.randrange(DAY, 4 * DAY))
        )  # two recent returns: the former owner waits 7 days
        action = PoolEvent.Action.RECLAIM if j % 5 == 4 else PoolEvent.Action.RETURN
        reason = (
            (
                f"No follow-up for {60 if account.tier == 'C' else 45 if account.tier == 'B' else 30} days "
                f"(tier {account.tier or '—'})"
            )
            if action == PoolEvent.Action.RECLAIM
            else rng.choice(RETURN_REASONS)
        )
        events.append(
            PoolEvent(
                pool=east,
                object_type="account",
                object_id=account.pk,
                action=action,
                actor_id=None if action == PoolEvent.Action.RECLAIM else former,
                from_owner_id=former,
                reason=reason,
                created_at=when,
            )
        )
    Account.objects.filter(pk__in=[a.pk for a in pooled]).update(
        owner=None, pool=east, owned_since=None, pool_locked=False
    )
    Contact.objects.filter(account__in=[a.pk for a in pooled]).update(owner=None)
    SearchDocument.objects.filter(
        Q(object_type="account", object_id__in=[a.pk for a in pooled])
        | Q(
            object_type="contact",
            object_id__in=Contact.objects.filter(account__in=[a.pk for a in pooled]).values("pk"),
        )
    ).update(owner_id=None)
    # Claims and an assignment among the members' own customers (owned since then), and locks.
    for j, account in enumerate(rest[:5]):
        when = now - timedelta(seconds=rng.randrange(2 * DAY, 20 * DAY))
        assign = j == 4
        events.append(
            PoolEvent(
                pool=east,
                object_type="account",
                object_id=account.pk,
                action=PoolEvent.Action.ASSIGN if assign else PoolEvent.Action.CLAIM,
                actor_id=users["manager1"].pk if assign else account.owner_id,
                to_owner_id=account.owner_id,
                created_at=when,
                reason="客户所在区域由该销售负责" if assign else "",
            )
        )
        Account.objects.filter(pk=account.pk).update(owned_since=when)
    locked = sorted(rest[5:], key=lambda a: a.tier or "Z")[:3]  # key customers first
    for account in locked:
        events.append(
            PoolEvent(
                pool=east,
                object_type="account",
                object_id=account.pk,
                action=PoolEvent.Action.LOCK,
                actor_id=account.owner_id,
                to_owner_id=account.owner_id,
                reason="重点跟进中的大客户",
                created_at=now - timedelta(days=rng.randrange(3, 15)),
            )
        )
    Account.objects.filter(pk__in=[a.pk for a in locked]).update(pool_locked=True)
    # The lead pool: returns and a reclaim for the leads in it.
    for j, lead in enumerate(x for x in leads if x.pool_id):
        former = users[rng.choice(["rep1", "rep2", "rep3"])].pk
        reclaim = j % 4 == 3
        events.append(
            PoolEvent(
                pool=lead_pool,
                object_type="lead",
                object_id=lead.pk,
                action=PoolEvent.Action.RECLAIM
                if reclaim
                else PoolEvent.Action.ENTER
                if j % 4 == 0
                else PoolEvent.Action.RETURN,
                actor_id=None if reclaim else former,
                from_owner_id=None if j % 4 == 0 else former,
                reason="No follow-up for 30 days"
                if reclaim
                else ""
                if j % 4 == 0
                else rng.choice(UNQUALIFIED_REASONS[:2] + RETURN_REASONS[:2]),
                created_at=max(lead.created_at, now - timedelta(seconds=rng.randrange(DAY, 20 * DAY))),
            )
        )
    PoolEvent.objects.bulk_create(events)
    return {"pooled_accounts": len(pooled), "locked": len(locked), "pool_events": len(events)}


def ownership_clock(users, busy: set[int], now: datetime) -> None:
    """generate.owned_since() spread the ownership over the last weeks; here two silent East
    customers are put past a reclaim rule and three just before a reminder, so that the first
    nights show a reclaim and reminders."""
    east_ids = [users[u].pk for u in ("manager1", "rep1", "rep2")]
    silent = list(
        Account.objects.filter(owner_id__in=east_ids, deleted_at__isnull=True, pool_locked=False)
        .exclude(pk__in=busy)
        .filter(Q(last_contact_at__isnull=True) | Q(last_contact_at__lt=now - timedelta(days=70)))
        .order_by("tier", "id")
        .values_list("pk", "tier")
    )
    overdue = [pk for pk, tier in silent if tier == "C"][:2]
    due = [pk for pk, tier in silent if tier == "A"][:3]
    Account.objects.filter(pk__in=overdue).update(owned_since=now - timedelta(days=75))
    Account.objects.filter(pk__in=due).update(owned_since=now - timedelta(days=28))
