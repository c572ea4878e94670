"""The organization's administration rights (org/rights.py)."""

from django.utils.translation import gettext_lazy as _

from guanxi.core import registry
from guanxi.core.registry import Permission

registry.permission(Permission(code="manage_users", label=_("Manage users"), order=10))
registry.permission(Permission(code="manage_departments", label=_("Manage departments"), order=11))
registry.permission(
    Permission(code="manage_roles", label=_("Manage roles, data scopes and rights"), order=12)
)
