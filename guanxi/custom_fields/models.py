"""Custom field definitions. A definition belongs to a kind of record declared with
`custom_fields=True` in the registry (guanxi/core/registry.py); the values live in that record's
`custom_fields` JSON (core.models.CustomerRecord)."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class FieldType(models.TextChoices):
    TEXT = "text", _("Text")
    LONG_TEXT = "long_text", _("Long text")
    NUMBER = "number", _("Whole number")
    DECIMAL = "decimal", _("Decimal")
    DATE = "date", _("Date")
    DATETIME = "datetime", _("Date and time")
    CHOICE = "choice", _("Single choice")
    MULTI_CHOICE = "multi_choice", _("Multiple choice")
    BOOLEAN = "boolean", _("Yes/no")
    USER = "user", _("User")
    URL = "url", _("URL")
    EMAIL = "email", _("Email")
    PHONE = "phone", _("Phone")


CHOICE_TYPES = frozenset({FieldType.CHOICE, FieldType.MULTI_CHOICE})


class CustomFieldDef(models.Model):
    """An administrator-defined field; values live in the record's `custom_fields` JSON."""

    # A kind of record of the registry; services.custom_field_create checks it (no choices here:
    # the kinds are declared by the apps above this one).
    object_type = models.CharField(_("object"), max_length=40)
    key = models.SlugField(_("key"), max_length=40)
    label_en = models.CharField(_("label (English)"), max_length=100)
    label_zh_hans = models.CharField(_("label (Simplified Chinese)"), max_length=100, blank=True)
    label_zh_hant = models.CharField(_("label (Traditional Chinese)"), max_length=100, blank=True)
    type = models.CharField(_("type"), max_length=20, choices=FieldType.choices)
    # [{"value": "gold", "label_en": "Gold", "label_zh_hans": "金牌", "label_zh_hant": "金牌"}, …]
    choices = models.JSONField(_("choices"), default=list, blank=True)
    required = models.BooleanField(_("required"), default=False)
    help_en = models.CharField(_("help text (English)"), max_length=300, blank=True)
    help_zh_hans = models.CharField(_("help text (Simplified Chinese)"), max_length=300, blank=True)
    help_zh_hant = models.CharField(_("help text (Traditional Chinese)"), max_length=300, blank=True)
    order = models.PositiveIntegerField(_("order"), default=0)
    active = models.BooleanField(_("active"), default=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now, editable=False)

    POLICY_OBJECT_TYPE = "custom_field"

    class Meta:
        db_table = "customers_customfielddef"  # created by customers (migration 0003), moved here
        ordering = ["object_type", "order", "id"]
        verbose_name = _("custom field")
        verbose_name_plural = _("custom fields")
        constraints = [models.UniqueConstraint(fields=["object_type", "key"], name="custom_field_unique_key")]

    def __str__(self) -> str:
        return self.label_en
