"""Writes of the shared pools (公海): claim, assign, return, lock (the pools' own settings are
services_admin.py).

A record in a pool has owner NULL and `pool` set. Moving records in or out is one conditional
UPDATE per call (`… WHERE id IN ids AND pool_id = <pool> AND owner_id IS NULL`), so two reps
claiming the same record at the same moment cannot both win: the second UPDATE finds the row
taken and the whole call rolls back. Every move writes one PoolEvent and one audit `transfer`
per record (bulk), and keeps the search index's owner in step. An account's contacts move with
it: those owned by the account's owner leave with it and come back with the new owner.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from guanxi.audit import services as audit
from guanxi.core import cleaning as c
from guanxi.core.errors import ApplicationError, PermissionDenied, ValidationFailed
from guanxi.customers.models import Account, Contact
from guanxi.org import rights
from guanxi.org.models import Action, User
from guanxi.policies import access
from guanxi.search.models import SearchDocument

from ..models import OPEN_LEAD_STATUSES, Lead, Opportunity, Pool, PoolEvent, Stage

MAX_IDS = 500


class PoolRuleViolated(ValidationFailed):
    """A claim or assignment the pool's rules refuse; the message names the rule and its numbers."""

    code = "pool_rule"


class AlreadyClaimed(ApplicationError):
    status = 409
    code = "already_claimed"


def model_for(kind: str):
    return Account if kind == Pool.Kind.CUSTOMER else Lead


def object_type_for(kind: str) -> str:
    return model_for(kind).POLICY_OBJECT_TYPE


# --- who belongs ------------------------------------------------------------------------------


def member_ids(pool: Pool) -> set[int]:
    """Active users who are members: the `members` and everyone in `member_departments` and
    their sub-departments (Department.path prefix)."""
    ids = set(pool.members.filter(is_active=True).values_list("id", flat=True))
    q = Q()
    for path in pool.member_departments.values_list("path", flat=True):
        q |= Q(department__path__startswith=path)
    if q:
        ids |= set(User.objects.filter(q, is_active=True).values_list("id", flat=True))
    return ids


def is_member(actor, pool: Pool) -> bool:
    if not active_user(actor):
        return False
    cache = pool.__dict__.setdefault("_gx_members", {})
    if "ids" not in cache:
        cache["ids"] = member_ids(pool)
    return actor.pk in cache["ids"]


def is_admin(actor, pool: Pool) -> bool:
    if not active_user(actor):
        return False
    if rights.has(actor, "manage_pools"):  # who may edit a pool's administrators is one of them
        return True
    cache = pool.__dict__.setdefault("_gx_members", {})
    if "admins" not in cache:
        cache["admins"] = set(pool.admins.filter(is_active=True).values_list("id", flat=True))
    return actor.pk in cache["admins"]


def active_user(actor) -> bool:
    return actor is not None and actor.is_authenticated and actor.is_active


def reclaiming_pool(owner_id: int, kind: str) -> Pool | None:
    """The pool whose rules apply to this owner's records: their first pool of the kind (order, id)."""
    for pool in Pool.objects.filter(kind=kind, active=True, deleted_at__isnull=True).order_by("order", "id"):
        if owner_id in member_ids(pool):
            return pool
    return None


# --- input ------------------------------------------------------------------------------------


def clean_ids(ids) -> list[int]:
    if not isinstance(ids, (list, tuple)) or not ids:
        raise ValidationFailed(fields={"ids": [_("Choose at least one record.")]})
    if len(ids) > MAX_IDS:
        raise ValidationFailed(
            fields={"ids": [_("Choose at most %(max)d records at a time.") % {"max": MAX_IDS}]}
        )
    cleaned = []
    for value in ids:
        pk = access.record_id(value)
        if pk is None:
            raise ValidationFailed(fields={"ids": [_("Record ids are whole numbers.")]})
        if pk not in cleaned:
            cleaned.append(pk)
    return cleaned


