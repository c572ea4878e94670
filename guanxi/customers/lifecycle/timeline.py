"""The account's automatic lifecycle moves on its timeline (records/timeline.py), declared in
customers/registry.py. Moves made by hand are audit rows and show as field changes already."""

from __future__ import annotations

from django.utils.translation import gettext as _

from guanxi.records.timeline import Entry, Query
from guanxi.records.timeline import user_label as _user_label

from ..models import Lifecycle, RelationshipLevel, StageChange
from . import services as lifecycle


def stage_source(q: Query) -> list[Entry]:
    qs = StageChange.objects.filter(account_id__in=q.ids, automatic=True).select_related("actor")
    return _stage_entries(q.after(qs, at_field="at", id_field="id", source="stage")[: q.n])


def _stage_entries(changes) -> list[Entry]:
    labels = {
        StageChange.Field.LIFECYCLE: dict(Lifecycle.choices),
        StageChange.Field.LEVEL: dict(RelationshipLevel.choices),
    }
    entries = []
    for s in changes:
        names = labels.get(s.field, {})
        old, new = str(names.get(s.old, s.old) or "—"), str(names.get(s.new, s.new))
        entries.append(
            Entry(
                type="stage",
                at=s.at,
                id=s.pk,
                icon="bi-signpost-split",
                title=f"{s.get_field_display()}: {old} → {new}".capitalize(),
                summary=str(lifecycle.reason_text(s)),  # automatic reasons are message ids
                meta=[_("automatic")] if s.automatic else [],
                actor=_user_label(s.actor),
                changes=[(str(s.get_field_display()), old, new)],
                ids={"account": s.account_id},
                obj=s,
            )
        )
    return entries
