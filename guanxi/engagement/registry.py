"""What engagement declares to the registry (guanxi/core/registry.py): follow-ups, tasks, files."""

from django.utils.translation import gettext_lazy as _

from guanxi.core import registry
from guanxi.core.registry import HomeWidget, Kind, NavEntry, OnParentDelete, Panel, Parent, TimelineSource
from guanxi.records import events

from .files import panels as files_panels
from .files import selectors as file_selectors
from .files import services as files
from .followups import panels as followups_panels
from .followups import services as followups
from .followups import timeline
from .tasks import panels as tasks_panels

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
# the notification bell in the top bar of every page (its count comes over htmx)
registry.widget(
    HomeWidget(name="notification_bell", template="engagement/tasks/bell_link.html", slot="topbar", order=10)
)

# Panels of the customers' detail pages (core/panels.py); providers run in this order, page-wide.
CUSTOMERS = ("account", "contact")
registry.panel(
    Panel(
        name="followup_actions",
        kinds=CUSTOMERS,
        slot="actions",
        template="engagement/partials/quick_actions.html",
        provider=followups_panels.quick_actions_context,
        order=10,
    )
)
registry.panel(
    Panel(
        name="followup_facts",
        kinds=CUSTOMERS,
        slot="facts",
        template="engagement/followups/key_facts.html",
        provider=followups_panels.facts_panel,
        order=10,
    )
)
registry.panel(
    Panel(
        name="tasks",
        kinds=CUSTOMERS,
        slot="side",
        template="engagement/partials/record_tasks.html",
        provider=tasks_panels.record_tasks_panel,
        order=30,
    )
)
registry.panel(  # before the timeline, whose first page shows the same newest files
    Panel(
        name="attachments",
        kinds=CUSTOMERS,
        slot="side",
        template="engagement/partials/record_attachments.html",
        provider=files_panels.record_attachments_panel,
        order=50,
    )
)
registry.panel(  # last: it reuses what the relations, files and history panels read
    Panel(
        name="timeline",
        kinds=CUSTOMERS,
        slot="main",
        template="engagement/partials/timeline.html",
        provider=followups_panels.timeline_panel,
        order=100,
    )
)

# What the engagement puts on the customers' timelines (records/timeline.py). Ranks order entries
# at the same instant (higher first) and are part of the cursors: never reuse one.
registry.timeline_source(
    TimelineSource(
        name="activity",
        kinds=CUSTOMERS,
        rank=4,
        filter="followups",
        label=_("Follow-ups"),
        subkinds=timeline.FOLLOWUP_KINDS,
        chips=timeline.FOLLOWUP_CHIPS,
        read=timeline.followups_source,
        order=10,
    )
)
registry.timeline_source(
    TimelineSource(
        name="task",
        kinds=CUSTOMERS,
        rank=3,
        filter="tasks",
        label=_("Tasks"),
        read=timeline.tasks_source,
        order=20,
    )
)
registry.timeline_source(
    TimelineSource(
        name="attachment",
        kinds=CUSTOMERS,
        rank=2,
        filter="files",
        label=_("Files"),
        read=timeline.files_source,
        order=30,
    )
)


@events.on("export_ready", atomic=True)
def _export_ready(event) -> None:
    """Tell the user their export is ready (records/exports.py wrote the text in their language)."""
    from .models import Notification

    Notification.objects.create(
        user=event.actor,
        kind=Notification.Kind.EXPORT_READY,
        title=event.payload["title"],
        body=event.payload["body"],
        url=event.payload["url"],
        object_type=event.object_type,
        object_id=event.object_id,
    )


@events.on("record_deleted", kind="activity", atomic=True)
@events.on("record_restored", kind="activity", atomic=True)
def _followup_summaries(event) -> None:
    """The recycle bin page restores through records.lifecycle, not the follow-up services: the
    customers' last contact, summary and next contact follow all the same, in the same transaction."""
    followups.refresh_for(event.obj)


registry.api_route("/accounts", "guanxi.engagement.followups.api_timeline:accounts_router", order=31)
registry.api_route("/contacts", "guanxi.engagement.followups.api_timeline:contacts_router", order=41)
registry.api_route("/activities", "guanxi.engagement.followups.api:router", order=50)
registry.api_route("/tasks", "guanxi.engagement.tasks.api:router", order=60)
registry.api_route("/notifications", "guanxi.engagement.tasks.api:notifications_router", order=70)
registry.api_route("/attachments", "guanxi.engagement.files.api:router", order=80)
