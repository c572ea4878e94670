"""Accounts (companies) and contacts (people)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from guanxi.core.models import CustomerRecord
from guanxi.core.validators import format_phone, is_cjk
from guanxi.search.tokenizers import Terms

LIVE = Q(deleted_at__isnull=True)


class Industry(models.TextChoices):
    MANUFACTURING = "manufacturing", _("Manufacturing")
    IT = "it", _("Information technology")
    FINANCE = "finance", _("Finance and insurance")
    RETAIL = "retail", _("Retail and wholesale")
    HEALTHCARE = "healthcare", _("Healthcare")
    EDUCATION = "education", _("Education")
    CONSTRUCTION = "construction", _("Construction and real estate")
    LOGISTICS = "logistics", _("Logistics")
    ENERGY = "energy", _("Energy")
    AGRICULTURE = "agriculture", _("Agriculture")
    MEDIA = "media", _("Media and entertainment")
    SERVICES = "services", _("Professional services")
    GOVERNMENT = "government", _("Government and public sector")
    OTHER = "other", _("Other")


class Tier(models.TextChoices):
    A = "A", _("A — key")
    B = "B", _("B — regular")
    C = "C", _("C — small")


class Account(CustomerRecord):
    POLICY_OBJECT_TYPE = "account"

    name = models.CharField(_("name"), max_length=200)
    uscc = models.CharField(_("unified social credit code"), max_length=18, blank=True,
                            help_text=_("统一社会信用代码: 18 characters, checked by GB 32100-2015."))
    industry = models.CharField(_("industry"), max_length=30, blank=True, choices=Industry.choices)
    tier = models.CharField(_("tier"), max_length=1, blank=True, choices=Tier.choices)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    website = models.URLField(_("website"), max_length=300, blank=True)
    address = models.CharField(_("address"), max_length=500, blank=True)
    tags = models.JSONField(_("tags"), default=list, blank=True)
    description = models.TextField(_("description"), max_length=5000, blank=True)

    class Meta:
        verbose_name = _("account")
        verbose_name_plural = _("accounts")
        indexes = [
            models.Index(fields=["-updated_at", "-id"], condition=LIVE, name="account_updated_idx"),
            models.Index(fields=["name", "id"], condition=LIVE, name="account_name_idx"),
            models.Index(fields=["-created_at", "-id"], condition=LIVE, name="account_created_idx"),
            models.Index(fields=["owner", "-updated_at", "-id"], condition=LIVE, name="account_owner_updated_idx"),
            models.Index(fields=["owner", "name", "id"], condition=LIVE, name="account_owner_name_idx"),
            models.Index(fields=["industry", "-updated_at", "-id"], condition=LIVE, name="account_industry_idx"),
            models.Index(fields=["tier", "-updated_at", "-id"], condition=LIVE, name="account_tier_idx"),
            models.Index(fields=["uscc"], condition=~Q(uscc=""), name="account_uscc_idx"),
            models.Index(fields=["deleted_at"], condition=Q(deleted_at__isnull=False), name="account_bin_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def phone_display(self) -> str:
        return format_phone(self.phone)

    def search_terms(self) -> Terms:
        return Terms(text=[self.name, self.uscc], phones=[self.phone])


class Contact(CustomerRecord):
    POLICY_OBJECT_TYPE = "contact"

    name = models.CharField(_("name"), max_length=100, help_text=_("As the person writes it, e.g. 王小明 or Anna Lee."))
    family_name = models.CharField(_("family name"), max_length=50, blank=True)
    given_name = models.CharField(_("given name"), max_length=50, blank=True)
    account = models.ForeignKey(Account, verbose_name=_("account"), null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="contacts")
    title = models.CharField(_("title"), max_length=100, blank=True)
    mobile = models.CharField(_("mobile"), max_length=20, blank=True)
    phone = models.CharField(_("office phone"), max_length=20, blank=True)
    email = models.EmailField(_("email"), max_length=254, blank=True)
    wechat = models.CharField(_("WeChat ID"), max_length=50, blank=True)
    notes = models.TextField(_("notes"), max_length=5000, blank=True)

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        indexes = [
            models.Index(fields=["-updated_at", "-id"], condition=LIVE, name="contact_updated_idx"),
            models.Index(fields=["name", "id"], condition=LIVE, name="contact_name_idx"),
            models.Index(fields=["-created_at", "-id"], condition=LIVE, name="contact_created_idx"),
            models.Index(fields=["owner", "-updated_at", "-id"], condition=LIVE, name="contact_owner_updated_idx"),
            models.Index(fields=["owner", "name", "id"], condition=LIVE, name="contact_owner_name_idx"),
            models.Index(fields=["account", "name", "id"], condition=LIVE, name="contact_account_idx"),
            models.Index(fields=["mobile"], condition=~Q(mobile=""), name="contact_mobile_idx"),
            models.Index(fields=["email"], condition=~Q(email=""), name="contact_email_idx"),
            models.Index(fields=["deleted_at"], condition=Q(deleted_at__isnull=False), name="contact_bin_idx"),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        """Family name first: 王小明; for Latin names, as written (Anna Lee)."""
        if self.family_name and self.given_name:
            if is_cjk(self.family_name[0]):
                return f"{self.family_name}{self.given_name}"
            return f"{self.family_name.upper()} {self.given_name}"
        return self.name

    @property
    def mobile_display(self) -> str:
        return format_phone(self.mobile)

    @property
    def phone_display(self) -> str:
        return format_phone(self.phone)

    def search_terms(self) -> Terms:
        return Terms(text=[self.name, self.family_name + self.given_name, self.wechat],
                     phones=[self.mobile, self.phone], emails=[self.email])
