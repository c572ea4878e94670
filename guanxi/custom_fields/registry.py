"""What custom fields declare to the registry (guanxi/core/registry.py): the definitions as a kind
managed with their own administration right, and the administrators' link. Which kinds of record
take custom fields is each kind's own declaration (`custom_fields=True`)."""

from django.utils.translation import gettext_lazy as _

from guanxi.core import registry
from guanxi.core.registry import Kind, NavEntry, Panel, Permission

registry.permission(Permission(code="manage_custom_fields", label=_("Manage custom fields"), order=30))
registry.kind(
    Kind(
        name="custom_field",
        model="custom_fields.CustomFieldDef",
        label=_("custom field"),
        plural=_("custom fields"),
        icon="bi-ui-checks",
        detail_url="custom_field_edit",
        list_url="custom_field_list",
        manage_permission="manage_custom_fields",
        order=90,
    )
)
registry.nav(
    NavEntry(
        name="custom_fields",
        section="admin",
        label=_("Custom fields"),
        url="custom_field_list",
        icon="bi-ui-checks",
        permission="manage_custom_fields",
        order=840,
    )
)
registry.api_route("/custom-fields", "guanxi.custom_fields.api:router", order=90)

# The values on the detail page of every kind that takes custom fields (its `custom_fields=True`).
registry.panel(
    Panel(
        name="custom_field_values",
        applies=lambda kind: kind.custom_fields,
        slot="more_facts",
        template="custom_fields/partials/values.html",
        order=90,
    )
)