def _start_of_today(actor) -> dt.datetime:
    zone = c.user_zone(actor)
    today = timezone.now().astimezone(zone).date()
    return dt.datetime.combine(today, dt.time.min, tzinfo=zone)


# --- the rules --------------------------------------------------------------------------------


def _won_exists():
    return Exists(
        Opportunity._base_manager.filter(
            account=OuterRef("pk"), deleted_at__isnull=True, stage_type=Stage.Type.WON
        )
    )


def owned_count(user, pool: Pool) -> int:
    """What counts towards the ownership cap: live records of the pool's kind the user owns
    (customers with a won deal not counted when the pool says so; leads: open ones)."""
    model = model_for(pool.kind)
    qs = model._base_manager.filter(owner=user, deleted_at__isnull=True)
    if pool.kind == Pool.Kind.LEAD:
        qs = qs.filter(status__in=OPEN_LEAD_STATUSES)
    elif not pool.cap_counts_won:
        qs = qs.filter(~_won_exists())
    return qs.count()


def claimed_today(user, pool: Pool) -> int:
    return PoolEvent.objects.filter(
        pool=pool,
        to_owner=user,
        action__in=[PoolEvent.Action.CLAIM, PoolEvent.Action.ASSIGN],
        created_at__gte=_start_of_today(user),
    ).count()


def _check_daily_limit(user, pool: Pool, n: int) -> None:
    if pool.daily_claim_limit is None:
        return
    used = claimed_today(user, pool)
    if used + n > pool.daily_claim_limit:
        message = _("Daily claim limit: you have claimed %(used)d of %(limit)d today.") % {
            "used": used,
            "limit": pool.daily_claim_limit,
        }
        if used < pool.daily_claim_limit:
            message += " " + ngettext(
                "You may claim %(n)d more.", "You may claim %(n)d more.", pool.daily_claim_limit - used
            ) % {"n": pool.daily_claim_limit - used}
        raise PoolRuleViolated(message, fields={"ids": [message]})


def _check_cap(user, pool: Pool, n: int, *, field: str = "ids", mine: bool = True) -> None:
    if pool.ownership_cap is None:
        return
    owned = owned_count(user, pool)
    if owned + n > pool.ownership_cap:
        values = {"owned": owned, "cap": pool.ownership_cap, "n": n, "user": user.username}
        message = (
            _("Ownership cap: you own %(owned)d of at most %(cap)d; %(n)d more would be too many.")
            if mine
            else _("Ownership cap: %(user)s owns %(owned)d of at most %(cap)d; %(n)d more would be too many.")
        ) % values
        raise PoolRuleViolated(message, fields={field: [message]})


def _check_cooldown(user, pool: Pool, rows) -> None:
    days = pool.former_owner_cooldown_days
    if not days:
        return
    since = timezone.now() - dt.timedelta(days=days)
    event = (
        PoolEvent.objects.filter(
            object_type=object_type_for(pool.kind),
            object_id__in=[r.pk for r in rows],
            from_owner=user,
            action__in=[PoolEvent.Action.RETURN, PoolEvent.Action.RECLAIM],
            created_at__gte=since,
        )
        .order_by("-created_at")
        .first()
    )
    if event is None:
        return
    name = next((str(r) for r in rows if r.pk == event.object_id), "")
    ago = max((timezone.now() - event.created_at).days, 0)
    message = _(
        "Former owner: “%(name)s” left you %(ago)d days ago; you may claim it again %(days)d days after "
        "it left you."
    ) % {"name": name, "ago": ago, "days": days}
    raise PoolRuleViolated(message, fields={"ids": [message]})


# --- moving records ---------------------------------------------------------------------------


