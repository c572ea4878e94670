"""What the record platform declares to the registry: the lifecycle's events."""

from django.utils.translation import gettext_lazy as _

from guanxi.core import registry
from guanxi.core.registry import NavEntry, TimelineSource

from . import timeline

registry.event("record_deleted", _("A record went to the recycle bin"))
registry.event("record_restored", _("A record came back from the recycle bin"))
registry.event("record_transferred", _("A record has a new owner"))
registry.event("export_ready", _("An export is ready to download"))

registry.kind(
    registry.Kind(
        name="saved_view",
        model="core.SavedView",
        label=_("saved view"),
        plural=_("saved views"),
        icon="bi-bookmark",
        order=95,
    )
)

registry.nav(
    NavEntry(
        name="recycle_bin",
        section="customers",
        label=_("Recycle bin"),
        url="records_bin",
        icon="bi-trash3",
        order=190,
    )
)

registry.api_route("/export-jobs", "guanxi.records.api_exports:router", order=110)
registry.api_route("/saved-views", "guanxi.core.api_saved_views:router", order=120)

# Every kind's timeline shows its own field changes (its audit rows).
registry.timeline_source(
    TimelineSource(
        name="change",
        applies=lambda kind: True,
        rank=1,
        filter="changes",
        label=_("Changes"),
        read=timeline.changes_source,
        order=40,
    )
)
