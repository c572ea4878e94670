"""What customers declares to the registry (guanxi/core/registry.py): accounts and contacts."""

from django.utils.translation import gettext_lazy as _

from guanxi.core import registry
from guanxi.core.registry import Kind, Permission

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
        recycle_bin=True,
        parents=(registry.Parent(field="account", on_delete=registry.OnParentDelete.DETACH),),
        custom_fields=True,
        order=20,
    )
)

registry.permission(Permission(code="manage_custom_fields", label=_("Manage custom fields"), order=30))
registry.permission(
    Permission(code="manage_customer_settings", label=_("Manage customer settings"), order=31)
)
registry.kind(
    Kind(
        name="custom_field",
        model="customers.CustomFieldDef",
        label=_("custom field"),
        plural=_("custom fields"),
        icon="bi-ui-checks",
        detail_url="custom_field_edit",
        list_url="custom_field_list",
        manage_permission="manage_custom_fields",
        order=90,
    )
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
