"""What customers declares to the registry (guanxi/core/registry.py): accounts and contacts."""

from django.utils.translation import gettext_lazy as _

from guanxi.core import registry
from guanxi.core.registry import Kind

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
