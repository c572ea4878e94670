"""What customers declares to the registry (guanxi/core/registry.py): accounts and contacts."""

from django.utils.translation import gettext_lazy as _

from guanxi.core import registry
from guanxi.core.registry import HomeWidget, Kind, NavEntry, Permission, Section
from guanxi.records import events

from . import widgets
from .background import notify_new_owner

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

# a background export's file is ready (customers/exports.py); engagement rings the user's bell.
# Payload: user (id), title, body, url — already in the user's language.
registry.event("export_ready", _("An export is ready"))

# the new owner of an account or a contact is told by mail (records.lifecycle.transfer emits this)
events.on("record_transferred", kind="account")(notify_new_owner)
events.on("record_transferred", kind="contact")(notify_new_owner)
