"""Accounts (companies) and contacts (people)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from guanxi.core.models import CustomerRecord
from guanxi.core.validators import format_phone, is_cjk
from guanxi.custom_fields import search as custom_field_search
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


class PartnerType(models.TextChoices):
    AGENT = "agent", _("Agent")
    WHOLESALER = "wholesaler", _("Wholesaler")
    RESELLER = "reseller", _("Reseller")


class RelationshipLevel(models.TextChoices):
    """Kotler's five levels of customer relationship."""

    BASIC = "basic", _("Basic")
    REACTIVE = "reactive", _("Reactive")
    ACCOUNTABLE = "accountable", _("Accountable")
    PROACTIVE = "proactive", _("Proactive")
    PARTNERSHIP = "partnership", _("Partnership")


class Lifecycle(models.TextChoices):
    PROSPECT = "prospect", _("Prospect")
    NEW = "new", _("New customer")
    ACTIVE = "active", pgettext_lazy("customer lifecycle", "Active")
    AT_RISK = "at_risk", _("At risk")
    DORMANT = "dormant", _("Dormant")
    LOST = "lost", _("Lost")
    WON_BACK = "won_back", _("Won back")


class Health(models.TextChoices):
    """Set by the dormancy job from the time since the last interaction."""

    ACTIVE = "active", pgettext_lazy("customer health", "Active")
    DRIFTING = "drifting", _("Drifting")
    DORMANT = "dormant", _("Dormant")


def _custom_terms(record) -> tuple[list[str], list[str], list[str]]:
    """What the record's custom field values add to its search document (custom_fields/search.py)."""
    if not record.custom_fields:
        return [], [], []
    return custom_field_search.search_terms(record.POLICY_OBJECT_TYPE, record.custom_fields)


