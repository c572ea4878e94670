"""The shell's own parts of the sidebar (web/navigation.py): the sections every app may add to."""

from django.utils.translation import gettext_lazy as _

from guanxi.core import registry
from guanxi.core.registry import NavEntry, Section

registry.section(Section(name="work", label=_("My work"), order=10))
registry.section(Section(name="admin", label=_("Administration"), order=80))
registry.section(Section(name="developers", label=_("Developers"), order=90))

registry.nav(NavEntry(name="home", section="work", label=_("Home"), url="home", icon="bi-house", order=10))
registry.nav(
    NavEntry(
        name="api_docs",
        section="developers",
        label=_("API documentation"),
        url="/api/v1/docs",
        icon="bi-braces",
        order=10,
    )
)
