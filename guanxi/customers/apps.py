from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomersConfig(AppConfig):
    name = "guanxi.customers"
    label = "customers"
    verbose_name = _("Customers")

    def ready(self) -> None:
        # the lists that saved views may hold (core/saved_views.py); panels are in registry.py
        from . import saved_view_lists  # noqa: F401
