"""Reads for customer health: the drifting list, the home widget's counts, the stage history."""

from __future__ import annotations

from django.db.models import Count, F, QuerySet
from django.utils.translation import gettext as _

from guanxi.core.errors import ValidationFailed
from guanxi.core.pagination import Page, paginate, parse_limit
from guanxi.policies import access

from ..models import Account, Health, StageChange

UNHEALTHY = (Health.DRIFTING, Health.DORMANT)
# Never-contacted accounts first (their silence counts from their creation), then by last contact.
_NEVER, _SINCE = "n.", "c."


def _health(value: str) -> str:
    if value not in UNHEALTHY:
        raise ValidationFailed(
            fields={"health": [_("Choose one of: %(choices)s.") % {"choices": ", ".join(UNHEALTHY)}]}
        )
    return value


def unhealthy_queryset(actor, health: str) -> QuerySet:
    return access.scope(actor, Account).filter(health=_health(health)).select_related("owner")


def drifting_page(actor, *, health: str, cursor: str | None = None, limit=None) -> Page:
    """Drifting or dormant accounts in the actor's scope, longest silent first, by keyset.

    Two index ranges one after the other, each paged by core.pagination: accounts never
    contacted (by created_at), then the others by last_contact_at (account_last_contact_idx).
    The cursor says which range it continues."""
    qs = unhealthy_queryset(actor, health)
    limit = parse_limit(limit)
    cursor = cursor or _NEVER
    if not cursor.startswith((_NEVER, _SINCE)):
        raise ValidationFailed(fields={"cursor": [_("The cursor is not valid.")]})
    items: list = []
    next_cursor = None
    if cursor.startswith(_NEVER):
        page = paginate(
            qs.filter(last_contact_at__isnull=True),
            ordering="created_at",
            allowed={"created_at": "created_at"},
            cursor=cursor[2:] or None,
            limit=limit,
        )
        items = page.items
        if page.next_cursor:
            return Page(items=items, next_cursor=_NEVER + page.next_cursor, ordering="silence", limit=limit)
        cursor = _SINCE
    remaining = limit - len(items)
    contacted = qs.filter(last_contact_at__isnull=False)
    if remaining:
        page = paginate(
            contacted,
            ordering="last_contact_at",
            allowed={"last_contact_at": "last_contact_at"},
            cursor=cursor[2:] or None,
            limit=remaining,
        )
        items += page.items
        next_cursor = _SINCE + page.next_cursor if page.next_cursor else None
    elif contacted.exists():  # the first range filled the page exactly
        next_cursor = _SINCE
    return Page(items=items, next_cursor=next_cursor, ordering="silence", limit=limit)


def health_counts(actor) -> dict[str, int]:
    """Accounts per health in the actor's scope (one grouped query)."""
    counts = {h: 0 for h in Health.values}
    rows = access.scope(actor, Account).order_by().values("health").annotate(n=Count("id"))
    for row in rows:
        counts[row["health"]] = row["n"]
    return counts


def longest_silent(actor, *, limit: int = 5) -> list[Account]:
    """The drifting or dormant accounts silent the longest (never contacted first)."""
    return list(
        access.scope(actor, Account)
        .filter(health__in=UNHEALTHY)
        .select_related("owner")
        .order_by(F("last_contact_at").asc(nulls_first=True), "created_at", "id")[:limit]
    )


def stage_history_page(account: Account, *, cursor: str | None = None, limit=None) -> Page:
    """The account's StageChange rows, newest first (the account was read through the access layer)."""
    qs = StageChange.objects.filter(account=account).select_related("actor")
    return paginate(qs, ordering="-at", allowed={"at": "at"}, cursor=cursor, limit=parse_limit(limit))


def home_widget(actor) -> dict:
    """The home page's health widget: counts per health and the five longest silent (two queries)."""
    from django.utils import timezone

    from .services import days_silent

    counts = health_counts(actor)
    now = timezone.now()
    chart = [{"name": str(label), "value": counts[value], "key": value} for value, label in Health.choices]
    return {
        "counts": counts,
        "total": sum(counts.values()),
        "chart": chart,
        "longest": [(a, days_silent(a, now=now)) for a in longest_silent(actor)],
    }
