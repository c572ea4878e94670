"""The purge of the recycle bin: what has been there longer than RECYCLE_BIN_DAYS goes for good.

One job for every kind the registry marks `recycle_bin`, in an order that purges dependents before
what they depend on (an opportunity before its account). Each purged record gets its `purge` audit
row and loses its search entry. A purge never takes a live record with it: a record that live
records (or records not yet due) still depend on through a cascading or protecting foreign key
stays in the bin until they are gone; links that merely point at it (nullable, SET_NULL) are
cleared by the database's own rule.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.conf import settings
from django.db import models, transaction
from django.db.models.deletion import ProtectedError, RestrictedError
from django.utils import timezone

from guanxi.audit import services as audit
from guanxi.core import registry
from guanxi.core.jobs import periodic_job
from guanxi.core.registry import Kind
from guanxi.search.models import SearchDocument

log = logging.getLogger(__name__)

BATCH = 1000
_HOLDING = (models.CASCADE, models.PROTECT, models.RESTRICT)


def _holding_relations(model: type[models.Model]) -> list[tuple[type[models.Model], str]]:
    """(model, field) of the foreign keys to `model` whose rows a delete would take along or is
    refused by, on models that are soft-deletable (i.e. records someone could lose)."""
    found = []
    for rel in model._meta.related_objects:
        if not rel.one_to_many and not rel.one_to_one:  # reverse side of a ForeignKey / OneToOneField
            continue
        if rel.on_delete not in _HOLDING or rel.related_model is model:
            continue
        if any(f.name == "deleted_at" for f in rel.related_model._meta.get_fields()):
            found.append((rel.related_model, rel.field.name))
    return found


def purge_order() -> list[Kind]:
    """Kinds with a recycle bin, dependents first (a topological order of the holding keys)."""
    bin_kinds = registry.kinds(recycle_bin=True)
    by_model = {k.model_class: k for k in bin_kinds}
    after: dict[str, set[str]] = {k.name: set() for k in bin_kinds}  # name → kinds purged before it
    for k in bin_kinds:
        for child_model, _field in _holding_relations(k.model_class):
            child = by_model.get(child_model)
            if child is not None:
                after[k.name].add(child.name)
    ordered: list[Kind] = []
    done: set[str] = set()
    while len(ordered) < len(bin_kinds):
        ready = [k for k in bin_kinds if k.name not in done and after[k.name] <= done]
        if not ready:  # a cycle of cascading keys between kinds: purge the rest in declared order
            ready = [k for k in bin_kinds if k.name not in done]
        for k in ready:
            ordered.append(k)
            done.add(k.name)
    return ordered


def _blocked(model: type[models.Model], ids: list[int], older_than: dt.datetime) -> set[int]:
    """Ids among `ids` that records not due for purging still hold (see the module's docstring)."""
    blocked: set[int] = set()
    for child_model, field_name in _holding_relations(model):
        not_due = models.Q(deleted_at__isnull=True) | models.Q(deleted_at__gte=older_than)
        blocked.update(
            child_model._base_manager.filter(not_due, **{f"{field_name}__in": ids}).values_list(
                f"{field_name}_id", flat=True
            )
        )
    return blocked


def purge(*, actor: Any = None, older_than: dt.datetime, batch: int = BATCH) -> dict[str, int]:
    """Delete for good every kind's records in the bin since before `older_than`.
    Returns {kind: purged} and, under "kept", how many stayed because live records hold them."""
    counts: dict[str, int] = {}
    kept = 0
    for k in purge_order():
        model = k.model_class
        last_id = 0
        while True:
            with transaction.atomic():
                rows = list(
                    model._base_manager.filter(deleted_at__lt=older_than, pk__gt=last_id).order_by("pk")[
                        :batch
                    ]
                )
                if not rows:
                    break
                last_id = rows[-1].pk
                blocked = _blocked(model, [r.pk for r in rows], older_than)
                due = [r for r in rows if r.pk not in blocked]
                kept += len(rows) - len(due)
                purged = _purge_rows(actor, k, due)
            if purged:
                counts[k.name] = counts.get(k.name, 0) + purged
    if kept:
        counts["kept"] = kept
    return counts


def _purge_rows(actor: Any, k: Kind, rows: list[models.Model]) -> int:
    if not rows:
        return 0
    model = k.model_class
    try:
        with transaction.atomic():
            _delete(actor, k, rows)
        return len(rows)
    except (ProtectedError, RestrictedError):
        pass
    # Something deeper (a key the registry does not see) holds some of them: one at a time.
    purged = 0
    for row in rows:
        try:
            with transaction.atomic():
                _delete(actor, k, [row])
            purged += 1
        except (ProtectedError, RestrictedError):
            log.warning(
                "purge: %s #%s is still held by live records; kept in the bin", model.__name__, row.pk
            )
    return purged


def _delete(actor: Any, k: Kind, rows: list[models.Model]) -> None:
    ids = [r.pk for r in rows]
    if k.on_purge is not None:
        k.on_purge(ids)
    SearchDocument.objects.filter(object_type=k.name, object_id__in=ids).delete()
    audit.record_bulk(actor=actor, verb="purge", objs=rows)
    k.model_class._base_manager.filter(pk__in=ids).delete()


def cutoff(as_of: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(as_of, dt.time.min)) - dt.timedelta(
        days=settings.RECYCLE_BIN_DAYS
    )


@periodic_job(
    "purge-recycle-bin",
    hour=3,
    description="Delete for good what has been in the recycle bin longer than RECYCLE_BIN_DAYS (30), every kind",
)
def purge_recycle_bin(*, as_of: dt.date) -> str:
    older_than = cutoff(as_of)
    counts = purge(actor=None, older_than=older_than)
    parts = " ".join(f"{name}={n}" for name, n in counts.items()) or "nothing"
    return f"purged {parts} (deleted before {older_than:%Y-%m-%d})"
