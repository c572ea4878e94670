"""Leads (线索), web-to-lead forms, lead scoring and assignment rules."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from guanxi.core.models import CustomerRecord, SoftDeletable, TimeStamped, Versioned
from guanxi.core.validators import format_phone
from guanxi.customers.models import Account, Contact, Industry
from guanxi.search.tokenizers import Terms

from .base import LIVE, localized


class LeadStatus(models.TextChoices):
    NEW = "new", pgettext_lazy("lead status", "New")
    WORKING = "working", _("Working")
    QUALIFIED = "qualified", _("Qualified")
    UNQUALIFIED = "unqualified", _("Unqualified")
    CONVERTED = "converted", _("Converted")


OPEN_LEAD_STATUSES = (LeadStatus.NEW, LeadStatus.WORKING, LeadStatus.QUALIFIED)


class LeadSource(models.TextChoices):
    WEB_FORM = "web_form", _("Web form")
    WEBSITE = "website", _("Website")
    PHONE = "phone", _("Inbound call")
    REFERRAL = "referral", _("Referral")
    CAMPAIGN = "campaign", _("Campaign")
    TRADE_SHOW = "trade_show", _("Trade show")
    ADVERTISING = "advertising", _("Advertising")
    PARTNER = "partner", _("Partner")
    COLD_CALL = "cold_call", _("Cold call")
    IMPORT = "import", _("Import")
    OTHER = "other", _("Other")


class Lead(CustomerRecord):
    """A person or company that may become a customer, before qualification."""

    POLICY_OBJECT_TYPE = "lead"

    # NULL while the lead sits in a pool (公海).
    owner = models.ForeignKey(  # type: ignore[assignment]  # nullable here, unlike Owned's
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    name = models.CharField(_("name"), max_length=100)
    company = models.CharField(_("company"), max_length=200, blank=True)
    title = models.CharField(_("title"), max_length=100, blank=True)
    mobile = models.CharField(_("mobile"), max_length=20, blank=True)
    phone = models.CharField(_("office phone"), max_length=20, blank=True)
    email = models.EmailField(_("email"), max_length=254, blank=True)
    wechat = models.CharField(_("WeChat ID"), max_length=50, blank=True)
    source = models.CharField(
        _("source"), max_length=20, choices=LeadSource.choices, default=LeadSource.OTHER
    )
    province = models.CharField(_("province"), max_length=50, blank=True)
    city = models.CharField(_("city"), max_length=50, blank=True)
    industry = models.CharField(_("industry"), max_length=30, blank=True, choices=Industry.choices)
    status = models.CharField(_("status"), max_length=20, choices=LeadStatus.choices, default=LeadStatus.NEW)
    unqualified_reason = models.CharField(_("reason unqualified"), max_length=300, blank=True)
    description = models.TextField(_("description"), max_length=5000, blank=True)
    # Kept by scoring/services.py: the total and why ([{"rule": id, "label": …, "points": n}]).
    score = models.IntegerField(_("score"), default=0, editable=False)
    score_reasons = models.JSONField(default=list, blank=True, editable=False)
    last_contact_at = models.DateTimeField(_("last contact"), null=True, blank=True, editable=False)
    # Where it came from: the web form, and the consent text the person saw there.
    form = models.ForeignKey(
        "LeadForm",
        verbose_name=_("web form"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="leads",
        editable=False,
    )
    consent_text = models.TextField(_("consent given"), blank=True, editable=False)
    consent_at = models.DateTimeField(_("consent given at"), null=True, blank=True, editable=False)
    # The shared pool: pool set and owner NULL while in it; owned_since counts the reclaim days.
    pool = models.ForeignKey(
        "Pool",
        verbose_name=_("pool"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="leads",
        editable=False,
    )
    owned_since = models.DateTimeField(_("owned since"), null=True, blank=True, editable=False)
    pool_locked = models.BooleanField(_("locked"), default=False, editable=False)
    # Conversion (leads/conversion.py): what the lead became.
    converted_at = models.DateTimeField(_("converted"), null=True, blank=True, editable=False)
    converted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    account = models.ForeignKey(
        Account,
        verbose_name=_("account"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="leads",
        editable=False,
    )
    contact = models.ForeignKey(
        Contact,
        verbose_name=_("contact"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="leads",
        editable=False,
    )
    opportunity = models.ForeignKey(
        "Opportunity",
        verbose_name=_("opportunity"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )

    class Meta:
        verbose_name = _("lead")
        verbose_name_plural = _("leads")
        indexes = [
            models.Index(fields=["-updated_at", "-id"], condition=LIVE, name="lead_updated_idx"),
            models.Index(fields=["-created_at", "-id"], condition=LIVE, name="lead_created_idx"),
            models.Index(
                fields=["owner", "-updated_at", "-id"], condition=LIVE, name="lead_owner_updated_idx"
            ),
            models.Index(fields=["owner", "status"], condition=LIVE, name="lead_owner_status_idx"),
            models.Index(fields=["status", "-updated_at", "-id"], condition=LIVE, name="lead_status_idx"),
            models.Index(fields=["source", "-created_at", "-id"], condition=LIVE, name="lead_source_idx"),
            models.Index(fields=["-score", "-id"], condition=LIVE, name="lead_score_idx"),
            models.Index(fields=["province", "city"], condition=LIVE, name="lead_region_idx"),
            models.Index(
                fields=["pool", "-updated_at", "-id"],
                condition=LIVE & Q(pool__isnull=False),
                name="lead_pool_idx",
            ),
            models.Index(fields=["mobile"], condition=~Q(mobile=""), name="lead_mobile_idx"),
            models.Index(fields=["email"], condition=~Q(email=""), name="lead_email_idx"),
            models.Index(
                fields=["form", "-created_at"], condition=Q(form__isnull=False), name="lead_form_idx"
            ),
            models.Index(fields=["deleted_at"], condition=Q(deleted_at__isnull=False), name="lead_bin_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.name} · {self.company}" if self.company else self.name

    @property
    def mobile_display(self) -> str:
        return format_phone(self.mobile)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_LEAD_STATUSES

    def search_terms(self) -> Terms:
        return Terms(
            text=[self.name, self.company, self.wechat], phones=[self.mobile, self.phone], emails=[self.email]
        )


# --- web-to-lead forms ------------------------------------------------------------------------


class LeadForm(TimeStamped, Versioned, SoftDeletable):
    """A public form (/f/<slug>) whose submissions become leads. Administrators build them."""

    POLICY_OBJECT_TYPE = "lead_form"

    name = models.CharField(_("name"), max_length=100)
    slug = models.SlugField(_("address"), max_length=60, unique=True)
    # [{"name": "mobile", "required": true, "label_en": "", "label_zh_hans": "", "label_zh_hant": ""}, …]
    # names are Lead fields (webforms/services.py FORM_FIELDS); empty labels use the field's own.
    fields = models.JSONField(_("fields"), default=list)
    title_en = models.CharField(_("title (English)"), max_length=200, blank=True)
    title_zh_hans = models.CharField(_("title (Simplified Chinese)"), max_length=200, blank=True)
    title_zh_hant = models.CharField(_("title (Traditional Chinese)"), max_length=200, blank=True)
    consent_text_en = models.TextField(_("consent text (English)"), max_length=2000, blank=True)
    consent_text_zh_hans = models.TextField(
        _("consent text (Simplified Chinese)"), max_length=2000, blank=True
    )
    consent_text_zh_hant = models.TextField(
        _("consent text (Traditional Chinese)"), max_length=2000, blank=True
    )
    success_message_en = models.CharField(_("success message (English)"), max_length=500, blank=True)
    success_message_zh_hans = models.CharField(
        _("success message (Simplified Chinese)"), max_length=500, blank=True
    )
    success_message_zh_hant = models.CharField(
        _("success message (Traditional Chinese)"), max_length=500, blank=True
    )
    source = models.CharField(
        _("lead source"), max_length=20, choices=LeadSource.choices, default=LeadSource.WEB_FORM
    )
    # Where new leads go: a pool, else a user, else the assignment rules.
    pool = models.ForeignKey(
        "Pool", verbose_name=_("pool"), null=True, blank=True, on_delete=models.SET_NULL, related_name="forms"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner of new leads"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    active = models.BooleanField(_("active"), default=True)
    submissions = models.PositiveIntegerField(_("submissions"), default=0, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("web form")
        verbose_name_plural = _("web forms")

    def __str__(self) -> str:
        return self.name

    @property
    def title(self) -> str:
        return localized(self, "title") or self.name

    @property
    def consent_text(self) -> str:
        return localized(self, "consent_text")

    @property
    def success_message(self) -> str:
        return localized(self, "success_message")


# --- scoring and assignment -------------------------------------------------------------------


class ScoringRule(TimeStamped, Versioned):
    """Points a lead earns for a field value or for activity (scoring/services.py)."""

    POLICY_OBJECT_TYPE = "scoring_rule"

    class Kind(models.TextChoices):
        FIELD = "field", _("Field value")
        ACTIVITY = "activity", _("Activity")

    class Operator(models.TextChoices):
        EQUALS = "equals", _("is")
        IN = "in", _("is one of")
        CONTAINS = "contains", _("contains")
        NOT_EMPTY = "not_empty", _("is filled in")
        # activity rules
        FOLLOWUP_WITHIN_DAYS = "followup_within_days", _("followed up within N days of creation")
        FOLLOWUPS_AT_LEAST = "followups_at_least", _("at least N follow-ups")
        INBOUND_REPLY = "inbound_reply", _("replied (inbound follow-up) within N days")

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.FIELD)
    field = models.CharField(_("field"), max_length=40, blank=True)
    operator = models.CharField(
        _("condition"), max_length=30, choices=Operator.choices, default=Operator.EQUALS
    )
    value = models.JSONField(_("value"), default=str, blank=True)  # text, list of texts, or N
    points = models.IntegerField(_("points"), validators=[MinValueValidator(-1000), MaxValueValidator(1000)])
    active = models.BooleanField(_("active"), default=True)
    order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("scoring rule")
        verbose_name_plural = _("scoring rules")

    def __str__(self) -> str:
        return self.name


class AssignmentRule(TimeStamped, Versioned):
    """Who gets a new lead: the first active rule (by order) whose conditions all match."""

    POLICY_OBJECT_TYPE = "assignment_rule"

    class Method(models.TextChoices):
        ROUND_ROBIN = "round_robin", _("Round robin")
        FEWEST_OPEN = "fewest_open", _("Fewest open leads")
        POOL = "pool", _("To a pool")

    name = models.CharField(_("name"), max_length=100)
    order = models.PositiveIntegerField(_("order"), default=0)
    active = models.BooleanField(_("active"), default=True)
    # {"source": ["web_form"], "province": ["广东省"], "city": [], "industry": [], "form": [3]}:
    # every non-empty list must contain the lead's value.
    conditions = models.JSONField(_("conditions"), default=dict, blank=True)
    method = models.CharField(_("method"), max_length=20, choices=Method.choices, default=Method.ROUND_ROBIN)
    users = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("users"), blank=True, related_name="+"
    )
    pool = models.ForeignKey(
        "Pool", verbose_name=_("pool"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # A user at the cap (open leads) is skipped; when everyone is, the lead goes to the pool (or stays unassigned).
    capacity = models.PositiveIntegerField(_("open leads per user at most"), null=True, blank=True)
    last_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )  # round-robin pointer

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("assignment rule")
        verbose_name_plural = _("assignment rules")

    def __str__(self) -> str:
        return self.name
