from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomersConfig(AppConfig):
    name = "guanxi.customers"
    label = "customers"
    verbose_name = _("Customers")

    def ready(self) -> None:
        # Modules that register 360° panel providers (customers/panels.py) import here.
        # saved_view_lists: the lists that saved views may hold (core/saved_views.py)
        # lifecycle.panels: the lifecycle panel; relations.panels: the relations' panels
        from . import saved_view_lists  # noqa: F401
        from .lifecycle import panels as lifecycle_panels  # noqa: F401
        from .relations import panels as relations_panels  # noqa: F401

        pass