class Account(CustomerRecord):
    POLICY_OBJECT_TYPE = "account"
    # Audit keys that are not fields, and the records their values name (records.history).
    AUDIT_REFS = {"partner_links": "customers.Account"}

    # NULL while the account sits in a customer pool (公海, sales/pools): see sales/models/pools.py.
    owner = models.ForeignKey(  # type: ignore[assignment]  # nullable here, unlike Owned's
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )

    name = models.CharField(_("name"), max_length=200)
    uscc = models.CharField(
        _("unified social credit code"),
        max_length=18,
        blank=True,
        help_text=_("统一社会信用代码: 18 characters, checked by GB 32100-2015."),
    )
    industry = models.CharField(_("industry"), max_length=30, blank=True, choices=Industry.choices)
    tier = models.CharField(_("tier"), max_length=1, blank=True, choices=Tier.choices)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    website = models.URLField(_("website"), max_length=300, blank=True)
    address = models.CharField(_("address"), max_length=500, blank=True)
    tags = models.JSONField(_("tags"), default=list, blank=True)
    description = models.TextField(_("description"), max_length=5000, blank=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent company"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="subsidiaries",
    )
    partner_type = models.CharField(_("partner type"), max_length=20, blank=True, choices=PartnerType.choices)
    relationship_level = models.CharField(
        _("relationship level"),
        max_length=20,
        choices=RelationshipLevel.choices,
        default=RelationshipLevel.BASIC,
    )
    lifecycle_stage = models.CharField(
        _("lifecycle stage"), max_length=20, choices=Lifecycle.choices, default=Lifecycle.PROSPECT
    )
    health = models.CharField(_("health"), max_length=10, choices=Health.choices, default=Health.ACTIVE)
    health_since = models.DateTimeField(_("health since"), null=True, blank=True, editable=False)
    # Kept by engagement.services on every follow-up: what the 360° page and dormancy read.
    last_contact_at = models.DateTimeField(_("last contact"), null=True, blank=True, editable=False)
    last_followup_summary = models.CharField(_("last follow-up"), max_length=300, blank=True, editable=False)
    next_contact_at = models.DateTimeField(_("next contact"), null=True, blank=True, editable=False)
    # The name without company suffixes, in simplified characters: what the duplicate check compares.
    name_key = models.CharField(max_length=200, blank=True, editable=False)
    # The shared pool (sales/pools): pool set and owner NULL while in it; owned_since (creation,
    # transfer, claim or assignment) counts the reclaim rules' days; locked is exempt from reclaim.
    pool = models.ForeignKey(
        "sales.Pool",
        verbose_name=_("pool"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="accounts",
        editable=False,
    )
    owned_since = models.DateTimeField(_("owned since"), null=True, blank=True, editable=False)
    pool_locked = models.BooleanField(_("locked"), default=False, editable=False)

    class Meta:
        verbose_name = _("account")
        verbose_name_plural = _("accounts")
        indexes = [
            models.Index(fields=["-updated_at", "-id"], condition=LIVE, name="account_updated_idx"),
            models.Index(fields=["name", "id"], condition=LIVE, name="account_name_idx"),
            models.Index(fields=["-created_at", "-id"], condition=LIVE, name="account_created_idx"),
            models.Index(
                fields=["owner", "-updated_at", "-id"], condition=LIVE, name="account_owner_updated_idx"
            ),
            models.Index(fields=["owner", "name", "id"], condition=LIVE, name="account_owner_name_idx"),
            models.Index(
                fields=["industry", "-updated_at", "-id"], condition=LIVE, name="account_industry_idx"
            ),
            models.Index(fields=["tier", "-updated_at", "-id"], condition=LIVE, name="account_tier_idx"),
            models.Index(fields=["uscc"], condition=~Q(uscc=""), name="account_uscc_idx"),
            models.Index(
                fields=["deleted_at"], condition=Q(deleted_at__isnull=False), name="account_bin_idx"
            ),
            models.Index(fields=["health", "-updated_at", "-id"], condition=LIVE, name="account_health_idx"),
            models.Index(
                fields=["owner", "health", "-updated_at", "-id"],
                condition=LIVE,
                name="account_owner_health_idx",
            ),
            models.Index(
                fields=["lifecycle_stage", "-updated_at", "-id"], condition=LIVE, name="account_lifecycle_idx"
            ),
            models.Index(
                fields=["relationship_level", "-updated_at", "-id"], condition=LIVE, name="account_level_idx"
            ),
            models.Index(
                fields=["partner_type", "name", "id"],
                condition=LIVE & ~Q(partner_type=""),
                name="account_partner_idx",
            ),
            models.Index(
                fields=["parent", "name", "id"],
                condition=LIVE & Q(parent__isnull=False),
                name="account_parent_idx",
            ),
            models.Index(
                fields=["owner", "next_contact_at"],
                condition=LIVE & Q(next_contact_at__isnull=False),
                name="account_next_contact_idx",
            ),
            models.Index(fields=["last_contact_at", "id"], condition=LIVE, name="account_last_contact_idx"),
            models.Index(fields=["name_key"], condition=LIVE & ~Q(name_key=""), name="account_name_key_idx"),
            # Duplicate check (customers/duplicates/selectors.py): exact phone, and name_key prefixes while
            # typing; PostgreSQL answers LIKE 'prefix%' from an index only with a pattern opclass
            # (ignored on SQLite, which gets a range query on account_name_key_idx instead).
            models.Index(fields=["phone"], condition=~Q(phone=""), name="account_phone_idx"),
            models.Index(
                fields=["name_key"],
                condition=LIVE & ~Q(name_key=""),
                opclasses=["varchar_pattern_ops"],
                name="account_name_key_like_idx",
            ),
            models.Index(
                fields=["pool", "-updated_at", "-id"],
                condition=LIVE & Q(pool__isnull=False),
                name="account_pool_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def phone_display(self) -> str:
        return format_phone(self.phone)

    def search_terms(self) -> Terms:
        text, phones, emails = _custom_terms(self)
        return Terms(text=[self.name, self.uscc, *text], phones=[self.phone, *phones], emails=emails)


class Contact(CustomerRecord):
    POLICY_OBJECT_TYPE = "contact"
    AUDIT_REFS = {"account_links": "customers.Account"}  # see Account.AUDIT_REFS

    # NULL while its account sits in a customer pool (contacts move with their account).
    owner = models.ForeignKey(  # type: ignore[assignment]  # nullable here, unlike Owned's
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )

    name = models.CharField(
        _("name"), max_length=100, help_text=_("As the person writes it, e.g. 王小明 or Anna Lee.")
    )
    family_name = models.CharField(_("family name"), max_length=50, blank=True)
    given_name = models.CharField(_("given name"), max_length=50, blank=True)
    account = models.ForeignKey(
        Account,
        verbose_name=_("account"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="contacts",
    )
    title = models.CharField(_("title"), max_length=100, blank=True)
    mobile = models.CharField(_("mobile"), max_length=20, blank=True)
    phone = models.CharField(_("office phone"), max_length=20, blank=True)
    email = models.EmailField(_("email"), max_length=254, blank=True)
    wechat = models.CharField(_("WeChat ID"), max_length=50, blank=True)
    notes = models.TextField(_("notes"), max_length=5000, blank=True)
    last_contact_at = models.DateTimeField(_("last contact"), null=True, blank=True, editable=False)
    last_followup_summary = models.CharField(_("last follow-up"), max_length=300, blank=True, editable=False)
    next_contact_at = models.DateTimeField(_("next contact"), null=True, blank=True, editable=False)
    name_key = models.CharField(
        max_length=100, blank=True, editable=False
    )  # simplified characters, see Account

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        indexes = [
            models.Index(fields=["-updated_at", "-id"], condition=LIVE, name="contact_updated_idx"),
            models.Index(fields=["name", "id"], condition=LIVE, name="contact_name_idx"),
            models.Index(fields=["-created_at", "-id"], condition=LIVE, name="contact_created_idx"),
            models.Index(
                fields=["owner", "-updated_at", "-id"], condition=LIVE, name="contact_owner_updated_idx"
            ),
            models.Index(fields=["owner", "name", "id"], condition=LIVE, name="contact_owner_name_idx"),
            models.Index(fields=["account", "name", "id"], condition=LIVE, name="contact_account_idx"),
            models.Index(fields=["mobile"], condition=~Q(mobile=""), name="contact_mobile_idx"),
            models.Index(fields=["email"], condition=~Q(email=""), name="contact_email_idx"),
            models.Index(
                fields=["deleted_at"], condition=Q(deleted_at__isnull=False), name="contact_bin_idx"
            ),
            models.Index(fields=["name_key"], condition=LIVE & ~Q(name_key=""), name="contact_name_key_idx"),
            # Duplicate check: office phone, email in any case, name_key prefixes (see Account).
            models.Index(fields=["phone"], condition=~Q(phone=""), name="contact_phone_idx"),
            models.Index(Lower("email"), condition=~Q(email=""), name="contact_email_lower_idx"),
            models.Index(
                fields=["name_key"],
                condition=LIVE & ~Q(name_key=""),
                opclasses=["varchar_pattern_ops"],
                name="contact_name_key_like_idx",
            ),
            models.Index(
                fields=["owner", "next_contact_at"],
                condition=LIVE & Q(next_contact_at__isnull=False),
                name="contact_next_contact_idx",
            ),
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
        text, phones, emails = _custom_terms(self)
        return Terms(
            text=[self.name, self.family_name + self.given_name, self.wechat, *text],
            phones=[self.mobile, self.phone, *phones],
            emails=[self.email, *emails],
        )


class ContactRole(models.TextChoices):
    DECISION_MAKER = "decision_maker", _("Decision maker")
    INFLUENCER = "influencer", _("Influencer")
    BUYER = "buyer", _("Buyer")
    USER = "user", _("User")
    TECHNICAL = "technical", _("Technical contact")
    FINANCE = "finance", _("Finance")
    OTHER = "other", _("Other")


class ContactAccount(models.Model):
    """A contact works with several accounts; one link is primary and mirrors Contact.account."""

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="account_links")
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="contact_links")
    role = models.CharField(_("role"), max_length=20, blank=True, choices=ContactRole.choices)
    title = models.CharField(_("title"), max_length=100, blank=True)
    is_primary = models.BooleanField(_("primary"), default=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("contact's account")
        verbose_name_plural = _("contacts' accounts")
        constraints = [
            models.UniqueConstraint(fields=["contact", "account"], name="contact_account_unique"),
            models.UniqueConstraint(
                fields=["contact"], condition=Q(is_primary=True), name="contact_one_primary"
            ),
        ]
        indexes = [models.Index(fields=["account", "contact"], name="contact_account_acc_idx")]


class PartnerLink(models.Model):
    """A partner (agent, wholesaler, reseller) serves a customer."""

    partner = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="customer_links")
    customer = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="partner_links")
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["partner", "customer"], name="partner_link_unique"),
            models.CheckConstraint(condition=~Q(partner=models.F("customer")), name="partner_link_not_self"),
        ]
        indexes = [models.Index(fields=["customer", "partner"], name="partner_link_customer_idx")]


