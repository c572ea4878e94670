from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomFieldsConfig(AppConfig):
    """Administrator-defined fields of the kinds of record declared with `custom_fields=True`."""

    name = "guanxi.custom_fields"
    label = "custom_fields"
    verbose_name = _("Custom fields")
