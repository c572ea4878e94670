"""The organization's administration rights (org/rights.py)."""

from django.utils.translation import gettext_lazy as _

from guanxi.core import registry
from guanxi.core.registry import NavEntry, Permission

registry.permission(Permission(code="manage_users", label=_("Manage users"), order=10))
registry.permission(Permission(code="manage_departments", label=_("Manage departments"), order=11))
registry.permission(
    Permission(code="manage_roles", label=_("Manage roles, data scopes and rights"), order=12)
)

registry.nav(
    NavEntry(
        name="users",
        section="admin",
        label=_("Users"),
        url="org_user_list",
        icon="bi-people",
        permission="manage_users",
        order=810,
    )
)
registry.nav(
    NavEntry(
        name="departments",
        section="admin",
        label=_("Departments"),
        url="org_department_list",
        icon="bi-diagram-3",
        permission="manage_departments",
        order=820,
    )
)
registry.nav(
    NavEntry(
        name="roles",
        section="admin",
        label=_("Roles and data scopes"),
        url="org_role_list",
        icon="bi-person-badge",
        permission="manage_roles",
        order=830,
    )
)

registry.api_route("/auth", "guanxi.org.api:router", order=10)
registry.api_route("/roles", "guanxi.org.api_roles:router", order=20)
