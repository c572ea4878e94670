"""What engagement declares to the registry (guanxi/core/registry.py): follow-ups, tasks, files."""

from django.utils.translation import gettext_lazy as _

from guanxi.core import registry
from guanxi.core.registry import HomeWidget, Kind, NavEntry, OnParentDelete, Parent
from guanxi.records import events

from .files import selectors as file_selectors
from .files import services as files
from .followups import services as followups

# after a follow-up is logged or changed: the apps that derive something from follow-ups listen
# (sales rescores the lead: sales/registry.py). Payloads: the follow-up's account, contacts, lead;
# for an update the changed fields and the leads before and after.
registry.event("activity_logged", _("A follow-up was logged"))
registry.event("activity_updated", _("A follow-up was changed"))

registry.kind(
    Kind(
        name="activity",
        model="engagement.Activity",
        label=_("follow-up"),
        plural=_("follow-ups"),
        icon="bi-chat-square-text",
        detail_url="followup_edit",
        list_url="followup_list",
        grants=registry.ACTIONS,
        recycle_bin=True,
        # A follow-up is history of its own: it stays when its customer goes (its owner still sees it).
        parents=(
            Parent(field="account", on_delete=OnParentDelete.DETACH),
            Parent(field="lead", on_delete=OnParentDelete.DETACH),
        ),
        order=30,
    )
)
registry.kind(
    Kind(
        name="task",
        model="engagement.Task",
        label=_("task"),
        plural=_("tasks"),
        icon="bi-check2-square",
        detail_url="task_edit",
        list_url="task_list",
        grants=registry.ACTIONS,
        recycle_bin=True,
        parents=(
            Parent(field="account", on_delete=OnParentDelete.DETACH),
            Parent(field="contact", on_delete=OnParentDelete.DETACH),
            Parent(field="activity", on_delete=OnParentDelete.DETACH),
            Parent(field="lead", on_delete=OnParentDelete.DETACH),
        ),
        order=40,
    )
)
registry.kind(
    Kind(
        name="attachment",
        model="engagement.Attachment",
        label=_("file"),
        plural=_("files"),
        icon="bi-paperclip",
        recycle_bin=True,
        # A file is part of its record: it goes to the bin with it and comes back with it.
        parents=(
            Parent(field="account", on_delete=OnParentDelete.BIN),
            Parent(field="contact", on_delete=OnParentDelete.BIN),
            Parent(field="activity", on_delete=OnParentDelete.BIN),
        ),
        on_purge=files.purge_files,
        authorize=files.authorize,
        bin_scope=file_selectors.binned,
        order=50,
    )
)

registry.nav(
    NavEntry(name="my_day", section="work", label=_("My day"), url="my_day", icon="bi-sun", order=20)
)
registry.nav(
    NavEntry(
        name="tasks", section="work", label=_("Tasks"), url="task_list", icon="bi-check2-square", order=30
    )
)
registry.nav(
    NavEntry(
        name="calendar", section="work", label=_("Calendar"), url="calendar", icon="bi-calendar3", order=40
    )
)
registry.nav(
    NavEntry(
        name="followups",
        section="customers",
        label=_("Follow-ups"),
        url="followup_list",
        icon="bi-chat-square-text",
        order=130,
    )
)

# loaded over htmx (engagement/tasks views.my_day_summary): the home page pays no query for it
registry.widget(HomeWidget(name="my_day", template="engagement/tasks/home_widget.html", order=10))


@events.on("record_deleted", kind="activity", atomic=True)
@events.on("record_restored", kind="activity", atomic=True)
def _followup_summaries(event) -> None:
    """The recycle bin page restores through records.lifecycle, not the follow-up services: the
    customers' last contact, summary and next contact follow all the same, in the same transaction."""
    followups.refresh_for(event.obj)


@events.on("export_ready", atomic=True)
def _export_ready_bell(event) -> None:
    """The bell of the user whose export finished (customers/exports.py), with the job it names;
    in the export's own transaction, so a ready job always has its notification."""
    from .models import Notification

    p = event.payload
    Notification.objects.create(
        user_id=p["user"],
        kind=Notification.Kind.EXPORT_READY,
        title=str(p["title"])[:200],
        body=str(p["body"])[:1000],
        url=p["url"],
        object_type=event.object_type,
        object_id=event.object_id,
    )