def _pooled_rows(pool: Pool, ids: list[int]) -> list:
    model = model_for(pool.kind)
    rows = list(
        model._base_manager.filter(pk__in=ids, pool=pool, owner__isnull=True, deleted_at__isnull=True)
    )
    if len(rows) != len(ids):
        raise AlreadyClaimed(
            _(
                "Some of these records are no longer in the pool: someone claimed them a moment ago. "
                "Reload the list and choose again."
            ),
            fields={"ids": [_("Already claimed.")]},
        )
    return rows


def _take(*, actor, pool: Pool, rows: list, new_owner: User, action: str) -> int:
    """Rows leave the pool for new_owner: the conditional UPDATE that decides races."""
    model = model_for(pool.kind)
    ids = [r.pk for r in rows]
    now = timezone.now()
    taken = model._base_manager.filter(
        pk__in=ids, pool=pool, owner__isnull=True, deleted_at__isnull=True
    ).update(
        owner=new_owner,
        owned_since=now,
        pool=None,
        pool_locked=False,
        version=F("version") + 1,
        updated_at=now,
    )
    if taken != len(ids):  # a concurrent claim won (PostgreSQL re-checks the WHERE after waiting for it)
        raise AlreadyClaimed(
            _(
                "Some of these records are no longer in the pool: someone claimed them a moment ago. "
                "Reload the list and choose again."
            ),
            fields={"ids": [_("Already claimed.")]},
        )
    object_type = model.POLICY_OBJECT_TYPE
    PoolEvent.objects.bulk_create(
        [
            PoolEvent(
                pool=pool,
                object_type=object_type,
                object_id=pk,
                action=action,
                actor=actor,
                to_owner=new_owner,
                created_at=now,
            )
            for pk in ids
        ],
        batch_size=1000,
    )
    for r in rows:
        r.owner, r.owner_id, r.pool, r.pool_id, r.pool_locked, r.owned_since = (
            new_owner,
            new_owner.pk,
            None,
            None,
            False,
            now,
        )
        r.version += 1
    audit.record_bulk(
        actor=actor,
        verb="transfer",
        objs=rows,
        changes_for=lambda o: {"owner": (None, new_owner.username), "pool": (pool.name, None)},
    )
    SearchDocument.objects.filter(object_type=object_type, object_id__in=ids).update(owner_id=new_owner.pk)
    if pool.kind == Pool.Kind.CUSTOMER:
        contacts = list(
            Contact._base_manager.filter(account_id__in=ids, owner__isnull=True, deleted_at__isnull=True)
        )
        if contacts:
            Contact._base_manager.filter(pk__in=[x.pk for x in contacts]).update(
                owner=new_owner, version=F("version") + 1, updated_at=now
            )
            audit.record_bulk(
                actor=actor,
                verb="transfer",
                objs=contacts,
                changes_for=lambda o: {"owner": (None, new_owner.username)},
            )
            SearchDocument.objects.filter(
                object_type=Contact.POLICY_OBJECT_TYPE, object_id__in=[x.pk for x in contacts]
            ).update(owner_id=new_owner.pk)
    return taken


def _usable(pool: Pool) -> None:
    if pool.deleted_at is not None or not pool.active:
        raise ValidationFailed(
            _("This pool is not active."), fields={"pool": [_("This pool is not active.")]}
        )


def _lock_user(user) -> None:
    """Serialize one user's claims (PostgreSQL row lock) so that two of their own requests at once
    cannot both pass the daily limit and the cap."""
    User.objects.select_for_update().filter(pk=user.pk).values_list("pk", flat=True).first()


@transaction.atomic
def pool_claim(*, actor, pool: Pool, ids) -> list:
    """The actor (a member) takes records out of the pool: all of them or none."""
    if not is_member(actor, pool):
        raise PermissionDenied(_("Only members of this pool may claim from it."))
    _usable(pool)
    ids = clean_ids(ids)
    _lock_user(actor)
    rows = _pooled_rows(pool, ids)
    _check_daily_limit(actor, pool, len(rows))
    _check_cap(actor, pool, len(rows))
    _check_cooldown(actor, pool, rows)
    _take(actor=actor, pool=pool, rows=rows, new_owner=actor, action=PoolEvent.Action.CLAIM)
    return rows