class StageChange(models.Model):
    """History of an account's lifecycle stage and relationship level, by hand or automatic."""

    class Field(models.TextChoices):
        LIFECYCLE = "lifecycle_stage", _("lifecycle stage")
        LEVEL = "relationship_level", _("relationship level")

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="stage_changes")
    field = models.CharField(max_length=20, choices=Field.choices)
    old = models.CharField(max_length=20, blank=True)
    new = models.CharField(max_length=20)
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    automatic = models.BooleanField(default=False)
    reason = models.CharField(max_length=200, blank=True)

    class Meta:
        indexes = [models.Index(fields=["account", "-at", "-id"], name="stage_change_account_idx")]


class CustomerSettings(models.Model):
    """Company-wide customer settings, one row (pk=1), edited by administrators."""

    class DuplicateMode(models.TextChoices):
        WARN = "warn", _("Warn about likely duplicates")
        BLOCK = "block", _("Block exact USCC, phone or email matches")

    dormancy_days_a = models.PositiveIntegerField(_("dormant after (days), tier A"), default=30)
    dormancy_days_b = models.PositiveIntegerField(_("dormant after (days), tier B"), default=60)
    dormancy_days_c = models.PositiveIntegerField(_("dormant after (days), tier C"), default=90)
    dormancy_days_other = models.PositiveIntegerField(_("dormant after (days), no tier"), default=90)
    duplicate_mode = models.CharField(
        _("duplicate check"), max_length=10, choices=DuplicateMode.choices, default=DuplicateMode.WARN
    )
    version = models.PositiveIntegerField(default=1, editable=False)
    updated_at = models.DateTimeField(default=timezone.now, editable=False)

    POLICY_OBJECT_TYPE = "customer_settings"

    class Meta:
        verbose_name = _("customer settings")
        verbose_name_plural = _("customer settings")

    def __str__(self) -> str:
        return str(_("customer settings"))

    @classmethod
    def load(cls) -> CustomerSettings:
        obj, _created = cls.objects.get_or_create(pk=1)
        return obj

    def dormancy_days(self, tier: str) -> int:
        return {"A": self.dormancy_days_a, "B": self.dormancy_days_b, "C": self.dormancy_days_c}.get(
            tier, self.dormancy_days_other
        )
