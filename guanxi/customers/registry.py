"""What customers declares to the registry (guanxi/core/registry.py): accounts and contacts."""

from django.utils.translation import gettext_lazy as _

from guanxi.core import registry
from guanxi.core.registry import HomeWidget, Kind, NavEntry, Panel, Permission, Section, TimelineSource
from guanxi.records import events

from . import exports, widgets
from .background import notify_new_owner
from .lifecycle import panels as lifecycle_panels
from .lifecycle import timeline as lifecycle_timeline
from .relations import panels as relations_panels

ALL_ACTIONS = registry.ACTIONS

registry.kind(
    Kind(
        name="account",
        model="customers.Account",
        label=_("account"),
        plural=_("accounts"),
        icon="bi-buildings",
        detail_url="account_detail",
        list_url="account_list",
        grants=ALL_ACTIONS,
        searchable=True,
        search_detail=lambda a: " ".join(
            filter(None, [a.get_industry_display() if a.industry else "", a.phone_display])
        ),
        recycle_bin=True,
        export=exports.account_export,
        custom_fields=True,
        order=10,
    )
)
registry.kind(
    Kind(
        name="contact",
        model="customers.Contact",
        label=_("contact"),
        plural=_("contacts"),
        icon="bi-person-lines-fill",
        detail_url="contact_detail",
        list_url="contact_list",
        grants=ALL_ACTIONS,
        searchable=True,
        search_detail=lambda c: " ".join(filter(None, [c.title, c.mobile_display, c.email])),
        recycle_bin=True,
        parents=(registry.Parent(field="account", on_delete=registry.OnParentDelete.DETACH),),
        export=exports.contact_export,
        custom_fields=True,
        order=20,
    )
)

registry.permission(
    Permission(code="manage_customer_settings", label=_("Manage customer settings"), order=31)
)
registry.kind(
    Kind(
        name="customer_settings",
        model="customers.CustomerSettings",
        label=_("customer settings"),
        plural=_("customer settings"),
        icon="bi-sliders",
        list_url="customer_settings",
        manage_permission="manage_customer_settings",
        order=91,
    )
)

registry.section(Section(name="customers", label=_("Customers"), order=20))
registry.nav(
    NavEntry(
        name="accounts",
        section="customers",
        label=_("Accounts"),
        url="account_list",
        icon="bi-buildings",
        order=110,
    )
)
registry.nav(
    NavEntry(
        name="contacts",
        section="customers",
        label=_("Contacts"),
        url="contact_list",
        icon="bi-person-lines-fill",
        order=120,
    )
)
registry.nav(
    NavEntry(
        name="drifting",
        section="customers",
        label=_("Drifting customers"),
        url="drifting_list",
        icon="bi-hourglass-split",
        order=140,
    )
)
registry.nav(
    NavEntry(
        name="customer_settings",
        section="admin",
        label=_("Customer settings"),
        url="customer_settings",
        icon="bi-sliders",
        permission="manage_customer_settings",
        order=850,
    )
)

registry.widget(
    HomeWidget(name="new_customer", template="customers/home/actions.html", slot="actions", order=10)
)
registry.widget(
    HomeWidget(
        name="customer_counts", template="customers/home/counts.html", provider=widgets.counts, order=30
    )
)
registry.widget(
    HomeWidget(
        name="customer_health",
        template="customers/health/home_widget.html",
        provider=widgets.health,
        order=40,
    )
)
registry.widget(
    HomeWidget(
        name="recent_customers", template="customers/home/recent.html", provider=widgets.recent, order=50
    )
)

# Panels of the detail pages (core/panels.py); the order is also the order their providers run in.
registry.panel(
    Panel(
        name="lifecycle",
        kinds=("account",),
        slot="side",
        template="customers/partials/account_lifecycle.html",
        provider=lifecycle_panels.lifecycle_panel,
        order=20,
    )
)
registry.panel(  # before the timeline, which reuses its subsidiaries (panels.shared)
    Panel(
        name="account_relations",
        kinds=("account",),
        slot="side",
        template="customers/partials/account_relations.html",
        provider=relations_panels.account_relations,
        order=40,
    )
)
registry.panel(
    Panel(
        name="contact_relations",
        kinds=("contact",),
        slot="side",
        template="customers/partials/contact_relations.html",
        provider=relations_panels.contact_relations,
        order=40,
    )
)

# Automatic lifecycle moves on the account's timeline (with the field changes under "Changes").
registry.timeline_source(
    TimelineSource(
        name="stage",
        kinds=("account",),
        rank=0,
        filter="changes",
        label=_("Changes"),
        read=lifecycle_timeline.stage_source,
        order=50,
    )
)

# The API root (config/api.py) mounts these; the order is the OpenAPI document's.
registry.api_route("/accounts", "guanxi.customers.api:accounts_router", order=30)
registry.api_route("/contacts", "guanxi.customers.api:contacts_router", order=40)
registry.api_route("/duplicates", "guanxi.customers.duplicates.api:router", order=100)
registry.api_route("/settings", "guanxi.customers.customer_settings.api:router", order=130)

# the new owner of an account or a contact is told by mail (records.lifecycle.transfer emits this)
events.on("record_transferred", kind="account")(notify_new_owner)
events.on("record_transferred", kind="contact")(notify_new_owner)