@transaction.atomic
def pool_assign(*, actor, pool: Pool, ids, owner) -> list:
    """A pool administrator hands records to a member (the member's cap applies, not the daily limit)."""
    if not is_admin(actor, pool):
        raise PermissionDenied(_("Only administrators of this pool may assign its records."))
    _usable(pool)
    ids = clean_ids(ids)
    user = (
        User.objects.filter(username=owner, is_active=True).first()
        if isinstance(owner, str) and owner
        else None
    )
    if user is None or not is_member(user, pool):
        raise ValidationFailed(fields={"owner": [_("Choose an active member of this pool.")]})
    _lock_user(user)
    rows = _pooled_rows(pool, ids)
    _check_cap(user, pool, len(rows), field="owner", mine=False)
    _take(actor=actor, pool=pool, rows=rows, new_owner=user, action=PoolEvent.Action.ASSIGN)
    if user.pk != actor.pk:
        from guanxi.engagement.models import Notification
        from guanxi.engagement.tasks.services import notify

        notify(
            user,
            Notification.Kind.POOL,
            ngettext(
                "%(n)d record assigned to you from the pool “%(pool)s”",
                "%(n)d records assigned to you from the pool “%(pool)s”",
                len(rows),
            )
            % {"n": len(rows), "pool": pool.name},
            url=_records_url(pool),
        )
    return rows


def _records_url(pool: Pool) -> str:
    from django.urls import reverse

    return reverse("account_list") if pool.kind == Pool.Kind.CUSTOMER else ""


@transaction.atomic
def pool_return(*, actor, pool: Pool, ids, reason) -> list:
    """Owners (or whoever may transfer the records) give records back to the pool, with a reason."""
    try:
        reason = c.text(500, required=True)(reason)
    except ValidationError as exc:
        raise ValidationFailed(
            _("Say why you return these records."), fields={"reason": exc.messages}
        ) from None
    if not (is_member(actor, pool) or is_admin(actor, pool)):
        raise PermissionDenied(_("Only members of this pool may return records to it."))
    _usable(pool)
    ids = clean_ids(ids)
    model = model_for(pool.kind)
    rows = list(
        access.scope(actor, model, Action.TRANSFER)
        .filter(pk__in=ids, owner__isnull=False)
        .select_related("owner")
        .select_for_update(of=("self",))
    )
    if len(rows) != len(ids):
        raise ValidationFailed(
            fields={
                "ids": [
                    _("Some of these records do not exist, are not yours to return or are already in a pool.")
                ]
            }
        )
    now = timezone.now()
    returned = model._base_manager.filter(pk__in=ids, owner__isnull=False, deleted_at__isnull=True).update(
        owner=None, pool=pool, pool_locked=False, version=F("version") + 1, updated_at=now
    )
    if returned != len(ids):
        raise AlreadyClaimed(_("Someone else changed these records in the meantime. Reload and try again."))
    object_type = model.POLICY_OBJECT_TYPE
    PoolEvent.objects.bulk_create(
        [
            PoolEvent(
                pool=pool,
                object_type=object_type,
                object_id=r.pk,
                action=PoolEvent.Action.RETURN,
                actor=actor,
                from_owner_id=r.owner_id,
                reason=reason,
                created_at=now,
            )
            for r in rows
        ],
        batch_size=1000,
    )
    old = {r.pk: r.owner.username for r in rows}
    by_owner: dict[int, list[int]] = {}
    for r in rows:
        by_owner.setdefault(r.owner_id, []).append(r.pk)
        r.owner, r.owner_id, r.pool, r.pool_id, r.pool_locked = None, None, pool, pool.pk, False
        r.version += 1
    audit.record_bulk(
        actor=actor,
        verb="transfer",
        objs=rows,
        changes_for=lambda o: {"owner": (old[o.pk], None), "pool": (None, pool.name), "reason": ("", reason)},
    )
    SearchDocument.objects.filter(object_type=object_type, object_id__in=ids).update(owner_id=None)
    if pool.kind == Pool.Kind.CUSTOMER:
        for owner_id, account_ids in by_owner.items():
            contacts = list(
                Contact._base_manager.filter(
                    account_id__in=account_ids, owner_id=owner_id, deleted_at__isnull=True
                ).select_related("owner")
            )
            if not contacts:
                continue
            Contact._base_manager.filter(pk__in=[x.pk for x in contacts]).update(
                owner=None, version=F("version") + 1, updated_at=now
            )
            audit.record_bulk(
                actor=actor,
                verb="transfer",
                objs=contacts,
                changes_for=lambda o: {"owner": (o.owner.username, None)},
            )
            SearchDocument.objects.filter(
                object_type=Contact.POLICY_OBJECT_TYPE, object_id__in=[x.pk for x in contacts]
            ).update(owner_id=None)
    return rows


@transaction.atomic
def pool_lock(*, actor, kind: str, ids, locked: bool = True) -> list:
    """Owners lock their records against automatic reclaim (or unlock them). The pool that would
    reclaim the owner's records decides how many may be locked at once (`lock_limit`)."""
    if kind not in Pool.Kind.values:
        raise ValidationFailed(
            fields={"kind": [_("Choose one of: %(choices)s.") % {"choices": ", ".join(Pool.Kind.values)}]}
        )
    if not isinstance(locked, bool):
        raise ValidationFailed(fields={"locked": [_("Wrong type of value.")]})
    ids = clean_ids(ids)
    model = model_for(kind)
    rows = list(access.scope(actor, model, Action.TRANSFER).filter(pk__in=ids, owner__isnull=False))
    if len(rows) != len(ids):
        raise ValidationFailed(
            fields={"ids": [_("Some of these records do not exist or are not yours to lock.")]}
        )
    changing = [r for r in rows if r.pool_locked != locked]
    if not changing:
        return rows
    pools: dict[int, Pool | None] = {}
    for owner_id in {r.owner_id for r in changing}:
        pools[owner_id] = reclaiming_pool(owner_id, kind)
        pool = pools[owner_id]
        if locked and pool is not None and pool.lock_limit is not None:
            _lock_user(User(pk=owner_id))
            already = model._base_manager.filter(
                owner_id=owner_id, pool_locked=True, deleted_at__isnull=True
            ).count()
            adding = sum(1 for r in changing if r.owner_id == owner_id)
            if already + adding > pool.lock_limit:
                message = _(
                    "Lock limit: %(locked)d of %(limit)d locked already; %(n)d more would be too many."
                ) % {"locked": already, "limit": pool.lock_limit, "n": adding}
                raise PoolRuleViolated(message, fields={"ids": [message]})
    now = timezone.now()
    model._base_manager.filter(pk__in=[r.pk for r in changing]).update(pool_locked=locked, updated_at=now)
    action = PoolEvent.Action.LOCK if locked else PoolEvent.Action.UNLOCK
    PoolEvent.objects.bulk_create(
        [
            PoolEvent(
                pool=pools[r.owner_id],
                object_type=model.POLICY_OBJECT_TYPE,
                object_id=r.pk,
                action=action,
                actor=actor,
                from_owner_id=r.owner_id,
                to_owner_id=r.owner_id,
                created_at=now,
            )
            for r in changing
            if pools[r.owner_id] is not None
        ],
        batch_size=1000,
    )
    for r in changing:
        r.pool_locked = locked
    audit.record_bulk(
        actor=actor, verb="update", objs=changing, changes_for=lambda o: {"pool_locked": (not locked, locked)}
    )
    return rows
